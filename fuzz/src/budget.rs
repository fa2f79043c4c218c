//! The CI budget: a target run over its seeds, then over deterministic
//! mutations of them, for a fixed count bounded by a fixed time.
//!
//! No coverage feedback (that is what the libFuzzer runs are for): the
//! mutations are the classic blind ones (bit flips, interesting bytes and
//! tokens, inserts, deletes, truncation, repeated chunks, splices between
//! seeds), stacked one to four deep, from a seeded PRNG, so the same
//! corpus gives the same inputs on every machine. A panic, or one input
//! that takes longer than [`Budget::slow`], fails the run with the input.
//! An input that never returns stops the process after [`Budget::hang`],
//! printing the input first; one that kills the process (a stack
//! overflow aborts, it cannot be caught) is left in [`Budget::journal`]
//! for whoever started the process to report.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How much to run one target.
#[derive(Debug, Clone)]
pub struct Budget {
    /// Mutated inputs after the seeds.
    pub mutations: usize,
    /// Time after which no new mutation starts.
    pub time: Duration,
    /// One input taking more CPU time than this is a finding. CPU time of
    /// the thread, not wall time: a busy machine (a build beside the
    /// tests, a disk that stalls a file write) must not make an input
    /// slow.
    pub slow: Duration,
    /// One input running longer than this ends the process.
    pub hang: Duration,
    /// The longest mutated input.
    pub max_len: usize,
    /// A file each input is written to before it runs: what was running
    /// when the process died ([`read_journal`]).
    pub journal: Option<PathBuf>,
}

/// What a run did.
#[derive(Debug, Clone, Copy)]
pub struct Ran {
    pub executions: usize,
    pub elapsed: Duration,
}

/// An input a target failed on.
#[derive(Debug)]
pub struct Failure {
    pub target: String,
    pub input: Vec<u8>,
    pub reason: String,
    /// Where the input was written, to replay it.
    pub saved: Option<PathBuf>,
}

impl Failure {
    /// The failure, its input saved for a replay.
    pub fn new(target: &str, input: &[u8], reason: String) -> Self {
        Self {
            target: target.to_owned(),
            input: input.to_vec(),
            saved: save(target, input),
            reason,
        }
    }
}

/// Bytes of an input shown in a failure; the saved file has all of them.
const SHOWN_BYTES: usize = 512;

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = &self.input[..self.input.len().min(SHOWN_BYTES)];
        let more = if shown.len() < self.input.len() {
            "..."
        } else {
            ""
        };
        writeln!(f, "target `{}`: {}", self.target, self.reason)?;
        writeln!(
            f,
            "input, {} bytes, hex: {}{more}",
            self.input.len(),
            hex(shown)
        )?;
        writeln!(f, "as text: {:?}{more}", String::from_utf8_lossy(shown))?;
        if let Some(path) = &self.saved {
            writeln!(
                f,
                "saved to {} (replay: cd fuzz/libfuzzer && cargo +nightly fuzz run --fuzz-dir . {} {})",
                path.display(),
                self.target,
                path.display()
            )?;
        }
        Ok(())
    }
}

/// The seed corpus of `target`: the files of `corpus/<target>/`, in name
/// order.
pub fn seeds(target: &str) -> std::io::Result<Vec<Vec<u8>>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut paths = std::fs::read_dir(&dir)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<std::io::Result<Vec<PathBuf>>>()?;
    paths.sort();
    paths.iter().map(std::fs::read).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Run `target` over `seeds`, then over mutations of them, within `budget`.
pub fn run(
    name: &str,
    target: crate::Target,
    seeds: &[Vec<u8>],
    budget: &Budget,
) -> Result<Ran, Failure> {
    let start = Instant::now();
    let watchdog = Watchdog::start(name, budget.hang);
    let fail = |input: &[u8], reason| Failure::new(name, input, reason);
    let journal = match &budget.journal {
        Some(path) => Some(Journal::create(path).map_err(|error| {
            fail(
                &[],
                format!("creating the journal {}: {error}", path.display()),
            )
        })?),
        None => None,
    };
    let run_one = |input: &[u8]| {
        if let Some(journal) = &journal {
            journal
                .record(input)
                .map_err(|error| format!("writing the journal: {error}"))?;
        }
        execute(target, input, budget, &watchdog)
    };
    for seed in seeds {
        run_one(seed).map_err(|reason| fail(seed, reason))?;
    }
    let mut mutator = Mutator::new(seed_of(name), seeds, budget.max_len);
    let mut executions = seeds.len();
    for _ in 0..budget.mutations {
        if start.elapsed() >= budget.time {
            break;
        }
        let input = mutator.next_input();
        run_one(&input).map_err(|reason| fail(&input, reason))?;
        executions += 1;
    }
    Ok(Ran {
        executions,
        elapsed: start.elapsed(),
    })
}

/// One execution: its panic message, or how long it took if too long.
fn execute(
    target: crate::Target,
    input: &[u8],
    budget: &Budget,
    watchdog: &Watchdog,
) -> Result<(), String> {
    watchdog.watch(input);
    let start = thread_cpu_time();
    let outcome = catch_unwind(AssertUnwindSafe(|| target(input)));
    let took = thread_cpu_time().saturating_sub(start);
    watchdog.done();
    match outcome {
        Err(payload) => Err(format!("panicked: {}", panic_message(&*payload))),
        Ok(()) if took > budget.slow => Err(format!(
            "took {took:.2?} of CPU time, more than the {:.2?} one input may take",
            budget.slow
        )),
        Ok(()) => Ok(()),
    }
}

/// The CPU time this thread has used.
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec for the call to write; the clock
    // exists on every Linux.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|message| (*message).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a panic without a message)".to_owned())
}

/// The file inputs are recorded in before they run: its length, then its
/// bytes, written in place (no truncation, no new file: creating a file
/// per input is slow on a busy disk).
struct Journal(std::fs::File);

impl Journal {
    fn create(path: &Path) -> std::io::Result<Self> {
        std::fs::File::create(path).map(Self)
    }

    fn record(&self, input: &[u8]) -> std::io::Result<()> {
        use std::os::unix::fs::FileExt;
        self.0.write_all_at(input, 8)?;
        self.0.write_all_at(&(input.len() as u64).to_le_bytes(), 0)
    }
}

/// The input last recorded in a journal.
pub fn read_journal(path: &Path) -> std::io::Result<Vec<u8>> {
    let bytes = std::fs::read(path)?;
    let (len, rest) = bytes
        .split_first_chunk::<8>()
        .ok_or(std::io::ErrorKind::UnexpectedEof)?;
    let len = usize::try_from(u64::from_le_bytes(*len)).map_err(std::io::Error::other)?;
    rest.get(..len)
        .map(<[u8]>::to_vec)
        .ok_or_else(|| std::io::ErrorKind::UnexpectedEof.into())
}

/// The input in the system's temporary directory, named by target and
/// content, so that a failure can be replayed.
fn save(name: &str, input: &[u8]) -> Option<PathBuf> {
    let dir = std::env::temp_dir().join("kiln-fuzz-failures");
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join(format!("{name}-{:016x}", fnv1a(input)));
    std::fs::write(&path, input).ok()?;
    Some(path)
}

/// A target's PRNG seed: from its name, so that each target gets its own
/// sequence and every machine the same one.
fn seed_of(name: &str) -> u64 {
    fnv1a(name.as_bytes())
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The input running, and since when.
type Running = Option<(Instant, Vec<u8>)>;

/// A thread that ends the process when one input runs longer than the
/// hang limit: a target stuck in a loop cannot be unwound, and a test that
/// never ends tells nobody which input it was.
struct Watchdog {
    current: Arc<Mutex<Running>>,
    stop: Arc<AtomicBool>,
}

impl Watchdog {
    fn start(name: &str, hang: Duration) -> Self {
        let current: Arc<Mutex<Running>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (watched, stopped, name) = (current.clone(), stop.clone(), name.to_owned());
        thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                thread::sleep(Duration::from_millis(50));
                let guard = watched.lock().unwrap_or_else(|poison| poison.into_inner());
                if let Some((started, input)) = &*guard
                    && started.elapsed() > hang
                {
                    let reason = format!("hangs: still running after {hang:?}");
                    eprintln!("{}", Failure::new(&name, input, reason));
                    std::process::exit(101);
                }
            }
        });
        Self { current, stop }
    }

    fn watch(&self, input: &[u8]) {
        *self.lock() = Some((Instant::now(), input.to_vec()));
    }

    fn done(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Running> {
        self.current
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// xorshift64*: small, fast, and the same everywhere.
pub struct Prng(u64);

impl Prng {
    pub fn new(seed: u64) -> Self {
        // Zero is xorshift's one fixed point.
        Self(seed | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `bound` (which must not be 0).
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Bytes that start, end or break things in the formats kiln reads.
const INTERESTING_BYTES: &[u8] = &[
    0x00, 0xff, 0x7f, 0x80, 0xc2, 0xe2, 0x1b, b'\n', b'\r', b'\t', b' ', b'"', b'\'', b'\\', b'{',
    b'}', b'[', b']', b':', b',', b'-', b'*', b'&', b'<', b'>', b'/', b'%', b'@', b'#', b'=', b'.',
];

/// Texts that parsers of numbers, escapes and encodings tend to get wrong.
const INTERESTING_TOKENS: &[&str] = &[
    "-1",
    "0",
    "18446744073709551616",
    "4294967296",
    "-9223372036854775809",
    "1e400",
    "NaN",
    "\u{feff}",
    "\\u0000",
    "\\ud800",
    "&#0;",
    "&#x110000;",
    "&amp;",
    "%00",
    "%zz",
    "\x1b[",
    "\x1b]",
    "\u{202e}",
    "\u{85}",
    "*/",
    "**",
    "..",
    "../",
    "~",
    "!!binary ",
    "&a ",
    "*a",
    "<<: ",
    "? ",
    "- ",
    "sha256:",
    "oci://",
    "ed25519:",
    "\"\"",
    "{}",
    "[]",
    "null",
];

/// Mutated inputs from a set of seeds.
pub struct Mutator<'a> {
    prng: Prng,
    seeds: &'a [Vec<u8>],
    max_len: usize,
    last: Vec<u8>,
}

impl<'a> Mutator<'a> {
    pub fn new(seed: u64, seeds: &'a [Vec<u8>], max_len: usize) -> Self {
        Self {
            prng: Prng::new(seed),
            seeds,
            max_len,
            last: Vec::new(),
        }
    }

    /// The next input: a seed (or, one time in four, the previous input, to
    /// reach further from the seeds) with one to four mutations.
    pub fn next_input(&mut self) -> Vec<u8> {
        let mut input = if self.prng.below(4) == 0 || self.seeds.is_empty() {
            std::mem::take(&mut self.last)
        } else {
            self.random_seed().to_vec()
        };
        for _ in 0..1 + self.prng.below(4) {
            self.mutate(&mut input);
        }
        input.truncate(self.max_len);
        self.last = input.clone();
        input
    }

    fn random_seed(&mut self) -> &'a [u8] {
        if self.seeds.is_empty() {
            return &[];
        }
        let at = self.prng.below(self.seeds.len());
        &self.seeds[at]
    }

    /// A random position in `input`, its end included.
    fn position(&mut self, input: &[u8]) -> usize {
        self.prng.below(input.len() + 1)
    }

    /// A random range of `input` of at most `max` bytes.
    fn range(&mut self, input: &[u8], max: usize) -> std::ops::Range<usize> {
        let start = self.position(input);
        let len = self.prng.below(max.min(input.len() - start) + 1);
        start..start + len
    }

    fn mutate(&mut self, input: &mut Vec<u8>) {
        match self.prng.below(10) {
            0 if !input.is_empty() => {
                let at = self.prng.below(input.len());
                input[at] ^= 1 << self.prng.below(8);
            }
            1 if !input.is_empty() => {
                let at = self.prng.below(input.len());
                input[at] = *self.prng.pick(INTERESTING_BYTES);
            }
            2 => {
                let at = self.position(input);
                let count = 1 + self.prng.below(8);
                let bytes: Vec<u8> = (0..count)
                    .map(|_| match self.prng.below(2) {
                        0 => *self.prng.pick(INTERESTING_BYTES),
                        _ => self.prng.next_u64() as u8,
                    })
                    .collect();
                input.splice(at..at, bytes);
            }
            3 => {
                let at = self.position(input);
                let token = self.prng.pick(INTERESTING_TOKENS).as_bytes();
                input.splice(at..at, token.iter().copied());
            }
            4 => {
                let range = self.range(input, 32);
                input.drain(range);
            }
            5 => {
                // Repeated chunks: deep nesting, long runs, many entries.
                let range = self.range(input, 64);
                let chunk = input[range.clone()].to_vec();
                let times = 2 + self.prng.below(63);
                let repeated = chunk.repeat(times);
                input.splice(range.end..range.end, repeated);
            }
            6 => {
                // Splice: this input's head, another seed's tail.
                let other = self.random_seed();
                let cut = self.position(input);
                let from = self.prng.below(other.len() + 1);
                input.truncate(cut);
                input.extend_from_slice(&other[from..]);
            }
            7 => {
                // A piece of another seed, inserted.
                let other = self.random_seed();
                let range = self.range(other, 128);
                let at = self.position(input);
                input.splice(at..at, other[range].iter().copied());
            }
            8 => {
                let at = self.position(input);
                input.truncate(at);
            }
            _ => {
                // A piece of this input copied over another place of it.
                let range = self.range(input, 32);
                let chunk = input[range].to_vec();
                let at = self.position(input);
                let end = (at + chunk.len()).min(input.len());
                input.splice(at..end, chunk);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget() -> Budget {
        Budget {
            mutations: 500,
            time: Duration::from_secs(10),
            slow: Duration::from_millis(200),
            hang: Duration::from_secs(60),
            max_len: 4096,
            journal: None,
        }
    }

    fn panics_on_two_bangs(data: &[u8]) {
        assert!(!data.windows(2).any(|pair| pair == b"!!"), "two bangs");
    }

    #[test]
    fn a_panic_found_by_mutation_fails_the_run_with_the_input() {
        let seeds = vec![b"hello! world!".to_vec()];
        let failure = run("bangs", panics_on_two_bangs, &seeds, &budget()).unwrap_err();
        assert!(failure.input.windows(2).any(|pair| pair == b"!!"));
        let shown = failure.to_string();
        assert!(
            shown.starts_with("target `bangs`: panicked: two bangs"),
            "{shown}"
        );
        assert!(shown.contains(&hex(&failure.input[..failure.input.len().min(SHOWN_BYTES)])));
        let saved = failure.saved.expect("the input is saved");
        assert_eq!(std::fs::read(saved).unwrap(), failure.input);
    }

    #[test]
    fn a_slow_input_fails_the_run_and_a_waiting_one_does_not() {
        fn busy_on_z(data: &[u8]) {
            if data.contains(&b'z') {
                let start = thread_cpu_time();
                while thread_cpu_time() - start < Duration::from_millis(300) {
                    std::hint::black_box(start);
                }
            }
        }
        let failure = run("slow", busy_on_z, &[b"a z".to_vec()], &budget()).unwrap_err();
        assert!(failure.reason.starts_with("took"), "{}", failure.reason);

        fn waits_on_z(data: &[u8]) {
            if data.contains(&b'z') {
                thread::sleep(Duration::from_millis(300));
            }
        }
        let quick = Budget {
            mutations: 0,
            ..budget()
        };
        run("waiting", waits_on_z, &[b"a z".to_vec()], &quick).unwrap();
    }

    #[test]
    fn the_journal_holds_the_last_input() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("journal");
        let budget = Budget {
            journal: Some(journal.clone()),
            ..budget()
        };
        let seeds = [b"a much longer first seed".to_vec(), b"a!b!".to_vec()];
        let failure = run("bangs", panics_on_two_bangs, &seeds, &budget).unwrap_err();
        assert_eq!(read_journal(&journal).unwrap(), failure.input);
    }

    #[test]
    fn a_target_that_never_fails_runs_the_whole_count() {
        let seeds = vec![b"seed".to_vec()];
        let ran = run("quiet", |_| {}, &seeds, &budget()).unwrap();
        assert_eq!(ran.executions, seeds.len() + budget().mutations);
    }

    #[test]
    fn the_same_seeds_give_the_same_inputs() {
        let seeds = vec![b"one seed".to_vec(), b"another, longer seed".to_vec()];
        let inputs = |seed| {
            let mut mutator = Mutator::new(seed, &seeds, 256);
            (0..200).map(|_| mutator.next_input()).collect::<Vec<_>>()
        };
        assert_eq!(inputs(7), inputs(7));
        assert_ne!(inputs(7), inputs(8));
        assert!(inputs(7).iter().all(|input| input.len() <= 256));
    }
}
