//! A real crate (strsim 0.11.1, as published on crates.io: no dependencies,
//! its unit, integration and doc tests) built and tested cold by
//! `kiln run`, two actions of the `cargo` plugin (build, then test: the
//! host's cargo through the exec grant, under Landlock, the run recorded),
//! against `cargo build && cargo test` run directly on the same source.
//!
//! Fair to both: the same cargo and toolchain, the same arguments as the
//! plugin passes (`--manifest-path`, `--target-dir`, `--color never`,
//! `--offline`), the dev profile, `CARGO_NET_OFFLINE=true`, and each side
//! a fresh, empty target directory every round, so every round is a cold
//! build. The lock file is generated once, before timing (the plugin's
//! workspace is read-only, and cargo would otherwise write one).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::Result;

use super::benchdata::{copy, find_on_path, kiln_adds, project, skipped};
use super::{BenchOptions, Row, kiln, median, ms, ratio, run};

const CRATE: &str = "strsim-0.11.1";

pub(super) fn rows(options: &BenchOptions, root: &Path) -> Result<Vec<Row>> {
    let what = format!(
        "{CRATE} (crates.io) cold build + test via `kiln run` (cargo plugin) vs `cargo build && cargo test`"
    );
    if find_on_path("cargo").is_none() {
        return Ok(vec![skipped(&what, "cargo is not on PATH")]);
    }
    let source = match project(CRATE) {
        Ok(source) => source,
        Err(why) => return Ok(vec![skipped(&what, &why)]),
    };
    let rounds = if options.smoke { 1 } else { 3 };
    let ws = root.join("rust-crate");
    std::fs::create_dir_all(&ws)?;
    let manifest_dir = ws.join(CRATE);
    copy(&source, &manifest_dir)?;
    // Untimed, for both sides: the lock file (no dependencies: no network).
    run(Command::new("cargo")
        .args(["generate-lockfile", "--offline"])
        .current_dir(&manifest_dir))?;

    let kiln_target = root.join("rust-crate-target-kiln");
    let cargo_target = root.join("rust-crate-target-cargo");
    std::fs::write(ws.join("kiln.yaml"), pipeline(&kiln_target))?;
    let data = root.join("data-rust-crate");
    // Compiles the cargo plugin once, outside the timed runs.
    kiln(&data, &["plugin", "inspect", "cargo"], &ws)?;

    let manifest = manifest_dir.join("Cargo.toml");
    let direct = |command: &str| {
        let mut cargo = Command::new("cargo");
        cargo
            .arg(command)
            .arg("--manifest-path")
            .arg(&manifest)
            .arg("--target-dir")
            .arg(&cargo_target)
            .args(["--color", "never", "--offline"])
            .env("CARGO_NET_OFFLINE", "true");
        cargo
    };
    let fresh = |dir: &Path| -> Result<()> {
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
        std::fs::create_dir_all(dir)?;
        Ok(())
    };
    // Untimed: one build and test, so that the toolchain (rustc, rustdoc,
    // the standard library) is in the page cache for whichever side runs
    // first.
    fresh(&cargo_target)?;
    run(&mut direct("test"))?;
    let (mut through_kiln, mut by_cargo) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        fresh(&kiln_target)?;
        through_kiln.push(kiln(&data, &["run", "--no-cache"], &ws)?);
        fresh(&cargo_target)?;
        let started = Instant::now();
        run(&mut direct("build"))?;
        run(&mut direct("test"))?;
        by_cargo.push(started.elapsed());
    }
    let (kiln_time, cargo_time) = (median(&mut through_kiln), median(&mut by_cargo));
    Ok(vec![Row {
        what: format!(
            "{what} (cold, dev profile, offline; median of {rounds}; {})",
            kiln_adds(kiln_time, cargo_time)
        ),
        kiln: ms(kiln_time),
        baseline: ms(cargo_time),
        ratio: ratio(kiln_time, cargo_time),
        target: "<= 1.05".into(),
    }])
}

/// Build, then test, as `cargo build && cargo test` does: two stages, one
/// cargo action each, into the same granted target directory. The cargo
/// and rustup homes are granted as examples/rust-crate does, where they
/// are (`CARGO_HOME`, `RUSTUP_HOME`, else under `~`), which is where the
/// direct side's cargo finds them.
fn pipeline(target: &Path) -> String {
    let home = |variable: &str, default: &str| {
        std::env::var_os(variable)
            .map(std::path::PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(default)))
            .filter(|dir| dir.is_dir())
    };
    let mut homes = String::new();
    for (name, variable, default, access) in [
        ("cargo-home", "CARGO_HOME", ".cargo", "read-write"),
        ("rustup-home", "RUSTUP_HOME", ".rustup", "read-only"),
    ] {
        if let Some(dir) = home(variable, default) {
            let _ = write!(
                homes,
                "\n            {name}: {{ path: \"{}\", access: {access}, env: {variable} }}",
                dir.display()
            );
        }
    }
    let mut yaml = String::from("name: rust-crate\nenv:\n  CARGO_NET_OFFLINE: \"true\"\nstages:\n");
    for command in ["build", "test"] {
        let _ = writeln!(
            yaml,
            r#"  - name: {command}
    actions:
      - name: cargo-{command}
        uses: cargo
        with: {{ command: {command}, manifest-dir: {CRATE}, args: ["--offline"] }}
        grants:
          exec: [{{ program: cargo, runs: any }}]   # cargo runs rustc, build scripts, tests
          paths:
            target: {{ path: "{}", access: read-write }}{homes}"#,
            target.display()
        );
    }
    yaml
}
