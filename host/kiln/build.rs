//! Builds kiln's first-party Rust plugins (wasm32-wasip2, release) so that
//! the kiln binary carries them: a binary installed alone, on a machine
//! without this source tree, still has `checkout`, `archive` and the rest.
//!
//! The plugins are built by a nested cargo into `<target>/kiln-plugins`,
//! a target directory of their own: a nested build into the outer one
//! would wait forever for the lock the outer (release) build holds.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Package, and the name the plugin is used by (`uses: deploy-dir`).
const PLUGINS: &[(&str, &str)] = &[
    ("kiln-plugin-checkout", "checkout"),
    ("kiln-plugin-archive", "archive"),
    ("kiln-plugin-junit", "junit"),
    ("kiln-plugin-deploy-dir", "deploy-dir"),
    ("kiln-plugin-verify", "verify"),
    ("kiln-plugin-cargo", "cargo"),
    ("kiln-plugin-notify", "notify"),
    ("kiln-plugin-codebuild", "codebuild"),
];

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.join("../..");
    for watched in ["plugins", "sdk/rust", "wit", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=KILN_PLUGINS_TARGET_DIR");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let target_dir = plugins_target_dir(&out);
    build(&root, &target_dir);
    let built = target_dir.join("wasm32-wasip2/release");
    let embedded = out.join("builtin");
    std::fs::create_dir_all(&embedded).expect("creating OUT_DIR/builtin");
    // What this build carries, for `builtin::install` to know without
    // reading the files it wrote whether they are this build's.
    let mut identity = std::hash::DefaultHasher::new();
    let mut table = String::from(
        "/// The first-party plugins built into kiln: name and component.\n\
         pub(crate) const PLUGINS: &[(&str, &[u8])] = &[\n",
    );
    for (_, name) in PLUGINS {
        let file = format!("{}.wasm", name.replace('-', "_"));
        let component = embedded.join(format!("{name}.wasm"));
        std::fs::copy(built.join(&file), &component)
            .unwrap_or_else(|error| panic!("the plugin `{name}` was not built ({file}): {error}"));
        std::hash::Hash::hash(name, &mut identity);
        std::hash::Hash::hash(
            &std::fs::read(&component).expect("reading a copied plugin"),
            &mut identity,
        );
        table.push_str(&format!(
            "    ({name:?}, include_bytes!({:?})),\n",
            component.display().to_string()
        ));
    }
    table.push_str("];\n");
    table.push_str(&format!(
        "/// A hash of every built-in plugin's name and bytes.\n\
         pub(crate) const IDENTITY: &str = \"{:016x}\";\n",
        std::hash::Hasher::finish(&identity)
    ));
    std::fs::write(out.join("builtin.rs"), table).expect("writing builtin.rs");
}

/// `KILN_PLUGINS_TARGET_DIR`, else `kiln-plugins` in the target directory
/// the outer build uses (`OUT_DIR` is `<target>/<profile>/build/<crate>/out`).
fn plugins_target_dir(out: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("KILN_PLUGINS_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    out.ancestors()
        .nth(4)
        .map(|target| target.join("kiln-plugins"))
        .unwrap_or_else(|| out.join("kiln-plugins"))
}

fn build(root: &Path, target_dir: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--target-dir",
        ])
        .arg(target_dir);
    for (package, _) in PLUGINS {
        command.args(["-p", package]);
    }
    // The outer build's settings are for the host, not for wasm: flags,
    // wrappers (clippy's, under `cargo clippy`) and targets stay out.
    for variable in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CLIPPY_ARGS",
    ] {
        command.env_remove(variable);
    }
    let status = command
        .status()
        .expect("running cargo to build kiln's first-party plugins");
    assert!(
        status.success(),
        "building kiln's first-party plugins failed ({status}); the wasm32-wasip2 target is needed: `rustup target add wasm32-wasip2`"
    );
}
