//! Copying an artifact tree: directories, files and symlinks, nothing else.

use std::path::Path;

use kiln_sdk::{Error, ResultExt};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Copied {
    pub files: u64,
    pub symlinks: u64,
    pub dirs: u64,
    pub bytes: u64,
}

/// Copy the tree under `from` into the existing directory `to`. Symlinks
/// are copied as links (their targets as written), never followed.
/// Permission bits and times are not carried over: WASI 0.2 can neither
/// read nor set them.
pub fn copy_tree(
    from: &Path,
    to: &Path,
    on_progress: &mut dyn FnMut(&Copied),
) -> Result<Copied, Error> {
    let mut copied = Copied::default();
    let mut pending = vec![(from.to_owned(), to.to_owned())];
    while let Some((source_dir, dest_dir)) = pending.pop() {
        let listing = std::fs::read_dir(&source_dir)
            .with_context(|| format!("listing {}", source_dir.display()))?;
        for entry in listing {
            let entry = entry.with_context(|| format!("listing {}", source_dir.display()))?;
            let source = entry.path();
            let dest = dest_dir.join(entry.file_name());
            let kind = std::fs::symlink_metadata(&source)
                .with_context(|| format!("reading {}", source.display()))?
                .file_type();
            if kind.is_dir() {
                std::fs::create_dir(&dest)
                    .with_context(|| format!("creating {}", dest.display()))?;
                copied.dirs += 1;
                pending.push((source, dest));
            } else if kind.is_file() {
                copied.bytes += std::fs::copy(&source, &dest)
                    .with_context(|| format!("copying {}", source.display()))?;
                copied.files += 1;
                if copied.files.is_multiple_of(100) {
                    on_progress(&copied);
                }
            } else if kind.is_symlink() {
                let target = std::fs::read_link(&source)
                    .with_context(|| format!("reading link {}", source.display()))?;
                kiln_sdk::fs::symlink(&target, &dest).with_context(|| {
                    format!(
                        "copying symlink {} -> {}",
                        source.display(),
                        target.display()
                    )
                })?;
                copied.symlinks += 1;
            } else {
                return Err(Error::new(format!(
                    "{} is not a file, directory or symlink",
                    source.display()
                )));
            }
        }
    }
    on_progress(&copied);
    Ok(copied)
}
