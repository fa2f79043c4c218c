//! Why the exec capability refuses a request, in words for the pipeline
//! author deciding what to grant.

use std::fmt::Write as _;
use std::path::PathBuf;

/// Why a request is refused before anything runs.
///
/// Each message names the program and says what would have been needed,
/// because the reader is the pipeline author deciding what to grant.
#[derive(Debug, thiserror::Error)]
pub enum ExecDenied {
    /// Programs are looked up on the host's search path by the host; a
    /// path would let a plugin choose a binary it wrote itself.
    #[error(
        "exec of `{program}` is refused: a program must be a bare name looked up on the host's PATH, not a path"
    )]
    NotBareName { program: String },
    #[error("exec of `{program}` is not granted; granted programs: {}", list_or_none(.granted, false))]
    ProgramNotGranted {
        program: String,
        /// The granted program names, in grant order, without duplicates.
        granted: Vec<String>,
    },
    #[error("{}", args_denied_message(.program, .args, .patterns))]
    ArgsNotGranted {
        program: String,
        args: Vec<String>,
        /// The granted patterns for this program, as written.
        patterns: Vec<String>,
    },
    #[error("`{program}` is granted but was not found on the host's PATH ({})", join_dirs(.search_path))]
    NotFound {
        program: String,
        search_path: Vec<PathBuf>,
    },
    #[error("`{name}` is not a valid variable name (for `{program}`)")]
    BadVariable { program: String, name: String },
    #[error(
        "`{name}` may not be set for `{program}`: {reason}; kiln refuses it whatever the grant says"
    )]
    VariableRefused {
        program: String,
        name: String,
        reason: &'static str,
    },
    #[error(
        "`{name}` may not be set for `{program}`: its exec grant does not list it (add `env: [{name}]` to the grant)"
    )]
    VariableNotGranted { program: String, name: String },
    #[error("working directory `{guest}` is not inside any mounted directory")]
    WorkingDirOutsideMounts { guest: String },
    #[error("working directory `{guest}` is not usable: {source}")]
    WorkingDirUnavailable {
        guest: String,
        source: std::io::Error,
    },
    #[error(
        "working directory `{guest}` resolves to `{}`, outside its mount `{mount}`",
        .resolved.display()
    )]
    WorkingDirEscapes {
        guest: String,
        mount: String,
        resolved: PathBuf,
    },
}

/// `a, b` or `` `a`, `b` ``, or `none`.
fn list_or_none(items: &[String], quoted: bool) -> String {
    if items.is_empty() {
        return "none".to_owned();
    }
    let items: Vec<String> = if quoted {
        items.iter().map(|item| format!("`{item}`")).collect()
    } else {
        items.to_vec()
    };
    items.join(", ")
}

fn join_dirs(dirs: &[PathBuf]) -> String {
    if dirs.is_empty() {
        return "empty".to_owned();
    }
    dirs.iter()
        .map(|dir| dir.display().to_string())
        .collect::<Vec<_>>()
        .join(":")
}

/// Arguments as a reader would type them: plain when unambiguous, quoted
/// when empty or containing whitespace or quotes.
fn display_args(args: &[String]) -> String {
    let mut shown = String::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            shown.push(' ');
        }
        if arg.is_empty() || arg.contains(|c: char| c.is_whitespace() || "'\"`".contains(c)) {
            let _ = write!(shown, "{arg:?}");
        } else {
            shown.push_str(arg);
        }
    }
    shown
}

fn args_denied_message(program: &str, args: &[String], patterns: &[String]) -> String {
    let granted = list_or_none(patterns, true);
    if args.is_empty() {
        format!(
            "an empty argument list to `{program}` matches no granted pattern (granted: {granted})"
        )
    } else {
        format!(
            "arguments `{}` to `{program}` match no granted pattern (granted: {granted})",
            display_args(args)
        )
    }
}
