//! Where decisions on approvals come from: the seam between the engine
//! (an action that waits) and whoever decides (a person at a terminal, a
//! server's API, `kiln approve` in another process).
//!
//! [`StoreApprovals`] waits for a decision written into the run store,
//! which is where `kiln approve` and the server's API write it; a front
//! end may race it with a prompt of its own (the CLI asks at a terminal).

use std::time::Duration;

use futures::future::BoxFuture;
use kiln_model::approval::ApprovalDecision;
use std::sync::Arc;

use kiln_store::history::RunHistory;

/// An approval the engine waits on.
#[derive(Debug, Clone)]
pub struct ApprovalRequest {
    pub run_id: String,
    pub stage: String,
    pub action: String,
    /// Who may decide; empty: anyone.
    pub approvers: Vec<String>,
    /// How long the engine waits (it fails the action after).
    pub timeout: Duration,
}

/// Gives the decision on an approval.
pub trait ApprovalGate: Send + Sync {
    /// Wait for the decision on `request`; `Err` says why none can come
    /// (no person can be asked). The engine bounds the wait by the
    /// request's timeout and by cancellation.
    fn decide<'a>(
        &'a self,
        request: &'a ApprovalRequest,
    ) -> BoxFuture<'a, Result<ApprovalDecision, String>>;
}

/// Decisions written into the run store, read back as they come.
#[derive(Clone)]
pub struct StoreApprovals {
    runs: Arc<dyn RunHistory>,
    /// How often the store is asked: another process writes the decision.
    poll: Duration,
}

impl StoreApprovals {
    pub fn new(runs: Arc<dyn RunHistory>) -> Self {
        Self {
            runs,
            poll: Duration::from_millis(200),
        }
    }
}

impl ApprovalGate for StoreApprovals {
    fn decide<'a>(
        &'a self,
        request: &'a ApprovalRequest,
    ) -> BoxFuture<'a, Result<ApprovalDecision, String>> {
        Box::pin(async move {
            loop {
                match self
                    .runs
                    .approval_decision(&request.run_id, &request.action)
                {
                    Ok(Some(decision)) => return Ok(decision),
                    Ok(None) => {}
                    // A busy database is no reason to give up on a person.
                    Err(error) => tracing::warn!("reading approval {}: {error}", request.action),
                }
                tokio::time::sleep(self.poll).await;
            }
        })
    }
}
