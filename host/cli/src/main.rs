//! The `kiln` command line: a thin layer over the library. Exit codes:
//! 0 success, 1 the pipeline failed, 2 bad input (a pipeline that does not
//! validate, a missing file, a bad flag).

mod approvals;
mod commands;
mod environment;
mod history;
mod live;
mod output;
mod registry;
mod remote;
mod serve;

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
    after_help = "Examples:\n  kiln init                   write a starter kiln.yaml\n  kiln validate               check kiln.yaml without running it\n  kiln run                    run kiln.yaml\n  kiln runs                   the recent runs\n  kiln show last              what the last run did\n  kiln logs last test         the log of action `test`\n  kiln metrics                deployment frequency, lead time, failure rate, time to restore\n  kiln plugin inspect x.wasm  show what a plugin declares\n  kiln plugin publish x.wasm oci://ghcr.io/acme/x:1.0   share a plugin through a registry"
)]
pub struct Cli {
    /// Where artifacts, run records and logs are kept
    /// [default: $XDG_DATA_HOME/kiln]
    #[arg(long, env = "KILN_DATA_DIR", global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Say less: only failures and the result
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Say more: every log line of every action as it is written
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,

    /// Allow plain HTTP to OCI registries on this machine (localhost,
    /// 127.0.0.0/8, ::1); never to any other host
    #[arg(long, env = "KILN_INSECURE_REGISTRY", global = true)]
    pub insecure: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a pipeline
    #[command(
        after_help = "Examples:\n  kiln run\n  kiln run examples/demo/kiln.yaml --jobs 4\n  kiln run --plain -v          one line per event and every log line (what CI sees)\n  kiln run --resume last      finish an interrupted or failed run\n\nOn a terminal, one line per running action shows its spinner, time and\nlast log line; elsewhere (or with --plain), one line per event.\nExit codes: 0 succeeded, 1 failed, 2 bad input."
    )]
    Run {
        /// The pipeline file
        #[arg(default_value = "kiln.yaml")]
        file: PathBuf,
        /// Continue run RUN (an id, a prefix of one, or `last`): actions
        /// that succeeded keep their outputs, the rest run again
        #[arg(long, value_name = "RUN")]
        resume: Option<String>,
        /// What started the run, as shown by `kiln runs`
        /// [default: `ci` when $CI is set, else `manual`]
        #[arg(long, env = "KILN_TRIGGER", value_name = "NAME")]
        trigger: Option<String>,
        /// One line per event, even on a terminal
        #[arg(long)]
        plain: bool,
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
        /// Run only registry plugins kiln.lock pins, and never write it
        #[arg(long)]
        locked: bool,
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
    /// Write the kiln.yaml that runs an AWS CodeBuild buildspec.yml
    #[command(
        after_help = "Examples:\n  kiln import buildspec.yml                 writes kiln.yaml beside it\n  kiln import ci/buildspec.yml -o kiln.yaml\n  kiln import buildspec.yml -o -            prints it\n\nThe pipeline is one `codebuild` action with the grants, outputs, reports,\ncache and exports the buildspec needs; `kiln run buildspec.yml` runs the\nsame pipeline without writing it. The written file is validated."
    )]
    Import {
        /// The buildspec
        file: PathBuf,
        /// Where to write the pipeline [default: kiln.yaml beside the
        /// buildspec]; `-` prints it. Its directory is the workspace, which
        /// must hold the buildspec
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// Overwrite an existing file
        #[arg(long)]
        force: bool,
    },
    /// Write a starter kiln.yaml in the current directory
    #[command(after_help = "Examples:\n  kiln init && kiln run\n  kiln init --force")]
    Init {
        /// Overwrite an existing kiln.yaml
        #[arg(long)]
        force: bool,
    },
    /// Print the JSON Schema of kiln.yaml
    #[command(
        after_help = "Examples:\n  kiln schema > kiln.schema.json\n  # then, in an editor with YAML language support:\n  # yaml-language-server: $schema=./kiln.schema.json"
    )]
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
    #[command(
        after_help = "Examples:\n  kiln cache ls\n  kiln cache why build\n  kiln cache gc --older-than 7d"
    )]
    Cache(CacheCommand),
    /// Recent runs: status, duration, trigger and commit
    #[command(
        after_help = "Examples:\n  kiln runs\n  kiln runs --pipeline demo --limit 5\n  kiln runs --json | jq '.[0].status'"
    )]
    Runs {
        /// Only this pipeline's runs
        #[arg(long)]
        pipeline: Option<String>,
        /// How many runs, newest first
        #[arg(long, short = 'n', default_value_t = 20)]
        limit: usize,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        server: remote::ServerArgs,
    },
    /// One run: its stages and actions with durations, attempts, cache
    /// hits, artifacts with digests, and test reports
    #[command(
        after_help = "Examples:\n  kiln show last\n  kiln show 0193a1\n  kiln show last --json | jq '.stages[].actions[] | {name, status}'"
    )]
    Show {
        /// A run id, a unique prefix of one, or `last`
        run: String,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        server: remote::ServerArgs,
    },
    /// The logs of a run, or of one of its actions
    #[command(
        after_help = "Examples:\n  kiln logs last                 every action's log, prefixed by its name\n  kiln logs last test            the last attempt of `test`\n  kiln logs last test --attempt 1\n  kiln logs last --follow        print lines as they are written until the run ends"
    )]
    Logs {
        /// A run id, a unique prefix of one, or `last`
        run: String,
        /// Only this action
        action: Option<String>,
        /// This attempt of the action [default: its last]
        #[arg(long, requires = "action")]
        attempt: Option<u32>,
        /// Keep printing new lines until the run ends
        #[arg(long, short = 'f')]
        follow: bool,
        /// One JSON object per line: action, attempt, time, level, message
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        server: remote::ServerArgs,
    },
    /// List and get the artifacts of a run
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  kiln artifacts ls last\n  kiln artifacts get last site ./site"
    )]
    Artifacts(ArtifactsCommand),
    /// The four DORA metrics of each pipeline over a window: deployment
    /// frequency, lead time for changes, change failure rate, time to restore
    #[command(
        after_help = "Examples:\n  kiln metrics\n  kiln metrics --pipeline web --window 90d\n  kiln metrics --json\n\nA run deploys when a deploy stage ran (`deploy: true`, or a stage named\n`deploy...`). Lead time runs from the workspace's git commit time to the\nend of the successful deploy."
    )]
    Metrics {
        /// Only this pipeline
        #[arg(long)]
        pipeline: Option<String>,
        /// How far back to look, e.g. `7d`, `30d`, `12w`
        #[arg(long, default_value = "30d", value_parser = humantime::parse_duration)]
        window: std::time::Duration,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        server: remote::ServerArgs,
    },
    /// Approve or reject an approval action (`uses: approval`) that waits
    #[command(
        after_help = "Examples:\n  kiln approve last go-live --comment \"smoke tests look good\"\n  kiln approve 0193a1 go-live --reject --comment \"not on a Friday\"\n  kiln approve --pending            what waits for a decision\n  kiln approve last go-live --server http://ci:8080 --token $TOKEN\n\nYou decide as $USER unless --as names someone else; through a server, as\nthe token's name. An approval that lists its approvers accepts only them."
    )]
    Approve {
        /// A run id, a unique prefix of one, or `last`
        #[arg(required_unless_present = "pending")]
        run: Option<String>,
        /// The approval action
        #[arg(required_unless_present = "pending")]
        action: Option<String>,
        /// Reject instead of approve: the action fails
        #[arg(long)]
        reject: bool,
        /// Why, kept with the decision
        #[arg(long, short = 'm')]
        comment: Option<String>,
        /// Decide as this name [default: $USER]
        #[arg(long = "as", value_name = "NAME", conflicts_with = "server")]
        who: Option<String>,
        /// List the approvals waiting for a decision
        #[arg(long, conflicts_with_all = ["run", "action", "reject", "comment"])]
        pending: bool,
        #[command(flatten)]
        server: remote::ServerArgs,
    },
    /// Print a shell completion script
    #[command(
        after_help = "Examples:\n  kiln completions bash > ~/.local/share/bash-completion/completions/kiln\n  kiln completions zsh > ~/.zfunc/_kiln\n  kiln completions fish > ~/.config/fish/completions/kiln.fish"
    )]
    Completions { shell: clap_complete::Shell },
    /// Manage secrets in kiln's file store (values are read from stdin)
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  printf %s \"$TOKEN\" | kiln secret set DEPLOY_TOKEN\n  kiln secret ls\n  kiln secret rm DEPLOY_TOKEN\n\nKILN_SECRET_<NAME> environment variables are looked up first."
    )]
    Secret(SecretCommand),
    /// Serve projects: run their pipelines when their code changes
    /// (polling, webhooks, schedules), with a REST API
    #[command(
        after_help = "Examples:\n  kiln serve                              the git repository here, its kiln.yaml, every branch\n  kiln serve --config kiln-server.toml\n  kiln serve --config kiln-server.toml --listen 0.0.0.0:8080\n\nThe first line printed is `listening on http://ADDRESS`. SIGTERM or Ctrl-C:\nno new requests or runs; running runs get the configured grace period\n(shutdown-grace, default 30s), then are cancelled. A second signal exits at once.\nA bad configuration exits 2 with its file:line:column and field."
    )]
    Serve {
        /// The server configuration (TOML) [default: serve the git
        /// repository in the current directory]
        #[arg(long, short = 'c', value_name = "FILE")]
        config: Option<PathBuf>,
        /// Listen on this address instead of the configuration's
        /// (port 0: any free port)
        #[arg(long, value_name = "ADDR")]
        listen: Option<std::net::SocketAddr>,
    },
    /// Ask a kiln server to run a project now
    #[command(
        after_help = "Examples:\n  kiln trigger web\n  kiln trigger web --ref release/1.2 --server http://ci.example.com:8080\n\nNeeds a write token (`kiln token create --scope write` on the server),\ngiven with --token or KILN_TOKEN."
    )]
    Trigger {
        /// The project, as the server's configuration names it
        project: String,
        /// The branch, tag or full ref to run [default: the project's main branch]
        #[arg(long = "ref", value_name = "REF")]
        git_ref: Option<String>,
        /// The server's address
        #[arg(long, env = "KILN_SERVER", default_value = "http://127.0.0.1:8080")]
        server: String,
        /// An API token with the write scope
        #[arg(long, env = "KILN_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Print the server's answer as JSON
        #[arg(long)]
        json: bool,
    },
    /// Manage the API tokens of the server on this data directory
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  kiln token create --scope read --name dashboard\n  kiln token create --scope write --name deploy-bot\n  kiln token ls"
    )]
    Token(TokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make a token and print it (once: only its SHA-256 is kept)
    Create {
        /// read: every GET of the API; write: also cancel and trigger
        #[arg(long, value_parser = ["read", "write"])]
        scope: String,
        /// A name to recognise it by
        #[arg(long, default_value = "token")]
        name: String,
    },
    /// List the tokens (names, scopes, dates; never their values)
    Ls,
}

#[derive(Debug, Subcommand)]
pub enum ArtifactsCommand {
    /// List a run's artifacts with their digests
    #[command(after_help = "Examples:\n  kiln artifacts ls last\n  kiln artifacts ls last --json")]
    Ls {
        /// A run id, a unique prefix of one, or `last`
        run: String,
        #[arg(long)]
        json: bool,
    },
    /// Write an artifact's files into DIR (created; must be empty), each
    /// verified against its digest
    #[command(
        after_help = "Examples:\n  kiln artifacts get last site ./site\n  kiln artifacts get 0193a1 package /tmp/package"
    )]
    Get {
        /// A run id, a unique prefix of one, or `last`
        run: String,
        /// The artifact's name
        name: String,
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
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
    /// Write a new plugin project: a working plugin that greets someone
    #[command(
        after_help = "Examples:\n  kiln plugin new word-count --lang rust\n  kiln plugin new lint --lang python\n  kiln plugin new render --lang js\n  kiln plugin new checksum --lang c\n\nThen: cd <name> && kiln plugin build && kiln plugin inspect <name>.wasm"
    )]
    New {
        name: String,
        #[arg(long, value_enum)]
        lang: kiln::plugin_build::Lang,
        /// Where to create the project's directory
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Build a plugin project into a component
    #[command(
        after_help = "Examples:\n  kiln plugin build                  the project in the current directory\n  kiln plugin build plugins/lint -o lint.wasm\n\nRust needs the wasm32-wasip2 target; C needs clang, lld and wasi-libc\n(sdk/c/install-tools); Python and JavaScript need componentize-py and\ncomponentize-js (sdk/python/install-tools, sdk/js/install-tools)."
    )]
    Build {
        /// The project directory
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The language [default: told by the project's files]
        #[arg(long, value_enum)]
        lang: Option<kiln::plugin_build::Lang>,
        /// Where to write the component [default: <dir>/<dir name>.wasm]
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
    },
    /// Push a plugin component to an OCI registry
    #[command(
        after_help = "Examples:\n  kiln plugin publish lint.wasm oci://ghcr.io/acme/lint:1.0\n  kiln --insecure plugin publish lint.wasm oci://127.0.0.1:5000/acme/lint:1.0\n\nPrints the reference pinned by digest, to use in `uses:`. Credentials:\nKILN_REGISTRY_USERNAME/KILN_REGISTRY_PASSWORD, else the docker config file."
    )]
    Publish {
        /// The component (.wasm) or the name of a first-party plugin
        wasm: String,
        /// Where to push it: oci://host[:port]/repository:tag
        reference: String,
    },
    /// Fetch a registry plugin into the local store
    #[command(after_help = "Examples:\n  kiln plugin pull oci://ghcr.io/acme/lint:1.0")]
    Pull {
        /// oci://host[:port]/repository:tag[@sha256:...]
        reference: String,
    },
    /// List the plugins in the local store
    #[command(after_help = "Examples:\n  kiln plugin ls\n  kiln plugin ls --json")]
    Ls {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Remove plugins from the local store, and the blobs nothing else uses
    #[command(
        after_help = "Examples:\n  kiln plugin rm oci://ghcr.io/acme/lint:1.0   one tag\n  kiln plugin rm oci://ghcr.io/acme/lint       every tag of the repository"
    )]
    Rm {
        #[arg(required = true)]
        references: Vec<String>,
    },
    /// Resolve the tags of a pipeline's registry plugins again and rewrite kiln.lock
    #[command(
        after_help = "Examples:\n  kiln plugin update                 kiln.yaml's tags, into kiln.lock beside it\n  kiln plugin update ci/kiln.yaml"
    )]
    Update {
        /// The pipeline file
        #[arg(default_value = "kiln.yaml")]
        file: PathBuf,
    },
    /// Make an ed25519 key pair for signing plugins: <PREFIX>.key and <PREFIX>.pub
    #[command(
        after_help = "Examples:\n  kiln plugin keygen release\n\nKeep release.key secret (a kiln secret in CI); list release.pub, or the\ned25519:... line printed, in `plugins: { require-signed-by: [...] }`."
    )]
    Keygen { prefix: PathBuf },
    /// Sign a registry plugin and push the signature beside it
    #[command(
        after_help = "Examples:\n  kiln plugin sign oci://ghcr.io/acme/lint:1.0 --key release.key"
    )]
    Sign {
        reference: String,
        /// The private key (PKCS#8 PEM, from `kiln plugin keygen`)
        #[arg(long)]
        key: PathBuf,
    },
    /// Check that a registry plugin is signed by one of the given keys
    #[command(
        after_help = "Examples:\n  kiln plugin verify oci://ghcr.io/acme/lint:1.0 --key release.pub\n\nExit codes: 0 signed by one of the keys, 1 not, 2 bad input."
    )]
    Verify {
        reference: String,
        /// A public key: a PEM file or ed25519:<base64>; may repeat
        #[arg(long = "key", required = true)]
        keys: Vec<String>,
    },
    /// Show what a plugin declares (describe()) and its WIT imports and exports
    #[command(
        after_help = "Examples:\n  kiln plugin inspect target/wasm32-wasip2/release/archive.wasm\n  kiln plugin inspect checkout --json"
    )]
    Inspect {
        /// A .wasm component, the name of a first-party plugin, or oci://...
        plugin: String,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Compile a component with Cranelift into a compiled cache: what kiln
    /// starts, detached, for a large plugin it first ran on Winch's code
    #[command(hide = true)]
    Optimize {
        /// The compiled cache's directory
        cache_dir: PathBuf,
        /// The component's digest (sha256:...), checked against the file
        digest: String,
        /// The component
        component: PathBuf,
    },
}

impl Cli {
    /// How much the run output says.
    pub fn verbosity(&self) -> output::Verbosity {
        if self.quiet {
            output::Verbosity::Quiet
        } else if self.verbose {
            output::Verbosity::Verbose
        } else {
            output::Verbosity::Normal
        }
    }
}

/// Parse the command line and run; the process's exit code.
fn main() -> ExitCode {
    // `kiln runs | head` ends kiln quietly, as it ends any Unix tool,
    // instead of a panic in println!.
    #[cfg(unix)]
    // SAFETY: called first, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    init_tracing(matches!(cli.command, Command::Serve { .. }));
    raise_open_file_limit();
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

/// Actions hold descriptors in this process (each within `limits.files`):
/// take the hard limit the system allows, not the customary soft 1024, so
/// that many bounded actions at once fit.
fn raise_open_file_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        limit.current = limit.maximum;
        if let Err(error) = setrlimit(Resource::Nofile, limit) {
            tracing::debug!("raising the open-file limit: {error}");
        }
    }
}

/// Diagnostics for kiln itself go to stderr, filtered by `KILN_LOG`
/// (default `warn`; a server also says what its triggers and runs do).
fn init_tracing(serving: bool) {
    let default = if serving {
        "warn,kiln_server=info"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("KILN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
