//! A run as the history holds it: what `kiln runs` lists and `kiln show`
//! prints, and what `--json` and `/kiln/run.json` give. The field names
//! are a public interface.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::approval::ApprovalRecord;
use crate::artifact::ArtifactRecord;
use crate::report::TestReport as ReportRecord;
use crate::status::Status;

/// One line of `kiln runs`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunSummary {
    pub id: String,
    pub pipeline: String,
    pub status: Status,
    pub trigger: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub duration_ms: Option<u64>,
    /// The workspace's git commit when the run started.
    pub commit: Option<String>,
    pub commit_time: Option<String>,
    /// How many times the run was resumed.
    pub resumes: u32,
    /// The `kiln serve` project the run belongs to.
    #[serde(default)]
    pub project: Option<String>,
    /// The git ref the run was started for (`refs/heads/main`).
    #[serde(default, rename = "ref")]
    pub git_ref: Option<String>,
    /// The webhook delivery that started the run.
    #[serde(default)]
    pub delivery: Option<String>,
    /// Why the run failed before any action ran (a pipeline file that
    /// does not validate at the run's commit), with file:line:col.
    #[serde(default)]
    pub error: Option<String>,
}

/// `kiln show`: a run and everything in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunDetail {
    #[serde(flatten)]
    pub summary: RunSummary,
    pub file: PathBuf,
    pub file_digest: String,
    pub workspace: PathBuf,
    pub stages: Vec<StageDetail>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageDetail {
    pub name: String,
    pub status: Status,
    /// Counts as a deployment in the DORA metrics.
    pub deploy: bool,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub actions: Vec<ActionDetail>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionDetail {
    pub name: String,
    pub plugin: String,
    pub plugin_digest: String,
    pub status: Status,
    /// Attempts made, over every resume.
    pub attempts: u32,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_ms: Option<u64>,
    pub summary: Option<String>,
    /// Why it failed; masked.
    pub error: Option<String>,
    /// Reused from the action cache: the plugin did not run.
    pub cached: bool,
    pub outputs: Vec<ArtifactRecord>,
    pub reports: Vec<ReportRecord>,
    /// Each attempt and its log.
    pub history: Vec<AttemptDetail>,
    /// For an approval action: who may decide, and who did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalRecord>,
    /// The variables it exported, by name (see [`crate::exports`]).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub exports: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttemptDetail {
    pub number: u32,
    pub status: Status,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub error: Option<String>,
    pub log: PathBuf,
}
