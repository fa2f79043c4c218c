//! The one composition root: a [`Host`] opened from a [`HostConfig`] holds
//! the data directory's stores, the sandbox's runtime, the secret
//! providers and the plugin search path, and is what every front end (the
//! CLI, a server, a worker) uses to validate pipelines, start runs and
//! read the history.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kiln_engine::approvals::StoreApprovals;
use kiln_engine::executor::LocalExecutor;
use kiln_engine::plugins::PluginResolver;
use kiln_engine::plugins::registry::RegistryOptions;
use kiln_engine::scheduler::{FanOut, Resume, Scheduler};
use kiln_engine::validate::{self, ValidateError};
use kiln_model::digest::Digest;
use kiln_model::event::EventSink;
use kiln_model::plan::{Plan, RunFacts};
use kiln_model::run::RunDetail;
use kiln_model::status::Status;
use kiln_registry::Registry;
use kiln_sandbox::Runtime;
use kiln_store::action_cache::ActionCache;
use kiln_store::artifacts::LocalArtifactStore;
use kiln_store::data_dir::DataDir;
use kiln_store::history::{FailedStart, RunMeta, RunRecorder, RunStore};
use kiln_store::secrets::{FileStore, Secrets};
use tokio_util::sync::CancellationToken;

use crate::config::HostConfig;
use crate::run::{ChannelSink, RunHandle, RunRequest};
use crate::workspace_git::workspace_commit;

/// Why a host could not be opened or a run started.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("opening data directory {}: {source}", path.display())]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    History(#[from] kiln_store::history::RunStoreError),
    #[error(transparent)]
    Artifacts(#[from] kiln_store::artifacts::StoreError),
    #[error(transparent)]
    Cache(#[from] kiln_store::action_cache::CacheError),
    #[error("starting the WebAssembly runtime: {0}")]
    Runtime(String),
    #[error(transparent)]
    Validate(#[from] ValidateError),
    /// Boxed: registry errors carry whole references and URLs.
    #[error(transparent)]
    Registry(Box<kiln_registry::Error>),
    #[error(
        "{} changed since run {run} started; a resume runs the same pipeline (start a new run instead)",
        file.display()
    )]
    ChangedSinceRun { file: PathBuf, run: String },
    #[error("run {0} is still running in another kiln process")]
    StillRunning(String),
    #[error(
        "run {run} {status}; only an interrupted or failed run can be resumed, or a cancelled one"
    )]
    NotResumable { run: String, status: Status },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl From<kiln_registry::Error> for HostError {
    fn from(error: kiln_registry::Error) -> Self {
        HostError::Registry(Box::new(error))
    }
}

/// kiln, opened on a data directory.
pub struct Host {
    config: HostConfig,
    data: DataDir,
    runs: RunStore,
    runtime: Arc<Runtime>,
    artifacts: Arc<LocalArtifactStore>,
    cache: ActionCache,
    secrets: Arc<Secrets>,
    plugin_path: Vec<PathBuf>,
}

impl Host {
    /// Open kiln on `config.data_dir` (created if need be). Runs whose
    /// kiln died are marked interrupted (and the programs it left running
    /// ended), and their leftover sandboxes removed.
    pub fn open(config: HostConfig) -> Result<Host, HostError> {
        let data = DataDir::open(&config.data_dir).map_err(|source| HostError::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
        let runs = RunStore::open(&data.runs_db(), &data.runs())?;
        let compiled = config
            .compiled_dir
            .clone()
            .unwrap_or_else(|| data.compiled());
        let runtime = Runtime::tiered_with(compiled, config.tiering.clone(), config.allocation)
            .map_err(|error| HostError::Runtime(format!("{error:#}")))?;
        let artifacts = Arc::new(LocalArtifactStore::open(data.artifacts())?);
        let cache = ActionCache::open(data.action_cache())?;
        let mut providers: Vec<Box<dyn kiln_store::secrets::SecretProvider>> = Vec::new();
        let mut config = config;
        providers.append(&mut config.secret_providers);
        providers.push(Box::new(FileStore::new(data.secrets())));
        let builtin = crate::builtin::install(&data)?;
        let mut plugin_path = config.plugin_path.clone();
        plugin_path.push(data.plugins());
        plugin_path.push(builtin);
        let host = Host {
            secrets: Arc::new(Secrets::new(providers)),
            runtime: Arc::new(runtime),
            config,
            runs,
            artifacts,
            cache,
            data,
            plugin_path,
        };
        Ok(host)
    }

    /// The data directory.
    pub fn data_dir(&self) -> &DataDir {
        &self.data
    }

    /// The run history: listings, one run's detail, logs, metrics.
    pub fn history(&self) -> &RunStore {
        &self.runs
    }

    /// The artifact store.
    pub fn artifacts(&self) -> &LocalArtifactStore {
        &self.artifacts
    }

    /// Recorded action results.
    pub fn action_cache(&self) -> &ActionCache {
        &self.cache
    }

    /// The sandbox's runtime (loading and inspecting plugins).
    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    /// kiln's own secret store (`kiln secret set`).
    pub fn secret_store(&self) -> FileStore {
        FileStore::new(self.data.secrets())
    }

    /// Where plugins named without a path are looked up, in order.
    pub fn plugin_path(&self) -> &[PathBuf] {
        &self.plugin_path
    }

    /// The configuration the host was opened with.
    pub fn config(&self) -> &HostConfig {
        &self.config
    }

    /// The plugin registries, through the data directory's local store.
    pub fn registry(&self) -> Result<Registry, HostError> {
        Ok(Registry::open(
            &self.data.oci(),
            self.config.registry.clone(),
        )?)
    }

    /// How `uses:` is resolved, with these registry options.
    pub fn resolver(&self, registry: RegistryOptions) -> PluginResolver {
        PluginResolver::new(&self.data, self.plugin_path.clone()).with_registry_options(registry)
    }

    /// Validate a pipeline file into a plan, loading its plugins; every
    /// problem comes with its line and column. A CodeBuild buildspec
    /// (`version` and `phases` at its top) is validated as the pipeline
    /// that runs it (see [`crate::codebuild`]).
    pub async fn validate(
        &self,
        file: &Path,
        workspace: Option<&Path>,
        registry: RegistryOptions,
    ) -> Result<Plan, ValidateError> {
        let resolver = self.resolver(registry);
        let context = validate::Context {
            runtime: &self.runtime,
            resolver: &resolver,
            home: self.config.home.as_deref(),
        };
        let source = std::fs::read_to_string(file).map_err(|source| ValidateError::Read {
            path: file.to_path_buf(),
            source,
        })?;
        let pipeline = if crate::codebuild::is_buildspec(&source) {
            crate::codebuild::pipeline_for(file, &source, workspace)?
        } else {
            source
        };
        validate::validate_text(file, &pipeline, workspace, &context).await
    }

    /// Validate and start a run; it goes on in the background. The handle
    /// gives its events, cancels it, and waits for its end.
    pub async fn start_run(&self, request: RunRequest) -> Result<RunHandle, HostError> {
        // A resume runs the recorded pipeline file in the recorded
        // workspace, unless the request brings a workspace of its own (a
        // server's fresh checkout of the run's commit: the recorded one is
        // gone); the file must still be the recorded text either way.
        let earlier = match &request.resume {
            Some(reference) => Some(self.resumable(reference)?),
            None => None,
        };
        let (file, workspace) = match &earlier {
            Some(run) if request.workspace.is_none() => {
                (run.file.clone(), Some(run.workspace.clone()))
            }
            _ => (request.file.clone(), request.workspace.clone()),
        };
        let plan = self
            .validate(&file, workspace.as_deref(), request.registry.clone())
            .await?;
        // The digest of the text that was validated, not of a second read.
        let file_digest = plan.source_digest.to_string();
        let (recorder, resume, trigger, commit, git_ref) = match &earlier {
            Some(run) if run.file_digest != file_digest => {
                return Err(HostError::ChangedSinceRun {
                    file,
                    run: run.summary.id.clone(),
                });
            }
            Some(run) => (
                RunRecorder::resume(&self.runs, &run.summary.id)?,
                Resume::of(run),
                run.summary.trigger.clone(),
                run.summary.commit.clone(),
                run.summary.git_ref.clone(),
            ),
            None => {
                let meta = RunMeta {
                    commit: request.commit.clone().or_else(|| {
                        workspace_commit(&plan.workspace, |sha| {
                            self.runs.commit_time(sha).ok().flatten()
                        })
                    }),
                    ..run_meta(&request, file_digest)
                };
                let run_id = kiln_store::history::new_run_id();
                (
                    RunRecorder::begin(&self.runs, &run_id, &plan, &meta)?,
                    Resume::default(),
                    meta.trigger,
                    meta.commit.map(|(sha, _)| sha),
                    meta.git_ref,
                )
            }
        };
        let run_id = recorder.run_id().to_owned();
        let facts = RunFacts {
            number: self.runs.run_number(&run_id).ok(),
            trigger,
            commit,
            git_ref,
        };
        // Not when the host opens: a `kiln show` must not take away what
        // a killed run left for the look of a person or a resume.
        self.remove_stale_sandboxes();
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        // The record is written before anyone else sees an event.
        let events: Arc<dyn EventSink> = Arc::new(FanOut(vec![
            Arc::new(recorder),
            Arc::new(ChannelSink(sender)),
        ]));
        let scheduler = self.scheduler(&request, facts);
        let cancel = CancellationToken::new();
        let (task_cancel, task_run_id) = (cancel.clone(), run_id.clone());
        let task = tokio::spawn(async move {
            scheduler
                .run(&plan, &task_run_id, resume, events, task_cancel)
                .await
        });
        Ok(RunHandle {
            run_id,
            events: Some(receiver),
            cancel,
            task,
        })
    }

    /// Record a new run of `request` that failed before any action ran,
    /// because `error` (a pipeline file that does not validate at the
    /// commit a server was asked to run); returns its id. `kiln runs` and
    /// `kiln show` then show it failed, with the error.
    pub fn record_failed_start(
        &self,
        request: &RunRequest,
        error: &str,
    ) -> Result<String, HostError> {
        let text = std::fs::read(&request.file).unwrap_or_default();
        let source = String::from_utf8_lossy(&text);
        // The pipeline's name when the file still says it (a file that
        // does not parse may still have its top-level `name:` line); else
        // the project's, else the file's.
        let pipeline = kiln_pipeline::parse(&request.file, &source)
            .map(|parsed| parsed.name.value)
            .ok()
            .or_else(|| top_level_name(&source))
            .or_else(|| request.project.clone())
            .unwrap_or_else(|| {
                request.file.file_stem().map_or_else(
                    || "pipeline".to_owned(),
                    |stem| stem.to_string_lossy().into_owned(),
                )
            });
        let meta = run_meta(request, Digest::of(&text).to_string());
        let workspace = request
            .workspace
            .clone()
            .or_else(|| request.file.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        let run_id = kiln_store::history::new_run_id();
        RunRecorder::failed_before_start(
            &self.runs,
            &run_id,
            &FailedStart {
                pipeline: &pipeline,
                file: &request.file,
                workspace: &workspace,
                meta: &meta,
                error,
            },
        )?;
        Ok(run_id)
    }

    /// The scheduler of one run, with this process as its executor.
    fn scheduler(&self, request: &RunRequest, facts: RunFacts) -> Scheduler {
        let executor = LocalExecutor {
            runtime: self.runtime.clone(),
            store: self.artifacts.clone(),
            work_root: self.data.work(),
            scratch: Default::default(),
            caches_root: self.data.caches(),
            exec_search_path: self.config.exec_search_path.clone(),
        };
        Scheduler {
            executor: Arc::new(executor),
            store: self.artifacts.clone(),
            work_root: self.data.work(),
            runs: Arc::new(self.runs.clone()),
            jobs: request.jobs.unwrap_or(self.config.jobs),
            secrets: self.secrets.clone(),
            cache: Some(self.cache.clone()),
            use_cache: request.use_cache,
            approvals: request
                .approvals
                .clone()
                .unwrap_or_else(|| Arc::new(StoreApprovals::new(Arc::new(self.runs.clone())))),
            facts,
        }
    }

    /// The recorded run `reference` names, if it can be resumed.
    fn resumable(&self, reference: &str) -> Result<RunDetail, HostError> {
        let id = self.runs.resolve(reference)?;
        let run = self.runs.show(&id)?;
        match run.summary.status {
            Status::Interrupted | Status::Failed | Status::Cancelled => Ok(run),
            Status::Running => Err(HostError::StillRunning(id)),
            status => Err(HostError::NotResumable { run: id, status }),
        }
    }

    /// Scratch sandboxes of runs no process is running (a killed kiln
    /// leaves its own behind) go before a new run starts.
    fn remove_stale_sandboxes(&self) {
        let Ok(entries) = std::fs::read_dir(self.data.work()) else {
            return;
        };
        for entry in entries.flatten() {
            let id = entry.file_name().to_string_lossy().into_owned();
            if matches!(self.runs.status(&id), Ok(status) if status != Status::Running) {
                let _ = kiln_store::artifacts::remove_scratch_tree(&entry.path());
            }
        }
    }
}

/// The value of a `name:` line at the top level of a YAML text, for a
/// pipeline file too broken to parse.
fn top_level_name(source: &str) -> Option<String> {
    let line = source.lines().find(|line| line.starts_with("name:"))?;
    let value = line["name:".len()..].split(" #").next()?.trim();
    let value = value.trim_matches(|c| c == '"' || c == '\'');
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_alphanumeric() || "-_. ".contains(c));
    plain.then(|| value.to_owned())
}

/// What the history records about a new run of `request`.
fn run_meta(request: &RunRequest, file_digest: String) -> RunMeta {
    RunMeta {
        file_digest,
        trigger: request.trigger.clone(),
        commit: request.commit.clone(),
        project: request.project.clone(),
        git_ref: request.git_ref.clone(),
        delivery: request.delivery.clone(),
    }
}
