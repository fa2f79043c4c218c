//! The pipeline engine: stages in order; inside a stage, actions run
//! concurrently as their `needs` allow, bounded by `jobs`; retries with
//! exponential backoff; conditions (`success`, `failure`, `always`).
//!
//! A failed action fails its stage. Actions of that stage that do not
//! depend on it still finish; later stages are skipped except for their
//! actions with `if: failure` or `if: always`.

mod action;
mod events;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

pub use action::ActionOutcome;
pub use events::{Event, EventSink, FanOut, MaskedEvents, Silent};

use crate::action_cache::ActionCache;
use crate::artifacts::ArtifactStore;
use crate::capabilities::secrets::{Masker, RunSecrets, Secrets};
use crate::digest::Digest;
use crate::pipeline::{ActionPlan, Plan};
use crate::run_store::{ArtifactRecord, RunDetail, RunStore, Status};
use crate::runtime::Runtime;

/// The first retry waits this long; each later one twice as long.
pub const RETRY_BASE_DELAY: Duration = Duration::from_millis(250);
/// No retry waits longer than this.
pub const RETRY_MAX_DELAY: Duration = Duration::from_secs(30);

/// The delay before retry number `retry` (1-based).
pub fn retry_delay(retry: u32) -> Duration {
    let factor = 1u32 << retry.saturating_sub(1).min(16);
    (RETRY_BASE_DELAY * factor).min(RETRY_MAX_DELAY)
}

/// What the scheduler needs from the host.
pub struct Scheduler {
    pub runtime: Arc<Runtime>,
    pub store: ArtifactStore,
    /// Per-run scratch space (`<data dir>/work`).
    pub work_root: PathBuf,
    /// Where attempt logs are written (the run store's directory).
    pub runs: RunStore,
    /// Persistent per-action cache directories (`<data dir>/caches`).
    pub caches_root: PathBuf,
    /// How many actions may run at once.
    pub jobs: usize,
    /// Where granted secrets are looked up.
    pub secrets: Arc<Secrets>,
    /// The action cache, and whether hits are used (`--no-cache` records
    /// results but never reuses them).
    pub cache: Option<ActionCache>,
    pub use_cache: bool,
}

/// The result of a run.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub run_id: String,
    pub status: Status,
    pub duration: Duration,
    /// Each action's outcome, by name.
    pub actions: HashMap<String, ActionOutcome>,
}

/// What a resumed run keeps from before.
#[derive(Debug, Clone, Default)]
pub struct Resume {
    /// Actions that succeeded: not run again, their outputs kept.
    pub kept: HashMap<String, KeptAction>,
    /// Attempts each action already made: new attempts number on.
    pub attempts: HashMap<String, u32>,
}

#[derive(Debug, Clone)]
pub struct KeptAction {
    pub summary: Option<String>,
    pub outputs: Vec<ArtifactRecord>,
}

impl Resume {
    /// What to keep of a recorded run.
    pub fn of(run: &RunDetail) -> Self {
        let mut resume = Self::default();
        for action in run.stages.iter().flat_map(|stage| &stage.actions) {
            resume.attempts.insert(action.name.clone(), action.attempts);
            if action.status == Status::Succeeded {
                resume.kept.insert(
                    action.name.clone(),
                    KeptAction {
                        summary: action.summary.clone(),
                        outputs: action.outputs.clone(),
                    },
                );
            }
        }
        resume
    }
}

/// State shared by the actions of a run.
pub(crate) struct RunShared {
    pub run_id: String,
    pub pipeline: String,
    pub runtime: Arc<Runtime>,
    pub store: ArtifactStore,
    pub runs: RunStore,
    pub work_dir: PathBuf,
    /// Artifact name to digest, filled as actions succeed.
    pub artifacts: Mutex<HashMap<String, Digest>>,
    /// Every event of the run passes through [`MaskedEvents`].
    pub events: Arc<dyn EventSink>,
    /// Every secret granted in the run, resolved at its start.
    pub secrets: RunSecrets,
    /// Masks every secret of the run in every text of the run.
    pub masker: Masker,
    /// Where exec'd programs are looked up (the host's `PATH`).
    pub exec_search_path: Vec<PathBuf>,
    pub cache: Option<ActionCache>,
    pub use_cache: bool,
    pub workspace: PathBuf,
    /// Persistent per-action directories of this pipeline.
    pub cache_dirs: crate::capabilities::fs::CacheDirs,
    /// The pipeline file, absolute.
    pub pipeline_file: PathBuf,
    /// The whole-workspace fingerprint, computed once per run when an
    /// action's key needs it.
    pub workspace_files: tokio::sync::OnceCell<Arc<std::collections::BTreeMap<String, Digest>>>,
    pub resume: Resume,
}

impl RunShared {
    /// Where an attempt's log goes.
    pub fn log_path(&self, action: &str, attempt: u32) -> PathBuf {
        self.runs.log_path(&self.run_id, action, attempt)
    }

    /// Where the run's running programs are recorded (see
    /// [`ChildLedger`](crate::capabilities::exec::ChildLedger)).
    pub fn children_dir(&self) -> PathBuf {
        self.runs.run_dir(&self.run_id).join("children")
    }
}

impl Scheduler {
    /// Run every stage of a validated plan as run `run_id` (recorded by
    /// whoever listens to `events`); a resume keeps what succeeded before.
    pub async fn run(
        &self,
        plan: &Plan,
        run_id: &str,
        resume: Resume,
        events: Arc<dyn EventSink>,
    ) -> std::io::Result<RunReport> {
        let work_dir = self.work_root.join(run_id);
        std::fs::create_dir_all(&work_dir)?;
        let started = Instant::now();
        events.event(&Event::RunStarted {
            run_id: run_id.to_owned(),
            pipeline: plan.name.clone(),
        });

        let secrets = RunSecrets::resolve(
            &self.secrets,
            plan.actions()
                .flat_map(|action| action.grants.secrets.iter().map(String::as_str)),
        );
        let masker = secrets.masker();
        let events: Arc<dyn EventSink> = Arc::new(MaskedEvents {
            inner: events,
            masker: masker.clone(),
        });
        let shared = Arc::new(RunShared {
            run_id: run_id.to_owned(),
            pipeline: plan.name.clone(),
            runtime: self.runtime.clone(),
            store: self.store.clone(),
            runs: self.runs.clone(),
            work_dir: work_dir.clone(),
            artifacts: Mutex::new(HashMap::new()),
            events: events.clone(),
            secrets,
            masker,
            exec_search_path: crate::capabilities::exec::ExecPolicy::host_search_path(),
            cache: self.cache.clone(),
            use_cache: self.use_cache,
            workspace: plan.workspace.clone(),
            cache_dirs: crate::capabilities::fs::CacheDirs::new(&self.caches_root, &plan.name),
            pipeline_file: plan
                .file
                .canonicalize()
                .unwrap_or_else(|_| plan.file.clone()),
            workspace_files: tokio::sync::OnceCell::new(),
            resume,
        });
        let permits = Arc::new(Semaphore::new(self.jobs.max(1)));

        let mut failed_before = false;
        let mut actions = HashMap::new();
        for stage in &plan.stages {
            events.event(&Event::StageStarted {
                stage: stage.name.clone(),
            });
            let outcomes = self
                .run_stage(&shared, &stage.actions, failed_before, &permits)
                .await;
            let stage_failed = outcomes.iter().any(|o| o.status == Status::Failed);
            let all_skipped = outcomes.iter().all(|o| o.status == Status::Skipped);
            let status = if stage_failed {
                Status::Failed
            } else if all_skipped {
                Status::Skipped
            } else {
                Status::Succeeded
            };
            for (action, outcome) in stage.actions.iter().zip(outcomes) {
                actions.insert(action.name.clone(), outcome);
            }
            events.event(&Event::StageFinished {
                stage: stage.name.clone(),
                status,
            });
            failed_before |= stage_failed;
        }

        let duration = started.elapsed();
        let status = if failed_before {
            Status::Failed
        } else {
            Status::Succeeded
        };
        // Sandboxes are scratch: the artifacts and logs are what is kept.
        let _ = crate::artifacts::make_writable(&work_dir);
        let _ = std::fs::remove_dir_all(&work_dir);
        events.event(&Event::RunFinished {
            run_id: run_id.to_owned(),
            status,
            duration,
        });
        Ok(RunReport {
            run_id: run_id.to_owned(),
            status,
            duration,
            actions,
        })
    }

    /// Run one stage's actions as their needs allow; outcomes in plan order.
    async fn run_stage(
        &self,
        shared: &Arc<RunShared>,
        actions: &[ActionPlan],
        failed_before: bool,
        permits: &Arc<Semaphore>,
    ) -> Vec<ActionOutcome> {
        let mut outcomes: Vec<Option<ActionOutcome>> = vec![None; actions.len()];
        let mut started = vec![false; actions.len()];
        let mut running = JoinSet::new();
        loop {
            // Start (or skip) every action whose needs have all finished.
            for (a, action) in actions.iter().enumerate() {
                if started[a] || action.needs.iter().any(|&n| outcomes[n].is_none()) {
                    continue;
                }
                started[a] = true;
                if let Some(kept) = shared.resume.kept.get(&action.name) {
                    outcomes[a] = Some(action::keep(shared, action, kept));
                    continue;
                }
                let needs_failed = action.needs.iter().any(|&n| {
                    outcomes[n]
                        .as_ref()
                        .is_some_and(|o| o.status == Status::Failed)
                });
                let needs_skipped = action.needs.iter().any(|&n| {
                    outcomes[n]
                        .as_ref()
                        .is_some_and(|o| o.status == Status::Skipped)
                });
                let upstream_failed = failed_before || needs_failed;
                let runs = action.condition.allows(upstream_failed)
                    && !(needs_skipped && action.condition == crate::pipeline::Condition::Success);
                if !runs {
                    let reason = if upstream_failed {
                        "an earlier action failed"
                    } else if needs_skipped {
                        "an action it needs was skipped"
                    } else {
                        "nothing before it failed (if: failure)"
                    };
                    shared.events.event(&Event::ActionSkipped {
                        stage: action.stage.clone(),
                        action: action.name.clone(),
                        reason: reason.to_owned(),
                    });
                    outcomes[a] = Some(ActionOutcome::skipped(reason));
                    continue;
                }
                let (shared, action, permits) = (shared.clone(), action.clone(), permits.clone());
                running.spawn(async move {
                    let _permit = permits
                        .acquire_owned()
                        .await
                        .expect("the semaphore is never closed");
                    (a, action::run_action(&shared, &action).await)
                });
            }
            match running.join_next().await {
                Some(Ok((a, outcome))) => outcomes[a] = Some(outcome),
                Some(Err(join_error)) => {
                    // A panic in kiln itself: report it on the stage rather
                    // than lose the run. The action's index is unknown here,
                    // so fail every action still pending.
                    for (a, slot) in outcomes.iter_mut().enumerate() {
                        if started[a] && slot.is_none() {
                            *slot = Some(ActionOutcome::internal_error(&join_error.to_string()));
                        }
                    }
                }
                None => {
                    if started.iter().all(|&s| s) {
                        break;
                    }
                }
            }
        }
        outcomes
            .into_iter()
            .map(|o| o.expect("every action has an outcome when the stage ends"))
            .collect()
    }
}

pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_double_up_to_a_cap() {
        assert_eq!(retry_delay(1), Duration::from_millis(250));
        assert_eq!(retry_delay(2), Duration::from_millis(500));
        assert_eq!(retry_delay(3), Duration::from_secs(1));
        assert_eq!(retry_delay(20), RETRY_MAX_DELAY);
    }
}
