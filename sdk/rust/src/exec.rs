//! Running host programs the action grants (`grants.exec`), like
//! `std::process::Command`:
//!
//! ```ignore
//! use kiln_sdk::exec::Command;
//! let status = Command::new("cargo").args(["test", "--locked"]).current_dir("/workspace").run()?;
//! if !status.success() { kiln_sdk::bail!("cargo test failed: {status}"); }
//! ```
//!
//! The child runs on the host: its stdout and stderr stream into the
//! action's log line by line. It sees host paths, not sandbox paths: pass
//! file arguments through [`host_path`].

use std::fmt;

use crate::Error;
use crate::bindings::kiln::plugin::exec as wit;

/// A program to run, built up like `std::process::Command`.
#[derive(Debug, Clone)]
pub struct Command {
    program: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    cwd: Option<String>,
}

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitStatus {
    pub code: Option<i32>,
    pub signal: Option<i32>,
}

impl ExitStatus {
    pub fn success(&self) -> bool {
        self.code == Some(0)
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

/// What [`Command::output`] captured.
#[derive(Debug, Clone)]
pub struct Output {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
}

impl Command {
    pub fn new(program: impl Into<String>) -> Self {
        Self {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            cwd: None,
        }
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// The working directory, as a sandbox path (default `/workspace`).
    pub fn current_dir(mut self, dir: impl Into<String>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    fn to_wit(&self) -> wit::Command {
        wit::Command {
            program: self.program.clone(),
            args: self.args.clone(),
            env: self.env.clone(),
            cwd: self.cwd.clone(),
        }
    }

    /// Run to completion with output streamed into the log.
    pub fn run(&self) -> Result<ExitStatus, Error> {
        self.status().map_err(|error| self.error(error))
    }

    /// Like [`Command::run`], with the reason a program could not run as
    /// a value: a plugin can tell a missing grant ([`ExecError::Denied`])
    /// from a missing program and say which grant to add.
    pub fn status(&self) -> Result<ExitStatus, ExecError> {
        wit::run(&self.to_wit())
            .map(convert_status)
            .map_err(ExecError::from)
    }

    /// Run to completion and capture stdout.
    pub fn output(&self) -> Result<Output, Error> {
        wit::output(&self.to_wit())
            .map(|captured| Output {
                status: convert_status(captured.status),
                stdout: captured.stdout,
            })
            .map_err(|error| self.error(error))
    }

    fn error(&self, error: impl Into<ExecError>) -> Error {
        Error::new(format!("running `{}`: {}", self.program, error.into()))
    }
}

/// Why a program could not run (or finish).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecError {
    /// The program, or these arguments to it, are not granted.
    Denied(String),
    /// The program is granted but not installed on the host.
    NotFound(String),
    /// It ran past the action's timeout and was killed.
    TimedOut,
    /// Anything else.
    Failed(String),
}

impl From<wit::Error> for ExecError {
    fn from(error: wit::Error) -> Self {
        match error {
            wit::Error::Denied(message) => ExecError::Denied(message),
            wit::Error::NotFound(message) => ExecError::NotFound(message),
            wit::Error::TimedOut => ExecError::TimedOut,
            wit::Error::Failed(message) => ExecError::Failed(message),
        }
    }
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecError::Denied(message) => write!(f, "denied: {message}"),
            ExecError::NotFound(message) => write!(f, "not found: {message}"),
            ExecError::TimedOut => f.write_str("timed out"),
            ExecError::Failed(message) => f.write_str(message),
        }
    }
}

fn convert_status(status: wit::ExitStatus) -> ExitStatus {
    ExitStatus {
        code: status.code,
        signal: status.signal,
    }
}

/// The host path of a sandbox path, for arguments that name files.
pub fn host_path(path: &str) -> Option<String> {
    wit::host_path(path)
}
