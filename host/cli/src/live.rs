//! The live view of a run on a terminal: one line per running action with
//! a spinner, its elapsed time and its last log line, redrawn in place;
//! finished actions leave their status line above it, as in plain mode.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::output::{Verbosity, render};
use kiln::model::event::{Event, EventSink};
use kiln::store::history::RunStore;

pub struct LiveView {
    multi: MultiProgress,
    style: ProgressStyle,
    verbosity: Verbosity,
    logs: RunStore,
    running: Mutex<HashMap<String, ProgressBar>>,
}

impl LiveView {
    pub fn new(verbosity: Verbosity, logs: RunStore) -> Self {
        let style = ProgressStyle::with_template(
            "{spinner:.cyan} {prefix:>10.bold} {elapsed:>4} {wide_msg:.dim}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
        Self {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10)),
            style,
            verbosity,
            logs,
            running: Mutex::new(HashMap::new()),
        }
    }

    fn print(&self, lines: Vec<String>) {
        for line in lines {
            // Above the bars; indicatif redraws them below.
            let _ = self.multi.println(line);
        }
    }

    fn finish(&self, action: &str) {
        let bar = self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(action);
        if let Some(bar) = bar {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
    }
}

impl EventSink for LiveView {
    fn event(&self, event: &Event) {
        match event {
            Event::ActionStarted {
                action, attempt, ..
            } => {
                let bar = self.multi.add(ProgressBar::new_spinner());
                bar.set_style(self.style.clone());
                bar.set_prefix(action.clone());
                if *attempt > 1 {
                    bar.set_message(format!("attempt {attempt}"));
                }
                bar.enable_steady_tick(Duration::from_millis(100));
                let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(old) = running.insert(action.clone(), bar) {
                    old.finish_and_clear();
                    self.multi.remove(&old);
                }
                // The bar is the start line: nothing printed.
                return;
            }
            Event::ActionLogLine { action, line, .. } => {
                if let Some(bar) = self
                    .running
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get(action)
                {
                    bar.set_message(kiln::model::plain_text::one_line(line));
                }
            }
            Event::ActionFinished { action, .. } | Event::ActionRetrying { action, .. } => {
                self.finish(action)
            }
            Event::RunFinished { .. } => {
                let bars: Vec<ProgressBar> = self
                    .running
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .drain()
                    .map(|(_, bar)| bar)
                    .collect();
                for bar in bars {
                    bar.finish_and_clear();
                }
            }
            _ => {}
        }
        self.print(render(event, self.verbosity, &self.logs));
    }
}
