//! Reading the secrets the action grants (`grants.secrets`). The host masks
//! every granted value in every log line, so logging one by mistake shows
//! `***`; still, never write a secret into an output artifact.

use crate::Error;
use crate::bindings::kiln::plugin::secrets as wit;

/// The value of a granted secret.
pub fn get(name: &str) -> Result<String, Error> {
    wit::get(name).map_err(|error| match error {
        wit::Error::NotGranted(name) => Error::new(format!(
            "secret `{name}` is not granted to this action (grants.secrets)"
        )),
        wit::Error::NotFound(name) => Error::new(format!("secret `{name}` is not set on the host")),
        wit::Error::Unavailable(message) => Error::new(format!("secrets unavailable: {message}")),
    })
}
