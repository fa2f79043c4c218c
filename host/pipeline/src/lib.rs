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

/// How deep lists and mappings may nest: a pipeline's own structure takes
/// eight levels (`stages[].actions[].grants.exec[].args[]`), which leaves
/// plugin parameters (`with:`) two dozen. Deserialization recurses once
/// per level; serde-saphyr's default limit (64) takes about 2 MiB of stack
/// in a debug build, all a spawned thread has.
pub const MAX_DEPTH: usize = 32;

/// Parse pipeline text; syntax and shape errors carry their position.
pub fn parse(file: &Path, source: &str) -> Result<PipelineFile, Diagnostics> {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    // The scanner counts flow collections (`[[[`) on its own, ahead of the
    // depth above: the same limit, so that both say the same.
    budget.flow_nesting_limit = MAX_DEPTH;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    serde_saphyr::from_str_with_options::<PipelineFile>(source, options).map_err(|error| {
        let at = error
            .location()
            .map(|location| Position {
                line: location.line(),
                column: location.column(),
            })
            .unwrap_or_default();
        let message = if is_too_deep(&error) {
            format!("lists and mappings nested more than {MAX_DEPTH} levels deep")
        } else {
            let message = error.without_snippet().to_string();
            // serde-saphyr appends " at line X column Y"; the position is
            // already in front of the message.
            match message.rfind(" at line ") {
                Some(cut) => message[..cut].to_owned(),
                None => message,
            }
        };
        Diagnostics(vec![Diagnostic::new(file, at, "", message)])
    })
}

/// Whether `error` is the nesting limit ([`MAX_DEPTH`]), as the
/// deserializer or the scanner found it.
fn is_too_deep(mut error: &serde_saphyr::Error) -> bool {
    use serde_saphyr::budget::BudgetBreach;
    use serde_saphyr::granit_parser::ErrorKind;
    use serde_saphyr::{Error, ExternalMessageSource};
    loop {
        match error {
            Error::WithSnippet { error: inner, .. } | Error::AliasError { error: inner, .. } => {
                error = inner
            }
            Error::Budget {
                breach: BudgetBreach::Depth { .. },
                ..
            } => return true,
            Error::ExternalMessage { source, .. } => {
                return matches!(
                    &**source,
                    ExternalMessageSource::Parser(scan)
                        if matches!(scan.kind(), ErrorKind::RecursionLimitExceeded)
                );
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_value(value: &str) -> String {
        format!(
            "name: deep\nstages:\n  - name: s\n    actions:\n      - name: a\n        uses: probe\n        with: {{ v: {value} }}\n"
        )
    }

    #[test]
    fn nesting_is_refused_past_the_limit_at_its_position() {
        let file = Path::new("kiln.yaml");
        for (open, close) in [("[", "]"), ("{a: ", "}")] {
            let nested = |depth: usize| {
                with_value(&format!("{}x{}", open.repeat(depth), close.repeat(depth)))
            };
            // `with` is the sixth level, its `v` the seventh.
            let deepest = MAX_DEPTH - 6;
            parse(file, &nested(deepest)).unwrap_or_else(|d| panic!("{d}"));
            for depth in [deepest + 1, 300, 100_000] {
                let error = parse(file, &nested(depth)).unwrap_err().to_string();
                assert!(
                    error.starts_with("kiln.yaml:7:")
                        && error.ends_with("lists and mappings nested more than 32 levels deep"),
                    "{error}"
                );
            }
        }
    }
}
