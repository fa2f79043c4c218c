//! Report discovery, analysis and the pass/fail decision over temporary
//! input trees.

use std::fs;
use std::path::Path;

use tempfile::TempDir;

use crate::glob::Glob;
use crate::scan::{Policy, Root, analyze, find_reports, verdict};
use crate::summary::summary_json;

const PASSING: &str =
    r#"<testsuite name="unit"><testcase classname="a.B" name="ok" time="0.5"/></testsuite>"#;
const FAILING: &str = r#"<testsuites><testsuite name="int">
  <testcase classname="c.D" name="breaks" time="1"><failure message="boom"/></testcase>
  <testcase classname="c.D" name="crashes" time="0.25"><error message="NPE"/></testcase>
  <testcase classname="c.D" name="later"><skipped message="todo"/></testcase>
</testsuite></testsuites>"#;

fn write(path: &Path, content: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

/// `unit` and `integration` inputs with reports in nested directories, a
/// `pom.xml`, and a non-XML file.
fn inputs(failing: bool) -> (TempDir, Vec<Root>) {
    let dir = TempDir::new().unwrap();
    let unit = dir.path().join("unit");
    write(&unit.join("target/surefire-reports/TEST-a.xml"), PASSING);
    write(&unit.join("pom.xml"), "<project/>");
    write(&unit.join("notes.txt"), "not a report");
    let integration = dir.path().join("integration");
    write(
        &integration.join("reports/junit.xml"),
        if failing { FAILING } else { PASSING },
    );
    let roots = vec![
        Root {
            name: "unit".into(),
            path: unit,
        },
        Root {
            name: "integration".into(),
            path: integration,
        },
    ];
    (dir, roots)
}

fn glob(pattern: &str) -> Glob {
    Glob::parse(pattern).unwrap()
}

const STRICT: Policy = Policy {
    fail_on_failure: true,
    allow_empty: false,
};

#[test]
fn finds_reports_by_pattern_in_every_input() {
    let (_dir, roots) = inputs(true);
    let all = find_reports(&roots, &glob("**/*.xml")).unwrap();
    let names: Vec<&str> = all.iter().map(|file| file.display.as_str()).collect();
    assert_eq!(
        names,
        [
            "unit/pom.xml",
            "unit/target/surefire-reports/TEST-a.xml",
            "integration/reports/junit.xml"
        ]
    );
    let surefire = find_reports(&roots, &glob("target/**/TEST-*.xml")).unwrap();
    assert_eq!(surefire.len(), 1);
}

#[test]
fn failures_fail_the_action_with_their_names() {
    let (_dir, roots) = inputs(true);
    let files = find_reports(&roots, &glob("**/*.xml")).unwrap();
    let analysis = analyze(&files).unwrap();
    assert_eq!(analysis.reports.len(), 2);
    assert_eq!(
        analysis.not_junit,
        [("unit/pom.xml".to_owned(), "project".to_owned())]
    );
    assert_eq!(
        analysis.totals.line(),
        "4 tests, 1 passed, 1 failed, 1 errors, 1 skipped in 1.75 s"
    );
    let lines: Vec<String> = analysis.failed.iter().map(|test| test.log_line()).collect();
    assert_eq!(
        lines,
        [
            "FAILED c.D::breaks: boom",
            "FAILED c.D::crashes (error): NPE"
        ]
    );
    let error = verdict(&analysis, &STRICT, "**/*.xml", &[]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "4 tests, 1 passed, 1 failed, 1 errors, 1 skipped in 1.75 s (2 reports); \
         failed: c.D::breaks, c.D::crashes"
    );

    let lenient = Policy {
        fail_on_failure: false,
        allow_empty: false,
    };
    let summary = verdict(&analysis, &lenient, "**/*.xml", &[]).unwrap();
    assert!(summary.starts_with("4 tests"), "{summary}");

    let json = summary_json(&analysis.totals, &analysis.reports, &analysis.failed);
    assert!(json.contains(r#""name": "c.D::breaks", "kind": "failure", "message": "boom", "report": "integration/reports/junit.xml""#), "{json}");
}

#[test]
fn passing_tests_pass() {
    let (_dir, roots) = inputs(false);
    let files = find_reports(&roots, &glob("**/*.xml")).unwrap();
    let analysis = analyze(&files).unwrap();
    let summary = verdict(&analysis, &STRICT, "**/*.xml", &[]).unwrap();
    assert_eq!(
        summary,
        "2 tests, 2 passed, 0 failed, 0 errors, 0 skipped in 1.00 s (2 reports)"
    );
}

#[test]
fn no_reports_fail_unless_allowed() {
    let (_dir, roots) = inputs(false);
    let files = find_reports(&roots, &glob("**/pom.xml")).unwrap();
    let analysis = analyze(&files).unwrap();
    let names = vec!["unit".to_owned(), "integration".to_owned()];
    let error = verdict(&analysis, &STRICT, "**/pom.xml", &names).unwrap_err();
    assert_eq!(
        error.to_string(),
        "no JUnit reports matched `**/pom.xml` (searched inputs unit, integration, \
         1 matching file is other XML); set `allow-empty: true` if that is expected"
    );
    let allowed = Policy {
        fail_on_failure: true,
        allow_empty: true,
    };
    assert_eq!(
        verdict(&analysis, &allowed, "**/pom.xml", &names).unwrap(),
        "no JUnit reports matched `**/pom.xml`"
    );
    let none = verdict(&analyze(&[]).unwrap(), &STRICT, "**/*.xml", &[]).unwrap_err();
    assert!(
        none.to_string()
            .contains("the action has no input artifacts"),
        "{none}"
    );
}

#[test]
fn invalid_xml_names_the_file_and_position() {
    let (_dir, roots) = inputs(false);
    write(
        &roots[1].path.join("reports/broken.xml"),
        "<testsuite>\n  <testcase name=\"x\">\n</testsuite>\n",
    );
    let files = find_reports(&roots, &glob("**/*.xml")).unwrap();
    let error = analyze(&files).unwrap_err().to_string();
    assert!(
        error.starts_with("integration/reports/broken.xml:3:"),
        "{error}"
    );
    assert!(error.contains("invalid XML"), "{error}");

    let bytes = [0x3c, 0xff, 0xfe];
    fs::write(roots[1].path.join("reports/broken.xml"), bytes).unwrap();
    let files = find_reports(&roots, &glob("**/*.xml")).unwrap();
    let error = analyze(&files).unwrap_err().to_string();
    assert!(error.contains("broken.xml: not UTF-8"), "{error}");
}
