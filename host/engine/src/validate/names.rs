//! Pass: names. The pipeline's, each stage's and each action's: plain
//! (they become directory names) and unique (actions across the whole
//! pipeline, so `kiln logs <run> <action>` is unambiguous).

use std::collections::HashMap;

use kiln_model::names::is_plain_name;
use kiln_pipeline::{Located, PipelineFile, Position};

use super::report::{Report, sites};

pub fn check(pipeline: &PipelineFile, report: &mut Report<'_>) {
    if pipeline.name.trim().is_empty() {
        report.add(pipeline.name.at, "name", "the pipeline name is empty");
    } else if !is_plain_name(&pipeline.name) {
        report.add(
            pipeline.name.at,
            "name",
            format!(
                "pipeline name `{}` must be letters, digits, `-`, `_` or `.`",
                pipeline.name.value
            ),
        );
    }
    if pipeline.stages.is_empty() {
        report.add(pipeline.name.at, "stages", "the pipeline has no stages");
    }
    let mut stages = HashMap::new();
    for (s, stage) in pipeline.stages.iter().enumerate() {
        unique(
            &stage.name,
            "stage",
            &mut stages,
            format!("stages[{s}].name"),
            report,
        );
        if stage.actions.is_empty() {
            report.add(
                stage.at,
                format!("stages[{s}].actions"),
                format!("stage `{}` has no actions", *stage.name),
            );
        }
    }
    let mut actions = HashMap::new();
    for (site, action) in sites(pipeline) {
        unique(
            &action.name,
            "action",
            &mut actions,
            site.field("name"),
            report,
        );
    }
}

/// `name` is plain and not seen before.
fn unique<'a>(
    name: &'a Located<String>,
    kind: &str,
    seen: &mut HashMap<&'a str, Position>,
    field: String,
    report: &mut Report<'_>,
) {
    if !is_plain_name(name) {
        report.add(
            name.at,
            field.clone(),
            format!(
                "{kind} name `{}` must be letters, digits, `-`, `_` or `.`",
                **name
            ),
        );
    }
    match seen.get(name.as_str()) {
        Some(first) => report.add(
            name.at,
            field,
            format!(
                "duplicate {kind} name `{}` (first defined at line {})",
                **name, first.line
            ),
        ),
        None => {
            seen.insert(name.as_str(), name.at);
        }
    }
}
