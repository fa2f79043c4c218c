//! What a registry, a lock file or a policy hands kiln: `kiln.lock`, OCI
//! manifests, indexes, configs and signatures, references and digests,
//! `WWW-Authenticate` challenges, public keys, component binaries.

use std::io::Read;
use std::path::Path;

use kiln_registry::PluginRef;
use kiln_registry::client::parse_challenges;
use kiln_registry::lockfile::LockFile;
use kiln_registry::manifest::{Index, Manifest, WasmConfig, parse_digest, validate_component};
use kiln_registry::signing::{self, Signature, key_id, load_public_key};

use crate::input::Input;

/// `kiln.lock` as read beside a pipeline: an error names the file.
pub fn kiln_lock(data: &[u8]) {
    let path = Path::new("fuzz/kiln.lock");
    match LockFile::parse(path, &crate::text(data)) {
        Ok(lock) => assert!(!lock.is_changed(), "a lock changed by reading it"),
        Err(error) => {
            let message = error.to_string();
            assert!(
                message.starts_with("fuzz/kiln.lock"),
                "a lock error that does not name the file: {message}"
            );
        }
    }
}

/// A manifest, index, Wasm config or signature as pulled: everything kiln
/// reads of one before it names a URL or a file.
pub fn oci_manifest(data: &[u8]) {
    if let Ok(manifest) = serde_json::from_slice::<Manifest>(data) {
        let _ = manifest.component_layer();
        let descriptors = [&manifest.config]
            .into_iter()
            .chain(&manifest.layers)
            .chain(&manifest.subject);
        for descriptor in descriptors {
            check_digest(&descriptor.digest, descriptor.sha256());
        }
        let _ = manifest.to_bytes();
    }
    if let Ok(index) = serde_json::from_slice::<Index>(data) {
        for descriptor in &index.manifests {
            check_digest(&descriptor.digest, descriptor.sha256());
        }
    }
    let _ = serde_json::from_slice::<WasmConfig>(data);
    if let Ok(signature) = serde_json::from_slice::<Signature>(data) {
        check_signature(signature);
    }
}

/// A digest kiln accepts is exactly the text it was given: the one
/// spelling that can name a URL or a file.
fn check_digest(text: &str, digest: Option<kiln_model::digest::Digest>) {
    if let Some(digest) = digest {
        assert_eq!(digest.to_string(), text, "a digest with two spellings");
    }
}

/// A signature checked against the key and the manifest it names itself:
/// the decoding of both, and the verification, on hostile text.
fn check_signature(signature: Signature) {
    let Some(manifest) = parse_digest(&signature.manifest) else {
        return;
    };
    if !signature.key.starts_with("ed25519:") {
        return;
    }
    if let Ok(key) = load_public_key(&signature.key, Path::new(".")) {
        let _ = signing::check(&manifest, &[signature], &[key]);
    }
}

/// `oci://` references and bare digests, as `uses:`, the command line and
/// `kiln.lock` give them.
pub fn oci_reference(data: &[u8]) {
    let text = crate::text(data);
    if let Ok(reference) = text.parse::<PluginRef>() {
        check_reference(&reference);
    }
    check_digest(&text, parse_digest(&text));
    if let Ok(digest) = text.parse::<kiln_model::digest::Digest>() {
        let _ = digest.short();
    }
}

/// A parsed reference is one kiln can put into a URL, and prints as text
/// that parses back to it (the lock file's keys are these texts).
fn check_reference(reference: &PluginRef) {
    if let Err(reason) = reference.check() {
        panic!("{reference} parsed but fails its own check: {reason}");
    }
    let printed = reference.to_string();
    match printed.parse::<PluginRef>() {
        Ok(again) => assert_eq!(&again, reference, "{printed} reads back differently"),
        Err(error) => panic!("{printed} does not read back: {error}"),
    }
    let _ = (reference.host(), reference.is_loopback());
    let _ = reference.repository_name();
}

/// A registry's `WWW-Authenticate` header (as a visible-ASCII string, the
/// only kind the client reads).
pub fn www_authenticate(data: &[u8]) {
    for challenge in parse_challenges(&crate::text(data)) {
        assert_eq!(
            challenge.scheme,
            challenge.scheme.to_ascii_lowercase(),
            "a scheme not in lower case"
        );
        for name in challenge.params.keys() {
            assert_eq!(
                *name,
                name.to_ascii_lowercase(),
                "a parameter not in lower case"
            );
        }
        let _ = challenge.param("realm");
    }
}

/// A `require-signed-by` key: inline (`ed25519:<base64>`) or a PEM file in
/// the pushed repository.
pub fn public_key(data: &[u8]) {
    let key = if data.starts_with(b"ed25519:") {
        load_public_key(&crate::text(data), Path::new("."))
    } else {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::write(dir.path().join("key.pub"), data).expect("writing the key file");
        load_public_key("key.pub", dir.path())
    };
    // A key read is a key that reads back from its short form.
    if let Ok(key) = key {
        let short = key_id(&key.key);
        match load_public_key(&short, Path::new(".")) {
            Ok(again) => assert_eq!(again.key, key.key, "{short} names another key"),
            Err(error) => panic!("{short} does not read back: {error}"),
        }
    }
}

/// A pulled component, checked as the registry reads it from the store:
/// in pieces. Read whole or in small uneven pieces, the verdict is the
/// same, and a refusal is one line.
pub fn component(data: &[u8]) {
    let mut input = Input::new(data);
    let piece_sizes = [input.byte(), input.byte(), input.byte()].map(|b| 1 + usize::from(b) * 4);
    let binary = input.rest();
    let whole = validate_component(binary);
    let pieces = validate_component(Pieces {
        rest: binary,
        sizes: piece_sizes,
        reads: 0,
    });
    assert_eq!(
        whole.is_ok(),
        pieces.is_ok(),
        "whole: {whole:?}, in pieces of {piece_sizes:?}: {pieces:?}"
    );
    for error in [whole, pieces].into_iter().filter_map(Result::err) {
        assert!(!error.contains('\n'), "a refusal on several lines: {error}");
    }
}

/// A reader that hands out its bytes in pieces of the given sizes, in turn.
struct Pieces<'a> {
    rest: &'a [u8],
    sizes: [usize; 3],
    reads: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let size = self.sizes[self.reads % self.sizes.len()];
        self.reads += 1;
        let len = size.min(buffer.len()).min(self.rest.len());
        buffer[..len].copy_from_slice(&self.rest[..len]);
        self.rest = &self.rest[len..];
        Ok(len)
    }
}
