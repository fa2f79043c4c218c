//! The network grant: the origins an action may send HTTP requests to.

use std::fmt;

use http::uri::Scheme;
use serde::{Deserialize, Serialize};

/// `scheme://host[:port]`, as written in `grants.network`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub https: bool,
    pub host: String,
    pub port: u16,
}

/// A `grants.network` entry that is not an origin.
#[derive(Debug, thiserror::Error)]
#[error(
    "`{text}` is not an origin like https://api.example.com or http://127.0.0.1:8080: {reason}"
)]
pub struct BadOrigin {
    pub text: String,
    pub reason: &'static str,
}

impl Origin {
    pub fn parse(text: &str) -> Result<Self, BadOrigin> {
        let bad = |reason| BadOrigin {
            text: text.to_owned(),
            reason,
        };
        let uri: http::Uri = text
            .parse()
            .map_err(|_| bad("it does not parse as a URL"))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            Some(_) => return Err(bad("only http and https are supported")),
            None => return Err(bad("it has no scheme")),
        };
        let host = uri.host().ok_or_else(|| bad("it has no host"))?;
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
            return Err(bad("an origin has no path or query"));
        }
        Ok(Self {
            https,
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_ascii_lowercase(),
            port: uri.port_u16().unwrap_or(if https { 443 } else { 80 }),
        })
    }

    pub fn allows(&self, uri: &http::Uri) -> bool {
        let https = match uri.scheme() {
            Some(scheme) if *scheme == Scheme::HTTPS => true,
            Some(scheme) if *scheme == Scheme::HTTP => false,
            _ => return false,
        };
        let Some(host) = uri.host() else { return false };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        https == self.https && host.eq_ignore_ascii_case(&self.host) && port == self.port
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        write!(f, "{scheme}://{host}:{}", self.port)
    }
}

/// The origins one action may reach.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkGrant {
    pub origins: Vec<Origin>,
}

impl NetworkGrant {
    pub fn allows(&self, uri: &http::Uri) -> bool {
        self.origins.iter().any(|origin| origin.allows(uri))
    }
}
