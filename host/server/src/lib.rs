//! `kiln serve`: kiln as a service that starts runs when code changes.
//! A front end over the [`kiln::Host`], like the command line: the engine
//! knows nothing of HTTP.
//!
//! - [`config`]: the server's TOML configuration, checked with file:line:col;
//! - `projects` and `git`: each project's bare mirror and per-run checkouts;
//! - `triggers`: polling, webhooks (with their signatures) and schedules;
//! - `queue`: the durable queue in the run store, limits, concurrency
//!   groups, graceful shutdown;
//! - `api`: the REST API under `/api/v1` and the webhook endpoint.
//!
//! ```text
//! let server = Server::bind(host, config).await?;
//! println!("listening on http://{}", server.local_addr());
//! server.run(shutdown_signal).await?;
//! ```

pub mod config;
mod cron;

mod api;
mod git;
mod projects;
mod queue;
mod refs;
mod state;
mod triggers;

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use kiln::Host;
use tokio_util::sync::CancellationToken;

pub use config::{ConfigError, ServerConfig};
pub use projects::ProjectError;
pub use triggers::signature::{Provider, sign as sign_hmac};

use crate::projects::Project;
use crate::queue::Queue;
use crate::state::{AppState, Shared};

/// Why the server could not start or went down.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error(
        "another `kiln serve` uses the data directory {} (one server per data directory)",
        .0.display()
    )]
    DataDirInUse(std::path::PathBuf),
    #[error("serving HTTP: {0}")]
    Io(#[from] std::io::Error),
}

/// Take `<serve dir>/server.lock`, or say which server holds it.
fn lock_data_dir(serve_dir: &std::path::Path) -> Result<std::fs::File, ServeError> {
    std::fs::create_dir_all(serve_dir)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(serve_dir.join("server.lock"))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(ServeError::DataDirInUse(
            serve_dir.parent().unwrap_or(serve_dir).to_path_buf(),
        )),
        Err(std::fs::TryLockError::Error(error)) => Err(ServeError::Io(error)),
    }
}

/// A server bound to its address, not yet serving.
pub struct Server {
    listener: tokio::net::TcpListener,
    state: Shared,
    config: ServerConfig,
    /// Held while the server lives: one server per data directory, so
    /// one owner of the checkouts and of the queue's running entries.
    _lock: std::fs::File,
}

impl Server {
    /// Open the projects of `config` (reading their webhook secrets) and
    /// bind the listening address.
    pub async fn bind(host: Host, config: ServerConfig) -> Result<Server, ServeError> {
        let host = Arc::new(host);
        let serve_dir = host.data_dir().serve();
        let lock = lock_data_dir(&serve_dir)?;
        let mirrors = serve_dir.join("mirrors");
        let secrets = host.secret_store();
        let mut projects = BTreeMap::new();
        for project in &config.projects {
            let project = Project::open(project.clone(), &mirrors, &secrets)?;
            projects.insert(project.name.clone(), Arc::new(project));
        }
        let queue = Arc::new(Queue::new(
            host.clone(),
            projects.clone(),
            config.max_runs,
            serve_dir.join("checkouts"),
        ));
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| ServeError::Bind {
                addr: config.listen,
                source,
            })?;
        let state = Arc::new(AppState {
            host,
            projects,
            queue,
            stop: CancellationToken::new(),
        });
        Ok(Server {
            listener,
            state,
            config,
            _lock: lock,
        })
    }

    /// The address the server listens on (the port chosen when the
    /// configuration said 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or(self.config.listen)
    }

    /// Serve until `shutdown` completes; then stop accepting requests and
    /// triggers, let running runs finish within the grace period, cancel
    /// those still running, and return.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let state = self.state;
        let stop = state.stop.clone();
        let mut background = tokio::task::JoinSet::new();
        background.spawn(state.queue.clone().dispatch(stop.clone()));
        for project in state.projects.values() {
            if let Some(interval) = project.config.poll_interval {
                background.spawn(triggers::poll::run(
                    project.clone(),
                    state.queue.clone(),
                    interval,
                    stop.clone(),
                ));
            }
            for schedule in &project.config.schedules {
                background.spawn(triggers::schedule::run(
                    project.clone(),
                    schedule.clone(),
                    state.queue.clone(),
                    stop.clone(),
                ));
            }
        }
        let router = api::router(state.clone());
        let http = tokio::spawn(
            axum::serve(self.listener, router)
                .with_graceful_shutdown(stop.clone().cancelled_owned())
                .into_future(),
        );
        shutdown.await;
        tracing::warn!("shutting down: no new requests or runs");
        stop.cancel();
        state.queue.drain(self.config.shutdown_grace).await;
        background.shutdown().await;
        match http.await {
            Ok(result) => result.map_err(ServeError::Io),
            Err(join) => Err(ServeError::Io(std::io::Error::other(join))),
        }
    }
}
