//! Masking a byte stream, such as a plugin's stdout, whose writes do not
//! line up with lines or secrets.
//!
//! A plugin that writes `TOKEN=hun` and then `ter2\n` must not get
//! `hun` and `ter2` past the masker because neither piece is the secret.
//! [`StreamMasker`] therefore masks only whole lines. A line longer than
//! its limit is cut, like the host's log does, but never inside a secret
//! that is already complete, and never before enough bytes have arrived to
//! know whether a secret starting near the cut is complete.

use std::fmt;

use super::{Masker, apply_spans, into_text};
use crate::plain_text::Cleaner;

/// The default longest piece of an unterminated line emitted at once,
/// matching the host log's line limit.
pub const DEFAULT_MAX_LINE_BYTES: usize = 16 * 1024;

/// Line-buffers a byte stream and masks each line with a [`Masker`].
pub struct StreamMasker {
    masker: Masker,
    /// Removes terminal controls as bytes arrive, so that the lines and
    /// cuts below are decided on the text a reader sees.
    cleaner: Cleaner,
    /// Plain bytes of the current, unterminated line.
    pending: Vec<u8>,
    max_line_bytes: usize,
}

impl StreamMasker {
    /// A stream masker with lines cut at [`DEFAULT_MAX_LINE_BYTES`].
    pub fn new(masker: Masker) -> Self {
        Self {
            masker,
            cleaner: Cleaner::default(),
            pending: Vec::new(),
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
        }
    }

    /// The same stream masker with unterminated lines cut into pieces of at
    /// most `max_line_bytes` (at least 1), bounding the memory a plugin that
    /// never writes a newline can make the host hold.
    pub fn with_max_line_bytes(mut self, max_line_bytes: usize) -> Self {
        self.max_line_bytes = max_line_bytes.max(1);
        self
    }

    /// Take the next bytes of the stream; returns the masked lines they
    /// complete, without their `\n` (or `\r\n`). Bytes that are not UTF-8
    /// become U+FFFD, after masking.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut lines = Vec::new();
        // `pending` holds no newline, so only the new bytes need searching.
        let mut search_from = self.pending.len();
        self.cleaner.feed(bytes, &mut self.pending);
        let mut line_start = 0;
        while let Some(offset) = self.pending[search_from..]
            .iter()
            .position(|&byte| byte == b'\n')
        {
            let newline = search_from + offset;
            let mut line = &self.pending[line_start..newline];
            while let [rest @ .., b'\r'] = line {
                line = rest;
            }
            lines.push(self.masker.mask_bytes(line));
            line_start = newline + 1;
            search_from = line_start;
        }
        self.pending.drain(..line_start);
        self.cut_overlong_line(&mut lines);
        lines
    }

    /// The masked rest of the stream, if it did not end with a newline.
    pub fn finish(mut self) -> Option<String> {
        self.cleaner.finish(&mut self.pending);
        (!self.pending.is_empty()).then(|| self.masker.mask_bytes(&self.pending))
    }

    /// Emit pieces of an unterminated line once it holds more than
    /// `max_line_bytes` plus the bytes needed to complete a secret.
    ///
    /// A secret that is not complete yet started within the last
    /// `lookahead` bytes, so pieces are only cut before those; and a cut is
    /// moved to the start of any complete secret it would split (or, if
    /// that secret starts the piece, to its end), so each piece can be
    /// masked on its own.
    fn cut_overlong_line(&mut self, lines: &mut Vec<String>) {
        // A form may arrive percent-encoded byte by byte: three times as
        // long as itself.
        let lookahead = 3 * self.masker.longest_form_bytes();
        if self.pending.len() < self.max_line_bytes + lookahead {
            return;
        }
        let spans = self.masker.find_spans(&self.pending);
        let last_cut = self.pending.len() - lookahead;
        let mut piece_start = 0;
        while last_cut.saturating_sub(piece_start) >= self.max_line_bytes {
            let mut cut = piece_start + self.max_line_bytes;
            while cut > piece_start + 1
                && cut < self.pending.len()
                && is_utf8_continuation(self.pending[cut])
            {
                cut -= 1;
            }
            if let Some(split) = spans.iter().find(|span| span.start < cut && cut < span.end) {
                cut = if split.start > piece_start {
                    split.start
                } else {
                    split.end
                };
            }
            let piece_spans: Vec<_> = spans
                .iter()
                .filter(|span| span.start >= piece_start && span.end <= cut)
                .map(|span| span.start - piece_start..span.end - piece_start)
                .collect();
            let piece = &self.pending[piece_start..cut];
            lines.push(into_text(apply_spans(piece, &piece_spans)));
            piece_start = cut;
        }
        self.pending.drain(..piece_start);
    }
}

impl fmt::Debug for StreamMasker {
    /// Shows how much is buffered, not what: the buffer is not masked yet.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamMasker")
            .field("masker", &self.masker)
            .field("pending_bytes", &self.pending.len())
            .field("max_line_bytes", &self.max_line_bytes)
            .finish()
    }
}

/// Whether `byte` continues a UTF-8 character rather than starting one.
fn is_utf8_continuation(byte: u8) -> bool {
    byte & 0b1100_0000 == 0b1000_0000
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    fn masker(values: &[&str]) -> Masker {
        Masker::new(values).0
    }

    /// Everything `stream` emits for `chunks`, the unterminated rest last.
    fn run(stream: StreamMasker, chunks: &[&[u8]]) -> Vec<String> {
        let mut stream = stream;
        let mut lines = Vec::new();
        for chunk in chunks {
            lines.extend(stream.push(chunk));
        }
        lines.extend(stream.finish());
        lines
    }

    #[test]
    fn a_secret_split_across_two_writes_at_every_byte_is_masked() {
        let secret = "hunter2-VERY/secret";
        let masker = masker(&[secret]);
        let base64 = STANDARD.encode(format!("token={secret}&x=1"));
        let cases = [
            (
                format!("export TOKEN={secret}; echo ok\n"),
                "export TOKEN=***; echo ok",
            ),
            (
                format!("curl -u bob:{secret} https://example.test\n"),
                "curl -u bob:*** https://example.test",
            ),
            (
                "GET /?pw=hunter2-VERY%2Fsecret HTTP/1.1\n".to_owned(),
                "GET /?pw=*** HTTP/1.1",
            ),
        ];
        for (line, expected) in &cases {
            let bytes = line.as_bytes();
            for split in 0..=bytes.len() {
                let out = run(
                    StreamMasker::new(masker.clone()),
                    &[&bytes[..split], &bytes[split..]],
                );
                assert_eq!(out, [*expected], "split at {split}");
            }
        }
        let line = format!("blob {base64}\n");
        let whole = masker.mask(line.trim_end()).into_owned();
        assert!(whole.contains("***"), "{whole}");
        for split in 0..=line.len() {
            let out = run(
                StreamMasker::new(masker.clone()),
                &[&line.as_bytes()[..split], &line.as_bytes()[split..]],
            );
            assert_eq!(out, std::slice::from_ref(&whole), "split at {split}");
        }
    }

    #[test]
    fn a_secret_split_across_three_writes_is_masked() {
        let masker = masker(&["s3cr3t-value"]);
        let line = b"a s3cr3t-value b\nnext";
        for first in 0..=line.len() {
            for second in first..=line.len() {
                let chunks: [&[u8]; 3] = [&line[..first], &line[first..second], &line[second..]];
                let out = run(StreamMasker::new(masker.clone()), &chunks);
                assert_eq!(out, ["a *** b", "next"], "splits at {first}, {second}");
            }
        }
    }

    #[test]
    fn an_unterminated_last_line_is_masked_by_finish() {
        let masker = masker(&["s3cr3t-value"]);
        let text = b"done\nleft s3cr3t-value";
        for split in 0..=text.len() {
            let out = run(
                StreamMasker::new(masker.clone()),
                &[&text[..split], &text[split..]],
            );
            assert_eq!(out, ["done", "left ***"], "split at {split}");
        }
        assert_eq!(StreamMasker::new(masker).finish(), None);
    }

    #[test]
    fn several_lines_in_one_write_and_crlf_endings() {
        let masker = masker(&["s3cr3t-value"]);
        let mut stream = StreamMasker::new(masker);
        assert_eq!(
            stream.push(b"one\r\ns3cr3t-value\r\n\nfour"),
            ["one", "***", ""]
        );
        assert_eq!(stream.push(b" and more\n"), ["four and more"]);
        assert_eq!(stream.finish(), None);
    }

    #[test]
    fn a_multi_byte_character_split_across_writes_survives() {
        let mut stream = StreamMasker::new(Masker::default());
        let text = "naïve €\n".as_bytes();
        let mut out = stream.push(&text[..3]);
        out.extend(stream.push(&text[3..8]));
        out.extend(stream.push(&text[8..]));
        assert_eq!(out, ["naïve €"]);
    }

    #[test]
    fn an_overlong_line_is_cut_without_splitting_a_secret() {
        let secret = "hunter2-VERY/secret";
        let masker = masker(&[secret]);
        let max = 32;
        for secret_at in 0..80 {
            let line = format!("{}{secret}{}", "x".repeat(secret_at), "y".repeat(100));
            let expected = masker.mask(&line).into_owned();
            for chunk_size in [1, 2, 5, 7, 64, 1000] {
                let mut stream = StreamMasker::new(masker.clone()).with_max_line_bytes(max);
                let mut out = Vec::new();
                for chunk in line.as_bytes().chunks(chunk_size) {
                    out.extend(stream.push(chunk));
                    let bound = max + 3 * masker.longest_form_bytes() + chunk_size;
                    assert!(stream.pending.len() <= bound, "{}", stream.pending.len());
                }
                out.extend(stream.finish());
                assert!(out.len() > 1, "the line should have been cut");
                assert_eq!(
                    out.concat(),
                    expected,
                    "secret at {secret_at}, chunks of {chunk_size}"
                );
            }
        }
    }

    #[test]
    fn a_flood_without_newlines_is_emitted_in_bounded_pieces() {
        let mut stream = StreamMasker::new(masker(&["s3cr3t-value"]));
        let chunk = vec![b'z'; 64 * 1024];
        let mut emitted = 0;
        for _ in 0..16 {
            for piece in stream.push(&chunk) {
                assert!(piece.len() <= DEFAULT_MAX_LINE_BYTES);
                emitted += piece.len();
            }
            assert!(stream.pending.len() < 2 * DEFAULT_MAX_LINE_BYTES);
        }
        emitted += stream.finish().map_or(0, |rest| rest.len());
        assert_eq!(emitted, 16 * chunk.len());
    }

    #[test]
    fn debug_output_shows_no_buffered_bytes() {
        let mut stream = StreamMasker::new(masker(&["s3cr3t-value"]));
        assert!(stream.push(b"half of s3cr3t-").is_empty());
        let debug = format!("{stream:?}");
        assert!(debug.contains("pending_bytes: 15"), "{debug}");
        assert!(
            !debug.contains("s3cr3t") && !debug.contains("115, 51"),
            "{debug}"
        );
    }

    #[test]
    fn an_empty_masker_passes_lines_through() {
        let out = run(
            StreamMasker::new(Masker::default()),
            &[b"a\nb", b"c\n", b"d"],
        );
        assert_eq!(out, ["a", "bc", "d"]);
    }
}
