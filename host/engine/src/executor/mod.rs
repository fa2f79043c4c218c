//! Where an action's attempt runs: the seam between the engine (what to
//! run, when, how often, what it may reuse) and whatever runs it.
//!
//! The engine hands an [`Executor`] a [`WorkUnit`] (plain data: the plugin
//! by digest, parameters, grants, limits, environment, input artifacts by
//! digest) and the attempt's [`AttemptIo`] (its log, its secrets, the run
//! so far); the executor answers with the summary, the stored outputs and
//! the test reports. [`LocalExecutor`] runs attempts in this process's
//! sandbox; a remote worker is another implementation of the same trait.

mod local;
mod scratch;

use futures::future::BoxFuture;
use kiln_model::artifact::ArtifactRecord;
use kiln_model::process::ProcessLedger;
use kiln_model::report::TestReport;
use kiln_sandbox::capabilities::log::ActionLog;
use kiln_sandbox::capabilities::secrets::GrantedSecrets;

pub use kiln_model::plan::WorkUnit;
pub use local::LocalExecutor;
pub use scratch::ScratchDirs;

/// What an attempt has besides its unit of work.
pub struct AttemptIo {
    /// Where the attempt's log goes (masked, limited, observed).
    pub log: ActionLog,
    /// The values of the secrets the action is granted.
    pub secrets: GrantedSecrets,
    /// The run so far (`kiln show --json`), when the action is granted
    /// `run-status`.
    pub run_status: Option<Vec<u8>>,
    /// Where programs the attempt starts are recorded while they run.
    pub ledger: Option<std::sync::Arc<dyn ProcessLedger>>,
}

/// An attempt that succeeded.
#[derive(Debug, Clone)]
pub struct AttemptOutput {
    pub summary: String,
    pub outputs: Vec<ArtifactRecord>,
    pub reports: Vec<TestReport>,
    /// The declared exports the plugin wrote (name, value), in the
    /// declared order.
    pub exports: Vec<(String, String)>,
}

/// An attempt that failed, and whether another attempt could help (a
/// sandbox that could not be prepared will not be better the next time).
#[derive(Debug, Clone)]
pub struct AttemptFailure {
    pub message: String,
    pub retryable: bool,
    /// Test reports are read even when the attempt failed.
    pub reports: Vec<TestReport>,
}

impl AttemptFailure {
    /// A failure before the plugin ran: not worth retrying.
    pub fn setup(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retryable: false,
            reports: Vec::new(),
        }
    }
}

/// Runs attempts.
pub trait Executor: Send + Sync {
    /// Run one attempt. Dropping the future cancels it: the sandbox and
    /// every program it started are stopped.
    fn run<'a>(
        &'a self,
        unit: &'a WorkUnit,
        io: AttemptIo,
    ) -> BoxFuture<'a, Result<AttemptOutput, AttemptFailure>>;
}
