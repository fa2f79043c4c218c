//! An attempt's log: whole, as text, or live as server-sent events. Each
//! line is one event whose id is its line number (from 1), so a client
//! that reconnects with `Last-Event-ID: n` gets the lines after line n and
//! nothing twice. The stream ends with an `end` event (data: the run's
//! status) once the run has ended and every line was sent.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use kiln::store::history::RunStore;

use super::error::{ApiError, ApiResult};
use crate::state::Shared;

/// How often a live log is looked at for new lines.
const POLL: Duration = Duration::from_millis(100);

/// The log file of `run`'s `action`, attempt `attempt`, once checked.
fn log_file(app: &Shared, run: &str, action: &str, attempt: u32) -> ApiResult<(String, PathBuf)> {
    let store = app.store();
    let id = store.resolve(run)?;
    let detail = store.show(&id)?;
    let known = detail
        .stages
        .iter()
        .flat_map(|s| &s.actions)
        .any(|a| a.name == action);
    if !known {
        return Err(ApiError::not_found(format!(
            "run {id} has no action `{action}`"
        )));
    }
    if attempt == 0 {
        return Err(ApiError::bad_request("attempts are numbered from 1"));
    }
    Ok((id.clone(), store.log_path(&id, action, attempt)))
}

pub async fn whole(
    State(app): State<Shared>,
    Path((run, action, attempt)): Path<(String, String, u32)>,
) -> ApiResult<impl IntoResponse> {
    let (id, path) = log_file(&app, &run, &action, attempt)?;
    let text = std::fs::read(&path).map_err(|_| {
        ApiError::not_found(format!(
            "run {id}: action `{action}` has no log of attempt {attempt} (yet)"
        ))
    })?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text))
}

pub async fn live(
    State(app): State<Shared>,
    Path((run, action, attempt)): Path<(String, String, u32)>,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let (id, path) = log_file(&app, &run, &action, attempt)?;
    let resume_after = match headers.get("last-event-id") {
        None => 0,
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|text| text.trim().parse::<u64>().ok())
            .ok_or_else(|| ApiError::bad_request("Last-Event-ID must be a line number"))?,
    };
    let follower = Follower {
        store: app.store().clone(),
        run_id: id,
        path,
        offset: 0,
        line: 0,
        resume_after,
        ready: VecDeque::new(),
        done: false,
        stop: app.stop.clone(),
    };
    let stream = futures_util::stream::unfold(follower, |mut follower| async move {
        follower.next().await.map(|event| (Ok(event), follower))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// Reads a growing log line by line.
struct Follower {
    store: RunStore,
    run_id: String,
    path: PathBuf,
    /// Bytes of the file read so far (complete lines only).
    offset: u64,
    /// Lines read so far.
    line: u64,
    /// Lines up to this one were sent before (`Last-Event-ID`).
    resume_after: u64,
    ready: VecDeque<Event>,
    done: bool,
    stop: tokio_util::sync::CancellationToken,
}

impl Follower {
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(event);
            }
            if self.done || self.stop.is_cancelled() {
                return None;
            }
            // The status first: lines written before the run ended are on
            // disk when it reads as ended, so the last read misses none.
            let status = self.store.status(&self.run_id).ok();
            let ended = status.is_none_or(|s| s.is_final());
            self.read_lines(!ended);
            if ended {
                let status = status.map_or("unknown".to_owned(), |s| s.to_string());
                self.ready
                    .push_back(Event::default().event("end").data(status));
                self.done = true;
                continue;
            }
            if self.ready.is_empty() {
                tokio::select! {
                    _ = tokio::time::sleep(POLL) => {}
                    _ = self.stop.cancelled() => {}
                }
            }
        }
    }

    /// Queue the new complete lines (all of them when the log is done).
    fn read_lines(&mut self, growing: bool) {
        let Ok(mut file) = std::fs::File::open(&self.path) else {
            return;
        };
        let mut bytes = Vec::new();
        if file.seek(SeekFrom::Start(self.offset)).is_err() || file.read_to_end(&mut bytes).is_err()
        {
            return;
        }
        let usable = if growing {
            bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
        } else {
            bytes.len()
        };
        self.offset += usable as u64;
        for line in String::from_utf8_lossy(&bytes[..usable]).lines() {
            self.line += 1;
            if self.line > self.resume_after {
                self.ready
                    .push_back(Event::default().id(self.line.to_string()).data(line));
            }
        }
    }
}
