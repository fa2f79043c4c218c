//! The network grant: `network: [origins]`.

use kiln_model::grants::{Grants, Origin};
use kiln_model::plugin::GrantRequest;
use kiln_pipeline::file::GrantsFile;

use crate::capabilities::grant::{Capability, GrantSite, Missing, Report};

/// HTTP to granted origins.
pub struct Network;

impl Capability for Network {
    fn read(
        &self,
        grants: Option<&GrantsFile>,
        site: &GrantSite<'_>,
        into: &mut Grants,
        report: &mut Report<'_>,
    ) {
        let Some(grants) = grants else { return };
        for (i, origin) in grants.network.iter().enumerate() {
            match Origin::parse(origin) {
                Ok(parsed) => into.network.origins.push(parsed),
                Err(error) => report(
                    origin.at,
                    (site.field)(&format!("grants.network[{i}]")),
                    error.to_string(),
                ),
            }
        }
    }

    fn missing(&self, request: &GrantRequest, grants: &Grants) -> Option<Missing> {
        (matches!(request, GrantRequest::Network) && grants.network.origins.is_empty()).then(|| {
            Missing {
                field: "grants.network".into(),
                grant: "`network` grant (a list of origins)".into(),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::grant::none;

    #[test]
    fn origins_parse_and_bad_ones_are_named_by_index() {
        let file: GrantsFile =
            serde_saphyr::from_str("network: [\"https://api.example.com\", \"ftp://x\"]\n")
                .unwrap();
        let mut grants = none(std::path::Path::new("/w"));
        let mut problems = Vec::new();
        let site = GrantSite {
            field: &|name: &str| name.to_owned(),
            workspace: std::path::Path::new("/w"),
            home: None,
        };
        Network.read(Some(&file), &site, &mut grants, &mut |_, field, message| {
            problems.push(format!("{field}: {message}"))
        });
        assert_eq!(grants.network.origins.len(), 1);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with("grants.network[1]: `ftp://x`"),
            "{problems:?}"
        );
        assert!(Network.missing(&GrantRequest::Network, &grants).is_none());
        assert!(
            Network
                .missing(&GrantRequest::Network, &none(std::path::Path::new("/w")))
                .is_some()
        );
    }
}
