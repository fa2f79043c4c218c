//! Attempts run in this process: a sandbox directory per attempt with
//! verified inputs, empty outputs, a private `/tmp`, the persistent cache
//! directories, the run status when granted; the plugin run by the
//! sandbox's runtime; outputs stored, reports read.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use kiln_model::artifact::ArtifactRecord;
use kiln_model::digest::Digest;
use kiln_model::limits::LimitExceeded;
use kiln_model::report::TestReport;
use kiln_sandbox::capabilities::exec::{Confinement, landlock_support};
use kiln_sandbox::capabilities::fs::{Access, Mount, Mounts};
use kiln_sandbox::capabilities::log::{ActionLog, Level};
use kiln_sandbox::{ActionContext, Attempt, AttemptError, LoadedPlugin, Runtime};
use kiln_store::artifacts::ArtifactStore;
use kiln_store::cache_dirs::CacheDirs;

use super::scratch::ScratchDirs;
use super::{AttemptFailure, AttemptIo, AttemptOutput, Executor, WorkUnit};

/// Runs attempts in this process's sandbox.
pub struct LocalExecutor {
    pub runtime: Arc<Runtime>,
    pub store: Arc<dyn ArtifactStore>,
    /// Scratch space: `<work_root>/<run id>/@<n>`, reused by the run's
    /// attempts one after another.
    pub work_root: PathBuf,
    /// The run's free attempt directories.
    pub scratch: ScratchDirs,
    /// Persistent per-action directories (`<data dir>/caches`).
    pub caches_root: PathBuf,
    /// Where granted programs are looked up (the host's `PATH`).
    pub exec_search_path: Vec<PathBuf>,
}

impl Executor for LocalExecutor {
    fn run<'a>(
        &'a self,
        unit: &'a WorkUnit,
        io: AttemptIo,
    ) -> BoxFuture<'a, Result<AttemptOutput, AttemptFailure>> {
        self.attempt(unit, io).boxed()
    }
}

impl From<AttemptError> for AttemptFailure {
    fn from(error: AttemptError) -> Self {
        Self {
            message: error.to_string(),
            retryable: !matches!(error, AttemptError::Setup(_)),
            reports: Vec::new(),
        }
    }
}

impl LocalExecutor {
    /// One attempt in a directory of its own while it runs, emptied
    /// afterwards whatever happened (in the background: it is not on the
    /// action's path) for the run's next attempt; the run removes them all
    /// when it ends.
    async fn attempt(
        &self,
        unit: &WorkUnit,
        io: AttemptIo,
    ) -> Result<AttemptOutput, AttemptFailure> {
        let dir = self.scratch.take(&self.work_root.join(&unit.run_id));
        let log = io.log.clone();
        let result = self.attempt_in(unit, io, &dir).await;
        self.scratch.give_back(dir);
        if let Err(failure) = &result {
            log.note(Level::Error, &failure.message);
            log.flush();
        }
        result
    }

    async fn attempt_in(
        &self,
        unit: &WorkUnit,
        io: AttemptIo,
        dir: &Path,
    ) -> Result<AttemptOutput, AttemptFailure> {
        let action = &unit.action;
        let inputs = self.materialize_inputs(unit, dir).await?;
        let outputs = create_dirs(dir, "outputs", &action.outputs)?;
        let tmp = dir.join("tmp");
        std::fs::create_dir_all(&tmp)
            .map_err(|e| AttemptFailure::setup(format!("creating {}: {e}", tmp.display())))?;
        // Persistent cache directories move into the attempt (a rename, no
        // copy) and back when it ends, whatever its result.
        let cache_dirs = CacheDirs::new(&self.caches_root, &unit.pipeline);
        let caches = cache_dirs
            .take(&action.name, &action.cache_dirs, &dir.join("cache"))
            .map_err(|e| AttemptFailure::setup(format!("restoring cache directories: {e}")))?;
        let _return_caches = CacheDirsGuard {
            dirs: &cache_dirs,
            action: &action.name,
            caches: caches.clone(),
        };
        let run_status = match &io.run_status {
            Some(json) => Some(write_run_status(dir, json).map_err(AttemptFailure::setup)?),
            None => None,
        };
        let mut mounts = Mounts::for_attempt(
            &action.grants.fs,
            &inputs,
            &outputs,
            &caches,
            &tmp,
            run_status.as_deref(),
        );
        let exports = dir.join("exports");
        if !action.exports.is_empty() {
            std::fs::create_dir_all(&exports).map_err(|e| {
                AttemptFailure::setup(format!("creating {}: {e}", exports.display()))
            })?;
            mounts.0.push(Mount {
                host: exports.clone(),
                guest: kiln_model::exports::MOUNT.to_owned(),
                access: Access::ReadWrite,
            });
        }
        let env = plugin_env(unit);
        let home = programs_home(dir, !action.grants.exec.is_empty())?;
        let plugin = self.plugin(unit).await?;
        let context = ActionContext {
            run_id: unit.run_id.clone(),
            pipeline: unit.pipeline.clone(),
            stage: action.stage.clone(),
            action: action.name.clone(),
            attempt: unit.attempt,
            params: action.params.clone(),
            inputs: unit
                .inputs
                .iter()
                .map(|(name, digest)| (name.clone(), digest.to_string()))
                .collect(),
            outputs: action.outputs.clone(),
        };
        let result = self
            .runtime
            .run_attempt(
                &plugin,
                Attempt {
                    context,
                    env: &env,
                    mounts: &mounts,
                    log: io.log.clone(),
                    timeout: action.timeout,
                    grants: &action.grants,
                    limits: action.limits,
                    secrets: io.secrets.clone(),
                    home,
                    ledger: io.ledger.clone(),
                    search_path: &self.exec_search_path,
                },
            )
            .await;
        // Reports are read whether the attempt passed or not: a failed
        // test run is when they matter most.
        let reports = read_reports(unit, &outputs, &io.log).await;
        let summary = match result {
            Ok(summary) => summary,
            Err(error) => {
                return Err(AttemptFailure {
                    reports,
                    ..error.into()
                });
            }
        };
        let exported =
            read_exports(&action.exports, &exports, &io.log).map_err(|message| AttemptFailure {
                reports: reports.clone(),
                ..AttemptFailure::setup(message)
            })?;
        // Outputs become artifacts only when the attempt succeeded.
        let outputs = self
            .store_outputs(unit, outputs, &io.log)
            .await
            .map_err(|failure| AttemptFailure {
                reports: reports.clone(),
                ..failure
            })?;
        Ok(AttemptOutput {
            summary,
            outputs,
            reports,
            exports: exported,
        })
    }

    /// The plan names the plugin by digest; the component loaded now must
    /// be that one (the runtime keeps each loaded component, so this is a
    /// lookup, not a compile).
    async fn plugin(&self, unit: &WorkUnit) -> Result<Arc<LoadedPlugin>, AttemptFailure> {
        let wanted = &unit.action.plugin;
        let plugin = self
            .runtime
            .load(&wanted.path)
            .await
            .map_err(|error| AttemptFailure::setup(error.to_string()))?;
        if plugin.digest != wanted.digest {
            return Err(AttemptFailure::setup(format!(
                "plugin {} changed since the pipeline was validated (digest {} now, {} then)",
                wanted.path.display(),
                plugin.digest,
                wanted.digest
            )));
        }
        Ok(plugin)
    }

    /// Inputs at `<dir>/inputs/<name>`, verified while written. They share
    /// the store's blobs (read-only links) unless programs the action runs
    /// are not confined: those could change a shared blob, so they get
    /// copies.
    async fn materialize_inputs(
        &self,
        unit: &WorkUnit,
        dir: &Path,
    ) -> Result<Vec<(String, PathBuf)>, AttemptFailure> {
        let private =
            !unit.action.grants.exec.is_empty() && landlock_support() == Confinement::None;
        let mut inputs = Vec::new();
        for (name, digest) in &unit.inputs {
            let dest = dir.join("inputs").join(name);
            let (store, target, digest): (Arc<dyn ArtifactStore>, PathBuf, Digest) =
                (self.store.clone(), dest.clone(), *digest);
            tokio::task::spawn_blocking(move || {
                if private {
                    store.export(&digest, &target)
                } else {
                    store.materialize(&digest, &target)
                }
            })
            .await
            .map_err(|join| AttemptFailure::setup(join.to_string()))?
            .map_err(|error| AttemptFailure::setup(format!("input artifact `{name}`: {error}")))?;
            inputs.push((name.clone(), dest));
        }
        Ok(inputs)
    }

    /// Each output directory, stored as an artifact if within
    /// `limits.output`.
    async fn store_outputs(
        &self,
        unit: &WorkUnit,
        outputs: Vec<(String, PathBuf)>,
        log: &ActionLog,
    ) -> Result<Vec<ArtifactRecord>, AttemptFailure> {
        let limit = unit.action.limits.output;
        let mut stored = Vec::new();
        for (name, path) in outputs {
            let measured = path.clone();
            let size = tokio::task::spawn_blocking(move || tree_size(&measured))
                .await
                .map_err(|join| AttemptFailure::setup(join.to_string()))?;
            if size > limit {
                return Err(AttemptFailure::setup(
                    LimitExceeded::Output { name, limit }.to_string(),
                ));
            }
            let store = self.store.clone();
            let result = tokio::task::spawn_blocking(move || store.put_scratch(&path))
                .await
                .map_err(|join| AttemptFailure::setup(join.to_string()))?
                .map_err(|error| {
                    AttemptFailure::setup(format!("storing output artifact `{name}`: {error}"))
                })?;
            log.note(
                Level::Info,
                &format!(
                    "stored artifact `{name}` {} ({} files, {} bytes)",
                    result.digest, result.files, result.bytes
                ),
            );
            stored.push(ArtifactRecord {
                name,
                digest: result.digest,
                files: result.files as u64,
                bytes: result.bytes,
            });
        }
        Ok(stored)
    }
}

/// The plugin's environment: the action's variables, then what kiln tells
/// every plugin about the run (`KILN_RUN_*`), which the action cannot
/// override.
fn plugin_env(unit: &WorkUnit) -> Vec<(String, String)> {
    let facts = unit.run.variables(&unit.run_id);
    let mut env: Vec<(String, String)> = unit
        .action
        .env
        .iter()
        .filter(|(name, _)| !facts.iter().any(|(fact, _)| fact == name))
        .cloned()
        .collect();
    env.extend(facts);
    env
}

/// The declared exports the plugin wrote into `dir` (`/kiln/exports`):
/// each must be there, UTF-8 text without NUL of at most 64 KiB, and hold
/// no secret (exports are recorded in clear with the run and handed to
/// other actions). Files nobody declared are noted and dropped.
fn read_exports(
    declared: &[String],
    dir: &Path,
    log: &ActionLog,
) -> Result<Vec<(String, String)>, String> {
    use kiln_model::exports::{MAX_VALUE_BYTES, MOUNT};
    if declared.is_empty() {
        return Ok(Vec::new());
    }
    let mut exports = Vec::new();
    for name in declared {
        let path = dir.join(name);
        let bytes = match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() && meta.len() <= MAX_VALUE_BYTES as u64 => {
                std::fs::read(&path).map_err(|e| format!("export `{name}`: {e}"))?
            }
            Ok(meta) if meta.is_file() => {
                return Err(format!(
                    "export `{name}` is {} bytes, more than the {MAX_VALUE_BYTES} an exported value may have",
                    meta.len()
                ));
            }
            Ok(_) => return Err(format!("{MOUNT}/{name} is not a regular file")),
            Err(_) => {
                return Err(format!(
                    "the action declares export `{name}` but did not write {MOUNT}/{name}"
                ));
            }
        };
        let value = String::from_utf8(bytes)
            .ok()
            .filter(|v| !v.contains('\0'))
            .ok_or_else(|| format!("export `{name}` is not UTF-8 text without NUL"))?;
        if log.mask(&value) != value {
            return Err(format!(
                "export `{name}` holds a secret (or terminal control characters): exports are kept in clear with the run"
            ));
        }
        exports.push((name.clone(), value));
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !declared.contains(&name) {
                log.note(
                    Level::Warn,
                    &format!("kiln: {MOUNT}/{name} is not a declared export (`exports:`): dropped"),
                );
            }
        }
    }
    Ok(exports)
}

/// `<dir>/<kind>/<name>` for each name, created empty.
fn create_dirs(
    dir: &Path,
    kind: &str,
    names: &[String],
) -> Result<Vec<(String, PathBuf)>, AttemptFailure> {
    names
        .iter()
        .map(|name| {
            let path = dir.join(kind).join(name);
            std::fs::create_dir_all(&path)
                .map_err(|e| AttemptFailure::setup(format!("creating {}: {e}", path.display())))?;
            Ok((name.clone(), path))
        })
        .collect()
}

/// The empty `HOME` programs get, which no plugin can write: created only
/// for actions that run programs.
fn programs_home(dir: &Path, runs_programs: bool) -> Result<PathBuf, AttemptFailure> {
    let home = dir.join("home");
    if runs_programs {
        std::fs::create_dir_all(&home)
            .and_then(|()| {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o555))
            })
            .map_err(|e| AttemptFailure::setup(format!("creating {}: {e}", home.display())))?;
    }
    Ok(home)
}

/// The declared test and coverage reports in the outputs; files that could not be
/// read are noted in the log.
async fn read_reports(
    unit: &WorkUnit,
    outputs: &[(String, PathBuf)],
    log: &ActionLog,
) -> Vec<TestReport> {
    if unit.action.reports.is_empty() {
        return Vec::new();
    }
    let patterns = unit.action.reports.clone();
    let dirs = outputs.to_vec();
    let collected = tokio::task::spawn_blocking(move || {
        let dirs: Vec<(String, &Path)> =
            dirs.iter().map(|(n, p)| (n.clone(), p.as_path())).collect();
        crate::reports::collect(&patterns, &dirs)
    })
    .await
    .unwrap_or_default();
    for problem in &collected.problems {
        log.note(Level::Warn, &format!("kiln: report {problem}"));
    }
    collected.reports
}

/// `<attempt>/kiln/run.json`: the run so far, which is what `kiln show
/// --json` prints.
fn write_run_status(attempt_dir: &Path, json: &[u8]) -> Result<PathBuf, String> {
    let dir = attempt_dir.join("kiln");
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
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
    dirs: &'a CacheDirs,
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
