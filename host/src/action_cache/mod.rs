//! The action cache: an action whose key was seen before is not run again;
//! its recorded outputs and log are reused.
//!
//! An action's key is the SHA-256 of its [`KeyParts`]: the kiln version,
//! the plugin component's digest, the parameters, the input artifacts'
//! digests, the environment, and what it reads of the workspace (the
//! declared `cache.inputs` files, or else every file git does not ignore
//! plus git's refs). Actions that reach outside their sandbox (exec,
//! network, a writable workspace or path) are cached only when they say
//! `cache: true` or declare their inputs.

mod key;
mod store;
mod workspace;

pub use key::{CachePolicy, Difference, KeyParts};
pub use store::{ActionCache, CacheEntry, CacheError};
pub use workspace::{WorkspaceError, fingerprint};
