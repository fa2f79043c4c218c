//! Approvals in the run store: requested by the run that waits (through
//! its recorder), decided by whoever may (`kiln approve`, the API, a
//! terminal prompt), read back by the waiting run and by `kiln show`.
//! The decision is one conditional `UPDATE`, so two people deciding at
//! once cannot both win.

use std::collections::HashMap;

use kiln_model::approval::{ApprovalDecision, ApprovalRecord};
use rusqlite::{OptionalExtension, params};

use super::{RunStore, RunStoreError, now_ms, rfc3339};

/// Why a decision was refused.
#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    #[error(transparent)]
    Store(#[from] RunStoreError),
    #[error("run {run} has no approval `{action}` (an action with `uses: approval`)")]
    NoSuchApproval { run: String, action: String },
    #[error("approval `{action}` of run {run} is not waiting: it was {state}")]
    NotWaiting {
        run: String,
        action: String,
        state: String,
    },
    #[error("{who} may not decide approval `{action}`; its approvers are {}", .approvers.join(", "))]
    NotAnApprover {
        action: String,
        who: String,
        approvers: Vec<String>,
    },
}

/// An approval waiting for a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingApproval {
    pub run_id: String,
    pub action: String,
    pub approvers: Vec<String>,
    pub deadline_ms: i64,
}

impl RunStore {
    /// Record that `action` of `run_id` waits for a decision until
    /// `deadline_ms`; a resumed run asks again.
    pub(super) fn request_approval(
        connection: &rusqlite::Connection,
        run_id: &str,
        action: &str,
        approvers: &[String],
        deadline_ms: i64,
    ) -> rusqlite::Result<()> {
        let approvers = serde_json::to_string(approvers).unwrap_or_else(|_| "[]".into());
        connection.execute(
            "INSERT INTO approvals (run_id, action, approvers, requested_at, deadline)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (run_id, action) DO UPDATE SET
                 approvers = excluded.approvers, requested_at = excluded.requested_at,
                 deadline = excluded.deadline, decision = NULL, decided_by = NULL,
                 comment = NULL, decided_at = NULL",
            params![run_id, action, approvers, now_ms(), deadline_ms],
        )?;
        Ok(())
    }

    /// Decide approval `action` of `run_id`: only while it waits, only by
    /// one of its approvers.
    pub fn decide_approval(
        &self,
        run_id: &str,
        action: &str,
        decision: &ApprovalDecision,
    ) -> Result<(), ApprovalError> {
        let connection = self.lock();
        let sqlite = |e| self.sqlite(e);
        let row: Option<(String, Option<String>, i64)> = connection
            .query_row(
                "SELECT approvers, decision, deadline FROM approvals
                 WHERE run_id = ?1 AND action = ?2",
                params![run_id, action],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()
            .map_err(sqlite)?;
        let Some((approvers, decided, deadline)) = row else {
            return Err(ApprovalError::NoSuchApproval {
                run: run_id.to_owned(),
                action: action.to_owned(),
            });
        };
        let not_waiting = |state: String| ApprovalError::NotWaiting {
            run: run_id.to_owned(),
            action: action.to_owned(),
            state,
        };
        if let Some(decided) = decided {
            return Err(not_waiting(decided));
        }
        if now_ms() >= deadline {
            return Err(not_waiting(format!(
                "past its deadline ({})",
                rfc3339(deadline)
            )));
        }
        let approvers: Vec<String> = serde_json::from_str(&approvers).unwrap_or_default();
        if !approvers.is_empty() && !approvers.contains(&decision.by) {
            return Err(ApprovalError::NotAnApprover {
                action: action.to_owned(),
                who: decision.by.clone(),
                approvers,
            });
        }
        let changed = record_decision(&connection, run_id, action, decision).map_err(sqlite)?;
        if !changed {
            return Err(not_waiting("decided by someone else just now".into()));
        }
        Ok(())
    }

    /// The decision on approval `action` of `run_id`, once there is one.
    pub fn approval_decision(
        &self,
        run_id: &str,
        action: &str,
    ) -> Result<Option<ApprovalDecision>, RunStoreError> {
        let connection = self.lock();
        let row: Option<(Option<String>, Option<String>, Option<String>)> = connection
            .query_row(
                "SELECT decision, decided_by, comment FROM approvals
                 WHERE run_id = ?1 AND action = ?2",
                params![run_id, action],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()
            .map_err(|e| self.sqlite(e))?;
        Ok(match row {
            Some((Some(decision), by, comment)) => Some(ApprovalDecision {
                approved: decision == "approved",
                by: by.unwrap_or_default(),
                comment,
            }),
            _ => None,
        })
    }

    /// Approvals still waiting, oldest first, of one run or all.
    pub fn pending_approvals(
        &self,
        run_id: Option<&str>,
    ) -> Result<Vec<PendingApproval>, RunStoreError> {
        let connection = self.lock();
        let sqlite = |e| self.sqlite(e);
        let mut statement = connection
            .prepare_cached(
                "SELECT a.run_id, a.action, a.approvers, a.deadline FROM approvals a
                 JOIN actions x ON x.run_id = a.run_id AND x.name = a.action
                 WHERE a.decision IS NULL AND x.status = 'waiting'
                   AND (?1 IS NULL OR a.run_id = ?1)
                 ORDER BY a.requested_at",
            )
            .map_err(sqlite)?;
        let rows = statement
            .query_map(params![run_id], |row| {
                let approvers: String = row.get(2)?;
                Ok(PendingApproval {
                    run_id: row.get(0)?,
                    action: row.get(1)?,
                    approvers: serde_json::from_str(&approvers).unwrap_or_default(),
                    deadline_ms: row.get(3)?,
                })
            })
            .map_err(sqlite)?;
        rows.collect::<Result<_, _>>().map_err(sqlite)
    }

    /// Every approval of a run, by action, for `kiln show`.
    pub(super) fn approvals_of(
        connection: &rusqlite::Connection,
        run_id: &str,
    ) -> rusqlite::Result<HashMap<String, ApprovalRecord>> {
        let mut statement = connection.prepare_cached(
            "SELECT action, approvers, requested_at, deadline, decision, decided_by, comment,
                    decided_at
             FROM approvals WHERE run_id = ?1",
        )?;
        let rows = statement.query_map(params![run_id], |row| {
            let approvers: String = row.get(1)?;
            Ok((
                row.get::<_, String>(0)?,
                ApprovalRecord {
                    approvers: serde_json::from_str(&approvers).unwrap_or_default(),
                    requested_at: rfc3339(row.get(2)?),
                    deadline: rfc3339(row.get(3)?),
                    decision: row.get(4)?,
                    decided_by: row.get(5)?,
                    comment: row.get(6)?,
                    decided_at: row.get::<_, Option<i64>>(7)?.map(rfc3339),
                },
            ))
        })?;
        rows.collect()
    }
}

/// Write a decision unless someone decided first; whether it was written.
/// `decide_approval` checks who may decide before; the run's recorder
/// writes what was decided where the run waits (a terminal prompt).
pub(super) fn record_decision(
    connection: &rusqlite::Connection,
    run_id: &str,
    action: &str,
    decision: &ApprovalDecision,
) -> rusqlite::Result<bool> {
    let changed = connection.execute(
        "UPDATE approvals SET decision = ?3, decided_by = ?4, comment = ?5, decided_at = ?6
         WHERE run_id = ?1 AND action = ?2 AND decision IS NULL",
        params![
            run_id,
            action,
            decision_text(decision.approved),
            decision.by,
            decision.comment,
            now_ms()
        ],
    )?;
    Ok(changed > 0)
}

fn decision_text(approved: bool) -> &'static str {
    if approved { "approved" } else { "rejected" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::RunStore;

    fn store_with_waiting(approvers: &[&str], deadline_ms: i64) -> (tempfile::TempDir, RunStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = RunStore::open(&dir.path().join("runs.db"), &dir.path().join("runs")).unwrap();
        {
            let connection = store.lock();
            connection
                .execute_batch(
                    "INSERT INTO runs (id, pipeline, file, file_digest, workspace, trigger, status, started_at)
                     VALUES ('r1', 'p', 'f', 'd', 'w', 'manual', 'running', 0);
                     INSERT INTO actions (run_id, name, stage, stage_position, position, plugin, plugin_digest, status)
                     VALUES ('r1', 'gate', 's', 0, 0, 'approval', 'x', 'waiting');",
                )
                .unwrap();
            let approvers: Vec<String> = approvers.iter().map(|a| a.to_string()).collect();
            RunStore::request_approval(&connection, "r1", "gate", &approvers, deadline_ms).unwrap();
        }
        (dir, store)
    }

    fn decision(by: &str, approved: bool) -> ApprovalDecision {
        ApprovalDecision {
            approved,
            by: by.into(),
            comment: Some("looks right".into()),
        }
    }

    #[test]
    fn an_approver_decides_once_and_the_run_reads_it() {
        let (_dir, store) = store_with_waiting(&["alice"], now_ms() + 60_000);
        assert_eq!(store.pending_approvals(None).unwrap().len(), 1);
        assert!(store.approval_decision("r1", "gate").unwrap().is_none());
        store
            .decide_approval("r1", "gate", &decision("alice", true))
            .unwrap();
        assert_eq!(
            store.approval_decision("r1", "gate").unwrap(),
            Some(decision("alice", true))
        );
        let again = store.decide_approval("r1", "gate", &decision("alice", false));
        assert!(
            matches!(again, Err(ApprovalError::NotWaiting { .. })),
            "{again:?}"
        );
    }

    #[test]
    fn only_listed_approvers_decide_and_never_after_the_deadline() {
        let (_dir, store) = store_with_waiting(&["alice"], now_ms() + 60_000);
        let error = store
            .decide_approval("r1", "gate", &decision("mallory", true))
            .unwrap_err();
        assert!(
            error.to_string().contains("mallory may not decide"),
            "{error}"
        );
        let (_dir, late) = store_with_waiting(&[], now_ms() - 1);
        let error = late
            .decide_approval("r1", "gate", &decision("alice", true))
            .unwrap_err();
        assert!(error.to_string().contains("deadline"), "{error}");
        let error = late
            .decide_approval("r1", "nothing", &decision("alice", true))
            .unwrap_err();
        assert!(matches!(error, ApprovalError::NoSuchApproval { .. }));
    }
}
