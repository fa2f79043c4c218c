//! Where the buildspec's products go in the sandbox: which output takes
//! the primary artifact, each secondary artifact and the reports, and the
//! persistent directory for `cache.paths`. Checked before any command
//! runs, so a missing output fails at once and says what to declare.

use std::path::PathBuf;

use kiln_buildspec::Buildspec;
use kiln_sdk::{Context, Error};

/// An output of the action: its name and its directory in the sandbox.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub path: PathBuf,
}

#[derive(Debug, Default)]
pub struct Layout {
    /// The primary artifact's output, when the buildspec has one.
    pub primary: Option<Target>,
    /// Each secondary artifact's identifier and its output (of that name).
    pub secondary: Vec<(String, Target)>,
    /// The reports output, when the buildspec has reports and the action
    /// declares it.
    pub reports: Option<Target>,
    /// `/cache/<name>`, when the buildspec has `cache.paths` and the action
    /// has that persistent directory.
    pub cache: Option<PathBuf>,
}

impl Layout {
    pub fn of(ctx: &Context, spec: &Buildspec) -> Result<Layout, Error> {
        let outputs: Vec<Target> = ctx
            .outputs()
            .iter()
            .map(|o| Target {
                name: o.name.clone(),
                path: o.path.clone(),
            })
            .collect();
        let find = |name: &str| outputs.iter().find(|o| o.name == name).cloned();
        let reports_name = ctx.param("reports").unwrap_or("reports");
        let mut layout = Layout::default();

        let artifacts = spec.artifacts.as_ref();
        for artifact in artifacts.map_or(&[][..], |a| &a.secondary) {
            let id = artifact
                .identifier
                .as_ref()
                .map_or("", |i| i.value.as_str());
            let target = find(id).ok_or_else(|| {
                Error::new(format!(
                    "{}:{}:{}: artifacts.secondary-artifacts.{id}: the action has no output `{id}` for this artifact: add it to the action's `outputs:`",
                    spec.file, artifact.at.line, artifact.at.column
                ))
            })?;
            layout.secondary.push((id.to_owned(), target));
        }
        if let Some(primary) = artifacts.and_then(|a| a.primary.as_ref()) {
            let taken = |name: &str| {
                name == reports_name && !spec.reports.is_empty()
                    || layout.secondary.iter().any(|(id, _)| id == name)
            };
            let at = format!(
                "{}:{}:{}: artifacts",
                spec.file, primary.at.line, primary.at.column
            );
            layout.primary = Some(match ctx.param("artifact") {
                Some(name) => find(name).ok_or_else(|| {
                    Error::new(format!(
                        "{at}: `with: {{ artifact: {name} }}` names no output of the action: add `{name}` to its `outputs:`"
                    ))
                })?,
                None => {
                    let free: Vec<&Target> = outputs.iter().filter(|o| !taken(&o.name)).collect();
                    match free.as_slice() {
                        [only] => (*only).clone(),
                        [] => {
                            return Err(Error::new(format!(
                                "{at}: the action has no output for the primary artifact: add one to its `outputs:` (for example `outputs: [artifact]`)"
                            )));
                        }
                        several => {
                            let names: Vec<&str> = several.iter().map(|o| o.name.as_str()).collect();
                            return Err(Error::new(format!(
                                "{at}: outputs {} could each take the primary artifact: say which with `with: {{ artifact: NAME }}`",
                                names.join(", ")
                            )));
                        }
                    }
                }
            });
        }

        if !spec.reports.is_empty() {
            layout.reports = find(reports_name);
            if layout.reports.is_none() {
                let first = &spec.reports[0].group;
                kiln_sdk::warn!(
                    "warning: {}:{}:{}: reports: the action has no output `{reports_name}`, so its report groups are not kept: add `{reports_name}` to its `outputs:` and its files to `reports:`",
                    spec.file,
                    first.at.line,
                    first.at.column
                );
            }
        }

        if let Some(cache) = &spec.cache {
            let name = ctx.param("cache-dir").unwrap_or("codebuild");
            let dir = PathBuf::from(format!("/cache/{name}"));
            if dir.is_dir() {
                layout.cache = Some(dir);
            } else if let Some(first) = cache.paths.first() {
                kiln_sdk::warn!(
                    "warning: {}:{}:{}: cache.paths: the action has no persistent directory `{name}`, so nothing is kept between builds: add `cache: {{ dirs: [{name}] }}` to it",
                    spec.file,
                    first.at.line,
                    first.at.column
                );
            }
        }
        Ok(layout)
    }
}
