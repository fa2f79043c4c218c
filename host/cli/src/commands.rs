//! One function per subcommand: each opens the [`Host`] it needs (from
//! the flags and the environment, see [`super::environment`]), calls it,
//! and renders what it answers.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use kiln::engine::plugins::registry::RegistryOptions;
use kiln::engine::validate::ValidateError;
use kiln::model::event::EventSink;
use kiln::model::status::Status;
use kiln::{Host, HostError, RunRequest};

use super::environment::{open_host_with, toolchain};
use super::history;
use super::live::LiveView;
use super::output::{self, Printer, Verbosity};
use super::{
    CacheCommand, Cli, Command, EXIT_BAD_INPUT, EXIT_FAILED, PluginCommand, SecretCommand,
};

pub async fn dispatch(cli: Cli) -> Result<ExitCode> {
    let verbosity = cli.verbosity();
    let (data_dir, insecure) = (cli.data_dir.clone(), cli.insecure);
    let open_host = || open_host_with(data_dir.as_deref(), insecure);
    match cli.command {
        Command::Run {
            ref file,
            jobs,
            ref workspace,
            no_cache,
            locked,
            ref resume,
            ref trigger,
            plain,
        } => {
            let host = open_host()?;
            let request = RunRequest {
                file: file.clone(),
                workspace: workspace.clone(),
                resume: resume.clone(),
                trigger: trigger.clone().unwrap_or_else(default_trigger),
                commit: None,
                use_cache: !no_cache,
                registry: RegistryOptions {
                    client: host.config().registry.clone(),
                    update: false,
                    locked,
                },
                jobs,
                approvals: Some(Arc::new(super::approvals::TerminalApprovals {
                    store: kiln::engine::approvals::StoreApprovals::new(Arc::new(
                        host.history().clone(),
                    )),
                    user: super::approvals::current_user(),
                })),
                project: None,
                git_ref: None,
                delivery: None,
            };
            run(&host, request, !plain && live_output_wanted(), verbosity).await
        }
        Command::Runs {
            ref pipeline,
            limit,
            json,
            ref server,
        } => {
            let host = local_host(server, open_host)?;
            let source = history_source(server, host.as_ref())?;
            history::runs(&source, pipeline.as_deref(), limit, json).await
        }
        Command::Show {
            ref run,
            json,
            ref server,
        } => {
            let host = local_host(server, open_host)?;
            let source = history_source(server, host.as_ref())?;
            history::show(&source, run, json).await
        }
        Command::Logs {
            ref run,
            ref action,
            attempt,
            follow,
            json,
            ref server,
        } => {
            let host = local_host(server, open_host)?;
            let source = history_source(server, host.as_ref())?;
            history::logs(&source, run, action.as_deref(), attempt, follow, json).await
        }
        Command::Artifacts(command) => {
            let host = open_host()?;
            history::artifacts(host.history(), host.artifacts(), command)
        }
        Command::Metrics {
            ref pipeline,
            window,
            json,
            ref server,
        } => {
            let host = local_host(server, open_host)?;
            let source = history_source(server, host.as_ref())?;
            history::metrics(&source, pipeline.as_deref(), window, json).await
        }
        Command::Approve {
            pending: true,
            ref server,
            ..
        } => match server.remote()? {
            Some(remote) => super::approvals::pending_remote(&remote).await,
            None => super::approvals::pending(&open_host()?),
        },
        Command::Approve {
            run: Some(ref run),
            action: Some(ref action),
            reject,
            ref comment,
            ref who,
            ref server,
            ..
        } => match server.remote()? {
            Some(remote) => {
                super::approvals::approve_remote(&remote, run, action, !reject, comment.clone())
                    .await
            }
            None => super::approvals::approve(
                &open_host()?,
                run,
                action,
                !reject,
                comment.clone(),
                who.clone(),
            ),
        },
        Command::Approve { .. } => bail!("name the run and the approval action (or --pending)"),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "kiln", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Cache(command) => cache(&open_host()?, command),
        Command::Bench { smoke } => {
            let host = open_host()?;
            let report = kiln::bench::run_bench(kiln::bench::BenchOptions {
                smoke,
                resolver: host.resolver(RegistryOptions::default()),
            })
            .await?;
            println!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate {
            ref file,
            ref workspace,
        } => validate(&open_host()?, file, workspace.as_deref()).await,
        Command::Init { force } => init(force),
        Command::Import {
            ref file,
            ref output,
            force,
        } => import(open_host, file, output.as_deref(), force).await,
        Command::Schema => {
            println!("{}", kiln::pipeline::schema::pipeline_schema_json());
            Ok(ExitCode::SUCCESS)
        }
        Command::Secret(command) => secret(&open_host()?, command),
        Command::Serve { config, listen } => {
            super::serve::serve(data_dir.as_deref(), insecure, config.as_deref(), listen).await
        }
        Command::Trigger {
            ref project,
            ref git_ref,
            ref server,
            ref token,
            json,
        } => {
            super::serve::trigger(server, token.as_deref(), project, git_ref.as_deref(), json).await
        }
        Command::Token(command) => super::serve::token(open_host()?.history(), command),
        Command::Plugin(PluginCommand::Optimize {
            ref cache_dir,
            ref digest,
            ref component,
        }) => optimize(cache_dir, digest, component),
        Command::Plugin(PluginCommand::Inspect { ref plugin, json }) => {
            inspect(&open_host()?, plugin, json).await
        }
        Command::Plugin(
            command @ (PluginCommand::Publish { .. }
            | PluginCommand::Pull { .. }
            | PluginCommand::Ls { .. }
            | PluginCommand::Rm { .. }
            | PluginCommand::Update { .. }
            | PluginCommand::Keygen { .. }
            | PluginCommand::Sign { .. }
            | PluginCommand::Verify { .. }),
        ) => {
            let host = open_host()?;
            super::registry::dispatch(&host, command).await
        }
        Command::Plugin(PluginCommand::New { name, lang, dir }) => {
            let project = kiln::plugin_build::new_project(&name, lang, &dir)?;
            output::status(
                anstyle::AnsiColor::Green.on_default().bold(),
                "Created",
                &format!(
                    "{lang:?} plugin `{name}` in {} (build it with `kiln plugin build {}`)",
                    project.display(),
                    project.display()
                ),
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Plugin(PluginCommand::Build { dir, lang, out }) => {
            let started = std::time::Instant::now();
            let toolchain = toolchain(data_dir.as_deref())?;
            let wasm = tokio::task::spawn_blocking(move || {
                kiln::plugin_build::build(&dir, lang, out.as_deref(), &toolchain)
            })
            .await??;
            let size = std::fs::metadata(&wasm).map(|m| m.len()).unwrap_or(0);
            output::status(
                anstyle::AnsiColor::Green.on_default().bold(),
                "Built",
                &format!(
                    "{} ({}) in {}",
                    wasm.display(),
                    bytesize::ByteSize(size),
                    output::duration(started.elapsed())
                ),
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The live view is for a person at a terminal; CI logs get plain lines.
fn live_output_wanted() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none_or(|ci| ci.is_empty() || ci == "false")
        && std::env::var_os("TERM").is_none_or(|term| term != "dumb")
}

/// `ci` under a CI service (they set `CI`), else `manual`.
fn default_trigger() -> String {
    match std::env::var("CI") {
        Ok(value) if !value.is_empty() && value != "false" => "ci".into(),
        _ => "manual".into(),
    }
}

/// Start the run, show its events as they come, and answer its result.
/// The first Ctrl-C or `SIGTERM` cancels it (running actions are stopped,
/// their programs killed, the run recorded `cancelled`); a second ends
/// kiln at once.
async fn run(
    host: &Host,
    request: RunRequest,
    live: bool,
    verbosity: Verbosity,
) -> Result<ExitCode> {
    let file = request.file.clone();
    let mut handle = match host.start_run(request).await {
        Ok(handle) => handle,
        Err(HostError::Validate(ValidateError::Invalid(diagnostics))) => {
            print_diagnostics(&diagnostics, &file);
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
        Err(error) => return Err(error.into()),
    };
    let view: Arc<dyn EventSink> = if live {
        Arc::new(LiveView::new(verbosity, host.history().clone()))
    } else {
        Arc::new(Printer::new(verbosity, host.history().clone()))
    };
    let mut events = handle.events().expect("a new run's events are there");
    let show = tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            view.event(&event);
        }
    });
    let signals = tokio::spawn(cancel_on_signals(handle.canceller()));
    let report = handle.wait().await.context("running the pipeline")?;
    signals.abort();
    let _ = show.await;
    Ok(match report.status {
        Status::Succeeded => ExitCode::SUCCESS,
        Status::Cancelled => ExitCode::from(130),
        _ => ExitCode::from(EXIT_FAILED),
    })
}

/// Cancel on the first SIGINT or SIGTERM; exit on the second.
async fn cancel_on_signals(cancel: tokio_util::sync::CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return;
    };
    for signals in 0.. {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        if signals > 0 {
            output::error(&anyhow::anyhow!("interrupted again: stopping at once"));
            std::process::exit(130);
        }
        output::status(
            output::YELLOW,
            "Cancelling",
            "the run (its actions are stopped; interrupt again to quit at once)",
        );
        cancel.cancel();
    }
}

fn print_diagnostics(diagnostics: &kiln::pipeline::Diagnostics, file: &Path) {
    let mut err = anstream::stderr().lock();
    for diagnostic in diagnostics.iter() {
        use std::io::Write;
        let red = anstyle::AnsiColor::Red.on_default().bold();
        let _ = writeln!(err, "{red}error{red:#}: {diagnostic}");
    }
    let _ = std::io::Write::write_fmt(
        &mut err,
        format_args!("{} problem(s) in {}\n", diagnostics.len(), file.display()),
    );
}

async fn validate(host: &Host, file: &Path, workspace: Option<&Path>) -> Result<ExitCode> {
    let registry = RegistryOptions {
        client: host.config().registry.clone(),
        ..RegistryOptions::default()
    };
    let plan = match host.validate(file, workspace, registry).await {
        Ok(plan) => plan,
        Err(ValidateError::Invalid(diagnostics)) => {
            print_diagnostics(&diagnostics, file);
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
        Err(error) => return Err(error.into()),
    };
    let actions = plan.actions().count();
    output::status(
        anstyle::AnsiColor::Green.on_default().bold(),
        "Valid",
        &format!(
            "{} ({}): {} stages, {actions} actions",
            plan.name,
            file.display(),
            plan.stages.len()
        ),
    );
    Ok(ExitCode::SUCCESS)
}

fn cache(host: &Host, command: CacheCommand) -> Result<ExitCode> {
    let cache = host.action_cache();
    let green = anstyle::AnsiColor::Green.on_default().bold();
    match command {
        CacheCommand::Ls => {
            let entries = cache.list()?;
            if entries.is_empty() {
                println!("the action cache is empty");
            }
            for entry in entries {
                let outputs: Vec<String> = entry
                    .outputs
                    .iter()
                    .map(|(n, d)| format!("{n}={}", d.short()))
                    .collect();
                println!(
                    "{}  {}/{}  {}  run {}  {}",
                    entry.key.short(),
                    entry.pipeline,
                    entry.action,
                    entry.created_at,
                    entry.run_id,
                    if outputs.is_empty() {
                        "(no outputs)".to_owned()
                    } else {
                        outputs.join(" ")
                    }
                );
            }
        }
        CacheCommand::Rm { prefix, all } => {
            let prefix = if all {
                String::new()
            } else {
                prefix.unwrap_or_default()
            };
            let removed = cache.remove(&prefix)?;
            output::status(green, "Removed", &format!("{removed} cached results"));
        }
        CacheCommand::Gc { older_than } => {
            let removed = cache.gc(older_than, host.artifacts())?;
            output::status(green, "Removed", &format!("{removed} cached results"));
        }
        CacheCommand::Why { action, pipeline } => {
            let pipeline = match pipeline {
                Some(name) => name,
                None => pipeline_name(Path::new("kiln.yaml"))?,
            };
            let history = cache.history(&pipeline, &action);
            match history.as_slice() {
                [] => bail!(
                    "no key was ever computed for action `{action}` of pipeline `{pipeline}` (is it cacheable?)"
                ),
                [_] => println!(
                    "`{action}` has had one key only: it missed because nothing was cached yet"
                ),
                [latest, before, ..] => {
                    let differences = latest.differences(before);
                    println!(
                        "`{action}`: key {} (was {})",
                        latest.key().short(),
                        before.key().short()
                    );
                    for difference in differences {
                        println!("  {difference}");
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The `name:` of a pipeline file, without validating the rest.
fn pipeline_name(file: &Path) -> Result<String> {
    let source =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let parsed = kiln::pipeline::parse(file, &source).map_err(|d| anyhow::anyhow!("{d}"))?;
    Ok(parsed.name.value)
}

fn secret(host: &Host, command: SecretCommand) -> Result<ExitCode> {
    let store = host.secret_store();
    match command {
        SecretCommand::Set { name } => {
            let mut value = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut value)
                .context("reading the secret's value from standard input")?;
            // A value piped with `echo` ends with a newline that is not part of it.
            let value = value.strip_suffix('\n').unwrap_or(&value);
            let value = value.strip_suffix('\r').unwrap_or(value);
            store.set(&name, value)?;
            output::status(
                anstyle::AnsiColor::Green.on_default().bold(),
                "Stored",
                &format!("secret `{name}` in {}", store.dir().display()),
            );
        }
        SecretCommand::Ls => {
            for name in store.list()? {
                println!("{name}");
            }
        }
        SecretCommand::Rm { name } => {
            if !store.remove(&name)? {
                bail!("no secret `{name}` in {}", store.dir().display());
            }
            output::status(
                anstyle::AnsiColor::Green.on_default().bold(),
                "Removed",
                &format!("secret `{name}`"),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

const STARTER: &str = r#"# A kiln pipeline. Validate it with `kiln validate`, run it with `kiln run`.
# Schema: kiln schema > kiln.schema.json
name: starter

stages:
  - name: source
    actions:
      - name: checkout
        uses: checkout          # a first-party plugin
        with:
          ref: HEAD
        outputs: [source]

  - name: package
    actions:
      - name: archive
        uses: archive
        inputs: [source]
        outputs: [package]
        timeout: 5m
        retries: 1
"#;

fn init(force: bool) -> Result<ExitCode> {
    let path = Path::new("kiln.yaml");
    if path.exists() && !force {
        bail!("kiln.yaml already exists; pass --force to overwrite it");
    }
    std::fs::write(path, STARTER).context("writing kiln.yaml")?;
    output::status(
        anstyle::AnsiColor::Green.on_default().bold(),
        "Created",
        "kiln.yaml",
    );
    Ok(ExitCode::SUCCESS)
}

/// `kiln import`: the pipeline that runs a buildspec, written where asked
/// (the workspace is the pipeline's directory) and validated there.
async fn import(
    open_host: impl FnOnce() -> Result<Host>,
    file: &Path,
    output: Option<&Path>,
    force: bool,
) -> Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    if !kiln::codebuild::is_buildspec(&text) {
        bail!(
            "{} is not a CodeBuild buildspec: it has no top-level `version` and `phases`",
            file.display()
        );
    }
    let beside = file.with_file_name("kiln.yaml");
    let target = output.unwrap_or(&beside);
    let stdout = target == Path::new("-");
    let workspace = match target.parent() {
        _ if stdout => None,
        Some(dir) if !dir.as_os_str().is_empty() => Some(dir),
        _ => Some(Path::new(".")),
    };
    let pipeline = match kiln::codebuild::pipeline_for(file, &text, workspace) {
        Ok(pipeline) => pipeline,
        Err(ValidateError::Invalid(diagnostics)) => {
            print_diagnostics(&diagnostics, file);
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
        Err(error) => return Err(error.into()),
    };
    if stdout {
        print!("{pipeline}");
        return Ok(ExitCode::SUCCESS);
    }
    if target.exists() && !force {
        bail!(
            "{} already exists; pass --force to overwrite it, or -o to write elsewhere",
            target.display()
        );
    }
    std::fs::write(target, &pipeline).with_context(|| format!("writing {}", target.display()))?;
    output::status(
        anstyle::AnsiColor::Green.on_default().bold(),
        "Imported",
        &format!("{} into {}", file.display(), target.display()),
    );
    validate(&open_host()?, target, None).await
}

/// `kiln plugin optimize`: Cranelift's code for a component, at a low
/// priority, into the compiled cache.
fn optimize(cache_dir: &Path, digest: &str, component: &Path) -> Result<ExitCode> {
    let digest: kiln::model::digest::Digest = digest
        .parse()
        .map_err(|error| anyhow::anyhow!("digest `{digest}`: {error}"))?;
    kiln::sandbox::tiers::lower_priority();
    let outcome = kiln::sandbox::tiers::optimize_into_cache(cache_dir, &digest, component)
        .map_err(anyhow::Error::msg)?;
    tracing::debug!(?outcome, "optimized {}", component.display());
    Ok(ExitCode::SUCCESS)
}

async fn inspect(host: &Host, plugin: &str, json: bool) -> Result<ExitCode> {
    let runtime = host.runtime();
    let path = super::registry::plugin_path(host, plugin).await?;
    let loaded = runtime.load(&path).await?;
    let (imports, exports) = loaded.world();
    if json {
        let value = serde_json::json!({
            "path": loaded.path,
            "digest": loaded.digest,
            "contract": loaded.contract,
            "provenance": loaded.provenance,
            "tier": loaded.tier,
            "load_ms": loaded.load_time.as_secs_f64() * 1000.0,
            "info": loaded.info,
            "imports": imports,
            "exports": exports,
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(ExitCode::SUCCESS);
    }
    let info = &loaded.info;
    println!(
        "{} {} (contract kiln:plugin@{})",
        info.name,
        info.version,
        loaded.contract.as_str()
    );
    println!("  {}", info.summary);
    println!("file:    {}", loaded.path.display());
    println!("digest:  {}", loaded.digest);
    let how = match loaded.provenance {
        kiln::sandbox::Provenance::Cached => "loaded from the compiled cache",
        kiln::sandbox::Provenance::Recompiled => "recompiled (the cache entry was corrupt)",
        _ => "compiled",
    };
    let compiler = match loaded.tier {
        kiln::sandbox::Tier::Baseline => "baseline code (Winch; Cranelift's comes next)",
        kiln::sandbox::Tier::Optimized => "optimized code (Cranelift)",
    };
    println!(
        "loaded:  {how} in {}, {compiler}",
        output::duration(loaded.load_time)
    );
    println!("parameters:");
    if info.params.is_empty() {
        println!("  (none)");
    }
    for param in &info.params {
        let mut notes = Vec::new();
        if param.required {
            notes.push("required".to_owned());
        }
        if let Some(default) = &param.default {
            notes.push(format!("default {default:?}"));
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" [{}]", notes.join(", "))
        };
        println!("  {}{notes}: {}", param.name, param.description);
    }
    println!("grants:");
    if info.grants.is_empty() {
        println!("  (none beyond the default sandbox)");
    }
    for grant in &info.grants {
        println!("  {grant}");
    }
    println!("imports:");
    for import in &imports {
        println!("  {import}");
    }
    println!("exports:");
    for export in &exports {
        println!("  {export}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The data directory's host, unless `--server` names a server to ask.
fn local_host(
    server: &super::remote::ServerArgs,
    open_host: impl FnOnce() -> Result<Host>,
) -> Result<Option<Host>> {
    match server.server {
        Some(_) => Ok(None),
        None => open_host().map(Some),
    }
}

/// The history a command reads: the server `--server` names, else the
/// run store of `host` (from [`local_host`]).
fn history_source<'a>(
    server: &super::remote::ServerArgs,
    host: Option<&'a Host>,
) -> Result<history::Source<'a>> {
    match (server.remote()?, host) {
        (Some(remote), _) => Ok(history::Source::Remote(remote)),
        (None, Some(host)) => Ok(history::Source::Local(host.history())),
        (None, None) => bail!("no server and no data directory to read"),
    }
}
