//! `kiln.yaml`: a pipeline file from a push.

use std::path::Path;

use kiln_model::grants::{ArgPattern, EnvPattern, Origin};
use kiln_pipeline::file::{ActionFile, GrantsFile, PipelineFile};
use kiln_registry::PluginRef;
use kiln_registry::signing::load_public_key;

/// Parse the bytes as a pipeline file; then parse, as validation does,
/// the texts inside it that have a grammar of their own: registry
/// references in `uses:`, inline public keys, network origins, exec
/// argument and environment patterns, secret names.
pub fn kiln_yaml(data: &[u8]) {
    let source = crate::text(data);
    let path = Path::new("fuzz/kiln.yaml");
    match kiln_pipeline::parse(path, &source) {
        Ok(file) => parse_inner_texts(&file),
        Err(diagnostics) => check_positions(&diagnostics, &source),
    }
}

/// An error points into the file it is about: a line of it, or the line
/// just past its end (where a truncated file is missing something).
fn check_positions(diagnostics: &kiln_pipeline::Diagnostics, source: &str) {
    assert!(!diagnostics.is_empty(), "an error without a diagnostic");
    let last_line = yaml_line_breaks(source) + 1;
    for diagnostic in diagnostics.iter() {
        assert!(
            diagnostic.at.line <= last_line,
            "diagnostic at line {} of a {}-line file: {diagnostic}",
            diagnostic.at.line,
            last_line - 1
        );
    }
    let _shown = diagnostics.to_string();
}

/// Line breaks as YAML counts them: `\r\n`, `\n`, and a lone `\r` (which
/// `str::lines` does not count, and editors do).
fn yaml_line_breaks(source: &str) -> u64 {
    let breaks = source.matches('\n').count() + source.matches('\r').count()
        - source.matches("\r\n").count();
    breaks as u64
}

fn parse_inner_texts(file: &PipelineFile) {
    if let Some(policy) = &file.plugins {
        for key in &policy.require_signed_by {
            // A key that is not inline names a file: not fuzzed here (see
            // the `public_key` target).
            if key.starts_with("ed25519:") {
                let _ = load_public_key(key, Path::new("."));
            }
        }
    }
    for stage in &file.stages {
        for action in &stage.actions {
            parse_action(action);
        }
    }
}

fn parse_action(action: &ActionFile) {
    if PluginRef::is_registry(&action.uses)
        && let Ok(reference) = action.uses.parse::<PluginRef>()
    {
        let _ = reference.check();
    }
    if let Some(grants) = &action.grants {
        parse_grants(grants);
    }
}

fn parse_grants(grants: &GrantsFile) {
    for origin in &grants.network {
        let _ = Origin::parse(origin);
    }
    for name in &grants.secrets {
        let _ = kiln_store::secrets::validate_secret_name(name);
    }
    for exec in &grants.exec {
        for pattern in exec.args.iter().flatten() {
            if let Ok(parsed) = ArgPattern::parse(pattern) {
                // The pattern's own words as arguments: the glob matcher
                // runs on hostile text from both sides.
                let words: Vec<&str> = pattern.split_whitespace().collect();
                let _ = parsed.matches(&words);
            }
        }
        for name in &exec.env {
            if let Ok(parsed) = EnvPattern::parse(name) {
                let _ = parsed.matches(name);
            }
        }
    }
}
