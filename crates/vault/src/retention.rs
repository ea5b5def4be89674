//! The retention period: erasing every youth whose file has been closed for long enough.
//!
//! A youth's term runs from the end of its last placement (the first day it was no longer
//! there), or from its registration when it was never placed; a youth with a running
//! placement is never due. It is due from the day the term has passed: `einde + jaren`
//! years ≤ `peildatum`. The default, [`DEFAULT_JAREN`], is the dossier term of the
//! Jeugdwet (art. 7.3.8: twenty years). Due youths are erased with ground
//! [`Wisgrondslag::BewaartermijnVerstreken`], asked by [`Verzoeker::Bewaartermijn`].

use chrono::{Months, NaiveDate};
use kringloop_events::{JeugdigeGewist, Provenance, Verzoeker, Wisgrondslag};
use kringloop_writer::WriteState;

use crate::SealedStore;
use crate::erasure::{ErasureError, WisRapport, erase_with};

/// The default retention period in years (Jeugdwet art. 7.3.8).
pub const DEFAULT_JAREN: u32 = 20;

/// A youth whose retention period has passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verlopen {
    /// The writer's name, `jeugdige-<pseudonym>`: for the erasure only, never to print.
    pub stream: String,
    /// The stored name, `jeugdige-~…`: what may be shown.
    pub opgeslagen: String,
    /// End of the last placement, or the registration date.
    pub einde: NaiveDate,
}

/// What a retention run found and did.
#[derive(Debug, Clone, Default)]
pub struct BewaarRapport {
    /// The youths due, by stored name.
    pub verlopen: Vec<Verlopen>,
    /// The erasure (`None` for a dry run or when nothing is due).
    pub wissing: Option<WisRapport>,
}

/// Whether a term that ended on `einde` has passed on `peildatum`.
pub fn is_verlopen(einde: NaiveDate, jaren: u32, peildatum: NaiveDate) -> bool {
    einde
        .checked_add_months(Months::new(jaren.saturating_mul(12)))
        .is_some_and(|grens| grens <= peildatum)
}

/// The youths of `state` that are due on `peildatum`, by stored name.
pub async fn verlopen(
    store: &SealedStore,
    state: &WriteState<()>,
    jaren: u32,
    peildatum: NaiveDate,
) -> Result<Vec<Verlopen>, ErasureError> {
    let mut out = Vec::new();
    for stand in state.state.bewaarstanden() {
        if stand.lopend || !is_verlopen(stand.einde, jaren, peildatum) {
            continue;
        }
        // A youth without a key has nothing left to erase.
        let Some(opgeslagen) = store.physical_stream(stand.stream).await? else {
            continue;
        };
        out.push(Verlopen {
            stream: stand.stream.to_owned(),
            opgeslagen,
            einde: stand.einde,
        });
    }
    out.sort_by(|a, b| a.opgeslagen.cmp(&b.opgeslagen));
    Ok(out)
}

/// Finds the youths due on `peildatum` and, unless `droog`, erases them.
pub async fn run(
    store: &SealedStore,
    jaren: u32,
    peildatum: NaiveDate,
    droog: bool,
    provenance: &Provenance,
) -> Result<BewaarRapport, ErasureError> {
    let state = WriteState::<()>::load(store, |_| {}).await?;
    let verlopen = verlopen(store, &state, jaren, peildatum).await?;
    if droog || verlopen.is_empty() {
        return Ok(BewaarRapport {
            verlopen,
            wissing: None,
        });
    }
    let requests = verlopen
        .iter()
        .map(|v| {
            (
                v.stream.clone(),
                JeugdigeGewist {
                    grondslag: Wisgrondslag::BewaartermijnVerstreken,
                    verzocht_door: Verzoeker::Bewaartermijn,
                    kenmerk: None,
                },
            )
        })
        .collect();
    let wissing = erase_with(store, &state, requests, provenance).await?;
    Ok(BewaarRapport {
        verlopen,
        wissing: Some(wissing),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn a_term_passes_on_its_anniversary() {
        assert!(!is_verlopen(d("2000-03-01"), 20, d("2020-02-29")));
        assert!(is_verlopen(d("2000-03-01"), 20, d("2020-03-01")));
        assert!(is_verlopen(d("2000-03-01"), 0, d("2000-03-01")));
        assert!(!is_verlopen(d("2000-03-01"), u32::MAX, d("2020-03-01")));
    }
}
