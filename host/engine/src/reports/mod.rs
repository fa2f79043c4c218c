//! Test and coverage reports an action declares (`reports: { junit:
//! [...], cobertura: [...] }`): found in the action's outputs after it
//! succeeds or fails, parsed, and kept with the run so that `kiln show`
//! can say what passed, what failed, and how much the tests covered.

use std::path::Path;

use kiln_model::plan::ReportPattern;
pub use kiln_model::report::{FailedTest, TestReport, parse_junit, parse_report};

/// A report file bigger than this is not read.
const MAX_REPORT_BYTES: u64 = 64 * 1024 * 1024;

/// What reading the declared reports found: the reports, and a line for
/// the action's log about each file that could not be read.
#[derive(Debug, Default)]
pub struct Collected {
    pub reports: Vec<TestReport>,
    pub problems: Vec<String>,
}

/// Read the reports matching `patterns` in the action's output
/// directories (`outputs`: name and directory).
pub fn collect(patterns: &[ReportPattern], outputs: &[(String, &Path)]) -> Collected {
    let mut collected = Collected::default();
    for pattern in patterns {
        let Some((_, root)) = outputs.iter().find(|(name, _)| *name == pattern.output) else {
            continue;
        };
        let matcher = match globset::Glob::new(&pattern.glob) {
            Ok(glob) => glob.compile_matcher(),
            Err(error) => {
                collected
                    .problems
                    .push(format!("{}: {error}", pattern.glob));
                continue;
            }
        };
        let mut matched = 0;
        let mut files: Vec<_> = walkdir::WalkDir::new(root)
            .follow_links(false)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_file())
            .filter_map(|entry| {
                let relative = entry.path().strip_prefix(root).ok()?.to_path_buf();
                matcher.is_match(&relative).then_some((relative, entry))
            })
            .collect();
        files.sort_by(|a, b| a.0.cmp(&b.0));
        for (relative, entry) in files {
            matched += 1;
            let shown = format!(
                "{}/{}",
                pattern.output,
                relative
                    .to_string_lossy()
                    .replace(std::path::MAIN_SEPARATOR, "/")
            );
            match read_one(pattern, entry.path(), &shown) {
                Ok(Some(report)) => collected.reports.push(report),
                Ok(None) => {}
                Err(problem) => collected.problems.push(problem),
            }
        }
        if matched == 0 {
            collected.problems.push(format!(
                "no report matches `{}/{}`",
                pattern.output, pattern.glob
            ));
        }
    }
    collected
}

fn read_one(
    pattern: &ReportPattern,
    path: &Path,
    shown: &str,
) -> Result<Option<TestReport>, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("{shown}: {e}"))?
        .len();
    if size > MAX_REPORT_BYTES {
        return Err(format!(
            "{shown}: {size} bytes, more than the {MAX_REPORT_BYTES} a report may have; not read"
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{shown}: {e}"))?;
    parse_report(pattern.format, shown, &String::from_utf8_lossy(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"<?xml version="1.0"?>
<testsuites>
  <testsuite name="math">
    <testcase classname="math" name="adds" time="0.5"/>
    <testcase classname="math" name="divides" time="0.25"><failure message="division by zero"/></testcase>
    <testcase classname="math" name="later"><skipped/></testcase>
    <testcase classname="io" name="reads"><error message="no such file"/></testcase>
  </testsuite>
</testsuites>"#;

    #[test]
    fn declared_reports_are_counted_and_failures_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("junit")).unwrap();
        std::fs::write(dir.path().join("junit/a.xml"), REPORT).unwrap();
        std::fs::write(dir.path().join("junit/pom.xml"), "<project/>").unwrap();
        std::fs::write(dir.path().join("junit/broken.xml"), "<testsuite>").unwrap();
        let patterns = [ReportPattern {
            format: Default::default(),
            output: "results".into(),
            glob: "**/*.xml".into(),
        }];
        let collected = collect(&patterns, &[("results".into(), dir.path())]);
        assert_eq!(collected.reports.len(), 1, "{collected:?}");
        let report = &collected.reports[0];
        assert_eq!(report.path, "results/junit/a.xml");
        assert_eq!(
            (
                report.tests,
                report.passed,
                report.failed,
                report.errored,
                report.skipped
            ),
            (4, 1, 1, 1, 1)
        );
        assert_eq!(report.duration_ms, 750);
        assert_eq!(report.failures[0].name, "math::divides");
        assert_eq!(report.failures[0].message, "division by zero");
        assert_eq!(report.failures[1].name, "io::reads");
        assert_eq!(collected.problems.len(), 1);
        assert!(collected.problems[0].starts_with("results/junit/broken.xml:"));
    }

    #[test]
    fn each_pattern_is_read_in_its_format() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("lcov.info"),
            "SF:a.rs\nDA:1,1\nDA:2,0\nend_of_record\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("cucumber.json"),
            r#"[{"name": "f", "elements": [{"name": "s", "steps": [{"result": {"status": "passed"}}]}]}]"#,
        )
        .unwrap();
        let pattern = |format, glob: &str| ReportPattern {
            format,
            output: "out".into(),
            glob: glob.into(),
        };
        let patterns = [
            pattern(kiln_model::report::ReportFormat::Lcov, "*.info"),
            pattern(kiln_model::report::ReportFormat::Cucumber, "*.json"),
        ];
        let collected = collect(&patterns, &[("out".into(), dir.path())]);
        assert!(collected.problems.is_empty(), "{collected:?}");
        let [lcov, cucumber] = &collected.reports[..] else {
            panic!("{collected:?}")
        };
        assert_eq!(lcov.format, "lcov");
        assert_eq!(lcov.coverage.map(|c| (c.covered, c.total)), Some((1, 2)));
        assert_eq!((cucumber.format.as_str(), cucumber.passed), ("cucumber", 1));
    }

    #[test]
    fn a_pattern_matching_nothing_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let patterns = [ReportPattern {
            format: Default::default(),
            output: "results".into(),
            glob: "*.xml".into(),
        }];
        let collected = collect(&patterns, &[("results".into(), dir.path())]);
        assert!(collected.reports.is_empty());
        assert_eq!(collected.problems, ["no report matches `results/*.xml`"]);
    }
}
