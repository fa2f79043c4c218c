//! Structured values taken from the front of fuzz bytes, for targets that
//! need more than one input (a secret and a stream, a name and a file).
//!
//! Running out of bytes is not an error: every taker answers something
//! (zero, an empty slice), so any input drives the target somewhere.

/// A cursor over fuzz bytes.
pub struct Input<'a> {
    rest: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { rest: data }
    }

    /// The next byte, or 0 when none is left.
    pub fn byte(&mut self) -> u8 {
        match self.rest.split_first() {
            Some((&first, rest)) => {
                self.rest = rest;
                first
            }
            None => 0,
        }
    }

    /// Up to `len` bytes.
    pub fn bytes(&mut self, len: usize) -> &'a [u8] {
        let (taken, rest) = self.rest.split_at(len.min(self.rest.len()));
        self.rest = rest;
        taken
    }

    /// The bytes up to the first `separator` (which is consumed), or all
    /// that is left.
    pub fn until(&mut self, separator: u8) -> &'a [u8] {
        match self.rest.iter().position(|&byte| byte == separator) {
            Some(at) => {
                let taken = &self.rest[..at];
                self.rest = &self.rest[at + 1..];
                taken
            }
            None => self.rest(),
        }
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takers_consume_in_order_and_answer_past_the_end() {
        let mut input = Input::new(b"\x07ab:cd");
        assert_eq!(input.byte(), 7);
        assert_eq!(input.bytes(1), b"a");
        assert_eq!(input.until(b':'), b"b");
        assert_eq!(input.until(b':'), b"cd");
        assert_eq!(input.byte(), 0);
        assert_eq!(input.bytes(5), b"");
        assert_eq!(input.rest(), b"");
    }
}
