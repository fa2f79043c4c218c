//! Writing the tracked paths of a tree into the output directory.
//!
//! What WASI 0.2 cannot express is lost: files are created with the host's
//! default permissions, so the executable bit of mode 100755 is dropped
//! (the count is reported), and owners are the host process's.

use std::path::Path;

use kiln_sdk::{Error, ResultExt};

use crate::listing::TrackedPath;
use crate::object::{EntryKind, Kind};
use crate::odb::ObjectDatabase;
use crate::oid::ObjectId;

/// How often, in files, to report progress.
const PROGRESS_EVERY: usize = 200;

/// Events worth a log line while writing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteEvent {
    Progress {
        done: usize,
        total: usize,
    },
    SkippedSubmodule {
        path: String,
        commit: ObjectId,
    },
    SkippedSymlink {
        path: String,
        target: String,
        reason: String,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Regular files and symlinks written.
    pub files: u64,
    pub symlinks: u64,
    /// Bytes of file content written.
    pub bytes: u64,
    /// Files whose executable bit could not be set.
    pub executables: u64,
    pub skipped: u64,
}

pub fn write_tracked(
    odb: &ObjectDatabase,
    tracked: &[TrackedPath],
    out: &Path,
    on_event: &mut dyn FnMut(WriteEvent),
) -> Result<WriteReport, Error> {
    let mut report = WriteReport::default();
    let mut created_dir = String::new();
    // Symlinks last: no file is ever written through a link this checkout
    // created.
    let (links, others): (Vec<&TrackedPath>, Vec<&TrackedPath>) = tracked
        .iter()
        .partition(|entry| entry.kind == EntryKind::Symlink);
    for (done, entry) in others.iter().chain(links.iter()).enumerate() {
        if done % PROGRESS_EVERY == 0 {
            on_event(WriteEvent::Progress {
                done,
                total: tracked.len(),
            });
        }
        ensure_parent(out, &entry.path, &mut created_dir)?;
        match entry.kind {
            EntryKind::File { executable } => {
                let data = read_blob(odb, entry)?;
                let path = out.join(&entry.path);
                std::fs::write(&path, &data)
                    .with_context(|| format!("writing {}", path.display()))?;
                report.files += 1;
                report.bytes += data.len() as u64;
                report.executables += u64::from(executable);
            }
            EntryKind::Symlink => {
                let target = String::from_utf8(read_blob(odb, entry)?).unwrap_or_default();
                let created = check_symlink_target(&entry.path, &target).and_then(|()| {
                    kiln_sdk::fs::symlink(&target, out.join(&entry.path))
                        .map_err(|error| error.to_string())
                });
                match created {
                    Ok(()) => {
                        report.files += 1;
                        report.symlinks += 1;
                    }
                    Err(reason) => {
                        report.skipped += 1;
                        on_event(WriteEvent::SkippedSymlink {
                            path: entry.path.clone(),
                            target,
                            reason,
                        });
                    }
                }
            }
            EntryKind::Submodule => {
                report.skipped += 1;
                on_event(WriteEvent::SkippedSubmodule {
                    path: entry.path.clone(),
                    commit: entry.id,
                });
            }
            EntryKind::Tree => {}
        }
    }
    on_event(WriteEvent::Progress {
        done: tracked.len(),
        total: tracked.len(),
    });
    Ok(report)
}

fn read_blob(odb: &ObjectDatabase, entry: &TrackedPath) -> Result<Vec<u8>, Error> {
    odb.read_kind(&entry.id, Kind::Blob)
        .map_err(|error| error.context(format!("reading {}", entry.path)))
}

/// Create the parent directories of `path`, remembering the last one so
/// that the files of one directory cost one check.
fn ensure_parent(out: &Path, path: &str, created: &mut String) -> Result<(), Error> {
    let Some((parent, _)) = path.rsplit_once('/') else {
        return Ok(());
    };
    if parent != created {
        let dir = out.join(parent);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        parent.clone_into(created);
    }
    Ok(())
}

/// Only links that stay inside the checkout are created: whoever reads the
/// output later (the host, a deploy) must not be led outside it.
///
/// The rule is `(../)*name(/name)*` with no more `..` than the link's
/// depth. A `..` after a name is refused even when it looks harmless,
/// because that name may itself be a link and `..` would then leave from
/// wherever the link points.
pub fn check_symlink_target(link: &str, target: &str) -> Result<(), String> {
    if target.is_empty() || target.contains('\0') {
        return Err("the link target is empty or not valid text".into());
    }
    if target.starts_with('/') {
        return Err("the link target is an absolute path".into());
    }
    let mut depth = link.matches('/').count();
    let mut seen_name = false;
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." if seen_name => return Err("the link target has `..` after a name".into()),
            ".." if depth == 0 => return Err("the link target points outside the checkout".into()),
            ".." => depth -= 1,
            _ => seen_name = true,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_symlink_target;

    #[test]
    fn symlinks_must_stay_inside_the_checkout() {
        for (link, target) in [
            ("a", "b"),
            ("a", "dir/b"),
            ("dir/a", "../b"),
            ("d1/d2/a", "../../b/c"),
            ("a", "./b"),
        ] {
            assert_eq!(
                check_symlink_target(link, target),
                Ok(()),
                "{link} -> {target}"
            );
        }
        for (link, target) in [
            ("a", "/etc/passwd"),
            ("a", "../b"),
            ("dir/a", "../../b"),
            ("a", "dir/../b"),
            ("a", "sub/../../x"),
            ("a", ""),
        ] {
            assert!(
                check_symlink_target(link, target).is_err(),
                "{link} -> {target}"
            );
        }
    }
}
