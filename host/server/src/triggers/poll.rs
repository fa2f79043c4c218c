//! Polling: `git ls-remote` against the repository (cheap: no objects are
//! transferred) and compare the tips of the followed refs with the tips
//! seen before, kept in the run store. A ref that moved queues one run for
//! its new tip, however many commits it moved by; the mirror is fetched
//! only when that run starts. A project with webhooks is polled too,
//! slowly, to catch deliveries that never arrived.

use std::sync::Arc;
use std::time::Duration;

use kiln::store::history::serve::NewQueued;
use tokio_util::sync::CancellationToken;

use crate::projects::Project;
use crate::queue::Queue;

/// Poll `project` every `interval` until `stop`.
pub async fn run(
    project: Arc<Project>,
    queue: Arc<Queue>,
    interval: Duration,
    stop: CancellationToken,
) {
    loop {
        poll_once(&project, &queue).await;
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.cancelled() => return,
        }
    }
}

/// Compare the remote's tips with those seen, and queue a run per moved
/// followed ref.
pub async fn poll_once(project: &Project, queue: &Queue) {
    let tips = match project.mirror.ls_remote().await {
        Ok(tips) => tips,
        Err(error) => {
            tracing::warn!("project {}: polling: {error}", project.name);
            project.polled(Some(error.to_string()));
            return;
        }
    };
    project.polled(None);
    // Held while comparing and queueing: a webhook for the same push waits,
    // then finds the tip already seen.
    let _guard = project.trigger_lock.lock().await;
    let store = queue.store();
    let known = match store.ref_tips(&project.name) {
        Ok(known) => known,
        Err(error) => {
            tracing::warn!("project {}: polling: {error}", project.name);
            return;
        }
    };
    for (git_ref, commit) in tips {
        if !project.follows(&git_ref) || known.get(&git_ref) == Some(&commit) {
            continue;
        }
        tracing::info!("project {}: {git_ref} is at {commit}", project.name);
        let new = NewQueued {
            commit: Some(commit.clone()),
            trigger: "poll".to_owned(),
            ..project.queued(&git_ref)
        };
        let queued = queue
            .submit(new)
            .and_then(|_| store.set_ref_tip(&project.name, &git_ref, &commit));
        if let Err(error) = queued {
            tracing::warn!(
                "project {}: queueing a run for {git_ref}: {error}",
                project.name
            );
        }
    }
}
