//! `cache.paths` in kiln's persistent cache directory, as CodeBuild's
//! local custom cache: restored before the build, saved after it.
//!
//! The directory (`/cache/<cache-dir>`, kept by kiln from one run of the
//! action to the next) holds `source/<path>` for paths relative to the
//! source directory and `home/<path>` for `~/...` paths. A restore copies
//! only files the workspace lacks (kiln's workspace persists between runs,
//! unlike CodeBuild's fresh checkout, so newer files there win); a save
//! replaces each path's copy with what the build left.
//!
//! Absolute paths (`/root/.m2/**/*`) cannot be kept: the build may write
//! only its workspace, its `/tmp` and its mounts. They are warned about by
//! name and line.

use std::path::{Path, PathBuf};

use kiln_buildspec::{Buildspec, CacheDir, CacheRoot, FsTree, cache_dirs, select_cache};
use kiln_sdk::Error;

use crate::WORKDIR;
use crate::files::{copy_entry, copy_missing};
use crate::layout::Layout;

/// Each cache path with the tree it is relative to in the sandbox and its
/// place in the cache directory; absolute ones are warned about.
fn entries(spec: &Buildspec, cache: &Path, warn: bool) -> Vec<(CacheDir, PathBuf, PathBuf)> {
    let Some(paths) = &spec.cache else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in cache_dirs(paths) {
        let (root, stash) = match entry.root {
            CacheRoot::Source => (PathBuf::from("/workspace"), cache.join("source")),
            CacheRoot::Home => (PathBuf::from(WORKDIR).join("home"), cache.join("home")),
            CacheRoot::Absolute => {
                if warn {
                    kiln_sdk::warn!(
                        "warning: {}:{}:{}: cache.paths: `{}` is outside the source directory and the home directory, which are all a build may write here: it is not kept",
                        spec.file,
                        entry.pattern.at.line,
                        entry.pattern.at.column,
                        entry.pattern.value
                    );
                }
                continue;
            }
        };
        out.push((entry, root, stash));
    }
    out
}

/// Before the build: each kept path back where the build expects it.
pub fn restore(spec: &Buildspec, layout: &Layout) -> Result<(), Error> {
    let Some(cache) = &layout.cache else {
        return Ok(());
    };
    for (entry, root, stash) in entries(spec, cache, true) {
        std::fs::create_dir_all(&root)
            .map_err(|e| Error::new(format!("creating {}: {e}", root.display())))?;
        let from = stash.join(&entry.dir);
        if std::fs::symlink_metadata(&from).is_err() {
            kiln_sdk::info!(
                "[codebuild] Cache path {}: nothing kept yet",
                entry.pattern.value
            );
            continue;
        }
        let copied = if from.is_dir() {
            copy_missing(&from, &root.join(&entry.dir))
        } else {
            let dest = root.join(&entry.dir);
            if std::fs::symlink_metadata(&dest).is_ok() {
                Ok(0)
            } else {
                copy_entry(&from, &dest).map(|()| 1)
            }
        }
        .map_err(|e| Error::new(format!("restoring cache path {}: {e}", entry.pattern.value)))?;
        kiln_sdk::info!(
            "[codebuild] Restored cache path {}: {copied} files",
            entry.pattern.value
        );
    }
    Ok(())
}

/// After the build: each path's files, replacing what was kept.
pub fn save(spec: &Buildspec, layout: &Layout) -> Result<(), Error> {
    let Some(cache) = &layout.cache else {
        return Ok(());
    };
    for (entry, root, stash) in entries(spec, cache, false) {
        let failed = |e: &dyn std::fmt::Display| {
            Error::new(format!("saving cache path {}: {e}", entry.pattern.value))
        };
        let files = select_cache(&entry, &FsTree::new(&root)).map_err(|e| failed(&e))?;
        let kept = stash.join(&entry.dir);
        if kept.is_dir() {
            std::fs::remove_dir_all(&kept).map_err(|e| failed(&e))?;
        } else if std::fs::symlink_metadata(&kept).is_ok() {
            std::fs::remove_file(&kept).map_err(|e| failed(&e))?;
        }
        for file in &files {
            copy_entry(&root.join(file), &stash.join(file)).map_err(|e| failed(&e))?;
        }
        kiln_sdk::info!(
            "[codebuild] Saved cache path {}: {} files",
            entry.pattern.value,
            files.len()
        );
    }
    Ok(())
}
