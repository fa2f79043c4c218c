//! Schedules: five-field cron expressions read on a time zone's wall clock
//! (default UTC). The last slot handled is kept in the run store, so a
//! slot that passed while the server was down is noticed when it starts:
//! reported, and run once if the schedule asks for it (`catch-up = true`).

use std::sync::Arc;
use std::time::Duration;

use kiln::store::history::now_ms;
use kiln::store::history::serve::NewQueued;
use tokio_util::sync::CancellationToken;

use crate::cron::Schedule;
use crate::projects::Project;
use crate::queue::Queue;

/// Run `schedule` of `project` until `stop`: catch up once on start if
/// asked, then queue a run at each slot.
pub async fn run(
    project: Arc<Project>,
    schedule: Schedule,
    queue: Arc<Queue>,
    stop: CancellationToken,
) {
    let key = schedule.key();
    let store = queue.store().clone();
    let now = now_ms();
    let mut last = match store.schedule_slot(&project.name, &key) {
        Ok(last) => last,
        Err(error) => {
            tracing::warn!("project {}: schedule `{key}`: {error}", project.name);
            None
        }
    };
    if let (Some(handled), Some(latest)) = (last, schedule.latest_at(now))
        && latest > handled
    {
        let missed = schedule.slots_between(handled, now, 1000);
        let what = if schedule.catch_up {
            "running it once now (catch-up = true)"
        } else {
            "not run (set catch-up = true to run once on start)"
        };
        tracing::warn!(
            "project {}: schedule `{}` ({}) missed {missed} slot(s) while the server was down, the last at {}; {what}",
            project.name,
            schedule.expression,
            schedule.zone(),
            kiln::store::history::rfc3339(latest),
        );
        project.note(format!(
            "schedule `{}` missed {missed} slot(s) while the server was down; {what}",
            schedule.expression
        ));
        if schedule.catch_up {
            submit(&project, &schedule, &queue, "schedule-catch-up").await;
        }
    }
    // Slots before now are handled (or were never owed: a new schedule).
    let latest = schedule.latest_at(now).unwrap_or(now);
    remember(&store, &project.name, &key, latest);
    last = Some(last.map_or(latest, |l| l.max(latest)));
    loop {
        let Some(next) = schedule.next_after(last.unwrap_or(now).max(now_ms())) else {
            tracing::warn!(
                "project {}: schedule `{key}` has no next slot",
                project.name
            );
            return;
        };
        let wait = Duration::from_millis((next - now_ms()).max(0) as u64);
        tokio::select! {
            // Sleeping until the slot; a stop ends the loop at once.
            _ = tokio::time::sleep(wait) => {}
            _ = stop.cancelled() => return,
        }
        submit(&project, &schedule, &queue, "schedule").await;
        remember(&store, &project.name, &key, next);
        last = Some(next);
    }
}

fn remember(store: &kiln::store::history::RunStore, project: &str, key: &str, slot: i64) {
    if let Err(error) = store.set_schedule_slot(project, key, slot) {
        tracing::warn!("project {project}: schedule `{key}`: {error}");
    }
}

/// Queue a run of the schedule's ref; its commit is the ref's tip when the
/// run starts.
async fn submit(project: &Project, schedule: &Schedule, queue: &Queue, trigger: &str) {
    let git_ref = if schedule.git_ref.starts_with("refs/") {
        schedule.git_ref.clone()
    } else {
        format!("refs/heads/{}", schedule.git_ref)
    };
    let new = NewQueued {
        project: project.name.clone(),
        commit: None,
        trigger: trigger.to_owned(),
        ..project.queued(&git_ref)
    };
    if let Err(error) = queue.submit(new) {
        tracing::warn!(
            "project {}: queueing a scheduled run: {error}",
            project.name
        );
    }
}
