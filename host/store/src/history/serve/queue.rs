//! The durable queue: every run a trigger asks for is a row here first,
//! so a run asked for survives a restart until it starts. The server
//! decides when an entry starts (limits, concurrency groups); the store
//! only moves entries between states, each move one transaction.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::Serialize;

use super::super::{RunStore, RunStoreError, now_ms, rfc3339};

/// Where a queue entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueState {
    /// Waiting for its turn (or for a retry after an error).
    Queued,
    /// Being checked out and validated by a server.
    Starting,
    /// Its run started (or was recorded as failed before starting).
    Started,
    /// A newer entry of its concurrency group replaced it.
    Superseded,
    /// Gave up: the error says why.
    Failed,
}

impl QueueState {
    pub fn as_str(self) -> &'static str {
        match self {
            QueueState::Queued => "queued",
            QueueState::Starting => "starting",
            QueueState::Started => "started",
            QueueState::Superseded => "superseded",
            QueueState::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "queued" => QueueState::Queued,
            "starting" => QueueState::Starting,
            "started" => QueueState::Started,
            "superseded" => QueueState::Superseded,
            _ => QueueState::Failed,
        }
    }
}

/// A run asked for.
#[derive(Debug, Clone, Default)]
pub struct NewQueued {
    pub project: String,
    /// The full ref name: `refs/heads/main`, `refs/tags/v1`.
    pub git_ref: String,
    /// The exact commit; `None`: the ref's tip when the run starts.
    pub commit: Option<String>,
    /// `push`, `poll`, `schedule`, `manual`...
    pub trigger: String,
    pub delivery: Option<String>,
    /// The concurrency group, when the project has one.
    pub concurrency: Option<String>,
    /// A newer run of the group cancels the one in progress.
    pub cancel_in_progress: bool,
    /// Resume this failed or cancelled run (retry its failed actions) on a
    /// fresh checkout of its commit, instead of starting a new run.
    pub resume: Option<String>,
}

/// A queue entry.
#[derive(Debug, Clone, Serialize)]
pub struct Queued {
    pub id: i64,
    pub project: String,
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub commit: Option<String>,
    pub trigger: String,
    pub delivery: Option<String>,
    pub concurrency: Option<String>,
    pub cancel_in_progress: bool,
    /// The run this entry resumes (a retry), if it is one.
    pub resume: Option<String>,
    pub state: QueueState,
    pub run_id: Option<String>,
    pub enqueued_at: String,
    /// Unix milliseconds before which it does not start.
    #[serde(skip)]
    pub not_before: i64,
    pub attempts: u32,
    pub error: Option<String>,
}

const COLUMNS: &str = "id, project, git_ref, commit_sha, trigger, delivery, concurrency,
     cancel_in_progress, state, run_id, enqueued_at, not_before, attempts, error, resume";

fn queued_of(row: &Row<'_>) -> rusqlite::Result<Queued> {
    Ok(Queued {
        id: row.get(0)?,
        project: row.get(1)?,
        git_ref: row.get(2)?,
        commit: row.get(3)?,
        trigger: row.get(4)?,
        delivery: row.get(5)?,
        concurrency: row.get(6)?,
        cancel_in_progress: row.get(7)?,
        state: QueueState::parse(&row.get::<_, String>(8)?),
        run_id: row.get(9)?,
        enqueued_at: rfc3339(row.get(10)?),
        not_before: row.get(11)?,
        attempts: row.get(12)?,
        error: row.get(13)?,
        resume: row.get(14)?,
    })
}

/// Insert `new` as queued; older queued entries of its concurrency group
/// are superseded (only the newest waits, as GitHub Actions does).
pub(super) fn insert(transaction: &Transaction<'_>, new: &NewQueued) -> rusqlite::Result<i64> {
    let now = now_ms();
    if let Some(group) = &new.concurrency {
        transaction.execute(
            "UPDATE queue SET state = 'superseded', updated_at = ?2
             WHERE state = 'queued' AND concurrency = ?1",
            params![group, now],
        )?;
    }
    transaction.execute(
        "INSERT INTO queue (project, git_ref, commit_sha, trigger, delivery, concurrency,
                            cancel_in_progress, state, enqueued_at, not_before, updated_at,
                            resume)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', ?8, ?8, ?8, ?9)",
        params![
            new.project,
            new.git_ref,
            new.commit,
            new.trigger,
            new.delivery,
            new.concurrency,
            new.cancel_in_progress,
            now,
            new.resume
        ],
    )?;
    Ok(transaction.last_insert_rowid())
}

impl RunStore {
    /// Queue a run; its entry's id.
    pub fn enqueue(&self, new: &NewQueued) -> Result<i64, RunStoreError> {
        let mut connection = self.lock();
        let transaction = self.write(&mut connection)?;
        let id = insert(&transaction, new).map_err(|e| self.sqlite(e))?;
        transaction.commit().map_err(|e| self.sqlite(e))?;
        Ok(id)
    }

    /// Queue entries in `states` (every state when empty), oldest first,
    /// at most `limit`.
    pub fn queue_entries(
        &self,
        states: &[QueueState],
        limit: usize,
    ) -> Result<Vec<Queued>, RunStoreError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM queue ORDER BY id DESC LIMIT ?1"
            ))
            .map_err(|e| self.sqlite(e))?;
        let mut entries: Vec<Queued> = statement
            .query_map(params![limit as i64], queued_of)
            .and_then(Iterator::collect)
            .map_err(|e| self.sqlite(e))?;
        entries.retain(|entry| states.is_empty() || states.contains(&entry.state));
        entries.reverse();
        Ok(entries)
    }

    /// The entries waiting to start whose time has come, oldest first.
    pub fn due_entries(&self) -> Result<Vec<Queued>, RunStoreError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM queue WHERE state = 'queued' AND not_before <= ?1
                 ORDER BY id"
            ))
            .map_err(|e| self.sqlite(e))?;
        statement
            .query_map(params![now_ms()], queued_of)
            .and_then(Iterator::collect)
            .map_err(|e| self.sqlite(e))
    }

    /// One entry.
    pub fn queue_entry(&self, id: i64) -> Result<Option<Queued>, RunStoreError> {
        let connection = self.lock();
        connection
            .query_row(
                &format!("SELECT {COLUMNS} FROM queue WHERE id = ?1"),
                params![id],
                queued_of,
            )
            .optional()
            .map_err(|e| self.sqlite(e))
    }

    /// The earliest time, after now, a queued entry waits for (a retry's
    /// backoff). Entries due already but waiting for room are not counted:
    /// the end of a run makes room, and says so.
    pub fn next_due(&self) -> Result<Option<i64>, RunStoreError> {
        let connection = self.lock();
        connection
            .query_row(
                "SELECT MIN(not_before) FROM queue WHERE state = 'queued' AND not_before > ?1",
                params![now_ms()],
                |row| row.get(0),
            )
            .map_err(|e| self.sqlite(e))
    }

    /// Take a queued entry to start it; `false` when it is no longer
    /// queued (superseded meanwhile).
    pub fn claim(&self, id: i64) -> Result<bool, RunStoreError> {
        self.move_entry(id, "starting", "state = 'queued'", None, None)
    }

    /// The entry's run started (or was recorded as failed) as `run_id`.
    pub fn mark_started(&self, id: i64, run_id: &str) -> Result<(), RunStoreError> {
        self.move_entry(id, "started", "1", Some(run_id), None)
            .map(drop)
    }

    /// Starting failed with `error`; try again at `not_before` (Unix ms).
    pub fn mark_retry(&self, id: i64, error: &str, not_before: i64) -> Result<(), RunStoreError> {
        let mut connection = self.lock();
        let transaction = self.write(&mut connection)?;
        transaction
            .execute(
                "UPDATE queue SET state = 'queued', error = ?2, attempts = attempts + 1,
                     not_before = ?3, updated_at = ?4
                 WHERE id = ?1",
                params![id, error, not_before, now_ms()],
            )
            .map_err(|e| self.sqlite(e))?;
        transaction.commit().map_err(|e| self.sqlite(e))
    }

    /// Give up on the entry: `error` says why.
    pub fn mark_failed(&self, id: i64, error: &str) -> Result<(), RunStoreError> {
        self.move_entry(id, "failed", "1", None, Some(error))
            .map(drop)
    }

    /// A newer entry of its concurrency group replaced the entry before
    /// its run started.
    pub fn mark_superseded(&self, id: i64) -> Result<(), RunStoreError> {
        self.move_entry(id, "superseded", "1", None, None).map(drop)
    }

    /// Entries a server was starting when it stopped go back to the queue.
    pub fn requeue_unstarted(&self) -> Result<usize, RunStoreError> {
        let mut connection = self.lock();
        let transaction = self.write(&mut connection)?;
        let count = transaction
            .execute(
                "UPDATE queue SET state = 'queued', updated_at = ?1 WHERE state = 'starting'",
                params![now_ms()],
            )
            .map_err(|e| self.sqlite(e))?;
        transaction.commit().map_err(|e| self.sqlite(e))?;
        Ok(count)
    }

    fn move_entry(
        &self,
        id: i64,
        state: &str,
        condition: &str,
        run_id: Option<&str>,
        error: Option<&str>,
    ) -> Result<bool, RunStoreError> {
        let mut connection = self.lock();
        let transaction = self.write(&mut connection)?;
        let changed = transaction
            .execute(
                &format!(
                    "UPDATE queue SET state = ?2, run_id = COALESCE(?3, run_id),
                         error = COALESCE(?4, error), attempts = attempts + (?2 = 'failed'),
                         updated_at = ?5
                     WHERE id = ?1 AND {condition}"
                ),
                params![id, state, run_id, error, now_ms()],
            )
            .map_err(|e| self.sqlite(e))?;
        transaction.commit().map_err(|e| self.sqlite(e))?;
        Ok(changed == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, RunStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = RunStore::open(&dir.path().join("runs.db"), &dir.path().join("runs")).unwrap();
        (dir, store)
    }

    fn push(store: &RunStore, sha: &str, group: Option<&str>) -> i64 {
        store
            .enqueue(&NewQueued {
                project: "web".into(),
                git_ref: "refs/heads/main".into(),
                commit: Some(sha.into()),
                trigger: "push".into(),
                concurrency: group.map(str::to_owned),
                ..NewQueued::default()
            })
            .unwrap()
    }

    #[test]
    fn a_newer_entry_of_a_group_supersedes_the_queued_one() {
        let (_dir, store) = store();
        let first = push(&store, "a", Some("web-main"));
        let other = push(&store, "b", None);
        let second = push(&store, "c", Some("web-main"));
        let due: Vec<i64> = store.due_entries().unwrap().iter().map(|e| e.id).collect();
        assert_eq!(due, vec![other, second]);
        let first = store.queue_entry(first).unwrap().unwrap();
        assert_eq!(first.state, QueueState::Superseded);
    }

    #[test]
    fn a_claimed_entry_cannot_be_claimed_again_and_returns_after_a_restart() {
        let (_dir, store) = store();
        let id = push(&store, "a", None);
        assert!(store.claim(id).unwrap());
        assert!(!store.claim(id).unwrap());
        assert!(store.due_entries().unwrap().is_empty());
        assert_eq!(store.requeue_unstarted().unwrap(), 1);
        assert_eq!(store.due_entries().unwrap().len(), 1);
    }

    #[test]
    fn a_retry_waits_for_its_time_and_keeps_the_error() {
        let (_dir, store) = store();
        let id = push(&store, "a", None);
        assert!(store.claim(id).unwrap());
        store
            .mark_retry(id, "fetching: no such repository", now_ms() + 60_000)
            .unwrap();
        assert!(store.due_entries().unwrap().is_empty());
        assert!(store.next_due().unwrap().is_some_and(|at| at > now_ms()));
        let entry = store.queue_entry(id).unwrap().unwrap();
        assert_eq!(entry.state, QueueState::Queued);
        assert_eq!(entry.attempts, 1);
        assert_eq!(entry.error.as_deref(), Some("fetching: no such repository"));
    }
}
