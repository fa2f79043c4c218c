//! Where a run, stage, action or attempt stands.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pending,
    Running,
    /// Waiting for a person's decision (an approval).
    Waiting,
    Succeeded,
    Failed,
    Skipped,
    /// The kiln process running it died; `kiln run --resume` continues it.
    Interrupted,
    /// Someone stopped it (Ctrl-C, `SIGTERM`, a cancel request); a run
    /// cancelled can be resumed like an interrupted one.
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Waiting => "waiting",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
            Status::Interrupted => "interrupted",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "pending" => Status::Pending,
            "running" => Status::Running,
            "waiting" => Status::Waiting,
            "succeeded" => Status::Succeeded,
            "failed" => Status::Failed,
            "skipped" => Status::Skipped,
            "interrupted" => Status::Interrupted,
            "cancelled" => Status::Cancelled,
            _ => return None,
        })
    }

    /// Whether the unit of work has ended.
    pub fn is_final(self) -> bool {
        !matches!(self, Status::Pending | Status::Running | Status::Waiting)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
