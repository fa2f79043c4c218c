//! The `kiln` command line: a thin layer over the library. Exit codes:
//! 0 success, 1 the pipeline failed, 2 bad input (a pipeline that does not
//! validate, a missing file, a bad flag).

mod commands;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code of a pipeline that ran and failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit code of bad input: an invalid pipeline, a missing file, a bad flag.
pub const EXIT_BAD_INPUT: u8 = 2;

const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (plugin contracts kiln:plugin@0.2.0 and @0.1.0)"
);

/// kiln runs CI/CD pipelines whose every action is a sandboxed WebAssembly
/// component.
#[derive(Debug, Parser)]
#[command(name = "kiln", version, long_version = LONG_VERSION, propagate_version = true)]
#[command(
    after_help = "Examples:\n  kiln init                 write a starter kiln.yaml\n  kiln validate             check kiln.yaml without running it\n  kiln run                  run kiln.yaml\n  kiln plugin inspect x.wasm  show what a plugin declares"
)]
pub struct Cli {
    /// Where artifacts, run records and logs are kept
    /// [default: $XDG_DATA_HOME/kiln]
    #[arg(long, env = "KILN_DATA_DIR", global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a pipeline
    #[command(after_help = "Examples:\n  kiln run\n  kiln run examples/demo/kiln.yaml --jobs 4")]
    Run {
        /// The pipeline file
        #[arg(default_value = "kiln.yaml")]
        file: PathBuf,
        /// How many actions may run at once [default: the number of cores]
        #[arg(long, short = 'j')]
        jobs: Option<usize>,
        /// The directory mounted at /workspace [default: the pipeline file's directory]
        #[arg(long, short = 'w', value_name = "DIR")]
        workspace: Option<PathBuf>,
        /// Run every action even when the action cache has its result
        /// (results are still recorded)
        #[arg(long)]
        no_cache: bool,
    },
    /// Check a pipeline without running it: syntax, names, needs,
    /// artifacts, plugins, parameters and grants
    #[command(after_help = "Examples:\n  kiln validate\n  kiln validate ci/kiln.yaml")]
    Validate {
        #[arg(default_value = "kiln.yaml")]
        file: PathBuf,
        /// The directory mounted at /workspace [default: the pipeline file's directory]
        #[arg(long, short = 'w', value_name = "DIR")]
        workspace: Option<PathBuf>,
    },
    /// Write a starter kiln.yaml in the current directory
    Init {
        /// Overwrite an existing kiln.yaml
        #[arg(long)]
        force: bool,
    },
    /// Print the JSON Schema of kiln.yaml
    Schema,
    /// Work with plugins
    #[command(subcommand)]
    Plugin(PluginCommand),
    /// Measure kiln against baselines (process spawns, cp -r, a cold run)
    #[command(
        after_help = "Examples:\n  cargo run --release -p kiln -- bench     figures for BENCHMARKS.md\n  kiln bench --smoke                       every measurement, small"
    )]
    Bench {
        /// Small sizes: checks that every measurement still runs
        #[arg(long)]
        smoke: bool,
    },
    /// Inspect and prune the action cache
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Manage secrets in kiln's file store (values are read from stdin)
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  printf %s \"$TOKEN\" | kiln secret set DEPLOY_TOKEN\n  kiln secret ls\n  kiln secret rm DEPLOY_TOKEN\n\nKILN_SECRET_<NAME> environment variables are looked up first."
    )]
    Secret(SecretCommand),
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// List cached action results, newest first
    Ls,
    /// Remove cached results whose key starts with PREFIX, or all with --all
    Rm {
        #[arg(required_unless_present = "all")]
        prefix: Option<String>,
        #[arg(long)]
        all: bool,
    },
    /// Remove results older than --older-than, and results whose artifacts are gone
    Gc {
        /// e.g. `7d`, `12h`
        #[arg(long, default_value = "30d", value_parser = humantime::parse_duration)]
        older_than: std::time::Duration,
    },
    /// Explain why an action missed the cache: the parts of its key that
    /// changed since the key before
    #[command(
        after_help = "Examples:\n  kiln cache why checkout\n  kiln cache why package --pipeline demo"
    )]
    Why {
        action: String,
        /// The pipeline's name [default: the name in kiln.yaml]
        #[arg(long)]
        pipeline: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Store a secret; its value is read from standard input
    Set { name: String },
    /// List the names of stored secrets (never their values)
    Ls,
    /// Remove a stored secret
    Rm { name: String },
}

#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Show what a plugin declares (describe()) and its WIT imports and exports
    #[command(
        after_help = "Examples:\n  kiln plugin inspect target/wasm32-wasip2/release/archive.wasm\n  kiln plugin inspect checkout --json"
    )]
    Inspect {
        /// A .wasm component, or the name of a first-party plugin
        plugin: String,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

/// Parse the command line and run; the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            output::error(&anyhow::Error::new(error).context("starting the async runtime"));
            return ExitCode::from(EXIT_FAILED);
        }
    };
    match runtime.block_on(commands::dispatch(cli)) {
        Ok(code) => code,
        Err(error) => {
            output::error(&error);
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

/// Diagnostics for kiln itself go to stderr, filtered by `KILN_LOG`
/// (default `warn`).
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KILN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
