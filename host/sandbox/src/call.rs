//! Calling a plugin: what it is told about its action, its two exports
//! (`describe` and `run`) whatever its contract version, and how a trap
//! reads to a person.

use std::time::Duration;

use wasmtime::Trap;

use kiln_model::plugin::PluginInfo;

use crate::bindings::{v0_1, v0_2};
use crate::plugin::PluginPre;
use crate::state::ActionState;

/// The error a guest is trapped with when its deadline passes.
#[derive(Debug, thiserror::Error)]
#[error("deadline exceeded")]
pub struct DeadlineExceeded;

/// The error a guest is trapped with when its CPU budget is spent.
#[derive(Debug, thiserror::Error)]
#[error("cpu budget exceeded")]
pub struct CpuBudgetExceeded;

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

/// The WIT `context` of every contract version, from the host's.
macro_rules! context_of {
    ($version:ident) => {
        impl From<&ActionContext> for crate::bindings::$version::kiln::plugin::types::Context {
            fn from(context: &ActionContext) -> Self {
                use crate::bindings::$version::kiln::plugin::types as wit;
                use crate::capabilities::fs;
                wit::Context {
                    run_id: context.run_id.clone(),
                    pipeline: context.pipeline.clone(),
                    stage: context.stage.clone(),
                    action: context.action.clone(),
                    attempt: context.attempt,
                    params: context.params.clone(),
                    inputs: context
                        .inputs
                        .iter()
                        .map(|(name, digest)| wit::InputArtifact {
                            name: name.clone(),
                            digest: digest.clone(),
                            path: fs::input_mount(name),
                        })
                        .collect(),
                    outputs: context
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
    };
}

context_of!(v0_1);
context_of!(v0_2);

/// Instantiate and call `describe`, whatever the contract version.
pub(crate) async fn describe(
    pre: &PluginPre,
    store: &mut wasmtime::Store<ActionState>,
) -> wasmtime::Result<PluginInfo> {
    Ok(match pre {
        PluginPre::V0_1(pre) => pre
            .instantiate_async(&mut *store)
            .await?
            .call_describe(&mut *store)
            .await?
            .into(),
        PluginPre::V0_2(pre) => pre
            .instantiate_async(&mut *store)
            .await?
            .call_describe(&mut *store)
            .await?
            .into(),
    })
}

/// Instantiate and call `run`, whatever the contract version.
pub(crate) async fn call_run(
    pre: &PluginPre,
    store: &mut wasmtime::Store<ActionState>,
    context: &ActionContext,
) -> wasmtime::Result<Result<String, String>> {
    match pre {
        PluginPre::V0_1(pre) => {
            let context = v0_1::kiln::plugin::types::Context::from(context);
            pre.instantiate_async(&mut *store)
                .await?
                .call_run(&mut *store, &context)
                .await
        }
        PluginPre::V0_2(pre) => {
            let context = v0_2::kiln::plugin::types::Context::from(context);
            pre.instantiate_async(&mut *store)
                .await?
                .call_run(&mut *store, &context)
                .await
        }
    }
}

/// A trap in words a pipeline author can act on.
pub(crate) fn explain_trap(error: &wasmtime::Error, timeout: Duration) -> String {
    if error.downcast_ref::<DeadlineExceeded>().is_some() {
        return format!("timed out after {}", humantime::format_duration(timeout));
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::UnreachableCodeReached) => {
            "the plugin panicked (wasm `unreachable` executed); its log has the panic message"
                .to_owned()
        }
        Some(Trap::StackOverflow) => "the plugin overflowed its stack".to_owned(),
        // Rust and C keep their stack in linear memory: running off its
        // end is an out-of-bounds access, not a wasm stack overflow.
        Some(Trap::MemoryOutOfBounds) => {
            "the plugin trapped: out-of-bounds memory access (in Rust and C plugins usually a stack overflow)"
                .to_owned()
        }
        Some(Trap::Interrupt) => "the plugin was interrupted".to_owned(),
        Some(trap) => format!("the plugin trapped: {trap}"),
        None => format!("{error:#}"),
    }
}
