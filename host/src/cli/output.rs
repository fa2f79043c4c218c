//! How kiln talks to a person: one status line per unit of work, verbs
//! right-aligned as cargo does, colour only on a terminal (anstream strips
//! it elsewhere), and `error:` with the cause chain.

use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use anstyle::{AnsiColor, Style};

use crate::runs::Status;
use crate::scheduler::{Event, EventSink};

const GREEN: Style = AnsiColor::Green.on_default().bold();
const RED: Style = AnsiColor::Red.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const CYAN: Style = AnsiColor::Cyan.on_default().bold();
const DIM: Style = Style::new().dimmed();

/// Print `verb message` with the verb right-aligned in 12 columns.
pub fn status(style: Style, verb: &str, message: &str) {
    let mut err = anstream::stderr().lock();
    let _ = writeln!(err, "{style}{verb:>12}{style:#} {message}");
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

/// Prints run events as status lines.
pub struct Printer {
    // Lines of one event stay together when actions finish at once.
    lock: Mutex<()>,
}

impl Printer {
    pub fn new() -> Self {
        Self {
            lock: Mutex::new(()),
        }
    }
}

impl EventSink for Printer {
    fn event(&self, event: &Event) {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        match event {
            Event::RunStarted { run_id, pipeline } => {
                status(CYAN, "Running", &format!("{pipeline} (run {run_id})"))
            }
            Event::StageStarted { stage } => status(CYAN, "Stage", stage),
            Event::ActionStarted {
                action, attempt, ..
            } => {
                let suffix = if *attempt > 1 {
                    format!(" (attempt {attempt})")
                } else {
                    String::new()
                };
                status(CYAN, "Starting", &format!("{action}{suffix}"))
            }
            Event::ActionRetrying {
                action,
                attempt,
                error,
                delay,
                ..
            } => status(
                YELLOW,
                "Retrying",
                &format!(
                    "{action}: attempt {attempt} failed: {error}; next in {}",
                    duration(*delay)
                ),
            ),
            Event::ActionFinished {
                action,
                status: result,
                attempts,
                duration: took,
                summary,
                error,
                log_tail,
                log_path,
                cached,
                ..
            } => {
                if *cached {
                    let summary = summary.as_deref().unwrap_or("");
                    status(CYAN, "Cached", &format!("{action} {summary}"));
                    return;
                }
                let attempts = if *attempts > 1 {
                    format!(", {attempts} attempts")
                } else {
                    String::new()
                };
                if *result == Status::Succeeded {
                    let summary = summary.as_deref().unwrap_or("");
                    status(
                        GREEN,
                        "Passed",
                        &format!("{action} ({}{attempts}) {summary}", duration(*took)),
                    );
                } else {
                    let error = error.as_deref().unwrap_or("failed");
                    status(
                        RED,
                        "Failed",
                        &format!("{action} ({}{attempts}): {error}", duration(*took)),
                    );
                    let mut err = anstream::stderr().lock();
                    for line in log_tail {
                        let _ = writeln!(err, "{:>12} {DIM}|{DIM:#} {line}", "");
                    }
                    if let Some(path) = log_path {
                        let _ = writeln!(err, "{:>12} {DIM}log: {}{DIM:#}", "", path.display());
                    }
                }
            }
            Event::ActionSkipped { action, reason, .. } => {
                status(YELLOW, "Skipped", &format!("{action}: {reason}"))
            }
            Event::StageFinished { .. } => {}
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
                status(
                    style,
                    "Finished",
                    &format!("run {run_id} {} in {}", result.as_str(), duration(*took)),
                );
            }
        }
    }
}
