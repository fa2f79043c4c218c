//! Text that came from a registry, before kiln prints it.

/// Text from a registry made safe to print: control characters (terminal
/// escapes) replaced, at most 200 characters.
pub fn printable(text: &str) -> String {
    let mut shown: String = text
        .chars()
        .take(200)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if text.chars().count() > 200 {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_defused_and_long_text_is_cut() {
        assert_eq!(printable("a\u{1b}[31mred\n"), "a?[31mred?");
        assert!(printable(&"x".repeat(500)).ends_with('…'));
    }
}
