//! Per plugin: Cranelift's compile, Winch's, a load from the compiled cache,
//! and one instantiate + `describe()` on each tier's code. For the plugins
//! large enough to start on Winch's code (the Python and JavaScript ones),
//! a row: their first start (compile + instantiate + describe) on Winch's
//! code against the same on Cranelift's, which is what a first run waited
//! for before tiers.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use kiln_sandbox::tiers::{BASELINE_MIN_BYTES, Optimizer, Tiering};
use kiln_sandbox::{LoadedPlugin, Runtime};

use super::{BenchOptions, Row, ms, ratio};

/// The first-party plugins, with their language. Those of other languages
/// are measured when they are built (`scripts/setup --polyglot`).
const PLUGINS: [(&str, &str); 9] = [
    ("checkout", "Rust"),
    ("archive", "Rust"),
    ("junit", "Rust"),
    ("verify", "Rust"),
    ("deploy-dir", "Rust"),
    ("cargo", "Rust"),
    ("sha256sums", "C"),
    ("template", "JavaScript"),
    ("coverage", "Python"),
];

/// The first-start rows and the per-plugin table.
pub(super) async fn measure(options: &BenchOptions, root: &Path) -> Result<(Vec<Row>, String)> {
    let mut rows = Vec::new();
    let mut table = String::from(
        "| plugin | compile (cranelift) | compile (winch) | load from compiled cache | instantiate + describe() on cranelift's code | on winch's code |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for (name, lang) in PLUGINS {
        let Ok(path) = options.resolver.resolve(name, root) else {
            continue;
        };
        let size = std::fs::metadata(&path)?.len();
        let cache = root.join(format!("compiled-{name}"));
        let optimized = first_start(&path, &cache, Tiering::optimized_only()).await?;
        let warm = runtime(&cache, Tiering::optimized_only())?;
        let loaded = warm.load(&path).await?;
        // Winch for every plugin here, to compare; a real first run uses it
        // only from BASELINE_MIN_BYTES up.
        let baseline =
            first_start(&path, &root.join(format!("winch-{name}")), winch_only()).await?;
        let _ = writeln!(
            table,
            "| {name} ({lang}, {}) | {} | {} | {} | {} | {} |",
            bytesize::ByteSize(size),
            ms(optimized.compile),
            ms(baseline.compile),
            ms(loaded.load_time),
            ms(optimized.describe),
            ms(baseline.describe),
        );
        if size as usize >= BASELINE_MIN_BYTES {
            let (kiln, cranelift) = (baseline.load, optimized.load);
            rows.push(Row {
                what: format!(
                    "first start of {name} ({lang}, {}): read, compile, instantiate, describe() on Winch's code (Cranelift's follows in the background) vs on Cranelift's",
                    bytesize::ByteSize(size)
                ),
                kiln: ms(kiln),
                baseline: ms(cranelift),
                ratio: ratio(kiln, cranelift),
                target: "< 1.5 s".into(),
            });
        }
    }
    Ok((rows, table))
}

/// What a plugin's first start cost on one tier.
struct FirstStart {
    /// Compiling (or deserializing) alone.
    compile: Duration,
    /// One more instantiate + `describe()`, after the load.
    describe: Duration,
    /// The whole load: read, hash, compile, link, instantiate, describe.
    load: Duration,
}

/// Compile `path` into the empty cache `cache` and call `describe()` once.
async fn first_start(path: &Path, cache: &Path, tiering: Tiering) -> Result<FirstStart> {
    let runtime = runtime(cache, tiering)?;
    let started = Instant::now();
    let loaded: std::sync::Arc<LoadedPlugin> = runtime.load(path).await?;
    let load = started.elapsed();
    let describe = runtime
        .time_describe(&loaded)
        .await
        .map_err(|e| anyhow!("{e:#}"))?;
    Ok(FirstStart {
        compile: loaded.load_time,
        describe,
        load,
    })
}

fn runtime(cache: &Path, tiering: Tiering) -> Result<Runtime> {
    Runtime::tiered(cache, tiering).map_err(|e| anyhow!("{e:#}"))
}

/// Winch's code for every plugin, nothing optimized after.
fn winch_only() -> Tiering {
    Tiering {
        optimizer: Optimizer::Never,
        ..Tiering::baseline_only()
    }
}
