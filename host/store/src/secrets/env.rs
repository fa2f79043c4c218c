//! Secrets from host environment variables, the way CI systems hand
//! secrets to the job they run: secret `db-pass` is read from
//! `KILN_SECRET_DB_PASS`.

use std::collections::HashMap;
use std::fmt;

use super::provider::{SecretError, SecretProvider, validate_secret_name};

/// The prefix [`EnvProvider::default`] uses.
pub const DEFAULT_ENV_PREFIX: &str = "KILN_SECRET_";

/// Reads secret `NAME` from the environment variable `<prefix><NAME>`, where
/// `NAME` is the secret name uppercased with `-` and `.` turned into `_`
/// (environment variable names are conventionally upper snake case, and
/// shells cannot set names containing `-` or `.`).
///
/// The mapping is not one to one: `db-pass`, `db.pass` and `DB_PASS` all
/// read `KILN_SECRET_DB_PASS`.
pub struct EnvProvider {
    prefix: String,
    source: VariableSource,
}

/// Where variables are read from.
enum VariableSource {
    /// The host process's environment, read at each lookup.
    Process,
    /// A fixed set of variables, for tests and for callers that take the
    /// secrets out of the process environment at start-up.
    Snapshot(HashMap<String, String>),
}

impl EnvProvider {
    /// A provider reading `<prefix><NAME>` from the process environment.
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            source: VariableSource::Process,
        }
    }

    /// A provider reading from the given variables instead of the process
    /// environment, with the default prefix: lets tests run without
    /// mutating the (process-global, thread-unsafe) environment, and lets
    /// the host snapshot the variables once.
    pub fn from_vars<I, K, V>(vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self {
            prefix: DEFAULT_ENV_PREFIX.to_owned(),
            source: VariableSource::Snapshot(
                vars.into_iter()
                    .map(|(key, value)| (key.into(), value.into()))
                    .collect(),
            ),
        }
    }

    /// The same provider with another prefix, e.g. for a snapshot made with
    /// [`EnvProvider::from_vars`].
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The environment variable secret `name` is read from, so messages can
    /// tell the user exactly what to set.
    pub fn variable_name(&self, name: &str) -> String {
        let suffix: String = name
            .chars()
            .map(|c| match c {
                '-' | '.' => '_',
                other => other.to_ascii_uppercase(),
            })
            .collect();
        format!("{}{suffix}", self.prefix)
    }
}

impl Default for EnvProvider {
    /// Reads `KILN_SECRET_<NAME>` from the process environment.
    fn default() -> Self {
        Self::new(DEFAULT_ENV_PREFIX)
    }
}

impl fmt::Debug for EnvProvider {
    /// Shows the prefix and, for a snapshot, variable names only: a debug
    /// print must not disclose values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("EnvProvider");
        debug.field("prefix", &self.prefix);
        match &self.source {
            VariableSource::Process => debug.field("source", &"process environment"),
            VariableSource::Snapshot(vars) => {
                let mut names: Vec<&str> = vars.keys().map(String::as_str).collect();
                names.sort_unstable();
                debug.field("snapshot_of", &names)
            }
        };
        debug.finish()
    }
}

impl SecretProvider for EnvProvider {
    fn name(&self) -> &str {
        "env"
    }

    fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
        // A valid name cannot contain `=` or NUL, which the platform's
        // environment lookup does not accept.
        validate_secret_name(name)?;
        let variable = self.variable_name(name);
        match &self.source {
            VariableSource::Snapshot(vars) => Ok(vars.get(&variable).cloned()),
            VariableSource::Process => match std::env::var_os(&variable) {
                None => Ok(None),
                Some(value) => value
                    .into_string()
                    .map(Some)
                    .map_err(|_| SecretError::NotUtf8 {
                        provider: format!("env ({variable})"),
                        name: name.to_owned(),
                    }),
            },
        }
    }

    fn lookup_location(&self, name: &str) -> String {
        format!("env ({})", self.variable_name(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_upper_snake_case_variables() {
        let env = EnvProvider::default();
        assert_eq!(env.variable_name("db-pass"), "KILN_SECRET_DB_PASS");
        assert_eq!(env.variable_name("deploy.key"), "KILN_SECRET_DEPLOY_KEY");
        assert_eq!(env.variable_name("Api_Token2"), "KILN_SECRET_API_TOKEN2");
        assert_eq!(EnvProvider::new("CI_").variable_name("a.b-c"), "CI_A_B_C");
    }

    #[test]
    fn a_snapshot_answers_by_the_mapped_variable() {
        let env = EnvProvider::from_vars([
            ("KILN_SECRET_DB_PASS", "hunter2!"),
            ("KILN_SECRET_DEPLOY_KEY", "k3y"),
            ("db-pass", "not this one"),
        ]);
        assert_eq!(env.get("db-pass").unwrap().as_deref(), Some("hunter2!"));
        assert_eq!(env.get("db.pass").unwrap().as_deref(), Some("hunter2!"));
        assert_eq!(env.get("DB_PASS").unwrap().as_deref(), Some("hunter2!"));
        assert_eq!(env.get("deploy.key").unwrap().as_deref(), Some("k3y"));
        assert_eq!(env.get("missing").unwrap(), None);
    }

    #[test]
    fn the_prefix_is_configurable() {
        let env = EnvProvider::from_vars([("CI_TOKEN", "abc123"), ("KILN_SECRET_TOKEN", "other")])
            .with_prefix("CI_");
        assert_eq!(env.get("token").unwrap().as_deref(), Some("abc123"));
        assert_eq!(env.lookup_location("token"), "env (CI_TOKEN)");
    }

    #[test]
    fn the_process_environment_is_read_at_lookup() {
        // With an empty prefix secret `path` is `PATH`, which every process
        // has; this avoids mutating the environment of a multi-threaded test
        // binary.
        let env = EnvProvider::new("");
        assert_eq!(
            env.get("path").unwrap(),
            std::env::var("PATH").ok(),
            "secret `path` should read $PATH"
        );
        let absent = EnvProvider::default();
        assert_eq!(absent.get("kiln-test-surely-not-set-4f1c").unwrap(), None);
    }

    #[test]
    fn invalid_names_are_refused_before_any_lookup() {
        let env = EnvProvider::from_vars([("KILN_SECRET_A=B", "x")]);
        assert!(matches!(
            env.get("a=b"),
            Err(SecretError::InvalidName { .. })
        ));
    }

    #[test]
    fn debug_output_shows_no_values() {
        let env = EnvProvider::from_vars([("KILN_SECRET_DB_PASS", "hunter2-value")]);
        let debug = format!("{env:?}");
        assert!(debug.contains("KILN_SECRET_DB_PASS"), "{debug}");
        assert!(!debug.contains("hunter2-value"), "{debug}");
    }
}
