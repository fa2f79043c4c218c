//! The recorder's writer: a thread that writes a run's events, as many as
//! have queued up in one transaction. A run of many short actions would
//! otherwise spend a third of each action's time in SQLite's commit
//! (a dozen `fcntl` locks and `pwrite`s to the WAL per transaction) on
//! the action's own path; here the commit runs beside the actions, and
//! events that arrive while one is written share the next.

use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread::JoinHandle;

use kiln_model::event::Event;

use super::recorder::Book;

/// Events written in one transaction at most: a bound on what one failed
/// transaction makes the writer retry one by one.
const MAX_BATCH: usize = 512;

pub(super) enum Message {
    /// An event, and when it happened (milliseconds since the epoch).
    Event(Box<Event>, i64),
    /// Answered once everything sent before is written.
    Flush(SyncSender<()>),
}

/// Sends events to the writer thread; dropping it writes what is queued
/// and ends the thread.
pub(super) enum Writer {
    Thread {
        queue: Option<Sender<Message>>,
        thread: Option<JoinHandle<()>>,
    },
    /// No thread could be started: each event is written as it is sent.
    Inline(Book),
}

impl Writer {
    pub fn start(book: Book) -> Self {
        let (queue, received) = mpsc::channel();
        let writer_book = book.clone();
        match std::thread::Builder::new()
            .name(format!("kiln-history-{}", book.run_id()))
            .spawn(move || write_until_closed(&writer_book, &received))
        {
            Ok(thread) => Self::Thread {
                queue: Some(queue),
                thread: Some(thread),
            },
            Err(error) => {
                tracing::warn!("recording run {} inline: {error}", book.run_id());
                Self::Inline(book)
            }
        }
    }

    /// Queue `event`, which happened at `now`.
    pub fn send(&self, event: Event, now: i64) {
        match self {
            Self::Thread {
                queue: Some(queue), ..
            } => {
                let _ = queue.send(Message::Event(Box::new(event), now));
            }
            Self::Thread { queue: None, .. } => {}
            Self::Inline(book) => book.write(&[(event, now)]),
        }
    }

    /// Wait until every event sent so far is written.
    pub fn flush(&self) {
        if let Self::Thread {
            queue: Some(queue), ..
        } = self
        {
            let (done, written) = mpsc::sync_channel(1);
            if queue.send(Message::Flush(done)).is_ok() {
                let _ = written.recv();
            }
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if let Self::Thread { queue, thread } = self {
            drop(queue.take());
            if let Some(thread) = thread.take() {
                let _ = thread.join();
            }
        }
    }
}

/// The writer thread: block for one message, take whatever else has
/// queued up, write the events in one transaction, answer the flushes.
fn write_until_closed(book: &Book, received: &Receiver<Message>) {
    while let Ok(first) = received.recv() {
        let mut events = Vec::new();
        let mut flushes = Vec::new();
        let mut next = Some(first);
        while let Some(message) = next {
            match message {
                Message::Event(event, now) => events.push((*event, now)),
                Message::Flush(done) => flushes.push(done),
            }
            next = if events.len() < MAX_BATCH {
                received.try_recv().ok()
            } else {
                None
            };
        }
        if !events.is_empty() {
            book.write(&events);
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::RunStore;
    use kiln_model::status::Status;

    fn store_with_a_stage() -> (tempfile::TempDir, RunStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = RunStore::open(&dir.path().join("runs.db"), &dir.path().join("runs")).unwrap();
        store
            .lock()
            .execute_batch(
                "INSERT INTO runs (id, pipeline, file, file_digest, workspace, trigger, status, started_at)
                 VALUES ('r1', 'p', 'f', 'd', 'w', 'manual', 'running', 0);
                 INSERT INTO stages (run_id, position, name, deploy, status)
                 VALUES ('r1', 0, 's', 0, 'pending');",
            )
            .unwrap();
        (dir, store)
    }

    fn stage_status(store: &RunStore) -> (String, Option<i64>) {
        store
            .lock()
            .query_row(
                "SELECT status, started_at FROM stages WHERE run_id = 'r1'",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap()
    }

    #[test]
    fn a_flush_returns_once_every_event_before_it_is_written_with_its_time() {
        let (_dir, store) = store_with_a_stage();
        let writer = Writer::start(Book::new(&store, "r1"));
        let started = Event::StageStarted { stage: "s".into() };
        writer.send(started, 1_000);
        let finished = Event::StageFinished {
            stage: "s".into(),
            status: Status::Succeeded,
        };
        writer.send(finished, 2_000);
        writer.flush();
        assert_eq!(stage_status(&store), ("succeeded".into(), Some(1_000)));
    }

    #[test]
    fn dropping_the_writer_writes_what_is_queued() {
        let (_dir, store) = store_with_a_stage();
        let writer = Writer::start(Book::new(&store, "r1"));
        for _ in 0..100 {
            writer.send(Event::StageStarted { stage: "s".into() }, 5);
        }
        writer.send(
            Event::StageFinished {
                stage: "s".into(),
                status: Status::Failed,
            },
            6,
        );
        drop(writer);
        assert_eq!(stage_status(&store), ("failed".into(), Some(5)));
    }
}
