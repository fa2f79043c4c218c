//! Artifacts, reports and cache paths selected from the tree a real run
//! left behind.

mod common;

use common::run;
use kiln_buildspec::{
    CacheRoot, FsTree, ReportKind, SelectError, cache_dirs, select, select_cache,
};

const SPEC: &str = r#"version: 0.2
phases:
  build:
    commands:
      - mkdir -p dist/js dist/css docs/api reports/junit coverage .cache/deps/a
      - echo app > dist/js/app.js && echo map > dist/js/app.js.map && echo css > dist/css/site.css
      - echo index > dist/index.html
      - echo api > docs/api/index.html && echo guide > docs/guide.md
      - echo '<testsuite/>' > reports/junit/TEST-a.xml && echo '<testsuite/>' > reports/junit/TEST-b.xml
      - echo 'TN:' > coverage/lcov.info
      - echo dep > .cache/deps/a/lib.bin
      - ln -s app.js dist/js/current.js
reports:
  unit:
    files: ['**/*.xml']
    base-directory: reports/junit
  coverage:
    files: coverage/lcov.info
    file-format: LCOVINFO
artifacts:
  files:
    - '**/*'
  base-directory: dist
  exclude-paths:
    - '**/*.map'
  secondary-artifacts:
    docs:
      files:
        - docs/**/*
      discard-paths: yes
    links:
      files: [dist/js/*]
      enable-symlinks: yes
cache:
  paths:
    - '.cache/deps/**/*'
    - '/root/.m2/**/*'
"#;

#[test]
fn artifacts_reports_and_caches_after_a_build() {
    let r = run(SPEC);
    assert_eq!(r.status, 0, "{}", r.log());
    let spec = common::parse(SPEC).with_resolved(&r.outcome);
    let tree = FsTree::new(r.src());
    let artifacts = spec.artifacts.as_ref().expect("artifacts");

    let primary = select(
        &artifacts.primary.as_ref().expect("primary").files,
        &tree,
        None,
    )
    .expect("primary files");
    let paths: Vec<&str> = primary.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        ["css/site.css", "index.html", "js/app.js", "js/current.js"]
    );
    assert_eq!(primary.files[0].source, "dist/css/site.css");
    assert_eq!(
        primary.files[3].link, None,
        "without enable-symlinks a link stands for its file"
    );

    let docs = select(&artifacts.secondary[0].files, &tree, None).expect("docs");
    let paths: Vec<&str> = docs.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["guide.md", "index.html"]);

    let links = select(&artifacts.secondary[1].files, &tree, None).expect("links");
    let kept: Vec<(&str, Option<&str>)> = links
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.link.as_deref()))
        .collect();
    assert_eq!(
        kept,
        [
            ("dist/js/app.js", None),
            ("dist/js/app.js.map", None),
            ("dist/js/current.js", Some("app.js"))
        ]
    );

    let unit = &spec.reports[0];
    assert_eq!(unit.format.kind(), ReportKind::Test);
    let files = select(&unit.files, &tree, None).expect("report files");
    let paths: Vec<&str> = files.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["TEST-a.xml", "TEST-b.xml"]);
    let coverage = &spec.reports[1];
    assert_eq!(coverage.format.kind(), ReportKind::Coverage);
    let files = select(&coverage.files, &tree, None).expect("coverage files");
    assert_eq!(files.files[0].path, "coverage/lcov.info");

    let cache = spec.cache.as_ref().expect("cache");
    let dirs = cache_dirs(cache);
    assert_eq!(
        (dirs[0].root, dirs[0].dir.as_str()),
        (CacheRoot::Source, ".cache/deps")
    );
    assert_eq!(
        (dirs[1].root, dirs[1].dir.as_str()),
        (CacheRoot::Absolute, "/root/.m2")
    );
    assert_eq!(
        select_cache(&dirs[0], &tree).expect("cache files"),
        [".cache/deps/a/lib.bin"]
    );
}

#[test]
fn nothing_to_upload_is_an_error() {
    let text = "version: 0.2\nphases:\n  build:\n    commands: [\"mkdir out\"]\nartifacts:\n  files: [out/*.jar]\n";
    let r = run(text);
    let spec = common::parse(text);
    let set = &spec
        .artifacts
        .as_ref()
        .and_then(|a| a.primary.as_ref())
        .expect("primary")
        .files;
    assert_eq!(
        select(set, &FsTree::new(r.src()), None),
        Err(SelectError::NoFiles)
    );
    assert_eq!(
        SelectError::NoFiles.to_string(),
        "no file matches `files` (CodeBuild: no matching artifact paths found)"
    );
}
