//! verify: run checks over input artifacts and report them as JUnit XML,
//! one test case per checked file, so that a `junit` action (or any CI
//! dashboard) can gate on them.
//!
//! Checks (param `checks`, default all):
//! - `checksums`: every `*.sha256` file (sha256sum format) matches the files it names;
//! - `json`: every `*.json` file parses;
//! - `non-empty`: every input holds at least one file.
//!
//! The action succeeds when the report was written, failed checks included,
//! so that the report is stored and a later `junit` action decides; set
//! `fail-on-failure: true` to fail here instead.

mod checks;
mod junit;

use kiln_sdk::{Context, Error, Info, Param, Plugin, export_plugin};

use checks::{Check, run_checks};

struct Verify;

impl Plugin for Verify {
    fn describe() -> Info {
        Info::new("verify", env!("CARGO_PKG_VERSION"))
            .summary("Checks artifacts (checksums, JSON, non-empty) and writes a JUnit report")
            .param(
                Param::new("checks", "Which checks: checksums, json, non-empty")
                    .default("checksums, json, non-empty"),
            )
            .param(
                Param::new("report", "File name of the JUnit report in the output")
                    .default("verify.xml"),
            )
            .param(
                Param::new("fail-on-failure", "Fail the action when a check fails")
                    .default("false"),
            )
    }

    fn run(ctx: Context) -> Result<String, Error> {
        let mut wanted = Vec::new();
        for name in ctx.list("checks") {
            wanted.push(Check::parse(&name).ok_or_else(|| {
                Error::new(format!(
                    "unknown check `{name}`; known: checksums, json, non-empty"
                ))
            })?);
        }
        let mut results = Vec::new();
        for input in ctx.inputs() {
            results.extend(run_checks(&input.name, &input.path, &wanted)?);
        }
        let failed: Vec<_> = results.iter().filter(|r| r.failure.is_some()).collect();
        for result in &failed {
            kiln_sdk::warn!(
                "FAILED {}::{}: {}",
                result.suite,
                result.name,
                result.failure.as_deref().unwrap_or("")
            );
        }
        let summary = format!("{} checks, {} failed", results.len(), failed.len());
        kiln_sdk::info!("{summary}");

        let report_name = ctx.param("report").unwrap_or("verify.xml");
        for output in ctx.outputs() {
            let path = output.path.join(report_name);
            std::fs::write(&path, junit::render("verify", &results))
                .map_err(|e| Error::new(format!("writing {}: {e}", path.display())))?;
        }
        if !failed.is_empty() && ctx.parse::<bool>("fail-on-failure")?.unwrap_or(false) {
            return Err(Error::new(summary));
        }
        Ok(summary)
    }
}

export_plugin!(Verify);
