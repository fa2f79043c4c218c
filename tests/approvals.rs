//! Approvals: an action (`uses: approval`) that holds its stage until a
//! person decides. The run waits in a process of its own (the `Host`, as
//! a server runs it); people decide with the real `kiln approve`.

mod support;

use std::time::Duration;

use kiln::model::event::Event;
use kiln::model::status::Status;
use kiln::{Host, HostConfig, RunHandle, RunRequest};
use support::{Sandbox, action_in};
use tokio::sync::mpsc::UnboundedReceiver;

/// Build, a gate only alice or bob may open, then a deploy.
fn gated(timeout: &str) -> String {
    format!(
        "name: gated\nstages:\n  - name: build\n    actions:\n      - name: build\n        uses: probe\n        with: {{ mode: sleep, ms: 1 }}\n  - name: approve\n    actions:\n      - name: go-live\n        uses: approval\n        with: {{ timeout: {timeout}, approvers: [alice, bob] }}\n  - name: deploy\n    actions:\n      - name: deploy\n        uses: probe\n        with: {{ mode: sleep, ms: 1 }}\n"
    )
}

fn open_host(sandbox: &Sandbox) -> Host {
    let mut config = HostConfig::new(sandbox.data_dir());
    config.plugin_path = vec![support::plugins_dir()];
    config.compiled_dir = Some(support::target_dir().join("kiln-test-compiled"));
    Host::open(config).expect("opening the host")
}

async fn start(
    host: &Host,
    sandbox: &Sandbox,
    yaml: &str,
) -> (RunHandle, UnboundedReceiver<Event>) {
    let mut run = host
        .start_run(RunRequest::new(sandbox.pipeline(yaml)))
        .await
        .expect("starting the run");
    let events = run.events().expect("events");
    (run, events)
}

/// Wait for the approval to be asked for.
async fn until_waiting(events: &mut UnboundedReceiver<Event>) -> Vec<String> {
    let waiting = async {
        while let Some(event) = events.recv().await {
            if let Event::ApprovalRequested { approvers, .. } = event {
                return approvers;
            }
        }
        panic!("the run ended without asking for approval");
    };
    tokio::time::timeout(Duration::from_secs(120), waiting)
        .await
        .expect("the approval was asked for within two minutes")
}

/// `kiln approve` in a process of its own, on the run's data directory.
async fn approve(sandbox: &Sandbox, args: &[&str]) -> support::Run {
    let mut command = sandbox.command();
    command.arg("approve").args(args);
    tokio::task::spawn_blocking(move || Sandbox::run_with(&mut command))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approver_lets_the_deploy_go_on_and_the_decision_is_kept() {
    let sandbox = Sandbox::new();
    let host = open_host(&sandbox);
    let (run, mut events) = start(&host, &sandbox, &gated("1h")).await;
    assert_eq!(until_waiting(&mut events).await, ["alice", "bob"]);
    let id = run.run_id().to_owned();
    assert_eq!(
        host.history().status(&id).unwrap(),
        Status::Running,
        "the run waits"
    );
    let listed = approve(&sandbox, &["--pending"]).await;
    assert!(listed.stdout.contains("go-live"), "{}", listed.output());

    // Only a listed approver decides.
    let mallory = approve(&sandbox, &[&id, "go-live", "--as", "mallory"]).await;
    mallory.assert_code(2);
    assert!(
        mallory.stderr.contains("mallory may not decide"),
        "{}",
        mallory.output()
    );
    approve(
        &sandbox,
        &[&id, "go-live", "--as", "alice", "-m", "smoke tests pass"],
    )
    .await
    .assert_code(0);
    let report = run.wait().await.unwrap();
    assert_eq!(report.status, Status::Succeeded, "{report:?}");

    // Decided once: a second decision is refused.
    let again = approve(&sandbox, &[&id, "go-live", "--as", "bob", "--reject"]).await;
    again.assert_code(2);
    assert!(again.stderr.contains("not waiting"), "{}", again.output());

    let shown = sandbox.last_run();
    let gate = action_in(&shown, "go-live");
    assert_eq!(gate["status"], "succeeded");
    assert_eq!(gate["summary"], "approved by alice: smoke tests pass");
    assert_eq!(gate["approval"]["decision"], "approved");
    assert_eq!(gate["approval"]["decided_by"], "alice");
    assert_eq!(gate["approval"]["comment"], "smoke tests pass");
    assert_eq!(action_in(&shown, "deploy")["status"], "succeeded");
    let text = sandbox.kiln(&["show", "last"]);
    assert!(
        text.stdout.contains("approved by alice"),
        "{}",
        text.output()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_fails_the_stage_and_nothing_after_it_runs() {
    let sandbox = Sandbox::new();
    let host = open_host(&sandbox);
    let (run, mut events) = start(&host, &sandbox, &gated("1h")).await;
    until_waiting(&mut events).await;
    let id = run.run_id().to_owned();
    approve(
        &sandbox,
        &[
            &id,
            "go-live",
            "--as",
            "bob",
            "--reject",
            "-m",
            "not on a Friday",
        ],
    )
    .await
    .assert_code(0);
    let report = run.wait().await.unwrap();
    assert_eq!(report.status, Status::Failed);
    let shown = sandbox.last_run();
    assert_eq!(
        action_in(&shown, "go-live")["error"],
        "rejected by bob: not on a Friday"
    );
    assert_ne!(action_in(&shown, "deploy")["status"], "succeeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_decision_in_time_fails_the_approval() {
    let sandbox = Sandbox::new();
    let host = open_host(&sandbox);
    let (run, mut events) = start(&host, &sandbox, &gated("1s")).await;
    until_waiting(&mut events).await;
    let report = run.wait().await.unwrap();
    assert_eq!(report.status, Status::Failed);
    let shown = sandbox.last_run();
    assert_eq!(
        action_in(&shown, "go-live")["error"],
        "no decision within 1s"
    );
    let late = approve(&sandbox, &["last", "go-live", "--as", "alice"]).await;
    late.assert_code(2);
}

#[test]
fn kiln_run_without_a_terminal_fails_the_approval_and_says_how_to_wait() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(&gated("7d"));
    let run = sandbox.kiln(&["run", "--plain"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("no terminal to ask") && run.stderr.contains("kiln serve"),
        "{}",
        run.output()
    );
    let shown = sandbox.last_run();
    assert_eq!(action_in(&shown, "go-live")["status"], "failed");
    assert_ne!(action_in(&shown, "deploy")["status"], "succeeded");
}

#[test]
fn a_malformed_approval_is_refused_at_its_line() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        "name: bad\nstages:\n  - name: approve\n    actions:\n      - name: gate\n        uses: approval\n        with: { timeout: soon, approvers: [\"al ice\"] }\n        outputs: [x]\n",
    );
    let validate = sandbox.kiln(&["validate"]);
    validate.assert_code(2);
    let text = validate.output();
    assert!(text.contains("kiln.yaml:7"), "{text}");
    assert!(text.contains("`soon` is not a duration"), "{text}");
    assert!(text.contains("`al ice` is not a name"), "{text}");
    assert!(text.contains("kiln.yaml:8"), "{text}");
    assert!(text.contains("takes no `outputs`"), "{text}");
}
