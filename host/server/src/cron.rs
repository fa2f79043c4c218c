//! A cron schedule: a five-field expression read on a time zone's wall
//! clock (default UTC), and its slots. The server's configuration parses
//! them (`[[project.schedule]]`); the schedule trigger
//! ([`crate::triggers::schedule`]) queues a run at each slot.

use std::str::FromStr;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

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
