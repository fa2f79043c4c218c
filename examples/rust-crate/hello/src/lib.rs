//! A small crate for the example pipeline to build and test.

/// The greeting for `name`.
pub fn greet(name: &str) -> String {
    format!("hello, {name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greets_by_name() {
        assert_eq!(greet("kiln"), "hello, kiln");
    }

    #[test]
    fn greets_the_empty_name() {
        assert_eq!(greet(""), "hello, ");
    }
}
