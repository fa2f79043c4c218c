use crate::bindings::kiln::plugin::types as wit;

/// What a plugin says about itself in `describe`.
#[derive(Debug, Clone)]
pub struct Info {
    name: String,
    version: String,
    summary: String,
    params: Vec<Param>,
    grants: Vec<Grant>,
}

impl Info {
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            summary: String::new(),
            params: Vec::new(),
            grants: Vec::new(),
        }
    }

    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = summary.into();
        self
    }

    pub fn param(mut self, param: Param) -> Self {
        self.params.push(param);
        self
    }

    pub fn grant(mut self, grant: Grant) -> Self {
        self.grants.push(grant);
        self
    }

    pub(crate) fn into_wit(self) -> wit::PluginInfo {
        wit::PluginInfo {
            name: self.name,
            version: self.version,
            summary: self.summary,
            params: self.params.into_iter().map(Param::into_wit).collect(),
            grants: self.grants.into_iter().map(Grant::into_wit).collect(),
        }
    }
}

/// A parameter of the action's `with:` block. Optional unless
/// [`Param::required`] is called.
#[derive(Debug, Clone)]
pub struct Param {
    name: String,
    description: String,
    required: bool,
    default: Option<String>,
}

impl Param {
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: description.into(),
            required: false,
            default: None,
        }
    }

    /// Validation fails before the run when the pipeline omits this parameter.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// The value the plugin receives when the pipeline omits the parameter.
    pub fn default(mut self, value: impl Into<String>) -> Self {
        self.default = Some(value.into());
        self
    }

    fn into_wit(self) -> wit::ParamSpec {
        wit::ParamSpec {
            name: self.name,
            description: self.description,
            required: self.required,
            default: self.default,
        }
    }
}

/// How a granted host directory may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadOnly,
    ReadWrite,
}

/// A capability beyond the default sandbox. The pipeline must grant it to
/// the action, or validation fails before the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// `/workspace` writable instead of read-only.
    WorkspaceWrite,
    /// A named host directory, mounted at `/mnt/<name>`.
    Path { name: String, access: Access },
    /// Running a program through the host (contract 0.2.0).
    Exec(String),
    /// Outbound HTTP to the hosts the pipeline lists (contract 0.2.0).
    Network,
    /// Reading a named secret (contract 0.2.0).
    Secret(String),
}

impl Grant {
    pub fn path(name: impl Into<String>, access: Access) -> Self {
        Self::Path {
            name: name.into(),
            access,
        }
    }

    fn into_wit(self) -> wit::GrantRequest {
        match self {
            Grant::WorkspaceWrite => wit::GrantRequest::WorkspaceWrite,
            Grant::Path { name, access } => wit::GrantRequest::Path(wit::PathRequest {
                name,
                access: match access {
                    Access::ReadOnly => wit::Access::ReadOnly,
                    Access::ReadWrite => wit::Access::ReadWrite,
                },
            }),
            Grant::Exec(program) => wit::GrantRequest::Exec(program),
            Grant::Network => wit::GrantRequest::Network,
            Grant::Secret(name) => wit::GrantRequest::Secret(name),
        }
    }
}
