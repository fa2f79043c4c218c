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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use axum::http::HeaderValue;

    use super::*;

    const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

    fn project(provider: &str) -> Project {
        let text = format!(
            "[[project]]\nname = \"web\"\nrepository = \"/srv/web.git\"\nbranches = [\"main\"]\ntags = [\"v*\"]\n\
             [project.webhook]\nprovider = \"{provider}\"\nsecret-env = \"UNUSED\"\n"
        );
        let mut config = crate::config::parse(Path::new("k.toml"), &text, Path::new("/"))
            .unwrap()
            .projects
            .remove(0);
        // Read no environment in a unit test: the secret is not needed here.
        config.webhook = None;
        let secrets = kiln::store::secrets::EnvProvider::from_vars(Vec::<(String, String)>::new());
        Project::open(config, Path::new("/tmp"), &secrets).unwrap()
    }

    fn queued(outcome: DeliveryOutcome) -> NewQueued {
        match outcome {
            DeliveryOutcome::Queue(new) => new,
            other => panic!("not queued: {other:?}"),
        }
    }

    #[test]
    fn gitlab_pushes_and_tag_pushes_run_their_checkout_sha() {
        let project = project("gitlab");
        let push = format!(
            "{{\"ref\":\"refs/heads/main\",\"after\":\"{COMMIT}\",\"checkout_sha\":\"{COMMIT}\"}}"
        );
        let new = queued(classify(
            &project,
            Provider::Gitlab,
            "Push Hook",
            push.as_bytes(),
            "u-1",
        ));
        assert_eq!(new.git_ref, "refs/heads/main");
        assert_eq!(new.commit.as_deref(), Some(COMMIT));
        assert_eq!(new.delivery.as_deref(), Some("u-1"));
        let tag = format!("{{\"ref\":\"refs/tags/v1.0\",\"checkout_sha\":\"{COMMIT}\"}}");
        let new = queued(classify(
            &project,
            Provider::Gitlab,
            "Tag Push Hook",
            tag.as_bytes(),
            "u-2",
        ));
        assert_eq!(new.git_ref, "refs/tags/v1.0");
        // A deleted branch: `checkout_sha` null and `after` all zeros.
        let deleted = format!(
            "{{\"ref\":\"refs/heads/main\",\"after\":\"{}\",\"checkout_sha\":null}}",
            "0".repeat(40)
        );
        assert!(matches!(
            classify(
                &project,
                Provider::Gitlab,
                "Push Hook",
                deleted.as_bytes(),
                "u-3"
            ),
            DeliveryOutcome::Ignored(_)
        ));
        assert!(matches!(
            classify(
                &project,
                Provider::Gitlab,
                "Merge Request Hook",
                b"{}",
                "u-4"
            ),
            DeliveryOutcome::Ignored(_)
        ));
    }

    #[test]
    fn gitea_and_generic_pushes_name_their_commit() {
        let project = project("gitea");
        let push = format!("{{\"ref\":\"refs/heads/main\",\"after\":\"{COMMIT}\"}}");
        let new = queued(classify(
            &project,
            Provider::Gitea,
            "push",
            push.as_bytes(),
            "g-1",
        ));
        assert_eq!(new.commit.as_deref(), Some(COMMIT));
        let generic = format!(
            "{{\"ref\":\"refs/heads/main\",\"commit\":\"{}\"}}",
            COMMIT.to_uppercase()
        );
        let new = queued(classify(
            &project,
            Provider::Generic,
            "push",
            generic.as_bytes(),
            "k-1",
        ));
        assert_eq!(
            new.commit.as_deref(),
            Some(COMMIT),
            "commit ids are kept lowercase"
        );
    }

    #[test]
    fn refs_and_commits_that_could_reach_git_as_options_are_rejected() {
        let project = project("github");
        for body in [
            format!("{{\"ref\":\"--upload-pack=touch /tmp/x\",\"after\":\"{COMMIT}\"}}"),
            "{\"ref\":\"refs/heads/main\",\"after\":\"--all\"}".to_owned(),
            "{\"after\":\"x\"}".to_owned(),
        ] {
            assert!(
                matches!(
                    classify(&project, Provider::Github, "push", body.as_bytes(), "d"),
                    DeliveryOutcome::Rejected(_)
                ),
                "{body}"
            );
        }
    }

    #[test]
    fn delivery_ids_come_from_each_providers_header() {
        let mut headers = HeaderMap::new();
        headers.insert("x-gitlab-event-uuid", HeaderValue::from_static("uuid-1"));
        assert_eq!(
            delivery_id(Provider::Gitlab, &headers).as_deref(),
            Some("uuid-1")
        );
        headers.insert("idempotency-key", HeaderValue::from_static("key-1"));
        assert_eq!(
            delivery_id(Provider::Gitlab, &headers).as_deref(),
            Some("key-1")
        );
        headers.insert("x-forgejo-delivery", HeaderValue::from_static("f-1"));
        assert_eq!(
            delivery_id(Provider::Forgejo, &headers).as_deref(),
            Some("f-1")
        );
        assert_eq!(delivery_id(Provider::Github, &headers), None);
        headers.insert("x-gitlab-token", HeaderValue::from_static("the-secret"));
        assert!(!kept_headers(&headers).contains("the-secret"));
    }
}
