//! The archive action from start to end, without logging, so that tests
//! run it natively: list the inputs, write `<name>.tar.gz` and its
//! `.sha256` into the output directory.

use std::path::Path;

use kiln_sdk::{Error, ResultExt};

use crate::collect::{Source, collect_entries};
use crate::tarball::{Settings, Written, write_tar_gz};

pub struct Request<'a> {
    pub sources: &'a [Source],
    pub flatten: bool,
    /// Without the `.tar.gz` suffix.
    pub name: &'a str,
    pub settings: Settings,
}

#[derive(Debug)]
pub struct Outcome {
    pub file_name: String,
    pub written: Written,
}

pub fn create_archive(
    request: &Request<'_>,
    out_dir: &Path,
    on_progress: &mut dyn FnMut(usize, usize),
) -> Result<Outcome, Error> {
    let entries = collect_entries(request.sources, request.flatten)?;
    let file_name = format!("{}.tar.gz", request.name);
    let written = write_tar_gz(
        &entries,
        &out_dir.join(&file_name),
        &request.settings,
        on_progress,
    )?;
    let checksum_path = out_dir.join(format!("{file_name}.sha256"));
    std::fs::write(&checksum_path, checksum_line(&written.sha256, &file_name))
        .with_context(|| format!("writing {}", checksum_path.display()))?;
    Ok(Outcome { file_name, written })
}

/// What `sha256sum` prints and `sha256sum -c` reads: digest, two spaces
/// (text mode), file name.
pub fn checksum_line(sha256: &str, file_name: &str) -> String {
    format!("{sha256}  {file_name}\n")
}
