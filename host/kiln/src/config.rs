//! What a [`Host`](crate::Host) is opened with: everything kiln would
//! otherwise read from its environment, given explicitly by the front end
//! (the CLI reads its flags and environment variables once, a server its
//! configuration file, a test whatever it needs). Nothing below the host
//! reads the process environment.

use std::path::PathBuf;

use kiln_registry::client::ClientConfig;
use kiln_sandbox::{Allocation, Tiering};
use kiln_store::secrets::SecretProvider;

/// How to open a [`Host`](crate::Host).
pub struct HostConfig {
    /// The data directory: history, logs, artifacts, caches, secrets.
    pub data_dir: PathBuf,
    /// Directories searched for plugins named without a path, before the
    /// data directory's `plugins/` and the plugins built into kiln.
    pub plugin_path: Vec<PathBuf>,
    /// How to talk to plugin registries (credentials, deadlines, plain
    /// HTTP to loopback).
    pub registry: ClientConfig,
    /// Where secret values come from, in order, before kiln's own file
    /// store in the data directory.
    pub secret_providers: Vec<Box<dyn SecretProvider>>,
    /// How many actions run at once (default: the number of cores).
    pub jobs: usize,
    /// Where granted programs are looked up (the host's `PATH`).
    pub exec_search_path: Vec<PathBuf>,
    /// What `~` means in grant paths; `None`: `~` is not expanded.
    pub home: Option<PathBuf>,
    /// Where compiled plugins are kept (default: the data directory's
    /// `compiled/`); several data directories may share one (the test
    /// suite does: a Python plugin takes seconds to compile, then
    /// milliseconds to load).
    pub compiled_dir: Option<PathBuf>,
    /// How plugins get native code: large ones start on Winch's baseline
    /// code while Cranelift optimizes them (default: in a thread of this
    /// process; the CLI, whose processes are short, detaches a process).
    pub tiering: Tiering,
    /// Whether attempts take their memories and stacks from a pool reused
    /// within the process (the default) or map fresh ones each time.
    pub allocation: Allocation,
}

impl HostConfig {
    /// A configuration with the data directory `data_dir`, no extra plugin
    /// directories, anonymous registries, only the file store for secrets,
    /// one action per core, and no programs or home directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            plugin_path: Vec::new(),
            registry: ClientConfig::default(),
            secret_providers: Vec::new(),
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            exec_search_path: Vec::new(),
            home: None,
            compiled_dir: None,
            tiering: Tiering::in_process(),
            allocation: Allocation::Pooled,
        }
    }
}

impl std::fmt::Debug for HostConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostConfig")
            .field("data_dir", &self.data_dir)
            .field("plugin_path", &self.plugin_path)
            .field("registry", &self.registry)
            .field("secret_providers", &self.secret_providers.len())
            .field("jobs", &self.jobs)
            .field("exec_search_path", &self.exec_search_path)
            .field("home", &self.home)
            .field("compiled_dir", &self.compiled_dir)
            .field("tiering", &self.tiering)
            .field("allocation", &self.allocation)
            .finish()
    }
}
