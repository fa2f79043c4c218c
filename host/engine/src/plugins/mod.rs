//! Resolving `uses:` to a component file.
//!
//! `uses:` is either a path to a `.wasm` component (relative to the
//! pipeline file) or the name of a first-party plugin. A name is looked up
//! as `<name>.wasm` (with `-` also tried as `_`, cargo's file naming) in
//! the directories of the search path, in order. The host composes it
//! (`kiln::Host`): the front end's own directories (the CLI's are
//! `KILN_PLUGIN_PATH` and, for a kiln run from its build tree, the
//! plugins built beside it), then `<data dir>/plugins`, then the
//! first-party plugins built into kiln.
//!
//! `oci://` references are plugins in a registry: they are resolved for
//! the whole pipeline before validation ([`registry`]),
//! and the resolver then maps each to its component in the local store.

use std::path::{Path, PathBuf};

use kiln_pipeline::diagnostic::Diagnostics;
use kiln_pipeline::file::PipelineFile;
use kiln_registry::PluginRef;
use kiln_store::data_dir::DataDir;
pub mod registry;

use registry::{RegistryOptions, RegistryPlugins};

#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("plugin file {} does not exist", .0.display())]
    MissingFile(PathBuf),
    #[error(
        "no plugin named `{name}`: looked for {file} in {}",
        format_dirs(searched)
    )]
    UnknownName {
        name: String,
        file: String,
        searched: Vec<PathBuf>,
    },
    #[error(
        "`{0}` is neither a path to a .wasm component nor a plugin name (letters, digits and `-`)"
    )]
    BadReference(String),
    #[error(
        "registry plugin `{0}` has not been fetched (use `kiln plugin pull` or run the pipeline)"
    )]
    NotFetched(String),
}

fn format_dirs(dirs: &[PathBuf]) -> String {
    if dirs.is_empty() {
        return "no directories".to_owned();
    }
    dirs.iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `uses` is a path to a component file (relative to the
/// pipeline file).
fn names_file(uses: &str) -> bool {
    !PluginRef::is_registry(uses) && (uses.ends_with(".wasm") || uses.contains('/'))
}

/// Whether `uses` names a plugin to find on the search path (one shipped
/// with kiln or installed beside it), not a file or a registry.
pub fn is_first_party(uses: &str) -> bool {
    !PluginRef::is_registry(uses)
        && !names_file(uses)
        && !uses.is_empty()
        && uses
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Finds plugin components by path or by name.
#[derive(Debug, Clone)]
pub struct PluginResolver {
    search_path: Vec<PathBuf>,
    /// Where registry plugins are stored; none in resolvers made for a
    /// fixed search path.
    data: Option<DataDir>,
    registry_options: RegistryOptions,
    registry_plugins: RegistryPlugins,
}

impl PluginResolver {
    /// A resolver for a data directory: names looked up in `search_path`,
    /// in order; registry plugins fetched into the data directory's store.
    pub fn new(data_dir: &DataDir, search_path: Vec<PathBuf>) -> Self {
        Self {
            search_path,
            data: Some(data_dir.clone()),
            registry_options: RegistryOptions::default(),
            registry_plugins: RegistryPlugins::default(),
        }
    }

    /// The directories names are looked up in, in order.
    pub fn search_path(&self) -> &[PathBuf] {
        &self.search_path
    }

    /// A resolver that looks only in `dirs`.
    pub fn with_search_path(dirs: Vec<PathBuf>) -> Self {
        Self {
            search_path: dirs,
            data: None,
            registry_options: RegistryOptions::default(),
            registry_plugins: RegistryPlugins::default(),
        }
    }

    /// How registry plugins are resolved (`--insecure`, `--locked`).
    pub fn with_registry_options(mut self, options: RegistryOptions) -> Self {
        self.registry_options = options;
        self
    }

    /// This resolver, with the registry plugins of `pipeline` fetched and
    /// checked against its policy.
    pub async fn with_registry_plugins(
        &self,
        file: &Path,
        pipeline: &PipelineFile,
    ) -> Result<Self, Diagnostics> {
        let Some(data) = &self.data else {
            return Ok(self.clone());
        };
        let plugins = registry::resolve(file, pipeline, data, &self.registry_options).await?;
        Ok(Self {
            registry_plugins: plugins,
            ..self.clone()
        })
    }

    /// What the last registry resolution changed in kiln.lock.
    pub fn lock_changes(&self) -> &[String] {
        &self.registry_plugins.changes
    }

    /// The component file that `uses` names; relative paths are relative to
    /// `base` (the pipeline file's directory).
    pub fn resolve(&self, uses: &str, base: &Path) -> Result<PathBuf, ResolveError> {
        if PluginRef::is_registry(uses) {
            return self
                .registry_plugins
                .paths
                .get(uses)
                .cloned()
                .ok_or_else(|| ResolveError::NotFetched(uses.to_owned()));
        }
        if names_file(uses) {
            let path = base.join(uses);
            return if path.is_file() {
                Ok(path.canonicalize().unwrap_or(path))
            } else {
                Err(ResolveError::MissingFile(path))
            };
        }
        if !is_first_party(uses) {
            return Err(ResolveError::BadReference(uses.to_owned()));
        }
        let candidates = [
            format!("{uses}.wasm"),
            format!("{}.wasm", uses.replace('-', "_")),
        ];
        let searched: Vec<PathBuf> = self
            .search_path
            .iter()
            .filter(|d| d.is_dir())
            .cloned()
            .collect();
        for dir in &searched {
            for file in &candidates {
                let path = dir.join(file);
                if path.is_file() {
                    return Ok(path.canonicalize().unwrap_or(path));
                }
            }
        }
        Err(ResolveError::UnknownName {
            name: uses.to_owned(),
            file: candidates[0].clone(),
            searched,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths_resolve() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("deploy_dir.wasm"), b"").unwrap();
        std::fs::write(dir.path().join("mine.wasm"), b"").unwrap();
        let resolver = PluginResolver::with_search_path(vec![dir.path().to_path_buf()]);
        assert!(resolver.resolve("deploy-dir", Path::new("/")).is_ok());
        assert!(resolver.resolve("./mine.wasm", dir.path()).is_ok());
        let error = resolver.resolve("nope", Path::new("/")).unwrap_err();
        assert!(error.to_string().contains("nope.wasm"), "{error}");
        assert!(matches!(
            resolver.resolve("bad name", Path::new("/")),
            Err(ResolveError::BadReference(_))
        ));
    }
}
