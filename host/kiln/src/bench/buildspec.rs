//! A CodeBuild buildspec of 40 commands run by `kiln run buildspec.yml`
//! (the codebuild plugin, its shell through the exec capability, the run
//! recorded) against the same 40 commands in one `bash` script: what kiln
//! adds to a build it runs as CodeBuild would.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::Result;

use super::{BenchOptions, Row, kiln, median, ms, ratio, run};

/// Each command does a little real work (hashing, writing a file), as a
/// build's commands do, rather than nothing.
fn commands(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| format!("seq 1 20000 | sha256sum > out/{i}.txt"))
        .collect()
}

pub(super) fn row(options: &BenchOptions, root: &Path) -> Result<Row> {
    let count = 40;
    let rounds = if options.smoke { 1 } else { 5 };
    let ws = root.join("buildspec");
    std::fs::create_dir_all(ws.join("out"))?;
    let commands = commands(count);
    let mut spec = String::from("version: 0.2\nphases:\n  build:\n    commands:\n");
    let mut script = String::from("set -e\ncd \"$(dirname \"$0\")\"\n");
    for command in &commands {
        let _ = writeln!(spec, "      - {command}");
        let _ = writeln!(script, "{command}");
    }
    std::fs::write(ws.join("buildspec.yml"), spec)?;
    std::fs::write(ws.join("build.sh"), script)?;
    let data = root.join("data-buildspec");
    let args = ["run", "buildspec.yml", "--no-cache"];
    kiln(&data, &args, &ws)?; // compiles the plugin once
    let (mut through_kiln, mut by_bash) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        through_kiln.push(kiln(&data, &args, &ws)?);
        let started = Instant::now();
        run(Command::new("bash").arg(ws.join("build.sh")))?;
        by_bash.push(started.elapsed());
    }
    let (kiln_time, bash_time) = (median(&mut through_kiln), median(&mut by_bash));
    Ok(Row {
        what: format!(
            "buildspec of {count} commands via `kiln run buildspec.yml` vs the same in one `bash` script (median of {rounds}; kiln adds {})",
            ms(kiln_time.saturating_sub(bash_time))
        ),
        kiln: ms(kiln_time),
        baseline: ms(bash_time),
        ratio: ratio(kiln_time, bash_time),
        target: "<= 1.10".into(),
    })
}
