//! kiln's engine: a pipeline file validated into a plan, and a plan run.
//!
//! - [`validate`]: a pipeline file, pass by pass, into a [`Plan`](kiln_model::plan::Plan);
//! - [`plugins`]: resolving `uses:` to a component (first-party, a path, a
//!   registry);
//! - [`scheduler`]: stages in order, actions concurrently as `needs`
//!   allow, conditions, retries, resume, cancellation, each action's
//!   lifecycle;
//! - [`executor`]: where an attempt runs (this process, or a worker);
//! - [`action_cache`]: what an action's cache key covers;
//! - [`approvals`]: where decisions on approval actions come from;
//! - [`reports`]: the test reports an action declares.

pub mod action_cache;
pub mod approvals;
pub mod executor;
pub mod plugins;
pub mod reports;
pub mod scheduler;
pub mod validate;
