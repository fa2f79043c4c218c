//! Runs generated scripts for real, in a temporary directory.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use kiln_buildspec::{Buildspec, Outcome, Record, RecordsTarget, ScriptOptions};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("kiln-buildspec-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a run of a script did.
pub struct Run {
    pub dir: TempDir,
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
    pub records: Vec<Record>,
    pub outcome: Outcome,
}

impl Run {
    pub fn src(&self) -> PathBuf {
        self.dir.path().join("src")
    }

    /// A file the commands wrote in the source directory.
    pub fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.src().join(name)).unwrap_or_else(|e| {
            panic!(
                "reading {name}: {e}\nstdout:\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    pub fn has_file(&self, name: &str) -> bool {
        self.src().join(name).exists()
    }

    pub fn log(&self) -> String {
        format!(
            "status {}\nstdout:\n{}\nstderr:\n{}\nrecords:\n{:#?}",
            self.status, self.stdout, self.stderr, self.records
        )
    }
}

pub fn parse(text: &str) -> Buildspec {
    kiln_buildspec::parse("buildspec.yml", text).unwrap_or_else(|d| panic!("{d}"))
}

/// Which program runs the generated script.
#[derive(Clone, Copy)]
pub enum Driver {
    Bash,
    Sh,
}

pub struct Runner {
    pub driver: Driver,
    pub options: ScriptOptions,
    pub env: Vec<(String, String)>,
    /// Files to create in the source directory before the run.
    pub files: Vec<(String, String)>,
}

impl Default for Runner {
    fn default() -> Self {
        Runner {
            driver: Driver::Bash,
            options: ScriptOptions::default(),
            env: Vec::new(),
            files: Vec::new(),
        }
    }
}

impl Runner {
    pub fn run(&self, spec: &Buildspec) -> Run {
        let dir = TempDir::new("run");
        let src = dir.path().join("src");
        std::fs::create_dir_all(&src).expect("mkdir src");
        for (name, content) in &self.files {
            let p = src.join(name);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).expect("mkdir");
            }
            std::fs::write(&p, content).expect("write a file");
        }
        let records = dir.path().join("records");
        let mut options = self.options.clone();
        options.records = RecordsTarget::File(records.display().to_string());
        if options.src_dir.is_none() {
            options.src_dir = Some(src.display().to_string());
        }
        let script = spec.script(&options);
        let script_path = dir.path().join("script.sh");
        std::fs::write(&script_path, &script).expect("write the script");
        let out = dir.path().join("stdout");
        let err = dir.path().join("stderr");
        let program = match self.driver {
            Driver::Bash => "bash",
            Driver::Sh => "sh",
        };
        let mut cmd = Command::new(program);
        cmd.arg(&script_path)
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).expect("stdout file"))
            .stderr(std::fs::File::create(&err).expect("stderr file"));
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("run the script");
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait") {
                break s.code().unwrap_or(-1);
            }
            if start.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                panic!("the script ran over 60 s:\n{script}");
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let text = std::fs::read_to_string(&records).unwrap_or_default();
        let records =
            kiln_buildspec::parse_records(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let outcome = Outcome::new(spec, &records);
        Run {
            stdout: std::fs::read_to_string(&out).unwrap_or_default(),
            stderr: std::fs::read_to_string(&err).unwrap_or_default(),
            dir,
            status,
            records,
            outcome,
        }
    }
}

/// Runs a buildspec text with bash as the driver and default options.
pub fn run(text: &str) -> Run {
    Runner::default().run(&parse(text))
}

/// Whether a program is on PATH.
pub fn have(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
