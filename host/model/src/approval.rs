//! Approvals: an action (`uses: approval`) that holds its stage until a
//! person approves or rejects it, or its time runs out.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What an approval action asks, from its `with:`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalSpec {
    /// How long to wait for a decision before the action fails.
    #[serde(with = "humantime_serde_compat")]
    pub timeout: Duration,
    /// Who may decide; empty: anyone who can reach the run.
    pub approvers: Vec<String>,
}

impl ApprovalSpec {
    /// Whether `who` may decide.
    pub fn allows(&self, who: &str) -> bool {
        self.approvers.is_empty() || self.approvers.iter().any(|a| a == who)
    }
}

/// A person's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalDecision {
    pub approved: bool,
    /// Who decided (a user name, or an API token's name).
    pub by: String,
    pub comment: Option<String>,
}

/// An approval as the history keeps it (`kiln show`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRecord {
    pub approvers: Vec<String>,
    pub requested_at: String,
    /// When the action fails without a decision.
    pub deadline: String,
    /// `approved` or `rejected`; none while it waits (or when it timed out).
    pub decision: Option<String>,
    pub decided_by: Option<String>,
    pub comment: Option<String>,
    pub decided_at: Option<String>,
}

/// Durations as whole milliseconds in JSON: plain data for any reader.
mod humantime_serde_compat {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(duration.as_millis() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        u64::deserialize(deserializer).map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_list_lets_anyone_decide_and_a_list_only_its_names() {
        let anyone = ApprovalSpec {
            timeout: Duration::from_secs(60),
            approvers: vec![],
        };
        assert!(anyone.allows("mallory"));
        let listed = ApprovalSpec {
            approvers: vec!["alice".into()],
            ..anyone
        };
        assert!(listed.allows("alice"));
        assert!(!listed.allows("mallory"));
    }
}
