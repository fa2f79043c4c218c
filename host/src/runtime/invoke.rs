//! One attempt of an action: a fresh store with the attempt's sandbox,
//! a fresh instance, one call of `run`.

use std::time::Duration;

use wasmtime::Trap;
use wasmtime_wasi::WasiCtxBuilder;

use super::Runtime;
use super::bindings::{Action, wit};
use super::plugin::LoadedPlugin;
use super::state::ActionState;
use crate::capabilities::fs::{self, Mounts};
use crate::capabilities::log::{ActionLog, Level};

/// The error a guest is trapped with when its deadline passes.
#[derive(Debug, thiserror::Error)]
#[error("deadline exceeded")]
pub struct DeadlineExceeded;

/// What the plugin is told about its action (the WIT `context`).
#[derive(Debug, Clone)]
pub struct ActionContext {
    pub run_id: String,
    pub pipeline: String,
    pub stage: String,
    pub action: String,
    pub attempt: u32,
    pub params: Vec<(String, String)>,
    /// Input name and digest, mounted at `/inputs/<name>`.
    pub inputs: Vec<(String, String)>,
    /// Output names, mounted at `/outputs/<name>`.
    pub outputs: Vec<String>,
}

impl ActionContext {
    fn to_wit(&self) -> wit::Context {
        wit::Context {
            run_id: self.run_id.clone(),
            pipeline: self.pipeline.clone(),
            stage: self.stage.clone(),
            action: self.action.clone(),
            attempt: self.attempt,
            params: self.params.clone(),
            inputs: self
                .inputs
                .iter()
                .map(|(name, digest)| wit::InputArtifact {
                    name: name.clone(),
                    digest: digest.clone(),
                    path: fs::input_mount(name),
                })
                .collect(),
            outputs: self
                .outputs
                .iter()
                .map(|name| wit::OutputArtifact {
                    name: name.clone(),
                    path: fs::output_mount(name),
                })
                .collect(),
        }
    }
}

/// Everything one attempt needs besides the plugin.
pub struct Attempt<'a> {
    pub context: ActionContext,
    pub env: &'a [(String, String)],
    pub mounts: &'a Mounts,
    pub log: ActionLog,
    pub timeout: Duration,
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
        let state = ActionState::new(wasi.build(), Some(attempt.log.clone()));
        let mut store = self.store(state, attempt.timeout);
        let context = attempt.context.to_wit();
        let call = async {
            let action: Action = plugin.pre.instantiate_async(&mut store).await?;
            action.call_run(&mut store, &context).await
        };
        // The epoch deadline stops a guest that computes; this outer bound
        // also stops one blocked in a host call, a little later.
        let outer = attempt.timeout + Duration::from_secs(2);
        let result = match tokio::time::timeout(outer, call).await {
            Err(_) => Err(AttemptError::Timeout(attempt.timeout)),
            Ok(Err(error)) => {
                if error.downcast_ref::<DeadlineExceeded>().is_some() {
                    Err(AttemptError::Timeout(attempt.timeout))
                } else {
                    Err(AttemptError::Trap(explain_trap(&error, attempt.timeout)))
                }
            }
            Ok(Ok(Err(message))) => Err(AttemptError::Plugin(message)),
            Ok(Ok(Ok(summary))) => Ok(summary),
        };
        // Drop the store before flushing, so stdout's last partial line lands.
        drop(store);
        attempt.log.flush();
        result
    }
}

/// A trap in words a pipeline author can act on.
pub(super) fn explain_trap(error: &wasmtime::Error, timeout: Duration) -> String {
    if error.downcast_ref::<DeadlineExceeded>().is_some() {
        return format!("timed out after {}", humantime::format_duration(timeout));
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::UnreachableCodeReached) => {
            "the plugin panicked (wasm `unreachable` executed); its log has the panic message"
                .to_owned()
        }
        Some(Trap::StackOverflow) => "the plugin overflowed its stack".to_owned(),
        Some(Trap::Interrupt) => "the plugin was interrupted".to_owned(),
        Some(trap) => format!("the plugin trapped: {trap}"),
        None => {
            let text = format!("{error:#}");
            if text.contains("forcing a memory growth failure")
                || text.contains("memory") && text.contains("limit")
            {
                format!(
                    "the plugin ran out of memory (limit {} MiB)",
                    super::DEFAULT_MEMORY_LIMIT >> 20
                )
            } else {
                text
            }
        }
    }
}
