//! What the build sees: the `CODEBUILD_*` values of this run, the action's
//! variables, the secrets the buildspec names; and what it leaves for
//! later actions: its exported variables.

use kiln_buildspec::{BuildInfo, Buildspec, Outcome, SecretSource, Webhook};
use kiln_sdk::{Context, Error};

/// Variables kiln sets for every plugin about the run (see the README's
/// "What a plugin sees"): read here, not passed on as project variables.
const RUN_NUMBER: &str = "KILN_RUN_NUMBER";
const RUN_TRIGGER: &str = "KILN_RUN_TRIGGER";
const RUN_COMMIT: &str = "KILN_RUN_COMMIT";
const RUN_REF: &str = "KILN_RUN_REF";
/// The trigger `kiln serve` records for a run a push webhook started.
const PUSH_TRIGGER: &str = "push";

/// The `CODEBUILD_*` values of this build. The build id has CodeBuild's
/// `<project>:<id>` shape, the pipeline and the run id, so scripts that
/// cut it at `:` get the run id.
pub fn build_info(ctx: &Context) -> BuildInfo {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let commit = var(RUN_COMMIT);
    let start_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    BuildInfo {
        build_id: Some(format!("{}:{}", ctx.pipeline, ctx.run_id)),
        build_number: var(RUN_NUMBER),
        resolved_source_version: commit.clone(),
        // CodeBuild gives the version asked for; a kiln run is asked for
        // the workspace's commit.
        source_version: commit,
        start_time: Some(start_ms.to_string()),
        initiator: var(RUN_TRIGGER),
        webhook: webhook(var(RUN_TRIGGER).as_deref(), var(RUN_REF)),
        extra: vec![("CODEBUILD_CI".into(), "true".into())],
        ..BuildInfo::default()
    }
}

/// The `CODEBUILD_WEBHOOK_*` values when a push webhook started the run
/// (`kiln serve` records its trigger as `push` and the ref it pushed).
/// kiln starts runs on pushes only, so the event is always `PUSH`; the
/// pull-request values (base ref, merge commit) stay unset.
fn webhook(trigger: Option<&str>, git_ref: Option<String>) -> Option<Webhook> {
    if trigger != Some(PUSH_TRIGGER) {
        return None;
    }
    let git_ref = git_ref?;
    let short = git_ref
        .strip_prefix("refs/heads/")
        .map(|branch| format!("branch/{branch}"))
        .or_else(|| {
            git_ref
                .strip_prefix("refs/tags/")
                .map(|tag| format!("tag/{tag}"))
        });
    Some(Webhook {
        event: Some("PUSH".to_owned()),
        head_ref: Some(git_ref.clone()),
        trigger: short,
        ..Webhook::default()
    })
}

/// The action's variables (`env:` in kiln.yaml: the pipeline's and the
/// action's), which take precedence over `env.variables` as a CodeBuild
/// project's variables do; kiln's own `KILN_RUN_*` are left out.
pub fn project_variables() -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = std::env::vars()
        .filter(|(name, _)| !name.starts_with("KILN_RUN_"))
        .collect();
    vars.sort();
    vars
}

/// The value of each `env.parameter-store` and `env.secrets-manager`
/// variable, read from kiln's secret of the same name. The name is the
/// variable's, not the AWS reference's: references are SSM paths and
/// ARNs, and the variable is what the build knows the value by.
pub fn secrets(spec: &Buildspec) -> Result<Vec<(String, String)>, Error> {
    let mut values = Vec::new();
    for secret in spec.secrets() {
        let name = &secret.variable.value;
        let store = match secret.source {
            SecretSource::ParameterStore => "env.parameter-store",
            SecretSource::SecretsManager => "env.secrets-manager",
        };
        let value = kiln_sdk::secrets::get(name).map_err(|error| {
            Error::new(format!(
                "{}:{}:{}: {store}.{name}: kiln reads this value from its secret `{name}` (for `{}`), and {error}: add `grants: {{ secrets: [{name}] }}` to the action and set it (`kiln secret set {name}`, or KILN_SECRET_{name})",
                spec.file,
                secret.variable.at.line,
                secret.variable.at.column,
                secret.reference.value,
            ))
        })?;
        values.push((name.clone(), value));
    }
    Ok(values)
}

/// `env.exported-variables` into `/kiln/exports`, for later actions. An
/// unset variable is exported empty, as CodeBuild exports it.
pub fn export(spec: &Buildspec, outcome: &Outcome) -> Result<(), Error> {
    if outcome.exported.is_empty() {
        return Ok(());
    }
    if !kiln_sdk::exports::available() {
        let names: Vec<&str> = outcome.exported.iter().map(|(n, _)| n.as_str()).collect();
        let at = spec.env.exported_variables.first().map(|n| n.at);
        kiln_sdk::warn!(
            "warning: {}:{}:{}: env.exported-variables: the action declares no `exports:`, so no later action can read {}: add `exports: [{}]` to it",
            spec.file,
            at.map_or(0, |a| a.line),
            at.map_or(0, |a| a.column),
            names.join(", "),
            names.join(", ")
        );
        return Ok(());
    }
    for (name, value) in &outcome.exported {
        if value.is_none() {
            kiln_sdk::warn!(
                "kiln: exported variable {name} is not set at the end of the build: exported empty"
            );
        }
        kiln_sdk::exports::set(name, value.as_deref().unwrap_or(""))?;
    }
    Ok(())
}
