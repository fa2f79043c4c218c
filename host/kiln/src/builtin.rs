//! The first-party plugins built into kiln (see `build.rs`). Each is
//! written once, by digest, into `<data dir>/plugins/builtin/`, the last
//! directory of the plugin search path: a directory earlier on the path
//! (`--plugin-path`, the data directory's `plugins/`) overrides them.

use std::path::{Path, PathBuf};

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
///
/// Every kiln process starts here, so the usual case costs a few `stat`s
/// instead of reading megabytes: once the files are this build's, a
/// stamp beside them records this build's [`IDENTITY`] and each file's
/// inode, size and ctime. Any write to a file, through any name, moves its
/// ctime, and no program can set it back: a stamp that still matches
/// means the files are the ones written.
pub fn install(data: &DataDir) -> std::io::Result<PathBuf> {
    let dir = data.plugins().join("builtin");
    let stamp_path = dir.join(STAMP);
    if std::fs::read_to_string(&stamp_path).is_ok_and(|recorded| stamp(&dir).ok() == Some(recorded))
    {
        return Ok(dir);
    }
    std::fs::create_dir_all(&dir)?;
    for (name, component) in PLUGINS {
        let path = dir.join(format!("{name}.wasm"));
        let current = std::fs::read(&path).ok();
        if current.as_deref() == Some(*component) {
            continue;
        }
        write_atomically(&dir, &path, component)?;
    }
    write_atomically(&dir, &stamp_path, stamp(&dir)?.as_bytes())?;
    Ok(dir)
}

/// The stamp file's name: hidden, and not a `.wasm` a search would find.
const STAMP: &str = ".installed";

/// This build's identity, then one line per plugin file as it is now.
fn stamp(dir: &Path) -> std::io::Result<String> {
    use std::os::unix::fs::MetadataExt;
    let mut text = format!("{IDENTITY}\n");
    for (name, _) in PLUGINS {
        let meta = std::fs::metadata(dir.join(format!("{name}.wasm")))?;
        text.push_str(&format!(
            "{name} {} {} {}.{}\n",
            meta.ino(),
            meta.size(),
            meta.ctime(),
            meta.ctime_nsec()
        ));
    }
    Ok(text)
}

/// Written aside and renamed: a concurrent kiln never reads half.
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut temp, bytes)?;
    temp.persist(path).map_err(|error| error.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plugin_file(data: &DataDir) -> PathBuf {
        data.plugins()
            .join("builtin")
            .join(format!("{}.wasm", PLUGINS[0].0))
    }

    #[test]
    fn a_changed_or_missing_plugin_file_is_written_again() {
        let temp = tempfile::tempdir().unwrap();
        let data = DataDir::open(temp.path()).unwrap();
        install(&data).unwrap();
        let file = plugin_file(&data);
        assert_eq!(std::fs::read(&file).unwrap(), PLUGINS[0].1);
        // Same size, other bytes: the stamp no longer matches (ctime).
        let mut changed = PLUGINS[0].1.to_vec();
        changed[0] ^= 0xff;
        std::fs::write(&file, &changed).unwrap();
        install(&data).unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), PLUGINS[0].1);
        std::fs::remove_file(&file).unwrap();
        install(&data).unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), PLUGINS[0].1);
    }

    #[test]
    fn a_stamp_of_another_build_is_not_trusted() {
        let temp = tempfile::tempdir().unwrap();
        let data = DataDir::open(temp.path()).unwrap();
        let dir = install(&data).unwrap();
        let file = plugin_file(&data);
        std::fs::write(&file, b"not this build's").unwrap();
        // As another kiln would leave it: its identity, these files.
        let stamp_now = stamp(&dir).unwrap();
        let foreign = stamp_now.replacen(IDENTITY, "0000000000000000", 1);
        std::fs::write(dir.join(STAMP), foreign).unwrap();
        install(&data).unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), PLUGINS[0].1);
    }
}
