//! Where secret values come from: providers consulted in order, the first
//! that has a secret wins. Values never appear in errors, logs or `Debug`.
//!
//! - [`provider`]: the [`SecretProvider`] trait, [`SecretError`], and the
//!   rules for secret names;
//! - [`env`](mod@env): secrets from variables (`KILN_SECRET_<NAME>`), taken
//!   from a snapshot the front end gives, never read here;
//! - [`file_store`]: `<data dir>/secrets/`, one owner-only file per secret;
//! - [`chain`]: [`Secrets`], the ordered chain.

pub mod chain;
pub mod env;
pub mod file_store;
pub mod provider;

pub use self::chain::Secrets;
pub use self::env::EnvProvider;
pub use self::file_store::FileStore;
pub use self::provider::{SecretError, SecretProvider, validate_secret_name};
