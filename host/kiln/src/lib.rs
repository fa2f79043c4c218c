//! kiln: a CI/CD pipeline host whose every action is a sandboxed
//! WebAssembly component. This crate is the one composition root: a
//! [`Host`], opened from a [`HostConfig`], is what every front end (the
//! `kiln` command line, a server, a worker) uses.
//!
//! ```text
//! let host = Host::open(HostConfig::new(data_dir))?;
//! let plan = host.validate(file, None, RegistryOptions::default()).await?;
//! let mut run = host.start_run(RunRequest::new(file)).await?;
//! let mut events = run.events().unwrap();   // as they happen
//! run.cancel();                             // or wait:
//! let report = run.wait().await?;
//! ```
//!
//! The crates below it, each with one job, and dependencies that run one
//! way (the README's layout section draws the graph):
//!
//! - [`model`]: the data every part shares (plans, grants, events, runs);
//! - [`pipeline`]: the `kiln.yaml` format;
//! - [`sandbox`]: wasmtime and every capability (the only crate that runs
//!   WebAssembly);
//! - [`store`]: artifacts, run history, action cache, secrets;
//! - [`registry`]: plugins in OCI registries;
//! - [`engine`]: validation, plugin resolution, the scheduler, executors.

mod builtin;
mod config;
mod host;
mod run;

pub mod bench;
pub mod codebuild;
pub mod plugin_build;
mod workspace_git;

pub use builtin::{Builtin, list as builtin_plugins};
pub use config::HostConfig;
pub use host::{Host, HostError};
pub use run::{RunHandle, RunRequest};

pub use kiln_engine as engine;
pub use kiln_model as model;
pub use kiln_pipeline as pipeline;
pub use kiln_registry as registry;
pub use kiln_sandbox as sandbox;
pub use kiln_store as store;

/// The newest plugin contract (`wit/since_v0.2.0`) this host speaks; it
/// links every older one too.
pub const CONTRACT_VERSION: &str = "0.2.0";
