//! One action: the cache first, then attempts (each through the run's
//! executor) with retries, and the report of its end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kiln_model::event::{Event, LogAddress};
use kiln_model::plan::{ActionPlan, WorkUnit};
use kiln_model::status::Status;
use kiln_sandbox::capabilities::log::{ActionLog, Level};
use kiln_sandbox::capabilities::secrets::GrantedSecrets;

use super::outcome::ActionOutcome;
use super::{KeptAction, RunShared, cache, exports, retry_delay};
use crate::executor::{AttemptFailure, AttemptIo, AttemptOutput};

pub(crate) async fn run_action(shared: &RunShared, action: &ActionPlan) -> ActionOutcome {
    let started = Instant::now();
    // Exports read in `env:` and `with:` are this run's values from here
    // on: the cache key and every attempt see the action as it runs.
    let action = match exports::interpolate(shared, action) {
        Ok(action) => action,
        Err(message) => {
            let outcome = ActionOutcome {
                duration: started.elapsed(),
                ..ActionOutcome::of(Status::Failed, None, Some(message))
            };
            return shared.finished(action, outcome, Vec::new());
        }
    };
    let action = action.as_ref();
    // Secrets are resolved before the first attempt, so that the log
    // masker knows every granted value from the first line on.
    let granted = match shared.secrets.grant(&action.grants.secrets) {
        Ok(granted) => granted,
        Err(message) => {
            let outcome = ActionOutcome {
                duration: started.elapsed(),
                ..ActionOutcome::of(Status::Failed, None, Some(message))
            };
            return shared.finished(action, outcome, Vec::new());
        }
    };
    let key = cache::cache_key(shared, action, &granted).await;
    if let Some(parts) = &key
        && let Some(outcome) = cache::reuse_cached(shared, action, parts, started)
    {
        return outcome;
    }
    let mut logs = Vec::new();
    // A resumed run numbers its attempts on from the earlier ones, so that
    // no log is overwritten; each resume gets the full retry budget.
    let before = shared
        .resume
        .attempts
        .get(&action.name)
        .copied()
        .unwrap_or(0);
    let mut attempt = before + 1;
    loop {
        let address = shared.log_address(&action.name, attempt);
        shared.events.event(&Event::ActionStarted {
            stage: action.stage.clone(),
            action: action.name.clone(),
            attempt,
            log: address.clone(),
        });
        logs.push(address.clone());
        let ended = match open_log(shared, action, &address, &granted) {
            Ok(log) => run_attempt(shared, action, attempt, log, &granted).await,
            Err(failure) => Err((failure, Vec::new())),
        };
        let outcome = |status, summary, error, reports| ActionOutcome {
            status,
            attempts: attempt,
            duration: started.elapsed(),
            summary,
            error,
            outputs: Vec::new(),
            logs: logs.clone(),
            cached: false,
            reports,
            exports: Vec::new(),
        };
        match ended {
            Ok(done) => {
                if let Some(parts) = &key {
                    cache::record(shared, action, parts, &done, &address);
                }
                remember_outputs(shared, &done);
                exports::remember(shared, &action.name, &done.exports);
                let succeeded = ActionOutcome {
                    outputs: done.outputs,
                    exports: done.exports,
                    ..outcome(Status::Succeeded, Some(done.summary), None, done.reports)
                };
                return shared.finished(action, succeeded, Vec::new());
            }
            Err((failure, _)) if failure.retryable && attempt <= before + action.retries => {
                let delay = retry_delay(attempt);
                shared.events.event(&Event::ActionRetrying {
                    stage: action.stage.clone(),
                    action: action.name.clone(),
                    attempt,
                    error: failure.message,
                    delay,
                });
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            Err((failure, tail)) => {
                let failed = outcome(Status::Failed, None, Some(failure.message), failure.reports);
                return shared.finished(action, failed, tail);
            }
        }
    }
}

/// The attempt's log, masking every secret of the run (not only the
/// action's own), its lines also sent as events for the live view.
fn open_log(
    shared: &RunShared,
    action: &ActionPlan,
    address: &LogAddress,
    granted: &GrantedSecrets,
) -> Result<ActionLog, AttemptFailure> {
    let (writer, shown) = shared.runs.create_log(address).map_err(|error| {
        AttemptFailure::setup(format!(
            "cannot create the log of attempt {} of {}: {error}",
            address.attempt, address.action
        ))
    })?;
    let log = ActionLog::over(writer, &shown, action.limits.log, shared.masker.clone());
    let (events, stage, name) = (
        shared.events.clone(),
        action.stage.clone(),
        action.name.clone(),
    );
    log.observe(Arc::new(move |line: &str| {
        events.event(&Event::ActionLogLine {
            stage: stage.clone(),
            action: name.clone(),
            line: line.to_owned(),
        })
    }));
    for warning in granted.masker().1 {
        log.note(Level::Warn, &format!("kiln: {warning}"));
    }
    Ok(log)
}

/// One attempt through the executor; a failure comes with the log's last
/// lines. Summaries and errors leave the log: they are masked too.
async fn run_attempt(
    shared: &RunShared,
    action: &ActionPlan,
    attempt: u32,
    log: ActionLog,
    granted: &GrantedSecrets,
) -> Result<AttemptOutput, (AttemptFailure, Vec<String>)> {
    let unit = WorkUnit {
        run_id: shared.run_id.clone(),
        pipeline: shared.pipeline.clone(),
        action: action.clone(),
        attempt,
        run: shared.facts.clone(),
        inputs: match input_digests(shared, action) {
            Ok(inputs) => inputs,
            Err(failure) => return Err((failure, log.tail())),
        },
    };
    let run_status = match action.grants.run_status {
        true => {
            // The run so far as the history has it, once every event
            // before this attempt is written.
            shared.events.flush();
            match shared.runs.show(&shared.run_id) {
                Ok(run) => Some(serde_json::to_vec_pretty(&run).unwrap_or_default()),
                Err(error) => {
                    let failure =
                        AttemptFailure::setup(format!("reading the run for run-status: {error}"));
                    return Err((failure, log.tail()));
                }
            }
        }
        false => None,
    };
    let io = AttemptIo {
        log: log.clone(),
        secrets: granted.clone(),
        run_status,
        ledger: Some(shared.runs.process_ledger(&shared.run_id)),
    };
    shared
        .executor
        .run(&unit, io)
        .await
        .map(|done| AttemptOutput {
            summary: log.mask(&done.summary),
            ..done
        })
        .map_err(|failure| {
            let message = log.mask(&failure.message);
            (AttemptFailure { message, ..failure }, log.tail())
        })
}

/// The digests of the action's inputs, as produced earlier in the run.
fn input_digests(
    shared: &RunShared,
    action: &ActionPlan,
) -> Result<Vec<(String, kiln_model::digest::Digest)>, AttemptFailure> {
    let artifacts = shared.artifacts.lock().unwrap_or_else(|p| p.into_inner());
    action
        .inputs
        .iter()
        .map(|name| {
            artifacts
                .get(name)
                .map(|digest| (name.clone(), *digest))
                .ok_or_else(|| {
                    AttemptFailure::setup(format!(
                        "input artifact `{name}` was not produced (its producer did not succeed)"
                    ))
                })
        })
        .collect()
}

/// The run's artifacts now include these outputs.
fn remember_outputs(shared: &RunShared, done: &AttemptOutput) {
    let mut artifacts = shared.artifacts.lock().unwrap_or_else(|p| p.into_inner());
    for output in &done.outputs {
        artifacts.insert(output.name.clone(), output.digest);
    }
}

/// On a resume, an action that succeeded before: its outputs are this
/// run's again and it does not run.
pub(crate) fn keep(shared: &RunShared, action: &ActionPlan, kept: &KeptAction) -> ActionOutcome {
    {
        let mut artifacts = shared.artifacts.lock().unwrap_or_else(|p| p.into_inner());
        for output in &kept.outputs {
            artifacts.insert(output.name.clone(), output.digest);
        }
    }
    exports::remember(shared, &action.name, &kept.exports);
    shared.events.event(&Event::ActionKept {
        stage: action.stage.clone(),
        action: action.name.clone(),
        summary: kept.summary.clone(),
    });
    ActionOutcome {
        outputs: kept.outputs.clone(),
        duration: Duration::ZERO,
        ..ActionOutcome::of(Status::Succeeded, kept.summary.clone(), None)
    }
}
