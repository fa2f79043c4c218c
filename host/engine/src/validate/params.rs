//! Pass: parameters. `with:` gives exactly what the plugin's `describe()`
//! declares: no unknown key, every required one, defaults applied.

use kiln_model::plugin::PluginInfo;
use kiln_pipeline::file::ActionFile;

use super::report::{Report, Site};

/// The action's parameters after defaults, in the plugin's order.
pub fn check(
    action: &ActionFile,
    site: Site,
    info: &PluginInfo,
    report: &mut Report<'_>,
) -> Vec<(String, String)> {
    for key in action.with.keys() {
        if !info.params.iter().any(|p| p.name == key.value) {
            let declared: Vec<&str> = info.params.iter().map(|p| p.name.as_str()).collect();
            let known = if declared.is_empty() {
                "it takes no parameters".to_owned()
            } else {
                format!("it takes: {}", declared.join(", "))
            };
            report.add(
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
            (Some((_, value)), _) => params.push((spec.name.clone(), text(&value.value))),
            (None, Some(default)) => params.push((spec.name.clone(), default.clone())),
            (None, None) if spec.required => {
                let at = action
                    .with
                    .keys()
                    .next()
                    .map(|k| k.at)
                    .unwrap_or(action.name.at);
                report.add(
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
fn text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_render_as_text_or_json() {
        assert_eq!(text(&serde_json::json!("main")), "main");
        assert_eq!(text(&serde_json::json!(3)), "3");
        assert_eq!(text(&serde_json::json!(["a", "b"])), r#"["a","b"]"#);
    }
}
