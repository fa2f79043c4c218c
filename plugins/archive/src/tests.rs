//! Archives built from temporary input trees, read back with the `tar`
//! crate, and checked for reproducibility.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use crate::collect::Source;
use crate::create::{Outcome, Request, checksum_line, create_archive};
use crate::tarball::Settings;
use crate::{archive_name, compression_level, select_sources};

/// Two inputs: `site` with nested files, an empty directory, a symlink and a
/// path longer than a ustar header holds; `docs` with one file.
fn inputs() -> (TempDir, Vec<Source>) {
    let dir = TempDir::new().unwrap();
    let site = dir.path().join("site");
    write(&site.join("index.html"), "<h1>hi</h1>\n");
    write(&site.join("css/main.css"), "body {}\n");
    write(&site.join("b.txt"), "b\n");
    write(&site.join("a-b/x.txt"), "a-b\n");
    fs::create_dir_all(site.join("empty")).unwrap();
    std::os::unix::fs::symlink("index.html", site.join("home.html")).unwrap();
    let long = format!("{}/{}.txt", "d".repeat(60), "f".repeat(60));
    write(&site.join(long), "long\n");
    let docs = dir.path().join("docs");
    write(&docs.join("README"), "read me\n");
    let sources = vec![
        Source {
            name: "site".into(),
            root: site,
        },
        Source {
            name: "docs".into(),
            root: docs,
        },
    ];
    (dir, sources)
}

fn write(path: &Path, content: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

fn build(sources: &[Source], flatten: bool, mtime: u64, level: u32) -> (TempDir, Outcome) {
    let out = TempDir::new().unwrap();
    let request = Request {
        sources,
        flatten,
        name: "dist",
        settings: Settings { mtime, level },
    };
    let outcome = create_archive(&request, out.path(), &mut |_, _| {}).unwrap();
    (out, outcome)
}

#[derive(Debug, PartialEq, Eq)]
struct Listed {
    path: String,
    kind: tar::EntryType,
    mode: u32,
    uid: u64,
    gid: u64,
    mtime: u64,
    content: Vec<u8>,
    link: Option<PathBuf>,
}

fn read_back(archive: &Path) -> Vec<Listed> {
    let file = fs::File::open(archive).unwrap();
    let mut tar = tar::Archive::new(GzDecoder::new(file));
    tar.entries()
        .unwrap()
        .map(|entry| {
            let mut entry = entry.unwrap();
            let header = entry.header().clone();
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            Listed {
                path: entry.path().unwrap().to_str().unwrap().to_owned(),
                kind: header.entry_type(),
                mode: header.mode().unwrap(),
                uid: header.uid().unwrap(),
                gid: header.gid().unwrap(),
                mtime: header.mtime().unwrap(),
                content,
                link: entry.link_name().unwrap().map(|link| link.into_owned()),
            }
        })
        .collect()
}

#[test]
fn archives_every_input_under_its_name_sorted() {
    let (_dir, sources) = inputs();
    let (out, outcome) = build(&sources, false, 1_700_000_000, 6);
    assert_eq!(outcome.file_name, "dist.tar.gz");
    let listed = read_back(&out.path().join("dist.tar.gz"));
    let paths: Vec<&str> = listed.iter().map(|entry| entry.path.as_str()).collect();
    let long = format!("site/{}/{}.txt", "d".repeat(60), "f".repeat(60));
    let mut expected = vec![
        "docs",
        "docs/README",
        "site",
        "site/a-b",
        "site/a-b/x.txt",
        "site/b.txt",
        "site/css",
        "site/css/main.css",
        &long[..65],
        &long,
        "site/empty",
        "site/home.html",
        "site/index.html",
    ];
    expected.sort();
    assert_eq!(paths, expected);
    for entry in &listed {
        assert_eq!((entry.uid, entry.gid, entry.mtime), (0, 0, 1_700_000_000));
        let expected_mode = match entry.kind {
            tar::EntryType::Directory => 0o755,
            tar::EntryType::Symlink => 0o777,
            _ => 0o644,
        };
        assert_eq!(entry.mode, expected_mode, "{}", entry.path);
    }
    let find = |path: &str| listed.iter().find(|entry| entry.path == path).unwrap();
    assert_eq!(find("site/css/main.css").content, b"body {}\n");
    assert_eq!(find(&long).content, b"long\n");
    assert_eq!(find("site/home.html").kind, tar::EntryType::Symlink);
    assert_eq!(
        find("site/home.html").link,
        Some(PathBuf::from("index.html"))
    );
    assert_eq!(outcome.written.files, 6);
}

#[test]
fn checksum_file_matches_the_archive() {
    let (_dir, sources) = inputs();
    let (out, outcome) = build(&sources, false, 0, 6);
    let archive = fs::read(out.path().join("dist.tar.gz")).unwrap();
    let digest = hex::encode(Sha256::digest(&archive));
    assert_eq!(outcome.written.sha256, digest);
    assert_eq!(outcome.written.compressed_bytes, archive.len() as u64);
    let checksum = fs::read_to_string(out.path().join("dist.tar.gz.sha256")).unwrap();
    assert_eq!(checksum, format!("{digest}  dist.tar.gz\n"));
    assert_eq!(checksum_line("ab", "x.tar.gz"), "ab  x.tar.gz\n");
    // Nothing else is written.
    assert_eq!(fs::read_dir(out.path()).unwrap().count(), 2);
}

#[test]
fn same_inputs_give_the_same_digest() {
    let (_dir, sources) = inputs();
    let (_, first) = build(&sources, false, 0, 6);

    // Touching files, and listing inputs in another order, change nothing.
    let later = SystemTime::now() + Duration::from_secs(3600);
    let file = fs::File::options()
        .write(true)
        .open(sources[0].root.join("index.html"))
        .unwrap();
    file.set_modified(later).unwrap();
    let reversed: Vec<Source> = sources.iter().rev().cloned().collect();
    let (_, second) = build(&reversed, false, 0, 6);
    assert_eq!(first.written.sha256, second.written.sha256);

    // The parameters are part of the result.
    let (_, other_time) = build(&sources, false, 1, 6);
    assert_ne!(first.written.sha256, other_time.written.sha256);
    let (_, other_level) = build(&sources, false, 0, 9);
    assert_ne!(first.written.sha256, other_level.written.sha256);
}

#[test]
fn every_level_round_trips() {
    let (_dir, sources) = inputs();
    let (out0, stored) = build(&sources, false, 0, 0);
    let (out9, smallest) = build(&sources, false, 0, 9);
    assert!(stored.written.compressed_bytes > smallest.written.compressed_bytes);
    assert_eq!(
        read_back(&out0.path().join("dist.tar.gz")),
        read_back(&out9.path().join("dist.tar.gz"))
    );
}

#[test]
fn flatten_puts_one_input_at_the_root() {
    let (_dir, sources) = inputs();
    let (out, _) = build(&sources[1..], true, 0, 6);
    let listed = read_back(&out.path().join("dist.tar.gz"));
    let paths: Vec<&str> = listed.iter().map(|entry| entry.path.as_str()).collect();
    assert_eq!(paths, ["README"]);

    let out = TempDir::new().unwrap();
    let request = Request {
        sources: &sources,
        flatten: true,
        name: "dist",
        settings: Settings { mtime: 0, level: 6 },
    };
    let error = create_archive(&request, out.path(), &mut |_, _| {}).unwrap_err();
    assert!(error.to_string().contains("exactly one input"), "{error}");
}

#[test]
fn unreadable_entries_are_named() {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("weird");
    fs::create_dir_all(&root).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(root.join("pipe"))
        .status()
        .unwrap();
    assert!(status.success());
    let sources = [Source {
        name: "weird".into(),
        root,
    }];
    let out = TempDir::new().unwrap();
    let request = Request {
        sources: &sources,
        flatten: false,
        name: "dist",
        settings: Settings { mtime: 0, level: 6 },
    };
    let error = create_archive(&request, out.path(), &mut |_, _| {}).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("input `weird`") && message.contains("pipe"),
        "{message}"
    );
}

#[test]
fn parameters_are_checked() {
    let input = |name: &str| kiln_sdk::Input {
        name: name.into(),
        digest: "sha256:00".into(),
        path: PathBuf::from(format!("/inputs/{name}")),
    };
    let inputs = [input("site"), input("docs")];
    assert_eq!(select_sources(&inputs, &[]).unwrap().len(), 2);
    let docs = select_sources(&inputs, &["docs".into()]).unwrap();
    assert_eq!(docs[0].root, PathBuf::from("/inputs/docs"));
    let error = select_sources(&inputs, &["nope".into()]).unwrap_err();
    assert!(error.to_string().contains("`nope`") && error.to_string().contains("site, docs"));
    assert!(select_sources(&[], &[]).is_err());

    assert_eq!(archive_name(None, "bundle").unwrap(), "bundle");
    assert_eq!(archive_name(Some("site.tar.gz"), "x").unwrap(), "site");
    assert_eq!(archive_name(Some("site.tgz"), "x").unwrap(), "site");
    assert_eq!(archive_name(Some(" "), "x").unwrap(), "x");
    for bad in ["../x", "a/b", "..", ".tar.gz"] {
        assert!(archive_name(Some(bad), "x").is_err(), "{bad}");
    }

    assert_eq!(compression_level(None).unwrap(), 6);
    assert_eq!(compression_level(Some("9")).unwrap(), 9);
    assert!(compression_level(Some("10")).is_err());
    assert!(compression_level(Some("fast")).is_err());
}
