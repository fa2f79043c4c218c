//! PLACEHOLDER until the exec capability lands (being written now): the
//! grant types only, so the rest of the host compiles.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecGrant {
    pub program: String,
    pub args: Option<Vec<ArgPattern>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgPattern(String);

impl ArgPattern {
    pub fn parse(text: &str) -> Result<Self, String> {
        Ok(Self(text.to_owned()))
    }
}
