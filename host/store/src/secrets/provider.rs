//! What a source of secrets looks like, what can go wrong, and which names
//! a secret may have.
//!
//! Errors name the secret and the provider so a user knows what to fix, and
//! never carry a value: an error message ends up in logs, run records and
//! terminals, exactly where secrets must not go.

use std::path::PathBuf;

/// The longest secret name accepted, in bytes: the file store keeps one file
/// per secret, and file names are limited to 255 bytes on common file
/// systems.
pub const MAX_SECRET_NAME_BYTES: usize = 255;

/// A source of secret values, such as the environment or the file store.
///
/// Providers are consulted in order by [`super::Secrets`]; they are `Send +
/// Sync` because actions run concurrently and share one chain.
pub trait SecretProvider: Send + Sync {
    /// A short human name for messages, e.g. `"env"` or `"file store"`.
    fn name(&self) -> &str;

    /// The value of secret `name`, or `Ok(None)` when this provider does not
    /// have it, so the chain can ask the next one. An `Err` means the
    /// provider has (or may have) the secret but cannot hand it over safely;
    /// the chain stops there rather than silently falling back to another
    /// value.
    fn get(&self, name: &str) -> Result<Option<String>, SecretError>;

    /// Where this provider looked for secret `name`, for "not found"
    /// messages that tell the user how to provide it (e.g. `"env
    /// (KILN_SECRET_DB_PASS)"`). Defaults to [`SecretProvider::name`].
    fn lookup_location(&self, name: &str) -> String {
        let _ = name;
        self.name().to_owned()
    }
}

/// Why a secret could not be had. Every variant names the secret (and,
/// where one is involved, the provider and path) but never its value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The name breaks the rules of [`validate_secret_name`]. The rules are
    /// the same for every provider, so no provider is named.
    #[error("invalid secret name {name:?}: {reason}")]
    InvalidName {
        /// The rejected name, shown quoted so control characters are
        /// visible.
        name: String,
        /// Which rule it breaks.
        reason: &'static str,
    },

    /// No provider in the chain has the secret.
    #[error(
        "secret `{name}` was not found; searched: {}",
        describe_searched(searched)
    )]
    NotFound {
        /// The secret asked for.
        name: String,
        /// Where each provider looked, in chain order.
        searched: Vec<String>,
    },

    /// A file or directory holding secrets can be read or written by users
    /// other than its owner. Refused, as ssh refuses a readable private key,
    /// because a value others could read or replace is not a secret.
    #[error(
        "{provider}: refusing to use secret `{name}`: {} has mode {mode:03o}, \
         readable or writable by group or others; fix it with `chmod {fix_mode:03o} {}`",
        path.display(),
        path.display()
    )]
    InsecurePermissions {
        /// The provider that refused.
        provider: String,
        /// The secret asked for.
        name: String,
        /// The file or directory whose permissions are too open.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
        /// The permission bits it should have (`0o600` for a file, `0o700`
        /// for a directory).
        fix_mode: u32,
    },

    /// The stored value is not UTF-8. Secrets are text (tokens, passwords,
    /// PEM keys); binary material should be stored base64-encoded.
    #[error("{provider}: secret `{name}` is not valid UTF-8; store binary secrets base64-encoded")]
    NotUtf8 {
        /// The provider holding the value.
        provider: String,
        /// The secret asked for.
        name: String,
    },

    /// Reading, writing or removing one secret failed.
    #[error("{provider}: cannot {action} secret `{name}` at {}: {source}", path.display())]
    Io {
        /// The provider that failed.
        provider: String,
        /// The secret concerned.
        name: String,
        /// What was being done, e.g. `"read"` or `"store"`.
        action: &'static str,
        /// The file or directory the operation failed on.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// Listing the secrets of a store failed.
    #[error("{provider}: cannot list secrets in {}: {source}", path.display())]
    List {
        /// The provider that failed.
        provider: String,
        /// The directory that could not be listed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// The `searched` list of [`SecretError::NotFound`] as text.
fn describe_searched(searched: &[String]) -> String {
    if searched.is_empty() {
        "no secret providers are configured".to_owned()
    } else {
        searched.join(", ")
    }
}

/// Check that `name` is a valid secret name: `[A-Za-z0-9_.-]+`, not starting
/// with `.`, at most [`MAX_SECRET_NAME_BYTES`] long.
///
/// The rules make every name a safe file name (no `/`, no `..`, no hidden
/// file: names starting with `.` are left to the file store's temporary
/// files) and a safe environment variable suffix (no `=`, no NUL), so
/// providers can use names directly.
pub fn validate_secret_name(name: &str) -> Result<(), SecretError> {
    let invalid = |reason| {
        Err(SecretError::InvalidName {
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() {
        return invalid("it is empty");
    }
    if name.starts_with('.') {
        return invalid("it must not start with `.`");
    }
    if name.len() > MAX_SECRET_NAME_BYTES {
        return invalid("it is longer than 255 bytes");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    {
        return invalid("only ASCII letters, digits, `_`, `.` and `-` are allowed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names_are_accepted() {
        for name in ["db-pass", "API_TOKEN", "deploy.key", "a", "x1.y-z_2"] {
            assert!(validate_secret_name(name).is_ok(), "{name}");
        }
        assert!(validate_secret_name(&"a".repeat(MAX_SECRET_NAME_BYTES)).is_ok());
    }

    #[test]
    fn invalid_names_are_rejected_with_the_rule_broken() {
        let cases = [
            ("", "empty"),
            (".hidden", "start with `.`"),
            ("..", "start with `.`"),
            ("../etc/passwd", "start with `.`"),
            ("a/b", "only ASCII"),
            ("a b", "only ASCII"),
            ("a=b", "only ASCII"),
            ("naïve", "only ASCII"),
            ("a\0b", "only ASCII"),
        ];
        for (name, rule) in cases {
            let error = validate_secret_name(name).unwrap_err();
            let message = error.to_string();
            assert!(message.contains(rule), "{name:?}: {message}");
            assert!(message.contains(&format!("{name:?}")), "{message}");
        }
        let too_long = "a".repeat(MAX_SECRET_NAME_BYTES + 1);
        assert!(validate_secret_name(&too_long).is_err());
    }

    #[test]
    fn not_found_lists_where_it_looked() {
        let error = SecretError::NotFound {
            name: "db-pass".into(),
            searched: vec!["env (KILN_SECRET_DB_PASS)".into(), "file store".into()],
        };
        assert_eq!(
            error.to_string(),
            "secret `db-pass` was not found; searched: env (KILN_SECRET_DB_PASS), file store"
        );
        let nowhere = SecretError::NotFound {
            name: "x".into(),
            searched: vec![],
        };
        assert!(nowhere.to_string().contains("no secret providers"));
    }
}
