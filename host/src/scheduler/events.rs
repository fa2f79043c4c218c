//! What a run reports as it goes, for the CLI (or any other observer).

use std::time::Duration;

use crate::runs::Status;

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

/// Discards events.
pub struct Silent;

impl EventSink for Silent {
    fn event(&self, _event: &Event) {}
}
