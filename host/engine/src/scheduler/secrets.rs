//! The secrets of a run: every secret granted to any of its actions,
//! resolved once from the providers when the run starts.

use std::collections::HashMap;

use kiln_model::mask::Masker;
use kiln_sandbox::capabilities::secrets::GrantedSecrets;
use kiln_store::secrets::Secrets;

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
        Ok(GrantedSecrets::new(values))
    }
}
