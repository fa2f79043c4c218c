//! Approvals through the API: the ones waiting, and a decision on one.
//! Whoever decides is the calling token's name (`kiln token create
//! <name>`): an approval that names its approvers accepts a token of one
//! of those names only, so a team makes one token per person who may
//! approve. The decision is the same conditional write `kiln approve`
//! makes, so two people deciding at once cannot both win.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use kiln::model::approval::ApprovalDecision;
use kiln::store::history::ApprovalError;
use kiln::store::history::serve::Caller;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::{ApiError, ApiResult};
use crate::state::Shared;

/// The longest comment kept with a decision.
const MAX_COMMENT: usize = 4096;

#[derive(Deserialize)]
pub struct PendingQuery {
    run: Option<String>,
}

/// An approval waiting for a decision.
#[derive(Serialize)]
pub struct PendingView {
    run: String,
    action: String,
    /// Who may decide; empty: anyone with a write token.
    approvers: Vec<String>,
    /// When the action fails without a decision (RFC 3339, UTC).
    deadline: String,
}

pub async fn pending(
    State(app): State<Shared>,
    Query(query): Query<PendingQuery>,
) -> ApiResult<Json<Vec<PendingView>>> {
    let store = app.store();
    let run = query.run.map(|r| store.resolve(&r)).transpose()?;
    let pending = store.pending_approvals(run.as_deref())?;
    Ok(Json(
        pending
            .into_iter()
            .map(|p| PendingView {
                run: p.run_id,
                action: p.action,
                approvers: p.approvers,
                deadline: kiln::store::history::rfc3339(p.deadline_ms),
            })
            .collect(),
    ))
}

#[derive(Serialize)]
pub struct Decided {
    run: String,
    action: String,
    decision: &'static str,
    by: String,
    comment: Option<String>,
}

pub async fn approve(
    state: State<Shared>,
    caller: Extension<Caller>,
    path: Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<Decided>> {
    decide(state, caller, path, &body, true)
}

pub async fn reject(
    state: State<Shared>,
    caller: Extension<Caller>,
    path: Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<Decided>> {
    decide(state, caller, path, &body, false)
}

fn decide(
    State(app): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path((run, action)): Path<(String, String)>,
    body: &[u8],
    approved: bool,
) -> ApiResult<Json<Decided>> {
    let comment = comment_of(body)?;
    let store = app.store();
    let run = store.resolve(&run)?;
    let decision = ApprovalDecision {
        approved,
        by: caller.name,
        comment,
    };
    store
        .decide_approval(&run, &action, &decision)
        .map_err(refused)?;
    tracing::info!(
        "approval {action} of run {run} {} by {}",
        if approved { "approved" } else { "rejected" },
        decision.by
    );
    Ok(Json(Decided {
        run,
        action,
        decision: if approved { "approved" } else { "rejected" },
        by: decision.by,
        comment: decision.comment,
    }))
}

/// The optional `{"comment": "..."}` body.
fn comment_of(body: &[u8]) -> ApiResult<Option<String>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| ApiError::bad_request(format!("malformed JSON: {error}")))?;
    match value.get("comment") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.len() > MAX_COMMENT => Err(ApiError::bad_request(
            format!("`comment` is longer than {MAX_COMMENT} bytes"),
        )),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(ApiError::bad_request(format!(
            "`comment` must be a string, not {other}"
        ))),
    }
}

/// The status that says why a decision was refused.
fn refused(error: ApprovalError) -> ApiError {
    let status = match &error {
        ApprovalError::Store(_) => return ApiError::internal(error),
        ApprovalError::NoSuchApproval { .. } => StatusCode::NOT_FOUND,
        ApprovalError::NotWaiting { .. } => StatusCode::CONFLICT,
        ApprovalError::NotAnApprover { .. } => StatusCode::FORBIDDEN,
    };
    ApiError::new(status, error.to_string())
}
