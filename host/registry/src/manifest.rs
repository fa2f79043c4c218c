//! The OCI documents kiln writes and reads: descriptors, image manifests
//! in the CNCF Wasm artifact layout, and the Wasm config.
//!
//! Own serde types, not a library's: kiln must hash and store the
//! exact bytes it pushes, and check the exact bytes it pulls.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use kiln_model::digest::Digest;

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

    /// The digest, if it is a SHA-256 one (the only kind kiln stores) in
    /// its one spelling.
    pub fn sha256(&self) -> Option<Digest> {
        parse_digest(&self.digest)
    }
}

/// `sha256:` and 64 lower-case hex digits, and nothing else: what a digest
/// from a registry must be before it names a URL or a file. (Upper-case
/// hex would name the same bytes under another name.)
pub fn parse_digest(text: &str) -> Option<Digest> {
    let digest: Digest = text.parse().ok()?;
    (digest.to_string() == text).then_some(digest)
}

/// A wasmparser error on one line (some span several).
fn wasm_error(error: wasmparser::BinaryReaderError) -> String {
    error
        .to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Check that `reader` holds a valid WebAssembly component (all features
/// wasmparser knows, function bodies included), reading it in pieces:
/// what kiln checks of a pulled component before it enters the store.
pub fn validate_component(mut reader: impl std::io::Read) -> Result<(), String> {
    use wasmparser::{Chunk, Encoding, Parser, Payload, ValidPayload, Validator, WasmFeatures};

    let mut validator = Validator::new_with_features(WasmFeatures::all());
    let mut parser = Parser::new(0);
    let mut parents: Vec<Parser> = Vec::new();
    let mut buffer: Vec<u8> = Vec::new();
    let mut start = 0usize;
    let mut eof = false;
    let mut first = true;
    loop {
        let (payload, consumed) = match parser.parse(&buffer[start..], eof).map_err(wasm_error)? {
            Chunk::NeedMoreData(hint) => {
                if eof {
                    return Err("it ends in the middle of a section".into());
                }
                // Keep only what is not parsed yet, then read more.
                buffer.drain(..start);
                start = 0;
                let have = buffer.len();
                // The hint is a u64 in some wasmparser versions, a usize in others.
                let want = usize::try_from(hint)
                    .unwrap_or(usize::MAX)
                    .clamp(64 << 10, 8 << 20);
                buffer.resize(have + want, 0);
                let read = reader
                    .read(&mut buffer[have..])
                    .map_err(|error| format!("reading it: {error}"))?;
                buffer.truncate(have + read);
                eof = read == 0;
                continue;
            }
            Chunk::Parsed { consumed, payload } => (payload, consumed),
        };
        if first {
            if !matches!(
                payload,
                Payload::Version {
                    encoding: Encoding::Component,
                    ..
                }
            ) {
                return Err("it is a core module, not a component".into());
            }
            first = false;
        }
        match validator.payload(&payload).map_err(wasm_error)? {
            ValidPayload::Func(function, body) => {
                function
                    .into_validator(Default::default())
                    .validate(&body)
                    .map_err(wasm_error)?;
            }
            ValidPayload::Ok | ValidPayload::Parser(_) | ValidPayload::End(_) => {}
        }
        match payload {
            Payload::ModuleSection { parser: nested, .. }
            | Payload::ComponentSection { parser: nested, .. } => {
                parents.push(std::mem::replace(&mut parser, nested));
            }
            Payload::End(_) => match parents.pop() {
                Some(parent) => parser = parent,
                None => {
                    start += consumed;
                    if start < buffer.len()
                        || reader.read(&mut [0u8]).map_err(|e| e.to_string())? > 0
                    {
                        return Err("it has bytes after its end".into());
                    }
                    return Ok(());
                }
            },
            _ => {}
        }
        start += consumed;
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
                crate::text::printable(&self.config.media_type)
            ));
        }
        match self.layers.as_slice() {
            [layer] if layer.media_type == WASM_LAYER_MEDIA_TYPE => Ok(layer),
            [layer] => Err(format!(
                "its layer is {}, not {WASM_LAYER_MEDIA_TYPE}",
                crate::text::printable(&layer.media_type)
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
    fn only_a_valid_component_validates() {
        let component = wat::parse_str(
            r#"(component (core module (func (export "f") (result i32) i32.const 1)))"#,
        )
        .unwrap();
        validate_component(component.as_slice()).unwrap();
        // One byte at a time: the streaming parser asks for more.
        struct Trickle<'a>(&'a [u8]);
        impl std::io::Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let Some((&first, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                if buf.is_empty() {
                    return Ok(0);
                }
                buf[0] = first;
                self.0 = rest;
                Ok(1)
            }
        }
        validate_component(Trickle(&component)).unwrap();

        let module = wat::parse_str("(module)").unwrap();
        assert!(
            validate_component(module.as_slice())
                .unwrap_err()
                .contains("core module")
        );
        let junk = vec![0x42u8; 4096];
        assert!(validate_component(junk.as_slice()).is_err());
        let mut truncated = component.clone();
        truncated.truncate(component.len() - 3);
        assert!(validate_component(truncated.as_slice()).is_err());
        let mut trailing = component.clone();
        trailing.extend_from_slice(b"junk");
        assert!(validate_component(trailing.as_slice()).is_err());
        // A body that does not type-check.
        let invalid =
            wat::parse_str(r#"(component (core module (func (result i32) i64.const 1)))"#);
        if let Ok(invalid) = invalid {
            assert!(validate_component(invalid.as_slice()).is_err());
        }
    }

    #[test]
    fn a_digest_has_one_spelling() {
        let digest = Digest::of(b"x");
        assert_eq!(parse_digest(&digest.to_string()), Some(digest));
        assert_eq!(
            parse_digest(
                &digest
                    .to_string()
                    .to_uppercase()
                    .replace("SHA256", "sha256")
            ),
            None
        );
        for text in ["sha256:../../x", "sha256:", "sha512:00", "", "sha256:zz"] {
            assert_eq!(parse_digest(text), None, "{text}");
        }
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
