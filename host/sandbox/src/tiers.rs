//! Two compilers for one plugin. Cranelift (the optimizing tier) makes the
//! fastest code but takes seconds for a component that carries an
//! interpreter (6 to 8 s for the Python and JavaScript plugins here);
//! Winch (the baseline tier, wasmtime's single-pass compiler) compiles
//! the same component several times faster into slower code. A large
//! plugin that has no optimized code yet therefore starts on baseline
//! code, while Cranelift compiles it off the action's path into the
//! compiled cache; the next load finds the optimized entry and uses it.
//!
//! Each tier has its own [`Engine`] and [`Linker`]: a component compiled
//! by one engine cannot be instantiated in another's store.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Strategy};

use kiln_model::digest::Digest;

use crate::bindings;
use crate::compiled_cache::{CompiledCache, Lookup, Provenance};
use crate::pool::{self, Allocation, Slots};
use crate::state::ActionState;

/// Which compiler made a loaded plugin's native code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tier {
    /// Winch: compiled fast, runs slower; replaced once optimized code exists.
    Baseline,
    /// Cranelift.
    Optimized,
}

/// Components smaller than this compile with Cranelift in a few hundred
/// milliseconds at most (every first-party Rust and C plugin): they go
/// straight to the optimizing tier.
pub const BASELINE_MIN_BYTES: usize = 1 << 20;

/// How long a claim to optimize a component holds before another process
/// may take it over (its optimizer died, or the machine rebooted).
const CLAIM_LIFETIME: Duration = Duration::from_secs(600);

/// How a runtime gets its code.
#[derive(Debug, Clone)]
pub struct Tiering {
    /// Start plugins without optimized code on baseline code...
    pub baseline_first: bool,
    /// ...when they are at least this large ([`BASELINE_MIN_BYTES`]).
    pub baseline_min_bytes: usize,
    /// Whether optimized code in the compiled cache is used (always, but to
    /// try plugins on baseline code).
    pub use_optimized: bool,
    /// Who compiles the optimized code of a plugin started on baseline code.
    pub optimizer: Optimizer,
}

impl Tiering {
    /// Cranelift only, waited for: the behaviour without tiers.
    pub fn optimized_only() -> Self {
        Self {
            baseline_first: false,
            baseline_min_bytes: BASELINE_MIN_BYTES,
            use_optimized: true,
            optimizer: Optimizer::Never,
        }
    }

    /// Baseline first, optimized by a thread of this process.
    pub fn in_process() -> Self {
        Self {
            baseline_first: true,
            baseline_min_bytes: BASELINE_MIN_BYTES,
            use_optimized: true,
            optimizer: Optimizer::InThisProcess,
        }
    }

    /// Baseline code for every plugin, and nothing optimized: to try
    /// plugins on Winch's code (`KILN_TIERING=baseline`).
    pub fn baseline_only() -> Self {
        Self {
            baseline_first: true,
            baseline_min_bytes: 0,
            use_optimized: false,
            optimizer: Optimizer::Never,
        }
    }
}

/// Who compiles optimized code for a plugin that started on baseline code.
#[derive(Debug, Clone)]
pub enum Optimizer {
    /// Nobody: it stays on baseline code (benchmarks, tests).
    Never,
    /// A low-priority thread of this process (a long-lived server).
    InThisProcess,
    /// A detached process, which outlives a short `kiln run`: `program`
    /// with `args`, then the compiled cache's directory, the component's
    /// digest and its path (see [`optimize_into_cache`]).
    Detached {
        program: PathBuf,
        args: Vec<OsString>,
    },
}

/// One tier: its engine, the linker of every contract on that engine, and
/// its entries in the compiled cache.
pub(crate) struct Compiler {
    pub engine: Engine,
    pub linker: Linker<ActionState>,
    pub cache: Option<CompiledCache>,
    /// The permits of the engine's instance pool.
    pub slots: Slots,
}

impl Compiler {
    pub fn new(
        tier: Tier,
        cache_dir: Option<&Path>,
        allocation: Allocation,
    ) -> wasmtime::Result<Self> {
        let (engine, slots) = engine(tier, allocation)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        // The kiln interfaces of every contract version; WASI is shared.
        bindings::add_types_to_linker(&mut linker)?;
        crate::capabilities::add_to_linker(&mut linker)?;
        let cache = cache_dir.map(|dir| cache_for(tier, dir, &engine));
        Ok(Self {
            engine,
            linker,
            cache,
            slots,
        })
    }

    /// This tier's code for the component: cached, or compiled now.
    pub fn load_or_compile(
        &self,
        digest: &Digest,
        bytes: &[u8],
    ) -> wasmtime::Result<(Component, Provenance)> {
        match &self.cache {
            Some(cache) => cache.load_or_compile(&self.engine, digest, bytes),
            None => Component::new(&self.engine, bytes).map(|c| (c, Provenance::Compiled)),
        }
    }

    /// As [`Self::load_or_compile`], but a new entry is written after the
    /// code is returned: the baseline tier exists for a fast first start.
    pub fn load_or_compile_fast(
        &self,
        digest: &Digest,
        bytes: &[u8],
    ) -> wasmtime::Result<(Component, Provenance)> {
        match &self.cache {
            Some(cache) => match cache.lookup(&self.engine, digest) {
                Lookup::Hit(component) => Ok((component, Provenance::Cached)),
                Lookup::Miss | Lookup::Stale => {
                    cache.compile_and_store_later(&self.engine, digest, bytes)
                }
            },
            None => Component::new(&self.engine, bytes).map(|c| (c, Provenance::Compiled)),
        }
    }

    /// This tier's cached code for the component, if any.
    pub fn cached(&self, digest: &Digest) -> Option<Component> {
        match self.cache.as_ref()?.lookup(&self.engine, digest) {
            Lookup::Hit(component) => Some(component),
            Lookup::Miss | Lookup::Stale => None,
        }
    }
}

/// A tier's compiler, made on first use: most processes never compile
/// baseline code (their plugins are small, or optimized code is in the
/// cache), and an engine with its linker is memory and start-up time.
pub(crate) struct LazyCompiler {
    tier: Tier,
    cache_dir: Option<PathBuf>,
    allocation: Allocation,
    made: OnceLock<Arc<Compiler>>,
    /// The engines whose epoch the runtime's ticker advances.
    engines: Arc<Mutex<Vec<Engine>>>,
}

impl LazyCompiler {
    pub fn new(
        tier: Tier,
        cache_dir: Option<PathBuf>,
        allocation: Allocation,
        engines: Arc<Mutex<Vec<Engine>>>,
    ) -> Self {
        Self {
            tier,
            cache_dir,
            allocation,
            made: OnceLock::new(),
            engines,
        }
    }

    /// The compiler, made now if it was not yet.
    pub fn get(&self) -> wasmtime::Result<&Arc<Compiler>> {
        if let Some(compiler) = self.made.get() {
            return Ok(compiler);
        }
        let compiler = Compiler::new(self.tier, self.cache_dir.as_deref(), self.allocation)?;
        Ok(self.made.get_or_init(|| {
            let mut engines = self.engines.lock().unwrap_or_else(|p| p.into_inner());
            engines.push(compiler.engine.clone());
            Arc::new(compiler)
        }))
    }
}

/// A tier's engine for running plugins: on the pooling allocator
/// ([`crate::pool`]), or allocating on demand where the pool's address
/// space cannot be reserved (a low `ulimit -v`). The pool does not change
/// the code: the compiled cache serves both.
fn engine(tier: Tier, allocation: Allocation) -> wasmtime::Result<(Engine, Slots)> {
    let config = config(tier);
    if allocation == Allocation::OnDemand {
        return Ok((Engine::new(&config)?, Slots::on_demand()));
    }
    match Engine::new(&pool::pooled(&config)) {
        Ok(engine) => Ok((engine, Slots::pooled())),
        Err(error) => {
            tracing::warn!("plugin instances are allocated on demand: {error:#}");
            Ok((Engine::new(&config)?, Slots::on_demand()))
        }
    }
}

/// The engine configuration of a tier. The optimized one must stay what it
/// always was: its cache entries are keyed by it.
fn config(tier: Tier) -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    if tier == Tier::Baseline {
        config.strategy(Strategy::Winch);
        // Winch compiles the functions; Cranelift still compiles the
        // trampolines between host and guest, thousands of them for a
        // component that carries an interpreter: unoptimized, they cost
        // nothing measurable at run time and a fraction to compile.
        config.cranelift_opt_level(wasmtime::OptLevel::None);
    }
    config
}

fn cache_for(tier: Tier, dir: &Path, engine: &Engine) -> CompiledCache {
    match tier {
        // The name the optimized tier's entries always had.
        Tier::Optimized => CompiledCache::new(dir, engine),
        Tier::Baseline => CompiledCache::for_tier(dir, engine, "winch"),
    }
}

/// Compile the component at `path` with Cranelift into the compiled cache
/// in `cache_dir`, unless its entry exists or another process is at it.
/// What a detached optimizer runs ([`Optimizer::Detached`]). The file must
/// still be the component `digest` names.
pub fn optimize_into_cache(
    cache_dir: &Path,
    digest: &Digest,
    path: &Path,
) -> Result<OptimizeOutcome, String> {
    let engine = Engine::new(&config(Tier::Optimized)).map_err(|e| format!("{e:#}"))?;
    let cache = cache_for(Tier::Optimized, cache_dir, &engine);
    compile_once(&cache, &engine, digest, || {
        let bytes = std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        let actual = Digest::of(&bytes);
        if actual != *digest {
            return Err(format!(
                "{} is now {actual}, not the component {digest} to optimize",
                path.display()
            ));
        }
        Ok(bytes)
    })
}

/// Compile a component into `cache` unless its entry exists or another
/// optimizer (a thread, a process) holds its claim; `bytes` is read only
/// once the claim is held.
fn compile_once<B: AsRef<[u8]>>(
    cache: &CompiledCache,
    engine: &Engine,
    digest: &Digest,
    bytes: impl FnOnce() -> Result<B, String>,
) -> Result<OptimizeOutcome, String> {
    if cache.contains(digest) {
        return Ok(OptimizeOutcome::AlreadyThere);
    }
    let Some(_claim) = Claim::take(cache.dir(), digest) else {
        return Ok(OptimizeOutcome::SomebodyElse);
    };
    let bytes = bytes()?;
    cache
        .compile(engine, digest, bytes.as_ref(), false)
        .map_err(|e| format!("compiling plugin {digest}: {e:#}"))?;
    Ok(OptimizeOutcome::Compiled)
}

/// What [`optimize_into_cache`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum OptimizeOutcome {
    Compiled,
    AlreadyThere,
    SomebodyElse,
}

/// Start optimizing a component that was loaded on baseline code. Errors
/// are only logged: the baseline code keeps working.
pub(crate) fn optimize_later(
    optimizer: &Optimizer,
    compiler: &Arc<Compiler>,
    digest: Digest,
    path: &Path,
    bytes: Arc<[u8]>,
) {
    let Some(cache) = compiler.cache.clone() else {
        return;
    };
    match optimizer {
        Optimizer::Never => {}
        Optimizer::InThisProcess => {
            let compiler = compiler.clone();
            let spawned = std::thread::Builder::new()
                .name("kiln-optimize".into())
                .spawn(move || {
                    lower_priority();
                    let compiled = compile_once(&cache, &compiler.engine, &digest, || Ok(bytes));
                    if let Err(error) = compiled {
                        tracing::warn!("{error}");
                    }
                });
            if let Err(error) = spawned {
                tracing::warn!("cannot start the optimizer thread: {error}");
            }
        }
        Optimizer::Detached { program, args } => {
            let mut command = std::process::Command::new(program);
            command
                .args(args)
                .arg(cache.dir())
                .arg(digest.to_string())
                .arg(path)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            // Its own process group: a Ctrl-C that cancels the run in the
            // terminal does not stop the compile that the next run needs.
            std::os::unix::process::CommandExt::process_group(&mut command, 0);
            match command.spawn() {
                // Reaped by a thread while this process lives; by init after.
                Ok(mut child) => {
                    let _ = std::thread::Builder::new()
                        .name("kiln-optimize-wait".into())
                        .spawn(move || child.wait());
                }
                Err(error) => tracing::warn!("cannot start {}: {error}", program.display()),
            }
        }
    }
}

/// Nice the calling thread (Linux: priorities are per thread) so that a
/// background compile yields the cores to the actions that run now.
pub fn lower_priority() {
    // SAFETY: setpriority on the calling thread (who = 0) changes nothing
    // but its scheduling priority.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

/// `<cache dir>/<digest>.optimizing`, created exclusively: one optimizer
/// per component at a time across processes. Removed when dropped.
struct Claim(PathBuf);

impl Claim {
    fn take(dir: &Path, digest: &Digest) -> Option<Self> {
        std::fs::create_dir_all(dir).ok()?;
        let path = dir.join(format!("{}.optimizing", digest.hex()));
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    let _ = write!(file, "{}", std::process::id());
                    return Some(Self(path));
                }
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                    let age = std::fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|modified| SystemTime::now().duration_since(modified).ok());
                    if age.is_some_and(|age| age < CLAIM_LIFETIME) {
                        return None;
                    }
                    // Left by an optimizer that died: take it over.
                    let _ = std::fs::remove_file(&path);
                }
                Err(_) => return None,
            }
        }
        None
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
