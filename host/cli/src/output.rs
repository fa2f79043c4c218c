//! How kiln talks to a person: one status line per unit of work, verbs
//! right-aligned as cargo does, colour only on a terminal (anstream strips
//! it elsewhere), and `error:` with the cause chain.

use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use anstyle::{AnsiColor, Style};

use kiln::model::event::{Event, EventSink};
use kiln::model::plain_text::{self, one_line};
use kiln::model::status::Status;
use kiln::store::history::RunStore;

pub const GREEN: Style = AnsiColor::Green.on_default().bold();
pub const RED: Style = AnsiColor::Red.on_default().bold();
pub const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
pub const CYAN: Style = AnsiColor::Cyan.on_default().bold();
pub const DIM: Style = Style::new().dimmed();

/// Print `verb message` with the verb right-aligned in 12 columns.
pub fn status(style: Style, verb: &str, message: &str) {
    let mut err = anstream::stderr().lock();
    let _ = writeln!(err, "{}", status_line(style, verb, message));
}

/// Print an error and its causes.
pub fn error(error: &anyhow::Error) {
    let mut err = anstream::stderr().lock();
    let _ = writeln!(err, "{RED}error{RED:#}: {error}");
    for cause in error.chain().skip(1) {
        let _ = writeln!(err, "  {DIM}caused by:{DIM:#} {cause}");
    }
}

pub fn duration(d: Duration) -> String {
    if d < Duration::from_secs(60) {
        format!("{:.2}s", d.as_secs_f64())
    } else {
        let secs = d.as_secs();
        format!("{}m{:02}s", secs / 60, secs % 60)
    }
}

/// How much a run says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// Failures and the result.
    Quiet,
    /// A line per action start and end.
    Normal,
    /// And every log line.
    Verbose,
}

/// `verb message` with the verb right-aligned in 12 columns, styled.
pub fn status_line(style: Style, verb: &str, message: &str) -> String {
    format!("{style}{verb:>12}{style:#} {message}")
}

/// The lines an event prints at `verbosity` (styled; strip for no colour).
/// The lines an event shows; `logs` tells where an attempt's log is kept.
pub fn render(event: &Event, verbosity: Verbosity, logs: &RunStore) -> Vec<String> {
    let quiet = verbosity == Verbosity::Quiet;
    match event {
        Event::RunStarted { run_id, pipeline } if !quiet => {
            vec![status_line(
                CYAN,
                "Running",
                &format!("{pipeline} (run {run_id})"),
            )]
        }
        Event::StageStarted { stage } if !quiet => vec![status_line(CYAN, "Stage", stage)],
        Event::ActionStarted {
            action, attempt, ..
        } if !quiet => {
            let suffix = if *attempt > 1 {
                format!(" (attempt {attempt})")
            } else {
                String::new()
            };
            vec![status_line(CYAN, "Starting", &format!("{action}{suffix}"))]
        }
        Event::ActionLogLine { action, line, .. } if verbosity == Verbosity::Verbose => {
            vec![format!("{action:>12} {DIM}|{DIM:#} {}", one_line(line))]
        }
        Event::ActionRetrying {
            action,
            attempt,
            error,
            delay,
            ..
        } if !quiet => vec![status_line(
            YELLOW,
            "Retrying",
            &format!(
                "{action}: attempt {attempt} failed: {error}; next in {}",
                duration(*delay)
            ),
        )],
        Event::ActionKept {
            action, summary, ..
        } if !quiet => vec![status_line(
            CYAN,
            "Kept",
            &format!(
                "{action} (succeeded before the resume) {}",
                summary.as_deref().unwrap_or("")
            ),
        )],
        Event::ActionFinished {
            action,
            status: result,
            attempts,
            duration: took,
            summary,
            error,
            log_tail,
            log,
            cached,
            reports,
            ..
        } => {
            let tests = reports_line(reports);
            // Plugin texts arrive plain (see `kiln::plain_text`) but may
            // hold newlines: a summary stays on its status line, and every
            // further line of an error is behind the gutter, so no plugin
            // can print a line that looks like kiln's own.
            let summary = summary.as_deref().map(one_line);
            let summary = summary.as_deref();
            if *cached {
                if quiet {
                    return Vec::new();
                }
                let summary = summary.unwrap_or("");
                return vec![status_line(CYAN, "Cached", &format!("{action} {summary}"))];
            }
            let attempts = if *attempts > 1 {
                format!(", {attempts} attempts")
            } else {
                String::new()
            };
            if *result == Status::Succeeded {
                if quiet {
                    return Vec::new();
                }
                let summary = summary.unwrap_or("");
                let mut lines = vec![status_line(
                    GREEN,
                    "Passed",
                    &format!("{action} ({}{attempts}) {summary}", duration(*took)),
                )];
                lines.extend(tests.map(|t| format!("{:>12} {DIM}{t}{DIM:#}", "")));
                return lines;
            }
            let error = plain_text::clean(error.as_deref().unwrap_or("failed")).into_owned();
            let mut error_lines = error.lines();
            let mut lines = vec![status_line(
                RED,
                "Failed",
                &format!(
                    "{action} ({}{attempts}): {}",
                    duration(*took),
                    error_lines.next().unwrap_or("")
                ),
            )];
            lines.extend(error_lines.map(|line| format!("{:>12} {DIM}|{DIM:#} {line}", "")));
            lines.extend(tests.map(|t| format!("{:>12} {DIM}{t}{DIM:#}", "")));
            for failure in reports.iter().flat_map(|r| &r.failures).take(10) {
                lines.push(format!(
                    "{:>12} {RED}✗{RED:#} {}: {}",
                    "",
                    one_line(&failure.name),
                    one_line(&failure.message)
                ));
            }
            for line in log_tail {
                lines.push(format!("{:>12} {DIM}|{DIM:#} {}", "", one_line(line)));
            }
            if let Some(log) = log {
                let path = logs.log_path(&log.run_id, &log.action, log.attempt);
                lines.push(format!("{:>12} {DIM}log: {}{DIM:#}", "", path.display()));
            }
            lines
        }
        Event::ApprovalRequested {
            action, approvers, ..
        } => {
            let who = if approvers.is_empty() {
                "anyone".to_owned()
            } else {
                approvers.join(" or ")
            };
            vec![status_line(
                YELLOW,
                "Waiting",
                &format!("{action} for approval by {who}"),
            )]
        }
        Event::ApprovalDecided {
            action, decision, ..
        } => {
            let (style, verb) = if decision.approved {
                (GREEN, "Approved")
            } else {
                (RED, "Rejected")
            };
            let comment = decision
                .comment
                .as_deref()
                .map(|c| format!(": {}", one_line(c)))
                .unwrap_or_default();
            vec![status_line(
                style,
                verb,
                &format!("{action} by {}{comment}", one_line(&decision.by)),
            )]
        }
        Event::ActionSkipped { action, reason, .. } if !quiet => {
            vec![status_line(
                YELLOW,
                "Skipped",
                &format!("{action}: {reason}"),
            )]
        }
        Event::RunFinished {
            run_id,
            status: result,
            duration: took,
        } => {
            let style = if *result == Status::Succeeded {
                GREEN
            } else {
                RED
            };
            vec![status_line(
                style,
                "Finished",
                &format!("run {run_id} {} in {}", result.as_str(), duration(*took)),
            )]
        }
        _ => Vec::new(),
    }
}

/// `tests: 10 passed, 1 failed, 2 skipped`, when the action had reports.
/// What an action's reports say, on one line: its tests (`tests: 3
/// passed, 1 failed, 0 skipped`), then the lines its tests covered
/// (`coverage: 81.3% of lines (813/1000)`).
pub fn reports_line(reports: &[kiln::model::report::TestReport]) -> Option<String> {
    let (coverage, tests): (Vec<_>, Vec<_>) = reports.iter().partition(|r| r.coverage.is_some());
    let mut parts = Vec::new();
    if !tests.is_empty() {
        let sum = |f: fn(&kiln::model::report::TestReport) -> u64| {
            tests.iter().map(|r| f(r)).sum::<u64>()
        };
        let (passed, failed, errored, skipped) = (
            sum(|r| r.passed),
            sum(|r| r.failed),
            sum(|r| r.errored),
            sum(|r| r.skipped),
        );
        let mut text = format!("tests: {passed} passed, {failed} failed");
        if errored > 0 {
            text.push_str(&format!(", {errored} errored"));
        }
        text.push_str(&format!(", {skipped} skipped"));
        parts.push(text);
    }
    if !coverage.is_empty() {
        let (covered, total) = coverage
            .iter()
            .filter_map(|r| r.coverage)
            .fold((0, 0), |(c, t), cov| (c + cov.covered, t + cov.total));
        let all = kiln::model::report::Coverage { covered, total };
        parts.push(format!(
            "coverage: {:.1}% of lines ({covered}/{total})",
            all.percent()
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Prints run events as status lines, one event at a time.
pub struct Printer {
    verbosity: Verbosity,
    logs: RunStore,
    /// Whether stderr takes colour is decided once, not per line; the
    /// lock keeps the lines of one event together when actions finish at
    /// once.
    stderr: Mutex<anstream::Stderr>,
}

impl Printer {
    pub fn new(verbosity: Verbosity, logs: RunStore) -> Self {
        Self {
            verbosity,
            logs,
            stderr: Mutex::new(anstream::stderr()),
        }
    }
}

impl EventSink for Printer {
    fn event(&self, event: &Event) {
        let lines = render(event, self.verbosity, &self.logs);
        if lines.is_empty() {
            return;
        }
        // One write for the event: stderr is unbuffered.
        let mut text = String::new();
        for line in lines {
            text.push_str(&line);
            text.push('\n');
        }
        let mut err = self.stderr.lock().unwrap_or_else(|p| p.into_inner());
        let _ = err.write_all(text.as_bytes());
    }
}
