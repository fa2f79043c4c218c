//! A plugin of contract 0.1.0, written without the SDK (which now targets
//! 0.2.0), to prove that kiln keeps linking old contract versions.

// Generated WASI bindings have functions clippy finds too long.
#[allow(clippy::too_many_arguments)]
mod bindings {
    wit_bindgen::generate!({
    path: "../../../wit/since_v0.1.0",
    world: "kiln:plugin/action@0.1.0",
        generate_all,
    });
}

use bindings::{Guest, export, kiln};

use kiln::plugin::log::{Level, log};
use kiln::plugin::types::{Context, ParamSpec, PluginInfo};

struct Legacy;

impl Guest for Legacy {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "legacy".into(),
            version: "0.1.0".into(),
            summary: "Built against kiln:plugin@0.1.0".into(),
            params: vec![ParamSpec {
                name: "greeting".into(),
                description: "What to log".into(),
                required: false,
                default: Some("hello from 0.1.0".into()),
            }],
            grants: vec![],
        }
    }

    fn run(ctx: Context) -> Result<String, String> {
        let greeting = ctx
            .params
            .iter()
            .find(|(name, _)| name == "greeting")
            .map(|(_, value)| value.clone())
            .unwrap_or_default();
        log(Level::Info, &greeting);
        for output in &ctx.outputs {
            std::fs::write(format!("{}/greeting.txt", output.path), &greeting)
                .map_err(|e| e.to_string())?;
        }
        Ok(greeting)
    }
}

export!(Legacy with_types_in bindings);
