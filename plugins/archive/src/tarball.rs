//! Writing a reproducible `.tar.gz`: the same entries and parameters give
//! the same bytes, whatever the input files' times, owners or modes.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use kiln_sdk::{Error, ResultExt};
use sha2::{Digest, Sha256};
use tar::{EntryType, Header};

use crate::collect::{Entry, EntryKind};

const FILE_MODE: u32 = 0o644;
const DIR_MODE: u32 = 0o755;
/// Symlink permissions are ignored by every system; this is what `ln -s`
/// gives on Linux.
const SYMLINK_MODE: u32 = 0o777;

pub struct Settings {
    /// Modification time of every entry, in seconds since the epoch.
    pub mtime: u64,
    /// gzip level, 0 (store) to 9 (smallest).
    pub level: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// Bytes of the `.tar.gz`.
    pub compressed_bytes: u64,
    /// Bytes of file content archived.
    pub content_bytes: u64,
    pub files: u64,
    pub sha256: String,
}

/// Write `entries` (already sorted) as a gzip-compressed tar to `path`.
/// Every header gets uid and gid 0, no owner names, `mtime`, and fixed
/// modes: file modes from the inputs are not reproducible (and WASI cannot
/// read them), so executables are archived as 0644 too.
pub fn write_tar_gz(
    entries: &[Entry],
    path: &Path,
    settings: &Settings,
    on_progress: &mut dyn FnMut(usize, usize),
) -> Result<Written, Error> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let hashing = HashingWriter::new(BufWriter::new(file));
    let gzip = GzEncoder::new(hashing, Compression::new(settings.level));
    let mut builder = tar::Builder::new(gzip);
    let mut files = 0;
    let mut content_bytes = 0;
    for (done, entry) in entries.iter().enumerate() {
        on_progress(done, entries.len());
        append_entry(&mut builder, entry, settings.mtime)
            .with_context(|| format!("archiving {} ({})", entry.path, entry.source.display()))?;
        if let EntryKind::File { size } = entry.kind {
            files += 1;
            content_bytes += size;
        }
    }
    on_progress(entries.len(), entries.len());
    let written = builder
        .into_inner()
        .and_then(GzEncoder::finish)
        .with_context(|| format!("writing {}", path.display()))?;
    let (mut buffered, compressed_bytes, digest) = written.finish();
    buffered
        .flush()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(Written {
        compressed_bytes,
        content_bytes,
        files,
        sha256: hex::encode(digest),
    })
}

fn append_entry<W: Write>(
    builder: &mut tar::Builder<W>,
    entry: &Entry,
    mtime: u64,
) -> io::Result<()> {
    let mut header = Header::new_gnu();
    header.set_mtime(mtime);
    header.set_uid(0);
    header.set_gid(0);
    match &entry.kind {
        EntryKind::Dir => {
            header.set_entry_type(EntryType::Directory);
            header.set_mode(DIR_MODE);
            header.set_size(0);
            builder.append_data(&mut header, &entry.path, io::empty())
        }
        EntryKind::File { size } => {
            header.set_entry_type(EntryType::Regular);
            header.set_mode(FILE_MODE);
            header.set_size(*size);
            let file = File::open(&entry.source)?;
            // Inputs are read-only, but a size that changed between listing
            // and reading would corrupt the archive silently: check it.
            let mut content = CountingReader::new(io::Read::take(file, *size));
            builder.append_data(&mut header, &entry.path, &mut content)?;
            if content.count != *size {
                return Err(io::Error::other(format!(
                    "file shrank from {size} to {} bytes while archiving",
                    content.count
                )));
            }
            Ok(())
        }
        EntryKind::Symlink { target } => {
            header.set_entry_type(EntryType::Symlink);
            header.set_mode(SYMLINK_MODE);
            header.set_size(0);
            builder.append_link(&mut header, &entry.path, target)
        }
    }
}

struct CountingReader<R> {
    inner: R,
    count: u64,
}

impl<R> CountingReader<R> {
    fn new(inner: R) -> Self {
        Self { inner, count: 0 }
    }
}

impl<R: io::Read> io::Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.count += read as u64;
        Ok(read)
    }
}

/// Hashes and counts what passes through, so the archive is never read back.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W> HashingWriter<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    fn finish(self) -> (W, u64, [u8; 32]) {
        (self.inner, self.bytes, self.hasher.finalize().into())
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
