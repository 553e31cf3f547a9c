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
