//! The plugin SDKs and the WIT contract, carried inside kiln: a plugin
//! project builds on a machine that never had kiln's source tree.
//!
//! A Rust project gets its own copy of the SDK crate and the WIT
//! (`vendor/kiln-sdk`, see [`vendor_rust_sdk`]): it builds anywhere, with
//! or without kiln, on the contract it was created for. The Python and
//! JavaScript build scripts are written out once per SDK content into the
//! data directory ([`Toolchain::embedded`]), a stable location that a new
//! kiln version never overwrites.

use std::io;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use kiln_model::digest::Digest;

/// kiln's `sdk/` directory (one subdirectory per language).
static SDK: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../sdk");
/// kiln's `wit/` directory (one subdirectory per contract version).
static WIT: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../wit");

/// The contract version new plugins are written against.
const WIT_VERSION_DIR: &str = "since_v0.2.0";
/// How the SDK crate names the WIT in its source tree, and in a copy.
const SDK_WIT_PATH: &str = "\"../../wit/since_v0.2.0\"";
const VENDORED_WIT_PATH: &str = "\"wit\"";
/// The wit-bindgen the SDK crate is built with (the workspace's; a unit
/// test keeps the two equal).
const WIT_BINDGEN: &str = "0.61";

/// Where `kiln plugin build` finds the SDK build scripts and the tools
/// they install.
#[derive(Debug, Clone)]
pub struct Toolchain {
    /// A `sdk/` directory (its `wit/` is beside it, as in kiln's tree).
    pub sdk_dir: PathBuf,
    /// Where the scripts install and find componentize-py and -js.
    pub tools_dir: PathBuf,
}

impl Toolchain {
    /// The SDKs this kiln carries, written under `sdk_root` (once per
    /// content: `<sdk_root>/<version>-<digest>/{sdk,wit}`), with their
    /// tools in `tools_dir`.
    pub fn embedded(sdk_root: &Path, tools_dir: PathBuf) -> io::Result<Self> {
        let root = sdk_root.join(format!(
            "{}-{}",
            env!("CARGO_PKG_VERSION"),
            &content_digest().hex()[..16]
        ));
        if !root.join("complete").exists() {
            write_out(&root)?;
        }
        Ok(Self {
            sdk_dir: root.join("sdk"),
            tools_dir,
        })
    }
}

/// A digest of every embedded file's path and bytes.
fn content_digest() -> Digest {
    let mut all = Vec::new();
    for (prefix, dir) in [("sdk", &SDK), ("wit", &WIT)] {
        for file in files(dir) {
            all.extend_from_slice(format!("{prefix}/{}\0", file.path().display()).as_bytes());
            all.extend_from_slice(&(file.contents().len() as u64).to_le_bytes());
            all.extend_from_slice(file.contents());
        }
    }
    Digest::of(&all)
}

/// Write the SDKs and the WIT into `root`: into a temporary directory
/// beside it first, renamed into place, so a reader never sees half.
fn write_out(root: &Path) -> io::Result<()> {
    let parent = root.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let staging = tempfile::Builder::new()
        .prefix(".sdk-")
        .tempdir_in(parent)?;
    extract(&SDK, &staging.path().join("sdk"), None)?;
    extract(&WIT, &staging.path().join("wit"), None)?;
    std::fs::write(staging.path().join("complete"), "")?;
    let staged = staging.keep();
    match std::fs::rename(&staged, root) {
        Ok(()) => Ok(()),
        // Another kiln wrote the same content first.
        Err(_) if root.join("complete").exists() => {
            let _ = std::fs::remove_dir_all(&staged);
            Ok(())
        }
        Err(error) => {
            let _ = std::fs::remove_dir_all(&staged);
            Err(error)
        }
    }
}

/// Every file below `dir`, depth first, in a stable order.
fn files<'a>(dir: &'a Dir<'a>) -> Vec<&'a include_dir::File<'a>> {
    let mut all: Vec<_> = dir.files().collect();
    for sub in dir.dirs() {
        all.extend(files(sub));
    }
    all.sort_by(|a, b| a.path().cmp(b.path()));
    all
}

/// A change to a file's bytes on the way out, by its relative path.
type Rewrite<'a> = &'a dyn Fn(&Path, &[u8]) -> Vec<u8>;

/// Write the files of `dir` into `to` (paths relative to `dir`), the text
/// of each through `rewrite` when given. Scripts (`#!`) are executable:
/// the embedded copy keeps no file modes.
fn extract(dir: &Dir<'_>, to: &Path, rewrite: Option<Rewrite<'_>>) -> io::Result<()> {
    for file in files(dir) {
        let relative = file.path().strip_prefix(dir.path()).unwrap_or(file.path());
        let path = to.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let bytes = match rewrite {
            Some(rewrite) => rewrite(relative, file.contents()),
            None => file.contents().to_vec(),
        };
        std::fs::write(&path, &bytes)?;
        if bytes.starts_with(b"#!") {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
        }
    }
    Ok(())
}

/// Write the Rust SDK crate, with the WIT it is generated from, into
/// `to`: a crate of its own that builds outside kiln's workspace.
pub fn vendor_rust_sdk(to: &Path) -> io::Result<()> {
    let rust = SDK
        .get_dir("rust/src")
        .ok_or_else(|| io::Error::other("this kiln carries no Rust SDK"))?;
    let wit = WIT
        .get_dir(WIT_VERSION_DIR)
        .ok_or_else(|| io::Error::other("this kiln carries no WIT contract"))?;
    let rewrite_wit_path = |path: &Path, bytes: &[u8]| -> Vec<u8> {
        match (path == Path::new("lib.rs"), std::str::from_utf8(bytes)) {
            (true, Ok(text)) => text.replace(SDK_WIT_PATH, VENDORED_WIT_PATH).into_bytes(),
            _ => bytes.to_vec(),
        }
    };
    extract(rust, &to.join("src"), Some(&rewrite_wit_path))?;
    extract(wit, &to.join("wit"), None)?;
    std::fs::write(
        to.join("Cargo.toml"),
        format!(
            "# The kiln plugin SDK, as kiln {version} carries it (written by\n\
             # `kiln plugin new`): the WIT contract is in wit/.\n\
             [package]\nname = \"kiln-sdk\"\nversion = \"{version}\"\nedition = \"2024\"\n\
             license = \"Apache-2.0\"\npublish = false\n\n\
             [dependencies]\nwit-bindgen = \"{WIT_BINDGEN}\"\n",
            version = env!("CARGO_PKG_VERSION"),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sdk_names_its_wit_where_the_copy_rewrites_it() {
        let lib = SDK.get_file("rust/src/lib.rs").unwrap();
        assert!(lib.contents_utf8().unwrap().contains(SDK_WIT_PATH));
    }

    #[test]
    fn the_copy_uses_the_workspaces_wit_bindgen() {
        let workspace = include_str!("../../../../Cargo.toml");
        assert!(
            workspace.contains(&format!("wit-bindgen = \"{WIT_BINDGEN}\"")),
            "update WIT_BINDGEN to the workspace's wit-bindgen"
        );
    }

    #[test]
    fn the_vendored_sdk_is_a_crate_with_its_wit() {
        let dir = tempfile::tempdir().unwrap();
        vendor_rust_sdk(dir.path()).unwrap();
        let lib = std::fs::read_to_string(dir.path().join("src/lib.rs")).unwrap();
        assert!(lib.contains("path: \"wit\""), "{lib}");
        assert!(dir.path().join("wit/world.wit").is_file());
        assert!(dir.path().join("wit/deps").is_dir());
        let manifest = std::fs::read_to_string(dir.path().join("Cargo.toml")).unwrap();
        assert!(!manifest.contains("workspace"), "{manifest}");
    }

    #[test]
    fn the_sdks_are_written_once_with_runnable_scripts() {
        let data = tempfile::tempdir().unwrap();
        let tools = data.path().join("tools");
        let first = Toolchain::embedded(data.path(), tools.clone()).unwrap();
        let build = first.sdk_dir.join("python/build");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&build).unwrap().permissions().mode() & 0o111,
            0o111
        );
        // The scripts find the WIT beside the SDK, as in kiln's tree.
        assert!(
            first
                .sdk_dir
                .join("../wit/since_v0.2.0/world.wit")
                .is_file()
        );
        let second = Toolchain::embedded(data.path(), tools).unwrap();
        assert_eq!(first.sdk_dir, second.sdk_dir);
        let entries = std::fs::read_dir(data.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name() != "tools")
            .count();
        assert_eq!(entries, 1, "no staging directory is left behind");
    }
}
