//! A real HTTP/1.1 server on a loopback port, for tests of the network
//! grant: it answers every request from a routing function and counts hits.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// A response: status, extra headers, body.
pub type Reply = (u16, Vec<(String, String)>, String);

pub struct TestServer {
    pub port: u16,
    hits: Arc<AtomicUsize>,
}

impl TestServer {
    /// Serve on 127.0.0.1 with `route(method, path, body) -> reply`; the
    /// thread lives as long as the test process.
    pub fn start(route: impl Fn(&str, &str, &str) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding a loopback port");
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let route = Arc::new(route);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                counter.fetch_add(1, Ordering::SeqCst);
                let route = route.clone();
                thread::spawn(move || {
                    let _ = serve(stream, &*route);
                });
            }
        });
        Self { port, hits }
    }

    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

fn serve(stream: TcpStream, route: &dyn Fn(&str, &str, &str) -> Reply) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let path = parts.next().unwrap_or("").to_owned();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; length];
    std::io::Read::read_exact(&mut reader, &mut body)?;
    let (status, headers, text) = route(&method, &path, &String::from_utf8_lossy(&body));
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
        text.len()
    )?;
    for (name, value) in headers {
        write!(out, "{name}: {value}\r\n")?;
    }
    write!(out, "\r\n{text}")?;
    out.flush()
}
