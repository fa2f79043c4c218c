//! The harness of `kiln serve`'s end-to-end tests: real git repositories
//! (a bare "origin" pushed to with `git push`), the real `kiln serve` on a
//! free loopback port, and real HTTP from curl.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{Run, Sandbox, wait_until};

/// A bare repository (`origin.git`) and a working clone that pushes to it.
pub struct Repo {
    pub origin: PathBuf,
    pub work: PathBuf,
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::null())
        .output()
        .expect("running git");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

impl Repo {
    /// An empty origin and its clone, on branch `main`, under `dir`.
    pub fn new(dir: &Path) -> Self {
        let origin = dir.join("origin.git");
        let work = dir.join("work");
        std::fs::create_dir_all(&origin).unwrap();
        git(
            &origin,
            &["init", "--quiet", "--bare", "--initial-branch=main"],
        );
        std::fs::create_dir_all(&work).unwrap();
        git(&work, &["init", "--quiet", "--initial-branch=main"]);
        git(
            &work,
            &["remote", "add", "origin", origin.to_str().unwrap()],
        );
        Self { origin, work }
    }

    /// `git status --porcelain` of the working clone.
    pub fn status(&self) -> String {
        git(&self.work, &["status", "--porcelain"])
    }

    /// Write `files` (path, content), commit them; the new commit's id.
    pub fn commit(&self, files: &[(&str, &str)], message: &str) -> String {
        for (path, content) in files {
            let path = self.work.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        git(&self.work, &["add", "--all"]);
        git(&self.work, &["commit", "--quiet", "-m", message]);
        git(&self.work, &["rev-parse", "HEAD"])
    }

    /// `git push origin HEAD:<branch>`.
    pub fn push(&self, branch: &str) {
        git(
            &self.work,
            &[
                "push",
                "--quiet",
                "origin",
                &format!("HEAD:refs/heads/{branch}"),
            ],
        );
    }

    /// A `post-receive` hook that posts each pushed ref to `url` as a
    /// GitHub push delivery, signed with `secret`; the delivery id is
    /// `delivery-<new commit>`.
    pub fn post_receive_webhook(&self, url: &str, secret: &str) {
        let hook = self.origin.join("hooks/post-receive");
        // The secret in a file beside the hook: no shell quoting to get wrong.
        let secret_file = self.origin.join("hooks/webhook-secret");
        std::fs::write(&secret_file, secret).unwrap();
        let secret = secret_file.display();
        let script = format!(
            r#"#!/bin/sh
while read old new ref; do
  body="{{\"ref\":\"$ref\",\"before\":\"$old\",\"after\":\"$new\",\"deleted\":false}}"
  sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$(cat '{secret}')" | sed 's/^.*= //')
  curl -s -o /dev/null -X POST \
    -H "Content-Type: application/json" \
    -H "X-GitHub-Event: push" \
    -H "X-GitHub-Delivery: delivery-$new" \
    -H "X-Hub-Signature-256: sha256=$sig" \
    --data-binary "$body" '{url}'
done
"#
        );
        std::fs::write(&hook, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// A running `kiln serve`.
pub struct Server {
    child: Option<Child>,
    /// Kept open: a server writing to a closed pipe would die of SIGPIPE.
    _stdout: BufReader<std::process::ChildStdout>,
    pub url: String,
    pub stderr: PathBuf,
}

impl Server {
    /// Start `kiln serve --config <config>` on a free loopback port, with
    /// the sandbox's data directory and plugins, and `env` set.
    pub fn start(sandbox: &Sandbox, config: &Path, env: &[(&str, &str)]) -> Self {
        let config_arg = config.to_str().unwrap();
        Self::spawn(
            sandbox,
            &["--config", config_arg],
            env,
            &sandbox.workspace(),
        )
    }

    /// Start `kiln serve <args>` in `dir` on a free loopback port.
    pub fn spawn(sandbox: &Sandbox, args: &[&str], env: &[(&str, &str)], dir: &Path) -> Self {
        let stderr = sandbox.data_dir().with_file_name(format!(
            "serve-stderr-{}.log",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let mut command = sandbox.command();
        command
            .current_dir(dir)
            .arg("serve")
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .env("KILN_LOG", "warn,kiln_server=debug")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("starting kiln serve");
        let stdout = child.stdout.take().unwrap();
        let mut first = String::new();
        let mut stdout = BufReader::new(stdout);
        stdout
            .read_line(&mut first)
            .expect("reading the server's first line");
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| {
                let _ = child.kill();
                panic!(
                    "the server's first line is not its address: {first:?}\n{}",
                    std::fs::read_to_string(&stderr).unwrap_or_default()
                )
            })
            .to_owned();
        Self {
            child: Some(child),
            _stdout: stdout,
            url,
            stderr,
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().unwrap().id() as i32
    }

    /// What the server wrote on stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Send SIGTERM and wait (two minutes at most) for the exit code.
    pub fn terminate(&mut self) -> i32 {
        self.sigterm();
        self.wait_exit()
    }

    /// Send SIGTERM.
    pub fn sigterm(&self) {
        let child = self.child.as_ref().expect("the server runs");
        // SAFETY: kill(2) on the pid of a child this test started.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    }

    /// Wait (two minutes at most) for the server to exit; its exit code.
    pub fn wait_exit(&mut self) -> i32 {
        let mut child = self.child.take().expect("the server runs");
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("the server did not stop within two minutes after SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether the server process has exited.
    pub fn exited(&mut self) -> Option<i32> {
        let child = self.child.as_mut()?;
        child.try_wait().unwrap().map(|s| s.code().unwrap_or(-1))
    }

    /// `curl` a path of the server with `args` (before the URL); the
    /// status code and the body.
    pub fn curl(&self, args: &[&str], path: &str) -> (u16, String) {
        curl(args, &format!("{}{path}", self.url))
    }

    /// GET an API path with a token; the JSON it answers (status 200).
    #[track_caller]
    pub fn get_json(&self, token: &str, path: &str) -> serde_json::Value {
        let (status, body) = self.curl(&["-H", &format!("Authorization: Bearer {token}")], path);
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
    }

    /// POST a signed GitHub delivery; the status and body.
    pub fn github_delivery(
        &self,
        project: &str,
        event: &str,
        delivery: &str,
        body: &str,
        secret: &str,
    ) -> (u16, String) {
        let signature = kiln_server::sign_hmac(body.as_bytes(), secret.as_bytes());
        self.curl(
            &[
                "-X",
                "POST",
                "-H",
                "Content-Type: application/json",
                "-H",
                &format!("X-GitHub-Event: {event}"),
                "-H",
                &format!("X-GitHub-Delivery: {delivery}"),
                "-H",
                &format!("X-Hub-Signature-256: sha256={signature}"),
                "--data-binary",
                body,
            ],
            &format!("/hooks/{project}"),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `curl -s <args> <url>`: the status code and the body (status 0: no
/// connection).
pub fn curl(args: &[&str], url: &str) -> (u16, String) {
    let output = Command::new("curl")
        .args(["-s", "--max-time", "60", "-w", "\n%{http_code}"])
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .output()
        .expect("running curl");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    (code.trim().parse().unwrap_or(0), body.to_owned())
}

/// Make an API token with `scope` on the sandbox's data directory.
pub fn token(sandbox: &Sandbox, scope: &str) -> String {
    let run: Run = sandbox.kiln(&["token", "create", "--scope", scope, "--name", scope]);
    run.assert_code(0);
    run.stdout.trim().to_owned()
}

/// The runs of the sandbox's data directory, newest first, as
/// `kiln runs --json` prints them.
pub fn runs(sandbox: &Sandbox) -> Vec<serde_json::Value> {
    sandbox
        .json(&["runs", "--json", "--limit", "1000"])
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Wait until `count` runs have ended; the runs, newest first.
#[track_caller]
pub fn wait_for_ended_runs(sandbox: &Sandbox, count: usize) -> Vec<serde_json::Value> {
    let mut ended = Vec::new();
    wait_until(&format!("{count} run(s) ended"), || {
        ended = runs(sandbox)
            .into_iter()
            .filter(|run| run["status"] != "running")
            .collect();
        ended.len() >= count
    });
    ended
}

/// The checkouts the server made for runs now running.
pub fn checkouts(sandbox: &Sandbox) -> Vec<PathBuf> {
    std::fs::read_dir(sandbox.data_dir().join("serve/checkouts"))
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}
