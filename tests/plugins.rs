//! The first-party plugins, through the real host: the demo pipeline, and
//! each plugin's promise checked the way a user would check it.

mod support;

use std::path::Path;
use std::process::Command;

use support::{Sandbox, workspace_root};

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .expect("running git");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Relative paths of the files under `dir`, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                files.push(
                    path.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    files.sort();
    files
}

#[test]
fn the_demo_pipeline_runs_green_on_a_clone_of_this_repository() {
    let sandbox = Sandbox::new();
    let clone = sandbox.outside().join("kiln");
    std::fs::create_dir_all(sandbox.outside()).unwrap();
    git(
        &sandbox.outside(),
        &[
            "clone",
            "--quiet",
            "--no-hardlinks",
            workspace_root().to_str().unwrap(),
            "kiln",
        ],
    );
    let demo = workspace_root().join("examples/demo/kiln.yaml");
    let run = sandbox.kiln(&[
        "run",
        demo.to_str().unwrap(),
        "--workspace",
        clone.to_str().unwrap(),
    ]);
    run.assert_code(0);
    for action in ["checkout", "package", "verify", "test-report", "deploy"] {
        assert_eq!(
            sandbox.action(action)["status"],
            "succeeded",
            "{action}: {}",
            run.output()
        );
    }
    let site = clone.join(".kiln/demo-site");
    assert_eq!(
        tree(&site),
        ["kiln-source.tar.gz", "kiln-source.tar.gz.sha256"]
    );
    // The deployed checksum file matches the deployed archive.
    let sum = std::fs::read_to_string(site.join("kiln-source.tar.gz.sha256")).unwrap();
    let bytes = std::fs::read(site.join("kiln-source.tar.gz")).unwrap();
    let digest = kiln::model::digest::Digest::of(&bytes);
    assert_eq!(sum, format!("{}  kiln-source.tar.gz\n", digest.hex()));
}

#[test]
fn checkout_snapshots_exactly_the_tracked_files_at_a_ref() {
    let sandbox = Sandbox::new();
    let repo = sandbox.workspace().join("app");
    std::fs::create_dir_all(repo.join("src")).unwrap();
    git(&repo, &["init", "--quiet", "--initial-branch=main"]);
    std::fs::write(repo.join("README.md"), "v1\n").unwrap();
    std::fs::write(repo.join("src/lib.rs"), "pub fn v1() {}\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "--quiet", "-m", "first"]);
    git(&repo, &["tag", "-a", "v1", "-m", "release 1"]);
    std::fs::write(repo.join("src/new.rs"), "pub fn v2() {}\n").unwrap();
    std::fs::write(repo.join("README.md"), "v2\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "--quiet", "-m", "second"]);
    git(&repo, &["gc", "--quiet"]); // objects now live in a pack
    std::fs::write(repo.join("untracked.txt"), "not in git").unwrap();

    sandbox.pipeline(
        r#"
name: snapshot
stages:
  - name: source
    actions:
      - name: checkout
        uses: checkout
        with: { repository: app, ref: v1 }
        outputs: [source]
  - name: publish
    actions:
      - name: deploy
        uses: deploy-dir
        inputs: [source]
        grants:
          paths:
            target: { path: ../outside/site, access: read-write }
"#,
    );
    let run = sandbox.kiln(&["run"]);
    run.assert_code(0);
    let site = sandbox.outside().join("site");
    assert_eq!(
        tree(&site),
        ["README.md", "src/lib.rs"],
        "exactly the files of v1, no .git, nothing untracked"
    );
    assert_eq!(
        std::fs::read_to_string(site.join("README.md")).unwrap(),
        "v1\n"
    );
    let commit = git(&repo, &["rev-parse", "v1^{commit}"]);
    assert!(
        sandbox.log("checkout", 1).contains(&commit.trim()[..8]),
        "the log names the commit"
    );
}

#[test]
fn archive_is_reproducible() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        r#"
name: package
stages:
  - name: build
    actions:
      - name: make
        uses: probe
        with: { mode: write, text: "payload" }
        outputs: [files]
      - name: package
        uses: archive
        needs: [make]
        with: { name: app }
        inputs: [files]
        outputs: [package]
"#,
    );
    sandbox.kiln(&["run"]).assert_code(0);
    let first = sandbox.action("package")["outputs"][0]["digest"].clone();
    // Run it again for real, not from the action cache.
    sandbox.kiln(&["run", "--no-cache"]).assert_code(0);
    let second = sandbox.action("package")["outputs"][0]["digest"].clone();
    assert_eq!(
        first, second,
        "the same inputs give the same archive digest"
    );
}

const FAILING_REPORT: &str = r#"<testsuite name="unit" tests="3" failures="1">
  <testcase classname="app::math" name="adds"/>
  <testcase classname="app::math" name="divides"><failure message="division by zero"/></testcase>
  <testcase classname="app::io" name="reads"/>
</testsuite>"#;

#[test]
fn junit_fails_the_pipeline_naming_the_failed_tests() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(&format!(
        r#"
name: tests
stages:
  - name: test
    actions:
      - name: run-tests
        uses: probe
        with:
          mode: write
          file: report.xml
          text: '{}'
        outputs: [reports]
  - name: gate
    actions:
      - name: report
        uses: junit
        inputs: [reports]
  - name: deploy
    actions:
      - name: ship
        uses: probe
        with: {{ mode: sleep }}
"#,
        FAILING_REPORT.replace('\n', " ")
    ));
    let run = sandbox.kiln(&["run"]);
    run.assert_code(1);
    let error = sandbox.action("report")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(error.contains("1 failed"), "{error}");
    assert!(
        error.contains("divides"),
        "the failed test is named: {error}"
    );
    assert!(sandbox.log("report", 1).contains("division by zero"));
    assert_eq!(sandbox.action("ship")["status"], "skipped");
}

#[test]
fn deploy_dir_replaces_the_previous_release_whole() {
    let sandbox = Sandbox::new();
    let deploy = |text: &str, file: &str| {
        sandbox.pipeline(&format!(
            r#"
name: release
stages:
  - name: build
    actions:
      - name: build
        uses: probe
        with: {{ mode: write, text: "{text}", file: {file} }}
        outputs: [site]
  - name: deploy
    actions:
      - name: deploy
        uses: deploy-dir
        inputs: [site]
        grants:
          paths:
            target: {{ path: ../outside/www, access: read-write }}
"#
        ));
        sandbox.kiln(&["run"]).assert_code(0);
    };
    deploy("release one", "one.html");
    let www = sandbox.outside().join("www");
    assert_eq!(tree(&www), ["one.html"]);
    deploy("release two", "two.html");
    assert_eq!(
        tree(&www),
        ["two.html"],
        "the old release is gone, nothing half-done is left"
    );
    assert_eq!(
        std::fs::read_to_string(www.join("two.html")).unwrap(),
        "release two"
    );
}

/// A pipeline that tests `hello` (copied into the workspace) with the
/// host's cargo, granted through exec, and gates on the JUnit report.
fn cargo_pipeline(sandbox: &Sandbox) {
    let source = workspace_root().join("examples/rust-crate/hello");
    for file in ["Cargo.toml", "Cargo.lock", "src/lib.rs"] {
        let text = std::fs::read_to_string(source.join(file)).unwrap();
        sandbox.write(&format!("hello/{file}"), &text);
    }
    sandbox.pipeline(
        r#"
name: rust
stages:
  - name: test
    actions:
      - name: cargo-test
        uses: cargo
        with: { command: test, manifest-dir: hello, args: ["--offline"] }
        outputs: [reports]
        grants:
          exec: [{ program: cargo, runs: any }]   # cargo runs rustc, build scripts, tests
          paths:
            target: { path: ../outside/target, access: read-write }
            cargo-home: { path: "~/.cargo", access: read-write, env: CARGO_HOME }
            rustup-home: { path: "~/.rustup", access: read-only, env: RUSTUP_HOME }
  - name: gate
    actions:
      - name: report
        uses: junit
        inputs: [reports]
"#,
    );
}

#[test]
fn the_cargo_plugin_tests_a_crate_with_the_granted_host_cargo() {
    let sandbox = Sandbox::new();
    cargo_pipeline(&sandbox);
    let run = sandbox.kiln(&["run"]);
    run.assert_code(0);
    assert_eq!(sandbox.action("cargo-test")["summary"], "2 tests, 0 failed");
    assert!(
        sandbox.action("report")["summary"]
            .as_str()
            .unwrap()
            .starts_with("2 tests, 2 passed")
    );
    let log = sandbox.log("cargo-test", 1);
    assert!(log.contains("test tests::greets_by_name ... ok"), "{log}");
    assert!(log.contains("Landlock confinement"), "{log}");
    assert!(
        !sandbox.workspace().join("hello/target").exists(),
        "the read-only workspace stays clean"
    );
}

#[test]
fn a_failing_rust_test_fails_the_junit_gate_by_name() {
    let sandbox = Sandbox::new();
    cargo_pipeline(&sandbox);
    let lib = sandbox.workspace().join("hello/src/lib.rs");
    let text = std::fs::read_to_string(&lib)
        .unwrap()
        .replace("\"hello, kiln\"", "\"goodbye\"");
    std::fs::write(&lib, text).unwrap();
    let run = sandbox.kiln(&["run"]);
    run.assert_code(1);
    assert_eq!(
        sandbox.action("cargo-test")["status"],
        "succeeded",
        "the report is kept"
    );
    let error = sandbox.action("report")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(error.contains("greets_by_name"), "{error}");
}
