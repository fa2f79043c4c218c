//! The four DORA metrics, from the run history. A run deploys when one of
//! its deploy stages (`deploy: true`, or named `deploy...`) ran: the
//! deployment failed if any of them failed, and succeeded otherwise.
//!
//! - deployment frequency: successful deployments per day over the window;
//! - lead time for changes: from the deployed commit's time to the end of
//!   its successful deploy (median, and the 90th percentile);
//! - change failure rate: failed deployments over all deployments;
//! - time to restore: from the first failed deployment of a streak to the
//!   next successful one (median).
//!
//! Each figure is graded with the DORA report's bands (elite, high,
//! medium, low), so a reader knows whether a number is good.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Duration;

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::{RunStore, RunStoreError, Status, now_ms, rfc3339};

/// One run's deployment, as the metrics see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    pub run_id: String,
    pub succeeded: bool,
    /// When the last deploy stage ended (Unix ms).
    pub at: i64,
    /// The deployed commit's time (Unix ms), when known.
    pub commit_time: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PipelineMetrics {
    pub pipeline: String,
    pub window_days: f64,
    pub deployments: u64,
    pub failed_deployments: u64,
    pub deployment_frequency: Figure,
    pub lead_time: Figure,
    pub change_failure_rate: Figure,
    pub time_to_restore: Figure,
    /// A failed deployment that no success has followed yet.
    pub failing_since: Option<String>,
}

/// One metric: its value (absent without data), how it reads, its band.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Figure {
    /// Deployments per day, a fraction, or milliseconds, by metric.
    pub value: Option<f64>,
    /// The 90th percentile, for durations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p90: Option<f64>,
    /// How many observations the value rests on.
    pub samples: u64,
    pub text: String,
    /// `elite`, `high`, `medium` or `low`; absent without data.
    pub level: Option<Cow<'static, str>>,
}

impl Figure {
    fn none(text: &str) -> Self {
        Self {
            value: None,
            p90: None,
            samples: 0,
            text: text.to_owned(),
            level: None,
        }
    }
}

const HOUR: f64 = 3_600_000.0;
const DAY: f64 = 24.0 * HOUR;

impl RunStore {
    /// The DORA metrics of each pipeline (or of one) over `window`: what
    /// `kiln metrics --json` prints and the server's API answers. A
    /// pipeline with runs but no deployment still has its entry.
    pub fn metrics(
        &self,
        pipeline: Option<&str>,
        window: Duration,
    ) -> Result<Vec<PipelineMetrics>, RunStoreError> {
        let mut by_pipeline = self.deployments(window, pipeline)?;
        for run in self.list_runs(pipeline, 10_000)? {
            by_pipeline.entry(run.pipeline).or_default();
        }
        Ok(by_pipeline
            .iter()
            .map(|(name, deployments)| compute(name, deployments, window))
            .collect())
    }

    /// The deployments of every pipeline that started within `window`
    /// before now, oldest first, by pipeline.
    pub fn deployments(
        &self,
        window: Duration,
        pipeline: Option<&str>,
    ) -> Result<BTreeMap<String, Vec<Deployment>>, RunStoreError> {
        let since = now_ms() - window.as_millis() as i64;
        let connection = self.lock();
        let mut statement = connection
            .prepare_cached(
                "SELECT r.id, r.pipeline, r.commit_time, s.status, s.finished_at
                 FROM runs r JOIN stages s ON s.run_id = r.id
                 WHERE s.deploy = 1 AND r.started_at >= ?1 AND (?2 IS NULL OR r.pipeline = ?2)
                 ORDER BY r.started_at, r.id, s.position",
            )
            .map_err(|e| self.sqlite(e))?;
        let rows = statement
            .query_map(params![since, pipeline], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Option<i64>>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, Option<i64>>(4)?,
                ))
            })
            .map_err(|e| self.sqlite(e))?;
        let mut by_pipeline: BTreeMap<String, Vec<Deployment>> = BTreeMap::new();
        let mut current: Option<(String, String, Deployment, bool)> = None;
        let mut flush = |entry: Option<(String, String, Deployment, bool)>| {
            if let Some((_, pipeline, deployment, ran)) = entry
                && ran
            {
                by_pipeline.entry(pipeline).or_default().push(deployment);
            }
        };
        for row in rows {
            let (run_id, pipeline, commit_time, status, finished_at) =
                row.map_err(|e| self.sqlite(e))?;
            let status = Status::parse(&status).unwrap_or(Status::Failed);
            if current.as_ref().is_none_or(|(id, ..)| *id != run_id) {
                flush(current.take());
                current = Some((
                    run_id.clone(),
                    pipeline,
                    Deployment {
                        run_id,
                        succeeded: true,
                        at: 0,
                        commit_time,
                    },
                    false,
                ));
            }
            let (_, _, deployment, ran) = current.as_mut().expect("set above");
            match status {
                Status::Succeeded => *ran = true,
                Status::Failed => {
                    *ran = true;
                    deployment.succeeded = false;
                }
                // Skipped, pending, or cut off: no deployment happened.
                _ => continue,
            }
            if let Some(at) = finished_at {
                deployment.at = deployment.at.max(at);
            }
        }
        flush(current.take());
        Ok(by_pipeline)
    }
}

/// The metrics of one pipeline's deployments (oldest first) over a window.
pub fn compute(pipeline: &str, deployments: &[Deployment], window: Duration) -> PipelineMetrics {
    let window_days = (window.as_secs_f64() / 86_400.0).max(1.0 / 24.0);
    let succeeded: Vec<&Deployment> = deployments.iter().filter(|d| d.succeeded).collect();
    let failed = deployments.len() - succeeded.len();

    let per_day = succeeded.len() as f64 / window_days;
    let deployment_frequency = Figure {
        value: Some(per_day),
        p90: None,
        samples: succeeded.len() as u64,
        text: frequency_text(per_day),
        level: (!succeeded.is_empty()).then(|| frequency_level(per_day).into()),
    };

    let mut lead_times: Vec<f64> = succeeded
        .iter()
        .filter_map(|d| Some((d.at - d.commit_time?).max(0) as f64))
        .collect();
    let lead_time = duration_figure(&mut lead_times, lead_time_level, "no commit times");

    let change_failure_rate = if deployments.is_empty() {
        Figure::none("no deployments")
    } else {
        let rate = failed as f64 / deployments.len() as f64;
        Figure {
            value: Some(rate),
            p90: None,
            samples: deployments.len() as u64,
            text: format!("{:.0}% ({failed} of {})", rate * 100.0, deployments.len()),
            level: Some(failure_rate_level(rate).into()),
        }
    };

    let mut restores = Vec::new();
    let mut broken_since: Option<i64> = None;
    for deployment in deployments {
        match (deployment.succeeded, broken_since) {
            (false, None) => broken_since = Some(deployment.at),
            (true, Some(since)) => {
                restores.push((deployment.at - since).max(0) as f64);
                broken_since = None;
            }
            _ => {}
        }
    }
    let time_to_restore = duration_figure(&mut restores, restore_level, "no failed deployment");

    PipelineMetrics {
        pipeline: pipeline.to_owned(),
        window_days,
        deployments: deployments.len() as u64,
        failed_deployments: failed as u64,
        deployment_frequency,
        lead_time,
        change_failure_rate,
        time_to_restore,
        failing_since: broken_since.map(rfc3339),
    }
}

fn duration_figure(samples: &mut [f64], level: fn(f64) -> &'static str, empty: &str) -> Figure {
    if samples.is_empty() {
        return Figure::none(empty);
    }
    samples.sort_by(f64::total_cmp);
    let median = percentile(samples, 0.5);
    let p90 = percentile(samples, 0.9);
    Figure {
        value: Some(median),
        p90: Some(p90),
        samples: samples.len() as u64,
        text: format!(
            "median {}, p90 {} ({} samples)",
            duration_text(median),
            duration_text(p90),
            samples.len()
        ),
        level: Some(level(median).into()),
    }
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn duration_text(ms: f64) -> String {
    let seconds = (ms / 1000.0).round() as u64;
    if seconds < 1 {
        return format!("{ms:.0}ms");
    }
    humantime::format_duration(Duration::from_secs(seconds)).to_string()
}

fn frequency_text(per_day: f64) -> String {
    if per_day >= 1.0 {
        format!("{per_day:.1} per day")
    } else if per_day * 7.0 >= 1.0 {
        format!("{:.1} per week", per_day * 7.0)
    } else {
        format!("{:.1} per month", per_day * 30.0)
    }
}

// The bands of the DORA State of DevOps report (2023).

fn frequency_level(per_day: f64) -> &'static str {
    if per_day >= 1.0 {
        "elite" // on demand, several a day
    } else if per_day * 7.0 >= 1.0 {
        "high" // between daily and weekly
    } else if per_day * 30.0 >= 1.0 {
        "medium" // between weekly and monthly
    } else {
        "low"
    }
}

fn lead_time_level(ms: f64) -> &'static str {
    if ms < DAY {
        "elite"
    } else if ms < 7.0 * DAY {
        "high"
    } else if ms < 30.0 * DAY {
        "medium"
    } else {
        "low"
    }
}

fn failure_rate_level(rate: f64) -> &'static str {
    if rate <= 0.05 {
        "elite"
    } else if rate <= 0.10 {
        "high"
    } else if rate <= 0.15 {
        "medium"
    } else {
        "low"
    }
}

fn restore_level(ms: f64) -> &'static str {
    if ms < HOUR {
        "elite"
    } else if ms < DAY {
        "high"
    } else if ms < 7.0 * DAY {
        "medium"
    } else {
        "low"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deploy(at_hours: f64, succeeded: bool, commit_hours_before: Option<f64>) -> Deployment {
        let at = (at_hours * HOUR) as i64;
        Deployment {
            run_id: format!("run-{at_hours}"),
            succeeded,
            at,
            commit_time: commit_hours_before.map(|h| at - (h * HOUR) as i64),
        }
    }

    #[test]
    fn the_four_metrics_follow_their_definitions() {
        let history = [
            deploy(0.0, true, Some(2.0)),
            deploy(10.0, false, Some(1.0)),
            deploy(11.0, false, None),
            deploy(13.0, true, Some(4.0)),
            deploy(20.0, true, Some(30.0)),
        ];
        let m = compute("web", &history, Duration::from_secs(7 * 86_400));
        assert_eq!((m.deployments, m.failed_deployments), (5, 2));
        // Three successes in seven days.
        let per_day = m.deployment_frequency.value.unwrap();
        assert!((per_day - 3.0 / 7.0).abs() < 1e-9);
        assert_eq!(m.deployment_frequency.level.as_deref(), Some("high"));
        // Lead times of the successes: 2h, 4h, 30h; the median is 4h.
        assert_eq!(m.lead_time.value, Some(4.0 * HOUR));
        assert_eq!(m.lead_time.p90, Some(30.0 * HOUR));
        assert_eq!(m.lead_time.level.as_deref(), Some("elite"));
        // Two failures of five.
        assert_eq!(m.change_failure_rate.value, Some(0.4));
        assert_eq!(m.change_failure_rate.level.as_deref(), Some("low"));
        // Broken at 10h (the streak's first failure), restored at 13h.
        assert_eq!(m.time_to_restore.value, Some(3.0 * HOUR));
        assert_eq!(m.time_to_restore.samples, 1);
        assert_eq!(m.time_to_restore.level.as_deref(), Some("high"));
        assert_eq!(m.failing_since, None);
    }

    #[test]
    fn an_unrestored_failure_is_reported_and_empty_history_has_no_values() {
        let m = compute(
            "web",
            &[deploy(1.0, true, None), deploy(2.0, false, None)],
            Duration::from_secs(86_400),
        );
        assert!(m.failing_since.is_some());
        assert_eq!(m.time_to_restore.value, None);
        assert_eq!(m.lead_time.value, None);

        let empty = compute("web", &[], Duration::from_secs(86_400));
        assert_eq!(empty.deployment_frequency.value, Some(0.0));
        assert_eq!(empty.deployment_frequency.level, None);
        assert_eq!(empty.change_failure_rate.value, None);
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let sorted = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&sorted, 0.5), 2.0);
        assert_eq!(percentile(&sorted, 0.9), 4.0);
        assert_eq!(percentile(&[7.0], 0.9), 7.0);
    }
}
