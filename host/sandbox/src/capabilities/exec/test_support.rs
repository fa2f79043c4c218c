//! Helpers shared by the tests that run real processes.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{
    ExecError, ExecGrant, ExecMount, ExecOutcome, ExecPolicy, ExecRequest, Runs, SpawnOptions,
    Stream, run,
};

/// A grant of `program` with any arguments that may run anything (the
/// scripts of these tests call `sleep`, `ls`, `cat`).
pub(super) fn runs_any(program: &str) -> ExecGrant {
    ExecGrant::any_args(program).runs(Runs::Any)
}

/// A line as the callback saw it, with when it arrived.
#[derive(Debug, Clone)]
pub(super) struct SeenLine {
    pub stream: Stream,
    pub text: String,
    pub at: Instant,
}

pub(super) fn search_path() -> Vec<PathBuf> {
    vec![PathBuf::from("/usr/bin"), PathBuf::from("/bin")]
}

/// A policy searching `/usr/bin:/bin`. Without a `/workspace` among
/// `mounts`, the system temp directory is mounted there read-only, because
/// every run needs a working directory.
pub(super) fn policy(grants: Vec<ExecGrant>, mut mounts: Vec<ExecMount>) -> ExecPolicy {
    if !mounts.iter().any(|mount| mount.guest == "/workspace") {
        mounts.push(workspace(&std::env::temp_dir(), false));
    }
    ExecPolicy {
        grants,
        search_path: search_path(),
        mounts,
        ..ExecPolicy::default()
    }
}

pub(super) fn workspace(host: &Path, writable: bool) -> ExecMount {
    ExecMount {
        guest: "/workspace".into(),
        host: host.to_path_buf(),
        writable,
    }
}

pub(super) fn request(program: &str, args: &[&str]) -> ExecRequest {
    ExecRequest {
        program: program.into(),
        args: args.iter().map(|arg| arg.to_string()).collect(),
        ..ExecRequest::default()
    }
}

/// Runs `request` and returns its result, every line seen, and when the
/// run returned.
pub(super) async fn run_collecting(
    policy: &ExecPolicy,
    request: ExecRequest,
    timeout: Duration,
) -> (Result<ExecOutcome, ExecError>, Vec<SeenLine>, Instant) {
    let mut lines = Vec::new();
    let result = run(
        policy,
        request,
        &SpawnOptions::default(),
        |stream, text| {
            lines.push(SeenLine {
                stream,
                text: text.to_owned(),
                at: Instant::now(),
            })
        },
        timeout,
    )
    .await;
    (result, lines, Instant::now())
}

pub(super) fn texts(lines: &[SeenLine], stream: Stream) -> Vec<String> {
    lines
        .iter()
        .filter(|line| line.stream == stream)
        .map(|line| line.text.clone())
        .collect()
}

/// Makes this test process the reaper of orphaned descendants.
///
/// Killed grandchildren are reparented to init, which reaps them; in a
/// minimal container PID 1 may not, leaving zombies that still count as
/// members of their process group. As subreaper the test receives them and
/// can reap them itself (see [`assert_group_gone`]).
pub(super) fn become_subreaper() {
    // SAFETY: plain integer arguments; only sets a flag of this process.
    let result = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    assert_eq!(result, 0, "prctl(PR_SET_CHILD_SUBREAPER)");
}

/// Waits (up to 5 s) until no process of group `pgid` exists:
/// `kill(-pgid, 0)` fails with ESRCH. Reaps the group's orphans that were
/// reparented to this process meanwhile.
pub(super) fn assert_group_gone(pgid: libc::pid_t) {
    let give_up = Instant::now() + Duration::from_secs(5);
    loop {
        // SAFETY: plain integer arguments and a null status pointer, which
        // waitpid accepts.
        while unsafe { libc::waitpid(-pgid, std::ptr::null_mut(), libc::WNOHANG) } > 0 {}
        // SAFETY: signal 0 only checks for existence.
        if unsafe { libc::kill(-pgid, 0) } == -1 {
            let error = std::io::Error::last_os_error();
            assert_eq!(
                error.raw_os_error(),
                Some(libc::ESRCH),
                "kill(-{pgid}, 0): {error}"
            );
            return;
        }
        assert!(
            Instant::now() < give_up,
            "process group {pgid} still has processes 5 s after the kill"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
