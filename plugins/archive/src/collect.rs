//! Listing what goes into the archive: the files, directories and symlinks
//! of each input, under their archive paths, sorted.

use std::path::{Path, PathBuf};

use kiln_sdk::{Error, ResultExt};

/// One input artifact to archive.
#[derive(Clone, Debug)]
pub struct Source {
    pub name: String,
    pub root: PathBuf,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryKind {
    Dir,
    File { size: u64 },
    Symlink { target: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// `/`-separated, relative; what the archive calls it.
    pub path: String,
    pub kind: EntryKind,
    /// Where to read it in the sandbox.
    pub source: PathBuf,
}

/// Every entry of `sources`, each under a directory named after its input,
/// or at the root when `flatten` (which needs exactly one source). Sorted by
/// path, so the archive does not depend on directory listing order.
pub fn collect_entries(sources: &[Source], flatten: bool) -> Result<Vec<Entry>, Error> {
    if flatten && sources.len() != 1 {
        return Err(Error::new(format!(
            "parameter `flatten` needs exactly one input, {} are selected",
            sources.len()
        )));
    }
    let mut entries = Vec::new();
    for source in sources {
        let prefix = if flatten {
            String::new()
        } else {
            entries.push(Entry {
                path: source.name.clone(),
                kind: EntryKind::Dir,
                source: source.root.clone(),
            });
            source.name.clone()
        };
        walk(&source.root, &prefix, &mut entries)
            .map_err(|error| error.context(format!("reading input `{}`", source.name)))?;
    }
    entries.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    Ok(entries)
}

/// Depth-first over `dir`; symlinks are recorded, never followed.
fn walk(root: &Path, prefix: &str, entries: &mut Vec<Entry>) -> Result<(), Error> {
    let mut pending = vec![(root.to_owned(), prefix.to_owned())];
    while let Some((dir, prefix)) = pending.pop() {
        let listing =
            std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))?;
        for item in listing {
            let item = item.with_context(|| format!("listing {}", dir.display()))?;
            let source = item.path();
            let name = item.file_name().into_string().map_err(|name| {
                Error::new(format!(
                    "{}: file name {name:?} is not UTF-8",
                    dir.display()
                ))
            })?;
            let path = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let metadata = std::fs::symlink_metadata(&source)
                .with_context(|| format!("reading {}", source.display()))?;
            let kind = if metadata.is_dir() {
                pending.push((source.clone(), path.clone()));
                EntryKind::Dir
            } else if metadata.is_file() {
                EntryKind::File {
                    size: metadata.len(),
                }
            } else if metadata.file_type().is_symlink() {
                let target = std::fs::read_link(&source)
                    .with_context(|| format!("reading link {}", source.display()))?;
                let target = target.to_str().map(str::to_owned).ok_or_else(|| {
                    Error::new(format!("{}: link target is not UTF-8", source.display()))
                })?;
                EntryKind::Symlink { target }
            } else {
                return Err(Error::new(format!(
                    "{}: not a file, directory or symlink",
                    source.display()
                )));
            };
            entries.push(Entry { path, kind, source });
        }
    }
    Ok(())
}
