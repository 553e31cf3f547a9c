//! How a long search tells people where it is: a progress bar on a terminal, a plain log
//! line every few seconds when headless, or JSON lines (`--json`) for scripts.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Receives the pipeline's progress. Implementations must be cheap: `update` is called
/// after every generation.
pub trait Progress: Sync {
    /// A stage begins: its name and the run's evaluations when it may stop.
    fn stage(&self, name: &str, evals_at_end: u64);
    /// Evaluations so far in the run, and the best cost so far.
    fn update(&self, evals: u64, best: f64);
    /// A one-off message (a fallback, a skipped stage).
    fn note(&self, message: &str);
    fn finish(&self) {}
    /// The run's wall-clock limit left to this session, once the pipeline knows it (a
    /// resumed run has used some): `None` when the run has none.
    fn time_left(&self, _seconds: Option<f64>) {}
}

/// Says nothing (`--quiet`, tests).
#[derive(Debug)]
pub struct Silent;
impl Progress for Silent {
    fn stage(&self, _: &str, _: u64) {}
    fn update(&self, _: u64, _: f64) {}
    fn note(&self, _: &str) {}
}

/// Chooses the reporter: JSON lines on stdout, a bar on a terminal, else plain lines.
pub fn for_output(json: bool, quiet: bool, unit: &'static str) -> Box<dyn Progress> {
    if quiet {
        Box::new(Silent)
    } else if json {
        Box::new(JsonLines { start: Instant::now(), stage: Mutex::new(String::new()) })
    } else if std::io::stderr().is_terminal() {
        Box::new(Bar::new(unit))
    } else {
        Box::new(PlainLog::new(unit, Duration::from_secs(5)))
    }
}

/// One JSON object per event on stdout.
#[derive(Debug)]
pub struct JsonLines {
    start: Instant,
    stage: Mutex<String>,
}
impl Progress for JsonLines {
    fn stage(&self, name: &str, evals_at_end: u64) {
        *self.stage.lock().unwrap() = name.to_string();
        let t = self.start.elapsed().as_secs_f64();
        println!(
            "{}",
            serde_json::json!({"event": "stage", "stage": name, "evals_at_end": evals_at_end, "seconds": t})
        );
    }
    fn update(&self, evals: u64, best: f64) {
        let stage = self.stage.lock().unwrap().clone();
        let t = self.start.elapsed().as_secs_f64();
        println!(
            "{}",
            serde_json::json!({"event": "progress", "stage": stage, "evals": evals, "best": best, "seconds": t})
        );
    }
    fn note(&self, message: &str) {
        println!("{}", serde_json::json!({"event": "note", "message": message}));
    }
}

/// A plain line on stderr at most every `every`, for logs of headless runs.
#[derive(Debug)]
pub struct PlainLog {
    unit: &'static str,
    every: Duration,
    start: Instant,
    inner: Mutex<LogState>,
}

#[derive(Debug, Default)]
struct LogState {
    stage: String,
    evals_at_end: u64,
    last_line: Option<Instant>,
    /// The latest update not yet printed.
    pending: Option<(u64, f64)>,
}

impl PlainLog {
    pub fn new(unit: &'static str, every: Duration) -> Self {
        PlainLog { unit, every, start: Instant::now(), inner: Mutex::new(LogState::default()) }
    }
    fn line(&self, g: &mut LogState, evals: u64, best: f64) {
        g.last_line = Some(Instant::now());
        g.pending = None;
        eprintln!(
            "[{:7.1}s] {}: {evals}/{} evaluations, best {best:.4} {}",
            self.start.elapsed().as_secs_f64(),
            g.stage,
            g.evals_at_end,
            self.unit
        );
    }
    /// Prints the stage's last update, so every stage ends with its final figures.
    fn flush(&self, g: &mut LogState) {
        if let Some((evals, best)) = g.pending {
            self.line(g, evals, best);
        }
    }
}
impl Progress for PlainLog {
    fn stage(&self, name: &str, evals_at_end: u64) {
        let mut g = self.inner.lock().unwrap();
        self.flush(&mut g);
        *g = LogState { stage: name.to_string(), evals_at_end, ..LogState::default() };
        eprintln!("[{:7.1}s] {name}: up to {evals_at_end} evaluations in all", self.start.elapsed().as_secs_f64());
    }
    fn update(&self, evals: u64, best: f64) {
        let mut g = self.inner.lock().unwrap();
        g.pending = Some((evals, best));
        if g.last_line.is_none_or(|t| t.elapsed() >= self.every) {
            self.line(&mut g, evals, best);
        }
    }
    fn finish(&self) {
        self.flush(&mut self.inner.lock().unwrap());
    }
    fn note(&self, message: &str) {
        eprintln!("[{:7.1}s] {message}", self.start.elapsed().as_secs_f64());
    }
}

/// Says once, early in a run, how long the whole run will take when that is over an hour
/// (issue 12: "a run longer than an hour prints its estimate first"): a run's length
/// depends on the budget, the device and the model, none of which a user can easily
/// multiply out. The pace is measured over this process's first `MEASURE_SECONDS`, so a
/// resumed run is judged on what it has left.
pub struct WithEstimate<'a> {
    inner: &'a dyn Progress,
    budget: u64,
    /// Whether this process continues a run (`--resume`), which takes no --time or --budget.
    resumed: bool,
    start: Instant,
    state: Mutex<EstimateState>,
}

#[derive(Debug, Default)]
struct EstimateState {
    first_evals: Option<u64>,
    judged: bool,
    /// The time limit left to this session ([`Progress::time_left`]).
    time_left_s: Option<f64>,
}

/// Seconds of this process's run before its pace is judged.
const MEASURE_SECONDS: f64 = 10.0;
/// Runs longer than this say so.
const LONG_RUN_SECONDS: f64 = 3600.0;

impl std::fmt::Debug for WithEstimate<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithEstimate").field("budget", &self.budget).field("resumed", &self.resumed).finish()
    }
}

impl<'a> WithEstimate<'a> {
    pub fn new(inner: &'a dyn Progress, budget: u64, resumed: bool) -> Self {
        WithEstimate { inner, budget, resumed, start: Instant::now(), state: Mutex::new(EstimateState::default()) }
    }
}

/// The seconds a run will take in all (this process's share), when over an hour: `elapsed`
/// seconds have done `done_here` evaluations, `done` in the run so far, of `budget`; a time
/// limit stops it sooner.
pub fn long_run_seconds(
    elapsed: f64,
    done_here: u64,
    done: u64,
    budget: u64,
    time_limit_s: Option<f64>,
) -> Option<f64> {
    if done_here == 0 || elapsed <= 0.0 {
        return None;
    }
    let rate = done_here as f64 / elapsed;
    let total = elapsed + budget.saturating_sub(done) as f64 / rate;
    let total = time_limit_s.map_or(total, |t| total.min(t));
    (total > LONG_RUN_SECONDS).then_some(total)
}

impl Progress for WithEstimate<'_> {
    fn stage(&self, name: &str, evals_at_end: u64) {
        self.inner.stage(name, evals_at_end);
    }
    fn update(&self, evals: u64, best: f64) {
        self.inner.update(evals, best);
        let mut g = self.state.lock().unwrap();
        let first = *g.first_evals.get_or_insert(evals);
        let elapsed = self.start.elapsed().as_secs_f64();
        if g.judged || elapsed < MEASURE_SECONDS || evals == first {
            return;
        }
        g.judged = true;
        if let Some(total) = long_run_seconds(elapsed, evals - first, evals, self.budget, g.time_left_s) {
            let how = if self.resumed {
                "stop it and continue with --resume"
            } else {
                "stop it and continue with --resume, or start again capped with --time or --budget"
            };
            self.inner.note(&format!(
                "this session of the run will take about {:.1} hours at this pace ({:.0} evaluations/s, {} of {} \
                 left); it checkpoints as it goes: {how}",
                total / 3600.0,
                (evals - first) as f64 / elapsed,
                self.budget.saturating_sub(evals),
                self.budget
            ));
        }
    }
    fn time_left(&self, seconds: Option<f64>) {
        self.state.lock().unwrap().time_left_s = seconds;
    }
    fn note(&self, message: &str) {
        self.inner.note(message);
    }
    fn finish(&self) {
        self.inner.finish();
    }
}

/// An indicatif bar on stderr.
#[derive(Debug)]
pub struct Bar {
    bar: ProgressBar,
    unit: &'static str,
}
impl Bar {
    pub fn new(unit: &'static str) -> Self {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr_with_hz(4));
        bar.set_style(
            ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} evals {elapsed_precise} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Bar { bar, unit }
    }
}
impl Progress for Bar {
    fn stage(&self, name: &str, evals_at_end: u64) {
        self.bar.set_prefix(name.to_string());
        self.bar.set_length(evals_at_end);
    }
    fn update(&self, evals: u64, best: f64) {
        self.bar.set_position(evals);
        self.bar.set_message(format!("best {best:.4} {}", self.unit));
    }
    fn note(&self, message: &str) {
        self.bar.println(message);
    }
    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_over_an_hour_says_how_long_and_a_time_limit_caps_the_estimate() {
        // 1,000 evaluations in 10 s, a million to go: ~2.8 hours.
        let t = long_run_seconds(10.0, 1_000, 1_000, 1_000_000, None).unwrap();
        assert!((t - (10.0 + 999_000.0 / 100.0)).abs() < 1e-6, "{t}");
        assert_eq!(long_run_seconds(10.0, 1_000, 1_000, 1_000_000, Some(1800.0)), None);
        assert_eq!(long_run_seconds(10.0, 1_000, 1_000, 1_000_000, Some(7200.0)), Some(7200.0));
        // A short run, and a resumed one judged on what it has left.
        assert_eq!(long_run_seconds(10.0, 10_000, 10_000, 1_000_000, None), None);
        assert_eq!(long_run_seconds(10.0, 100, 990_000, 1_000_000, None), None);
        assert_eq!(long_run_seconds(10.0, 0, 0, 1_000_000, None), None);
    }

    #[derive(Default)]
    struct Notes(Mutex<Vec<String>>);
    impl Progress for Notes {
        fn stage(&self, _: &str, _: u64) {}
        fn update(&self, _: u64, _: f64) {}
        fn note(&self, m: &str) {
            self.0.lock().unwrap().push(m.to_string());
        }
    }

    #[test]
    fn the_estimate_is_said_once_through_the_reporter() {
        let notes = Notes::default();
        let p = WithEstimate::new(&notes, 1_000_000_000, false);
        // Pretend the first MEASURE_SECONDS have passed.
        let p = WithEstimate { start: Instant::now() - Duration::from_secs(20), ..p };
        p.update(0, 1.0);
        p.update(100, 1.0);
        p.update(200, 1.0);
        let notes = notes.0.lock().unwrap();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("hours at this pace") && notes[0].contains("--resume"), "{}", notes[0]);
    }

    #[test]
    fn a_resumed_run_is_judged_on_the_time_limit_it_has_left() {
        let notes = Notes::default();
        let p = WithEstimate::new(&notes, 1_000_000_000, true);
        let p = WithEstimate { start: Instant::now() - Duration::from_secs(20), ..p };
        // 7,000 s of a 7,200 s limit were used before this session.
        p.time_left(Some(200.0));
        p.update(0, 1.0);
        p.update(100, 1.0);
        assert!(notes.0.lock().unwrap().is_empty(), "{:?}", notes.0.lock().unwrap());
        let notes = Notes::default();
        let p = WithEstimate {
            start: Instant::now() - Duration::from_secs(20),
            ..WithEstimate::new(&notes, 1 << 40, true)
        };
        p.update(0, 1.0);
        p.update(100, 1.0);
        let said = notes.0.lock().unwrap();
        assert!(said[0].contains("continue with --resume") && !said[0].contains("--budget"), "{}", said[0]);
    }
}
