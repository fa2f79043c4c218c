//! A kiln server's API, for the commands that work against one as well
//! as against a data directory (`--server URL`, `KILN_SERVER`): the same
//! command reads the same types, from `/api/v1` instead of the run store.
//! A refusal is the server's own error message, with the status.

use anyhow::{Context, Result, bail};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;

/// Where a history command reads: a server, when `--server` says so.
#[derive(Debug, Clone, clap::Args)]
pub struct ServerArgs {
    /// Ask this kiln server instead of the local data directory
    #[arg(long, env = "KILN_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// An API token of that server (`kiln token create` there); used only
    /// with a server
    #[arg(long, env = "KILN_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

impl ServerArgs {
    /// The server to ask, when one was named.
    pub fn remote(&self) -> Result<Option<Remote>> {
        self.server
            .as_deref()
            .map(|server| Remote::new(server, self.token.clone()))
            .transpose()
    }
}

/// One kiln server.
pub struct Remote {
    base: Url,
    token: Option<String>,
    client: reqwest::Client,
}

impl Remote {
    pub fn new(server: &str, token: Option<String>) -> Result<Self> {
        let base = Url::parse(server)
            .with_context(|| format!("`{server}` is not a server address (http://host:port)"))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            bail!("`{server}` is not a server address (http://host:port)");
        }
        Ok(Self {
            base,
            token,
            client: reqwest::Client::new(),
        })
    }

    /// The URL of `/api/v1/<segments...>`, each segment escaped (a run
    /// reference or an action name is data, never a path).
    pub fn url(&self, segments: &[&str], query: &[(&str, String)]) -> Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("checked to be a base")
            .pop_if_empty()
            .extend(["api", "v1"])
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        url
    }

    /// `GET` a JSON answer.
    pub async fn get<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<T> {
        let text = self
            .send(Method::GET, self.url(segments, query), None)
            .await?;
        serde_json::from_str(&text)
            .with_context(|| format!("{} answered JSON kiln does not read", self.base))
    }

    /// `GET` a text answer (a log).
    pub async fn get_text(&self, segments: &[&str]) -> Result<String> {
        self.send(Method::GET, self.url(segments, &[]), None).await
    }

    /// `POST` a JSON body; the JSON answer.
    pub async fn post(
        &self,
        segments: &[&str],
        body: serde_json::Value,
    ) -> Result<serde_json::Value> {
        let text = self
            .send(Method::POST, self.url(segments, &[]), Some(body))
            .await?;
        Ok(serde_json::from_str(&text).unwrap_or_default())
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<serde_json::Value>,
    ) -> Result<String> {
        let Some(token) = &self.token else {
            bail!(
                "no API token for {}: pass --token or set KILN_TOKEN (make one on the server with `kiln token create`)",
                self.base
            );
        };
        let mut request = self.client.request(method, url.clone()).bearer_auth(token);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("asking {}", self.base))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            let answer: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let why = answer["error"].as_str().unwrap_or(text.trim());
            bail!("{} answered {status}: {why}", url.path());
        }
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_escaped_and_a_base_path_is_kept() {
        let remote = Remote::new("http://127.0.0.1:8080/kiln/", None).unwrap();
        let url = remote.url(&["runs", "../x y", "log"], &[("limit", "5".into())]);
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8080/kiln/api/v1/runs/..%2Fx%20y/log?limit=5"
        );
        assert!(Remote::new("ci.example.com", None).is_err());
        assert!(Remote::new("ftp://ci.example.com", None).is_err());
    }
}
