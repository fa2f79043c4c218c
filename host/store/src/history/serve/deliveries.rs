//! Webhook deliveries: each one whose signature checked is stored raw
//! (headers kept and body) before it is answered, in the same transaction
//! as the run it queues, so a delivery answered is never lost and a
//! redelivery (same provider delivery id) is recognised and starts nothing.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::super::{RunStore, RunStoreError, now_ms, rfc3339};
use super::queue::{NewQueued, insert};

/// What became of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// It asked for a run: this one.
    Queue(NewQueued),
    /// Answered and recorded, nothing run: a ping, a ref not followed, an
    /// event kiln does not act on.
    Ignored(String),
    /// Its body could not be used (malformed JSON): why.
    Rejected(String),
}

/// A delivery to record.
#[derive(Debug, Clone)]
pub struct Delivery<'a> {
    pub project: &'a str,
    /// The provider's delivery id (`X-GitHub-Delivery`...).
    pub id: &'a str,
    /// `github`, `gitlab`, `gitea`, `generic`.
    pub provider: &'a str,
    /// The provider's event name (`push`, `ping`...).
    pub event: &'a str,
    /// The headers worth keeping, as a JSON object.
    pub headers: &'a str,
    pub body: &'a [u8],
    pub outcome: DeliveryOutcome,
}

/// What [`RunStore::record_delivery`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// This delivery id was recorded before: nothing was done.
    Duplicate,
    /// Recorded; the queue entry it made, if any.
    New { queue_id: Option<i64> },
}

/// A recorded delivery, without its body.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRecord {
    pub id: String,
    pub project: String,
    pub provider: String,
    pub event: String,
    pub received_at: String,
    pub outcome: String,
    pub reason: Option<String>,
    pub queue_id: Option<i64>,
    pub bytes: u64,
}

impl PartialEq for NewQueued {
    fn eq(&self, other: &Self) -> bool {
        (
            &self.project,
            &self.git_ref,
            &self.commit,
            &self.trigger,
            &self.delivery,
        ) == (
            &other.project,
            &other.git_ref,
            &other.commit,
            &other.trigger,
            &other.delivery,
        )
    }
}
impl Eq for NewQueued {}

impl RunStore {
    /// Record a delivery and queue the run it asks for, in one
    /// transaction; a delivery id seen before changes nothing.
    pub fn record_delivery(&self, delivery: &Delivery<'_>) -> Result<Recorded, RunStoreError> {
        let mut connection = self.lock();
        let transaction = self.write(&mut connection)?;
        let sqlite = |e| self.sqlite(e);
        let seen: Option<i64> = transaction
            .query_row(
                "SELECT 1 FROM deliveries WHERE project = ?1 AND id = ?2",
                params![delivery.project, delivery.id],
                |row| row.get(0),
            )
            .optional()
            .map_err(sqlite)?;
        if seen.is_some() {
            return Ok(Recorded::Duplicate);
        }
        let (outcome, reason, queue_id) = match &delivery.outcome {
            DeliveryOutcome::Queue(new) => (
                "queued",
                None,
                Some(insert(&transaction, new).map_err(sqlite)?),
            ),
            DeliveryOutcome::Ignored(why) => ("ignored", Some(why.as_str()), None),
            DeliveryOutcome::Rejected(why) => ("rejected", Some(why.as_str()), None),
        };
        transaction
            .execute(
                "INSERT INTO deliveries (project, id, provider, event, received_at, headers, body,
                                         outcome, reason, queue_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    delivery.project,
                    delivery.id,
                    delivery.provider,
                    delivery.event,
                    now_ms(),
                    delivery.headers,
                    delivery.body,
                    outcome,
                    reason,
                    queue_id
                ],
            )
            .map_err(sqlite)?;
        transaction.commit().map_err(sqlite)?;
        Ok(Recorded::New { queue_id })
    }

    /// The newest deliveries of a project (or of all), at most `limit`.
    pub fn deliveries(
        &self,
        project: Option<&str>,
        limit: usize,
    ) -> Result<Vec<DeliveryRecord>, RunStoreError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare_cached(
                "SELECT id, project, provider, event, received_at, outcome, reason, queue_id,
                        length(body)
                 FROM deliveries WHERE ?1 IS NULL OR project = ?1
                 ORDER BY received_at DESC, rowid DESC LIMIT ?2",
            )
            .map_err(|e| self.sqlite(e))?;
        statement
            .query_map(params![project, limit as i64], |row| {
                Ok(DeliveryRecord {
                    id: row.get(0)?,
                    project: row.get(1)?,
                    provider: row.get(2)?,
                    event: row.get(3)?,
                    received_at: rfc3339(row.get(4)?),
                    outcome: row.get(5)?,
                    reason: row.get(6)?,
                    queue_id: row.get(7)?,
                    bytes: row.get::<_, i64>(8)?.max(0) as u64,
                })
            })
            .and_then(Iterator::collect)
            .map_err(|e| self.sqlite(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redelivery_is_recognised_and_queues_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = RunStore::open(&dir.path().join("runs.db"), &dir.path().join("runs")).unwrap();
        let delivery = Delivery {
            project: "web",
            id: "d-1",
            provider: "github",
            event: "push",
            headers: "{}",
            body: b"{}",
            outcome: DeliveryOutcome::Queue(NewQueued {
                project: "web".into(),
                git_ref: "refs/heads/main".into(),
                commit: Some("abc".into()),
                trigger: "push".into(),
                delivery: Some("d-1".into()),
                ..NewQueued::default()
            }),
        };
        assert!(matches!(
            store.record_delivery(&delivery).unwrap(),
            Recorded::New { queue_id: Some(_) }
        ));
        assert_eq!(
            store.record_delivery(&delivery).unwrap(),
            Recorded::Duplicate
        );
        assert_eq!(store.due_entries().unwrap().len(), 1);
        assert_eq!(store.deliveries(Some("web"), 10).unwrap().len(), 1);
    }
}
