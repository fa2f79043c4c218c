//! Projects, their deliveries, the queue, and manual triggers.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kiln::store::history::serve::{DeliveryRecord, NewQueued, QueueState, Queued};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::{ApiError, ApiResult};
use crate::projects::{Project, ProjectStatus};
use crate::refs;
use crate::state::Shared;

/// A project as the API shows it.
#[derive(Serialize)]
pub struct ProjectView {
    name: String,
    repository: String,
    branches: Vec<String>,
    tags: Vec<String>,
    pipeline: String,
    poll_interval_seconds: Option<u64>,
    webhook: Option<&'static str>,
    schedules: Vec<ScheduleView>,
    concurrency: Option<String>,
    cancel_in_progress: bool,
    running: usize,
    #[serde(flatten)]
    status: ProjectStatus,
}

#[derive(Serialize)]
struct ScheduleView {
    cron: String,
    timezone: String,
    #[serde(rename = "ref")]
    git_ref: String,
    catch_up: bool,
}

fn view(app: &Shared, project: &Project) -> ProjectView {
    let config = &project.config;
    ProjectView {
        name: project.name.clone(),
        repository: config.repository.clone(),
        branches: config.branches.iter().map(ToString::to_string).collect(),
        tags: config.tags.iter().map(ToString::to_string).collect(),
        pipeline: config.pipeline.display().to_string(),
        poll_interval_seconds: config.poll_interval.map(|i| i.as_secs()),
        webhook: config.webhook.as_ref().map(|w| w.provider.as_str()),
        schedules: config
            .schedules
            .iter()
            .map(|s| ScheduleView {
                cron: s.expression.clone(),
                timezone: s.zone().to_owned(),
                git_ref: s.git_ref.clone(),
                catch_up: s.catch_up,
            })
            .collect(),
        concurrency: config.concurrency.as_ref().map(|c| c.group.clone()),
        cancel_in_progress: config
            .concurrency
            .as_ref()
            .is_some_and(|c| c.cancel_in_progress),
        running: app.queue.running(&project.name),
        status: project.status(),
    }
}

fn project<'a>(app: &'a Shared, name: &str) -> ApiResult<&'a std::sync::Arc<Project>> {
    app.projects
        .get(name)
        .ok_or_else(|| ApiError::not_found(format!("no project `{name}`")))
}

pub async fn list(State(app): State<Shared>) -> Json<Vec<ProjectView>> {
    Json(app.projects.values().map(|p| view(&app, p)).collect())
}

pub async fn show(
    State(app): State<Shared>,
    Path(name): Path<String>,
) -> ApiResult<Json<ProjectView>> {
    Ok(Json(view(&app, project(&app, &name)?)))
}

#[derive(Deserialize)]
pub struct Limit {
    limit: Option<usize>,
    state: Option<String>,
}

pub async fn deliveries(
    State(app): State<Shared>,
    Path(name): Path<String>,
    Query(query): Query<Limit>,
) -> ApiResult<Json<Vec<DeliveryRecord>>> {
    project(&app, &name)?;
    let limit = query.limit.unwrap_or(50).min(1000);
    Ok(Json(app.store().deliveries(Some(&name), limit)?))
}

pub async fn queue(
    State(app): State<Shared>,
    Query(query): Query<Limit>,
) -> ApiResult<Json<Vec<Queued>>> {
    let states: Vec<QueueState> = match query.state.as_deref() {
        None => Vec::new(),
        Some(text) => vec![parse_state(text)?],
    };
    let limit = query.limit.unwrap_or(200).min(1000);
    Ok(Json(app.store().queue_entries(&states, limit)?))
}

fn parse_state(text: &str) -> ApiResult<QueueState> {
    [
        QueueState::Queued,
        QueueState::Starting,
        QueueState::Started,
        QueueState::Superseded,
        QueueState::Failed,
    ]
    .into_iter()
    .find(|state| state.as_str() == text)
    .ok_or_else(|| {
        ApiError::bad_request(format!(
            "state `{text}` is not one of queued, starting, started, superseded, failed"
        ))
    })
}

#[derive(Serialize)]
pub struct Triggered {
    queue_id: i64,
    project: String,
    #[serde(rename = "ref")]
    git_ref: String,
    commit: Option<String>,
}

/// `POST /api/v1/projects/{project}/trigger` with an optional JSON body
/// `{"ref": "main"}`: queue a run of the ref's tip (found now when the
/// repository answers, else when the run starts).
pub async fn trigger(
    State(app): State<Shared>,
    Path(name): Path<String>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Triggered>)> {
    let project = project(&app, &name)?.clone();
    let given = requested_ref(&body)?;
    let tips = project.mirror.ls_remote().await;
    let (git_ref, commit) = match (&tips, &given) {
        (Ok(tips), given) => {
            let given = given.clone().unwrap_or(default_branch(&project, tips));
            let full =
                refs::full_name(&given, tips.keys().map(String::as_str)).ok_or_else(|| {
                    ApiError::not_found(format!("project `{name}` has no branch or tag `{given}`"))
                })?;
            let commit = tips.get(&full).cloned();
            (full, commit)
        }
        // The repository does not answer: queue the ref all the same; the
        // run's start fetches, records the error and tries again later.
        (Err(_), given) => {
            let given = given.clone().unwrap_or_else(|| "main".to_owned());
            let full = if given.starts_with("refs/") {
                given
            } else {
                format!("refs/heads/{given}")
            };
            (full, None)
        }
    };
    crate::git::check_ref(&git_ref).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let new = NewQueued {
        commit: commit.clone(),
        trigger: "manual".to_owned(),
        ..project.queued(&git_ref)
    };
    let queue_id = app.queue.submit(new)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Triggered {
            queue_id,
            project: name,
            git_ref,
            commit,
        }),
    ))
}

fn requested_ref(body: &[u8]) -> ApiResult<Option<String>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| ApiError::bad_request(format!("malformed JSON: {error}")))?;
    match value.get("ref") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if !text.is_empty() => Ok(Some(text.clone())),
        Some(other) => Err(ApiError::bad_request(format!(
            "`ref` must be a branch or tag name, not {other}"
        ))),
    }
}

/// The branch a trigger without a ref runs: the first branch pattern that
/// is a plain name, else `main`, else any branch.
fn default_branch(project: &Project, tips: &std::collections::BTreeMap<String, String>) -> String {
    let plain = project
        .config
        .branches
        .iter()
        .map(ToString::to_string)
        .find(|p| !p.contains(['*', '?']));
    plain
        .or_else(|| {
            tips.contains_key("refs/heads/main")
                .then(|| "main".to_owned())
        })
        .or_else(|| {
            tips.keys()
                .find_map(|r| r.strip_prefix("refs/heads/").map(str::to_owned))
        })
        .unwrap_or_else(|| "main".to_owned())
}
