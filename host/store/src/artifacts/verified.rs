//! Blobs this process has hashed, by the stamp of their inode: a read of a
//! blob whose inode is unchanged since it was hashed (device, inode, size,
//! modification and change times) does not hash it again, as git's index
//! and Bazel's digest cache do for files.
//!
//! Why that is still a verified read: every write to a file, by anyone and
//! through any of its names, sets its change time (`ctime`), which no
//! program can set back (only the clock can); since Linux 6.13 a change
//! right after a `statx` of the file gets a later `ctime` even within the
//! same clock tick. A blob's content therefore cannot differ from what was
//! hashed while its stamp is unchanged. What a stamp does not see is a
//! corruption below the filesystem (a failing disk): the first read of a
//! blob in each kiln process hashes it, and the stamps live only in this
//! process's memory, never on disk where they could be forged.

use std::collections::HashMap;
use std::fs::{File, Metadata};
use std::os::unix::fs::MetadataExt;
use std::sync::Mutex;

use kiln_model::digest::Digest;

/// At most this many stamps are kept; past it they are all dropped (and
/// blobs hashed again), which bounds the memory of a long-lived server.
const MAX_STAMPS: usize = 1 << 20;

/// What identifies one state of a file's inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    pub fn of(metadata: &Metadata) -> Self {
        Self {
            dev: metadata.dev(),
            ino: metadata.ino(),
            size: metadata.size(),
            mtime: (metadata.mtime(), metadata.mtime_nsec()),
            ctime: (metadata.ctime(), metadata.ctime_nsec()),
        }
    }

    pub fn of_file(file: &File) -> std::io::Result<Self> {
        file.metadata().map(|metadata| Self::of(&metadata))
    }
}

/// The stamps of the blobs this process hashed.
#[derive(Debug, Default)]
pub(super) struct VerifiedBlobs {
    stamps: Mutex<HashMap<Digest, Stamp>>,
}

impl VerifiedBlobs {
    /// `digest` is the content of the inode as `stamp` describes it.
    pub fn record(&self, digest: Digest, stamp: Stamp) {
        let mut stamps = self.stamps.lock().unwrap_or_else(|p| p.into_inner());
        if stamps.len() >= MAX_STAMPS {
            stamps.clear();
        }
        stamps.insert(digest, stamp);
    }

    /// The digest of the open blob `file`, which should be `expected`: no
    /// read when its inode is as it was when hashed, else hashed (and, when
    /// it is `expected` and did not change while read, stamped).
    pub fn digest_of(&self, expected: &Digest, file: &File) -> std::io::Result<Digest> {
        let before = Stamp::of_file(file)?;
        if self.unchanged(expected, &before) {
            return Ok(*expected);
        }
        let actual = Digest::of_reader(file)?;
        if actual == *expected && Stamp::of_file(file)? == before {
            self.record(actual, before);
        }
        Ok(actual)
    }

    fn unchanged(&self, digest: &Digest, stamp: &Stamp) -> bool {
        let stamps = self.stamps.lock().unwrap_or_else(|p| p.into_inner());
        stamps.get(digest) == Some(stamp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn an_unchanged_blob_is_not_read_again_and_a_changed_one_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob");
        std::fs::write(&path, b"content").unwrap();
        let digest = Digest::of(b"content");
        let verified = VerifiedBlobs::default();

        let file = File::open(&path).unwrap();
        assert_eq!(verified.digest_of(&digest, &file).unwrap(), digest);
        assert!(verified.unchanged(&digest, &Stamp::of_file(&file).unwrap()));

        // The same length, other bytes, and the modification time put back:
        // the change time still moves, and the read hashes again.
        let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
        let mut writer = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        writer.write_all(b"CONTENT").unwrap();
        writer.set_modified(mtime).unwrap();
        drop(writer);
        let file = File::open(&path).unwrap();
        assert_eq!(
            verified.digest_of(&digest, &file).unwrap(),
            Digest::of(b"CONTENT")
        );
    }

    #[test]
    fn a_blob_of_other_content_is_never_stamped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob");
        std::fs::write(&path, b"other").unwrap();
        let verified = VerifiedBlobs::default();
        let expected = Digest::of(b"content");
        let file = File::open(&path).unwrap();
        assert_ne!(verified.digest_of(&expected, &file).unwrap(), expected);
        assert_ne!(verified.digest_of(&expected, &file).unwrap(), expected);
    }
}
