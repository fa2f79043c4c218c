//! kiln's model: the data every part of kiln shares, and nothing that runs.
//!
//! The leaf of kiln's crates: plans, grants and limits travel to whatever
//! executes an action (this process, a remote worker); events and run
//! records travel to whatever records or shows a run (history, terminal,
//! a server's stream). Everything here is plain data with serde, plus the
//! two text rules every sink relies on: [`plain_text`] (no terminal
//! controls from a plugin) and [`mask`] (no secret values).
//!
//! - [`digest`]: SHA-256 digests, `sha256:<hex>`;
//! - [`names`]: names that become file names;
//! - [`plain_text`], [`mask`]: plugin text made plain, secrets masked;
//! - [`limits`]: an attempt's resource limits and their violations;
//! - [`grants`]: what an action grants its plugin, per capability;
//! - [`plugin`]: a plugin's `describe()` answer;
//! - [`plan`]: a validated pipeline, each action a unit of work;
//! - [`artifact`]: artifact manifests and records;
//! - [`report`]: test reports and the JUnit parser;
//! - [`cache`]: the parts of an action's cache key;
//! - [`approval`]: an action that waits for a person's decision;
//! - [`status`], [`event`], [`run`]: a run as it happens and as recorded.

pub mod approval;
pub mod artifact;
pub mod cache;
pub mod digest;
pub mod event;
pub mod exports;
pub mod grants;
pub mod limits;
pub mod mask;
pub mod names;
pub mod plain_text;
pub mod plan;
pub mod plugin;
pub mod process;
pub mod report;
pub mod run;
pub mod status;
