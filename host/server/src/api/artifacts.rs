//! A run's artifacts: listed with their digests, and downloaded as a tar
//! of the artifact's tree. The tree is first written out by the artifact
//! store, which verifies every file against its digest as it reads it: a
//! corrupted artifact answers an error, never a wrong file.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;

use super::error::{ApiError, ApiResult};
use crate::state::Shared;

#[derive(Serialize)]
pub struct Listed {
    action: String,
    #[serde(flatten)]
    artifact: kiln::model::artifact::ArtifactRecord,
}

pub async fn list(
    State(app): State<Shared>,
    Path(run): Path<String>,
) -> ApiResult<Json<Vec<Listed>>> {
    let store = app.store();
    let detail = store.show(&store.resolve(&run)?)?;
    Ok(Json(
        detail
            .stages
            .into_iter()
            .flat_map(|s| s.actions)
            .flat_map(|a| {
                let action = a.name;
                a.outputs.into_iter().map(move |artifact| Listed {
                    action: action.clone(),
                    artifact,
                })
            })
            .collect(),
    ))
}

pub async fn download(
    State(app): State<Shared>,
    Path((run, name)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    let store = app.store();
    let id = store.resolve(&run)?;
    let artifact = store.artifact(&id, &name)?;
    let host = app.host.clone();
    let digest = artifact.digest;
    let scratch = app.host.data_dir().serve().join("tmp");
    let tar = tokio::task::spawn_blocking(move || tar_of(&host, &digest, &scratch))
        .await
        .map_err(ApiError::internal)?
        .map_err(|error| ApiError::internal(format!("artifact `{name}` of run {id}: {error}")))?;
    let file = tokio::fs::File::from_std(tar);
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-tar".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.tar\"", artifact.name),
            ),
            (
                header::HeaderName::from_static("x-kiln-digest"),
                artifact.digest.to_string(),
            ),
        ],
        body,
    ))
}

/// The artifact's verified tree as a tar in an unlinked temporary file,
/// positioned at its start.
fn tar_of(
    host: &kiln::Host,
    digest: &kiln::model::digest::Digest,
    scratch: &std::path::Path,
) -> Result<std::fs::File, String> {
    std::fs::create_dir_all(scratch).map_err(|e| e.to_string())?;
    let tree = tempfile::tempdir_in(scratch).map_err(|e| e.to_string())?;
    let root = tree.path().join("tree");
    host.artifacts()
        .export(digest, &root)
        .map_err(|e| e.to_string())?;
    let mut tar = tempfile::tempfile_in(scratch).map_err(|e| e.to_string())?;
    {
        let mut builder = tar::Builder::new(&mut tar);
        builder.follow_symlinks(false);
        builder
            .append_dir_all(".", &root)
            .map_err(|e| e.to_string())?;
        builder.finish().map_err(|e| e.to_string())?;
    }
    use std::io::Seek;
    tar.rewind().map_err(|e| e.to_string())?;
    Ok(tar)
}
