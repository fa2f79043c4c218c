//! What the triggers remember across restarts: the ref tips a project's
//! poller has seen (a poll starts runs only for tips that moved) and the
//! last schedule slot handled (a slot missed while the server was down is
//! found from it).

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};

use super::super::{RunStore, RunStoreError, now_ms};

impl RunStore {
    /// The tips seen of a project's refs: ref name to commit.
    pub fn ref_tips(&self, project: &str) -> Result<BTreeMap<String, String>, RunStoreError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare_cached("SELECT git_ref, commit_sha FROM ref_tips WHERE project = ?1")
            .map_err(|e| self.sqlite(e))?;
        statement
            .query_map(params![project], |row| Ok((row.get(0)?, row.get(1)?)))
            .and_then(Iterator::collect)
            .map_err(|e| self.sqlite(e))
    }

    /// Remember that `git_ref` of `project` was seen at `commit`.
    pub fn set_ref_tip(
        &self,
        project: &str,
        git_ref: &str,
        commit: &str,
    ) -> Result<(), RunStoreError> {
        let mut connection = self.lock();
        let transaction = self.write(&mut connection)?;
        transaction
            .execute(
                "INSERT INTO ref_tips (project, git_ref, commit_sha, seen_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (project, git_ref)
                 DO UPDATE SET commit_sha = excluded.commit_sha, seen_at = excluded.seen_at",
                params![project, git_ref, commit, now_ms()],
            )
            .map_err(|e| self.sqlite(e))?;
        transaction.commit().map_err(|e| self.sqlite(e))
    }

    /// The last slot (Unix ms) handled of a project's schedule.
    pub fn schedule_slot(
        &self,
        project: &str,
        schedule: &str,
    ) -> Result<Option<i64>, RunStoreError> {
        let connection = self.lock();
        connection
            .query_row(
                "SELECT last_slot FROM schedule_slots WHERE project = ?1 AND schedule = ?2",
                params![project, schedule],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.sqlite(e))
    }

    /// Remember that `slot` (Unix ms) of a project's schedule was handled.
    pub fn set_schedule_slot(
        &self,
        project: &str,
        schedule: &str,
        slot: i64,
    ) -> Result<(), RunStoreError> {
        let mut connection = self.lock();
        let transaction = self.write(&mut connection)?;
        transaction
            .execute(
                "INSERT INTO schedule_slots (project, schedule, last_slot) VALUES (?1, ?2, ?3)
                 ON CONFLICT (project, schedule) DO UPDATE SET last_slot = excluded.last_slot",
                params![project, schedule, slot],
            )
            .map_err(|e| self.sqlite(e))?;
        transaction.commit().map_err(|e| self.sqlite(e))
    }
}
