//! The server's configuration file (`kiln-server.toml`): where it listens,
//! its data directory, its limits, and its projects with their triggers.
//! Every problem is reported with the file, line, column and field, like a
//! `kiln.yaml` diagnostic:
//!
//! ```text
//! kiln-server.toml:7:17: project[0].poll-interval: `soon` is not a duration (e.g. `60s`, `5m`)
//! ```
//!
//! Webhook secrets are never written in the file: it names an environment
//! variable of the server (`secret-env`) or a secret of kiln's store
//! (`secret`, set with `kiln secret set`), read when the server starts.

use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::cron::Schedule;
use crate::refs::RefPattern;
use crate::triggers::signature::Provider;

/// The default address: this machine only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// How often a project without webhooks is polled.
pub const DEFAULT_POLL: Duration = Duration::from_secs(60);
/// How often a project with webhooks is polled, to catch deliveries that
/// never came (GitHub does not redeliver on its own).
pub const DEFAULT_RECONCILE_POLL: Duration = Duration::from_secs(600);
/// How long running runs may go on after `SIGTERM`.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(30);

/// A configuration problem, with where it is.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}:{line}:{column}: {field}{}{message}", file.display(), if field.is_empty() { "" } else { ": " })]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    /// The field's path, e.g. `project[0].webhook.provider`.
    pub field: String,
    pub message: String,
}

/// The server's configuration, checked.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// The data directory; `None`: the one the command line says.
    pub data_dir: Option<PathBuf>,
    /// At most this many runs at once, over every project.
    pub max_runs: usize,
    /// How long running runs may go on after `SIGTERM` before they are
    /// cancelled.
    pub shutdown_grace: Duration,
    pub projects: Vec<ProjectConfig>,
}

/// One project: a repository, the refs followed, the pipeline, triggers.
#[derive(Debug, Clone)]
pub struct ProjectConfig {
    pub name: String,
    /// A URL, or a local path (made absolute).
    pub repository: String,
    pub branches: Vec<RefPattern>,
    pub tags: Vec<RefPattern>,
    /// The pipeline file, relative to the repository's root.
    pub pipeline: PathBuf,
    /// `None`: not polled.
    pub poll_interval: Option<Duration>,
    pub max_runs: Option<usize>,
    pub webhook: Option<WebhookConfig>,
    pub schedules: Vec<Schedule>,
    pub concurrency: Option<Concurrency>,
}

/// Where a webhook's secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// An environment variable of the server.
    Env(String),
    /// A secret of kiln's store (`kiln secret set NAME`).
    Store(String),
}

#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub provider: Provider,
    pub secret: SecretSource,
}

/// Runs of one group run one at a time.
#[derive(Debug, Clone)]
pub struct Concurrency {
    /// The group's name: `{project}` and `{ref}` are replaced.
    pub group: String,
    /// A newer run of the group cancels the one in progress (else it
    /// waits for it).
    pub cancel_in_progress: bool,
}

impl Concurrency {
    /// The group of a run of `project` for `git_ref`.
    pub fn group_of(&self, project: &str, git_ref: &str) -> String {
        self.group
            .replace("{project}", project)
            .replace("{ref}", git_ref)
    }
}

// --- The file as written -------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    listen: Option<Spanned<String>>,
    data_dir: Option<PathBuf>,
    max_runs: Option<Spanned<usize>>,
    shutdown_grace: Option<Spanned<String>>,
    #[serde(default)]
    project: Vec<RawProject>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawProject {
    name: Spanned<String>,
    repository: Spanned<String>,
    #[serde(default)]
    branches: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    tags: Vec<Spanned<String>>,
    pipeline: Option<Spanned<String>>,
    poll_interval: Option<Spanned<String>>,
    max_runs: Option<Spanned<usize>>,
    webhook: Option<RawWebhook>,
    #[serde(default)]
    schedule: Vec<RawSchedule>,
    concurrency: Option<RawConcurrency>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawWebhook {
    provider: Provider,
    secret_env: Option<Spanned<String>>,
    secret: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSchedule {
    cron: Spanned<String>,
    timezone: Option<Spanned<String>>,
    #[serde(rename = "ref")]
    git_ref: Option<Spanned<String>>,
    #[serde(default)]
    catch_up: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConcurrency {
    group: Spanned<String>,
    #[serde(default)]
    cancel_in_progress: bool,
}

// --- Loading -------------------------------------------------------------

/// Read and check the configuration file at `path`.
pub fn load(path: &Path) -> Result<ServerConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError {
        file: path.to_path_buf(),
        line: 1,
        column: 1,
        field: String::new(),
        message: format!("cannot read it: {error}"),
    })?;
    let base = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parse(path, &text, base)
}

/// Check the configuration `text` of file `file`; relative paths in it are
/// relative to `base`.
pub fn parse(file: &Path, text: &str, base: &Path) -> Result<ServerConfig, ConfigError> {
    let checker = Checker { file, text };
    let deserializer =
        toml::Deserializer::parse(text).map_err(|error| checker.toml_error("", &error))?;
    let raw: RawConfig = serde_path_to_error::deserialize(deserializer).map_err(|error| {
        // A `Spanned` value shows in the path as a private field of its own.
        let field = error
            .path()
            .to_string()
            .replace(".$__serde_spanned_private_value", "");
        let field = if field == "." { String::new() } else { field };
        checker.toml_error(&field, error.inner())
    })?;
    checker.config(raw, base)
}

/// The configuration `kiln serve` uses without a file: the git repository
/// `dir`, its `kiln.yaml`, every branch, polled every minute.
pub fn for_repository(dir: &Path) -> ServerConfig {
    let name = dir
        .file_name()
        .map(|name| sanitize_name(&name.to_string_lossy()))
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "project".to_owned());
    ServerConfig {
        listen: DEFAULT_LISTEN.parse().expect("a valid address"),
        data_dir: None,
        max_runs: default_max_runs(),
        shutdown_grace: DEFAULT_GRACE,
        projects: vec![ProjectConfig {
            name,
            repository: dir.to_string_lossy().into_owned(),
            branches: vec![RefPattern::any()],
            tags: Vec::new(),
            pipeline: PathBuf::from("kiln.yaml"),
            poll_interval: Some(DEFAULT_POLL),
            max_runs: None,
            webhook: None,
            schedules: Vec::new(),
            concurrency: None,
        }],
    }
}

fn default_max_runs() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// A project name usable in a URL: letters, digits, `-`, `_`, `.`.
fn sanitize_name(name: &str) -> String {
    name.chars()
        .map(|c| if valid_name_char(c) { c } else { '-' })
        .collect()
}

fn valid_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// Turns spans into errors with line and column.
struct Checker<'a> {
    file: &'a Path,
    text: &'a str,
}

impl Checker<'_> {
    fn error(&self, span: Range<usize>, field: &str, message: impl Into<String>) -> ConfigError {
        let (line, column) = line_column(self.text, span.start);
        ConfigError {
            file: self.file.to_path_buf(),
            line,
            column,
            field: field.to_owned(),
            message: message.into(),
        }
    }

    fn toml_error(&self, field: &str, error: &toml::de::Error) -> ConfigError {
        self.error(
            error.span().unwrap_or(0..0),
            field,
            error.message().trim_end().to_owned(),
        )
    }

    fn config(&self, raw: RawConfig, base: &Path) -> Result<ServerConfig, ConfigError> {
        let listen = match raw.listen {
            Some(listen) => listen.get_ref().parse().map_err(|_| {
                self.error(
                    listen.span(),
                    "listen",
                    format!(
                        "`{}` is not an address and port (e.g. `127.0.0.1:8080`)",
                        listen.get_ref()
                    ),
                )
            })?,
            None => DEFAULT_LISTEN.parse().expect("a valid address"),
        };
        let max_runs = self.positive(raw.max_runs, "max-runs")?;
        let shutdown_grace = match &raw.shutdown_grace {
            Some(text) => self.duration(text, "shutdown-grace")?,
            None => DEFAULT_GRACE,
        };
        let mut projects: Vec<ProjectConfig> = Vec::new();
        for (index, project) in raw.project.into_iter().enumerate() {
            let span = project.name.span();
            let checked = self.project(index, project, base)?;
            if projects.iter().any(|p| p.name == checked.name) {
                return Err(self.error(
                    span,
                    &format!("project[{index}].name"),
                    format!("a project named `{}` is already configured", checked.name),
                ));
            }
            projects.push(checked);
        }
        if projects.is_empty() {
            return Err(self.error(
                0..0,
                "project",
                "no project is configured: add a [[project]] with a name and a repository",
            ));
        }
        Ok(ServerConfig {
            listen,
            data_dir: raw.data_dir.map(|dir| base.join(dir)),
            max_runs: max_runs.unwrap_or_else(default_max_runs),
            shutdown_grace,
            projects,
        })
    }

    fn project(
        &self,
        index: usize,
        raw: RawProject,
        base: &Path,
    ) -> Result<ProjectConfig, ConfigError> {
        let at = |field: &str| format!("project[{index}].{field}");
        let name = raw.name.get_ref().clone();
        if name.is_empty() || !name.chars().all(valid_name_char) {
            return Err(self.error(
                raw.name.span(),
                &at("name"),
                format!("`{name}` is not a project name: use letters, digits, `-`, `_` and `.`"),
            ));
        }
        let repository = repository_location(raw.repository.get_ref(), base);
        if repository.is_empty() {
            return Err(self.error(raw.repository.span(), &at("repository"), "is empty"));
        }
        let branches = match raw.branches {
            Some(patterns) => self.patterns(&patterns, &at("branches"))?,
            None => vec![RefPattern::any()],
        };
        let tags = self.patterns(&raw.tags, &at("tags"))?;
        let pipeline = match &raw.pipeline {
            Some(path) => self.pipeline_path(path, &at("pipeline"))?,
            None => PathBuf::from("kiln.yaml"),
        };
        let webhook = raw
            .webhook
            .map(|webhook| self.webhook(webhook, &at("webhook")))
            .transpose()?;
        let poll_interval = match &raw.poll_interval {
            Some(text) if text.get_ref() == "off" => None,
            Some(text) => Some(self.duration(text, &at("poll-interval"))?),
            None if webhook.is_some() => Some(DEFAULT_RECONCILE_POLL),
            None => Some(DEFAULT_POLL),
        };
        let mut schedules = Vec::new();
        for (number, schedule) in raw.schedule.into_iter().enumerate() {
            schedules.push(self.schedule(schedule, &at(&format!("schedule[{number}]")))?);
        }
        Ok(ProjectConfig {
            name,
            repository,
            branches,
            tags,
            pipeline,
            poll_interval,
            max_runs: self.positive(raw.max_runs, &at("max-runs"))?,
            webhook,
            schedules,
            concurrency: raw.concurrency.map(|c| Concurrency {
                group: c.group.into_inner(),
                cancel_in_progress: c.cancel_in_progress,
            }),
        })
    }

    fn positive(
        &self,
        value: Option<Spanned<usize>>,
        field: &str,
    ) -> Result<Option<usize>, ConfigError> {
        match value {
            Some(value) if *value.get_ref() == 0 => {
                Err(self.error(value.span(), field, "must be at least 1"))
            }
            value => Ok(value.map(Spanned::into_inner)),
        }
    }

    fn duration(&self, text: &Spanned<String>, field: &str) -> Result<Duration, ConfigError> {
        humantime::parse_duration(text.get_ref()).map_err(|_| {
            self.error(
                text.span(),
                field,
                format!("`{}` is not a duration (e.g. `60s`, `5m`)", text.get_ref()),
            )
        })
    }

    fn patterns(
        &self,
        patterns: &[Spanned<String>],
        field: &str,
    ) -> Result<Vec<RefPattern>, ConfigError> {
        patterns
            .iter()
            .enumerate()
            .map(|(index, pattern)| {
                RefPattern::new(pattern.get_ref())
                    .map_err(|why| self.error(pattern.span(), &format!("{field}[{index}]"), why))
            })
            .collect()
    }

    fn pipeline_path(&self, path: &Spanned<String>, field: &str) -> Result<PathBuf, ConfigError> {
        let relative = PathBuf::from(path.get_ref());
        let inside = relative
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !inside || path.get_ref().is_empty() {
            return Err(self.error(
                path.span(),
                field,
                format!(
                    "`{}` must be a relative path inside the repository",
                    path.get_ref()
                ),
            ));
        }
        Ok(relative)
    }

    fn webhook(&self, raw: RawWebhook, field: &str) -> Result<WebhookConfig, ConfigError> {
        let secret = match (raw.secret_env, raw.secret) {
            (Some(env), None) => SecretSource::Env(env.into_inner()),
            (None, Some(name)) => SecretSource::Store(name.into_inner()),
            (Some(env), Some(_)) => {
                return Err(self.error(
                    env.span(),
                    field,
                    "give either `secret-env` or `secret`, not both",
                ));
            }
            (None, None) => {
                return Err(self.error(
                    0..0,
                    field,
                    "needs `secret-env = \"VARIABLE\"` or `secret = \"NAME\"` (of `kiln secret set`); \
                     a webhook without a secret would run anything anyone posts",
                ));
            }
        };
        Ok(WebhookConfig {
            provider: raw.provider,
            secret,
        })
    }

    fn schedule(&self, raw: RawSchedule, field: &str) -> Result<Schedule, ConfigError> {
        let git_ref = raw
            .git_ref
            .map(Spanned::into_inner)
            .unwrap_or_else(|| "main".to_owned());
        let timezone = raw.timezone.as_ref();
        Schedule::new(
            raw.cron.get_ref(),
            timezone.map(|t| t.get_ref().as_str()),
            &git_ref,
            raw.catch_up,
        )
        .map_err(|error| match error {
            crate::cron::ScheduleError::Cron(why) => {
                self.error(raw.cron.span(), &format!("{field}.cron"), why)
            }
            crate::cron::ScheduleError::TimeZone(why) => self.error(
                timezone.map_or(raw.cron.span(), |t| t.span()),
                &format!("{field}.timezone"),
                why,
            ),
        })
    }
}

/// A URL as it is; a local path made absolute against `base`.
fn repository_location(text: &str, base: &Path) -> String {
    let is_url = text.contains("://") || (text.contains('@') && text.contains(':'));
    if is_url || text.is_empty() {
        return text.to_owned();
    }
    let path = Path::new(text);
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    };
    std::path::absolute(&absolute)
        .unwrap_or(absolute)
        .to_string_lossy()
        .into_owned()
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |last| last.chars().count())
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> String {
        parse(Path::new("kiln-server.toml"), text, Path::new("/srv"))
            .unwrap_err()
            .to_string()
    }

    const MINIMAL: &str = "[[project]]\nname = \"web\"\nrepository = \"repo\"\n";

    #[test]
    fn a_minimal_project_gets_the_defaults() {
        let config = parse(Path::new("k.toml"), MINIMAL, Path::new("/srv")).unwrap();
        assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
        let project = &config.projects[0];
        assert_eq!(project.repository, "/srv/repo");
        assert_eq!(project.pipeline, Path::new("kiln.yaml"));
        assert_eq!(project.poll_interval, Some(DEFAULT_POLL));
        assert!(project.branches[0].matches("release/1.0"));
    }

    #[test]
    fn a_wrong_type_names_the_field_line_and_column() {
        let text = format!("{MINIMAL}max-runs = \"two\"\n");
        assert_eq!(
            error_of(&text),
            "kiln-server.toml:4:12: project[0].max-runs: invalid type: string \"two\", expected usize"
        );
    }

    #[test]
    fn an_unknown_field_is_refused_where_it_is() {
        let error = error_of(&format!("{MINIMAL}pol-interval = \"5m\"\n"));
        assert!(
            error.starts_with(
                "kiln-server.toml:4:1: project[0].pol-interval: unknown field `pol-interval`"
            ),
            "{error}"
        );
    }

    #[test]
    fn a_bad_duration_cron_or_time_zone_points_at_its_value() {
        let error = error_of(&format!("{MINIMAL}poll-interval = \"soon\"\n"));
        assert_eq!(
            error,
            "kiln-server.toml:4:17: project[0].poll-interval: `soon` is not a duration (e.g. `60s`, `5m`)"
        );
        let error = error_of(&format!(
            "{MINIMAL}[[project.schedule]]\ncron = \"61 * * * *\"\n"
        ));
        assert!(
            error.starts_with("kiln-server.toml:5:8: project[0].schedule[0].cron: "),
            "{error}"
        );
        let error = error_of(&format!(
            "{MINIMAL}[[project.schedule]]\ncron = \"0 3 * * *\"\ntimezone = \"Mars/Olympus\"\n"
        ));
        assert!(
            error.starts_with("kiln-server.toml:6:12: project[0].schedule[0].timezone: "),
            "{error}"
        );
    }

    #[test]
    fn a_webhook_needs_a_secret_from_outside_the_file() {
        let error = error_of(&format!(
            "{MINIMAL}[project.webhook]\nprovider = \"github\"\n"
        ));
        assert!(
            error.contains("project[0].webhook: needs `secret-env"),
            "{error}"
        );
        let error = error_of(&format!(
            "{MINIMAL}[project.webhook]\nprovider = \"bitbucket\"\nsecret-env = \"X\"\n"
        ));
        assert!(
            error.starts_with(
                "kiln-server.toml:5:12: project[0].webhook.provider: unknown variant `bitbucket`"
            ),
            "{error}"
        );
    }

    #[test]
    fn syntax_errors_and_duplicate_names_have_positions() {
        assert!(error_of("listen = \n").starts_with("kiln-server.toml:1:10: "));
        let error = error_of(&format!("{MINIMAL}{MINIMAL}"));
        assert_eq!(
            error,
            "kiln-server.toml:5:8: project[1].name: a project named `web` is already configured"
        );
    }
}
