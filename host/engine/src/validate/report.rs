//! The report every validation pass adds to: problems at their line,
//! column and field path, all of them, not only the first.

use std::path::Path;

use kiln_pipeline::{Diagnostic, Diagnostics, Position};

/// The problems found in one pipeline file.
pub struct Report<'f> {
    file: &'f Path,
    problems: Diagnostics,
}

impl<'f> Report<'f> {
    pub fn new(file: &'f Path) -> Self {
        Self {
            file,
            problems: Diagnostics::default(),
        }
    }

    /// A problem at `at` in field `field` (`stages[0].actions[1].uses`).
    pub fn add(&mut self, at: Position, field: impl Into<String>, message: impl Into<String>) {
        self.problems
            .push(Diagnostic::new(self.file, at, field.into(), message.into()));
    }

    /// As a closure, for code that reports through one (the capabilities).
    pub fn sink(&mut self) -> impl FnMut(Position, String, String) + '_ {
        move |at, field, message| self.add(at, field, message)
    }

    /// `value` when nothing was reported, else every problem.
    pub fn into_result<T>(self, value: T) -> Result<T, Diagnostics> {
        self.problems.into_result(value)
    }
}

/// Where an action sits in the pipeline file, for field paths.
#[derive(Debug, Clone, Copy)]
pub struct Site {
    pub stage: usize,
    pub action: usize,
}

impl Site {
    /// `stages[s].actions[a].<name>`.
    pub fn field(&self, name: &str) -> String {
        format!("stages[{}].actions[{}].{name}", self.stage, self.action)
    }
}

/// Every action of a pipeline file with its site.
pub fn sites(
    pipeline: &kiln_pipeline::PipelineFile,
) -> impl Iterator<
    Item = (
        Site,
        &kiln_pipeline::Located<kiln_pipeline::file::ActionFile>,
    ),
> {
    pipeline.stages.iter().enumerate().flat_map(|(s, stage)| {
        stage.actions.iter().enumerate().map(move |(a, action)| {
            (
                Site {
                    stage: s,
                    action: a,
                },
                action,
            )
        })
    })
}
