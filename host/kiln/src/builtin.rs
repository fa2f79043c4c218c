//! The first-party plugins built into kiln (see `build.rs`). Each is
//! written once, by digest, into `<data dir>/plugins/builtin/`, the last
//! directory of the plugin search path: a directory earlier on the path
//! (`--plugin-path`, the data directory's `plugins/`) overrides them.

use std::path::PathBuf;

use kiln_model::digest::Digest;
use kiln_store::data_dir::DataDir;

include!(concat!(env!("OUT_DIR"), "/builtin.rs"));

/// A plugin kiln carries.
#[derive(Debug, Clone)]
pub struct Builtin {
    pub name: &'static str,
    pub digest: Digest,
    pub size: usize,
}

/// The plugins kiln carries, with their digests.
pub fn list() -> Vec<Builtin> {
    PLUGINS
        .iter()
        .map(|(name, component)| Builtin {
            name,
            digest: Digest::of(component),
            size: component.len(),
        })
        .collect()
}

/// Write the built-in plugins into `<data>/plugins/builtin/` where they
/// are missing or differ (another kiln version wrote them); the directory.
pub fn install(data: &DataDir) -> std::io::Result<PathBuf> {
    let dir = data.plugins().join("builtin");
    std::fs::create_dir_all(&dir)?;
    for (name, component) in PLUGINS {
        let path = dir.join(format!("{name}.wasm"));
        let current = std::fs::read(&path).ok();
        if current.as_deref() == Some(*component) {
            continue;
        }
        // Written aside and renamed: a concurrent kiln never reads half.
        let mut temp = tempfile::NamedTempFile::new_in(&dir)?;
        std::io::Write::write_all(&mut temp, component)?;
        temp.persist(&path).map_err(|error| error.error)?;
    }
    Ok(dir)
}
