//! A run started through the [`Host`](crate::Host): what to run, and the
//! handle to follow it, cancel it, and wait for its end.

use std::path::PathBuf;
use std::sync::Arc;

use kiln_engine::approvals::ApprovalGate;

use kiln_engine::plugins::registry::RegistryOptions;
use kiln_engine::scheduler::RunReport;
use kiln_model::event::{Event, EventSink};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// What to run.
#[derive(Clone)]
pub struct RunRequest {
    /// The pipeline file (ignored for a resume, which runs the recorded one).
    pub file: PathBuf,
    /// The directory mounted at `/workspace` (default: the file's).
    pub workspace: Option<PathBuf>,
    /// Continue this recorded run (an id, a unique prefix, or `last`).
    pub resume: Option<String>,
    /// What started the run: `manual`, `ci`, `push`, `schedule`...
    pub trigger: String,
    /// The commit the run is for and its time; `None`: the workspace's
    /// HEAD, when it is a git repository.
    pub commit: Option<(String, i64)>,
    /// Reuse results from the action cache (results are recorded either
    /// way).
    pub use_cache: bool,
    /// How registry plugins are resolved.
    pub registry: RegistryOptions,
    /// At most this many actions at once (default: the host's).
    pub jobs: Option<usize>,
    /// Where decisions on approval actions come from (default: the run
    /// store, where `kiln approve` and a server's API write them).
    pub approvals: Option<Arc<dyn ApprovalGate>>,
    /// The server project the run belongs to (`kiln serve`).
    pub project: Option<String>,
    /// The git ref the run is for (`refs/heads/main`).
    pub git_ref: Option<String>,
    /// The webhook delivery that asked for the run.
    pub delivery: Option<String>,
}

impl RunRequest {
    /// A manual run of `file`, using the cache.
    pub fn new(file: impl Into<PathBuf>) -> Self {
        Self {
            file: file.into(),
            workspace: None,
            resume: None,
            trigger: "manual".into(),
            commit: None,
            use_cache: true,
            registry: RegistryOptions::default(),
            jobs: None,
            approvals: None,
            project: None,
            git_ref: None,
            delivery: None,
        }
    }
}

/// A run in progress.
pub struct RunHandle {
    pub(crate) run_id: String,
    pub(crate) events: Option<mpsc::UnboundedReceiver<Event>>,
    pub(crate) cancel: CancellationToken,
    pub(crate) task: JoinHandle<std::io::Result<RunReport>>,
}

impl RunHandle {
    /// The run's id, as the history records it.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// The run's events, as they happen (once: the first caller gets the
    /// stream). They are already recorded in the history when they arrive.
    pub fn events(&mut self) -> Option<mpsc::UnboundedReceiver<Event>> {
        self.events.take()
    }

    /// Stop the run: running actions are stopped (their sandboxes and
    /// every program they started), nothing more starts, and the run ends
    /// `cancelled`. Returns at once; [`RunHandle::wait`] for the end.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// A token that cancels the run, for a signal handler or a server.
    pub fn canceller(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// Wait for the run to end.
    pub async fn wait(self) -> std::io::Result<RunReport> {
        self.task
            .await
            .map_err(|join| std::io::Error::other(format!("the run's task failed: {join}")))?
    }
}

/// Forwards events into a channel.
pub(crate) struct ChannelSink(pub mpsc::UnboundedSender<Event>);

impl EventSink for ChannelSink {
    fn event(&self, event: &Event) {
        // A receiver that went away (the caller stopped listening) does
        // not stop the run.
        let _ = self.0.send(event.clone());
    }
}
