//! The action cache: an action whose key was seen before is not run again;
//! its recorded outputs and log are reused.
//!
//! An action's key is the SHA-256 of its [`KeyParts`]: everything the
//! plugin can observe. The kiln version, the plugin component's digest,
//! the parameters, the input artifacts' digests, the output names, where
//! it runs (pipeline, stage, action), the environment, keyed digests of
//! its secrets' values, what it reads of the workspace (the declared
//! `cache.inputs` files, or else every file git does not ignore plus git's
//! refs), and a fingerprint of each granted host path. What it cannot be
//! keyed by (programs it runs, the network, writable places, persistent
//! cache directories, the run status) makes an action uncacheable unless
//! it says `cache: true` or declares its inputs; only clocks and random
//! numbers are never keyed.

mod workspace;

pub use kiln_model::cache::{CachePolicy, Difference, KeyParts};
pub use kiln_store::action_cache::{ActionCache, CacheEntry, CacheError};
pub use workspace::{WorkspaceError, fingerprint, tree_fingerprint};
