//! kiln's sandbox: the only part of kiln that runs WebAssembly.
//!
//! One wasmtime [`Runtime`] per process compiles each plugin once (keeping
//! native code in a [`CompiledCache`]) and runs each attempt in a fresh
//! store whose only reach is what the action grants, one module per
//! capability under [`capabilities`].
//!
//! - [`runtime`]: the engine, the linker of every contract version, plugin
//!   loading and `describe()`;
//! - [`attempt`]: one attempt: a fresh store and instance, one call of `run`;
//! - `call`: a plugin's exports, whatever its contract version, and traps
//!   in words;
//! - [`state`]: what a store holds, composed of each capability's context;
//! - [`budget`]: memory and tables counted against `limits.memory`;
//! - [`capabilities`]: files, log, HTTP, exec, secrets;
//! - [`plugin`], [`compiled_cache`]: loaded and compiled components;
//! - `described`: each plugin's `describe()` answer, kept by digest;
//! - [`tiers`]: Winch first for large plugins, Cranelift in the background;
//! - [`pool`]: instance slots reused between attempts (wasmtime's pooling
//!   allocator), and the wait for one when all are taken.

pub mod attempt;
pub(crate) mod bindings;
pub mod budget;
mod call;
pub mod capabilities;
pub mod compiled_cache;
mod described;
pub mod plugin;
pub mod pool;
pub mod runtime;
pub mod state;
pub mod tiers;

pub use attempt::{ActionContext, Attempt, AttemptError};
pub use bindings::ContractVersion;
pub use compiled_cache::{CompiledCache, Provenance};
pub use plugin::LoadedPlugin;
pub use pool::Allocation;
pub use runtime::{EPOCH_TICK, LoadError, Runtime};
pub use state::ActionState;
pub use tiers::{Optimizer, Tier, Tiering};
