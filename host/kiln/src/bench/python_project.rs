//! A real Python project's test suite (pycparser 3.12, its sdist as
//! published on PyPI: no runtime dependencies, 451 tests that need only
//! pytest) run by `kiln run buildspec.yml` against `python3 -m pytest` run
//! directly, in the same directory, with the same interpreter.
//!
//! Why a buildspec: kiln runs a program through the exec capability only
//! from a plugin that asks for it, and `codebuild` is the first-party
//! plugin whose job is running the commands a project names (the `cargo`
//! plugin runs only cargo); a buildspec whose build phase is the pytest
//! command is what a project moving its CI to kiln would write.
//!
//! Both sides do the same work: no `.pytest_cache` (`-p no:cacheprovider`)
//! and no `__pycache__` (`PYTHONDONTWRITEBYTECODE=1`), so every round
//! compiles the same sources and leaves the tree as it found it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Result;

use super::benchdata::{copy, kiln_adds, project, skipped};
use super::{BenchOptions, Row, kiln, median, ms, ratio, run};

const PROJECT: &str = "pycparser-3.12";

/// pycparser 3.12 asks for Python 3.11 or later.
const PROBE: &str = "import sys, pytest\nassert sys.version_info >= (3, 11)\nprint(sys.executable)";

/// An interpreter with pytest (Debian's python3-pytest, scripts/setup
/// installs it): `python3` on `PATH`, else the system's. Its real path:
/// both sides run the same file, and a version manager's shim (pyenv)
/// would add a shell script to one side's time.
fn interpreter() -> Option<PathBuf> {
    ["python3", "/usr/bin/python3"]
        .into_iter()
        .find_map(|python| {
            let output = Command::new(python).args(["-c", PROBE]).output().ok()?;
            let path = String::from_utf8(output.stdout).ok()?;
            output.status.success().then(|| PathBuf::from(path.trim()))
        })
}

pub(super) fn rows(options: &BenchOptions, root: &Path) -> Result<Vec<Row>> {
    let what = format!(
        "{PROJECT} (PyPI) test suite via `kiln run buildspec.yml` (exec) vs `python3 -m pytest`"
    );
    let Some(python) = interpreter() else {
        return Ok(vec![skipped(
            &what,
            "no python3 (3.11 or later) with pytest (scripts/setup installs python3-pytest)",
        )]);
    };
    let source = match project(PROJECT) {
        Ok(source) => source,
        Err(why) => return Ok(vec![skipped(&what, &why)]),
    };
    let rounds = if options.smoke { 1 } else { 5 };
    let ws = root.join("python-project");
    copy(&source, &ws)?;
    let pytest = ["-m", "pytest", "-q", "-p", "no:cacheprovider"];
    let command = format!("{} {}", python.display(), pytest.join(" "));
    std::fs::write(
        ws.join("buildspec.yml"),
        format!(
            "version: 0.2\nenv:\n  variables:\n    PYTHONDONTWRITEBYTECODE: \"1\"\nphases:\n  build:\n    commands:\n      - {command}\n"
        ),
    )?;
    let data = root.join("data-python-project");
    let args = ["run", "buildspec.yml", "--no-cache"];
    // Compiles the codebuild plugin, and reads the interpreter, pytest and
    // the sources into the page cache, for both sides, untimed.
    kiln(&data, &args, &ws)?;
    let (mut through_kiln, mut by_python) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        through_kiln.push(kiln(&data, &args, &ws)?);
        let started = Instant::now();
        run(Command::new(&python)
            .args(pytest)
            .current_dir(&ws)
            .env("PYTHONDONTWRITEBYTECODE", "1"))?;
        by_python.push(started.elapsed());
    }
    let (kiln_time, python_time) = (median(&mut through_kiln), median(&mut by_python));
    Ok(vec![Row {
        what: format!(
            "{what} (median of {rounds}; {})",
            kiln_adds(kiln_time, python_time)
        ),
        kiln: ms(kiln_time),
        baseline: ms(python_time),
        ratio: ratio(kiln_time, python_time),
        target: "<= 1.05".into(),
    }])
}
