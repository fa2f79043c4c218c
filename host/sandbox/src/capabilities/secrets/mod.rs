//! The secrets capability: the host side of `kiln:plugin/secrets`, handing
//! out by name the values an action was granted. They are resolved by the
//! engine before the attempt starts (so that the log masker knows them from
//! the first line); where they come from is the store's business.

pub mod grant;

use std::collections::HashMap;

use kiln_model::mask::{MIN_MASKED_CHARS, MaskWarning, Masker};

use crate::bindings::v0_2::kiln::plugin::secrets as wit;

/// The secrets one action may read, with their values.
#[derive(Clone, Default)]
pub struct GrantedSecrets {
    values: HashMap<String, String>,
}

impl GrantedSecrets {
    /// The values an action was granted, by name.
    pub fn new(values: HashMap<String, String>) -> Self {
        Self { values }
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
                MaskWarning::TooShort { index } => format!(
                    "secret `{}` is shorter than {} characters and will not be masked in logs",
                    names[*index], MIN_MASKED_CHARS
                ),
                other => other.to_string(),
            })
            .collect();
        (masker, warnings)
    }

    /// The value of granted secret `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

/// What a store gives the secrets capability.
pub trait SecretsView: Send {
    fn secrets(&mut self) -> &GrantedSecrets;
}

/// The host side of `kiln:plugin/secrets`, over one store's secrets.
pub struct SecretsHost<'a>(&'a GrantedSecrets);

struct HasSecrets;

impl wasmtime::component::HasData for HasSecrets {
    type Data<'a> = SecretsHost<'a>;
}

/// Link `kiln:plugin/secrets` (contract 0.2.0 and later).
pub fn add_to_linker<T: SecretsView + 'static>(
    linker: &mut wasmtime::component::Linker<T>,
) -> wasmtime::Result<()> {
    wit::add_to_linker::<T, HasSecrets>(linker, |state| SecretsHost(state.secrets()))
}

impl wit::Host for SecretsHost<'_> {
    fn get(&mut self, name: String) -> wasmtime::Result<Result<String, wit::Error>> {
        Ok(match self.0.value(&name) {
            Some(value) => Ok(value.to_owned()),
            None => Err(wit::Error::NotGranted(name)),
        })
    }
}
