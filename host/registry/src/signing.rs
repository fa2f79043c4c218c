//! Plugin signatures: ed25519 (ed25519-dalek), keys in standard PEM
//! (PKCS#8 private, SPKI public; `openssl pkey` reads both).
//!
//! What is signed is the plugin's *manifest digest*, behind a fixed
//! context string: the manifest names the config and the one component
//! layer by digest, so the signature covers the exact bytes that run,
//! wherever the artifact is copied.
//!
//! Signatures live in the registry beside the plugin, in cosign's
//! convention: an OCI artifact tagged `sha256-<manifest hex>.sig` in the
//! same repository, one layer per signature (signing again with another
//! key adds a layer). The artifact also names the plugin as its OCI 1.1
//! `subject`, so registries with the referrers API list it too.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::manifest::{Descriptor, EMPTY_BLOB, EMPTY_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, Manifest};
use kiln_model::digest::Digest;

pub const SIGNATURE_MEDIA_TYPE: &str = "application/vnd.dev.kiln.plugin.signature.v1+json";
/// Domain separation: a kiln plugin signature can never be replayed as a
/// signature over anything else, nor the reverse.
const CONTEXT: &str = "kiln-plugin-signature/v1\n";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read key {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write key {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} already exists; kiln will not overwrite a key", .0.display())]
    Exists(PathBuf),
    #[error("{what} is not an ed25519 {kind} key: {reason}")]
    Bad {
        what: String,
        kind: &'static str,
        reason: String,
    },
    #[error("no random numbers from the operating system: {0}")]
    Random(String),
}

/// A public key and how the user named it (a file, or `ed25519:<base64>`).
#[derive(Debug, Clone)]
pub struct TrustedKey {
    pub label: String,
    pub key: VerifyingKey,
}

/// The short form of a public key: `ed25519:<base64 of its 32 bytes>`,
/// what `kiln plugin keygen` prints and policies may list inline.
pub fn key_id(key: &VerifyingKey) -> String {
    format!("ed25519:{}", BASE64.encode(key.as_bytes()))
}

/// Write a new key pair: `<prefix>.key` (owner-only) and `<prefix>.pub`.
pub fn generate_key_pair(prefix: &Path) -> Result<(PathBuf, PathBuf, VerifyingKey), KeyError> {
    let private_path = prefix.with_extension("key");
    let public_path = prefix.with_extension("pub");
    for path in [&private_path, &public_path] {
        if path.exists() {
            return Err(KeyError::Exists(path.clone()));
        }
    }
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|error| KeyError::Random(error.to_string()))?;
    let key = SigningKey::from_bytes(&seed);
    let private_pem = key
        .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|error| KeyError::Bad {
            what: "the new key".into(),
            kind: "private",
            reason: error.to_string(),
        })?;
    let public_pem = key
        .verifying_key()
        .to_public_key_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|error| KeyError::Bad {
            what: "the new key".into(),
            kind: "public",
            reason: error.to_string(),
        })?;
    write_private(&private_path, private_pem.as_bytes())?;
    std::fs::write(&public_path, public_pem).map_err(|source| KeyError::Write {
        path: public_path.clone(),
        source,
    })?;
    Ok((private_path, public_path, key.verifying_key()))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|source| KeyError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    file.write_all(bytes).map_err(|source| KeyError::Write {
        path: path.to_path_buf(),
        source,
    })
}

pub fn load_signing_key(path: &Path) -> Result<SigningKey, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    SigningKey::from_pkcs8_pem(&text).map_err(|error| KeyError::Bad {
        what: path.display().to_string(),
        kind: "private (PKCS#8 PEM)",
        reason: error.to_string(),
    })
}

/// A public key named by `spec`: `ed25519:<base64>`, or a PEM file
/// (relative paths from `base`).
pub fn load_public_key(spec: &str, base: &Path) -> Result<TrustedKey, KeyError> {
    if let Some(encoded) = spec.strip_prefix("ed25519:") {
        let bad = |reason: String| KeyError::Bad {
            what: format!("`{spec}`"),
            kind: "public",
            reason,
        };
        let bytes = BASE64
            .decode(encoded)
            .map_err(|error| bad(error.to_string()))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|bytes: Vec<u8>| bad(format!("{} bytes, not 32", bytes.len())))?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|error| bad(error.to_string()))?;
        return Ok(TrustedKey {
            label: spec.to_owned(),
            key,
        });
    }
    let path = base.join(spec);
    let text = std::fs::read_to_string(&path).map_err(|source| KeyError::Read {
        path: path.clone(),
        source,
    })?;
    let key = VerifyingKey::from_public_key_pem(&text).map_err(|error| KeyError::Bad {
        what: path.display().to_string(),
        kind: "public (SPKI PEM)",
        reason: error.to_string(),
    })?;
    Ok(TrustedKey {
        label: spec.to_owned(),
        key,
    })
}

/// One signature, as stored in a signature artifact's layer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Signature {
    /// The manifest digest signed.
    pub manifest: String,
    /// `ed25519:<base64>` of the signer's public key.
    pub key: String,
    /// base64 of the ed25519 signature of CONTEXT + manifest.
    pub signature: String,
}

impl Signature {
    pub fn create(key: &SigningKey, manifest: &Digest) -> Self {
        let message = format!("{CONTEXT}{manifest}");
        Self {
            manifest: manifest.to_string(),
            key: key_id(&key.verifying_key()),
            signature: BASE64.encode(key.sign(message.as_bytes()).to_bytes()),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a signature serializes")
    }

    /// Whether this is a valid signature of `manifest` by `key`.
    pub fn is_valid(&self, manifest: &Digest, key: &VerifyingKey) -> bool {
        if self.manifest != manifest.to_string() || self.key != key_id(key) {
            return false;
        }
        let Ok(bytes) = BASE64.decode(&self.signature) else {
            return false;
        };
        let Ok(signature) = ed25519_dalek::Signature::from_slice(&bytes) else {
            return false;
        };
        key.verify(format!("{CONTEXT}{manifest}").as_bytes(), &signature)
            .is_ok()
    }
}

/// The tag the signatures of `manifest` live under.
pub fn signature_tag(manifest: &Digest) -> String {
    format!("sha256-{}.sig", manifest.hex())
}

/// The signature artifact for `subject` holding `signatures` (as blobs).
pub fn signature_manifest(subject: Descriptor, signatures: &[Vec<u8>]) -> Manifest {
    Manifest {
        schema_version: 2,
        media_type: Some(MANIFEST_MEDIA_TYPE.to_owned()),
        artifact_type: Some(SIGNATURE_MEDIA_TYPE.to_owned()),
        config: Descriptor::of(EMPTY_MEDIA_TYPE, EMPTY_BLOB),
        layers: signatures
            .iter()
            .map(|blob| Descriptor::of(SIGNATURE_MEDIA_TYPE, blob))
            .collect(),
        subject: Some(subject),
        annotations: Default::default(),
    }
}

/// Which trusted key signed `manifest`, among `signatures`; or why none did.
pub fn check(
    manifest: &Digest,
    signatures: &[Signature],
    trusted: &[TrustedKey],
) -> Result<String, String> {
    for key in trusted {
        if signatures.iter().any(|s| s.is_valid(manifest, &key.key)) {
            return Ok(key.label.clone());
        }
    }
    let names = trusted
        .iter()
        .map(|k| k.label.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if signatures.is_empty() {
        Err(format!(
            "it is not signed; the policy requires a signature by {names}"
        ))
    } else {
        let signers = signatures
            .iter()
            .map(|s| s.key.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Err(format!(
            "none of its {} signature(s) is a valid one by {names} (signed by: {signers})",
            signatures.len()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_key_and_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let (private, public, verifying) = generate_key_pair(&dir.path().join("release")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&private).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let key = load_signing_key(&private).unwrap();
        let trusted = load_public_key("release.pub", dir.path()).unwrap();
        assert_eq!(trusted.key, verifying);
        let inline = load_public_key(&key_id(&verifying), dir.path()).unwrap();
        assert_eq!(inline.key, verifying);
        assert!(public.exists());

        let manifest = Digest::of(b"manifest");
        let signature = Signature::create(&key, &manifest);
        assert!(signature.is_valid(&manifest, &verifying));
        assert!(!signature.is_valid(&Digest::of(b"other"), &verifying));
        let other = SigningKey::from_bytes(&[7; 32]);
        assert!(!signature.is_valid(&manifest, &other.verifying_key()));
        let mut forged = signature.clone();
        forged.key = key_id(&other.verifying_key());
        assert!(!forged.is_valid(&manifest, &other.verifying_key()));

        assert_eq!(
            check(
                &manifest,
                std::slice::from_ref(&signature),
                std::slice::from_ref(&trusted)
            )
            .unwrap(),
            "release.pub"
        );
        let error = check(&manifest, &[], std::slice::from_ref(&trusted)).unwrap_err();
        assert!(error.contains("not signed"), "{error}");
        let by_other = Signature::create(&other, &manifest);
        let error = check(&manifest, &[by_other], &[trusted]).unwrap_err();
        assert!(error.contains("none of its 1 signature"), "{error}");
        // Never overwritten.
        assert!(matches!(
            generate_key_pair(&dir.path().join("release")),
            Err(KeyError::Exists(_))
        ));
    }
}
