//! The log capability: the `kiln:plugin/log` interface and the plugin's
//! stdout and stderr, written line by line to the attempt's log file.
//!
//! Every line is timestamped and levelled. The last lines are kept in
//! memory so the CLI can show why an action failed without reading files.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;

use kiln_model::mask::{Masker, StreamMasker};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

/// Sees every line as it is logged (masked, without its timestamp).
pub type LineObserver = Arc<dyn Fn(&str) + Send + Sync>;

/// How many recent lines are kept in memory for failure reports.
const TAIL_LINES: usize = 20;
/// A line longer than this is cut: one megabyte written through the log
/// interface in one message must not become one unreadable line. (Output
/// streams are cut into pieces of this size before they get here.)
const MAX_LINE_BYTES: usize = kiln_model::mask::stream::DEFAULT_MAX_LINE_BYTES;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        }
    }
}

/// Where a log's lines go: a file today, a stream to a server tomorrow.
pub type LogWriter = Box<dyn Write + Send>;

/// One attempt's log. Cheap to clone; all clones write to the same place.
#[derive(Clone)]
pub struct ActionLog {
    inner: Arc<Mutex<LogInner>>,
}

struct LogInner {
    /// Where the lines go, for messages.
    path: PathBuf,
    file: Option<BufWriter<LogWriter>>,
    tail: VecDeque<String>,
    last_progress: Option<String>,
    /// Bytes of log lines accepted so far, and the most accepted.
    written: u64,
    limit: u64,
    exceeded: bool,
    /// Replaces secret values before anything is stored or kept.
    masker: Masker,
    observer: Option<LineObserver>,
}

impl ActionLog {
    /// Create the log file (and its directory), accepting at most `limit`
    /// bytes of lines.
    pub fn create(path: &Path, limit: u64, masker: Masker) -> std::io::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = File::create(path)?;
        Ok(Self::over(Box::new(file), path, limit, masker))
    }

    /// A log whose lines go to `writer` (`shown` names it in messages).
    pub fn over(writer: LogWriter, shown: &Path, limit: u64, masker: Masker) -> Self {
        Self {
            inner: Arc::new(Mutex::new(LogInner {
                path: shown.to_path_buf(),
                file: Some(BufWriter::new(writer)),
                tail: VecDeque::with_capacity(TAIL_LINES),
                last_progress: None,
                written: 0,
                limit,
                exceeded: false,
                masker,
                observer: None,
            })),
        }
    }

    /// Hand every later line to `observer` too (the live view).
    pub fn observe(&self, observer: LineObserver) {
        self.lock().observer = Some(observer);
    }

    pub fn path(&self) -> PathBuf {
        self.lock().path.clone()
    }

    /// Write a message; each of its lines becomes a log line. Returns false
    /// once the log's limit is exceeded: the line was dropped.
    pub fn write(&self, level: Level, message: &str) -> bool {
        let mut inner = self.lock();
        if message.is_empty() {
            return inner.append(level, "");
        }
        message.lines().all(|line| inner.append(level, line))
    }

    /// Write a line from kiln itself; never refused by the limit.
    pub fn note(&self, level: Level, message: &str) {
        let mut inner = self.lock();
        for line in message.lines() {
            inner.append_unlimited(level, line);
        }
    }

    /// `text` with every granted secret masked, for summaries and errors
    /// that are shown outside the log.
    pub fn mask(&self, text: &str) -> String {
        self.lock().masker.mask(text).into_owned()
    }

    /// The masker of this log's secrets (for output that reaches the log
    /// by another path, such as a program's, to be cut the same way).
    pub fn masker(&self) -> Masker {
        self.lock().masker.clone()
    }

    /// Whether the plugin wrote more than the limit.
    pub fn exceeded(&self) -> bool {
        self.lock().exceeded
    }

    /// Record a progress report; the latest one is shown while running.
    pub fn progress(&self, done: u64, total: u64, message: &str) {
        let text = if total > 0 {
            format!("[{done}/{total}] {message}")
        } else {
            format!("[{done}] {message}")
        };
        let mut inner = self.lock();
        if inner.append(Level::Info, &text) {
            inner.last_progress = Some(text);
        }
    }

    /// The last lines written, oldest first, without timestamps.
    pub fn tail(&self) -> Vec<String> {
        self.lock().tail.iter().cloned().collect()
    }

    /// Flush to disk; the log stays usable.
    pub fn flush(&self) {
        let mut inner = self.lock();
        if let Some(file) = inner.file.as_mut() {
            let _ = file.flush();
        }
    }

    /// A WASI stdout or stderr that writes into this log at `level`.
    pub fn stream(&self, level: Level) -> LogStream {
        LogStream {
            log: self.clone(),
            level,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LogInner> {
        // A panic while holding the lock cannot corrupt a log: keep going.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl LogInner {
    /// Append a plugin's line, unless the limit is reached; the first line
    /// past it is replaced by a note saying where the log was cut.
    fn append(&mut self, level: Level, line: &str) -> bool {
        if self.exceeded {
            return false;
        }
        let masked = self.masker.mask(line).into_owned();
        let line = masked.as_str();
        let formatted = format_line(level, line);
        let size = formatted.len() as u64;
        if self.written + size > self.limit {
            self.exceeded = true;
            let note = format!(
                "kiln: log cut here: the plugin wrote more than limits.log ({})",
                crate::budget::Size(self.limit)
            );
            self.append_unlimited(Level::Error, &note);
            return false;
        }
        self.written += size;
        self.store(line, &formatted);
        true
    }

    fn append_unlimited(&mut self, level: Level, line: &str) {
        let masked = self.masker.mask(line).into_owned();
        let formatted = format_line(level, &masked);
        self.store(&masked, &formatted);
    }

    /// Write one formatted line to the file and keep its text in the tail.
    fn store(&mut self, line: &str, formatted: &str) {
        if let Some(file) = self.file.as_mut()
            && file.write_all(formatted.as_bytes()).is_err()
        {
            // The disk refused: keep the tail in memory, stop writing.
            self.file = None;
        }
        // Every line reaches the file as it is written, so that `kiln logs
        // --follow` (and the next kiln, should this one die) sees the last
        // line before a long silence, not only lines followed by more.
        if let Some(file) = self.file.as_mut() {
            let _ = file.flush();
        }
        if let Some(observer) = &self.observer {
            observer(cut_line(line));
        }
        if self.tail.len() == TAIL_LINES {
            self.tail.pop_front();
        }
        self.tail.push_back(cut_line(line).to_owned());
    }
}

/// `<RFC 3339 time> <LEVEL> <text>\n`, the stored form of a log line.
fn format_line(level: Level, line: &str) -> String {
    let stamp = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    format!("{stamp} {:<5} {}\n", level.as_str(), cut_line(line))
}

fn cut_line(line: &str) -> &str {
    if line.len() <= MAX_LINE_BYTES {
        return line;
    }
    let mut end = MAX_LINE_BYTES;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    &line[..end]
}

/// A plugin's stdout or stderr. Bytes are split into lines; an unterminated
/// last line is written when the stream is dropped.
pub struct LogStream {
    log: ActionLog,
    level: Level,
}

impl IsTerminal for LogStream {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LogStream {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        let masker = self.log.lock().masker.clone();
        Box::new(LineWriter {
            log: self.log.clone(),
            level: self.level,
            lines: Some(StreamMasker::new(masker)),
        })
    }
}

/// Turns a plugin's stdout or stderr bytes into log lines. The
/// [`StreamMasker`] decides where lines end and where an overlong one is
/// cut, so that no cut ever falls inside a secret and escape sequences
/// split across writes are removed whole.
struct LineWriter {
    log: ActionLog,
    level: Level,
    /// `None` once the stream has ended.
    lines: Option<StreamMasker>,
}

impl LineWriter {
    /// Write the lines `bytes` complete; false once the log refuses lines.
    fn write_bytes(&mut self, bytes: &[u8]) -> bool {
        let Some(lines) = self.lines.as_mut() else {
            return false;
        };
        lines
            .push(bytes)
            .iter()
            .all(|line| self.log.write(self.level, line))
    }

    fn emit_rest(&mut self) {
        if let Some(rest) = self.lines.take().and_then(StreamMasker::finish) {
            self.log.write(self.level, &rest);
        }
    }
}

impl AsyncWrite for LineWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.write_bytes(buf) {
            Poll::Ready(Ok(buf.len()))
        } else {
            // The guest's write fails: a flood stops at the limit.
            Poll::Ready(Err(std::io::Error::other(
                "the action's log limit is exceeded",
            )))
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.emit_rest();
        Poll::Ready(Ok(()))
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        self.emit_rest();
    }
}

/// What a store gives the log capability: the attempt's log (none while a
/// plugin is described: nothing is logged then).
pub trait LogView: Send {
    fn log(&mut self) -> Option<&ActionLog>;
}

/// The host side of `kiln:plugin/log`, over one store's log.
pub struct LogHost<'a>(Option<&'a ActionLog>);

struct HasLog;

impl wasmtime::component::HasData for HasLog {
    type Data<'a> = LogHost<'a>;
}

/// Link `kiln:plugin/log` of every contract version.
pub fn add_to_linker<T: LogView + 'static>(
    linker: &mut wasmtime::component::Linker<T>,
) -> wasmtime::Result<()> {
    use crate::bindings::{v0_1, v0_2};
    v0_1::kiln::plugin::log::add_to_linker::<T, HasLog>(linker, |state| LogHost(state.log()))?;
    v0_2::kiln::plugin::log::add_to_linker::<T, HasLog>(linker, |state| LogHost(state.log()))
}

/// `kiln:plugin/log`, the same in every contract version.
macro_rules! log_host {
    ($version:ident) => {
        impl crate::bindings::$version::kiln::plugin::log::Host for LogHost<'_> {
            fn log(
                &mut self,
                level: crate::bindings::$version::kiln::plugin::log::Level,
                message: String,
            ) -> wasmtime::Result<()> {
                use crate::bindings::$version::kiln::plugin::log::Level as Wit;
                let level = match level {
                    Wit::Trace => Level::Trace,
                    Wit::Debug => Level::Debug,
                    Wit::Info => Level::Info,
                    Wit::Warn => Level::Warn,
                    Wit::Error => Level::Error,
                };
                match self.0 {
                    Some(log) if !log.write(level, &message) => {
                        Err(wasmtime::Error::new(crate::budget::LimitExceeded::Log(0)))
                    }
                    _ => Ok(()),
                }
            }

            fn progress(&mut self, done: u64, total: u64, message: String) -> wasmtime::Result<()> {
                if let Some(log) = self.0 {
                    log.progress(done, total, &message);
                }
                Ok(())
            }
        }
    };
}

log_host!(v0_1);
log_host!(v0_2);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_cut_at_the_limit_with_a_note() {
        let dir = tempfile::tempdir().unwrap();
        let log = ActionLog::create(&dir.path().join("a.log"), 1000, Masker::default()).unwrap();
        let mut accepted = 0;
        while log.write(Level::Info, "0123456789") {
            accepted += 1;
        }
        assert!(log.exceeded());
        assert!(!log.write(Level::Info, "more"));
        log.flush();
        let text = std::fs::read_to_string(dir.path().join("a.log")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines.len(),
            accepted + 1,
            "every accepted line, then the note"
        );
        let kept: usize = lines[..accepted].iter().map(|l| l.len() + 1).sum();
        assert!(
            kept <= 1000 && kept > 900,
            "the limit counts stored bytes: {kept}"
        );
        assert!(lines[accepted].contains("log cut here"), "{text}");
    }

    #[test]
    fn lines_are_split_and_kept_in_the_tail() {
        let dir = tempfile::tempdir().unwrap();
        let log = ActionLog::create(&dir.path().join("a.log"), 1 << 20, Masker::default()).unwrap();
        log.write(Level::Info, "one\ntwo");
        let mut writer = LineWriter {
            log: log.clone(),
            level: Level::Warn,
            lines: Some(StreamMasker::new(Masker::default())),
        };
        writer.write_bytes(b"thr");
        writer.write_bytes(b"ee\nfour");
        drop(writer);
        log.flush();
        assert_eq!(log.tail(), ["one", "two", "three", "four"]);
        let text = std::fs::read_to_string(dir.path().join("a.log")).unwrap();
        assert!(
            text.lines().nth(2).unwrap().ends_with("WARN  three"),
            "{text}"
        );
    }
}
