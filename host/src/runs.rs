//! Where a run's record and logs are kept: `<data dir>/runs/<run id>/`,
//! with `run.json` (written atomically whenever the run's state changes)
//! and `logs/<action>/attempt-<n>.log`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::digest::Digest;

/// A new run id: time-ordered, so a sorted listing is a history.
pub fn new_run_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pending,
    Running,
    Succeeded,
    Failed,
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: String,
    pub pipeline: String,
    pub file: PathBuf,
    pub status: Status,
    /// RFC 3339.
    pub started_at: String,
    pub duration_ms: Option<u64>,
    pub stages: Vec<StageRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageRecord {
    pub name: String,
    pub status: Status,
    pub actions: Vec<ActionRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionRecord {
    pub name: String,
    pub plugin: String,
    pub plugin_digest: Digest,
    pub status: Status,
    pub attempts: u32,
    pub duration_ms: Option<u64>,
    pub summary: Option<String>,
    pub error: Option<String>,
    pub outputs: Vec<(String, Digest)>,
    pub logs: Vec<PathBuf>,
    /// The result was reused from the action cache, not run.
    #[serde(default)]
    pub cached: bool,
}

/// The directory of one run.
#[derive(Debug, Clone)]
pub struct RunDir {
    root: PathBuf,
}

impl RunDir {
    pub fn create(runs_root: &Path, run_id: &str) -> std::io::Result<Self> {
        let root = runs_root.join(run_id);
        std::fs::create_dir_all(root.join("logs"))?;
        Ok(Self { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn log_path(&self, action: &str, attempt: u32) -> PathBuf {
        self.root
            .join("logs")
            .join(action)
            .join(format!("attempt-{attempt}.log"))
    }

    /// Write `run.json` atomically: readers see the old or the new record.
    pub fn save(&self, record: &RunRecord) -> std::io::Result<()> {
        let bytes = serde_json::to_vec_pretty(record).map_err(std::io::Error::other)?;
        let mut temp = tempfile::NamedTempFile::new_in(&self.root)?;
        std::io::Write::write_all(&mut temp, &bytes)?;
        temp.persist(self.root.join("run.json"))
            .map_err(|error| error.error)?;
        Ok(())
    }
}
