//! Outbound HTTP through `wasi:http`, to the origins the action grants
//! (`grants.network`). Requests elsewhere fail with "HTTP request denied".
//!
//! ```ignore
//! use kiln_sdk::http::Request;
//! let response = Request::post("https://hooks.example.com/ci")
//!     .header("content-type", "application/json")
//!     .body(br#"{"status":"failed"}"#.to_vec())
//!     .send()?;
//! ```
//!
//! Redirects are followed (at most [`MAX_REDIRECTS`]); each is a new
//! request, checked against the grant like the first.

use crate::Error;
use crate::bindings::wasi::http::outgoing_handler;
use crate::bindings::wasi::http::types::{
    ErrorCode, Fields, IncomingBody, Method, OutgoingBody, OutgoingRequest, Scheme,
};
use crate::bindings::wasi::io::streams::StreamError;

/// How many redirects a request follows before giving up.
pub const MAX_REDIRECTS: usize = 5;
/// Responses larger than this are cut off with an error.
pub const MAX_BODY: usize = 64 << 20;

/// A response, body fully read.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header of this name (case-insensitive), as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .and_then(|(_, value)| std::str::from_utf8(value).ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A request, built up and then sent.
#[derive(Debug, Clone)]
pub struct Request {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    pub fn new(method: &str, url: impl Into<String>) -> Self {
        Self {
            method: method.to_ascii_uppercase(),
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn get(url: impl Into<String>) -> Self {
        Self::new("GET", url)
    }

    pub fn post(url: impl Into<String>) -> Self {
        Self::new("POST", url)
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Send, following redirects.
    pub fn send(self) -> Result<Response, Error> {
        let mut request = self;
        for _ in 0..=MAX_REDIRECTS {
            let response = send_once(&request)?;
            if !matches!(response.status, 301 | 302 | 303 | 307 | 308) {
                return Ok(response);
            }
            let Some(location) = response.header("location") else {
                return Ok(response);
            };
            let next = resolve_location(&request.url, location)?;
            if response.status == 303 {
                request.method = "GET".into();
                request.body.clear();
            }
            request.url = next;
        }
        Err(Error::new(format!(
            "{}: more than {MAX_REDIRECTS} redirects",
            request.url
        )))
    }
}

/// The parts of an absolute http(s) URL.
#[derive(Debug, PartialEq, Eq)]
struct Url<'a> {
    https: bool,
    authority: &'a str,
    path_and_query: &'a str,
}

fn parse_url(url: &str) -> Result<Url<'_>, Error> {
    let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(Error::new(format!("`{url}` is not an http or https URL")));
    };
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path_and_query) = rest.split_at(split);
    if authority.is_empty() {
        return Err(Error::new(format!("`{url}` has no host")));
    }
    Ok(Url {
        https,
        authority,
        path_and_query: if path_and_query.is_empty() {
            "/"
        } else {
            path_and_query
        },
    })
}

/// A `Location` header made absolute against the URL that sent it.
fn resolve_location(base: &str, location: &str) -> Result<String, Error> {
    if location.starts_with("http://") || location.starts_with("https://") {
        return Ok(location.to_owned());
    }
    let base = parse_url(base)?;
    let scheme = if base.https { "https" } else { "http" };
    if let Some(rest) = location.strip_prefix("//") {
        return Ok(format!("{scheme}://{rest}"));
    }
    if location.starts_with('/') {
        return Ok(format!("{scheme}://{}{location}", base.authority));
    }
    let dir = base
        .path_and_query
        .split('?')
        .next()
        .and_then(|path| path.rsplit_once('/').map(|(dir, _)| dir))
        .unwrap_or("");
    Ok(format!("{scheme}://{}{dir}/{location}", base.authority))
}

fn send_once(request: &Request) -> Result<Response, Error> {
    let url = parse_url(&request.url)?;
    let fail = |what: &str| Error::new(format!("{} {}: {what}", request.method, request.url));

    let mut entries: Vec<(String, Vec<u8>)> = request
        .headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value.as_bytes().to_vec()))
        .collect();
    // A known length rather than chunked encoding: some servers (and
    // webhook endpoints) refuse chunked request bodies.
    if !request.body.is_empty() && !entries.iter().any(|(name, _)| name == "content-length") {
        entries.push((
            "content-length".into(),
            request.body.len().to_string().into_bytes(),
        ));
    }
    let headers = Fields::from_list(&entries).map_err(|e| fail(&format!("bad header: {e:?}")))?;
    let outgoing = OutgoingRequest::new(headers);
    let method = match request.method.as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "HEAD" => Method::Head,
        "PATCH" => Method::Patch,
        "OPTIONS" => Method::Options,
        other => Method::Other(other.to_owned()),
    };
    let ok = |r: Result<(), ()>, what: &str| r.map_err(|()| fail(what));
    ok(outgoing.set_method(&method), "invalid method")?;
    ok(
        outgoing.set_scheme(Some(&if url.https {
            Scheme::Https
        } else {
            Scheme::Http
        })),
        "invalid scheme",
    )?;
    ok(outgoing.set_authority(Some(url.authority)), "invalid host")?;
    ok(
        outgoing.set_path_with_query(Some(url.path_and_query)),
        "invalid path",
    )?;

    let body = outgoing.body().map_err(|()| fail("no request body"))?;
    {
        let stream = body.write().map_err(|()| fail("no request body stream"))?;
        for chunk in request.body.chunks(4096) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|e| fail(&format!("writing the body: {e:?}")))?;
        }
    }
    let pending =
        outgoing_handler::handle(outgoing, None).map_err(|code| fail(&describe(&code)))?;
    OutgoingBody::finish(body, None).map_err(|code| fail(&describe(&code)))?;
    pending.subscribe().block();
    let incoming = match pending.get() {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(code))) => return Err(fail(&describe(&code))),
        Some(Err(())) | None => return Err(fail("no response")),
    };
    let status = incoming.status();
    let headers = incoming.headers().entries();
    let body = incoming.consume().map_err(|()| fail("no response body"))?;
    let bytes = read_body(&body).map_err(|what| fail(&what))?;
    drop(body);
    Ok(Response {
        status,
        headers,
        body: bytes,
    })
}

fn read_body(body: &IncomingBody) -> Result<Vec<u8>, String> {
    let stream = body
        .stream()
        .map_err(|()| "no response body stream".to_owned())?;
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > MAX_BODY {
                    return Err(format!(
                        "the response is larger than {} MiB",
                        MAX_BODY >> 20
                    ));
                }
            }
            Err(StreamError::Closed) => return Ok(bytes),
            Err(StreamError::LastOperationFailed(error)) => {
                return Err(format!("reading the response: {}", error.to_debug_string()));
            }
        }
    }
}

fn describe(code: &ErrorCode) -> String {
    match code {
        ErrorCode::HttpRequestDenied => {
            "HTTP request denied: the action does not grant this origin (grants.network)".to_owned()
        }
        ErrorCode::ConnectionRefused => "connection refused".to_owned(),
        ErrorCode::DnsError(_) => "DNS lookup failed".to_owned(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_parts() {
        let url = parse_url("http://127.0.0.1:8080/hook?x=1").unwrap();
        assert_eq!(
            url,
            Url {
                https: false,
                authority: "127.0.0.1:8080",
                path_and_query: "/hook?x=1"
            }
        );
        assert_eq!(
            parse_url("https://example.com").unwrap().path_and_query,
            "/"
        );
        assert!(parse_url("ftp://x").is_err());
    }

    #[test]
    fn redirect_locations_resolve_against_the_request() {
        let base = "http://127.0.0.1:8080/a/b?q=1";
        assert_eq!(
            resolve_location(base, "https://other.example/x").unwrap(),
            "https://other.example/x"
        );
        assert_eq!(
            resolve_location(base, "/root").unwrap(),
            "http://127.0.0.1:8080/root"
        );
        assert_eq!(
            resolve_location(base, "sibling").unwrap(),
            "http://127.0.0.1:8080/a/sibling"
        );
        assert_eq!(
            resolve_location(base, "//evil.example/").unwrap(),
            "http://evil.example/"
        );
    }
}
