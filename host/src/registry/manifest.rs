//! The OCI documents kiln writes and reads: descriptors, image manifests
//! in the CNCF Wasm artifact layout, and the Wasm config.
//!
//! Own serde types rather than oci-client's: kiln must hash and store the
//! exact bytes it pushes, and check the exact bytes it pulls.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;

pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
pub const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";
/// The CNCF Wasm artifact layout (wkg, Spin, wasmCloud).
pub const WASM_CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
pub const WASM_LAYER_MEDIA_TYPE: &str = "application/wasm";
/// The OCI 1.1 empty descriptor: `{}`, the config of artifacts that have
/// nothing to configure (kiln's signatures).
pub const EMPTY_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
pub const EMPTY_BLOB: &[u8] = b"{}";

/// A pointer to a blob: what it is, its digest, its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Descriptor {
    pub fn of(media_type: &str, bytes: &[u8]) -> Self {
        Self {
            media_type: media_type.to_owned(),
            digest: Digest::of(bytes).to_string(),
            size: bytes.len() as u64,
            artifact_type: None,
            annotations: BTreeMap::new(),
        }
    }

    /// The digest, if it is a SHA-256 one (the only kind kiln stores).
    pub fn sha256(&self) -> Option<Digest> {
        self.digest.parse().ok()
    }
}

/// An OCI image manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Manifest {
    /// The component layer of a Wasm artifact, or why this manifest is not
    /// one (kiln runs exactly one `application/wasm` layer).
    pub fn component_layer(&self) -> Result<&Descriptor, String> {
        if self.config.media_type != WASM_CONFIG_MEDIA_TYPE {
            return Err(format!(
                "its config is {}, not a Wasm config ({WASM_CONFIG_MEDIA_TYPE})",
                self.config.media_type
            ));
        }
        match self.layers.as_slice() {
            [layer] if layer.media_type == WASM_LAYER_MEDIA_TYPE => Ok(layer),
            [layer] => Err(format!(
                "its layer is {}, not {WASM_LAYER_MEDIA_TYPE}",
                layer.media_type
            )),
            layers => Err(format!(
                "it has {} layers; a Wasm component artifact has exactly one",
                layers.len()
            )),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a manifest serializes")
    }
}

/// The config of a Wasm artifact (`application/vnd.wasm.config.v0+json`),
/// as wkg and oci-wasm write it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WasmConfig {
    pub created: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    pub architecture: String,
    pub os: String,
    pub layer_digests: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<ComponentInfo>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentInfo {
    pub exports: Vec<String>,
    pub imports: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

impl WasmConfig {
    /// The config for a component: its imports and exports read from the
    /// binary (as oci-wasm does), `created` from `SOURCE_DATE_EPOCH` when
    /// set, so that publishing the same bytes twice gives the same digest.
    pub fn for_component(component: &[u8], digest: &str) -> Result<Self, String> {
        // A component's preamble: `\0asm`, a version, then layer 1 (a core
        // module's layer is 0). wit-component would decode a module too.
        if component.len() < 8 || &component[..4] != b"\0asm" || component[6..8] != [1, 0] {
            return Err("it is not a WebAssembly component (a core module, or not Wasm)".into());
        }
        let decoded = wit_component::decode(component)
            .map_err(|error| format!("it is not a WebAssembly component: {error:#}"))?;
        let wit_component::DecodedWasm::Component(resolve, world) = decoded else {
            return Err("it is a WIT package, not a component".into());
        };
        let world = &resolve.worlds[world];
        let created = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|secs| secs.parse::<i64>().ok())
            .and_then(|secs| time::OffsetDateTime::from_unix_timestamp(secs).ok())
            .unwrap_or_else(time::OffsetDateTime::now_utc);
        Ok(Self {
            created: created
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            author: None,
            architecture: "wasm".into(),
            os: "wasip2".into(),
            layer_digests: vec![digest.to_owned()],
            component: Some(ComponentInfo {
                exports: world
                    .exports
                    .keys()
                    .map(|key| resolve.name_world_key(key))
                    .collect(),
                imports: world
                    .imports
                    .keys()
                    .map(|key| resolve.name_world_key(key))
                    .collect(),
                target: None,
            }),
        })
    }
}

/// An OCI image index: `index.json` of an image layout.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
}

impl Default for Index {
    fn default() -> Self {
        Self {
            schema_version: 2,
            media_type: Some(INDEX_MEDIA_TYPE.to_owned()),
            manifests: Vec::new(),
        }
    }
}

/// A Wasm artifact's config and manifest for `component`.
pub fn wasm_artifact(
    component: &[u8],
    annotations: BTreeMap<String, String>,
) -> Result<(Vec<u8>, Manifest), String> {
    // The component is hashed once, for the layer and the config both.
    let layer = Descriptor::of(WASM_LAYER_MEDIA_TYPE, component);
    let config = serde_json::to_vec(&WasmConfig::for_component(component, &layer.digest)?)
        .expect("a config serializes");
    let manifest = Manifest {
        schema_version: 2,
        media_type: Some(MANIFEST_MEDIA_TYPE.to_owned()),
        artifact_type: None,
        config: Descriptor::of(WASM_CONFIG_MEDIA_TYPE, &config),
        layers: vec![layer],
        subject: None,
        annotations,
    };
    Ok((config, manifest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_core_module_is_not_a_component() {
        let module = wat::parse_str("(module)").unwrap();
        let error = WasmConfig::for_component(&module, "sha256:0").unwrap_err();
        assert!(error.contains("component"), "{error}");
    }

    #[test]
    fn a_component_gets_a_wasm_artifact() {
        let component = wat::parse_str("(component)").unwrap();
        let (config, manifest) = wasm_artifact(&component, BTreeMap::new()).unwrap();
        let layer = manifest.component_layer().unwrap();
        assert_eq!(layer.digest, Digest::of(&component).to_string());
        assert_eq!(manifest.config.digest, Digest::of(&config).to_string());
        let parsed: WasmConfig = serde_json::from_slice(&config).unwrap();
        assert_eq!(parsed.os, "wasip2");
        assert_eq!(parsed.layer_digests, vec![layer.digest.clone()]);
    }
}
