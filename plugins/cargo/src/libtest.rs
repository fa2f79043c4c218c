//! Reading libtest's human output (`test path::name ... ok`) and writing
//! JUnit XML. Stable Rust has no machine-readable test output, and this
//! format has been stable for years.

use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed,
    Ignored,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    /// The test binary's suite, from `Running ...` lines (`unittests src/lib.rs`).
    pub suite: String,
    pub name: String,
    pub outcome: Outcome,
    /// The captured output of a failed test, from the `---- name stdout ----` block.
    pub output: String,
}

pub fn parse(stdout: &str) -> Vec<TestResult> {
    let mut results: Vec<TestResult> = Vec::new();
    let mut suite = String::from("tests");
    let mut capturing: Option<usize> = None;
    for line in stdout.lines() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("Running ") {
            suite = rest.split(" (").next().unwrap_or(rest).to_owned();
            capturing = None;
            continue;
        }
        if let Some(name) = trimmed
            .strip_prefix("---- ")
            .and_then(|r| r.strip_suffix(" stdout ----"))
        {
            capturing = results
                .iter()
                .rposition(|t| t.name == name && t.suite == suite);
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("test ")
            && let Some((name, verdict)) = rest.rsplit_once(" ... ")
        {
            let outcome = match verdict {
                "ok" => Outcome::Passed,
                "FAILED" => Outcome::Failed,
                v if v.starts_with("ignored") => Outcome::Ignored,
                _ => continue,
            };
            results.push(TestResult {
                suite: suite.clone(),
                name: name.to_owned(),
                outcome,
                output: String::new(),
            });
            capturing = None;
            continue;
        }
        if trimmed == "failures:" || trimmed.starts_with("test result:") {
            capturing = None;
            continue;
        }
        if let Some(index) = capturing {
            results[index].output.push_str(line);
            results[index].output.push('\n');
        }
    }
    results
}

fn escape(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

pub fn junit(results: &[TestResult]) -> String {
    let failures = results
        .iter()
        .filter(|t| t.outcome == Outcome::Failed)
        .count();
    let skipped = results
        .iter()
        .filter(|t| t.outcome == Outcome::Ignored)
        .count();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuite name=\"cargo test\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">",
        results.len()
    );
    for test in results {
        let _ = write!(
            xml,
            "  <testcase classname=\"{}\" name=\"{}\"",
            escape(&test.suite),
            escape(&test.name)
        );
        match test.outcome {
            Outcome::Passed => xml.push_str("/>\n"),
            Outcome::Ignored => xml.push_str("><skipped/></testcase>\n"),
            Outcome::Failed => {
                let first = test
                    .output
                    .lines()
                    .find(|l| l.contains("panicked"))
                    .unwrap_or("test failed");
                let _ = writeln!(
                    xml,
                    "><failure message=\"{}\">{}</failure></testcase>",
                    escape(first.trim()),
                    escape(&test.output)
                );
            }
        }
    }
    xml.push_str("</testsuite>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "
     Running unittests src/lib.rs (target/debug/deps/hello-1234)

running 3 tests
test tests::adds ... ok
test tests::divides ... FAILED
test tests::slow ... ignored, takes a minute

failures:

---- tests::divides stdout ----

thread 'tests::divides' panicked at src/lib.rs:10:5:
attempt to divide by zero

failures:
    tests::divides

test result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out
";

    #[test]
    fn libtest_output_becomes_results_and_junit() {
        let results = parse(OUTPUT);
        assert_eq!(results.len(), 3);
        assert_eq!(results[0].suite, "unittests src/lib.rs");
        assert_eq!(results[1].outcome, Outcome::Failed);
        assert!(results[1].output.contains("attempt to divide by zero"));
        assert_eq!(results[2].outcome, Outcome::Ignored);
        let xml = junit(&results);
        assert!(xml.contains("tests=\"3\" failures=\"1\" skipped=\"1\""));
        assert!(
            xml.contains(
                "<failure message=\"thread 'tests::divides' panicked at src/lib.rs:10:5:\">"
            ),
            "{xml}"
        );
    }
}
