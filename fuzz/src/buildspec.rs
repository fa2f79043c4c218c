//! AWS CodeBuild `buildspec.yml` files (from a pushed repository) and the
//! records their script writes (from the build's shell, which the build's
//! commands share).

use kiln_buildspec::{
    Buildspec, MemTree, Outcome, ScriptOptions, cache_dirs, parse, parse_records, select,
    select_cache,
};

use crate::input::Input;

const FILE: &str = "buildspec.yml";

/// Parse a buildspec; then do with it what kiln does: write its script,
/// list its commands and dynamic fields, and select its artifacts,
/// reports and cache paths from a small tree.
pub fn buildspec(data: &[u8]) {
    if let Some(spec) = parsed(&crate::text(data)) {
        use_spec(&spec, &Outcome::default());
    }
}

/// A buildspec and, after the first NUL byte, a records file: the outcome
/// they give, and the buildspec resolved by it.
pub fn buildspec_records(data: &[u8]) {
    let mut input = Input::new(data);
    let spec_text = crate::text(input.until(0));
    let records_text = crate::text(input.rest());
    let spec = parsed(&spec_text)
        .or_else(|| parsed(FALLBACK))
        .expect("the fallback parses");
    match parse_records(&records_text) {
        Ok(records) => use_spec(&spec, &Outcome::new(&spec, &records)),
        Err(error) => assert!(error.line >= 1, "a record error without a line: {error}"),
    }
}

/// A buildspec with every section a record can name, for records that come
/// with a buildspec that does not parse.
const FALLBACK: &str = "version: 0.2
env:
  exported-variables: [IMAGE_TAG]
phases:
  install:
    runtime-versions:
      nodejs: 18
    commands:
      - npm ci
  build:
    commands:
      - |
        make
        make test
    finally:
      - echo done
artifacts:
  files: ['**/*']
  name: build-$(date +%s)
";

/// The buildspec, or `None` with its errors checked: each names the file
/// and a position, and refusing takes at least one error.
fn parsed(text: &str) -> Option<Buildspec> {
    match parse(FILE, text) {
        Ok(spec) => Some(spec),
        Err(diagnostics) => {
            assert!(
                diagnostics.errors().next().is_some(),
                "refused without an error: {diagnostics}"
            );
            for diagnostic in &diagnostics.0 {
                assert_eq!(diagnostic.file, FILE, "{diagnostic}");
            }
            None
        }
    }
}

fn use_spec(spec: &Buildspec, outcome: &Outcome) {
    let _ = spec.script(&ScriptOptions::default());
    let _ = (spec.commands(), spec.dynamic_fields(), spec.secrets());
    let resolved = spec.with_resolved(outcome);
    let tree = sample_tree();
    let sets = resolved
        .artifacts
        .iter()
        .flat_map(|artifacts| artifacts.primary.iter().chain(&artifacts.secondary))
        .map(|artifact| &artifact.files)
        .chain(resolved.reports.iter().map(|report| &report.files));
    for set in sets {
        let _ = select(set, &tree, Some(&tree));
    }
    if let Some(cache) = &resolved.cache {
        for dir in cache_dirs(cache) {
            let _ = select_cache(&dir, &tree);
        }
    }
}

/// A source tree with the shapes selection cares about: nested files, an
/// empty directory, links to a file, a directory and nowhere.
fn sample_tree() -> MemTree {
    MemTree::new()
        .file("src/main.rs")
        .file("target/release/app")
        .file("reports/junit/TEST-a.xml")
        .file(".hidden/file")
        .dir("empty")
        .symlink("latest", "target/release/app")
        .symlink("out", "target")
        .symlink("dangling", "missing/file")
}
