//! The dispatcher: takes runs from the durable queue in the run store and
//! starts them when the limits allow — at most `max-runs` at once over
//! every project, a project's own `max-runs`, one at a time per
//! concurrency group. Starting a run is: make sure the mirror has the
//! commit (fetching only then), clone it into a fresh checkout, and start
//! the pipeline on it through the `Host`; the checkout is removed when the
//! run ends. A repository that cannot be fetched puts the entry back with
//! the error, to be tried again later (backing off); a pipeline file that
//! does not validate at the commit is recorded as a failed run.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kiln::engine::plugins::registry::RegistryOptions;
use kiln::engine::validate::ValidateError;
use kiln::store::history::serve::{NewQueued, Queued};
use kiln::store::history::{RunStore, RunStoreError, now_ms};
use kiln::{Host, HostError, RunRequest};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::projects::Project;

/// The first retry waits this long; each next one twice as long.
const FIRST_RETRY: Duration = Duration::from_secs(2);
/// The longest wait between two retries.
const LONGEST_RETRY: Duration = Duration::from_secs(600);
/// After this many failed attempts an entry is given up.
const MAX_ATTEMPTS: u32 = 12;

/// A run being started or running.
struct Active {
    project: String,
    group: Option<String>,
    run_id: Option<String>,
    cancel: CancellationToken,
}

/// The queue of one server.
pub struct Queue {
    host: Arc<Host>,
    projects: BTreeMap<String, Arc<Project>>,
    max_runs: usize,
    checkouts: PathBuf,
    active: Mutex<HashMap<i64, Active>>,
    wake: Notify,
    /// Cleared when the server shuts down: nothing more starts.
    starting: AtomicBool,
    tasks: TaskTracker,
}

impl Queue {
    pub fn new(
        host: Arc<Host>,
        projects: BTreeMap<String, Arc<Project>>,
        max_runs: usize,
        checkouts: PathBuf,
    ) -> Self {
        Self {
            host,
            projects,
            max_runs,
            checkouts,
            active: Mutex::new(HashMap::new()),
            wake: Notify::new(),
            starting: AtomicBool::new(true),
            tasks: TaskTracker::new(),
        }
    }

    pub fn store(&self) -> &RunStore {
        self.host.history()
    }

    /// Queue a run and have it start when its turn comes.
    pub fn submit(&self, new: NewQueued) -> Result<i64, RunStoreError> {
        let id = self.store().enqueue(&new)?;
        self.queued(&new);
        Ok(id)
    }

    /// A run was queued (by [`Queue::submit`] or with a webhook delivery):
    /// a newer run of a group that cancels in progress stops the running
    /// one; then the dispatcher looks.
    pub fn queued(&self, new: &NewQueued) {
        if let Some(group) = new.concurrency.as_ref().filter(|_| new.cancel_in_progress) {
            for active in self.lock_active().values() {
                if active.group.as_ref() == Some(group) {
                    tracing::info!(
                        "cancelling run {} of group {group}: a newer run was queued",
                        active.run_id.as_deref().unwrap_or("(starting)")
                    );
                    active.cancel.cancel();
                }
            }
        }
        self.wake.notify_one();
    }

    /// Cancel run `run_id` if this server runs it.
    pub fn cancel_run(&self, run_id: &str) -> bool {
        let active = self.lock_active();
        let found = active
            .values()
            .find(|a| a.run_id.as_deref() == Some(run_id));
        if let Some(active) = found {
            active.cancel.cancel();
        }
        found.is_some()
    }

    /// How many runs of `project` are starting or running.
    pub fn running(&self, project: &str) -> usize {
        self.lock_active()
            .values()
            .filter(|a| a.project == project)
            .count()
    }

    /// Start queued runs as the limits allow, until `stop`.
    pub async fn dispatch(self: Arc<Self>, stop: CancellationToken) {
        // Checkouts left by a server that died with runs running: nothing
        // runs yet, and this server alone owns the directory (its lock).
        remove_dir(&self.checkouts);
        match self.store().requeue_unstarted() {
            Ok(0) => {}
            Ok(count) => tracing::info!(
                "{count} run(s) being started when the server stopped are queued again"
            ),
            Err(error) => tracing::warn!("the queue: {error}"),
        }
        loop {
            let wait = match self.start_due() {
                Ok(wait) => wait,
                Err(error) => {
                    tracing::warn!("the queue: {error}");
                    Duration::from_secs(5)
                }
            };
            tokio::select! {
                _ = self.wake.notified() => {}
                // A retry whose backoff ends.
                _ = tokio::time::sleep(wait) => {}
                _ = stop.cancelled() => return,
            }
        }
    }

    /// Start every due entry the limits allow; how long until the next
    /// backoff ends.
    fn start_due(self: &Arc<Self>) -> Result<Duration, RunStoreError> {
        if !self.starting.load(Ordering::SeqCst) {
            return Ok(Duration::from_secs(3600));
        }
        for entry in self.store().due_entries()? {
            if !self.has_room(&entry) {
                continue;
            }
            if !self.store().claim(entry.id)? {
                continue;
            }
            let cancel = CancellationToken::new();
            self.lock_active().insert(
                entry.id,
                Active {
                    project: entry.project.clone(),
                    group: entry.concurrency.clone(),
                    run_id: None,
                    cancel: cancel.clone(),
                },
            );
            let queue = self.clone();
            self.tasks.spawn(async move {
                let id = entry.id;
                queue.start(entry, cancel).await;
                queue.lock_active().remove(&id);
                queue.wake.notify_one();
            });
        }
        let next = self.store().next_due()?;
        Ok(next.map_or(Duration::from_secs(3600), |at| {
            Duration::from_millis((at - now_ms()).clamp(10, 3_600_000) as u64)
        }))
    }

    fn has_room(&self, entry: &Queued) -> bool {
        let active = self.lock_active();
        if active.len() >= self.max_runs {
            return false;
        }
        let project_limit = self
            .projects
            .get(&entry.project)
            .and_then(|p| p.config.max_runs)
            .unwrap_or(usize::MAX);
        let of_project = active
            .values()
            .filter(|a| a.project == entry.project)
            .count();
        let group_busy =
            entry.concurrency.is_some() && active.values().any(|a| a.group == entry.concurrency);
        of_project < project_limit && !group_busy
    }

    /// Start one entry and wait for its run to end.
    async fn start(&self, entry: Queued, cancel: CancellationToken) {
        let Some(project) = self.projects.get(&entry.project).cloned() else {
            self.give_up(&entry, "no such project in the server's configuration");
            return;
        };
        let checkout = self.checkouts.join(entry.id.to_string());
        let outcome = self
            .prepare_and_run(&project, &entry, &checkout, &cancel)
            .await;
        remove_dir(&checkout);
        match outcome {
            Ok(()) => {}
            Err(Failure::Retry(error)) => self.retry(&entry, &error),
            Err(Failure::GiveUp(error)) => self.give_up(&entry, &error),
        }
    }

    async fn prepare_and_run(
        &self,
        project: &Project,
        entry: &Queued,
        checkout: &Path,
        cancel: &CancellationToken,
    ) -> Result<(), Failure> {
        let mirror = &project.mirror;
        let commit = match &entry.commit {
            Some(commit) => mirror.ensure_commit(commit).await.map_err(retry)?,
            None => mirror.fetch_ref(&entry.git_ref).await.map_err(retry)?,
        };
        let time = mirror.commit_time(&commit).await.map_err(retry)?;
        remove_dir(checkout);
        mirror.checkout(&commit, checkout).await.map_err(retry)?;
        if cancel.is_cancelled() {
            // Stopped before its run started. At shutdown the entry stays
            // `starting`, and the next server queues it again; otherwise a
            // newer run of its group replaced it.
            if self.starting.load(Ordering::SeqCst) {
                self.store()
                    .mark_superseded(entry.id)
                    .map_err(|e| Failure::GiveUp(e.to_string()))?;
            }
            return Ok(());
        }
        let request = RunRequest {
            workspace: Some(checkout.to_path_buf()),
            trigger: entry.trigger.clone(),
            commit: Some((commit, time)),
            registry: RegistryOptions {
                client: self.host.config().registry.clone(),
                ..RegistryOptions::default()
            },
            project: Some(entry.project.clone()),
            git_ref: Some(entry.git_ref.clone()),
            delivery: entry.delivery.clone(),
            resume: entry.resume.clone(),
            ..RunRequest::new(checkout.join(&project.config.pipeline))
        };
        let handle = match self.host.start_run(request.clone()).await {
            Ok(handle) => handle,
            Err(HostError::Validate(error)) => {
                return self.record_invalid(entry, &request, &error, checkout);
            }
            // A retry that cannot resume (the run was resumed elsewhere,
            // or its pipeline file changed) will not later either.
            Err(error) if entry.resume.is_some() => return Err(Failure::GiveUp(error.to_string())),
            Err(error) => return Err(Failure::Retry(error.to_string())),
        };
        let run_id = handle.run_id().to_owned();
        tracing::info!(
            "project {}: run {run_id} started for {}",
            entry.project,
            entry.git_ref
        );
        if let Some(active) = self.lock_active().get_mut(&entry.id) {
            active.run_id = Some(run_id.clone());
        }
        self.store()
            .mark_started(entry.id, &run_id)
            .map_err(|e| Failure::GiveUp(e.to_string()))?;
        let canceller = handle.canceller();
        let watch = cancel.clone();
        // A cancel of the entry (the API, cancel-in-progress, shutdown)
        // cancels the run.
        let link = tokio::spawn(async move {
            watch.cancelled().await;
            canceller.cancel();
        });
        let report = handle.wait().await;
        link.abort();
        match report {
            Ok(report) => tracing::info!("run {run_id} ended {}", report.status),
            Err(error) => tracing::warn!("run {run_id}: {error}"),
        }
        Ok(())
    }

    /// A pipeline file that does not validate at the commit: a failed run
    /// with the diagnostics, paths relative to the repository.
    fn record_invalid(
        &self,
        entry: &Queued,
        request: &RunRequest,
        error: &ValidateError,
        checkout: &Path,
    ) -> Result<(), Failure> {
        let prefix = format!("{}/", checkout.display());
        let text = error.to_string().replace(&prefix, "");
        let run_id = self
            .host
            .record_failed_start(request, &text)
            .map_err(|e| Failure::GiveUp(e.to_string()))?;
        tracing::info!(
            "project {}: run {run_id} failed: the pipeline does not validate at its commit",
            entry.project
        );
        self.store()
            .mark_started(entry.id, &run_id)
            .map_err(|e| Failure::GiveUp(e.to_string()))
    }

    fn retry(&self, entry: &Queued, error: &str) {
        let attempts = entry.attempts + 1;
        if attempts >= MAX_ATTEMPTS {
            return self.give_up(
                entry,
                &format!("{error} (gave up after {attempts} attempts)"),
            );
        }
        let wait = FIRST_RETRY
            .saturating_mul(1 << entry.attempts.min(16))
            .min(LONGEST_RETRY);
        tracing::warn!(
            "project {}: starting a run for {}: {error}; trying again in {}s",
            entry.project,
            entry.git_ref,
            wait.as_secs()
        );
        let not_before = now_ms() + wait.as_millis() as i64;
        if let Err(store) = self.store().mark_retry(entry.id, error, not_before) {
            tracing::warn!("the queue: {store}");
        }
    }

    fn give_up(&self, entry: &Queued, error: &str) {
        tracing::warn!(
            "project {}: gave up a run for {}: {error}",
            entry.project,
            entry.git_ref
        );
        if let Err(store) = self.store().mark_failed(entry.id, error) {
            tracing::warn!("the queue: {store}");
        }
    }

    /// Shut down: start nothing more, let running runs end within `grace`,
    /// then cancel them and wait for them to be recorded cancelled.
    pub async fn drain(&self, grace: Duration) {
        self.starting.store(false, Ordering::SeqCst);
        self.tasks.close();
        let running = self.lock_active().len();
        if running > 0 {
            tracing::warn!(
                "waiting up to {}s for {running} run(s) to finish",
                grace.as_secs()
            );
        }
        if tokio::time::timeout(grace, self.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("the grace period ended: cancelling the runs still running");
            for active in self.lock_active().values() {
                active.cancel.cancel();
            }
            self.tasks.wait().await;
        }
    }

    fn lock_active(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Active>> {
        self.active
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Why an entry did not start.
enum Failure {
    /// Maybe later: the repository could not be fetched, say.
    Retry(String),
    GiveUp(String),
}

fn retry(error: crate::git::GitError) -> Failure {
    Failure::Retry(error.to_string())
}

fn remove_dir(dir: &Path) {
    if dir.exists() {
        let _ = kiln::store::artifacts::make_writable(dir);
        if let Err(error) = std::fs::remove_dir_all(dir) {
            tracing::warn!("removing checkout {}: {error}", dir.display());
        }
    }
}
