//! The import report: what was read, accepted, rejected (with file and line or element,
//! and the reason), flagged and written. Printed for people (`Display`) or as JSON
//! (`Serialize`) for tooling. It never contains a BSN: readers mask values they echo and
//! the rules only ever see pseudonyms.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::plan::{GemeldSignaal, Planner, WriteRequest};
use crate::record::{Afgewezen, Location};

/// How an import of one unit (a file, or a set of iJw messages) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Uitkomst {
    /// Everything accepted and written in one transaction.
    Geschreven,
    /// `--dry-run`: everything accepted, nothing written.
    ProefDraai,
    /// At least one record rejected: nothing of this unit was written.
    Afgewezen,
    /// This exact input was imported before (same idempotency key): nothing written.
    AlGeimporteerd,
    /// Nothing to write (empty input, or only skipped records).
    Leeg,
}

/// A record that was left out on purpose (not an error), e.g. an iJw product the region
/// mapping says to ignore, or a message imported before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overgeslagen {
    pub plaats: Location,
    pub reden: String,
}

/// The report of one import unit.
#[derive(Debug, Clone, Serialize)]
pub struct Rapport {
    /// File name (or, for iJw, the number of message files).
    pub invoer: String,
    /// `csv`, `jsonl` or `ijw`.
    pub formaat: &'static str,
    /// Records (rows, lines, or iJw products) read.
    pub records: u64,
    pub geaccepteerd: u64,
    pub afgewezen: Vec<Afgewezen>,
    pub overgeslagen: Vec<Overgeslagen>,
    pub signalen: Vec<GemeldSignaal>,
    /// Events the accepted records became.
    pub gebeurtenissen: u64,
    /// Events actually written (0 on a dry run, a rejection or a repeat).
    pub geschreven: u64,
    pub uitkomst: Uitkomst,
    /// Derived from the SHA-256 of the input; the store writes nothing for a repeat.
    pub idempotentiesleutel: String,
    pub duur_ms: u64,
}

impl Rapport {
    /// The report of a checked unit before it is decided and written (outcome
    /// [`Uitkomst::Leeg`] until then), and the planner's write requests. `onderweg`: events
    /// already sent to the store while the unit was checked.
    pub(crate) fn van_plan(
        invoer: String,
        formaat: &'static str,
        records: u64,
        overgeslagen: Vec<Overgeslagen>,
        onderweg: u64,
        idempotentiesleutel: String,
        planner: Planner<'_>,
    ) -> (Rapport, Vec<WriteRequest>) {
        let gebeurtenissen = planner.aantal_events() as u64 + onderweg;
        let rapport = Rapport {
            invoer,
            formaat,
            records,
            geaccepteerd: planner.geaccepteerd,
            afgewezen: planner.afgewezen,
            overgeslagen,
            signalen: planner.signalen,
            gebeurtenissen,
            geschreven: 0,
            uitkomst: Uitkomst::Leeg,
            idempotentiesleutel,
            duur_ms: 0,
        };
        (rapport, planner.requests)
    }

    /// Signals per code.
    pub fn signalen_per_code(&self) -> BTreeMap<&'static str, u64> {
        let mut m = BTreeMap::new();
        for s in &self.signalen {
            *m.entry(s.code).or_insert(0) += 1;
        }
        m
    }

    /// Whether the unit was accepted in full (written, dry run, repeat or empty).
    pub fn is_goed(&self) -> bool {
        self.uitkomst != Uitkomst::Afgewezen
    }
}

/// Rejections printed in full up to this many; the JSON report always has all.
const MAX_REGELS: usize = 200;

impl fmt::Display for Rapport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let uitkomst = match self.uitkomst {
            Uitkomst::Geschreven => format!("{} gebeurtenissen geschreven", self.geschreven),
            Uitkomst::ProefDraai => format!(
                "proefdraai: {} gebeurtenissen zouden geschreven worden, niets geschreven",
                self.gebeurtenissen
            ),
            Uitkomst::Afgewezen => format!(
                "AFGEWEZEN: {} record(s) afgewezen, daarom is niets uit deze invoer geschreven",
                self.afgewezen.len()
            ),
            Uitkomst::AlGeimporteerd => {
                "deze invoer is al eerder geïmporteerd; niets geschreven".to_owned()
            }
            Uitkomst::Leeg => "niets te schrijven".to_owned(),
        };
        writeln!(
            f,
            "{} ({}): {} records, {} geaccepteerd, {} afgewezen, {} overgeslagen; {uitkomst} ({} ms)",
            self.invoer,
            self.formaat,
            self.records,
            self.geaccepteerd,
            self.afgewezen.len(),
            self.overgeslagen.len(),
            self.duur_ms
        )?;
        for a in self.afgewezen.iter().take(MAX_REGELS) {
            writeln!(f, "  afgewezen  {a}")?;
        }
        if self.afgewezen.len() > MAX_REGELS {
            writeln!(
                f,
                "  … en nog {} afgewezen records (zie het JSON-rapport)",
                self.afgewezen.len() - MAX_REGELS
            )?;
        }
        for o in self.overgeslagen.iter().take(MAX_REGELS) {
            writeln!(f, "  overgeslagen  {}: {}", o.plaats, o.reden)?;
        }
        let per_code = self.signalen_per_code();
        if !per_code.is_empty() {
            let s: Vec<String> = per_code.iter().map(|(c, n)| format!("{c} {n}")).collect();
            writeln!(f, "  signalen: {}", s.join(", "))?;
        }
        Ok(())
    }
}
