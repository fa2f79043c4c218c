//! `kiln plugin new`: a working plugin project per language. The Python,
//! JavaScript and C templates are the SDKs' own `template/` folders,
//! embedded; the Rust one is below. The plugin's name replaces the
//! templates' `hello`.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use super::{BuildError, Lang};

static PYTHON: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../sdk/python/template");
static JS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../sdk/js/template");
static C: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../sdk/c/template");

const RUST_LIB: &str = r#"//! A kiln plugin in Rust. Build it with `kiln plugin build`, then look at
//! it with `kiln plugin inspect hello.wasm`.

use kiln_sdk::{Context, Error, Info, Param, Plugin, export_plugin};

struct Hello;

impl Plugin for Hello {
    fn describe() -> Info {
        Info::new("hello", env!("CARGO_PKG_VERSION"))
            .summary("Greets someone in the log")
            .param(Param::new("who", "Who to greet").default("world"))
    }

    fn run(ctx: Context) -> Result<String, Error> {
        let who = ctx.param("who").unwrap_or("world");
        kiln_sdk::info!("hello, {who}");
        // Write into each output artifact the pipeline expects.
        for output in ctx.outputs() {
            std::fs::write(output.path.join("greeting.txt"), format!("hello, {who}\n"))?;
        }
        Ok(format!("greeted {who}"))
    }
}

export_plugin!(Hello);
"#;

/// Write a new plugin project `name` in `parent/name`; its directory.
pub fn new_project(name: &str, lang: Lang, parent: &Path) -> Result<PathBuf, BuildError> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && name.starts_with(|c: char| c.is_ascii_lowercase());
    if !valid {
        return Err(BuildError::Other(format!(
            "`{name}` is not a plugin name: lowercase letters, digits, `-` and `_`, starting with a letter"
        )));
    }
    let dir = parent.join(name);
    if dir.exists() {
        return Err(BuildError::Other(format!(
            "{} exists already; kiln never overwrites a project",
            dir.display()
        )));
    }
    std::fs::create_dir_all(&dir)?;
    let rename = |text: &str| {
        text.replace("\"hello\"", &format!("\"{name}\""))
            .replace("'hello'", &format!("'{name}'"))
    };
    match lang {
        Lang::Rust => {
            // The SDK goes into the project: it builds on any machine, with
            // or without kiln, against the contract it was written for.
            super::sdk::vendor_rust_sdk(&dir.join("vendor/kiln-sdk"))?;
            std::fs::create_dir_all(dir.join("src"))?;
            std::fs::write(
                dir.join("Cargo.toml"),
                format!(
                    "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
                     [lib]\ncrate-type = [\"cdylib\"]\n\n\
                     [dependencies]\nkiln-sdk = {{ path = \"vendor/kiln-sdk\" }}\n\n\
                     # Its own workspace, wherever it is created.\n[workspace]\n\n\
                     [profile.release]\nopt-level = \"s\"\n"
                ),
            )?;
            std::fs::write(dir.join("src/lib.rs"), rename(RUST_LIB))?;
            std::fs::write(dir.join(".gitignore"), "target/\n*.wasm\n")?;
        }
        Lang::Python => write_template(&PYTHON, &dir, &rename)?,
        Lang::Js => write_template(&JS, &dir, &rename)?,
        Lang::C => write_template(&C, &dir, &rename)?,
    }
    Ok(dir)
}

fn write_template(
    template: &Dir<'_>,
    dir: &Path,
    rename: &dyn Fn(&str) -> String,
) -> Result<(), BuildError> {
    for file in template.files() {
        let path = dir.join(file.path());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        match file.contents_utf8() {
            Some(text) => std::fs::write(&path, rename(text))?,
            None => std::fs::write(&path, file.contents())?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_gets_a_project_named_for_the_plugin() {
        let parent = tempfile::tempdir().unwrap();
        for (lang, file) in [
            (Lang::Rust, "src/lib.rs"),
            (Lang::Python, "app.py"),
            (Lang::Js, "index.js"),
            (Lang::C, "plugin.c"),
        ] {
            let name = format!("greet-{lang:?}").to_lowercase();
            let dir = new_project(&name, lang, parent.path()).unwrap();
            let text = std::fs::read_to_string(dir.join(file)).unwrap();
            assert!(
                text.contains(&format!("\"{name}\"")) || text.contains(&format!("'{name}'")),
                "{lang:?}: {text}"
            );
            assert_eq!(Lang::detect(&dir), Some(lang));
        }
        assert!(new_project("greet-rust", Lang::Rust, parent.path()).is_err());
        assert!(new_project("Bad Name", Lang::C, parent.path()).is_err());
    }
}
