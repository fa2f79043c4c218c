//! Pass: an action's settings besides plugins and grants: `if`, `timeout`,
//! `retries`, `limits`, `cache` (and its persistent directories),
//! `reports`, and `env` over the pipeline's.

use std::time::Duration;

use indexmap::IndexMap;
use kiln_model::cache::CachePolicy;
use kiln_model::limits::{Limits, Size};
use kiln_model::names::is_plain_name;
use kiln_model::plan::{Condition, ReportPattern};
use kiln_model::report::ReportFormat;
use kiln_pipeline::Located;
use kiln_pipeline::file::{ActionFile, CacheFile, ConditionText, ScalarValue, SizeText};

use super::report::{Report, Site};

/// The timeout of an attempt when the pipeline sets none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// More retries than this is a mistake, not a policy.
pub const MAX_RETRIES: u32 = 10;

pub fn condition(action: &ActionFile) -> Condition {
    match action.condition.as_ref().map(|c| c.value) {
        None | Some(ConditionText::Success) => Condition::Success,
        Some(ConditionText::Failure) => Condition::Failure,
        Some(ConditionText::Always) => Condition::Always,
    }
}

pub fn timeout(action: &ActionFile, site: Site, report: &mut Report<'_>) -> Duration {
    match &action.timeout {
        Some(timeout) if timeout.value.0.is_zero() => {
            report.add(
                timeout.at,
                site.field("timeout"),
                "a timeout of zero would fail every attempt",
            );
            DEFAULT_TIMEOUT
        }
        Some(timeout) => timeout.value.0,
        None => DEFAULT_TIMEOUT,
    }
}

pub fn retries(action: &ActionFile, site: Site, report: &mut Report<'_>) -> u32 {
    let Some(retries) = &action.retries else {
        return 0;
    };
    if retries.value > MAX_RETRIES {
        report.add(
            retries.at,
            site.field("retries"),
            format!(
                "{} retries is more than the maximum of {MAX_RETRIES}",
                retries.value
            ),
        );
    }
    retries.value
}

pub fn limits(action: &ActionFile, site: Site, report: &mut Report<'_>) -> Limits {
    let mut limits = Limits::DEFAULT;
    let Some(given) = &action.limits else {
        return limits;
    };
    let mut size = |value: &Option<Located<SizeText>>, name: &str, minimum: u64, slot: &mut u64| {
        let Some(value) = value else { return };
        if value.value.0 < minimum {
            report.add(
                value.at,
                site.field(&format!("limits.{name}")),
                format!("limits.{name} must be at least {}", Size(minimum)),
            );
        } else {
            *slot = value.value.0;
        }
    };
    size(&given.memory, "memory", 1 << 20, &mut limits.memory);
    size(&given.log, "log", 1 << 10, &mut limits.log);
    size(&given.output, "output", 0, &mut limits.output);
    if let Some(cpu) = &given.cpu {
        if cpu.value.0.is_zero() {
            report.add(
                cpu.at,
                site.field("limits.cpu"),
                "a cpu limit of zero would fail every attempt",
            );
        }
        limits.cpu = Some(cpu.value.0);
    }
    if let Some(files) = &given.files {
        if (16..=65536).contains(&files.value) {
            limits.files = files.value;
        } else {
            report.add(
                files.at,
                site.field("limits.files"),
                "limits.files must be between 16 and 65536",
            );
        }
    }
    limits
}

pub fn cache_policy(action: &ActionFile) -> CachePolicy {
    match action.cache.as_ref().map(|c| &c.value) {
        None | Some(CacheFile::Settings { inputs: None, .. }) => CachePolicy::Auto,
        Some(CacheFile::Enabled(false)) => CachePolicy::Off,
        Some(CacheFile::Enabled(true)) => CachePolicy::On,
        Some(CacheFile::Settings {
            inputs: Some(globs),
            ..
        }) => CachePolicy::Inputs(globs.clone()),
    }
}

/// Persistent directories (`cache: { dirs: [...] }`), plain names.
pub fn cache_dirs(action: &ActionFile, site: Site, report: &mut Report<'_>) -> Vec<String> {
    let Some(cache) = &action.cache else {
        return Vec::new();
    };
    let CacheFile::Settings { dirs, .. } = &cache.value else {
        return Vec::new();
    };
    for name in dirs {
        if !is_plain_name(name) {
            report.add(
                cache.at,
                site.field("cache.dirs"),
                format!("cache directory name `{name}` must be letters, digits, `-`, `_` or `.`"),
            );
        }
    }
    dirs.clone()
}

/// `reports:`: per format, `<output>/<glob>` patterns over the action's
/// outputs (a bare output name means its `**/*.xml`).
pub fn reports(action: &ActionFile, site: Site, report: &mut Report<'_>) -> Vec<ReportPattern> {
    let Some(reports) = &action.reports else {
        return Vec::new();
    };
    let mut patterns = Vec::new();
    for (key, list) in reports.value.by_format() {
        let format = ReportFormat::ALL
            .into_iter()
            .find(|f| f.key() == key)
            .expect("every key of `reports:` is a format");
        for (i, pattern) in list.iter().enumerate() {
            let field = site.field(&format!("reports.{key}[{i}]"));
            if let Some((output, glob)) = report_pattern(action, pattern, field, report) {
                patterns.push(ReportPattern {
                    format,
                    output,
                    glob,
                });
            }
        }
    }
    patterns
}

/// One `<output>/<glob>`, checked: the output is the action's, the glob
/// is one.
fn report_pattern(
    action: &ActionFile,
    pattern: &Located<String>,
    field: String,
    report: &mut Report<'_>,
) -> Option<(String, String)> {
    let (output, glob) = pattern
        .value
        .split_once('/')
        .unwrap_or((pattern.value.as_str(), "**/*.xml"));
    if !action.outputs.iter().any(|o| o.value == output) {
        let outputs: Vec<&str> = action.outputs.iter().map(|o| o.value.as_str()).collect();
        report.add(
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
        return None;
    }
    if let Err(error) = globset::Glob::new(glob) {
        report.add(
            pattern.at,
            field,
            format!("`{glob}` is not a glob: {error}"),
        );
        return None;
    }
    Some((output.to_owned(), glob.to_owned()))
}

/// The pipeline's variables overlaid with the action's.
pub fn env(
    pipeline_env: &IndexMap<Located<String>, Located<ScalarValue>>,
    action: &ActionFile,
    site: Site,
    report: &mut Report<'_>,
) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = Vec::new();
    for (key, value) in pipeline_env.iter().chain(action.env.iter()) {
        if key.is_empty() || key.contains('=') || key.contains('\0') {
            report.add(
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
