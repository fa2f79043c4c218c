//! The validated pipeline, ready for the scheduler: names resolved to
//! indices, plugins resolved to components by digest, defaults applied.
//! Plain data: an action's part of it is the unit of work an executor
//! (this process, or a remote worker) receives.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::approval::ApprovalSpec;
use crate::cache::CachePolicy;
use crate::digest::Digest;
use crate::grants::Grants;
use crate::limits::Limits;
use crate::plugin::PluginInfo;

/// When an action runs, given what happened before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub name: String,
    /// The pipeline file.
    pub file: PathBuf,
    /// The directory mounted at `/workspace`: the pipeline file's directory.
    pub workspace: PathBuf,
    /// SHA-256 of the pipeline text that was validated (a resume refuses
    /// a file that changed since).
    pub source_digest: Digest,
    pub stages: Vec<StagePlan>,
}

impl Plan {
    pub fn actions(&self) -> impl Iterator<Item = &ActionPlan> {
        self.stages.iter().flat_map(|stage| stage.actions.iter())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StagePlan {
    pub name: String,
    /// Counts as a deployment in the DORA metrics.
    pub deploy: bool,
    pub actions: Vec<ActionPlan>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionPlan {
    pub name: String,
    pub stage: String,
    /// What `uses:` said, for messages.
    pub uses: String,
    pub plugin: PluginRef,
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
    pub limits: Limits,
    pub cache: CachePolicy,
    /// Persistent directories mounted at `/cache/<name>`.
    pub cache_dirs: Vec<String>,
    /// Test and coverage reports the action writes into its outputs.
    pub reports: Vec<ReportPattern>,
    /// `uses: approval`: the engine waits for a person instead of running
    /// a plugin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalSpec>,
    /// Variables the action exports (see [`crate::exports`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exports: Vec<String>,
    /// Which of its variables and parameters read other actions' exports:
    /// they are interpolated when the action starts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interpolate: Vec<Interpolated>,
}

/// A field of an action that holds `${exports.<action>.<NAME>}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Interpolated {
    /// A variable of `env:`.
    Env(String),
    /// A parameter of `with:`; `json` when it is a list or map, sent to
    /// the plugin as JSON text.
    Param { name: String, json: bool },
}

/// What kiln tells every plugin about its run, as `KILN_RUN_*` variables
/// (after the action's own): plugins that stand in for another CI system
/// (CodeBuild's `CODEBUILD_BUILD_NUMBER`...) need them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunFacts {
    /// The run's number among its pipeline's runs (1 for the first).
    pub number: Option<u64>,
    /// What started it: `manual`, `ci`, or what `--trigger` said.
    pub trigger: String,
    /// The workspace's git commit, when known.
    pub commit: Option<String>,
    /// The git ref a server ran it for (`refs/heads/main`), when one did.
    #[serde(default)]
    pub git_ref: Option<String>,
}

impl RunFacts {
    /// `KILN_RUN_ID`, `KILN_RUN_NUMBER`, `KILN_RUN_TRIGGER`,
    /// `KILN_RUN_COMMIT`, `KILN_RUN_REF` (those known).
    pub fn variables(&self, run_id: &str) -> Vec<(String, String)> {
        let mut vars = vec![("KILN_RUN_ID".to_owned(), run_id.to_owned())];
        if let Some(number) = self.number {
            vars.push(("KILN_RUN_NUMBER".into(), number.to_string()));
        }
        if !self.trigger.is_empty() {
            vars.push(("KILN_RUN_TRIGGER".into(), self.trigger.clone()));
        }
        if let Some(commit) = &self.commit {
            vars.push(("KILN_RUN_COMMIT".into(), commit.clone()));
        }
        if let Some(git_ref) = &self.git_ref {
            vars.push(("KILN_RUN_REF".into(), git_ref.clone()));
        }
        vars
    }
}

/// The component an action runs: named by its digest, found at `path` on
/// the host that validated the plan, with its `describe()` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginRef {
    pub digest: Digest,
    pub path: PathBuf,
    pub info: PluginInfo,
}

/// One attempt of one action: what an executor (this process, or a
/// remote worker) receives. Everything in it is data: the plugin by
/// digest, its parameters, grants, limits and environment in the action,
/// the input artifacts by digest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkUnit {
    pub run_id: String,
    pub pipeline: String,
    pub action: ActionPlan,
    /// 1-based, counting every earlier attempt (resumes number on).
    pub attempt: u32,
    /// Each input artifact by name, with the digest it has in this run.
    pub inputs: Vec<(String, Digest)>,
    /// The run's number, trigger and commit, for the plugin's environment.
    #[serde(default)]
    pub run: RunFacts,
}

/// Files of one output artifact, matched by a glob relative to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportPattern {
    /// How the matched files are read.
    #[serde(default)]
    pub format: crate::report::ReportFormat,
    pub output: String,
    /// Relative to the output's root; `**` crosses directories.
    pub glob: String,
}

impl ActionPlan {
    /// Whether the action's result may be reused from the action cache.
    pub fn cacheable(&self) -> bool {
        // A person's decision is never reused.
        if self.approval.is_some() {
            return false;
        }
        match self.cache {
            CachePolicy::Off => false,
            CachePolicy::On | CachePolicy::Inputs(_) => true,
            // A persistent cache directory holds what earlier runs left:
            // state no key covers.
            CachePolicy::Auto => !self.grants.reaches_outside() && self.cache_dirs.is_empty(),
        }
    }
}
