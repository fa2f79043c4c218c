//! Running a granted program: environment, process group, Landlock, output
//! streaming and the timeout.

use std::fmt;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};
use tokio::time::{Instant, sleep_until};

use super::environment::child_env;
use super::landlock::{ChildSandbox, Confinement, ConfinementError};
use super::policy::{ExecDenied, ExecPolicy};
use kiln_model::mask::{Masker, StreamMasker};
use kiln_model::process::ProcessLedger;

/// How long output is still read after the child exited (or was killed)
/// and the rest of its process group was killed.
const DRAIN_AFTER_EXIT: Duration = Duration::from_secs(2);

/// What a timeout too large for the clock stands for: a century.
const NO_TIMEOUT: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// A plugin's request to run a program.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecRequest {
    /// A bare program name, checked against the grants.
    pub program: String,
    pub args: Vec<String>,
    /// Variables the plugin asks for; each must be allowed by the grant
    /// (see [`environment`](super::environment)).
    pub env: Vec<(String, String)>,
    /// The working directory as a sandbox path; `/workspace` when `None`.
    pub cwd: Option<String>,
}

/// Which output stream of the child a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl fmt::Display for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        })
    }
}

/// How the child ended: an exit code, or the signal that killed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitStatus {
    pub code: Option<i32>,
    pub signal: Option<i32>,
}

impl ExitStatus {
    /// Exit code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

impl From<std::process::ExitStatus> for ExitStatus {
    fn from(status: std::process::ExitStatus) -> Self {
        use std::os::unix::process::ExitStatusExt;
        ExitStatus {
            code: status.code(),
            signal: status.signal(),
        }
    }
}

impl fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code, self.signal) {
            (Some(code), _) => write!(f, "exit code {code}"),
            (None, Some(signal)) => write!(f, "killed by signal {signal}"),
            (None, None) => f.write_str("unknown exit status"),
        }
    }
}

/// What a completed run reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExecOutcome {
    pub status: ExitStatus,
    /// How far Landlock confined this child; kiln logs it with the run.
    pub confinement: Confinement,
}

/// Why a run failed. Every variant names the program.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// Refused before anything was spawned.
    #[error(transparent)]
    Denied(#[from] ExecDenied),
    #[error("cannot prepare the sandbox of `{program}`: {source}")]
    Confinement {
        program: String,
        #[source]
        source: ConfinementError,
    },
    #[error("cannot start `{program}` ({}): {source}", .path.display())]
    Spawn {
        program: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("reading the {stream} of `{program}` failed: {source}")]
    Read {
        program: String,
        stream: Stream,
        #[source]
        source: std::io::Error,
    },
    #[error("waiting for `{program}` failed: {source}")]
    Wait {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{program}` timed out after {timeout:?}; it was killed with its whole process group")]
    TimedOut { program: String, timeout: Duration },
}

/// What [`run`] needs besides the policy and the request.
#[derive(Debug, Clone)]
pub struct SpawnOptions {
    /// Masks secrets in the child's output, and decides where its lines
    /// are cut (never inside a secret).
    pub masker: Masker,
    /// Where the child's process group is recorded while it runs, so that
    /// a later kiln can end it if this one dies.
    pub ledger: Option<std::sync::Arc<dyn ProcessLedger>>,
    /// The child's open-file limit (`limits.files`).
    pub open_files: u32,
}

impl Default for SpawnOptions {
    fn default() -> Self {
        Self {
            masker: Masker::default(),
            ledger: None,
            open_files: crate::budget::Limits::DEFAULT.files,
        }
    }
}

/// Runs a granted program to completion, streaming its output.
///
/// - The request is checked against `policy` first ([`ExecPolicy::check`],
///   [`ExecPolicy::working_dir`], and the variables it asks for, see
///   [`environment`](super::environment)); a denied request spawns
///   nothing.
/// - The environment is built by kiln ([`child_env`]): `PATH`, an empty
///   `HOME`, `TMPDIR`, the pipeline's variables, then the variables the
///   plugin asked for that its grant allows.
/// - stdin is `/dev/null`. stdout and stderr are read concurrently, made
///   plain and masked as they arrive, and each line is given to `on_line`
///   as soon as it is complete (a long line in pieces, never cut inside a
///   secret).
/// - The child leads a new process group it cannot leave (seccomp refuses
///   `setsid` and `setpgid`), is killed by the kernel if kiln dies, and is
///   recorded in `options.ledger` while it runs. When it exits, the rest
///   of the group (background processes it left behind) is killed, so
///   nothing it started outlives the call. On timeout, or if this future
///   is dropped, the whole group is killed with `SIGKILL`.
/// - Its files, execution, TCP and signals are confined by Landlock where
///   the kernel supports it (see [the `landlock` module](super::landlock));
///   the outcome says how far.
///
/// Limits: killed grandchildren are reaped by init or the nearest
/// subreaper, so kiln running as PID 1 of a container needs an init.
pub async fn run(
    policy: &ExecPolicy,
    request: ExecRequest,
    options: &SpawnOptions,
    mut on_line: impl FnMut(Stream, &str) + Send,
    timeout: Duration,
) -> Result<ExecOutcome, ExecError> {
    // `Duration::MAX` means no timeout; it must not overflow the clock.
    let deadline = Instant::now()
        .checked_add(timeout)
        .unwrap_or_else(|| Instant::now() + NO_TIMEOUT);
    let program = request.program;
    let permit = policy.check(&program, &request.args)?;
    let search_path: Vec<&std::path::Path> = policy.search_dirs().collect();
    let env = child_env(
        &policy.env,
        &search_path,
        &program,
        &permit.grants,
        &request.env,
    )?;
    let working_dir = policy.working_dir(request.cwd.as_deref())?;
    let confinement_error = |source| ExecError::Confinement {
        program: program.clone(),
        source,
    };
    let sandbox = ChildSandbox::prepare(policy, &permit, options.open_files.max(16))
        .map_err(confinement_error)?;
    let program_path = permit.program_path.clone();

    let mut command = Command::new(&program_path);
    // The bare name, as a shell would pass it: multi-call binaries such as
    // rustup's proxies (`cargo` -> `rustup`) dispatch on `argv[0]`.
    command
        .arg0(&program)
        .args(&request.args)
        .env_clear()
        .envs(env)
        .current_dir(&working_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let report = sandbox.install(&mut command).map_err(confinement_error)?;

    let mut child = command.spawn().map_err(|source| ExecError::Spawn {
        program: program.clone(),
        path: program_path.clone(),
        source,
    })?;
    // From here on, leaving this function by any path, including the
    // future being dropped, kills the group.
    let mut group = ProcessGroup::of(&child, options.ledger.clone());
    drop(command);
    let confinement = report.read();

    let status = stream_until_exit(
        &program,
        &mut child,
        &mut group,
        &options.masker,
        &mut on_line,
        deadline,
    )
    .await
    .map_err(|error| match error {
        StreamError::TimedOut => ExecError::TimedOut {
            program: program.clone(),
            timeout,
        },
        StreamError::Other(error) => error,
    })?;
    Ok(ExecOutcome {
        status,
        confinement,
    })
}

enum StreamError {
    TimedOut,
    Other(ExecError),
}

/// Delivers the child's output until it exits and its pipes close, or
/// until `deadline`, when the group is killed.
///
/// After the exit or the kill, output still buffered in the pipes is
/// delivered (the last lines before a hang are the ones worth reading),
/// for at most [`DRAIN_AFTER_EXIT`]: only a process that left the group can
/// keep the pipes open that long, and it is not waited for.
async fn stream_until_exit(
    program: &str,
    child: &mut Child,
    group: &mut ProcessGroup,
    masker: &Masker,
    on_line: &mut (impl FnMut(Stream, &str) + Send),
    deadline: Instant,
) -> Result<ExitStatus, StreamError> {
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let (mut stdout_lines, mut stderr_lines) = (
        StreamMasker::new(masker.clone()),
        StreamMasker::new(masker.clone()),
    );
    let (mut stdout_chunk, mut stderr_chunk) = ([0u8; 8192], [0u8; 8192]);
    let (mut stdout_open, mut stderr_open) = (true, true);
    let mut exit: Option<ExitStatus> = None;
    let mut timed_out = false;
    let mut drain_deadline: Option<Instant> = None;
    let read_error = |stream, source| {
        StreamError::Other(ExecError::Read {
            program: program.to_owned(),
            stream,
            source,
        })
    };

    while exit.is_none() || stdout_open || stderr_open {
        // Not `biased`: a child flooding one stream must not starve the
        // other stream or the timeout.
        tokio::select! {
            read = stdout.read(&mut stdout_chunk), if stdout_open => match read {
                Ok(0) => stdout_open = false,
                Ok(n) => for line in stdout_lines.push(&stdout_chunk[..n]) {
                    on_line(Stream::Stdout, &line);
                },
                Err(source) => return Err(read_error(Stream::Stdout, source)),
            },
            read = stderr.read(&mut stderr_chunk), if stderr_open => match read {
                Ok(0) => stderr_open = false,
                Ok(n) => for line in stderr_lines.push(&stderr_chunk[..n]) {
                    on_line(Stream::Stderr, &line);
                },
                Err(source) => return Err(read_error(Stream::Stderr, source)),
            },
            status = child.wait(), if exit.is_none() => {
                let status = status.map_err(|source| StreamError::Other(ExecError::Wait {
                    program: program.to_owned(),
                    source,
                }))?;
                // Background processes the child left behind would keep
                // running, and keep the pipes open: end them now.
                group.kill();
                exit = Some(status.into());
                drain_deadline.get_or_insert(Instant::now() + DRAIN_AFTER_EXIT);
            },
            () = sleep_until(deadline), if exit.is_none() && !timed_out => {
                timed_out = true;
                group.kill();
                // In case the child moved itself to another group.
                let _ = child.start_kill();
                drain_deadline = Some(Instant::now() + DRAIN_AFTER_EXIT);
            },
            () = sleep_until(drain_deadline.unwrap_or(deadline)), if drain_deadline.is_some() => {
                break;
            },
        }
    }
    if let Some(line) = stdout_lines.finish() {
        on_line(Stream::Stdout, &line);
    }
    if let Some(line) = stderr_lines.finish() {
        on_line(Stream::Stderr, &line);
    }
    match exit {
        Some(status) if !timed_out => Ok(status),
        _ => Err(StreamError::TimedOut),
    }
}

/// The child's process group, killed once with `SIGKILL`: explicitly, or
/// when this guard is dropped (which is what happens to everything still
/// running when the future of [`run`] is dropped mid-way). While it lives,
/// the group is recorded in the ledger.
struct ProcessGroup {
    /// The child's pid, which `process_group(0)` made the group's id.
    pgid: Option<libc::pid_t>,
    ledger: Option<std::sync::Arc<dyn ProcessLedger>>,
}

impl ProcessGroup {
    fn of(child: &Child, ledger: Option<std::sync::Arc<dyn ProcessLedger>>) -> ProcessGroup {
        let pgid = child
            .id()
            .and_then(|pid| libc::pid_t::try_from(pid).ok())
            .filter(|pid| *pid > 1);
        if let (Some(pgid), Some(ledger)) = (pgid, &ledger) {
            ledger.record(pgid);
        }
        ProcessGroup { pgid, ledger }
    }

    /// Kills every process still in the group, once. Killing only once
    /// keeps the window in which the group id could name a different,
    /// newer group (after everything in it was reaped and the pid reused)
    /// to the moment right after the child's exit, where it is negligible.
    fn kill(&mut self) {
        if let Some(pgid) = self.pgid.take() {
            // SAFETY: `killpg` takes plain integers; a group that no longer
            // exists yields ESRCH, which is the desired outcome anyway.
            unsafe { libc::killpg(pgid, libc::SIGKILL) };
            if let Some(ledger) = &self.ledger {
                ledger.forget(pgid);
            }
        }
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant as StdInstant;

    use super::super::ExecGrant;
    use super::super::landlock::landlock_support;
    use super::super::test_support::*;
    use super::*;
    use kiln_model::grants::ArgPattern;

    const PATIENCE: Duration = Duration::from_secs(20);

    #[tokio::test]
    async fn a_granted_program_streams_both_streams_in_order() {
        let policy = policy(vec![runs_any("sh")], Vec::new());
        // The pauses make the order across the two pipes observable.
        let script = "echo one; sleep 0.3; echo two >&2; sleep 0.3; echo three; sleep 0.3; \
                      printf 'four' >&2";
        let (result, lines, _) =
            run_collecting(&policy, request("sh", &["-c", script]), PATIENCE).await;
        let outcome = result.unwrap();
        assert!(outcome.status.success(), "{}", outcome.status);
        let seen: Vec<(Stream, &str)> = lines
            .iter()
            .map(|line| (line.stream, line.text.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                (Stream::Stdout, "one"),
                (Stream::Stderr, "two"),
                (Stream::Stdout, "three"),
                (Stream::Stderr, "four"),
            ]
        );
    }

    #[tokio::test]
    async fn lines_are_delivered_before_the_child_exits() {
        let policy = policy(vec![runs_any("sh")], Vec::new());
        let started = StdInstant::now();
        let (result, lines, returned) = run_collecting(
            &policy,
            request("sh", &["-c", "echo first; sleep 1; echo second"]),
            PATIENCE,
        )
        .await;
        result.unwrap();
        assert_eq!(texts(&lines, Stream::Stdout), ["first", "second"]);
        let first = lines[0].at;
        assert!(
            returned.duration_since(first) >= Duration::from_millis(500),
            "first line came {:?} after the start and only {:?} before the end",
            first.duration_since(started),
            returned.duration_since(first)
        );
    }

    #[tokio::test]
    async fn an_ungranted_program_is_refused_without_spawning() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("marker");
        let policy = policy(vec![runs_any("sh")], Vec::new());
        let (result, lines, _) = run_collecting(
            &policy,
            request("touch", &[marker.to_str().unwrap()]),
            PATIENCE,
        )
        .await;
        let error = result.unwrap_err();
        assert_eq!(
            error.to_string(),
            "exec of `touch` is not granted; granted programs: sh"
        );
        assert!(lines.is_empty());
        assert!(!marker.exists(), "the refused program ran");
    }

    #[tokio::test]
    async fn a_program_path_is_refused_without_spawning() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("marker");
        let policy = policy(vec![runs_any("touch")], Vec::new());
        let (result, _, _) = run_collecting(
            &policy,
            request("/usr/bin/touch", &[marker.to_str().unwrap()]),
            PATIENCE,
        )
        .await;
        assert!(
            matches!(
                result,
                Err(ExecError::Denied(ExecDenied::NotBareName { .. }))
            ),
            "{result:?}"
        );
        assert!(!marker.exists(), "the refused program ran");
    }

    #[tokio::test]
    async fn arguments_are_checked_against_the_patterns() {
        let patterns = ["hello *", "log --oneline **"]
            .iter()
            .map(|text| ArgPattern::parse(text).unwrap())
            .collect();
        let policy = policy(vec![ExecGrant::with_patterns("echo", patterns)], Vec::new());
        let cases: &[(&[&str], bool)] = &[
            (&["hello", "world"], true),
            (&["hello", "two words"], true),
            (&["hello"], false),
            (&["hello", "a", "b"], false),
            (&["log", "--oneline"], true),
            (&["log", "--oneline", "-n", "3"], true),
            (&["log", "-p"], false),
            (&["push", "origin", "main"], false),
        ];
        for (args, allowed) in cases {
            let (result, lines, _) = run_collecting(&policy, request("echo", args), PATIENCE).await;
            if *allowed {
                assert!(result.unwrap().status.success());
                assert_eq!(texts(&lines, Stream::Stdout), [args.join(" ")]);
            } else {
                let error = result.unwrap_err();
                assert!(
                    matches!(error, ExecError::Denied(ExecDenied::ArgsNotGranted { .. })),
                    "{args:?}: {error}"
                );
                assert!(
                    error
                        .to_string()
                        .ends_with("(granted: `hello *`, `log --oneline **`)"),
                    "{error}"
                );
            }
        }
    }

    #[tokio::test]
    async fn exit_codes_and_signals_are_reported() {
        let policy = policy(vec![runs_any("sh")], Vec::new());
        let (result, _, _) =
            run_collecting(&policy, request("sh", &["-c", "exit 3"]), PATIENCE).await;
        let status = result.unwrap().status;
        assert_eq!(
            status,
            ExitStatus {
                code: Some(3),
                signal: None
            }
        );
        assert_eq!(status.to_string(), "exit code 3");
        let (result, _, _) =
            run_collecting(&policy, request("sh", &["-c", "kill -TERM $$"]), PATIENCE).await;
        let status = result.unwrap().status;
        assert_eq!(
            status,
            ExitStatus {
                code: None,
                signal: Some(libc::SIGTERM)
            }
        );
    }

    #[tokio::test]
    async fn a_timeout_kills_the_child_and_its_grandchildren() {
        become_subreaper();
        let policy = policy(vec![runs_any("sh")], Vec::new());
        let started = StdInstant::now();
        let (result, lines, _) = run_collecting(
            &policy,
            request("sh", &["-c", "echo $$; sleep 30 & sleep 30"]),
            Duration::from_millis(500),
        )
        .await;
        let error = result.unwrap_err();
        assert!(matches!(error, ExecError::TimedOut { .. }), "{error}");
        assert_eq!(
            error.to_string(),
            "`sh` timed out after 500ms; it was killed with its whole process group"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
        let pgid: libc::pid_t = texts(&lines, Stream::Stdout)[0].parse().unwrap();
        assert_group_gone(pgid);
    }

    #[tokio::test]
    async fn dropping_the_run_kills_the_process_group() {
        become_subreaper();
        let policy = policy(vec![runs_any("sh")], Vec::new());
        let (pgid_sender, pgid_receiver) = std::sync::mpsc::channel();
        let options = SpawnOptions::default();
        let running = run(
            &policy,
            request("sh", &["-c", "echo $$; sleep 30 & sleep 30"]),
            &options,
            move |_, line| {
                let _ = pgid_sender.send(line.to_owned());
            },
            Duration::from_secs(60),
        );
        let dropped = tokio::time::timeout(Duration::from_secs(1), running).await;
        assert!(dropped.is_err(), "the run should still have been going");
        let pgid: libc::pid_t = pgid_receiver.recv().unwrap().parse().unwrap();
        assert_group_gone(pgid);
    }

    #[tokio::test]
    async fn background_processes_are_killed_when_the_child_exits() {
        become_subreaper();
        let policy = policy(vec![runs_any("sh")], Vec::new());
        let started = StdInstant::now();
        let (result, lines, _) = run_collecting(
            &policy,
            request("sh", &["-c", "echo $$; sleep 30 &"]),
            PATIENCE,
        )
        .await;
        assert!(result.unwrap().status.success());
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "waited for the background sleep"
        );
        let pgid: libc::pid_t = texts(&lines, Stream::Stdout)[0].parse().unwrap();
        assert_group_gone(pgid);
    }

    #[tokio::test]
    async fn the_environment_is_built_by_kiln() {
        let mut grant = runs_any("env");
        grant.env = vec![kiln_model::grants::EnvPattern::parse("KILN_*").unwrap()];
        let mut policy = policy(vec![grant], Vec::new());
        policy.env.home = "/nonexistent/kiln-home".into();
        policy.env.trusted = vec![("FROM_PIPELINE".into(), "yes".into())];
        let mut env_request = request("env", &[]);
        env_request.env = vec![
            ("KILN_GIVEN".into(), "one".into()),
            ("KILN_SPACED".into(), "two words".into()),
        ];
        let (result, lines, _) = run_collecting(&policy, env_request, PATIENCE).await;
        assert!(result.unwrap().status.success());
        let mut seen = texts(&lines, Stream::Stdout);
        seen.sort();
        let mut expected = vec![
            "FROM_PIPELINE=yes".to_owned(),
            "GIT_TERMINAL_PROMPT=0".to_owned(),
            "HOME=/nonexistent/kiln-home".to_owned(),
            "KILN_GIVEN=one".to_owned(),
            "KILN_SPACED=two words".to_owned(),
            "PATH=/usr/bin:/bin".to_owned(),
        ];
        expected.sort();
        assert_eq!(seen, expected, "nothing of kiln's own environment leaks");
    }

    #[tokio::test]
    async fn variables_the_grant_does_not_allow_spawn_nothing() {
        let policy = policy(vec![runs_any("env")], Vec::new());
        for (name, kind) in [("GIT_CONFIG_COUNT", "refused"), ("LANG", "not granted")] {
            let mut env_request = request("env", &[]);
            env_request.env = vec![(name.into(), "1".into())];
            let (result, lines, _) = run_collecting(&policy, env_request, PATIENCE).await;
            let error = result.unwrap_err();
            match kind {
                "refused" => assert!(
                    matches!(error, ExecError::Denied(ExecDenied::VariableRefused { .. })),
                    "{error}"
                ),
                _ => assert!(
                    matches!(
                        error,
                        ExecError::Denied(ExecDenied::VariableNotGranted { .. })
                    ),
                    "{error}"
                ),
            }
            assert!(lines.is_empty(), "nothing ran");
        }
    }

    #[tokio::test]
    async fn the_working_directory_is_translated_from_the_sandbox() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let policy = policy(vec![runs_any("pwd")], vec![workspace(dir.path(), false)]);
        let canonical = dir.path().canonicalize().unwrap();

        let (result, lines, _) = run_collecting(&policy, request("pwd", &[]), PATIENCE).await;
        assert!(result.unwrap().status.success());
        assert_eq!(texts(&lines, Stream::Stdout), [canonical.to_str().unwrap()]);

        let mut in_sub = request("pwd", &[]);
        in_sub.cwd = Some("/workspace/sub".into());
        let (result, lines, _) = run_collecting(&policy, in_sub, PATIENCE).await;
        assert!(result.unwrap().status.success());
        assert_eq!(
            texts(&lines, Stream::Stdout),
            [canonical.join("sub").to_str().unwrap()]
        );
    }

    #[tokio::test]
    async fn a_working_directory_symlinked_out_of_its_mount_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("escape")).unwrap();
        let policy = policy(vec![runs_any("pwd")], vec![workspace(dir.path(), true)]);
        let mut escaping = request("pwd", &[]);
        escaping.cwd = Some("/workspace/escape".into());
        let (result, lines, _) = run_collecting(&policy, escaping, PATIENCE).await;
        assert!(
            matches!(
                result,
                Err(ExecError::Denied(ExecDenied::WorkingDirEscapes { .. }))
            ),
            "{result:?}"
        );
        assert!(lines.is_empty());
        let mut dot_dot = request("pwd", &[]);
        dot_dot.cwd = Some("/workspace/../etc".into());
        let (result, _, _) = run_collecting(&policy, dot_dot, PATIENCE).await;
        assert!(
            matches!(
                result,
                Err(ExecError::Denied(
                    ExecDenied::WorkingDirOutsideMounts { .. }
                ))
            ),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn invalid_utf8_output_is_replaced() {
        let policy = policy(vec![runs_any("printf")], Vec::new());
        let (result, lines, _) =
            run_collecting(&policy, request("printf", &["ok \\377 end\\n"]), PATIENCE).await;
        assert!(result.unwrap().status.success());
        assert_eq!(texts(&lines, Stream::Stdout), ["ok \u{fffd} end"]);
    }

    #[test]
    fn the_run_future_can_move_between_threads() {
        // The host awaits it from a multi-threaded runtime (wasmtime's
        // async host calls require `Send` futures).
        fn assert_send<T: Send>(_: &T) {}
        let policy = ExecPolicy::default();
        let options = SpawnOptions::default();
        let running = run(
            &policy,
            ExecRequest::default(),
            &options,
            |_, _| {},
            PATIENCE,
        );
        assert_send(&running);
    }

    #[tokio::test]
    async fn the_reported_confinement_matches_the_probe() {
        let policy = policy(vec![runs_any("true")], Vec::new());
        let (result, _, _) = run_collecting(&policy, request("true", &[]), PATIENCE).await;
        assert_eq!(result.unwrap().confinement, landlock_support());
    }
}
