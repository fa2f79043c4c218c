//! From the run as the host records it (`kiln show --json`) to the body a
//! webhook receives.

use serde::{Deserialize, Serialize};

/// The parts of `/kiln/run.json` a notification uses; the file has more.
#[derive(Debug, Deserialize)]
pub struct RunFile {
    pub id: String,
    pub pipeline: String,
    #[serde(default)]
    pub trigger: String,
    #[serde(default)]
    pub commit: Option<String>,
    pub stages: Vec<StageFile>,
}

#[derive(Debug, Deserialize)]
pub struct StageFile {
    pub name: String,
    pub actions: Vec<ActionFile>,
}

#[derive(Debug, Deserialize)]
pub struct ActionFile {
    pub name: String,
    pub status: String,
    #[serde(default)]
    pub duration_ms: Option<u64>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub reports: Vec<ReportFile>,
}

#[derive(Debug, Deserialize)]
pub struct ReportFile {
    #[serde(default)]
    pub failures: Vec<FailedTest>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FailedTest {
    pub name: String,
    pub message: String,
}

/// What is posted.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// One line for people (chat webhooks show this).
    pub text: String,
    pub pipeline: String,
    pub run: String,
    /// `failed` when an action failed, else `succeeded`.
    pub status: &'static str,
    pub trigger: String,
    pub commit: Option<String>,
    pub failed: Vec<Failed>,
    pub actions: Vec<ActionStatus>,
}

#[derive(Debug, Serialize)]
pub struct Failed {
    pub stage: String,
    pub action: String,
    pub error: Option<String>,
    pub failed_tests: Vec<FailedTest>,
}

#[derive(Debug, Serialize)]
pub struct ActionStatus {
    pub stage: String,
    pub action: String,
    pub status: String,
    pub duration_ms: Option<u64>,
}

/// Failed tests named in the text line before "and N more".
const TESTS_IN_TEXT: usize = 3;

impl Summary {
    /// The summary of `run`, leaving out `this_action` (still running).
    pub fn of(run: &RunFile, this_action: &str, title: Option<&str>) -> Self {
        let mut failed = Vec::new();
        let mut actions = Vec::new();
        for stage in &run.stages {
            for action in &stage.actions {
                if action.name == this_action {
                    continue;
                }
                if matches!(action.status.as_str(), "failed" | "interrupted") {
                    failed.push(Failed {
                        stage: stage.name.clone(),
                        action: action.name.clone(),
                        error: action.error.clone(),
                        failed_tests: action
                            .reports
                            .iter()
                            .flat_map(|r| r.failures.iter().cloned())
                            .collect(),
                    });
                }
                actions.push(ActionStatus {
                    stage: stage.name.clone(),
                    action: action.name.clone(),
                    status: action.status.clone(),
                    duration_ms: action.duration_ms,
                });
            }
        }
        let status = if failed.is_empty() {
            "succeeded"
        } else {
            "failed"
        };
        let title = title.unwrap_or(&run.pipeline);
        let short_run = &run.id[..run.id.len().min(12)];
        let text = if failed.is_empty() {
            format!("{title}: run {short_run} succeeded")
        } else {
            let what: Vec<String> = failed.iter().map(describe_failure).collect();
            format!("{title}: run {short_run} failed: {}", what.join("; "))
        };
        Self {
            text,
            pipeline: run.pipeline.clone(),
            run: run.id.clone(),
            status,
            trigger: run.trigger.clone(),
            commit: run.commit.clone(),
            failed,
            actions,
        }
    }

    pub fn failed(&self) -> bool {
        !self.failed.is_empty()
    }
}

/// `test (2 failed tests: a::b, c::d)` or `build: error text`.
fn describe_failure(failure: &Failed) -> String {
    if !failure.failed_tests.is_empty() {
        let names: Vec<&str> = failure
            .failed_tests
            .iter()
            .take(TESTS_IN_TEXT)
            .map(|t| t.name.as_str())
            .collect();
        let more = failure.failed_tests.len().saturating_sub(TESTS_IN_TEXT);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        return format!(
            "{} ({} failed tests: {}{more})",
            failure.action,
            failure.failed_tests.len(),
            names.join(", ")
        );
    }
    match &failure.error {
        Some(error) => format!("{}: {}", failure.action, first_line(error)),
        None => failure.action.clone(),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: &str = r#"{
      "id": "0195f0c2a1b24c3d8e9f00112233aabb", "pipeline": "web", "trigger": "ci",
      "commit": "abc123", "status": "running", "stages": [
        {"name": "Build", "status": "succeeded", "actions": [
          {"name": "build", "status": "succeeded", "duration_ms": 1200, "reports": []}]},
        {"name": "Test", "status": "failed", "actions": [
          {"name": "unit", "status": "failed", "duration_ms": 800, "error": "2 tests failed\nmore",
           "reports": [{"failures": [{"name": "math::adds", "message": "1 != 2"},
                                     {"name": "math::subtracts", "message": "boom"}]}]},
          {"name": "lint", "status": "failed", "error": "exit status 1\nsecond line"}]},
        {"name": "Notify", "status": "running", "actions": [
          {"name": "tell", "status": "running"}]}
      ]}"#;

    #[test]
    fn failures_are_summarised_with_their_tests_and_first_error_line() {
        let run: RunFile = serde_json::from_str(RUN).unwrap();
        let summary = Summary::of(&run, "tell", None);
        assert!(summary.failed());
        assert_eq!(summary.status, "failed");
        assert_eq!(
            summary.text,
            "web: run 0195f0c2a1b2 failed: unit (2 failed tests: math::adds, math::subtracts); lint: exit status 1"
        );
        assert_eq!(summary.failed.len(), 2);
        assert_eq!(summary.actions.len(), 3, "the notifying action is left out");
        assert_eq!(summary.commit.as_deref(), Some("abc123"));
    }

    #[test]
    fn a_clean_run_succeeds_with_a_title() {
        let run: RunFile = serde_json::from_str(
            r#"{"id": "01", "pipeline": "web", "stages": [
                {"name": "B", "actions": [{"name": "b", "status": "succeeded"}]}]}"#,
        )
        .unwrap();
        let summary = Summary::of(&run, "tell", Some("Nightly"));
        assert!(!summary.failed());
        assert_eq!(summary.text, "Nightly: run 01 succeeded");
    }
}
