//! An approval action: no plugin runs; the stage holds until someone
//! decides, the time runs out, or the run is cancelled (which drops this
//! wait like any running action).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kiln_model::approval::{ApprovalDecision, ApprovalSpec};
use kiln_model::event::Event;
use kiln_model::plan::ActionPlan;
use kiln_model::status::Status;

use super::RunShared;
use super::outcome::ActionOutcome;
use crate::approvals::ApprovalRequest;

pub(crate) async fn await_approval(
    shared: &RunShared,
    action: &ActionPlan,
    spec: &ApprovalSpec,
) -> ActionOutcome {
    let started = Instant::now();
    shared.events.event(&Event::ApprovalRequested {
        stage: action.stage.clone(),
        action: action.name.clone(),
        approvers: spec.approvers.clone(),
        deadline_ms: unix_ms(SystemTime::now() + spec.timeout),
    });
    let request = ApprovalRequest {
        run_id: shared.run_id.clone(),
        stage: action.stage.clone(),
        action: action.name.clone(),
        approvers: spec.approvers.clone(),
        timeout: spec.timeout,
    };
    let decided = tokio::time::timeout(spec.timeout, shared.approvals.decide(&request)).await;
    let outcome = match decided {
        Err(_) => ActionOutcome::of(
            Status::Failed,
            None,
            Some(format!(
                "no decision within {}",
                humantime::format_duration(spec.timeout)
            )),
        ),
        Ok(Err(why)) => ActionOutcome::of(Status::Failed, None, Some(why)),
        Ok(Ok(decision)) => {
            shared.events.event(&Event::ApprovalDecided {
                stage: action.stage.clone(),
                action: action.name.clone(),
                decision: decision.clone(),
            });
            decided_outcome(&decision)
        }
    };
    let outcome = ActionOutcome {
        duration: started.elapsed(),
        ..outcome
    };
    shared.finished(action, outcome, Vec::new())
}

/// Approved: the action succeeds; rejected: it fails, saying who and why.
fn decided_outcome(decision: &ApprovalDecision) -> ActionOutcome {
    let comment = decision
        .comment
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| format!(": {c}"))
        .unwrap_or_default();
    if decision.approved {
        ActionOutcome::of(
            Status::Succeeded,
            Some(format!("approved by {}{comment}", decision.by)),
            None,
        )
    } else {
        ActionOutcome::of(
            Status::Failed,
            None,
            Some(format!("rejected by {}{comment}", decision.by)),
        )
    }
}

fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_says_who_and_why() {
        let rejected = decided_outcome(&ApprovalDecision {
            approved: false,
            by: "alice".into(),
            comment: Some("not on a Friday".into()),
        });
        assert_eq!(rejected.status, Status::Failed);
        assert_eq!(
            rejected.error.as_deref(),
            Some("rejected by alice: not on a Friday")
        );
        let approved = decided_outcome(&ApprovalDecision {
            approved: true,
            by: "bob".into(),
            comment: None,
        });
        assert_eq!(approved.summary.as_deref(), Some("approved by bob"));
    }
}
