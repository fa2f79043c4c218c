//! Plugin text: the bytes of a plugin's output made plain, and masked.
//!
//! Here "no panic" is not enough: the point of both is what comes out. A
//! plain text holds no terminal control; a masked stream shows no secret,
//! however the plugin splits, disguises or pads it.

use kiln_model::mask::{MIN_MASKED_CHARS, Masker, StreamMasker};
use kiln_model::plain_text::{Cleaner, clean, clean_bytes, one_line};

use crate::input::Input;

/// Output bytes made plain, whole, in two chunks, and as text: nothing a
/// terminal would act on is left (once invalid UTF-8 is replaced, as every
/// caller does), and the chunked cleaner agrees with the whole one.
pub fn plain_text(data: &[u8]) {
    let mut input = Input::new(data);
    let cut_at = input.byte();
    let bytes = input.rest();

    let whole = clean_bytes(bytes);
    assert_plain(&String::from_utf8_lossy(&whole), "clean_bytes");

    let cut = usize::from(cut_at) * bytes.len() / 255;
    let mut cleaner = Cleaner::default();
    let mut chunked = Vec::new();
    cleaner.feed(&bytes[..cut], &mut chunked);
    cleaner.feed(&bytes[cut..], &mut chunked);
    cleaner.finish(&mut chunked);
    assert_eq!(
        chunked, *whole,
        "cut at {cut}, the cleaner answers otherwise"
    );

    let text = String::from_utf8_lossy(bytes);
    assert_plain(&clean(&text), "clean");
    let line = one_line(&text);
    assert_plain(&line, "one_line");
    assert!(!line.contains(['\n', '\t']), "one_line kept a line break");
}

/// Panic if `text` holds a character the plain-text rules remove.
fn assert_plain(text: &str, what: &str) {
    if let Some(control) = text.chars().find(|&c| is_removed(c)) {
        panic!("{what} left {control:?} in {text:?}");
    }
}

/// What `kiln_model::plain_text` promises to remove: controls other than
/// tab and newline (C0, DEL, C1) and the bidirectional embedding, override
/// and isolate characters.
fn is_removed(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Secrets and a plugin's output holding the first of them, perhaps with
/// terminal controls between its characters, fed to the stream masker in
/// small uneven chunks with a small line limit. No output line shows a
/// secret; when the output is one line cut into pieces, the pieces joined
/// do not either; nor does the line masker's answer for the whole text.
pub fn masker(data: &[u8]) {
    let mut input = Input::new(data);
    let flags = input.byte();
    let max_line_bytes = 1 + usize::from(input.byte());
    let secret_count = 1 + usize::from(flags % 3);
    let secrets: Vec<String> = (0..secret_count)
        .filter_map(|_| {
            let len = usize::from(input.byte() % 40);
            maskable_secret(input.bytes(len))
        })
        .collect();
    let Some(first) = secrets.first() else {
        return;
    };
    let placement = input.byte();
    let disguise = DISGUISES[usize::from(input.byte()) % DISGUISES.len()];
    let chunk_sizes = [input.byte(), input.byte()].map(|b| 1 + usize::from(b % 48));
    let one_line = flags & 0x80 != 0;
    let mut around = input.rest().to_vec();
    if one_line {
        around.retain(|&byte| byte != b'\n');
    }
    let stream = with_secret(&around, placement, first, disguise);

    let (masker, warnings) = Masker::new(&secrets);
    assert!(
        warnings.is_empty(),
        "maskable secrets refused: {warnings:?}"
    );
    let lines = stream_through(&masker, max_line_bytes, &stream, chunk_sizes);
    let stream_text = String::from_utf8_lossy(&stream);
    let whole_text = masker.mask(&stream_text);
    for secret in &secrets {
        let shown = secret.trim();
        if let Some(line) = lines.iter().find(|line| line.contains(shown)) {
            panic!("secret {shown:?} shown in {line:?}");
        }
        if one_line {
            let joined = lines.concat();
            assert!(
                !joined.contains(shown),
                "secret {shown:?} shown across cuts: {lines:?}"
            );
        }
        assert!(
            !whole_text.contains(shown),
            "secret {shown:?} shown by mask(): {whole_text:?}"
        );
    }
}

/// What can stand between the characters of a secret and vanish once the
/// text is made plain: nothing, an SGR escape, BEL, a bidi override, an
/// OSC title, a carriage return, a C1 control.
const DISGUISES: [&str; 7] = [
    "",
    "\x1b[0m",
    "\x07",
    "\u{202e}",
    "\x1b]0;x\x07",
    "\r",
    "\u{85}",
];

/// A secret the masker takes and the check can look for: text with at
/// least [`MIN_MASKED_CHARS`] characters besides surrounding whitespace,
/// none of which plain text removes, and no `*` (a mask next to text could
/// spell a secret holding one) or U+FFFD (invalid output bytes become it
/// after masking).
fn maskable_secret(bytes: &[u8]) -> Option<String> {
    let secret: String = String::from_utf8_lossy(bytes)
        .chars()
        .filter(|&c| !is_removed(c) && c != '*' && c != '\u{fffd}')
        .collect();
    (secret.trim().chars().count() >= MIN_MASKED_CHARS).then_some(secret)
}

/// `around` with `secret` inserted at a byte offset chosen by `placement`,
/// `disguise` between its characters.
fn with_secret(around: &[u8], placement: u8, secret: &str, disguise: &str) -> Vec<u8> {
    let at = usize::from(placement) * around.len() / 255;
    let mut disguised = String::new();
    for (index, c) in secret.chars().enumerate() {
        if index > 0 {
            disguised.push_str(disguise);
        }
        disguised.push(c);
    }
    [&around[..at], disguised.as_bytes(), &around[at..]].concat()
}

/// Every line the stream masker emits for `stream` pushed in chunks of the
/// given sizes, in turn.
fn stream_through(
    masker: &Masker,
    max_line_bytes: usize,
    stream: &[u8],
    chunk_sizes: [usize; 2],
) -> Vec<String> {
    let mut masked = StreamMasker::new(masker.clone()).with_max_line_bytes(max_line_bytes);
    let mut lines = Vec::new();
    let mut rest = stream;
    for size in chunk_sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, after) = rest.split_at((*size).min(rest.len()));
        lines.extend(masked.push(chunk));
        rest = after;
    }
    lines.extend(masked.finish());
    lines
}
