//! The host side of `kiln:plugin/exec`: each call is checked against the
//! action's grants, the child runs with its output streamed into the
//! action's log (masked like every line), and it is killed when the
//! action's time is up.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::{ExecError, ExecOutcome, ExecPolicy, ExecRequest, SpawnOptions, Stream};
use crate::bindings::v0_2::kiln::plugin::exec as wit;
use crate::capabilities::log::{ActionLog, Level};

/// The most stdout `output` returns.
pub const MAX_CAPTURE: usize = 16 << 20;

/// What an attempt may run, and until when.
pub struct ExecAccess {
    /// The grants, mounts, search path and base environment.
    pub policy: ExecPolicy,
    /// The masker, the ledger of running groups, the open-file limit.
    pub options: SpawnOptions,
    /// The attempt's deadline: a child never outlives its action.
    pub deadline: Instant,
}

/// What a store gives the exec capability: what the attempt may run (none
/// when the action grants no programs), and the log the programs' output
/// goes to.
pub trait ExecView: Send {
    fn exec(&mut self) -> ExecHost<'_>;
}

/// The host side of `kiln:plugin/exec`, over one store's grants and log.
pub struct ExecHost<'a> {
    pub access: Option<&'a ExecAccess>,
    pub log: Option<&'a ActionLog>,
}

struct HasExec;

impl wasmtime::component::HasData for HasExec {
    type Data<'a> = ExecHost<'a>;
}

/// Link `kiln:plugin/exec` (contract 0.2.0 and later).
pub fn add_to_linker<T: ExecView + 'static>(
    linker: &mut wasmtime::component::Linker<T>,
) -> wasmtime::Result<()> {
    wit::add_to_linker::<T, HasExec>(linker, |state| state.exec())
}

impl ExecHost<'_> {
    async fn exec(
        &mut self,
        cmd: wit::Command,
        capture: bool,
    ) -> Result<(ExecOutcome, Vec<u8>), wit::Error> {
        let Some(access) = self.access else {
            return Err(wit::Error::Denied(format!(
                "exec of `{}` is not granted; the action grants no programs (grants.exec)",
                cmd.program
            )));
        };
        let remaining = access.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(wit::Error::TimedOut);
        }
        let log = self.log.cloned();
        let captured = Arc::new(Mutex::new(Vec::new()));
        let sink = captured.clone();
        let command_line = std::iter::once(cmd.program.as_str())
            .chain(cmd.args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        let on_line = move |stream: Stream, line: &str| match stream {
            Stream::Stdout if capture => {
                let mut out = sink.lock().unwrap_or_else(|p| p.into_inner());
                if out.len() + line.len() < MAX_CAPTURE {
                    out.extend_from_slice(line.as_bytes());
                    out.push(b'\n');
                }
            }
            stream => {
                if let Some(log) = &log {
                    let level = if stream == Stream::Stderr {
                        Level::Warn
                    } else {
                        Level::Info
                    };
                    log.write(level, line);
                }
            }
        };
        let request = ExecRequest {
            program: cmd.program.clone(),
            args: cmd.args,
            env: cmd.env,
            cwd: cmd.cwd,
        };
        let outcome = super::run(&access.policy, request, &access.options, on_line, remaining)
            .await
            .map_err(|error| match error {
                ExecError::Denied(super::ExecDenied::NotFound { .. }) => {
                    wit::Error::NotFound(error.to_string())
                }
                ExecError::Denied(_) => wit::Error::Denied(error.to_string()),
                ExecError::TimedOut { .. } => wit::Error::TimedOut,
                other => wit::Error::Failed(other.to_string()),
            })?;
        if let Some(log) = self.log {
            log.note(
                Level::Info,
                &format!(
                    "kiln: `{command_line}` ended with {} (Landlock confinement: {})",
                    outcome.status, outcome.confinement
                ),
            );
        }
        let bytes = std::mem::take(&mut *captured.lock().unwrap_or_else(|p| p.into_inner()));
        Ok((outcome, bytes))
    }
}

fn status(outcome: &ExecOutcome) -> wit::ExitStatus {
    wit::ExitStatus {
        code: outcome.status.code,
        signal: outcome.status.signal,
    }
}

impl wit::Host for ExecHost<'_> {
    async fn run(
        &mut self,
        cmd: wit::Command,
    ) -> wasmtime::Result<Result<wit::ExitStatus, wit::Error>> {
        Ok(self
            .exec(cmd, false)
            .await
            .map(|(outcome, _)| status(&outcome)))
    }

    async fn output(
        &mut self,
        cmd: wit::Command,
    ) -> wasmtime::Result<Result<wit::Captured, wit::Error>> {
        Ok(self
            .exec(cmd, true)
            .await
            .map(|(outcome, stdout)| wit::Captured {
                status: status(&outcome),
                stdout,
            }))
    }

    fn host_path(&mut self, path: String) -> wasmtime::Result<Option<String>> {
        Ok(self
            .access
            .and_then(|access| access.policy.host_path(&path))
            .map(|host| host.to_string_lossy().into_owned()))
    }
}
