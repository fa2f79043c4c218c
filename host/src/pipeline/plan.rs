//! The validated pipeline, ready for the scheduler: names resolved to
//! indices, plugins resolved to components, defaults applied.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::capabilities::exec::ExecGrant;
use crate::capabilities::fs::FsGrants;
use crate::capabilities::http::NetworkGrant;
use crate::runtime::LoadedPlugin;

/// When an action runs, given what happened before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Condition {
    /// Nothing before it failed (the default).
    #[default]
    Success,
    /// Something before it failed: an earlier stage or one of its `needs`.
    Failure,
    /// Whatever happened before.
    Always,
}

impl Condition {
    /// Whether an action with this condition runs when `failed_before` says
    /// if anything it depends on (earlier stages, its needs) failed.
    pub fn allows(self, failed_before: bool) -> bool {
        match self {
            Condition::Success => !failed_before,
            Condition::Failure => failed_before,
            Condition::Always => true,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub name: String,
    /// The pipeline file.
    pub file: PathBuf,
    /// The directory mounted at `/workspace`: the pipeline file's directory.
    pub workspace: PathBuf,
    /// SHA-256 of the pipeline text that was validated (a resume refuses
    /// a file that changed since).
    pub source_digest: crate::digest::Digest,
    pub stages: Vec<StagePlan>,
}

impl Plan {
    pub fn actions(&self) -> impl Iterator<Item = &ActionPlan> {
        self.stages.iter().flat_map(|stage| stage.actions.iter())
    }
}

#[derive(Debug, Clone)]
pub struct StagePlan {
    pub name: String,
    /// Counts as a deployment in the DORA metrics.
    pub deploy: bool,
    pub actions: Vec<ActionPlan>,
}

#[derive(Debug, Clone)]
pub struct ActionPlan {
    pub name: String,
    pub stage: String,
    /// What `uses:` said, for messages.
    pub uses: String,
    pub plugin: Arc<LoadedPlugin>,
    /// Parameters after defaults, in the plugin's declaration order.
    pub params: Vec<(String, String)>,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    /// Indices into the stage's actions.
    pub needs: Vec<usize>,
    pub condition: Condition,
    pub timeout: Duration,
    pub retries: u32,
    /// The pipeline's variables overlaid with the action's.
    pub env: Vec<(String, String)>,
    pub grants: Grants,
    pub limits: crate::runtime::limits::Limits,
    pub cache: crate::action_cache::CachePolicy,
    /// Persistent directories mounted at `/cache/<name>`.
    pub cache_dirs: Vec<String>,
    /// JUnit reports the action writes into its outputs.
    pub junit_reports: Vec<ReportPattern>,
}

/// Files of one output artifact, matched by a glob relative to it.
#[derive(Debug, Clone)]
pub struct ReportPattern {
    pub output: String,
    /// Relative to the output's root; `**` crosses directories.
    pub glob: String,
}

impl ActionPlan {
    /// Whether the action's result may be reused from the action cache.
    pub fn cacheable(&self) -> bool {
        use crate::action_cache::CachePolicy;
        match self.cache {
            CachePolicy::Off => false,
            CachePolicy::On | CachePolicy::Inputs(_) => true,
            // A persistent cache directory holds what earlier runs left:
            // state no key covers.
            CachePolicy::Auto => !self.grants.reaches_outside() && self.cache_dirs.is_empty(),
        }
    }
}

/// Everything an action grants its plugin beyond the default sandbox.
#[derive(Debug, Clone)]
pub struct Grants {
    pub fs: FsGrants,
    pub network: NetworkGrant,
    /// Programs and their argument patterns (`None`: any arguments).
    pub exec: Vec<ExecGrant>,
    /// Secret names.
    pub secrets: Vec<String>,
    /// The run so far is mounted at `/kiln/run.json`.
    pub run_status: bool,
}

impl Grants {
    /// Whether the plugin can reach, or change, anything its cache key
    /// does not cover: programs, the network, writable host paths or a
    /// writable workspace.
    pub fn reaches_outside(&self) -> bool {
        use crate::capabilities::fs::Access;
        !self.exec.is_empty()
            || self.run_status
            || !self.network.origins.is_empty()
            || self.fs.workspace_access == Access::ReadWrite
            || self.fs.paths.iter().any(|p| p.access == Access::ReadWrite)
    }
}
