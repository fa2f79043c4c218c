//! Coverage reports: how many lines the tests ran of how many could run,
//! read from the file each tool writes. `Ok(None)`: the file is not of the
//! format (another file matched by the same glob).

use std::collections::HashMap;

use roxmltree::Node;
use serde::{Deserialize, Serialize};

use super::formats::ReportFormat;
use super::test_formats::xml;

/// Lines covered of lines that count (statements, for Clover).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub covered: u64,
    pub total: u64,
}

impl Coverage {
    /// The share covered, in percent (100 when nothing counts).
    pub fn percent(&self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            100.0 * self.covered as f64 / self.total as f64
        }
    }
}

pub fn coverage(format: ReportFormat, text: &str) -> Result<Option<Coverage>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format {
        ReportFormat::Lcov => Ok(lcov(text)),
        ReportFormat::Simplecov => simplecov(text),
        ReportFormat::Cobertura => Ok(cobertura(xml(text)?.root_element())),
        ReportFormat::Jacoco => Ok(jacoco(xml(text)?.root_element())),
        ReportFormat::Clover => Ok(clover(xml(text)?.root_element())),
        _ => Ok(None),
    }
}

fn number(node: Node<'_, '_>, name: &str) -> Option<u64> {
    node.attribute(name)?.trim().parse().ok()
}

/// Cobertura: `<coverage lines-covered lines-valid>`, else its `<line
/// hits>` elements counted (older writers leave the totals out).
fn cobertura(root: Node<'_, '_>) -> Option<Coverage> {
    if !root.has_tag_name("coverage") {
        return None;
    }
    if let (Some(covered), Some(total)) =
        (number(root, "lines-covered"), number(root, "lines-valid"))
    {
        return Some(Coverage { covered, total });
    }
    // A line listed by a class and by a method of it counts once.
    let mut lines: HashMap<(&str, &str), bool> = HashMap::new();
    for line in root.descendants().filter(|n| n.has_tag_name("line")) {
        let file = line
            .ancestors()
            .find(|a| a.has_tag_name("class"))
            .and_then(|c| c.attribute("filename"))
            .unwrap_or_default();
        let hit = number(line, "hits").is_some_and(|hits| hits > 0);
        *lines
            .entry((file, line.attribute("number").unwrap_or_default()))
            .or_default() |= hit;
    }
    Some(Coverage {
        covered: lines.values().filter(|hit| **hit).count() as u64,
        total: lines.len() as u64,
    })
}

/// JaCoCo: the `<counter type="LINE">` that is a direct child of
/// `<report>` (the nested ones are per package, class and method).
fn jacoco(root: Node<'_, '_>) -> Option<Coverage> {
    if !root.has_tag_name("report") {
        return None;
    }
    let counter = root
        .children()
        .find(|n| n.has_tag_name("counter") && n.attribute("type") == Some("LINE"));
    let (covered, missed) = match counter {
        Some(counter) => (number(counter, "covered")?, number(counter, "missed")?),
        None => (0, 0),
    };
    Some(Coverage {
        covered,
        total: covered + missed,
    })
}

/// Clover: the `<metrics statements coveredstatements>` of `<project>`.
fn clover(root: Node<'_, '_>) -> Option<Coverage> {
    if !root.has_tag_name("coverage") {
        return None;
    }
    let project = root.children().find(|n| n.has_tag_name("project"))?;
    let metrics = project.children().find(|n| n.has_tag_name("metrics"))?;
    Some(Coverage {
        covered: number(metrics, "coveredstatements")?,
        total: number(metrics, "statements")?,
    })
}

/// lcov's tracefile: the `LH:`/`LF:` of each file summed; a file without
/// them counts its `DA:<line>,<hits>` records.
fn lcov(text: &str) -> Option<Coverage> {
    let mut coverage = Coverage {
        covered: 0,
        total: 0,
    };
    let mut seen_record = false;
    let (mut found, mut hit, mut da_total, mut da_hit) = (None, None, 0u64, 0u64);
    for line in text.lines().map(str::trim) {
        if let Some(value) = line.strip_prefix("LF:") {
            found = value.parse::<u64>().ok();
        } else if let Some(value) = line.strip_prefix("LH:") {
            hit = value.parse::<u64>().ok();
        } else if let Some(value) = line.strip_prefix("DA:") {
            da_total += 1;
            let hits = value.split(',').nth(1).and_then(|h| h.parse::<u64>().ok());
            da_hit += u64::from(hits.is_some_and(|h| h > 0));
        } else if line == "end_of_record" {
            seen_record = true;
            match (found, hit) {
                (Some(total), Some(covered)) => {
                    coverage.total += total;
                    coverage.covered += covered.min(total);
                }
                _ => {
                    coverage.total += da_total;
                    coverage.covered += da_hit;
                }
            }
            (found, hit, da_total, da_hit) = (None, None, 0, 0);
        }
    }
    seen_record.then_some(coverage)
}

/// SimpleCov: simplecov-json's `coverage.json` (`metrics.covered_lines`,
/// `metrics.total_lines`), or SimpleCov's own `.resultset.json` (per
/// suite, per file, a hit count or `null` per line; suites merged).
fn simplecov(text: &str) -> Result<Option<Coverage>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("{}:{}: {e}", e.line(), e.column()))?;
    let metrics = value.get("metrics");
    let metric = |name: &str| metrics.and_then(|m| m.get(name)).and_then(|v| v.as_u64());
    if let (Some(covered), Some(total)) = (metric("covered_lines"), metric("total_lines")) {
        return Ok(Some(Coverage { covered, total }));
    }
    let Some(suites) = value.as_object() else {
        return Ok(None);
    };
    // (file, line) -> hit by any suite.
    let mut lines: HashMap<(&str, usize), bool> = HashMap::new();
    let mut any_suite = false;
    for suite in suites.values() {
        let Some(files) = suite.get("coverage").and_then(|c| c.as_object()) else {
            continue;
        };
        any_suite = true;
        for (file, data) in files {
            // Newer: {"lines": [...]}; older: the array itself.
            let Some(counts) = data.get("lines").unwrap_or(data).as_array() else {
                continue;
            };
            for (index, count) in counts.iter().enumerate() {
                if let Some(hits) = count.as_u64() {
                    *lines.entry((file.as_str(), index)).or_default() |= hits > 0;
                }
            }
        }
    }
    Ok(any_suite.then(|| Coverage {
        covered: lines.values().filter(|hit| **hit).count() as u64,
        total: lines.len() as u64,
    }))
}

#[cfg(test)]
mod unit {
    use super::*;

    fn of(format: ReportFormat, text: &str) -> Option<(u64, u64)> {
        coverage(format, text)
            .unwrap()
            .map(|c| (c.covered, c.total))
    }

    #[test]
    fn cobertura_totals_or_its_lines() {
        let with_totals = r#"<?xml version="1.0" ?>
<coverage line-rate="0.8" lines-covered="8" lines-valid="10" version="7.4"><packages/></coverage>"#;
        assert_eq!(of(ReportFormat::Cobertura, with_totals), Some((8, 10)));
        let lines_only = r#"<coverage line-rate="0.5"><packages><package name="p"><classes>
  <class name="a" filename="a.py"><methods><method name="f"><lines><line number="1" hits="1"/></lines></method></methods>
    <lines><line number="1" hits="1"/><line number="2" hits="0"/><line number="3" hits="4"/></lines></class>
  <class name="b" filename="b.py"><lines><line number="1" hits="0"/></lines></class>
</classes></package></packages></coverage>"#;
        assert_eq!(of(ReportFormat::Cobertura, lines_only), Some((2, 4)));
        assert_eq!(of(ReportFormat::Cobertura, "<project/>"), None);
    }

    #[test]
    fn jacoco_takes_the_report_level_line_counter() {
        let text = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<report name="app"><package name="a"><class name="a/B"><counter type="LINE" missed="1" covered="1"/></class>
  <counter type="LINE" missed="5" covered="15"/></package>
  <counter type="INSTRUCTION" missed="40" covered="60"/>
  <counter type="LINE" missed="5" covered="15"/>
</report>"#;
        assert_eq!(of(ReportFormat::Jacoco, text), Some((15, 20)));
    }

    #[test]
    fn clover_project_metrics() {
        let text = r#"<coverage generated="1" clover="4.4.1"><project timestamp="1">
  <metrics statements="40" coveredstatements="30" elements="60" coveredelements="45"/>
  <file name="a.php"><metrics statements="40" coveredstatements="30"/></file>
</project></coverage>"#;
        assert_eq!(of(ReportFormat::Clover, text), Some((30, 40)));
    }

    #[test]
    fn lcov_sums_its_records() {
        let text = "TN:\nSF:a.js\nDA:1,1\nDA:2,0\nLF:2\nLH:1\nend_of_record\nSF:b.js\nDA:1,3\nDA:2,2\nDA:3,0\nend_of_record\n";
        assert_eq!(of(ReportFormat::Lcov, text), Some((3, 5)));
        assert_eq!(of(ReportFormat::Lcov, "not lcov"), None);
    }

    #[test]
    fn simplecov_json_and_resultset() {
        let json = r#"{"timestamp": 1, "metrics": {"covered_percent": 75.0, "covered_lines": 3, "total_lines": 4}, "files": []}"#;
        assert_eq!(of(ReportFormat::Simplecov, json), Some((3, 4)));
        let resultset = r#"{
  "RSpec": {"coverage": {"/app/a.rb": {"lines": [1, null, 0, 2]}}, "timestamp": 1},
  "Minitest": {"coverage": {"/app/a.rb": {"lines": [0, null, 1, 0]}, "/app/b.rb": [null, 0]}, "timestamp": 2}
}"#;
        // a.rb: lines 0, 2, 3 run, line 2 by Minitest; b.rb: one line, not run.
        assert_eq!(of(ReportFormat::Simplecov, resultset), Some((3, 4)));
        assert_eq!(of(ReportFormat::Simplecov, "[1, 2]"), None);
    }
}
