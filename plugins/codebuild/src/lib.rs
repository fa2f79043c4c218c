//! codebuild: runs an AWS CodeBuild `buildspec.yml` as CodeBuild does.
//!
//! The buildspec is parsed and turned into one shell script by
//! `kiln-buildspec` (phases, `on-failure`, `finally`, version 0.1's fresh
//! shell per command and 0.2's carried state, `CODEBUILD_*` variables);
//! the script runs on the host through the exec capability, with the shell
//! `env.shell` names (`sh` by default, as on CodeBuild, or `bash`), so it
//! is confined as every granted program is. What the script records (each
//! command's exit code, the phases, exported variables, expanded artifact
//! names) is read back to fail the action with the phase, command and
//! exit code that failed, and to collect:
//!
//! - `artifacts` into the action's outputs ([`layout`] says which),
//! - `reports` into the reports output, one directory per report group,
//!   where kiln reads them as it reads any declared report,
//! - `cache.paths` into a persistent cache directory ([`cache`]),
//! - `env.exported-variables` into `/kiln/exports` ([`kiln_sdk::exports`]).

mod artifacts;
mod cache;
mod environment;
mod files;
mod layout;
mod shell;

use kiln_buildspec::{Buildspec, Outcome};
use kiln_sdk::{Context, Error, Grant, Info, Param, Plugin, export_plugin};

use layout::Layout;

/// Scratch space of the build in the sandbox's private `/tmp`: the script,
/// its records and state, the `HOME` the commands get.
pub(crate) const WORKDIR: &str = "/tmp/codebuild";

struct CodeBuild;

impl Plugin for CodeBuild {
    fn describe() -> Info {
        Info::new("codebuild", env!("CARGO_PKG_VERSION"))
            .summary("Runs an AWS CodeBuild buildspec.yml as CodeBuild does, with the host's shell (grant exec of `sh` or `bash` with `runs: any`)")
            .param(Param::new("buildspec", "The buildspec file, relative to the workspace").default("buildspec.yml"))
            .param(Param::new(
                "artifact",
                "The output that receives the primary artifact (default: the only output that no secondary artifact and no report group takes)",
            ))
            .param(
                Param::new("reports", "The output that receives report files, one directory per report group")
                    .default("reports"),
            )
            .param(
                Param::new("cache-dir", "The persistent directory (`cache: { dirs: [...] }`) that keeps `cache.paths` between runs")
                    .default("codebuild"),
            )
            // Builds write into their source directory, as on CodeBuild.
            .grant(Grant::WorkspaceWrite)
    }

    fn run(ctx: Context) -> Result<String, Error> {
        let spec = load(&ctx)?;
        let layout = Layout::of(&ctx, &spec)?;
        let secrets = environment::secrets(&spec)?;
        let runner = shell::Runner::prepare(&spec)?;
        cache::restore(&spec, &layout)?;
        let outcome = runner.run(&ctx, &spec, &secrets)?;
        log_outcome(&outcome);
        let resolved = spec.with_resolved(&outcome);
        if outcome.finished {
            cache::save(&resolved, &layout)?;
        }
        let collected = if outcome.upload_artifacts {
            Some(artifacts::collect(&resolved, &layout, outcome.succeeded)?)
        } else {
            kiln_sdk::info!(
                "[codebuild] Skipping UPLOAD_ARTIFACTS: an earlier phase ended the build"
            );
            None
        };
        if !outcome.succeeded {
            return Err(failure(&spec, &outcome));
        }
        environment::export(&spec, &outcome)?;
        Ok(summary(&spec, collected.as_ref()))
    }
}

/// The buildspec, parsed; its warnings go to the log.
fn load(ctx: &Context) -> Result<Buildspec, Error> {
    let file = ctx.param("buildspec").unwrap_or("buildspec.yml");
    let relative = file.trim_start_matches("./");
    if relative.starts_with('/') || relative.split('/').any(|part| part == "..") {
        return Err(Error::new(format!(
            "buildspec `{file}` must be a relative path inside the workspace"
        )));
    }
    let path = ctx.workspace().join(relative);
    let text = std::fs::read_to_string(&path)
        .map_err(|error| Error::new(format!("reading buildspec `{file}`: {error}")))?;
    let spec = kiln_buildspec::parse(relative, &text).map_err(|diagnostics| {
        Error::new(format!(
            "{} is not a buildspec kiln can run:\n{diagnostics}",
            relative
        ))
    })?;
    for warning in &spec.warnings {
        kiln_sdk::warn!("warning: {warning}");
    }
    Ok(spec)
}

/// The runtimes found and the failures CodeBuild would hide.
fn log_outcome(outcome: &Outcome) {
    for check in &outcome.runtimes {
        if let (Some(found), Some(false)) = (&check.found, check.matches) {
            kiln_sdk::warn!(
                "kiln: runtime {} {} asked for; this machine's is {found}, and it is the one that ran",
                check.runtime.name.value,
                check.runtime.version.value
            );
        }
    }
    for masked in &outcome.masked {
        kiln_sdk::warn!("kiln: {masked}");
    }
}

/// Why the build failed: each command that failed with its phase, place
/// and exit code, or what stopped the build before its first command.
fn failure(spec: &Buildspec, outcome: &Outcome) -> Error {
    let mut lines = Vec::new();
    if !outcome.finished {
        lines.push("the build script stopped before the build ended".to_owned());
    }
    for name in &outcome.missing_secrets {
        lines.push(format!("secret {name} was not provided"));
    }
    for check in outcome.runtimes.iter().filter(|c| c.found.is_none()) {
        lines.push(format!(
            "runtime {} {} is not on this machine (install phase)",
            check.runtime.name.value, check.runtime.version.value
        ));
    }
    for failed in &outcome.failures {
        lines.push(format!(
            "{failed} ({}:{}:{})",
            spec.file, failed.at.line, failed.at.column
        ));
    }
    if lines.is_empty() {
        lines.push("a phase failed".to_owned());
    }
    Error::new(format!("build failed: {}", lines.join("; ")))
}

fn summary(spec: &Buildspec, collected: Option<&artifacts::Collected>) -> String {
    let commands = spec.commands().len();
    let mut text = format!(
        "build succeeded (buildspec {}, {commands} commands)",
        spec.version.value
    );
    if let Some(collected) = collected {
        for (output, files) in &collected.artifacts {
            text.push_str(&format!(", artifact `{output}`: {files} files"));
        }
        if collected.reports > 0 {
            text.push_str(&format!(", {} report files", collected.reports));
        }
    }
    text
}

export_plugin!(CodeBuild);
