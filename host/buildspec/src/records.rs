//! The script's side channel: one record per line, and what a run's
//! records say ([`Outcome`]).
//!
//! Records are lines of space-separated tokens; free text (versions found,
//! variable values, expanded fields) is hex-encoded after an `x`, so no
//! record ever spans lines:
//!
//! ```text
//! kiln-codebuild 1
//! phase-start install
//! runtime nodejs found x7631382e31392e30
//! step-start install commands 0
//! step-end install commands 0 0
//! phase-end install SUCCEEDED
//! step-start build commands 0
//! line-failed build commands 0 2 1
//! step-end build commands 0 0
//! phase-end build SUCCEEDED
//! phase-skipped post_build
//! exported IMAGE_TAG x6c6174657374
//! resolved 0 x72656c656173652d31
//! build-end SUCCEEDED upload
//! ```

use std::fmt;

use crate::diag::Pos;
use crate::model::{Buildspec, PhaseName, Runtime, Section};

/// One record of the side channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// `kiln-codebuild <version>`: the first record.
    Header(u32),
    /// `secret-missing <VAR>`: the caller did not provide a secret; the
    /// build failed before its first phase.
    SecretMissing(String),
    /// `masking-unchecked`: the shell has no ERR trap, so failures hidden
    /// inside multi-line commands cannot be seen.
    MaskingUnchecked,
    /// `phase-start <phase>`.
    PhaseStart(PhaseName),
    /// `runtime <name> found x<hex>` / `runtime <name> missing`: the first
    /// line the runtime's version command printed.
    Runtime {
        /// The runtime.
        name: String,
        /// What its version command printed, if it is there.
        found: Option<String>,
    },
    /// `step-start <phase> <section> <index>`.
    StepStart(PhaseName, Section, usize),
    /// `line-failed <phase> <section> <index> <line> <status>`: a line of
    /// a multi-line command failed (where `set -e` would have stopped).
    LineFailed {
        /// The command's phase.
        phase: PhaseName,
        /// Its section.
        section: Section,
        /// Its index in the section.
        index: usize,
        /// The line within the command (1-based).
        line: u32,
        /// That line's exit status.
        status: i32,
    },
    /// `step-end <phase> <section> <index> <status>`.
    StepEnd(PhaseName, Section, usize, i32),
    /// `phase-end <phase> SUCCEEDED|FAILED`.
    PhaseEnd(PhaseName, bool),
    /// `phase-skipped <phase>`: an earlier phase ended the build.
    PhaseSkipped(PhaseName),
    /// `exported <NAME> x<hex>` / `exported <NAME> -` (unset).
    Exported(String, Option<String>),
    /// `resolved <index> x<hex>`: a field of [`Buildspec::dynamic_fields`]
    /// expanded in the build's final state.
    Resolved(usize, String),
    /// `build-end SUCCEEDED|FAILED upload|skip`: the result, and whether
    /// CodeBuild would upload artifacts (reach UPLOAD_ARTIFACTS).
    BuildEnd {
        /// Whether the build succeeded.
        succeeded: bool,
        /// Whether artifacts (and reports) are collected.
        upload_artifacts: bool,
    },
}

/// A record line that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("record line {line}: {message}: `{text}`")]
pub struct RecordError {
    /// The 1-based line.
    pub line: usize,
    /// The line's text.
    pub text: String,
    /// What is wrong.
    pub message: String,
}

fn unhex(token: &str) -> Option<String> {
    let hex = token.strip_prefix('x')?;
    if hex.len() % 2 != 0 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    Some(String::from_utf8_lossy(&bytes?).into_owned())
}

fn phase(token: Option<&str>) -> Option<PhaseName> {
    PhaseName::from_key(token?)
}

fn section(token: Option<&str>) -> Option<Section> {
    match token? {
        "commands" => Some(Section::Commands),
        "finally" => Some(Section::Finally),
        _ => None,
    }
}

fn parse_line(line: &str) -> Option<Record> {
    let mut t = line.split(' ');
    let kind = t.next()?;
    let record = match kind {
        "kiln-codebuild" => Record::Header(t.next()?.parse().ok()?),
        "secret-missing" => Record::SecretMissing(t.next()?.to_owned()),
        "masking-unchecked" => Record::MaskingUnchecked,
        "phase-start" => Record::PhaseStart(phase(t.next())?),
        "phase-skipped" => Record::PhaseSkipped(phase(t.next())?),
        "phase-end" => {
            let p = phase(t.next())?;
            let ok = match t.next()? {
                "SUCCEEDED" => true,
                "FAILED" => false,
                _ => return None,
            };
            Record::PhaseEnd(p, ok)
        }
        "runtime" => {
            let name = t.next()?.to_owned();
            let found = match t.next()? {
                "found" => Some(unhex(t.next()?)?),
                "missing" => None,
                _ => return None,
            };
            Record::Runtime { name, found }
        }
        "step-start" => Record::StepStart(
            phase(t.next())?,
            section(t.next())?,
            t.next()?.parse().ok()?,
        ),
        "step-end" => Record::StepEnd(
            phase(t.next())?,
            section(t.next())?,
            t.next()?.parse().ok()?,
            t.next()?.parse().ok()?,
        ),
        "line-failed" => Record::LineFailed {
            phase: phase(t.next())?,
            section: section(t.next())?,
            index: t.next()?.parse().ok()?,
            line: t.next()?.parse().ok()?,
            status: t.next()?.parse().ok()?,
        },
        "exported" => {
            let name = t.next()?.to_owned();
            let value = match t.next()? {
                "-" => None,
                hex => Some(unhex(hex)?),
            };
            Record::Exported(name, value)
        }
        "resolved" => Record::Resolved(t.next()?.parse().ok()?, unhex(t.next()?)?),
        "build-end" => {
            let succeeded = match t.next()? {
                "SUCCEEDED" => true,
                "FAILED" => false,
                _ => return None,
            };
            let upload_artifacts = match t.next()? {
                "upload" => true,
                "skip" => false,
                _ => return None,
            };
            Record::BuildEnd {
                succeeded,
                upload_artifacts,
            }
        }
        _ => return None,
    };
    t.next().is_none().then_some(record)
}

/// Reads the records a script wrote. Empty lines are ignored; any other
/// line must be a record.
pub fn parse_records(text: &str) -> Result<Vec<Record>, RecordError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            parse_line(l).ok_or_else(|| RecordError {
                line: i + 1,
                text: l.to_owned(),
                message: "not a kiln-codebuild record".into(),
            })
        })
        .collect()
}

/// How a phase went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseStatus {
    /// Every command (and `finally` command) succeeded.
    Succeeded,
    /// A command failed (or a runtime was missing).
    Failed,
    /// It did not run: an earlier phase ended the build.
    Skipped,
    /// It started but did not end (the script was stopped).
    Interrupted,
}

/// A command that failed: "phase build, command `make test`, exit code 2".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandFailure {
    /// The phase.
    pub phase: PhaseName,
    /// `commands` or `finally`.
    pub section: Section,
    /// Index in the section.
    pub index: usize,
    /// The command text.
    pub command: String,
    /// Where it is in the buildspec.
    pub at: Pos,
    /// Its exit status.
    pub exit_code: i32,
    /// For a multi-line command, the lines that failed (line, status).
    pub failed_lines: Vec<(u32, i32)>,
}

fn short(command: &str) -> String {
    let mut lines = command.lines();
    let first = lines.next().unwrap_or("");
    if lines.next().is_some() {
        format!("{first} ...")
    } else {
        first.to_owned()
    }
}

impl fmt::Display for CommandFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "phase {}, ", self.phase)?;
        if self.section == Section::Finally {
            f.write_str("finally ")?;
        }
        write!(
            f,
            "command `{}`, exit code {}",
            short(&self.command),
            self.exit_code
        )
    }
}

/// A multi-line command that exited 0 although some of its lines failed:
/// CodeBuild counts it as succeeded (and so does kiln), but says nothing;
/// kiln says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskedFailure {
    /// The phase.
    pub phase: PhaseName,
    /// `commands` or `finally`.
    pub section: Section,
    /// Index in the section.
    pub index: usize,
    /// The command text.
    pub command: String,
    /// Where it is in the buildspec.
    pub at: Pos,
    /// The lines that failed: line within the command, its text, status.
    pub lines: Vec<(u32, String, i32)>,
}

impl fmt::Display for MaskedFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "phase {}, command `{}` (line {}): ",
            self.phase,
            short(&self.command),
            self.at.line
        )?;
        for (i, (line, text, status)) in self.lines.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "its line {line} `{}` exited {status}", text.trim())?;
        }
        f.write_str(", but its last line succeeded: CodeBuild counts the command as succeeded")
    }
}

/// A runtime asked for in `runtime-versions`, and what this machine has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeCheck {
    /// The runtime and version asked for.
    pub runtime: Runtime,
    /// The first line of its version command, if it is installed.
    pub found: Option<String>,
    /// Whether the version found is the one asked for (`Some(true)` for
    /// `latest`; `None` when that cannot be told).
    pub matches: Option<bool>,
}

/// What a run's records say.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Whether the script reached its end.
    pub finished: bool,
    /// Whether the build succeeded.
    pub succeeded: bool,
    /// Whether artifacts and reports are to be collected (CodeBuild
    /// reaches UPLOAD_ARTIFACTS unless install or pre_build failed or a
    /// phase with `on-failure: ABORT` failed).
    pub upload_artifacts: bool,
    /// Each phase of the buildspec and how it went, in run order.
    pub phases: Vec<(PhaseName, PhaseStatus)>,
    /// The commands that failed, in run order.
    pub failures: Vec<CommandFailure>,
    /// Multi-line commands that succeeded although lines of them failed.
    pub masked: Vec<MaskedFailure>,
    /// Whether the shell could not trace multi-line commands (no ERR trap).
    pub masking_unchecked: bool,
    /// The runtimes checked.
    pub runtimes: Vec<RuntimeCheck>,
    /// Secrets the caller did not provide.
    pub missing_secrets: Vec<String>,
    /// `env.exported-variables` at the end of the build (`None`: unset).
    pub exported: Vec<(String, Option<String>)>,
    /// [`Buildspec::dynamic_fields`] as expanded at the end of the build,
    /// by index.
    pub resolved: Vec<(usize, String)>,
}

/// Whether a version line matches a version asked for: the numbers of
/// the request are a prefix of the first version number in the line
/// (`14` matches `v14.21.3`, `3.10` matches `Python 3.10.12`,
/// `corretto17` matches `openjdk version "17.0.8"`; Java's `1.8.0` counts
/// as `8`).
pub(crate) fn version_matches(requested: &str, found: &str) -> Option<bool> {
    fn numbers(s: &str) -> Vec<u64> {
        let Some(start) = s.find(|c: char| c.is_ascii_digit()) else {
            return Vec::new();
        };
        s[start..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect::<String>()
            .split('.')
            .map_while(|p| p.parse().ok())
            .collect()
    }
    if requested.eq_ignore_ascii_case("latest") {
        return Some(true);
    }
    let want = numbers(requested);
    let mut got = numbers(found);
    if want.is_empty() || got.is_empty() {
        return None;
    }
    if got.len() > 1 && got[0] == 1 && want[0] != 1 {
        got.remove(0); // java 1.8.0 is java 8
    }
    Some(got.starts_with(&want))
}

impl Outcome {
    /// What `records` (from [`parse_records`]) say about a run of `spec`'s
    /// script.
    pub fn new(spec: &Buildspec, records: &[Record]) -> Outcome {
        let mut out = Outcome::default();
        let command = |p: PhaseName, s: Section, i: usize| {
            spec.phases
                .iter()
                .find(|ph| ph.name == p)
                .and_then(|ph| ph.section(s).get(i))
        };
        let mut lines: Vec<(PhaseName, Section, usize, u32, i32)> = Vec::new();
        let mut started: Vec<PhaseName> = Vec::new();
        for r in records {
            match r {
                Record::Header(_) => {}
                Record::SecretMissing(v) => out.missing_secrets.push(v.clone()),
                Record::MaskingUnchecked => out.masking_unchecked = true,
                Record::PhaseStart(p) => started.push(*p),
                Record::PhaseEnd(p, ok) => out.phases.push((
                    *p,
                    if *ok {
                        PhaseStatus::Succeeded
                    } else {
                        PhaseStatus::Failed
                    },
                )),
                Record::PhaseSkipped(p) => out.phases.push((*p, PhaseStatus::Skipped)),
                Record::Runtime { name, found } => {
                    let Some(rt) = spec
                        .phases
                        .iter()
                        .flat_map(|p| &p.runtime_versions)
                        .find(|rt| rt.name.value == *name)
                    else {
                        continue;
                    };
                    let matches = found
                        .as_deref()
                        .and_then(|f| version_matches(&rt.version, f));
                    out.runtimes.push(RuntimeCheck {
                        runtime: rt.clone(),
                        found: found.clone(),
                        matches,
                    });
                }
                Record::StepStart(..) => {}
                Record::LineFailed {
                    phase,
                    section,
                    index,
                    line,
                    status,
                } => lines.push((*phase, *section, *index, *line, *status)),
                Record::StepEnd(p, s, i, code) => {
                    let Some(cmd) = command(*p, *s, *i) else {
                        continue;
                    };
                    let failed: Vec<(u32, i32)> = lines
                        .iter()
                        .filter(|(lp, ls, li, _, _)| (lp, ls, li) == (p, s, i))
                        .map(|(_, _, _, l, c)| (*l, *c))
                        .collect();
                    if *code != 0 {
                        out.failures.push(CommandFailure {
                            phase: *p,
                            section: *s,
                            index: *i,
                            command: cmd.text.clone(),
                            at: cmd.at,
                            exit_code: *code,
                            failed_lines: failed,
                        });
                    } else if !failed.is_empty() {
                        let text_lines: Vec<&str> = cmd.text.lines().collect();
                        out.masked.push(MaskedFailure {
                            phase: *p,
                            section: *s,
                            index: *i,
                            command: cmd.text.clone(),
                            at: cmd.at,
                            lines: failed
                                .iter()
                                .map(|(l, c)| {
                                    let text = text_lines
                                        .get((*l as usize).saturating_sub(1))
                                        .copied()
                                        .unwrap_or("");
                                    (*l, text.to_owned(), *c)
                                })
                                .collect(),
                        });
                    }
                    lines.retain(|(lp, ls, li, _, _)| (lp, ls, li) != (p, s, i));
                }
                Record::Exported(n, v) => out.exported.push((n.clone(), v.clone())),
                Record::Resolved(i, v) => out.resolved.push((*i, v.clone())),
                Record::BuildEnd {
                    succeeded,
                    upload_artifacts,
                } => {
                    out.finished = true;
                    out.succeeded = *succeeded;
                    out.upload_artifacts = *upload_artifacts;
                }
            }
        }
        for p in started {
            if !out.phases.iter().any(|(q, _)| *q == p) {
                out.phases.push((p, PhaseStatus::Interrupted));
            }
        }
        out
    }
}

impl fmt::Display for Outcome {
    /// A summary for people: result, failed commands, masked failures.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let result = match (self.finished, self.succeeded) {
            (false, _) => "interrupted",
            (true, true) => "succeeded",
            (true, false) => "failed",
        };
        write!(f, "build {result}")?;
        for s in &self.missing_secrets {
            write!(f, "\nsecret {s} was not provided")?;
        }
        for c in &self.runtimes {
            match &c.found {
                None => write!(
                    f,
                    "\nruntime {} {}: not on this machine",
                    c.runtime.name.value, c.runtime.version.value
                )?,
                Some(v) if c.matches == Some(false) => write!(
                    f,
                    "\nruntime {} {}: this machine has {v}",
                    c.runtime.name.value, c.runtime.version.value
                )?,
                Some(_) => {}
            }
        }
        for c in &self.failures {
            write!(f, "\n{c}")?;
        }
        for m in &self.masked {
            write!(f, "\nwarning: {m}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let text = "kiln-codebuild 1\nphase-start build\nruntime nodejs found x763138\n\
                    runtime go missing\nstep-end build commands 2 127\n\
                    line-failed build finally 0 3 1\nexported A x\nexported B -\nresolved 0 x6869\n\
                    build-end FAILED upload\n";
        let r = parse_records(text).expect("records");
        assert_eq!(r[0], Record::Header(1));
        assert_eq!(
            r[2],
            Record::Runtime {
                name: "nodejs".into(),
                found: Some("v18".into())
            }
        );
        assert_eq!(
            r[4],
            Record::StepEnd(PhaseName::Build, Section::Commands, 2, 127)
        );
        assert_eq!(r[6], Record::Exported("A".into(), Some(String::new())));
        assert_eq!(r[7], Record::Exported("B".into(), None));
        assert_eq!(r[8], Record::Resolved(0, "hi".into()));
        assert!(parse_records("step-end build nope 1 1").is_err());
        assert!(parse_records("phase-end build SUCCEEDED extra").is_err());
    }

    #[test]
    fn versions() {
        assert_eq!(version_matches("14", "v14.21.3"), Some(true));
        assert_eq!(version_matches("14", "v18.19.0"), Some(false));
        assert_eq!(version_matches("3.10", "Python 3.10.12"), Some(true));
        assert_eq!(version_matches("3.1", "Python 3.10.12"), Some(false));
        assert_eq!(
            version_matches("corretto17", "openjdk version \"17.0.8\" 2023-07-18"),
            Some(true)
        );
        assert_eq!(
            version_matches("corretto8", "openjdk version \"1.8.0_382\""),
            Some(true)
        );
        assert_eq!(version_matches("latest", "anything"), Some(true));
        assert_eq!(
            version_matches("1.14", "go version go1.14.2 linux/amd64"),
            Some(true)
        );
    }
}
