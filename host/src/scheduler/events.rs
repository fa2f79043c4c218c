//! What a run reports as it goes, for the CLI (or any other observer).

use std::time::Duration;

use crate::reports::TestReport;
use crate::run_store::{ArtifactRecord, Status};

#[derive(Debug, Clone)]
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
        /// Where this attempt's log is written.
        log_path: std::path::PathBuf,
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
        log_path: Option<std::path::PathBuf>,
        /// Reused from the action cache.
        cached: bool,
        /// The artifacts it stored.
        outputs: Vec<ArtifactRecord>,
        /// The test reports it declared, parsed.
        reports: Vec<TestReport>,
    },
    ActionSkipped {
        stage: String,
        action: String,
        reason: String,
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

/// Receives events; called from many tasks at once.
pub trait EventSink: Send + Sync {
    fn event(&self, event: &Event);
}

/// Hands each event to several sinks in turn.
pub struct FanOut(pub Vec<std::sync::Arc<dyn EventSink>>);

impl EventSink for FanOut {
    fn event(&self, event: &Event) {
        for sink in &self.0 {
            sink.event(event);
        }
    }
}

/// Discards events.
pub struct Silent;

impl EventSink for Silent {
    fn event(&self, _event: &Event) {}
}
