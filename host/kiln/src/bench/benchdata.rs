//! The real, published projects the build-and-test rows run, vendored as
//! they were published in `host/kiln/benchdata` (its README says where
//! each comes from), and what those rows share: finding them and the tools
//! they need, copying them into the scratch directory, and the row that
//! says why a measurement was skipped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::Result;

use super::{Row, run};

/// A vendored project's directory, or why it is not there.
///
/// Located through the source tree this binary was built from
/// (`CARGO_MANIFEST_DIR`, fixed at compile time) rather than embedded: the
/// projects are hundreds of files, and `kiln bench` runs from a checkout
/// (`./target/*/kiln bench`, as scripts/test does). A binary moved away
/// from its checkout skips these rows instead.
pub(super) fn project(name: &str) -> std::result::Result<PathBuf, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benchdata")
        .join(name);
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!(
            "{} is not there (the bench runs from the kiln checkout it was built in)",
            dir.display()
        ))
    }
}

/// A fresh copy of `source` as `dest` (`cp -r`: untimed set-up).
pub(super) fn copy(source: &Path, dest: &Path) -> Result<()> {
    if dest.exists() {
        std::fs::remove_dir_all(dest)?;
    }
    run(Command::new("cp").arg("-r").arg(source).arg(dest))?;
    Ok(())
}

/// The first `name` on `PATH`.
pub(super) fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// The row of a measurement that could not run here, and why.
pub(super) fn skipped(what: &str, why: &str) -> Row {
    Row {
        what: what.into(),
        kiln: format!("skipped: {why}"),
        baseline: "-".into(),
        ratio: "-".into(),
        target: "-".into(),
    }
}

/// What kiln adds to the baseline's time, signed: the two sides do the
/// same work, so a negative figure is the machine's noise, shown as it is
/// rather than as zero.
pub(super) fn kiln_adds(kiln: Duration, baseline: Duration) -> String {
    let added = (kiln.as_secs_f64() - baseline.as_secs_f64()) * 1000.0;
    format!("kiln adds {added:+.1} ms")
}
