//! Plain text: what is left of a plugin's bytes once every terminal control
//! is taken out.
//!
//! Every text that comes from a plugin (its log lines and output, the
//! output of programs it runs, its summary, errors, test reports,
//! `describe()`) is made plain before it is masked, stored or shown. Two
//! reasons, one root:
//!
//! - **Masking works on what a reader sees.** A secret with an escape
//!   sequence between each of its characters does not match the masker,
//!   yet shows as the secret once a terminal (or `anstream`) drops the
//!   escapes. Stripping first means the masker and the reader see the same
//!   characters.
//! - **Plugin text must not drive a terminal.** Escapes can move the
//!   cursor, rewrite kiln's own `Passed` lines, retitle the window or type
//!   into the terminal; bidirectional overrides can make a line read as
//!   something else.
//!
//! Removed: ESC sequences (CSI, OSC, DCS, SOS, PM, APC and two-character
//! escapes), C0 controls other than tab and newline, DEL, C1 controls
//! (U+0080 to U+009F), and the bidirectional embedding, override and
//! isolate characters (U+202A to U+202E, U+2066 to U+2069). Invalid UTF-8
//! is left for the caller to replace, except a character broken off by a
//! control, which becomes U+FFFD here: nothing after a removed control can
//! complete it into a character (a control among them) that was never in
//! the text. A sequence that never ends is cut at a newline or after
//! [`MAX_SEQUENCE_BYTES`], so it cannot swallow the rest of a log.

use std::borrow::Cow;

/// The longest control sequence swallowed; past it the bytes are text
/// again.
pub const MAX_SEQUENCE_BYTES: usize = 4096;

const ESC: u8 = 0x1b;

/// Where the cleaner is in the byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    #[default]
    Text,
    /// After ESC.
    Escape,
    /// After ESC and intermediate bytes (0x20 to 0x2F).
    EscapeIntermediate,
    /// In a CSI sequence (ESC `[` or U+009B), until its final byte.
    Csi,
    /// In a string sequence (OSC, DCS, SOS, PM, APC), until BEL or ST.
    Str,
    /// ESC inside a string sequence: `\` ends it.
    StrEscape,
    /// The first bytes of a UTF-8 character that may be a control.
    Lead,
}

/// A byte-stream cleaner that keeps its state across chunks, so a control
/// sequence split over two writes is removed like a whole one.
#[derive(Debug, Default, Clone)]
pub struct Cleaner {
    state: State,
    /// Bytes swallowed by the current sequence.
    swallowed: usize,
    /// A held UTF-8 lead (and continuation) byte.
    lead: Vec<u8>,
}

impl Cleaner {
    /// Feed `bytes`, appending the plain bytes to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        for &byte in bytes {
            self.byte(byte, out);
        }
    }

    /// End of the stream: a held partial character is passed on as it is
    /// (it will become U+FFFD), an unfinished sequence dropped.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        out.append(&mut self.lead);
        *self = Self::default();
    }

    fn byte(&mut self, byte: u8, out: &mut Vec<u8>) {
        match self.state {
            State::Text => self.text(byte, out),
            State::Lead => self.lead_byte(byte, out),
            State::Escape => match byte {
                b'[' => self.enter(State::Csi),
                b']' | b'P' | b'X' | b'^' | b'_' => self.enter(State::Str),
                0x20..=0x2f => self.enter(State::EscapeIntermediate),
                ESC => self.enter(State::Escape),
                0x30..=0x7e => self.state = State::Text,
                _ => {
                    self.state = State::Text;
                    self.text(byte, out);
                }
            },
            State::EscapeIntermediate => match byte {
                0x20..=0x2f => self.swallow(byte, out),
                0x30..=0x7e => self.state = State::Text,
                _ => {
                    self.state = State::Text;
                    self.text(byte, out);
                }
            },
            State::Csi => match byte {
                0x40..=0x7e => self.state = State::Text,
                ESC => self.enter(State::Escape),
                b'\n' => {
                    self.state = State::Text;
                    out.push(byte);
                }
                _ => self.swallow(byte, out),
            },
            State::Str => match byte {
                0x07 => self.state = State::Text,
                ESC => self.state = State::StrEscape,
                b'\n' => {
                    self.state = State::Text;
                    out.push(byte);
                }
                _ => self.swallow(byte, out),
            },
            State::StrEscape => match byte {
                b'\\' => self.state = State::Text,
                _ => {
                    self.state = State::Str;
                    self.byte(byte, out);
                }
            },
        }
    }

    fn text(&mut self, byte: u8, out: &mut Vec<u8>) {
        match byte {
            b'\t' | b'\n' => out.push(byte),
            ESC => self.enter(State::Escape),
            0x00..=0x1f | 0x7f => {}
            // C1 controls (U+0080 to U+009F) start with 0xC2; bidi controls
            // with 0xE2: hold the byte until the character is known.
            0xc2 | 0xe2 => {
                self.lead.push(byte);
                self.state = State::Lead;
            }
            _ => out.push(byte),
        }
    }

    fn lead_byte(&mut self, byte: u8, out: &mut Vec<u8>) {
        self.lead.push(byte);
        match self.lead[..] {
            // C1: the CSI and string introducers start sequences; the
            // rest are dropped.
            [0xc2, 0x9b] => self.enter_after_lead(State::Csi),
            [0xc2, 0x90 | 0x98 | 0x9d | 0x9e | 0x9f] => self.enter_after_lead(State::Str),
            [0xc2, 0x80..=0x9f] => self.enter_after_lead(State::Text),
            [0xe2, 0x80] | [0xe2, 0x81] => {} // wait for the third byte
            [0xe2, 0x80, 0xaa..=0xae] | [0xe2, 0x81, 0xa6..=0xa9] => {
                self.enter_after_lead(State::Text)
            }
            _ => {
                // Not a control. The last byte may start something else,
                // so it is looked at again; the held bytes before it are
                // text if it continues their character. If it does not,
                // they are a broken character: it is replaced now, as the
                // caller would replace it, because passed on as it is, the
                // bytes that follow a control removed next could complete
                // it into a control (`E2`, then `E2 80 AE` removed, then
                // `81 A9` would make U+2069).
                let last = self.lead.pop().expect("a byte was just pushed");
                if is_continuation(last) {
                    out.append(&mut self.lead);
                } else {
                    self.lead.clear();
                    out.extend_from_slice(REPLACEMENT_CHARACTER);
                }
                self.state = State::Text;
                self.text(last, out);
            }
        }
    }

    fn enter_after_lead(&mut self, state: State) {
        self.lead.clear();
        self.enter(state);
    }

    fn enter(&mut self, state: State) {
        self.state = state;
        self.swallowed = 0;
    }

    /// One more byte of a sequence; an endless sequence stops being one.
    fn swallow(&mut self, byte: u8, out: &mut Vec<u8>) {
        self.swallowed += 1;
        if self.swallowed > MAX_SEQUENCE_BYTES {
            self.state = State::Text;
            self.text(byte, out);
        }
    }
}

/// U+FFFD in UTF-8: what a broken character becomes.
const REPLACEMENT_CHARACTER: &[u8] = "\u{fffd}".as_bytes();

/// Whether `byte` continues a UTF-8 character rather than starting one.
fn is_continuation(byte: u8) -> bool {
    byte & 0b1100_0000 == 0b1000_0000
}

/// `bytes` made plain, in one piece.
pub fn clean_bytes(bytes: &[u8]) -> Cow<'_, [u8]> {
    if !bytes.iter().any(|&b| needs_cleaning(b)) {
        return Cow::Borrowed(bytes);
    }
    let mut cleaner = Cleaner::default();
    let mut out = Vec::with_capacity(bytes.len());
    cleaner.feed(bytes, &mut out);
    cleaner.finish(&mut out);
    Cow::Owned(out)
}

/// `text` made plain; borrowed when it already was.
pub fn clean(text: &str) -> Cow<'_, str> {
    match clean_bytes(text.as_bytes()) {
        Cow::Borrowed(_) => Cow::Borrowed(text),
        // Only whole characters were removed: still UTF-8.
        Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
    }
}

/// `text` made plain and on one line (newlines and tabs become spaces):
/// for summaries and names printed inside kiln's own status lines.
pub fn one_line(text: &str) -> String {
    clean(text)
        .chars()
        .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
        .collect()
}

/// Whether a byte may start something [`Cleaner`] removes.
fn needs_cleaning(byte: u8) -> bool {
    matches!(byte, 0x00..=0x08 | 0x0b..=0x1f | 0x7f | 0xc2 | 0xe2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(bytes: &[u8]) -> String {
        String::from_utf8(clean_bytes(bytes).into_owned()).unwrap()
    }

    #[test]
    fn escape_sequences_are_removed_whole() {
        assert_eq!(plain(b"\x1b[31mred\x1b[0m text"), "red text");
        assert_eq!(plain(b"a\x1b]0;new title\x07b"), "ab");
        assert_eq!(
            plain(b"a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b"),
            "alinkb"
        );
        assert_eq!(plain(b"a\x1bPqdata\x1b\\b"), "ab");
        assert_eq!(plain(b"a\x1b(Bb\x1b7c"), "abc");
        assert_eq!(
            plain(b"\x1b[2K\r      Passed forged"),
            "      Passed forged"
        );
    }

    #[test]
    fn a_secret_with_escapes_between_its_characters_becomes_the_secret() {
        let hidden = b"s\x1b[0me\x1b[0mc\x1b[0mr\x1b[0me\x1b[0mt";
        assert_eq!(plain(hidden), "secret");
        // Split across chunks, the same.
        let mut cleaner = Cleaner::default();
        let mut out = Vec::new();
        for chunk in hidden.chunks(3) {
            cleaner.feed(chunk, &mut out);
        }
        cleaner.finish(&mut out);
        assert_eq!(out, b"secret");
    }

    #[test]
    fn controls_go_and_text_stays() {
        assert_eq!(plain(b"tab\tand\nnewline"), "tab\tand\nnewline");
        assert_eq!(plain(b"bell\x07 back\x08 del\x7f cr\r"), "bell back del cr");
        assert_eq!(
            plain("c1 \u{9b}31m csi \u{85}nel".as_bytes()),
            "c1  csi nel"
        );
        assert_eq!(plain("\u{202e}evil\u{2066}x\u{2069}".as_bytes()), "evilx");
        // Characters sharing the lead bytes are kept.
        assert_eq!(plain("é ½ – € ’ ©".as_bytes()), "é ½ – € ’ ©");
        assert_eq!(clean("plain"), Cow::Borrowed("plain"));
    }

    #[test]
    fn bytes_around_a_removed_control_never_make_a_control() {
        // Found by fuzzing (the `plain_text` target): a lead byte left
        // alone, then a removed control, then the rest of a character.
        let cases: [(&[u8], &str); 4] = [
            // E2, then U+202E removed, then 81 A9: U+2069 once joined.
            (b"\xe2\xe2\x80\xae\x81\xa9", "\u{fffd}\u{fffd}\u{fffd}"),
            // E2 80, then an escape, then AE: U+202E once joined.
            (b"\xe2\x80\x1b[0m\xae", "\u{fffd}\u{fffd}"),
            // C2, then a CSI removed, then 85: U+0085 (NEL) once joined.
            (b"\xc2\xc2\x9bm\x85", "\u{fffd}\u{fffd}"),
            (b"x\xc2\x07\x9b", "x\u{fffd}\u{fffd}"),
        ];
        for (bytes, expected) in cases {
            let plain = String::from_utf8_lossy(&clean_bytes(bytes)).into_owned();
            assert_eq!(plain, expected, "{bytes:x?}");
        }
        // Whole characters that share those lead bytes are untouched.
        assert_eq!(plain("a\u{2013}\x1b[0mb ½".as_bytes()), "a\u{2013}b ½");
    }

    #[test]
    fn an_endless_sequence_swallows_a_bounded_amount() {
        let mut text = b"\x1b]".to_vec();
        text.extend(vec![b'x'; MAX_SEQUENCE_BYTES + 10]);
        assert_eq!(plain(&text).len(), 10);
        assert_eq!(plain(b"\x1b[1;2;3\nnext"), "\nnext");
    }

    #[test]
    fn one_line_flattens() {
        assert_eq!(one_line("a\nb\tc\x1b[1m"), "a b c");
    }
}
