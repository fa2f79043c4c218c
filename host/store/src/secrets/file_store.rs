//! Secrets kept on disk in `<kiln data dir>/secrets/`, one file per secret,
//! named by the secret name and holding exactly its value.
//!
//! The directory is created `0700` and every file `0600`, and a read is
//! refused (not silently allowed) when either is open to group or others,
//! as ssh refuses a readable private key: a secret that other users could
//! read or replace is not one. Writes go to a temporary file in the same
//! directory which is then renamed over the old one, so a reader sees the
//! old value or the new one, never half of one, even if the host dies
//! mid-write.
//!
//! Limitations: Unix only (it relies on permission bits); the owner of the
//! files is not checked, only their mode; the value is stored as is, so a
//! file written by hand with `echo value > file` holds a trailing newline.

use std::fs::{self, DirBuilder, File, Permissions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::provider::{SecretError, SecretProvider, validate_secret_name};

/// The mode of the store directory: owner only.
const DIR_MODE: u32 = 0o700;
/// The mode of a secret file: owner read and write only.
const FILE_MODE: u32 = 0o600;
/// Permission bits that let group or others read or write: any of them set
/// on the directory or a secret file and the store refuses to read.
const GROUP_OR_OTHER_READ_WRITE: u32 = 0o066;
/// Temporary files start with a dot, which no secret name may, so a
/// temporary file left by a crash is never taken for a secret.
const TEMP_PREFIX: &str = ".tmp-";

/// The provider name used in messages.
const PROVIDER: &str = "file store";

/// A directory of owner-only secret files; see the module documentation.
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    /// A store in `dir` (normally `<kiln data dir>/secrets`). Nothing is
    /// touched on disk until a secret is stored: a host that uses no
    /// secrets leaves no directory behind.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory holding the secrets, for messages.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file holding secret `name`, which must be valid.
    fn path_of(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Store `value` as secret `name`, replacing any previous value
    /// atomically. Creates the directory (`0700`) if needed, and refuses to
    /// write into an existing directory open to group or others.
    pub fn set(&self, name: &str, value: &str) -> Result<(), SecretError> {
        validate_secret_name(name)?;
        let io_error = |action, path: &Path| {
            let path = path.to_path_buf();
            move |source| SecretError::Io {
                provider: PROVIDER.to_owned(),
                name: name.to_owned(),
                action,
                path,
                source,
            }
        };

        self.create_dir()
            .map_err(io_error("create the directory for", &self.dir))?;
        self.check_dir(name)?;

        let path = self.path_of(name);
        let mut temp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .permissions(Permissions::from_mode(FILE_MODE))
            .tempfile_in(&self.dir)
            .map_err(io_error("create a temporary file for", &self.dir))?;
        // Set the mode again on the open file: the creation mode above is
        // reduced by the umask, and a umask could only make it stricter,
        // but the store's contract is an exact 0600.
        temp.as_file()
            .set_permissions(Permissions::from_mode(FILE_MODE))
            .map_err(io_error("store", temp.path()))?;
        temp.write_all(value.as_bytes())
            .and_then(|()| temp.as_file().sync_all())
            .map_err(io_error("store", temp.path()))?;
        temp.persist(&path)
            .map_err(|error| error.error)
            .map_err(io_error("store", &path))?;
        // Make the rename itself durable.
        File::open(&self.dir)
            .and_then(|dir| dir.sync_all())
            .map_err(io_error("store", &self.dir))?;
        Ok(())
    }

    /// Delete secret `name`; `Ok(false)` if there was no such secret.
    pub fn remove(&self, name: &str) -> Result<bool, SecretError> {
        validate_secret_name(name)?;
        let path = self.path_of(name);
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(false),
            Err(source) => Err(SecretError::Io {
                provider: PROVIDER.to_owned(),
                name: name.to_owned(),
                action: "remove",
                path,
                source,
            }),
        }
    }

    /// The names of the stored secrets, sorted; never their values. A
    /// missing directory is an empty store. Files whose names are not valid
    /// secret names (such as temporary files left by a crash) are skipped.
    pub fn list(&self) -> Result<Vec<String>, SecretError> {
        let list_error = |source| SecretError::List {
            provider: PROVIDER.to_owned(),
            path: self.dir.clone(),
            source,
        };
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(list_error(error)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(list_error)?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if validate_secret_name(&name).is_err() {
                continue;
            }
            if entry.file_type().map_err(list_error)?.is_dir() {
                continue;
            }
            names.push(name);
        }
        names.sort_unstable();
        Ok(names)
    }

    /// Create the directory `0700` (and the data directory above it, with
    /// the usual mode) if it does not exist yet.
    fn create_dir(&self) -> std::io::Result<()> {
        if let Some(parent) = self.dir.parent() {
            fs::create_dir_all(parent)?;
        }
        match DirBuilder::new().mode(DIR_MODE).create(&self.dir) {
            // The creation mode is reduced by the umask; make it exact.
            Ok(()) => fs::set_permissions(&self.dir, Permissions::from_mode(DIR_MODE)),
            Err(error) if error.kind() == ErrorKind::AlreadyExists => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// Refuse a store directory open to group or others. `Ok(false)` when
    /// the directory does not exist.
    fn check_dir(&self, name: &str) -> Result<bool, SecretError> {
        let metadata = match fs::metadata(&self.dir) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(false),
            Err(source) => {
                return Err(SecretError::Io {
                    provider: PROVIDER.to_owned(),
                    name: name.to_owned(),
                    action: "read",
                    path: self.dir.clone(),
                    source,
                });
            }
        };
        if !metadata.is_dir() {
            return Err(SecretError::Io {
                provider: PROVIDER.to_owned(),
                name: name.to_owned(),
                action: "read",
                path: self.dir.clone(),
                source: ErrorKind::NotADirectory.into(),
            });
        }
        refuse_open_permissions(name, &self.dir, metadata.permissions().mode(), DIR_MODE)?;
        Ok(true)
    }
}

/// Refuse `path` if its `mode` lets group or others read or write it.
fn refuse_open_permissions(
    name: &str,
    path: &Path,
    mode: u32,
    fix_mode: u32,
) -> Result<(), SecretError> {
    if mode & GROUP_OR_OTHER_READ_WRITE == 0 {
        return Ok(());
    }
    Err(SecretError::InsecurePermissions {
        provider: PROVIDER.to_owned(),
        name: name.to_owned(),
        path: path.to_path_buf(),
        mode: mode & 0o7777,
        fix_mode,
    })
}

impl SecretProvider for FileStore {
    fn name(&self) -> &str {
        PROVIDER
    }

    fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
        validate_secret_name(name)?;
        if !self.check_dir(name)? {
            return Ok(None);
        }
        let path = self.path_of(name);
        let read_error = |source| SecretError::Io {
            provider: PROVIDER.to_owned(),
            name: name.to_owned(),
            action: "read",
            path: path.clone(),
            source,
        };
        let mut file = match File::open(&path) {
            Ok(file) => file,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(read_error(error)),
        };
        // Check the file that was opened, not the path, so a swap between
        // the check and the read cannot slip an open file past it.
        let metadata = file.metadata().map_err(read_error)?;
        if !metadata.is_file() {
            return Err(read_error(std::io::Error::new(
                ErrorKind::InvalidInput,
                "not a regular file",
            )));
        }
        refuse_open_permissions(name, &path, metadata.permissions().mode(), FILE_MODE)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(read_error)?;
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| SecretError::NotUtf8 {
                provider: PROVIDER.to_owned(),
                name: name.to_owned(),
            })
    }

    fn lookup_location(&self, name: &str) -> String {
        format!("{PROVIDER} ({})", self.path_of(name).display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode_of(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    fn chmod(path: &Path, mode: u32) {
        fs::set_permissions(path, Permissions::from_mode(mode)).unwrap();
    }

    /// A store in a not yet existing `secrets` directory of a fresh data
    /// directory.
    fn new_store() -> (tempfile::TempDir, FileStore) {
        let data_dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(data_dir.path().join("secrets"));
        (data_dir, store)
    }

    #[test]
    fn a_stored_secret_is_read_back_exactly() {
        let (_data_dir, store) = new_store();
        let value = "line one\nline two\n  with spaces  \n";
        store.set("deploy-key", value).unwrap();
        assert_eq!(store.get("deploy-key").unwrap().as_deref(), Some(value));
    }

    #[test]
    fn the_directory_is_created_0700_and_files_0600() {
        let (_data_dir, store) = new_store();
        store.set("token", "abc123").unwrap();
        assert_eq!(mode_of(store.dir()), 0o700);
        assert_eq!(mode_of(&store.dir().join("token")), 0o600);
    }

    #[test]
    fn missing_secrets_and_a_missing_store_are_none() {
        let (_data_dir, store) = new_store();
        assert_eq!(store.get("token").unwrap(), None);
        assert!(!store.dir().exists(), "a read must not create the store");
        store.set("other", "value").unwrap();
        assert_eq!(store.get("token").unwrap(), None);
    }

    #[test]
    fn overwriting_replaces_the_file_atomically() {
        let (_data_dir, store) = new_store();
        store.set("token", "old-value").unwrap();
        // A reader that opened the old file keeps reading the old value: the
        // new one went to a new file renamed over it, never written in place.
        let mut old_reader = File::open(store.dir().join("token")).unwrap();
        store.set("token", "new-value-longer").unwrap();
        let mut seen_by_old_reader = String::new();
        old_reader.read_to_string(&mut seen_by_old_reader).unwrap();
        assert_eq!(seen_by_old_reader, "old-value");
        assert_eq!(
            store.get("token").unwrap().as_deref(),
            Some("new-value-longer")
        );
        let entries: Vec<_> = fs::read_dir(store.dir())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(entries, ["token"], "no temporary file may be left behind");
        assert_eq!(mode_of(&store.dir().join("token")), 0o600);
    }

    #[test]
    fn overwriting_restores_0600_on_a_file_made_readable() {
        let (_data_dir, store) = new_store();
        store.set("token", "v1").unwrap();
        chmod(&store.dir().join("token"), 0o644);
        store.set("token", "v2-value").unwrap();
        assert_eq!(mode_of(&store.dir().join("token")), 0o600);
    }

    #[test]
    fn a_file_readable_by_others_is_refused_with_the_fix() {
        let (_data_dir, store) = new_store();
        store.set("db-pass", "hunter2-secret").unwrap();
        let path = store.dir().join("db-pass");
        for mode in [0o644, 0o640, 0o604, 0o620, 0o602] {
            chmod(&path, mode);
            let error = store.get("db-pass").unwrap_err();
            assert!(
                matches!(error, SecretError::InsecurePermissions { .. }),
                "{error:?}"
            );
            let message = error.to_string();
            assert!(message.contains("file store"), "{message}");
            assert!(message.contains("`db-pass`"), "{message}");
            assert!(message.contains(&format!("{mode:03o}")), "{message}");
            assert!(
                message.contains(&format!("chmod 600 {}", path.display())),
                "{message}"
            );
            assert!(!message.contains("hunter2-secret"), "{message}");
        }
        chmod(&path, 0o400);
        assert_eq!(
            store.get("db-pass").unwrap().as_deref(),
            Some("hunter2-secret")
        );
    }

    #[test]
    fn a_directory_open_to_others_is_refused_for_reads_and_writes() {
        let (_data_dir, store) = new_store();
        store.set("token", "abc123").unwrap();
        chmod(store.dir(), 0o755);
        let fix = format!("chmod 700 {}", store.dir().display());
        let read_error = store.get("token").unwrap_err().to_string();
        assert!(read_error.contains(&fix), "{read_error}");
        let write_error = store.set("token", "new").unwrap_err().to_string();
        assert!(write_error.contains(&fix), "{write_error}");
        chmod(store.dir(), 0o711);
        assert_eq!(store.get("token").unwrap().as_deref(), Some("abc123"));
    }

    #[test]
    fn remove_reports_whether_there_was_a_secret() {
        let (_data_dir, store) = new_store();
        assert!(!store.remove("token").unwrap());
        store.set("token", "abc123").unwrap();
        assert!(store.remove("token").unwrap());
        assert!(!store.remove("token").unwrap());
        assert_eq!(store.get("token").unwrap(), None);
    }

    #[test]
    fn list_gives_sorted_names_and_skips_temporary_files() {
        let (_data_dir, store) = new_store();
        assert!(store.list().unwrap().is_empty());
        store.set("zeta", "1111").unwrap();
        store.set("alpha.key", "2222").unwrap();
        store.set("Mid-name", "3333").unwrap();
        // What a crash between create and rename leaves behind.
        fs::write(store.dir().join(".tmp-abc123"), "partial").unwrap();
        fs::create_dir(store.dir().join("subdir")).unwrap();
        assert_eq!(store.list().unwrap(), ["Mid-name", "alpha.key", "zeta"]);
    }

    #[test]
    fn invalid_names_are_refused_by_every_operation() {
        let (_data_dir, store) = new_store();
        for name in ["../escape", ".hidden", "a/b", "", "sp ace"] {
            assert!(matches!(
                store.set(name, "value"),
                Err(SecretError::InvalidName { .. })
            ));
            assert!(matches!(
                store.get(name),
                Err(SecretError::InvalidName { .. })
            ));
            assert!(matches!(
                store.remove(name),
                Err(SecretError::InvalidName { .. })
            ));
        }
        assert!(!store.dir().exists());
    }

    #[test]
    fn a_non_utf8_file_is_an_error_naming_the_secret() {
        let (_data_dir, store) = new_store();
        store.set("blob", "placeholder").unwrap();
        let path = store.dir().join("blob");
        fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
        let message = store.get("blob").unwrap_err().to_string();
        assert!(
            message.contains("`blob`") && message.contains("UTF-8"),
            "{message}"
        );
    }

    #[test]
    fn a_directory_in_place_of_a_secret_is_an_error() {
        let (_data_dir, store) = new_store();
        store.set("other", "value").unwrap();
        fs::create_dir(store.dir().join("token")).unwrap();
        assert!(matches!(store.get("token"), Err(SecretError::Io { .. })));
    }

    #[test]
    fn the_lookup_location_is_the_file() {
        let store = FileStore::new("/data/secrets");
        assert_eq!(
            store.lookup_location("token"),
            "file store (/data/secrets/token)"
        );
    }
}
