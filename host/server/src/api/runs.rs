//! Runs: listing with filters and a cursor, one run's detail (exactly what
//! `kiln show --json` prints), cancelling, and the DORA metrics (what
//! `kiln metrics --json` prints).

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kiln::model::run::{RunDetail, RunSummary};
use kiln::model::status::Status;
use kiln::store::history::RunFilter;
use kiln::store::history::metrics::PipelineMetrics;
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
