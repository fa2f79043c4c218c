//! Reading one JUnit XML report: `<testsuites>` or a bare `<testsuite>`,
//! suites nested at any depth, `<testcase>` with `<failure>`, `<error>` or
//! `<skipped>` children.

use std::fmt;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};

/// Text kept from a failure body when it has no `message` attribute.
const MAX_MESSAGE_CHARS: usize = 300;

#[derive(Clone, Debug, PartialEq)]
pub struct TestCase {
    /// The `classname` attribute, or the enclosing suite's name.
    pub classname: String,
    pub name: String,
    /// Seconds; 0 when absent or unreadable.
    pub time: f64,
    pub outcome: Outcome,
}

impl TestCase {
    /// `classname::name`, or `name` alone when there is no class.
    pub fn id(&self) -> String {
        if self.classname.is_empty() {
            self.name.clone()
        } else {
            format!("{}::{}", self.classname, self.name)
        }
    }
}

/// Ordered by precedence: a test with both a failure and an error counts
/// as an error.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Passed,
    Skipped { message: String },
    Failed { message: String },
    Errored { message: String },
}

#[derive(Debug, PartialEq)]
pub enum Parsed {
    Report(Vec<TestCase>),
    /// Well-formed XML whose root is not `testsuites` or `testsuite`, such
    /// as a `pom.xml` matched by `**/*.xml`.
    NotJunit {
        root: String,
    },
}

/// Where and why a report is not well-formed XML.
#[derive(Debug, PartialEq, Eq)]
pub struct XmlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// A `<failure>`, `<error>` or `<skipped>` being read.
struct Problem {
    kind: ProblemKind,
    /// From the `message` attribute, else the body, else `type`.
    message: Option<String>,
    kind_attribute: Option<String>,
    body: String,
}

#[derive(Clone, Copy)]
enum ProblemKind {
    Failure,
    Error,
    Skipped,
}

pub fn parse_report(xml: &str) -> Result<Parsed, XmlError> {
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let mut reader = Reader::from_str(xml);
    let mut open: Vec<String> = Vec::new();
    let mut suites: Vec<String> = Vec::new();
    let mut cases = Vec::new();
    let mut case: Option<TestCase> = None;
    let mut problem: Option<Problem> = None;
    let mut saw_root = false;
    let at = |reader: &Reader<&[u8]>, position: u64, message: String| {
        position_error(
            xml,
            position.min(reader.buffer_position()) as usize,
            message,
        )
    };
    loop {
        // Where the event starts: errors about an element point at its `<`.
        let position = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|error| at(&reader, reader.error_position(), error.to_string()))?;
        match event {
            Event::Start(ref element) | Event::Empty(ref element) => {
                let is_empty = matches!(event, Event::Empty(_));
                let name = local_name(element);
                if open.is_empty() {
                    if saw_root {
                        return Err(at(
                            &reader,
                            position,
                            format!("second root element <{name}>"),
                        ));
                    }
                    if name != "testsuites" && name != "testsuite" {
                        return Ok(Parsed::NotJunit { root: name });
                    }
                    saw_root = true;
                }
                let attribute = |key: &str| {
                    attribute(element, key).map_err(|error| at(&reader, position, error))
                };
                match name.as_str() {
                    "testsuite" => suites.push(attribute("name")?.unwrap_or_default()),
                    "testcase" if case.is_none() => {
                        let classname = attribute("classname")?
                            .or_else(|| suites.last().cloned())
                            .unwrap_or_default();
                        let time = attribute("time")?.map_or(0.0, |text| parse_seconds(&text));
                        case = Some(TestCase {
                            classname,
                            name: attribute("name")?.unwrap_or_default(),
                            time,
                            outcome: Outcome::Passed,
                        });
                    }
                    "failure" | "error" | "skipped"
                        if case.is_some() && open.last().is_some_and(|top| top == "testcase") =>
                    {
                        problem = Some(Problem {
                            kind: match name.as_str() {
                                "failure" => ProblemKind::Failure,
                                "error" => ProblemKind::Error,
                                _ => ProblemKind::Skipped,
                            },
                            message: attribute("message")?,
                            kind_attribute: attribute("type")?,
                            body: String::new(),
                        });
                    }
                    _ => {}
                }
                if is_empty {
                    close(&name, &mut suites, &mut case, &mut cases, &mut problem);
                } else {
                    open.push(name);
                }
            }
            Event::End(element) => {
                let name = String::from_utf8_lossy(element.local_name().as_ref()).into_owned();
                open.pop();
                close(&name, &mut suites, &mut case, &mut cases, &mut problem);
            }
            Event::Text(text) => {
                if open.is_empty() && !text.iter().all(u8::is_ascii_whitespace) {
                    return Err(at(
                        &reader,
                        position,
                        "text outside the root element".into(),
                    ));
                }
                if let Some(problem) = &mut problem {
                    let text = text
                        .decode()
                        .map_err(|error| at(&reader, position, error.to_string()))?;
                    append_limited(&mut problem.body, &text);
                }
            }
            Event::CData(data) => {
                if let Some(problem) = &mut problem {
                    append_limited(&mut problem.body, &String::from_utf8_lossy(&data));
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(problem) = &mut problem {
                    let text = resolve_reference(&reference)
                        .map_err(|error| at(&reader, position, error))?;
                    append_limited(&mut problem.body, &text);
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    match open.last() {
        Some(element) => Err(position_error(
            xml,
            xml.len(),
            format!("the file ends inside <{element}>"),
        )),
        None if !saw_root => Err(position_error(
            xml,
            0,
            "no root element (the file is empty)".into(),
        )),
        None => Ok(Parsed::Report(cases)),
    }
}

/// The end of element `name`: finish whatever it was building.
fn close(
    name: &str,
    suites: &mut Vec<String>,
    case: &mut Option<TestCase>,
    cases: &mut Vec<TestCase>,
    problem: &mut Option<Problem>,
) {
    match name {
        "testsuite" => {
            suites.pop();
        }
        "testcase" => cases.extend(case.take()),
        "failure" | "error" | "skipped" => {
            if let (Some(problem), Some(case)) = (problem.take(), case.as_mut()) {
                let message = problem_message(&problem);
                let outcome = match problem.kind {
                    ProblemKind::Failure => Outcome::Failed { message },
                    ProblemKind::Error => Outcome::Errored { message },
                    ProblemKind::Skipped => Outcome::Skipped { message },
                };
                // The first problem of the most severe kind wins.
                if discriminant_rank(&outcome) > discriminant_rank(&case.outcome) {
                    case.outcome = outcome;
                }
            }
        }
        _ => {}
    }
}

fn discriminant_rank(outcome: &Outcome) -> u8 {
    match outcome {
        Outcome::Passed => 0,
        Outcome::Skipped { .. } => 1,
        Outcome::Failed { .. } => 2,
        Outcome::Errored { .. } => 3,
    }
}

/// One line: the `message` attribute, else the body's first non-empty
/// line, else the `type` attribute.
fn problem_message(problem: &Problem) -> String {
    let first_line = |text: &str| {
        text.lines()
            .map(str::trim)
            .find(|line| !line.is_empty())
            .map(str::to_owned)
    };
    let message = problem
        .message
        .as_deref()
        .and_then(first_line)
        .or_else(|| first_line(&problem.body))
        .or_else(|| problem.kind_attribute.as_deref().and_then(first_line))
        .unwrap_or_default();
    truncate(&message, MAX_MESSAGE_CHARS)
}

fn local_name(element: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(element.local_name().as_ref()).into_owned()
}

fn attribute(element: &BytesStart<'_>, key: &str) -> Result<Option<String>, String> {
    for attribute in element.attributes() {
        let attribute = attribute.map_err(|error| error.to_string())?;
        if attribute.key.local_name().as_ref() == key.as_bytes() {
            let value = attribute
                .unescape_value()
                .map_err(|error| error.to_string())?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

/// `&amp;`, `&#10;` and friends; undefined entities are left as written.
fn resolve_reference(reference: &BytesRef<'_>) -> Result<String, String> {
    if let Some(c) = reference
        .resolve_char_ref()
        .map_err(|error| error.to_string())?
    {
        return Ok(c.to_string());
    }
    let name = reference.decode().map_err(|error| error.to_string())?;
    Ok(quick_xml::escape::resolve_predefined_entity(&name)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("&{name};")))
}

/// `1.5`, `1,234.5` (some runners group digits), `0.001`; else 0.
fn parse_seconds(text: &str) -> f64 {
    text.trim()
        .replace(',', "")
        .parse::<f64>()
        .ok()
        .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
        .unwrap_or(0.0)
}

fn append_limited(body: &mut String, text: &str) {
    if body.len() < 4 * MAX_MESSAGE_CHARS {
        body.push_str(text);
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// A byte offset as a 1-based line and column (in characters).
fn position_error(xml: &str, offset: usize, message: String) -> XmlError {
    let mut offset = offset.min(xml.len());
    while !xml.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &xml[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let column = before[line_start..].chars().count() + 1;
    XmlError {
        line,
        column,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cases(xml: &str) -> Vec<TestCase> {
        match parse_report(xml).unwrap() {
            Parsed::Report(cases) => cases,
            other => panic!("{other:?}"),
        }
    }

    const SUREFIRE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="com.example.CalcTest" tests="5" failures="1" errors="1" skipped="1" time="1.5">
  <properties><property name="java.version" value="21"/></properties>
  <testcase name="adds" classname="com.example.CalcTest" time="0.25"/>
  <testcase name="divides" classname="com.example.CalcTest" time="1,000.5">
    <failure message="expected: &lt;2&gt; but was: &lt;3&gt;" type="org.opentest4j.AssertionFailedError">stack
trace</failure>
  </testcase>
  <testcase name="parses" classname="com.example.CalcTest" time="0.1">
    <error type="java.lang.NullPointerException"><![CDATA[
      java.lang.NullPointerException: boom & bust
        at com.example.Calc.parse(Calc.java:10)]]></error>
    <system-out>noise</system-out>
  </testcase>
  <testcase name="ignored" classname="com.example.CalcTest"><skipped/></testcase>
  <testcase name="flaky" classname="com.example.CalcTest">
    <flakyFailure message="first run failed"/>
  </testcase>
</testsuite>
"#;

    #[test]
    fn reads_a_bare_testsuite() {
        let cases = cases(SUREFIRE);
        assert_eq!(cases.len(), 5);
        assert_eq!(cases[0].id(), "com.example.CalcTest::adds");
        assert_eq!(cases[0].outcome, Outcome::Passed);
        assert_eq!(cases[0].time, 0.25);
        assert_eq!(cases[1].time, 1000.5);
        assert_eq!(
            cases[1].outcome,
            Outcome::Failed {
                message: "expected: <2> but was: <3>".into()
            }
        );
        assert_eq!(
            cases[2].outcome,
            Outcome::Errored {
                message: "java.lang.NullPointerException: boom & bust".into()
            }
        );
        assert_eq!(
            cases[3].outcome,
            Outcome::Skipped {
                message: String::new()
            }
        );
        // A rerun that passed in the end is a pass.
        assert_eq!(cases[4].outcome, Outcome::Passed);
    }

    #[test]
    fn reads_nested_suites_and_falls_back_to_the_suite_name() {
        let xml = r#"<testsuites>
  <testsuite name="outer">
    <testcase name="a"/>
    <testsuite name="inner">
      <testcase name="b"><failure>line one&#10;line two</failure></testcase>
      <testcase name="c"><failure message="f"/><error message="e"/></testcase>
    </testsuite>
    <testcase name="d" classname="explicit"/>
  </testsuite>
</testsuites>"#;
        let cases = cases(xml);
        let ids: Vec<String> = cases.iter().map(TestCase::id).collect();
        assert_eq!(ids, ["outer::a", "inner::b", "inner::c", "explicit::d"]);
        assert_eq!(
            cases[1].outcome,
            Outcome::Failed {
                message: "line one".into()
            }
        );
        assert_eq!(
            cases[2].outcome,
            Outcome::Errored {
                message: "e".into()
            }
        );
    }

    #[test]
    fn other_xml_is_not_a_report() {
        assert_eq!(
            parse_report("<project><modelVersion/></project>").unwrap(),
            Parsed::NotJunit {
                root: "project".into()
            }
        );
        assert_eq!(
            parse_report("<testsuites/>").unwrap(),
            Parsed::Report(vec![])
        );
    }

    #[test]
    fn invalid_xml_reports_line_and_column() {
        let error = parse_report("<testsuite>\n  <testcase name=\"a\">\n</testsuite>").unwrap_err();
        assert_eq!(error.line, 3, "{error}");
        assert!(error.message.contains("testcase"), "{error}");

        let error = parse_report("<testsuite>\n  <testcase name=\"a\"/>\n").unwrap_err();
        assert!(error.message.contains("ends inside <testsuite>"), "{error}");

        let error = parse_report("<testsuite>\n <testcase name=a/>\n</testsuite>").unwrap_err();
        assert_eq!(error.line, 2, "{error}");

        assert!(parse_report("").is_err());
        assert!(parse_report("not xml at all").is_err());
    }

    #[test]
    fn positions_count_characters() {
        let error = position_error("ab\ncdé\nx", 7, "m".into());
        assert_eq!((error.line, error.column), (2, 4));
        assert_eq!(position_error("abc", 0, "m".into()).to_string(), "1:1: m");
    }
}
