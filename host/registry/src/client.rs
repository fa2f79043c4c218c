//! Talking to an OCI registry: resolve a tag, pull and push manifests and
//! blobs (the OCI distribution API over `reqwest`), with credentials, the
//! plain-HTTP rule and hard limits.
//!
//! kiln's own client rather than a general one, because a registry is
//! not trusted: kiln decides every byte it reads and every header it
//! sends.
//!
//! - **Sizes.** A manifest is read up to 4 MiB (the OCI recommendation),
//!   a blob up to the size its descriptor declares and never past
//!   [`MAX_BLOB_SIZE`], a token answer up to 1 MiB; one byte more and the
//!   exchange is refused at once, before it is held anywhere. Blobs are
//!   streamed to the caller's sink and hashed on the way.
//! - **Time.** Every exchange (its token request, redirects and body
//!   included) has an overall deadline: `KILN_REGISTRY_TIMEOUT` (60 s by
//!   default), plus one second per 512 KiB a blob declares. A server that
//!   sends nothing for that long, or trickles, is abandoned.
//! - **Names.** Digests are `sha256:` and 64 lower-case hex digits and
//!   references are checked against the OCI grammar before they become a
//!   URL path.
//! - **Transport and credentials.** HTTPS always, except that
//!   `--insecure` allows plain HTTP to this machine (loopback) and nowhere
//!   else: a CI host that talks plain HTTP across a network hands its
//!   plugins to anyone on the path. Redirects are followed by kiln (at most
//!   5), under the same rule, and credentials never go to another origin
//!   than the one they were meant for. Who gets credentials at all is
//!   [`auth`]'s business.

mod auth;

use std::future::Future;
use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, Response, StatusCode, Url};
use sha2::Digest as _;

pub use auth::{Challenge, Credentials, parse_challenges};

use super::manifest::{Descriptor, MANIFEST_MEDIA_TYPE, parse_digest};
use super::reference::PluginRef;
use crate::text::printable;
use kiln_model::digest::Digest;

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(
        "registry {registry} is unreachable: {reason}{}",
        if *.insecure_hint { " (a plain-HTTP registry on this machine needs --insecure)" } else { "" }
    )]
    Unreachable {
        registry: String,
        reason: String,
        insecure_hint: bool,
    },
    #[error("{reference} is not in the registry ({reason})")]
    NotFound { reference: String, reason: String },
    #[error("registry {registry} refused access to {reference}: {reason}; {hint}")]
    Denied {
        registry: String,
        reference: String,
        reason: String,
        hint: String,
    },
    #[error(
        "--insecure allows plain HTTP only to a registry on this machine (localhost, 127.0.0.0/8, ::1), not to {registry}"
    )]
    InsecureNotLoopback { registry: String },
    #[error(
        "{what} from {reference} does not match its digest: expected {expected}, got {actual}; refused"
    )]
    DigestMismatch {
        what: String,
        reference: String,
        expected: String,
        actual: String,
    },
    #[error("registry {registry} answered {reference} with an error: {reason}")]
    Protocol {
        registry: String,
        reference: String,
        reason: String,
    },
    #[error("registry {registry} sent {what} of {reference} too large: {reason}; refused")]
    Oversized {
        registry: String,
        reference: String,
        what: String,
        reason: String,
    },
    #[error(
        "registry {registry} did not deliver {what} of {reference} within {after} ({reason}); abandoned (KILN_REGISTRY_TIMEOUT sets the deadline)"
    )]
    TimedOut {
        registry: String,
        reference: String,
        what: String,
        after: String,
        reason: String,
    },
    #[error("registry {registry}, for {reference}: {reason}; refused")]
    Refused {
        registry: String,
        reference: String,
        reason: String,
    },
    #[error("{reference}: {reason}; refused")]
    BadReference { reference: String, reason: String },
    #[error("cannot write {what} of {reference}: {source}")]
    Write {
        what: String,
        reference: String,
        source: std::io::Error,
    },
    #[error("registry client: {0}")]
    Setup(String),
}

/// The largest blob kiln pulls: plugins are megabytes (a Python one,
/// interpreter included, is 20 MiB); a registry announcing more is not
/// serving a plugin.
pub const MAX_BLOB_SIZE: u64 = 512 << 20;
/// The largest manifest kiln reads (the OCI distribution spec's
/// recommended limit); kiln's own are under 1 KiB.
pub const MAX_MANIFEST_SIZE: u64 = 4 << 20;
/// The largest Wasm config kiln reads (wkg's and kiln's are a few KiB).
pub const MAX_CONFIG_SIZE: u64 = 4 << 20;
/// The largest signature layer (kiln's are 200 bytes).
pub const MAX_SIGNATURE_SIZE: u64 = 64 << 10;
/// The most layers (signatures) a signature artifact may have.
pub const MAX_SIGNATURE_LAYERS: usize = 16;
/// The deadline of one exchange, without `KILN_REGISTRY_TIMEOUT`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// A blob's deadline grows by one second per this many bytes it declares
/// (a 20 MiB plugin gets 40 s more).
const MIN_RATE: u64 = 512 << 10;
const MAX_TOKEN_RESPONSE: u64 = 1 << 20;
const MAX_ERROR_BODY: u64 = 16 << 10;
const MAX_REDIRECTS: usize = 5;
const DOCKER_CONTENT_DIGEST: &str = "docker-content-digest";

/// How a client talks to registries: read once, where kiln starts
/// ([`ClientConfig::from_env`]), or given by a test.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Plain HTTP to loopback registries.
    pub insecure: bool,
    /// The deadline of one exchange (blobs get more, by their size).
    pub timeout: Duration,
    pub credentials: Credentials,
}

impl Default for ClientConfig {
    /// Anonymous, HTTPS only, the default deadline.
    fn default() -> Self {
        Self::new(false)
    }
}

impl ClientConfig {
    /// Anonymous, with the default deadline.
    pub fn new(insecure: bool) -> Self {
        Self {
            insecure,
            timeout: DEFAULT_TIMEOUT,
            credentials: Credentials::anonymous(),
        }
    }

    /// `KILN_REGISTRY_TIMEOUT` (`30s`, `2m`) and the credentials of the
    /// environment and the docker config.
    pub fn from_env(insecure: bool) -> Result<Self, RegistryError> {
        let timeout = match std::env::var("KILN_REGISTRY_TIMEOUT") {
            Ok(text) => humantime::parse_duration(text.trim())
                .ok()
                .filter(|timeout| !timeout.is_zero())
                .ok_or_else(|| {
                    RegistryError::Setup(format!(
                        "KILN_REGISTRY_TIMEOUT=`{text}` is not a duration such as 30s or 2m"
                    ))
                })?,
            Err(_) => DEFAULT_TIMEOUT,
        };
        Ok(Self {
            insecure,
            timeout,
            credentials: Credentials::from_env(),
        })
    }
}

/// A client for every registry a command touches.
pub struct RegistryClient {
    config: ClientConfig,
    http: reqwest::Client,
    /// The `Authorization` that last worked, per registry and repository
    /// (a token's scope is one repository), so that a command logs in once.
    authorizations: Mutex<Vec<(String, String, Authorization)>>,
}

/// An `Authorization` value and the only origin it may be sent to.
#[derive(Clone)]
struct Authorization {
    value: HeaderValue,
    origin: Url,
    /// Why the registry may still refuse (credentials kiln withheld), for
    /// the message when it does.
    note: Option<String>,
}

/// One exchange with a registry, for deadlines and messages.
struct Exchange<'a> {
    reference: &'a PluginRef,
    what: &'a str,
    deadline: Duration,
    /// Pushing: a token must allow `push`.
    push: bool,
}

/// One HTTP request, as sent again after a login or a redirect.
struct Request {
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Option<Bytes>,
}

impl Request {
    fn new(method: Method, url: Url) -> Self {
        Self {
            method,
            url,
            headers: HeaderMap::new(),
            body: None,
        }
    }

    fn header(mut self, name: header::HeaderName, value: &'static str) -> Self {
        self.headers.insert(name, HeaderValue::from_static(value));
        self
    }
}

impl RegistryClient {
    pub fn new(config: ClientConfig) -> Result<Self, RegistryError> {
        let http = reqwest::Client::builder()
            // kiln follows redirects itself, to check each hop.
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            // A server that sends nothing for this long is gone; one that
            // trickles meets the exchange's overall deadline.
            .read_timeout(config.timeout.min(Duration::from_secs(30)))
            .user_agent(concat!("kiln/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| RegistryError::Setup(error_chain(&error)))?;
        Ok(Self {
            config,
            http,
            authorizations: Mutex::new(Vec::new()),
        })
    }

    /// `https://<registry>/` (or `http://` under `--insecure`), the
    /// reference checked first.
    fn base_url(&self, reference: &PluginRef) -> Result<Url, RegistryError> {
        reference
            .check()
            .map_err(|reason| RegistryError::BadReference {
                reference: reference.to_string(),
                reason,
            })?;
        if self.config.insecure && !reference.is_loopback() {
            return Err(RegistryError::InsecureNotLoopback {
                registry: reference.registry.clone(),
            });
        }
        let scheme = if self.config.insecure {
            "http"
        } else {
            "https"
        };
        let url = Url::parse(&format!(
            "{scheme}://{}/",
            auth::api_host(&reference.registry)
        ))
        .ok()
        .filter(|url| {
            url.host_str().is_some()
                && url.username().is_empty()
                && url.password().is_none()
                && url.path() == "/"
                && url.query().is_none()
        })
        .ok_or_else(|| RegistryError::BadReference {
            reference: reference.to_string(),
            reason: format!("`{}` is not a host[:port]", reference.registry),
        })?;
        Ok(url)
    }

    /// `<base>/v2/<repository>/<tail>`; `tail` is made of checked parts.
    fn endpoint(&self, reference: &PluginRef, tail: &str) -> Result<Url, RegistryError> {
        let base = self.base_url(reference)?;
        base.join(&format!("v2/{}/{tail}", reference.repository))
            .map_err(|error| RegistryError::BadReference {
                reference: reference.to_string(),
                reason: error.to_string(),
            })
    }

    /// Whether kiln may send a request to `url` at all: HTTPS, or plain
    /// HTTP to this machine under `--insecure`. Why not, otherwise.
    fn transport_refusal(&self, url: &Url) -> Option<String> {
        let host = url.host_str().unwrap_or("");
        match url.scheme() {
            "https" => None,
            "http" if self.config.insecure && auth::is_loopback_host(host) => None,
            "http" if self.config.insecure => Some(format!(
                "plain HTTP to {host}, which is not this machine (--insecure allows plain HTTP only to loopback)"
            )),
            "http" => Some(
                "plain HTTP, and kiln speaks HTTPS (--insecure allows plain HTTP to this machine only)"
                    .into(),
            ),
            scheme => Some(format!("{scheme}:, not HTTPS")),
        }
    }

    /// Run `exchange` under its deadline.
    async fn within<T>(
        &self,
        exchange: &Exchange<'_>,
        work: impl Future<Output = Result<T, RegistryError>>,
    ) -> Result<T, RegistryError> {
        match tokio::time::timeout(exchange.deadline, work).await {
            Ok(result) => result,
            Err(_) => Err(RegistryError::TimedOut {
                registry: exchange.reference.registry.clone(),
                reference: exchange.reference.to_string(),
                what: exchange.what.to_owned(),
                after: humantime::format_duration(exchange.deadline).to_string(),
                reason: "the deadline of this exchange passed".into(),
            }),
        }
    }

    /// Send `request`, following redirects that stay on allowed
    /// transports; `authorization` goes only to its own origin.
    async fn send(
        &self,
        exchange: &Exchange<'_>,
        request: &Request,
        authorization: Option<&Authorization>,
    ) -> Result<Response, RegistryError> {
        let mut url = request.url.clone();
        for hop in 0..=MAX_REDIRECTS {
            if let Some(reason) = self.transport_refusal(&url) {
                let url = without_query(&url);
                return Err(self.refused(
                    exchange,
                    if hop == 0 {
                        format!("{url}: {reason}")
                    } else {
                        format!("it redirects kiln to {url}: {reason}")
                    },
                ));
            }
            let mut builder = self
                .http
                .request(request.method.clone(), url.clone())
                .headers(request.headers.clone());
            match authorization {
                Some(authorization) if authorization.origin.origin() == url.origin() => {
                    builder = builder.header(header::AUTHORIZATION, authorization.value.clone());
                }
                Some(_) => {
                    tracing::debug!(url = %without_query(&url), "credentials withheld from another origin");
                }
                None => {}
            }
            if let Some(body) = &request.body {
                builder = builder.body(body.clone());
            }
            tracing::debug!(method = %request.method, url = %without_query(&url), "registry request");
            let response = builder
                .send()
                .await
                .map_err(|error| self.request_error(exchange, &url, error))?;
            let status = response.status();
            let follows = matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
                && (request.method == Method::GET || request.method == Method::HEAD);
            if !follows {
                return Ok(response);
            }
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .ok_or_else(|| {
                    self.protocol(exchange, format!("a {status} redirect without a Location"))
                })?;
            url = url.join(location).map_err(|_| {
                self.protocol(
                    exchange,
                    format!(
                        "a redirect to `{}`, which is not a URL",
                        printable(location)
                    ),
                )
            })?;
        }
        Err(self.protocol(exchange, format!("more than {MAX_REDIRECTS} redirects")))
    }

    /// Send `request` to the registry, logging in when it asks.
    async fn exchange(
        &self,
        exchange: &Exchange<'_>,
        request: Request,
    ) -> Result<Response, RegistryError> {
        let reference = exchange.reference;
        let known = self.known_authorization(reference);
        let response = self.send(exchange, &request, known.as_ref()).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let challenges: Vec<Challenge> = response
            .headers()
            .get_all(header::WWW_AUTHENTICATE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(parse_challenges)
            .collect();
        drop(response);
        let authorization = self.login(exchange, &challenges).await?;
        let response = self.send(exchange, &request, Some(&authorization)).await?;
        if matches!(
            response.status(),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        ) {
            return Err(self
                .status_error(exchange, response, authorization.note.clone())
                .await);
        }
        self.remember(reference, authorization);
        Ok(response)
    }

    fn known_authorization(&self, reference: &PluginRef) -> Option<Authorization> {
        let known = self
            .authorizations
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        known
            .iter()
            .find(|(registry, repository, _)| {
                *registry == reference.registry && *repository == reference.repository
            })
            .map(|(_, _, authorization)| authorization.clone())
    }

    fn remember(&self, reference: &PluginRef, authorization: Authorization) {
        let mut known = self
            .authorizations
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        known.retain(|(registry, repository, _)| {
            !(*registry == reference.registry && *repository == reference.repository)
        });
        known.push((
            reference.registry.clone(),
            reference.repository.clone(),
            authorization,
        ));
    }

    /// Answer a registry's challenges: Basic with its credentials, or a
    /// token from its token server.
    async fn login(
        &self,
        exchange: &Exchange<'_>,
        challenges: &[Challenge],
    ) -> Result<Authorization, RegistryError> {
        let reference = exchange.reference;
        let registry_url = self.base_url(reference)?;
        let credential = self.config.credentials.for_registry(&reference.registry);
        if let Some(bearer) = challenges.iter().find(|c| c.scheme == "bearer") {
            return self
                .token(exchange, bearer, credential, &registry_url)
                .await;
        }
        if challenges.iter().any(|c| c.scheme == "basic") {
            let Some(value) = credential.as_ref().and_then(auth::Credential::basic_header) else {
                return Err(self.denied(
                    exchange,
                    "it asks for a login, and kiln has no credentials for it".into(),
                    None,
                ));
            };
            return Ok(Authorization {
                value: sensitive(&value).ok_or_else(|| {
                    RegistryError::Setup(
                        "the registry credentials contain control characters".into(),
                    )
                })?,
                origin: registry_url,
                note: None,
            });
        }
        let schemes = challenges
            .iter()
            .map(|c| c.scheme.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Err(self.denied(
            exchange,
            if schemes.is_empty() {
                "HTTP 401 without a WWW-Authenticate challenge".into()
            } else {
                format!("it asks for an authentication kiln does not speak ({schemes})")
            },
            None,
        ))
    }

    /// A token from the token server a `Bearer` challenge names. The
    /// registry's credentials go with the request only when that server
    /// belongs to the registry, and never over plain HTTP off this machine.
    async fn token(
        &self,
        exchange: &Exchange<'_>,
        challenge: &Challenge,
        credential: Option<auth::Credential>,
        registry_url: &Url,
    ) -> Result<Authorization, RegistryError> {
        let reference = exchange.reference;
        let realm = challenge
            .param("realm")
            .ok_or_else(|| self.protocol(exchange, "a Bearer challenge without a realm".into()))?;
        let mut url = Url::parse(realm)
            .ok()
            .filter(|url| url.username().is_empty() && url.password().is_none())
            .ok_or_else(|| {
                self.refused(
                    exchange,
                    format!(
                        "its token server `{}` is not a URL kiln will call",
                        printable(realm)
                    ),
                )
            })?;
        if let Some(reason) = self.transport_refusal(&url) {
            return Err(self.refused(
                exchange,
                format!("its token server is {}: {reason}", without_query(&url)),
            ));
        }
        let realm_host = url.host_str().unwrap_or("").to_owned();
        let registry_host = registry_url.host_str().unwrap_or("");
        let mut note = None;
        let credential = match credential {
            Some(credential) if auth::realm_may_have_credentials(registry_host, &realm_host) => {
                Some(credential)
            }
            Some(_) => {
                let withheld = format!(
                    "kiln did not send the credentials for {} to the token server {realm_host}, which is another host",
                    reference.registry
                );
                // Said in the error if the registry then refuses.
                tracing::debug!("{withheld}");
                note = Some(withheld);
                None
            }
            None => None,
        };
        let scope = challenge
            .param("scope")
            .map(str::to_owned)
            .unwrap_or_else(|| {
                format!(
                    "repository:{}:{}",
                    reference.repository,
                    if exchange.push { "pull,push" } else { "pull" }
                )
            });
        let service = challenge.param("service").map(str::to_owned);
        let realm_origin = url.clone();
        let request = match &credential {
            Some(auth::Credential::IdentityToken(token)) => {
                // OAuth2: a refresh token is exchanged by POST, never sent
                // in the URL.
                let mut form = url::form_urlencoded::Serializer::new(String::new());
                form.append_pair("grant_type", "refresh_token")
                    .append_pair("client_id", "kiln")
                    .append_pair("refresh_token", token)
                    .append_pair("scope", &scope);
                if let Some(service) = &service {
                    form.append_pair("service", service);
                }
                let mut request = Request::new(Method::POST, url.clone())
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                request.body = Some(Bytes::from(form.finish()));
                request
            }
            _ => {
                {
                    let mut query = url.query_pairs_mut();
                    if let Some(service) = &service {
                        query.append_pair("service", service);
                    }
                    query.append_pair("scope", &scope);
                }
                Request::new(Method::GET, url.clone())
            }
        };
        let basic = match credential.as_ref().and_then(auth::Credential::basic_header) {
            Some(value) => Some(Authorization {
                value: sensitive(&value).ok_or_else(|| {
                    RegistryError::Setup(
                        "the registry credentials contain control characters".into(),
                    )
                })?,
                origin: realm_origin,
                note: None,
            }),
            None => None,
        };
        let mut response = self.send(exchange, &request, basic.as_ref()).await?;
        let status = response.status();
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            let message = error_message(&mut response).await;
            return Err(self.denied(
                exchange,
                format!(
                    "its token server {realm_host} refused {} (HTTP {status}{message})",
                    if credential.is_some() {
                        "the credentials"
                    } else {
                        "an anonymous token"
                    }
                ),
                note,
            ));
        }
        if !status.is_success() {
            let message = error_message(&mut response).await;
            return Err(self.protocol(
                exchange,
                format!("its token server {realm_host} answered HTTP {status}{message}"),
            ));
        }
        let body = self
            .read_capped(exchange, &mut response, MAX_TOKEN_RESPONSE, "the token")
            .await?;
        #[derive(serde::Deserialize)]
        struct TokenAnswer {
            token: Option<String>,
            access_token: Option<String>,
        }
        let answer: TokenAnswer = serde_json::from_slice(&body).map_err(|error| {
            self.protocol(
                exchange,
                format!("its token server {realm_host} sent no token: {error}"),
            )
        })?;
        let token = answer
            .token
            .or(answer.access_token)
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                self.protocol(
                    exchange,
                    format!("its token server {realm_host} sent an empty token"),
                )
            })?;
        let value = sensitive(&format!("Bearer {token}")).ok_or_else(|| {
            self.protocol(
                exchange,
                format!("its token server {realm_host} sent a token that is not a header value"),
            )
        })?;
        Ok(Authorization {
            value,
            origin: registry_url.clone(),
            note,
        })
    }

    /// The digest a tag points at now.
    pub async fn resolve(&self, reference: &PluginRef) -> Result<Digest, RegistryError> {
        if let Some(digest) = reference.digest {
            return Ok(digest);
        }
        let exchange = Exchange {
            reference,
            what: "the manifest",
            deadline: self.config.timeout,
            push: false,
        };
        self.within(&exchange, async {
            let tag = reference.tag.as_deref().unwrap_or("latest");
            let url = self.endpoint(reference, &format!("manifests/{tag}"))?;
            let head = Request::new(Method::HEAD, url.clone())
                .header(header::ACCEPT, MANIFEST_MEDIA_TYPE);
            let response = self.exchange(&exchange, head).await?;
            if !response.status().is_success() {
                return Err(self.status_error(&exchange, response, None).await);
            }
            if let Some(value) = response.headers().get(DOCKER_CONTENT_DIGEST) {
                let text = value.to_str().unwrap_or("");
                return parse_digest(text).ok_or_else(|| {
                    self.protocol(
                        &exchange,
                        format!(
                            "it names the manifest `{}`, which is not sha256: and 64 lower-case hex digits",
                            printable(text)
                        ),
                    )
                });
            }
            // No digest header: the manifest itself, bounded, hashed.
            let get =
                Request::new(Method::GET, url).header(header::ACCEPT, MANIFEST_MEDIA_TYPE);
            let mut response = self.exchange(&exchange, get).await?;
            if !response.status().is_success() {
                return Err(self.status_error(&exchange, response, None).await);
            }
            let bytes = self
                .read_capped(&exchange, &mut response, MAX_MANIFEST_SIZE, "the manifest")
                .await?;
            Ok(Digest::of(&bytes))
        })
        .await
    }

    /// The manifest `digest` of `reference`'s repository, its bytes checked.
    pub async fn pull_manifest(
        &self,
        reference: &PluginRef,
        digest: &Digest,
    ) -> Result<Vec<u8>, RegistryError> {
        let pinned = reference.pinned(*digest);
        let exchange = Exchange {
            reference: &pinned,
            what: "the manifest",
            deadline: self.config.timeout,
            push: false,
        };
        self.within(&exchange, async {
            let url = self.endpoint(reference, &format!("manifests/{digest}"))?;
            let request =
                Request::new(Method::GET, url).header(header::ACCEPT, MANIFEST_MEDIA_TYPE);
            let mut response = self.exchange(&exchange, request).await?;
            if !response.status().is_success() {
                return Err(self.status_error(&exchange, response, None).await);
            }
            let bytes = self
                .read_capped(&exchange, &mut response, MAX_MANIFEST_SIZE, "the manifest")
                .await?;
            let actual = Digest::of(&bytes);
            if actual != *digest {
                return Err(RegistryError::DigestMismatch {
                    what: "the manifest".into(),
                    reference: pinned.to_string(),
                    expected: digest.to_string(),
                    actual: actual.to_string(),
                });
            }
            Ok(bytes)
        })
        .await
    }

    /// Stream the blob `blob` of `reference`'s repository into `sink`,
    /// checked against its descriptor: no more than its declared size
    /// (itself at most `limit`), and its digest. On an error, `sink` holds
    /// a part and is the caller's to throw away.
    pub async fn pull_blob<W: Write + Send>(
        &self,
        reference: &PluginRef,
        blob: &Descriptor,
        what: &str,
        limit: u64,
        sink: &mut W,
    ) -> Result<(), RegistryError> {
        let exchange = Exchange {
            reference,
            what,
            deadline: self.blob_deadline(blob.size),
            push: false,
        };
        let digest = parse_digest(&blob.digest).ok_or_else(|| RegistryError::BadReference {
            reference: reference.to_string(),
            reason: format!(
                "{what} is named `{}`, which is not sha256: and 64 lower-case hex digits",
                printable(&blob.digest)
            ),
        })?;
        let limit = limit.min(MAX_BLOB_SIZE);
        if blob.size > limit {
            return Err(self.oversized(
                &exchange,
                format!(
                    "its descriptor declares {} bytes, and kiln takes at most {limit} for {what}",
                    blob.size
                ),
            ));
        }
        self.within(&exchange, async {
            let url = self.endpoint(reference, &format!("blobs/{digest}"))?;
            let mut response = self
                .exchange(&exchange, Request::new(Method::GET, url))
                .await?;
            if !response.status().is_success() {
                return Err(self.status_error(&exchange, response, None).await);
            }
            if let Some(length) = response.content_length()
                && length != blob.size
            {
                return Err(self.oversized_or_short(&exchange, blob.size, length));
            }
            let mut hasher = sha2::Sha256::new();
            let mut received = 0u64;
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|error| self.body_error(&exchange, error))?
            {
                received += chunk.len() as u64;
                if received > blob.size {
                    return Err(self.oversized(
                        &exchange,
                        format!(
                            "it sent more than the {} bytes its descriptor declares",
                            blob.size
                        ),
                    ));
                }
                hasher.update(&chunk);
                sink.write_all(&chunk)
                    .map_err(|source| RegistryError::Write {
                        what: what.to_owned(),
                        reference: reference.to_string(),
                        source,
                    })?;
            }
            if received < blob.size {
                return Err(self.protocol(
                    &exchange,
                    format!("{what} ended after {received} of its {} bytes", blob.size),
                ));
            }
            let actual = Digest::from_hasher(hasher);
            if actual != digest {
                return Err(RegistryError::DigestMismatch {
                    what: what.to_owned(),
                    reference: reference.to_string(),
                    expected: digest.to_string(),
                    actual: actual.to_string(),
                });
            }
            Ok(())
        })
        .await
    }

    fn blob_deadline(&self, size: u64) -> Duration {
        self.config.timeout + Duration::from_secs(size.min(MAX_BLOB_SIZE) / MIN_RATE)
    }

    /// Upload a blob (whose descriptor names it `digest`) unless the
    /// repository has it.
    pub async fn push_blob(
        &self,
        reference: &PluginRef,
        bytes: &[u8],
        digest: &str,
    ) -> Result<(), RegistryError> {
        let exchange = Exchange {
            reference,
            what: "a blob",
            deadline: self.blob_deadline(bytes.len() as u64),
            push: true,
        };
        let digest = parse_digest(digest).ok_or_else(|| RegistryError::BadReference {
            reference: reference.to_string(),
            reason: format!("`{}` is not a sha256 digest", printable(digest)),
        })?;
        let body = Bytes::copy_from_slice(bytes);
        self.within(&exchange, async {
            let url = self.endpoint(reference, &format!("blobs/{digest}"))?;
            let response = self
                .exchange(&exchange, Request::new(Method::HEAD, url))
                .await?;
            if response.status().is_success() {
                return Ok(());
            }
            if response.status() != StatusCode::NOT_FOUND {
                return Err(self.status_error(&exchange, response, None).await);
            }
            let start = self.endpoint(reference, "blobs/uploads/")?;
            let response = self
                .exchange(&exchange, Request::new(Method::POST, start.clone()))
                .await?;
            if !response.status().is_success() {
                return Err(self.status_error(&exchange, response, None).await);
            }
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .ok_or_else(|| {
                    self.protocol(&exchange, "an upload started without a Location".into())
                })?;
            let mut upload = start.join(location).map_err(|_| {
                self.protocol(
                    &exchange,
                    format!(
                        "an upload Location `{}` that is not a URL",
                        printable(location)
                    ),
                )
            })?;
            upload
                .query_pairs_mut()
                .append_pair("digest", &digest.to_string());
            let mut put = Request::new(Method::PUT, upload)
                .header(header::CONTENT_TYPE, "application/octet-stream");
            put.body = Some(body.clone());
            let response = self.exchange(&exchange, put).await?;
            if !response.status().is_success() {
                return Err(self.status_error(&exchange, response, None).await);
            }
            Ok(())
        })
        .await
    }

    /// Upload a manifest under `reference`'s tag.
    pub async fn push_manifest(
        &self,
        reference: &PluginRef,
        bytes: &[u8],
    ) -> Result<(), RegistryError> {
        let exchange = Exchange {
            reference,
            what: "the manifest",
            deadline: self.config.timeout,
            push: true,
        };
        let tag = reference
            .tag
            .as_deref()
            .ok_or_else(|| RegistryError::BadReference {
                reference: reference.to_string(),
                reason: "a manifest is pushed to a tag".into(),
            })?;
        let body = Bytes::copy_from_slice(bytes);
        self.within(&exchange, async {
            let url = self.endpoint(reference, &format!("manifests/{tag}"))?;
            let mut put =
                Request::new(Method::PUT, url).header(header::CONTENT_TYPE, MANIFEST_MEDIA_TYPE);
            put.body = Some(body.clone());
            let response = self.exchange(&exchange, put).await?;
            if !response.status().is_success() {
                return Err(self.status_error(&exchange, response, None).await);
            }
            Ok(())
        })
        .await
    }

    /// A body of at most `cap` bytes: refused as soon as it says or shows
    /// it is longer.
    async fn read_capped(
        &self,
        exchange: &Exchange<'_>,
        response: &mut Response,
        cap: u64,
        what: &str,
    ) -> Result<Vec<u8>, RegistryError> {
        if let Some(length) = response.content_length()
            && length > cap
        {
            return Err(self.oversized(
                exchange,
                format!("it announces {length} bytes, and kiln reads at most {cap} for {what}"),
            ));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| self.body_error(exchange, error))?
        {
            if bytes.len() as u64 + chunk.len() as u64 > cap {
                return Err(self.oversized(
                    exchange,
                    format!("it sent more than the {cap} bytes kiln reads for {what}"),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// The error for a response that is not a success.
    async fn status_error(
        &self,
        exchange: &Exchange<'_>,
        mut response: Response,
        note: Option<String>,
    ) -> RegistryError {
        let status = response.status();
        let message = error_message(&mut response).await;
        match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                self.denied(exchange, format!("HTTP {status}{message}"), note)
            }
            StatusCode::NOT_FOUND => RegistryError::NotFound {
                reference: exchange.reference.to_string(),
                reason: format!("HTTP {status}{message}"),
            },
            _ => self.protocol(
                exchange,
                format!("HTTP {status} for {}{message}", exchange.what),
            ),
        }
    }

    fn denied(
        &self,
        exchange: &Exchange<'_>,
        reason: String,
        note: Option<String>,
    ) -> RegistryError {
        let registry = &exchange.reference.registry;
        let mut hints: Vec<String> = note.into_iter().collect();
        hints.extend(self.config.credentials.env_hint(registry));
        hints.push(format!(
            "set KILN_REGISTRY_HOST={registry} with KILN_REGISTRY_USERNAME and KILN_REGISTRY_PASSWORD, or log in with a docker-style config"
        ));
        RegistryError::Denied {
            registry: registry.clone(),
            reference: exchange.reference.to_string(),
            reason,
            hint: hints.join("; "),
        }
    }

    fn refused(&self, exchange: &Exchange<'_>, reason: String) -> RegistryError {
        RegistryError::Refused {
            registry: exchange.reference.registry.clone(),
            reference: exchange.reference.to_string(),
            reason,
        }
    }

    fn protocol(&self, exchange: &Exchange<'_>, reason: String) -> RegistryError {
        RegistryError::Protocol {
            registry: exchange.reference.registry.clone(),
            reference: exchange.reference.to_string(),
            reason,
        }
    }

    fn oversized(&self, exchange: &Exchange<'_>, reason: String) -> RegistryError {
        RegistryError::Oversized {
            registry: exchange.reference.registry.clone(),
            reference: exchange.reference.to_string(),
            what: exchange.what.to_owned(),
            reason,
        }
    }

    fn oversized_or_short(
        &self,
        exchange: &Exchange<'_>,
        declared: u64,
        announced: u64,
    ) -> RegistryError {
        if announced > declared {
            self.oversized(
                exchange,
                format!("it announces {announced} bytes, and its descriptor declares {declared}"),
            )
        } else {
            self.protocol(
                exchange,
                format!(
                    "it announces {announced} bytes for {}, whose descriptor declares {declared}",
                    exchange.what
                ),
            )
        }
    }

    /// An error reading a body: a server gone silent, or a broken
    /// connection.
    fn body_error(&self, exchange: &Exchange<'_>, error: reqwest::Error) -> RegistryError {
        if error.is_timeout() {
            let silence = self.config.timeout.min(Duration::from_secs(30));
            return RegistryError::TimedOut {
                registry: exchange.reference.registry.clone(),
                reference: exchange.reference.to_string(),
                what: exchange.what.to_owned(),
                after: humantime::format_duration(silence).to_string(),
                reason: "the server stopped sending".into(),
            };
        }
        self.protocol(
            exchange,
            format!(
                "the connection broke while reading {}: {}",
                exchange.what,
                error_chain(&error)
            ),
        )
    }

    /// An error sending a request to `url` (the registry, or a server it
    /// sent kiln to).
    fn request_error(
        &self,
        exchange: &Exchange<'_>,
        url: &Url,
        error: reqwest::Error,
    ) -> RegistryError {
        let reference = exchange.reference;
        let reason = error_chain(&error);
        let registry = match url.host_str() {
            Some(host)
                if self
                    .base_url(reference)
                    .ok()
                    .and_then(|base| base.host_str().map(str::to_owned))
                    .as_deref()
                    != Some(host) =>
            {
                format!("{} (via {host})", reference.registry)
            }
            _ => reference.registry.clone(),
        };
        if error.is_timeout() && !error.is_connect() {
            return RegistryError::TimedOut {
                registry,
                reference: reference.to_string(),
                what: exchange.what.to_owned(),
                after: humantime::format_duration(self.config.timeout.min(Duration::from_secs(30)))
                    .to_string(),
                reason: "no answer".into(),
            };
        }
        let lower = reason.to_ascii_lowercase();
        RegistryError::Unreachable {
            // An HTTPS hello to a plain-HTTP server fails in TLS.
            insecure_hint: !self.config.insecure
                && reference.is_loopback()
                && (lower.contains("ssl") || lower.contains("tls")),
            reason,
            registry,
        }
    }
}

/// A header value marked sensitive (never logged by the HTTP stack), if
/// `text` is a valid one.
fn sensitive(text: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(text).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// `url` without its query, which may hold a signed token (a storage
/// redirect's), for logs and messages.
fn without_query(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

/// `: <what the error body says>` (an OCI error envelope's codes and
/// messages, else its text), read within a small bound; empty when there
/// is nothing useful.
async fn error_message(response: &mut Response) -> String {
    let mut bytes = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = MAX_ERROR_BODY as usize - bytes.len();
        bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if bytes.len() >= MAX_ERROR_BODY as usize {
            break;
        }
    }
    #[derive(serde::Deserialize)]
    struct Envelope {
        errors: Vec<OciError>,
    }
    #[derive(serde::Deserialize)]
    struct OciError {
        code: Option<String>,
        message: Option<String>,
    }
    let text = match serde_json::from_slice::<Envelope>(&bytes) {
        Ok(envelope) => envelope
            .errors
            .iter()
            .map(|error| {
                [error.code.as_deref(), error.message.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join("; "),
        Err(_) => String::from_utf8_lossy(&bytes).trim().to_owned(),
    };
    if text.is_empty() {
        String::new()
    } else {
        format!(": {}", printable(&text))
    }
}

/// An error and its causes on one line ("error sending request: connection
/// refused").
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn plain_http_only_to_this_machine_and_only_under_insecure() {
        let secure = RegistryClient::new(ClientConfig::new(false)).unwrap();
        let insecure = RegistryClient::new(ClientConfig::new(true)).unwrap();
        assert_eq!(
            secure.transport_refusal(&url("https://auth.example/token")),
            None
        );
        // Without --insecure, not even to loopback (a token server or a
        // redirect named by an HTTPS registry).
        for text in [
            "http://127.0.0.1:5000/token",
            "http://auth.example/token",
            "ftp://auth.example/token",
        ] {
            assert!(secure.transport_refusal(&url(text)).is_some(), "{text}");
        }
        for text in [
            "http://127.0.0.2:1/t",
            "http://[::1]:1/t",
            "http://localhost/t",
        ] {
            assert_eq!(insecure.transport_refusal(&url(text)), None, "{text}");
        }
        let refusal = insecure
            .transport_refusal(&url("http://auth.example/token"))
            .unwrap();
        assert!(
            refusal.contains("auth.example, which is not this machine"),
            "{refusal}"
        );
        assert_eq!(
            without_query(&url("https://s3.example/blob?X-Amz-Signature=1")),
            "https://s3.example/blob"
        );
    }

    #[test]
    fn a_reference_is_checked_before_it_is_a_url() {
        let client = RegistryClient::new(ClientConfig::new(false)).unwrap();
        let reference: PluginRef = "oci://ghcr.io/acme/lint:1".parse().unwrap();
        assert_eq!(
            client.endpoint(&reference, "manifests/1").unwrap().as_str(),
            "https://ghcr.io/v2/acme/lint/manifests/1"
        );
        let hub: PluginRef = "oci://docker.io/acme/lint:1".parse().unwrap();
        assert_eq!(
            client.base_url(&hub).unwrap().as_str(),
            "https://registry-1.docker.io/"
        );
        // References built in code, not parsed: refused all the same.
        for bad in [
            reference.with_tag("../../x"),
            PluginRef {
                registry: "evil.example/x?".into(),
                ..reference.clone()
            },
            PluginRef {
                repository: "acme/../../x".into(),
                ..reference.clone()
            },
        ] {
            assert!(
                matches!(
                    client.base_url(&bad),
                    Err(RegistryError::BadReference { .. })
                ),
                "{bad:?}"
            );
        }
        let insecure = RegistryClient::new(ClientConfig::new(true)).unwrap();
        assert!(matches!(
            insecure.base_url(&reference),
            Err(RegistryError::InsecureNotLoopback { .. })
        ));
    }

    #[test]
    fn registry_text_is_printed_without_control_characters() {}
}
