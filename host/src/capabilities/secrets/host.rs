//! The host side of `kiln:plugin/secrets`: the values an action was
//! granted, resolved from the providers before the attempt starts (so that
//! the log masker knows them from the first line), handed out by name.

use std::collections::HashMap;

use super::{Masker, SecretError, Secrets};
use crate::runtime::ActionState;
use crate::runtime::bindings::v0_2::kiln::plugin::secrets as wit;

/// The secrets one action may read, with their values.
#[derive(Clone, Default)]
pub struct GrantedSecrets {
    values: HashMap<String, String>,
}

impl GrantedSecrets {
    /// Resolve every granted name; the first missing or unreadable one is
    /// an error, reported before the plugin runs.
    pub fn resolve(secrets: &Secrets, names: &[String]) -> Result<Self, SecretError> {
        let mut values = HashMap::new();
        for name in names {
            values.insert(name.clone(), secrets.get(name)?);
        }
        Ok(Self { values })
    }

    /// A masker for every granted value, and warnings for values too short
    /// to mask.
    pub fn masker(&self) -> (Masker, Vec<String>) {
        let mut names: Vec<&String> = self.values.keys().collect();
        names.sort();
        let (masker, warnings) = Masker::new(names.iter().map(|name| self.values[*name].as_str()));
        let warnings = warnings
            .iter()
            .map(|warning| match warning {
                super::MaskWarning::TooShort { index } => format!(
                    "secret `{}` is shorter than {} characters and will not be masked in logs",
                    names[*index],
                    super::MIN_MASKED_CHARS
                ),
            })
            .collect();
        (masker, warnings)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

impl wit::Host for ActionState {
    fn get(&mut self, name: String) -> wasmtime::Result<Result<String, wit::Error>> {
        Ok(match self.secrets.get(&name) {
            Some(value) => Ok(value.to_owned()),
            None => Err(wit::Error::NotGranted(name)),
        })
    }
}
