//! Who sent a webhook: each provider signs (or tokens) its deliveries with
//! the secret the project shares with it, and a delivery is believed only
//! when that check passes. Every comparison is constant-time: HMACs are
//! checked with `Mac::verify_slice`, GitLab's token with `subtle`.
//!
//! | provider | header | value |
//! | --- | --- | --- |
//! | `github` | `X-Hub-Signature-256` | `sha256=<hex HMAC-SHA256 of the raw body>` |
//! | `gitlab` | `X-Gitlab-Token` | the secret itself |
//! | `gitea`, `forgejo` | `X-Gitea-Signature` (`X-Forgejo-Signature`) | `<hex HMAC-SHA256 of the raw body>` |
//! | `generic` | `X-Kiln-Signature` | `sha256=<hex HMAC-SHA256 of the raw body>` |

use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// A webhook provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Github,
    Gitlab,
    Gitea,
    Forgejo,
    /// Any sender that signs like GitHub, with kiln's own header names.
    Generic,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Github => "github",
            Provider::Gitlab => "gitlab",
            Provider::Gitea => "gitea",
            Provider::Forgejo => "forgejo",
            Provider::Generic => "generic",
        }
    }
}

/// Why a delivery is not believed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no {0} header")]
    Missing(&'static str),
    #[error("the {0} header is not `sha256=` and hex")]
    Malformed(&'static str),
    #[error("the {0} header does not match the body and the project's secret")]
    Mismatch(&'static str),
}

/// Check that `body` came with a valid signature (or token) for `secret`.
pub fn verify(
    provider: Provider,
    headers: &HeaderMap,
    body: &[u8],
    secret: &[u8],
) -> Result<(), SignatureError> {
    match provider {
        Provider::Github => hmac_header(
            headers,
            "x-hub-signature-256",
            Some("sha256="),
            body,
            secret,
        ),
        Provider::Generic => {
            hmac_header(headers, "x-kiln-signature", Some("sha256="), body, secret)
        }
        Provider::Gitea | Provider::Forgejo => {
            let name = if headers.contains_key("x-gitea-signature") {
                "x-gitea-signature"
            } else {
                "x-forgejo-signature"
            };
            hmac_header(headers, name, None, body, secret)
        }
        Provider::Gitlab => {
            let name = "x-gitlab-token";
            let token = headers
                .get(name)
                .ok_or(SignatureError::Missing(name))?
                .as_bytes();
            if bool::from(token.ct_eq(secret)) {
                Ok(())
            } else {
                Err(SignatureError::Mismatch(name))
            }
        }
    }
}

fn hmac_header(
    headers: &HeaderMap,
    name: &'static str,
    prefix: Option<&str>,
    body: &[u8],
    secret: &[u8],
) -> Result<(), SignatureError> {
    let value = headers
        .get(name)
        .ok_or(SignatureError::Missing(name))?
        .to_str()
        .map_err(|_| SignatureError::Malformed(name))?
        .trim();
    let hex_text = match prefix {
        Some(prefix) => value
            .strip_prefix(prefix)
            .ok_or(SignatureError::Malformed(name))?,
        None => value,
    };
    let signature = hex::decode(hex_text).map_err(|_| SignatureError::Malformed(name))?;
    verify_hmac(body, secret, &signature).map_err(|()| SignatureError::Mismatch(name))
}

/// Constant-time check of an HMAC-SHA256 of `body` under `secret`.
pub fn verify_hmac(body: &[u8], secret: &[u8], signature: &[u8]) -> Result<(), ()> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| ())?;
    mac.update(body);
    mac.verify_slice(signature).map_err(|_| ())
}

/// The hex HMAC-SHA256 of `body` under `secret` (what a sender computes).
pub fn sign(body: &[u8], secret: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    /// GitHub's documented example ("Validating webhook deliveries").
    const GITHUB_SECRET: &[u8] = b"It's a Secret to Everybody";
    const GITHUB_PAYLOAD: &[u8] = b"Hello, World!";
    const GITHUB_SIGNATURE: &str =
        "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    fn headers(name: &'static str, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn githubs_documented_test_vector_verifies() {
        assert_eq!(sign(GITHUB_PAYLOAD, GITHUB_SECRET), GITHUB_SIGNATURE);
        let good = headers("x-hub-signature-256", &format!("sha256={GITHUB_SIGNATURE}"));
        assert_eq!(
            verify(Provider::Github, &good, GITHUB_PAYLOAD, GITHUB_SECRET),
            Ok(())
        );
    }

    #[test]
    fn a_changed_body_a_wrong_secret_or_a_bare_hex_value_is_refused() {
        let good = headers("x-hub-signature-256", &format!("sha256={GITHUB_SIGNATURE}"));
        assert_eq!(
            verify(Provider::Github, &good, b"Hello, World?", GITHUB_SECRET),
            Err(SignatureError::Mismatch("x-hub-signature-256"))
        );
        assert_eq!(
            verify(Provider::Github, &good, GITHUB_PAYLOAD, b"guess"),
            Err(SignatureError::Mismatch("x-hub-signature-256"))
        );
        let bare = headers("x-hub-signature-256", GITHUB_SIGNATURE);
        assert_eq!(
            verify(Provider::Github, &bare, GITHUB_PAYLOAD, GITHUB_SECRET),
            Err(SignatureError::Malformed("x-hub-signature-256"))
        );
        assert_eq!(
            verify(
                Provider::Github,
                &HeaderMap::new(),
                GITHUB_PAYLOAD,
                GITHUB_SECRET
            ),
            Err(SignatureError::Missing("x-hub-signature-256"))
        );
    }

    #[test]
    fn gitea_and_forgejo_sign_with_bare_hex() {
        let gitea = headers("x-gitea-signature", GITHUB_SIGNATURE);
        assert_eq!(
            verify(Provider::Gitea, &gitea, GITHUB_PAYLOAD, GITHUB_SECRET),
            Ok(())
        );
        let forgejo = headers("x-forgejo-signature", GITHUB_SIGNATURE);
        assert_eq!(
            verify(Provider::Forgejo, &forgejo, GITHUB_PAYLOAD, GITHUB_SECRET),
            Ok(())
        );
        let prefixed = headers("x-gitea-signature", &format!("sha256={GITHUB_SIGNATURE}"));
        assert!(verify(Provider::Gitea, &prefixed, GITHUB_PAYLOAD, GITHUB_SECRET).is_err());
    }

    #[test]
    fn gitlab_compares_its_token() {
        let good = headers("x-gitlab-token", "s3cret");
        assert_eq!(verify(Provider::Gitlab, &good, b"{}", b"s3cret"), Ok(()));
        let bad = headers("x-gitlab-token", "s3cre");
        assert!(verify(Provider::Gitlab, &bad, b"{}", b"s3cret").is_err());
    }

    #[test]
    fn generic_signs_like_github_under_kilns_header() {
        let good = headers("x-kiln-signature", &format!("sha256={GITHUB_SIGNATURE}"));
        assert_eq!(
            verify(Provider::Generic, &good, GITHUB_PAYLOAD, GITHUB_SECRET),
            Ok(())
        );
    }
}
