//! Checkouts of real repositories made by the `git` binary, compared with
//! what `git` itself says: `rev-parse` for ref resolution, `ls-tree -r` for
//! the listing and `cat-file` for contents. Each test builds its repository
//! in a temporary directory: loose objects first, then packed by `git gc`
//! (offset deltas, `packed-refs`), by `repack` without offset deltas (ref
//! deltas) and re-indexed with forced 64-bit offsets.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tempfile::TempDir;

use crate::listing::list_tree;
use crate::object::{EntryKind, Kind};
use crate::pack::PackEntry;
use crate::repo::Repository;
use crate::snapshot::snapshot;

struct TestRepo {
    dir: TempDir,
    /// Advanced for each commit so that every commit id is reproducible.
    clock: u64,
}

impl TestRepo {
    fn new() -> Self {
        let mut repo = Self {
            dir: TempDir::new().unwrap(),
            clock: 1_700_000_000,
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "gc.auto", "0"]);
        repo.git(&["config", "core.symlinks", "true"]);
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&mut self, args: &[&str]) -> String {
        self.git_with_input(args, None)
    }

    fn git_with_input(&mut self, args: &[&str], input: Option<&[u8]>) -> String {
        let output = self.git_bytes(args, input);
        String::from_utf8(output).unwrap().trim_end().to_owned()
    }

    fn git_bytes(&mut self, args: &[&str], input: Option<&[u8]>) -> Vec<u8> {
        use std::io::Write;
        let date = format!("{} +0100", self.clock);
        let mut child = Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "A U Thor")
            .env("GIT_AUTHOR_EMAIL", "author@example.com")
            .env("GIT_COMMITTER_NAME", "C O Mitter")
            .env("GIT_COMMITTER_EMAIL", "committer@example.com")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the git binary is needed for these tests");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.unwrap_or_default()).unwrap();
        drop(stdin);
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    }

    fn write(&self, path: &str, content: impl AsRef<[u8]>) {
        let path = self.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    fn commit(&mut self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.commit_index(message)
    }

    /// Commit the index as it is (`add -A` would drop a gitlink that has
    /// no directory in the work tree).
    fn commit_index(&mut self, message: &str) -> String {
        self.clock += 3600;
        self.git(&["commit", "-q", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }
}

/// A history with what a checkout must handle: nested directories, odd
/// names, an executable, symlinks (one escaping), a submodule entry, an
/// empty and a binary file, a large file edited many times (so that packs
/// hold delta chains), branches, lightweight, annotated and nested tags,
/// and remote-tracking refs.
fn build_history(repo: &mut TestRepo) -> Vec<String> {
    let mut commits = Vec::new();
    let mut big: Vec<String> = (0..4000)
        .map(|n| format!("line {n} of a large file\n"))
        .collect();
    repo.write("README.md", "# demo\n");
    repo.write("src/lib.rs", "pub fn f() {}\n");
    repo.write("src/nested/deep/file.txt", "deep\n");
    repo.write("a b/c d.txt", "spaces\n");
    repo.write("ünïcödé.txt", "unicode\n");
    repo.write("empty", "");
    repo.write(
        "binary.bin",
        (0..=255u8).cycle().take(5000).collect::<Vec<_>>(),
    );
    repo.write("big.txt", big.concat());
    repo.write("run.sh", "#!/bin/sh\necho hi\n");
    repo.write("gone.txt", "deleted later\n");
    std::os::unix::fs::symlink("src/lib.rs", repo.path().join("link-to-lib")).unwrap();
    std::os::unix::fs::symlink("../README.md", repo.path().join("src/link-up")).unwrap();
    std::os::unix::fs::symlink("../../etc/passwd", repo.path().join("escaping-link")).unwrap();
    repo.git(&["add", "-A"]);
    repo.git(&["update-index", "--chmod=+x", "run.sh"]);
    commits.push(repo.commit("Initial commit\n\nWith a body."));

    for round in 0..12 {
        big[round * 300] = format!("edited in round {round}\n");
        repo.write("big.txt", big.concat());
        repo.write("src/lib.rs", format!("pub fn f() {{ {round} }}\n"));
        if round == 5 {
            std::fs::remove_file(repo.path().join("gone.txt")).unwrap();
        }
        commits.push(repo.commit(&format!("Round {round}")));
    }

    // A submodule entry without a submodule: checkout only sees the gitlink.
    let first = commits[0].clone();
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{first},vendor/sub"),
    ]);
    commits.push(repo.commit_index("Add a submodule"));

    repo.git(&["tag", "v0.1", &commits[1]]);
    repo.git(&["tag", "-a", "-m", "Release 1.0", "v1.0", &commits[5]]);
    repo.git(&["tag", "-a", "-m", "Tag of a tag", "v1.0-signed", "v1.0"]);
    repo.git(&["branch", "feature/x", &commits[3]]);
    repo.git(&["update-ref", "refs/remotes/origin/main", &commits[7]]);
    repo.git(&[
        "symbolic-ref",
        "refs/remotes/origin/HEAD",
        "refs/remotes/origin/main",
    ]);
    commits
}

/// Revisions every scenario checks, each against `git rev-parse`.
fn revisions(commits: &[String]) -> Vec<String> {
    let mut specs: Vec<String> = [
        "HEAD",
        "main",
        "refs/heads/main",
        "feature/x",
        "v0.1",
        "v1.0",
        "refs/tags/v1.0",
        "v1.0-signed",
        "origin/main",
        "origin",
        "refs/remotes/origin/main",
    ]
    .map(String::from)
    .to_vec();
    specs.push(commits[2].clone());
    specs.push(commits[9][..7].to_owned());
    specs.push(commits[4][..12].to_uppercase());
    specs
}

/// Check out `spec` and compare everything with git's own view.
fn assert_checkout_matches_git(repo: &mut TestRepo, spec: &str) {
    let expected_commit = repo.git(&["rev-parse", &format!("{spec}^{{commit}}")]);
    let out = TempDir::new().unwrap();
    let snapshot = snapshot(repo.path(), spec, out.path(), &mut |_| {})
        .unwrap_or_else(|error| panic!("checkout of {spec}: {error}"));
    assert_eq!(snapshot.commit_id.to_hex(), expected_commit, "{spec}");

    // The listing, line for line as `git ls-tree -r -z` prints it.
    let opened = Repository::open(repo.path()).unwrap();
    let tracked = list_tree(&opened.odb, snapshot.commit.tree).unwrap();
    let ours: Vec<String> = tracked
        .iter()
        .map(|entry| {
            let kind = match entry.kind {
                EntryKind::Submodule => "commit",
                _ => "blob",
            };
            format!(
                "{} {kind} {}\t{}",
                entry.kind.canonical_mode(),
                entry.id,
                entry.path
            )
        })
        .collect();
    let listing = repo.git_bytes(&["ls-tree", "-r", "-z", spec], None);
    let theirs: Vec<String> = String::from_utf8(listing)
        .unwrap()
        .split('\0')
        .filter(|line| !line.is_empty())
        .map(String::from)
        .collect();
    assert_eq!(ours, theirs, "{spec}");

    // Contents: every regular file equals its blob, every created link has
    // the blob as target, and nothing else is in the output.
    let mut expected_paths = BTreeSet::new();
    for entry in &tracked {
        let blob = || repo_blob(repo.path(), &entry.id.to_hex());
        let path = out.path().join(&entry.path);
        match entry.kind {
            EntryKind::File { .. } => {
                assert_eq!(std::fs::read(&path).unwrap(), blob(), "{}", entry.path);
                expected_paths.insert(entry.path.clone());
            }
            EntryKind::Symlink if entry.path == "escaping-link" => {
                assert!(
                    path.symlink_metadata().is_err(),
                    "escaping link was created"
                );
            }
            EntryKind::Symlink => {
                let target = std::fs::read_link(&path).unwrap();
                assert_eq!(target.to_str().unwrap().as_bytes(), blob());
                expected_paths.insert(entry.path.clone());
            }
            EntryKind::Submodule | EntryKind::Tree => {}
        }
    }
    assert_eq!(files_under(out.path()), expected_paths, "{spec}");
    assert_eq!(snapshot.report.files as usize, expected_paths.len());
}

fn repo_blob(repo: &Path, id: &str) -> Vec<u8> {
    let output = Command::new("git")
        .args(["cat-file", "blob", id])
        .current_dir(repo)
        .output()
        .unwrap();
    assert!(output.status.success());
    output.stdout
}

/// Files and symlinks under `root`, as relative `/`-separated paths.
fn files_under(root: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut pending: Vec<PathBuf> = vec![root.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                pending.push(entry.path());
            } else {
                let relative = entry.path().strip_prefix(root).unwrap().to_owned();
                found.insert(relative.to_str().unwrap().to_owned());
            }
        }
    }
    found
}

/// Count whole, offset-delta and ref-delta entries over all packs.
fn pack_entry_kinds(repo: &Path) -> (usize, usize, usize) {
    let opened = Repository::open(repo).unwrap();
    let mut counts = (0, 0, 0);
    for pack in opened.odb.packs() {
        for offset in pack.index.offsets() {
            match pack.entry_at(offset).unwrap() {
                PackEntry::Whole { .. } => counts.0 += 1,
                PackEntry::OffsetDelta { .. } => counts.1 += 1,
                PackEntry::RefDelta { .. } => counts.2 += 1,
            }
        }
    }
    counts
}

fn loose_object_count(repo: &mut TestRepo) -> usize {
    let counts = repo.git(&["count-objects", "-v"]);
    counts
        .lines()
        .find_map(|line| line.strip_prefix("count: "))
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn loose_objects_and_refs_match_git() {
    let mut repo = TestRepo::new();
    let commits = build_history(&mut repo);
    assert_eq!(pack_entry_kinds(repo.path()), (0, 0, 0));
    for spec in revisions(&commits) {
        assert_checkout_matches_git(&mut repo, &spec);
    }
    // Detached HEAD.
    repo.git(&["checkout", "-q", "--detach", &commits[6]]);
    assert_checkout_matches_git(&mut repo, "HEAD");
}

#[test]
fn packs_with_offset_deltas_and_packed_refs_match_git() {
    let mut repo = TestRepo::new();
    let commits = build_history(&mut repo);
    repo.git(&["gc", "-q", "--aggressive", "--prune=now"]);
    assert_eq!(loose_object_count(&mut repo), 0);
    assert!(repo.path().join(".git/packed-refs").is_file());
    assert!(!repo.path().join(".git/refs/tags/v1.0").exists());
    let (_, offset_deltas, _) = pack_entry_kinds(repo.path());
    assert!(offset_deltas > 0, "gc wrote no offset deltas");
    for spec in revisions(&commits) {
        assert_checkout_matches_git(&mut repo, &spec);
    }

    // A newer loose commit and loose ref beside the stale packed ref.
    repo.write("after-gc.txt", "loose\n");
    let loose = repo.commit("After gc");
    let resolved = snapshot(
        repo.path(),
        "main",
        TempDir::new().unwrap().path(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(resolved.commit_id.to_hex(), loose);
    assert_checkout_matches_git(&mut repo, "main");
}

#[test]
fn ref_deltas_and_64_bit_offsets_match_git() {
    let mut repo = TestRepo::new();
    let commits = build_history(&mut repo);
    repo.git(&[
        "-c",
        "repack.useDeltaBaseOffset=false",
        "repack",
        "-a",
        "-d",
        "-f",
        "-q",
    ]);
    repo.git(&["pack-refs", "--all"]);
    // Re-index every pack so that all offsets past the pack header go to
    // the 64-bit table, as they would in a pack larger than 2 GiB.
    let pack_dir = repo.path().join(".git/objects/pack");
    for entry in std::fs::read_dir(&pack_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "pack") {
            let index = path.with_extension("idx");
            std::fs::remove_file(&index).unwrap();
            let pack = path.to_str().unwrap().to_owned();
            repo.git(&[
                "index-pack",
                "--index-version=2,0x10",
                "-o",
                index.to_str().unwrap(),
                &pack,
            ]);
        }
    }
    let opened = Repository::open(repo.path()).unwrap();
    assert!(
        opened
            .odb
            .packs()
            .iter()
            .all(|pack| pack.index.has_large_offsets())
    );
    let (_, offset_deltas, ref_deltas) = pack_entry_kinds(repo.path());
    assert_eq!(offset_deltas, 0);
    assert!(ref_deltas > 0, "repack wrote no ref deltas");
    for spec in revisions(&commits) {
        assert_checkout_matches_git(&mut repo, &spec);
    }
}

#[test]
fn worktrees_and_bare_repositories() {
    let mut repo = TestRepo::new();
    let commits = build_history(&mut repo);
    let worktree = TempDir::new().unwrap();
    let worktree_path = worktree.path().join("wt");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        worktree_path.to_str().unwrap(),
        "feature/x",
    ]);
    let out = TempDir::new().unwrap();
    let from_worktree = snapshot(&worktree_path, "HEAD", out.path(), &mut |_| {}).unwrap();
    assert_eq!(from_worktree.commit_id.to_hex(), commits[3]);

    let bare = TempDir::new().unwrap();
    let bare_path = bare.path().join("bare.git");
    repo.git(&["clone", "-q", "--bare", ".", bare_path.to_str().unwrap()]);
    let out = TempDir::new().unwrap();
    let from_bare = snapshot(&bare_path, "v1.0", out.path(), &mut |_| {}).unwrap();
    assert_eq!(from_bare.commit_id.to_hex(), commits[5]);
}

#[test]
fn abbreviations_are_resolved_or_reported_ambiguous() {
    let mut repo = TestRepo::new();
    let commits = build_history(&mut repo);
    let commit_prefixes: BTreeSet<String> = commits.iter().map(|id| id[..4].to_owned()).collect();

    // Hash candidate blobs in batches (without writing them) until one
    // blob shares a 4-digit prefix with a commit and another pair of blobs
    // share one: ids are reproducible, so this always ends the same way.
    let scratch = TempDir::new().unwrap();
    let (mut commit_twin, mut blob_pair) = (None, None);
    let mut seen: std::collections::HashMap<String, String> = Default::default();
    for batch in 0.. {
        let paths: Vec<String> = (0..2000)
            .map(|n| {
                let path = scratch.path().join(format!("{batch}-{n}"));
                std::fs::write(&path, format!("candidate {batch} {n}\n")).unwrap();
                path.to_str().unwrap().to_owned()
            })
            .collect();
        let ids = repo.git_with_input(
            &["hash-object", "--stdin-paths"],
            Some(paths.join("\n").as_bytes()),
        );
        for (path, id) in paths.iter().zip(ids.lines()) {
            let prefix = id[..4].to_owned();
            if commit_twin.is_none() && commit_prefixes.contains(&prefix) {
                commit_twin = Some((path.clone(), prefix.clone()));
            } else if blob_pair.is_none()
                && let Some(other) = seen.get(&prefix)
                && !commit_prefixes.contains(&prefix)
            {
                blob_pair = Some((other.clone(), path.clone(), prefix.clone()));
            }
            seen.insert(prefix, path.clone());
        }
        if commit_twin.is_some() && blob_pair.is_some() {
            break;
        }
    }
    let (twin_path, twin_prefix) = commit_twin.unwrap();
    let (first, second, pair_prefix) = blob_pair.unwrap();
    let unreachable: Vec<String> = [&twin_path, &first, &second]
        .map(|path| repo.git(&["hash-object", "-w", path]))
        .to_vec();

    // A commit and a blob: checkout takes the only commit, as git does.
    let out = TempDir::new().unwrap();
    let resolved = snapshot(repo.path(), &twin_prefix, out.path(), &mut |_| {}).unwrap();
    assert!(resolved.commit_id.to_hex().starts_with(&twin_prefix));

    // Two blobs: ambiguous, and the message names both candidates.
    let error = snapshot(repo.path(), &pair_prefix, out.path(), &mut |_| {}).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("ambiguous"), "{message}");
    assert!(message.matches("(blob)").count() >= 2, "{message}");

    // The same after packing: history in one pack, the unreachable blobs
    // in a second one.
    repo.git(&["repack", "-a", "-d", "-q"]);
    let ids = unreachable.join("\n");
    repo.git_with_input(
        &["pack-objects", "-q", ".git/objects/pack/pack"],
        Some(ids.as_bytes()),
    );
    repo.git(&["prune-packed"]);
    assert_eq!(loose_object_count(&mut repo), 0);
    let resolved = snapshot(repo.path(), &twin_prefix, out.path(), &mut |_| {});
    assert!(
        resolved
            .unwrap()
            .commit_id
            .to_hex()
            .starts_with(&twin_prefix)
    );
    let error = snapshot(repo.path(), &pair_prefix, out.path(), &mut |_| {}).unwrap_err();
    assert!(error.to_string().contains("ambiguous"));
}

#[test]
fn hostile_tree_names_are_refused_before_anything_is_written() {
    for name in ["..", ".", ".git", ".GIT", "a/b"] {
        let mut repo = TestRepo::new();
        let blob = repo.git_with_input(&["hash-object", "-w", "--stdin"], Some(b"pwned\n"));
        let mut tree = format!("100644 {name}\0").into_bytes();
        tree.extend(hex_to_bytes(&blob));
        let tree_id = repo.git_with_input(
            &["hash-object", "-t", "tree", "-w", "--literally", "--stdin"],
            Some(&tree),
        );
        let commit = repo.git(&["commit-tree", &tree_id, "-m", "hostile"]);
        let out = TempDir::new().unwrap();
        let error = snapshot(repo.path(), &commit, out.path(), &mut |_| {}).unwrap_err();
        assert!(error.to_string().contains("refusing"), "{name}: {error}");
        assert!(files_under(out.path()).is_empty(), "{name}");
    }
}

#[test]
fn errors_name_the_ref_and_the_problem() {
    let mut repo = TestRepo::new();
    let out = TempDir::new().unwrap();
    let unborn = snapshot(repo.path(), "HEAD", out.path(), &mut |_| {}).unwrap_err();
    assert!(
        unborn
            .to_string()
            .contains("refs/heads/main, which does not exist"),
        "{unborn}"
    );

    let commits = build_history(&mut repo);
    let missing = snapshot(repo.path(), "nope", out.path(), &mut |_| {}).unwrap_err();
    let message = missing.to_string();
    assert!(message.contains("`nope` matches no branch"), "{message}");
    assert!(
        message.contains("feature/x") && message.contains("v1.0"),
        "{message}"
    );

    let tree = repo.git(&["rev-parse", "HEAD^{tree}"]);
    let not_commit = snapshot(repo.path(), &tree, out.path(), &mut |_| {}).unwrap_err();
    assert!(
        not_commit
            .to_string()
            .contains("which is a tree, not a commit"),
        "{not_commit}"
    );

    let absent = "0123456789abcdef0123456789abcdef01234567";
    let error = snapshot(repo.path(), absent, out.path(), &mut |_| {}).unwrap_err();
    assert!(
        error.to_string().contains("is not in the repository"),
        "{error}"
    );

    let not_repo = TempDir::new().unwrap();
    let error = snapshot(not_repo.path(), "HEAD", out.path(), &mut |_| {}).unwrap_err();
    assert!(
        error.to_string().contains("not a git repository"),
        "{error}"
    );
    assert!(!commits.is_empty());
}

#[test]
fn objects_read_from_packs_equal_loose_ones() {
    let mut repo = TestRepo::new();
    build_history(&mut repo);
    let all = repo.git(&[
        "cat-file",
        "--batch-all-objects",
        "--batch-check=%(objectname) %(objecttype)",
    ]);
    let loose = Repository::open(repo.path()).unwrap();
    let before: Vec<(String, Kind, Vec<u8>)> = all
        .lines()
        .map(|line| {
            let id = crate::oid::ObjectId::from_hex(&line[..40]).unwrap();
            let object = loose.odb.read(&id).unwrap();
            (line[..40].to_owned(), object.kind, object.data)
        })
        .collect();
    repo.git(&["gc", "-q", "--aggressive", "--prune=now"]);
    let packed = Repository::open(repo.path()).unwrap();
    for (hex, kind, data) in before {
        let object = packed
            .odb
            .read(&crate::oid::ObjectId::from_hex(&hex).unwrap())
            .unwrap();
        assert_eq!((object.kind, object.data), (kind, data), "{hex}");
    }
}

fn hex_to_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&hex[at..at + 2], 16).unwrap())
        .collect()
}
