//! Sharing plugins through OCI registries.
//!
//! A plugin in a registry is a CNCF Wasm artifact (config
//! `application/vnd.wasm.config.v0+json`, one `application/wasm` layer),
//! the layout wkg, Spin and wasmCloud use, so the same registry serves all
//! of them. The modules:
//!
//! - [`reference`][self::reference]: `oci://host[:port]/repo:tag[@sha256:...]`;
//! - [`manifest`][self::manifest]: the OCI documents, and the Wasm config of a component;
//! - [`layout`][self::layout]: the local plugin store, an OCI image layout directory;
//! - [`client`][self::client]: the registry protocol, credentials, the plain-HTTP
//!   rule, and the limits on what a registry may send (sizes, deadlines);
//! - [`lockfile`][self::lockfile]: `kiln.lock`, tags pinned to digests;
//! - [`signing`][self::signing]: ed25519 signatures stored beside the plugin.
//!
//! What `kiln run` does with a pipeline's `oci://` uses (resolve, pin,
//! fetch, check the signature policy) is the engine's plugin resolution.

pub mod client;
pub mod layout;
pub mod lockfile;
pub mod manifest;
pub mod reference;
pub mod signing;
pub mod text;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use client::{ClientConfig, RegistryClient, RegistryError};
pub use layout::{LocalStore, StoreError};
pub use lockfile::{LockError, LockFile, Pin};
pub use reference::PluginRef;

use client::{MAX_BLOB_SIZE, MAX_CONFIG_SIZE, MAX_SIGNATURE_LAYERS, MAX_SIGNATURE_SIZE};
use manifest::{Descriptor, EMPTY_BLOB, MANIFEST_MEDIA_TYPE, Manifest};
use signing::{SIGNATURE_MEDIA_TYPE, Signature};

use kiln_model::digest::Digest;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Key(#[from] signing::KeyError),
    #[error("{reference} is not a kiln plugin: {reason}")]
    NotAPlugin { reference: String, reason: String },
    #[error(
        "{reference}: kiln.lock pins component {pinned}, but manifest {manifest} holds component {actual}; refused"
    )]
    PinMismatch {
        reference: String,
        manifest: Digest,
        pinned: Digest,
        actual: Digest,
    },
    #[error("{0} names a digest; publish to a tag (oci://host/repo:tag)")]
    NeedsTag(String),
    #[error("{reference}: its signature artifact {reason}; refused")]
    Signatures { reference: String, reason: String },
}

/// A registry plugin ready to run: its component in the local store,
/// checked.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub reference: PluginRef,
    pub manifest: Digest,
    pub component: Digest,
    /// The component blob in the local store.
    pub path: PathBuf,
}

impl Resolved {
    /// The reference pinned to the digest, e.g. for the README's "use it by
    /// digest".
    pub fn pinned_reference(&self) -> PluginRef {
        self.reference.pinned(self.manifest)
    }
}

/// The local store and the registries behind it.
pub struct Registry {
    store: LocalStore,
    client: RegistryClient,
}

impl Registry {
    pub fn new(store: LocalStore, client: RegistryClient) -> Self {
        Self { store, client }
    }

    /// The local store in `oci_dir` (an OCI image layout), and a client
    /// configured by `config` (see [`ClientConfig::from_env`] for the
    /// front ends' way of reading it).
    pub fn open(oci_dir: &std::path::Path, config: ClientConfig) -> Result<Self, Error> {
        Ok(Self::new(
            LocalStore::open(oci_dir)?,
            RegistryClient::new(config)?,
        ))
    }

    pub fn store(&self) -> &LocalStore {
        &self.store
    }

    /// Resolve `reference` to a checked component in the local store. The
    /// manifest digest is the reference's own, else the lock's pin (unless
    /// `refresh`), else what the registry says the tag is now (then
    /// pinned in `lock`). Nothing is asked of the registry when the
    /// digest is known and its blobs are already here.
    pub async fn resolve(
        &self,
        reference: &PluginRef,
        lock: Option<&mut LockFile>,
        refresh: bool,
    ) -> Result<Resolved, Error> {
        let pin = match (&reference.digest, &lock) {
            (Some(_), _) => None,
            (None, Some(lock)) if !refresh => lock.get(reference),
            _ => None,
        };
        let manifest_digest = match (reference.digest, pin) {
            (Some(digest), _) => digest,
            (None, Some(pin)) => pin.manifest,
            (None, None) => self.client.resolve(reference).await?,
        };
        let (manifest, just_stored) = self.fetch(reference, &manifest_digest).await?;
        let component = component_digest(reference, &manifest)?;
        if let Some(pin) = pin
            && pin.component != component
        {
            return Err(Error::PinMismatch {
                reference: reference.to_string(),
                manifest: manifest_digest,
                pinned: pin.component,
                actual: component,
            });
        }
        // A blob stored a moment ago was hashed as it was stored; one that
        // was already there is hashed now, as on every read.
        let path = if just_stored {
            self.store.blob_path(&component)
        } else {
            self.store.verified_blob_path(&component)?
        };
        if reference.digest.is_none()
            && let Some(lock) = lock
        {
            lock.set(
                reference,
                Pin {
                    manifest: manifest_digest,
                    component,
                },
            );
        }
        Ok(Resolved {
            reference: reference.clone(),
            manifest: manifest_digest,
            component,
            path,
        })
    }

    /// The manifest `digest`, from the store or pulled (with its config and
    /// component) into it; every blob checked against its digest. Whether
    /// it was pulled just now.
    async fn fetch(
        &self,
        reference: &PluginRef,
        digest: &Digest,
    ) -> Result<(Manifest, bool), Error> {
        if self.store.has_blob(digest) {
            let manifest = self.store.manifest(digest)?;
            let layer = component_digest(reference, &manifest)?;
            if self.store.has_blob(&layer)
                && self.store.has_blob(&config_digest(reference, &manifest)?)
            {
                return Ok((manifest, false));
            }
        }
        let bytes = self.client.pull_manifest(reference, digest).await?;
        let pinned = reference.pinned(*digest);
        let manifest: Manifest =
            serde_json::from_slice(&bytes).map_err(|error| Error::NotAPlugin {
                reference: pinned.to_string(),
                reason: format!("its manifest is not an OCI image manifest: {error}"),
            })?;
        // Both digests are checked before either names a URL or a file.
        let component = component_digest(&pinned, &manifest)?;
        let config = config_digest(&pinned, &manifest)?;
        let layer = &manifest.layers[0];
        let mut config_bytes = Vec::new();
        self.client
            .pull_blob(
                &pinned,
                &manifest.config,
                "the config",
                MAX_CONFIG_SIZE,
                &mut config_bytes,
            )
            .await?;
        if !serde_json::from_slice::<serde_json::Value>(&config_bytes).is_ok_and(|v| v.is_object())
        {
            return Err(Error::NotAPlugin {
                reference: pinned.to_string(),
                reason: format!("its config {config} is not a JSON object"),
            });
        }
        // The component goes to a temporary file in the store, and becomes
        // a blob only once it is known to be a component: a registry
        // cannot leave anything else behind.
        let mut incoming = self.store.incoming()?;
        self.client
            .pull_blob(
                &pinned,
                layer,
                "the component",
                MAX_BLOB_SIZE,
                incoming.file(),
            )
            .await?;
        let file = std::fs::File::open(incoming.path()).map_err(|source| StoreError::Io {
            path: incoming.path().to_path_buf(),
            source,
        })?;
        // Validation is CPU work (every function body): off the async
        // workers.
        tokio::task::spawn_blocking(move || {
            manifest::validate_component(std::io::BufReader::new(file))
        })
        .await
        .unwrap_or_else(|error| Err(format!("its check did not finish: {error}")))
        .map_err(|reason| Error::NotAPlugin {
            reference: pinned.to_string(),
            reason: format!(
                "its layer {component} is not a WebAssembly component ({reason}); nothing was stored"
            ),
        })?;
        self.store
            .put_blob(&config_bytes, &config.to_string(), "the config")?;
        self.store.commit(incoming, &component)?;
        self.keep(reference, &bytes, digest, &[])?;
        Ok((manifest, true))
    }

    /// Push `component` to `reference`'s tag (and keep it in the store).
    pub async fn publish(
        &self,
        component: &[u8],
        reference: &PluginRef,
        annotations: BTreeMap<String, String>,
    ) -> Result<Resolved, Error> {
        if reference.digest.is_some() {
            return Err(Error::NeedsTag(reference.to_string()));
        }
        let (config, manifest) =
            manifest::wasm_artifact(component, annotations).map_err(|reason| {
                Error::NotAPlugin {
                    reference: reference.to_string(),
                    reason,
                }
            })?;
        let bytes = manifest.to_bytes();
        let layer = &manifest.layers[0];
        self.client
            .push_blob(reference, component, &layer.digest)
            .await?;
        self.client
            .push_blob(reference, &config, &manifest.config.digest)
            .await?;
        self.client.push_manifest(reference, &bytes).await?;
        let digest = Digest::of(&bytes);
        self.keep(
            reference,
            &bytes,
            &digest,
            &[
                (component, &layer.digest, "the component"),
                (&config, &manifest.config.digest, "the config"),
            ],
        )?;
        let component = component_digest(reference, &manifest)?;
        Ok(Resolved {
            reference: reference.clone(),
            manifest: digest,
            component,
            // Just stored, and hashed as it was.
            path: self.store.blob_path(&component),
        })
    }

    /// Sign the plugin `reference` names (its tag as the registry has it
    /// now, or its digest) and push the signature beside it.
    pub async fn sign(
        &self,
        reference: &PluginRef,
        key: &ed25519_dalek::SigningKey,
    ) -> Result<(Resolved, Signature), Error> {
        let resolved = self.resolve(reference, None, true).await?;
        let subject_bytes = self.store.read_blob(&resolved.manifest)?;
        let signature = Signature::create(key, &resolved.manifest);
        let mut signatures = self.pull_signatures(reference, &resolved.manifest).await?;
        // One signature per key: signing again replaces it.
        signatures.retain(|s| s.key != signature.key);
        if signatures.len() >= MAX_SIGNATURE_LAYERS {
            return Err(Error::Signatures {
                reference: reference.to_string(),
                reason: format!(
                    "has {} signatures already, and kiln reads at most {MAX_SIGNATURE_LAYERS}",
                    signatures.len()
                ),
            });
        }
        signatures.push(signature.clone());
        let blobs: Vec<Vec<u8>> = signatures.iter().map(Signature::to_bytes).collect();
        let sig_manifest = signing::signature_manifest(
            Descriptor::of(MANIFEST_MEDIA_TYPE, &subject_bytes),
            &blobs,
        );
        let sig_reference = reference.with_tag(signing::signature_tag(&resolved.manifest));
        let config = &sig_manifest.config;
        self.client
            .push_blob(&sig_reference, EMPTY_BLOB, &config.digest)
            .await?;
        for (blob, layer) in blobs.iter().zip(&sig_manifest.layers) {
            self.client
                .push_blob(&sig_reference, blob, &layer.digest)
                .await?;
        }
        let bytes = sig_manifest.to_bytes();
        self.client.push_manifest(&sig_reference, &bytes).await?;
        let kept: Vec<(Vec<u8>, Digest)> = blobs
            .into_iter()
            .map(|blob| {
                let digest = Digest::of(&blob);
                (blob, digest)
            })
            .collect();
        self.keep_signatures(&sig_reference, &bytes, &sig_manifest, &kept)?;
        Ok((resolved, signature))
    }

    /// The signatures of `manifest` as the registry has them (kept in the
    /// store for offline runs); none when the registry has no signature
    /// artifact for it.
    pub async fn pull_signatures(
        &self,
        reference: &PluginRef,
        manifest: &Digest,
    ) -> Result<Vec<Signature>, Error> {
        let sig_reference = reference.with_tag(signing::signature_tag(manifest));
        let digest = match self.client.resolve(&sig_reference).await {
            Ok(digest) => digest,
            Err(RegistryError::NotFound { .. }) => return Ok(Vec::new()),
            Err(error) => return Err(error.into()),
        };
        let bytes = self.client.pull_manifest(&sig_reference, &digest).await?;
        let refused = |reason: String| Error::Signatures {
            reference: sig_reference.to_string(),
            reason,
        };
        let sig_manifest: Manifest = serde_json::from_slice(&bytes)
            .map_err(|error| refused(format!("is not an OCI image manifest: {error}")))?;
        // Bounded before anything is pulled: a registry cannot make kiln
        // hold thousands of "signatures".
        if sig_manifest.layers.len() > MAX_SIGNATURE_LAYERS {
            return Err(refused(format!(
                "has {} layers, and kiln reads at most {MAX_SIGNATURE_LAYERS} signatures",
                sig_manifest.layers.len()
            )));
        }
        if sig_manifest.config.digest != Digest::of(EMPTY_BLOB).to_string() {
            return Err(refused(format!(
                "has the config {}, not the empty one",
                text::printable(&sig_manifest.config.digest)
            )));
        }
        let mut blobs = Vec::new();
        // Layers of another kind (a cosign signature under the same tag)
        // are not kiln's: not pulled, not kept.
        for layer in sig_manifest
            .layers
            .iter()
            .filter(|layer| layer.media_type == SIGNATURE_MEDIA_TYPE)
        {
            let digest = layer.sha256().ok_or_else(|| {
                refused(format!(
                    "names a layer `{}`, which is not sha256: and 64 lower-case hex digits",
                    text::printable(&layer.digest)
                ))
            })?;
            if layer.size > MAX_SIGNATURE_SIZE {
                return Err(refused(format!(
                    "has a layer of {} bytes, and a signature is at most {MAX_SIGNATURE_SIZE}",
                    layer.size
                )));
            }
            let mut blob = Vec::new();
            self.client
                .pull_blob(
                    &sig_reference,
                    layer,
                    "a signature",
                    MAX_SIGNATURE_SIZE,
                    &mut blob,
                )
                .await?;
            // What is not a signature is not kept (and cannot make a
            // plugin pass).
            if serde_json::from_slice::<Signature>(&blob).is_ok() {
                blobs.push((blob, digest));
            }
        }
        self.keep_signatures(&sig_reference, &bytes, &sig_manifest, &blobs)?;
        Ok(parse_signatures(
            blobs.iter().map(|(blob, _)| blob.as_slice()),
        ))
    }

    /// Keep a signature artifact (its manifest, empty config and the
    /// signature blobs) in the store.
    fn keep_signatures(
        &self,
        sig_reference: &PluginRef,
        manifest_bytes: &[u8],
        manifest: &Manifest,
        blobs: &[(Vec<u8>, Digest)],
    ) -> Result<(), Error> {
        let config = manifest.config.digest.clone();
        let digests: Vec<String> = blobs.iter().map(|(_, digest)| digest.to_string()).collect();
        let mut kept: Vec<(&[u8], &str, &str)> =
            vec![(EMPTY_BLOB, config.as_str(), "the empty config")];
        for ((blob, _), digest) in blobs.iter().zip(&digests) {
            kept.push((blob, digest, "a signature"));
        }
        self.keep(
            sig_reference,
            manifest_bytes,
            &Digest::of(manifest_bytes),
            &kept,
        )
    }

    /// Store `blobs` (bytes, expected digest, what they are), then the
    /// manifest, and name the manifest after `reference`. The manifest goes
    /// last: a manifest in the store means its blobs are.
    fn keep(
        &self,
        reference: &PluginRef,
        manifest_bytes: &[u8],
        manifest_digest: &Digest,
        blobs: &[(&[u8], &str, &str)],
    ) -> Result<(), Error> {
        for (bytes, digest, what) in blobs {
            self.store.put_blob(bytes, digest, what)?;
        }
        self.store
            .put_blob(manifest_bytes, &manifest_digest.to_string(), "the manifest")?;
        self.store.set_name(
            &store_name(reference, manifest_digest),
            Descriptor {
                media_type: MANIFEST_MEDIA_TYPE.to_owned(),
                digest: manifest_digest.to_string(),
                size: manifest_bytes.len() as u64,
                artifact_type: None,
                annotations: Default::default(),
            },
        )?;
        Ok(())
    }

    /// The signatures of `manifest` the local store holds.
    pub fn local_signatures(
        &self,
        reference: &PluginRef,
        manifest: &Digest,
    ) -> Result<Vec<Signature>, Error> {
        let sig_reference = reference.with_tag(signing::signature_tag(manifest));
        let Some(descriptor) = self.store.lookup(&store_name(&sig_reference, manifest))? else {
            return Ok(Vec::new());
        };
        let Some(digest) = descriptor.sha256() else {
            return Ok(Vec::new());
        };
        let sig_manifest = self.store.manifest(&digest)?;
        let mut blobs = Vec::new();
        for layer in sig_manifest
            .layers
            .iter()
            .filter(|layer| layer.media_type == SIGNATURE_MEDIA_TYPE)
            .take(MAX_SIGNATURE_LAYERS)
        {
            // A layer that was not a signature was never kept.
            if let Some(digest) = layer.sha256()
                && self.store.has_blob(&digest)
            {
                blobs.push(self.store.read_blob(&digest)?);
            }
        }
        Ok(parse_signatures(blobs.iter().map(Vec::as_slice)))
    }
}

fn parse_signatures<'a>(blobs: impl Iterator<Item = &'a [u8]>) -> Vec<Signature> {
    // A layer that is not a signature is not one; it cannot make a plugin
    // pass, so it is skipped rather than failing the others.
    blobs
        .filter_map(|blob| serde_json::from_slice(blob).ok())
        .collect()
}

/// The name a manifest gets in the store: `host/repo:tag`, or
/// `host/repo@sha256:...` when pulled by digest alone.
pub fn store_name(reference: &PluginRef, manifest: &Digest) -> String {
    match &reference.tag {
        Some(tag) => format!("{}:{tag}", reference.repository_name()),
        None => format!("{}@{manifest}", reference.repository_name()),
    }
}

fn component_digest(reference: &PluginRef, manifest: &Manifest) -> Result<Digest, Error> {
    let not_a_plugin = |reason: String| Error::NotAPlugin {
        reference: reference.to_string(),
        reason,
    };
    let layer = manifest.component_layer().map_err(not_a_plugin)?;
    layer.sha256().ok_or_else(|| {
        not_a_plugin(format!(
            "its layer digest `{}` is not sha256: and 64 lower-case hex digits",
            text::printable(&layer.digest)
        ))
    })
}

fn config_digest(reference: &PluginRef, manifest: &Manifest) -> Result<Digest, Error> {
    manifest.config.sha256().ok_or_else(|| Error::NotAPlugin {
        reference: reference.to_string(),
        reason: format!(
            "its config digest `{}` is not sha256: and 64 lower-case hex digits",
            text::printable(&manifest.config.digest)
        ),
    })
}
