//! A checkout from start to end: open the repository, resolve the ref,
//! peel it to a commit, list its tree and write the files.

use std::path::Path;

use kiln_sdk::Error;

use crate::listing::list_tree;
use crate::object::{Commit, Kind, parse_tag_target};
use crate::oid::ObjectId;
use crate::refs::{Refs, Resolved};
use crate::repo::Repository;
use crate::writer::{WriteEvent, WriteReport, write_tracked};

/// Tags of tags are legal; this many levels are not plausible.
const MAX_TAG_DEPTH: usize = 16;

/// Events worth a log line, in the order they happen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Opened { packs: usize, packed_objects: usize },
    Resolved(Resolved),
    PeeledTag { tag: ObjectId, target: ObjectId },
    Commit { id: ObjectId, commit: Commit },
    Listed { paths: usize },
    Write(WriteEvent),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub commit_id: ObjectId,
    pub commit: Commit,
    pub report: WriteReport,
}

/// Check out `spec` of the repository at `repo_dir` into `out`.
pub fn snapshot(
    repo_dir: &Path,
    spec: &str,
    out: &Path,
    on_event: &mut dyn FnMut(Event),
) -> Result<Snapshot, Error> {
    let repo = Repository::open(repo_dir)?;
    on_event(Event::Opened {
        packs: repo.odb.pack_count(),
        packed_objects: repo.odb.packed_object_count(),
    });
    let resolved = Refs::load(&repo)?.resolve(spec)?;
    on_event(Event::Resolved(resolved.clone()));
    let (commit_id, commit) = peel_to_commit(&repo, spec, resolved.id, on_event)?;
    on_event(Event::Commit {
        id: commit_id,
        commit: commit.clone(),
    });
    let tracked = list_tree(&repo.odb, commit.tree)?;
    on_event(Event::Listed {
        paths: tracked.len(),
    });
    let report = write_tracked(&repo.odb, &tracked, out, &mut |event| {
        on_event(Event::Write(event))
    })?;
    Ok(Snapshot {
        commit_id,
        commit,
        report,
    })
}

/// Follow annotated tags down to the commit they name.
fn peel_to_commit(
    repo: &Repository,
    spec: &str,
    mut id: ObjectId,
    on_event: &mut dyn FnMut(Event),
) -> Result<(ObjectId, Commit), Error> {
    for _ in 0..MAX_TAG_DEPTH {
        let object = repo.odb.read(&id)?;
        match object.kind {
            Kind::Commit => {
                let commit = Commit::parse(&object.data)
                    .map_err(|error| Error::new(format!("commit {id}: {error}")))?;
                return Ok((id, commit));
            }
            Kind::Tag => {
                let target = parse_tag_target(&object.data)
                    .map_err(|error| Error::new(format!("tag object {id}: {error}")))?;
                on_event(Event::PeeledTag { tag: id, target });
                id = target;
            }
            kind => {
                return Err(Error::new(format!(
                    "ref `{spec}` names {id}, which is a {kind}, not a commit"
                )));
            }
        }
    }
    Err(Error::new(format!(
        "ref `{spec}`: tags nest more than {MAX_TAG_DEPTH} deep"
    )))
}
