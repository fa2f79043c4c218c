//! The CI fuzz budget: every target over its seed corpus, then a fixed
//! count of deterministic mutations, bounded in time. Part of `cargo test
//! --workspace`; about half a minute in a debug build on two cores.
//!
//! Each target runs in a child process (this binary, `--target <name>`):
//! a stack overflow aborts the process and cannot be caught, so the parent
//! reports it, with the input the child left in its journal.
//!
//! `cargo test -p kiln-fuzz --test budget -- <filter>` runs the targets
//! whose names contain a filter.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use kiln_fuzz::TARGETS;
use kiln_fuzz::budget::{self, Budget, Failure};

/// Per target: mutations run unless the time runs out first. The fast
/// targets (JSON, references, JUnit, plain text) run their whole count in
/// about a second; the slow ones (YAML, files on disk, component
/// validation) stop at the time, so the whole budget is about half a
/// minute in a debug build on two cores.
fn budget(journal: PathBuf) -> Budget {
    Budget {
        mutations: 20_000,
        time: Duration::from_millis(2_500),
        // CPU time. A debug build is slow, but an input using this much
        // is a hang in the making: the mutated inputs take milliseconds.
        slow: Duration::from_secs(2),
        hang: Duration::from_secs(60),
        max_len: 16 * 1024,
        journal: Some(journal),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, name, journal] = &args[..]
        && flag == "--target"
    {
        return child(name, Path::new(journal));
    }
    // What cargo test passes besides filters (`--nocapture`, `--quiet`,
    // `--test-threads=2`) means nothing here.
    let filters: Vec<&String> = args.iter().filter(|arg| !arg.starts_with('-')).collect();
    let chosen = TARGETS.iter().filter(|(name, _)| {
        filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))
    });
    let failures: Vec<String> = chosen.filter_map(|(name, _)| parent(name)).collect();
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "\n{} target(s) failed:\n\n{}",
            failures.len(),
            failures.join("\n")
        );
        ExitCode::FAILURE
    }
}

/// Run `name` in a child; its failure, if any, as text.
fn parent(name: &str) -> Option<String> {
    let journal =
        std::env::temp_dir().join(format!("kiln-fuzz-journal-{}-{name}", std::process::id()));
    let output = Command::new(std::env::current_exe().expect("this test's path"))
        .args(["--target", name])
        .arg(&journal)
        .output()
        .expect("starting the child");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    print!("{stdout}");
    let failure = if output.status.success() {
        None
    } else if output.status.code() == Some(CHILD_FAILED) {
        // The child reported its failure (its panic hook's lines first).
        Some(stderr.into_owned())
    } else {
        // Died: what it said last, and the input it was running.
        let input = budget::read_journal(&journal).unwrap_or_default();
        let said = stderr.lines().last().unwrap_or("nothing");
        let reason = format!("crashed the process ({}): {said}", output.status);
        Some(Failure::new(name, &input, reason).to_string())
    };
    let _ = std::fs::remove_file(&journal);
    failure
}

/// The exit code of a child that found a failure and reported it.
const CHILD_FAILED: i32 = 3;

/// The stack a target runs on: what threads get by default, tokio's
/// workers included, where kiln parses pipelines and reads reports. (The
/// main thread's 8 MiB would hide a recursion that overflows there.)
const STACK_BYTES: usize = 2 << 20;

fn child(name: &str, journal: &Path) -> ExitCode {
    let (_, target) = TARGETS
        .iter()
        .find(|(known, _)| *known == name)
        .unwrap_or_else(|| panic!("no target {name}"));
    let seeds = budget::seeds(name).unwrap_or_else(|error| panic!("the seeds of {name}: {error}"));
    let budget = budget(journal.to_path_buf());
    let ran = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, || budget::run(name, *target, &seeds, &budget))
            .expect("a thread for the target")
            .join()
            .expect("the budget catches the target's panics")
    });
    match ran {
        Ok(ran) => {
            println!(
                "{name:>20}: {:>6} executions in {:.2?}",
                ran.executions, ran.elapsed
            );
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("{failure}");
            ExitCode::from(CHILD_FAILED as u8)
        }
    }
}
