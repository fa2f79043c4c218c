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
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

/// How many recent lines are kept in memory for failure reports.
const TAIL_LINES: usize = 20;
/// A line longer than this is cut: one unterminated megabyte of output must
/// not become one unreadable line.
const MAX_LINE_BYTES: usize = 16 * 1024;

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

/// One attempt's log. Cheap to clone; all clones write to the same file.
#[derive(Clone)]
pub struct ActionLog {
    inner: Arc<Mutex<LogInner>>,
}

struct LogInner {
    path: PathBuf,
    file: Option<BufWriter<File>>,
    tail: VecDeque<String>,
    last_progress: Option<String>,
}

impl ActionLog {
    /// Create the log file (and its directory).
    pub fn create(path: &Path) -> std::io::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = File::create(path)?;
        Ok(Self {
            inner: Arc::new(Mutex::new(LogInner {
                path: path.to_path_buf(),
                file: Some(BufWriter::new(file)),
                tail: VecDeque::with_capacity(TAIL_LINES),
                last_progress: None,
            })),
        })
    }

    pub fn path(&self) -> PathBuf {
        self.lock().path.clone()
    }

    /// Write a message; each of its lines becomes a log line.
    pub fn write(&self, level: Level, message: &str) {
        let mut inner = self.lock();
        for line in message.lines() {
            inner.append(level, line);
        }
        if message.is_empty() {
            inner.append(level, "");
        }
    }

    /// Record a progress report; the latest one is shown while running.
    pub fn progress(&self, done: u64, total: u64, message: &str) {
        let text = if total > 0 {
            format!("[{done}/{total}] {message}")
        } else {
            format!("[{done}] {message}")
        };
        let mut inner = self.lock();
        inner.append(Level::Info, &text);
        inner.last_progress = Some(text);
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
    fn append(&mut self, level: Level, line: &str) {
        let line = cut_line(line);
        let stamp = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        if let Some(file) = self.file.as_mut()
            && writeln!(file, "{stamp} {:<5} {line}", level.as_str()).is_err()
        {
            // The disk refused: keep the tail in memory, stop writing.
            self.file = None;
        }
        if self.tail.len() == TAIL_LINES {
            self.tail.pop_front();
        }
        self.tail.push_back(line.to_owned());
    }
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
        Box::new(LineWriter {
            log: self.log.clone(),
            level: self.level,
            pending: Vec::new(),
        })
    }
}

struct LineWriter {
    log: ActionLog,
    level: Level,
    pending: Vec<u8>,
}

impl LineWriter {
    fn emit_complete_lines(&mut self) {
        while let Some(newline) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=newline).collect();
            let text = String::from_utf8_lossy(&line[..line.len() - 1]);
            self.log.write(self.level, text.trim_end_matches('\r'));
        }
        if self.pending.len() > MAX_LINE_BYTES {
            let text = String::from_utf8_lossy(&self.pending).into_owned();
            self.pending.clear();
            self.log.write(self.level, &text);
        }
    }

    fn emit_rest(&mut self) {
        if !self.pending.is_empty() {
            let text = String::from_utf8_lossy(&self.pending).into_owned();
            self.pending.clear();
            self.log.write(self.level, &text);
        }
    }
}

impl AsyncWrite for LineWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.pending.extend_from_slice(buf);
        self.emit_complete_lines();
        Poll::Ready(Ok(buf.len()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_split_and_kept_in_the_tail() {
        let dir = tempfile::tempdir().unwrap();
        let log = ActionLog::create(&dir.path().join("a.log")).unwrap();
        log.write(Level::Info, "one\ntwo");
        let mut writer = LineWriter {
            log: log.clone(),
            level: Level::Warn,
            pending: Vec::new(),
        };
        writer.pending.extend_from_slice(b"thr");
        writer.emit_complete_lines();
        writer.pending.extend_from_slice(b"ee\nfour");
        writer.emit_complete_lines();
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
