//! The harness of kiln's end-to-end tests: build the real plugins once,
//! give each test its own workspace and data directory, run the real
//! `kiln` binary, and read what it recorded.

#![allow(dead_code)] // each test file uses a different part of the harness

pub mod hostile;
pub mod hostile_registry;
pub mod http_server;
pub mod registry;
pub mod serve;
pub mod wat_plugin;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The plugins every test may use by name.
const PLUGINS: &[&str] = &[
    "kiln-plugin-checkout",
    "kiln-plugin-archive",
    "kiln-plugin-junit",
    "kiln-plugin-deploy-dir",
    "kiln-plugin-verify",
    "kiln-plugin-cargo",
    "kiln-plugin-notify",
    "kiln-plugin-codebuild",
    "kiln-test-probe",
    "kiln-test-legacy",
    "kiln-test-stall",
];

/// The cargo target directory this test binary was built in.
pub fn target_dir() -> PathBuf {
    let kiln = PathBuf::from(env!("CARGO_BIN_EXE_kiln"));
    kiln.parent()
        .and_then(Path::parent)
        .expect("kiln is built into <target>/<profile>/kiln")
        .to_path_buf()
}

/// Build the plugin components (release, wasm32-wasip2) once per test
/// process; cargo makes this a no-op when nothing changed. They go where
/// kiln's build script builds the plugins it embeds
/// (`<target>/kiln-plugins`, with the same environment), so the first-party
/// ones are built once, and where `scripts/setup --polyglot` puts the
/// Python, JavaScript and C ones.
pub fn plugins_dir() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let plugins_target = target_dir().join("kiln-plugins");
            let mut command = Command::new(cargo);
            command
                .current_dir(workspace_root())
                .args(["build", "--release", "--target", "wasm32-wasip2", "--quiet"])
                .arg("--target-dir")
                .arg(&plugins_target);
            for variable in [
                "RUSTFLAGS",
                "CARGO_ENCODED_RUSTFLAGS",
                "CARGO_BUILD_RUSTFLAGS",
                "RUSTC_WRAPPER",
                "RUSTC_WORKSPACE_WRAPPER",
                "CARGO_BUILD_TARGET",
                "CARGO_TARGET_DIR",
            ] {
                command.env_remove(variable);
            }
            for plugin in PLUGINS {
                command.args(["-p", plugin]);
            }
            let status = command
                .status()
                .expect("running cargo to build the plugins");
            assert!(status.success(), "building the plugins failed");
            plugins_target.join("wasm32-wasip2/release")
        })
        .clone()
}

pub fn workspace_root() -> PathBuf {
    // The tests belong to host/cli: the workspace is two levels up.
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("host/cli is inside the workspace")
        .to_path_buf()
}

/// A plugin component built from this workspace.
pub fn plugin(name: &str) -> PathBuf {
    plugins_dir().join(format!("{}.wasm", name.replace('-', "_")))
}

/// One test's world: a workspace directory (where kiln.yaml lives) and a
/// data directory, both removed afterwards.
pub struct Sandbox {
    dir: tempfile::TempDir,
    /// Variables every `kiln` command of this sandbox gets, last.
    env: Vec<(String, String)>,
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("kiln-e2e-")
            .tempdir()
            .expect("temp dir");
        std::fs::create_dir_all(dir.path().join("ws")).unwrap();
        Self {
            dir,
            env: Vec::new(),
        }
    }

    /// This sandbox, with `name=value` in every `kiln` command's environment.
    pub fn with_env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The workspace: mounted at /workspace in every action.
    pub fn workspace(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A path outside the workspace, for escape attempts.
    pub fn outside(&self) -> PathBuf {
        self.dir.path().join("outside")
    }

    pub fn write(&self, relative: &str, content: &str) -> PathBuf {
        let path = self.workspace().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        path
    }

    /// Write kiln.yaml into the workspace.
    pub fn pipeline(&self, yaml: &str) -> PathBuf {
        self.write("kiln.yaml", yaml)
    }

    /// The `kiln` command with this sandbox's data directory and the
    /// workspace's plugins on the search path, run in the workspace.
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kiln"));
        command
            .current_dir(self.workspace())
            .env("KILN_DATA_DIR", self.data_dir())
            .env("KILN_PLUGIN_PATH", plugins_dir())
            // Compiled plugins are shared by every test: each compiles once.
            .env("KILN_COMPILED_DIR", target_dir().join("kiln-test-compiled"))
            // The pinned componentize-py and -js scripts/setup installed.
            .env("KILN_TOOLS_DIR", workspace_root().join(".tools"))
            .env_remove("KILN_SDK_DIR")
            .env("SECRET_HOST_VARIABLE", "host-only-value")
            .env_remove("KILN_LOG")
            // Registry settings come from the test, never from its caller.
            .env_remove("KILN_REGISTRY_USERNAME")
            .env_remove("KILN_REGISTRY_PASSWORD")
            .env_remove("KILN_REGISTRY_HOST")
            .env_remove("KILN_REGISTRY_TIMEOUT");
        command.envs(self.env.iter().map(|(name, value)| (name, value)));
        command
    }

    pub fn kiln(&self, args: &[&str]) -> Run {
        Self::run_with(self.command().args(args))
    }

    /// Run a prepared `kiln` command to its end.
    pub fn run_with(command: &mut Command) -> Run {
        Run::from(command.output().expect("running kiln"))
    }

    /// The records of every run in this sandbox, oldest first, as
    /// `kiln show --json` prints them.
    pub fn runs(&self) -> Vec<serde_json::Value> {
        let listed = self.json(&["runs", "--limit", "1000000", "--json"]);
        let mut runs: Vec<serde_json::Value> = listed
            .as_array()
            .expect("kiln runs --json prints an array")
            .iter()
            .map(|run| self.json(&["show", run["id"].as_str().unwrap(), "--json"]))
            .collect();
        runs.reverse();
        runs
    }

    pub fn last_run(&self) -> serde_json::Value {
        self.runs().pop().expect("a run was recorded")
    }

    /// Run a `kiln ... --json` command that must succeed; its output.
    #[track_caller]
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let run = self.kiln(args);
        run.assert_code(0);
        serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("kiln {args:?} printed no JSON ({e}): {}", run.output()))
    }

    /// An action's record in the last run.
    pub fn action(&self, name: &str) -> serde_json::Value {
        action_in(&self.last_run(), name).clone()
    }

    /// The log of an action's attempt in the last run.
    pub fn log(&self, action: &str, attempt: u32) -> String {
        let run = self.last_run();
        let id = run["id"].as_str().unwrap();
        std::fs::read_to_string(
            self.data_dir()
                .join("runs")
                .join(id)
                .join("logs")
                .join(format!("{action}@{attempt}.log")),
        )
        .unwrap_or_default()
    }
}

/// What a finished `kiln` process said.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Everything printed, for assertion messages.
    pub fn output(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "{}", self.output());
        self
    }
}

/// Wait (a minute at most) until `done` says so.
#[track_caller]
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The live processes of process group `pgid`.
pub fn group_members(pgid: i32) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    let rest = stat[stat.rfind(')')? + 1..].to_owned();
                    let fields: Vec<&str> = rest.split_whitespace().collect();
                    Some(fields[0] != "Z" && fields.get(2)?.parse::<i32>().ok()? == pgid)
                })
                .unwrap_or(false)
        })
        .collect()
}

/// The record of action `name` in `run` (as `kiln show --json` prints it).
#[track_caller]
pub fn action_in<'a>(run: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    run["stages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|stage| stage["actions"].as_array().unwrap())
        .find(|action| action["name"] == name)
        .unwrap_or_else(|| panic!("no action {name} in {run:#}"))
}
