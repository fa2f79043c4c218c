//! A project while the server runs: its configuration, its git mirror,
//! its webhook secret (read once, at start), and what its triggers last
//! saw, for the API.

use std::path::Path;
use std::sync::Mutex;

use kiln::store::history::serve::NewQueued;
use kiln::store::history::{now_ms, rfc3339};
use kiln::store::secrets::SecretProvider;
use serde::Serialize;

use crate::config::{ProjectConfig, SecretSource, WebhookConfig};
use crate::git::Mirror;
use crate::refs::is_followed;

/// A webhook secret: never printed.
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Why a project cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("project `{project}`: its webhook secret: environment variable {variable} is not set")]
    MissingEnv { project: String, variable: String },
    #[error("project `{project}`: its webhook secret: {source}")]
    Secret {
        project: String,
        source: kiln::store::secrets::SecretError,
    },
}

/// What a project's triggers last did, for `GET /api/v1/projects`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProjectStatus {
    /// When the repository was last polled.
    pub last_poll: Option<String>,
    /// Why the last poll failed, if it did.
    pub last_poll_error: Option<String>,
    /// Things worth knowing (missed schedule slots), newest last.
    pub notes: Vec<String>,
}

/// A served project.
pub struct Project {
    pub name: String,
    pub config: ProjectConfig,
    pub mirror: Mirror,
    pub webhook_secret: Option<Secret>,
    status: Mutex<ProjectStatus>,
    /// Held while a trigger compares ref tips and queues runs, so a poll
    /// and a webhook for the same push queue one run, not two.
    pub trigger_lock: tokio::sync::Mutex<()>,
}

impl Project {
    /// The project of `config`, its mirror under `mirrors`, its webhook
    /// secret read from the environment or kiln's secret store.
    pub fn open(
        config: ProjectConfig,
        mirrors: &Path,
        secrets: &dyn SecretProvider,
    ) -> Result<Self, ProjectError> {
        let webhook_secret = config
            .webhook
            .as_ref()
            .map(|webhook| read_secret(&config.name, webhook, secrets))
            .transpose()?;
        Ok(Self {
            name: config.name.clone(),
            mirror: Mirror::new(
                mirrors.join(format!("{}.git", config.name)),
                config.repository.clone(),
            ),
            webhook_secret,
            config,
            status: Mutex::new(ProjectStatus::default()),
            trigger_lock: tokio::sync::Mutex::new(()),
        })
    }

    /// Whether pushes to `git_ref` (a full ref name) start runs.
    pub fn follows(&self, git_ref: &str) -> bool {
        is_followed(git_ref, &self.config.branches, &self.config.tags)
    }

    /// A queue entry of this project for `git_ref`, in its concurrency
    /// group; the caller sets the commit, trigger and delivery.
    pub fn queued(&self, git_ref: &str) -> NewQueued {
        let concurrency = self.config.concurrency.as_ref();
        NewQueued {
            project: self.name.clone(),
            git_ref: git_ref.to_owned(),
            concurrency: concurrency.map(|c| c.group_of(&self.name, git_ref)),
            cancel_in_progress: concurrency.is_some_and(|c| c.cancel_in_progress),
            ..NewQueued::default()
        }
    }

    pub fn status(&self) -> ProjectStatus {
        self.lock_status().clone()
    }

    pub fn polled(&self, error: Option<String>) {
        let mut status = self.lock_status();
        status.last_poll = Some(rfc3339(now_ms()));
        status.last_poll_error = error;
    }

    pub fn note(&self, text: String) {
        let mut status = self.lock_status();
        status.notes.push(text);
        // A bounded list: the API shows recent notes, not a history.
        if status.notes.len() > 20 {
            status.notes.remove(0);
        }
    }

    fn lock_status(&self) -> std::sync::MutexGuard<'_, ProjectStatus> {
        self.status
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn read_secret(
    project: &str,
    webhook: &WebhookConfig,
    secrets: &dyn SecretProvider,
) -> Result<Secret, ProjectError> {
    match &webhook.secret {
        SecretSource::Env(variable) => std::env::var(variable)
            .ok()
            .filter(|value| !value.is_empty())
            .map(|value| Secret(value.into_bytes()))
            .ok_or_else(|| ProjectError::MissingEnv {
                project: project.to_owned(),
                variable: variable.clone(),
            }),
        SecretSource::Store(name) => match secrets.get(name) {
            Ok(Some(value)) => Ok(Secret(value.into_bytes())),
            Ok(None) => Err(ProjectError::Secret {
                project: project.to_owned(),
                source: kiln::store::secrets::SecretError::NotFound {
                    name: name.clone(),
                    searched: vec![secrets.lookup_location(name)],
                },
            }),
            Err(source) => Err(ProjectError::Secret {
                project: project.to_owned(),
                source,
            }),
        },
    }
}
