//! What a run reports as it goes, for the CLI (or any other observer).
//!
//! Events are plain data (serializable, with no host paths in them): a
//! server streams them to a browser, a remote worker sends them home. A
//! log is named by its [`LogAddress`]; the history turns an address into
//! the log's text wherever it is kept.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::approval::ApprovalDecision;
use crate::artifact::ArtifactRecord;
use crate::mask::Masker;
use crate::report::TestReport;
use crate::status::Status;

/// One attempt's log: which run, which action, which attempt.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LogAddress {
    pub run_id: String,
    pub action: String,
    pub attempt: u32,
}

impl std::fmt::Display for LogAddress {
    /// How a person reads it back: the `kiln logs` arguments.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} --attempt {}",
            self.run_id, self.action, self.attempt
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    RunStarted {
        run_id: String,
        pipeline: String,
    },
    StageStarted {
        stage: String,
    },
    ActionStarted {
        stage: String,
        action: String,
        attempt: u32,
        /// Where this attempt's log is kept.
        log: LogAddress,
    },
    /// A line the running action logged (already masked).
    ActionLogLine {
        stage: String,
        action: String,
        line: String,
    },
    /// On a resume: the action succeeded before and keeps its outputs.
    ActionKept {
        stage: String,
        action: String,
        summary: Option<String>,
    },
    /// An attempt failed and another follows after `delay`.
    ActionRetrying {
        stage: String,
        action: String,
        attempt: u32,
        error: String,
        delay: Duration,
    },
    ActionFinished {
        stage: String,
        action: String,
        status: Status,
        attempts: u32,
        duration: Duration,
        summary: Option<String>,
        error: Option<String>,
        /// The failing attempt's last log lines.
        log_tail: Vec<String>,
        /// The last attempt's log (none when no attempt ran).
        log: Option<LogAddress>,
        /// Reused from the action cache.
        cached: bool,
        /// The artifacts it stored.
        outputs: Vec<ArtifactRecord>,
        /// The test reports it declared, parsed.
        reports: Vec<TestReport>,
        /// The variables it exported (name, value), when it succeeded.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        exports: Vec<(String, String)>,
    },
    ActionSkipped {
        stage: String,
        action: String,
        reason: String,
    },
    /// An approval action waits for a decision until `deadline_ms` (Unix
    /// milliseconds).
    ApprovalRequested {
        stage: String,
        action: String,
        approvers: Vec<String>,
        deadline_ms: u64,
    },
    /// Someone decided (the action then finishes as approved or rejected).
    ApprovalDecided {
        stage: String,
        action: String,
        decision: ApprovalDecision,
    },
    StageFinished {
        stage: String,
        status: Status,
    },
    RunFinished {
        run_id: String,
        status: Status,
        duration: Duration,
    },
}

impl Event {
    /// The event with every text that may have come from a plugin (log
    /// lines, summaries, errors, log tails, test reports) made plain and
    /// masked.
    pub fn masked(&self, masker: &Masker) -> Event {
        let text = |t: &String| masker.mask(t).into_owned();
        let opt = |t: &Option<String>| t.as_ref().map(text);
        match self {
            Event::ActionLogLine {
                stage,
                action,
                line,
            } => Event::ActionLogLine {
                stage: stage.clone(),
                action: action.clone(),
                line: text(line),
            },
            Event::ActionKept {
                stage,
                action,
                summary,
            } => Event::ActionKept {
                stage: stage.clone(),
                action: action.clone(),
                summary: opt(summary),
            },
            Event::ActionRetrying {
                stage,
                action,
                attempt,
                error,
                delay,
            } => Event::ActionRetrying {
                stage: stage.clone(),
                action: action.clone(),
                attempt: *attempt,
                error: text(error),
                delay: *delay,
            },
            Event::ActionFinished {
                stage,
                action,
                status,
                attempts,
                duration,
                summary,
                error,
                log_tail,
                log,
                cached,
                outputs,
                reports,
                exports,
            } => Event::ActionFinished {
                stage: stage.clone(),
                action: action.clone(),
                status: *status,
                attempts: *attempts,
                duration: *duration,
                summary: opt(summary),
                error: opt(error),
                log_tail: log_tail.iter().map(text).collect(),
                log: log.clone(),
                cached: *cached,
                outputs: outputs.clone(),
                reports: reports.iter().map(|r| r.masked(masker)).collect(),
                exports: exports
                    .iter()
                    .map(|(name, value)| (name.clone(), text(value)))
                    .collect(),
            },
            // A person's comment is text from outside kiln too.
            Event::ApprovalDecided {
                stage,
                action,
                decision,
            } => Event::ApprovalDecided {
                stage: stage.clone(),
                action: action.clone(),
                decision: ApprovalDecision {
                    comment: opt(&decision.comment),
                    ..decision.clone()
                },
            },
            other => other.clone(),
        }
    }
}

/// Receives events; called from many tasks at once.
pub trait EventSink: Send + Sync {
    fn event(&self, event: &Event);

    /// Return once every event given so far can be read back where this
    /// sink keeps it (a history written by a thread of its own): called
    /// before a run reads its own record.
    fn flush(&self) {}
}

/// Hands each event to several sinks in turn.
pub struct FanOut(pub Vec<std::sync::Arc<dyn EventSink>>);

impl EventSink for FanOut {
    fn event(&self, event: &Event) {
        for sink in &self.0 {
            sink.event(event);
        }
    }

    fn flush(&self) {
        for sink in &self.0 {
            sink.flush();
        }
    }
}

/// The one door of a run's events: every event is masked with the run's
/// secrets (see [`Event::masked`]) before any sink (history, terminal,
/// live view, a server's stream) sees it.
pub struct MaskedEvents {
    pub inner: std::sync::Arc<dyn EventSink>,
    pub masker: Masker,
}

impl EventSink for MaskedEvents {
    fn event(&self, event: &Event) {
        self.inner.event(&event.masked(&self.masker));
    }

    fn flush(&self) {
        self.inner.flush();
    }
}

/// Discards events.
pub struct Silent;

impl EventSink for Silent {
    fn event(&self, _event: &Event) {}
}
