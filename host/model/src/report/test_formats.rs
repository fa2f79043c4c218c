//! Test reports besides JUnit: TestNG, NUnit 2 and 3, Visual Studio TRX
//! (XML) and Cucumber (JSON), read into the same test cases as JUnit so
//! that every format is counted by one rule. `Ok(None)`: the file is not
//! of the format (another file matched by the same glob).

use roxmltree::{Document, Node, ParsingOptions};

use super::formats::ReportFormat;
use super::junit_xml::{Outcome, TestCase};

/// Elements, attributes and texts one report may have: a document past
/// this is refused rather than held in memory.
const NODES_LIMIT: u32 = 4_000_000;

/// Text kept of a failure message.
const MAX_MESSAGE_CHARS: usize = 300;

/// The test cases of a report of `format` (not JUnit, not coverage).
pub fn cases(format: ReportFormat, text: &str) -> Result<Option<Vec<TestCase>>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if format == ReportFormat::Cucumber {
        return cucumber(text);
    }
    let document = xml(text)?;
    let root = document.root_element();
    Ok(match format {
        ReportFormat::Testng => testng(root),
        ReportFormat::Nunit => nunit2(root),
        ReportFormat::Nunit3 => nunit3(root),
        ReportFormat::Trx => trx(root),
        _ => None,
    })
}

/// A parsed XML document, or `line:column: why` (no DTD: no entities).
pub(super) fn xml(text: &str) -> Result<Document<'_>, String> {
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: NODES_LIMIT,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(text, options).map_err(|error| {
        let at = error.pos();
        format!("{}:{}: {error}", at.row, at.col)
    })
}

fn short(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The text of the first descendant named `tag`, shortened.
fn message_of(node: Node<'_, '_>, tag: &str) -> Option<String> {
    node.descendants()
        .find(|n| n.has_tag_name(tag))
        .and_then(|n| n.text())
        .map(short)
        .filter(|m| !m.is_empty())
}

/// `Ns.Class.Method(args)` as class `Ns.Class` and name `Method(args)`.
fn split_full_name(full: &str) -> (String, String) {
    let head = full.split('(').next().unwrap_or(full);
    match head.rfind('.') {
        Some(dot) => (full[..dot].to_owned(), full[dot + 1..].to_owned()),
        None => (String::new(), full.to_owned()),
    }
}

fn seconds(text: Option<&str>) -> f64 {
    text.and_then(|t| t.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(0.0)
}

/// TestNG's `testng-results.xml`: `<test-method status="PASS|FAIL|SKIP">`
/// inside `<class name>`; configuration methods are not tests.
fn testng(root: Node<'_, '_>) -> Option<Vec<TestCase>> {
    if !root.has_tag_name("testng-results") {
        return None;
    }
    let methods = root
        .descendants()
        .filter(|n| n.has_tag_name("test-method"))
        .filter(|n| n.attribute("is-config") != Some("true"));
    Some(
        methods
            .map(|method| {
                let classname = method
                    .ancestors()
                    .find(|a| a.has_tag_name("class"))
                    .and_then(|c| c.attribute("name"))
                    .unwrap_or_default();
                let message = || {
                    message_of(method, "message")
                        .or_else(|| {
                            let exception =
                                method.descendants().find(|n| n.has_tag_name("exception"));
                            exception.and_then(|e| e.attribute("class")).map(short)
                        })
                        .unwrap_or_default()
                };
                let outcome = match method.attribute("status") {
                    Some("PASS") => Outcome::Passed,
                    Some("SKIP") => Outcome::Skipped { message: message() },
                    Some("FAIL") => Outcome::Failed { message: message() },
                    _ => Outcome::Errored { message: message() },
                };
                TestCase {
                    classname: classname.to_owned(),
                    name: method.attribute("name").unwrap_or_default().to_owned(),
                    time: seconds(method.attribute("duration-ms")) / 1000.0,
                    outcome,
                }
            })
            .collect(),
    )
}

/// NUnit 2's `<test-results>`: `<test-case name executed result>`.
fn nunit2(root: Node<'_, '_>) -> Option<Vec<TestCase>> {
    if !root.has_tag_name("test-results") {
        return None;
    }
    let cases = root.descendants().filter(|n| n.has_tag_name("test-case"));
    Some(
        cases
            .map(|case| {
                let (classname, name) = split_full_name(case.attribute("name").unwrap_or_default());
                let message = || message_of(case, "message").unwrap_or_default();
                let executed = case.attribute("executed") != Some("False");
                let outcome = match case.attribute("result") {
                    _ if !executed => Outcome::Skipped { message: message() },
                    Some("Success") => Outcome::Passed,
                    Some("Failure") => Outcome::Failed { message: message() },
                    Some("Error" | "Cancelled" | "NotRunnable") => {
                        Outcome::Errored { message: message() }
                    }
                    Some(_) => Outcome::Skipped { message: message() },
                    None if case.attribute("success") == Some("True") => Outcome::Passed,
                    None => Outcome::Failed { message: message() },
                };
                TestCase {
                    classname,
                    name,
                    time: seconds(case.attribute("time")),
                    outcome,
                }
            })
            .collect(),
    )
}

/// NUnit 3's `<test-run>`: `<test-case fullname result label>`.
fn nunit3(root: Node<'_, '_>) -> Option<Vec<TestCase>> {
    if !root.has_tag_name("test-run") {
        return None;
    }
    let cases = root.descendants().filter(|n| n.has_tag_name("test-case"));
    Some(
        cases
            .map(|case| {
                let full = case
                    .attribute("fullname")
                    .or_else(|| case.attribute("name"))
                    .unwrap_or_default();
                let (classname, name) = split_full_name(full);
                let message = || message_of(case, "message").unwrap_or_default();
                let label = case.attribute("label");
                let outcome = match case.attribute("result") {
                    Some("Passed" | "Warning") => Outcome::Passed,
                    Some("Failed") if matches!(label, Some("Error" | "Invalid" | "Cancelled")) => {
                        Outcome::Errored { message: message() }
                    }
                    Some("Failed") => Outcome::Failed { message: message() },
                    _ => Outcome::Skipped { message: message() },
                };
                TestCase {
                    classname,
                    name,
                    time: seconds(case.attribute("duration")),
                    outcome,
                }
            })
            .collect(),
    )
}

/// Visual Studio's `<TestRun>`: `<UnitTestResult testName outcome
/// duration="hh:mm:ss.fffffff">`, its message in `<ErrorInfo><Message>`.
fn trx(root: Node<'_, '_>) -> Option<Vec<TestCase>> {
    if !root.has_tag_name("TestRun") {
        return None;
    }
    let results = root
        .descendants()
        .filter(|n| n.tag_name().name() == "UnitTestResult");
    Some(
        results
            .map(|result| {
                let (classname, name) =
                    split_full_name(result.attribute("testName").unwrap_or_default());
                let message = || {
                    result
                        .descendants()
                        .find(|n| n.tag_name().name() == "Message")
                        .and_then(|n| n.text())
                        .map(short)
                        .unwrap_or_default()
                };
                let outcome = match result.attribute("outcome") {
                    Some("Passed" | "PassedButRunAborted") => Outcome::Passed,
                    Some("Failed") => Outcome::Failed { message: message() },
                    Some("Error" | "Timeout" | "Aborted") => {
                        Outcome::Errored { message: message() }
                    }
                    _ => Outcome::Skipped { message: message() },
                };
                TestCase {
                    classname,
                    name,
                    time: trx_duration(result.attribute("duration")),
                    outcome,
                }
            })
            .collect(),
    )
}

/// `hh:mm:ss.fffffff` in seconds.
fn trx_duration(text: Option<&str>) -> f64 {
    let Some(text) = text else { return 0.0 };
    let mut parts = text.split(':');
    let (Some(h), Some(m), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return 0.0;
    };
    let (h, m) = (seconds(Some(h)), seconds(Some(m)));
    h * 3600.0 + m * 60.0 + seconds(Some(s))
}

/// Cucumber's JSON: features, their scenarios (`elements` that are not a
/// `background`), and each step's (and hook's) `result.status`. A
/// scenario fails when a step or hook failed, passes when every one
/// passed, and is skipped otherwise (pending, undefined, skipped steps).
fn cucumber(text: &str) -> Result<Option<Vec<TestCase>>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("{}:{}: {e}", e.line(), e.column()))?;
    let Some(features) = value.as_array() else {
        return Ok(None);
    };
    let mut cases = Vec::new();
    for feature in features {
        let Some(elements) = feature.get("elements").and_then(|e| e.as_array()) else {
            continue;
        };
        let feature_name = feature
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or_default();
        for scenario in elements {
            if scenario.get("type").and_then(|t| t.as_str()) == Some("background") {
                continue;
            }
            cases.push(scenario_case(feature_name, scenario));
        }
    }
    Ok(Some(cases))
}

fn scenario_case(feature: &str, scenario: &serde_json::Value) -> TestCase {
    let results: Vec<&serde_json::Value> = ["before", "steps", "after"]
        .iter()
        .filter_map(|key| scenario.get(*key).and_then(|s| s.as_array()))
        .flatten()
        .filter_map(|step| step.get("result"))
        .collect();
    fn status<'a>(result: &&'a serde_json::Value) -> &'a str {
        result.get("status").and_then(|s| s.as_str()).unwrap_or("")
    }
    let nanos: f64 = results
        .iter()
        .filter_map(|r| r.get("duration").and_then(|d| d.as_f64()))
        .sum();
    let failed = results.iter().find(|r| status(r) == "failed");
    let outcome = match failed {
        Some(result) => Outcome::Failed {
            message: result
                .get("error_message")
                .and_then(|m| m.as_str())
                .map(short)
                .unwrap_or_default(),
        },
        None if !results.is_empty() && results.iter().all(|r| status(r) == "passed") => {
            Outcome::Passed
        }
        None => Outcome::Skipped {
            message: results
                .iter()
                .map(status)
                .find(|s| *s != "passed")
                .unwrap_or("no steps")
                .to_owned(),
        },
    };
    TestCase {
        classname: feature.to_owned(),
        name: scenario
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or_default()
            .to_owned(),
        time: nanos / 1e9,
        outcome,
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    fn outcomes(format: ReportFormat, text: &str) -> Vec<(String, &'static str, String)> {
        cases(format, text)
            .unwrap()
            .unwrap()
            .into_iter()
            .map(|case| {
                let id = case.id();
                let (kind, message) = match case.outcome {
                    Outcome::Passed => ("passed", String::new()),
                    Outcome::Skipped { message } => ("skipped", message),
                    Outcome::Failed { message } => ("failed", message),
                    Outcome::Errored { message } => ("errored", message),
                };
                (id, kind, message)
            })
            .collect()
    }

    fn o(id: &str, kind: &'static str, message: &str) -> (String, &'static str, String) {
        (id.to_owned(), kind, message.to_owned())
    }

    #[test]
    fn testng_methods_without_configuration() {
        let text = r#"<?xml version="1.0" encoding="UTF-8"?>
<testng-results skipped="1" failed="1" total="3" passed="1">
  <suite name="Suite"><test name="Test"><class name="com.acme.CalcTest">
    <test-method status="PASS" name="setUp" is-config="true" duration-ms="1"/>
    <test-method status="PASS" name="adds" duration-ms="12"/>
    <test-method status="FAIL" name="divides" duration-ms="3">
      <exception class="java.lang.AssertionError"><message><![CDATA[expected [2] but found [3]]]></message></exception>
    </test-method>
    <test-method status="SKIP" name="later" duration-ms="0"/>
  </class></test></suite>
</testng-results>"#;
        assert_eq!(
            outcomes(ReportFormat::Testng, text),
            [
                o("com.acme.CalcTest::adds", "passed", ""),
                o(
                    "com.acme.CalcTest::divides",
                    "failed",
                    "expected [2] but found [3]"
                ),
                o("com.acme.CalcTest::later", "skipped", ""),
            ]
        );
    }

    #[test]
    fn nunit2_and_nunit3() {
        let v2 = r#"<test-results name="x.dll" total="4" failures="1">
  <test-suite type="Assembly" name="x.dll"><results>
    <test-case name="Acme.CalcTests.Adds" executed="True" result="Success" success="True" time="0.010"/>
    <test-case name="Acme.CalcTests.Divides(1.5)" executed="True" result="Failure" success="False" time="0.002">
      <failure><message><![CDATA[Expected: 2 But was: 3]]></message></failure>
    </test-case>
    <test-case name="Acme.CalcTests.Later" executed="False" result="Ignored"><reason><message>not yet</message></reason></test-case>
    <test-case name="Acme.CalcTests.Boom" executed="True" result="Error" success="False"><failure><message>NullReferenceException</message></failure></test-case>
  </results></test-suite>
</test-results>"#;
        assert_eq!(
            outcomes(ReportFormat::Nunit, v2),
            [
                o("Acme.CalcTests::Adds", "passed", ""),
                o(
                    "Acme.CalcTests::Divides(1.5)",
                    "failed",
                    "Expected: 2 But was: 3"
                ),
                o("Acme.CalcTests::Later", "skipped", "not yet"),
                o("Acme.CalcTests::Boom", "errored", "NullReferenceException"),
            ]
        );
        let v3 = r#"<test-run id="2" testcasecount="3" result="Failed">
  <test-suite type="TestFixture" fullname="Acme.CalcTests">
    <test-case id="1" name="Adds" fullname="Acme.CalcTests.Adds" result="Passed" duration="0.01"/>
    <test-case id="2" name="Divides" fullname="Acme.CalcTests.Divides" result="Failed" duration="0.02"><failure><message>Expected 2</message></failure></test-case>
    <test-case id="3" name="Boom" fullname="Acme.CalcTests.Boom" result="Failed" label="Error"><failure><message>System.Exception</message></failure></test-case>
  </test-suite>
</test-run>"#;
        assert_eq!(
            outcomes(ReportFormat::Nunit3, v3),
            [
                o("Acme.CalcTests::Adds", "passed", ""),
                o("Acme.CalcTests::Divides", "failed", "Expected 2"),
                o("Acme.CalcTests::Boom", "errored", "System.Exception"),
            ]
        );
    }

    #[test]
    fn trx_results_with_their_durations() {
        let text = r#"<?xml version="1.0" encoding="utf-8"?>
<TestRun id="1" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <Results>
    <UnitTestResult testName="Acme.Tests.Adds" outcome="Passed" duration="00:00:01.5000000"/>
    <UnitTestResult testName="Acme.Tests.Divides" outcome="Failed" duration="00:00:00.2500000">
      <Output><ErrorInfo><Message>Assert.AreEqual failed. Expected:&lt;2&gt;. Actual:&lt;3&gt;.</Message></ErrorInfo></Output>
    </UnitTestResult>
    <UnitTestResult testName="Acme.Tests.Later" outcome="NotExecuted"/>
  </Results>
</TestRun>"#;
        let all = cases(ReportFormat::Trx, text).unwrap().unwrap();
        assert_eq!(all[0].time, 1.5);
        assert_eq!(
            outcomes(ReportFormat::Trx, text),
            [
                o("Acme.Tests::Adds", "passed", ""),
                o(
                    "Acme.Tests::Divides",
                    "failed",
                    "Assert.AreEqual failed. Expected:<2>. Actual:<3>."
                ),
                o("Acme.Tests::Later", "skipped", ""),
            ]
        );
    }

    #[test]
    fn cucumber_scenarios_from_their_steps() {
        let text = r#"[{"name": "Calculator", "elements": [
  {"type": "background", "name": "", "steps": [{"result": {"status": "passed"}}]},
  {"type": "scenario", "name": "adds", "steps": [{"result": {"status": "passed", "duration": 1500000000}}]},
  {"type": "scenario", "name": "divides", "steps": [
     {"result": {"status": "passed"}},
     {"result": {"status": "failed", "error_message": "expected 2, got 3"}},
     {"result": {"status": "skipped"}}]},
  {"type": "scenario", "name": "later", "steps": [{"result": {"status": "undefined"}}]},
  {"type": "scenario", "name": "hooked", "steps": [{"result": {"status": "passed"}}],
   "after": [{"result": {"status": "failed", "error_message": "teardown"}}]}
]}]"#;
        assert_eq!(
            outcomes(ReportFormat::Cucumber, text),
            [
                o("Calculator::adds", "passed", ""),
                o("Calculator::divides", "failed", "expected 2, got 3"),
                o("Calculator::later", "skipped", "undefined"),
                o("Calculator::hooked", "failed", "teardown"),
            ]
        );
    }

    #[test]
    fn another_document_is_not_the_format_and_broken_ones_say_where() {
        assert_eq!(cases(ReportFormat::Testng, "<project/>").unwrap(), None);
        assert_eq!(cases(ReportFormat::Cucumber, "{\"a\": 1}").unwrap(), None);
        let error = cases(
            ReportFormat::Trx,
            "<TestRun>\n  <Results></Wrong></TestRun>",
        )
        .unwrap_err();
        assert!(error.starts_with("2:"), "{error}");
        // No DTD, so no entity can expand.
        let bomb = "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><TestRun>&a;</TestRun>";
        assert!(cases(ReportFormat::Trx, bomb).is_err());
    }
}
