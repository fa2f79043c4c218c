//! A loaded plugin: its component compiled once, pre-linked, and its
//! `describe()` answer.

use std::fmt;
use std::path::PathBuf;

use crate::bindings::{ContractVersion, v0_1, v0_2};
use crate::state::ActionState;
use kiln_model::digest::Digest;

pub use kiln_model::plugin::{GrantRequest, ParamSpec, PluginInfo};

/// A compiled, pre-linked plugin ready to instantiate per attempt.
pub struct LoadedPlugin {
    pub path: PathBuf,
    /// Digest of the component file.
    pub digest: Digest,
    pub info: PluginInfo,
    /// The contract version the plugin was built against.
    pub contract: ContractVersion,
    /// Whether it was compiled now or loaded from the compiled cache.
    pub provenance: crate::compiled_cache::Provenance,
    /// Which compiler made its code: baseline code is replaced by optimized
    /// code once that is in the compiled cache.
    pub tier: crate::tiers::Tier,
    /// How long compiling or deserializing took.
    pub load_time: std::time::Duration,
    pub(super) component: wasmtime::component::Component,
    pub(super) pre: PluginPre,
    /// What one store of it takes from its engine's instance pool.
    pub(super) slots: crate::pool::PluginSlots,
}

/// The pre-linked instance of a plugin, by contract version.
pub(super) enum PluginPre {
    V0_1(v0_1::ActionPre<ActionState>),
    V0_2(v0_2::ActionPre<ActionState>),
}

impl LoadedPlugin {
    /// How a plan names this plugin: by digest, with its file and answer.
    pub fn reference(&self) -> kiln_model::plan::PluginRef {
        kiln_model::plan::PluginRef {
            digest: self.digest,
            path: self.path.clone(),
            info: self.info.clone(),
        }
    }

    /// The component's imports and exports, as WIT names.
    pub fn world(&self) -> (Vec<String>, Vec<String>) {
        let engine = self.component.engine();
        let ty = self.component.component_type();
        let imports = ty
            .imports(engine)
            .map(|(name, _)| name.to_owned())
            .collect();
        let exports = ty
            .exports(engine)
            .map(|(name, _)| name.to_owned())
            .collect();
        (imports, exports)
    }
}

impl fmt::Debug for LoadedPlugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedPlugin")
            .field("path", &self.path)
            .field("digest", &self.digest)
            .field("name", &self.info.name)
            .field("contract", &self.contract)
            .finish()
    }
}
