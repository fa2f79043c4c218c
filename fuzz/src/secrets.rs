//! Secret providers: the file store reads whatever files are in its
//! directory (names and contents someone else may have put there), the env
//! provider whatever variables the front end snapshotted.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;

use kiln_store::secrets::{
    EnvProvider, FileStore, SecretError, SecretProvider, validate_secret_name,
};

use crate::input::Input;

/// The bytes up to the first newline name a file, the rest is its content;
/// the file is written owner-only into a fresh store directory, and the
/// store lists and reads it. A listed name is a valid secret name; reading
/// a valid name gives the exact content, or a clear "not UTF-8" refusal.
/// The same name and value then go through the env provider as a variable.
pub fn secret_file(data: &[u8]) {
    let mut input = Input::new(data);
    let name = input.until(b'\n');
    let content = input.rest();
    file_store(name, content);
    env_provider(name, content);
}

fn file_store(name: &[u8], content: &[u8]) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let secrets = dir.path().join("secrets");
    std::fs::create_dir(&secrets).expect("the store directory");
    std::fs::set_permissions(&secrets, PermissionsExt::from_mode(0o700))
        .expect("the store directory's mode");
    if is_file_name(name) {
        let path = secrets.join(OsStr::from_bytes(name));
        std::fs::write(&path, content).expect("writing the secret file");
        std::fs::set_permissions(&path, PermissionsExt::from_mode(0o600))
            .expect("the secret file's mode");
    }
    let store = FileStore::new(&secrets);
    let listed = store.list().expect("listing a readable store");
    for listed_name in &listed {
        assert!(
            validate_secret_name(listed_name).is_ok(),
            "listed {listed_name:?}"
        );
    }
    let name = crate::text(name);
    match store.get(&name) {
        Ok(Some(value)) => {
            assert_eq!(value.as_bytes(), content, "{name:?} read back otherwise");
            assert!(
                listed.contains(&name.to_string()),
                "{name:?} read, not listed"
            );
        }
        Ok(None) => assert!(
            !listed.contains(&name.to_string()),
            "{name:?} listed, not read"
        ),
        Err(SecretError::InvalidName { .. }) => assert!(validate_secret_name(&name).is_err()),
        Err(SecretError::NotUtf8 { .. }) => assert!(std::str::from_utf8(content).is_err()),
        Err(error) => panic!("reading {name:?}: {error}"),
    }
}

/// Whether `name` can be a file's name in a directory: one component, of
/// at most 255 bytes.
fn is_file_name(name: &[u8]) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name != b"."
        && name != b".."
        && !name.contains(&b'/')
        && !name.contains(&0)
}

fn env_provider(name: &[u8], value: &[u8]) {
    let name = crate::text(name);
    let value = crate::text(value);
    let provider = EnvProvider::from_vars([(
        EnvProvider::default().variable_name(&name),
        value.to_string(),
    )]);
    match provider.get(&name) {
        Ok(found) => assert_eq!(found.as_deref(), Some(&*value), "{name:?} read otherwise"),
        Err(SecretError::InvalidName { .. }) => assert!(validate_secret_name(&name).is_err()),
        Err(error) => panic!("reading {name:?} from a variable: {error}"),
    }
    let _ = provider.lookup_location(&name);
}
