//! One action: its attempts, each in a fresh sandbox with verified inputs,
//! and the storing of its outputs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{Event, RunShared, retry_delay};
use crate::artifacts::make_writable;
use crate::capabilities::fs::Mounts;
use crate::capabilities::log::{ActionLog, Level};
use crate::capabilities::secrets::GrantedSecrets;
use crate::digest::Digest;
use crate::pipeline::ActionPlan;
use crate::runs::{ActionRecord, Status};
use crate::runtime::{ActionContext, Attempt, AttemptError};

/// How an action ended.
#[derive(Debug, Clone)]
pub struct ActionOutcome {
    pub status: Status,
    pub attempts: u32,
    pub duration: Duration,
    pub summary: Option<String>,
    pub error: Option<String>,
    pub outputs: Vec<(String, Digest)>,
    pub logs: Vec<PathBuf>,
}

impl ActionOutcome {
    pub(crate) fn skipped(reason: &str) -> Self {
        Self {
            status: Status::Skipped,
            attempts: 0,
            duration: Duration::ZERO,
            summary: Some(format!("skipped: {reason}")),
            error: None,
            outputs: Vec::new(),
            logs: Vec::new(),
        }
    }

    pub(crate) fn internal_error(message: &str) -> Self {
        Self {
            status: Status::Failed,
            attempts: 0,
            duration: Duration::ZERO,
            summary: None,
            error: Some(format!("internal error in kiln: {message}")),
            outputs: Vec::new(),
            logs: Vec::new(),
        }
    }

    pub(crate) fn into_record(self, plan: &ActionPlan) -> ActionRecord {
        ActionRecord {
            name: plan.name.clone(),
            plugin: plan.uses.clone(),
            plugin_digest: plan.plugin.digest,
            status: self.status,
            attempts: self.attempts,
            duration_ms: Some(self.duration.as_millis() as u64),
            summary: self.summary,
            error: self.error,
            outputs: self.outputs,
            logs: self.logs,
        }
    }
}

/// Why one attempt failed, and whether another attempt could help.
struct Failure {
    message: String,
    retryable: bool,
}

impl From<AttemptError> for Failure {
    fn from(error: AttemptError) -> Self {
        Self {
            message: error.to_string(),
            retryable: !matches!(error, AttemptError::Setup(_)),
        }
    }
}

pub(crate) async fn run_action(shared: &RunShared, action: &ActionPlan) -> ActionOutcome {
    let started = Instant::now();
    // Secrets are resolved before the first attempt, so that the log
    // masker knows every granted value from the first line on.
    let granted = match GrantedSecrets::resolve(&shared.secrets, &action.grants.secrets) {
        Ok(granted) => granted,
        Err(error) => return failed_before_start(shared, action, started, error.to_string()),
    };
    let (masker, mask_warnings) = granted.masker();
    let mut logs = Vec::new();
    let max_attempts = action.retries + 1;
    let mut attempt = 1;
    loop {
        shared.events.event(&Event::ActionStarted {
            stage: action.stage.clone(),
            action: action.name.clone(),
            attempt,
        });
        let log_path = shared.run_dir.log_path(&action.name, attempt);
        logs.push(log_path.clone());
        let result = match ActionLog::create(&log_path, action.limits.log, masker.clone()) {
            Ok(log) => {
                for warning in &mask_warnings {
                    log.note(Level::Warn, &format!("kiln: {warning}"));
                }
                // Summaries and errors leave the log: mask them too.
                run_attempt(shared, action, attempt, log.clone(), &granted)
                    .await
                    .map(|(summary, outputs)| (log.mask(&summary), outputs))
                    .map_err(|failure| {
                        let message = log.mask(&failure.message);
                        (Failure { message, ..failure }, log.tail())
                    })
            }
            Err(error) => Err((
                Failure {
                    message: format!("cannot create log {}: {error}", log_path.display()),
                    retryable: false,
                },
                Vec::new(),
            )),
        };
        match result {
            Ok((summary, outputs)) => {
                let duration = started.elapsed();
                shared.events.event(&Event::ActionFinished {
                    stage: action.stage.clone(),
                    action: action.name.clone(),
                    status: Status::Succeeded,
                    attempts: attempt,
                    duration,
                    summary: Some(summary.clone()),
                    error: None,
                    log_tail: Vec::new(),
                    log_path: Some(log_path),
                });
                return ActionOutcome {
                    status: Status::Succeeded,
                    attempts: attempt,
                    duration,
                    summary: Some(summary),
                    error: None,
                    outputs,
                    logs,
                };
            }
            Err((failure, tail)) if failure.retryable && attempt < max_attempts => {
                let delay = retry_delay(attempt);
                shared.events.event(&Event::ActionRetrying {
                    stage: action.stage.clone(),
                    action: action.name.clone(),
                    attempt,
                    error: failure.message,
                    delay,
                });
                drop(tail);
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            Err((failure, log_tail)) => {
                let duration = started.elapsed();
                shared.events.event(&Event::ActionFinished {
                    stage: action.stage.clone(),
                    action: action.name.clone(),
                    status: Status::Failed,
                    attempts: attempt,
                    duration,
                    summary: None,
                    error: Some(failure.message.clone()),
                    log_tail,
                    log_path: Some(log_path),
                });
                return ActionOutcome {
                    status: Status::Failed,
                    attempts: attempt,
                    duration,
                    summary: None,
                    error: Some(failure.message),
                    outputs: Vec::new(),
                    logs,
                };
            }
        }
    }
}

/// An action that failed before its first attempt (a secret it is granted
/// cannot be found, say).
fn failed_before_start(
    shared: &RunShared,
    action: &ActionPlan,
    started: Instant,
    message: String,
) -> ActionOutcome {
    let duration = started.elapsed();
    shared.events.event(&Event::ActionFinished {
        stage: action.stage.clone(),
        action: action.name.clone(),
        status: Status::Failed,
        attempts: 0,
        duration,
        summary: None,
        error: Some(message.clone()),
        log_tail: Vec::new(),
        log_path: None,
    });
    ActionOutcome {
        status: Status::Failed,
        attempts: 0,
        duration,
        summary: None,
        error: Some(message),
        outputs: Vec::new(),
        logs: Vec::new(),
    }
}

/// One attempt: materialize and verify inputs, prepare outputs and /tmp,
/// run the plugin, store the outputs. The attempt's directory is removed
/// afterwards whatever happened.
async fn run_attempt(
    shared: &RunShared,
    action: &ActionPlan,
    attempt: u32,
    log: ActionLog,
    secrets: &GrantedSecrets,
) -> Result<(String, Vec<(String, Digest)>), Failure> {
    let dir = shared
        .work_dir
        .join(&action.name)
        .join(format!("attempt-{attempt}"));
    let result = run_attempt_in(shared, action, attempt, log.clone(), secrets, &dir).await;
    let cleanup_dir = dir.clone();
    let _ = tokio::task::spawn_blocking(move || {
        let _ = make_writable(&cleanup_dir);
        std::fs::remove_dir_all(&cleanup_dir)
    })
    .await;
    if let Err(failure) = &result {
        log.note(Level::Error, &failure.message);
        log.flush();
    }
    result
}

async fn run_attempt_in(
    shared: &RunShared,
    action: &ActionPlan,
    attempt: u32,
    log: ActionLog,
    secrets: &GrantedSecrets,
    dir: &Path,
) -> Result<(String, Vec<(String, Digest)>), Failure> {
    let setup = |message: String| Failure {
        message,
        retryable: false,
    };
    // Inputs: digests recorded by earlier actions, verified while copied.
    let mut inputs = Vec::new();
    let mut input_digests = Vec::new();
    for name in &action.inputs {
        let digest = shared
            .artifacts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .copied()
            .ok_or_else(|| {
                setup(format!(
                    "input artifact `{name}` was not produced (its producer did not succeed)"
                ))
            })?;
        let dest = dir.join("inputs").join(name);
        let store = shared.store.clone();
        let target = dest.clone();
        tokio::task::spawn_blocking(move || store.materialize(&digest, &target))
            .await
            .map_err(|join| setup(join.to_string()))?
            .map_err(|error| setup(format!("input artifact `{name}`: {error}")))?;
        inputs.push((name.clone(), dest));
        input_digests.push((name.clone(), digest.to_string()));
    }
    let mut outputs = Vec::new();
    for name in &action.outputs {
        let path = dir.join("outputs").join(name);
        std::fs::create_dir_all(&path)
            .map_err(|e| setup(format!("creating {}: {e}", path.display())))?;
        outputs.push((name.clone(), path));
    }
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).map_err(|e| setup(format!("creating {}: {e}", tmp.display())))?;
    let mounts = Mounts::for_attempt(&action.grants.fs, &inputs, &outputs, &tmp);

    let context = ActionContext {
        run_id: shared.run_id.clone(),
        pipeline: shared.pipeline.clone(),
        stage: action.stage.clone(),
        action: action.name.clone(),
        attempt,
        params: action.params.clone(),
        inputs: input_digests,
        outputs: action.outputs.clone(),
    };
    let summary = shared
        .runtime
        .run_attempt(
            &action.plugin,
            Attempt {
                context,
                env: &action.env,
                mounts: &mounts,
                log: log.clone(),
                timeout: action.timeout,
                grants: &action.grants,
                limits: action.limits,
                secrets: secrets.clone(),
            },
        )
        .await?;

    // Outputs become artifacts only when the attempt succeeded.
    let mut stored = Vec::new();
    for (name, path) in outputs {
        let limit = action.limits.output;
        let size = tokio::task::spawn_blocking({
            let path = path.clone();
            move || tree_size(&path)
        })
        .await
        .map_err(|join| setup(join.to_string()))?;
        if size > limit {
            return Err(Failure {
                message: crate::runtime::limits::LimitExceeded::Output { name, limit }.to_string(),
                retryable: false,
            });
        }
        let store = shared.store.clone();
        let result = tokio::task::spawn_blocking(move || store.put(&path))
            .await
            .map_err(|join| setup(join.to_string()))?
            .map_err(|error| setup(format!("storing output artifact `{name}`: {error}")))?;
        log.note(
            Level::Info,
            &format!(
                "stored artifact `{name}` {} ({} files, {} bytes)",
                result.digest, result.files, result.bytes
            ),
        );
        shared
            .artifacts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.clone(), result.digest);
        stored.push((name, result.digest));
    }
    Ok((summary, stored))
}

/// Bytes of the regular files under `dir` (symlinks not followed).
fn tree_size(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .filter_map(|entry| entry.metadata().ok())
        .map(|metadata| metadata.len())
        .sum()
}
