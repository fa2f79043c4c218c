//! The secrets capability: where an action's secrets come from, and how
//! their values are kept out of logs.
//!
//! - [`provider`]: the [`SecretProvider`] trait, the [`SecretError`] every
//!   part of this module reports, and the rules for secret names;
//! - [`env`](mod@env): secrets from host environment variables
//!   (`KILN_SECRET_<NAME>`), the natural source on a CI runner;
//! - [`file_store`]: secrets kept in `<kiln data dir>/secrets/`, one
//!   owner-only file per secret, the natural source on a workstation;
//! - [`chain`]: [`Secrets`], an ordered chain of providers where the first
//!   one that has a secret wins;
//! - [`mask`]: [`Masker`], which replaces every known encoding of every
//!   secret value in a log line with `***`;
//! - [`stream`]: [`StreamMasker`], which cuts a byte stream into lines before
//!   masking, so a secret written in two pieces is still caught;
//! - [`host`]: [`GrantedSecrets`], the values one action was granted, and
//!   the host side of the `kiln:plugin/secrets` interface.
//!
//! Masking is a safety net against *accidental* disclosure (a command echoed
//! with its arguments, a verbose HTTP client printing a header, a config
//! dumped as base64). It cannot stop a plugin that sets out to leak a value
//! it was granted: reversing it, splitting it over several lines or
//! encrypting it defeats any masker. What guards a secret from a hostile
//! plugin is not granting it.

pub mod chain;
pub mod env;
pub mod file_store;
pub mod host;
pub mod mask;
pub mod provider;
pub mod stream;

pub use self::chain::Secrets;
pub use self::env::EnvProvider;
pub use self::file_store::FileStore;
pub use self::host::{GrantedSecrets, RunSecrets};
pub use self::mask::{MASK, MIN_MASKED_CHARS, MaskWarning, Masker};
pub use self::provider::{SecretError, SecretProvider, validate_secret_name};
pub use self::stream::StreamMasker;
