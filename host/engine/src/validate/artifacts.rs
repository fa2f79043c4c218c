//! Pass: artifacts. Every output name is plain and produced once; every
//! input is produced by an earlier stage, or by an action of the same
//! stage that the consumer needs.

use std::collections::HashMap;

use kiln_model::names::is_plain_name;
use kiln_pipeline::PipelineFile;

use super::needs::{Needs, depends_on};
use super::report::{Report, sites};

pub fn check(pipeline: &PipelineFile, needs: &Needs, report: &mut Report<'_>) {
    let mut producers: HashMap<&str, (usize, usize)> = HashMap::new();
    for (site, action) in sites(pipeline) {
        for output in &action.outputs {
            if !is_plain_name(output) {
                report.add(
                    output.at,
                    site.field("outputs"),
                    format!(
                        "artifact name `{}` must be letters, digits, `-`, `_` or `.`",
                        **output
                    ),
                );
            }
            match producers.get(output.as_str()) {
                Some(&(ps, pa)) => {
                    let other = &pipeline.stages[ps].actions[pa].name;
                    report.add(
                        output.at,
                        site.field("outputs"),
                        format!(
                            "artifact `{}` is already an output of action `{}`",
                            **output, **other
                        ),
                    );
                }
                None => {
                    producers.insert(output.as_str(), (site.stage, site.action));
                }
            }
        }
    }
    for (site, action) in sites(pipeline) {
        let (s, a) = (site.stage, site.action);
        for input in &action.inputs {
            match producers.get(input.as_str()) {
                None => report.add(
                    input.at,
                    site.field("inputs"),
                    format!("no earlier action outputs artifact `{}`", **input),
                ),
                Some(&(ps, _)) if ps > s => report.add(
                    input.at,
                    site.field("inputs"),
                    format!(
                        "artifact `{}` is produced by stage `{}`, which runs after this one",
                        **input, *pipeline.stages[ps].name
                    ),
                ),
                Some(&(ps, pa)) if ps == s && !depends_on(&needs[s], a, pa) => {
                    let producer = &pipeline.stages[s].actions[pa].name;
                    report.add(
                        input.at,
                        site.field("inputs"),
                        format!(
                            "artifact `{}` is produced by `{}` in the same stage; add `{}` to `needs`",
                            **input, **producer, **producer
                        ),
                    );
                }
                Some(_) => {}
            }
        }
    }
}
