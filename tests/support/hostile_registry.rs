//! A malicious OCI registry for tests: a small HTTP/1.1 server on a
//! loopback address that answers from a routing function, records every
//! request it receives (headers included, to prove where credentials went),
//! and can stream bodies that never end, overflow what they announce, or
//! trickle one byte at a time. With it, `measure` runs the real kiln and
//! reports its peak memory (from the kernel, `wait4`'s `ru_maxrss`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::Run;

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// What a response body is.
pub enum Body {
    Bytes(Vec<u8>),
    /// `prefix`, then `fill` bytes up to `total` bytes in all, `chunk` at a
    /// time with `delay` between chunks; the connection closes after it
    /// (no Content-Length unless the reply sets one).
    Stream {
        prefix: Vec<u8>,
        fill: u8,
        total: u64,
        chunk: usize,
        delay: Duration,
    },
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl Reply {
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Vec::new()),
        }
    }

    pub fn bytes(status: u16, content_type: &str, bytes: Vec<u8>) -> Self {
        Self::new(status)
            .header("content-type", content_type)
            .header("content-length", &bytes.len().to_string())
            .body(Body::Bytes(bytes))
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    pub fn not_found() -> Self {
        Self::bytes(
            404,
            "application/json",
            br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"not here"}]}"#.to_vec(),
        )
    }
}

type Route = dyn Fn(&Recorded) -> Reply + Send + Sync;

/// A registry that does what its route says.
pub struct HostileServer {
    host: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    sent: Arc<AtomicU64>,
}

impl HostileServer {
    /// Serve on `ip` (a loopback address such as 127.0.0.1 or 127.0.0.2)
    /// and a free port; the server lives as long as the test process.
    pub fn start(ip: &str, route: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind((ip, 0)).expect("binding a loopback port");
        let host = format!("{ip}:{}", listener.local_addr().unwrap().port());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let sent = Arc::new(AtomicU64::new(0));
        let route: Arc<Route> = Arc::new(route);
        let (log, counter) = (requests.clone(), sent.clone());
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (route, log, counter) = (route.clone(), log.clone(), counter.clone());
                thread::spawn(move || {
                    let _ = serve(stream, &*route, &log, &counter);
                });
            }
        });
        Self {
            host,
            requests,
            sent,
        }
    }

    /// `ip:port`.
    pub fn host(&self) -> String {
        self.host.clone()
    }

    /// `oci://ip:port/<path>`.
    pub fn reference(&self, path: &str) -> String {
        format!("oci://{}/{path}", self.host)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// Body bytes written to clients so far.
    pub fn bytes_sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }
}

fn serve(
    stream: TcpStream,
    route: &Route,
    log: &Mutex<Vec<Recorded>>,
    sent: &AtomicU64,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let target = parts.next().unwrap_or("").to_owned();
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            let (name, value) = (name.trim().to_owned(), value.trim().to_owned());
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().unwrap_or(0);
            }
            headers.push((name, value));
        }
    }
    let mut body = vec![0u8; length.min(64 << 20)];
    reader.read_exact(&mut body)?;
    let request = Recorded {
        method,
        target,
        headers,
    };
    log.lock().unwrap().push(request.clone());
    let reply = route(&request);
    let mut out = stream;
    write!(out, "HTTP/1.1 {} X\r\nconnection: close\r\n", reply.status)?;
    for (name, value) in &reply.headers {
        write!(out, "{name}: {value}\r\n")?;
    }
    write!(out, "\r\n")?;
    if request.method == "HEAD" {
        return out.flush();
    }
    match reply.body {
        Body::Bytes(bytes) => {
            out.write_all(&bytes)?;
            sent.fetch_add(bytes.len() as u64, Ordering::SeqCst);
        }
        Body::Stream {
            prefix,
            fill,
            total,
            chunk,
            delay,
        } => {
            out.write_all(&prefix)?;
            let mut written = prefix.len() as u64;
            sent.fetch_add(written, Ordering::SeqCst);
            let block = vec![fill; chunk];
            while written < total {
                if !delay.is_zero() {
                    thread::sleep(delay);
                }
                let n = (total - written).min(chunk as u64) as usize;
                // A client that hung up ends this (an error, by design).
                out.write_all(&block[..n])?;
                written += n as u64;
                sent.fetch_add(n as u64, Ordering::SeqCst);
            }
        }
    }
    out.flush()
}

/// What a kiln process did, and what it cost.
pub struct Measured {
    pub run: Run,
    /// Peak resident memory, bytes.
    pub max_rss: u64,
    pub elapsed: Duration,
}

/// Run `command` (a kiln command) to its end, its peak RSS measured by the
/// kernel (`wait4`), which sees a peak however short.
///
/// An upper bound: the kernel also counts the peak of the process the
/// child was spawned from (std spawns with `CLONE_VM`, and `exec` keeps
/// the larger of the two), so tests that measure keep their own memory
/// small (large bodies are streamed, not held).
// The child is reaped by `wait4`, which `Child::wait` cannot stand in for
// (it returns no resource usage).
#[allow(clippy::zombie_processes)]
pub fn measure(command: &mut Command) -> Measured {
    let start = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running kiln");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stdout.read_to_end(&mut text);
        text
    });
    let err = thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.read_to_end(&mut text);
        text
    });
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data the kernel fills in; pid is our child,
    // reaped here (Child is not waited on afterwards).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4: {}", std::io::Error::last_os_error());
    let elapsed = start.elapsed();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    let run = Run {
        code,
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
    };
    Measured {
        run,
        max_rss: usage.ru_maxrss as u64 * 1024,
        elapsed,
    }
}
