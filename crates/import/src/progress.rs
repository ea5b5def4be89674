//! Progress for long runs (imports, the demo generator, projection rebuilds).
//!
//! On a terminal: an `indicatif` bar on stderr with count, rate and ETA (a spinner when the
//! total is unknown). Otherwise (CI, a pipe, a log file) nothing while running and one
//! plain summary line at the end, so logs stay readable. [`Progress::hidden`] shows
//! nothing at all, for libraries and tests.
//!
//! ```no_run
//! use kringloop_import::progress::Progress;
//! let v = Progress::new("import plaatsingen.csv", Some(100_000), "records");
//! for _ in 0..100_000 { v.inc(1); }
//! let s = v.finish();
//! assert_eq!(s.count, 100_000);
//! ```

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// What a finished run did: count, time and rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub count: u64,
    pub duration: Duration,
}

impl Summary {
    /// Items per second (0 for an empty or instant run).
    pub fn per_second(&self) -> f64 {
        let s = self.duration.as_secs_f64();
        if s > 0.0 { self.count as f64 / s } else { 0.0 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Bar,
    Line,
    Silent,
}

/// A progress reporter. Cheap to `inc` from a hot loop (an atomic add; indicatif throttles
/// its redraws itself).
#[derive(Debug)]
pub struct Progress {
    label: String,
    unit: String,
    mode: Mode,
    bar: Option<ProgressBar>,
    counter: AtomicU64,
    start: Instant,
}

impl Progress {
    /// A bar when stderr is a terminal, a closing summary line otherwise.
    pub fn new(label: &str, total: Option<u64>, unit: &str) -> Self {
        let mode = if std::io::stderr().is_terminal() {
            Mode::Bar
        } else {
            Mode::Line
        };
        Self::with_mode(label, total, unit, mode)
    }

    /// Shows nothing, ever (library use, tests).
    pub fn hidden() -> Self {
        Self::with_mode("", None, "", Mode::Silent)
    }

    fn with_mode(label: &str, total: Option<u64>, unit: &str, mode: Mode) -> Self {
        let bar = (mode == Mode::Bar).then(|| {
            let b = match total {
                Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()),
                None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            };
            let template = if total.is_some() {
                format!(
                    "{{prefix}} [{{bar:30}}] {{human_pos}}/{{human_len}} {unit} ({{per_sec}}, nog {{eta}})"
                )
            } else {
                format!("{{prefix}} {{spinner}} {{human_pos}} {unit} ({{per_sec}})")
            };
            // A template error is a programming mistake; fall back to the default style.
            if let Ok(style) = ProgressStyle::with_template(&template) {
                b.set_style(style.progress_chars("=> "));
            }
            b.set_prefix(label.to_owned());
            b.enable_steady_tick(Duration::from_millis(200));
            b
        });
        Progress {
            label: label.to_owned(),
            unit: unit.to_owned(),
            mode,
            bar,
            counter: AtomicU64::new(0),
            start: Instant::now(),
        }
    }

    /// Sets or changes the total (e.g. once a file's records are counted).
    pub fn set_total(&self, total: u64) {
        if let Some(b) = &self.bar {
            b.set_length(total);
        }
    }

    /// `n` more items done.
    pub fn inc(&self, n: u64) {
        self.counter.fetch_add(n, Ordering::Relaxed);
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }

    /// A short status text shown next to the bar (e.g. "schrijven…").
    pub fn message(&self, text: &str) {
        if let Some(b) = &self.bar {
            b.set_message(text.to_owned());
        }
    }

    pub fn count(&self) -> u64 {
        self.counter.load(Ordering::Relaxed)
    }

    /// Finishes: clears the bar, or prints the one-line summary when not on a terminal.
    pub fn finish(&self) -> Summary {
        let s = Summary {
            count: self.count(),
            duration: self.start.elapsed(),
        };
        match self.mode {
            Mode::Bar => {
                if let Some(b) = &self.bar {
                    b.finish_and_clear();
                }
                eprintln!("{}", self.line(&s));
            }
            Mode::Line => eprintln!("{}", self.line(&s)),
            Mode::Silent => {}
        }
        s
    }

    /// The summary line: `import x.csv: 100000 records in 0.84 s (119048/s)`.
    pub fn line(&self, s: &Summary) -> String {
        format!(
            "{}: {} {} in {:.2} s ({:.0}/s)",
            self.label,
            s.count,
            self.unit,
            s.duration.as_secs_f64(),
            s.per_second()
        )
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        // A bar left behind by an early return must not keep ticking over the next output.
        if let Some(b) = &self.bar
            && !b.is_finished()
        {
            b.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_summarises() {
        let v = Progress::hidden();
        v.inc(3);
        v.inc(4);
        let s = v.finish();
        assert_eq!(s.count, 7);
        let r = Progress::with_mode("import x.csv", Some(7), "records", Mode::Line).line(&s);
        assert!(r.starts_with("import x.csv: 7 records in "), "{r}");
    }
}
