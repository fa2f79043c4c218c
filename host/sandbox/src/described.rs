//! What a plugin's `describe()` answered, kept beside its compiled code by
//! the component's digest. Validating a pipeline needs only each plugin's
//! digest and answer; a process whose actions are all reused from the
//! action cache then never deserializes, instantiates or compiles a
//! plugin. The answer is a function of the component's bytes (`describe`
//! runs with no files, no environment and no network), so the digest is
//! the whole key, with kiln's version: another version may read the answer
//! differently.

use std::path::{Path, PathBuf};

use kiln_model::digest::Digest;
use kiln_model::plugin::PluginInfo;

use crate::compiled_cache::write_atomically;

fn entry(dir: &Path, digest: &Digest) -> PathBuf {
    dir.join(format!(
        "{}-{}.describe.json",
        digest.hex(),
        env!("CARGO_PKG_VERSION")
    ))
}

/// The recorded answer of the component `digest`, if there is a readable
/// one.
pub(crate) fn read(dir: &Path, digest: &Digest) -> Option<PluginInfo> {
    let text = std::fs::read(entry(dir, digest)).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Record the answer of the component `digest` (written aside and renamed:
/// a reader never sees half). A failure only costs the next process a load.
pub(crate) fn write(dir: &Path, digest: &Digest, info: &PluginInfo) {
    let written = serde_json::to_vec(info)
        .map_err(std::io::Error::other)
        .and_then(|json| {
            std::fs::create_dir_all(dir)?;
            write_atomically(dir, &entry(dir, digest), &json)
        });
    if let Err(error) = written {
        tracing::debug!("cannot record the describe() answer of {digest}: {error}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_model::plugin::GrantRequest;

    #[test]
    fn an_answer_is_read_back_by_its_digest_only() {
        let dir = tempfile::tempdir().unwrap();
        let info = PluginInfo {
            name: "p".into(),
            version: "1.0.0".into(),
            summary: "s".into(),
            params: Vec::new(),
            grants: vec![GrantRequest::Network],
        };
        let digest = Digest::of(b"component");
        assert_eq!(read(dir.path(), &digest), None);
        write(dir.path(), &digest, &info);
        assert_eq!(read(dir.path(), &digest), Some(info));
        assert_eq!(read(dir.path(), &Digest::of(b"another")), None);
        std::fs::write(entry(dir.path(), &digest), b"{ not json").unwrap();
        assert_eq!(read(dir.path(), &digest), None);
    }
}
