//! C plugins: bindings from the embedded WIT (wit-bindgen-c), every `.c`
//! of the project plus the SDK compiled by clang for wasm32-wasi with
//! wasi-libc, and the core module made a component with the WASI preview1
//! reactor adapter (wit-component). Only clang, lld and wasi-libc come
//! from outside kiln.

use std::path::{Path, PathBuf};
use std::process::Command;

use include_dir::{Dir, include_dir};

use super::{BuildError, WIT_WORLD};

/// The WIT package plugins target, as shipped with this kiln.
static WIT: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../wit/since_v0.2.0");
const KILN_H: &str = include_str!("../../../../sdk/c/kiln.h");
const KILN_C: &str = include_str!("../../../../sdk/c/kiln.c");

pub fn build(dir: &Path, out: &Path) -> Result<(), BuildError> {
    let mut sources: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .collect();
    sources.sort();
    if sources.is_empty() {
        return Err(BuildError::Other(format!(
            "no .c files in {}",
            dir.display()
        )));
    }
    let work = tempfile::Builder::new().prefix("kiln-c-build-").tempdir()?;
    let gen_dir = work.path().join("gen");
    let sdk = work.path().join("sdk");
    let wit = work.path().join("wit");
    std::fs::create_dir_all(&gen_dir)?;
    std::fs::create_dir_all(&sdk)?;
    WIT.extract(&wit)?;
    std::fs::write(sdk.join("kiln.h"), KILN_H)?;
    std::fs::write(sdk.join("kiln.c"), KILN_C)?;
    generate_bindings(&wit, &gen_dir)?;

    let cc = std::env::var("CC").unwrap_or_else(|_| "clang".into());
    let core = work.path().join("core.wasm");
    let mut command = Command::new(&cc);
    command
        .args([
            "--target=wasm32-wasi",
            "-mexec-model=reactor",
            "-O2",
            "-Wall",
        ])
        .arg("-I")
        .arg(&gen_dir)
        .arg("-I")
        .arg(&sdk)
        .arg("-I")
        .arg(dir)
        .arg(gen_dir.join("action.c"))
        .arg(sdk.join("kiln.c"))
        .args(&sources)
        .arg(gen_dir.join("action_component_type.o"))
        // Debian's libc.a carries debug info: a third of the component.
        .arg("-Wl,--strip-debug")
        .arg("-o")
        .arg(&core);
    let status = command.status().map_err(|source| BuildError::Tool {
        program: cc.clone(),
        source,
        hint: " (install clang, lld, wasi-libc and libclang-rt-14-dev-wasm32, e.g. sdk/c/install-tools)",
    })?;
    if !status.success() {
        return Err(BuildError::Failed {
            command: format!("{cc} --target=wasm32-wasi ..."),
            status: status.to_string(),
        });
    }
    let module = std::fs::read(&core)?;
    let component = wit_component::ComponentEncoder::default()
        .module(&module)
        .and_then(|encoder| {
            encoder.adapter(
                wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME,
                wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
            )
        })
        .and_then(|encoder| encoder.validate(true).encode())
        .map_err(|error| BuildError::Other(format!("making a component: {error:#}")))?;
    std::fs::write(out, component)?;
    Ok(())
}

/// `action.h`, `action.c` and `action_component_type.o` for the world.
fn generate_bindings(wit: &Path, gen_dir: &Path) -> Result<(), BuildError> {
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve
        .push_dir(wit)
        .map_err(|e| BuildError::Other(format!("reading the WIT: {e:#}")))?;
    let world = resolve
        .select_world(&[package], Some(WIT_WORLD))
        .map_err(|e| BuildError::Other(format!("{WIT_WORLD}: {e:#}")))?;
    let mut files = wit_bindgen_core::Files::default();
    wit_bindgen_c::Opts::default()
        .build()
        .generate(&mut resolve, world, &mut files)
        .map_err(|e| BuildError::Other(format!("generating C bindings: {e:#}")))?;
    for (name, bytes) in files.iter() {
        std::fs::write(gen_dir.join(name), bytes)?;
    }
    Ok(())
}
