//! The pipeline engine: stages in order; inside a stage, actions run
//! concurrently as their `needs` allow, bounded by `jobs`; retries with
//! exponential backoff; conditions (`success`, `failure`, `always`);
//! resume; cancellation.
//!
//! A failed action fails its stage. Actions of that stage that do not
//! depend on it still finish; later stages are skipped except for their
//! actions with `if: failure` or `if: always`. A cancelled run stops every
//! running action at once (dropping an attempt stops its sandbox and kills
//! every program it started), starts nothing more, and ends `cancelled`.
//!
//! - [`action`]: one action, its attempts and retries;
//! - [`cache`]: the action cache's policy in a run;
//! - [`outcome`]: how an action ended;
//! - [`secrets`]: the secrets of a run, resolved at its start.

mod action;
mod approval;
mod cache;
mod exports;
mod outcome;
pub mod secrets;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kiln_model::artifact::ArtifactRecord;
use kiln_model::digest::Digest;
use kiln_model::event::LogAddress;
use kiln_model::mask::Masker;
use kiln_model::plan::{ActionPlan, Condition, Plan, RunFacts};
use kiln_model::run::RunDetail;
use kiln_model::status::Status;
use kiln_store::artifacts::ArtifactStore;
use kiln_store::history::RunHistory;
use kiln_store::secrets::Secrets;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub use kiln_model::event::{Event, EventSink, FanOut, MaskedEvents, Silent};
pub use outcome::ActionOutcome;

use crate::action_cache::ActionCache;
use crate::approvals::ApprovalGate;
use crate::executor::Executor;
use secrets::RunSecrets;

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
    /// Runs each attempt (in this process, or elsewhere).
    pub executor: Arc<dyn Executor>,
    /// Where artifacts are (for cached results).
    pub store: Arc<dyn ArtifactStore>,
    /// Per-run scratch space (`<data dir>/work`).
    pub work_root: PathBuf,
    /// The run history: where attempt logs are written, the run so far.
    pub runs: Arc<dyn RunHistory>,
    /// How many actions may run at once.
    pub jobs: usize,
    /// Where granted secrets are looked up.
    pub secrets: Arc<Secrets>,
    /// The action cache, and whether hits are used (`--no-cache` records
    /// results but never reuses them).
    pub cache: Option<ActionCache>,
    pub use_cache: bool,
    /// Where decisions on approval actions come from.
    pub approvals: Arc<dyn ApprovalGate>,
    /// The run's number, trigger and commit, told to every plugin.
    pub facts: RunFacts,
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
    /// Its exported variables, which later actions may read.
    pub exports: Vec<(String, String)>,
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
                        exports: action
                            .exports
                            .iter()
                            .map(|(name, value)| (name.clone(), value.clone()))
                            .collect(),
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
    pub executor: Arc<dyn Executor>,
    pub store: Arc<dyn ArtifactStore>,
    pub runs: Arc<dyn RunHistory>,
    /// Artifact name to digest, filled as actions succeed.
    pub artifacts: Mutex<HashMap<String, Digest>>,
    /// Each action's exported variables, filled as actions succeed.
    pub exports: Mutex<HashMap<String, Vec<(String, String)>>>,
    /// Told to every plugin (`KILN_RUN_*`).
    pub facts: RunFacts,
    /// Every event of the run passes through [`MaskedEvents`].
    pub events: Arc<dyn EventSink>,
    /// Every secret granted in the run, resolved at its start.
    pub secrets: RunSecrets,
    /// Masks every secret of the run in every text of the run.
    pub masker: Masker,
    pub cache: Option<ActionCache>,
    pub use_cache: bool,
    pub workspace: PathBuf,
    /// The pipeline file, absolute.
    pub pipeline_file: PathBuf,
    /// The whole-workspace fingerprint, computed once per run when an
    /// action's key needs it.
    pub workspace_files: tokio::sync::OnceCell<Arc<std::collections::BTreeMap<String, Digest>>>,
    pub resume: Resume,
    pub approvals: Arc<dyn ApprovalGate>,
}

impl RunShared {
    /// Report an action's end (with the failing attempt's last log lines) and
    /// hand its outcome on, its texts made plain and masked with every secret
    /// of the run.
    pub(crate) fn finished(
        &self,
        action: &ActionPlan,
        outcome: ActionOutcome,
        log_tail: Vec<String>,
    ) -> ActionOutcome {
        let outcome = outcome.masked(&self.masker);
        self.events.event(&Event::ActionFinished {
            stage: action.stage.clone(),
            action: action.name.clone(),
            status: outcome.status,
            attempts: outcome.attempts,
            duration: outcome.duration,
            summary: outcome.summary.clone(),
            error: outcome.error.clone(),
            log_tail,
            log: outcome.logs.last().cloned(),
            cached: outcome.cached,
            outputs: outcome.outputs.clone(),
            reports: outcome.reports.clone(),
            exports: outcome.exports.clone(),
        });
        outcome
    }

    /// How events and the history name an attempt's log.
    pub fn log_address(&self, action: &str, attempt: u32) -> LogAddress {
        LogAddress {
            run_id: self.run_id.clone(),
            action: action.to_owned(),
            attempt,
        }
    }
}

impl Scheduler {
    /// Run every stage of a validated plan as run `run_id` (recorded by
    /// whoever listens to `events`); a resume keeps what succeeded before.
    /// When `cancel` fires, running actions are stopped and the run ends
    /// [`Status::Cancelled`].
    pub async fn run(
        &self,
        plan: &Plan,
        run_id: &str,
        resume: Resume,
        events: Arc<dyn EventSink>,
        cancel: CancellationToken,
    ) -> std::io::Result<RunReport> {
        let work_dir = self.work_root.join(run_id);
        std::fs::create_dir_all(&work_dir)?;
        let started = Instant::now();
        events.event(&Event::RunStarted {
            run_id: run_id.to_owned(),
            pipeline: plan.name.clone(),
        });
        let shared = Arc::new(self.shared(plan, run_id, resume, events));
        let permits = Arc::new(Semaphore::new(self.jobs.max(1)));

        let mut failed_before = false;
        let mut actions = HashMap::new();
        for stage in &plan.stages {
            shared.events.event(&Event::StageStarted {
                stage: stage.name.clone(),
            });
            let outcomes =
                run_stage(&shared, &stage.actions, failed_before, &permits, &cancel).await;
            let status = stage_status(&outcomes);
            for (action, outcome) in stage.actions.iter().zip(outcomes) {
                actions.insert(action.name.clone(), outcome);
            }
            shared.events.event(&Event::StageFinished {
                stage: stage.name.clone(),
                status,
            });
            failed_before |= status == Status::Failed;
        }

        let duration = started.elapsed();
        let status = if cancel.is_cancelled() {
            Status::Cancelled
        } else if failed_before {
            Status::Failed
        } else {
            Status::Succeeded
        };
        // Sandboxes are scratch: the artifacts and logs are what is kept.
        let _ = kiln_store::artifacts::remove_scratch_tree(&work_dir);
        shared.events.event(&Event::RunFinished {
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

    /// The state the actions of a run share: its secrets resolved, its
    /// events behind the masking door.
    fn shared(
        &self,
        plan: &Plan,
        run_id: &str,
        resume: Resume,
        events: Arc<dyn EventSink>,
    ) -> RunShared {
        let secrets = RunSecrets::resolve(
            &self.secrets,
            plan.actions()
                .flat_map(|action| action.grants.secrets.iter().map(String::as_str)),
        );
        let masker = secrets.masker();
        RunShared {
            run_id: run_id.to_owned(),
            pipeline: plan.name.clone(),
            executor: self.executor.clone(),
            store: self.store.clone(),
            runs: self.runs.clone(),
            artifacts: Mutex::new(HashMap::new()),
            exports: Mutex::new(HashMap::new()),
            facts: self.facts.clone(),
            events: Arc::new(MaskedEvents {
                inner: events,
                masker: masker.clone(),
            }),
            secrets,
            masker,
            cache: self.cache.clone(),
            use_cache: self.use_cache,
            approvals: self.approvals.clone(),
            workspace: plan.workspace.clone(),
            pipeline_file: plan
                .file
                .canonicalize()
                .unwrap_or_else(|_| plan.file.clone()),
            workspace_files: tokio::sync::OnceCell::new(),
            resume,
        }
    }
}

/// A stage failed if an action failed; was cancelled if one was; was
/// skipped if every action was.
fn stage_status(outcomes: &[ActionOutcome]) -> Status {
    if outcomes.iter().any(|o| o.status == Status::Failed) {
        Status::Failed
    } else if outcomes.iter().any(|o| o.status == Status::Cancelled) {
        Status::Cancelled
    } else if outcomes.iter().all(|o| o.status == Status::Skipped) {
        Status::Skipped
    } else {
        Status::Succeeded
    }
}

/// Run one stage's actions as their needs allow; outcomes in plan order.
async fn run_stage(
    shared: &Arc<RunShared>,
    actions: &[ActionPlan],
    failed_before: bool,
    permits: &Arc<Semaphore>,
    cancel: &CancellationToken,
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
            if let Some(outcome) = decide(shared, action, &outcomes, failed_before, cancel) {
                outcomes[a] = Some(outcome);
                continue;
            }
            let (shared, action, permits, cancel) = (
                shared.clone(),
                action.clone(),
                permits.clone(),
                cancel.clone(),
            );
            running.spawn(async move {
                let run = async {
                    // A person deciding takes no job slot.
                    if let Some(spec) = &action.approval {
                        return approval::await_approval(&shared, &action, spec).await;
                    }
                    let _permit = permits
                        .acquire_owned()
                        .await
                        .expect("the semaphore is never closed");
                    action::run_action(&shared, &action).await
                };
                // Cancelling drops the action's future: its sandbox, its
                // programs and its retries stop with it.
                let outcome = tokio::select! {
                    outcome = run => outcome,
                    () = cancel.cancelled() => {
                        shared.finished(&action, ActionOutcome::cancelled(), Vec::new())
                    }
                };
                (a, outcome)
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

/// The outcome of an action decided without running it: kept from before
/// a resume, cancelled, or skipped by its condition. `None`: it runs.
fn decide(
    shared: &RunShared,
    action: &ActionPlan,
    outcomes: &[Option<ActionOutcome>],
    failed_before: bool,
    cancel: &CancellationToken,
) -> Option<ActionOutcome> {
    if let Some(kept) = shared.resume.kept.get(&action.name) {
        return Some(action::keep(shared, action, kept));
    }
    if cancel.is_cancelled() {
        return Some(shared.finished(action, ActionOutcome::cancelled(), Vec::new()));
    }
    let need_was = |status| {
        action
            .needs
            .iter()
            .any(|&n| outcomes[n].as_ref().is_some_and(|o| o.status == status))
    };
    let upstream_failed = failed_before || need_was(Status::Failed);
    let needs_skipped = need_was(Status::Skipped);
    let runs = action.condition.allows(upstream_failed)
        && !(needs_skipped && action.condition == Condition::Success);
    if runs {
        return None;
    }
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
    Some(ActionOutcome::skipped(reason))
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
