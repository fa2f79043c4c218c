//! The registry plugins of a pipeline, before it is validated: each
//! `oci://` use resolved through `kiln.lock` to a checked component in the
//! local store, and the signature policy (`plugins: require-signed-by`)
//! applied to every plugin. Problems are diagnostics at the `uses:` (or
//! the key) that caused them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use kiln_pipeline::diagnostic::{Diagnostic, Diagnostics};
use kiln_pipeline::file::PipelineFile;
use kiln_pipeline::located::Position;
use kiln_registry::client::ClientConfig;
use kiln_registry::{Error, LockFile, PluginRef, Registry, RegistryError, signing};
use kiln_store::data_dir::DataDir;

/// How `kiln run` treats registries.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// How to talk to registries: credentials, deadlines, plain HTTP to
    /// loopback registries.
    pub client: ClientConfig,
    /// Re-resolve every tag, ignoring kiln.lock (`kiln plugin update`).
    pub update: bool,
    /// Refuse to run a tag kiln.lock does not pin, and never write the
    /// lock (CI: the lock is the reviewed list of plugins).
    pub locked: bool,
}

/// What the registry uses of a pipeline resolved to.
#[derive(Debug, Default, Clone)]
pub struct RegistryPlugins {
    /// `uses` text → component file in the local store.
    pub paths: HashMap<String, PathBuf>,
    /// Tag → digest changes written to kiln.lock (for `kiln plugin update`).
    pub changes: Vec<String>,
}

/// Resolve the `oci://` uses of `pipeline` (from `file`) and apply its
/// plugin policy.
pub async fn resolve(
    file: &Path,
    pipeline: &PipelineFile,
    data: &DataDir,
    options: &RegistryOptions,
) -> Result<RegistryPlugins, Diagnostics> {
    let mut problems = Diagnostics::default();
    let mut report = |at: Position, field: String, message: String| {
        problems.push(Diagnostic::new(file, at, field, message));
    };

    // Each distinct registry use, with where it first appears.
    let mut uses: Vec<(PluginRef, String, Position, String)> = Vec::new();
    for (s, stage) in pipeline.stages.iter().enumerate() {
        for (a, action) in stage.actions.iter().enumerate() {
            let text = &action.uses.value;
            if !PluginRef::is_registry(text) || uses.iter().any(|(_, t, _, _)| t == text) {
                continue;
            }
            let field = format!("stages[{s}].actions[{a}].uses");
            match text.parse::<PluginRef>() {
                Ok(reference) => uses.push((reference, text.clone(), action.uses.at, field)),
                Err(error) => report(action.uses.at, field, error.to_string()),
            }
        }
    }
    let policy = pipeline.plugins.as_ref().map(|p| &p.value);
    let wants_signatures = policy.is_some_and(|p| !p.require_signed_by.is_empty());
    if uses.is_empty() && !wants_signatures {
        return problems.into_result(RegistryPlugins::default());
    }

    let base = file
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut trusted = Vec::new();
    if let Some(policy) = policy {
        for (k, key) in policy.require_signed_by.iter().enumerate() {
            match signing::load_public_key(&key.value, base) {
                Ok(key) => trusted.push(key),
                Err(error) => report(
                    key.at,
                    format!("plugins.require-signed-by[{k}]"),
                    error.to_string(),
                ),
            }
        }
    }

    let lock_path = LockFile::path_for(file);
    let mut lock = match LockFile::load(&lock_path) {
        Ok(lock) => lock,
        Err(error) => {
            report(Position::default(), String::new(), error.to_string());
            return Err(problems);
        }
    };
    let registry = match Registry::open(&data.oci(), options.client.clone()) {
        Ok(registry) => registry,
        Err(error) => {
            report(Position::default(), String::new(), error.to_string());
            return Err(problems);
        }
    };

    let mut resolved = RegistryPlugins::default();
    for (reference, text, at, field) in &uses {
        if options.locked && reference.digest.is_none() && lock.get(reference).is_none() {
            report(
                *at,
                field.clone(),
                format!(
                    "{reference} is not pinned in {} and --locked forbids resolving it; run `kiln plugin update` and commit the lock",
                    lock.path().display()
                ),
            );
            continue;
        }
        let before = lock.get(reference);
        match registry
            .resolve(reference, Some(&mut lock), options.update)
            .await
        {
            Ok(plugin) => {
                if before.map(|pin| pin.manifest) != Some(plugin.manifest)
                    && reference.digest.is_none()
                {
                    resolved.changes.push(match before {
                        Some(pin) => {
                            format!("{reference}: {} -> {}", pin.manifest, plugin.manifest)
                        }
                        None => format!("{reference}: pinned to {}", plugin.manifest),
                    });
                }
                if !trusted.is_empty()
                    && let Err(message) = check_signature(&registry, &plugin, &trusted).await
                {
                    report(
                        *at,
                        field.clone(),
                        format!("plugin `{text}` refused: {message}"),
                    );
                    continue;
                }
                resolved.paths.insert(text.clone(), plugin.path);
            }
            Err(error) => report(*at, field.clone(), explain(reference, &error)),
        }
    }

    // Under a signature policy, a plugin from a local file has no
    // signature to check.
    if !trusted.is_empty() {
        for (s, stage) in pipeline.stages.iter().enumerate() {
            for (a, action) in stage.actions.iter().enumerate() {
                let text = &action.uses.value;
                if !PluginRef::is_registry(text) && !crate::plugins::is_first_party(text) {
                    report(
                        action.uses.at,
                        format!("stages[{s}].actions[{a}].uses"),
                        format!(
                            "plugin `{text}` refused: a local component carries no signature, and plugins.require-signed-by is set; publish and sign it (`kiln plugin publish`, `kiln plugin sign`) and use it by oci:// reference"
                        ),
                    );
                }
            }
        }
    }

    if problems.0.is_empty()
        && !options.locked
        && let Err(error) = lock.save()
    {
        problems.push(Diagnostic::new(
            file,
            Position::default(),
            "",
            error.to_string(),
        ));
    }
    problems.into_result(resolved)
}

/// Which trusted key signed the plugin, from the local store first, then
/// the registry (whose signatures are kept for offline runs).
async fn check_signature(
    registry: &Registry,
    plugin: &kiln_registry::Resolved,
    trusted: &[signing::TrustedKey],
) -> Result<String, String> {
    let local = registry
        .local_signatures(&plugin.reference, &plugin.manifest)
        .map_err(|error| error.to_string())?;
    if let Ok(signer) = signing::check(&plugin.manifest, &local, trusted) {
        return Ok(signer);
    }
    let remote = match registry
        .pull_signatures(&plugin.reference, &plugin.manifest)
        .await
    {
        Ok(signatures) => signatures,
        // Offline: judge by what the store has.
        Err(Error::Registry(RegistryError::Unreachable { .. })) => local,
        Err(error) => return Err(error.to_string()),
    };
    signing::check(&plugin.manifest, &remote, trusted)
}

/// The error, with what to do about it when the registry was not reached.
fn explain(reference: &PluginRef, error: &Error) -> String {
    match error {
        Error::Registry(RegistryError::Unreachable { .. }) if reference.digest.is_none() => {
            format!(
                "{error}; {reference} is a tag not pinned in kiln.lock, so kiln must ask the registry what it points to (pin it by digest, or run once with the registry up to write kiln.lock)"
            )
        }
        Error::Registry(RegistryError::Unreachable { .. }) => {
            format!("{error}; the plugin's blobs are not in the local store yet")
        }
        _ => error.to_string(),
    }
}
