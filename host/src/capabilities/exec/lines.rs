//! Splitting a child's output into log lines as the bytes arrive.
//!
//! The splitter holds at most one partial line of at most
//! [`MAX_LINE_BYTES`], so a child that writes gigabytes without a newline
//! costs 16 KiB of memory, not gigabytes.

/// The longest line delivered; the rest of a longer line is dropped.
pub const MAX_LINE_BYTES: usize = 16 * 1024;

/// Accumulates bytes of one stream and emits complete lines.
#[derive(Debug, Default)]
pub(super) struct LineSplitter {
    /// The line being assembled (without its newline).
    pending: Vec<u8>,
    /// The current line exceeded [`MAX_LINE_BYTES`] and was already
    /// delivered cut: its bytes are dropped until the next newline.
    discarding: bool,
}

impl LineSplitter {
    /// Feeds `bytes` and calls `emit` for every line they complete. A line
    /// that grows past [`MAX_LINE_BYTES`] is emitted cut at once, rather
    /// than when its newline arrives, which may be never.
    pub(super) fn push(&mut self, mut bytes: &[u8], emit: &mut impl FnMut(&str)) {
        while !bytes.is_empty() {
            let newline = bytes.iter().position(|&b| b == b'\n');
            let (chunk, rest, ends_line) = match newline {
                Some(at) => (&bytes[..at], &bytes[at + 1..], true),
                None => (bytes, &[][..], false),
            };
            bytes = rest;
            if !self.discarding {
                let room = MAX_LINE_BYTES - self.pending.len();
                if chunk.len() > room {
                    self.pending.extend_from_slice(&chunk[..room]);
                    emit_line(&mut self.pending, emit);
                    self.discarding = true;
                } else {
                    self.pending.extend_from_slice(chunk);
                }
            }
            if ends_line {
                if self.discarding {
                    self.discarding = false;
                } else {
                    emit_line(&mut self.pending, emit);
                }
            }
        }
    }

    /// Emits the last line if the stream ended without a newline.
    pub(super) fn finish(&mut self, emit: &mut impl FnMut(&str)) {
        if !self.pending.is_empty() && !self.discarding {
            emit_line(&mut self.pending, emit);
        }
        self.pending.clear();
        self.discarding = false;
    }
}

/// Emits `line` (then clears it): without a trailing `\r`, so CRLF output
/// reads the same as LF output; with invalid UTF-8 replaced by U+FFFD; and
/// without a character cut in half by [`MAX_LINE_BYTES`], which would
/// otherwise show up as a spurious replacement character.
fn emit_line(line: &mut Vec<u8>, emit: &mut impl FnMut(&str)) {
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    let mut bytes = &line[..];
    if let Err(error) = std::str::from_utf8(bytes)
        && error.error_len().is_none()
        && bytes.len() >= MAX_LINE_BYTES
    {
        // An incomplete sequence at the very end of a cut line.
        bytes = &bytes[..error.valid_up_to()];
    }
    emit(&String::from_utf8_lossy(bytes));
    line.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]]) -> Vec<String> {
        let mut splitter = LineSplitter::default();
        let mut lines = Vec::new();
        let mut emit = |line: &str| lines.push(line.to_owned());
        for chunk in chunks {
            splitter.push(chunk, &mut emit);
        }
        splitter.finish(&mut emit);
        lines
    }

    #[test]
    fn lines_are_split_across_and_within_chunks() {
        assert_eq!(split(&[b"a\nb", b"c\n\nd"]), ["a", "bc", "", "d"]);
        assert_eq!(split(&[b"one\r\ntwo\n"]), ["one", "two"]);
        assert_eq!(split(&[b""]), Vec::<String>::new());
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(split(&[b"ok \xff\xfe end\n"]), ["ok \u{fffd}\u{fffd} end"]);
        // A multi-byte character split across two reads survives.
        assert_eq!(
            split(&["é".as_bytes()[..1].as_ref(), &"é\n".as_bytes()[1..]]),
            ["é"]
        );
    }

    #[test]
    fn long_lines_are_cut_at_the_limit_and_the_rest_dropped() {
        let long = vec![b'x'; MAX_LINE_BYTES * 3];
        let lines = split(&[&long[..1000], &long[1000..], b"\nnext\n"]);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), MAX_LINE_BYTES);
        assert_eq!(lines[1], "next");
        // Exactly at the limit is not cut.
        let exact = vec![b'y'; MAX_LINE_BYTES];
        assert_eq!(split(&[&exact, b"\n"]), [String::from_utf8(exact).unwrap()]);
    }

    #[test]
    fn a_cut_never_splits_a_character() {
        let mut line = vec![b'a'; MAX_LINE_BYTES - 1];
        line.extend_from_slice("é tail\n".as_bytes());
        let lines = split(&[&line]);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].bytes().all(|b| b == b'a'));
        assert_eq!(lines[0].len(), MAX_LINE_BYTES - 1);
    }

    #[test]
    fn an_overlong_line_is_delivered_before_its_newline_arrives() {
        let mut splitter = LineSplitter::default();
        let mut lines = Vec::new();
        splitter.push(&vec![b'z'; MAX_LINE_BYTES + 1], &mut |l: &str| {
            lines.push(l.len())
        });
        assert_eq!(lines, [MAX_LINE_BYTES]);
    }
}
