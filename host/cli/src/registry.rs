//! `kiln plugin publish|pull|ls|rm|update|keygen|sign|verify`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::output;
use super::{EXIT_FAILED, PluginCommand};
use kiln::Host;
use kiln::engine::plugins::registry::RegistryOptions;
use kiln::model::digest::Digest;
use kiln::registry::{LockFile, PluginRef, signing};

fn green() -> anstyle::Style {
    anstyle::AnsiColor::Green.on_default().bold()
}

pub async fn dispatch(host: &Host, command: PluginCommand) -> Result<ExitCode> {
    match command {
        PluginCommand::Publish { wasm, reference } => publish(host, &wasm, &reference).await,
        PluginCommand::Pull { reference } => {
            let reference = parse(&reference)?;
            let registry = host.registry()?;
            let resolved = registry.resolve(&reference, None, true).await?;
            output::status(
                green(),
                "Pulled",
                &format!(
                    "{} (component {})",
                    resolved.pinned_reference(),
                    resolved.component
                ),
            );
            Ok(ExitCode::SUCCESS)
        }
        PluginCommand::Ls { json } => list(host, json),
        PluginCommand::Rm { references } => remove(host, &references),
        PluginCommand::Update { file } => update(host, &file).await,
        PluginCommand::Keygen { prefix } => {
            let (private, public, key) = signing::generate_key_pair(&prefix)?;
            output::status(
                green(),
                "Created",
                &format!(
                    "{} (secret: keep it out of the repository) and {}",
                    private.display(),
                    public.display()
                ),
            );
            println!("{}", signing::key_id(&key));
            Ok(ExitCode::SUCCESS)
        }
        PluginCommand::Sign { reference, key } => {
            let reference = parse(&reference)?;
            let key = signing::load_signing_key(&key)?;
            let registry = host.registry()?;
            let (resolved, signature) = registry.sign(&reference, &key).await?;
            output::status(
                green(),
                "Signed",
                &format!("{} with {}", resolved.pinned_reference(), signature.key),
            );
            Ok(ExitCode::SUCCESS)
        }
        PluginCommand::Verify { reference, keys } => verify(host, &reference, &keys).await,
        PluginCommand::New { .. }
        | PluginCommand::Build { .. }
        | PluginCommand::Inspect { .. }
        | PluginCommand::Optimize { .. } => {
            unreachable!("handled by commands::dispatch")
        }
    }
}

fn parse(reference: &str) -> Result<PluginRef> {
    Ok(reference.parse::<PluginRef>()?)
}

/// The component file a command names: a registry reference (fetched into
/// the store), a path, or a first-party name.
pub async fn plugin_path(host: &Host, plugin: &str) -> Result<PathBuf> {
    if PluginRef::is_registry(plugin) {
        let registry = host.registry()?;
        return Ok(registry.resolve(&parse(plugin)?, None, false).await?.path);
    }
    Ok(host
        .resolver(RegistryOptions::default())
        .resolve(plugin, &std::env::current_dir()?)?)
}

async fn publish(host: &Host, wasm: &str, reference: &str) -> Result<ExitCode> {
    let reference = parse(reference)?;
    let path = plugin_path(host, wasm).await?;
    // Only a working kiln plugin is published: it must load and describe
    // itself. Its description becomes the manifest's annotations.
    let loaded = host
        .runtime()
        .load(&path)
        .await
        .with_context(|| format!("{} is not a kiln plugin", path.display()))?;
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let annotations = BTreeMap::from([
        (
            "org.opencontainers.image.title".to_owned(),
            loaded.info.name.clone(),
        ),
        (
            "org.opencontainers.image.version".to_owned(),
            loaded.info.version.clone(),
        ),
        (
            "org.opencontainers.image.description".to_owned(),
            loaded.info.summary.clone(),
        ),
        (
            "dev.kiln.plugin.contract".to_owned(),
            format!("kiln:plugin@{}", loaded.contract.as_str()),
        ),
    ]);
    let registry = host.registry()?;
    let published = registry.publish(&bytes, &reference, annotations).await?;
    output::status(
        green(),
        "Published",
        &format!(
            "{} {} ({}) to {reference}",
            loaded.info.name,
            loaded.info.version,
            bytesize::ByteSize(bytes.len() as u64)
        ),
    );
    // The pinned reference on stdout, for scripts and for `uses:`.
    println!("{}", published.pinned_reference());
    Ok(ExitCode::SUCCESS)
}

fn list(host: &Host, json: bool) -> Result<ExitCode> {
    let registry = host.registry()?;
    let store = registry.store();
    let mut rows: Vec<serde_json::Value> = Vec::new();
    for entry in store.entries()? {
        let Some(digest) = entry.manifest.sha256() else {
            continue;
        };
        let manifest = store.manifest(&digest).ok();
        let kind = match &manifest {
            Some(m) if m.artifact_type.as_deref() == Some(signing::SIGNATURE_MEDIA_TYPE) => {
                "signatures"
            }
            Some(m) if m.component_layer().is_ok() => "plugin",
            Some(_) => "other",
            None => "damaged",
        };
        let layer = manifest.as_ref().and_then(|m| m.component_layer().ok());
        let title = manifest
            .as_ref()
            .and_then(|m| m.annotations.get("org.opencontainers.image.title"))
            .cloned();
        let version = manifest
            .as_ref()
            .and_then(|m| m.annotations.get("org.opencontainers.image.version"))
            .cloned();
        rows.push(serde_json::json!({
            "reference": format!("oci://{}", entry.name),
            "kind": kind,
            "manifest": digest.to_string(),
            "component": layer.map(|l| l.digest.clone()),
            "size": layer.map(|l| l.size),
            "title": title,
            "version": version,
            "signatures": manifest.as_ref().filter(|_| kind == "signatures").map(|m| m.layers.len()),
        }));
    }
    // Then the plugins kiln carries: they run when nothing earlier on the
    // search path (or in the store) has their name.
    rows.extend(kiln::builtin_plugins().into_iter().map(|plugin| {
        serde_json::json!({
            "reference": plugin.name,
            "kind": "built-in",
            "component": plugin.digest.to_string(),
            "size": plugin.size,
        })
    }));
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        println!("no plugins in {}", store.root().display());
        return Ok(ExitCode::SUCCESS);
    }
    for row in &rows {
        let short = |key: &str| {
            row[key]
                .as_str()
                .and_then(|d| d.parse::<Digest>().ok())
                .map(|d| d.short())
                .unwrap_or_default()
        };
        let what = match row["kind"].as_str() {
            Some("built-in") => format!(
                "built into kiln, {}",
                bytesize::ByteSize(row["size"].as_u64().unwrap_or(0))
            ),
            Some("plugin") => format!(
                "{} {} {}",
                row["title"].as_str().unwrap_or("?"),
                row["version"].as_str().unwrap_or(""),
                bytesize::ByteSize(row["size"].as_u64().unwrap_or(0))
            ),
            Some("signatures") => format!("{} signature(s)", row["signatures"]),
            Some(kind) => kind.to_owned(),
            None => String::new(),
        };
        let digest = match row["kind"].as_str() {
            Some("built-in") => short("component"),
            _ => short("manifest"),
        };
        println!(
            "{:<60} {:<14} {}",
            row["reference"].as_str().unwrap_or(""),
            digest,
            what.trim()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn remove(host: &Host, references: &[String]) -> Result<ExitCode> {
    let registry = host.registry()?;
    let store = registry.store();
    let entries = store.entries()?;
    let mut names = Vec::new();
    for reference in references {
        let name = reference
            .strip_prefix(kiln::registry::reference::SCHEME)
            .unwrap_or(reference);
        let whole_repository = !name.rsplit('/').next().unwrap_or(name).contains([':', '@']);
        let matched: Vec<&str> = entries
            .iter()
            .map(|e| e.name.as_str())
            .filter(|entry| {
                *entry == name
                    || (whole_repository
                        && (entry.starts_with(&format!("{name}:"))
                            || entry.starts_with(&format!("{name}@"))))
            })
            .collect();
        if matched.is_empty() {
            bail!("{reference} is not in the local plugin store (see `kiln plugin ls`)");
        }
        names.extend(matched.into_iter().map(str::to_owned));
    }
    // Signatures of a manifest go when no remaining name points at it.
    let removed_digests: Vec<String> = entries
        .iter()
        .filter(|e| names.contains(&e.name))
        .map(|e| e.manifest.digest.clone())
        .collect();
    for digest in removed_digests {
        let still_named = entries
            .iter()
            .any(|e| e.manifest.digest == digest && !names.contains(&e.name));
        if let (false, Ok(digest)) = (still_named, digest.parse::<Digest>()) {
            let tag = signing::signature_tag(&digest);
            names.extend(
                entries
                    .iter()
                    .filter(|e| e.name.ends_with(&format!(":{tag}")))
                    .map(|e| e.name.clone()),
            );
        }
    }
    let removed = store.remove(|name| names.iter().any(|n| n == name))?;
    for name in removed {
        output::status(green(), "Removed", &format!("oci://{name}"));
    }
    Ok(ExitCode::SUCCESS)
}

async fn update(host: &Host, file: &Path) -> Result<ExitCode> {
    let source =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let parsed = match kiln::pipeline::parse(file, &source) {
        Ok(parsed) => parsed,
        Err(diagnostics) => bail!("{diagnostics}"),
    };
    let resolver = host.resolver(RegistryOptions {
        client: host.config().registry.clone(),
        update: true,
        locked: false,
    });
    let resolved = match resolver.with_registry_plugins(file, &parsed).await {
        Ok(resolved) => resolved,
        Err(diagnostics) => bail!("{diagnostics}"),
    };
    let lock = LockFile::path_for(file);
    if resolved.lock_changes().is_empty() {
        output::status(green(), "Unchanged", &format!("{}", lock.display()));
    }
    for change in resolved.lock_changes() {
        output::status(green(), "Updated", change);
    }
    Ok(ExitCode::SUCCESS)
}

async fn verify(host: &Host, reference: &str, keys: &[String]) -> Result<ExitCode> {
    let reference = parse(reference)?;
    let trusted = keys
        .iter()
        .map(|key| signing::load_public_key(key, Path::new(".")))
        .collect::<Result<Vec<_>, _>>()?;
    let registry = host.registry()?;
    let resolved = registry.resolve(&reference, None, true).await?;
    let signatures = registry
        .pull_signatures(&reference, &resolved.manifest)
        .await?;
    match signing::check(&resolved.manifest, &signatures, &trusted) {
        Ok(signer) => {
            output::status(
                green(),
                "Verified",
                &format!("{} is signed by {signer}", resolved.pinned_reference()),
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(reason) => {
            output::error(&anyhow::anyhow!(
                "{}: {reason}",
                resolved.pinned_reference()
            ));
            Ok(ExitCode::from(EXIT_FAILED))
        }
    }
}
