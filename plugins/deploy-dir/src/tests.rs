//! Deploys between temporary directories: first deploys, redeploys, sub
//! directories, failures part-way, leftovers of interrupted runs.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::deploy::{Event, Plan, deploy, move_entries, parse_subdir};
use crate::{select_artifact, short_digest};

fn write(path: &Path, content: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

/// Every file, symlink and empty directory under `root` with its content
/// (a link's target, `<dir>` for directories).
fn snapshot(root: &Path) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut pending = vec![root.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            let kind = path.symlink_metadata().unwrap().file_type();
            if kind.is_symlink() {
                let target = fs::read_link(&path).unwrap();
                found.insert(relative, format!("-> {}", target.display()));
            } else if kind.is_dir() {
                found.insert(relative, "<dir>".into());
                pending.push(path);
            } else {
                found.insert(relative, fs::read_to_string(&path).unwrap());
            }
        }
    }
    found
}

fn release(dir: &Path, version: &str) -> PathBuf {
    let root = dir.join(format!("release-{version}"));
    write(&root.join("index.html"), &format!("v{version}"));
    write(&root.join("assets/app.js"), &format!("app {version}"));
    write(&root.join(format!("only-in-{version}.txt")), version);
    fs::create_dir_all(root.join("empty")).unwrap();
    std::os::unix::fs::symlink("index.html", root.join("home.html")).unwrap();
    root
}

fn run(
    artifact: &Path,
    target: &Path,
    subdir: Option<&str>,
) -> Result<Vec<Event>, kiln_sdk::Error> {
    let mut events = Vec::new();
    let plan = Plan {
        artifact,
        target,
        subdir,
        run_id: "run/42",
    };
    deploy(&plan, &mut |event| events.push(event))?;
    Ok(events)
}

#[test]
fn first_deploy_and_redeploy_replace_the_whole_target() {
    let dir = TempDir::new().unwrap();
    let target = dir.path().join("target");
    fs::create_dir(&target).unwrap();
    write(&target.join("stale.txt"), "from before kiln");

    let v1 = release(dir.path(), "1");
    let events = run(&v1, &target, None).unwrap();
    assert_eq!(snapshot(&target), snapshot(&v1));
    assert!(events.contains(&Event::Replaced(1)), "{events:?}");

    let v2 = release(dir.path(), "2");
    run(&v2, &target, None).unwrap();
    assert_eq!(snapshot(&target), snapshot(&v2));
    assert_eq!(snapshot(&target)["home.html"], "-> index.html");
}

#[test]
fn subdir_deploys_leave_the_rest_of_the_target_alone() {
    let dir = TempDir::new().unwrap();
    let target = dir.path().join("target");
    write(&target.join("other-site/index.html"), "other");
    let v1 = release(dir.path(), "1");
    let v2 = release(dir.path(), "2");

    run(&v1, &target, Some("sites/web")).unwrap();
    assert_eq!(snapshot(&target.join("sites/web")), snapshot(&v1));
    run(&v2, &target, Some("sites/web")).unwrap();
    assert_eq!(snapshot(&target.join("sites/web")), snapshot(&v2));

    let top: Vec<String> = fs::read_dir(&target)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(top, ["other-site", "sites"]);
    assert_eq!(
        fs::read_to_string(target.join("other-site/index.html")).unwrap(),
        "other"
    );
}

#[test]
fn a_failed_copy_leaves_the_previous_release() {
    let dir = TempDir::new().unwrap();
    let target = dir.path().join("target");
    fs::create_dir(&target).unwrap();
    let v1 = release(dir.path(), "1");
    run(&v1, &target, None).unwrap();
    run(&v1, &target, Some("sub")).unwrap();
    let before = snapshot(&target);

    let broken = release(dir.path(), "2");
    let status = std::process::Command::new("mkfifo")
        .arg(broken.join("assets/pipe"))
        .status()
        .unwrap();
    assert!(status.success());
    for subdir in [None, Some("sub")] {
        let error = run(&broken, &target, subdir).unwrap_err().to_string();
        assert!(
            error.contains("copying the artifact into staging"),
            "{error}"
        );
        assert!(error.contains("pipe"), "{error}");
        assert_eq!(snapshot(&target), before);
    }
}

#[test]
fn leftovers_of_an_interrupted_run_are_removed() {
    let dir = TempDir::new().unwrap();
    let target = dir.path().join("target");
    write(&target.join(".kiln-previous/old.txt"), "old");
    write(&target.join(".kiln-staging-run-42/half.txt"), "half");
    let v1 = release(dir.path(), "1");
    let events = run(&v1, &target, None).unwrap();
    assert_eq!(snapshot(&target), snapshot(&v1));
    let removed = events
        .iter()
        .filter(|event| matches!(event, Event::RemovedLeftover(_)))
        .count();
    assert_eq!(removed, 2, "{events:?}");
}

#[test]
fn artifacts_may_not_use_reserved_names() {
    let dir = TempDir::new().unwrap();
    let target = dir.path().join("target");
    fs::create_dir(&target).unwrap();
    let artifact = dir.path().join("artifact");
    write(&artifact.join(".kiln-previous/x"), "x");
    let error = run(&artifact, &target, None).unwrap_err().to_string();
    assert!(error.contains("reserved by deploy-dir"), "{error}");
}

#[test]
fn failed_moves_are_rolled_back() {
    let dir = TempDir::new().unwrap();
    let (from, to) = (dir.path().join("from"), dir.path().join("to"));
    write(&from.join("a"), "a");
    write(&from.join("c"), "c");
    fs::create_dir(&to).unwrap();
    let names = ["a".to_owned(), "missing".to_owned(), "c".to_owned()];
    let error = move_entries(&from, &to, &names).unwrap_err().to_string();
    assert!(error.contains("missing"), "{error}");
    assert!(from.join("a").exists() && from.join("c").exists());
    assert_eq!(fs::read_dir(&to).unwrap().count(), 0);
}

#[test]
fn parameters_are_checked() {
    assert_eq!(parse_subdir(None).unwrap(), None);
    assert_eq!(parse_subdir(Some(" ")).unwrap(), None);
    assert_eq!(parse_subdir(Some("./")).unwrap(), None);
    assert_eq!(
        parse_subdir(Some("a/./b/")).unwrap().as_deref(),
        Some("a/b")
    );
    for bad in [
        "../x",
        "a/../../b",
        "/etc",
        ".kiln-previous",
        ".kiln-staging-x/y",
    ] {
        assert!(parse_subdir(Some(bad)).is_err(), "{bad}");
    }

    let input = |name: &str| kiln_sdk::Input {
        name: name.into(),
        digest: "sha256:0123456789abcdef".into(),
        path: PathBuf::from(format!("/inputs/{name}")),
    };
    let one = [input("site")];
    assert_eq!(select_artifact(&one, None).unwrap().name, "site");
    let two = [input("site"), input("docs")];
    let error = select_artifact(&two, None).unwrap_err().to_string();
    assert!(error.contains("site, docs"), "{error}");
    assert_eq!(select_artifact(&two, Some("docs")).unwrap().name, "docs");
    assert!(select_artifact(&two, Some("nope")).is_err());
    assert!(select_artifact(&[], None).is_err());

    assert_eq!(
        short_digest("sha256:0123456789abcdef"),
        "sha256:0123456789ab"
    );
    assert_eq!(short_digest("weird"), "weird");
}
