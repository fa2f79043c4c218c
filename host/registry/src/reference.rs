//! `oci://host[:port]/repository:tag[@sha256:...]`: a plugin in a registry.
//!
//! The grammar is the OCI distribution spec's (lower-case repository path
//! components, tags of at most 128 characters); the `oci://` prefix is what
//! tells a registry plugin from a path or a first-party name in `uses:`.
//! A reference names a tag, a digest, or both; with both, the digest is
//! what runs and the tag is only a label.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use kiln_model::digest::Digest;

/// What marks a registry reference in `uses:` and on the command line.
pub const SCHEME: &str = "oci://";

/// A plugin in a registry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PluginRef {
    /// `host` or `host:port`.
    pub registry: String,
    /// `a/b/c`, lower case.
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<Digest>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "`{reference}` is not a registry reference: {reason} (expected oci://host[:port]/repository:tag or oci://host[:port]/repository@sha256:<64 hex digits>)"
)]
pub struct BadReference {
    pub reference: String,
    pub reason: String,
}

impl PluginRef {
    /// Whether `uses` names a registry plugin (it may still be malformed).
    pub fn is_registry(uses: &str) -> bool {
        uses.starts_with(SCHEME)
    }

    /// The same plugin pinned to `digest` (the tag kept as a label).
    pub fn pinned(&self, digest: Digest) -> Self {
        Self {
            digest: Some(digest),
            ..self.clone()
        }
    }

    /// The same repository, at another tag and no digest.
    pub fn with_tag(&self, tag: impl Into<String>) -> Self {
        Self {
            tag: Some(tag.into()),
            digest: None,
            ..self.clone()
        }
    }

    /// `host/repository`, the name of the repository in `index.json`.
    pub fn repository_name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The host part, without the port.
    pub fn host(&self) -> &str {
        if let Some(rest) = self.registry.strip_prefix('[') {
            // [::1]:5000
            return rest.split(']').next().unwrap_or(rest);
        }
        self.registry.split(':').next().unwrap_or(&self.registry)
    }

    /// Whether the registry is this machine: the only place kiln will speak
    /// plain HTTP to, and only when asked (`--insecure`).
    pub fn is_loopback(&self) -> bool {
        let host = self.host();
        host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<IpAddr>()
                .map(|ip| ip.is_loopback())
                .unwrap_or(false)
    }

    /// Whether every part is what the grammar allows, so that it can be
    /// put into a URL as it is; why not, otherwise. (A reference parsed
    /// from text always is; this guards the ones built in code.)
    pub fn check(&self) -> Result<(), String> {
        if !is_registry(&self.registry) {
            return Err(format!(
                "the registry `{}` is not host[:port]",
                self.registry.escape_default()
            ));
        }
        if !self.repository.split('/').all(is_path_component) {
            return Err(format!(
                "the repository `{}` is not lower-case path components",
                self.repository.escape_default()
            ));
        }
        if let Some(tag) = &self.tag
            && !is_tag(tag)
        {
            return Err(format!("the tag `{}` is not a tag", tag.escape_default()));
        }
        Ok(())
    }
}

impl fmt::Display for PluginRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl FromStr for PluginRef {
    type Err = BadReference;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |reason: &str| BadReference {
            reference: text.to_owned(),
            reason: reason.to_owned(),
        };
        let rest = text
            .strip_prefix(SCHEME)
            .ok_or_else(|| bad("it does not start with oci://"))?;
        let (rest, digest) = match rest.split_once('@') {
            Some((rest, digest)) => {
                let digest = digest
                    .parse::<Digest>()
                    .map_err(|_| bad("the digest is not sha256: and 64 lower-case hex digits"))?;
                (rest, Some(digest))
            }
            None => (rest, None),
        };
        let (registry, path) = rest
            .split_once('/')
            .ok_or_else(|| bad("it names no repository after the registry host"))?;
        if !is_registry(registry) {
            return Err(bad(
                "the registry is not host[:port] (a DNS name, an IPv4 address or a bracketed IPv6 one, and an optional port)",
            ));
        }
        // A tag follows the last `:` of the path (the host's port came
        // before the first `/`).
        let (repository, tag) = match path.rsplit_once(':') {
            Some((repository, tag)) => (repository, Some(tag)),
            None => (path, None),
        };
        if !repository.split('/').all(is_path_component) {
            return Err(bad(
                "repository path components are lower-case letters and digits, joined by `.`, `_`, `__` or `-`",
            ));
        }
        if let Some(tag) = tag
            && !is_tag(tag)
        {
            return Err(bad(
                "a tag is 1 to 128 letters, digits, `_`, `.` or `-`, not starting with `.` or `-`",
            ));
        }
        if tag.is_none() && digest.is_none() {
            return Err(bad(
                "it names neither a tag nor a digest (kiln does not assume `latest`)",
            ));
        }
        Ok(Self {
            registry: registry.to_owned(),
            repository: repository.to_owned(),
            tag: tag.map(str::to_owned),
            digest,
        })
    }
}

/// `host[:port]`: a DNS name (labels of letters, digits and `-`), an IPv4
/// address or a bracketed IPv6 one, and a port of 1 to 5 digits.
fn is_registry(registry: &str) -> bool {
    let (host, port) = if let Some(rest) = registry.strip_prefix('[') {
        let Some((address, rest)) = rest.split_once(']') else {
            return false;
        };
        if address.parse::<std::net::Ipv6Addr>().is_err() {
            return false;
        }
        match rest {
            "" => return true,
            _ => match rest.strip_prefix(':') {
                Some(port) => ("", Some(port)),
                None => return false,
            },
        }
    } else {
        match registry.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (registry, None),
        }
    };
    let port_ok = port.is_none_or(|port| {
        !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u16>().is_ok_and(|port| port > 0)
    });
    let host_ok = registry.starts_with('[')
        || (!host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            }));
    port_ok && host_ok
}

fn is_path_component(component: &str) -> bool {
    // [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
    let bytes = component.as_bytes();
    if bytes.is_empty()
        || !bytes[0].is_ascii_alphanumeric()
        || !bytes[bytes.len() - 1].is_ascii_alphanumeric()
    {
        return false;
    }
    let mut run = String::new();
    for &b in bytes {
        match b {
            b'a'..=b'z' | b'0'..=b'9' => {
                if !(run.is_empty()
                    || run == "."
                    || run == "_"
                    || run == "__"
                    || run.bytes().all(|c| c == b'-'))
                {
                    return false;
                }
                run.clear();
            }
            b'.' | b'_' | b'-' => run.push(b as char),
            _ => return false,
        }
    }
    true
}

fn is_tag(tag: &str) -> bool {
    // [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}
    let mut chars = tag.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric() || c == '_')
        && tag.len() <= 128
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn tags_digests_and_ports_parse_and_print_back() {
        for text in [
            "oci://127.0.0.1:5000/kiln/lint:1.0".to_owned(),
            format!("oci://ghcr.io/acme/tools/lint@sha256:{HEX}"),
            format!("oci://localhost:5000/lint:v2@sha256:{HEX}"),
            "oci://[::1]:5000/a_b/c-d:latest".to_owned(),
        ] {
            let parsed: PluginRef = text.parse().unwrap();
            assert_eq!(parsed.to_string(), text);
        }
        let parsed: PluginRef = "oci://127.0.0.1:5000/kiln/lint:1.0".parse().unwrap();
        assert_eq!(parsed.registry, "127.0.0.1:5000");
        assert_eq!(parsed.repository, "kiln/lint");
        assert_eq!(parsed.tag.as_deref(), Some("1.0"));
        assert!(parsed.is_loopback());
        assert!(
            "oci://[::1]:5000/a:b"
                .parse::<PluginRef>()
                .unwrap()
                .is_loopback()
        );
        assert!(
            !"oci://ghcr.io/a:b"
                .parse::<PluginRef>()
                .unwrap()
                .is_loopback()
        );
    }

    #[test]
    fn malformed_references_say_what_is_wrong() {
        for (text, reason) in [
            ("oci://ghcr.io/acme/lint", "neither a tag nor a digest"),
            ("oci://ghcr.io", "no repository"),
            ("oci://ghcr.io:x/acme/lint:1", "host[:port]"),
            ("oci://a:1:2/acme/lint:1", "host[:port]"),
            ("oci://[::1/acme/lint:1", "host[:port]"),
            ("oci://[zz]:5000/acme/lint:1", "host[:port]"),
            ("oci://-a.example/acme/lint:1", "host[:port]"),
            ("oci://a..example/acme/lint:1", "host[:port]"),
            ("oci://ghcr.io/Acme/lint:1", "lower-case"),
            ("oci://ghcr.io/acme//lint:1", "lower-case"),
            ("oci://ghcr.io/acme/lint:-x", "a tag is"),
            ("oci://ghcr.io/acme/lint@sha256:12", "digest"),
            ("ghcr.io/acme/lint:1", "oci://"),
        ] {
            let error = text.parse::<PluginRef>().unwrap_err().to_string();
            assert!(error.contains(reason), "{text}: {error}");
        }
    }
}
