//! Replacing secret values in log lines with [`MASK`].
//!
//! A secret rarely leaks verbatim only. Tools print it base64-encoded (HTTP
//! basic auth, Kubernetes manifests, a config dumped as a blob), or
//! URL-encoded in a query string, or one line of a multi-line key. So each
//! value is expanded into the *forms* it is likely to take:
//!
//! - the value itself, and the value without surrounding whitespace (a
//!   value read from a file often ends in a newline the tool never prints);
//! - for a multi-line value, each of its lines, trimmed, of at least
//!   [`MIN_LINE_FORM_CHARS`] characters (shorter ones, such as `}` or
//!   `-----`, would mask unrelated lines);
//! - standard and URL-safe base64, with and without padding;
//! - base64 of the value at each of the three byte alignments, with the
//!   characters that depend on the unknown neighbouring bytes trimmed from
//!   both ends: what remains of the secret when it is *inside* a longer
//!   blob, such as `base64("token=" + secret + "&x=1")`;
//! - percent-encoding of every non-alphanumeric byte, with upper- and
//!   lowercase hex digits, and the form encoding that writes space as `+`.
//!
//! All forms of all values go into one Aho-Corasick automaton searched once
//! per line. Encoders disagree on which punctuation to leave unencoded
//! (Python keeps `/` and `-._~`, JavaScript also keeps `!'()*`), so a line
//! containing `%` or `+` is in addition percent-decoded and searched again,
//! and what matches there is masked in the original line.
//!
//! Limitations: only the encodings above are recognised (not JSON or shell
//! escaping, hex, or base64 wrapped over several lines); a secret split over
//! two *lines* is not reassembled; values shorter than
//! [`MIN_MASKED_CHARS`] are not masked at all; and short values mask more
//! than they should, since the base64 remnant of a 3-byte value is only 3
//! characters long and can turn up inside unrelated base64.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, Input, MatchKind};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

pub mod stream;
pub use stream::StreamMasker;

/// What a secret is replaced with.
pub const MASK: &str = "***";

/// Values with fewer characters than this (not counting surrounding
/// whitespace) are not masked: masking `a` or `on` would garble every line
/// that happens to contain those letters, hiding the log without protecting
/// anything a two-character secret could protect. [`Masker::new`] reports
/// them as [`MaskWarning::TooShort`] so the host can tell the user.
pub const MIN_MASKED_CHARS: usize = 3;

/// Lines of a multi-line value with fewer characters than this (after
/// trimming) are not masked on their own, so that a key's `}` or a PEM
/// file's short last line does not mask every line with a `}` in it.
pub const MIN_LINE_FORM_CHARS: usize = 4;

/// Form encoding (`application/x-www-form-urlencoded` as most encoders
/// write it): every non-alphanumeric byte percent-encoded, except space,
/// which becomes `+` afterwards.
const FORM_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC.remove(b' ');

/// Why a value given to [`Masker::new`] will not be masked. The value is
/// identified by its position in the list, never by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MaskWarning {
    /// The value at `index` has fewer than [`MIN_MASKED_CHARS`] characters
    /// (ignoring surrounding whitespace), so it is left visible in logs.
    TooShort {
        /// Position of the value in the list given to [`Masker::new`].
        index: usize,
    },
}

impl fmt::Display for MaskWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaskWarning::TooShort { index } => write!(
                f,
                "secret #{index} is shorter than {MIN_MASKED_CHARS} characters \
                 and will not be masked in logs"
            ),
        }
    }
}

/// Replaces every form of every secret value in a line with [`MASK`].
///
/// Cheap to clone (the automaton is shared), so stdout and stderr can each
/// have one. A masker built from no maskable values does no work at all.
#[derive(Clone, Default)]
pub struct Masker {
    /// `None` when there is nothing to mask.
    searcher: Option<Arc<Searcher>>,
}

/// The automaton over all forms, and what [`StreamMasker`] needs to
/// know about them.
struct Searcher {
    automaton: AhoCorasick,
    form_count: usize,
    longest_form_bytes: usize,
}

impl Masker {
    /// A masker for `values`, and a warning for each value too short to be
    /// masked (see [`MIN_MASKED_CHARS`]).
    ///
    /// # Panics
    ///
    /// Only if the forms exceed the automaton's size limits, which takes
    /// values adding up to hundreds of megabytes.
    pub fn new<I>(values: I) -> (Self, Vec<MaskWarning>)
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut forms = BTreeSet::new();
        let mut warnings = Vec::new();
        for (index, value) in values.into_iter().enumerate() {
            let value = value.as_ref();
            if value.trim().chars().count() < MIN_MASKED_CHARS {
                warnings.push(MaskWarning::TooShort { index });
                continue;
            }
            add_forms(value, &mut forms);
            // Text is made plain before it is masked (see
            // `crate::plain_text`): a value holding control characters is
            // looked for as it reads once they are gone, too.
            let plain = crate::plain_text::clean(value);
            if plain != value {
                add_forms(&plain, &mut forms);
            }
        }
        if forms.is_empty() {
            return (Self::default(), warnings);
        }
        let longest_form_bytes = forms.iter().map(String::len).max().unwrap_or(0);
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&forms)
            .expect("secret forms fit the automaton's limits");
        let searcher = Searcher {
            automaton,
            form_count: forms.len(),
            longest_form_bytes,
        };
        (
            Self {
                searcher: Some(Arc::new(searcher)),
            },
            warnings,
        )
    }

    /// Whether this masker masks nothing, so callers can skip work.
    pub fn is_empty(&self) -> bool {
        self.searcher.is_none()
    }

    /// `line` made plain (every terminal control removed, see
    /// [`crate::plain_text`]) and with every form of every secret replaced
    /// by [`MASK`]; borrowed unchanged when there was nothing to do.
    ///
    /// Plain first: a secret with escape sequences between its characters
    /// reads as the secret on a terminal, so it must be masked as one.
    pub fn mask<'a>(&self, line: &'a str) -> Cow<'a, str> {
        let plain = crate::plain_text::clean(line);
        if self.searcher.is_none() {
            return plain;
        }
        let spans = self.find_spans(plain.as_bytes());
        if spans.is_empty() {
            return plain;
        }
        Cow::Owned(into_text(apply_spans(plain.as_bytes(), &spans)))
    }

    /// Mask raw output bytes, which may not be UTF-8, into plain text.
    /// Matching is done on the bytes so invalid bytes next to a secret
    /// cannot hide it; they become U+FFFD afterwards.
    pub(crate) fn mask_bytes(&self, bytes: &[u8]) -> String {
        let plain = crate::plain_text::clean_bytes(bytes);
        into_text(apply_spans(&plain, &self.find_spans(&plain)))
    }

    /// The length in bytes of the longest form: a secret arriving in pieces
    /// is complete once this many bytes (three times as many if
    /// percent-encoded piecemeal) follow its start.
    pub(crate) fn longest_form_bytes(&self) -> usize {
        self.searcher
            .as_ref()
            .map_or(0, |searcher| searcher.longest_form_bytes)
    }

    /// The byte ranges of `haystack` to mask: sorted, disjoint and
    /// non-adjacent, covering every occurrence of every form, including
    /// occurrences that overlap each other and forms found only after
    /// percent-decoding.
    pub(crate) fn find_spans(&self, haystack: &[u8]) -> Vec<Range<usize>> {
        let Some(searcher) = &self.searcher else {
            return Vec::new();
        };
        let mut spans = searcher.occurrences(haystack);
        for (plus_as_space, trigger) in [(false, b'%'), (true, b'+')] {
            if !haystack.contains(&trigger) {
                continue;
            }
            let decoded = PercentDecoded::new(haystack, plus_as_space);
            spans.extend(
                searcher
                    .occurrences(&decoded.bytes)
                    .into_iter()
                    .map(|range| decoded.original_range(range)),
            );
        }
        merge_spans(spans)
    }
}

impl fmt::Debug for Masker {
    /// Shows how many forms are searched, never the forms: they are the
    /// secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let forms = self
            .searcher
            .as_ref()
            .map_or(0, |searcher| searcher.form_count);
        f.debug_struct("Masker").field("forms", &forms).finish()
    }
}

impl Searcher {
    /// The ranges of all occurrences of all forms, overlapping ones
    /// included.
    ///
    /// A leftmost-longest search reports non-overlapping matches, so with
    /// secrets `abcdef` and `defghi` in `abcdefghi` it would find `abcdef`
    /// and leave `ghi` visible. Restarting one byte after each match's start
    /// instead of at its end finds every occurrence: each occurrence starts
    /// where some reported match starts, and that match is at least as long.
    fn occurrences(&self, haystack: &[u8]) -> Vec<Range<usize>> {
        let mut found = Vec::new();
        let mut from = 0;
        while from < haystack.len() {
            let input = Input::new(haystack).span(from..haystack.len());
            let Some(occurrence) = self.automaton.find(input) else {
                break;
            };
            found.push(occurrence.range());
            from = occurrence.start() + 1;
        }
        found
    }
}

/// A percent-decoded copy of a line, remembering where each decoded byte
/// came from so matches can be masked in the original.
struct PercentDecoded {
    /// The decoded line, not necessarily UTF-8.
    bytes: Vec<u8>,
    /// For each decoded byte, the offset in the original of the `%XX`
    /// escape or plain byte it came from. These units tile the original.
    origins: Vec<usize>,
    /// The length of the original, where the last unit ends.
    original_len: usize,
}

impl PercentDecoded {
    /// Decode every valid `%XX` escape (any hex case) and, if
    /// `plus_as_space`, every `+` to a space; everything else is kept.
    fn new(original: &[u8], plus_as_space: bool) -> Self {
        let mut bytes = Vec::with_capacity(original.len());
        let mut origins = Vec::with_capacity(original.len());
        let mut at = 0;
        while at < original.len() {
            origins.push(at);
            let escaped = match original[at..] {
                [b'%', high, low, ..] => hex_value(high).zip(hex_value(low)),
                _ => None,
            };
            if let Some((high, low)) = escaped {
                bytes.push(high << 4 | low);
                at += 3;
            } else {
                let byte = original[at];
                bytes.push(if plus_as_space && byte == b'+' {
                    b' '
                } else {
                    byte
                });
                at += 1;
            }
        }
        Self {
            bytes,
            origins,
            original_len: original.len(),
        }
    }

    /// The range of the original that `decoded` was decoded from.
    fn original_range(&self, decoded: Range<usize>) -> Range<usize> {
        let end = self
            .origins
            .get(decoded.end)
            .copied()
            .unwrap_or(self.original_len);
        self.origins[decoded.start]..end
    }
}

/// The value of one hex digit, either case.
fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit).to_digit(16).map(|value| value as u8)
}

/// Sort `spans` and join those that overlap or touch.
fn merge_spans(mut spans: Vec<Range<usize>>) -> Vec<Range<usize>> {
    spans.sort_unstable_by_key(|span| span.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    merged
}

/// `bytes` with each of the sorted, disjoint `spans` replaced by [`MASK`].
pub(crate) fn apply_spans(bytes: &[u8], spans: &[Range<usize>]) -> Vec<u8> {
    let mut masked = Vec::with_capacity(bytes.len());
    let mut copied_to = 0;
    for span in spans {
        masked.extend_from_slice(&bytes[copied_to..span.start]);
        masked.extend_from_slice(MASK.as_bytes());
        copied_to = span.end;
    }
    masked.extend_from_slice(&bytes[copied_to..]);
    masked
}

/// Masked bytes as text. Valid UTF-8 stays as it is; anything else (a
/// plugin's binary output) is converted lossily.
pub(crate) fn into_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

/// Add every form of `value` (see the module documentation) to `forms`.
fn add_forms(value: &str, forms: &mut BTreeSet<String>) {
    let trimmed = value.trim();
    let texts: &[&str] = if trimmed == value {
        &[value]
    } else {
        &[value, trimmed]
    };
    for text in texts {
        forms.insert((*text).to_owned());
        add_base64_forms(text.as_bytes(), forms);
        add_url_forms(text, forms);
    }
    if value.contains('\n') {
        for line in value.lines().map(str::trim) {
            if line.chars().count() >= MIN_LINE_FORM_CHARS {
                forms.insert(line.to_owned());
            }
        }
    }
}

/// Standard and URL-safe base64 of `value`, padded and not, and the part
/// of its encoding that is the same wherever the value sits in a longer
/// encoded blob.
fn add_base64_forms(value: &[u8], forms: &mut BTreeSet<String>) {
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        forms.insert(engine.encode(value));
    }
    for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
        for preceding_bytes in 0..3 {
            let mut shifted = vec![0; preceding_bytes];
            shifted.extend_from_slice(value);
            let encoded = engine.encode(&shifted);
            // Each character carries 6 bits. Drop those carrying any bit of
            // the (unknown) preceding bytes, and the last one when it would
            // carry bits of the (unknown) following byte.
            let first = (8 * preceding_bytes).div_ceil(6);
            let end = 8 * (preceding_bytes + value.len()) / 6;
            if end >= first + MIN_MASKED_CHARS {
                forms.insert(encoded[first..end].to_owned());
            }
        }
    }
}

/// `value` percent-encoded (every non-alphanumeric byte) with upper- and
/// lowercase hex digits, and form-encoded with space as `+`.
fn add_url_forms(value: &str, forms: &mut BTreeSet<String>) {
    let percent = utf8_percent_encode(value, NON_ALPHANUMERIC).to_string();
    let form = utf8_percent_encode(value, FORM_ENCODE_SET)
        .to_string()
        .replace(' ', "+");
    for encoded in [percent, form] {
        forms.insert(lowercase_hex_escapes(&encoded));
        forms.insert(encoded);
    }
}

/// `%2F` → `%2f` in an encoded string, leaving other characters alone.
fn lowercase_hex_escapes(encoded: &str) -> String {
    let mut digits_left = 0;
    encoded
        .chars()
        .map(|c| {
            if digits_left > 0 {
                digits_left -= 1;
                c.to_ascii_lowercase()
            } else {
                if c == '%' {
                    digits_left = 2;
                }
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::GeneralPurpose;
    use base64::engine::{DecodePaddingMode, GeneralPurposeConfig};

    use super::*;

    fn masker(values: &[&str]) -> Masker {
        let (masker, warnings) = Masker::new(values);
        assert!(warnings.is_empty(), "{warnings:?}");
        masker
    }

    /// Every encoding of `secret` the masker promises to catch, computed
    /// here independently of its implementation.
    fn independent_forms(secret: &str) -> Vec<String> {
        let mut forms = vec![secret.to_owned()];
        for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
            forms.push(engine.encode(secret));
        }
        let percent = |byte: u8, lower: bool, plus: bool| match byte {
            b if b.is_ascii_alphanumeric() => char::from(b).to_string(),
            b' ' if plus => "+".to_owned(),
            b if lower => format!("%{b:02x}"),
            b => format!("%{b:02X}"),
        };
        for (lower, plus) in [(false, false), (true, false), (false, true), (true, true)] {
            forms.push(secret.bytes().map(|b| percent(b, lower, plus)).collect());
        }
        forms
    }

    /// A base64 decoder that takes any tail, so every window of a blob can
    /// be tried.
    fn lenient(alphabet: &base64::alphabet::Alphabet) -> GeneralPurpose {
        GeneralPurpose::new(
            alphabet,
            GeneralPurposeConfig::new()
                .with_decode_allow_trailing_bits(true)
                .with_decode_padding_mode(DecodePaddingMode::Indifferent),
        )
    }

    /// Whether any base64 run in `masked`, decoded from any starting
    /// character, reveals three consecutive bytes of `secret`.
    fn base64_reveals(masked: &str, secret: &str) -> bool {
        let secret = secret.as_bytes();
        let windows: Vec<&[u8]> = secret.windows(3).collect();
        let engines = [
            lenient(&base64::alphabet::STANDARD),
            lenient(&base64::alphabet::URL_SAFE),
        ];
        let runs = masked.split(|c: char| !(c.is_ascii_alphanumeric() || "+/-_".contains(c)));
        for run in runs {
            for start in 0..run.len() {
                let mut chunk = &run[start..];
                if chunk.len() % 4 == 1 {
                    chunk = &chunk[..chunk.len() - 1];
                }
                for engine in &engines {
                    if let Ok(decoded) = engine.decode(chunk)
                        && windows
                            .iter()
                            .any(|window| decoded.windows(3).any(|d| d == *window))
                    {
                        return true;
                    }
                }
            }
        }
        false
    }

    fn assert_no_form(masked: &str, secret: &str) {
        for form in independent_forms(secret) {
            assert!(
                !masked.contains(&form),
                "form {form:?} of the secret left in {masked:?}"
            );
        }
        assert!(
            !base64_reveals(masked, secret),
            "base64 in {masked:?} decodes to part of the secret"
        );
    }

    #[test]
    fn the_raw_value_is_masked_everywhere_in_the_line() {
        let masker = masker(&["hunter2-prod"]);
        assert_eq!(
            masker.mask("pw=hunter2-prod, again hunter2-prod!"),
            "pw=***, again ***!"
        );
    }

    #[test]
    fn every_standalone_form_is_masked_whole() {
        // Lengths 12, 13 and 14 give base64 with no, two and one `=`.
        for secret in ["s3cr3t/v4lue", "s3cr3t?v4lue+", "p@ss w/rd+&=~x"] {
            let masker = masker(&[secret]);
            for form in independent_forms(secret) {
                let line = format!("Authorization: Basic {form} (sent)");
                let masked = masker.mask(&line);
                assert_eq!(masked, "Authorization: Basic *** (sent)", "form {form:?}");
                assert_no_form(&masked, secret);
            }
        }
    }

    #[test]
    fn every_requested_form_is_found_in_the_single_pass() {
        // The decoding pass would catch URL encodings anyway; this checks
        // the canonical ones cost no second pass.
        let secret = "p@ss w/rd+&=";
        let masker = masker(&[secret]);
        let searcher = masker.searcher.as_ref().unwrap();
        for form in independent_forms(secret) {
            let line = format!("[{form}]");
            let found = searcher.occurrences(line.as_bytes());
            assert_eq!(found, vec![1..1 + form.len()], "{form}");
        }
    }

    #[test]
    fn a_secret_inside_a_longer_base64_blob_is_masked_at_every_alignment() {
        let secret = "hunter2-VERY/secret";
        let masker = masker(&[secret]);
        let prefixes = ["", "t", "to", "token=", "token=x", "token=xy", "{\"pw\":\""];
        let suffixes = ["", "&", "&x", "&x=1", "\"}"];
        let engines = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD];
        for prefix in prefixes {
            for suffix in suffixes {
                for engine in &engines {
                    let blob = engine.encode(format!("{prefix}{secret}{suffix}"));
                    let line = format!("data: {blob} end");
                    let masked = masker.mask(&line);
                    assert!(masked.contains(MASK), "{prefix:?} {suffix:?}: {line}");
                    assert_no_form(&masked, secret);
                    // The characters encoding only the prefix survive.
                    let prefix_chars = prefix.len() * 8 / 6;
                    assert!(
                        masked.starts_with(&format!("data: {}", &blob[..prefix_chars])),
                        "{masked}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_url_encoded_secret_with_special_characters_is_masked() {
        let secret = "p@ss w/rd+&=";
        let masker = masker(&[secret]);
        let encodings = [
            "p%40ss%20w%2Frd%2B%26%3D", // every non-alphanumeric byte, uppercase
            "p%40ss%20w%2frd%2b%26%3d", // lowercase hex
            "p%40ss+w%2Frd%2B%26%3D",   // form encoding, space as `+`
            "p%40ss+w%2frd%2b%26%3d",
            "p%40ss%20w/rd%2B%26%3D",   // Python's quote(), which keeps `/`
            "p%40ss%20w%2Frd%2b%26%3D", // mixed case
        ];
        for encoded in encodings {
            let line = format!("GET /login?user=bob&pw={encoded}&next=%2Fhome HTTP/1.1");
            let masked = masker.mask(&line);
            assert_eq!(
                masked, "GET /login?user=bob&pw=***&next=%2Fhome HTTP/1.1",
                "{encoded}"
            );
            assert_no_form(&masked, secret);
        }
    }

    #[test]
    fn encoders_that_keep_some_punctuation_are_caught_by_decoding() {
        let secret = "my-p@ss_w.rd!~(1)*";
        let masker = masker(&[secret]);
        // JavaScript's encodeURIComponent keeps `-_.!~*'()`.
        let line = "curl -d 'pw=my-p%40ss_w.rd!~(1)*' https://example.test";
        assert_eq!(masker.mask(line), "curl -d 'pw=***' https://example.test");
        // Base64 in a query string, its `+`, `/` and `=` escaped.
        let blob = STANDARD.encode("x>>?".to_owned() + secret);
        let escaped = blob
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D");
        let masked = masker.mask(&format!("?blob={escaped}")).into_owned();
        assert!(
            masked.contains(MASK) && !base64_reveals(&masked, secret),
            "{masked}"
        );
    }

    #[test]
    fn a_multi_line_secret_is_masked_whole_and_line_by_line() {
        let key = "-----BEGIN TEST KEY-----\n\
                   MIIEpAIBAAKCAQEA7bq9\n  \
                   x9Y2ZmNkZWFkYmVlZg==\n\
                   }\n\
                   -----END TEST KEY-----\n";
        let masker = masker(&[key]);
        assert_eq!(masker.mask("key: MIIEpAIBAAKCAQEA7bq9"), "key: ***");
        assert_eq!(masker.mask("    x9Y2ZmNkZWFkYmVlZg== "), "    *** ");
        assert_eq!(masker.mask("-----END TEST KEY-----"), "***");
        // Short lines of the value are not masked on their own.
        assert_eq!(masker.mask("fn main() { }"), "fn main() { }");
        assert_eq!(masker.mask(key), "***");
        let masked = masker
            .mask(&format!("KEY={}", STANDARD.encode(key)))
            .into_owned();
        assert_eq!(masked, "KEY=***");
        assert_no_form(&masked, key);
    }

    #[test]
    fn a_value_with_surrounding_whitespace_is_also_masked_trimmed() {
        let masker = masker(&["  tok-123456\n"]);
        assert_eq!(masker.mask("token tok-123456 used"), "token *** used");
        let masked = masker
            .mask(&format!("b64 {}", STANDARD.encode("tok-123456")))
            .into_owned();
        assert_eq!(masked, "b64 ***");
    }

    #[test]
    fn overlapping_secrets_are_both_masked() {
        let masker = masker(&["abcdef123", "123xyz789"]);
        assert_eq!(masker.mask("[abcdef123xyz789]"), "[***]");
        assert_eq!(masker.mask("[123xyz789 abcdef123]"), "[*** ***]");
        // Leftmost-longest must not let a shorter secret hide a longer one
        // starting later, nor the other way round.
        let masker = self::masker(&["token-value-long", "value"]);
        assert_eq!(masker.mask("x token-value-long y"), "x *** y");
        assert_eq!(masker.mask("x token-value-lon y"), "x token-***-lon y");
        let masker = self::masker(&["aaaa"]);
        assert_eq!(masker.mask("baaaaaab"), "b***b");
    }

    #[test]
    fn non_ascii_secrets_are_masked_in_every_form() {
        let secret = "pässwörd€-ключ";
        let masker = masker(&[secret]);
        for form in independent_forms(secret) {
            let masked = masker.mask(&format!("«{form}»")).into_owned();
            assert_eq!(masked, "«***»", "{form}");
        }
    }

    #[test]
    fn too_short_values_are_reported_and_left_alone() {
        let (masker, warnings) = Masker::new(["ab", "", "   x  ", "abc", "longer-secret"]);
        assert_eq!(
            warnings,
            [
                MaskWarning::TooShort { index: 0 },
                MaskWarning::TooShort { index: 1 },
                MaskWarning::TooShort { index: 2 },
            ]
        );
        assert_eq!(
            warnings[0].to_string(),
            "secret #0 is shorter than 3 characters and will not be masked in logs"
        );
        assert_eq!(masker.mask("ab x abc longer-secret"), "ab x *** ***");
        let (only_short, _) = Masker::new(["a"]);
        assert!(only_short.is_empty());
    }

    #[test]
    fn nothing_to_mask_costs_no_allocation() {
        let (empty, warnings) = Masker::new(Vec::<String>::new());
        assert!(empty.is_empty() && warnings.is_empty());
        let line = "plain line";
        assert!(matches!(empty.mask(line), Cow::Borrowed(l) if std::ptr::eq(l, line)));
        let masker = masker(&["secret-value"]);
        assert!(matches!(masker.mask(line), Cow::Borrowed(_)));
        assert!(matches!(masker.mask("100% done + more"), Cow::Borrowed(_)));
    }

    #[test]
    fn debug_output_shows_no_secret() {
        let masker = masker(&["debug-secret-value"]);
        let debug = format!("{masker:?}");
        assert!(debug.starts_with("Masker { forms: "), "{debug}");
        assert!(!debug.contains("debug-secret-value"));
        assert!(!debug.contains(&STANDARD.encode("debug-secret-value")));
    }

    #[test]
    fn invalid_utf8_next_to_a_secret_does_not_hide_it() {
        let masker = masker(&["hunter2-prod"]);
        let mut bytes = b"\xff\xe2".to_vec();
        bytes.extend_from_slice(b"hunter2-prod\xc3");
        assert_eq!(masker.mask_bytes(&bytes), "\u{fffd}\u{fffd}***\u{fffd}");
    }

    #[test]
    fn lowercasing_escapes_leaves_other_characters() {
        assert_eq!(lowercase_hex_escapes("AB%2FCD%3Dx+"), "AB%2fCD%3dx+");
    }
}
