//! Schedules: five-field cron expressions read on a time zone's wall clock
//! (default UTC). The last slot handled is kept in the run store, so a
//! slot that passed while the server was down is noticed when it starts:
//! reported, and run once if the schedule asks for it (`catch-up = true`).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use kiln::store::history::now_ms;
use kiln::store::history::serve::NewQueued;
use tokio_util::sync::CancellationToken;

use crate::projects::Project;
use crate::queue::Queue;

/// A schedule of a project.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: Cron,
    zone: Tz,
    /// The expression as written.
    pub expression: String,
    /// The branch (or tag, or full ref) each run is for.
    pub git_ref: String,
    /// Run once on start when slots were missed while the server was down.
    pub catch_up: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleError {
    Cron(String),
    TimeZone(String),
}

impl Schedule {
    pub fn new(
        expression: &str,
        zone: Option<&str>,
        git_ref: &str,
        catch_up: bool,
    ) -> Result<Self, ScheduleError> {
        if expression.split_whitespace().count() != 5 {
            return Err(ScheduleError::Cron(format!(
                "`{expression}` is not a five-field cron expression (minute hour day-of-month month day-of-week)"
            )));
        }
        let cron = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build()
            .parse(expression)
            .map_err(|error| ScheduleError::Cron(format!("`{expression}`: {error}")))?;
        let zone = match zone {
            Some(name) => Tz::from_str(name).map_err(|_| {
                ScheduleError::TimeZone(format!(
                    "`{name}` is not a time zone of the IANA database (e.g. `Europe/Berlin`, `UTC`)"
                ))
            })?,
            None => Tz::UTC,
        };
        Ok(Self {
            cron,
            zone,
            expression: expression.to_owned(),
            git_ref: git_ref.to_owned(),
            catch_up,
        })
    }

    /// The name the run store keeps this schedule's bookkeeping under.
    pub fn key(&self) -> String {
        format!("{} {} {}", self.expression, self.zone.name(), self.git_ref)
    }

    pub fn zone(&self) -> &str {
        self.zone.name()
    }

    /// The first slot strictly after `ms` (Unix ms).
    pub fn next_after(&self, ms: i64) -> Option<i64> {
        let start = self.zone.from_utc_datetime(&utc(ms)?.naive_utc());
        let next = self.cron.find_next_occurrence(&start, false).ok()?;
        Some(next.timestamp_millis())
    }

    /// The latest slot at or before `ms` (Unix ms).
    pub fn latest_at(&self, ms: i64) -> Option<i64> {
        let start = self.zone.from_utc_datetime(&utc(ms)?.naive_utc());
        let previous = self.cron.find_previous_occurrence(&start, true).ok()?;
        Some(previous.timestamp_millis())
    }

    /// How many slots fell after `after` and at or before `until` (at most
    /// `cap` are counted).
    pub fn slots_between(&self, after: i64, until: i64, cap: usize) -> usize {
        let mut count = 0;
        let mut at = after;
        while count < cap {
            match self.next_after(at) {
                Some(next) if next <= until => {
                    count += 1;
                    at = next;
                }
                _ => break,
            }
        }
        count
    }
}

fn utc(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp_millis(ms)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn slots_follow_the_time_zones_wall_clock() {
        let berlin = Schedule::new("0 3 * * *", Some("Europe/Berlin"), "main", false).unwrap();
        // 03:00 in Berlin in winter is 02:00 UTC, in summer 01:00 UTC.
        assert_eq!(
            berlin.next_after(ms("2026-01-10T12:00:00Z")),
            Some(ms("2026-01-11T02:00:00Z"))
        );
        assert_eq!(
            berlin.next_after(ms("2026-07-10T12:00:00Z")),
            Some(ms("2026-07-11T01:00:00Z"))
        );
        let utc = Schedule::new("*/15 * * * *", None, "main", false).unwrap();
        assert_eq!(
            utc.latest_at(ms("2026-01-10T12:07:00Z")),
            Some(ms("2026-01-10T12:00:00Z"))
        );
        assert_eq!(
            utc.slots_between(ms("2026-01-10T12:00:00Z"), ms("2026-01-10T13:00:00Z"), 100),
            4
        );
    }

    #[test]
    fn six_fields_and_unknown_zones_are_refused() {
        assert!(matches!(
            Schedule::new("0 0 3 * * *", None, "main", false),
            Err(ScheduleError::Cron(_))
        ));
        assert!(matches!(
            Schedule::new("0 3 * * *", Some("Mars/Olympus"), "main", false),
            Err(ScheduleError::TimeZone(_))
        ));
    }
}
