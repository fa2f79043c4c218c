//! What a store holds for one attempt: its WASI context (preopens, env,
//! stdio), its resource table, its log and its limits.

use wasmtime::component::ResourceTable;
use wasmtime::{StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::bindings::kiln::plugin::log as wit_log;
use crate::capabilities::log::{ActionLog, Level};

/// Memory a plugin instance may grow to when the pipeline sets no limit.
pub const DEFAULT_MEMORY_LIMIT: usize = 2 << 30;

pub struct ActionState {
    wasi: WasiCtx,
    table: ResourceTable,
    log: Option<ActionLog>,
    pub(super) limits: StoreLimits,
}

impl ActionState {
    /// A store for `describe`: no files, no environment, output discarded.
    pub fn bare() -> Self {
        Self::new(WasiCtxBuilder::new().build(), None)
    }

    pub fn new(wasi: WasiCtx, log: Option<ActionLog>) -> Self {
        Self {
            wasi,
            table: ResourceTable::new(),
            log,
            limits: StoreLimitsBuilder::new()
                .memory_size(DEFAULT_MEMORY_LIMIT)
                .instances(64)
                .tables(64)
                .memories(64)
                .trap_on_grow_failure(true)
                .build(),
        }
    }
}

impl WasiView for ActionState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl wit_log::Host for ActionState {
    fn log(&mut self, level: wit_log::Level, message: String) -> wasmtime::Result<()> {
        if let Some(log) = &self.log {
            log.write(level.into(), &message);
        }
        Ok(())
    }

    fn progress(&mut self, done: u64, total: u64, message: String) -> wasmtime::Result<()> {
        if let Some(log) = &self.log {
            log.progress(done, total, &message);
        }
        Ok(())
    }
}

impl From<wit_log::Level> for Level {
    fn from(level: wit_log::Level) -> Self {
        match level {
            wit_log::Level::Trace => Level::Trace,
            wit_log::Level::Debug => Level::Debug,
            wit_log::Level::Info => Level::Info,
            wit_log::Level::Warn => Level::Warn,
            wit_log::Level::Error => Level::Error,
        }
    }
}

/// `types` defines no functions; the trait exists so the linker is complete.
impl super::bindings::kiln::plugin::types::Host for ActionState {}
