//! The commands that read the run history: `runs`, `show`, `logs`,
//! `artifacts` and `metrics`. Text for people on stdout; `--json` prints
//! the run store's own types, whose field names are kept stable. `runs`,
//! `show`, `logs` and `metrics` read a data directory or, with
//! `--server`, a kiln server's API: one set of commands for both.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use super::ArtifactsCommand;
use super::output::{CYAN, DIM, GREEN, RED, YELLOW, duration, reports_line};
use kiln::model::plain_text::one_line;
use kiln::model::run::{ActionDetail, RunDetail, RunSummary};
use kiln::model::status::Status;
use kiln::store::artifacts::LocalArtifactStore;
use kiln::store::history::RunStore;
use kiln::store::history::metrics::{Figure, PipelineMetrics};

use super::remote::Remote;

/// Where a history command reads.
pub enum Source<'a> {
    /// The run store of the local data directory.
    Local(&'a RunStore),
    /// A kiln server's `/api/v1`.
    Remote(Remote),
}

impl Source<'_> {
    async fn list_runs(&self, pipeline: Option<&str>, limit: usize) -> Result<Vec<RunSummary>> {
        match self {
            Source::Local(store) => Ok(store.list_runs(pipeline, limit)?),
            Source::Remote(remote) => {
                #[derive(serde::Deserialize)]
                struct Page {
                    runs: Vec<RunSummary>,
                }
                let mut query = vec![("limit", limit.to_string())];
                if let Some(pipeline) = pipeline {
                    query.push(("pipeline", pipeline.to_owned()));
                }
                Ok(remote.get::<Page>(&["runs"], &query).await?.runs)
            }
        }
    }

    async fn show(&self, reference: &str) -> Result<RunDetail> {
        match self {
            Source::Local(store) => Ok(store.show(&store.resolve(reference)?)?),
            Source::Remote(remote) => remote.get(&["runs", reference], &[]).await,
        }
    }

    async fn metrics(
        &self,
        pipeline: Option<&str>,
        window: Duration,
    ) -> Result<Vec<PipelineMetrics>> {
        match self {
            Source::Local(store) => Ok(store.metrics(pipeline, window)?),
            Source::Remote(remote) => {
                let mut query = vec![("window", format!("{}s", window.as_secs()))];
                if let Some(pipeline) = pipeline {
                    query.push(("pipeline", pipeline.to_owned()));
                }
                remote.get(&["metrics"], &query).await
            }
        }
    }

    /// The text of one attempt's log after `offset` (up to its last
    /// complete line while it may grow); advances `offset`.
    async fn log_after(
        &self,
        run_id: &str,
        log: &ChosenLog,
        offset: &mut u64,
        growing: bool,
    ) -> Result<String> {
        match self {
            Source::Local(_) => read_from(&log.path, offset, growing),
            Source::Remote(remote) => {
                let attempt = log.attempt.to_string();
                let path = [
                    "runs",
                    run_id,
                    "actions",
                    &log.action,
                    "attempts",
                    &attempt,
                    "log",
                ];
                let text = match remote.get_text(&path).await {
                    Ok(text) => text,
                    // Not written yet: the attempt has only just started.
                    Err(_) if growing => String::new(),
                    Err(error) => return Err(error),
                };
                Ok(take_after(text.as_bytes(), offset, growing))
            }
        }
    }
}

fn print_json(value: &impl Serialize) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(ExitCode::SUCCESS)
}

fn status_style(status: Status) -> anstyle::Style {
    match status {
        Status::Succeeded => GREEN,
        Status::Failed | Status::Interrupted => RED,
        Status::Skipped | Status::Cancelled => YELLOW,
        Status::Running | Status::Pending => CYAN,
        Status::Waiting => YELLOW,
    }
}

fn ms_text(ms: Option<u64>) -> String {
    ms.map_or_else(|| "-".into(), |ms| duration(Duration::from_millis(ms)))
}

pub async fn runs(
    source: &Source<'_>,
    pipeline: Option<&str>,
    limit: usize,
    json: bool,
) -> Result<ExitCode> {
    let runs = source.list_runs(pipeline, limit).await?;
    if json {
        return print_json(&runs);
    }
    let mut out = anstream::stdout().lock();
    if runs.is_empty() {
        writeln!(out, "no runs yet: `kiln run` starts one")?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "{DIM}{:<12}  {:<16} {:<11} {:>8}  {:<8} {:<20} {:<12} REF{DIM:#}",
        "RUN", "PIPELINE", "STATUS", "DURATION", "TRIGGER", "STARTED", "COMMIT"
    )?;
    for run in runs {
        let style = status_style(run.status);
        writeln!(
            out,
            "{:<12}  {:<16} {style}{:<11}{style:#} {:>8}  {:<8} {:<20} {:<12} {}",
            &run.id[..12.min(run.id.len())],
            run.pipeline,
            run.status.as_str(),
            ms_text(run.duration_ms),
            run.trigger,
            run.started_at
                .get(..19)
                .unwrap_or(&run.started_at)
                .replace('T', " "),
            run.commit.as_deref().map_or("-", |c| &c[..12.min(c.len())]),
            ref_text(&run),
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A run's ref, short (`main`, `v1.0`), with its project when it has one.
fn ref_text(run: &kiln::model::run::RunSummary) -> String {
    let short = run.git_ref.as_deref().map(|r| {
        r.strip_prefix("refs/heads/")
            .or_else(|| r.strip_prefix("refs/tags/"))
            .unwrap_or(r)
    });
    match (&run.project, short) {
        (Some(project), Some(short)) => format!("{project}:{short}"),
        (Some(project), None) => project.clone(),
        (None, Some(short)) => short.to_owned(),
        (None, None) => "-".to_owned(),
    }
}

pub async fn show(source: &Source<'_>, reference: &str, json: bool) -> Result<ExitCode> {
    let run = source.show(reference).await?;
    if json {
        return print_json(&run);
    }
    let mut out = anstream::stdout().lock();
    let summary = &run.summary;
    let style = status_style(summary.status);
    writeln!(
        out,
        "run {} of {}: {style}{}{style:#} in {}",
        summary.id,
        summary.pipeline,
        summary.status,
        ms_text(summary.duration_ms)
    )?;
    let mut facts = vec![
        format!("started {}", summary.started_at),
        format!("trigger {}", summary.trigger),
    ];
    if let Some(commit) = &summary.commit {
        facts.push(format!("commit {}", &commit[..12.min(commit.len())]));
    }
    if let Some(git_ref) = &summary.git_ref {
        facts.push(format!("ref {git_ref}"));
    }
    if let Some(project) = &summary.project {
        facts.push(format!("project {project}"));
    }
    if let Some(delivery) = &summary.delivery {
        facts.push(format!("delivery {delivery}"));
    }
    if summary.resumes > 0 {
        facts.push(format!("resumed {} time(s)", summary.resumes));
    }
    writeln!(out, "{DIM}{}{DIM:#}", facts.join(", "))?;
    writeln!(out, "{DIM}file {}{DIM:#}", run.file.display())?;
    if let Some(error) = &summary.error {
        for line in error.lines() {
            writeln!(out, "{RED}error{RED:#}: {line}")?;
        }
    }
    for stage in &run.stages {
        let style = status_style(stage.status);
        let deploy = if stage.deploy { " (deploy)" } else { "" };
        writeln!(
            out,
            "\n{CYAN}{}{CYAN:#}{deploy}: {style}{}{style:#}",
            stage.name, stage.status
        )?;
        for action in &stage.actions {
            show_action(&mut out, action)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show_action(out: &mut impl Write, action: &ActionDetail) -> Result<()> {
    let style = status_style(action.status);
    let mut notes = vec![ms_text(action.duration_ms)];
    if action.attempts > 1 {
        notes.push(format!("{} attempts", action.attempts));
    }
    if action.cached {
        notes.push("cached".into());
    }
    // What the plugin said, on one plain line: stored plain, but a run
    // recorded by an older kiln may not be.
    let text = one_line(&match action.status {
        Status::Failed => action.error.clone().unwrap_or_default(),
        _ => action.summary.clone().unwrap_or_default(),
    });
    writeln!(
        out,
        "  {style}{:<11}{style:#} {} ({}) {text}",
        action.status.as_str(),
        action.name,
        notes.join(", ")
    )?;
    for artifact in &action.outputs {
        writeln!(
            out,
            "{:>14}{DIM}artifact{DIM:#} {} {} ({} files, {})",
            "",
            artifact.name,
            artifact.digest,
            artifact.files,
            bytesize::ByteSize(artifact.bytes)
        )?;
    }
    for (name, value) in &action.exports {
        writeln!(
            out,
            "{:>14}{DIM}export{DIM:#} {name}={}",
            "",
            one_line(value)
        )?;
    }
    if let Some(approval) = &action.approval {
        writeln!(out, "{:>14}{DIM}{}{DIM:#}", "", approval_line(approval))?;
    }
    if let Some(line) = reports_line(&action.reports) {
        writeln!(out, "{:>14}{line}", "")?;
        for failure in action.reports.iter().flat_map(|r| &r.failures) {
            writeln!(
                out,
                "{:>14}{RED}✗{RED:#} {}: {}",
                "",
                one_line(&failure.name),
                one_line(&failure.message)
            )?;
        }
    }
    Ok(())
}

/// Who may decide an approval, and who did, when and why.
fn approval_line(approval: &kiln::model::approval::ApprovalRecord) -> String {
    let who = if approval.approvers.is_empty() {
        "anyone".to_owned()
    } else {
        approval.approvers.join(", ")
    };
    match (&approval.decision, &approval.decided_by) {
        (Some(decision), Some(by)) => {
            let comment = approval
                .comment
                .as_deref()
                .map(|c| format!(": {}", one_line(c)))
                .unwrap_or_default();
            format!(
                "{decision} by {} at {}{comment}",
                one_line(by),
                approval.decided_at.as_deref().unwrap_or("?")
            )
        }
        _ => format!(
            "approvers: {who}; no decision (deadline {})",
            approval.deadline
        ),
    }
}

/// One log line, for `--json`.
#[derive(Serialize)]
struct LogLine<'a> {
    action: &'a str,
    attempt: u32,
    time: &'a str,
    level: &'a str,
    message: &'a str,
}

/// Print a log's new complete lines; returns how far it has read.
fn print_lines(
    out: &mut impl Write,
    text: &str,
    action: &str,
    attempt: u32,
    prefix: bool,
    json: bool,
) -> Result<()> {
    for line in text.lines() {
        // Logs are stored plain; one written by an older kiln may not be.
        let line = kiln::model::plain_text::clean(line);
        let line = line.as_ref();
        if json {
            // `<time> <LEVEL> <message>`, as the log capability writes it.
            let mut parts = line.splitn(3, ' ');
            let time = parts.next().unwrap_or("");
            let level = parts.next().unwrap_or("");
            let message = parts.next().unwrap_or("").trim_start();
            serde_json::to_writer(
                &mut *out,
                &LogLine {
                    action,
                    attempt,
                    time,
                    level,
                    message,
                },
            )?;
            writeln!(out)?;
        } else if prefix {
            writeln!(out, "{action:>12} {DIM}|{DIM:#} {line}")?;
        } else {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// One attempt's log that `kiln logs` prints.
struct ChosenLog {
    action: String,
    attempt: u32,
    /// Where a local history keeps it.
    path: PathBuf,
}

/// The logs `kiln logs` prints: per action, the chosen attempts'.
fn chosen_logs(
    run: &RunDetail,
    action: Option<&str>,
    attempt: Option<u32>,
) -> Result<Vec<ChosenLog>> {
    let chosen = |action: &ActionDetail, attempt: u32, path: &PathBuf| ChosenLog {
        action: action.name.clone(),
        attempt,
        path: path.clone(),
    };
    let mut logs = Vec::new();
    let actions: Vec<&ActionDetail> = run.stages.iter().flat_map(|s| &s.actions).collect();
    if let Some(name) = action
        && !actions.iter().any(|a| a.name == name)
    {
        let known: Vec<&str> = actions.iter().map(|a| a.name.as_str()).collect();
        bail!(
            "run {} has no action `{name}` (it has {})",
            run.summary.id,
            known.join(", ")
        );
    }
    for detail in actions {
        if action.is_some_and(|name| name != detail.name) {
            continue;
        }
        match (action, attempt) {
            // One action: its chosen attempt, else its last.
            (Some(_), Some(number)) => {
                let Some(found) = detail.history.iter().find(|a| a.number == number) else {
                    bail!(
                        "action `{}` of run {} has no attempt {number} (it made {})",
                        detail.name,
                        run.summary.id,
                        detail.history.len()
                    );
                };
                logs.push(chosen(detail, number, &found.log));
            }
            (Some(_), None) => {
                if let Some(last) = detail.history.last() {
                    logs.push(chosen(detail, last.number, &last.log));
                }
            }
            // Every action: every attempt, in order.
            (None, _) => {
                for attempt in &detail.history {
                    logs.push(chosen(detail, attempt.number, &attempt.log));
                }
            }
        }
    }
    Ok(logs)
}

pub async fn logs(
    source: &Source<'_>,
    reference: &str,
    action: Option<&str>,
    attempt: Option<u32>,
    follow: bool,
    json: bool,
) -> Result<ExitCode> {
    // The run first, each pass: lines written before the run ended are all
    // stored when it reads as ended, so the last pass misses none.
    let mut run = source.show(reference).await?;
    let id = run.summary.id.clone();
    let prefix = action.is_none();
    // How far each attempt's log has been printed.
    let mut offsets: std::collections::HashMap<(String, u32), u64> = Default::default();
    loop {
        let finished = run.summary.status.is_final();
        for log in chosen_logs(&run, action, attempt)? {
            let offset = offsets
                .entry((log.action.clone(), log.attempt))
                .or_insert(0);
            let text = source
                .log_after(&id, &log, offset, follow && !finished)
                .await?;
            let mut out = anstream::stdout().lock();
            print_lines(&mut out, &text, &log.action, log.attempt, prefix, json)?;
            out.flush()?;
        }
        if !follow || finished {
            return Ok(ExitCode::SUCCESS);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        run = source.show(&id).await?;
    }
}

/// The text of `path` after `offset`; when the file may still grow, only
/// up to its last complete line. Advances `offset`.
fn read_from(path: &Path, offset: &mut u64, growing: bool) -> Result<String> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(String::new()),
        Err(error) => return Err(error).with_context(|| format!("reading {}", path.display())),
    };
    file.seek(SeekFrom::Start(*offset))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let mut taken = 0;
    let text = take_after(&bytes, &mut taken, growing);
    *offset += taken;
    Ok(text)
}

/// The text of `bytes` after `offset`; while it may grow, only up to its
/// last complete line. Advances `offset`.
fn take_after(bytes: &[u8], offset: &mut u64, growing: bool) -> String {
    let rest = bytes.get(*offset as usize..).unwrap_or_default();
    let usable = if growing {
        rest.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
    } else {
        rest.len()
    };
    *offset += usable as u64;
    String::from_utf8_lossy(&rest[..usable]).into_owned()
}

pub fn artifacts(
    store: &RunStore,
    artifacts: &LocalArtifactStore,
    command: ArtifactsCommand,
) -> Result<ExitCode> {
    match command {
        ArtifactsCommand::Ls { run, json } => {
            let run = store.show(&store.resolve(&run)?)?;
            let list: Vec<_> = run
                .stages
                .iter()
                .flat_map(|s| &s.actions)
                .flat_map(|a| a.outputs.iter().map(move |o| (a.name.as_str(), o)))
                .collect();
            if json {
                #[derive(Serialize)]
                struct Listed<'a> {
                    action: &'a str,
                    #[serde(flatten)]
                    artifact: &'a kiln::model::artifact::ArtifactRecord,
                }
                let listed: Vec<Listed> = list
                    .iter()
                    .map(|(action, artifact)| Listed { action, artifact })
                    .collect();
                return print_json(&listed);
            }
            let mut out = anstream::stdout().lock();
            if list.is_empty() {
                writeln!(out, "run {} stored no artifacts", run.summary.id)?;
            }
            for (action, artifact) in list {
                writeln!(
                    out,
                    "{:<16} {}  {:>5} files {:>10}  {DIM}from {action}{DIM:#}",
                    artifact.name,
                    artifact.digest,
                    artifact.files,
                    bytesize::ByteSize(artifact.bytes).to_string()
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        ArtifactsCommand::Get {
            run,
            name,
            dir,
            json,
        } => {
            let id = store.resolve(&run)?;
            let artifact = store.artifact(&id, &name)?;
            if dir.exists()
                && std::fs::read_dir(&dir)
                    .with_context(|| format!("reading {}", dir.display()))?
                    .next()
                    .is_some()
            {
                bail!(
                    "{} exists and is not empty; kiln writes artifacts only into a new or empty directory",
                    dir.display()
                );
            }
            let manifest = artifacts
                .export(&artifact.digest, &dir)
                .with_context(|| format!("artifact `{name}` of run {id}"))?;
            if json {
                #[derive(Serialize)]
                struct Got<'a> {
                    #[serde(flatten)]
                    artifact: &'a kiln::model::artifact::ArtifactRecord,
                    path: &'a Path,
                }
                return print_json(&Got {
                    artifact: &artifact,
                    path: &dir,
                });
            }
            super::output::status(
                GREEN,
                "Wrote",
                &format!(
                    "{name} {} ({} files, verified) to {}",
                    artifact.digest,
                    manifest.file_count(),
                    dir.display()
                ),
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub async fn metrics(
    source: &Source<'_>,
    pipeline: Option<&str>,
    window: Duration,
    json: bool,
) -> Result<ExitCode> {
    let metrics = source.metrics(pipeline, window).await?;
    if json {
        return print_json(&metrics);
    }
    let mut out = anstream::stdout().lock();
    if metrics.is_empty() {
        writeln!(
            out,
            "no runs in the last {}",
            humantime::format_duration(window)
        )?;
    }
    for m in metrics {
        writeln!(
            out,
            "{CYAN}{}{CYAN:#}: {} deployments ({} failed) in the last {}",
            m.pipeline,
            m.deployments,
            m.failed_deployments,
            humantime::format_duration(window)
        )?;
        for (label, figure) in [
            ("deployment frequency", &m.deployment_frequency),
            ("lead time for changes", &m.lead_time),
            ("change failure rate", &m.change_failure_rate),
            ("time to restore", &m.time_to_restore),
        ] {
            writeln!(out, "  {label:<22} {}", figure_text(figure))?;
        }
        if let Some(since) = &m.failing_since {
            writeln!(out, "  {RED}failing since {since}{RED:#}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn figure_text(figure: &Figure) -> String {
    match figure.level.as_deref() {
        Some(level) => {
            let style = match level {
                "elite" | "high" => GREEN,
                "medium" => YELLOW,
                _ => RED,
            };
            format!("{}  {style}{level}{style:#}", figure.text)
        }
        None => format!("{DIM}{}{DIM:#}", figure.text),
    }
}
