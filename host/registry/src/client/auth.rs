//! Who gets kiln's registry credentials, and how a registry's challenge
//! (`WWW-Authenticate`) is answered.
//!
//! Credentials belong to one registry. The environment's
//! (`KILN_REGISTRY_USERNAME`/`KILN_REGISTRY_PASSWORD`) are bound to the
//! registry `KILN_REGISTRY_HOST` names; a docker config's are stored per
//! host already. They are sent:
//!
//! - to that registry itself, over HTTPS (or plain HTTP to a registry on
//!   this machine under `--insecure`), when it asks for them;
//! - to the token server of a `Bearer` challenge only when that server is
//!   the registry's own host (any port), or a known pair (Docker Hub's
//!   `auth.docker.io`, GitLab.com's `gitlab.com`), again over HTTPS.
//!
//! Any other token server gets an anonymous token request, and none at
//! all over plain HTTP off this machine: a registry must not be able to
//! send kiln's credentials (or kiln) wherever it likes.

use std::collections::BTreeMap;
use std::net::IpAddr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

/// A secret for one registry.
#[derive(Clone)]
pub enum Credential {
    Basic {
        user: String,
        password: String,
    },
    /// A docker config's `identitytoken`: an OAuth2 refresh token for the
    /// registry's token server.
    IdentityToken(String),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a secret, not even in a debug log.
        match self {
            Self::Basic { user, .. } => write!(f, "Basic({user}, <password>)"),
            Self::IdentityToken(_) => write!(f, "IdentityToken(<token>)"),
        }
    }
}

impl Credential {
    /// The `Authorization` value of HTTP Basic, if this is a password.
    pub fn basic_header(&self) -> Option<String> {
        match self {
            Self::Basic { user, password } => Some(format!(
                "Basic {}",
                BASE64.encode(format!("{user}:{password}"))
            )),
            Self::IdentityToken(_) => None,
        }
    }
}

/// Where credentials come from, read once at the edge (`from_env`).
#[derive(Clone, Default)]
pub struct Credentials {
    /// `KILN_REGISTRY_USERNAME`/`PASSWORD` and the registry they are for.
    env: Option<EnvCredential>,
    /// Whether to ask the docker config (and its credential helpers).
    docker_config: bool,
}

#[derive(Clone)]
struct EnvCredential {
    /// `KILN_REGISTRY_HOST`: `host[:port]`, or `None` when it is not set
    /// (then the credentials go nowhere).
    host: Option<String>,
    credential: Credential,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("env_host", &self.env.as_ref().map(|env| env.host.clone()))
            .field("docker_config", &self.docker_config)
            .finish()
    }
}

impl Credentials {
    /// None at all: every registry is asked anonymously.
    pub fn anonymous() -> Self {
        Self::default()
    }

    /// `user`/`password` for the registry `host` (`host[:port]`) only.
    pub fn for_host(host: &str, user: &str, password: &str) -> Self {
        Self {
            env: Some(EnvCredential {
                host: Some(host.to_owned()),
                credential: Credential::Basic {
                    user: user.to_owned(),
                    password: password.to_owned(),
                },
            }),
            docker_config: false,
        }
    }

    /// `KILN_REGISTRY_USERNAME`, `KILN_REGISTRY_PASSWORD` (bound to
    /// `KILN_REGISTRY_HOST`), then the docker config.
    pub fn from_env() -> Self {
        let env = match (
            std::env::var("KILN_REGISTRY_USERNAME"),
            std::env::var("KILN_REGISTRY_PASSWORD"),
        ) {
            (Ok(user), Ok(password)) => Some(EnvCredential {
                host: std::env::var("KILN_REGISTRY_HOST")
                    .ok()
                    .map(|host| host.trim().to_owned())
                    .filter(|host| !host.is_empty()),
                credential: Credential::Basic { user, password },
            }),
            _ => None,
        };
        if let Some(env) = &env
            && env.host.is_none()
        {
            tracing::warn!(
                "KILN_REGISTRY_USERNAME and KILN_REGISTRY_PASSWORD are set but KILN_REGISTRY_HOST is not: they are sent to no registry"
            );
        }
        Self {
            env,
            docker_config: true,
        }
    }

    /// The credential for `registry` (`host[:port]` as the reference
    /// names it), if any.
    pub fn for_registry(&self, registry: &str) -> Option<Credential> {
        if let Some(env) = &self.env
            && env
                .host
                .as_deref()
                .is_some_and(|host| same_registry(host, registry))
        {
            return Some(env.credential.clone());
        }
        if !self.docker_config {
            return None;
        }
        match docker_credential::get_credential(registry) {
            Ok(docker_credential::DockerCredential::UsernamePassword(user, password)) => {
                Some(Credential::Basic { user, password })
            }
            Ok(docker_credential::DockerCredential::IdentityToken(token)) => {
                Some(Credential::IdentityToken(token))
            }
            Err(error) => {
                tracing::debug!(registry, %error, "no docker config credential");
                None
            }
        }
    }

    /// Why the environment's credentials were not sent to `registry`, for
    /// a refusal's message; `None` when they were (or there are none).
    pub fn env_hint(&self, registry: &str) -> Option<String> {
        let env = self.env.as_ref()?;
        match env.host.as_deref() {
            None => Some(
                "KILN_REGISTRY_USERNAME/KILN_REGISTRY_PASSWORD are set, but without KILN_REGISTRY_HOST naming the registry they are for they are sent nowhere"
                    .into(),
            ),
            Some(host) if !same_registry(host, registry) => Some(format!(
                "KILN_REGISTRY_USERNAME/KILN_REGISTRY_PASSWORD are for KILN_REGISTRY_HOST={host}, not {registry}, so they were not sent"
            )),
            Some(_) => None,
        }
    }
}

/// Whether two `host[:port]` spellings name one registry (host names are
/// case-insensitive; Docker Hub has three names).
fn same_registry(a: &str, b: &str) -> bool {
    let canonical = |text: &str| {
        let lower = text.to_ascii_lowercase();
        match lower.as_str() {
            "docker.io" | "index.docker.io" | "registry-1.docker.io" => {
                "registry-1.docker.io".to_owned()
            }
            _ => lower,
        }
    };
    canonical(a) == canonical(b)
}

/// The host kiln talks to for `registry` (Docker Hub's API is not at
/// `docker.io`).
pub fn api_host(registry: &str) -> &str {
    match registry.to_ascii_lowercase().as_str() {
        "docker.io" | "index.docker.io" => "registry-1.docker.io",
        _ => registry,
    }
}

/// Whether the token server `realm_host` is part of the registry
/// `registry_host` (both without ports), so that the registry's
/// credentials may go to it.
pub fn realm_may_have_credentials(registry_host: &str, realm_host: &str) -> bool {
    let registry_host = registry_host.to_ascii_lowercase();
    let realm_host = realm_host.to_ascii_lowercase();
    if registry_host == realm_host {
        return true;
    }
    // Registries whose token server lives on another, well-known host.
    const PAIRS: &[(&str, &str)] = &[
        ("registry-1.docker.io", "auth.docker.io"),
        ("index.docker.io", "auth.docker.io"),
        ("docker.io", "auth.docker.io"),
        ("registry.gitlab.com", "gitlab.com"),
    ];
    PAIRS
        .iter()
        .any(|(registry, realm)| *registry == registry_host && *realm == realm_host)
}

/// Whether `host` (a URL's host, IPv6 without brackets or with) is this
/// machine.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

/// One challenge of a `WWW-Authenticate` header: its scheme (lower case)
/// and parameters (names lower case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: BTreeMap<String, String>,
}

impl Challenge {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

/// The challenges of a `WWW-Authenticate` value (RFC 9110 §11.6.1:
/// `Bearer realm="...",service="...", Basic realm="..."`). Malformed
/// parts are skipped, not guessed at.
pub fn parse_challenges(header: &str) -> Vec<Challenge> {
    let mut parser = Parser {
        text: header.as_bytes(),
        at: 0,
    };
    let mut challenges: Vec<Challenge> = Vec::new();
    loop {
        parser.skip(|c| c == b' ' || c == b'\t' || c == b',');
        let Some(scheme) = parser.token() else {
            break;
        };
        let mut challenge = Challenge {
            scheme: scheme.to_ascii_lowercase(),
            params: BTreeMap::new(),
        };
        // auth-params: name = value, separated by commas; a token not
        // followed by `=` starts the next challenge.
        loop {
            parser.skip(|c| c == b' ' || c == b'\t' || c == b',');
            let start = parser.at;
            let Some(name) = parser.token() else {
                // A token68 or garbage: skip to the next comma.
                parser.skip(|c| c != b',');
                if parser.at == start {
                    break;
                }
                continue;
            };
            parser.skip(|c| c == b' ' || c == b'\t');
            if parser.peek() != Some(b'=') {
                parser.at = start;
                break;
            }
            parser.at += 1;
            parser.skip(|c| c == b' ' || c == b'\t');
            let value = if parser.peek() == Some(b'"') {
                parser.quoted()
            } else {
                parser.token()
            };
            if let Some(value) = value {
                challenge.params.insert(name.to_ascii_lowercase(), value);
            }
            if parser.peek().is_none() {
                break;
            }
        }
        challenges.push(challenge);
        if parser.peek().is_none() {
            break;
        }
    }
    challenges
}

struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn skip(&mut self, what: impl Fn(u8) -> bool) {
        while self.peek().is_some_and(&what) {
            self.at += 1;
        }
    }

    /// An RFC 9110 token (plus `/` and `=` never: those end it).
    fn token(&mut self) -> Option<String> {
        let start = self.at;
        self.skip(|c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~:/".contains(&c));
        (self.at > start).then(|| String::from_utf8_lossy(&self.text[start..self.at]).into_owned())
    }

    /// A quoted string, backslash escapes resolved.
    fn quoted(&mut self) -> Option<String> {
        self.at += 1; // the opening quote
        let mut value = Vec::new();
        while let Some(c) = self.peek() {
            self.at += 1;
            match c {
                b'"' => return Some(String::from_utf8_lossy(&value).into_owned()),
                b'\\' => {
                    if let Some(escaped) = self.peek() {
                        value.push(escaped);
                        self.at += 1;
                    }
                }
                _ => value.push(c),
            }
        }
        None // unterminated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse_as_registries_send_them() {
        let parsed = parse_challenges(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#,
        );
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].scheme, "bearer");
        assert_eq!(
            parsed[0].param("realm"),
            Some("https://auth.docker.io/token")
        );
        assert_eq!(parsed[0].param("service"), Some("registry.docker.io"));
        assert_eq!(
            parsed[0].param("scope"),
            Some("repository:library/alpine:pull")
        );

        let two = parse_challenges(r#"Basic realm="kiln \"test\"", Bearer realm=x,Service=y"#);
        assert_eq!(two.len(), 2, "{two:?}");
        assert_eq!(two[0].scheme, "basic");
        assert_eq!(two[0].param("realm"), Some("kiln \"test\""));
        assert_eq!(two[1].scheme, "bearer");
        assert_eq!(two[1].param("realm"), Some("x"));
        assert_eq!(two[1].param("service"), Some("y"));

        // Garbage yields what can be read and never panics.
        for text in [
            "",
            ",,,",
            "Bearer",
            "Bearer realm=\"open",
            "=\"x\"",
            "Bearer ,=,",
        ] {
            let _ = parse_challenges(text);
        }
        assert_eq!(parse_challenges("Bearer")[0].params.len(), 0);
    }

    #[test]
    fn credentials_go_only_to_their_registry_and_its_token_server() {
        let credentials = Credentials::for_host("registry.example:5000", "u", "p");
        assert!(credentials.for_registry("registry.example:5000").is_some());
        assert!(credentials.for_registry("REGISTRY.example:5000").is_some());
        assert!(credentials.for_registry("registry.example:5001").is_none());
        assert!(credentials.for_registry("evil.example").is_none());
        assert!(
            credentials
                .env_hint("evil.example")
                .unwrap()
                .contains("KILN_REGISTRY_HOST=registry.example:5000")
        );
        let unbound = Credentials {
            env: Some(EnvCredential {
                host: None,
                credential: Credential::Basic {
                    user: "u".into(),
                    password: "p".into(),
                },
            }),
            docker_config: false,
        };
        assert!(unbound.for_registry("registry.example").is_none());
        assert!(
            unbound
                .env_hint("registry.example")
                .unwrap()
                .contains("without KILN_REGISTRY_HOST")
        );
        assert!(
            Credentials::for_host("docker.io", "u", "p")
                .for_registry("index.docker.io")
                .is_some()
        );

        assert!(realm_may_have_credentials("ghcr.io", "ghcr.io"));
        assert!(realm_may_have_credentials(
            "registry-1.docker.io",
            "auth.docker.io"
        ));
        assert!(!realm_may_have_credentials("ghcr.io", "auth.docker.io"));
        assert!(!realm_may_have_credentials("127.0.0.1", "127.0.0.2"));
        assert!(!realm_may_have_credentials("127.0.0.1", "localhost"));
        assert!(is_loopback_host("127.0.0.2"));
        assert!(is_loopback_host("[::1]"));
        assert!(!is_loopback_host("10.0.0.1"));
        assert!(
            !format!(
                "{:?}",
                Credentials::for_host("h", "u", "hunter2").for_registry("h")
            )
            .contains("hunter2")
        );
    }
}
