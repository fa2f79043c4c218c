//! Deploying a tree into a target directory without ever leaving a
//! half-copied one: copy into a staging directory inside the target, then
//! swap it into place with renames, keeping the previous release until the
//! swap has succeeded.

use std::path::{Component, Path, PathBuf};

use kiln_sdk::{Error, ResultExt};

use crate::copy::{Copied, copy_tree};

/// Names this plugin owns at the top of the target. They are never part of
/// a deployed tree and are kept out of the "visible content" it replaces.
const OWN_PREFIX: &str = ".kiln-";
const STAGING_PREFIX: &str = ".kiln-staging-";
const PREVIOUS: &str = ".kiln-previous";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A staging or previous-release directory left by an interrupted run.
    RemovedLeftover(PathBuf),
    Copying {
        files: u64,
        bytes: u64,
    },
    /// Names of the previous release that were replaced.
    Replaced(usize),
    /// The deploy succeeded, but the previous release could not be removed.
    CleanupFailed {
        path: PathBuf,
        error: String,
    },
}

pub struct Plan<'a> {
    pub artifact: &'a Path,
    /// The granted directory: `/mnt/target` in the sandbox.
    pub target: &'a Path,
    /// Relative, checked by [`parse_subdir`]; `None` replaces the target's
    /// whole visible content.
    pub subdir: Option<&'a str>,
    pub run_id: &'a str,
}

/// Check the `subdir` parameter: a relative path of plain names, none of
/// them `..`, and not one of this plugin's own names. Empty means none.
pub fn parse_subdir(param: Option<&str>) -> Result<Option<String>, Error> {
    let Some(text) = param.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(None);
    };
    let invalid = |why: &str| Error::new(format!("parameter `subdir` = {text:?} {why}"));
    let mut parts = Vec::new();
    for component in Path::new(text).components() {
        match component {
            Component::Normal(part) => {
                parts.push(part.to_str().ok_or_else(|| invalid("is not UTF-8"))?)
            }
            Component::CurDir => {}
            Component::ParentDir => return Err(invalid("must not contain `..`")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(invalid("must be relative to the target"));
            }
        }
    }
    match parts.first() {
        None => Ok(None),
        Some(first) if first.starts_with(OWN_PREFIX) => Err(invalid(&format!(
            "must not start with `{OWN_PREFIX}`, which deploy-dir uses itself"
        ))),
        Some(_) => Ok(Some(parts.join("/"))),
    }
}

/// Copy `plan.artifact` into the target, all at once.
pub fn deploy(plan: &Plan<'_>, on_event: &mut dyn FnMut(Event)) -> Result<Copied, Error> {
    refuse_own_names(plan.artifact)?;
    let staging = plan
        .target
        .join(format!("{STAGING_PREFIX}{}", sanitize(plan.run_id)));
    let previous = plan.target.join(PREVIOUS);
    for leftover in [&staging, &previous] {
        if leftover.symlink_metadata().is_ok() {
            remove_any(leftover).with_context(|| {
                format!("removing {} left by an earlier run", leftover.display())
            })?;
            on_event(Event::RemovedLeftover(leftover.clone()));
        }
    }

    std::fs::create_dir(&staging).with_context(|| format!("creating {}", staging.display()))?;
    let copied = copy_tree(plan.artifact, &staging, &mut |copied| {
        on_event(Event::Copying {
            files: copied.files,
            bytes: copied.bytes,
        })
    });
    let copied = match copied {
        Ok(copied) => copied,
        Err(error) => {
            // The target is untouched; only the staging copy goes.
            let _ = std::fs::remove_dir_all(&staging);
            return Err(error.context("copying the artifact into staging"));
        }
    };

    let swapped = match plan.subdir {
        Some(subdir) => swap_subdir(&staging, &plan.target.join(subdir), &previous),
        None => swap_root(&staging, plan.target, &previous),
    };
    let replaced = match swapped {
        Ok(replaced) => replaced,
        Err(error) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(error);
        }
    };
    on_event(Event::Replaced(replaced));
    if previous.symlink_metadata().is_ok()
        && let Err(error) = remove_any(&previous)
    {
        on_event(Event::CleanupFailed {
            path: previous,
            error: error.to_string(),
        });
    }
    Ok(copied)
}

/// `staging` becomes `dest`: two renames, with the old `dest` parked at
/// `previous` in between and put back if the second rename fails.
fn swap_subdir(staging: &Path, dest: &Path, previous: &Path) -> Result<usize, Error> {
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let had_previous = dest.symlink_metadata().is_ok();
    if had_previous {
        std::fs::rename(dest, previous)
            .with_context(|| format!("moving the previous release {} aside", dest.display()))?;
    }
    if let Err(error) = std::fs::rename(staging, dest) {
        if had_previous {
            let _ = std::fs::rename(previous, dest);
        }
        return Err(Error::new(format!(
            "moving the new release into {}: {error}",
            dest.display()
        )));
    }
    Ok(usize::from(had_previous))
}

/// The target itself is the mount and cannot be renamed, so its visible
/// entries move into `previous` one by one, then the staged entries move
/// up. Every step is a rename; a failure moves everything back.
fn swap_root(staging: &Path, target: &Path, previous: &Path) -> Result<usize, Error> {
    let old_names = visible_names(target)?;
    let new_names = visible_names(staging)?;
    std::fs::create_dir(previous).with_context(|| format!("creating {}", previous.display()))?;
    move_entries(target, previous, &old_names).map_err(|error| {
        let _ = std::fs::remove_dir(previous);
        error.context("moving the previous release aside")
    })?;
    if let Err(error) = move_entries(staging, target, &new_names) {
        let _ = move_entries(previous, target, &old_names);
        return Err(error.context("moving the new release into place"));
    }
    std::fs::remove_dir(staging).with_context(|| format!("removing {}", staging.display()))?;
    Ok(old_names.len())
}

/// Rename each of `names` from `from` to `to`. On a failure, the names
/// already moved are moved back before the error is returned.
pub fn move_entries(from: &Path, to: &Path, names: &[String]) -> Result<(), Error> {
    for (done, name) in names.iter().enumerate() {
        if let Err(error) = std::fs::rename(from.join(name), to.join(name)) {
            for moved in names[..done].iter().rev() {
                let _ = std::fs::rename(to.join(moved), from.join(moved));
            }
            return Err(Error::new(format!(
                "moving {} to {}: {error}",
                from.join(name).display(),
                to.display()
            )));
        }
    }
    Ok(())
}

/// The entries of `dir` except this plugin's own, sorted.
fn visible_names(dir: &Path) -> Result<Vec<String>, Error> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        let name = entry
            .file_name()
            .into_string()
            .map_err(|name| Error::new(format!("{}: name {name:?} is not UTF-8", dir.display())))?;
        if !name.starts_with(OWN_PREFIX) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// An artifact whose top level uses this plugin's names could not be
/// deployed faithfully: those names are hidden from the swap.
fn refuse_own_names(artifact: &Path) -> Result<(), Error> {
    for entry in
        std::fs::read_dir(artifact).with_context(|| format!("listing {}", artifact.display()))?
    {
        let name = entry
            .with_context(|| format!("listing {}", artifact.display()))?
            .file_name();
        if name.to_string_lossy().starts_with(OWN_PREFIX) {
            return Err(Error::new(format!(
                "the artifact has a top-level entry {name:?}; names starting with \
                 `{OWN_PREFIX}` are reserved by deploy-dir"
            )));
        }
    }
    Ok(())
}

fn remove_any(path: &Path) -> std::io::Result<()> {
    if path.symlink_metadata()?.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
}

/// A run id as part of a file name: safe characters only, bounded length.
fn sanitize(run_id: &str) -> String {
    let cleaned: String = run_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if cleaned.is_empty() {
        "run".into()
    } else {
        cleaned
    }
}
