//! Host bindings for every version of the `kiln:plugin` contract the host
//! links. A plugin built against any of them loads: the runtime picks the
//! bindings by the contract version the component imports, and converts
//! between the version's generated types and the host's own.
//!
//! WASI interfaces are taken from wasmtime-wasi (and wasi:http from
//! wasmtime-wasi-http) rather than generated again, so one linker serves all.

/// `wit/since_v0.1.0`: log only.
pub mod v0_1 {
    wasmtime::component::bindgen!({
        path: "../../wit/since_v0.1.0",
        world: "kiln:plugin/action@0.1.0",
        imports: { default: trappable },
        exports: { default: async },
        with: {
            "wasi:cli": wasmtime_wasi::p2::bindings::cli,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
            "wasi:filesystem": wasmtime_wasi::p2::bindings::filesystem,
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:random": wasmtime_wasi::p2::bindings::random,
        },
        require_store_data_send: true,
    });
}

/// `wit/since_v0.2.0`: log, exec, secrets and wasi:http.
pub mod v0_2 {
    wasmtime::component::bindgen!({
        path: "../../wit/since_v0.2.0",
        world: "kiln:plugin/action@0.2.0",
        imports: {
            "kiln:plugin/exec.run": async | trappable,
            "kiln:plugin/exec.output": async | trappable,
            default: trappable,
        },
        exports: { default: async },
        with: {
            "wasi:cli": wasmtime_wasi::p2::bindings::cli,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
            "wasi:filesystem": wasmtime_wasi::p2::bindings::filesystem,
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:random": wasmtime_wasi::p2::bindings::random,
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        },
        require_store_data_send: true,
    });
}

/// The contract versions this host links, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum ContractVersion {
    #[serde(rename = "0.1.0")]
    V0_1,
    #[serde(rename = "0.2.0")]
    V0_2,
}

impl ContractVersion {
    pub const LATEST: ContractVersion = ContractVersion::V0_2;

    pub fn as_str(self) -> &'static str {
        match self {
            ContractVersion::V0_1 => "0.1.0",
            ContractVersion::V0_2 => "0.2.0",
        }
    }

    /// The contract a component was built against, from the `kiln:plugin`
    /// interfaces it imports (every plugin imports at least `types`).
    pub fn of_imports<'a>(imports: impl Iterator<Item = &'a str>) -> Option<Self> {
        let mut found = None;
        for name in imports {
            let Some(rest) = name.strip_prefix("kiln:plugin/") else {
                continue;
            };
            let version = match rest.rsplit_once('@').map(|(_, v)| v) {
                Some("0.1.0") => ContractVersion::V0_1,
                Some("0.2.0") => ContractVersion::V0_2,
                _ => continue,
            };
            found = Some(found.map_or(version, |f: ContractVersion| f.max(version)));
        }
        found
    }
}

/// The conversions are the same for every version: the generated types
/// have the same shapes under different paths.
macro_rules! convert_types {
    ($version:ident) => {
        impl From<$version::kiln::plugin::types::PluginInfo> for kiln_model::plugin::PluginInfo {
            fn from(info: $version::kiln::plugin::types::PluginInfo) -> Self {
                use kiln_model::grants::Access;
                use kiln_model::plugin::{GrantRequest, ParamSpec};
                use $version::kiln::plugin::types as wit;
                Self {
                    name: info.name,
                    version: info.version,
                    summary: info.summary,
                    params: info
                        .params
                        .into_iter()
                        .map(|p| ParamSpec {
                            name: p.name,
                            description: p.description,
                            required: p.required,
                            default: p.default,
                        })
                        .collect(),
                    grants: info
                        .grants
                        .into_iter()
                        .map(|g| match g {
                            wit::GrantRequest::WorkspaceWrite => GrantRequest::WorkspaceWrite,
                            wit::GrantRequest::Path(p) => GrantRequest::Path {
                                name: p.name,
                                access: match p.access {
                                    wit::Access::ReadOnly => Access::ReadOnly,
                                    wit::Access::ReadWrite => Access::ReadWrite,
                                },
                            },
                            wit::GrantRequest::Exec(program) => GrantRequest::Exec(program),
                            wit::GrantRequest::Network => GrantRequest::Network,
                            wit::GrantRequest::Secret(name) => GrantRequest::Secret(name),
                        })
                        .collect(),
                }
            }
        }

        impl $version::kiln::plugin::types::Host for Types {}
    };
}

convert_types!(v0_1);
convert_types!(v0_2);

/// The host side of `kiln:plugin/types`: types only, no functions.
pub struct Types;

struct HasTypes;

impl wasmtime::component::HasData for HasTypes {
    type Data<'a> = Types;
}

/// Link `kiln:plugin/types` of every contract version.
pub fn add_types_to_linker<T: 'static>(
    linker: &mut wasmtime::component::Linker<T>,
) -> wasmtime::Result<()> {
    v0_1::kiln::plugin::types::add_to_linker::<T, HasTypes>(linker, |_| Types)?;
    v0_2::kiln::plugin::types::add_to_linker::<T, HasTypes>(linker, |_| Types)
}

#[cfg(test)]
mod tests {
    use super::ContractVersion;

    #[test]
    fn the_contract_version_comes_from_the_imports() {
        let v1 = [
            "wasi:cli/stdout@0.2.12",
            "kiln:plugin/types@0.1.0",
            "kiln:plugin/log@0.1.0",
        ];
        assert_eq!(
            ContractVersion::of_imports(v1.into_iter()),
            Some(ContractVersion::V0_1)
        );
        let v2 = ["kiln:plugin/types@0.2.0", "kiln:plugin/exec@0.2.0"];
        assert_eq!(
            ContractVersion::of_imports(v2.into_iter()),
            Some(ContractVersion::V0_2)
        );
        assert_eq!(
            ContractVersion::of_imports(["wasi:cli/stdout@0.2.12"].into_iter()),
            None
        );
    }
}
