//! Hostile plugins against the exec capability: granted programs talked
//! into running other code through variables, a home or a repository of
//! the plugin's; programs reaching the network; programs outliving kiln;
//! descriptors hoarded at a neighbour's expense.

mod support;

use support::hostile::{contained, error};
use support::http_server::TestServer;
use support::{Sandbox, group_members, wait_until};

fn git_attack(variant: &str) -> String {
    format!(
        "        uses: probe\n        with: {{ mode: git-fsmonitor, variant: {variant} }}\n        grants:\n          exec:\n            - {{ program: git, args: [\"status\"] }}"
    )
}

#[test]
fn git_status_cannot_be_turned_into_a_command_through_variables() {
    let sandbox = Sandbox::new();
    let (attacker, log, _) = contained(&sandbox, &git_attack("env"));
    let message = error(&attacker);
    assert!(
        message.contains("`GIT_CONFIG_COUNT` may not be set for `git`"),
        "{message}"
    );
    assert!(
        !message.contains("pwned") && !log.contains("pwned"),
        "{log}"
    );
}

#[test]
fn git_status_cannot_be_turned_into_a_command_through_a_home_of_the_plugins() {
    let sandbox = Sandbox::new();
    let (attacker, log, _) = contained(&sandbox, &git_attack("home"));
    let message = error(&attacker);
    assert!(
        message.contains("`HOME` may not be set for `git`"),
        "{message}"
    );
    assert!(!log.contains("pwned"), "{log}");
}

#[test]
fn git_status_in_a_repository_the_plugin_planted_runs_nothing_else() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(&format!(
        "name: planted\nstages:\n  - name: s\n    actions:\n      - name: attacker\n{}\n",
        git_attack("repo")
    ));
    let run = sandbox.kiln(&["run"]);
    let attacker = sandbox.action("attacker");
    assert!(
        !error(&attacker).contains("pwned"),
        "the repository's core.fsmonitor ran: {attacker:#}"
    );
    assert_eq!(run.code, 0, "{}", run.output());
    let summary = attacker["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("nothing else ran"), "{attacker:#}");
    let log = sandbox.log("attacker", 1);
    assert!(
        log.contains("cannot exec") && log.contains("Permission denied"),
        "Landlock refused the planted command: {log}"
    );
}

#[test]
fn a_granted_program_reaches_the_network_only_when_granted() {
    let sandbox = Sandbox::new();
    let server = TestServer::start(|_, _, _| (200, vec![], "reached".into()));
    let port = server.origin().rsplit(':').next().unwrap().to_owned();
    let connect = format!(
        "exec 3<>/dev/tcp/127.0.0.1/{port}; printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3"
    );
    let action = |network: bool| {
        format!(
            "        uses: probe\n        with: {{ mode: exec, program: bash, args: [\"-c\", {connect:?}] }}\n        grants:\n          exec: [{{ program: bash, runs: any, network: {network} }}]"
        )
    };
    let (attacker, _, _) = contained(&sandbox, &action(false));
    assert!(error(&attacker).contains("bash ended with"), "{attacker:#}");
    assert_eq!(server.hits(), 0, "no connection without `network: true`");

    sandbox.pipeline(&format!(
        "name: net\nstages:\n  - name: s\n    actions:\n      - name: fetch\n{}\n",
        action(true)
    ));
    sandbox.kiln(&["run"]).assert_code(0);
    assert_eq!(server.hits(), 1, "granted, the program connects");
}

#[test]
fn programs_of_a_killed_kiln_are_gone_before_a_resume_runs_them_again() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        "name: orphans\nstages:\n  - name: s\n    actions:\n      - name: build\n        uses: probe\n        timeout: 10m\n        with: { mode: exec, program: sh, args: [\"-c\", \"if [ -e resumed ]; then echo quick; else echo group $$; sleep 300 & sleep 300; fi\"] }\n        grants:\n          exec: [{ program: sh, runs: any }]\n",
    );
    let mut kiln = sandbox
        .command()
        .args(["run"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let log_path = || {
        let runs = sandbox.data_dir().join("runs");
        std::fs::read_dir(&runs)
            .ok()?
            .flatten()
            .map(|e| e.path().join("logs/build@1.log"))
            .find(|p| p.exists())
    };
    let mut pgid = 0;
    wait_until("the action printed its group", || {
        let Some(text) = log_path().and_then(|p| std::fs::read_to_string(p).ok()) else {
            return false;
        };
        let Some(line) = text.lines().find(|l| l.contains("group ")) else {
            return false;
        };
        pgid = line.rsplit(' ').next().unwrap().parse().unwrap();
        group_members(pgid).len() >= 3
    });
    // kill -9: no cleanup of its own can run.
    kiln.kill().unwrap();
    kiln.wait().unwrap();
    // The kernel ends the group's leader with kiln; its children go on
    // until the next kiln finds the run dead.
    wait_until("the leader died with kiln", || {
        group_members(pgid).len() <= 2
    });

    // The resumed attempt is quick this time; kiln must have ended the
    // first attempt's programs before it started.
    sandbox.write("resumed", "");
    let resumed = sandbox.kiln(&["run", "--resume", "last"]);
    assert_eq!(resumed.code, 0, "{}", resumed.output());
    assert!(
        group_members(pgid).is_empty(),
        "the first attempt's programs outlived their kiln: {:?}",
        group_members(pgid)
    );
}

#[test]
fn a_program_cannot_leave_its_process_group() {
    let sandbox = Sandbox::new();
    // `setsid` would start a new session, out of reach of the group kill.
    sandbox.pipeline(
        "name: escape\nstages:\n  - name: s\n    actions:\n      - name: daemon\n        uses: probe\n        with: { mode: exec, program: sh, args: [\"-c\", \"setsid sleep 301 & echo started; sleep 0.5\"] }\n        grants:\n          exec: [{ program: sh, runs: any }]\n",
    );
    let before = sleepers();
    sandbox.kiln(&["run"]);
    let escaped: Vec<i32> = sleepers()
        .into_iter()
        .filter(|pid| !before.contains(pid))
        .collect();
    for pid in &escaped {
        // SAFETY: plain integers; cleaning up after a failed assertion.
        unsafe { libc::kill(*pid, libc::SIGKILL) };
    }
    assert!(escaped.is_empty(), "`setsid sleep 301` outlived its action");
}

/// Pids of `sleep 301` processes on this machine.
fn sleepers() -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmd| cmd == b"sleep\x00301\x00")
        })
        .collect()
}

#[test]
fn a_plugin_hoarding_descriptors_fails_alone() {
    let sandbox = Sandbox::new();
    let (attacker, _, _) = contained(
        &sandbox,
        "        uses: probe\n        with: { mode: hog-files, count: 100000 }",
    );
    assert!(
        error(&attacker).contains("more than limits.files (1024) handles"),
        "{attacker:#}"
    );
}

#[test]
fn limits_files_bounds_a_granted_programs_descriptors_too() {
    let sandbox = Sandbox::new();
    sandbox.pipeline(
        "name: fds\nstages:\n  - name: s\n    actions:\n      - name: ulimit\n        uses: probe\n        limits: { files: 64 }\n        with: { mode: exec, program: sh, args: [\"-c\", \"test $(ulimit -n) -le 64\"] }\n        grants:\n          exec: [sh]\n",
    );
    let run = sandbox.kiln(&["run"]);
    assert_eq!(run.code, 0, "{}", run.output());
}
