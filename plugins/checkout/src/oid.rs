//! Object ids (SHA-1, the only object format read here) and abbreviated ids.

use std::fmt;

/// Bytes in a SHA-1 object id.
pub const OID_BYTES: usize = 20;
/// Hex digits in a full object id.
pub const OID_HEX: usize = 2 * OID_BYTES;
/// The shortest abbreviation git accepts.
pub const MIN_ABBREV: usize = 4;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId([u8; OID_BYTES]);

impl ObjectId {
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    /// Exactly 40 hex digits, either case.
    pub fn from_hex(text: &str) -> Option<Self> {
        if text.len() != OID_HEX {
            return None;
        }
        let mut bytes = [0u8; OID_BYTES];
        for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks(2)) {
            *byte = hex_value(pair[0])? << 4 | hex_value(pair[1])?;
        }
        Some(Self(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; OID_BYTES] {
        &self.0
    }

    pub fn to_hex(self) -> String {
        self.to_string()
    }

    /// The first 8 hex digits, for log lines and summaries.
    pub fn short(self) -> String {
        self.to_hex()[..8].to_owned()
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectId({self})")
    }
}

/// An abbreviated object id: 4 to 40 hex digits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prefix {
    /// The digits, lowercase.
    hex: String,
    /// The digits packed into bytes, the odd last digit in a high nibble.
    bytes: [u8; OID_BYTES],
}

impl Prefix {
    pub fn parse(text: &str) -> Option<Self> {
        if !(MIN_ABBREV..=OID_HEX).contains(&text.len()) {
            return None;
        }
        let mut bytes = [0u8; OID_BYTES];
        for (index, digit) in text.bytes().enumerate() {
            let value = hex_value(digit)?;
            bytes[index / 2] |= if index % 2 == 0 { value << 4 } else { value };
        }
        Some(Self {
            hex: text.to_ascii_lowercase(),
            bytes,
        })
    }

    pub fn hex(&self) -> &str {
        &self.hex
    }

    pub fn first_byte(&self) -> u8 {
        self.bytes[0]
    }

    /// The smallest id that starts with this prefix: a lower bound for
    /// binary searches in sorted id tables.
    pub fn lowest_id(&self) -> ObjectId {
        ObjectId(self.bytes)
    }

    pub fn matches(&self, id: &ObjectId) -> bool {
        let full_bytes = self.hex.len() / 2;
        if id.0[..full_bytes] != self.bytes[..full_bytes] {
            return false;
        }
        self.hex.len().is_multiple_of(2) || id.0[full_bytes] >> 4 == self.bytes[full_bytes] >> 4
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";

    #[test]
    fn hex_round_trips() {
        let id = ObjectId::from_hex(ID).unwrap();
        assert_eq!(id.to_hex(), ID);
        assert_eq!(id.short(), "1a2b3c4d");
        assert_eq!(ObjectId::from_hex(&ID.to_uppercase()), Some(id));
        assert_eq!(ObjectId::from_hex(&ID[1..]), None);
        assert_eq!(ObjectId::from_hex(&ID.replace('1', "g")), None);
    }

    #[test]
    fn prefixes_match_odd_and_even_lengths() {
        let id = ObjectId::from_hex(ID).unwrap();
        for len in MIN_ABBREV..=OID_HEX {
            let prefix = Prefix::parse(&ID[..len]).unwrap();
            assert!(prefix.matches(&id), "{len}");
            assert!(prefix.lowest_id() <= id);
        }
        assert!(!Prefix::parse("1a2c").unwrap().matches(&id));
        assert!(!Prefix::parse("1a2b4").unwrap().matches(&id));
        assert_eq!(Prefix::parse("1a2"), None);
        assert_eq!(Prefix::parse("1a2x"), None);
    }
}
