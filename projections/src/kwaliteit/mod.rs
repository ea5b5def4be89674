//! Quality figures (kwaliteit): restrictive measures (`maatregelen.rs`), the ratio of
//! ambulant trajectory-days to residential bed-days (`ratio.rs`) and the scorecard of a
//! contract's performance agreements (`scorecard.rs`).
//!
//! A restrictive measure (`MaatregelToegepast`) is a youth fact, recorded in the youth's
//! stream, but nothing of the placement side depends on it, so it is kept apart from the
//! youth tables, as the request side is (`vraag/`): per youth its effective measure
//! inputs (`MInvoer`), re-derived into that youth's measures whenever one of them
//! changes (a new fact, a correction, a retraction). Each derived measure is kept in
//! versions with the knowledge interval in which it was the truth, so "as known at K" is
//! a filter over the versions. The table is a plain list scanned per query: a national
//! history holds some hundred thousand measures, a scan of their compact versions takes
//! a millisecond or two.

pub(crate) mod maatregelen;
pub(crate) mod ratio;
pub(crate) mod scorecard;

use std::collections::BTreeMap;

use kringloop_events::{Gebeurtenis, MaatregelToegepast, Maatregelsoort};

use crate::ProjectionError;
use crate::knowledge::KnowledgeTime;
use crate::mem::FxMap;
use crate::periode::{dag, kwartaalnummer};
use crate::projectie::{Meta, Projection};
use crate::versions::Stamp;

pub use maatregelen::{MaatregelCijfers, MaatregelRij, Maatregelen};
pub use ratio::{RatioAmbulantBed, RatioRij};
pub use scorecard::{
    AfspraakScore, AfspraakStatus, CapaciteitspuntScore, Scorecard, ScorecardVerschil, Trendpunt,
    VersieRegel,
};

/// A measure kind's code (its index in [`Maatregelsoort::ALL`]).
pub(crate) fn soort_code(s: Maatregelsoort) -> u8 {
    Maatregelsoort::ALL
        .iter()
        .position(|&x| x == s)
        .unwrap_or(0) as u8
}

/// One measure fact of a youth, compact (names interned, the begin as a day number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MFeit {
    /// Index of the measure's id among its youth's measure ids.
    pub maatregel: u32,
    pub soort: u8,
    pub voorziening: u32,
    /// Day of the begin.
    pub begin: i32,
    /// Duration (eind − begin) in seconds, never negative.
    pub seconden: i64,
}

/// An input of a youth's measure derivation: the original event id (corrections replace
/// the fact in place), the position of the event that says it now, and whether it is
/// still in force.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MInvoer {
    id: u128,
    pos: u32,
    actief: bool,
    feit: MFeit,
}

/// A measure as derived from its youth's effective facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Maatregel {
    pub jeugdige: u32,
    pub feit: MFeit,
    /// Position of the event (the original or its latest correction) that says it.
    pub pos: u32,
}

/// One version of a derived measure: known in `[van, tot)`, opened by the event at
/// `pos_van` and closed by the one at `pos_tot` (0 while open).
#[derive(Debug, Clone, Copy)]
pub(crate) struct MVersie {
    pub feit: Maatregel,
    pub van: KnowledgeTime,
    pub tot: KnowledgeTime,
    pub pos_van: u32,
    pub pos_tot: u32,
}

impl MVersie {
    #[inline]
    pub fn zichtbaar(&self, k: KnowledgeTime) -> bool {
        k.sees(self.van, self.tot)
    }
}

/// A youth's measure inputs, ids and open versions (quarter of the begin, index).
#[derive(Debug, Default)]
pub(crate) struct MJeugdige {
    invoer: Vec<MInvoer>,
    namen: Vec<String>,
    open: Vec<(i16, u32)>,
}

/// The measures of the projection: every version, in lists per valid-time quarter of
/// the measure's begin, so that a period reads only the lists of its quarters.
#[derive(Debug, Default)]
pub(crate) struct Kwaliteit {
    jeugdigen: FxMap<u32, MJeugdige>,
    kwartalen: BTreeMap<i16, Vec<MVersie>>,
}

impl Kwaliteit {
    /// Every version whose measure begins in a quarter that touches days [lo, hi].
    pub fn in_venster(&self, lo: i32, hi: i32) -> impl Iterator<Item = &MVersie> + '_ {
        let (a, b) = (kwartaalnummer(lo), kwartaalnummer(hi));
        self.kwartalen
            .range(a.min(b)..=b.max(a))
            .flat_map(|(_, v)| v.iter())
    }

    /// The measures visible at `k` that begin in a quarter touching days [lo, hi].
    pub fn zichtbaar(
        &self,
        k: KnowledgeTime,
        lo: i32,
        hi: i32,
    ) -> impl Iterator<Item = &Maatregel> + '_ {
        self.in_venster(lo, hi)
            .filter(move |v| v.zichtbaar(k))
            .map(|v| &v.feit)
    }

    /// Re-derives youth `j`'s measures from its effective inputs and makes its open
    /// versions equal to them: versions no longer derived are closed at `s`, new ones
    /// opened at `s`, unchanged ones stay.
    fn leid_af(&mut self, j: u32, s: Stamp) {
        let Some(mj) = self.jeugdigen.get_mut(&j) else {
            return;
        };
        let mut rest = leid_maatregelen_af(j, &mj.invoer);
        let kwartalen = &mut self.kwartalen;
        mj.open.retain(|&(q, i)| {
            let Some(v) = kwartalen.get_mut(&q).and_then(|l| l.get_mut(i as usize)) else {
                return false;
            };
            if let Some(p) = rest.iter().position(|f| *f == v.feit) {
                rest.swap_remove(p);
                true
            } else {
                v.tot = s.known_at;
                v.pos_tot = s.position;
                false
            }
        });
        for f in rest {
            let q = kwartaalnummer(f.feit.begin);
            let lijst = kwartalen.entry(q).or_default();
            mj.open
                .push((q, u32::try_from(lijst.len()).unwrap_or(u32::MAX)));
            lijst.push(MVersie {
                feit: f,
                van: s.known_at,
                tot: KnowledgeTime::OPEN,
                pos_van: s.position,
                pos_tot: 0,
            });
        }
    }
}

/// A youth's measures from its effective inputs (in the order they were recorded): one
/// per measure id, the first input in force that names it.
pub(crate) fn leid_maatregelen_af(j: u32, invoer: &[MInvoer]) -> Vec<Maatregel> {
    let mut uit: Vec<Maatregel> = Vec::new();
    for i in invoer.iter().filter(|i| i.actief) {
        if uit.iter().any(|m| m.feit.maatregel == i.feit.maatregel) {
            continue;
        }
        uit.push(Maatregel {
            jeugdige: j,
            feit: i.feit,
            pos: i.pos,
        });
    }
    uit
}

impl Projection {
    /// The compact measure fact of `e` for youth `j` (interning its names).
    fn maatregel_feit(&mut self, j: u32, e: &MaatregelToegepast) -> MFeit {
        let mj = self.kwaliteit.jeugdigen.entry(j).or_default();
        let maatregel = match mj.namen.iter().position(|n| *n == e.maatregel) {
            Some(i) => i as u32,
            None => {
                mj.namen.push(e.maatregel.clone());
                (mj.namen.len() - 1) as u32
            }
        };
        MFeit {
            maatregel,
            soort: soort_code(e.soort),
            voorziening: self.vz_id(&e.voorziening),
            begin: dag(e.begin.date()),
            seconden: (e.eind - e.begin).num_seconds().max(0),
        }
    }

    /// A new (not correcting) event: `Ok(true)` if it is a measure, handled completely.
    pub(crate) fn maatregel_nieuw(
        &mut self,
        meta: Meta<'_>,
        s: Stamp,
        id: u128,
        g: &Gebeurtenis,
    ) -> Result<bool, ProjectionError> {
        let Gebeurtenis::MaatregelToegepast(e) = g else {
            return Ok(false);
        };
        if kringloop_events::pseudoniem_van_stream(meta.stream).is_none() {
            return Err(ProjectionError::VerkeerdeStroom {
                positie: meta.position,
                stroom: meta.stream.to_owned(),
                soort: g.event_type(),
            });
        }
        let j = self.jeugdige();
        let feit = self.maatregel_feit(j, e);
        self.kwaliteit
            .jeugdigen
            .entry(j)
            .or_default()
            .invoer
            .push(MInvoer {
                id,
                pos: s.position,
                actief: true,
                feit,
            });
        self.kwaliteit.leid_af(j, s);
        Ok(true)
    }

    /// A correction (`nieuw = Some`) or retraction of original `orig` in a youth's
    /// stream: `Ok(true)` if `orig` is a measure, handled completely; a measure corrected
    /// into another kind of fact, or another fact into a measure, is refused.
    pub(crate) fn maatregel_wijzig(
        &mut self,
        meta: Meta<'_>,
        s: Stamp,
        orig: u128,
        nieuw: Option<&Gebeurtenis>,
    ) -> Result<bool, ProjectionError> {
        let j = self.jeugdige();
        let bestaand = self
            .kwaliteit
            .jeugdigen
            .get(&j)
            .and_then(|mj| mj.invoer.iter().position(|i| i.id == orig));
        let ander = ProjectionError::CorrectieAnderSoort {
            positie: meta.position,
        };
        let Some(i) = bestaand else {
            return match nieuw {
                Some(Gebeurtenis::MaatregelToegepast(_)) => Err(ander),
                _ => Ok(false),
            };
        };
        let feit = match nieuw {
            Some(Gebeurtenis::MaatregelToegepast(e)) => Some(self.maatregel_feit(j, e)),
            Some(_) => return Err(ander),
            None => None,
        };
        if let Some(x) = self
            .kwaliteit
            .jeugdigen
            .get_mut(&j)
            .and_then(|mj| mj.invoer.get_mut(i))
        {
            match feit {
                Some(f) => {
                    x.feit = f;
                    x.pos = s.position;
                }
                None => x.actief = false,
            }
        }
        self.kwaliteit.leid_af(j, s);
        Ok(true)
    }
}
