//! AWS CodeBuild buildspecs through the real binary: `kiln run
//! buildspec.yml`, `uses: codebuild` in a kiln.yaml, `kiln import`, and
//! exported variables. Each CodeBuild semantic has a buildspec of its own
//! in tests/data/buildspec/.

mod support;

use std::path::PathBuf;

use support::{Sandbox, workspace_root};

/// A buildspec of tests/data/buildspec.
fn data(name: &str) -> String {
    let path = workspace_root().join("tests/data/buildspec").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A sandbox with these data files in its workspace, under their names.
fn with_files(files: &[&str]) -> Sandbox {
    let sandbox = Sandbox::new();
    for file in files {
        sandbox.write(file, &data(file));
    }
    sandbox
}

/// A kiln.yaml whose first stage is one `codebuild` action over
/// `buildspec`, granted sh with `runs: any` and a writable workspace, with
/// `extra` lines (at the action's indentation) and later stages.
fn codebuild_pipeline(buildspec: &str, extra: &str, later: &str) -> String {
    format!(
        "name: cb\nstages:\n  - name: build\n    actions:\n      - name: build\n        uses: codebuild\n        with: {{ buildspec: {buildspec} }}\n        grants:\n          workspace: read-write\n          exec: [{{ program: sh, runs: any }}]\n{extra}{later}"
    )
}

#[track_caller]
fn assert_has(text: &str, wanted: &str) {
    assert!(text.contains(wanted), "no `{wanted}` in:\n{text}");
}

#[track_caller]
fn assert_lacks(text: &str, unwanted: &str) {
    assert!(!text.contains(unwanted), "`{unwanted}` in:\n{text}");
}

#[test]
fn version_0_1_starts_every_command_afresh_and_0_2_carries_cd_and_export() {
    let sandbox = with_files(&["carry-0.1.yml", "carry-0.2.yml"]);
    sandbox.kiln(&["run", "carry-0.1.yml"]).assert_code(0);
    let log = sandbox.log("build", 1);
    assert_has(&log, "build sees dir=ws carried=no");
    assert_has(&log, "post_build sees dir=ws carried=no");

    sandbox.kiln(&["run", "carry-0.2.yml"]).assert_code(0);
    let log = sandbox.log("build", 1);
    assert_has(&log, "build sees dir=sub carried=yes");
    assert_has(&log, "post_build sees dir=sub carried=yes");
}

#[test]
fn on_failure_continue_goes_on_abort_stops_and_finally_runs() {
    let sandbox = with_files(&["on-failure.yml"]);
    let run = sandbox.kiln(&["run", "on-failure.yml"]);
    run.assert_code(1);
    let log = sandbox.log("build", 1);
    assert_has(&log, "install-runs");
    assert_lacks(&log, "INFO  never-install");
    assert_has(&log, "pre_build-runs succeeding=0");
    assert_has(&log, "build-finally-runs");
    assert_lacks(&log, "INFO  never-post-build");
    assert_has(&log, "Skipping phase POST_BUILD");
    let error = sandbox.action("build")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_has(
        &error,
        "phase install, command `exit 4`, exit code 4 (on-failure.yml:9:9)",
    );
    assert_has(
        &error,
        "phase build, command `exit 5`, exit code 5 (on-failure.yml:17:9)",
    );
}

#[test]
fn a_failed_install_skips_the_later_phases_and_the_upload() {
    let sandbox = with_files(&["install-fails.yml"]);
    sandbox.kiln(&["run", "install-fails.yml"]).assert_code(1);
    let log = sandbox.log("build", 1);
    assert_has(&log, "installing");
    assert_has(&log, "install-finally");
    for never in ["never-pre-build", "never-build", "never-post-build"] {
        assert_lacks(&log, &format!("INFO  {never}"));
    }
    assert_has(&log, "Skipping UPLOAD_ARTIFACTS");
    let action = sandbox.action("build");
    assert_eq!(action["status"], "failed");
    assert_has(
        action["error"].as_str().unwrap(),
        "build failed: phase install, command `sh -c 'exit 7'`, exit code 7 (install-fails.yml:8:9)",
    );
}

#[test]
fn a_failed_build_still_runs_post_build_and_collects_its_artifacts() {
    let sandbox = with_files(&["build-fails.yml"]);
    sandbox.kiln(&["run", "build-fails.yml"]).assert_code(1);
    let log = sandbox.log("build", 1);
    assert_has(&log, "build succeeding=1");
    assert_has(&log, "post_build succeeding=0");
    assert_has(&log, "Artifact `artifact`: 1 files");
    assert_has(&log, "kiln keeps no outputs of a failed action");
    let action = sandbox.action("build");
    assert_has(
        action["error"].as_str().unwrap(),
        "phase build, command `exit 3`, exit code 3",
    );
    assert_eq!(action["outputs"], serde_json::json!([]));
}

/// A git repository with one commit in the sandbox's workspace; its id.
fn commit_workspace(sandbox: &Sandbox) -> String {
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(sandbox.workspace())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "c"]);
    git(&["rev-parse", "HEAD"]).trim().to_owned()
}

#[test]
fn variables_and_the_codebuild_values_of_the_run() {
    let sandbox = Sandbox::new();
    sandbox.write("ci/buildspec.yml", &data("variables.yml"));
    sandbox.pipeline(&codebuild_pipeline(
        "ci/buildspec.yml",
        "        env: { OVERRIDDEN: pipeline }\n",
        "",
    ));
    let commit = commit_workspace(&sandbox);
    for number in 1..=2 {
        sandbox
            .kiln(&["run", "--trigger", "nightly"])
            .assert_code(0);
        let log = sandbox.log("build", 1);
        assert_has(&log, "vars buildspec pipeline $HOME-is-not-expanded");
        let id = sandbox.last_run()["id"].as_str().unwrap().to_owned();
        assert_has(
            &log,
            &format!("build id=cb:{id} number={number} initiator=nightly"),
        );
        let ws = sandbox.workspace().canonicalize().unwrap();
        assert_has(
            &log,
            &format!(
                "source={commit} src_dir={} pwd={}",
                ws.display(),
                ws.display()
            ),
        );
        let start: u64 = log
            .split("INFO  start=")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|ms| ms.parse().ok())
            .unwrap_or_else(|| panic!("no start time in {log}"));
        assert!(start > 1_600_000_000_000, "{start}");
        assert_has(&log, "ci=true");
    }
}

#[test]
fn secrets_are_read_from_kiln_and_masked() {
    let sandbox = with_files(&["secrets.yml"]);
    let run = |command: &mut std::process::Command| {
        Sandbox::run_with(
            command
                .env("KILN_SECRET_DB_PASSWORD", "hunter2-but-longer")
                .env("KILN_SECRET_API_KEY", "k3y-value-2"),
        )
    };
    run(sandbox.command().args(["run", "secrets.yml"])).assert_code(0);
    let log = sandbox.log("build", 1);
    assert_has(&log, "password is ***");
    assert_has(&log, "key length 11");
    assert_lacks(&log, "hunter2-but-longer");

    // Without the grant, the error says which to add.
    sandbox.pipeline(&codebuild_pipeline("secrets.yml", "", ""));
    run(sandbox.command().args(["run"])).assert_code(1);
    assert_has(
        sandbox.action("build")["error"].as_str().unwrap(),
        "secrets.yml:5:5: env.parameter-store.DB_PASSWORD: kiln reads this value from its secret `DB_PASSWORD`",
    );
    assert_has(
        sandbox.action("build")["error"].as_str().unwrap(),
        "add `grants: { secrets: [DB_PASSWORD] }` to the action",
    );
}

#[test]
fn exported_variables_are_read_by_later_actions_and_kept_by_a_resume() {
    let sandbox = with_files(&["exports.yml"]);
    let later = r#"  - name: use
    actions:
      - name: show
        uses: probe
        env: { TAG: "tag ${exports.build.IMAGE_TAG}" }
        with:
          mode: exec
          program: sh
          args: ["-c", "echo argument ${exports.build.IMAGE_TAG}; echo env $TAG"]
        grants: { exec: [sh] }
      - name: wait
        uses: probe
        with: { mode: read, path: "/workspace/${exports.build.READY_FILE}" }
"#;
    sandbox.pipeline(&codebuild_pipeline(
        "exports.yml",
        "        exports: [IMAGE_TAG, READY_FILE]\n",
        later,
    ));
    sandbox.kiln(&["run"]).assert_code(1);
    let log = sandbox.log("show", 1);
    assert_has(&log, "argument 1.4.1");
    assert_has(&log, "env tag 1.4.1");
    let build = sandbox.action("build");
    assert_eq!(
        build["exports"],
        serde_json::json!({ "IMAGE_TAG": "1.4.1", "READY_FILE": "ready.txt" })
    );
    assert_has(
        sandbox.action("wait")["error"].as_str().unwrap(),
        "/workspace/ready.txt",
    );
    let shown = sandbox.kiln(&["show", "last"]);
    assert_has(&shown.stdout, "export IMAGE_TAG=1.4.1");

    // The resume keeps `build` (it does not run again) and its exports.
    sandbox.write("ready.txt", "now");
    sandbox.kiln(&["run", "--resume", "last"]).assert_code(0);
    assert_eq!(sandbox.action("build")["attempts"], 1);
    assert_eq!(sandbox.action("wait")["status"], "succeeded");
    assert_eq!(sandbox.action("show")["status"], "succeeded");
}

#[test]
fn exports_are_checked_before_anything_runs() {
    let sandbox = with_files(&["exports.yml"]);
    let later = r#"  - name: use
    actions:
      - name: show
        uses: probe
        env: { A: "${exports.build.NOPE}", B: "${exports.nobody.X}" }
        with: { mode: env }
"#;
    sandbox.pipeline(&codebuild_pipeline(
        "exports.yml",
        "        exports: [IMAGE_TAG]\n",
        later,
    ));
    let run = sandbox.kiln(&["run"]);
    run.assert_code(2);
    assert_has(
        &run.stderr,
        "kiln.yaml:16:19: stages[1].actions[0].env.A: ${exports.build.NOPE}: action `build` does not export `NOPE` (it exports IMAGE_TAG)",
    );
    assert_has(
        &run.stderr,
        "stages[1].actions[0].env.B: ${exports.nobody.X}: no action is named `nobody`",
    );

    // A declared export the plugin did not write fails the exporter.
    sandbox.pipeline(&codebuild_pipeline(
        "exports.yml",
        "        exports: [IMAGE_TAG, MISSING]\n",
        "",
    ));
    sandbox.kiln(&["run"]).assert_code(1);
    assert_has(
        sandbox.action("build")["error"].as_str().unwrap(),
        "the action declares export `MISSING` but did not write /kiln/exports/MISSING",
    );
}

#[test]
fn artifacts_with_base_directory_exclude_and_discard_paths_and_a_secondary() {
    let sandbox = with_files(&["artifacts.yml"]);
    sandbox.kiln(&["run", "artifacts.yml"]).assert_code(0);
    let log = sandbox.log("build", 1);
    assert_has(
        &log,
        "Artifact name site-1 (kept as kiln artifact `artifact`)",
    );
    let files = |name: &str| {
        let dir = sandbox.outside().join(name);
        sandbox
            .kiln(&["artifacts", "get", "last", name, dir.to_str().unwrap()])
            .assert_code(0);
        let mut found: Vec<String> = walk(&dir)
            .iter()
            .map(|p| p.strip_prefix(&dir).unwrap().display().to_string())
            .collect();
        found.sort();
        found
    };
    assert_eq!(files("artifact"), ["app.js", "site.css"]);
    assert_eq!(files("docs"), ["api/index.html"]);
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.file_type().unwrap().is_dir() {
            out.extend(walk(&entry.path()));
        } else {
            out.push(entry.path());
        }
    }
    out
}

#[test]
fn cache_paths_persist_between_runs() {
    let sandbox = with_files(&["cache.yml"]);
    sandbox.kiln(&["run", "cache.yml"]).assert_code(0);
    let log = sandbox.log("build", 1);
    assert_has(&log, "deps fetched");
    assert_has(&log, "home cache filled");
    assert_has(
        &log,
        "cache.yml:13:7: cache.paths: `/root/.m2/**/*` is outside the source directory and the home directory",
    );
    // The workspace loses what the build fetched; the cache keeps it.
    std::fs::remove_dir_all(sandbox.workspace().join("deps")).unwrap();
    sandbox.kiln(&["run", "cache.yml"]).assert_code(0);
    let log = sandbox.log("build", 1);
    assert_has(&log, "deps restored from run 1");
    assert_has(&log, "home cache restored from run 1");
}

#[test]
fn a_junit_report_group_is_shown_by_kiln_show() {
    let sandbox = with_files(&["reports.yml"]);
    sandbox.write("fixtures/unit.xml", &data("unit.xml"));
    sandbox.kiln(&["run", "reports.yml"]).assert_code(0);
    let shown = sandbox.kiln(&["show", "last"]);
    shown.assert_code(0);
    assert_has(&shown.stdout, "tests: 1 passed, 1 failed");
    assert_has(&shown.stdout, "calc::divides: division by zero");
    let report = &sandbox.action("build")["reports"][0];
    assert_eq!(report["path"], "reports/unit-tests/unit.xml");
}

#[test]
fn trx_cobertura_and_lcov_report_groups_are_shown_by_kiln_show() {
    let sandbox = with_files(&["reports-other-formats.yml"]);
    for fixture in ["results.trx", "coverage.xml", "lcov.info"] {
        sandbox.write(&format!("fixtures/{fixture}"), &data(fixture));
    }
    sandbox
        .kiln(&["run", "reports-other-formats.yml"])
        .assert_code(0);
    let shown = sandbox.kiln(&["show", "last"]);
    shown.assert_code(0);
    // One TRX report: its tests; two coverage reports: 30/40 and 3/4.
    assert_has(
        &shown.stdout,
        "tests: 1 passed, 1 failed, 1 skipped; coverage: 75.0% of lines (33/44)",
    );
    assert_has(
        &shown.stdout,
        "Acme.Tests::Divides: Assert.AreEqual failed. Expected:<2>. Actual:<3>.",
    );
    let reports = &sandbox.action("build")["reports"];
    let formats: Vec<&str> = reports
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["format"].as_str().unwrap())
        .collect();
    assert_eq!(formats, ["trx", "cobertura", "lcov"], "{reports:#}");
    assert_eq!(reports[1]["coverage"]["covered"], 30);
    assert_eq!(reports[2]["coverage"]["total"], 4);
    // `kiln import` writes the same reading of them.
    let imported = sandbox.kiln(&["import", "reports-other-formats.yml", "-o", "-"]);
    imported.assert_code(0);
    assert_has(&imported.stdout, "trx: [\"reports/vstest/**/*\"]");
    assert_has(&imported.stdout, "lcov: [\"reports/lcov/**/*\"]");
}

#[test]
fn a_hidden_failure_in_a_multi_line_command_is_flagged() {
    let sandbox = with_files(&["multiline.yml"]);
    sandbox.kiln(&["run", "multiline.yml"]).assert_code(0);
    let log = sandbox.log("build", 1);
    assert_has(&log, "last line runs");
    assert_has(
        &log,
        "kiln: phase build, command `false ...` (line 10): its line 1 `false` exited 1, but its last line succeeded: CodeBuild counts the command as succeeded",
    );
}

#[test]
fn keys_kiln_cannot_honour_are_refused_with_file_line_and_column() {
    let sandbox = with_files(&["refused.yml"]);
    for command in ["run", "validate"] {
        let run = sandbox.kiln(&[command, "refused.yml"]);
        run.assert_code(2);
        for wanted in [
            "refused.yml:3:9: run-as: `run-as: builder` is refused",
            "refused.yml:5:10: env.shell: `powershell.exe` is a Windows shell",
            "refused.yml:6:26: env.git-credential-helper: `git-credential-helper: yes` is refused",
            "refused.yml:8:3: phases.biuld: unknown phase `biuld` (did you mean `build`?)",
        ] {
            assert_has(&run.stderr, wanted);
        }
    }
    assert!(sandbox.runs().is_empty(), "nothing ran");
}

#[test]
fn missing_grants_and_outputs_are_named() {
    let sandbox = with_files(&["artifacts.yml"]);
    let pipeline = |grants: &str, outputs: &str| {
        format!(
            "name: g\nstages:\n  - name: build\n    actions:\n      - name: build\n        uses: codebuild\n        with: {{ buildspec: artifacts.yml }}\n        outputs: [{outputs}]\n        grants: {{ workspace: read-write{grants} }}\n"
        )
    };
    let error = |sandbox: &Sandbox| {
        sandbox.action("build")["error"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    sandbox.pipeline(&pipeline("", "artifact, docs"));
    sandbox.kiln(&["run"]).assert_code(1);
    assert_has(
        &error(&sandbox),
        "the action does not grant plugin `codebuild` exec of `sh`, the shell that runs this buildspec (env.shell): add `grants: { exec: [{ program: sh, runs: any }] }`",
    );

    sandbox.pipeline(&pipeline(
        ", exec: [{ program: sh, runs: any }]",
        "artifact",
    ));
    sandbox.kiln(&["run"]).assert_code(1);
    assert_has(
        &error(&sandbox),
        "artifacts.yml:22:7: artifacts.secondary-artifacts.docs: the action has no output `docs` for this artifact: add it to the action's `outputs:`",
    );

    // Without `runs: any`, Landlock (where the kernel has it) stops the
    // shell from running the commands' programs: said before the build.
    if landlock_enforced() {
        sandbox.pipeline(&pipeline(", exec: [sh]", "artifact, docs"));
        sandbox.kiln(&["run"]).assert_code(1);
        assert_has(&error(&sandbox), "add `runs: any` to its grant");
    }

    // The workspace grant is checked by validation, as every grant is.
    sandbox.pipeline(
        "name: g\nstages:\n  - name: build\n    actions:\n      - name: build\n        uses: codebuild\n        grants: { exec: [{ program: sh, runs: any }] }\n",
    );
    let run = sandbox.kiln(&["validate"]);
    run.assert_code(2);
    assert_has(
        &run.stderr,
        "kiln.yaml:7:17: stages[0].actions[0].grants.workspace: action `build` does not grant plugin `codebuild` the `workspace: read-write` grant it needs",
    );
}

/// Whether this kernel enforces Landlock's execute right.
fn landlock_enforced() -> bool {
    std::path::Path::new("/sys/kernel/security/landlock").exists()
        || std::fs::read_to_string("/sys/kernel/security/lsm")
            .is_ok_and(|lsm| lsm.contains("landlock"))
}

#[test]
fn an_imported_pipeline_validates_and_runs_to_the_same_result() {
    let sandbox = with_files(&["artifacts.yml"]);
    let run = sandbox.kiln(&["import", "artifacts.yml"]);
    run.assert_code(0);
    assert_has(&run.stderr, "Imported artifacts.yml into kiln.yaml");
    assert_has(&run.stderr, "Valid");
    let yaml = std::fs::read_to_string(sandbox.workspace().join("kiln.yaml")).unwrap();
    assert_has(&yaml, "uses: codebuild");
    assert_has(&yaml, "outputs: [artifact, docs]");
    assert_has(&yaml, "# ");

    sandbox.kiln(&["run"]).assert_code(0);
    let imported = sandbox.action("build")["outputs"].clone();
    sandbox.kiln(&["run", "artifacts.yml"]).assert_code(0);
    let direct = sandbox.action("build")["outputs"].clone();
    assert_eq!(imported, direct);
    assert_eq!(imported.as_array().unwrap().len(), 2);

    // It does not overwrite, and names what it refuses.
    let again = sandbox.kiln(&["import", "artifacts.yml"]);
    again.assert_code(2);
    assert_has(&again.stderr, "already exists; pass --force");
    let printed = sandbox.kiln(&["import", "artifacts.yml", "-o", "-"]);
    printed.assert_code(0);
    assert_eq!(printed.stdout, yaml);
}
