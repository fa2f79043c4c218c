//! The `Host` library API, the one composition root every front end (the
//! CLI, a server, a worker) opens: runs started side by side in one
//! process, a run cancelled while the others go on, events that are plain
//! data.

mod support;

use std::path::Path;
use std::time::Duration;

use kiln::model::event::Event;
use kiln::model::status::Status;
use kiln::{Host, HostConfig, RunHandle, RunRequest};
use support::Sandbox;
use tokio::sync::mpsc::UnboundedReceiver;

/// One action that waits until the file `go` appears in its workspace.
const WAITS_FOR_GO: &str = "name: waits\nstages:\n  - name: s\n    actions:\n      - name: wait\n        uses: probe\n        with: { mode: wait-for, path: /workspace/go }\n";

fn open_host(data: &Path) -> Host {
    let mut config = HostConfig::new(data);
    config.plugin_path = vec![support::plugins_dir()];
    config.compiled_dir = Some(support::target_dir().join("kiln-test-compiled"));
    Host::open(config).expect("opening the host")
}

async fn start(host: &Host, sandbox: &Sandbox) -> (RunHandle, UnboundedReceiver<Event>) {
    let mut handle = host
        .start_run(RunRequest::new(sandbox.pipeline(WAITS_FOR_GO)))
        .await
        .expect("starting the run");
    let events = handle.events().expect("a new run's events");
    (handle, events)
}

/// Receive events until the action `wait` has started, and return them.
async fn until_started(events: &mut UnboundedReceiver<Event>) -> Vec<Event> {
    let mut seen = Vec::new();
    let started = async {
        while let Some(event) = events.recv().await {
            let done = matches!(&event, Event::ActionStarted { action, .. } if action == "wait");
            seen.push(event);
            if done {
                return;
            }
        }
        panic!("the run ended before its action started: {seen:?}");
    };
    tokio::time::timeout(Duration::from_secs(120), started)
        .await
        .expect("the action started within two minutes");
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_go_on_at_once_in_one_process_and_a_third_is_cancelled() {
    let data = tempfile::tempdir().unwrap();
    let host = open_host(data.path());
    let (one, two, three) = (Sandbox::new(), Sandbox::new(), Sandbox::new());
    let (first, mut first_events) = start(&host, &one).await;
    let (second, mut second_events) = start(&host, &two).await;
    let (third, mut third_events) = start(&host, &three).await;

    // All three actions are running at the same time in this process.
    let seen = until_started(&mut first_events).await;
    until_started(&mut second_events).await;
    until_started(&mut third_events).await;
    assert!(matches!(&seen[0], Event::RunStarted { run_id, .. } if run_id == first.run_id()));

    let cancelled_id = third.run_id().to_owned();
    third.cancel();
    let cancelled = third.wait().await.expect("the cancelled run ends");
    assert_eq!(cancelled.status, Status::Cancelled);
    assert_eq!(cancelled.actions["wait"].status, Status::Cancelled);
    // The other two did not notice.
    for run in [&first, &second] {
        assert_eq!(
            host.history().status(run.run_id()).unwrap(),
            Status::Running
        );
    }

    one.write("go", "");
    two.write("go", "");
    for run in [first, second] {
        let report = run.wait().await.expect("the run ends");
        assert_eq!(report.status, Status::Succeeded, "{report:?}");
    }

    // The history says what happened, and the cancelled run left nothing
    // behind in the work directory.
    let record = host.history().show(&cancelled_id).unwrap();
    assert_eq!(record.summary.status, Status::Cancelled);
    assert!(!data.path().join("work").join(&cancelled_id).exists());
    let runs = host.history().list_runs(None, 10).unwrap();
    assert_eq!(runs.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_plain_data_that_name_logs_by_run_action_and_attempt() {
    let data = tempfile::tempdir().unwrap();
    let host = open_host(data.path());
    let sandbox = Sandbox::new();
    sandbox.write("go", "");
    let (run, mut events) = start(&host, &sandbox).await;
    let run_id = run.run_id().to_owned();
    run.wait().await.expect("the run ends");
    let mut finished = None;
    while let Ok(event) = events.try_recv() {
        // Every event survives a trip through JSON (a server streams them,
        // a worker sends them home) and carries no host path.
        let json = serde_json::to_string(&event).unwrap();
        assert!(!json.contains(&data.path().display().to_string()), "{json}");
        let back: Event = serde_json::from_str(&json).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
        if let Event::ActionFinished { log, .. } = event {
            finished = log;
        }
    }
    let log = finished.expect("the finished action names its log");
    assert_eq!(
        (log.run_id.as_str(), log.action.as_str(), log.attempt),
        (run_id.as_str(), "wait", 1)
    );
    let path = host
        .history()
        .log_path(&log.run_id, &log.action, log.attempt);
    assert!(path.is_file(), "{}", path.display());
}

/// A long-lived host (a server) optimizes in its own process: the plugin
/// starts on baseline code, a thread compiles Cranelift's code into the
/// compiled cache, and the next load uses it, while runs keep working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_host_moves_a_plugin_to_optimized_code_in_its_own_process() {
    use kiln::sandbox::{Tier, Tiering};
    let data = tempfile::tempdir().unwrap();
    let mut config = HostConfig::new(data.path());
    config.plugin_path = vec![support::plugins_dir()];
    config.compiled_dir = Some(data.path().join("own-compiled"));
    // Every plugin counts as large here, so the small probe tiers too.
    config.tiering = Tiering {
        baseline_min_bytes: 0,
        ..Tiering::in_process()
    };
    let host = Host::open(config).expect("opening the host");
    let probe = support::plugin("probe");

    let first = host.runtime().load(&probe).await.unwrap();
    assert_eq!(first.tier, Tier::Baseline);
    let sandbox = Sandbox::new();
    sandbox.write("go", "");
    let report = host
        .start_run(RunRequest::new(sandbox.pipeline(WAITS_FOR_GO)))
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
    assert_eq!(report.status, Status::Succeeded, "baseline code runs");

    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    loop {
        let loaded = host.runtime().load(&probe).await.unwrap();
        if loaded.tier == Tier::Optimized {
            assert_eq!(loaded.digest, first.digest);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no optimized code after 300 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
