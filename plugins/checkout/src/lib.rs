//! `checkout`: snapshot a git repository of the workspace at a ref into the
//! action's output artifact: exactly the files git tracks there, no `.git`.
//!
//! The sandbox has no `git` binary, so this reads the object database
//! directly: loose objects, pack files (index version 2, offset and ref
//! deltas, 64-bit offsets), loose refs and `packed-refs`.
//!
//! What the output cannot carry, because WASI 0.2 has no way to set it:
//! the executable bit of mode 100755 files (they are written like 100644
//! files; the log says how many), owners, and symlinks the host refuses.
//! Symlinks are created only when their target stays inside the checkout;
//! others, and submodules (mode 160000), are skipped with a warning.

mod delta;
mod listing;
mod object;
mod odb;
mod oid;
mod pack;
mod refs;
mod repo;
mod snapshot;
mod timefmt;
mod writer;

#[cfg(test)]
mod git_tests;

use std::path::{Component, Path, PathBuf};

use kiln_sdk::{Context, Error, Info, Param, Plugin, export_plugin};

use crate::snapshot::{Event, snapshot};
use crate::timefmt::{format_bytes, format_git_time};
use crate::writer::WriteEvent;

struct Checkout;

impl Plugin for Checkout {
    fn describe() -> Info {
        Info::new("checkout", env!("CARGO_PKG_VERSION"))
            .summary("Snapshot the files a git repository tracks at a ref into the output artifact")
            .param(
                Param::new(
                    "ref",
                    "Branch, tag, remote branch, full ref name or (abbreviated) commit id",
                )
                .default("HEAD"),
            )
            .param(
                Param::new("repository", "Path of the repository inside the workspace")
                    .default("."),
            )
    }

    fn run(ctx: Context) -> Result<String, Error> {
        let spec = ctx.param("ref").unwrap_or("HEAD").trim();
        let repository = ctx.param("repository").unwrap_or(".");
        let repo_dir = workspace_path(ctx.workspace(), repository)?;
        let output = ctx.single_output()?;
        kiln_sdk::info!(
            "checking out `{spec}` of {} into artifact `{}`",
            repo_dir.display(),
            output.name
        );
        let snapshot = snapshot(&repo_dir, spec, &output.path, &mut log_event)
            .map_err(|error| error.context(format!("checkout of `{spec}` failed")))?;
        let report = &snapshot.report;
        if report.executables > 0 {
            kiln_sdk::warn!(
                "executable bit not set on {} (WASI cannot set permissions)",
                plural(report.executables, "file")
            );
        }
        Ok(format!(
            "checked out {spec} at {} ({}, {})",
            snapshot.commit_id.short(),
            plural(report.files, "file"),
            format_bytes(report.bytes)
        ))
    }
}

export_plugin!(Checkout);

fn log_event(event: Event) {
    match event {
        Event::Opened {
            packs,
            packed_objects,
        } => kiln_sdk::debug!("object database: {packs} packs, {packed_objects} packed objects"),
        Event::Resolved(resolved) => match resolved.ref_name {
            Some(name) => kiln_sdk::info!("resolved {name} to {}", resolved.id),
            None => kiln_sdk::info!("resolved object id {}", resolved.id),
        },
        Event::PeeledTag { tag, target } => {
            kiln_sdk::info!("annotated tag {} points to {target}", tag.short())
        }
        Event::Commit { id, commit } => {
            let time = commit
                .author_time
                .map(|(seconds, offset)| format_git_time(seconds, &offset))
                .unwrap_or_else(|| "unknown time".into());
            kiln_sdk::info!("commit {id} authored {time}: {}", commit.subject);
        }
        Event::Listed { paths } => {
            kiln_sdk::info!("writing {}", plural(paths as u64, "tracked path"))
        }
        Event::Write(WriteEvent::Progress { done, total }) => {
            kiln_sdk::log::progress(done as u64, total as u64, "writing files")
        }
        Event::Write(WriteEvent::SkippedSubmodule { path, commit }) => {
            kiln_sdk::warn!("skipped submodule {path} (commit {})", commit.short())
        }
        Event::Write(WriteEvent::SkippedSymlink {
            path,
            target,
            reason,
        }) => kiln_sdk::warn!("skipped symlink {path} -> {target}: {reason}"),
    }
}

fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// The `repository` parameter as a path inside the workspace: relative (or
/// already under `/workspace`), and never climbing out with `..`.
fn workspace_path(workspace: &Path, repository: &str) -> Result<PathBuf, Error> {
    let relative = Path::new(repository.trim())
        .strip_prefix(workspace)
        .unwrap_or(Path::new(repository.trim()));
    let mut path = workspace.to_owned();
    for component in relative.components() {
        match component {
            Component::Normal(part) => path.push(part),
            Component::CurDir => {}
            _ => {
                return Err(Error::new(format!(
                    "parameter `repository` = {repository:?} must be a path inside the \
                     workspace, without `..`"
                )));
            }
        }
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::workspace_path;
    use std::path::Path;

    #[test]
    fn repository_paths_stay_in_the_workspace() {
        let workspace = Path::new("/workspace");
        assert_eq!(workspace_path(workspace, ".").unwrap(), workspace);
        assert_eq!(
            workspace_path(workspace, "vendor/lib").unwrap(),
            Path::new("/workspace/vendor/lib")
        );
        assert_eq!(
            workspace_path(workspace, "/workspace/sub").unwrap(),
            Path::new("/workspace/sub")
        );
        assert!(workspace_path(workspace, "../etc").is_err());
        assert!(workspace_path(workspace, "/etc").is_err());
        assert!(workspace_path(workspace, "a/../../b").is_err());
    }
}
