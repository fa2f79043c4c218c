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
use wasmtime::component::Component;
use wasmtime::{Engine, Store, UpdateDeadline};

use kiln_model::digest::Digest;
use kiln_model::plan::PluginRef;
use kiln_model::plugin::PluginInfo;

use crate::bindings::{self, ContractVersion};
use crate::call as invoke;
use crate::compiled_cache::Provenance;
use crate::described;
use crate::plugin::{LoadedPlugin, PluginPre};
use crate::pool::{Allocation, PluginSlots};
use crate::state::ActionState;
use crate::tiers::{self, Compiler, LazyCompiler, Tier, Tiering};

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
    optimized: Arc<LazyCompiler>,
    baseline: Arc<LazyCompiler>,
    /// The compiled cache's directory, which also keeps each plugin's
    /// `describe()` answer.
    cache_dir: Option<PathBuf>,
    tiering: Tiering,
    loaded: Mutex<HashMap<PathBuf, Arc<OnceCell<Arc<LoadedPlugin>>>>>,
    ticker: EpochTicker,
}

impl Runtime {
    /// A runtime that compiles every plugin in each process.
    pub fn new() -> wasmtime::Result<Self> {
        Self::build(None, Tiering::optimized_only(), Allocation::Pooled)
    }

    /// A runtime that keeps compiled plugins in `dir` across processes,
    /// compiling each with Cranelift before its first use.
    pub fn with_compiled_cache(dir: impl Into<PathBuf>) -> wasmtime::Result<Self> {
        Self::build(
            Some(dir.into()),
            Tiering::optimized_only(),
            Allocation::Pooled,
        )
    }

    /// A runtime that keeps compiled plugins in `dir`, and starts large
    /// ones on baseline code as `tiering` says (see [`crate::tiers`]).
    pub fn tiered(dir: impl Into<PathBuf>, tiering: Tiering) -> wasmtime::Result<Self> {
        Self::build(Some(dir.into()), tiering, Allocation::Pooled)
    }

    /// As [`Self::tiered`], with instances allocated as `allocation` says.
    pub fn tiered_with(
        dir: impl Into<PathBuf>,
        tiering: Tiering,
        allocation: Allocation,
    ) -> wasmtime::Result<Self> {
        Self::build(Some(dir.into()), tiering, allocation)
    }

    fn build(
        cache_dir: Option<PathBuf>,
        tiering: Tiering,
        allocation: Allocation,
    ) -> wasmtime::Result<Self> {
        // Both made on first use: a process whose actions are all reused
        // from the action cache never makes an engine, its linker or its
        // instance pool.
        let engines = Arc::new(Mutex::new(Vec::new()));
        let lazy = |tier| {
            Arc::new(LazyCompiler::new(
                tier,
                cache_dir.clone(),
                allocation,
                engines.clone(),
            ))
        };
        let (optimized, baseline) = (lazy(Tier::Optimized), lazy(Tier::Baseline));
        let ticker = EpochTicker::start(engines);
        Ok(Self {
            optimized,
            baseline,
            cache_dir,
            tiering,
            loaded: Mutex::new(HashMap::new()),
            ticker,
        })
    }

    fn compiler(&self, tier: Tier) -> wasmtime::Result<&Arc<Compiler>> {
        match tier {
            Tier::Optimized => self.optimized.get(),
            Tier::Baseline => self.baseline.get(),
        }
    }

    /// Load a plugin: read, compile, pre-link and describe it. Each path is
    /// loaded once per process, even when asked for concurrently; a plugin
    /// on baseline code is loaded again once its optimized code exists.
    pub async fn load(&self, path: &Path) -> Result<Arc<LoadedPlugin>, LoadError> {
        let cell = {
            let mut loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
            let cell = loaded.entry(path.to_path_buf()).or_default();
            if cell.get().is_some_and(|plugin| self.optimized_now(plugin)) {
                *cell = Arc::default();
            }
            cell.clone()
        };
        cell.get_or_try_init(|| self.load_uncached(path))
            .await
            .cloned()
    }

    /// The digest and `describe()` answer of the plugin at `path`: from a
    /// load in this process, else from the answer recorded by the load of
    /// an earlier process ([`crate::described`]: no compiling, no
    /// instance), else by loading it now.
    pub async fn reference(&self, path: &Path) -> Result<PluginRef, LoadError> {
        let ready = {
            let loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
            loaded.get(path).and_then(|cell| cell.get().cloned())
        };
        if let Some(plugin) = ready {
            return Ok(plugin.reference());
        }
        if let Some(dir) = &self.cache_dir {
            let (_, digest) = read_component(path).await?;
            if let Some(info) = described::read(dir, &digest) {
                return Ok(PluginRef {
                    digest,
                    path: path.to_path_buf(),
                    info,
                });
            }
        }
        Ok(self.load(path).await?.reference())
    }

    /// Whether `plugin` runs baseline code whose optimized code has since
    /// been written into the compiled cache (a stat).
    fn optimized_now(&self, plugin: &LoadedPlugin) -> bool {
        self.tiering.use_optimized
            && plugin.tier == Tier::Baseline
            && self.optimized.get().is_ok_and(|optimized| {
                optimized
                    .cache
                    .as_ref()
                    .is_some_and(|cache| cache.contains(&plugin.digest))
            })
    }

    async fn load_uncached(&self, path: &Path) -> Result<Arc<LoadedPlugin>, LoadError> {
        let (bytes, digest) = read_component(path).await?;
        let (optimized, baseline) = (self.optimized.clone(), self.baseline.clone());
        let tiering = &self.tiering;
        let baseline_first = tiering.baseline_first && bytes.len() >= tiering.baseline_min_bytes;
        let use_optimized = tiering.use_optimized;
        let code = bytes.clone();
        // Compilation is CPU-bound: keep it off the async worker threads.
        let started = Instant::now();
        let (component, provenance, tier) = tokio::task::spawn_blocking(move || {
            let optimized = if use_optimized {
                Some(&**optimized.get()?)
            } else {
                None
            };
            compile(optimized, &baseline, baseline_first, &digest, &code)
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
        tracing::debug!(plugin = %path.display(), ?provenance, ?tier, ?load_time, "plugin loaded");
        let compiler = self.compiler(tier).map_err(|error| LoadError::Compile {
            path: path.to_path_buf(),
            reason: format!("{error:#}"),
        })?;
        let link_error = |error: wasmtime::Error| LoadError::Link {
            path: path.to_path_buf(),
            reason: format!("{error:#}"),
        };
        let imports: Vec<String> = component
            .component_type()
            .imports(&compiler.engine)
            .map(|(name, _)| name.to_owned())
            .collect();
        // A component that imports no kiln interface at all is judged
        // against the latest contract, whose error names what is missing.
        let contract = ContractVersion::of_imports(imports.iter().map(String::as_str))
            .unwrap_or(ContractVersion::LATEST);
        let instance_pre = compiler
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

        let slots = compiler.slots.for_component(&component);
        let info = self
            .answer(&pre, &compiler.engine, &slots, &digest)
            .await
            .map_err(|reason| LoadError::Describe {
                path: path.to_path_buf(),
                reason,
            })?;
        if tier == Tier::Baseline {
            match self.optimized.get() {
                Ok(optimized) => {
                    tiers::optimize_later(&self.tiering.optimizer, optimized, digest, path, bytes)
                }
                Err(error) => tracing::warn!("plugin {digest} stays on baseline code: {error:#}"),
            }
        }
        Ok(Arc::new(LoadedPlugin {
            path: path.to_path_buf(),
            digest,
            info,
            contract,
            provenance,
            tier,
            load_time,
            component,
            pre,
            slots,
        }))
    }

    /// The component's `describe()` answer: recorded by an earlier load
    /// of the same bytes, or asked now (and recorded).
    async fn answer(
        &self,
        pre: &PluginPre,
        engine: &Engine,
        slots: &PluginSlots,
        digest: &Digest,
    ) -> Result<PluginInfo, String> {
        let dir = self.cache_dir.as_deref();
        if let Some(info) = dir.and_then(|dir| described::read(dir, digest)) {
            return Ok(info);
        }
        let info = self.describe(pre, engine, slots).await?;
        if let Some(dir) = dir {
            described::write(dir, digest, &info);
        }
        Ok(info)
    }

    /// A store whose guest is trapped once `timeout` has passed, or once
    /// it has executed for `cpu` (counted in epoch ticks that find it
    /// running), and which yields to tokio at every tick until then.
    pub(crate) fn store(
        engine: &Engine,
        state: ActionState,
        timeout: Duration,
        cpu: Option<Duration>,
    ) -> Store<ActionState> {
        let mut store = Store::new(engine, state);
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
    async fn describe(
        &self,
        pre: &PluginPre,
        engine: &Engine,
        slots: &PluginSlots,
    ) -> Result<PluginInfo, String> {
        let _slot = slots.take().await;
        let mut store = Self::store(engine, ActionState::bare(), DESCRIBE_TIMEOUT, None);
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
        self.describe(&plugin.pre, plugin.component.engine(), &plugin.slots)
            .await?;
        Ok(started.elapsed())
    }

    /// How many epoch ticks have happened: a liveness check for tests.
    pub fn ticks(&self) -> u64 {
        self.ticker.ticks()
    }
}

/// A component's bytes and their digest.
async fn read_component(path: &Path) -> Result<(Arc<[u8]>, Digest), LoadError> {
    let bytes: Arc<[u8]> = tokio::fs::read(path)
        .await
        .map_err(|source| LoadError::Read {
            path: path.to_path_buf(),
            source,
        })?
        .into();
    let digest = Digest::of(&bytes);
    Ok((bytes, digest))
}

/// The code to run a component with: optimized code from the cache;
/// else, when tiering allows (a large component), baseline code (cached
/// or compiled now); else optimized code compiled now. A component the
/// baseline compiler cannot compile (a proposal Winch lacks) gets
/// optimized code.
/// `optimized` is `None` when only baseline code may be used.
fn compile(
    optimized: Option<&Compiler>,
    baseline: &LazyCompiler,
    baseline_first: bool,
    digest: &Digest,
    bytes: &[u8],
) -> wasmtime::Result<(Component, Provenance, Tier)> {
    let Some(optimized) = optimized else {
        let (component, provenance) = baseline.get()?.load_or_compile_fast(digest, bytes)?;
        return Ok((component, provenance, Tier::Baseline));
    };
    if let Some(component) = optimized.cached(digest) {
        return Ok((component, Provenance::Cached, Tier::Optimized));
    }
    if baseline_first {
        match baseline
            .get()
            .and_then(|compiler| compiler.load_or_compile_fast(digest, bytes))
        {
            Ok((component, provenance)) => return Ok((component, provenance, Tier::Baseline)),
            Err(error) => {
                tracing::debug!("baseline compiler declined plugin {digest}: {error:#}");
            }
        }
    }
    let (component, provenance) = optimized.load_or_compile(digest, bytes)?;
    Ok((component, provenance, Tier::Optimized))
}

/// Advances the engines' epoch every [`EPOCH_TICK`] on its own thread,
/// until dropped.
struct EpochTicker {
    stop: Arc<AtomicBool>,
    ticks: Arc<std::sync::atomic::AtomicU64>,
}

impl EpochTicker {
    fn start(engines: Arc<Mutex<Vec<Engine>>>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let ticks = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (thread_stop, thread_ticks) = (stop.clone(), ticks.clone());
        std::thread::Builder::new()
            .name("kiln-epoch".into())
            .spawn(move || {
                while !thread_stop.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    for engine in engines.lock().unwrap_or_else(|p| p.into_inner()).iter() {
                        engine.increment_epoch();
                    }
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
