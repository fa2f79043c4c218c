//! From `kiln.yaml` to a [`Plan`], or to every problem in the file, each
//! with its line, column and field.
//!
//! The file is parsed (syntax and shape: unknown fields, wrong types),
//! its registry plugins fetched and checked against the signature policy,
//! then passes run over one [`Report`](report::Report), each small enough
//! to read on its own:
//!
//! 1. [`names`]: the pipeline's, stages' and actions' names;
//! 2. [`needs`]: the `needs` graph of each stage;
//! 3. [`artifacts`]: outputs produced once, inputs produced before use;
//!    [`exports`]: exported variables declared once, read after their
//!    exporter;
//! 4. [`plugins`]: each `uses:` resolved and loaded (`describe()`), but
//!    [`approval`], which kiln runs itself;
//! 5. per action: [`params`] against `describe()`, [`grants`] (each
//!    capability reads its own part, then what `describe()` asks for must
//!    be granted), and [`settings`] (`if`, timeout, retries, limits,
//!    cache, reports, env).

mod approval;
mod artifacts;
mod exports;
mod grants;
mod names;
mod needs;
mod params;
mod plugins;
mod report;
pub mod settings;

use std::path::{Path, PathBuf};

use kiln_model::digest::Digest;
use kiln_model::plan::{ActionPlan, Plan, StagePlan};
use kiln_pipeline::{Diagnostics, PipelineFile};
use kiln_sandbox::Runtime;

use crate::plugins::PluginResolver;
use report::{Report, Site};

pub use settings::{DEFAULT_TIMEOUT, MAX_RETRIES};

/// Why a pipeline cannot run.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error("cannot read pipeline file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot use workspace {}: {source}", path.display())]
    Workspace {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Diagnostics),
}

/// What validation needs besides the file: the runtime that loads plugins,
/// where plugins are found, and the home directory `~` means in grants.
pub struct Context<'a> {
    pub runtime: &'a Runtime,
    pub resolver: &'a PluginResolver,
    pub home: Option<&'a Path>,
}

/// Read, parse and fully validate a pipeline file, loading its plugins.
/// `workspace` defaults to the file's directory.
pub async fn load_and_validate(
    file: &Path,
    workspace: Option<&Path>,
    context: &Context<'_>,
) -> Result<Plan, ValidateError> {
    let source = std::fs::read_to_string(file).map_err(|source| ValidateError::Read {
        path: file.to_path_buf(),
        source,
    })?;
    validate_text(file, &source, workspace, context).await
}

/// The directory mounted at `/workspace`: `workspace`, else the file's.
pub fn workspace_of(file: &Path, workspace: Option<&Path>) -> Result<PathBuf, ValidateError> {
    workspace
        .unwrap_or_else(|| {
            file.parent()
                .filter(|dir| !dir.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
        })
        .canonicalize()
        .map_err(|source| ValidateError::Workspace {
            path: workspace.map(Path::to_path_buf).unwrap_or_default(),
            source,
        })
}

/// Validate pipeline text that stands for `file`: what a file holds, or
/// what kiln made of another format (a CodeBuild buildspec). Its digest
/// is what a resume compares.
pub async fn validate_text(
    file: &Path,
    source: &str,
    workspace: Option<&Path>,
    context: &Context<'_>,
) -> Result<Plan, ValidateError> {
    let parsed = kiln_pipeline::parse(file, source).map_err(ValidateError::Invalid)?;
    let workspace = workspace_of(file, workspace)?;
    // Registry plugins are fetched (and pinned, and their signatures
    // checked) before anything else looks at a plugin.
    let resolver = context
        .resolver
        .with_registry_plugins(file, &parsed)
        .await
        .map_err(ValidateError::Invalid)?;
    let context = Context {
        resolver: &resolver,
        ..*context
    };
    let source = Source {
        file,
        workspace: &workspace,
        digest: Digest::of(source.as_bytes()),
    };
    validate(&source, parsed, &context)
        .await
        .map_err(ValidateError::Invalid)
}

/// The file being validated.
struct Source<'a> {
    file: &'a Path,
    workspace: &'a Path,
    digest: Digest,
}

async fn validate(
    source: &Source<'_>,
    pipeline: PipelineFile,
    context: &Context<'_>,
) -> Result<Plan, Diagnostics> {
    let mut report = Report::new(source.file);
    names::check(&pipeline, &mut report);
    let needs = needs::resolve(&pipeline, &mut report);
    artifacts::check(&pipeline, &needs, &mut report);
    let mut exports = exports::check(&pipeline, &needs, &mut report);
    let loaded = plugins::load(
        &pipeline,
        source.workspace,
        context.runtime,
        context.resolver,
        &mut report,
    )
    .await;

    let mut stages = Vec::new();
    for (s, stage) in pipeline.stages.iter().enumerate() {
        let mut actions = Vec::new();
        for (a, action) in stage.actions.iter().enumerate() {
            let site = Site {
                stage: s,
                action: a,
            };
            let is_approval = action.uses.value == approval::USES;
            let plugin = if is_approval {
                approval::reference()
            } else {
                // A plugin that did not load was reported by its pass.
                let Some(plugin) = loaded.get(&action.uses) else {
                    continue;
                };
                plugin.clone()
            };
            let info = plugin.info.clone();
            let info = &info;
            let params = params::check(action, site, info, &mut report);
            let approval = if is_approval {
                approval::spec(action, site, &params, &mut report)
            } else {
                None
            };
            actions.push(ActionPlan {
                name: action.name.value.clone(),
                stage: stage.name.value.clone(),
                uses: action.uses.value.clone(),
                plugin,
                params,
                inputs: action.inputs.iter().map(|i| i.value.clone()).collect(),
                outputs: action.outputs.iter().map(|o| o.value.clone()).collect(),
                needs: needs[s][a].clone(),
                condition: settings::condition(action),
                timeout: settings::timeout(action, site, &mut report),
                retries: settings::retries(action, site, &mut report),
                env: settings::env(&pipeline.env, action, site, &mut report),
                grants: grants::check(
                    action,
                    site,
                    info,
                    source.workspace,
                    context.home,
                    &mut report,
                ),
                limits: settings::limits(action, site, &mut report),
                cache: settings::cache_policy(action),
                cache_dirs: settings::cache_dirs(action, site, &mut report),
                reports: settings::reports(action, site, &mut report),
                approval,
                exports: std::mem::take(&mut exports[s][a].0),
                interpolate: std::mem::take(&mut exports[s][a].1),
            });
        }
        stages.push(StagePlan {
            name: stage.name.value.clone(),
            deploy: stage.deploy.as_ref().map_or_else(
                || stage.name.to_ascii_lowercase().starts_with("deploy"),
                |deploy| deploy.value,
            ),
            actions,
        });
    }
    report.into_result(Plan {
        name: pipeline.name.value.clone(),
        file: source.file.to_path_buf(),
        workspace: source.workspace.to_path_buf(),
        source_digest: source.digest,
        stages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let error = kiln_pipeline::parse(
            Path::new("kiln.yaml"),
            "name: x\nstages:\n  - name: a\n    actionz: []\n",
        )
        .unwrap_err();
        let first = &error.0[0];
        assert_eq!(first.at.line, 4, "{first}");
        assert!(first.message.contains("actionz"), "{first}");
    }
}
