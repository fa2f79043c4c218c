use std::fmt;

/// A plugin failure: its message is what the user sees for the failed action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    /// Prefix the message with what was being done, like `anyhow::Context`.
    pub fn context(self, what: impl fmt::Display) -> Self {
        Self(format!("{what}: {}", self.0))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Self(error.to_string())
    }
}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Self(message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Self(message.to_owned())
    }
}

/// Attach context to any error on its way out of a plugin:
/// `fs::read(&path).with_context(|| format!("reading {}", path.display()))?`.
pub trait ResultExt<T> {
    fn with_context<D: fmt::Display>(self, what: impl FnOnce() -> D) -> Result<T, Error>;
}

impl<T, E: fmt::Display> ResultExt<T> for Result<T, E> {
    fn with_context<D: fmt::Display>(self, what: impl FnOnce() -> D) -> Result<T, Error> {
        self.map_err(|error| Error(format!("{}: {error}", what())))
    }
}

/// Return early with an [`Error`] built like `format!`.
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::Error::new(format!($($arg)*)))
    };
}
