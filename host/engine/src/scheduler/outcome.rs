//! How an action ended, as the scheduler keeps it.

use std::time::Duration;

use kiln_model::artifact::ArtifactRecord;
use kiln_model::event::LogAddress;
use kiln_model::mask::Masker;
use kiln_model::report::TestReport;
use kiln_model::status::Status;

/// How an action ended.
#[derive(Debug, Clone)]
pub struct ActionOutcome {
    pub status: Status,
    pub attempts: u32,
    pub duration: Duration,
    pub summary: Option<String>,
    pub error: Option<String>,
    pub outputs: Vec<ArtifactRecord>,
    /// The log of each attempt made, in order.
    pub logs: Vec<LogAddress>,
    /// Reused from the action cache.
    pub cached: bool,
    /// The declared test reports of the last attempt.
    pub reports: Vec<TestReport>,
    /// The variables it exported, when it succeeded.
    pub exports: Vec<(String, String)>,
}

impl ActionOutcome {
    /// An outcome with nothing but its status and texts.
    pub(crate) fn of(status: Status, summary: Option<String>, error: Option<String>) -> Self {
        Self {
            status,
            attempts: 0,
            duration: Duration::ZERO,
            summary,
            error,
            outputs: Vec::new(),
            logs: Vec::new(),
            cached: false,
            reports: Vec::new(),
            exports: Vec::new(),
        }
    }

    pub(crate) fn skipped(reason: &str) -> Self {
        Self::of(Status::Skipped, Some(format!("skipped: {reason}")), None)
    }

    pub(crate) fn cancelled() -> Self {
        Self::of(
            Status::Cancelled,
            None,
            Some("cancelled before it finished".into()),
        )
    }

    pub(crate) fn internal_error(message: &str) -> Self {
        Self::of(
            Status::Failed,
            None,
            Some(format!("internal error in kiln: {message}")),
        )
    }

    /// The outcome with its plugin texts (summary, error, reports) made
    /// plain and masked.
    pub(crate) fn masked(self, masker: &Masker) -> Self {
        let text = |t: Option<String>| t.map(|t| masker.mask(&t).into_owned());
        Self {
            summary: text(self.summary),
            error: text(self.error),
            reports: self.reports.iter().map(|r| r.masked(masker)).collect(),
            ..self
        }
    }
}
