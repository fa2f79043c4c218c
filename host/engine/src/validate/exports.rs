//! Pass: exported variables. Each action's `exports:` are variable names,
//! each declared once; every `${exports.<action>.<NAME>}` in an action's
//! `env:` or `with:` names an action that declares `NAME` and runs before
//! the reader (an earlier stage, or this stage through `needs`), as for
//! artifacts. The pipeline's own `env:` cannot read exports: it is every
//! action's, the exporter's and those before it included.

use std::collections::HashMap;

use kiln_model::exports::{ExportRef, is_export_name, references};
use kiln_model::plan::Interpolated;
use kiln_pipeline::{PipelineFile, Position};

use super::needs::{Needs, depends_on};
use super::report::{Report, Site, sites};

/// Per stage and action: the names it exports and its fields that read
/// exports.
pub type Exports = Vec<Vec<(Vec<String>, Vec<Interpolated>)>>;

pub fn check(pipeline: &PipelineFile, needs: &Needs, report: &mut Report<'_>) -> Exports {
    let mut exporters: HashMap<&str, (usize, usize, Vec<&str>)> = HashMap::new();
    for (site, action) in sites(pipeline) {
        let mut names: Vec<&str> = Vec::new();
        for name in &action.exports {
            if !is_export_name(name) {
                report.add(
                    name.at,
                    site.field("exports"),
                    format!(
                        "`{}` is not a variable name (letters, digits and `_`, not starting with a digit)",
                        name.value
                    ),
                );
            } else if names.contains(&name.as_str()) {
                report.add(
                    name.at,
                    site.field("exports"),
                    format!("`{}` is declared twice", name.value),
                );
            } else {
                names.push(name.as_str());
            }
        }
        exporters.insert(action.name.as_str(), (site.stage, site.action, names));
    }

    for (key, value) in &pipeline.env {
        if let Ok(refs) = references(&value.value.0)
            && let Some(first) = refs.first()
        {
            report.add(
                value.at,
                format!("env.{}", key.value),
                format!(
                    "{first}: the pipeline's `env:` cannot read exports (it is every action's, the exporter's included); set the variable in the `env:` of the action that reads it"
                ),
            );
        }
    }

    let mut out: Exports = pipeline
        .stages
        .iter()
        .map(|stage| stage.actions.iter().map(|_| Default::default()).collect())
        .collect();
    for (site, action) in sites(pipeline) {
        let mut interpolate = Vec::new();
        let reader = Reader {
            site,
            needs: &needs[site.stage],
            exporters: &exporters,
            pipeline,
        };
        for (key, value) in &action.env {
            let field = site.field(&format!("env.{}", key.value));
            if reader.check(&value.value.0, value.at, &field, report) {
                interpolate.push(Interpolated::Env(key.value.clone()));
            }
        }
        for (key, value) in &action.with {
            let json = value.value.is_array() || value.value.is_object();
            let text = match &value.value {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            let field = site.field(&format!("with.{}", key.value));
            if reader.check(&text, value.at, &field, report) {
                interpolate.push(Interpolated::Param {
                    name: key.value.clone(),
                    json,
                });
            }
        }
        let names = action.exports.iter().map(|n| n.value.clone()).collect();
        out[site.stage][site.action] = (names, interpolate);
    }
    out
}

/// The action whose fields are checked.
struct Reader<'a> {
    site: Site,
    needs: &'a [Vec<usize>],
    exporters: &'a HashMap<&'a str, (usize, usize, Vec<&'a str>)>,
    pipeline: &'a PipelineFile,
}

impl Reader<'_> {
    /// Reports each reference of `text` that cannot be read; whether the
    /// text has references.
    fn check(&self, text: &str, at: Position, field: &str, report: &mut Report<'_>) -> bool {
        let refs = match references(text) {
            Ok(refs) => refs,
            Err(error) => {
                report.add(at, field, error.to_string());
                return false;
            }
        };
        for reference in &refs {
            if let Some(problem) = self.problem(reference) {
                report.add(at, field, format!("{reference}: {problem}"));
            }
        }
        !refs.is_empty()
    }

    fn problem(&self, reference: &ExportRef) -> Option<String> {
        let (s, a) = (self.site.stage, self.site.action);
        let Some((es, ea, names)) = self.exporters.get(reference.action.as_str()) else {
            return Some(format!("no action is named `{}`", reference.action));
        };
        if !names.contains(&reference.name.as_str()) {
            let declared = if names.is_empty() {
                "it declares no `exports:`".to_owned()
            } else {
                format!("it exports {}", names.join(", "))
            };
            return Some(format!(
                "action `{}` does not export `{}` ({declared})",
                reference.action, reference.name
            ));
        }
        let stage_name = |stage: usize| self.pipeline.stages[stage].name.value.clone();
        match (*es, *ea) {
            (es, ea) if es == s && ea == a => {
                Some("an action cannot read its own exports".to_owned())
            }
            (es, _) if es > s => Some(format!(
                "action `{}` is in stage `{}`, which runs after this one",
                reference.action,
                stage_name(es)
            )),
            (es, ea) if es == s && !depends_on(self.needs, a, ea) => Some(format!(
                "action `{}` is in the same stage; add `{}` to `needs`",
                reference.action, reference.action
            )),
            _ => None,
        }
    }
}
