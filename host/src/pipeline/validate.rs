//! From `kiln.yaml` text to a [`Plan`], or to every problem in the file,
//! each with its line and column.
//!
//! Checks, in order: YAML syntax and the file's shape (unknown fields,
//! wrong types); names (duplicates, empty); `needs` (unknown, cycles);
//! artifacts (duplicate outputs, inputs nobody produced earlier); limits
//! (timeouts, retries); plugins (missing, failing `describe`); parameters
//! (undeclared, required but missing); grants (asked for but not given).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;

use super::diagnostic::{Diagnostic, Diagnostics};
use super::file::{
    AccessText, ActionFile, CacheFile, ConditionText, PipelineFile, RunsText, ScalarValue, SizeText,
};
use super::located::{Located, Position};
use super::plan::{ActionPlan, Condition, Grants, Plan, ReportPattern, StagePlan};
use crate::action_cache::CachePolicy;
use crate::capabilities::exec::{ArgPattern, EnvPattern, ExecGrant, Runs, never_from_a_plugin};
use crate::capabilities::fs::{Access, FsGrants, PathGrant};
use crate::capabilities::http::{NetworkGrant, Origin};
use crate::plugins::PluginResolver;
use crate::runtime::limits::{Limits, Size};
use crate::runtime::{GrantRequest, LoadedPlugin, Runtime};

/// The timeout of an attempt when the pipeline sets none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// More retries than this is a mistake, not a policy.
pub const MAX_RETRIES: u32 = 10;

/// Why a pipeline cannot run.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error("cannot read pipeline file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot use workspace {}: {source}", path.display())]
    Workspace {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Diagnostics),
}

/// Read, parse and fully validate a pipeline file, loading its plugins.
pub async fn load_and_validate(
    file: &Path,
    workspace: Option<&Path>,
    runtime: &Runtime,
    resolver: &PluginResolver,
) -> Result<Plan, ValidateError> {
    let source = std::fs::read_to_string(file).map_err(|source| ValidateError::Read {
        path: file.to_path_buf(),
        source,
    })?;
    let parsed = parse(file, &source).map_err(ValidateError::Invalid)?;
    let workspace = workspace
        .unwrap_or_else(|| {
            file.parent()
                .filter(|dir| !dir.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
        })
        .canonicalize()
        .map_err(|source| ValidateError::Workspace {
            path: workspace.map(Path::to_path_buf).unwrap_or_default(),
            source,
        })?;
    let source_digest = crate::digest::Digest::of(source.as_bytes());
    // Registry plugins are fetched (and pinned, and their signatures
    // checked) before anything else looks at a plugin.
    let resolver = resolver
        .with_registry_plugins(file, &parsed)
        .await
        .map_err(ValidateError::Invalid)?;
    validate(file, &workspace, source_digest, parsed, runtime, &resolver)
        .await
        .map_err(ValidateError::Invalid)
}

/// Parse pipeline text; syntax and shape errors carry their position.
pub fn parse(file: &Path, source: &str) -> Result<PipelineFile, Diagnostics> {
    serde_saphyr::from_str::<PipelineFile>(source).map_err(|error| {
        let at = error
            .location()
            .map(|location| Position {
                line: location.line(),
                column: location.column(),
            })
            .unwrap_or_default();
        let message = error.without_snippet().to_string();
        // serde-saphyr appends " at line X column Y"; the position is
        // already in front of the message.
        let message = match message.rfind(" at line ") {
            Some(cut) => message[..cut].to_owned(),
            None => message,
        };
        Diagnostics(vec![Diagnostic::new(file, at, "", message)])
    })
}

/// Where an action sits in the pipeline file, for field paths in messages.
struct Site {
    stage: usize,
    action: usize,
}

impl Site {
    fn field(&self, name: &str) -> String {
        format!("stages[{}].actions[{}].{name}", self.stage, self.action)
    }
}

async fn validate(
    file: &Path,
    workspace: &Path,
    source_digest: crate::digest::Digest,
    pipeline: PipelineFile,
    runtime: &Runtime,
    resolver: &PluginResolver,
) -> Result<Plan, Diagnostics> {
    let mut problems = Diagnostics::default();
    let mut report = |at: Position, field: String, message: String| {
        problems.push(Diagnostic::new(file, at, field, message));
    };

    if pipeline.name.trim().is_empty() {
        report(
            pipeline.name.at,
            "name".into(),
            "the pipeline name is empty".into(),
        );
    } else if !is_plain_name(&pipeline.name) {
        // The name becomes directory names (caches, cache history).
        report(
            pipeline.name.at,
            "name".into(),
            format!(
                "pipeline name `{}` must be letters, digits, `-`, `_` or `.`",
                pipeline.name.value
            ),
        );
    }
    if pipeline.stages.is_empty() {
        report(
            pipeline.name.at,
            "stages".into(),
            "the pipeline has no stages".into(),
        );
    }

    // Names: stages unique, actions unique across the pipeline (so that
    // `kiln logs <run> <action>` is unambiguous).
    let mut stage_names: HashMap<&str, Position> = HashMap::new();
    let mut action_names: HashMap<&str, Position> = HashMap::new();
    for (s, stage) in pipeline.stages.iter().enumerate() {
        check_name(
            &stage.name,
            "stage",
            &mut stage_names,
            format!("stages[{s}].name"),
            &mut report,
        );
        if stage.actions.is_empty() {
            report(
                stage.at,
                format!("stages[{s}].actions"),
                format!("stage `{}` has no actions", *stage.name),
            );
        }
        for (a, action) in stage.actions.iter().enumerate() {
            let site = Site {
                stage: s,
                action: a,
            };
            check_name(
                &action.name,
                "action",
                &mut action_names,
                site.field("name"),
                &mut report,
            );
        }
    }

    // Artifacts: every output name once; every input produced before use.
    let mut producers: HashMap<&str, (usize, usize)> = HashMap::new();
    for (s, stage) in pipeline.stages.iter().enumerate() {
        for (a, action) in stage.actions.iter().enumerate() {
            let site = Site {
                stage: s,
                action: a,
            };
            for output in &action.outputs {
                if !is_plain_name(output) {
                    report(
                        output.at,
                        site.field("outputs"),
                        format!(
                            "artifact name `{}` must be letters, digits, `-`, `_` or `.`",
                            **output
                        ),
                    );
                }
                if let Some(&(ps, pa)) = producers.get(output.as_str()) {
                    let other = &pipeline.stages[ps].actions[pa].name;
                    report(
                        output.at,
                        site.field("outputs"),
                        format!(
                            "artifact `{}` is already an output of action `{}`",
                            **output, **other
                        ),
                    );
                } else {
                    producers.insert(output.as_str(), (s, a));
                }
            }
        }
    }

    let mut stage_needs: Vec<Vec<Vec<usize>>> = Vec::new();
    for (s, stage) in pipeline.stages.iter().enumerate() {
        let index: HashMap<&str, usize> = stage
            .actions
            .iter()
            .enumerate()
            .map(|(a, action)| (action.name.as_str(), a))
            .collect();
        let mut needs: Vec<Vec<usize>> = Vec::new();
        for (a, action) in stage.actions.iter().enumerate() {
            let site = Site {
                stage: s,
                action: a,
            };
            let mut resolved = Vec::new();
            for need in &action.needs {
                match index.get(need.as_str()) {
                    Some(&n) if n == a => report(
                        need.at,
                        site.field("needs"),
                        format!("action `{}` needs itself", *action.name),
                    ),
                    Some(&n) => resolved.push(n),
                    None if action_names.contains_key(need.as_str()) => report(
                        need.at,
                        site.field("needs"),
                        format!(
                            "`{}` is in another stage; `needs` names actions of the same stage (stages already run in order)",
                            **need
                        ),
                    ),
                    None => report(
                        need.at,
                        site.field("needs"),
                        format!("no action `{}` in stage `{}`", **need, *stage.name),
                    ),
                }
            }
            needs.push(resolved);
        }
        if let Some(cycle) = find_cycle(&needs) {
            let names: Vec<&str> = cycle
                .iter()
                .map(|&a| stage.actions[a].name.as_str())
                .collect();
            let first = &stage.actions[cycle[0]];
            let at = first.needs.first().map(|n| n.at).unwrap_or(first.at);
            report(
                at,
                format!("stages[{s}].actions[{}].needs", cycle[0]),
                format!(
                    "`needs` form a cycle: {} -> {}",
                    names.join(" -> "),
                    names[0]
                ),
            );
        }
        stage_needs.push(needs);
    }

    for (s, stage) in pipeline.stages.iter().enumerate() {
        for (a, action) in stage.actions.iter().enumerate() {
            let site = Site {
                stage: s,
                action: a,
            };
            for input in &action.inputs {
                match producers.get(input.as_str()) {
                    None => report(
                        input.at,
                        site.field("inputs"),
                        format!("no earlier action outputs artifact `{}`", **input),
                    ),
                    Some(&(ps, _)) if ps > s => report(
                        input.at,
                        site.field("inputs"),
                        format!(
                            "artifact `{}` is produced by stage `{}`, which runs after this one",
                            **input, *pipeline.stages[ps].name
                        ),
                    ),
                    Some(&(ps, pa)) if ps == s && !depends_on(&stage_needs[s], a, pa) => {
                        let producer = &stage.actions[pa].name;
                        report(
                            input.at,
                            site.field("inputs"),
                            format!(
                                "artifact `{}` is produced by `{}` in the same stage; add `{}` to `needs`",
                                **input, **producer, **producer
                            ),
                        );
                    }
                    Some(_) => {}
                }
            }
            if let Some(retries) = &action.retries
                && retries.value > MAX_RETRIES
            {
                report(
                    retries.at,
                    site.field("retries"),
                    format!(
                        "{} retries is more than the maximum of {MAX_RETRIES}",
                        retries.value
                    ),
                );
            }
            if let Some(timeout) = &action.timeout
                && timeout.value.0.is_zero()
            {
                report(
                    timeout.at,
                    site.field("timeout"),
                    "a timeout of zero would fail every attempt".into(),
                );
            }
        }
    }

    // Plugins: resolve and load each distinct `uses` once, concurrently.
    let mut wanted: Vec<(&Located<String>, String, PathBuf)> = Vec::new();
    let mut seen = HashSet::new();
    for (s, stage) in pipeline.stages.iter().enumerate() {
        for (a, action) in stage.actions.iter().enumerate() {
            let site = Site {
                stage: s,
                action: a,
            };
            match resolver.resolve(&action.uses, workspace) {
                Ok(path) => {
                    if seen.insert(path.clone()) {
                        wanted.push((&action.uses, site.field("uses"), path));
                    }
                }
                Err(error) => report(action.uses.at, site.field("uses"), error.to_string()),
            }
        }
    }
    let loaded = join_all(wanted.iter().map(|(_, _, path)| runtime.load(path))).await;
    let mut plugins: HashMap<PathBuf, Arc<LoadedPlugin>> = HashMap::new();
    for ((uses, field, path), result) in wanted.iter().zip(loaded) {
        match result {
            Ok(plugin) => {
                plugins.insert(path.clone(), plugin);
            }
            Err(error) => report(
                uses.at,
                field.clone(),
                format!("plugin `{}`: {error:#}", uses.value),
            ),
        }
    }

    let mut stages = Vec::new();
    for (s, stage) in pipeline.stages.iter().enumerate() {
        let mut actions = Vec::new();
        for (a, action) in stage.actions.iter().enumerate() {
            let site = Site {
                stage: s,
                action: a,
            };
            let plugin = resolver
                .resolve(&action.uses, workspace)
                .ok()
                .and_then(|path| plugins.get(&path).cloned());
            let Some(plugin) = plugin else { continue };
            let params = check_params(action, &site, &plugin, &mut report);
            let grants = check_grants(action, &site, &plugin, workspace, &mut report);
            let limits = check_limits(action, &site, &mut report);
            let env = merge_env(&pipeline.env, &action.env, &site, &mut report);
            actions.push(ActionPlan {
                name: action.name.value.clone(),
                stage: stage.name.value.clone(),
                uses: action.uses.value.clone(),
                plugin,
                params,
                inputs: action.inputs.iter().map(|i| i.value.clone()).collect(),
                outputs: action.outputs.iter().map(|o| o.value.clone()).collect(),
                needs: stage_needs[s][a].clone(),
                condition: match action.condition.as_ref().map(|c| c.value) {
                    None | Some(ConditionText::Success) => Condition::Success,
                    Some(ConditionText::Failure) => Condition::Failure,
                    Some(ConditionText::Always) => Condition::Always,
                },
                timeout: action
                    .timeout
                    .as_ref()
                    .map(|t| t.value.0)
                    .unwrap_or(DEFAULT_TIMEOUT),
                retries: action.retries.as_ref().map(|r| r.value).unwrap_or(0),
                env,
                grants,
                limits,
                cache: match action.cache.as_ref().map(|c| &c.value) {
                    None => CachePolicy::Auto,
                    Some(CacheFile::Enabled(false)) => CachePolicy::Off,
                    Some(CacheFile::Enabled(true)) => CachePolicy::On,
                    Some(CacheFile::Settings {
                        inputs: Some(globs),
                        ..
                    }) => CachePolicy::Inputs(globs.clone()),
                    Some(CacheFile::Settings { inputs: None, .. }) => CachePolicy::Auto,
                },
                cache_dirs: cache_dirs(action, &site, &mut report),
                junit_reports: junit_reports(action, &site, &mut report),
            });
        }
        stages.push(StagePlan {
            name: stage.name.value.clone(),
            deploy: stage.deploy.as_ref().map_or_else(
                || stage.name.to_ascii_lowercase().starts_with("deploy"),
                |deploy| deploy.value,
            ),
            actions,
        });
    }

    problems.into_result(Plan {
        name: pipeline.name.value.clone(),
        file: file.to_path_buf(),
        workspace: workspace.to_path_buf(),
        source_digest,
        stages,
    })
}

fn check_name<'a>(
    name: &'a Located<String>,
    kind: &str,
    seen: &mut HashMap<&'a str, Position>,
    field: String,
    report: &mut impl FnMut(Position, String, String),
) {
    if !is_plain_name(name) {
        report(
            name.at,
            field.clone(),
            format!(
                "{kind} name `{}` must be letters, digits, `-`, `_` or `.`",
                **name
            ),
        );
    }
    if let Some(first) = seen.get(name.as_str()) {
        report(
            name.at,
            field,
            format!(
                "duplicate {kind} name `{}` (first defined at line {})",
                **name, first.line
            ),
        );
    } else {
        seen.insert(name.as_str(), name.at);
    }
}

/// `~/x` as `$HOME/x`; `None` for other paths.
fn expand_home(path: &str) -> Option<PathBuf> {
    let rest = path
        .strip_prefix("~/")
        .or(if path == "~" { Some("") } else { None })?;
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(rest))
}

/// Names become directory and file names; keep them portable.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Some cycle in the `needs` graph, as action indices, if there is one.
fn find_cycle(needs: &[Vec<usize>]) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    fn visit(
        node: usize,
        needs: &[Vec<usize>],
        marks: &mut [Mark],
        path: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        marks[node] = Mark::Active;
        path.push(node);
        for &next in &needs[node] {
            match marks[next] {
                Mark::Active => {
                    let start = path.iter().position(|&n| n == next).unwrap_or(0);
                    return Some(path[start..].to_vec());
                }
                Mark::New => {
                    if let Some(cycle) = visit(next, needs, marks, path) {
                        return Some(cycle);
                    }
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks[node] = Mark::Done;
        None
    }
    let mut marks = vec![Mark::New; needs.len()];
    for node in 0..needs.len() {
        if marks[node] == Mark::New
            && let Some(cycle) = visit(node, needs, &mut marks, &mut Vec::new())
        {
            return Some(cycle);
        }
    }
    None
}

/// Whether `action` transitively needs `other`.
fn depends_on(needs: &[Vec<usize>], action: usize, other: usize) -> bool {
    let mut stack = needs[action].clone();
    let mut seen = HashSet::new();
    while let Some(next) = stack.pop() {
        if next == other {
            return true;
        }
        if seen.insert(next) {
            stack.extend(&needs[next]);
        }
    }
    false
}

fn check_params(
    action: &ActionFile,
    site: &Site,
    plugin: &LoadedPlugin,
    report: &mut impl FnMut(Position, String, String),
) -> Vec<(String, String)> {
    let info = &plugin.info;
    for key in action.with.keys() {
        if !info.params.iter().any(|p| p.name == key.value) {
            let declared: Vec<&str> = info.params.iter().map(|p| p.name.as_str()).collect();
            let known = if declared.is_empty() {
                "it takes no parameters".to_owned()
            } else {
                format!("it takes: {}", declared.join(", "))
            };
            report(
                key.at,
                site.field(&format!("with.{}", key.value)),
                format!(
                    "plugin `{}` has no parameter `{}`; {known}",
                    info.name, key.value
                ),
            );
        }
    }
    let mut params = Vec::new();
    for spec in &info.params {
        let given = action.with.iter().find(|(key, _)| key.value == spec.name);
        match (given, &spec.default) {
            (Some((_, value)), _) => params.push((spec.name.clone(), param_text(&value.value))),
            (None, Some(default)) => params.push((spec.name.clone(), default.clone())),
            (None, None) if spec.required => {
                let at = action
                    .with
                    .keys()
                    .next()
                    .map(|k| k.at)
                    .unwrap_or(action.name.at);
                report(
                    at,
                    site.field("with"),
                    format!(
                        "plugin `{}` requires parameter `{}` ({})",
                        info.name, spec.name, spec.description
                    ),
                );
            }
            (None, None) => {}
        }
    }
    params
}

/// Scalars as their plain text, lists and maps as JSON.
fn param_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Null => String::new(),
        serde_json::Value::Bool(_) | serde_json::Value::Number(_) => value.to_string(),
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => value.to_string(),
    }
}

fn check_grants(
    action: &ActionFile,
    site: &Site,
    plugin: &LoadedPlugin,
    workspace: &Path,
    report: &mut impl FnMut(Position, String, String),
) -> Grants {
    let grants = action.grants.as_ref();
    let workspace_access = match grants.and_then(|g| g.workspace.as_ref()).map(|w| w.value) {
        Some(AccessText::ReadWrite) => Access::ReadWrite,
        _ => Access::ReadOnly,
    };
    let mut paths = Vec::new();
    if let Some(grants) = grants {
        for (name, grant) in &grants.paths {
            if !is_plain_name(name) {
                report(
                    name.at,
                    site.field(&format!("grants.paths.{}", name.value)),
                    "a path grant's name must be letters, digits, `-`, `_` or `.`".into(),
                );
                continue;
            }
            let access = match grant.access.as_ref().map(|a| a.value) {
                Some(AccessText::ReadWrite) => Access::ReadWrite,
                _ => Access::ReadOnly,
            };
            let host_path =
                expand_home(&grant.path.value).unwrap_or_else(|| workspace.join(&grant.path.value));
            if access == Access::ReadOnly && !host_path.is_dir() {
                report(
                    grant.path.at,
                    site.field(&format!("grants.paths.{}.path", name.value)),
                    format!("{} is not a directory", host_path.display()),
                );
            }
            let env = grant.env.as_ref().and_then(|env| {
                let valid = !env.is_empty()
                    && env.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !env.starts_with(|c: char| c.is_ascii_digit());
                if !valid {
                    report(
                        env.at,
                        site.field(&format!("grants.paths.{}.env", name.value)),
                        format!(
                            "`{}` is not a variable name (letters, digits, `_`)",
                            env.value
                        ),
                    );
                }
                valid.then(|| env.value.clone())
            });
            paths.push(PathGrant {
                name: name.value.clone(),
                host_path,
                access,
                env,
            });
        }
    }

    let mut network = NetworkGrant::default();
    let mut exec: Vec<ExecGrant> = Vec::new();
    let mut secrets: Vec<String> = Vec::new();
    if let Some(grants) = grants {
        for (i, origin) in grants.network.iter().enumerate() {
            match Origin::parse(origin) {
                Ok(parsed) => network.origins.push(parsed),
                Err(error) => report(
                    origin.at,
                    site.field(&format!("grants.network[{i}]")),
                    error.to_string(),
                ),
            }
        }
        for (i, entry) in grants.exec.iter().enumerate() {
            let field = site.field(&format!("grants.exec[{i}]"));
            if entry.program.is_empty() || entry.program.contains('/') {
                report(
                    entry.at,
                    field,
                    format!(
                        "`{}` is not a program name: grant a bare name such as `cargo`, found on the host's PATH",
                        entry.program
                    ),
                );
                continue;
            }
            let mut patterns = Vec::new();
            for text in entry.args.iter().flatten() {
                match ArgPattern::parse(text) {
                    Ok(pattern) => patterns.push(pattern),
                    Err(error) => report(
                        entry.at,
                        field.clone(),
                        format!("argument pattern `{text}`: {error}"),
                    ),
                }
            }
            let mut env = Vec::new();
            for name in &entry.env {
                match (EnvPattern::parse(name), never_from_a_plugin(name)) {
                    (Ok(_), Some(reason)) => report(
                        entry.at,
                        field.clone(),
                        format!(
                            "`{name}` cannot be granted to a plugin: {reason}; set it in the pipeline's `env:` instead"
                        ),
                    ),
                    (Ok(pattern), None) => env.push(pattern),
                    (Err(error), _) => report(entry.at, field.clone(), error),
                }
            }
            let runs = match &entry.runs {
                None => Runs::Itself,
                Some(RunsText::Keyword(word)) if word == "any" => Runs::Any,
                Some(RunsText::Keyword(word)) => {
                    report(
                        entry.at,
                        field.clone(),
                        format!("runs: `{word}` is neither `any` nor a list of programs"),
                    );
                    Runs::Itself
                }
                Some(RunsText::Programs(names)) => {
                    for name in names {
                        if name.is_empty() || (name.contains('/') && !name.starts_with('/')) {
                            report(
                                entry.at,
                                field.clone(),
                                format!(
                                    "runs: `{name}` is neither a program name nor an absolute path"
                                ),
                            );
                        }
                    }
                    Runs::Programs(names.clone())
                }
            };
            exec.push(ExecGrant {
                program: entry.program.clone(),
                args: entry.args.as_ref().map(|_| patterns),
                env,
                runs,
                network: entry.network,
            });
        }
        for name in &grants.secrets {
            if !is_plain_name(name) {
                report(
                    name.at,
                    site.field("grants.secrets"),
                    format!(
                        "`{}` is not a secret name (letters, digits, `-`, `_`, `.`)",
                        name.value
                    ),
                );
            }
            secrets.push(name.value.clone());
        }
    }

    let lacking = |grant: &str| {
        format!(
            "action `{}` does not grant plugin `{}` the {grant} it needs",
            *action.name, plugin.info.name
        )
    };
    let at = grants.map(|g| g.at).unwrap_or(action.uses.at);
    for request in &plugin.info.grants {
        match request {
            GrantRequest::WorkspaceWrite if workspace_access != Access::ReadWrite => {
                report(
                    at,
                    site.field("grants.workspace"),
                    lacking("`workspace: read-write` grant"),
                );
            }
            GrantRequest::Path { name, access } => match paths.iter().find(|p| &p.name == name) {
                None => report(
                    at,
                    site.field("grants.paths"),
                    lacking(&format!("path `{name}` ({access}) grant")),
                ),
                Some(given)
                    if *access == Access::ReadWrite && given.access != Access::ReadWrite =>
                {
                    report(
                        at,
                        site.field(&format!("grants.paths.{name}.access")),
                        lacking(&format!("read-write access to path `{name}`")),
                    );
                }
                Some(_) => {}
            },
            GrantRequest::Exec(program) if !exec.iter().any(|g| &g.program == program) => report(
                at,
                site.field("grants.exec"),
                lacking(&format!("`exec: [{program}]` grant")),
            ),
            GrantRequest::Network if network.origins.is_empty() => report(
                at,
                site.field("grants.network"),
                lacking("`network` grant (a list of origins)"),
            ),
            GrantRequest::Secret(name) if !secrets.contains(name) => report(
                at,
                site.field("grants.secrets"),
                lacking(&format!("`secrets: [{name}]` grant")),
            ),
            GrantRequest::WorkspaceWrite
            | GrantRequest::Exec(_)
            | GrantRequest::Network
            | GrantRequest::Secret(_) => {}
        }
    }
    Grants {
        fs: FsGrants {
            workspace: workspace.to_path_buf(),
            workspace_access,
            paths,
        },
        network,
        exec,
        secrets,
        run_status: grants
            .and_then(|g| g.run_status.as_ref())
            .is_some_and(|r| r.value),
    }
}

fn cache_dirs(
    action: &ActionFile,
    site: &Site,
    report: &mut impl FnMut(Position, String, String),
) -> Vec<String> {
    let Some(cache) = &action.cache else {
        return Vec::new();
    };
    let CacheFile::Settings { dirs, .. } = &cache.value else {
        return Vec::new();
    };
    for name in dirs {
        if !is_plain_name(name) {
            report(
                cache.at,
                site.field("cache.dirs"),
                format!("cache directory name `{name}` must be letters, digits, `-`, `_` or `.`"),
            );
        }
    }
    dirs.clone()
}

/// `reports.junit`: each pattern starts with one of the action's outputs
/// and the rest is a valid glob.
fn junit_reports(
    action: &ActionFile,
    site: &Site,
    report: &mut impl FnMut(Position, String, String),
) -> Vec<ReportPattern> {
    let Some(reports) = &action.reports else {
        return Vec::new();
    };
    let mut patterns = Vec::new();
    for (i, pattern) in reports.junit.iter().enumerate() {
        let field = site.field(&format!("reports.junit[{i}]"));
        let (output, glob) = pattern
            .value
            .split_once('/')
            .unwrap_or((pattern.value.as_str(), "**/*.xml"));
        if !action.outputs.iter().any(|o| o.value == output) {
            let outputs: Vec<&str> = action.outputs.iter().map(|o| o.value.as_str()).collect();
            report(
                pattern.at,
                field,
                format!(
                    "`{}` must start with one of the action's outputs ({}): reports are read from what the action wrote",
                    pattern.value,
                    if outputs.is_empty() {
                        "it has none".to_owned()
                    } else {
                        outputs.join(", ")
                    }
                ),
            );
            continue;
        }
        if let Err(error) = globset::Glob::new(glob) {
            report(
                pattern.at,
                field,
                format!("`{glob}` is not a glob: {error}"),
            );
            continue;
        }
        patterns.push(ReportPattern {
            output: output.to_owned(),
            glob: glob.to_owned(),
        });
    }
    patterns
}

fn check_limits(
    action: &ActionFile,
    site: &Site,
    report: &mut impl FnMut(Position, String, String),
) -> Limits {
    let mut limits = Limits::DEFAULT;
    let Some(given) = &action.limits else {
        return limits;
    };
    let mut size = |value: &Option<Located<SizeText>>, name: &str, minimum: u64, slot: &mut u64| {
        if let Some(value) = value {
            if value.value.0 < minimum {
                report(
                    value.at,
                    site.field(&format!("limits.{name}")),
                    format!("limits.{name} must be at least {}", Size(minimum)),
                );
            } else {
                *slot = value.value.0;
            }
        }
    };
    size(&given.memory, "memory", 1 << 20, &mut limits.memory);
    size(&given.log, "log", 1 << 10, &mut limits.log);
    size(&given.output, "output", 0, &mut limits.output);
    if let Some(cpu) = &given.cpu {
        if cpu.value.0.is_zero() {
            report(
                cpu.at,
                site.field("limits.cpu"),
                "a cpu limit of zero would fail every attempt".into(),
            );
        }
        limits.cpu = Some(cpu.value.0);
    }
    if let Some(files) = &given.files {
        if !(16..=65536).contains(&files.value) {
            report(
                files.at,
                site.field("limits.files"),
                "limits.files must be between 16 and 65536".into(),
            );
        } else {
            limits.files = files.value;
        }
    }
    limits
}

fn merge_env(
    pipeline_env: &indexmap::IndexMap<Located<String>, Located<ScalarValue>>,
    action_env: &indexmap::IndexMap<Located<String>, Located<ScalarValue>>,
    site: &Site,
    report: &mut impl FnMut(Position, String, String),
) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = Vec::new();
    for (key, value) in pipeline_env.iter().chain(action_env.iter()) {
        if key.is_empty() || key.contains('=') || key.contains('\0') {
            report(
                key.at,
                site.field("env"),
                format!("`{}` is not a valid environment variable name", key.value),
            );
            continue;
        }
        env.retain(|(k, _)| k != &key.value);
        env.push((key.value.clone(), value.value.0.clone()));
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_found_and_named_in_order() {
        assert_eq!(
            find_cycle(&[vec![1], vec![2], vec![0]]),
            Some(vec![0, 1, 2])
        );
        assert_eq!(find_cycle(&[vec![], vec![0], vec![0, 1]]), None);
        assert_eq!(find_cycle(&[vec![], vec![1]]), Some(vec![1]));
    }

    #[test]
    fn transitive_needs_count_as_dependencies() {
        let needs = vec![vec![], vec![0], vec![1]];
        assert!(depends_on(&needs, 2, 0));
        assert!(!depends_on(&needs, 0, 2));
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let error = parse(
            Path::new("kiln.yaml"),
            "name: x\nstages:\n  - name: a\n    actionz: []\n",
        )
        .unwrap_err();
        let first = &error.0[0];
        assert_eq!(first.at.line, 4, "{first}");
        assert!(first.message.contains("actionz"), "{first}");
    }

    #[test]
    fn parameters_render_as_text_or_json() {
        assert_eq!(param_text(&serde_json::json!("main")), "main");
        assert_eq!(param_text(&serde_json::json!(3)), "3");
        assert_eq!(param_text(&serde_json::json!(["a", "b"])), r#"["a","b"]"#);
    }
}
