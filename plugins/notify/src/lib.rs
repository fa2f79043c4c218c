//! `notify`: post a JSON summary of the run to a webhook.
//!
//! The action reads the run so far from `/kiln/run.json` (granted with
//! `grants: { run-status: true }`) and posts to `url` (an origin in
//! `grants.network`). The body has a `text` line, which chat webhooks
//! (Slack, Mattermost, Discord with `/slack`) show as is, and the details
//! for anything else: pipeline, run, status, commit, failed actions with
//! their errors and failed tests, and every action's status and duration.
//!
//! Put it in a last stage with `if: always`; `on` chooses when it posts:
//! `failure` (the default), `success` or `always`.

mod summary;

use kiln_sdk::http::Request;
use kiln_sdk::{Context, Error, Grant, Info, Param, Plugin, export_plugin};

use crate::summary::{RunFile, Summary};

/// Where the host mounts the run so far.
const RUN_FILE: &str = "/kiln/run.json";

struct Notify;

impl Plugin for Notify {
    fn describe() -> Info {
        Info::new("notify", env!("CARGO_PKG_VERSION"))
            .summary("Post a JSON summary of the run to a webhook")
            .param(Param::new("url", "The webhook URL; its origin must be granted").required())
            .param(Param::new("on", "When to post: failure, success or always").default("failure"))
            .param(Param::new(
                "title",
                "Text before the summary line (default: the pipeline's name)",
            ))
            .grant(Grant::Network)
    }

    fn run(ctx: Context) -> Result<String, Error> {
        let url = ctx.require("url")?.to_owned();
        let on = ctx.param("on").unwrap_or("failure");
        if !matches!(on, "failure" | "success" | "always") {
            return Err(Error::new(format!(
                "parameter `on` is `{on}`; it must be failure, success or always"
            )));
        }
        let text = std::fs::read_to_string(RUN_FILE).map_err(|error| {
            Error::new(format!(
                "cannot read {RUN_FILE} ({error}): grant the action `run-status: true`"
            ))
        })?;
        let run: RunFile = serde_json::from_str(&text)
            .map_err(|error| Error::new(format!("{RUN_FILE} is not a kiln run: {error}")))?;
        // This action is running; its own status says nothing of the run.
        let summary = Summary::of(&run, &ctx.action, ctx.param("title"));
        let wanted = match on {
            "always" => true,
            "failure" => summary.failed(),
            _ => !summary.failed(),
        };
        if !wanted {
            return Ok(format!(
                "the run {}; nothing to post (on: {on})",
                summary.status
            ));
        }
        let body = serde_json::to_vec(&summary).map_err(|e| Error::new(e.to_string()))?;
        kiln_sdk::info!("posting {} bytes to {url}", body.len());
        let response = Request::post(&url)
            .header("content-type", "application/json")
            .header(
                "user-agent",
                concat!("kiln-notify/", env!("CARGO_PKG_VERSION")),
            )
            .body(body)
            .send()?;
        if !response.is_success() {
            let reply = response.text();
            return Err(Error::new(format!(
                "{url} answered {}: {}",
                response.status,
                reply.chars().take(300).collect::<String>()
            )));
        }
        Ok(format!(
            "posted to {url} ({}): {}",
            response.status, summary.text
        ))
    }
}

export_plugin!(Notify);
