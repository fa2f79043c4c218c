//! Pack files: `objects/pack/pack-*.idx` (version 2) and their `.pack`.

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use flate2::bufread::ZlibDecoder;
use kiln_sdk::{Error, ResultExt};

use crate::object::Kind;
use crate::oid::{OID_BYTES, ObjectId, Prefix};

const INDEX_MAGIC: &[u8; 4] = b"\xfftOc";
const FANOUT_BYTES: usize = 256 * 4;
/// The high bit of a 32-bit offset says "look in the 64-bit offset table".
const LARGE_OFFSET_FLAG: u32 = 0x8000_0000;
/// Cap on memory reserved up front from a size the file claims.
const MAX_PREALLOCATION: usize = 64 << 20;

/// A pack index, version 2: a fan-out table, sorted object ids, their
/// CRC-32s, their 31-bit pack offsets and a table of 64-bit offsets for
/// packs larger than 2 GiB.
pub struct PackIndex {
    path: PathBuf,
    data: Vec<u8>,
    count: usize,
}

impl PackIndex {
    pub fn open(path: &Path) -> Result<Self, Error> {
        let data = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(path, data)
    }

    fn parse(path: &Path, data: Vec<u8>) -> Result<Self, Error> {
        let corrupt = |what: &str| Error::new(format!("pack index {}: {what}", path.display()));
        if data.len() < 8 || &data[..4] != INDEX_MAGIC {
            return Err(corrupt(
                "not a version 2 pack index (version 1 indexes are not supported)",
            ));
        }
        let version = read_u32(&data, 4);
        if version != 2 {
            return Err(corrupt(&format!("unsupported version {version}")));
        }
        if data.len() < 8 + FANOUT_BYTES {
            return Err(corrupt("truncated fan-out table"));
        }
        let count = read_u32(&data, 8 + 255 * 4) as usize;
        // ids, CRCs and 32-bit offsets, then two trailing checksums; what
        // is left between them is the 64-bit offset table.
        let fixed = 8 + FANOUT_BYTES + count * (OID_BYTES + 4 + 4) + 2 * OID_BYTES;
        if data.len() < fixed || !(data.len() - fixed).is_multiple_of(8) {
            return Err(corrupt(&format!(
                "size {} does not fit {count} objects",
                data.len()
            )));
        }
        Ok(Self {
            path: path.to_owned(),
            data,
            count,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn len(&self) -> usize {
        self.count
    }

    fn fanout(&self, byte: usize) -> usize {
        read_u32(&self.data, 8 + byte * 4) as usize
    }

    fn id_at(&self, index: usize) -> &[u8] {
        let start = 8 + FANOUT_BYTES + index * OID_BYTES;
        &self.data[start..start + OID_BYTES]
    }

    /// The index range of ids whose first byte is `byte`.
    fn bucket(&self, byte: u8) -> (usize, usize) {
        let start = if byte == 0 {
            0
        } else {
            self.fanout(byte as usize - 1)
        };
        (start, self.fanout(byte as usize).min(self.count))
    }

    /// The pack offset of an object, if this pack holds it.
    pub fn find(&self, id: &ObjectId) -> Result<Option<u64>, Error> {
        let (mut low, mut high) = self.bucket(id.as_bytes()[0]);
        while low < high {
            let middle = low + (high - low) / 2;
            match self.id_at(middle).cmp(id.as_bytes()) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return self.offset_at(middle).map(Some),
            }
        }
        Ok(None)
    }

    /// Every id in this pack that starts with `prefix`.
    pub fn ids_with_prefix(&self, prefix: &Prefix) -> Vec<ObjectId> {
        let (mut low, mut high) = self.bucket(prefix.first_byte());
        let lowest = prefix.lowest_id();
        while low < high {
            let middle = low + (high - low) / 2;
            if self.id_at(middle) < lowest.as_bytes().as_slice() {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        (low..self.count)
            .filter_map(|index| ObjectId::from_bytes(self.id_at(index)))
            .take_while(|id| prefix.matches(id))
            .collect()
    }

    /// Every entry's offset, for tests that inspect a whole pack.
    #[cfg(test)]
    pub fn offsets(&self) -> Vec<u64> {
        (0..self.count)
            .map(|index| self.offset_at(index).unwrap())
            .collect()
    }

    /// Whether any offset is stored in the 64-bit table.
    #[cfg(test)]
    pub fn has_large_offsets(&self) -> bool {
        self.data.len() > 8 + FANOUT_BYTES + self.count * (OID_BYTES + 8) + 2 * OID_BYTES
    }

    fn offset_at(&self, index: usize) -> Result<u64, Error> {
        let offsets = 8 + FANOUT_BYTES + self.count * (OID_BYTES + 4);
        let offset = read_u32(&self.data, offsets + index * 4);
        if offset & LARGE_OFFSET_FLAG == 0 {
            return Ok(u64::from(offset));
        }
        let large_index = (offset & !LARGE_OFFSET_FLAG) as usize;
        let position = offsets + self.count * 4 + large_index * 8;
        let table_end = self.data.len() - 2 * OID_BYTES;
        if position + 8 > table_end {
            return Err(Error::new(format!(
                "pack index {}: 64-bit offset {large_index} is outside its table",
                self.path.display()
            )));
        }
        let bytes: [u8; 8] = self.data[position..position + 8]
            .try_into()
            .unwrap_or([0; 8]);
        Ok(u64::from_be_bytes(bytes))
    }
}

fn read_u32(data: &[u8], at: usize) -> u32 {
    let bytes: [u8; 4] = data[at..at + 4].try_into().unwrap_or([0; 4]);
    u32::from_be_bytes(bytes)
}

/// One entry of a pack file, before deltas are resolved.
pub enum PackEntry {
    Whole {
        kind: Kind,
        data: Vec<u8>,
    },
    /// A delta against the entry that starts at `base_offset` in this pack.
    OffsetDelta {
        base_offset: u64,
        delta: Vec<u8>,
    },
    /// A delta against the object `base`, wherever it is stored.
    RefDelta {
        base: ObjectId,
        delta: Vec<u8>,
    },
}

/// A `.pack` file with its index.
pub struct Pack {
    pub index: PackIndex,
    pack_path: PathBuf,
    /// Opened on first use: most packs of a repository are never read for
    /// a single checkout.
    reader: RefCell<Option<BufReader<File>>>,
}

impl Pack {
    pub fn new(index: PackIndex) -> Self {
        let pack_path = index.path().with_extension("pack");
        Self {
            index,
            pack_path,
            reader: RefCell::new(None),
        }
    }

    pub fn path(&self) -> &Path {
        &self.pack_path
    }

    /// Read the entry at `offset`: its header (type and size, then a base
    /// reference for deltas) and its zlib-compressed body.
    pub fn entry_at(&self, offset: u64) -> Result<PackEntry, Error> {
        let mut slot = self.reader.borrow_mut();
        let reader = match &mut *slot {
            Some(reader) => reader,
            empty => empty.insert(self.open()?),
        };
        self.read_entry(reader, offset).map_err(|error| {
            Error::new(format!(
                "pack {} at offset {offset}: {error}",
                self.pack_path.display()
            ))
        })
    }

    fn open(&self) -> Result<BufReader<File>, Error> {
        let mut file = File::open(&self.pack_path)
            .with_context(|| format!("opening {}", self.pack_path.display()))?;
        let mut header = [0u8; 12];
        file.read_exact(&mut header)
            .with_context(|| format!("reading {}", self.pack_path.display()))?;
        let version = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
        if &header[..4] != b"PACK" || !(2..=3).contains(&version) {
            return Err(Error::new(format!(
                "{} is not a version 2 or 3 pack file",
                self.pack_path.display()
            )));
        }
        Ok(BufReader::with_capacity(64 * 1024, file))
    }

    fn read_entry(&self, reader: &mut BufReader<File>, offset: u64) -> Result<PackEntry, String> {
        reader
            .seek(SeekFrom::Start(offset))
            .map_err(|error| error.to_string())?;
        let mut byte = next_byte(reader)?;
        let type_code = (byte >> 4) & 0x7;
        let mut size = u64::from(byte & 0x0f);
        let mut shift = 4;
        while byte & 0x80 != 0 {
            if shift > 57 {
                return Err("entry size does not fit in 64 bits".into());
            }
            byte = next_byte(reader)?;
            size |= u64::from(byte & 0x7f) << shift;
            shift += 7;
        }
        match type_code {
            6 => {
                let distance = read_offset_distance(reader)?;
                let base_offset = offset
                    .checked_sub(distance)
                    .filter(|&base| base > 0)
                    .ok_or_else(|| {
                        format!("delta base {distance} bytes back is before the pack")
                    })?;
                let delta = inflate(reader, size)?;
                Ok(PackEntry::OffsetDelta { base_offset, delta })
            }
            7 => {
                let mut base = [0u8; OID_BYTES];
                reader
                    .read_exact(&mut base)
                    .map_err(|error| error.to_string())?;
                let base = ObjectId::from_bytes(&base).ok_or("bad base id")?;
                let delta = inflate(reader, size)?;
                Ok(PackEntry::RefDelta { base, delta })
            }
            code => {
                let kind = Kind::from_pack_type(code)
                    .ok_or_else(|| format!("unknown entry type {code}"))?;
                let data = inflate(reader, size)?;
                Ok(PackEntry::Whole { kind, data })
            }
        }
    }
}

fn next_byte(reader: &mut impl Read) -> Result<u8, String> {
    let mut byte = [0u8];
    reader
        .read_exact(&mut byte)
        .map_err(|error| format!("truncated entry header: {error}"))?;
    Ok(byte[0])
}

/// The distance back to an `OFS_DELTA` base: big-endian base-128 where each
/// continuation adds one, so that no two encodings mean the same number.
fn read_offset_distance(reader: &mut impl Read) -> Result<u64, String> {
    let mut byte = next_byte(reader)?;
    let mut distance = u64::from(byte & 0x7f);
    while byte & 0x80 != 0 {
        if distance > (u64::MAX >> 7) - 1 {
            return Err("delta base offset does not fit in 64 bits".into());
        }
        byte = next_byte(reader)?;
        distance = ((distance + 1) << 7) | u64::from(byte & 0x7f);
    }
    Ok(distance)
}

/// Inflate one zlib stream that must produce exactly `size` bytes.
fn inflate(reader: &mut impl BufRead, size: u64) -> Result<Vec<u8>, String> {
    let mut data = Vec::with_capacity((size as usize).min(MAX_PREALLOCATION));
    ZlibDecoder::new(reader)
        .take(size.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|error| format!("corrupt zlib data: {error}"))?;
    if data.len() as u64 != size {
        return Err(format!(
            "entry inflates to {} bytes, its header says {size}",
            data.len()
        ));
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_distances_use_the_plus_one_encoding() {
        assert_eq!(read_offset_distance(&mut &[0x05][..]).unwrap(), 5);
        // (1 + 1) << 7 | 0 = 256
        assert_eq!(read_offset_distance(&mut &[0x81, 0x00][..]).unwrap(), 256);
        assert_eq!(read_offset_distance(&mut &[0x80, 0x7f][..]).unwrap(), 255);
    }

    #[test]
    fn rejects_indexes_that_are_not_version_2() {
        let path = Path::new("pack-x.idx");
        assert!(PackIndex::parse(path, vec![0; 1100]).is_err());
        let mut data = INDEX_MAGIC.to_vec();
        data.extend_from_slice(&3u32.to_be_bytes());
        data.resize(8 + FANOUT_BYTES + 40, 0);
        assert!(PackIndex::parse(path, data).is_err());
    }
}
