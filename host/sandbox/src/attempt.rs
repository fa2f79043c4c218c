//! One attempt of an action: a fresh store with the attempt's sandbox,
//! a fresh instance, one call of `run`.

use std::time::Duration;

use wasmtime_wasi::WasiCtxBuilder;

use kiln_model::limits::{LimitExceeded, Limits};

pub use crate::call::ActionContext;
use crate::call::{CpuBudgetExceeded, DeadlineExceeded, call_run, explain_trap};
use crate::capabilities::exec::{BaseEnv, ExecAccess, ExecMount, ExecPolicy, SpawnOptions};
use crate::capabilities::fs::{Access, Mounts};
use crate::capabilities::log::{ActionLog, Level};
use crate::plugin::LoadedPlugin;
use crate::runtime::Runtime;
use crate::state::ActionState;

/// Everything one attempt needs besides the plugin.
pub struct Attempt<'a> {
    pub context: ActionContext,
    pub env: &'a [(String, String)],
    pub mounts: &'a Mounts,
    pub log: ActionLog,
    pub timeout: Duration,
    pub grants: &'a kiln_model::grants::Grants,
    pub limits: Limits,
    pub secrets: crate::capabilities::secrets::GrantedSecrets,
    /// The empty directory exec'd programs get as `HOME`.
    pub home: std::path::PathBuf,
    /// Where the attempt's running programs are recorded.
    pub ledger: Option<std::sync::Arc<dyn kiln_model::process::ProcessLedger>>,
    /// The host's program search path.
    pub search_path: &'a [std::path::PathBuf],
}

/// Why an attempt failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AttemptError {
    /// The plugin returned an error.
    #[error("{0}")]
    Plugin(String),
    /// The plugin trapped: a panic, out of memory, a stack overflow.
    #[error("{0}")]
    Trap(String),
    /// The attempt ran past its timeout and was stopped.
    #[error("timed out after {}", humantime::format_duration(*.0))]
    Timeout(Duration),
    /// The attempt ran into one of its limits.
    #[error("{0}")]
    Limit(LimitExceeded),
    /// The sandbox could not be prepared.
    #[error("could not prepare the sandbox: {0}")]
    Setup(String),
}

impl Runtime {
    /// Run one attempt of an action in a fresh sandbox.
    pub async fn run_attempt(
        &self,
        plugin: &LoadedPlugin,
        attempt: Attempt<'_>,
    ) -> Result<String, AttemptError> {
        let mut wasi = WasiCtxBuilder::new();
        wasi.envs(attempt.env)
            .stdout(attempt.log.stream(Level::Info))
            .stderr(attempt.log.stream(Level::Warn))
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        attempt
            .mounts
            .preopen(&mut wasi)
            .map_err(|error| AttemptError::Setup(error.to_string()))?;
        let limits = attempt.limits;
        let state = ActionState::new(
            wasi.build(),
            Some(attempt.log.clone()),
            attempt.grants.network.clone(),
            &limits,
        )
        .with_secrets(attempt.secrets.clone())
        .with_exec(exec_access(&attempt));
        // Before the store and its deadline: waiting for a slot of a full
        // pool is not the attempt's time.
        let _slot = plugin.slots.take().await;
        let mut store = Self::store(
            plugin.component.engine(),
            state,
            attempt.timeout,
            limits.cpu,
        );
        let call = call_run(&plugin.pre, &mut store, &attempt.context);
        // The epoch deadline stops a guest that computes; this outer bound
        // also stops one blocked in a host call, a little later.
        let outer = attempt.timeout + Duration::from_secs(2);
        let result = match tokio::time::timeout(outer, call).await {
            Err(_) => Err(AttemptError::Timeout(attempt.timeout)),
            Ok(Err(error)) => Err(classify_trap(&error, attempt.timeout, &limits)),
            Ok(Ok(Err(message))) => Err(AttemptError::Plugin(message)),
            Ok(Ok(Ok(summary))) => Ok(summary),
        };
        // Drop the store before flushing, so stdout's last partial line lands.
        drop(store);
        attempt.log.flush();
        // A flood is a violation even when the plugin went on to succeed.
        if attempt.log.exceeded() {
            return Err(AttemptError::Limit(LimitExceeded::Log(limits.log)));
        }
        result
    }
}

/// The exec policy of an attempt: its grants, the host's PATH, its mounts
/// (which are also what Landlock lets a child reach), and the environment
/// kiln gives every child.
fn exec_access(attempt: &Attempt<'_>) -> Option<ExecAccess> {
    if attempt.grants.exec.is_empty() {
        return None;
    }
    let mounts: Vec<ExecMount> = attempt
        .mounts
        .0
        .iter()
        .map(|mount| ExecMount {
            guest: mount.guest.clone(),
            host: mount.host.clone(),
            writable: mount.access == Access::ReadWrite,
        })
        .collect();
    let tmpdir = mounts
        .iter()
        .find(|mount| mount.guest == crate::capabilities::fs::TMP)
        .map(|mount| mount.host.clone());
    let mut trusted = attempt.env.to_vec();
    for grant in &attempt.grants.fs.paths {
        if let Some(name) = &grant.env {
            trusted.retain(|(existing, _)| existing != name);
            trusted.push((name.clone(), grant.host_path.to_string_lossy().into_owned()));
        }
    }
    Some(ExecAccess {
        policy: ExecPolicy {
            grants: attempt.grants.exec.clone(),
            search_path: attempt.search_path.to_vec(),
            mounts,
            env: BaseEnv {
                home: attempt.home.clone(),
                tmpdir,
                trusted,
            },
        },
        options: SpawnOptions {
            masker: attempt.log.masker(),
            ledger: attempt.ledger.clone(),
            open_files: attempt.limits.files,
        },
        deadline: std::time::Instant::now() + attempt.timeout,
    })
}

/// Why a call trapped: a limit, the timeout, or the plugin itself.
fn classify_trap(error: &wasmtime::Error, timeout: Duration, limits: &Limits) -> AttemptError {
    if error.downcast_ref::<DeadlineExceeded>().is_some() {
        return AttemptError::Timeout(timeout);
    }
    if let Some(CpuBudgetExceeded) = error.downcast_ref::<CpuBudgetExceeded>() {
        return AttemptError::Limit(LimitExceeded::Cpu(limits.cpu.unwrap_or_default()));
    }
    // Host functions report a violated limit with a placeholder value;
    // the message names the action's own.
    match error.downcast_ref::<LimitExceeded>() {
        Some(LimitExceeded::Log(_)) => return AttemptError::Limit(LimitExceeded::Log(limits.log)),
        Some(LimitExceeded::Memory(_)) => {
            return AttemptError::Limit(LimitExceeded::Memory(limits.memory));
        }
        Some(other) => return AttemptError::Limit(other.clone()),
        None => {}
    }
    if is_table_full(error) {
        return AttemptError::Limit(LimitExceeded::Files(limits.files));
    }
    if let Some(kind) = count_exceeded(error) {
        return AttemptError::Limit(kind);
    }
    if is_memory_exhaustion(error) {
        return AttemptError::Limit(LimitExceeded::Memory(limits.memory));
    }
    AttemptError::Trap(explain_trap(error, timeout))
}

/// The WASI resource table refused a new handle: `limits.files`.
fn is_table_full(error: &wasmtime::Error) -> bool {
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<wasmtime::component::ResourceTableError>(),
            Some(wasmtime::component::ResourceTableError::Full)
        )
    })
}

/// An instantiation past the count of instances, tables or memories a
/// store allows (wasmtime says so only in words).
fn count_exceeded(error: &wasmtime::Error) -> Option<LimitExceeded> {
    use kiln_model::limits::{MAX_INSTANCES, MAX_MEMORIES, MAX_TABLES};
    error.chain().find_map(|cause| {
        let text = cause.to_string();
        if !text.contains("resource limit exceeded") {
            return None;
        }
        Some(if text.contains("instance") {
            LimitExceeded::Count(MAX_INSTANCES, "instances")
        } else if text.contains("table") {
            LimitExceeded::Count(MAX_TABLES, "tables")
        } else {
            LimitExceeded::Count(MAX_MEMORIES, "memories")
        })
    })
}

/// wasmtime reports a denied `memory.grow` (with `trap_on_grow_failure`)
/// as an error whose text says so; there is no typed variant for it.
fn is_memory_exhaustion(error: &wasmtime::Error) -> bool {
    error.chain().any(|cause| {
        let text = cause.to_string();
        text.contains("forcing trap when growing memory")
            || text.contains("forcing a memory growth failure")
    })
}
