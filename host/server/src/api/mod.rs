//! The REST API under `/api/v1` (JSON; bearer tokens, see [`auth`]) and
//! the webhook endpoint `/hooks/{project}` (signatures, see
//! [`crate::triggers::webhook`]). Every route is listed once, in
//! [`routes`]: the router is built from that list, and a test checks it
//! against `openapi.yaml` both ways.

mod approvals;
mod artifacts;
mod auth;
mod error;
mod logs;
mod projects;
mod runs;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter, on};

use crate::state::Shared;
use crate::triggers::webhook;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A bearer token (read for `GET`, write otherwise).
    Token,
    /// A webhook signature.
    Signature,
    /// Anyone (the health check).
    Open,
}

/// One route: method, path (axum's `{param}` syntax, as OpenAPI's), who
/// may call it, and its handler.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub handler: MethodRouter<Shared>,
}

/// The handler is routed for `method` only: the table cannot say one
/// method and serve another.
fn route<H, T>(method: Method, path: &'static str, access: Access, handler: H) -> Route
where
    H: Handler<T, Shared>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).expect("a method axum can route");
    Route {
        method,
        path,
        access,
        handler: on(filter, handler),
    }
}

/// Every route of the server.
pub fn routes() -> Vec<Route> {
    use Access::{Open, Signature, Token};
    vec![
        route(Method::GET, "/health", Open, || async { "ok\n" }),
        route(
            Method::POST,
            "/hooks/{project}",
            Signature,
            webhook::receive,
        ),
        route(Method::GET, "/api/v1/projects", Token, projects::list),
        route(
            Method::GET,
            "/api/v1/projects/{project}",
            Token,
            projects::show,
        ),
        route(
            Method::POST,
            "/api/v1/projects/{project}/trigger",
            Token,
            projects::trigger,
        ),
        route(
            Method::GET,
            "/api/v1/projects/{project}/deliveries",
            Token,
            projects::deliveries,
        ),
        route(Method::GET, "/api/v1/queue", Token, projects::queue),
        route(Method::GET, "/api/v1/runs", Token, runs::list),
        route(Method::GET, "/api/v1/runs/{run}", Token, runs::show),
        route(
            Method::POST,
            "/api/v1/runs/{run}/cancel",
            Token,
            runs::cancel,
        ),
        route(Method::POST, "/api/v1/runs/{run}/retry", Token, runs::retry),
        route(Method::GET, "/api/v1/approvals", Token, approvals::pending),
        route(
            Method::POST,
            "/api/v1/runs/{run}/actions/{action}/approve",
            Token,
            approvals::approve,
        ),
        route(
            Method::POST,
            "/api/v1/runs/{run}/actions/{action}/reject",
            Token,
            approvals::reject,
        ),
        route(
            Method::GET,
            "/api/v1/runs/{run}/actions/{action}/attempts/{attempt}/log",
            Token,
            logs::whole,
        ),
        route(
            Method::GET,
            "/api/v1/runs/{run}/actions/{action}/attempts/{attempt}/log/stream",
            Token,
            logs::live,
        ),
        route(
            Method::GET,
            "/api/v1/runs/{run}/artifacts",
            Token,
            artifacts::list,
        ),
        route(
            Method::GET,
            "/api/v1/runs/{run}/artifacts/{name}",
            Token,
            artifacts::download,
        ),
        route(Method::GET, "/api/v1/metrics", Token, runs::metrics),
    ]
}

/// The server's router: token-checked API routes, signature-checked
/// webhooks with their body limit, and the open health check.
pub fn router(state: Shared) -> Router {
    let mut api = Router::new();
    let mut hooks = Router::new();
    let mut open = Router::new();
    for Route {
        method,
        path,
        access,
        handler,
    } in routes()
    {
        tracing::debug!("route {method} {path}");
        match access {
            Access::Token => api = api.route(path, handler),
            Access::Signature => hooks = hooks.route(path, handler),
            Access::Open => open = open.route(path, handler),
        }
    }
    let api = api.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        auth::require_token,
    ));
    let hooks = hooks.layer(DefaultBodyLimit::max(webhook::MAX_BODY));
    Router::new()
        .merge(api)
        .merge(hooks)
        .merge(open)
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// `openapi.yaml` documents exactly the routes the router serves.
    #[test]
    fn every_route_is_in_the_openapi_file_and_every_path_there_is_served() {
        let text = include_str!("../../openapi.yaml");
        let document: serde_json::Value =
            serde_saphyr::from_str(text).expect("openapi.yaml parses");
        assert_eq!(document["openapi"].as_str().map(|v| &v[..2]), Some("3."));
        let mut documented = BTreeSet::new();
        for (path, operations) in document["paths"].as_object().expect("paths") {
            for method in operations.as_object().expect("operations").keys() {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
        let served: BTreeSet<(String, String)> = routes()
            .iter()
            .map(|r| (r.method.as_str().to_owned(), r.path.to_owned()))
            .collect();
        let undocumented: Vec<_> = served.difference(&documented).collect();
        let unserved: Vec<_> = documented.difference(&served).collect();
        assert!(
            undocumented.is_empty(),
            "served but not in openapi.yaml: {undocumented:?}"
        );
        assert!(
            unserved.is_empty(),
            "in openapi.yaml but not served: {unserved:?}"
        );
    }
}
