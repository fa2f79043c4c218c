//! The buildspec model: what [`crate::parse`] returns.

use std::fmt;

use crate::diag::{Diagnostic, Located, Pos};

/// A parsed and checked buildspec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buildspec {
    /// The file name given to [`crate::parse`], used in messages.
    pub file: String,
    /// `version`: 0.1 or 0.2.
    pub version: Located<Version>,
    /// `env`.
    pub env: Env,
    /// `phases`, in the order CodeBuild runs them (install, pre_build,
    /// build, post_build), whatever their order in the file. Phases the
    /// file does not name are absent.
    pub phases: Vec<Phase>,
    /// `reports`, in file order.
    pub reports: Vec<Report>,
    /// `artifacts`, if given.
    pub artifacts: Option<Artifacts>,
    /// `cache`, if given.
    pub cache: Option<Cache>,
    /// What the file asks for that kiln does not honour as CodeBuild
    /// would (`batch`, `proxy`, ...): each must be shown to the user.
    pub warnings: Vec<Diagnostic>,
}

/// `version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// 0.1: every command runs in a fresh shell started in the source
    /// directory; nothing carries from one command to the next.
    V0_1,
    /// 0.2: the state of the shell (variables, working directory) carries
    /// from one command to the next, across phases.
    V0_2,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Version::V0_1 => "0.1",
            Version::V0_2 => "0.2",
        })
    }
}

/// `env.shell`: the shell every command runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Shell {
    /// `/bin/sh`, CodeBuild's default on Linux.
    #[default]
    Sh,
    /// `bash`.
    Bash,
}

impl Shell {
    /// The program that runs commands: `/bin/sh` or `bash`.
    pub fn program(self) -> &'static str {
        match self {
            Shell::Sh => "/bin/sh",
            Shell::Bash => "bash",
        }
    }
}

/// `env`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Env {
    /// `env.shell` (default `/bin/sh`).
    pub shell: Shell,
    /// `env.variables`, in file order: names and literal values (CodeBuild
    /// does not expand `$X` in them).
    pub variables: Vec<(Located<String>, Located<String>)>,
    /// `env.parameter-store` and `env.secrets-manager`, in file order.
    pub secrets: Vec<Secret>,
    /// `env.exported-variables`.
    pub exported_variables: Vec<Located<String>>,
}

/// Where a secret comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretSource {
    /// `env.parameter-store`: an SSM parameter name (or ARN).
    ParameterStore,
    /// `env.secrets-manager`: `secret-id[:json-key[:version-stage[:version-id]]]`.
    SecretsManager,
}

impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SecretSource::ParameterStore => "parameter-store",
            SecretSource::SecretsManager => "secrets-manager",
        })
    }
}

/// One variable whose value the caller resolves from a secret store.
///
/// The script reads the value from the environment variable named by
/// [`Secret::carrier`] (see [`crate::ScriptOptions::secret_prefix`]) and
/// fails the build before `install` when it is not set, as CodeBuild fails
/// a build whose parameter cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// The variable the commands see.
    pub variable: Located<String>,
    /// The store.
    pub source: SecretSource,
    /// The reference as written: a parameter name, or a Secrets Manager
    /// `secret-id:json-key:version-stage:version-id`. It may contain
    /// `$VARIABLE`s (as corpus file 16 does); resolving them is the
    /// caller's call ([`Secret::has_variables`]).
    pub reference: Located<String>,
}

impl Secret {
    /// Whether the reference contains a `$` (a variable to expand before
    /// looking it up).
    pub fn has_variables(&self) -> bool {
        self.reference.contains('$')
    }

    /// For Secrets Manager, the parts of the reference: secret id, JSON
    /// key, version stage, version id (empty when not given). Secret ids
    /// that are ARNs contain `:` themselves: an ARN's first six fields
    /// (up to the secret name) stay together.
    pub fn secrets_manager_parts(&self) -> Option<[String; 4]> {
        if self.source != SecretSource::SecretsManager {
            return None;
        }
        let r = self.reference.as_str();
        let (id, rest) = if r.starts_with("arn:") {
            let fields: Vec<&str> = r.splitn(8, ':').collect();
            let head = fields.iter().take(7).copied().collect::<Vec<_>>().join(":");
            (head, fields.get(7).copied().unwrap_or(""))
        } else {
            match r.split_once(':') {
                Some((id, rest)) => (id.to_owned(), rest),
                None => (r.to_owned(), ""),
            }
        };
        let mut parts = rest.splitn(3, ':').map(str::to_owned);
        Some([
            id,
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        ])
    }

    /// The environment variable the script reads the value from: the
    /// prefix (its characters other than letters, digits and `_` dropped)
    /// and the variable's name.
    pub fn carrier(&self, prefix: &str) -> String {
        let prefix: String = prefix
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        format!("{prefix}{}", self.variable.value)
    }
}

/// A phase name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PhaseName {
    /// `install`.
    Install,
    /// `pre_build`.
    PreBuild,
    /// `build`.
    Build,
    /// `post_build`.
    PostBuild,
}

impl PhaseName {
    /// Every phase, in the order CodeBuild runs them.
    pub const ALL: [PhaseName; 4] = [
        PhaseName::Install,
        PhaseName::PreBuild,
        PhaseName::Build,
        PhaseName::PostBuild,
    ];

    /// The key in the buildspec: `pre_build`.
    pub fn key(self) -> &'static str {
        match self {
            PhaseName::Install => "install",
            PhaseName::PreBuild => "pre_build",
            PhaseName::Build => "build",
            PhaseName::PostBuild => "post_build",
        }
    }

    /// The name in CodeBuild's logs: `PRE_BUILD`.
    pub fn log_name(self) -> &'static str {
        match self {
            PhaseName::Install => "INSTALL",
            PhaseName::PreBuild => "PRE_BUILD",
            PhaseName::Build => "BUILD",
            PhaseName::PostBuild => "POST_BUILD",
        }
    }

    /// The phase named by a buildspec key.
    pub fn from_key(key: &str) -> Option<PhaseName> {
        PhaseName::ALL.into_iter().find(|p| p.key() == key)
    }
}

impl fmt::Display for PhaseName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// `phases.<phase>.on-failure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OnFailure {
    /// Not given: CodeBuild's phase transitions. A failed install or
    /// pre_build ends the build (no later phase, no artifact upload); a
    /// failed build still runs post_build; a failed post_build still
    /// uploads artifacts.
    #[default]
    Transitions,
    /// `ABORT`: a failure ends the build: no later phase runs and
    /// artifacts are not uploaded, whatever the phase (judgment call: the
    /// reference says only "abort the build"; for `build` this differs
    /// from the default, which runs post_build).
    Abort,
    /// `CONTINUE`: the next phase runs as if this one had succeeded; the
    /// build is still failed (`CODEBUILD_BUILD_SUCCEEDING=0`).
    Continue,
}

/// Which list of a phase a command is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    /// `commands`.
    Commands,
    /// `finally`.
    Finally,
}

impl Section {
    /// The key in the buildspec.
    pub fn key(self) -> &'static str {
        match self {
            Section::Commands => "commands",
            Section::Finally => "finally",
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// One command: the text handed to the shell, as YAML produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The command text, final newlines removed.
    pub text: String,
    /// Where it was written.
    pub at: Pos,
}

impl Command {
    /// Whether the command has several lines (a YAML block scalar, or a
    /// folded scalar with more-indented lines): such a command's exit
    /// status is its last line's, which masks failures of earlier lines.
    pub fn is_multiline(&self) -> bool {
        self.text.contains('\n')
    }
}

/// A language runtime asked for in `phases.install.runtime-versions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runtime {
    /// The runtime name as written (`nodejs`, `python`, `java`...).
    pub name: Located<String>,
    /// The version as written (`14`, `3.10`, `corretto17`, `latest`).
    pub version: Located<String>,
}

impl Runtime {
    /// The command that tells whether the host has this runtime, and its
    /// version (on stdout or stderr).
    pub fn probe(&self) -> &'static str {
        runtime_probe(&self.name).unwrap_or("false")
    }
}

/// The runtimes CodeBuild's Linux images know, with the command that
/// tells the version found on this machine.
pub(crate) const RUNTIMES: [(&str, &str); 9] = [
    ("android", "sdkmanager --version"),
    ("docker", "docker --version"),
    ("dotnet", "dotnet --version"),
    ("golang", "go version"),
    ("java", "java -version"),
    ("nodejs", "node --version"),
    ("php", "php --version"),
    ("python", "python3 --version"),
    ("ruby", "ruby --version"),
];

pub(crate) fn runtime_probe(name: &str) -> Option<&'static str> {
    RUNTIMES.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
}

/// One phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phase {
    /// Which phase.
    pub name: PhaseName,
    /// Where its key is.
    pub at: Pos,
    /// `on-failure`.
    pub on_failure: OnFailure,
    /// `runtime-versions` (install only).
    pub runtime_versions: Vec<Runtime>,
    /// `commands`.
    pub commands: Vec<Command>,
    /// `finally`: runs once the phase started, whether `commands`
    /// succeeded or not.
    pub finally: Vec<Command>,
}

impl Phase {
    /// The commands of a section.
    pub fn section(&self, section: Section) -> &[Command] {
        match section {
            Section::Commands => &self.commands,
            Section::Finally => &self.finally,
        }
    }
}

/// Whether a report holds test results or code coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportKind {
    /// A test report.
    Test,
    /// A code coverage report.
    Coverage,
}

/// `reports.<group>.file-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportFormat {
    /// `CUCUMBERJSON`.
    CucumberJson,
    /// `JUNITXML` (the default).
    JunitXml,
    /// `NUNITXML`.
    NunitXml,
    /// `NUNIT3XML`.
    Nunit3Xml,
    /// `TESTNGXML`.
    TestngXml,
    /// `VISUALSTUDIOTRX`.
    VisualStudioTrx,
    /// `CLOVERXML`.
    CloverXml,
    /// `COBERTURAXML`.
    CoberturaXml,
    /// `JACOCOXML`.
    JacocoXml,
    /// `SIMPLECOV`.
    SimpleCov,
    /// `LCOVINFO`.
    LcovInfo,
}

impl ReportFormat {
    /// Every format, test formats first.
    pub const ALL: [ReportFormat; 11] = [
        ReportFormat::CucumberJson,
        ReportFormat::JunitXml,
        ReportFormat::NunitXml,
        ReportFormat::Nunit3Xml,
        ReportFormat::TestngXml,
        ReportFormat::VisualStudioTrx,
        ReportFormat::CloverXml,
        ReportFormat::CoberturaXml,
        ReportFormat::JacocoXml,
        ReportFormat::SimpleCov,
        ReportFormat::LcovInfo,
    ];

    /// The name in the buildspec.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportFormat::CucumberJson => "CUCUMBERJSON",
            ReportFormat::JunitXml => "JUNITXML",
            ReportFormat::NunitXml => "NUNITXML",
            ReportFormat::Nunit3Xml => "NUNIT3XML",
            ReportFormat::TestngXml => "TESTNGXML",
            ReportFormat::VisualStudioTrx => "VISUALSTUDIOTRX",
            ReportFormat::CloverXml => "CLOVERXML",
            ReportFormat::CoberturaXml => "COBERTURAXML",
            ReportFormat::JacocoXml => "JACOCOXML",
            ReportFormat::SimpleCov => "SIMPLECOV",
            ReportFormat::LcovInfo => "LCOVINFO",
        }
    }

    /// Test or coverage.
    pub fn kind(self) -> ReportKind {
        match self {
            ReportFormat::CucumberJson
            | ReportFormat::JunitXml
            | ReportFormat::NunitXml
            | ReportFormat::Nunit3Xml
            | ReportFormat::TestngXml
            | ReportFormat::VisualStudioTrx => ReportKind::Test,
            _ => ReportKind::Coverage,
        }
    }

    /// The format named (exactly, in capitals) in a buildspec.
    pub fn from_name(name: &str) -> Option<ReportFormat> {
        ReportFormat::ALL.into_iter().find(|f| f.as_str() == name)
    }
}

impl fmt::Display for ReportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Files picked from the build's directory tree: what an artifact, a report
/// group and (with fewer fields) a cache path have in common. See
/// [`select`](mod@crate::select) for the matching rules.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileSet {
    /// `files`: glob patterns relative to the base directory.
    pub files: Vec<Located<String>>,
    /// `base-directory`: relative to the source directory; may be a glob
    /// naming several directories.
    pub base_directory: Option<Located<String>>,
    /// `discard-paths`: keep file names only.
    pub discard_paths: bool,
    /// `exclude-paths`: glob patterns relative to the base directory.
    pub exclude_paths: Vec<Located<String>>,
    /// `enable-symlinks`: keep symbolic links as links instead of the files
    /// they point to.
    pub enable_symlinks: bool,
}

/// One report group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The report group name or ARN (the key under `reports`).
    pub group: Located<String>,
    /// `files`, `base-directory`, `discard-paths`.
    pub files: FileSet,
    /// `file-format` (default `JUNITXML`).
    pub format: ReportFormat,
}

impl Report {
    /// The directory this group's files are collected into: the group's
    /// name (the last part of an ARN), anything but letters, digits, `-`,
    /// `_` and `.` made `_`; never empty, `.` or `..`.
    pub fn dir(&self) -> String {
        report_group_dir(&self.group.value)
    }
}

/// See [`Report::dir`].
pub fn report_group_dir(group: &str) -> String {
    let name = group.rsplit('/').next().unwrap_or(group);
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match name.trim_matches('.') {
        "" => "report".to_owned(),
        _ => name,
    }
}

/// One artifact: the primary one, or a secondary artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// The key under `secondary-artifacts`; `None` for the primary one.
    pub identifier: Option<Located<String>>,
    /// Where the artifact's mapping is.
    pub at: Pos,
    /// `files`, `base-directory`, `discard-paths`, `exclude-paths`,
    /// `enable-symlinks`.
    pub files: FileSet,
    /// `name` (may contain `$VARIABLES` and `$(commands)`, expanded at the
    /// end of the build; see [`crate::Outcome::resolved`]).
    pub name: Option<Located<String>>,
    /// `s3-prefix`.
    pub s3_prefix: Option<Located<String>>,
}

/// `artifacts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifacts {
    /// The primary artifact, when `artifacts.files` is given.
    pub primary: Option<Artifact>,
    /// `secondary-artifacts`, in file order.
    pub secondary: Vec<Artifact>,
}

/// `cache`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cache {
    /// `cache.paths`.
    pub paths: Vec<Located<String>>,
}
