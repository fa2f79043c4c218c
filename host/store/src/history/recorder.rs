//! Writing a run as it happens: the recorder is an [`EventSink`], so the
//! history is exactly what the scheduler reported. Events are written by a
//! thread of their own ([`super::writer`]), as many as have queued up in
//! one transaction, each with the time it happened; the run's end and an
//! approval's request are waited for. A failed write is a warning, never
//! the end of the run: the run's own result matters more than its record.

use std::path::{Path, PathBuf};

use rusqlite::{Transaction, params};

use super::liveness::RunLock;
use super::writer::Writer;
use super::{RunStore, RunStoreError, Status, now_ms};
use kiln_model::event::{Event, EventSink, LogAddress};
use kiln_model::plan::Plan;

/// What a run is, beyond its plan.
#[derive(Debug, Clone)]
pub struct RunMeta {
    pub file_digest: String,
    /// `manual`, `ci`, or what `--trigger` said.
    pub trigger: String,
    /// The workspace's git commit and its committer time (Unix seconds).
    pub commit: Option<(String, i64)>,
    /// The server project the run belongs to (`kiln serve`).
    pub project: Option<String>,
    /// The git ref the run was started for, e.g. `refs/heads/main`.
    pub git_ref: Option<String>,
    /// The webhook delivery that asked for the run.
    pub delivery: Option<String>,
}

impl RunMeta {
    /// A run of a pipeline file with this digest, started by `trigger`,
    /// with no commit and from no server project.
    pub fn new(file_digest: impl Into<String>, trigger: impl Into<String>) -> Self {
        Self {
            file_digest: file_digest.into(),
            trigger: trigger.into(),
            commit: None,
            project: None,
            git_ref: None,
            delivery: None,
        }
    }
}

/// A run that failed before it started: see
/// [`RunRecorder::failed_before_start`].
#[derive(Debug)]
pub struct FailedStart<'a> {
    /// The pipeline's name (the file's `name:` when it could be read).
    pub pipeline: &'a str,
    pub file: &'a Path,
    pub workspace: &'a Path,
    pub meta: &'a RunMeta,
    /// Why, already plain text.
    pub error: &'a str,
}

/// Records one run; holds the run's lock until dropped.
/// What the `runs` row of a new run says about it.
struct RunRow<'a> {
    pipeline: &'a str,
    file: &'a Path,
    workspace: &'a Path,
    meta: &'a RunMeta,
}

/// Insert the `runs` row of a new run: running, or, with `failed_with`,
/// failed before it started, ended at once with that error.
fn insert_run(
    transaction: &Transaction,
    run_id: &str,
    row: &RunRow<'_>,
    failed_with: Option<&str>,
) -> rusqlite::Result<usize> {
    let now = now_ms();
    let (status, finished_at, duration_ms) = match failed_with {
        Some(_) => ("failed", Some(now), Some(0)),
        None => ("running", None, None),
    };
    let meta = row.meta;
    transaction.execute(
        "INSERT INTO runs (id, pipeline, file, file_digest, workspace, trigger, status,
                           started_at, finished_at, duration_ms, commit_sha, commit_time,
                           project, git_ref, delivery, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        params![
            run_id,
            row.pipeline,
            path_text(row.file),
            meta.file_digest,
            path_text(row.workspace),
            meta.trigger,
            status,
            now,
            finished_at,
            duration_ms,
            meta.commit.as_ref().map(|(sha, _)| sha),
            meta.commit.as_ref().map(|(_, time)| time * 1000),
            meta.project,
            meta.git_ref,
            meta.delivery,
            failed_with,
        ],
    )
}

pub struct RunRecorder {
    run_id: String,
    /// Declared before the lock: its thread has written everything when
    /// the lock is released.
    writer: Writer,
    lock: RunLock,
}

/// What writes one run's events: the history and the run's id.
#[derive(Clone)]
pub(super) struct Book {
    store: RunStore,
    run_id: String,
}

impl RunRecorder {
    /// Record a new run of `plan`, every stage and action pending.
    pub fn begin(
        store: &RunStore,
        run_id: &str,
        plan: &Plan,
        meta: &RunMeta,
    ) -> Result<Self, RunStoreError> {
        // The lock is taken before the run exists: no other process can see
        // it running and unlocked.
        let lock = RunLock::acquire(store, run_id)?
            .ok_or_else(|| std::io::Error::other(format!("run {run_id} is locked")))?;
        let mut connection = store.lock();
        let transaction = store.write(&mut connection)?;
        let row = RunRow {
            pipeline: &plan.name,
            file: &plan.file,
            workspace: &plan.workspace,
            meta,
        };
        insert_run(&transaction, run_id, &row, None).map_err(|e| store.sqlite(e))?;
        for (s, stage) in plan.stages.iter().enumerate() {
            transaction
                .execute(
                    "INSERT INTO stages (run_id, position, name, deploy, status)
                     VALUES (?1, ?2, ?3, ?4, 'pending')",
                    params![run_id, s as i64, stage.name, stage.deploy],
                )
                .map_err(|e| store.sqlite(e))?;
            for (a, action) in stage.actions.iter().enumerate() {
                transaction
                    .execute(
                        "INSERT INTO actions (run_id, name, stage, stage_position, position,
                                              plugin, plugin_digest, status)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending')",
                        params![
                            run_id,
                            action.name,
                            stage.name,
                            s as i64,
                            a as i64,
                            action.uses,
                            action.plugin.digest.to_string()
                        ],
                    )
                    .map_err(|e| store.sqlite(e))?;
            }
        }
        transaction.commit().map_err(|e| store.sqlite(e))?;
        drop(connection);
        Ok(Self::new(store, run_id, lock))
    }

    /// Continue an interrupted or failed run: it is running again, and
    /// every action that did not succeed is pending again (its attempts
    /// and logs are kept; new attempts number on from them).
    pub fn resume(store: &RunStore, run_id: &str) -> Result<Self, RunStoreError> {
        let lock = RunLock::acquire(store, run_id)?.ok_or_else(|| {
            std::io::Error::other(format!("run {run_id} is running in another kiln process"))
        })?;
        // Programs the dead kiln started must be gone before new attempts
        // write where they wrote.
        store.reap_children(run_id);
        let mut connection = store.lock();
        let transaction = store.write(&mut connection)?;
        transaction
            .execute(
                "UPDATE runs SET status = 'running', finished_at = NULL, resumes = resumes + 1
                 WHERE id = ?1",
                params![run_id],
            )
            .map_err(|e| store.sqlite(e))?;
        transaction
            .execute(
                "UPDATE actions SET status = 'pending', error = NULL, summary = NULL,
                     finished_at = NULL
                 WHERE run_id = ?1 AND status <> 'succeeded'",
                params![run_id],
            )
            .map_err(|e| store.sqlite(e))?;
        transaction
            .execute(
                "UPDATE stages SET status = 'pending', finished_at = NULL
                 WHERE run_id = ?1 AND status <> 'succeeded'",
                params![run_id],
            )
            .map_err(|e| store.sqlite(e))?;
        transaction.commit().map_err(|e| store.sqlite(e))?;
        drop(connection);
        Ok(Self::new(store, run_id, lock))
    }

    fn new(store: &RunStore, run_id: &str, lock: RunLock) -> Self {
        Self {
            run_id: run_id.to_owned(),
            writer: Writer::start(Book::new(store, run_id)),
            lock,
        }
    }

    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Record a run that failed before any action ran: its pipeline file
    /// did not validate at the commit it was started for. It has no stages;
    /// `error` (the diagnostics, each with its file:line:col) says why.
    pub fn failed_before_start(
        store: &RunStore,
        run_id: &str,
        failed: &FailedStart<'_>,
    ) -> Result<(), RunStoreError> {
        let mut connection = store.lock();
        let transaction = store.write(&mut connection)?;
        let row = RunRow {
            pipeline: failed.pipeline,
            file: failed.file,
            workspace: failed.workspace,
            meta: failed.meta,
        };
        insert_run(&transaction, run_id, &row, Some(failed.error)).map_err(|e| store.sqlite(e))?;
        transaction.commit().map_err(|e| store.sqlite(e))
    }

    /// The lock file this run holds.
    pub fn lock_path(&self) -> &Path {
        self.lock.path()
    }
}

impl Book {
    pub(super) fn new(store: &RunStore, run_id: &str) -> Self {
        Self {
            store: store.clone(),
            run_id: run_id.to_owned(),
        }
    }

    pub(super) fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Write `batch` (events and when each happened) in one transaction;
    /// if that fails, each on its own, so that one bad event loses only
    /// itself.
    pub(super) fn write(&self, batch: &[(Event, i64)]) {
        if batch.len() > 1 && self.write_together(batch).is_ok() {
            return;
        }
        for one in batch {
            if let Err(error) = self.write_together(std::slice::from_ref(one)) {
                tracing::warn!("recording run {}: {error}", self.run_id);
            }
        }
    }

    fn write_together(&self, batch: &[(Event, i64)]) -> Result<(), RunStoreError> {
        let mut connection = self.store.lock();
        let transaction = self.store.write(&mut connection)?;
        for (event, now) in batch {
            self.record(&transaction, event, *now)?;
        }
        transaction.commit().map_err(|e| self.store.sqlite(e))
    }

    fn record(
        &self,
        transaction: &Transaction,
        event: &Event,
        now: i64,
    ) -> Result<(), RunStoreError> {
        let store = &self.store;
        let run = &self.run_id;
        // Prepared once per process: each event runs the same few
        // statements, and parsing them would cost more than running them.
        let sql = |transaction: &Transaction, sql: &str, values: &[&dyn rusqlite::ToSql]| {
            transaction
                .prepare_cached(sql)
                .and_then(|mut statement| statement.execute(values))
                .map(drop)
                .map_err(|e| store.sqlite(e))
        };
        match event {
            Event::RunStarted { .. } | Event::ActionLogLine { .. } | Event::ActionKept { .. } => {}
            Event::ApprovalRequested {
                action,
                approvers,
                deadline_ms,
                ..
            } => {
                sql(
                    transaction,
                    "UPDATE actions SET status = 'waiting', started_at = COALESCE(started_at, ?3)
                     WHERE run_id = ?1 AND name = ?2",
                    params![run, action, now],
                )?;
                RunStore::request_approval(
                    transaction,
                    run,
                    action,
                    approvers,
                    *deadline_ms as i64,
                )
                .map_err(|e| self.store.sqlite(e))?;
            }
            Event::ApprovalDecided {
                action, decision, ..
            } => {
                super::approvals::record_decision(transaction, run, action, decision)
                    .map_err(|e| self.store.sqlite(e))?;
            }
            Event::StageStarted { stage } => sql(
                transaction,
                "UPDATE stages SET status = 'running', started_at = COALESCE(started_at, ?3)
                 WHERE run_id = ?1 AND name = ?2",
                params![run, stage, now],
            )?,
            Event::ActionStarted {
                action,
                attempt,
                log,
                ..
            } => {
                sql(
                    transaction,
                    "UPDATE actions SET status = 'running', attempts = ?3,
                         started_at = COALESCE(started_at, ?4)
                     WHERE run_id = ?1 AND name = ?2",
                    params![run, action, attempt, now],
                )?;
                sql(
                    transaction,
                    "INSERT OR REPLACE INTO attempts (run_id, action, number, status, started_at, log)
                     VALUES (?1, ?2, ?3, 'running', ?4, ?5)",
                    params![run, action, attempt, now, self.relative_log(log)],
                )?;
            }
            Event::ActionRetrying {
                action,
                attempt,
                error,
                ..
            } => sql(
                transaction,
                "UPDATE attempts SET status = 'failed', finished_at = ?4, error = ?5
                 WHERE run_id = ?1 AND action = ?2 AND number = ?3",
                params![run, action, attempt, now, error],
            )?,
            Event::ActionFinished {
                action,
                status,
                attempts,
                duration,
                summary,
                error,
                log,
                cached,
                outputs,
                reports,
                exports,
                ..
            } => {
                sql(
                    transaction,
                    "UPDATE actions SET status = ?3, attempts = MAX(attempts, ?4),
                         started_at = COALESCE(started_at, ?5), finished_at = ?5,
                         duration_ms = ?6, summary = ?7, error = ?8, cached = ?9
                     WHERE run_id = ?1 AND name = ?2",
                    params![
                        run,
                        action,
                        status.as_str(),
                        attempts,
                        now,
                        duration.as_millis() as i64,
                        summary,
                        error,
                        cached
                    ],
                )?;
                if *cached && let Some(log) = log {
                    // The replayed log of a cached result is its one attempt.
                    sql(
                        transaction,
                        "INSERT OR REPLACE INTO attempts
                             (run_id, action, number, status, started_at, finished_at, log)
                         VALUES (?1, ?2, 1, 'succeeded', ?3, ?3, ?4)",
                        params![run, action, now, self.relative_log(log)],
                    )?;
                } else {
                    sql(
                        transaction,
                        "UPDATE attempts SET status = ?4, finished_at = ?5, error = ?6
                         WHERE run_id = ?1 AND action = ?2 AND number = ?3",
                        params![run, action, attempts, status.as_str(), now, error],
                    )?;
                }
                sql(
                    transaction,
                    "DELETE FROM artifacts WHERE run_id = ?1 AND action = ?2",
                    params![run, action],
                )?;
                for artifact in outputs {
                    sql(
                        transaction,
                        "INSERT OR REPLACE INTO artifacts (run_id, name, action, digest, files, bytes)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![
                            run,
                            artifact.name,
                            action,
                            artifact.digest.to_string(),
                            artifact.files as i64,
                            artifact.bytes as i64
                        ],
                    )?;
                }
                sql(
                    transaction,
                    "DELETE FROM exports WHERE run_id = ?1 AND action = ?2",
                    params![run, action],
                )?;
                for (name, value) in exports {
                    sql(
                        transaction,
                        "INSERT OR REPLACE INTO exports (run_id, action, name, value)
                         VALUES (?1, ?2, ?3, ?4)",
                        params![run, action, name, value],
                    )?;
                }
                sql(
                    transaction,
                    "DELETE FROM reports WHERE run_id = ?1 AND action = ?2",
                    params![run, action],
                )?;
                for report in reports {
                    let failures =
                        serde_json::to_string(&report.failures).unwrap_or_else(|_| "[]".into());
                    sql(
                        transaction,
                        "INSERT OR REPLACE INTO reports (run_id, action, path, format, tests,
                             passed, failed, errored, skipped, duration_ms, failures,
                             lines_covered, lines_total)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                        params![
                            run,
                            action,
                            report.path,
                            report.format,
                            report.tests as i64,
                            report.passed as i64,
                            report.failed as i64,
                            report.errored as i64,
                            report.skipped as i64,
                            report.duration_ms as i64,
                            failures,
                            report.coverage.map(|c| c.covered as i64),
                            report.coverage.map(|c| c.total as i64)
                        ],
                    )?;
                }
            }
            Event::ActionSkipped { action, reason, .. } => sql(
                transaction,
                "UPDATE actions SET status = 'skipped', summary = ?3, finished_at = ?4
                 WHERE run_id = ?1 AND name = ?2",
                params![run, action, format!("skipped: {reason}"), now],
            )?,
            Event::StageFinished { stage, status } => sql(
                transaction,
                "UPDATE stages SET status = ?3, finished_at = ?4
                 WHERE run_id = ?1 AND name = ?2",
                params![run, stage, status.as_str(), now],
            )?,
            Event::RunFinished {
                status, duration, ..
            } => sql(
                transaction,
                "UPDATE runs SET status = ?2, finished_at = ?3,
                     duration_ms = COALESCE(duration_ms, 0) + ?4
                 WHERE id = ?1",
                params![run, status.as_str(), now, duration.as_millis() as i64],
            )?,
        }
        Ok(())
    }

    /// Where the log `log` names is kept, relative to the runs directory.
    fn relative_log(&self, log: &LogAddress) -> String {
        let path = self
            .store
            .new_log_path(&log.run_id, &log.action, log.attempt);
        path_text(path.strip_prefix(&self.store.runs_dir).unwrap_or(&path))
    }
}

impl EventSink for RunRecorder {
    fn event(&self, event: &Event) {
        // Events the history does not keep cost nothing: a log line must
        // not take the database's write lock.
        if matches!(
            event,
            Event::RunStarted { .. } | Event::ActionLogLine { .. } | Event::ActionKept { .. }
        ) {
            return;
        }
        self.writer.send(event.clone(), now_ms());
        // What another process waits to read: a run's end, and a request
        // a person answers with `kiln approve`.
        if matches!(
            event,
            Event::RunFinished { .. } | Event::ApprovalRequested { .. }
        ) {
            self.writer.flush();
        }
    }

    fn flush(&self) {
        self.writer.flush();
    }
}

/// Paths are stored as UTF-8 text; kiln's own paths always are.
fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// A stored log path, made absolute again.
pub(super) fn log_location(store: &RunStore, stored: &str) -> PathBuf {
    store.runs_dir.join(stored)
}

/// A status column's value.
pub(super) fn status_of(text: &str) -> Status {
    Status::parse(text).unwrap_or(Status::Failed)
}
