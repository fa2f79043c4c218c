//! The REST API under `/api/v1` (JSON; bearer tokens, see [`auth`]) and
//! the webhook endpoint `/hooks/{project}` (signatures, see
//! [`crate::triggers::webhook`]). Every route is listed once, in
//! [`routes`]: the router is built from that list, and a test checks it
//! against `openapi.yaml` both ways.

mod artifacts;
mod auth;
mod error;
mod logs;
mod projects;
mod runs;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{MethodRouter, get, post};

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

fn route(method: Method, path: &'static str, access: Access, handler: MethodRouter<Shared>) -> Route {
    Route {
        method,
        path,
        access,
        handler,
    }
}

/// Every route of the server.
pub fn routes() -> Vec<Route> {
    use Access::{Open, Signature, Token};
    vec![
        route(Method::GET, "/health", Open, get(|| async { "ok\n" })),
        route(Method::POST, "/hooks/{project}", Signature, post(webhook::receive)),
        route(Method::GET, "/api/v1/projects", Token, get(projects::list)),
        route(Method::GET, "/api/v1/projects/{project}", Token, get(projects::show)),
        route(Method::POST, "/api/v1/projects/{project}/trigger", Token, post(projects::trigger)),
        route(Method::GET, "/api/v1/projects/{project}/deliveries", Token, get(projects::deliveries)),
        route(Method::GET, "/api/v1/queue", Token, get(projects::queue)),
        route(Method::GET, "/api/v1/runs", Token, get(runs::list)),
        route(Method::GET, "/api/v1/runs/{run}", Token, get(runs::show)),
        route(Method::POST, "/api/v1/runs/{run}/cancel", Token, post(runs::cancel)),
        route(
            Method::GET,
            "/api/v1/runs/{run}/actions/{action}/attempts/{attempt}/log",
            Token,
            get(logs::whole),
        ),
        route(
            Method::GET,
            "/api/v1/runs/{run}/actions/{action}/attempts/{attempt}/log/stream",
            Token,
            get(logs::live),
        ),
        route(Method::GET, "/api/v1/runs/{run}/artifacts", Token, get(artifacts::list)),
        route(Method::GET, "/api/v1/runs/{run}/artifacts/{name}", Token, get(artifacts::download)),
        route(Method::GET, "/api/v1/metrics", Token, get(runs::metrics)),
    ]
}

/// The server's router: token-checked API routes, signature-checked
/// webhooks with their body limit, and the open health check.
pub fn router(state: Shared) -> Router {
    let mut api = Router::new();
    let mut hooks = Router::new();
    let mut open = Router::new();
    for Route { path, access, handler, .. } in routes() {
        match access {
            Access::Token => api = api.route(path, handler),
            Access::Signature => hooks = hooks.route(path, handler),
            Access::Open => open = open.route(path, handler),
        }
    }
    let api = api.layer(axum::middleware::from_fn_with_state(state.clone(), auth::require_token));
    let hooks = hooks.layer(DefaultBodyLimit::max(webhook::MAX_BODY));
    Router::new()
        .merge(api)
        .merge(hooks)
        .merge(open)
        .with_state(state)
}
