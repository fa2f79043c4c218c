//! The action cache's policy in a run: what an action's key covers (see
//! [`KeyParts`]), reusing a recorded result, recording a new one.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use kiln_model::artifact::ArtifactRecord;
use kiln_model::cache::{CachePolicy, KeyParts};
use kiln_model::event::LogAddress;
use kiln_model::plan::ActionPlan;
use kiln_model::status::Status;
use kiln_sandbox::capabilities::secrets::GrantedSecrets;
use kiln_store::action_cache::CacheEntry;

use super::RunShared;
use super::outcome::ActionOutcome;
use crate::action_cache::{fingerprint, tree_fingerprint};

/// The parts of the action's cache key, when it is cacheable and a cache
/// is configured; the key is also recorded for `kiln cache why`.
pub(super) async fn cache_key(
    shared: &RunShared,
    action: &ActionPlan,
    secrets: &GrantedSecrets,
) -> Option<KeyParts> {
    let cache = shared.cache.as_ref()?;
    if !action.cacheable() {
        return None;
    }
    let mut inputs = BTreeMap::new();
    {
        let artifacts = shared.artifacts.lock().unwrap_or_else(|p| p.into_inner());
        for name in &action.inputs {
            inputs.insert(name.clone(), *artifacts.get(name)?);
        }
    }
    let workspace = match &action.cache {
        CachePolicy::Inputs(globs) => {
            let (root, globs) = (shared.workspace.clone(), globs.clone());
            match tokio::task::spawn_blocking(move || fingerprint(&root, Some(&globs))).await {
                Ok(Ok(files)) => files,
                Ok(Err(error)) => {
                    tracing::warn!("{}: not cached: {error}", action.name);
                    return None;
                }
                Err(_) => return None,
            }
        }
        _ => {
            let files = shared
                .workspace_files
                .get_or_try_init(|| async {
                    let root = shared.workspace.clone();
                    let pipeline_file = shared.pipeline_file.clone();
                    tokio::task::spawn_blocking(move || {
                        let mut files = fingerprint(&root, None)?;
                        // The action's own configuration is in its key
                        // already; edits to other actions must not miss.
                        if let Ok(relative) = pipeline_file.strip_prefix(&root) {
                            files.remove(
                                &relative
                                    .to_string_lossy()
                                    .replace(std::path::MAIN_SEPARATOR, "/"),
                            );
                        }
                        Ok::<_, crate::action_cache::WorkspaceError>(files)
                    })
                    .await
                    .map_err(|join| join.to_string())?
                    .map(Arc::new)
                    .map_err(|error| error.to_string())
                })
                .await;
            match files {
                Ok(files) => (**files).clone(),
                Err(error) => {
                    tracing::warn!("{}: not cached: {error}", action.name);
                    return None;
                }
            }
        }
    };
    let env: BTreeMap<String, String> = action.env.iter().cloned().collect();
    // A secret's value never enters a key (keys are stored in clear); a
    // digest of it under the cache's private key does.
    let mut secret_digests = BTreeMap::new();
    for name in &action.grants.secrets {
        let value = secrets.value(name).unwrap_or_default();
        match cache.secret_digest(name, value) {
            Ok(digest) => secret_digests.insert(name.to_owned(), digest),
            Err(error) => {
                tracing::warn!("{}: not cached: {error}", action.name);
                return None;
            }
        };
    }
    let paths = match granted_paths(action).await {
        Ok(paths) => paths,
        Err(error) => {
            tracing::warn!("{}: not cached: {error}", action.name);
            return None;
        }
    };
    let parts = KeyParts {
        kiln_version: env!("CARGO_PKG_VERSION").to_owned(),
        plugin: action.plugin.digest,
        params: action.params.iter().cloned().collect(),
        inputs,
        env,
        workspace,
        paths,
        outputs: action.outputs.clone(),
        site: format!("{}/{}/{}", shared.pipeline, action.stage, action.name),
        secrets: secret_digests,
        exports: action.exports.clone(),
    };
    if let Err(error) = cache.record_key(&shared.pipeline, &action.name, &parts) {
        tracing::warn!("{error}");
    }
    Some(parts)
}

/// Each granted host path with its access and, when read-only, a
/// fingerprint of what is in it: a gate that reads a file through a path
/// grant misses once the file changed. (A writable path changes with the
/// action's own writes; an action with one is cached only when it says
/// `cache: true`, vouching for it.)
async fn granted_paths(action: &ActionPlan) -> Result<BTreeMap<String, String>, String> {
    use kiln_sandbox::capabilities::fs::Access;
    let grants = action.grants.fs.paths.clone();
    tokio::task::spawn_blocking(move || {
        grants
            .iter()
            .map(|grant| {
                let fingerprint = if grant.access == Access::ReadWrite {
                    "(written by the action: not fingerprinted)".to_owned()
                } else if grant.host_path.exists() {
                    tree_fingerprint(&grant.host_path)
                        .map_err(|e| e.to_string())?
                        .to_string()
                } else {
                    "(absent)".to_owned()
                };
                Ok((
                    grant.name.clone(),
                    format!(
                        "{} ({}) {fingerprint}",
                        grant.host_path.display(),
                        grant.access
                    ),
                ))
            })
            .collect()
    })
    .await
    .map_err(|join| join.to_string())?
}

/// A hit: the recorded outputs become this run's, the recorded log is
/// replayed, and nothing runs.
pub(super) fn reuse_cached(
    shared: &RunShared,
    action: &ActionPlan,
    parts: &KeyParts,
    started: Instant,
) -> Option<ActionOutcome> {
    if !shared.use_cache {
        return None;
    }
    let cache = shared.cache.as_ref()?;
    let key = parts.key();
    let entry = match cache.lookup(&key, shared.store.as_ref()) {
        Ok(entry) => entry?,
        Err(error) => {
            tracing::warn!("{error}");
            return None;
        }
    };
    // The replayed log is the action's one attempt in this run.
    let address = shared.log_address(&action.name, 1);
    let replayed = (|| -> std::io::Result<()> {
        let (mut log, _) = shared.runs.create_log(&address)?;
        writeln!(
            log,
            "kiln: cached result of run {} (key {}); the plugin did not run",
            entry.run_id,
            key.short()
        )?;
        if let Ok(old) = std::fs::read(cache.log_path(&key)) {
            log.write_all(&old)?;
        }
        log.flush()
    })();
    if let Err(error) = replayed {
        tracing::warn!("replaying the cached log: {error}");
    }
    {
        let mut artifacts = shared.artifacts.lock().unwrap_or_else(|p| p.into_inner());
        for (name, digest) in &entry.outputs {
            artifacts.insert(name.clone(), *digest);
        }
    }
    super::exports::remember(shared, &action.name, &entry.exports);
    let outputs = entry
        .outputs
        .iter()
        .map(|(name, digest)| {
            let manifest = shared.store.manifest(digest).ok();
            ArtifactRecord {
                name: name.clone(),
                digest: *digest,
                files: manifest.as_ref().map_or(0, |m| m.file_count() as u64),
                bytes: manifest.as_ref().map_or(0, |m| m.total_size()),
            }
        })
        .collect();
    let outcome = ActionOutcome {
        status: Status::Succeeded,
        attempts: 0,
        duration: started.elapsed(),
        summary: Some(entry.summary),
        error: None,
        outputs,
        logs: vec![address],
        cached: true,
        reports: Vec::new(),
        exports: entry.exports.clone(),
    };
    Some(shared.finished(action, outcome, Vec::new()))
}

/// Keep a successful result under its key, with the attempt's log.
pub(super) fn record(
    shared: &RunShared,
    action: &ActionPlan,
    parts: &KeyParts,
    done: &crate::executor::AttemptOutput,
    log: &LogAddress,
) {
    let Some(cache) = &shared.cache else { return };
    let entry = CacheEntry {
        key: parts.key(),
        pipeline: shared.pipeline.clone(),
        action: action.name.clone(),
        run_id: shared.run_id.clone(),
        created_at: super::now_rfc3339(),
        summary: done.summary.clone(),
        outputs: done
            .outputs
            .iter()
            .map(|o| (o.name.clone(), o.digest))
            .collect(),
        parts: parts.clone(),
        exports: done.exports.clone(),
    };
    let log = shared.runs.read_log(log).ok();
    if let Err(error) = cache.put(&entry, log.as_deref()) {
        tracing::warn!("not cached: {error}");
    }
}
