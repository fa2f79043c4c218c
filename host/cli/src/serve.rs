//! `kiln serve`, `kiln trigger` and `kiln token`: the command line of the
//! server in `kiln-server`. Arguments and rendering only.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use kiln::store::history::RunStore;
use kiln::store::history::serve::Scope;

use super::output::{self, DIM, GREEN};
use super::{EXIT_BAD_INPUT, TokenCommand};

/// Load the configuration (or serve the repository here), open the host
/// on its data directory, print the address, serve until a signal.
pub async fn serve(
    data_dir: Option<&Path>,
    insecure: bool,
    config: Option<&Path>,
    listen: Option<SocketAddr>,
) -> Result<ExitCode> {
    let mut config = match config {
        Some(path) => match kiln_server::config::load(path) {
            Ok(config) => config,
            Err(error) => {
                output::error(&anyhow::Error::new(error));
                return Ok(ExitCode::from(EXIT_BAD_INPUT));
            }
        },
        None => {
            let here = std::env::current_dir().context("the current directory")?;
            if !here.join(".git").exists() {
                bail!(
                    "{} is not a git repository: run `kiln serve` in one, or pass --config kiln-server.toml",
                    here.display()
                );
            }
            kiln_server::config::for_repository(&here)
        }
    };
    if let Some(listen) = listen {
        config.listen = listen;
    }
    // The configuration's data directory, when it names one, else the
    // command line's (or the default).
    let data_dir = config
        .data_dir
        .clone()
        .or_else(|| data_dir.map(Path::to_path_buf));
    let host = super::environment::open_host_tiered(
        data_dir.as_deref(),
        insecure,
        kiln::sandbox::Tiering::in_process(),
    )?;
    let projects: Vec<String> = config.projects.iter().map(|p| p.name.clone()).collect();
    let server = kiln_server::Server::bind(host, config).await?;
    // The first line: scripts and tests read the address from it.
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on http://{}", server.local_addr())?;
    out.flush()?;
    drop(out);
    output::status(GREEN, "Serving", &projects.join(", "));
    server.run(shutdown_signal()).await?;
    output::status(GREEN, "Stopped", "the server");
    Ok(ExitCode::SUCCESS)
}

/// Resolves on the first SIGTERM or SIGINT; a second one exits at once.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    output::status(
        output::YELLOW,
        "Stopping",
        "no new requests or runs; running runs get the grace period (signal again to quit at once)",
    );
    tokio::spawn(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        output::error(&anyhow::anyhow!("interrupted again: stopping at once"));
        std::process::exit(130);
    });
}

/// `kiln trigger`: `POST /api/v1/projects/{project}/trigger`.
pub async fn trigger(
    server: &str,
    token: Option<&str>,
    project: &str,
    git_ref: Option<&str>,
    json: bool,
) -> Result<ExitCode> {
    let Some(token) = token else {
        bail!(
            "no API token: pass --token or set KILN_TOKEN (make one on the server with `kiln token create --scope write`)"
        );
    };
    if project.is_empty()
        || !project
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        bail!("`{project}` is not a project name (letters, digits, `-`, `_`, `.`)");
    }
    let remote = super::remote::Remote::new(server, Some(token.to_owned()))?;
    let answer = remote
        .post(
            &["projects", project, "trigger"],
            serde_json::json!({ "ref": git_ref }),
        )
        .await
        .with_context(|| format!("asking {server} to run {project}"))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
        return Ok(ExitCode::SUCCESS);
    }
    let commit = answer["commit"]
        .as_str()
        .map_or("its tip when the run starts".to_owned(), |c| {
            c[..12.min(c.len())].to_owned()
        });
    output::status(
        GREEN,
        "Queued",
        &format!(
            "{project} {} at {commit} (queue entry {})",
            answer["ref"].as_str().unwrap_or("?"),
            answer["queue_id"]
        ),
    );
    Ok(ExitCode::SUCCESS)
}

/// `kiln token create|ls`.
pub fn token(store: &RunStore, command: TokenCommand) -> Result<ExitCode> {
    match command {
        TokenCommand::Create { scope, name } => {
            let scope = Scope::parse(&scope).context("the scope is read or write")?;
            let token = store.create_token(&name, scope)?;
            println!("{token}");
            output::status(
                GREEN,
                "Created",
                &format!(
                    "{} token `{name}`: it is shown only this once (kiln keeps its SHA-256)",
                    scope.as_str()
                ),
            );
        }
        TokenCommand::Ls => {
            let mut out = anstream::stdout().lock();
            let tokens = store.tokens()?;
            if tokens.is_empty() {
                writeln!(out, "no tokens: `kiln token create --scope read` makes one")?;
            }
            for token in tokens {
                writeln!(
                    out,
                    "{:<20} {:<6} created {} {DIM}last used {}{DIM:#}",
                    token.name,
                    token.scope.as_str(),
                    token.created_at,
                    token.last_used_at.as_deref().unwrap_or("never")
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
