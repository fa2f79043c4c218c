//! The run store: the history of every run in SQLite (`<data dir>/runs.db`)
//! and each action attempt's log, already masked, as a file under
//! `<data dir>/runs/<run id>/logs/<action>@<n>.log` (runs recorded before
//! have `logs/<action>/attempt-<n>.log`, still read).
//!
//! The database is shared by every kiln process on the data directory: it
//! runs in WAL mode with a busy timeout, and every change is one short
//! transaction, so concurrent runs interleave without corrupting it. A run
//! holds an exclusive lock on `runs/<run id>/lock` while it executes; a run
//! marked running whose lock is free belongs to a process that died
//! (`kill -9`, a power cut), and the next kiln command marks it
//! interrupted ([`RunStore::mark_interrupted`]).

mod approvals;
mod liveness;
pub mod metrics;
mod query;
mod recorder;
mod schema;
mod seam;

pub mod serve;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use approvals::{ApprovalError, PendingApproval};
pub use liveness::RunLock;
pub use query::{
    ActionDetail, ArtifactRecord, AttemptDetail, FailedTest, ReportRecord, RunDetail, RunFilter,
    RunSummary, StageDetail,
};
pub use recorder::{FailedStart, RunMeta, RunRecorder};
pub use seam::RunHistory;

/// How long a write waits for another process's transaction to end.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A new run id: time-ordered, so a sorted listing is a history.
pub fn new_run_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

pub use kiln_model::status::Status;

#[derive(Debug, thiserror::Error)]
pub enum RunStoreError {
    #[error("run store {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("run store {path}: migrating the schema: {source}")]
    Migration {
        path: PathBuf,
        source: rusqlite_migration::Error,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("no run `{0}` (see `kiln runs`)")]
    NoSuchRun(String),
    #[error("`{prefix}` matches {count} runs; give more of the id")]
    AmbiguousRun { prefix: String, count: usize },
    #[error("run {run} has no action `{action}`")]
    NoSuchAction { run: String, action: String },
    #[error("run {run} has no artifact `{name}`{}", if .known.is_empty() { String::new() } else { format!(" (it has {})", .known.join(", ")) })]
    NoSuchArtifact {
        run: String,
        name: String,
        known: Vec<String>,
    },
}

/// The run store of one data directory. Cheap to clone; clones share one
/// connection.
#[derive(Clone)]
pub struct RunStore {
    connection: Arc<Mutex<Connection>>,
    path: PathBuf,
    /// `<data dir>/runs`: logs and run locks.
    runs_dir: PathBuf,
}

impl RunStore {
    /// Open (creating and migrating) the store at `database`, with logs
    /// and locks under `runs_dir`; runs whose process died are marked
    /// interrupted.
    pub fn open(database: &Path, runs_dir: &Path) -> Result<Self, RunStoreError> {
        std::fs::create_dir_all(runs_dir)?;
        // Creating the database, switching it to WAL and migrating it are
        // not safe to race: one process at a time, the others wait.
        let setup_lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(runs_dir.join(".setup-lock"))?;
        setup_lock.lock()?;
        let sqlite = |source| RunStoreError::Sqlite {
            path: database.to_path_buf(),
            source,
        };
        let mut connection = Connection::open_with_flags(
            database,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite)?;
        connection.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
        // WAL: readers never block the writer and a crash mid-write rolls
        // back to the last commit. NORMAL syncs at checkpoints only: a
        // power cut may lose the last commits, never consistency.
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(sqlite)?;
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(sqlite)?;
        connection
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(sqlite)?;
        // Each kiln process would otherwise checkpoint the WAL into the
        // database (with fsyncs) when it exits: tens of milliseconds on a
        // virtual disk, on every command. SQLite checkpoints on its own
        // every 1000 pages instead.
        connection
            .set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
                true,
            )
            .map_err(sqlite)?;
        connection.set_prepared_statement_cache_capacity(64);
        schema::migrations()
            .to_latest(&mut connection)
            .map_err(|source| RunStoreError::Migration {
                path: database.to_path_buf(),
                source,
            })?;
        drop(setup_lock);
        let store = Self {
            connection: Arc::new(Mutex::new(connection)),
            path: database.to_path_buf(),
            runs_dir: runs_dir.to_path_buf(),
        };
        store.mark_interrupted()?;
        Ok(store)
    }

    /// The directory of a run's logs and lock.
    pub fn run_dir(&self, run_id: &str) -> PathBuf {
        self.runs_dir.join(run_id)
    }

    /// Where an attempt's log is written: `logs/<action>@<attempt>.log`,
    /// one file beside the others (`@` is in no action's name). A directory
    /// per action cost an inode allocation per action, most of what a
    /// no-op action costs on ext4 (BENCHMARKS.md).
    pub fn new_log_path(&self, run_id: &str, action: &str, attempt: u32) -> PathBuf {
        self.run_dir(run_id)
            .join("logs")
            .join(format!("{action}@{attempt}.log"))
    }

    /// Where an attempt's log is read from: as written now, or in the
    /// directory per action of runs recorded before.
    pub fn log_path(&self, run_id: &str, action: &str, attempt: u32) -> PathBuf {
        let path = self.new_log_path(run_id, action, attempt);
        if path.exists() {
            return path;
        }
        let before = self
            .run_dir(run_id)
            .join("logs")
            .join(action)
            .join(format!("attempt-{attempt}.log"));
        if before.exists() { before } else { path }
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the connection leaves no transaction open
        // (rusqlite rolls back on drop): keep going.
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A write transaction, holding SQLite's write lock from its start:
    /// a deferred one that reads first could fail to upgrade under
    /// another process's write instead of waiting its turn.
    fn write<'c>(
        &self,
        connection: &'c mut Connection,
    ) -> Result<rusqlite::Transaction<'c>, RunStoreError> {
        connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.sqlite(e))
    }

    fn sqlite(&self, source: rusqlite::Error) -> RunStoreError {
        RunStoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// RFC 3339 of a Unix-milliseconds time.
pub fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for status in [
            Status::Pending,
            Status::Running,
            Status::Succeeded,
            Status::Failed,
            Status::Skipped,
            Status::Interrupted,
        ] {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Status::parse("done"), None);
    }

    #[test]
    fn times_render_as_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_500), "1970-01-01T00:00:01.5Z");
    }
}
