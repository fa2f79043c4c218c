//! Errors of the API: a status and a JSON body `{"error": "..."}` that
//! says what was wrong with the request and why.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kiln::store::history::RunStoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::warn!("the API: {error}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response()
    }
}

impl From<RunStoreError> for ApiError {
    fn from(error: RunStoreError) -> Self {
        match error {
            RunStoreError::NoSuchRun(_)
            | RunStoreError::NoSuchAction { .. }
            | RunStoreError::NoSuchArtifact { .. } => Self::not_found(error.to_string()),
            RunStoreError::AmbiguousRun { .. } => Self::bad_request(error.to_string()),
            error => Self::internal(error),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
