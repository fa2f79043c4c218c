//! What a plugin says of itself: its `describe()` answer.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::grants::fs::Access;

/// A parameter the plugin declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamSpec {
    pub name: String,
    pub description: String,
    pub required: bool,
    pub default: Option<String>,
}

/// A grant the plugin says it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
