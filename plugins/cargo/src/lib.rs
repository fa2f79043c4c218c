//! cargo: build or test a Rust crate in the workspace with the host's
//! `cargo`, through the `exec` grant. For `test`, the libtest results are
//! parsed from cargo's output and written as JUnit XML into the output
//! artifact (if one is declared), so a `junit` action can gate on them.
//!
//! The workspace is read-only: cargo writes its build into the granted
//! `target` directory (`grants.paths.target`, read-write).

mod libtest;

use kiln_sdk::exec::{Command, host_path};
use kiln_sdk::{Access, Context, Error, Grant, Info, Param, Plugin, bail, export_plugin};

struct Cargo;

impl Plugin for Cargo {
    fn describe() -> Info {
        Info::new("cargo", env!("CARGO_PKG_VERSION"))
            .summary("Builds or tests a Rust crate in the workspace with the host's cargo")
            .param(Param::new("command", "build, test, check or clippy").default("test"))
            .param(
                Param::new("manifest-dir", "The crate's directory in the workspace").default("."),
            )
            .param(Param::new(
                "args",
                "Extra arguments after the command (a list)",
            ))
            .param(
                Param::new("report", "File name of the JUnit report in the output")
                    .default("cargo-test.xml"),
            )
            .grant(Grant::Exec("cargo".into()))
            .grant(Grant::path("target", Access::ReadWrite))
    }

    fn run(ctx: Context) -> Result<String, Error> {
        let command = ctx.param("command").unwrap_or("test");
        if !matches!(command, "build" | "test" | "check" | "clippy") {
            bail!("command `{command}` is not one of build, test, check, clippy");
        }
        let manifest_dir = ctx.param("manifest-dir").unwrap_or(".");
        if manifest_dir.split('/').any(|part| part == "..") || manifest_dir.starts_with('/') {
            bail!("manifest-dir `{manifest_dir}` must be a relative path inside the workspace");
        }
        let guest_dir = format!("/workspace/{}", manifest_dir.trim_start_matches("./"));
        let manifest = host_path(&format!("{guest_dir}/Cargo.toml"))
            .ok_or_else(|| Error::new(format!("{guest_dir} is not inside a mounted directory")))?;
        let target = host_path("/mnt/target")
            .ok_or_else(|| Error::new("the `target` path grant is not mounted"))?;

        let mut args = vec![
            command.to_owned(),
            "--manifest-path".to_owned(),
            manifest,
            "--target-dir".to_owned(),
            target,
            "--color".to_owned(),
            "never".to_owned(),
        ];
        args.extend(ctx.list("args"));
        kiln_sdk::info!("cargo {}", args.join(" "));

        let cargo = Command::new("cargo")
            .args(args)
            .current_dir(guest_dir.as_str());
        if command != "test" {
            let status = cargo.run()?;
            if !status.success() {
                bail!("cargo {command} failed ({status})");
            }
            return Ok(format!("cargo {command} succeeded"));
        }

        let output = cargo.output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        for line in stdout.lines() {
            kiln_sdk::info!("{line}");
        }
        let results = libtest::parse(&stdout);
        let failed = results
            .iter()
            .filter(|t| t.outcome == libtest::Outcome::Failed)
            .count();
        let summary = format!("{} tests, {failed} failed", results.len());
        let report = ctx.param("report").unwrap_or("cargo-test.xml");
        for out in ctx.outputs() {
            let path = out.path.join(report);
            std::fs::write(&path, libtest::junit(&results))
                .map_err(|e| Error::new(format!("writing {}: {e}", path.display())))?;
        }
        // A failed test is a result, reported through JUnit; a build that
        // produced no results at all is an error of this action.
        if !output.status.success() && results.is_empty() {
            bail!("cargo test failed before running tests ({})", output.status);
        }
        Ok(summary)
    }
}

export_plugin!(Cargo);
