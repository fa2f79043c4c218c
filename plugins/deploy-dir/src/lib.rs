//! `deploy-dir`: copy an input artifact into a granted host directory,
//! all at once: the artifact is copied into a staging directory inside the
//! target, then renamed into place, with the previous release kept until
//! the new one is in. A failed copy leaves the target as it was.
//!
//! The deployed tree is exactly the artifact. What WASI 0.2 cannot carry:
//! permission bits (files get the host's defaults, so executables lose
//! their executable bit), owners and times. Symlinks are copied as links;
//! the host refuses absolute link targets, which fails the deploy.
//!
//! Without `subdir` the target's whole visible content is replaced by
//! moving its entries aside one rename at a time, so a reader may briefly
//! see a mix during the swap (WASI has no atomic exchange). With `subdir`
//! the swap is two renames. Concurrent deploys to the same target are not
//! supported.

mod copy;
mod deploy;

#[cfg(test)]
mod tests;

use std::path::Path;

use kiln_sdk::{Access, Context, Error, Grant, Info, Input, Param, Plugin, export_plugin};

use crate::deploy::{Event, Plan, deploy, parse_subdir};

/// The grant name, and so the mount point `/mnt/target`.
const TARGET: &str = "target";

struct DeployDir;

impl Plugin for DeployDir {
    fn describe() -> Info {
        Info::new("deploy-dir", env!("CARGO_PKG_VERSION"))
            .summary("Copy an artifact into a granted host directory, swapping it in all at once")
            .param(Param::new(
                "artifact",
                "The input artifact to deploy (default: the only input)",
            ))
            .param(Param::new(
                "subdir",
                "Relative path under the target to deploy into (default: the whole target)",
            ))
            .grant(Grant::path(TARGET, Access::ReadWrite))
    }

    fn run(ctx: Context) -> Result<String, Error> {
        let input = select_artifact(ctx.inputs(), ctx.param("artifact"))?;
        let subdir = parse_subdir(ctx.param("subdir"))?;
        let target = Path::new("/mnt").join(TARGET);
        if !target.is_dir() {
            return Err(Error::new(format!(
                "{} is not mounted: grant the `{TARGET}` directory to this action",
                target.display()
            )));
        }
        let destination = match &subdir {
            Some(subdir) => format!("{TARGET}/{subdir}"),
            None => TARGET.to_owned(),
        };
        let digest = short_digest(&input.digest);
        kiln_sdk::info!("deploying {} ({digest}) to {destination}", input.name);
        let plan = Plan {
            artifact: &input.path,
            target: &target,
            subdir: subdir.as_deref(),
            run_id: &ctx.run_id,
        };
        let copied = deploy(&plan, &mut log_event)
            .map_err(|error| error.context(format!("deploying to {destination}")))?;
        kiln_sdk::info!(
            "copied {} files, {} symlinks and {} directories ({} bytes)",
            copied.files,
            copied.symlinks,
            copied.dirs,
            copied.bytes
        );
        Ok(format!(
            "deployed {} ({digest}) to {destination}: {} files",
            input.name,
            copied.files + copied.symlinks
        ))
    }
}

export_plugin!(DeployDir);

fn log_event(event: Event) {
    match event {
        Event::RemovedLeftover(path) => {
            kiln_sdk::warn!("removed {} left by an interrupted deploy", path.display())
        }
        Event::Copying { files, bytes } => {
            kiln_sdk::log::progress(files, 0, format!("copied {files} files ({bytes} bytes)"))
        }
        Event::Replaced(0) => kiln_sdk::info!("nothing to replace: first deploy here"),
        Event::Replaced(entries) => {
            kiln_sdk::info!("replaced the previous release ({entries} entries)")
        }
        Event::CleanupFailed { path, error } => kiln_sdk::warn!(
            "deployed, but the previous release at {} could not be removed: {error}",
            path.display()
        ),
    }
}

/// The input named by `artifact`, or the only input.
fn select_artifact<'a>(inputs: &'a [Input], name: Option<&str>) -> Result<&'a Input, Error> {
    let names = || {
        inputs
            .iter()
            .map(|input| input.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match name.map(str::trim).filter(|name| !name.is_empty()) {
        Some(name) => inputs
            .iter()
            .find(|input| input.name == name)
            .ok_or_else(|| {
                Error::new(format!(
                    "parameter `artifact` names `{name}`, which is not an input of the action \
                     (inputs: {})",
                    names()
                ))
            }),
        None => match inputs {
            [input] => Ok(input),
            [] => Err(Error::new("the action has no input artifact to deploy")),
            _ => Err(Error::new(format!(
                "the action has {} inputs; set parameter `artifact` to one of: {}",
                inputs.len(),
                names()
            ))),
        },
    }
}

/// `sha256:1a2b3c…` → `sha256:1a2b3c4d5e6f`.
fn short_digest(digest: &str) -> String {
    let prefix = |text: &str| text.chars().take(12).collect::<String>();
    match digest.split_once(':') {
        Some((algorithm, hex)) => format!("{algorithm}:{}", prefix(hex)),
        None => prefix(digest),
    }
}
