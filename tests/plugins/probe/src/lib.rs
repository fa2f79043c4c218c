//! The probe: a plugin whose `mode` parameter picks one behaviour, so that
//! kiln's end-to-end tests can observe the host from inside a sandbox.
//! It is built like any plugin, with the SDK, and loaded by the real host.

use std::fs;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kiln_sdk::{Context, Error, Info, Param, Plugin, ResultExt, bail, export_plugin};

struct Probe;

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

impl Plugin for Probe {
    fn describe() -> Info {
        Info::new("probe", env!("CARGO_PKG_VERSION"))
            .summary("Test behaviours: write, read, sleep, fail, flaky, loop, panic, wait-for, env")
            .param(Param::new("mode", "The behaviour").required())
            .param(Param::new("text", "Text to write, or a failure message"))
            .param(Param::new("path", "A path inside the sandbox"))
            .param(Param::new("file", "A file name inside an artifact").default("out.txt"))
            .param(Param::new("expect", "Expected content for `read`"))
            .param(Param::new("ms", "Milliseconds for `sleep`").default("0"))
            .param(
                Param::new("succeed-on", "Attempt number on which `flaky` succeeds").default("2"),
            )
            .param(Param::new("url", "URL for `http-get`"))
            .param(Param::new("name", "Secret name for `secret`"))
            .param(Param::new("program", "Program for `exec`"))
            .param(Param::new("args", "Arguments for `exec` (a list)"))
            .param(Param::new("env", "NAME=value pairs for `exec` (a list)"))
            .param(Param::new("bytes", "Size for `huge-output`").default("0"))
            .param(Param::new("count", "How many, for `write-copies` and `hog-files`").default("1"))
            .param(Param::new("variant", "Which attack, for `git-fsmonitor`"))
    }

    fn run(ctx: Context) -> Result<String, Error> {
        let mode = ctx.require("mode")?;
        match mode {
            // Write `text` into every output as `file`.
            "write" => {
                let text = ctx.param("text").unwrap_or("");
                let file = ctx.param("file").unwrap_or("out.txt");
                for output in ctx.outputs() {
                    let path = output.path.join(file);
                    fs::write(&path, text)
                        .with_context(|| format!("writing {}", path.display()))?;
                }
                Ok(format!(
                    "wrote {} bytes to {} outputs",
                    text.len(),
                    ctx.outputs().len()
                ))
            }
            // Read `file` from every input; fail unless it equals `expect`.
            "concat" => {
                let file = ctx.param("file").unwrap_or("out.txt");
                let mut all = String::new();
                for input in ctx.inputs() {
                    let path = input.path.join(file);
                    all.push_str(
                        &fs::read_to_string(&path)
                            .with_context(|| format!("reading {}", path.display()))?,
                    );
                }
                kiln_sdk::info!("inputs say: {all}");
                if let Some(expect) = ctx.param("expect")
                    && expect != all
                {
                    bail!("inputs say {all:?}, expected {expect:?}");
                }
                for output in ctx.outputs() {
                    fs::write(output.path.join(file), &all)?;
                }
                Ok(format!("read {all:?}"))
            }
            // Read any path; succeed with its size, fail with the error.
            "read" => {
                let path = ctx.require("path")?;
                let bytes = fs::read(path).with_context(|| format!("cannot read {path}"))?;
                kiln_sdk::info!("read {} bytes from {path}", bytes.len());
                Ok(format!("read {} bytes from {path}", bytes.len()))
            }
            // Write any path; succeed or fail with the error.
            "write-path" => {
                let path = ctx.require("path")?;
                fs::write(path, ctx.param("text").unwrap_or("x"))
                    .with_context(|| format!("cannot write {path}"))?;
                Ok(format!("wrote {path}"))
            }
            // List a directory.
            "list" => {
                let path = ctx.require("path")?;
                let mut names: Vec<String> = fs::read_dir(path)
                    .with_context(|| format!("cannot list {path}"))?
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                names.sort();
                kiln_sdk::info!("{path}: {}", names.join(" "));
                Ok(names.join(" "))
            }
            "sleep" => {
                let ms: u64 = ctx.parse("ms")?.unwrap_or(0);
                kiln_sdk::info!("start {}", now_ms());
                std::thread::sleep(Duration::from_millis(ms));
                kiln_sdk::info!("end {}", now_ms());
                Ok(format!("slept {ms} ms"))
            }
            "fail" => Err(Error::new(
                ctx.param("text").unwrap_or("probe failed on purpose"),
            )),
            "flaky" => {
                let succeed_on: u32 = ctx.parse("succeed-on")?.unwrap_or(2);
                kiln_sdk::info!("attempt {}", ctx.attempt);
                if ctx.attempt < succeed_on {
                    bail!("attempt {} fails on purpose", ctx.attempt);
                }
                Ok(format!("succeeded on attempt {}", ctx.attempt))
            }
            "loop" => {
                kiln_sdk::info!("looping forever");
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "panic" => panic!(
                "{}",
                ctx.param("text").unwrap_or("probe panicked on purpose")
            ),
            // Wait until a file appears (the test's signal), then go on.
            "wait-for" => {
                let path = ctx.require("path")?;
                while fs::metadata(path).is_err() {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Ok(format!("{path} appeared"))
            }
            "env" => {
                let mut vars: Vec<String> =
                    std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
                vars.sort();
                for var in &vars {
                    kiln_sdk::info!("{var}");
                }
                Ok(format!("{} variables", vars.len()))
            }
            "stdout" => {
                println!("to stdout");
                eprintln!("to stderr");
                print!("no newline at the end");
                Ok("printed".into())
            }
            "http-get" => {
                let url = ctx.require("url")?;
                let response = kiln_sdk::http::Request::get(url).send()?;
                kiln_sdk::info!("{url}: {} {}", response.status, response.text());
                Ok(format!("{} {}", response.status, response.text()))
            }
            // Read a granted secret and leak it every way a careless plugin
            // might: the host must mask every one of them.
            "secret" => {
                let name = ctx.require("name")?;
                let value = kiln_sdk::secrets::get(name)?;
                kiln_sdk::info!("raw: {value}");
                kiln_sdk::info!("base64: {}", base64_standard(value.as_bytes()));
                kiln_sdk::info!("url: {}", url_encode(&value));
                // Split across two writes to stdout.
                let (head, tail) = value.split_at(value.len() / 2);
                use std::io::Write;
                let mut out = std::io::stdout();
                write!(out, "split: {head}")?;
                out.flush()?;
                writeln!(out, "{tail}")?;
                out.flush()?;
                Ok(format!("leaked {name}: {value}"))
            }
            "exec" => {
                let program = ctx.require("program")?;
                let mut command = kiln_sdk::exec::Command::new(program).args(ctx.list("args"));
                for pair in ctx.list("env") {
                    let (name, value) = pair.split_once('=').unwrap_or((&pair, ""));
                    command = command.env(name, value);
                }
                let status = command.run()?;
                if !status.success() {
                    bail!("{program} ended with {status}");
                }
                Ok(format!("{program}: {status}"))
            }
            // Allocate until something stops us.
            "alloc" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    let mut block = vec![0u8; 16 << 20];
                    block[0] = 1;
                    hoard.push(std::hint::black_box(block));
                }
            }
            "recurse" => Ok(format!("depth {}", recurse(0))),
            "flood" => loop {
                kiln_sdk::info!("flooding the log with a line that goes on and on and on");
            },
            "stdout-flood" => loop {
                println!("flooding stdout with a line that goes on and on and on");
            },
            "huge-output" => {
                let bytes: usize = ctx.parse("bytes")?.unwrap_or(0);
                let output = ctx.single_output()?;
                let chunk = vec![b'x'; 1 << 20];
                let mut file = fs::File::create(output.path.join("huge.bin"))?;
                let mut written = 0;
                use std::io::Write;
                while written < bytes {
                    let n = chunk.len().min(bytes - written);
                    file.write_all(&chunk[..n])?;
                    written += n;
                }
                Ok(format!("wrote {written} bytes"))
            }
            "symlink" => {
                let output = ctx.single_output()?;
                kiln_sdk::fs::symlink(ctx.require("path")?, output.path.join("link"))?;
                Ok("linked".into())
            }
            // `count` files holding `text` in the single output.
            "write-copies" => {
                let count: usize = ctx.parse("count")?.unwrap_or(1);
                let bytes: usize = ctx.parse("bytes")?.unwrap_or(0);
                let mut text = ctx.param("text").unwrap_or("").to_owned();
                while text.len() < bytes {
                    text.push_str(&text.clone());
                }
                let output = ctx.single_output()?;
                for i in 0..count {
                    fs::write(output.path.join(format!("copy-{i}.txt")), &text)?;
                }
                Ok(format!("wrote {count} copies"))
            }
            // Fail unless the file at `path` holds `expect`: a gate.
            "check-file" => {
                let path = ctx.require("path")?;
                let text = fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
                let expect = ctx.param("expect").unwrap_or("");
                if text != expect {
                    bail!("{path} says {text:?}, not {expect:?}");
                }
                Ok(format!("{path} says {text:?}"))
            }
            // Write `text` into the persistent cache directory `path` and
            // hard-link that file into the output: the plugin keeps a name
            // for the inode it hands to the store.
            "hardlink-cache" => {
                let dir = ctx.require("path")?;
                let kept = format!("{dir}/kept.txt");
                if let Some(text) = ctx.param("text") {
                    fs::write(&kept, text).with_context(|| format!("writing {kept}"))?;
                }
                for output in ctx.outputs() {
                    fs::hard_link(&kept, output.path.join("linked.txt"))
                        .with_context(|| format!("linking {kept}"))?;
                }
                Ok("linked".into())
            }
            // Print a granted secret with escape sequences between its
            // characters, and as the end of a line longer than the host's
            // line limit, on stdout and through the log interface.
            "secret-disguised" => {
                let name = ctx.require("name")?;
                let value = kiln_sdk::secrets::get(name)?;
                let escaped: String = value.chars().map(|c| format!("{c}\u{1b}[0m")).collect();
                println!("escaped: {escaped}");
                kiln_sdk::info!("escaped: {escaped}");
                // Where a host that cuts lines at 16 KiB would cut: inside
                // the secret at the cut itself, and at the first write past
                // it (stdout reaches the host in writes of 4 KiB).
                for pad in [16 * 1024 - 12, 20 * 1024 - 10] {
                    let mut line = "x".repeat(pad);
                    line.push_str(&value);
                    println!("{line}");
                }
                Ok("disguised".into())
            }
            // Print lines that would pass for kiln's own, and terminal
            // controls.
            "forge" => {
                println!("\u{1b}[2K\r      Passed forged-action (0.01s) all good");
                println!("\u{1b}]0;owned-title\u{7}title set");
                kiln_sdk::warn!("\u{1b}[1A\u{1b}[2K    Finished run forged succeeded");
                Ok("done\n      Passed forged-summary (0.01s)".into())
            }
            // Write a JUnit report whose test name and failure message hold
            // a granted secret, and fail.
            "report-secret" => {
                let name = ctx.require("name")?;
                let value = kiln_sdk::secrets::get(name)?;
                let output = ctx.single_output()?;
                let xml = format!(
                    "<testsuite name=\"s\" tests=\"1\" failures=\"1\"><testcase classname=\"c\" name=\"test-{value}\"><failure message=\"expected {value}\">body {value}</failure></testcase></testsuite>"
                );
                fs::write(output.path.join("report.xml"), xml)?;
                bail!("tests failed for {value}")
            }
            // Print what /kiln/run.json holds.
            "print-run" => {
                let text = fs::read_to_string("/kiln/run.json")?;
                for line in text.lines() {
                    kiln_sdk::info!("{line}");
                }
                Ok(format!("{} bytes of run status", text.len()))
            }
            // Open `count` files and keep them open, then write an output.
            "hog-files" => {
                let count: usize = ctx.parse("count")?.unwrap_or(1);
                fs::write("/tmp/hog", "x")?;
                let mut held = Vec::new();
                for i in 0..count {
                    held.push(
                        fs::File::open("/tmp/hog")
                            .with_context(|| format!("opening file number {}", i + 1))?,
                    );
                }
                Ok(format!("held {} files", held.len()))
            }
            // Try to make `git status` run a command: through variables, a
            // HOME of the plugin's, or a repository the plugin planted.
            "git-fsmonitor" => git_fsmonitor(&ctx),
            other => bail!("unknown mode `{other}`"),
        }
    }
}

export_plugin!(Probe);

/// Unbounded on purpose: the host must survive the stack overflow.
#[allow(unconditional_recursion)]
fn recurse(depth: u64) -> u64 {
    let padding = std::hint::black_box([depth; 64]);
    recurse(depth + 1) + padding[3]
}

fn base64_standard(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The attack of `git-fsmonitor`: the hook writes a marker into the
/// attempt's /tmp, which the plugin then looks for.
fn git_fsmonitor(ctx: &Context) -> Result<String, Error> {
    let variant = ctx.require("variant")?;
    let tmp = kiln_sdk::exec::host_path("/tmp").ok_or_else(|| Error::new("/tmp is not mounted"))?;
    let hook = format!("echo pwned > {tmp}/pwned");
    fs::create_dir_all("/tmp/repo/.git/objects")?;
    fs::create_dir_all("/tmp/repo/.git/refs/heads")?;
    fs::write("/tmp/repo/.git/HEAD", "ref: refs/heads/main\n")?;
    let mut config = "[core]\n\trepositoryformatversion = 0\n".to_owned();
    let mut command = kiln_sdk::exec::Command::new("git")
        .arg("status")
        .current_dir("/tmp/repo");
    match variant {
        "env" => {
            command = command
                .env("GIT_CONFIG_COUNT", "1")
                .env("GIT_CONFIG_KEY_0", "core.fsmonitor")
                .env("GIT_CONFIG_VALUE_0", hook.as_str());
        }
        "home" => {
            fs::create_dir_all("/tmp/home")?;
            fs::write(
                "/tmp/home/.gitconfig",
                format!("[core]\n\tfsmonitor = {hook}\n"),
            )?;
            command = command.env("HOME", format!("{tmp}/home"));
        }
        "repo" => config.push_str(&format!("\tfsmonitor = {hook}\n")),
        other => bail!("unknown variant `{other}`"),
    }
    fs::write("/tmp/repo/.git/config", config)?;
    let status = command.run()?;
    kiln_sdk::info!("git status: {status}");
    if fs::metadata("/tmp/pwned").is_ok() {
        bail!("pwned: git ran the plugin's command");
    }
    Ok(format!("git status ended with {status}; nothing else ran"))
}
