//! What a store holds for one attempt: its WASI context (preopens, env,
//! stdio), its resource table, its log, its limits, and the state of each
//! granted capability. Each capability reaches its part through its own
//! `View` trait; their host implementations live in their own modules
//! under `crate::capabilities`.

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::budget::{Limits, StoreBudget};
use crate::capabilities::exec::{ExecAccess, ExecHost, ExecView};
use crate::capabilities::http::{HttpPolicy, NetworkGrant};
use crate::capabilities::log::{ActionLog, LogView};
use crate::capabilities::secrets::{GrantedSecrets, SecretsView};

pub struct ActionState {
    wasi: WasiCtx,
    table: ResourceTable,
    /// `None` while describing a plugin: nothing is logged then.
    pub(crate) log: Option<ActionLog>,
    pub(super) limits: StoreBudget,
    http: WasiHttpCtx,
    http_policy: HttpPolicy,
    pub(crate) secrets: GrantedSecrets,
    /// `None` when the action grants no programs.
    pub(crate) exec: Option<ExecAccess>,
}

impl ActionState {
    /// A store for `describe`: no files, no environment, no network,
    /// output discarded.
    pub fn bare() -> Self {
        Self::new(
            WasiCtxBuilder::new().build(),
            None,
            NetworkGrant::default(),
            &Limits::DEFAULT,
        )
    }

    pub fn new(
        wasi: WasiCtx,
        log: Option<ActionLog>,
        network: NetworkGrant,
        limits: &Limits,
    ) -> Self {
        let mut table = ResourceTable::new();
        table.set_max_capacity(limits.files as usize);
        Self {
            wasi,
            table,
            http_policy: HttpPolicy::new(network, log.clone()),
            log,
            limits: StoreBudget::new(limits.memory),
            http: WasiHttpCtx::new(),
            secrets: GrantedSecrets::default(),
            exec: None,
        }
    }

    /// The programs this attempt may run.
    pub fn with_exec(mut self, exec: Option<ExecAccess>) -> Self {
        self.exec = exec;
        self
    }

    /// The secrets this attempt may read.
    pub fn with_secrets(mut self, secrets: GrantedSecrets) -> Self {
        self.secrets = secrets;
        self
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

impl WasiHttpView for ActionState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.http_policy,
        }
    }
}

impl LogView for ActionState {
    fn log(&mut self) -> Option<&ActionLog> {
        self.log.as_ref()
    }
}

impl SecretsView for ActionState {
    fn secrets(&mut self) -> &GrantedSecrets {
        &self.secrets
    }
}

impl ExecView for ActionState {
    fn exec(&mut self) -> ExecHost<'_> {
        ExecHost {
            access: self.exec.as_ref(),
            log: self.log.as_ref(),
        }
    }
}
