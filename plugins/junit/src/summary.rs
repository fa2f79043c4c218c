//! Totals over all reports, the summary line and `summary.json`.

use std::fmt::Write;

use crate::report::{Outcome, TestCase};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Totals {
    pub tests: usize,
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub skipped: usize,
    /// Sum of the test cases' times, in seconds.
    pub time: f64,
}

impl Totals {
    pub fn add(&mut self, case: &TestCase) {
        self.tests += 1;
        self.time += case.time;
        match case.outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed { .. } => self.failed += 1,
            Outcome::Errored { .. } => self.errors += 1,
            Outcome::Skipped { .. } => self.skipped += 1,
        }
    }

    pub fn unsuccessful(&self) -> usize {
        self.failed + self.errors
    }

    /// `12 tests, 9 passed, 1 failed, 1 errors, 1 skipped in 3.25 s`
    pub fn line(&self) -> String {
        format!(
            "{} tests, {} passed, {} failed, {} errors, {} skipped in {:.2} s",
            self.tests, self.passed, self.failed, self.errors, self.skipped, self.time
        )
    }
}

/// A test that failed or errored, for the log, the error and the JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedTest {
    /// `classname::name`
    pub id: String,
    /// `failure` or `error`
    pub kind: &'static str,
    pub message: String,
    /// The report it came from, as `<input>/<path>`.
    pub report: String,
}

impl FailedTest {
    pub fn from_case(case: &TestCase, report: &str) -> Option<Self> {
        let (kind, message) = match &case.outcome {
            Outcome::Failed { message } => ("failure", message),
            Outcome::Errored { message } => ("error", message),
            Outcome::Passed | Outcome::Skipped { .. } => return None,
        };
        Some(Self {
            id: case.id(),
            kind,
            message: message.clone(),
            report: report.to_owned(),
        })
    }

    /// `FAILED classname::name: message` (errors say so).
    pub fn log_line(&self) -> String {
        let kind = if self.kind == "error" { " (error)" } else { "" };
        if self.message.is_empty() {
            format!("FAILED {}{kind}", self.id)
        } else {
            format!("FAILED {}{kind}: {}", self.id, self.message)
        }
    }
}

/// `summary.json`: totals, the reports read and the failed tests.
pub fn summary_json(totals: &Totals, reports: &[String], failed: &[FailedTest]) -> String {
    let mut json = String::new();
    let _ = write!(
        json,
        "{{\n  \"tests\": {},\n  \"passed\": {},\n  \"failed\": {},\n  \"errors\": {},\n  \
         \"skipped\": {},\n  \"time_seconds\": {},\n",
        totals.tests,
        totals.passed,
        totals.failed,
        totals.errors,
        totals.skipped,
        json_number(totals.time)
    );
    let reports: Vec<String> = reports.iter().map(|report| json_string(report)).collect();
    let _ = writeln!(json, "  \"reports\": [{}],", reports.join(", "));
    json.push_str("  \"failed_tests\": [");
    for (index, test) in failed.iter().enumerate() {
        let _ = write!(
            json,
            "{}\n    {{\"name\": {}, \"kind\": {}, \"message\": {}, \"report\": {}}}",
            if index == 0 { "" } else { "," },
            json_string(&test.id),
            json_string(test.kind),
            json_string(&test.message),
            json_string(&test.report)
        );
    }
    json.push_str(if failed.is_empty() {
        "]\n}\n"
    } else {
        "\n  ]\n}\n"
    });
    json
}

/// A JSON string literal: quotes, backslashes and control characters
/// escaped; everything else is valid UTF-8 as is.
pub fn json_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(quoted, "\\u{:04x}", u32::from(c));
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// Seconds with millisecond precision; JSON has no NaN or infinity.
fn json_number(value: f64) -> String {
    if value.is_finite() {
        format!("{:.3}", value)
    } else {
        "0".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_json_strings() {
        assert_eq!(json_string("plain"), "\"plain\"");
        assert_eq!(
            json_string("a \"q\" \\ b\nc\t\u{1}é"),
            "\"a \\\"q\\\" \\\\ b\\nc\\t\\u0001é\""
        );
    }

    #[test]
    fn writes_totals_and_failed_tests() {
        let totals = Totals {
            tests: 3,
            passed: 1,
            failed: 1,
            errors: 1,
            skipped: 0,
            time: 1.5,
        };
        assert_eq!(
            totals.line(),
            "3 tests, 1 passed, 1 failed, 1 errors, 0 skipped in 1.50 s"
        );
        let failed = vec![
            FailedTest {
                id: "A::b".into(),
                kind: "failure",
                message: "expected \"1\"".into(),
                report: "reports/a.xml".into(),
            },
            FailedTest {
                id: "A::c".into(),
                kind: "error",
                message: String::new(),
                report: "reports/a.xml".into(),
            },
        ];
        assert_eq!(failed[0].log_line(), "FAILED A::b: expected \"1\"");
        assert_eq!(failed[1].log_line(), "FAILED A::c (error)");
        let json = summary_json(&totals, &["reports/a.xml".into()], &failed);
        assert_eq!(
            json,
            r#"{
  "tests": 3,
  "passed": 1,
  "failed": 1,
  "errors": 1,
  "skipped": 0,
  "time_seconds": 1.500,
  "reports": ["reports/a.xml"],
  "failed_tests": [
    {"name": "A::b", "kind": "failure", "message": "expected \"1\"", "report": "reports/a.xml"},
    {"name": "A::c", "kind": "error", "message": "", "report": "reports/a.xml"}
  ]
}
"#
        );
        let empty = summary_json(&Totals::default(), &[], &[]);
        assert!(
            empty.ends_with("\"reports\": [],\n  \"failed_tests\": []\n}\n"),
            "{empty}"
        );
    }
}
