//! Runs: listing with filters and a cursor, one run's detail (exactly what
//! `kiln show --json` prints), cancelling, retrying the failed actions of
//! a run, and the DORA metrics (what `kiln metrics --json` prints).

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kiln::model::run::{RunDetail, RunSummary};
use kiln::model::status::Status;
use kiln::store::history::RunFilter;
use kiln::store::history::metrics::PipelineMetrics;
use kiln::store::history::serve::NewQueued;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult};
use crate::state::Shared;

#[derive(Deserialize)]
pub struct RunsQuery {
    project: Option<String>,
    pipeline: Option<String>,
    branch: Option<String>,
    status: Option<String>,
    limit: Option<usize>,
    /// The `next_cursor` of the page before.
    cursor: Option<String>,
}

#[derive(Serialize)]
pub struct RunsPage {
    runs: Vec<RunSummary>,
    /// Pass as `cursor` for the next (older) page; absent on the last.
    next_cursor: Option<String>,
}

pub async fn list(
    State(app): State<Shared>,
    Query(query): Query<RunsQuery>,
) -> ApiResult<Json<RunsPage>> {
    let status = query
        .status
        .as_deref()
        .map(|text| {
            Status::parse(text)
                .ok_or_else(|| ApiError::bad_request(format!("`{text}` is not a run status")))
        })
        .transpose()?;
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let mut runs = app.store().find_runs(&RunFilter {
        pipeline: query.pipeline,
        project: query.project,
        branch: query.branch,
        status,
        after: query.cursor,
        limit: limit + 1,
    })?;
    let more = runs.len() > limit;
    runs.truncate(limit);
    let next_cursor = more.then(|| runs.last().map(|r| r.id.clone())).flatten();
    Ok(Json(RunsPage { runs, next_cursor }))
}

pub async fn show(
    State(app): State<Shared>,
    Path(run): Path<String>,
) -> ApiResult<Json<RunDetail>> {
    let store = app.store();
    Ok(Json(store.show(&store.resolve(&run)?)?))
}

pub async fn cancel(
    State(app): State<Shared>,
    Path(run): Path<String>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let store = app.store();
    let id = store.resolve(&run)?;
    if app.queue.cancel_run(&id) {
        return Ok((
            StatusCode::ACCEPTED,
            Json(serde_json::json!({ "run": id, "status": "cancelling" })),
        ));
    }
    let status = store.status(&id)?;
    Err(ApiError::new(
        StatusCode::CONFLICT,
        if status.is_final() {
            format!("run {id} already ended ({status})")
        } else {
            format!("run {id} is not run by this server (a `kiln run` elsewhere)")
        },
    ))
}

#[derive(Serialize)]
pub struct Retrying {
    run: String,
    queue_id: i64,
}

/// Retry the failed (and cancelled, and never started) actions of an
/// ended run: the run is resumed, on a fresh checkout of its commit,
/// keeping what succeeded; it is queued like any run of its project.
pub async fn retry(
    State(app): State<Shared>,
    Path(run): Path<String>,
) -> ApiResult<(StatusCode, Json<Retrying>)> {
    let store = app.store();
    let id = store.resolve(&run)?;
    let summary = store.show(&id)?.summary;
    let conflict = |why: String| ApiError::new(StatusCode::CONFLICT, why);
    if !matches!(
        summary.status,
        Status::Failed | Status::Cancelled | Status::Interrupted
    ) {
        return Err(conflict(format!(
            "run {id} is {}: only a failed, cancelled or interrupted run has actions to retry",
            summary.status
        )));
    }
    if let Some(error) = &summary.error {
        return Err(conflict(format!(
            "run {id} never started, so there is nothing to retry ({error}); push a fix or trigger a new run"
        )));
    }
    let (Some(project), Some(git_ref), Some(commit)) =
        (&summary.project, &summary.git_ref, &summary.commit)
    else {
        return Err(conflict(format!(
            "run {id} was not started by this server (a `kiln run`): resume it with `kiln run --resume {id}` where it ran"
        )));
    };
    if !app.projects.contains_key(project) {
        return Err(conflict(format!(
            "run {id} belongs to project `{project}`, which this server's configuration no longer has"
        )));
    }
    let queue_id = app.queue.submit(NewQueued {
        project: project.clone(),
        git_ref: git_ref.clone(),
        commit: Some(commit.clone()),
        trigger: "retry".to_owned(),
        resume: Some(id.clone()),
        ..NewQueued::default()
    })?;
    Ok((StatusCode::ACCEPTED, Json(Retrying { run: id, queue_id })))
}

#[derive(Deserialize)]
pub struct MetricsQuery {
    pipeline: Option<String>,
    /// e.g. `30d`.
    window: Option<String>,
}

pub async fn metrics(
    State(app): State<Shared>,
    Query(query): Query<MetricsQuery>,
) -> ApiResult<Json<Vec<PipelineMetrics>>> {
    let window = match query.window.as_deref() {
        Some(text) => humantime::parse_duration(text).map_err(|_| {
            ApiError::bad_request(format!("window `{text}` is not a duration (e.g. `30d`)"))
        })?,
        None => Duration::from_secs(30 * 86_400),
    };
    Ok(Json(
        app.store().metrics(query.pipeline.as_deref(), window)?,
    ))
}
