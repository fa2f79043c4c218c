//! The ordered chain of providers a pipeline's secrets are resolved from.

use std::fmt;

use super::provider::{SecretError, SecretProvider, validate_secret_name};

/// Providers in priority order; the first that has a secret wins.
///
/// A typical host puts [`super::EnvProvider`] before [`super::FileStore`],
/// so a CI runner's environment overrides what a workstation stored.
pub struct Secrets {
    providers: Vec<Box<dyn SecretProvider>>,
}

impl Secrets {
    /// A chain asking `providers` in the given order.
    pub fn new(providers: Vec<Box<dyn SecretProvider>>) -> Self {
        Self { providers }
    }

    /// The providers' names in chain order, for diagnostics.
    pub fn provider_names(&self) -> Vec<&str> {
        self.providers
            .iter()
            .map(|provider| provider.name())
            .collect()
    }

    /// The value of secret `name` from the first provider that has it.
    ///
    /// A provider's error ends the search instead of falling through to the
    /// next provider: the failing provider may hold the intended value, and
    /// quietly using a lower-priority one (an old token, say) would be worse
    /// than stopping. When no provider has the secret, the
    /// [`SecretError::NotFound`] lists where each one looked.
    pub fn get(&self, name: &str) -> Result<String, SecretError> {
        validate_secret_name(name)?;
        for provider in &self.providers {
            if let Some(value) = provider.get(name)? {
                return Ok(value);
            }
        }
        Err(SecretError::NotFound {
            name: name.to_owned(),
            searched: self
                .providers
                .iter()
                .map(|provider| provider.lookup_location(name))
                .collect(),
        })
    }
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secrets")
            .field("providers", &self.provider_names())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::{EnvProvider, FileStore};
    use super::*;

    /// A provider with fixed values, standing for any real one.
    struct FixedProvider {
        name: &'static str,
        values: HashMap<&'static str, &'static str>,
    }

    impl FixedProvider {
        fn boxed(
            name: &'static str,
            values: &[(&'static str, &'static str)],
        ) -> Box<dyn SecretProvider> {
            Box::new(Self {
                name,
                values: values.iter().copied().collect(),
            })
        }
    }

    impl SecretProvider for FixedProvider {
        fn name(&self) -> &str {
            self.name
        }

        fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
            Ok(self.values.get(name).map(|value| value.to_string()))
        }
    }

    #[test]
    fn the_first_provider_that_has_the_secret_wins() {
        let secrets = Secrets::new(vec![
            FixedProvider::boxed("first", &[("shared", "from-first")]),
            FixedProvider::boxed(
                "second",
                &[
                    ("shared", "from-second"),
                    ("only-second", "second-only-value"),
                ],
            ),
        ]);
        assert_eq!(secrets.get("shared").unwrap(), "from-first");
        assert_eq!(secrets.get("only-second").unwrap(), "second-only-value");
        assert_eq!(secrets.provider_names(), ["first", "second"]);
    }

    #[test]
    fn not_found_names_the_secret_and_where_each_provider_looked_but_no_value() {
        let store_dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(store_dir.path().join("secrets"));
        store.set("stored", "stored-value-9f2").unwrap();
        let secrets = Secrets::new(vec![
            Box::new(EnvProvider::from_vars([(
                "KILN_SECRET_OTHER",
                "env-value-3c1",
            )])),
            Box::new(store),
            FixedProvider::boxed("fixed", &[("near-miss", "fixed-value-77a")]),
        ]);
        let error = secrets.get("db-pass").unwrap_err();
        let SecretError::NotFound { name, searched } = &error else {
            panic!("expected NotFound, got {error:?}");
        };
        assert_eq!(name, "db-pass");
        assert_eq!(searched.len(), 3);
        let message = error.to_string();
        assert!(message.contains("`db-pass`"), "{message}");
        assert!(message.contains("env (KILN_SECRET_DB_PASS)"), "{message}");
        assert!(message.contains("file store ("), "{message}");
        assert!(message.contains("fixed"), "{message}");
        for value in ["stored-value-9f2", "env-value-3c1", "fixed-value-77a"] {
            assert!(!message.contains(value), "{message}");
            assert!(!format!("{error:?}").contains(value));
        }
    }

    #[test]
    fn a_provider_error_stops_the_search() {
        let store_dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(store_dir.path().join("secrets"));
        store.set("token", "stored-token").unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            let path = store.dir().join("token");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let secrets = Secrets::new(vec![
            Box::new(store),
            FixedProvider::boxed("fallback", &[("token", "fallback-token")]),
        ]);
        let error = secrets.get("token").unwrap_err();
        assert!(
            matches!(error, SecretError::InsecurePermissions { .. }),
            "{error:?}"
        );
        assert!(!error.to_string().contains("stored-token"));
    }

    #[test]
    fn an_invalid_name_is_refused_before_asking_providers() {
        let secrets = Secrets::new(vec![FixedProvider::boxed("fixed", &[("../x", "v")])]);
        assert!(matches!(
            secrets.get("../x"),
            Err(SecretError::InvalidName { .. })
        ));
    }

    #[test]
    fn an_empty_chain_says_so() {
        let message = Secrets::new(Vec::new())
            .get("token")
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("no secret providers are configured"),
            "{message}"
        );
    }
}
