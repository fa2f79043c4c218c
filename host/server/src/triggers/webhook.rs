//! Webhooks at `POST /hooks/<project>`. A delivery is believed only when
//! its signature (or GitLab's token) checks against the project's secret;
//! then it is stored raw, with the run it asks for queued in the same
//! transaction, before it is answered — `202` within milliseconds, the
//! run starting when its turn comes. A delivery id seen before answers
//! `200` and starts nothing; a ping, or a push to a ref the project does
//! not follow, is recorded and answered `200`.
//!
//! | answer | when |
//! | --- | --- |
//! | 202 | recorded, a run queued |
//! | 200 | a redelivery, a ping, a ref not followed, an event kiln does not act on |
//! | 400 | the body is not JSON (the answer says where), or a push without a ref or commit |
//! | 401 | no signature, or one that does not match: nothing is stored |
//! | 404 | no such project, or one without a webhook |
//! | 413 | a body over 25 MiB |

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kiln::store::history::serve::{Delivery, DeliveryOutcome, NewQueued, Recorded};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::signature::{self, Provider};
use crate::git::{check_ref, is_commit};
use crate::projects::Project;
use crate::state::Shared;

/// The largest body accepted (GitHub caps its payloads at 25 MiB).
pub const MAX_BODY: usize = 25 * 1024 * 1024;

/// Headers never stored: they carry the secret or credentials.
const SECRET_HEADERS: &[&str] = &["x-gitlab-token", "authorization", "cookie"];

pub async fn receive(
    State(app): State<Shared>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(project) = app.projects.get(&name) else {
        return answer(
            StatusCode::NOT_FOUND,
            json!({ "error": format!("no project `{name}`") }),
        );
    };
    let (Some(webhook), Some(secret)) = (&project.config.webhook, &project.webhook_secret) else {
        return answer(
            StatusCode::NOT_FOUND,
            json!({ "error": format!("project `{name}` has no webhook configured") }),
        );
    };
    let provider = webhook.provider;
    if let Err(error) = signature::verify(provider, &headers, &body, secret.bytes()) {
        tracing::warn!("project {name}: refused a webhook delivery: {error}");
        return answer(
            StatusCode::UNAUTHORIZED,
            json!({ "error": error.to_string() }),
        );
    }
    let event = event_name(provider, &headers);
    let id = delivery_id(provider, &headers)
        .unwrap_or_else(|| format!("sha256:{}", hex::encode(Sha256::digest(&body))));
    let outcome = classify(project, provider, &event, &body, &id);
    let kept = kept_headers(&headers);
    // Held while recording: a poll that sees the same push waits, then
    // finds its tip already seen.
    let _guard = project.trigger_lock.lock().await;
    let delivery = Delivery {
        project: &name,
        id: &id,
        provider: provider.as_str(),
        event: &event,
        headers: &kept,
        body: &body,
        outcome: outcome.clone(),
    };
    let recorded = match app.store().record_delivery(&delivery) {
        Ok(recorded) => recorded,
        Err(error) => {
            tracing::warn!("project {name}: recording a delivery: {error}");
            return answer(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({ "error": "the delivery could not be stored; deliver it again" }),
            );
        }
    };
    let queue_id = match recorded {
        Recorded::Duplicate => {
            return answer(
                StatusCode::OK,
                json!({ "status": "duplicate", "delivery": id }),
            );
        }
        Recorded::New { queue_id } => queue_id,
    };
    match outcome {
        DeliveryOutcome::Queue(new) => {
            if let Some(commit) = &new.commit
                && let Err(error) = app.store().set_ref_tip(&name, &new.git_ref, commit)
            {
                tracing::warn!("project {name}: {error}");
            }
            app.queue.queued(&new);
            answer(
                StatusCode::ACCEPTED,
                json!({ "status": "queued", "delivery": id, "queue_id": queue_id,
                        "ref": new.git_ref, "commit": new.commit }),
            )
        }
        DeliveryOutcome::Ignored(reason) => answer(
            StatusCode::OK,
            json!({ "status": "ignored", "delivery": id, "reason": reason }),
        ),
        DeliveryOutcome::Rejected(reason) => answer(
            StatusCode::BAD_REQUEST,
            json!({ "error": reason, "delivery": id }),
        ),
    }
}

fn answer(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// The provider's event name; `push` when a generic sender names none.
fn event_name(provider: Provider, headers: &HeaderMap) -> String {
    let names: &[&str] = match provider {
        Provider::Github => &["x-github-event"],
        Provider::Gitlab => &["x-gitlab-event"],
        Provider::Gitea | Provider::Forgejo => &["x-gitea-event", "x-forgejo-event"],
        Provider::Generic => &["x-kiln-event"],
    };
    names
        .iter()
        .find_map(|name| header(headers, name))
        .unwrap_or_else(|| "push".to_owned())
}

/// The provider's delivery id, which a redelivery repeats.
fn delivery_id(provider: Provider, headers: &HeaderMap) -> Option<String> {
    let names: &[&str] = match provider {
        Provider::Github => &["x-github-delivery"],
        Provider::Gitlab => &["idempotency-key", "x-gitlab-event-uuid"],
        Provider::Gitea | Provider::Forgejo => &["x-gitea-delivery", "x-forgejo-delivery"],
        Provider::Generic => &["x-kiln-delivery"],
    };
    names.iter().find_map(|name| header(headers, name))
}

/// The headers kept with a delivery, as a JSON object.
fn kept_headers(headers: &HeaderMap) -> String {
    let kept: serde_json::Map<String, Value> = headers
        .iter()
        .filter(|(name, _)| !SECRET_HEADERS.contains(&name.as_str()))
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                Value::String(String::from_utf8_lossy(value.as_bytes()).into_owned()),
            )
        })
        .collect();
    Value::Object(kept).to_string()
}

/// What a believed delivery asks for.
fn classify(
    project: &Project,
    provider: Provider,
    event: &str,
    body: &[u8],
    delivery: &str,
) -> DeliveryOutcome {
    let payload: Value = match serde_json::from_slice(body) {
        Ok(payload) => payload,
        Err(error) => return DeliveryOutcome::Rejected(format!("malformed JSON: {error}")),
    };
    let is_push = match provider {
        Provider::Github | Provider::Gitea | Provider::Forgejo | Provider::Generic => {
            event == "push"
        }
        Provider::Gitlab => event == "Push Hook" || event == "Tag Push Hook",
    };
    if provider == Provider::Github && event == "ping" {
        return DeliveryOutcome::Ignored("ping".to_owned());
    }
    if !is_push {
        return DeliveryOutcome::Ignored(format!("event `{event}` starts no run"));
    }
    let Some(git_ref) = payload.get("ref").and_then(Value::as_str) else {
        return DeliveryOutcome::Rejected("the push has no `ref`".to_owned());
    };
    if check_ref(git_ref).is_err() {
        return DeliveryOutcome::Rejected(format!("`{git_ref}` is not a ref name"));
    }
    let commit = ["checkout_sha", "after", "commit"]
        .iter()
        .find_map(|field| payload.get(*field).and_then(Value::as_str));
    let deleted = payload.get("deleted").and_then(Value::as_bool) == Some(true)
        || commit.is_some_and(|c| c.bytes().all(|b| b == b'0'));
    if deleted {
        return DeliveryOutcome::Ignored(format!("{git_ref} was deleted"));
    }
    if !project.follows(git_ref) {
        return DeliveryOutcome::Ignored(format!(
            "{git_ref} is not followed by project `{}`",
            project.name
        ));
    }
    let commit = match commit {
        Some(commit) if is_commit(commit) => commit.to_ascii_lowercase(),
        Some(commit) => return DeliveryOutcome::Rejected(format!("`{commit}` is not a commit id")),
        None => return DeliveryOutcome::Rejected("the push names no commit (`after`)".to_owned()),
    };
    DeliveryOutcome::Queue(NewQueued {
        commit: Some(commit),
        trigger: "push".to_owned(),
        delivery: Some(delivery.to_owned()),
        ..project.queued(git_ref)
    })
}
