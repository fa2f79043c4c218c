//! Talking to an OCI registry (oci-client): resolve a tag, pull and push
//! manifests and blobs, with credentials and the plain-HTTP rule.
//!
//! Credentials, first found wins: `KILN_REGISTRY_USERNAME` and
//! `KILN_REGISTRY_PASSWORD`; then the docker config file
//! (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`, credential
//! helpers included, read by the docker_credential crate); else anonymous.
//!
//! HTTPS always, except that `--insecure` allows plain HTTP to a registry
//! on this machine (loopback) and nowhere else: a CI host that talks plain
//! HTTP across a network hands its plugins to anyone on the path.

use std::collections::HashMap;
use std::sync::Mutex;

use oci_client::errors::OciDistributionError;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, client::ClientConfig, client::ClientProtocol};

use super::manifest::{Descriptor, MANIFEST_MEDIA_TYPE};
use super::reference::PluginRef;
use crate::digest::Digest;

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(
        "registry {registry} is unreachable: {reason}{}",
        if *.insecure_hint { " (a plain-HTTP registry on this machine needs --insecure)" } else { "" }
    )]
    Unreachable {
        registry: String,
        reason: String,
        insecure_hint: bool,
    },
    #[error("{reference} is not in the registry ({reason})")]
    NotFound { reference: String, reason: String },
    #[error(
        "registry {registry} refused the credentials for {reference}: {reason} (set KILN_REGISTRY_USERNAME and KILN_REGISTRY_PASSWORD, or log in with a docker-style config)"
    )]
    Denied {
        registry: String,
        reference: String,
        reason: String,
    },
    #[error(
        "--insecure allows plain HTTP only to a registry on this machine (localhost, 127.0.0.0/8, ::1), not to {registry}"
    )]
    InsecureNotLoopback { registry: String },
    #[error(
        "{what} from {reference} does not match its digest: expected {expected}, got {actual}; refused"
    )]
    DigestMismatch {
        what: String,
        reference: String,
        expected: String,
        actual: String,
    },
    #[error("registry {registry} answered {reference} with an error: {reason}")]
    Protocol {
        registry: String,
        reference: String,
        reason: String,
    },
}

/// The largest blob kiln pulls: plugins are megabytes (a Python one,
/// interpreter included, is 20 MiB); a registry announcing more is not
/// serving a plugin, and kiln will not hold it in memory.
pub const MAX_BLOB_SIZE: u64 = 512 << 20;

/// A client for every registry a command touches.
pub struct RegistryClient {
    insecure: bool,
    /// One oci-client per registry, so that tokens are reused.
    clients: Mutex<HashMap<String, Client>>,
}

impl RegistryClient {
    /// `insecure`: allow plain HTTP to loopback registries.
    pub fn new(insecure: bool) -> Self {
        Self {
            insecure,
            clients: Mutex::new(HashMap::new()),
        }
    }

    fn client(&self, reference: &PluginRef) -> Result<Client, RegistryError> {
        if self.insecure && !reference.is_loopback() {
            return Err(RegistryError::InsecureNotLoopback {
                registry: reference.registry.clone(),
            });
        }
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        Ok(clients
            .entry(reference.registry.clone())
            .or_insert_with(|| {
                Client::new(ClientConfig {
                    protocol: if self.insecure {
                        ClientProtocol::Http
                    } else {
                        ClientProtocol::Https
                    },
                    connect_timeout: Some(std::time::Duration::from_secs(10)),
                    read_timeout: Some(std::time::Duration::from_secs(60)),
                    ..ClientConfig::default()
                })
            })
            .clone())
    }

    fn auth(reference: &PluginRef) -> RegistryAuth {
        if let (Ok(user), Ok(password)) = (
            std::env::var("KILN_REGISTRY_USERNAME"),
            std::env::var("KILN_REGISTRY_PASSWORD"),
        ) {
            return RegistryAuth::Basic(user, password);
        }
        match docker_credential::get_credential(&reference.registry) {
            Ok(docker_credential::DockerCredential::UsernamePassword(user, password)) => {
                RegistryAuth::Basic(user, password)
            }
            Ok(docker_credential::DockerCredential::IdentityToken(token)) => {
                RegistryAuth::Bearer(token)
            }
            Err(_) => RegistryAuth::Anonymous,
        }
    }

    /// The client for `reference`'s registry with its credentials stored
    /// (oci-client's blob calls do not log in by themselves).
    async fn logged_in(
        &self,
        reference: &PluginRef,
    ) -> Result<(Client, oci_client::Reference), RegistryError> {
        let client = self.client(reference)?;
        let image = reference.to_oci();
        client
            .store_auth_if_needed(image.resolve_registry(), &Self::auth(reference))
            .await;
        Ok((client, image))
    }

    /// The digest a tag points at now.
    pub async fn resolve(&self, reference: &PluginRef) -> Result<Digest, RegistryError> {
        let client = self.client(reference)?;
        let digest = client
            .fetch_manifest_digest(&reference.to_oci(), &Self::auth(reference))
            .await
            .map_err(|error| self.error(reference, error))?;
        digest.parse().map_err(|_| RegistryError::Protocol {
            registry: reference.registry.clone(),
            reference: reference.to_string(),
            reason: format!("the manifest digest `{digest}` is not a sha256 digest"),
        })
    }

    /// The manifest `digest` of `reference`'s repository, its bytes checked.
    pub async fn pull_manifest(
        &self,
        reference: &PluginRef,
        digest: &Digest,
    ) -> Result<Vec<u8>, RegistryError> {
        let pinned = reference.pinned(*digest);
        let client = self.client(reference)?;
        let (bytes, _) = client
            .pull_manifest_raw(
                &pinned.to_oci(),
                &Self::auth(reference),
                &[MANIFEST_MEDIA_TYPE],
            )
            .await
            .map_err(|error| self.error(&pinned, error))?;
        let actual = Digest::of(&bytes);
        if actual != *digest {
            return Err(RegistryError::DigestMismatch {
                what: "the manifest".into(),
                reference: pinned.to_string(),
                expected: digest.to_string(),
                actual: actual.to_string(),
            });
        }
        Ok(bytes.to_vec())
    }

    /// A blob of `reference`'s repository, checked against its descriptor.
    pub async fn pull_blob(
        &self,
        reference: &PluginRef,
        blob: &Descriptor,
        what: &str,
    ) -> Result<Vec<u8>, RegistryError> {
        if blob.size > MAX_BLOB_SIZE {
            return Err(RegistryError::Protocol {
                registry: reference.registry.clone(),
                reference: reference.to_string(),
                reason: format!(
                    "{what} is {} bytes; kiln takes plugin blobs of at most {MAX_BLOB_SIZE}",
                    blob.size
                ),
            });
        }
        let client = self.client(reference)?;
        let descriptor = oci_client::manifest::OciDescriptor {
            media_type: blob.media_type.clone(),
            digest: blob.digest.clone(),
            size: blob.size as i64,
            ..Default::default()
        };
        let mut bytes = Vec::with_capacity(blob.size as usize);
        // oci-client checks the digest as it reads (and the local store
        // checks it again as it stores); a mismatch gets kiln's message,
        // which names the blob and both digests.
        match client
            .pull_blob(&reference.to_oci(), &descriptor, &mut bytes)
            .await
        {
            Ok(()) => Ok(bytes),
            Err(OciDistributionError::DigestError(_)) => Err(RegistryError::DigestMismatch {
                what: what.to_owned(),
                reference: reference.to_string(),
                expected: blob.digest.clone(),
                actual: Digest::of(&bytes).to_string(),
            }),
            Err(error) => Err(self.error(reference, error)),
        }
    }

    /// Upload a blob (whose descriptor names it `digest`) unless the
    /// repository has it.
    pub async fn push_blob(
        &self,
        reference: &PluginRef,
        bytes: &[u8],
        digest: &str,
    ) -> Result<(), RegistryError> {
        let (client, image) = self.logged_in(reference).await?;
        if client
            .blob_exists(&image, digest)
            .await
            .map_err(|error| self.error(reference, error))?
        {
            return Ok(());
        }
        client
            .push_blob(&image, bytes.to_vec(), digest)
            .await
            .map_err(|error| self.error(reference, error))?;
        Ok(())
    }

    /// Upload a manifest under `reference`'s tag.
    pub async fn push_manifest(
        &self,
        reference: &PluginRef,
        bytes: &[u8],
    ) -> Result<(), RegistryError> {
        let (client, image) = self.logged_in(reference).await?;
        client
            .push_manifest_raw(
                &image,
                bytes.to_vec(),
                http::HeaderValue::from_static(MANIFEST_MEDIA_TYPE),
            )
            .await
            .map_err(|error| self.error(reference, error))?;
        Ok(())
    }

    /// A plain-language error for `reference`.
    fn error(&self, reference: &PluginRef, error: OciDistributionError) -> RegistryError {
        let registry = reference.registry.clone();
        let text = reference.to_string();
        match &error {
            OciDistributionError::RequestError(request)
                if matches!(request.status().map(|s| s.as_u16()), Some(401 | 403)) =>
            {
                RegistryError::Denied {
                    registry,
                    reference: text,
                    reason: error_chain(request),
                }
            }
            OciDistributionError::RequestError(request)
                if request.status().map(|s| s.as_u16()) == Some(404) =>
            {
                RegistryError::NotFound {
                    reference: text,
                    reason: error_chain(request),
                }
            }
            OciDistributionError::RequestError(request) if request.status().is_some() => {
                RegistryError::Protocol {
                    registry,
                    reference: text,
                    reason: error_chain(request),
                }
            }
            OciDistributionError::RequestError(request) => {
                let reason = error_chain(request);
                let lower = reason.to_ascii_lowercase();
                RegistryError::Unreachable {
                    // An HTTPS hello to a plain-HTTP server fails in TLS.
                    insecure_hint: !self.insecure
                        && reference.is_loopback()
                        && (lower.contains("ssl") || lower.contains("tls")),
                    reason,
                    registry,
                }
            }
            OciDistributionError::ImageManifestNotFoundError(reason) => RegistryError::NotFound {
                reference: text,
                reason: reason.clone(),
            },
            OciDistributionError::RegistryError { envelope, .. }
                if envelope.errors.iter().any(|e| {
                    matches!(
                        e.code,
                        oci_client::errors::OciErrorCode::ManifestUnknown
                            | oci_client::errors::OciErrorCode::NameUnknown
                            | oci_client::errors::OciErrorCode::BlobUnknown
                    )
                }) =>
            {
                RegistryError::NotFound {
                    reference: text,
                    reason: error.to_string(),
                }
            }
            OciDistributionError::ServerError {
                code: 404, message, ..
            } => RegistryError::NotFound {
                reference: text,
                reason: message.clone(),
            },
            OciDistributionError::AuthenticationFailure(reason) => RegistryError::Denied {
                registry,
                reference: text,
                reason: reason.clone(),
            },
            OciDistributionError::UnauthorizedError { url } => RegistryError::Denied {
                registry,
                reference: text,
                reason: format!("401 from {url}"),
            },
            _ => RegistryError::Protocol {
                registry,
                reference: text,
                reason: error.to_string(),
            },
        }
    }
}

/// An error and its causes on one line ("error sending request: connection
/// refused").
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
