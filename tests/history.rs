//! What kiln tells after a run, from the history it recorded: `kiln runs`,
//! `show`, `logs`, `artifacts` and `metrics` on real runs; a `kill -9`
//! mid-run and `--resume`; many kiln processes writing one history; the
//! notify plugin posting to a real HTTP server; the live view on a TTY.

mod support;

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use support::http_server::TestServer;
use support::{Sandbox, action_in, wait_until};

const JUNIT: &str = r#"<testsuite name="math"><testcase classname="math" name="adds"/><testcase classname="math" name="divides"><failure message="division by zero"/></testcase></testsuite>"#;

fn reported_pipeline(sandbox: &Sandbox) {
    sandbox.pipeline(&format!(
        r#"
name: shop
stages:
  - name: build
    actions:
      - name: make
        uses: probe
        with: {{ mode: write, text: "hello" }}
        outputs: [site]
  - name: test
    actions:
      - name: unit
        uses: probe
        with: {{ mode: write, file: report.xml, text: '{JUNIT}' }}
        outputs: [results]
        reports:
          junit: ["results/*.xml"]
"#
    ));
}

#[test]
fn runs_show_and_logs_describe_a_real_run_with_its_test_report() {
    let sandbox = Sandbox::new();
    reported_pipeline(&sandbox);
    Sandbox::run_with(sandbox.command().env_remove("CI").args(["run"])).assert_code(0);
    sandbox
        .kiln(&["run", "--trigger", "nightly", "--no-cache"])
        .assert_code(0);

    let runs = sandbox.json(&["runs", "--json"]);
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["trigger"], "nightly", "newest first");
    assert_eq!(runs[1]["trigger"], "manual");
    assert!(runs.iter().all(|r| r["status"] == "succeeded"));
    assert!(runs[0]["duration_ms"].as_u64().is_some());
    let table = sandbox.kiln(&["runs"]);
    table.assert_code(0);
    assert!(
        table.stdout.contains("shop") && table.stdout.contains("nightly"),
        "{}",
        table.output()
    );

    let id = runs[0]["id"].as_str().unwrap();
    let run = sandbox.json(&["show", &id[..20], "--json"]);
    assert_eq!(run["id"], id, "a prefix names the run");
    let unit = action_in(&run, "unit");
    let report = &unit["reports"][0];
    assert_eq!(report["path"], "results/report.xml");
    assert_eq!(
        (report["passed"].as_u64(), report["failed"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(report["failures"][0]["name"], "math::divides");
    let make = action_in(&run, "make");
    assert_eq!(make["outputs"][0]["name"], "site");
    assert_eq!(make["outputs"][0]["files"], 1);
    assert_eq!(make["history"][0]["status"], "succeeded");

    let text = sandbox.kiln(&["show", "last"]);
    text.assert_code(0);
    for expected in [
        "tests: 1 passed, 1 failed, 0 skipped",
        "math::divides: division by zero",
        make["outputs"][0]["digest"].as_str().unwrap(),
    ] {
        assert!(
            text.stdout.contains(expected),
            "{expected}\n{}",
            text.output()
        );
    }

    // Logs: one action's, everyone's with a prefix, and as JSON lines.
    let log = sandbox.kiln(&["logs", "last", "make"]);
    log.assert_code(0);
    assert!(
        log.stdout.contains("stored artifact `site`"),
        "{}",
        log.output()
    );
    let all = sandbox.kiln(&["logs", "last"]);
    assert!(
        all.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("unit |")),
        "{}",
        all.output()
    );
    let json = sandbox.kiln(&["logs", "last", "unit", "--json"]);
    let first: Value = serde_json::from_str(json.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first["action"], "unit");
    assert_eq!(first["attempt"], 1);
    assert!(first["level"].is_string() && first["time"].is_string());

    // Bad references say what is wrong, with exit code 2.
    let missing = sandbox.kiln(&["show", "ffffffff"]);
    missing.assert_code(2);
    assert!(
        missing.stderr.contains("no run `ffffffff`"),
        "{}",
        missing.output()
    );
    let no_action = sandbox.kiln(&["logs", "last", "nope"]);
    no_action.assert_code(2);
    assert!(
        no_action
            .stderr
            .contains("has no action `nope` (it has make, unit)")
    );
}

#[test]
fn artifacts_are_listed_and_fetched_as_verified_private_copies() {
    let sandbox = Sandbox::new();
    reported_pipeline(&sandbox);
    sandbox.kiln(&["run"]).assert_code(0);
    let listed = sandbox.json(&["artifacts", "ls", "last", "--json"]);
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["site", "results"]);

    let dest = sandbox.outside().join("site");
    let got = sandbox.kiln(&["artifacts", "get", "last", "site", dest.to_str().unwrap()]);
    got.assert_code(0);
    let file = dest.join("out.txt");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "hello");
    // A private copy: editing it leaves the store's blob as it was.
    std::fs::write(&file, "edited").unwrap();
    let again = sandbox.outside().join("again");
    sandbox
        .kiln(&["artifacts", "get", "last", "site", again.to_str().unwrap()])
        .assert_code(0);
    assert_eq!(
        std::fs::read_to_string(again.join("out.txt")).unwrap(),
        "hello"
    );

    let into_full = sandbox.kiln(&["artifacts", "get", "last", "site", dest.to_str().unwrap()]);
    into_full.assert_code(2);
    assert!(
        into_full.stderr.contains("is not empty"),
        "{}",
        into_full.output()
    );
    let unknown = sandbox.kiln(&["artifacts", "get", "last", "nope", "x"]);
    unknown.assert_code(2);
    assert!(
        unknown
            .stderr
            .contains("no artifact `nope` (it has site, results)"),
        "{}",
        unknown.output()
    );
}

/// `kiln run` in the background.
fn spawn_run(sandbox: &Sandbox, args: &[&str]) -> Child {
    sandbox
        .command()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting kiln")
}

#[test]
fn a_killed_run_is_interrupted_and_resume_runs_only_what_did_not_finish() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        r#"
name: resumable
stages:
  - name: build
    actions:
      - name: first
        uses: probe
        with: { mode: write, text: "one" }
        outputs: [a]
  - name: wait
    actions:
      - name: slow
        uses: probe
        with: { mode: wait-for, path: /workspace/go }
        inputs: [a]
  - name: check
    actions:
      - name: last
        uses: probe
        with: { mode: concat, expect: "one" }
        inputs: [a]
"#,
    );
    let mut kiln = spawn_run(&sandbox, &["run", "--plain"]);
    // Wait until `slow` runs, then kill kiln the hard way.
    wait_until("`slow` to start", || {
        let runs = sandbox.json(&["runs", "--json"]);
        runs.as_array().unwrap().first().is_some_and(|run| {
            let run = sandbox.json(&["show", run["id"].as_str().unwrap(), "--json"]);
            action_in(&run, "slow")["status"] == "running"
        })
    });
    kiln.kill().unwrap(); // SIGKILL
    kiln.wait().unwrap();

    let before = sandbox.last_run();
    assert_eq!(before["status"], "interrupted", "{before:#}");
    assert_eq!(action_in(&before, "first")["status"], "succeeded");
    assert_eq!(action_in(&before, "slow")["status"], "interrupted");
    assert_eq!(
        action_in(&before, "slow")["history"][0]["status"],
        "interrupted"
    );
    assert_eq!(action_in(&before, "last")["status"], "pending");
    let kept_digest = action_in(&before, "first")["outputs"][0]["digest"].clone();

    let scratch = sandbox
        .data_dir()
        .join("work")
        .join(before["id"].as_str().unwrap());
    assert!(scratch.exists(), "the killed run left its sandboxes");
    sandbox.write("go", "");
    let resumed = sandbox.kiln(&["run", "--resume", "last", "--plain"]);
    resumed.assert_code(0);
    assert!(
        resumed.stderr.contains("Kept first"),
        "{}",
        resumed.output()
    );
    assert!(
        !resumed.stderr.contains("Starting first"),
        "{}",
        resumed.output()
    );

    let after = sandbox.last_run();
    assert_eq!(after["id"], before["id"], "the same run, continued");
    assert_eq!(after["status"], "succeeded");
    assert_eq!(after["resumes"], 1);
    let first = action_in(&after, "first");
    assert_eq!(first["outputs"][0]["digest"], kept_digest);
    assert_eq!(
        first["history"].as_array().unwrap().len(),
        1,
        "not run again"
    );
    let slow = action_in(&after, "slow");
    assert_eq!(slow["attempts"], 2, "attempts number on after the resume");
    assert_eq!(slow["history"][0]["status"], "interrupted");
    assert_eq!(slow["history"][1]["status"], "succeeded");
    assert_eq!(action_in(&after, "last")["status"], "succeeded");
    assert_eq!(sandbox.runs().len(), 1);
    assert!(!scratch.exists(), "the finished run removed its sandboxes");

    let twice = sandbox.kiln(&["run", "--resume", "last"]);
    twice.assert_code(2);
    assert!(
        twice
            .stderr
            .contains("only an interrupted or failed run can be resumed"),
        "{}",
        twice.output()
    );
}

#[test]
fn a_resume_refuses_a_pipeline_file_that_changed() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        r#"
name: changing
stages:
  - name: s
    actions:
      - name: broken
        uses: probe
        with: { mode: fail }
"#,
    );
    sandbox.kiln(&["run"]).assert_code(1);
    sandbox.pipeline(
        r#"
name: changing
stages:
  - name: s
    actions:
      - name: broken
        uses: probe
        with: { mode: write }
"#,
    );
    let resume = sandbox.kiln(&["run", "--resume", "last"]);
    resume.assert_code(2);
    assert!(
        resume.stderr.contains("changed since run"),
        "{}",
        resume.output()
    );
}

#[test]
fn concurrent_kiln_processes_share_one_history_without_corrupting_it() {
    let sandbox = Sandbox::new();
    let mut children = Vec::new();
    for i in 0..6 {
        let dir = sandbox.workspace().join(format!("p{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut yaml = format!("name: parallel-{i}\nstages:\n  - name: s\n    actions:\n");
        for a in 0..5 {
            yaml.push_str(&format!(
                "      - {{ name: a{a}, uses: probe, with: {{ mode: sleep, ms: 20 }}, cache: false }}\n"
            ));
        }
        let file = dir.join("kiln.yaml");
        std::fs::write(&file, yaml).unwrap();
        children.push(spawn_run(
            &sandbox,
            &["run", file.to_str().unwrap(), "--jobs", "2"],
        ));
    }
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let runs = sandbox.runs();
    assert_eq!(runs.len(), 6);
    for run in &runs {
        assert_eq!(run["status"], "succeeded", "{run:#}");
        let actions = run["stages"][0]["actions"].as_array().unwrap();
        assert_eq!(actions.len(), 5);
        assert!(actions.iter().all(|a| a["status"] == "succeeded"));
    }
    let db = rusqlite::Connection::open(sandbox.data_dir().join("runs.db")).unwrap();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

fn git(dir: &std::path::Path, args: &[&str], date: &str) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

fn millis(rfc3339: &Value) -> i64 {
    let text = rfc3339.as_str().unwrap();
    let time =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap();
    (time.unix_timestamp_nanos() / 1_000_000) as i64
}

#[test]
fn dora_metrics_come_from_the_recorded_history() {
    let sandbox = Sandbox::new();
    let ws = sandbox.workspace();
    sandbox.pipeline(
        r#"
name: web
stages:
  - name: build
    actions:
      - { name: compile, uses: probe, with: { mode: write, text: "x" }, outputs: [bin] }
  - name: deploy-prod
    actions:
      - { name: release, uses: probe, with: { mode: read, path: /workspace/healthy } }
"#,
    );
    git(&ws, &["init", "-q"], "2026-01-01T00:00:00Z");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let ago = |hours: i64| format!("@{} +0000", now - hours * 3600);
    // A good change, a bad one (the deploy fails), and its fix.
    sandbox.write("healthy", "yes");
    git(&ws, &["add", "-A"], &ago(5));
    git(&ws, &["commit", "-qm", "good"], &ago(5));
    sandbox.kiln(&["run", "--no-cache"]).assert_code(0);
    std::fs::remove_file(ws.join("healthy")).unwrap();
    git(&ws, &["commit", "-qam", "bad"], &ago(3));
    sandbox.kiln(&["run", "--no-cache"]).assert_code(1);
    sandbox.write("healthy", "yes");
    git(&ws, &["add", "-A"], &ago(1));
    git(&ws, &["commit", "-qm", "fix"], &ago(1));
    sandbox.kiln(&["run", "--no-cache"]).assert_code(0);

    let runs = sandbox.runs();
    let deployed_at: Vec<i64> = runs
        .iter()
        .map(|run| millis(&run["stages"][1]["finished_at"]))
        .collect();
    let committed_at: Vec<i64> = runs.iter().map(|run| millis(&run["commit_time"])).collect();
    assert!(runs[0]["stages"][1]["deploy"].as_bool().unwrap());

    let metrics = sandbox.json(&["metrics", "--window", "7d", "--json"]);
    let web = &metrics[0];
    assert_eq!(web["pipeline"], "web");
    assert_eq!(web["deployments"], 3);
    assert_eq!(web["failed_deployments"], 1);
    let per_day = web["deployment_frequency"]["value"].as_f64().unwrap();
    assert!((per_day - 2.0 / 7.0).abs() < 1e-9, "{per_day}");
    assert!((web["change_failure_rate"]["value"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    // Lead times of the two successes: about 5h and 1h; the median (the
    // lower of two, nearest rank) is the fix's.
    let lead = web["lead_time"]["value"].as_f64().unwrap() as i64;
    assert_eq!(lead, deployed_at[2] - committed_at[2]);
    assert_eq!(
        web["lead_time"]["p90"].as_f64().unwrap() as i64,
        deployed_at[0] - committed_at[0]
    );
    assert_eq!(web["lead_time"]["level"], "elite");
    // Restored by the third run's deploy after the second's failed.
    let restore = web["time_to_restore"]["value"].as_f64().unwrap() as i64;
    assert_eq!(restore, deployed_at[2] - deployed_at[1]);
    assert!(web["failing_since"].is_null());

    let text = sandbox.kiln(&["metrics"]);
    text.assert_code(0);
    for expected in [
        "web: 3 deployments (1 failed)",
        "change failure rate",
        "33% (1 of 3)",
        "lead time for changes",
        "time to restore",
    ] {
        assert!(
            text.stdout.contains(expected),
            "{expected}\n{}",
            text.output()
        );
    }
}

/// A webhook receiver: every request body, in order.
fn webhook() -> (TestServer, Arc<Mutex<Vec<String>>>) {
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    let server = TestServer::start(move |method, path, body| {
        seen.lock()
            .unwrap()
            .push(format!("{method} {path}\n{body}"));
        (204, Vec::new(), String::new())
    });
    (server, bodies)
}

fn notify_pipeline(sandbox: &Sandbox, origin: &str, mode: &str, run_status: bool) {
    sandbox.pipeline(&format!(
        r#"
name: shop
stages:
  - name: test
    actions:
      - name: unit
        uses: probe
        with: {{ mode: {mode}, text: "2 tests failed" }}
  - name: notify
    actions:
      - name: tell
        uses: notify
        if: always
        with: {{ url: "{origin}/hook", on: failure }}
        grants: {{ network: ["{origin}"], run-status: {run_status} }}
"#
    ));
}

#[test]
fn notify_posts_a_failed_run_to_a_webhook_and_stays_quiet_otherwise() {
    let (server, bodies) = webhook();
    let sandbox = Sandbox::new();
    notify_pipeline(&sandbox, &server.origin(), "fail", true);
    let run = sandbox.kiln(&["run"]);
    run.assert_code(1);
    assert_eq!(
        sandbox.action("tell")["status"],
        "succeeded",
        "{}",
        run.output()
    );
    let posted = bodies.lock().unwrap().clone();
    assert_eq!(posted.len(), 1, "{posted:?}");
    let (request_line, body) = posted[0].split_once('\n').unwrap();
    assert_eq!(request_line, "POST /hook");
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["status"], "failed");
    assert_eq!(body["pipeline"], "shop");
    assert_eq!(body["run"], sandbox.last_run()["id"]);
    assert_eq!(body["failed"][0]["action"], "unit");
    assert!(
        body["text"]
            .as_str()
            .unwrap()
            .contains("failed: unit: 2 tests failed"),
        "{body:#}"
    );

    // A run that passes: `on: failure` posts nothing.
    notify_pipeline(&sandbox, &server.origin(), "write", true);
    sandbox.kiln(&["run"]).assert_code(0);
    assert_eq!(bodies.lock().unwrap().len(), 1);
    let summary = sandbox.action("tell")["summary"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(summary.contains("nothing to post"), "{summary}");

    // Without the run-status grant the plugin says which grant it lacks.
    notify_pipeline(&sandbox, &server.origin(), "fail", false);
    sandbox.kiln(&["run"]).assert_code(1);
    let error = sandbox.action("tell")["error"].as_str().unwrap().to_owned();
    assert!(error.contains("run-status: true"), "{error}");
}

#[test]
fn logs_follow_prints_lines_as_they_come_and_ends_with_the_run() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        r#"
name: follow
stages:
  - name: s
    actions:
      - { name: slow, uses: probe, with: { mode: wait-for, path: /workspace/go } }
      - { name: after, uses: probe, needs: [slow], with: { mode: sleep, ms: 10 } }
"#,
    );
    let mut run = spawn_run(&sandbox, &["run", "--plain"]);
    wait_until("the run to be recorded", || {
        !sandbox
            .json(&["runs", "--json"])
            .as_array()
            .unwrap()
            .is_empty()
    });
    let follower = sandbox
        .command()
        .args(["logs", "last", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    sandbox.write("go", "");
    assert!(run.wait().unwrap().success());
    let output = follower.wait_with_output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("after |") && text.contains("end "),
        "follow printed the later action's lines before it stopped:\n{text}"
    );
}

#[test]
fn a_terminal_gets_the_live_view_and_ci_gets_plain_lines() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        r#"
name: live
stages:
  - name: s
    actions:
      - { name: nap, uses: probe, with: { mode: sleep, ms: 700 } }
"#,
    );
    let kiln = env!("CARGO_BIN_EXE_kiln");
    // `script` gives kiln a pseudo-terminal.
    let mut script = Command::new("script");
    script
        .current_dir(sandbox.workspace())
        .env("KILN_DATA_DIR", sandbox.data_dir())
        .env("KILN_PLUGIN_PATH", support::plugins_dir())
        .env_remove("CI")
        .env("TERM", "xterm")
        .args(["-qefc", &format!("{kiln} run --no-cache"), "/dev/null"])
        .stdin(Stdio::null());
    let live = Sandbox::run_with(&mut script);
    live.assert_code(0);
    // indicatif's spinner frames, redrawn in place, and the status line.
    assert!(
        live.stdout.contains('⠁') || live.stdout.contains('⠂') || live.stdout.contains('⠄'),
        "{}",
        live.output()
    );
    assert!(live.stdout.contains("Passed"), "{}", live.output());

    let plain = sandbox.kiln(&["run", "--no-cache"]);
    plain.assert_code(0);
    assert!(plain.stderr.contains("Starting nap"), "{}", plain.output());
    assert!(!plain.stderr.contains('⠁') && !plain.stderr.contains('\u{1b}'));
    let quiet = sandbox.kiln(&["run", "--no-cache", "-q"]);
    assert!(!quiet.stderr.contains("Starting"), "{}", quiet.output());
    assert!(quiet.stderr.contains("Finished"), "{}", quiet.output());
    let verbose = sandbox.kiln(&["run", "--no-cache", "-v", "--plain"]);
    assert!(
        verbose.stderr.contains("nap | start"),
        "{}",
        verbose.output()
    );
}

#[test]
fn completions_help_and_version_say_what_kiln_is() {
    let sandbox = Sandbox::new();
    let bash = sandbox.kiln(&["completions", "bash"]);
    bash.assert_code(0);
    assert!(bash.stdout.contains("complete") && bash.stdout.contains("metrics"));
    let zsh = sandbox.kiln(&["completions", "zsh"]);
    assert!(zsh.stdout.starts_with("#compdef kiln"), "{}", zsh.output());
    for command in [
        "run",
        "runs",
        "show",
        "logs",
        "artifacts",
        "metrics",
        "validate",
        "init",
    ] {
        let help = sandbox.kiln(&[command, "--help"]);
        help.assert_code(0);
        assert!(help.stdout.contains("Examples:"), "kiln {command} --help");
    }
    for command in [
        "new", "build", "inspect", "publish", "pull", "ls", "rm", "update", "keygen", "sign",
        "verify",
    ] {
        let help = sandbox.kiln(&["plugin", command, "--help"]);
        help.assert_code(0);
        assert!(
            help.stdout.contains("Examples:"),
            "kiln plugin {command} --help"
        );
    }
    let version = sandbox.kiln(&["--version"]);
    assert!(
        version.stdout.contains("kiln:plugin@0.2.0"),
        "{}",
        version.output()
    );
}
