//! Test and coverage reports: what kiln keeps of a report file an action
//! wrote (test counts and the failed tests, or lines covered), and the
//! parsers that read one: JUnit (shared with the `junit` plugin), the
//! other test formats ([`test_formats`]) and the coverage formats ([`coverage`]).

// One JUnit parser serves the `junit` plugin and the host, so that the
// plugin's verdict and `kiln show`'s counts can never disagree.
#[path = "../../../plugins/junit/src/report.rs"]
#[allow(dead_code)] // the plugin uses parts the host does not
mod junit_xml;

mod coverage;
mod formats;
mod test_formats;

use serde::{Deserialize, Serialize};

use junit_xml::{Outcome, Parsed};

pub use coverage::Coverage;
pub use formats::ReportFormat;

/// Failed tests kept by name per report; the counts stay exact.
const MAX_FAILURES_KEPT: usize = 200;

/// One parsed report file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestReport {
    /// `<output>/<path inside it>`.
    pub path: String,
    pub format: String,
    pub tests: u64,
    pub passed: u64,
    pub failed: u64,
    pub errored: u64,
    pub skipped: u64,
    pub duration_ms: u64,
    /// The failed and errored tests (the first few hundred).
    pub failures: Vec<FailedTest>,
    /// Lines covered, for a coverage report (whose test counts are 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
}

impl TestReport {
    /// The report with its texts (path, test names, messages) made plain
    /// and masked: they come from a plugin's files.
    pub fn masked(&self, masker: &crate::mask::Masker) -> TestReport {
        let text = |t: &String| masker.mask(t).into_owned();
        TestReport {
            path: text(&self.path),
            format: self.format.clone(),
            failures: self
                .failures
                .iter()
                .map(|f| FailedTest {
                    name: text(&f.name),
                    message: text(&f.message),
                })
                .collect(),
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedTest {
    /// `classname::name`.
    pub name: String,
    pub message: String,
}

/// Read a report of `format` (`shown` is how its file is named in
/// reports): `Ok(None)` when the file is not of that format (a `pom.xml`
/// matched by a glob), an error with the position when it is broken.
pub fn parse_report(
    format: ReportFormat,
    shown: &str,
    text: &str,
) -> Result<Option<TestReport>, String> {
    let at = |error: String| format!("{shown}:{error}");
    if format == ReportFormat::Junit {
        return parse_junit(shown, text);
    }
    if format.is_coverage() {
        let found = coverage::coverage(format, text).map_err(at)?;
        return Ok(found.map(|coverage| TestReport {
            // A file may claim more covered than valid lines: never more
            // than all of them.
            coverage: Some(Coverage {
                covered: coverage.covered.min(coverage.total),
                total: coverage.total,
            }),
            ..summarize(shown, format, &[])
        }));
    }
    let cases = test_formats::cases(format, text).map_err(at)?;
    Ok(cases.map(|cases| summarize(shown, format, &cases)))
}

/// Read a JUnit document (`shown` is how its file is named in reports):
/// `Ok(None)` when the XML is not JUnit (a `pom.xml` matched by a glob),
/// an error with the position when it is broken.
pub fn parse_junit(shown: &str, text: &str) -> Result<Option<TestReport>, String> {
    match junit_xml::parse_report(text) {
        Ok(Parsed::Report(cases)) => Ok(Some(summarize(shown, ReportFormat::Junit, &cases))),
        Ok(Parsed::NotJunit { .. }) => Ok(None),
        Err(error) => Err(format!("{shown}:{error}")),
    }
}

fn summarize(path: &str, format: ReportFormat, cases: &[junit_xml::TestCase]) -> TestReport {
    let mut report = TestReport {
        path: path.to_owned(),
        format: format.key().into(),
        tests: cases.len() as u64,
        passed: 0,
        failed: 0,
        errored: 0,
        skipped: 0,
        duration_ms: (cases.iter().map(|c| c.time).sum::<f64>() * 1000.0).round() as u64,
        failures: Vec::new(),
        coverage: None,
    };
    for case in cases {
        let message = match &case.outcome {
            Outcome::Passed => {
                report.passed += 1;
                continue;
            }
            Outcome::Skipped { .. } => {
                report.skipped += 1;
                continue;
            }
            Outcome::Failed { message } => {
                report.failed += 1;
                message
            }
            Outcome::Errored { message } => {
                report.errored += 1;
                message
            }
        };
        if report.failures.len() < MAX_FAILURES_KEPT {
            report.failures.push(FailedTest {
                name: case.id(),
                message: message.clone(),
            });
        }
    }
    report
}
