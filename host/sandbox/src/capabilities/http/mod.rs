//! The network capability: outbound HTTP through `wasi:http`, to the
//! origins an action grants and nowhere else. None by default.
//!
//! Every request is checked before a connection is made: scheme, host and
//! port must equal a granted origin's. A client that follows a redirect
//! sends a new request, so a redirect off the allowlist is refused the same
//! way. Raw sockets are never granted (the WASI context denies them).

use std::future::Future;

use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

use crate::capabilities::log::{ActionLog, Level};

pub mod grant;

pub use kiln_model::grants::network::{BadOrigin, NetworkGrant, Origin};

/// wasmtime-wasi-http's hooks for one attempt: the policy check, then the
/// default HTTP client.
pub struct HttpPolicy {
    grant: NetworkGrant,
    log: Option<ActionLog>,
}

impl HttpPolicy {
    pub fn new(grant: NetworkGrant, log: Option<ActionLog>) -> Self {
        Self { grant, log }
    }
}

type ResponseFuture = Box<
    dyn Future<
            Output = Result<
                (
                    http::Response<WasiBody>,
                    Box<dyn Future<Output = Result<(), HttpError>> + Send>,
                ),
                HttpError,
            >,
        > + Send,
>;

impl WasiHttpHooks for HttpPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> ResponseFuture {
        _ = fut;
        let uri = request.uri().clone();
        if !self.grant.allows(&uri) {
            let granted = if self.grant.origins.is_empty() {
                "the action grants no network access".to_owned()
            } else {
                let list: Vec<String> = self.grant.origins.iter().map(Origin::to_string).collect();
                format!("granted: {}", list.join(", "))
            };
            if let Some(log) = &self.log {
                log.note(
                    Level::Error,
                    &format!(
                        "kiln: HTTP request to {uri} denied: not a granted origin ({granted})"
                    ),
                );
            }
            return Box::new(async { Err(HttpError::HttpRequestDenied) });
        }
        Box::new(async move {
            use http_body_util::BodyExt;
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = Result<(), HttpError>> + Send>,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(origins: &[&str]) -> NetworkGrant {
        NetworkGrant {
            origins: origins.iter().map(|o| Origin::parse(o).unwrap()).collect(),
        }
    }

    #[test]
    fn only_exact_origins_are_allowed() {
        let grant = grant(&["https://api.example.com", "http://127.0.0.1:8080"]);
        let allows = |uri: &str| grant.allows(&uri.parse().unwrap());
        assert!(allows("https://api.example.com/v1/items?x=1"));
        assert!(allows("https://API.example.com:443/"));
        assert!(allows("http://127.0.0.1:8080/hook"));
        assert!(!allows("http://api.example.com/"), "scheme must match");
        assert!(!allows("https://api.example.com:8443/"), "port must match");
        assert!(!allows("https://evil.example.com/"));
        assert!(!allows("https://api.example.com.evil.net/"));
        assert!(!allows("http://127.0.0.1:8081/"));
        assert!(!NetworkGrant::default().allows(&"https://api.example.com/".parse().unwrap()));
    }

    #[test]
    fn origins_are_validated() {
        assert!(Origin::parse("ftp://x").is_err());
        assert!(Origin::parse("example.com").is_err());
        assert!(Origin::parse("https://x.com/path").is_err());
        assert_eq!(
            Origin::parse("http://[::1]:9000").unwrap().to_string(),
            "http://[::1]:9000"
        );
    }
}
