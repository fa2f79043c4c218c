//! The component runtime: one wasmtime [`Engine`] per process, each plugin
//! compiled once and pre-linked ([`LoadedPlugin`]), and a fresh [`Store`]
//! per attempt holding only that attempt's preopens, environment and log.
//!
//! Runaway guests are stopped by epoch interruption: a ticker thread bumps
//! the engine's epoch every [`EPOCH_TICK`]; at each tick a running guest
//! yields to tokio (so one busy plugin cannot starve the others) and is
//! trapped once its deadline has passed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Store, UpdateDeadline};

use kiln_model::digest::Digest;
use kiln_model::plugin::PluginInfo;

use crate::bindings::{self, ContractVersion};
use crate::call as invoke;
use crate::compiled_cache::{CompiledCache, Provenance};
use crate::plugin::{LoadedPlugin, PluginPre};
use crate::state::ActionState;

/// How often the epoch advances: the granularity of timeouts and of
/// fairness between concurrently running plugins.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// `describe` must answer quickly; it runs at validation time.
const DESCRIBE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a plugin could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a valid WebAssembly component: {reason}", path.display())]
    Compile { path: PathBuf, reason: String },
    #[error("{} does not implement a kiln:plugin `action` world (contracts 0.1.0 and 0.2.0 are supported): {reason}", path.display())]
    Link { path: PathBuf, reason: String },
    #[error("{}: describe() failed: {reason}", path.display())]
    Describe { path: PathBuf, reason: String },
}

/// The process-wide component runtime.
pub struct Runtime {
    engine: Engine,
    linker: Linker<ActionState>,
    loaded: Mutex<HashMap<PathBuf, Arc<OnceCell<Arc<LoadedPlugin>>>>>,
    ticker: EpochTicker,
    compiled: Option<CompiledCache>,
}

impl Runtime {
    /// A runtime that compiles every plugin in each process.
    pub fn new() -> wasmtime::Result<Self> {
        Self::build(None)
    }

    /// A runtime that keeps compiled plugins in `dir` across processes.
    pub fn with_compiled_cache(dir: impl Into<PathBuf>) -> wasmtime::Result<Self> {
        Self::build(Some(dir.into()))
    }

    fn build(cache_dir: Option<PathBuf>) -> wasmtime::Result<Self> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        let engine = Engine::new(&config)?;

        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        // The kiln interfaces of every contract version; WASI is shared.
        bindings::add_types_to_linker(&mut linker)?;
        crate::capabilities::add_to_linker(&mut linker)?;

        let ticker = EpochTicker::start(engine.clone());
        let compiled = cache_dir.map(|dir| CompiledCache::new(dir, &engine));
        Ok(Self {
            engine,
            linker,
            loaded: Mutex::new(HashMap::new()),
            ticker,
            compiled,
        })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Load a plugin: read, compile, pre-link and describe it. Each path is
    /// loaded once per process, even when asked for concurrently.
    pub async fn load(&self, path: &Path) -> Result<Arc<LoadedPlugin>, LoadError> {
        let cell = {
            let mut loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
            loaded.entry(path.to_path_buf()).or_default().clone()
        };
        cell.get_or_try_init(|| self.load_uncached(path))
            .await
            .cloned()
    }

    async fn load_uncached(&self, path: &Path) -> Result<Arc<LoadedPlugin>, LoadError> {
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|source| LoadError::Read {
                path: path.to_path_buf(),
                source,
            })?;
        let digest = Digest::of(&bytes);
        let engine = self.engine.clone();
        let cache = self.compiled.clone();
        // Compilation is CPU-bound: keep it off the async worker threads.
        let started = Instant::now();
        let (component, provenance) = tokio::task::spawn_blocking(move || match cache {
            Some(cache) => cache.load_or_compile(&engine, &digest, &bytes),
            None => Component::new(&engine, &bytes).map(|c| (c, Provenance::Compiled)),
        })
        .await
        .map_err(|join| LoadError::Compile {
            path: path.to_path_buf(),
            reason: join.to_string(),
        })?
        .map_err(|error| LoadError::Compile {
            path: path.to_path_buf(),
            reason: format!("{error:#}"),
        })?;
        let load_time = started.elapsed();
        tracing::debug!(plugin = %path.display(), ?provenance, ?load_time, "plugin loaded");
        let link_error = |error: wasmtime::Error| LoadError::Link {
            path: path.to_path_buf(),
            reason: format!("{error:#}"),
        };
        let imports: Vec<String> = component
            .component_type()
            .imports(&self.engine)
            .map(|(name, _)| name.to_owned())
            .collect();
        // A component that imports no kiln interface at all is judged
        // against the latest contract, whose error names what is missing.
        let contract = ContractVersion::of_imports(imports.iter().map(String::as_str))
            .unwrap_or(ContractVersion::LATEST);
        let instance_pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(link_error)?;
        let pre = match contract {
            ContractVersion::V0_1 => {
                PluginPre::V0_1(bindings::v0_1::ActionPre::new(instance_pre).map_err(link_error)?)
            }
            ContractVersion::V0_2 => {
                PluginPre::V0_2(bindings::v0_2::ActionPre::new(instance_pre).map_err(link_error)?)
            }
        };

        let info = self
            .describe(&pre)
            .await
            .map_err(|reason| LoadError::Describe {
                path: path.to_path_buf(),
                reason,
            })?;
        Ok(Arc::new(LoadedPlugin {
            path: path.to_path_buf(),
            digest,
            info,
            contract,
            provenance,
            load_time,
            component,
            pre,
        }))
    }

    /// A store whose guest is trapped once `timeout` has passed, or once
    /// it has executed for `cpu` (counted in epoch ticks that find it
    /// running), and which yields to tokio at every tick until then.
    pub(crate) fn store(
        &self,
        state: ActionState,
        timeout: Duration,
        cpu: Option<Duration>,
    ) -> Store<ActionState> {
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limits);
        let deadline = Instant::now() + timeout;
        let tick_budget = cpu.map(|cpu| (cpu.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64);
        let mut ticks_running = 0u64;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            ticks_running += 1;
            if Instant::now() >= deadline {
                Err(wasmtime::Error::new(invoke::DeadlineExceeded))
            } else if tick_budget.is_some_and(|budget| ticks_running > budget) {
                Err(wasmtime::Error::new(invoke::CpuBudgetExceeded))
            } else {
                Ok(UpdateDeadline::Yield(1))
            }
        });
        store
    }

    /// Instantiate a plugin in a bare store and call `describe`, within
    /// [`DESCRIBE_TIMEOUT`] of wall time whatever the guest does: the epoch
    /// deadline stops one that computes, and this outer deadline one that
    /// waits in a host call (a sleep, a poll), which no epoch can interrupt.
    async fn describe(&self, pre: &PluginPre) -> Result<PluginInfo, String> {
        let mut store = self.store(ActionState::bare(), DESCRIBE_TIMEOUT, None);
        let call = invoke::describe(pre, &mut store);
        match tokio::time::timeout(DESCRIBE_TIMEOUT + EPOCH_TICK * 10, call).await {
            Err(_) => Err(format!(
                "timed out after {}",
                humantime::format_duration(DESCRIBE_TIMEOUT)
            )),
            Ok(result) => result
                .map(PluginInfo::plain)
                .map_err(|error| invoke::explain_trap(&error, DESCRIBE_TIMEOUT)),
        }
    }

    /// Instantiate a loaded plugin and call `describe`: the fixed cost of
    /// every attempt, for `kiln bench`.
    pub async fn time_describe(&self, plugin: &LoadedPlugin) -> Result<Duration, String> {
        let started = Instant::now();
        self.describe(&plugin.pre).await?;
        Ok(started.elapsed())
    }

    /// How many epoch ticks have happened: a liveness check for tests.
    pub fn ticks(&self) -> u64 {
        self.ticker.ticks()
    }
}

/// Advances the engine's epoch every [`EPOCH_TICK`] on its own thread,
/// until dropped.
struct EpochTicker {
    stop: Arc<AtomicBool>,
    ticks: Arc<std::sync::atomic::AtomicU64>,
}

impl EpochTicker {
    fn start(engine: Engine) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let ticks = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (thread_stop, thread_ticks) = (stop.clone(), ticks.clone());
        std::thread::Builder::new()
            .name("kiln-epoch".into())
            .spawn(move || {
                while !thread_stop.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                    thread_ticks.fetch_add(1, Ordering::Relaxed);
                }
            })
            .expect("spawning the epoch thread");
        Self { stop, ticks }
    }

    fn ticks(&self) -> u64 {
        self.ticks.load(Ordering::Relaxed)
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
