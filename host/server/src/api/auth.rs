//! Bearer tokens for `/api/v1`: `Authorization: Bearer <token>`, a token
//! made with `kiln token create`. A read token may `GET`; changing
//! anything (cancel, trigger) takes a write token. No token or an unknown
//! one: 401; a read token asking to change something: 403. Webhooks do not
//! come through here: they are believed by their signature only. The
//! [`Caller`] is left in the request's extensions: an approval records the
//! token's name as who decided.

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kiln::store::history::serve::{Caller, Scope};

use super::error::ApiError;
use crate::state::Shared;

pub async fn require_token(
    State(app): State<Shared>,
    mut request: Request,
    next: Next,
) -> Response {
    let needed = if matches!(*request.method(), Method::GET | Method::HEAD) {
        Scope::Read
    } else {
        Scope::Write
    };
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_owned);
    let Some(presented) = presented else {
        return unauthorized(
            "no bearer token: send `Authorization: Bearer <token>` (see `kiln token create`)",
        );
    };
    match app.store().caller(&presented) {
        Ok(Some(caller)) if caller.scope >= needed => {
            request.extensions_mut().insert::<Caller>(caller);
            next.run(request).await
        }
        Ok(Some(_)) => ApiError::new(
            StatusCode::FORBIDDEN,
            "this token has the read scope; this request needs a write token",
        )
        .into_response(),
        Ok(None) => unauthorized("unknown token"),
        Err(error) => ApiError::internal(error).into_response(),
    }
}

fn unauthorized(message: &str) -> Response {
    let mut response = ApiError::new(StatusCode::UNAUTHORIZED, message).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    response
}
