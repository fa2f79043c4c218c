//! The action's log. Lines are stored with the run, masked for secrets, and
//! shown by `kiln run` and `kiln logs`.

use crate::bindings::kiln::plugin::log::{self as wit, Level};

pub fn trace(message: impl AsRef<str>) {
    wit::log(Level::Trace, message.as_ref());
}

pub fn debug(message: impl AsRef<str>) {
    wit::log(Level::Debug, message.as_ref());
}

pub fn info(message: impl AsRef<str>) {
    wit::log(Level::Info, message.as_ref());
}

pub fn warn(message: impl AsRef<str>) {
    wit::log(Level::Warn, message.as_ref());
}

pub fn error(message: impl AsRef<str>) {
    wit::log(Level::Error, message.as_ref());
}

/// Report progress: `done` of `total` units (`0` when unknown).
pub fn progress(done: u64, total: u64, message: impl AsRef<str>) {
    wit::progress(done, total, message.as_ref());
}

/// `info!("copied {n} files")`: log at info level, formatted like `format!`.
#[macro_export]
macro_rules! info {
    ($($arg:tt)*) => { $crate::log::info(format!($($arg)*)) };
}

/// `warn!(...)`: log at warn level, formatted like `format!`.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)*) => { $crate::log::warn(format!($($arg)*)) };
}

/// `debug!(...)`: log at debug level, formatted like `format!`.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)*) => { $crate::log::debug(format!($($arg)*)) };
}

/// `error!(...)`: log at error level, formatted like `format!`.
#[macro_export]
macro_rules! error {
    ($($arg:tt)*) => { $crate::log::error(format!($($arg)*)) };
}
