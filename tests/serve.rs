//! `kiln serve`: kiln as a service that starts runs when code changes.
//! Real git repositories pushed to with `git push`, the real `kiln serve`
//! on a free loopback port, real HTTP from curl, the real `kiln` binary
//! reading what the server recorded.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use support::serve::{Repo, Server, checkouts, curl, runs, token, wait_for_ended_runs};
use support::{Sandbox, action_in, wait_until};

const SECRET: &str = "It's a Secret to Everybody";

/// Checks out the pushed commit, then reads `pushed.txt` from it.
const READS_PUSHED: &str = "name: app\nstages:\n  - name: source\n    actions:\n      - name: checkout\n        uses: checkout\n        outputs: [source]\n  - name: test\n    actions:\n      - name: read\n        uses: probe\n        inputs: [source]\n        with: { mode: concat, file: pushed.txt }\n";

/// READS_PUSHED, then a CodeBuild buildspec that prints what CodeBuild
/// tells a build a webhook started.
const READS_PUSHED_AND_BUILDS: &str = "name: app\nstages:\n  - name: source\n    actions:\n      - name: checkout\n        uses: checkout\n        outputs: [source]\n  - name: test\n    actions:\n      - name: read\n        uses: probe\n        inputs: [source]\n        with: { mode: concat, file: pushed.txt }\n      - name: codebuild\n        uses: codebuild\n        with: { buildspec: buildspec.yml }\n        grants:\n          workspace: read-write\n          exec: [{ program: sh, runs: any }]\n";

const WEBHOOK_BUILDSPEC: &str = "version: 0.2\nphases:\n  build:\n    commands:\n      - echo \"event=$CODEBUILD_WEBHOOK_EVENT trigger=$CODEBUILD_WEBHOOK_TRIGGER head=$CODEBUILD_WEBHOOK_HEAD_REF source=$CODEBUILD_RESOLVED_SOURCE_VERSION\"\n";

/// Waits until the file `go` appears in its workspace (the checkout).
const WAITS: &str = "name: waits\nstages:\n  - name: s\n    actions:\n      - name: wait\n        uses: probe\n        with: { mode: wait-for, path: /workspace/go }\n";

/// Ends at once.
const QUICK: &str = "name: quick\nstages:\n  - name: s\n    actions:\n      - name: hello\n        uses: probe\n        with: { mode: sleep, ms: 1 }\n";

fn root(sandbox: &Sandbox) -> PathBuf {
    sandbox.data_dir().parent().unwrap().to_path_buf()
}

/// Write the server's configuration: `project` is the body of one
/// `[[project]]` named `app` whose repository is `repository`.
fn config(sandbox: &Sandbox, top: &str, repository: &Path, project: &str) -> PathBuf {
    let path = root(sandbox).join("kiln-server.toml");
    let text = format!(
        "{top}\n[[project]]\nname = \"app\"\nrepository = \"{}\"\n{project}\n",
        repository.display()
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn log_of(sandbox: &Sandbox, run: &serde_json::Value, action: &str) -> String {
    let path = sandbox
        .data_dir()
        .join("runs")
        .join(run["id"].as_str().unwrap())
        .join("logs")
        .join(format!("{action}@1.log"));
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The run of `commit` among `runs`.
fn run_of<'a>(runs: &'a [serde_json::Value], commit: &str) -> &'a serde_json::Value {
    runs.iter()
        .find(|run| run["commit"] == commit)
        .unwrap_or_else(|| panic!("no run of {commit} in {runs:#?}"))
}

fn auth(token: &str) -> String {
    format!("Authorization: Bearer {token}")
}

/// Wait until some run is running; its id.
fn wait_for_running(sandbox: &Sandbox, other_than: &[String]) -> String {
    let mut id = String::new();
    wait_until("a run is running", || {
        runs(sandbox).iter().any(|run| {
            let fresh = !other_than.iter().any(|o| run["id"] == o.as_str());
            if fresh && run["status"] == "running" {
                id = run["id"].as_str().unwrap().to_owned();
            }
            fresh && run["status"] == "running"
        })
    });
    id
}

/// Let every waiting run end: create `go` in every checkout.
fn release(sandbox: &Sandbox) {
    for checkout in checkouts(sandbox) {
        let _ = std::fs::write(checkout.join("go"), "");
    }
}

#[test]
fn a_push_notified_by_a_github_webhook_runs_on_exactly_that_commit() {
    let sandbox = Sandbox::new();
    let repo = Repo::new(&root(&sandbox));
    let config = config(
        &sandbox,
        "",
        &repo.origin,
        "branches = [\"main\"]\n[project.webhook]\nprovider = \"github\"\nsecret-env = \"APP_HOOK_SECRET\"\n",
    );
    let server = Server::start(&sandbox, &config, &[("APP_HOOK_SECRET", SECRET)]);
    repo.post_receive_webhook(&format!("{}/hooks/app", server.url), SECRET);

    let first = repo.commit(
        &[
            ("kiln.yaml", READS_PUSHED_AND_BUILDS),
            ("buildspec.yml", WEBHOOK_BUILDSPEC),
            ("pushed.txt", "pushed first"),
        ],
        "first",
    );
    repo.push("main");
    let ended = wait_for_ended_runs(&sandbox, 1);
    let run = run_of(&ended, &first);
    assert_eq!(run["status"], "succeeded", "{run:#}\n{}", server.log());
    assert_eq!(run["ref"], "refs/heads/main");
    assert_eq!(run["trigger"], "push");
    assert_eq!(run["project"], "app");
    assert_eq!(run["delivery"], format!("delivery-{first}"));
    assert!(log_of(&sandbox, run, "read").contains("pushed first"));
    // A buildspec sees what CodeBuild tells a build a webhook started.
    let built = log_of(&sandbox, run, "codebuild");
    let webhook = format!("event=PUSH trigger=branch/main head=refs/heads/main source={first}");
    assert!(built.contains(&webhook), "{built}");
    // Lead time is measured from that commit's time.
    let committed = Command::new("git")
        .args([
            "log",
            "-1",
            "--format=%cd",
            "--date=format-local:%Y-%m-%dT%H:%M:%SZ",
            &first,
        ])
        .current_dir(&repo.work)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    let committed = String::from_utf8_lossy(&committed.stdout).trim().to_owned();
    assert_eq!(run["commit_time"], committed.as_str());

    // The next push runs the next commit, on its own checkout.
    let second = repo.commit(&[("pushed.txt", "pushed second")], "second");
    repo.push("main");
    let ended = wait_for_ended_runs(&sandbox, 2);
    let run = run_of(&ended, &second);
    assert_eq!(run["status"], "succeeded", "{run:#}");
    let log = log_of(&sandbox, run, "read");
    assert!(
        log.contains("pushed second") && !log.contains("pushed first"),
        "{log}"
    );

    // `kiln show` says where the run came from; the checkout is gone.
    let shown = sandbox.kiln(&["show", run["id"].as_str().unwrap()]);
    shown.assert_code(0);
    for fact in [
        "trigger push".to_owned(),
        format!("commit {}", &second[..12]),
        "ref refs/heads/main".to_owned(),
        "project app".to_owned(),
        format!("delivery delivery-{second}"),
    ] {
        assert!(shown.stdout.contains(&fact), "{fact}: {}", shown.stdout);
    }
    let listed = sandbox.kiln(&["runs"]);
    assert!(listed.stdout.contains("app:main"), "{}", listed.stdout);
    wait_until("the checkouts are removed", || {
        checkouts(&sandbox).is_empty()
    });
}

#[test]
fn polling_picks_up_a_push_and_runs_the_newest_of_several_commits_once() {
    let sandbox = Sandbox::new();
    let repo = Repo::new(&root(&sandbox));
    let config = config(&sandbox, "", &repo.origin, "poll-interval = \"1s\"\n");
    let server = Server::start(&sandbox, &config, &[]);
    repo.commit(&[("kiln.yaml", READS_PUSHED), ("pushed.txt", "one")], "one");
    repo.commit(&[("pushed.txt", "two")], "two");
    let newest = repo.commit(&[("pushed.txt", "three")], "three");
    repo.push("main");
    let ended = wait_for_ended_runs(&sandbox, 1);
    let run = run_of(&ended, &newest);
    assert_eq!(run["status"], "succeeded", "{run:#}\n{}", server.log());
    assert_eq!(run["trigger"], "poll");
    assert_eq!(run["ref"], "refs/heads/main");
    assert!(log_of(&sandbox, run, "read").contains("three"));
    // A second branch is followed too (every branch by default).
    let feature = repo.commit(&[("pushed.txt", "feature")], "feature");
    repo.push("feature/x");
    let ended = wait_for_ended_runs(&sandbox, 2);
    assert_eq!(run_of(&ended, &feature)["ref"], "refs/heads/feature/x");
    assert_eq!(ended.len(), 2, "one run per moved ref: {ended:#?}");
}

#[test]
fn webhook_deliveries_not_believed_or_not_wanted_start_nothing() {
    let sandbox = Sandbox::new();
    let repo = Repo::new(&root(&sandbox));
    let config = config(
        &sandbox,
        "",
        &repo.origin,
        "branches = [\"main\"]\npoll-interval = \"off\"\n[project.webhook]\nprovider = \"github\"\nsecret-env = \"APP_HOOK_SECRET\"\n",
    );
    let server = Server::start(&sandbox, &config, &[("APP_HOOK_SECRET", SECRET)]);
    let commit = repo.commit(&[("kiln.yaml", QUICK)], "quick");
    repo.push("main");
    let push = format!("{{\"ref\":\"refs/heads/main\",\"after\":\"{commit}\"}}");
    let read = token(&sandbox, "read");

    // A wrong secret, no signature: 401, nothing stored.
    let forged = kiln_server::sign_hmac(push.as_bytes(), b"a guess");
    let (status, body) = server.curl(
        &[
            "-X",
            "POST",
            "-H",
            "X-GitHub-Event: push",
            "-H",
            "X-GitHub-Delivery: forged",
            "-H",
            &format!("X-Hub-Signature-256: sha256={forged}"),
            "--data-binary",
            &push,
        ],
        "/hooks/app",
    );
    assert_eq!(status, 401, "{body}");
    let (status, _) = server.curl(
        &[
            "-X",
            "POST",
            "-H",
            "X-GitHub-Event: push",
            "--data-binary",
            &push,
        ],
        "/hooks/app",
    );
    assert_eq!(status, 401);
    // An unknown project: 404.
    let (status, body) = server.github_delivery("nope", "push", "d-0", &push, SECRET);
    assert_eq!(status, 404, "{body}");
    // Over 25 MiB: 413.
    let big = root(&sandbox).join("big.json");
    std::fs::write(&big, vec![b' '; 26 * 1024 * 1024]).unwrap();
    let (status, _) = server.curl(
        &[
            "-X",
            "POST",
            "-H",
            "X-Hub-Signature-256: sha256=00",
            "--data-binary",
            &format!("@{}", big.display()),
        ],
        "/hooks/app",
    );
    assert_eq!(status, 413);
    // Malformed JSON, signed: 400 with where it broke.
    let (status, body) = server.github_delivery("app", "push", "d-1", "{\"ref\": oops}", SECRET);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("line 1 column 9"), "{body}");
    // A ping, a branch not followed: answered 200, recorded, not run.
    let (status, body) = server.github_delivery("app", "ping", "d-2", "{\"zen\":\"hi\"}", SECRET);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"ignored\""), "{body}");
    let dev = format!("{{\"ref\":\"refs/heads/dev\",\"after\":\"{commit}\"}}");
    let (status, body) = server.github_delivery("app", "push", "d-3", &dev, SECRET);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("not followed"), "{body}");
    // The real one: 202; delivered again: 200, nothing new.
    let (status, body) = server.github_delivery("app", "push", "d-4", &push, SECRET);
    assert_eq!(status, 202, "{body}");
    let (status, body) = server.github_delivery("app", "push", "d-4", &push, SECRET);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("duplicate"), "{body}");

    let ended = wait_for_ended_runs(&sandbox, 1);
    assert_eq!(ended[0]["delivery"], "d-4");
    assert_eq!(ended[0]["status"], "succeeded", "{:#}", ended[0]);
    let queue = server.get_json(&read, "/api/v1/queue");
    assert_eq!(queue.as_array().unwrap().len(), 1, "{queue:#}");
    let deliveries = server.get_json(&read, "/api/v1/projects/app/deliveries");
    let recorded: Vec<(&str, &str)> = deliveries
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["id"].as_str().unwrap(), d["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        recorded,
        [
            ("d-4", "queued"),
            ("d-3", "ignored"),
            ("d-2", "ignored"),
            ("d-1", "rejected")
        ],
        "the 401s and the 404 are not stored"
    );
    assert_eq!(runs(&sandbox).len(), 1);
}

#[test]
fn a_pipeline_broken_at_the_pushed_commit_is_a_failed_run_with_its_position() {
    let sandbox = Sandbox::new();
    let repo = Repo::new(&root(&sandbox));
    let config = config(&sandbox, "", &repo.origin, "poll-interval = \"1s\"\n");
    let server = Server::start(&sandbox, &config, &[]);
    let broken = "name: broken\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: probe\n        with: { mode: sleep }\n        timeout: forever\n";
    let commit = repo.commit(&[("kiln.yaml", broken)], "broken");
    repo.push("main");
    let ended = wait_for_ended_runs(&sandbox, 1);
    let run = run_of(&ended, &commit);
    assert_eq!(run["status"], "failed", "{run:#}\n{}", server.log());
    assert_eq!(run["pipeline"], "broken");
    let error = run["error"].as_str().unwrap_or_default();
    assert!(error.starts_with("kiln.yaml:8:18: "), "{error}");
    assert!(error.contains("`forever` is not a duration"), "{error}");
    // The server is still there, and says so in `kiln show`.
    let (status, _) = server.curl(&[], "/health");
    assert_eq!(status, 200);
    let shown = sandbox.kiln(&["show", "last"]);
    assert!(
        shown.stdout.contains("error: kiln.yaml:8:18: "),
        "{}",
        shown.stdout
    );
}

#[test]
fn an_unfetchable_repository_records_the_trigger_with_its_error_and_retries() {
    let sandbox = Sandbox::new();
    let missing = root(&sandbox).join("no-such-repository.git");
    let config = config(&sandbox, "", &missing, "poll-interval = \"1s\"\n");
    let server = Server::start(&sandbox, &config, &[]);
    let write = token(&sandbox, "write");
    let triggered = sandbox.kiln(&[
        "trigger",
        "app",
        "--ref",
        "main",
        "--server",
        &server.url,
        "--token",
        &write,
    ]);
    triggered.assert_code(0);
    assert!(triggered.stderr.contains("Queued"), "{}", triggered.stderr);
    let mut entry = serde_json::Value::Null;
    wait_until("the trigger was tried twice", || {
        entry = server.get_json(&write, "/api/v1/queue")[0].clone();
        entry["attempts"].as_u64() >= Some(2)
    });
    assert_eq!(entry["state"], "queued", "still to be retried: {entry:#}");
    assert_eq!(entry["trigger"], "manual");
    assert_eq!(entry["ref"], "refs/heads/main");
    let error = entry["error"].as_str().unwrap();
    assert!(error.contains("no-such-repository"), "{error}");
    let project = server.get_json(&write, "/api/v1/projects/app");
    assert!(project["last_poll_error"].as_str().is_some(), "{project:#}");
    assert!(runs(&sandbox).is_empty());
}

#[test]
fn a_newer_push_cancels_the_run_in_progress_of_its_group() {
    let sandbox = Sandbox::new();
    let repo = Repo::new(&root(&sandbox));
    let config = config(
        &sandbox,
        "",
        &repo.origin,
        "poll-interval = \"1s\"\nconcurrency = { group = \"{project}-{ref}\", cancel-in-progress = true }\n",
    );
    let server = Server::start(&sandbox, &config, &[]);
    let older = repo.commit(&[("kiln.yaml", WAITS)], "waits");
    repo.push("main");
    wait_for_running(&sandbox, &[]);
    let newer = repo.commit(&[("kiln.yaml", QUICK)], "quick");
    repo.push("main");
    let ended = wait_for_ended_runs(&sandbox, 2);
    assert_eq!(
        run_of(&ended, &older)["status"],
        "cancelled",
        "{ended:#?}\n{}",
        server.log()
    );
    assert_eq!(run_of(&ended, &newer)["status"], "succeeded", "{ended:#?}");
}

#[test]
fn queued_runs_survive_a_restart_and_start_when_the_server_is_back() {
    let sandbox = Sandbox::new();
    let repo = Repo::new(&root(&sandbox));
    repo.commit(&[("kiln.yaml", WAITS)], "waits");
    repo.push("main");
    let config = config(
        &sandbox,
        "max-runs = 1\nshutdown-grace = \"1s\"",
        &repo.origin,
        "poll-interval = \"off\"\n",
    );
    let write = token(&sandbox, "write");
    let mut server = Server::start(&sandbox, &config, &[]);
    for _ in 0..2 {
        let (status, body) = server.curl(
            &[
                "-X",
                "POST",
                "-H",
                &auth(&write),
                "--data-binary",
                "{\"ref\":\"main\"}",
            ],
            "/api/v1/projects/app/trigger",
        );
        assert_eq!(status, 202, "{body}");
    }
    let first = wait_for_running(&sandbox, &[]);
    let queued = server.get_json(&write, "/api/v1/queue?state=queued");
    assert_eq!(
        queued.as_array().unwrap().len(),
        1,
        "max-runs = 1: {queued:#}"
    );
    // Stopped with a run running and one queued: the running one is
    // cancelled after the grace period, the queued one stays queued.
    assert_eq!(server.terminate(), 0, "{}", server.log());
    let ended = wait_for_ended_runs(&sandbox, 1);
    assert_eq!(ended[0]["id"], first.as_str());
    assert_eq!(ended[0]["status"], "cancelled");

    let server = Server::start(&sandbox, &config, &[]);
    let second = wait_for_running(&sandbox, std::slice::from_ref(&first));
    release(&sandbox);
    let ended = wait_for_ended_runs(&sandbox, 2);
    let run = ended.iter().find(|r| r["id"] == second.as_str()).unwrap();
    assert_eq!(run["status"], "succeeded", "{run:#}\n{}", server.log());
    assert!(
        server
            .get_json(&write, "/api/v1/queue?state=queued")
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn sigterm_stops_accepting_and_lets_a_running_run_finish_within_the_grace_period() {
    let sandbox = Sandbox::new();
    let repo = Repo::new(&root(&sandbox));
    repo.commit(&[("kiln.yaml", WAITS)], "waits");
    repo.push("main");
    let config = config(
        &sandbox,
        "shutdown-grace = \"2m\"",
        &repo.origin,
        "poll-interval = \"1s\"\n",
    );
    let mut server = Server::start(&sandbox, &config, &[]);
    let id = wait_for_running(&sandbox, &[]);
    server.sigterm();
    // No new connections, while the run goes on.
    wait_until("the server stops accepting", || {
        server.curl(&[], "/health").0 == 0
    });
    assert_eq!(server.exited(), None, "the server waits for its run");
    release(&sandbox);
    assert_eq!(server.wait_exit(), 0, "{}", server.log());
    let run = sandbox.json(&["show", &id, "--json"]);
    assert_eq!(run["status"], "succeeded", "{run:#}");
}

#[test]
fn api_tokens_read_and_write() {
    let sandbox = Sandbox::new();
    let repo = Repo::new(&root(&sandbox));
    repo.commit(&[("kiln.yaml", QUICK)], "quick");
    repo.push("main");
    let config = config(&sandbox, "", &repo.origin, "poll-interval = \"off\"\n");
    let server = Server::start(&sandbox, &config, &[]);
    let (read, write) = (token(&sandbox, "read"), token(&sandbox, "write"));

    let (status, body) = server.curl(&[], "/api/v1/runs");
    assert_eq!(status, 401, "{body}");
    let (status, _) = server.curl(&["-H", "Authorization: Bearer kiln_0000"], "/api/v1/runs");
    assert_eq!(status, 401);
    let trigger = |token: &str| {
        server.curl(
            &["-X", "POST", "-H", &auth(token)],
            "/api/v1/projects/app/trigger",
        )
    };
    let (status, body) = trigger(&read);
    assert_eq!(status, 403, "{body}");
    let (status, body) = trigger(&write);
    assert_eq!(status, 202, "{body}");
    let ended = wait_for_ended_runs(&sandbox, 1);
    let id = ended[0]["id"].as_str().unwrap();
    assert_eq!(ended[0]["trigger"], "manual");

    // A read token reads: the run's detail is exactly `kiln show --json`.
    let detail = server.get_json(&read, &format!("/api/v1/runs/{id}"));
    assert_eq!(detail, sandbox.json(&["show", id, "--json"]));
    let page = server.get_json(
        &read,
        "/api/v1/runs?project=app&branch=main&status=succeeded",
    );
    assert_eq!(page["runs"][0]["id"], id);
    let metrics = server.get_json(&read, "/api/v1/metrics");
    assert_eq!(metrics, sandbox.json(&["metrics", "--json"]));
    // ... and cannot cancel.
    let cancel = format!("/api/v1/runs/{id}/cancel");
    let (status, _) = server.curl(&["-X", "POST", "-H", &auth(&read)], &cancel);
    assert_eq!(status, 403);
    let (status, body) = server.curl(&["-X", "POST", "-H", &auth(&write)], &cancel);
    assert_eq!(status, 409, "the run already ended: {body}");
    // The token is kept hashed: its value is nowhere in the data directory.
    let database = std::fs::read(sandbox.data_dir().join("runs.db")).unwrap();
    assert!(!database.windows(write.len()).any(|w| w == write.as_bytes()));
    // `kiln trigger` without a token says how to get one.
    let refused = sandbox.kiln(&["trigger", "app", "--server", &server.url]);
    refused.assert_code(2);
    assert!(
        refused.stderr.contains("kiln token create"),
        "{}",
        refused.stderr
    );
}

#[test]
fn live_logs_stream_as_server_sent_events_and_resume_after_last_event_id() {
    let sandbox = Sandbox::new();
    let repo = Repo::new(&root(&sandbox));
    let sleepy = "name: sleepy\nstages:\n  - name: s\n    actions:\n      - name: nap\n        uses: probe\n        with: { mode: sleep, ms: 3000 }\n";
    repo.commit(&[("kiln.yaml", sleepy)], "sleepy");
    repo.push("main");
    let config = config(&sandbox, "", &repo.origin, "poll-interval = \"1s\"\n");
    let server = Server::start(&sandbox, &config, &[]);
    let read = token(&sandbox, "read");
    let id = wait_for_running(&sandbox, &[]);
    let stream = format!("/api/v1/runs/{id}/actions/nap/attempts/1/log/stream");

    let mut curl_stream = Command::new("curl")
        .args(["-s", "-N", "--max-time", "60", "-H", &auth(&read)])
        .arg(format!("{}{stream}", server.url))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(curl_stream.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    // The first line arrives while the run still runs.
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push(line.clone());
        if line.starts_with("data:") && line.contains("start") {
            break;
        }
    }
    assert_eq!(
        sandbox.json(&["show", &id, "--json"])["status"],
        "running",
        "{seen:?}"
    );
    seen.extend(lines.map(Result::unwrap));
    curl_stream.wait().unwrap();
    let text = seen.join("\n");
    assert!(text.contains("id: 1\ndata: "), "{text}");
    assert!(text.contains("id: 2\ndata: "), "{text}");
    assert!(text.contains("event: end\ndata: succeeded"), "{text}");

    // Resumed after line 1: line 2 and the end, nothing twice.
    let (status, resumed) = server.curl(
        &["-N", "-H", &auth(&read), "-H", "Last-Event-ID: 1"],
        &stream,
    );
    assert_eq!(status, 200, "{resumed}");
    assert!(
        !resumed.contains("id: 1\n") && resumed.contains("id: 2\n"),
        "{resumed}"
    );
    assert!(resumed.contains("event: end"), "{resumed}");
    // The whole log, as text.
    let (status, whole) = server.curl(
        &["-H", &auth(&read)],
        &format!("/api/v1/runs/{id}/actions/nap/attempts/1/log"),
    );
    assert_eq!(status, 200);
    assert_eq!(whole.lines().count(), 2, "{whole}");
    let (status, _) = server.curl(
        &["-H", &auth(&read)],
        &format!("/api/v1/runs/{id}/actions/nope/attempts/1/log"),
    );
    assert_eq!(status, 404);
}

#[test]
fn an_artifact_downloads_as_a_tar_verified_against_its_digest() {
    let sandbox = Sandbox::new();
    let repo = Repo::new(&root(&sandbox));
    repo.commit(
        &[
            ("kiln.yaml", READS_PUSHED),
            ("pushed.txt", "artifact content"),
        ],
        "one",
    );
    repo.push("main");
    let config = config(&sandbox, "", &repo.origin, "poll-interval = \"1s\"\n");
    let server = Server::start(&sandbox, &config, &[]);
    let read = token(&sandbox, "read");
    let ended = wait_for_ended_runs(&sandbox, 1);
    let id = ended[0]["id"].as_str().unwrap();
    let listed = server.get_json(&read, &format!("/api/v1/runs/{id}/artifacts"));
    let local = sandbox.json(&["artifacts", "ls", id, "--json"]);
    assert_eq!(listed, local);
    let digest = listed[0]["digest"].as_str().unwrap();

    let dir = root(&sandbox).join("download");
    std::fs::create_dir_all(&dir).unwrap();
    let tar = dir.join("source.tar");
    let headers = dir.join("headers.txt");
    let (status, _) = server.curl(
        &[
            "-H",
            &auth(&read),
            "-o",
            tar.to_str().unwrap(),
            "-D",
            headers.to_str().unwrap(),
        ],
        &format!("/api/v1/runs/{id}/artifacts/source"),
    );
    assert_eq!(status, 200);
    let headers = std::fs::read_to_string(headers).unwrap().to_lowercase();
    assert!(
        headers.contains(&format!("x-kiln-digest: {digest}")),
        "{headers}"
    );
    let tree = dir.join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    let untar = Command::new("tar")
        .arg("-xf")
        .arg(&tar)
        .arg("-C")
        .arg(&tree)
        .status()
        .unwrap();
    assert!(untar.success());
    assert_eq!(
        std::fs::read_to_string(tree.join("pushed.txt")).unwrap(),
        "artifact content"
    );
    assert_eq!(
        std::fs::read_to_string(tree.join("kiln.yaml")).unwrap(),
        READS_PUSHED
    );

    // A blob changed in the store: refused, not served.
    let output = Command::new("sh")
        .arg("-c")
        .arg("printf '%s' 'artifact content' | sha256sum | cut -d' ' -f1")
        .output()
        .unwrap();
    let hex = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let blob = sandbox.data_dir().join("artifacts/blobs/sha256").join(hex);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&blob, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(&blob, "tampered content").unwrap();
    let (status, body) = server.curl(
        &["-H", &auth(&read)],
        &format!("/api/v1/runs/{id}/artifacts/source"),
    );
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("source"), "{body}");
}

#[test]
fn a_bad_server_config_exits_2_with_its_file_line_column_and_field() {
    let sandbox = Sandbox::new();
    let path = root(&sandbox).join("bad.toml");
    std::fs::write(
        &path,
        "listen = \"127.0.0.1:0\"\n[[project]]\nname = \"app\"\nrepository = \"x\"\npoll-interval = \"soon\"\n",
    )
    .unwrap();
    let run = sandbox.kiln(&["serve", "--config", path.to_str().unwrap()]);
    run.assert_code(2);
    assert!(
        run.stderr
            .contains("bad.toml:5:17: project[0].poll-interval: `soon` is not a duration"),
        "{}",
        run.stderr
    );
    // A webhook secret named but not set: refused before listening.
    std::fs::write(
        &path,
        "listen = \"127.0.0.1:0\"\n[[project]]\nname = \"app\"\nrepository = \"x\"\n[project.webhook]\nprovider = \"gitea\"\nsecret-env = \"KILN_TEST_UNSET_SECRET\"\n",
    )
    .unwrap();
    let run = sandbox.kiln(&["serve", "--config", path.to_str().unwrap()]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("KILN_TEST_UNSET_SECRET is not set"),
        "{}",
        run.stderr
    );
}

#[test]
fn curl_reports_no_connection_as_status_zero() {
    // The harness's own promise, on which the shutdown test relies.
    assert_eq!(curl(&[], "http://127.0.0.1:1/").0, 0);
}

#[test]
fn a_schedule_slot_missed_while_down_is_reported_and_run_once_if_asked() {
    let sandbox = Sandbox::new();
    let repo = Repo::new(&root(&sandbox));
    let commit = repo.commit(&[("kiln.yaml", QUICK)], "quick");
    repo.push("main");
    let config = config(
        &sandbox,
        "",
        &repo.origin,
        "poll-interval = \"off\"\n\
         [[project.schedule]]\ncron = \"*/5 * * * *\"\ncatch-up = true\n\
         [[project.schedule]]\ncron = \"0 3 1 1 *\"\ntimezone = \"Europe/Berlin\"\n",
    );
    // The server ran an hour ago and a year ago: the store remembers the
    // last slot each schedule handled then.
    sandbox.kiln(&["runs"]).assert_code(0);
    let hour_ago = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64)
        - 3_600_000;
    let database = rusqlite::Connection::open(sandbox.data_dir().join("runs.db")).unwrap();
    for (key, slot) in [
        ("*/5 * * * * UTC main", hour_ago),
        (
            "0 3 1 1 * Europe/Berlin main",
            hour_ago - 2 * 366 * 86_400_000,
        ),
    ] {
        database
            .execute(
                "INSERT INTO schedule_slots (project, schedule, last_slot) VALUES ('app', ?1, ?2)",
                rusqlite::params![key, slot],
            )
            .unwrap();
    }
    drop(database);

    let server = Server::start(&sandbox, &config, &[]);
    let read = token(&sandbox, "read");
    let ended = wait_for_ended_runs(&sandbox, 1);
    let caught_up: Vec<_> = ended
        .iter()
        .filter(|run| run["trigger"] == "schedule-catch-up")
        .collect();
    assert_eq!(
        caught_up.len(),
        1,
        "one run for every missed slot: {ended:#?}"
    );
    assert_eq!(caught_up[0]["commit"], commit.as_str());
    assert_eq!(caught_up[0]["status"], "succeeded");
    let notes = server.get_json(&read, "/api/v1/projects/app")["notes"].to_string();
    assert!(notes.contains("`*/5 * * * *` missed 12 slot(s)"), "{notes}");
    assert!(
        notes.contains("`0 3 1 1 *` missed 2 slot(s) while the server was down; not run"),
        "{notes}"
    );
    assert!(server.log().contains("missed"), "{}", server.log());
}

#[test]
fn kiln_serve_without_a_config_serves_the_repository_it_stands_in() {
    let sandbox = Sandbox::new();
    let repo = Repo::new(&root(&sandbox));
    let commit = repo.commit(
        &[("kiln.yaml", READS_PUSHED), ("pushed.txt", "here")],
        "here",
    );
    let mut server = Server::spawn(&sandbox, &[], &[], &repo.work);
    let ended = wait_for_ended_runs(&sandbox, 1);
    let run = run_of(&ended, &commit);
    assert_eq!(run["status"], "succeeded", "{run:#}\n{}", server.log());
    assert_eq!(run["project"], "work");
    assert_eq!(run["trigger"], "poll");
    assert_eq!(run["ref"], "refs/heads/main");
    assert!(log_of(&sandbox, run, "read").contains("here"));
    // It ran on a clone: the working copy it stands in is untouched.
    assert_eq!(repo.status(), "");
    let detail = sandbox.json(&["show", run["id"].as_str().unwrap(), "--json"]);
    let workspace = detail["workspace"].as_str().unwrap();
    assert!(
        workspace.starts_with(sandbox.data_dir().join("serve/checkouts").to_str().unwrap()),
        "{workspace}"
    );
    assert_eq!(server.terminate(), 0);
}

#[test]
fn a_second_server_on_the_same_data_directory_is_refused() {
    let sandbox = Sandbox::new();
    let repo = Repo::new(&root(&sandbox));
    let config = config(&sandbox, "", &repo.origin, "poll-interval = \"off\"\n");
    let _server = Server::start(&sandbox, &config, &[]);
    let second = sandbox.kiln(&[
        "serve",
        "--config",
        config.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    second.assert_code(2);
    assert!(
        second
            .stderr
            .contains("another `kiln serve` uses the data directory"),
        "{}",
        second.stderr
    );
}

/// Builds, waits for `ops` to approve, then deploys with a step that fails
/// on its first attempt (and succeeds on the next).
const GATED_FLAKY: &str = "name: gated\nstages:\n  - name: build\n    actions:\n      - name: compile\n        uses: probe\n        with: { mode: sleep, ms: 1 }\n  - name: approve\n    actions:\n      - name: go-live\n        uses: approval\n        with: { timeout: 1h, approvers: [ops] }\n  - name: deploy\n    actions:\n      - name: ship\n        uses: probe\n        with: { mode: flaky, succeed-on: 2 }\n";

#[test]
fn an_approval_is_decided_through_the_api_and_a_failed_run_is_retried() {
    let sandbox = Sandbox::new();
    let repo = Repo::new(&root(&sandbox));
    repo.commit(&[("kiln.yaml", GATED_FLAKY)], "gated");
    repo.push("main");
    let config = config(&sandbox, "", &repo.origin, "poll-interval = \"off\"\n");
    let server = Server::start(&sandbox, &config, &[]);
    let ops = sandbox.kiln(&["token", "create", "--scope", "write", "--name", "ops"]);
    ops.assert_code(0);
    let ops = ops.stdout.trim().to_owned();
    let (read, dev) = (token(&sandbox, "read"), token(&sandbox, "write"));
    let post = |token: &str, path: &str, body: &str| {
        server.curl(
            &[
                "-X",
                "POST",
                "-H",
                &auth(token),
                "-H",
                "Content-Type: application/json",
                "--data",
                body,
            ],
            path,
        )
    };
    let (status, body) = post(&ops, "/api/v1/projects/app/trigger", "");
    assert_eq!(status, 202, "{body}");

    // The approval waits, and the API lists it.
    let mut pending = serde_json::Value::Null;
    wait_until("the approval is asked for", || {
        pending = server.get_json(&read, "/api/v1/approvals");
        pending.as_array().is_some_and(|list| !list.is_empty())
    });
    let run = pending[0]["run"].as_str().unwrap().to_owned();
    assert_eq!(pending[0]["action"], "go-live");
    assert_eq!(pending[0]["approvers"], serde_json::json!(["ops"]));
    let approve = format!("/api/v1/runs/{run}/actions/go-live/approve");

    // Refused: a read token; a token that is not an approver; bad bodies;
    // an action that is no approval.
    let (status, body) = post(&read, &approve, "");
    assert_eq!(status, 403, "{body}");
    let (status, body) = post(&dev, &approve, "");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("write may not decide"), "{body}");
    let (status, body) = post(&ops, &approve, "{\"comment\": 7}");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("`comment` must be a string"), "{body}");
    let (status, body) = post(&ops, &approve, "{not json");
    assert_eq!(status, 400, "{body}");
    let (status, body) = post(
        &ops,
        &format!("/api/v1/runs/{run}/actions/compile/approve"),
        "",
    );
    assert_eq!(status, 404, "{body}");

    // `kiln approve` asks the server as it asks a data directory: the
    // approver decides, with a comment; the deploy's first attempt fails,
    // so the run fails.
    let remote = ["--server", server.url.as_str(), "--token", ops.as_str()];
    let listed = sandbox.kiln(&[&["approve", "--pending"][..], &remote].concat());
    listed.assert_code(0);
    assert!(
        listed.stdout.contains(&format!("{run}  go-live")),
        "{}",
        listed.stdout
    );
    let decided = sandbox.kiln(
        &[
            &["approve", run.as_str(), "go-live", "-m", "smoke tests pass"][..],
            &remote,
        ]
        .concat(),
    );
    decided.assert_code(0);
    assert!(
        decided
            .output()
            .contains(&format!("go-live of run {run} as ops")),
        "{}",
        decided.output()
    );
    let ended = wait_for_ended_runs(&sandbox, 1);
    assert_eq!(ended[0]["status"], "failed", "{:#}", ended[0]);
    let (status, body) = post(&ops, &approve, "");
    assert_eq!(status, 409, "decided once: {body}");
    let shown = sandbox.json(&["show", &run, "--json"]);
    let gate = action_in(&shown, "go-live");
    assert_eq!(gate["approval"]["decided_by"], "ops");
    assert_eq!(gate["approval"]["comment"], "smoke tests pass");

    // Retry: the run is resumed on a fresh checkout of its commit; what
    // succeeded is kept, the deploy runs again (its attempt 2) and passes.
    let retry = format!("/api/v1/runs/{run}/retry");
    let (status, body) = post(&read, &retry, "");
    assert_eq!(status, 403, "{body}");
    let (status, body) = post(&ops, &retry, "");
    assert_eq!(status, 202, "{body}");
    wait_until("the retried run succeeds", || {
        sandbox.json(&["show", &run, "--json"])["status"] == "succeeded"
    });
    let shown = sandbox.json(&["show", &run, "--json"]);
    assert_eq!(shown["resumes"], 1, "{shown:#}");
    assert_eq!(action_in(&shown, "ship")["attempts"], 2, "{shown:#}");
    assert_eq!(action_in(&shown, "go-live")["status"], "succeeded");
    assert_eq!(runs(&sandbox).len(), 1, "a retry makes no new run");
    // A succeeded run has nothing to retry.
    let (status, body) = post(&ops, &retry, "");
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("only a failed"), "{body}");
}

#[test]
fn history_commands_read_a_server_as_they_read_a_data_directory() {
    let sandbox = Sandbox::new();
    let repo = Repo::new(&root(&sandbox));
    repo.commit(
        &[("kiln.yaml", READS_PUSHED), ("pushed.txt", "hello")],
        "one",
    );
    repo.push("main");
    let config = config(&sandbox, "", &repo.origin, "poll-interval = \"off\"\n");
    let server = Server::start(&sandbox, &config, &[]);
    let write = token(&sandbox, "write");
    let remote = ["--server", server.url.as_str(), "--token", write.as_str()];
    sandbox
        .kiln(&[&["trigger", "app"][..], &remote].concat())
        .assert_code(0);
    let ended = wait_for_ended_runs(&sandbox, 1);
    assert_eq!(ended[0]["status"], "succeeded", "{:#}", ended[0]);

    // The same command, the same answer, from the server as from the
    // data directory the server writes.
    for command in [
        &["runs", "--json"][..],
        &["show", "last", "--json"],
        &["logs", "last"],
        &["logs", "last", "read", "--json"],
        &["metrics", "--json"],
        &["show", "last"],
    ] {
        let local = sandbox.kiln(command);
        local.assert_code(0);
        let asked = sandbox.kiln(&[command, &remote[..]].concat());
        asked.assert_code(0);
        assert_eq!(asked.stdout, local.stdout, "kiln {command:?}");
    }
    let logs = sandbox.kiln(&[&["logs", "last", "read"][..], &remote].concat());
    assert!(logs.stdout.contains("hello"), "{}", logs.stdout);

    // Refusals say who refused and why.
    let missing = sandbox.kiln(&[&["show", "nosuchrun"][..], &remote].concat());
    assert_ne!(missing.code, 0);
    assert!(missing.stderr.contains("404"), "{}", missing.stderr);
    // A token in the environment (for `kiln trigger`) does not send the
    // history commands anywhere: without a server they read locally.
    let mut local = sandbox.command();
    local.args(["runs"]).env("KILN_TOKEN", &write);
    Sandbox::run_with(&mut local).assert_code(0);
    let tokenless = sandbox.kiln(&["runs", "--server", server.url.as_str()]);
    assert_ne!(tokenless.code, 0);
    assert!(
        tokenless.stderr.contains("kiln token create"),
        "{}",
        tokenless.stderr
    );
}

#[test]
fn a_project_runs_at_most_its_max_runs_at_once_and_the_rest_wait_their_turn() {
    let sandbox = Sandbox::new();
    let repo = Repo::new(&root(&sandbox));
    // Both refs are the same commit: without `cache: false` the second
    // run would reuse the first's result and never wait.
    let waits_uncached = format!("{WAITS}        cache: false\n");
    repo.commit(&[("kiln.yaml", &waits_uncached)], "waits");
    repo.push("main");
    repo.push("other");
    let config = config(
        &sandbox,
        "max-runs = 4",
        &repo.origin,
        "poll-interval = \"off\"\nmax-runs = 1\n",
    );
    let server = Server::start(&sandbox, &config, &[]);
    let write = token(&sandbox, "write");
    for git_ref in ["main", "other"] {
        let (status, body) = server.curl(
            &[
                "-X",
                "POST",
                "-H",
                &auth(&write),
                "--data",
                &format!("{{\"ref\": \"{git_ref}\"}}"),
            ],
            "/api/v1/projects/app/trigger",
        );
        assert_eq!(status, 202, "{body}");
    }
    let first = wait_for_running(&sandbox, &[]);
    // While the first runs, the second stays queued: the dispatcher has
    // looked (the first started after both were queued), and found the
    // project at its limit. Looked at a few times, it never starts.
    for _ in 0..5 {
        let queue = server.get_json(&write, "/api/v1/queue");
        let states: Vec<&str> = queue
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["state"].as_str().unwrap())
            .collect();
        assert_eq!(
            states.iter().filter(|s| **s == "queued").count(),
            1,
            "{queue:#}"
        );
        let running = runs(&sandbox)
            .iter()
            .filter(|run| run["status"] == "running")
            .count();
        assert_eq!(running, 1, "one run of the project at a time");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    release(&sandbox);
    let second = wait_for_running(&sandbox, std::slice::from_ref(&first));
    assert_ne!(second, first);
    release(&sandbox);
    let ended = wait_for_ended_runs(&sandbox, 2);
    assert!(
        ended.iter().all(|run| run["status"] == "succeeded"),
        "{ended:#?}"
    );
    let refs: std::collections::BTreeSet<&str> = ended
        .iter()
        .map(|run| run["ref"].as_str().unwrap())
        .collect();
    assert_eq!(
        refs,
        ["refs/heads/main", "refs/heads/other"]
            .into_iter()
            .collect()
    );
}
