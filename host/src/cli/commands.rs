//! One function per subcommand.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};

use super::history;
use super::live::LiveView;
use super::output::{self, Printer, Verbosity};
use super::{
    CacheCommand, Cli, Command, EXIT_BAD_INPUT, EXIT_FAILED, PluginCommand, SecretCommand,
};
use crate::action_cache::ActionCache;
use crate::artifacts::ArtifactStore;
use crate::capabilities::secrets::{EnvProvider, FileStore, Secrets};
use crate::data_dir::DataDir;
use crate::pipeline::validate::ValidateError;
use crate::plugins::PluginResolver;
use crate::registry::pipeline::RegistryOptions;
use crate::run_store::{RunMeta, RunRecorder, RunStore, Status};
use crate::runtime::Runtime;
use crate::scheduler::{EventSink, FanOut, Resume, Scheduler};

pub async fn dispatch(cli: Cli) -> Result<ExitCode> {
    let verbosity = cli.verbosity();
    match cli.command {
        Command::Run {
            file,
            jobs,
            workspace,
            no_cache,
            locked,
            resume,
            trigger,
            plain,
        } => {
            run(RunArgs {
                data_dir: cli.data_dir.as_deref(),
                file: &file,
                workspace: workspace.as_deref(),
                jobs,
                no_cache,
                resume: resume.as_deref(),
                trigger,
                live: !plain && live_output_wanted(),
                verbosity,
                registry: RegistryOptions {
                    insecure: cli.insecure,
                    update: false,
                    locked,
                },
            })
            .await
        }
        Command::Runs {
            pipeline,
            limit,
            json,
        } => history::runs(
            &open_run_store(cli.data_dir.as_deref())?,
            pipeline.as_deref(),
            limit,
            json,
        ),
        Command::Show { run, json } => {
            history::show(&open_run_store(cli.data_dir.as_deref())?, &run, json)
        }
        Command::Logs {
            run,
            action,
            attempt,
            follow,
            json,
        } => {
            history::logs(
                &open_run_store(cli.data_dir.as_deref())?,
                &run,
                action.as_deref(),
                attempt,
                follow,
                json,
            )
            .await
        }
        Command::Artifacts(command) => {
            let data = open_data_dir(cli.data_dir.as_deref())?;
            let runs = RunStore::open(&data.runs_db(), &data.runs())?;
            history::artifacts(&runs, &ArtifactStore::open(data.artifacts())?, command)
        }
        Command::Metrics {
            pipeline,
            window,
            json,
        } => history::metrics(
            &open_run_store(cli.data_dir.as_deref())?,
            pipeline.as_deref(),
            window,
            json,
        ),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "kiln", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Cache(command) => cache(cli.data_dir.as_deref(), command),
        Command::Bench { smoke } => {
            let data = open_data_dir(cli.data_dir.as_deref())?;
            let report = crate::bench::run_bench(crate::bench::BenchOptions {
                smoke,
                resolver: crate::bench::resolver(&data),
            })
            .await?;
            println!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { file, workspace } => {
            validate(
                cli.data_dir.as_deref(),
                &file,
                workspace.as_deref(),
                cli.insecure,
            )
            .await
        }
        Command::Init { force } => init(force),
        Command::Schema => {
            println!("{}", crate::pipeline::schema::pipeline_schema_json());
            Ok(ExitCode::SUCCESS)
        }
        Command::Secret(command) => secret(cli.data_dir.as_deref(), command),
        Command::Plugin(PluginCommand::Inspect { plugin, json }) => {
            inspect(cli.data_dir.as_deref(), &plugin, json, cli.insecure).await
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
            let data = open_data_dir(cli.data_dir.as_deref())?;
            super::registry::dispatch(&data, cli.insecure, command).await
        }
        Command::Plugin(PluginCommand::New { name, lang, dir }) => {
            let project = crate::plugin_build::new_project(&name, lang, &dir)?;
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
            let wasm = tokio::task::spawn_blocking(move || {
                crate::plugin_build::build(&dir, lang, out.as_deref())
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

pub(super) fn open_run_store(flag: Option<&Path>) -> Result<RunStore> {
    let data = open_data_dir(flag)?;
    Ok(RunStore::open(&data.runs_db(), &data.runs())?)
}

fn open_data_dir(flag: Option<&Path>) -> Result<DataDir> {
    let root = match flag {
        Some(dir) => dir.to_path_buf(),
        None => DataDir::default_location()
            .context("no home directory to put the kiln data directory in; pass --data-dir")?,
    };
    DataDir::open(&root).with_context(|| format!("opening data directory {}", root.display()))
}

/// Validate and print diagnostics; `None` when the pipeline is invalid.
async fn load_plan(
    file: &Path,
    workspace: Option<&Path>,
    runtime: &Runtime,
    resolver: &PluginResolver,
) -> Result<Option<crate::pipeline::Plan>> {
    match crate::pipeline::load_and_validate(file, workspace, runtime, resolver).await {
        Ok(plan) => Ok(Some(plan)),
        Err(ValidateError::Invalid(diagnostics)) => {
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
            Ok(None)
        }
        Err(error) => Err(error.into()),
    }
}

struct RunArgs<'a> {
    data_dir: Option<&'a Path>,
    file: &'a Path,
    workspace: Option<&'a Path>,
    jobs: Option<usize>,
    no_cache: bool,
    resume: Option<&'a str>,
    trigger: Option<String>,
    live: bool,
    verbosity: Verbosity,
    registry: RegistryOptions,
}

async fn run(args: RunArgs<'_>) -> Result<ExitCode> {
    let data = open_data_dir(args.data_dir)?;
    let runs = RunStore::open(&data.runs_db(), &data.runs())?;
    let runtime = Arc::new(
        Runtime::with_compiled_cache(data.compiled()).map_err(|e| anyhow::anyhow!("{e:#}"))?,
    );
    let resolver = PluginResolver::new(&data).with_registry_options(args.registry);

    // A resume runs the recorded pipeline file in the recorded workspace.
    let earlier = match args.resume {
        Some(reference) => Some(resumable(&runs, reference)?),
        None => None,
    };
    let (file, workspace) = match &earlier {
        Some(run) => (run.file.clone(), Some(run.workspace.clone())),
        None => (
            args.file.to_path_buf(),
            args.workspace.map(Path::to_path_buf),
        ),
    };
    let Some(plan) = load_plan(&file, workspace.as_deref(), &runtime, &resolver).await? else {
        return Ok(ExitCode::from(EXIT_BAD_INPUT));
    };
    // The digest of the text that was validated, not of a second read.
    let file_digest = plan.source_digest.to_string();

    let (recorder, resume) = match &earlier {
        Some(run) => {
            if run.file_digest != file_digest {
                bail!(
                    "{} changed since run {} started; a resume runs the same pipeline (start a new run instead)",
                    file.display(),
                    run.summary.id
                );
            }
            (
                RunRecorder::resume(&runs, &run.summary.id)?,
                Resume::of(run),
            )
        }
        None => {
            let meta = RunMeta {
                file_digest,
                trigger: args.trigger.unwrap_or_else(default_trigger),
                commit: workspace_commit(&plan.workspace),
            };
            let run_id = crate::run_store::new_run_id();
            (
                RunRecorder::begin(&runs, &run_id, &plan, &meta)?,
                Resume::default(),
            )
        }
    };
    let run_id = recorder.run_id().to_owned();
    remove_stale_sandboxes(&runs, &data.work());
    let view: Arc<dyn EventSink> = if args.live {
        Arc::new(LiveView::new(args.verbosity))
    } else {
        Arc::new(Printer::new(args.verbosity))
    };
    // The record is written before the view shows it: what a person
    // sees has been recorded.
    let events = Arc::new(FanOut(vec![Arc::new(recorder), view]));

    let scheduler = Scheduler {
        runtime,
        store: ArtifactStore::open(data.artifacts())?,
        work_root: data.work(),
        runs,
        caches_root: data.caches(),
        jobs: args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
        secrets: Arc::new(secret_providers(&data)),
        cache: Some(ActionCache::open(data.action_cache())?),
        use_cache: !args.no_cache,
    };
    let report = scheduler
        .run(&plan, &run_id, resume, events)
        .await
        .context("running the pipeline")?;
    Ok(if report.status == Status::Succeeded {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    })
}

/// Scratch sandboxes of runs no process is running (a killed kiln leaves
/// its own behind) go before a new run starts.
fn remove_stale_sandboxes(runs: &RunStore, work: &Path) {
    let Ok(entries) = std::fs::read_dir(work) else {
        return;
    };
    for entry in entries.flatten() {
        let id = entry.file_name().to_string_lossy().into_owned();
        if matches!(runs.status(&id), Ok(status) if status != Status::Running) {
            let _ = crate::artifacts::make_writable(&entry.path());
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The recorded run `reference` names, if it can be resumed.
fn resumable(runs: &RunStore, reference: &str) -> Result<crate::run_store::RunDetail> {
    let id = runs.resolve(reference)?;
    let run = runs.show(&id)?;
    match run.summary.status {
        Status::Interrupted | Status::Failed => Ok(run),
        Status::Running => bail!("run {id} is still running in another kiln process"),
        status => bail!("run {id} {status}; only an interrupted or failed run can be resumed"),
    }
}

/// `ci` under a CI service (they set `CI`), else `manual`.
fn default_trigger() -> String {
    match std::env::var("CI") {
        Ok(value) if !value.is_empty() && value != "false" => "ci".into(),
        _ => "manual".into(),
    }
}

/// The workspace's git commit and its committer time, when the workspace
/// is a git repository: lead time for changes is measured from it.
fn workspace_commit(workspace: &Path) -> Option<(String, i64)> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(workspace)
        .args(["log", "-1", "--format=%H %ct"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let (sha, time) = text.trim().split_once(' ')?;
    Some((sha.to_owned(), time.parse().ok()?))
}

async fn validate(
    data_dir: Option<&Path>,
    file: &Path,
    workspace: Option<&Path>,
    insecure: bool,
) -> Result<ExitCode> {
    let data = open_data_dir(data_dir)?;
    let runtime =
        Runtime::with_compiled_cache(data.compiled()).map_err(|e| anyhow::anyhow!("{e:#}"))?;
    let resolver = PluginResolver::new(&data).with_registry_options(RegistryOptions {
        insecure,
        ..RegistryOptions::default()
    });
    let Some(plan) = load_plan(file, workspace, &runtime, &resolver).await? else {
        return Ok(ExitCode::from(EXIT_BAD_INPUT));
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

fn cache(data_dir: Option<&Path>, command: CacheCommand) -> Result<ExitCode> {
    let data = open_data_dir(data_dir)?;
    let cache = ActionCache::open(data.action_cache())?;
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
            let store = ArtifactStore::open(data.artifacts())?;
            let removed = cache.gc(older_than, &store)?;
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
    let parsed = crate::pipeline::parse(file, &source).map_err(|d| anyhow::anyhow!("{d}"))?;
    Ok(parsed.name.value)
}

/// Secrets come from `KILN_SECRET_<NAME>` variables first, then the file
/// store in the data directory.
fn secret_providers(data: &DataDir) -> Secrets {
    Secrets::new(vec![
        Box::new(EnvProvider::default()),
        Box::new(FileStore::new(data.secrets())),
    ])
}

fn secret(data_dir: Option<&Path>, command: SecretCommand) -> Result<ExitCode> {
    let data = open_data_dir(data_dir)?;
    let store = FileStore::new(data.secrets());
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

async fn inspect(
    data_dir: Option<&Path>,
    plugin: &str,
    json: bool,
    insecure: bool,
) -> Result<ExitCode> {
    let data = open_data_dir(data_dir)?;
    let runtime =
        Runtime::with_compiled_cache(data.compiled()).map_err(|e| anyhow::anyhow!("{e:#}"))?;
    let path = super::registry::plugin_path(&data, plugin, insecure).await?;
    let loaded = runtime.load(&path).await?;
    let (imports, exports) = loaded.world(runtime.engine());
    if json {
        let value = serde_json::json!({
            "path": loaded.path,
            "digest": loaded.digest,
            "contract": loaded.contract,
            "provenance": loaded.provenance,
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
        crate::runtime::Provenance::Cached => "loaded from the compiled cache",
        crate::runtime::Provenance::Recompiled => "recompiled (the cache entry was corrupt)",
        _ => "compiled",
    };
    println!("loaded:  {how} in {}", output::duration(loaded.load_time));
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

#[allow(dead_code)]
fn failed() -> ExitCode {
    ExitCode::from(EXIT_FAILED)
}
