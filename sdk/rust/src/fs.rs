//! File-system calls that stable Rust's standard library lacks on
//! `wasm32-wasip2`.

use std::io;
use std::path::Path;

/// Create a symbolic link at `link` whose content is `target`, like
/// `std::os::unix::fs::symlink`.
///
/// Stable Rust has no way to create a symlink on WASI
/// (`std::os::wasi::fs::symlink_path` is unstable), so inside a plugin this
/// calls `wasi:filesystem` directly. `link` must be an absolute path under
/// one of the sandbox's writable mounts (`/outputs/<name>/...`,
/// `/mnt/<name>/...`, `/tmp/...`). The host refuses absolute targets, which
/// would point outside the sandbox for whoever reads the tree later, so
/// `target` must be relative.
///
/// Built for the native target (a plugin's unit tests), this is
/// `std::os::unix::fs::symlink`.
pub fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    imp::symlink(target.as_ref(), link.as_ref())
}

#[cfg(target_os = "wasi")]
mod imp {
    use std::io;
    use std::path::Path;

    use crate::bindings::wasi::filesystem::preopens;
    use crate::bindings::wasi::filesystem::types::ErrorCode;

    pub fn symlink(target: &Path, link: &Path) -> io::Result<()> {
        let target = utf8(target, "symlink target")?;
        if !link.is_absolute() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("symlink path {} is not absolute", link.display()),
            ));
        }
        // The link is created relative to the mount that holds it; with
        // nested mounts the deepest one is the one that holds it.
        let mounts = preopens::get_directories();
        let (mount, relative) = mounts
            .iter()
            .filter_map(|(dir, mount)| {
                let relative = link.strip_prefix(mount).ok()?;
                Some((dir, relative, mount.len()))
            })
            .filter(|(_, relative, _)| !relative.as_os_str().is_empty())
            .max_by_key(|(_, _, depth)| *depth)
            .map(|(dir, relative, _)| (dir, relative))
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{} is not under a mounted directory", link.display()),
                )
            })?;
        mount
            .symlink_at(target, utf8(relative, "symlink path")?)
            .map_err(|code| io_error(code, link))
    }

    fn utf8<'a>(path: &'a Path, what: &str) -> io::Result<&'a str> {
        path.to_str().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{what} {} is not UTF-8", path.display()),
            )
        })
    }

    fn io_error(code: ErrorCode, link: &Path) -> io::Error {
        let kind = match code {
            ErrorCode::Exist => io::ErrorKind::AlreadyExists,
            ErrorCode::NoEntry => io::ErrorKind::NotFound,
            ErrorCode::Access | ErrorCode::NotPermitted | ErrorCode::ReadOnly => {
                io::ErrorKind::PermissionDenied
            }
            ErrorCode::Unsupported => io::ErrorKind::Unsupported,
            ErrorCode::Invalid => io::ErrorKind::InvalidInput,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(
            kind,
            format!("creating symlink {}: {code:?}", link.display()),
        )
    }
}

#[cfg(unix)]
mod imp {
    use std::io;
    use std::path::Path;

    pub fn symlink(target: &Path, link: &Path) -> io::Result<()> {
        std::os::unix::fs::symlink(target, link)
    }
}

#[cfg(not(any(unix, target_os = "wasi")))]
mod imp {
    use std::io;
    use std::path::Path;

    pub fn symlink(_target: &Path, link: &Path) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("cannot create symlink {} on this platform", link.display()),
        ))
    }
}
