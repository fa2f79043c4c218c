//! API bearer tokens. A token is shown once, when it is made; the store
//! keeps only its SHA-256, and a presented token is found by the hash of
//! what was presented (the lookup compares hashes, never the secret, so
//! its timing says nothing about a token).

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::super::{RunStore, RunStoreError, now_ms, rfc3339};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read: every `GET`.
    Read,
    /// Read and change: cancel runs, trigger them.
    Write,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            _ => None,
        }
    }
}

/// A token as listed: never its value.
#[derive(Debug, Clone, Serialize)]
pub struct TokenRecord {
    pub name: String,
    pub scope: Scope,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// Who presented a token: its name (what an approval records as the
/// decider) and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub name: String,
    pub scope: Scope,
}

/// The token prefix, so a leaked token is recognisable (secret scanners).
const PREFIX: &str = "kiln_";

fn hash(token: &str) -> String {
    hex_of(&Sha256::digest(token.as_bytes()))
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl RunStore {
    /// Make a token; the value is returned once and never stored.
    pub fn create_token(&self, name: &str, scope: Scope) -> Result<String, RunStoreError> {
        let mut secret = [0u8; 32];
        getrandom::getrandom(&mut secret)
            .map_err(|e| std::io::Error::other(format!("no randomness for a token: {e}")))?;
        let token = format!("{PREFIX}{}", hex_of(&secret));
        let mut connection = self.lock();
        let transaction = self.write(&mut connection)?;
        transaction
            .execute(
                "INSERT INTO api_tokens (hash, name, scope, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![hash(&token), name, scope.as_str(), now_ms()],
            )
            .map_err(|e| self.sqlite(e))?;
        transaction.commit().map_err(|e| self.sqlite(e))?;
        Ok(token)
    }

    /// Who presented `presented`; `None` when it is not one of our tokens.
    /// Its last use is noted, at most once a minute (a write per request
    /// would cost more than the request).
    pub fn caller(&self, presented: &str) -> Result<Option<Caller>, RunStoreError> {
        let digest = hash(presented);
        let connection = self.lock();
        let found: Option<(String, String, Option<i64>)> = connection
            .query_row(
                "SELECT name, scope, last_used_at FROM api_tokens WHERE hash = ?1",
                params![digest],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()
            .map_err(|e| self.sqlite(e))?;
        let Some((name, scope, last_used)) = found else {
            return Ok(None);
        };
        let now = now_ms();
        if last_used.is_none_or(|at| now - at > 60_000) {
            connection
                .execute(
                    "UPDATE api_tokens SET last_used_at = ?2 WHERE hash = ?1",
                    params![digest, now],
                )
                .map_err(|e| self.sqlite(e))?;
        }
        Ok(Scope::parse(&scope).map(|scope| Caller { name, scope }))
    }

    /// Every token, newest first.
    pub fn tokens(&self) -> Result<Vec<TokenRecord>, RunStoreError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare_cached(
                "SELECT name, scope, created_at, last_used_at FROM api_tokens
                 ORDER BY created_at DESC",
            )
            .map_err(|e| self.sqlite(e))?;
        statement
            .query_map([], |row| {
                Ok(TokenRecord {
                    name: row.get(0)?,
                    scope: Scope::parse(&row.get::<_, String>(1)?).unwrap_or(Scope::Read),
                    created_at: rfc3339(row.get(2)?),
                    last_used_at: row.get::<_, Option<i64>>(3)?.map(rfc3339),
                })
            })
            .and_then(Iterator::collect)
            .map_err(|e| self.sqlite(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_found_by_its_value_and_only_its_hash_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = RunStore::open(&dir.path().join("runs.db"), &dir.path().join("runs")).unwrap();
        let token = store.create_token("ci", Scope::Write).unwrap();
        assert!(token.starts_with("kiln_") && token.len() == 5 + 64);
        let caller = store.caller(&token).unwrap().unwrap();
        assert_eq!(caller.scope, Scope::Write);
        assert_eq!(store.caller("kiln_nope").unwrap(), None);
        let database = std::fs::read(dir.path().join("runs.db")).unwrap();
        let wal = std::fs::read(dir.path().join("runs.db-wal")).unwrap_or_default();
        for bytes in [database, wal] {
            assert!(!bytes.windows(token.len()).any(|w| w == token.as_bytes()));
        }
    }
}
