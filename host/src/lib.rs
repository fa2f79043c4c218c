//! kiln: a CI/CD pipeline host whose every action is a sandboxed
//! WebAssembly component.
//!
//! The crate is laid out by concern:
//!
//! - [`pipeline`]: the `kiln.yaml` model, its parser (with positions) and
//!   its validation against the plugins it uses;
//! - [`plugins`]: resolving `uses:` to a component file;
//! - [`registry`]: plugins shared through OCI registries: references, the
//!   local store (an OCI image layout), kiln.lock, signatures;
//! - [`runtime`]: the wasmtime engine, compiled components, and the call of
//!   `describe` and `run` in a fresh store per action;
//! - [`capabilities`]: what an action's sandbox may reach (files, log), one
//!   module per capability, each owning its grant and its host side;
//! - [`artifacts`]: the content-addressed artifact store;
//! - [`scheduler`]: stages in order, actions concurrently as `needs` allow,
//!   retries, timeouts and conditions;
//! - [`run_store`]: the run history (SQLite), logs, crash detection and
//!   the DORA metrics;
//! - [`reports`]: test reports (JUnit) an action declares;
//! - [`action_cache`]: reusing an action's result when nothing it depends
//!   on changed;
//! - [`cli`]: the `kiln` command line.

pub mod action_cache;
pub mod artifacts;
pub mod bench;
pub mod capabilities;
pub mod cli;
pub mod data_dir;
pub mod digest;
pub mod pipeline;
pub mod plain_text;
pub mod plugin_build;
pub mod plugins;
pub mod registry;
pub mod reports;
pub mod run_store;
pub mod runtime;
pub mod scheduler;

/// The newest plugin contract (`wit/since_v0.2.0`) this host speaks; it
/// links every older one too.
pub const CONTRACT_VERSION: &str = "0.2.0";
