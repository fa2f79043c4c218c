//! The secrets grant: `secrets: [names]`.

use kiln_model::grants::Grants;
use kiln_model::names::is_plain_name;
use kiln_model::plugin::GrantRequest;
use kiln_pipeline::file::GrantsFile;

use crate::capabilities::grant::{Capability, GrantSite, Missing, Report};

/// Secrets by name.
pub struct SecretNames;

impl Capability for SecretNames {
    fn read(
        &self,
        grants: Option<&GrantsFile>,
        site: &GrantSite<'_>,
        into: &mut Grants,
        report: &mut Report<'_>,
    ) {
        let Some(grants) = grants else { return };
        for name in &grants.secrets {
            if !is_plain_name(name) {
                report(
                    name.at,
                    (site.field)("grants.secrets"),
                    format!(
                        "`{}` is not a secret name (letters, digits, `-`, `_`, `.`)",
                        name.value
                    ),
                );
            }
            into.secrets.push(name.value.clone());
        }
    }

    fn missing(&self, request: &GrantRequest, grants: &Grants) -> Option<Missing> {
        match request {
            GrantRequest::Secret(name) if !grants.secrets.contains(name) => Some(Missing {
                field: "grants.secrets".into(),
                grant: format!("`secrets: [{name}]` grant"),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::grant::none;

    #[test]
    fn names_are_read_and_requests_checked() {
        let file: GrantsFile = serde_saphyr::from_str("secrets: [TOKEN, \"a/b\"]\n").unwrap();
        let mut grants = none(std::path::Path::new("/w"));
        let mut problems = Vec::new();
        let site = GrantSite {
            field: &|name: &str| name.to_owned(),
            workspace: std::path::Path::new("/w"),
            home: None,
        };
        SecretNames.read(Some(&file), &site, &mut grants, &mut |_, _, message| {
            problems.push(message)
        });
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            SecretNames
                .missing(&GrantRequest::Secret("TOKEN".into()), &grants)
                .is_none()
        );
        let missing = SecretNames
            .missing(&GrantRequest::Secret("OTHER".into()), &grants)
            .unwrap();
        assert_eq!(missing.grant, "`secrets: [OTHER]` grant");
    }
}
