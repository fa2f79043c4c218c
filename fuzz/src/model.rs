//! Artifact manifests (from the store, from an archive someone hands
//! over) and JUnit reports (from a plugin's outputs).

use kiln_model::artifact::{Manifest, name_problem};
use kiln_model::report::{ReportFormat, parse_report};

/// A manifest kiln accepts is one it would write: every path passes the
/// name rules, and its canonical bytes read back as the same manifest
/// (the store keeps those bytes, named by their digest).
pub fn artifact_manifest(data: &[u8]) {
    let Ok(manifest) = Manifest::parse(data) else {
        return;
    };
    for entry in &manifest.entries {
        assert_eq!(name_problem(&entry.path), None, "{:?} accepted", entry.path);
    }
    let bytes = manifest.to_bytes();
    match Manifest::parse(&bytes) {
        Ok(again) => assert_eq!(again, manifest, "the canonical bytes read differently"),
        Err(error) => panic!("the canonical bytes are refused: {error}"),
    }
    let _ = (manifest.file_count(), manifest.total_size());
}

/// A report file, read lossily as kiln reads report files, in every
/// format kiln reads (JUnit and the others of `reports:`). The counts add
/// up, the failures kept are failed or errored tests, and coverage never
/// exceeds what counts.
pub fn junit(data: &[u8]) {
    let text = crate::text(data);
    for format in ReportFormat::ALL {
        report(format, &text);
    }
}

fn report(format: ReportFormat, text: &str) {
    match parse_report(format, "out/report.xml", text) {
        Ok(Some(report)) => {
            let counted = report.passed + report.failed + report.errored + report.skipped;
            assert_eq!(counted, report.tests, "outcomes do not add up: {report:?}");
            // Every failing test is counted; the names of some are kept.
            let failing = report.failed + report.errored;
            let kept = report.failures.len() as u64;
            assert!(
                kept <= failing && (failing == 0) == (kept == 0),
                "{kept} failures kept of {failing}: {report:?}"
            );
            if let Some(coverage) = report.coverage {
                assert!(coverage.covered <= coverage.total, "{format:?}: {report:?}");
            }
        }
        Ok(None) => {}
        Err(error) => assert!(
            error.starts_with("out/report.xml:"),
            "an error that does not name the file: {error}"
        ),
    }
}
