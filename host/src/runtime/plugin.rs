//! A loaded plugin: its component compiled once, pre-linked, and its
//! `describe()` answer.

use std::fmt;
use std::path::PathBuf;

use super::bindings::{ContractVersion, v0_1, v0_2};
use super::state::ActionState;
use crate::capabilities::fs::Access;
use crate::digest::Digest;

/// A parameter the plugin declares.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ParamSpec {
    pub name: String,
    pub description: String,
    pub required: bool,
    pub default: Option<String>,
}

/// A grant the plugin says it needs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum GrantRequest {
    WorkspaceWrite,
    Path { name: String, access: Access },
    Exec(String),
    Network,
    Secret(String),
}

impl fmt::Display for GrantRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GrantRequest::WorkspaceWrite => f.write_str("workspace: read-write"),
            GrantRequest::Path { name, access } => write!(f, "path `{name}` ({access})"),
            GrantRequest::Exec(program) => write!(f, "exec `{program}`"),
            GrantRequest::Network => f.write_str("network"),
            GrantRequest::Secret(name) => write!(f, "secret `{name}`"),
        }
    }
}

/// What a plugin's `describe()` returned.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub summary: String,
    pub params: Vec<ParamSpec>,
    pub grants: Vec<GrantRequest>,
}

impl PluginInfo {
    /// The answer with every text on one plain line: it is the plugin's
    /// own words, shown by `kiln plugin inspect`, in validation errors and
    /// in registry annotations.
    pub fn plain(self) -> Self {
        use crate::plain_text::one_line;
        let grant = |g: GrantRequest| match g {
            GrantRequest::Path { name, access } => GrantRequest::Path {
                name: one_line(&name),
                access,
            },
            GrantRequest::Exec(program) => GrantRequest::Exec(one_line(&program)),
            GrantRequest::Secret(name) => GrantRequest::Secret(one_line(&name)),
            other => other,
        };
        Self {
            name: one_line(&self.name),
            version: one_line(&self.version),
            summary: one_line(&self.summary),
            params: self
                .params
                .into_iter()
                .map(|p| ParamSpec {
                    name: one_line(&p.name),
                    description: one_line(&p.description),
                    required: p.required,
                    default: p.default.map(|d| one_line(&d)),
                })
                .collect(),
            grants: self.grants.into_iter().map(grant).collect(),
        }
    }
}

/// A compiled, pre-linked plugin ready to instantiate per attempt.
pub struct LoadedPlugin {
    pub path: PathBuf,
    /// Digest of the component file.
    pub digest: Digest,
    pub info: PluginInfo,
    /// The contract version the plugin was built against.
    pub contract: ContractVersion,
    /// Whether it was compiled now or loaded from the compiled cache.
    pub provenance: super::Provenance,
    /// How long compiling or deserializing took.
    pub load_time: std::time::Duration,
    pub(super) component: wasmtime::component::Component,
    pub(super) pre: PluginPre,
}

/// The pre-linked instance of a plugin, by contract version.
pub(super) enum PluginPre {
    V0_1(v0_1::ActionPre<ActionState>),
    V0_2(v0_2::ActionPre<ActionState>),
}

impl LoadedPlugin {
    /// The component's imports and exports, as WIT names.
    pub fn world(&self, engine: &wasmtime::Engine) -> (Vec<String>, Vec<String>) {
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
