//! Rendering check results as JUnit XML.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::checks::CheckResult;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// One `<testsuite>` per suite name, in a `<testsuites>` named `name`.
pub fn render(name: &str, results: &[CheckResult]) -> String {
    let mut suites: BTreeMap<&str, Vec<&CheckResult>> = BTreeMap::new();
    for result in results {
        suites.entry(&result.suite).or_default().push(result);
    }
    let failures = results.iter().filter(|r| r.failure.is_some()).count();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{failures}\">",
        escape(name),
        results.len()
    );
    for (suite, cases) in suites {
        let failed = cases.iter().filter(|r| r.failure.is_some()).count();
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\">",
            escape(suite),
            cases.len()
        );
        for case in cases {
            let _ = write!(
                xml,
                "    <testcase classname=\"{}\" name=\"{}\"",
                escape(suite),
                escape(&case.name)
            );
            match &case.failure {
                None => xml.push_str("/>\n"),
                Some(message) => {
                    let _ = writeln!(
                        xml,
                        ">\n      <failure message=\"{}\"/>\n    </testcase>",
                        escape(message)
                    );
                }
            }
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_and_special_characters_render() {
        let xml = render(
            "v",
            &[
                CheckResult {
                    suite: "s".into(),
                    name: "a<b".into(),
                    failure: None,
                },
                CheckResult {
                    suite: "s".into(),
                    name: "c".into(),
                    failure: Some("x \"y\"".into()),
                },
            ],
        );
        assert!(xml.contains("<testsuites name=\"v\" tests=\"2\" failures=\"1\">"));
        assert!(xml.contains("name=\"a&lt;b\"/>"));
        assert!(xml.contains("<failure message=\"x &quot;y&quot;\"/>"));
    }
}
