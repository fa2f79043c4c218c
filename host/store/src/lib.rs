//! kiln's storage: everything a run leaves behind, each kind behind the
//! interface the engine uses, with today's local implementation.
//!
//! - [`artifacts`]: the content-addressed artifact store (local now; an
//!   OCI registry or object store later);
//! - [`history`]: the run history (SQLite now; PostgreSQL later), crash
//!   detection, DORA metrics;
//! - [`action_cache`]: recorded action results;
//! - [`cache_dirs`]: persistent per-action directories;
//! - [`secrets`]: where secret values come from;
//! - [`children`]: the ledger of programs a run started, reaped by the
//!   next kiln if the one that started them died;
//! - [`data_dir`]: the layout of a data directory.

pub mod action_cache;
pub mod artifacts;
pub mod cache_dirs;
pub mod children;
pub mod data_dir;
pub mod history;
pub mod secrets;
