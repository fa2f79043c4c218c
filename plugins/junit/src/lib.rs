//! `junit`: read the JUnit XML reports in the input artifacts, log every
//! failed test and the totals, write `summary.json` when the action has an
//! output, and fail the action when tests failed or no report was found.

mod glob;
mod report;
mod scan;
mod summary;

#[cfg(test)]
mod tests;

use kiln_sdk::{Context, Error, Info, Param, Plugin, ResultExt, export_plugin};

use crate::glob::Glob;
use crate::scan::{Policy, Root, analyze, find_reports, verdict};
use crate::summary::summary_json;

const DEFAULT_PATTERN: &str = "**/*.xml";

struct Junit;

impl Plugin for Junit {
    fn describe() -> Info {
        Info::new("junit", env!("CARGO_PKG_VERSION"))
            .summary("Report JUnit XML test results and fail when tests failed")
            .param(
                Param::new(
                    "pattern",
                    "Glob of report files relative to each input (`*`, `?`, `**`)",
                )
                .default(DEFAULT_PATTERN),
            )
            .param(
                Param::new(
                    "fail-on-failure",
                    "Fail the action when a test failed or errored",
                )
                .default("true"),
            )
            .param(
                Param::new("allow-empty", "Succeed when no report matches the pattern")
                    .default("false"),
            )
    }

    fn run(ctx: Context) -> Result<String, Error> {
        let pattern = ctx.param("pattern").unwrap_or(DEFAULT_PATTERN);
        let glob = Glob::parse(pattern)
            .map_err(|error| Error::new(format!("parameter `pattern` = {pattern:?} {error}")))?;
        let policy = Policy {
            fail_on_failure: ctx.parse::<bool>("fail-on-failure")?.unwrap_or(true),
            allow_empty: ctx.parse::<bool>("allow-empty")?.unwrap_or(false),
        };
        let summary_dir = match ctx.outputs() {
            [] => None,
            [output] => Some(output.path.clone()),
            many => {
                return Err(Error::new(format!(
                    "the action declares {} outputs; junit writes summary.json into one",
                    many.len()
                )));
            }
        };
        let roots: Vec<Root> = ctx
            .inputs()
            .iter()
            .map(|input| Root {
                name: input.name.clone(),
                path: input.path.clone(),
            })
            .collect();
        let input_names: Vec<String> = roots.iter().map(|root| root.name.clone()).collect();

        let files = find_reports(&roots, &glob)?;
        kiln_sdk::info!(
            "{} `{pattern}`",
            plural(files.len(), "file matches", "files match")
        );
        let analysis = analyze(&files)?;
        for (file, root) in &analysis.not_junit {
            kiln_sdk::info!("skipped {file}: its root element <{root}> is not a JUnit report");
        }
        for test in &analysis.failed {
            kiln_sdk::error!("{}", test.log_line());
        }
        kiln_sdk::info!("{}", analysis.totals.line());
        if let Some(dir) = summary_dir {
            let path = dir.join("summary.json");
            let json = summary_json(&analysis.totals, &analysis.reports, &analysis.failed);
            std::fs::write(&path, json).with_context(|| format!("writing {}", path.display()))?;
        }
        let result = verdict(&analysis, &policy, pattern, &input_names);
        if result.is_ok() && analysis.totals.unsuccessful() > 0 {
            kiln_sdk::warn!("tests failed, but `fail-on-failure` is false");
        }
        result
    }
}

export_plugin!(Junit);

fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}
