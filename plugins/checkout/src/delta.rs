//! Git's delta format: a pack entry stored as instructions that rebuild the
//! object from a base object (`OFS_DELTA` and `REF_DELTA` entries).

/// Rebuild an object from its `base` and a `delta`.
///
/// A delta is: the base size, the result size (both little-endian base-128
/// varints), then instructions. An instruction byte with the high bit set
/// copies a range of the base (its low 7 bits say which offset and size
/// bytes follow); a byte from 1 to 127 inserts that many literal bytes.
pub fn apply_delta(base: &[u8], delta: &[u8]) -> Result<Vec<u8>, String> {
    let mut cursor = Cursor {
        data: delta,
        pos: 0,
    };
    let base_size = cursor.varint()?;
    if base_size != base.len() as u64 {
        return Err(format!(
            "delta expects a base of {base_size} bytes, the base has {}",
            base.len()
        ));
    }
    let result_size = cursor.varint()?;
    // The size comes from the pack: trust it for a capacity hint only.
    let mut result = Vec::with_capacity(result_size.min(1 << 26) as usize);
    while let Some(op) = cursor.next() {
        if op & 0x80 != 0 {
            let offset = cursor.sparse_le(op, 4)?;
            let size = match cursor.sparse_le(op >> 4, 3)? {
                // A zero size stands for 64 KiB, the largest copy.
                0 => 0x10000,
                size => size,
            };
            let range = usize::try_from(offset)
                .ok()
                .zip(usize::try_from(offset + size).ok())
                .filter(|&(_, end)| end <= base.len())
                .ok_or_else(|| {
                    format!(
                        "delta copies bytes {offset}..{} of a {}-byte base",
                        offset + size,
                        base.len()
                    )
                })?;
            result.extend_from_slice(&base[range.0..range.1]);
        } else if op != 0 {
            let literal = cursor.take(op as usize)?;
            result.extend_from_slice(literal);
        } else {
            return Err("delta has the reserved instruction 0".into());
        }
    }
    if result.len() as u64 != result_size {
        return Err(format!(
            "delta promises {result_size} bytes but produces {}",
            result.len()
        ));
    }
    Ok(result)
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn next(&mut self) -> Option<u8> {
        let byte = *self.data.get(self.pos)?;
        self.pos += 1;
        Some(byte)
    }

    fn byte(&mut self) -> Result<u8, String> {
        self.next().ok_or_else(|| "delta is truncated".to_owned())
    }

    fn take(&mut self, len: usize) -> Result<&[u8], String> {
        let end = self.pos + len;
        let bytes = self
            .data
            .get(self.pos..end)
            .ok_or_else(|| "delta is truncated".to_owned())?;
        self.pos = end;
        Ok(bytes)
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("delta size does not fit in 64 bits".into())
    }

    /// A little-endian number of up to `count` bytes where bit `i` of
    /// `present` says whether byte `i` is stored (absent bytes are zero).
    fn sparse_le(&mut self, present: u8, count: u32) -> Result<u64, String> {
        let mut value = 0u64;
        for index in 0..count {
            if present & (1 << index) != 0 {
                value |= u64::from(self.byte()?) << (8 * index);
            }
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::apply_delta;

    #[test]
    fn copies_and_inserts() {
        let base = b"hello, world";
        // base 12, result 13; copy offset 7 size 5 ("world"), insert "! ",
        // copy offset 0 size 5 ("hello"), insert "!".
        let delta = [
            12, 13, 0x91, 7, 5, 2, b'!', b' ', 0x90, 5, 1, b'!', //
        ];
        assert_eq!(apply_delta(base, &delta).unwrap(), b"world! hello!");
    }

    #[test]
    fn zero_copy_size_means_64_kib() {
        let base = vec![7u8; 0x10000];
        // copy with no offset or size bytes: offset 0, size 0x10000.
        let delta = [0x80, 0x80, 0x04, 0x80, 0x80, 0x04, 0x80];
        assert_eq!(apply_delta(&base, &delta).unwrap(), base);
    }

    #[test]
    fn rejects_corrupt_deltas() {
        let base = b"abc";
        assert!(
            apply_delta(base, &[4, 3, 0x90, 3]).is_err(),
            "wrong base size"
        );
        assert!(
            apply_delta(base, &[3, 4, 0x91, 1, 3]).is_err(),
            "copy past end"
        );
        assert!(apply_delta(base, &[3, 3, 0]).is_err(), "reserved opcode");
        assert!(
            apply_delta(base, &[3, 5, 2, b'x']).is_err(),
            "truncated insert"
        );
        assert!(apply_delta(base, &[3, 9, 0x90, 3]).is_err(), "short result");
    }
}
