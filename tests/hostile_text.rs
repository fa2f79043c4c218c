//! Hostile plugins against what kiln stores and shows: secrets smuggled
//! past the masker in reports, run-status documents, escape sequences and
//! overlong lines; lines forged to look like kiln's own; terminal controls
//! in `describe()`.

mod support;

use support::Sandbox;

const SECRET: &str = "tok-9f8e7d6c5b4a-secret";

fn run_with_secret(sandbox: &Sandbox, args: &[&str]) -> support::Run {
    Sandbox::run_with(
        sandbox
            .command()
            .args(args)
            .env("KILN_SECRET_DEPLOY_TOKEN", SECRET),
    )
}

/// Everything kiln kept or printed about the run.
fn everything(sandbox: &Sandbox, run: &support::Run) -> String {
    let show = run_with_secret(sandbox, &["show", "last"]);
    let json = serde_json::to_string(&sandbox.last_run()).unwrap();
    let logs = run_with_secret(sandbox, &["logs", "last"]);
    let database = std::fs::read(sandbox.data_dir().join("runs.db")).unwrap();
    format!(
        "{}\n{}\n{}\n{json}\n{}\n{}",
        run.stdout,
        run.stderr,
        show.output(),
        logs.output(),
        String::from_utf8_lossy(&database)
    )
}

#[test]
fn a_secret_in_a_test_report_is_masked_everywhere_and_in_run_status() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        r#"
name: reports
stages:
  - name: test
    actions:
      - name: leaky-tests
        uses: probe
        with: { mode: report-secret, name: DEPLOY_TOKEN }
        outputs: [results]
        reports: { junit: ["results/*.xml"] }
        grants: { secrets: [DEPLOY_TOKEN] }
  - name: notify
    actions:
      - name: reader
        uses: probe
        if: always
        with: { mode: print-run }
        grants: { run-status: true }
"#,
    );
    let run = run_with_secret(&sandbox, &["run"]);
    run.assert_code(1);
    let reader = sandbox.action("reader");
    assert_eq!(reader["status"], "succeeded", "{reader:#}");
    let seen = everything(&sandbox, &run);
    assert!(
        seen.contains("test-***"),
        "the failed test is still named: {seen}"
    );
    assert!(
        !seen.contains(SECRET),
        "a report's text reached history, a terminal or run.json unmasked"
    );
}

#[test]
fn a_secret_disguised_by_escapes_or_cut_by_a_long_line_is_masked() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        "name: disguise\nstages:\n  - name: s\n    actions:\n      - name: leak\n        uses: probe\n        with: { mode: secret-disguised, name: DEPLOY_TOKEN }\n        grants: { secrets: [DEPLOY_TOKEN] }\n",
    );
    let run = run_with_secret(&sandbox, &["run", "-v"]);
    run.assert_code(0);
    let log = sandbox.log("leak", 1);
    assert!(log.contains("escaped: ***"), "{log}");
    let seen = everything(&sandbox, &run);
    // Whatever the display strips, no piece of the secret long enough to
    // matter is left: not the secret, not its halves around a cut.
    let (head, tail) = SECRET.split_at(SECRET.len() / 2);
    for piece in [SECRET, head, tail] {
        assert!(!seen.contains(piece), "`{piece}` leaked");
    }
    assert!(!seen.contains('\u{1b}'), "escape sequences were kept");
}

#[test]
fn a_secret_cut_by_a_long_line_of_a_granted_program_is_masked() {
    let sandbox = Sandbox::new();
    // printf writes 16 KiB minus 12 bytes, then the secret, in one line.
    let script = "printf '%016372d%s\\n' 0 \"$TOKEN\"".to_owned();
    sandbox.pipeline(&format!(
        "name: long\nstages:\n  - name: s\n    actions:\n      - name: leak\n        uses: probe\n        env: {{ TOKEN: {SECRET} }}\n        with: {{ mode: exec, program: sh, args: [\"-c\", {script:?}] }}\n        grants:\n          exec: [sh]\n          secrets: [DEPLOY_TOKEN]\n"
    ));
    let run = run_with_secret(&sandbox, &["run"]);
    run.assert_code(0);
    let log = sandbox.log("leak", 1);
    let (head, tail) = SECRET.split_at(SECRET.len() / 2);
    for piece in [SECRET, head, tail] {
        assert!(!log.contains(piece), "`{piece}` leaked across the cut");
    }
    assert!(log.contains("***"), "the secret was masked, not dropped");
}

#[test]
fn a_plugin_cannot_forge_kilns_lines_or_drive_the_terminal() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        "name: forge\nstages:\n  - name: s\n    actions:\n      - name: forger\n        uses: probe\n        with: { mode: forge }\n",
    );
    let run = sandbox.kiln(&["run", "-v"]);
    run.assert_code(0);
    let shown = format!(
        "{}{}{}",
        run.stderr,
        sandbox.kiln(&["show", "last"]).output(),
        sandbox.kiln(&["logs", "last"]).output()
    );
    assert!(
        !shown.contains('\u{1b}'),
        "raw escapes reached the terminal"
    );
    assert!(
        !shown.contains('\r'),
        "a carriage return reached the terminal"
    );
    for line in shown.lines() {
        let trimmed = line.trim_start();
        assert!(
            !trimmed.starts_with("Passed forged") && !trimmed.starts_with("Finished run forged"),
            "a plugin line looks like kiln's own: {line:?}"
        );
    }
}

#[test]
fn describe_text_is_shown_plain() {
    let sandbox = Sandbox::new();
    let wasm = support::wat_plugin::write(
        &sandbox,
        "escapes",
        (
            "esc\u{1b}]0;owned\u{7}ape",
            "clears\u{1b}[2J the screen\n      Passed forged",
        ),
        "",
        "",
    );
    let inspect = sandbox.kiln(&["plugin", "inspect", wasm.to_str().unwrap()]);
    inspect.assert_code(0);
    let shown = inspect.output();
    assert!(shown.contains("escape"), "{shown}");
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
        "{shown:?}"
    );
    assert!(
        !shown.lines().any(|l| l.trim_start().starts_with("Passed")),
        "{shown}"
    );
}
