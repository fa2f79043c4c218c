//! `kiln plugin new` and `kiln plugin build`: a plugin project in Rust,
//! Python, JavaScript or C, from a template to a component.
//!
//! Rust builds with cargo; C with clang and wasi-libc, with the bindings
//! generated and the component assembled by kiln itself (wit-bindgen-c,
//! wit-component and the WASI preview1 reactor adapter are linked in, so a
//! C author needs only Debian's clang, lld and wasi-libc); Python and
//! JavaScript with componentize-py and componentize-js, through the SDK's
//! build scripts (carried inside kiln, see [`sdk`]), which find their
//! pinned tools in the [`Toolchain`]'s tools directory.

mod c;
pub mod sdk;
mod templates;

use std::path::{Path, PathBuf};
use std::process::Command;

pub use sdk::Toolchain;
pub use templates::new_project;

/// The contract version new plugins target.
pub const WIT_WORLD: &str = "kiln:plugin/action@0.2.0";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    Rust,
    Python,
    Js,
    C,
}

impl Lang {
    /// What the files of `dir` say it is written in.
    pub fn detect(dir: &Path) -> Option<Self> {
        let has = |name: &str| dir.join(name).is_file();
        let any_ext = |ext: &str| {
            std::fs::read_dir(dir).is_ok_and(|entries| {
                entries
                    .flatten()
                    .any(|e| e.path().extension().is_some_and(|x| x == ext))
            })
        };
        if has("Cargo.toml") {
            Some(Lang::Rust)
        } else if has("app.py") {
            Some(Lang::Python)
        } else if has("package.json") || any_ext("js") {
            Some(Lang::Js)
        } else if any_ext("c") {
            Some(Lang::C)
        } else {
            None
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(
        "{0}: cannot tell the plugin's language (no Cargo.toml, app.py, package.json, .js or .c file); pass --lang"
    )]
    UnknownLanguage(PathBuf),
    #[error("`{program}` could not be started: {source}{hint}")]
    Tool {
        program: String,
        source: std::io::Error,
        hint: &'static str,
    },
    #[error("`{command}` failed ({status})")]
    Failed { command: String, status: String },
    #[error("{0}")]
    Other(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Build the plugin in `dir` into a component at `out` (default
/// `<dir>/<dir name>.wasm`); the path written.
pub fn build(
    dir: &Path,
    lang: Option<Lang>,
    out: Option<&Path>,
    toolchain: &Toolchain,
) -> Result<PathBuf, BuildError> {
    let lang = match lang {
        Some(lang) => lang,
        None => Lang::detect(dir).ok_or_else(|| BuildError::UnknownLanguage(dir.to_path_buf()))?,
    };
    let name = dir
        .canonicalize()?
        .file_name()
        .map(|n| n.to_string_lossy().replace('-', "_"))
        .unwrap_or_else(|| "plugin".into());
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.join(format!("{name}.wasm")));
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    match lang {
        Lang::Rust => build_rust(dir, &out)?,
        Lang::C => c::build(dir, &out)?,
        Lang::Python => run_sdk_script(toolchain, "python", dir, &out)?,
        Lang::Js => run_sdk_script(toolchain, "js", dir, &out)?,
    }
    Ok(out)
}

/// `cargo build --release --target wasm32-wasip2`, then the component the
/// build reported is copied to `out`.
fn build_rust(dir: &Path, out: &Path) -> Result<(), BuildError> {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command
        .current_dir(dir)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--message-format=json-render-diagnostics",
        ])
        .stderr(std::process::Stdio::inherit());
    let output = command.output().map_err(|source| BuildError::Tool {
        program: "cargo".into(),
        source,
        hint: " (install Rust with rustup, then `rustup target add wasm32-wasip2`)",
    })?;
    if !output.status.success() {
        return Err(BuildError::Failed {
            command: "cargo build --release --target wasm32-wasip2".into(),
            status: output.status.to_string(),
        });
    }
    // The last `.wasm` cargo reports is the plugin's component.
    let wasm = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .flat_map(|message| {
            message["filenames"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|f| f.as_str().map(PathBuf::from))
                .collect::<Vec<_>>()
        })
        .rfind(|path| path.extension().is_some_and(|e| e == "wasm"))
        .ok_or_else(|| {
            BuildError::Other(
                "cargo built no .wasm: is the crate a `cdylib` (see `kiln plugin new --lang rust`)?"
                    .into(),
            )
        })?;
    std::fs::copy(&wasm, out)?;
    Ok(())
}

fn run_sdk_script(
    toolchain: &Toolchain,
    lang: &str,
    dir: &Path,
    out: &Path,
) -> Result<(), BuildError> {
    let script = toolchain.sdk_dir.join(lang).join("build");
    let tools_var = if lang == "python" {
        "KILN_PYTHON_TOOLS"
    } else {
        "KILN_JS_TOOLS"
    };
    let mut command = Command::new(&script);
    if std::env::var_os(tools_var).is_none() {
        command.env(tools_var, toolchain.tools_dir.join(lang));
    }
    let status = command
        .arg(dir)
        .arg(out)
        .status()
        .map_err(|source| BuildError::Tool {
            program: script.display().to_string(),
            source,
            hint: " (the SDK's build script; KILN_SDK_DIR names another sdk/ directory)",
        })?;
    if !status.success() {
        return Err(BuildError::Failed {
            command: format!("{} {} {}", script.display(), dir.display(), out.display()),
            status: status.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_told_by_their_files() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Lang::detect(dir.path()), None);
        std::fs::write(dir.path().join("plugin.c"), "").unwrap();
        assert_eq!(Lang::detect(dir.path()), Some(Lang::C));
        std::fs::write(dir.path().join("index.js"), "").unwrap();
        assert_eq!(Lang::detect(dir.path()), Some(Lang::Js));
        std::fs::write(dir.path().join("app.py"), "").unwrap();
        assert_eq!(Lang::detect(dir.path()), Some(Lang::Python));
        std::fs::write(dir.path().join("Cargo.toml"), "").unwrap();
        assert_eq!(Lang::detect(dir.path()), Some(Lang::Rust));
    }
}
