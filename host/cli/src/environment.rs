//! What the `kiln` command reads from its environment, in one place: the
//! host's configuration (`KILN_PLUGIN_PATH`, `KILN_SECRET_*`, registry
//! credentials, `PATH`, `HOME`, `KILN_COMPILED_DIR`, `KILN_TIERING`,
//! `KILN_INSTANCE_POOL`), the data directory,
//! and the SDK toolchain. Nothing below the CLI reads the environment.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use kiln::registry::client::ClientConfig;
use kiln::sandbox::{Allocation, Optimizer, Tiering};
use kiln::store::data_dir::DataDir;
use kiln::store::secrets::EnvProvider;
use kiln::{Host, HostConfig};

/// The host of the data directory `flag` names (or the default one),
/// configured from this process's environment, read here once:
/// `KILN_PLUGIN_PATH`, `KILN_SECRET_*`, the registry's credentials and
/// deadline, `PATH`, `HOME`, `KILN_COMPILED_DIR`.
pub fn open_host_with(flag: Option<&Path>, insecure: bool) -> Result<Host> {
    open_host_tiered(flag, insecure, detached_optimizer())
}

/// `KILN_TIERING`: `auto` (the default: `default` for this command),
/// `optimized` (Cranelift only, waited for), `baseline` (Winch's code for
/// every plugin without optimized code, and nothing optimized).
fn tiering(default: Tiering) -> Result<Tiering> {
    match std::env::var("KILN_TIERING").as_deref() {
        Err(_) | Ok("" | "auto") => Ok(default),
        Ok("optimized") => Ok(Tiering::optimized_only()),
        Ok("baseline") => Ok(Tiering::baseline_only()),
        Ok(other) => {
            anyhow::bail!("KILN_TIERING is `{other}`; it may be `auto`, `optimized` or `baseline`")
        }
    }
}

/// `KILN_INSTANCE_POOL`: `on` (the default) or `off` (every attempt maps
/// fresh memories and stacks: for a process limited in address space).
fn allocation() -> Result<Allocation> {
    match std::env::var("KILN_INSTANCE_POOL").as_deref() {
        Err(_) | Ok("" | "on") => Ok(Allocation::Pooled),
        Ok("off") => Ok(Allocation::OnDemand),
        Ok(other) => anyhow::bail!("KILN_INSTANCE_POOL is `{other}`; it may be `on` or `off`"),
    }
}

/// As [`open_host_with`], with plugins optimized as `tiering` says (a
/// server optimizes in its own process: it lives long enough).
pub fn open_host_tiered(flag: Option<&Path>, insecure: bool, tiering: Tiering) -> Result<Host> {
    let mut config = HostConfig::new(data_location(flag)?);
    config.tiering = self::tiering(tiering)?;
    config.allocation = allocation()?;
    config.plugin_path = plugin_path();
    config.registry = ClientConfig::from_env(insecure)?;
    config.secret_providers = vec![Box::new(EnvProvider::from_vars(
        std::env::vars().filter(|(name, _)| name.starts_with("KILN_SECRET_")),
    ))];
    config.exec_search_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    config.home = std::env::var_os("HOME").map(PathBuf::from);
    config.compiled_dir = std::env::var_os("KILN_COMPILED_DIR")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from);
    Host::open(config).map_err(anyhow::Error::from)
}

/// A command's process ends with its run, often before Cranelift would
/// finish a large plugin: the optimized code is compiled by a detached
/// `kiln plugin optimize` (this executable), which the next run uses.
fn detached_optimizer() -> Tiering {
    match std::env::current_exe() {
        Ok(program) => Tiering {
            optimizer: Optimizer::Detached {
                program,
                args: vec!["plugin".into(), "optimize".into()],
            },
            ..Tiering::in_process()
        },
        Err(_) => Tiering::optimized_only(),
    }
}

/// Where `kiln plugin build` finds the SDK scripts: `KILN_SDK_DIR` (a
/// `sdk/` directory, with `wit/` beside it), else the SDKs kiln carries,
/// written into the data directory; their tools in `KILN_TOOLS_DIR`, else
/// the data directory's `tools/`.
pub fn toolchain(data_dir: Option<&Path>) -> Result<kiln::plugin_build::Toolchain> {
    let tools = std::env::var_os("KILN_TOOLS_DIR")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from);
    if let Some(sdk_dir) = std::env::var_os("KILN_SDK_DIR").filter(|dir| !dir.is_empty()) {
        let sdk_dir = PathBuf::from(sdk_dir);
        let tools_dir = tools.unwrap_or_else(|| sdk_dir.join("../.tools"));
        return Ok(kiln::plugin_build::Toolchain { sdk_dir, tools_dir });
    }
    let data = DataDir::open(data_location(data_dir)?)?;
    let tools_dir = tools.unwrap_or_else(|| data.tools());
    kiln::plugin_build::Toolchain::embedded(&data.sdk(), tools_dir)
        .context("writing out the SDKs kiln carries")
}

fn data_location(flag: Option<&Path>) -> Result<PathBuf> {
    match flag {
        Some(dir) => Ok(dir.to_path_buf()),
        None => DataDir::default_location()
            .context("no home directory to put the kiln data directory in; pass --data-dir"),
    }
}

/// `KILN_PLUGIN_PATH`, then (for a kiln run from its build tree) the
/// plugins built beside it: the Python, JavaScript and C first-party
/// plugins are not built into the binary.
fn plugin_path() -> Vec<PathBuf> {
    let mut path: Vec<PathBuf> = std::env::var_os("KILN_PLUGIN_PATH")
        .map(|paths| std::env::split_paths(&paths).collect())
        .unwrap_or_default();
    if let Some(built) = std::env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.parent()
                .map(|dir| dir.join("../kiln-plugins/wasm32-wasip2/release"))
        })
        .filter(|dir| dir.is_dir())
    {
        path.push(built);
    }
    path
}
