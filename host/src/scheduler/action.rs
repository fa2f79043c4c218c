//! One action: its attempts, each in a fresh sandbox with verified inputs,
//! and the storing of its outputs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Event, RunShared, retry_delay};
use crate::action_cache::{CacheEntry, CachePolicy, KeyParts, fingerprint, tree_fingerprint};
use crate::artifacts::make_writable;
use crate::capabilities::fs::Mounts;
use crate::capabilities::log::{ActionLog, Level};
use crate::capabilities::secrets::GrantedSecrets;
use crate::pipeline::ActionPlan;
use crate::reports::TestReport;
use crate::run_store::{ArtifactRecord, Status};
use crate::runtime::{ActionContext, Attempt, AttemptError};

/// How an action ended.
#[derive(Debug, Clone)]
pub struct ActionOutcome {
    pub status: Status,
    pub attempts: u32,
    pub duration: Duration,
    pub summary: Option<String>,
    pub error: Option<String>,
    pub outputs: Vec<ArtifactRecord>,
    pub logs: Vec<PathBuf>,
    /// Reused from the action cache.
    pub cached: bool,
    /// The declared test reports of the last attempt.
    pub reports: Vec<TestReport>,
}

impl ActionOutcome {
    pub(crate) fn skipped(reason: &str) -> Self {
        Self {
            status: Status::Skipped,
            attempts: 0,
            duration: Duration::ZERO,
            summary: Some(format!("skipped: {reason}")),
            error: None,
            outputs: Vec::new(),
            logs: Vec::new(),
            cached: false,
            reports: Vec::new(),
        }
    }

    /// The outcome with its plugin texts (summary, error, reports) made
    /// plain and masked.
    pub(crate) fn masked(self, masker: &crate::capabilities::secrets::Masker) -> Self {
        let text = |t: Option<String>| t.map(|t| masker.mask(&t).into_owned());
        Self {
            summary: text(self.summary),
            error: text(self.error),
            reports: self.reports.iter().map(|r| r.masked(masker)).collect(),
            ..self
        }
    }

    pub(crate) fn internal_error(message: &str) -> Self {
        Self {
            status: Status::Failed,
            attempts: 0,
            duration: Duration::ZERO,
            summary: None,
            error: Some(format!("internal error in kiln: {message}")),
            outputs: Vec::new(),
            logs: Vec::new(),
            cached: false,
            reports: Vec::new(),
        }
    }
}

/// Why one attempt failed, and whether another attempt could help.
struct Failure {
    message: String,
    retryable: bool,
}

impl From<AttemptError> for Failure {
    fn from(error: AttemptError) -> Self {
        Self {
            message: error.to_string(),
            retryable: !matches!(error, AttemptError::Setup(_)),
        }
    }
}

pub(crate) async fn run_action(shared: &RunShared, action: &ActionPlan) -> ActionOutcome {
    let started = Instant::now();
    // Secrets are resolved before the first attempt, so that the log
    // masker knows every granted value from the first line on.
    let granted = match shared.secrets.grant(&action.grants.secrets) {
        Ok(granted) => granted,
        Err(message) => return failed_before_start(shared, action, started, message),
    };
    // The log masks every secret of the run, not only the action's own.
    let (_, mask_warnings) = granted.masker();
    let masker = shared.masker.clone();
    let cache_key = cache_key(shared, action, &granted).await;
    if let Some(parts) = &cache_key
        && let Some(outcome) = reuse_cached(shared, action, parts, started)
    {
        return outcome;
    }
    let mut logs = Vec::new();
    let mut reports = Vec::new();
    // A resumed run numbers its attempts on from the earlier ones, so that
    // no log is overwritten; each resume gets the full retry budget.
    let before = shared
        .resume
        .attempts
        .get(&action.name)
        .copied()
        .unwrap_or(0);
    let max_attempts = before + action.retries + 1;
    let mut attempt = before + 1;
    loop {
        let log_path = shared.log_path(&action.name, attempt);
        shared.events.event(&Event::ActionStarted {
            stage: action.stage.clone(),
            action: action.name.clone(),
            attempt,
            log_path: log_path.clone(),
        });
        logs.push(log_path.clone());
        let result = match ActionLog::create(&log_path, action.limits.log, masker.clone()) {
            Ok(log) => {
                let (events, stage, name) = (
                    shared.events.clone(),
                    action.stage.clone(),
                    action.name.clone(),
                );
                log.observe(Arc::new(move |line: &str| {
                    events.event(&Event::ActionLogLine {
                        stage: stage.clone(),
                        action: name.clone(),
                        line: line.to_owned(),
                    })
                }));
                for warning in &mask_warnings {
                    log.note(Level::Warn, &format!("kiln: {warning}"));
                }
                // Summaries and errors leave the log: mask them too.
                run_attempt(shared, action, attempt, log.clone(), &granted, &mut reports)
                    .await
                    .map(|(summary, outputs)| (log.mask(&summary), outputs))
                    .map_err(|failure| {
                        let message = log.mask(&failure.message);
                        (Failure { message, ..failure }, log.tail())
                    })
            }
            Err(error) => Err((
                Failure {
                    message: format!("cannot create log {}: {error}", log_path.display()),
                    retryable: false,
                },
                Vec::new(),
            )),
        };
        match result {
            Ok((summary, outputs)) => {
                if let (Some(cache), Some(parts)) = (&shared.cache, &cache_key) {
                    let entry = CacheEntry {
                        key: parts.key(),
                        pipeline: shared.pipeline.clone(),
                        action: action.name.clone(),
                        run_id: shared.run_id.clone(),
                        created_at: super::now_rfc3339(),
                        summary: summary.clone(),
                        outputs: outputs
                            .iter()
                            .map(|o: &ArtifactRecord| (o.name.clone(), o.digest))
                            .collect(),
                        parts: parts.clone(),
                    };
                    if let Err(error) = cache.put(&entry, &log_path) {
                        tracing::warn!("not cached: {error}");
                    }
                }
                let outcome = ActionOutcome {
                    status: Status::Succeeded,
                    attempts: attempt,
                    duration: started.elapsed(),
                    summary: Some(summary),
                    error: None,
                    outputs,
                    logs,
                    cached: false,
                    reports,
                };
                return finished(shared, action, outcome, Vec::new());
            }
            Err((failure, tail)) if failure.retryable && attempt < max_attempts => {
                let delay = retry_delay(attempt);
                shared.events.event(&Event::ActionRetrying {
                    stage: action.stage.clone(),
                    action: action.name.clone(),
                    attempt,
                    error: failure.message,
                    delay,
                });
                drop(tail);
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            Err((failure, log_tail)) => {
                let outcome = ActionOutcome {
                    status: Status::Failed,
                    attempts: attempt,
                    duration: started.elapsed(),
                    summary: None,
                    error: Some(failure.message),
                    outputs: Vec::new(),
                    logs,
                    cached: false,
                    reports,
                };
                return finished(shared, action, outcome, log_tail);
            }
        }
    }
}

/// The parts of the action's cache key, when it is cacheable and a cache
/// is configured; the key is also recorded for `kiln cache why`.
async fn cache_key(
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
            Ok(digest) => secret_digests.insert(name.clone(), digest),
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
    use crate::capabilities::fs::Access;
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
fn reuse_cached(
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
    let entry = match cache.lookup(&key, &shared.store) {
        Ok(entry) => entry?,
        Err(error) => {
            tracing::warn!("{error}");
            return None;
        }
    };
    let log_path = shared.log_path(&action.name, 1);
    let replayed = (|| -> std::io::Result<()> {
        std::fs::create_dir_all(log_path.parent().expect("logs live in a directory"))?;
        let mut text = format!(
            "kiln: cached result of run {} (key {}); the plugin did not run\n",
            entry.run_id,
            key.short()
        );
        if let Ok(old) = std::fs::read_to_string(cache.log_path(&key)) {
            text.push_str(&old);
        }
        std::fs::write(&log_path, text)
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
        logs: vec![log_path],
        cached: true,
        reports: Vec::new(),
    };
    Some(finished(shared, action, outcome, Vec::new()))
}

/// An action that failed before its first attempt (a secret it is granted
/// cannot be found, say).
fn failed_before_start(
    shared: &RunShared,
    action: &ActionPlan,
    started: Instant,
    message: String,
) -> ActionOutcome {
    let outcome = ActionOutcome {
        status: Status::Failed,
        attempts: 0,
        duration: started.elapsed(),
        summary: None,
        error: Some(message),
        outputs: Vec::new(),
        logs: Vec::new(),
        cached: false,
        reports: Vec::new(),
    };
    finished(shared, action, outcome, Vec::new())
}

/// On a resume, an action that succeeded before: its outputs are this
/// run's again and it does not run.
pub(crate) fn keep(
    shared: &RunShared,
    action: &ActionPlan,
    kept: &super::KeptAction,
) -> ActionOutcome {
    {
        let mut artifacts = shared.artifacts.lock().unwrap_or_else(|p| p.into_inner());
        for output in &kept.outputs {
            artifacts.insert(output.name.clone(), output.digest);
        }
    }
    shared.events.event(&Event::ActionKept {
        stage: action.stage.clone(),
        action: action.name.clone(),
        summary: kept.summary.clone(),
    });
    ActionOutcome {
        status: Status::Succeeded,
        attempts: 0,
        duration: Duration::ZERO,
        summary: kept.summary.clone(),
        error: None,
        outputs: kept.outputs.clone(),
        logs: Vec::new(),
        cached: false,
        reports: Vec::new(),
    }
}

/// Report an action's end (with the failing attempt's last log lines) and
/// hand its outcome on, its texts made plain and masked with every secret
/// of the run.
fn finished(
    shared: &RunShared,
    action: &ActionPlan,
    outcome: ActionOutcome,
    log_tail: Vec<String>,
) -> ActionOutcome {
    let outcome = outcome.masked(&shared.masker);
    shared.events.event(&Event::ActionFinished {
        stage: action.stage.clone(),
        action: action.name.clone(),
        status: outcome.status,
        attempts: outcome.attempts,
        duration: outcome.duration,
        summary: outcome.summary.clone(),
        error: outcome.error.clone(),
        log_tail,
        log_path: outcome.logs.last().cloned(),
        cached: outcome.cached,
        outputs: outcome.outputs.clone(),
        reports: outcome.reports.clone(),
    });
    outcome
}

/// One attempt: materialize and verify inputs, prepare outputs and /tmp,
/// run the plugin, store the outputs. The attempt's directory is removed
/// afterwards whatever happened.
async fn run_attempt(
    shared: &RunShared,
    action: &ActionPlan,
    attempt: u32,
    log: ActionLog,
    secrets: &GrantedSecrets,
    reports: &mut Vec<TestReport>,
) -> Result<(String, Vec<ArtifactRecord>), Failure> {
    // One level, `<action>.attempt-<n>`: every directory kiln creates per
    // action is an inode allocation, which is most of a no-op action's cost
    // on ext4 (see BENCHMARKS.md).
    let dir = shared
        .work_dir
        .join(format!("{}.attempt-{attempt}", action.name));
    let result = run_attempt_in(shared, action, attempt, log.clone(), secrets, &dir, reports).await;
    // Removing the sandbox is not on the action's path: it happens in the
    // background (and the run removes whatever is left when it ends).
    let cleanup_dir = dir.clone();
    drop(tokio::task::spawn_blocking(move || {
        let _ = make_writable(&cleanup_dir);
        std::fs::remove_dir_all(&cleanup_dir)
    }));
    if let Err(failure) = &result {
        log.note(Level::Error, &failure.message);
        log.flush();
    }
    result
}

async fn run_attempt_in(
    shared: &RunShared,
    action: &ActionPlan,
    attempt: u32,
    log: ActionLog,
    secrets: &GrantedSecrets,
    dir: &Path,
    reports: &mut Vec<TestReport>,
) -> Result<(String, Vec<ArtifactRecord>), Failure> {
    let setup = |message: String| Failure {
        message,
        retryable: false,
    };
    // Inputs: digests recorded by earlier actions, verified while copied.
    let mut inputs = Vec::new();
    let mut input_digests = Vec::new();
    for name in &action.inputs {
        let digest = shared
            .artifacts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .copied()
            .ok_or_else(|| {
                setup(format!(
                    "input artifact `{name}` was not produced (its producer did not succeed)"
                ))
            })?;
        let dest = dir.join("inputs").join(name);
        let store = shared.store.clone();
        let target = dest.clone();
        // Inputs share the store's blobs (read-only links) unless programs
        // the action runs are not confined: they could change a shared
        // blob, so they get copies.
        let private = !action.grants.exec.is_empty()
            && crate::capabilities::exec::landlock_support()
                == crate::capabilities::exec::Confinement::None;
        tokio::task::spawn_blocking(move || {
            if private {
                store.export(&digest, &target)
            } else {
                store.materialize(&digest, &target)
            }
        })
        .await
        .map_err(|join| setup(join.to_string()))?
        .map_err(|error| setup(format!("input artifact `{name}`: {error}")))?;
        inputs.push((name.clone(), dest));
        input_digests.push((name.clone(), digest.to_string()));
    }
    let mut outputs = Vec::new();
    for name in &action.outputs {
        let path = dir.join("outputs").join(name);
        std::fs::create_dir_all(&path)
            .map_err(|e| setup(format!("creating {}: {e}", path.display())))?;
        outputs.push((name.clone(), path));
    }
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).map_err(|e| setup(format!("creating {}: {e}", tmp.display())))?;
    // Persistent cache directories move into the attempt (a rename, no
    // copy) and back when it ends, whatever its result.
    let caches = shared
        .cache_dirs
        .take(&action.name, &action.cache_dirs, &dir.join("cache"))
        .map_err(|e| setup(format!("restoring cache directories: {e}")))?;
    let _return_caches = CacheDirsGuard {
        dirs: &shared.cache_dirs,
        action: &action.name,
        caches: caches.clone(),
    };
    let run_status = if action.grants.run_status {
        Some(write_run_status(shared, dir).map_err(setup)?)
    } else {
        None
    };
    let mounts = Mounts::for_attempt(
        &action.grants.fs,
        &inputs,
        &outputs,
        &caches,
        &tmp,
        run_status.as_deref(),
    );

    // Programs get an empty `HOME` no plugin can write: created only for
    // actions that run programs.
    let home = dir.join("home");
    if !action.grants.exec.is_empty() {
        std::fs::create_dir_all(&home)
            .and_then(|()| {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o555))
            })
            .map_err(|e| setup(format!("creating {}: {e}", home.display())))?;
    }
    let context = ActionContext {
        run_id: shared.run_id.clone(),
        pipeline: shared.pipeline.clone(),
        stage: action.stage.clone(),
        action: action.name.clone(),
        attempt,
        params: action.params.clone(),
        inputs: input_digests,
        outputs: action.outputs.clone(),
    };
    let result = shared
        .runtime
        .run_attempt(
            &action.plugin,
            Attempt {
                context,
                env: &action.env,
                mounts: &mounts,
                log: log.clone(),
                timeout: action.timeout,
                grants: &action.grants,
                limits: action.limits,
                secrets: secrets.clone(),
                home,
                ledger: Some(crate::capabilities::exec::ChildLedger::new(
                    shared.children_dir(),
                )),
                search_path: &shared.exec_search_path,
            },
        )
        .await;
    // Reports are read whether the attempt passed or not: a failed test
    // run is when they matter most.
    if !action.junit_reports.is_empty() {
        let patterns = action.junit_reports.clone();
        let dirs = outputs.clone();
        let collected = tokio::task::spawn_blocking(move || {
            let dirs: Vec<(String, &Path)> =
                dirs.iter().map(|(n, p)| (n.clone(), p.as_path())).collect();
            crate::reports::collect_junit(&patterns, &dirs)
        })
        .await
        .unwrap_or_default();
        for problem in &collected.problems {
            log.note(Level::Warn, &format!("kiln: report {problem}"));
        }
        *reports = collected.reports;
    }
    let summary = result?;

    // Outputs become artifacts only when the attempt succeeded.
    let mut stored = Vec::new();
    for (name, path) in outputs {
        let limit = action.limits.output;
        let size = tokio::task::spawn_blocking({
            let path = path.clone();
            move || tree_size(&path)
        })
        .await
        .map_err(|join| setup(join.to_string()))?;
        if size > limit {
            return Err(Failure {
                message: crate::runtime::limits::LimitExceeded::Output { name, limit }.to_string(),
                retryable: false,
            });
        }
        let store = shared.store.clone();
        let result = tokio::task::spawn_blocking(move || store.put_scratch(&path))
            .await
            .map_err(|join| setup(join.to_string()))?
            .map_err(|error| setup(format!("storing output artifact `{name}`: {error}")))?;
        log.note(
            Level::Info,
            &format!(
                "stored artifact `{name}` {} ({} files, {} bytes)",
                result.digest, result.files, result.bytes
            ),
        );
        shared
            .artifacts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.clone(), result.digest);
        stored.push(ArtifactRecord {
            name,
            digest: result.digest,
            files: result.files as u64,
            bytes: result.bytes,
        });
    }
    Ok((summary, stored))
}

/// `<attempt>/kiln/run.json`: the run so far as the run store has it,
/// which is what `kiln show --json` prints.
fn write_run_status(shared: &RunShared, attempt_dir: &Path) -> Result<PathBuf, String> {
    let run = shared
        .runs
        .show(&shared.run_id)
        .map_err(|e| format!("reading the run for run-status: {e}"))?;
    let dir = attempt_dir.join("kiln");
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let json = serde_json::to_vec_pretty(&run).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("run.json"), json)
        .map_err(|e| format!("writing {}: {e}", dir.display()))?;
    Ok(dir)
}

/// Bytes of the regular files under `dir` (symlinks not followed).
fn tree_size(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .filter_map(|entry| entry.metadata().ok())
        .map(|metadata| metadata.len())
        .sum()
}

/// Puts an attempt's cache directories back when the attempt ends.
struct CacheDirsGuard<'a> {
    dirs: &'a crate::capabilities::fs::CacheDirs,
    action: &'a str,
    caches: Vec<(String, PathBuf)>,
}

impl Drop for CacheDirsGuard<'_> {
    fn drop(&mut self) {
        if let Err(error) = self.dirs.put_back(self.action, &self.caches) {
            tracing::warn!("saving cache directories of `{}`: {error}", self.action);
        }
    }
}
