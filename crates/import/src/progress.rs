//! Progress for long runs (imports, the demo generator, projection rebuilds).
//!
//! On a terminal: an `indicatif` bar on stderr with count, rate and ETA (a spinner when the
//! total is unknown). Otherwise (CI, a pipe, a log file) nothing while running and one
//! plain summary line at the end, so logs stay readable. [`Voortgang::verborgen`] shows
//! nothing at all, for libraries and tests.
//!
//! ```no_run
//! use kringloop_import::progress::Voortgang;
//! let v = Voortgang::nieuw("import plaatsingen.csv", Some(100_000), "records");
//! for _ in 0..100_000 { v.inc(1); }
//! let s = v.klaar();
//! assert_eq!(s.aantal, 100_000);
//! ```

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// What a finished run did: count, time and rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Samenvatting {
    pub aantal: u64,
    pub duur: Duration,
}

impl Samenvatting {
    /// Items per second (0 for an empty or instant run).
    pub fn per_seconde(&self) -> f64 {
        let s = self.duur.as_secs_f64();
        if s > 0.0 { self.aantal as f64 / s } else { 0.0 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Modus {
    Balk,
    Regel,
    Stil,
}

/// A progress reporter. Cheap to `inc` from a hot loop (an atomic add; indicatif throttles
/// its redraws itself).
#[derive(Debug)]
pub struct Voortgang {
    label: String,
    eenheid: String,
    modus: Modus,
    balk: Option<ProgressBar>,
    teller: AtomicU64,
    start: Instant,
}

impl Voortgang {
    /// A bar when stderr is a terminal, a closing summary line otherwise.
    pub fn nieuw(label: &str, totaal: Option<u64>, eenheid: &str) -> Self {
        let modus = if std::io::stderr().is_terminal() {
            Modus::Balk
        } else {
            Modus::Regel
        };
        Self::met_modus(label, totaal, eenheid, modus)
    }

    /// Shows nothing, ever (library use, tests).
    pub fn verborgen() -> Self {
        Self::met_modus("", None, "", Modus::Stil)
    }

    fn met_modus(label: &str, totaal: Option<u64>, eenheid: &str, modus: Modus) -> Self {
        let balk = (modus == Modus::Balk).then(|| {
            let b = match totaal {
                Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()),
                None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            };
            let sjabloon = if totaal.is_some() {
                format!(
                    "{{prefix}} [{{bar:30}}] {{human_pos}}/{{human_len}} {eenheid} ({{per_sec}}, nog {{eta}})"
                )
            } else {
                format!("{{prefix}} {{spinner}} {{human_pos}} {eenheid} ({{per_sec}})")
            };
            // A template error is a programming mistake; fall back to the default style.
            if let Ok(stijl) = ProgressStyle::with_template(&sjabloon) {
                b.set_style(stijl.progress_chars("=> "));
            }
            b.set_prefix(label.to_owned());
            b.enable_steady_tick(Duration::from_millis(200));
            b
        });
        Voortgang {
            label: label.to_owned(),
            eenheid: eenheid.to_owned(),
            modus,
            balk,
            teller: AtomicU64::new(0),
            start: Instant::now(),
        }
    }

    /// Sets or changes the total (e.g. once a file's records are counted).
    pub fn zet_totaal(&self, totaal: u64) {
        if let Some(b) = &self.balk {
            b.set_length(totaal);
        }
    }

    /// `n` more items done.
    pub fn inc(&self, n: u64) {
        self.teller.fetch_add(n, Ordering::Relaxed);
        if let Some(b) = &self.balk {
            b.inc(n);
        }
    }

    /// A short status text shown next to the bar (e.g. "schrijven…").
    pub fn bericht(&self, tekst: &str) {
        if let Some(b) = &self.balk {
            b.set_message(tekst.to_owned());
        }
    }

    pub fn aantal(&self) -> u64 {
        self.teller.load(Ordering::Relaxed)
    }

    /// Finishes: clears the bar, or prints the one-line summary when not on a terminal.
    pub fn klaar(&self) -> Samenvatting {
        let s = Samenvatting {
            aantal: self.aantal(),
            duur: self.start.elapsed(),
        };
        match self.modus {
            Modus::Balk => {
                if let Some(b) = &self.balk {
                    b.finish_and_clear();
                }
                eprintln!("{}", self.regel(&s));
            }
            Modus::Regel => eprintln!("{}", self.regel(&s)),
            Modus::Stil => {}
        }
        s
    }

    /// The summary line: `import x.csv: 100000 records in 0.84 s (119048/s)`.
    pub fn regel(&self, s: &Samenvatting) -> String {
        format!(
            "{}: {} {} in {:.2} s ({:.0}/s)",
            self.label,
            s.aantal,
            self.eenheid,
            s.duur.as_secs_f64(),
            s.per_seconde()
        )
    }
}

impl Drop for Voortgang {
    fn drop(&mut self) {
        // A bar left behind by an early return must not keep ticking over the next output.
        if let Some(b) = &self.balk
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
        let v = Voortgang::verborgen();
        v.inc(3);
        v.inc(4);
        let s = v.klaar();
        assert_eq!(s.aantal, 7);
        let r = Voortgang::met_modus("import x.csv", Some(7), "records", Modus::Regel).regel(&s);
        assert!(r.starts_with("import x.csv: 7 records in "), "{r}");
    }
}
