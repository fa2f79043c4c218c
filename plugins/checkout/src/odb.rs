//! The object database: loose objects, packs and alternates.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::ZlibDecoder;
use kiln_sdk::Error;

use crate::delta::apply_delta;
use crate::object::{Kind, Object};
use crate::oid::{ObjectId, Prefix};
use crate::pack::{Pack, PackEntry, PackIndex};

/// Longer chains than git ever writes (its maximum depth is 4095) mean a
/// corrupt or hostile pack, possibly a cycle.
const MAX_DELTA_CHAIN: usize = 10_000;
/// Memory for objects that served as delta bases: consecutive versions of a
/// file share bases, so keeping them avoids inflating a chain once per
/// object.
const DELTA_BASE_CACHE_BYTES: usize = 64 << 20;

pub struct ObjectDatabase {
    /// `objects/` and the directories listed in `objects/info/alternates`.
    object_dirs: Vec<PathBuf>,
    packs: Vec<Pack>,
    base_cache: RefCell<BaseCache>,
}

impl ObjectDatabase {
    pub fn open(objects: &Path) -> Result<Self, Error> {
        if !objects.is_dir() {
            return Err(Error::new(format!(
                "{} is missing: not a git repository",
                objects.display()
            )));
        }
        let mut object_dirs = vec![objects.to_owned()];
        collect_alternates(objects, &mut object_dirs, 0)?;
        let mut packs = Vec::new();
        for dir in &object_dirs {
            let pack_dir = dir.join("pack");
            let Ok(listing) = std::fs::read_dir(&pack_dir) else {
                continue;
            };
            let mut index_paths: Vec<PathBuf> = listing
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| path.extension().is_some_and(|ext| ext == "idx"))
                .collect();
            index_paths.sort();
            for path in index_paths {
                packs.push(Pack::new(PackIndex::open(&path)?));
            }
        }
        Ok(Self {
            object_dirs,
            packs,
            base_cache: RefCell::default(),
        })
    }

    #[cfg(test)]
    pub fn packs(&self) -> &[Pack] {
        &self.packs
    }

    pub fn pack_count(&self) -> usize {
        self.packs.len()
    }

    /// Objects listed in all pack indexes.
    pub fn packed_object_count(&self) -> usize {
        self.packs.iter().map(|pack| pack.index.len()).sum()
    }

    pub fn read(&self, id: &ObjectId) -> Result<Object, Error> {
        if let Some(location) = self.find_packed(id)? {
            return self.read_packed(location);
        }
        match self.read_loose(id)? {
            Some(object) => Ok(object),
            None => Err(Error::new(format!(
                "object {id} is not in the repository (a shallow or partial clone?)"
            ))),
        }
    }

    /// Read an object that must be of `kind`.
    pub fn read_kind(&self, id: &ObjectId, kind: Kind) -> Result<Vec<u8>, Error> {
        let object = self.read(id)?;
        if object.kind != kind {
            return Err(Error::new(format!(
                "object {id} is a {}, expected a {kind}",
                object.kind
            )));
        }
        Ok(object.data)
    }

    /// All objects whose id starts with `prefix`, loose and packed.
    pub fn ids_with_prefix(&self, prefix: &Prefix) -> BTreeSet<ObjectId> {
        let mut found: BTreeSet<ObjectId> = self
            .packs
            .iter()
            .flat_map(|pack| pack.index.ids_with_prefix(prefix))
            .collect();
        let (fan, rest) = prefix.hex().split_at(2);
        for dir in &self.object_dirs {
            let Ok(listing) = std::fs::read_dir(dir.join(fan)) else {
                continue;
            };
            found.extend(
                listing
                    .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                    .filter(|name| name.starts_with(rest))
                    .filter_map(|name| ObjectId::from_hex(&format!("{fan}{name}"))),
            );
        }
        found
    }

    fn find_packed(&self, id: &ObjectId) -> Result<Option<(usize, u64)>, Error> {
        for (pack_number, pack) in self.packs.iter().enumerate() {
            if let Some(offset) = pack.index.find(id)? {
                return Ok(Some((pack_number, offset)));
            }
        }
        Ok(None)
    }

    fn read_loose(&self, id: &ObjectId) -> Result<Option<Object>, Error> {
        let hex = id.to_hex();
        for dir in &self.object_dirs {
            let path = dir.join(&hex[..2]).join(&hex[2..]);
            let compressed = match std::fs::read(&path) {
                Ok(bytes) => bytes,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                Err(error) => {
                    return Err(Error::new(format!("reading {}: {error}", path.display())));
                }
            };
            return parse_loose(&compressed)
                .map(Some)
                .map_err(|error| Error::new(format!("loose object {}: {error}", path.display())));
        }
        Ok(None)
    }

    /// Resolve the entry at `location`, following its delta chain down to a
    /// whole object (or a cached one), then applying the deltas back up.
    fn read_packed(&self, location: (usize, u64)) -> Result<Object, Error> {
        let mut chain: Vec<((usize, u64), Vec<u8>)> = Vec::new();
        let mut at = location;
        // Where the base of the chain is stored; `None` for a loose base.
        let mut base_at = Some(location);
        let base = loop {
            if let Some(cached) = self.base_cache.borrow().get(at) {
                break cached;
            }
            let pack = &self.packs[at.0];
            match pack.entry_at(at.1)? {
                PackEntry::Whole { kind, data } => break Object { kind, data },
                PackEntry::OffsetDelta { base_offset, delta } => {
                    chain.push((at, delta));
                    at = (at.0, base_offset);
                }
                PackEntry::RefDelta { base, delta } => {
                    chain.push((at, delta));
                    match self.find_packed(&base)? {
                        Some(base_location) => at = base_location,
                        None => {
                            base_at = None;
                            break self.read_loose(&base)?.ok_or_else(|| {
                                Error::new(format!(
                                    "{}: delta base {base} is missing",
                                    pack.path().display()
                                ))
                            })?;
                        }
                    }
                }
            }
            base_at = Some(at);
            if chain.len() > MAX_DELTA_CHAIN {
                return Err(Error::new(format!(
                    "{}: delta chain longer than {MAX_DELTA_CHAIN} at offset {}",
                    self.packs[location.0].path().display(),
                    location.1
                )));
            }
        };
        let mut object = base;
        let mut object_at = base_at;
        for (at, delta) in chain.into_iter().rev() {
            // Only objects that serve as delta bases are worth caching.
            if let Some(object_at) = object_at {
                self.base_cache.borrow_mut().insert(object_at, &object);
            }
            object.data = apply_delta(&object.data, &delta).map_err(|error| {
                Error::new(format!(
                    "{} at offset {}: {error}",
                    self.packs[at.0].path().display(),
                    at.1
                ))
            })?;
            object_at = Some(at);
        }
        Ok(object)
    }
}

/// Alternates name further object directories, one per line, relative to
/// the `objects` directory that lists them.
fn collect_alternates(objects: &Path, dirs: &mut Vec<PathBuf>, depth: usize) -> Result<(), Error> {
    let file = objects.join("info").join("alternates");
    let Ok(text) = std::fs::read_to_string(&file) else {
        return Ok(());
    };
    // git itself stops at 5 levels of alternates.
    if depth >= 5 {
        return Err(Error::new(format!(
            "{}: alternates nest too deeply",
            file.display()
        )));
    }
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let dir = objects.join(line);
        if !dir.is_dir() {
            return Err(Error::new(format!(
                "{} names {line}, which is not reachable in the sandbox",
                file.display()
            )));
        }
        if !dirs.contains(&dir) {
            dirs.push(dir.clone());
            collect_alternates(&dir, dirs, depth + 1)?;
        }
    }
    Ok(())
}

/// A loose object: zlib of `<type> <size>\0<data>`.
fn parse_loose(compressed: &[u8]) -> Result<Object, String> {
    let mut raw = Vec::new();
    ZlibDecoder::new(compressed)
        .read_to_end(&mut raw)
        .map_err(|error| format!("corrupt zlib data: {error}"))?;
    let nul = raw.iter().position(|&byte| byte == 0).ok_or("no header")?;
    let header = std::str::from_utf8(&raw[..nul]).map_err(|_| "malformed header")?;
    let (kind, size) = header.split_once(' ').ok_or("malformed header")?;
    let kind = Kind::from_name(kind.as_bytes()).ok_or_else(|| format!("unknown type {kind:?}"))?;
    let size: usize = size.parse().map_err(|_| "malformed size")?;
    if raw.len() - nul - 1 != size {
        return Err(format!(
            "header says {size} bytes, the object has {}",
            raw.len() - nul - 1
        ));
    }
    raw.drain(..=nul);
    Ok(Object { kind, data: raw })
}

#[derive(Default)]
struct BaseCache {
    objects: HashMap<(usize, u64), Object>,
    bytes: usize,
}

impl BaseCache {
    fn get(&self, at: (usize, u64)) -> Option<Object> {
        self.objects.get(&at).cloned()
    }

    fn insert(&mut self, at: (usize, u64), object: &Object) {
        if object.data.len() > DELTA_BASE_CACHE_BYTES / 4 || self.objects.contains_key(&at) {
            return;
        }
        // Dropping everything is crude but bounded; a checkout reads each
        // file once, so a chain's neighbours matter, not long history.
        if self.bytes + object.data.len() > DELTA_BASE_CACHE_BYTES {
            self.objects.clear();
            self.bytes = 0;
        }
        self.bytes += object.data.len();
        self.objects.insert(at, object.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::ZlibEncoder};
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn parses_loose_objects() {
        let object = parse_loose(&zlib(b"blob 5\0hello")).unwrap();
        assert_eq!(object.kind, Kind::Blob);
        assert_eq!(object.data, b"hello");
        assert!(parse_loose(&zlib(b"blob 6\0hello")).is_err());
        assert!(parse_loose(&zlib(b"wat 5\0hello")).is_err());
        assert!(parse_loose(b"not zlib").is_err());
    }
}
