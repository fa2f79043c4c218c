//! `kiln run` stopped by a person: Ctrl-C or `SIGTERM` cancels the run.
//! Running actions stop (the programs they started with them), nothing
//! more starts, the run is recorded `cancelled`, its sandboxes go, and
//! kiln exits 130.

mod support;

use std::process::Stdio;

use support::{Sandbox, action_in, group_members, wait_until};

/// `build` starts programs that would run for five minutes; `after`, in
/// the next stage, must never start.
const LONG_BUILD: &str = "name: long\nstages:\n  - name: build\n    actions:\n      - name: build\n        uses: probe\n        timeout: 10m\n        with: { mode: exec, program: sh, args: [\"-c\", \"echo group $$; sleep 300 & sleep 300\"] }\n        grants:\n          exec: [{ program: sh, runs: any }]\n  - name: later\n    actions:\n      - name: after\n        uses: probe\n        with: { mode: sleep, ms: 1 }\n";

/// The process group `build`'s shell printed into its log.
fn build_group(sandbox: &Sandbox) -> Option<i32> {
    let runs = sandbox.data_dir().join("runs");
    let log = std::fs::read_dir(runs)
        .ok()?
        .flatten()
        .map(|entry| entry.path().join("logs/build@1.log"))
        .find(|path| path.exists())?;
    let text = std::fs::read_to_string(log).ok()?;
    let line = text.lines().find(|line| line.contains("group "))?;
    line.rsplit(' ').next()?.parse().ok()
}

fn cancel_with(signal: libc::c_int) {
    let sandbox = Sandbox::new();
    sandbox.pipeline(LONG_BUILD);
    let kiln = sandbox
        .command()
        .args(["run", "--plain"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting kiln");
    let mut pgid = 0;
    wait_until("the build's programs are running", || {
        pgid = build_group(&sandbox).unwrap_or(0);
        pgid > 0 && group_members(pgid).len() >= 3
    });

    // SAFETY: kill(2) on the pid of a child this test started.
    assert_eq!(unsafe { libc::kill(kiln.id() as libc::pid_t, signal) }, 0);
    let output = kiln.wait_with_output().expect("kiln ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("Cancelling"), "{stderr}");

    let run = sandbox.last_run();
    assert_eq!(run["status"], "cancelled", "{run:#}");
    assert_eq!(action_in(&run, "build")["status"], "cancelled", "{run:#}");
    let after = action_in(&run, "after");
    assert_ne!(after["status"], "succeeded", "{run:#}");
    assert!(
        after["history"].as_array().is_none_or(|h| h.is_empty()),
        "{run:#}"
    );
    // The programs the action started are gone with it.
    wait_until("the build's programs are gone", || {
        group_members(pgid).is_empty()
    });
    // Its sandboxes are removed; its log is kept.
    let run_id = run["id"].as_str().unwrap();
    assert!(!sandbox.data_dir().join("work").join(run_id).exists());
    assert!(sandbox.log("build", 1).contains("group "));
}

#[test]
fn sigterm_cancels_the_run_and_stops_the_programs_its_actions_started() {
    cancel_with(libc::SIGTERM);
}

#[test]
fn ctrl_c_cancels_the_run_the_same_way() {
    cancel_with(libc::SIGINT);
}

#[test]
fn a_cancelled_run_can_be_resumed() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        "name: resumable\nstages:\n  - name: s\n    actions:\n      - name: wait\n        uses: probe\n        with: { mode: wait-for, path: /workspace/go }\n",
    );
    let kiln = sandbox
        .command()
        .args(["run", "--plain"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting kiln");
    wait_until("the action runs", || {
        sandbox
            .json(&["runs", "--json"])
            .as_array()
            .and_then(|runs| runs.first().cloned())
            .is_some_and(|run| {
                let run = sandbox.json(&["show", run["id"].as_str().unwrap(), "--json"]);
                action_in(&run, "wait")["status"] == "running"
            })
    });
    // SAFETY: kill(2) on the pid of a child this test started.
    assert_eq!(
        unsafe { libc::kill(kiln.id() as libc::pid_t, libc::SIGTERM) },
        0
    );
    let status = kiln.wait_with_output().unwrap().status;
    assert_eq!(status.code(), Some(130));
    assert_eq!(sandbox.last_run()["status"], "cancelled");

    sandbox.write("go", "");
    let resumed = sandbox.kiln(&["run", "--resume", "last", "--plain"]);
    resumed.assert_code(0);
    let run = sandbox.last_run();
    assert_eq!(run["status"], "succeeded", "{run:#}");
    assert_eq!(sandbox.runs().len(), 1, "the same run, continued");
}
