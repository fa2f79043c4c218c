//! The JSON Schema of `kiln.yaml`, for editors (`kiln schema`, and the
//! published `kiln.schema.json` at the repository root).

use super::file::PipelineFile;

/// The schema as pretty-printed JSON.
pub fn pipeline_schema_json() -> String {
    let schema = schemars::schema_for!(PipelineFile);
    serde_json::to_string_pretty(&schema).expect("a schema always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_every_action_field() {
        let schema = pipeline_schema_json();
        for field in [
            "uses", "with", "inputs", "outputs", "needs", "if", "timeout", "retries", "grants",
        ] {
            assert!(schema.contains(&format!("\"{field}\"")), "{field} missing");
        }
    }

    /// The committed schema file must match the code, or editors validate
    /// against a stale contract.
    #[test]
    fn published_schema_is_current() {
        let published = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../kiln.schema.json"
        ))
        .expect("kiln.schema.json at the repository root (run `kiln schema > kiln.schema.json`)");
        assert_eq!(published.trim(), pipeline_schema_json().trim());
    }
}
