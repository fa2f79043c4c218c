//! Which runs are alive: a running kiln holds an exclusive lock on
//! `runs/<run id>/lock` until it ends. The operating system releases the
//! lock when the process dies however it dies, so a run recorded as
//! running whose lock can be taken was interrupted. Locks, unlike process
//! ids, are never reused by an unrelated process.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use rusqlite::params;

use super::{RunStore, RunStoreError, now_ms};

/// The lock a running run holds; released on drop or process death.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
    path: PathBuf,
}

impl RunLock {
    /// Take the lock of `run_id`; `None` when another process holds it.
    pub fn acquire(store: &RunStore, run_id: &str) -> std::io::Result<Option<Self>> {
        let dir = store.run_dir(run_id);
        std::fs::create_dir_all(&dir)?;
        try_lock(&dir.join("lock"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn try_lock(path: &Path) -> std::io::Result<Option<RunLock>> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(RunLock {
            _file: file,
            path: path.to_path_buf(),
        })),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(error)) => Err(error),
    }
}

impl RunStore {
    /// End the programs a dead kiln process left running for `run_id`
    /// (see [`reap_recorded`](crate::children::reap_recorded)).
    /// Call only while holding the run's lock.
    pub fn reap_children(&self, run_id: &str) {
        let killed = crate::children::reap_recorded(&self.run_dir(run_id).join("children"));
        if killed > 0 {
            tracing::info!("run {run_id}: killed {killed} programs its dead kiln left running");
        }
    }

    /// Mark every run recorded as running whose process is gone as
    /// interrupted, with its running stages, actions and attempts. Returns
    /// the ids of the runs marked.
    pub fn mark_interrupted(&self) -> Result<Vec<String>, RunStoreError> {
        let running: Vec<String> = {
            let connection = self.lock();
            let mut statement = connection
                .prepare_cached("SELECT id FROM runs WHERE status = 'running'")
                .map_err(|e| self.sqlite(e))?;
            statement
                .query_map([], |row| row.get(0))
                .and_then(Iterator::collect)
                .map_err(|e| self.sqlite(e))?
        };
        let mut marked = Vec::new();
        for run_id in running {
            // Holding the lock while marking: the run cannot be resumed by
            // another process in between.
            let Some(_lock) = RunLock::acquire(self, &run_id)? else {
                continue;
            };
            self.reap_children(&run_id);
            let mut connection = self.lock();
            let now = now_ms();
            let transaction = self.write(&mut connection)?;
            let changed = transaction
                .execute(
                    "UPDATE runs SET status = 'interrupted', finished_at = ?2
                     WHERE id = ?1 AND status = 'running'",
                    params![run_id, now],
                )
                .map_err(|e| self.sqlite(e))?;
            if changed == 0 {
                continue;
            }
            for table in ["stages", "actions"] {
                transaction
                    .execute(
                        &format!(
                            "UPDATE {table} SET status = 'interrupted', finished_at = ?2
                             WHERE run_id = ?1 AND status = 'running'"
                        ),
                        params![run_id, now],
                    )
                    .map_err(|e| self.sqlite(e))?;
            }
            transaction
                .execute(
                    "UPDATE attempts SET status = 'interrupted', finished_at = ?2,
                         error = 'the kiln process running it died'
                     WHERE run_id = ?1 AND status = 'running'",
                    params![run_id, now],
                )
                .map_err(|e| self.sqlite(e))?;
            transaction.commit().map_err(|e| self.sqlite(e))?;
            tracing::info!("run {run_id} was interrupted: its kiln process is gone");
            marked.push(run_id);
        }
        Ok(marked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_cannot_be_taken_twice_and_is_free_after_drop() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let held = try_lock(&path).unwrap().expect("free at first");
        assert!(try_lock(&path).unwrap().is_none(), "held elsewhere");
        drop(held);
        assert!(try_lock(&path).unwrap().is_some(), "free after drop");
    }
}
