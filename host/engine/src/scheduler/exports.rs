//! Exported variables in a run: remembered as actions succeed (or are kept
//! by a resume, or reused from the cache), and interpolated into the
//! variables and parameters of the actions that read them
//! (`${exports.<action>.<NAME>}`) when those start.

use std::borrow::Cow;

use kiln_model::exports::substitute;
use kiln_model::plan::{ActionPlan, Interpolated};

use super::RunShared;

/// The run now has these exports of `action`.
pub(super) fn remember(shared: &RunShared, action: &str, exports: &[(String, String)]) {
    if exports.is_empty() {
        return;
    }
    let mut known = shared.exports.lock().unwrap_or_else(|p| p.into_inner());
    known.insert(action.to_owned(), exports.to_vec());
}

/// The action with every reference to an export replaced by its value;
/// the action itself when it reads none. A reference whose exporter did
/// not succeed in this run (it failed, or was skipped, and the reader runs
/// `if: always`) fails the reader, naming it.
pub(super) fn interpolate<'a>(
    shared: &RunShared,
    action: &'a ActionPlan,
) -> Result<Cow<'a, ActionPlan>, String> {
    if action.interpolate.is_empty() {
        return Ok(Cow::Borrowed(action));
    }
    let known = shared.exports.lock().unwrap_or_else(|p| p.into_inner());
    let lookup = |reference: &kiln_model::exports::ExportRef| {
        known
            .get(&reference.action)?
            .iter()
            .find(|(name, _)| *name == reference.name)
            .map(|(_, value)| value.clone())
    };
    let unresolved = |field: &str, reference: kiln_model::exports::ExportRef| {
        format!(
            "{field}: {reference}: action `{}` exported nothing in this run (it did not succeed)",
            reference.action
        )
    };
    let mut resolved = action.clone();
    for field in &action.interpolate {
        match field {
            Interpolated::Env(name) => {
                for (key, value) in resolved.env.iter_mut().filter(|(k, _)| k == name) {
                    *value = substitute(value, false, lookup)
                        .map_err(|r| unresolved(&format!("env.{key}"), r))?;
                }
            }
            Interpolated::Param { name, json } => {
                for (key, value) in resolved.params.iter_mut().filter(|(k, _)| k == name) {
                    *value = substitute(value, *json, lookup)
                        .map_err(|r| unresolved(&format!("with.{key}"), r))?;
                }
            }
        }
    }
    Ok(Cow::Owned(resolved))
}
