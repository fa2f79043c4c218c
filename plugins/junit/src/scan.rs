//! Finding the reports in the inputs, reading them, and deciding whether
//! the action passes. No logging here, so that tests run it natively.

use std::path::{Path, PathBuf};

use kiln_sdk::{Error, ResultExt};

use crate::glob::Glob;
use crate::report::{Parsed, parse_report};
use crate::summary::{FailedTest, Totals};

/// How many failed test names the error message lists.
const FAILED_NAMES_IN_ERROR: usize = 5;

/// An input artifact to search.
pub struct Root {
    pub name: String,
    pub path: PathBuf,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportFile {
    /// `<input>/<path inside the input>`, for messages and the JSON.
    pub display: String,
    pub path: PathBuf,
}

#[derive(Debug, Default)]
pub struct Analysis {
    pub totals: Totals,
    pub failed: Vec<FailedTest>,
    /// JUnit reports read.
    pub reports: Vec<String>,
    /// Matched files that are XML but not JUnit, with their root element.
    pub not_junit: Vec<(String, String)>,
}

pub struct Policy {
    pub fail_on_failure: bool,
    pub allow_empty: bool,
}

/// Files under each root whose relative path matches `glob`, sorted by
/// input then path. Symlinks to files count; symlinked directories are not
/// entered, so a link cycle cannot loop.
pub fn find_reports(roots: &[Root], glob: &Glob) -> Result<Vec<ReportFile>, Error> {
    let mut found = Vec::new();
    for root in roots {
        let mut relative_files = Vec::new();
        walk(&root.path, "", &mut relative_files)
            .map_err(|error| error.context(format!("searching input `{}`", root.name)))?;
        relative_files.sort();
        found.extend(
            relative_files
                .into_iter()
                .filter(|relative| glob.matches(relative))
                .map(|relative| ReportFile {
                    display: format!("{}/{relative}", root.name),
                    path: root.path.join(&relative),
                }),
        );
    }
    Ok(found)
}

fn walk(dir: &Path, prefix: &str, files: &mut Vec<String>) -> Result<(), Error> {
    let listing = std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))?;
    for entry in listing {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        // Names that are not UTF-8 cannot match a pattern given as text.
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let kind = entry
            .file_type()
            .with_context(|| format!("reading {}", entry.path().display()))?;
        if kind.is_dir() {
            walk(&entry.path(), &relative, files)?;
        } else if kind.is_file() || entry.path().is_file() {
            files.push(relative);
        }
    }
    Ok(())
}

/// Read and parse every file; the first invalid one fails the analysis.
pub fn analyze(files: &[ReportFile]) -> Result<Analysis, Error> {
    let mut analysis = Analysis::default();
    for file in files {
        let bytes =
            std::fs::read(&file.path).with_context(|| format!("reading {}", file.display))?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Error::new(format!(
                "{}: not UTF-8 text (reports must be UTF-8)",
                file.display
            ))
        })?;
        let parsed = parse_report(&text).map_err(|error| {
            Error::new(format!(
                "{}:{}:{}: invalid XML: {}",
                file.display, error.line, error.column, error.message
            ))
        })?;
        match parsed {
            Parsed::NotJunit { root } => analysis.not_junit.push((file.display.clone(), root)),
            Parsed::Report(cases) => {
                for case in &cases {
                    analysis.totals.add(case);
                    analysis
                        .failed
                        .extend(FailedTest::from_case(case, &file.display));
                }
                analysis.reports.push(file.display.clone());
            }
        }
    }
    Ok(analysis)
}

/// The action's result: its summary, or the error that fails it.
pub fn verdict(
    analysis: &Analysis,
    policy: &Policy,
    pattern: &str,
    input_names: &[String],
) -> Result<String, Error> {
    if analysis.reports.is_empty() {
        let summary = format!("no JUnit reports matched `{pattern}`");
        if policy.allow_empty {
            return Ok(summary);
        }
        let place = if input_names.is_empty() {
            "the action has no input artifacts".to_owned()
        } else {
            format!("searched inputs {}", input_names.join(", "))
        };
        let other_xml = match analysis.not_junit.len() {
            0 => String::new(),
            1 => ", 1 matching file is other XML".to_owned(),
            count => format!(", {count} matching files are other XML"),
        };
        return Err(Error::new(format!(
            "{summary} ({place}{other_xml}); set `allow-empty: true` if that is expected"
        )));
    }
    let reports = match analysis.reports.len() {
        1 => "1 report".to_owned(),
        count => format!("{count} reports"),
    };
    let summary = format!("{} ({reports})", analysis.totals.line());
    if analysis.totals.unsuccessful() > 0 && policy.fail_on_failure {
        let names: Vec<&str> = analysis
            .failed
            .iter()
            .take(FAILED_NAMES_IN_ERROR)
            .map(|test| test.id.as_str())
            .collect();
        let more = analysis.failed.len().saturating_sub(FAILED_NAMES_IN_ERROR);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        return Err(Error::new(format!(
            "{summary}; failed: {}{more}",
            names.join(", ")
        )));
    }
    Ok(summary)
}
