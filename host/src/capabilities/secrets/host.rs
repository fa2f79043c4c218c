//! The host side of `kiln:plugin/secrets`: the values an action was
//! granted, resolved from the providers before the attempt starts (so that
//! the log masker knows them from the first line), handed out by name.

use std::collections::HashMap;

use super::{Masker, SecretError, Secrets};
use crate::runtime::ActionState;
use crate::runtime::bindings::v0_2::kiln::plugin::secrets as wit;

/// Every secret granted to any action of a run, resolved once when the run
/// starts. Its [`RunSecrets::masker`] masks all of them in every text of
/// the run, whichever action it came from: an action granted no secret
/// cannot print one it found in another's artifact.
#[derive(Clone, Default)]
pub struct RunSecrets {
    /// A value, or why it could not be had (the message names the secret,
    /// never a value).
    values: HashMap<String, Result<String, String>>,
    masker: Masker,
}

impl RunSecrets {
    /// Resolve each of `names` once; a missing secret fails only the
    /// actions granted it, when they start.
    pub fn resolve<'a>(secrets: &Secrets, names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut values = HashMap::new();
        for name in names {
            values
                .entry(name.to_owned())
                .or_insert_with(|| secrets.get(name).map_err(|error| error.to_string()));
        }
        let mut found: Vec<(&String, &String)> = values
            .iter()
            .filter_map(|(name, value)| value.as_ref().ok().map(|value| (name, value)))
            .collect();
        found.sort();
        let (masker, _) = Masker::new(found.iter().map(|(_, value)| value.as_str()));
        Self { values, masker }
    }

    /// Masks every secret of the run.
    pub fn masker(&self) -> Masker {
        self.masker.clone()
    }

    /// The secrets of one action; the first it cannot have is an error.
    pub fn grant(&self, names: &[String]) -> Result<GrantedSecrets, String> {
        let mut values = HashMap::new();
        for name in names {
            match self.values.get(name) {
                Some(Ok(value)) => {
                    values.insert(name.clone(), value.clone());
                }
                Some(Err(message)) => return Err(message.clone()),
                None => return Err(format!("secret `{name}` was not resolved for this run")),
            }
        }
        Ok(GrantedSecrets { values })
    }
}

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

    /// The value of granted secret `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

impl wit::Host for ActionState {
    fn get(&mut self, name: String) -> wasmtime::Result<Result<String, wit::Error>> {
        Ok(match self.secrets.value(&name) {
            Some(value) => Ok(value.to_owned()),
            None => Err(wit::Error::NotGranted(name)),
        })
    }
}
