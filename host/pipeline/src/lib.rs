//! The `kiln.yaml` format: the pipeline file as written, with the line and
//! column of every value ([`located`]), the errors that point into it
//! ([`diagnostic`]), its JSON Schema ([`schema`]), and [`parse`].
//!
//! Nothing here knows plugins or the sandbox: turning a parsed file into a
//! runnable plan is validation, which asks the plugins and capabilities.

pub mod diagnostic;
pub mod file;
pub mod located;
pub mod schema;

use std::path::Path;

pub use diagnostic::{Diagnostic, Diagnostics};
pub use file::PipelineFile;
pub use located::{Located, Position};

/// Parse pipeline text; syntax and shape errors carry their position.
pub fn parse(file: &Path, source: &str) -> Result<PipelineFile, Diagnostics> {
    serde_saphyr::from_str::<PipelineFile>(source).map_err(|error| {
        let at = error
            .location()
            .map(|location| Position {
                line: location.line(),
                column: location.column(),
            })
            .unwrap_or_default();
        let message = error.without_snippet().to_string();
        // serde-saphyr appends " at line X column Y"; the position is
        // already in front of the message.
        let message = match message.rfind(" at line ") {
            Some(cut) => message[..cut].to_owned(),
            None => message,
        };
        Diagnostics(vec![Diagnostic::new(file, at, "", message)])
    })
}
