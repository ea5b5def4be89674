//! The youth's path beyond the placements: absences without leave (onttrekkingen), the
//! history class of every episode start (voorgeschiedenis) and the next residential
//! start after an episode (terugval).
//!
//! All of it is derived at fold time, in the same derivation as the placements
//! (`leid_jeugdige_af` calls [`leid_pad_af`]), so it is versioned like every other youth
//! fact: corrections, retractions, late facts and "as known at K" need nothing of their
//! own, and the queries ([`kpi`]) are scans. An episode carries its history class and
//! the next start in two fields of [`Episode`]; absences are facts of their own
//! ([`Onttrekking`]), kept in [`PadTabellen`] apart from the five youth tables, so that
//! the youths without an absence (nearly all) cost the fold nothing beyond the two
//! fields.
//!
//! Absences do not end a placement: the placements, episodes' intervals and everything
//! the write side's derivation is compared with (`afleiding_agreement.rs`) are the same
//! with or without them.

pub(crate) mod kpi;

use crate::afleiding::JFeit;
use crate::feiten::{Episode, GEEN, OPEN_EIND, VzAttr};
use crate::mem::FxMap;
use crate::versions::{FactRef, Stamp, ValidTime, VersionTable};

pub use kpi::{Onttrekkingen, PadRapport, PlaatsingenNaarVoorgeschiedenis, Terugval};

/// History classes of an episode start (`Episode::voorgeschiedenis`).
pub(crate) mod klasse {
    /// No earlier episode of the youth in the same regime.
    pub const NIEUW: u8 = 0;
    /// The latest earlier episode in the same regime ended while no absence was open.
    pub const HERNIEUWD: u8 = 1;
    /// The latest earlier episode in the same regime ended while an absence was open.
    pub const NA_ONTTREKKING: u8 = 2;
}

/// One absence without leave: [begin, eind), `eind` the return or the end of the
/// episode it began in, whichever came first (`OPEN` while neither is known).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Onttrekking {
    pub(crate) jeugdige: u32,
    /// The facility left: the one named, else the residential stay running on `begin`.
    pub(crate) voorziening: u32,
    pub(crate) begin: i32,
    pub(crate) eind: i32,
    /// Home gemeente at the start of the episode (as the episode's).
    pub(crate) herkomst: u32,
    /// Ended by the youth's return (else by the end of the episode, or still open).
    pub(crate) teruggekeerd: bool,
}

impl ValidTime for Onttrekking {
    type Sum = ();
    type Column = ();

    #[inline]
    fn begin(&self) -> i32 {
        self.begin
    }
    #[inline]
    fn eind(&self) -> i32 {
        self.eind
    }
}

/// The absences of every youth, versioned, and the handles of each youth's open ones
/// (only youths that ever had an absence have an entry).
#[derive(Debug, Default)]
pub(crate) struct PadTabellen {
    pub onttrekkingen: VersionTable<Onttrekking>,
    open: FxMap<u32, Vec<FactRef>>,
}

impl PadTabellen {
    /// Makes `nieuw` the open absences of youth `j` from `s` on.
    #[inline]
    pub fn sync(&mut self, j: u32, nieuw: &[Onttrekking], s: Stamp) {
        // Nearly every youth has no absence: no lookup at all while no youth has one.
        if nieuw.is_empty() && (self.open.is_empty() || !self.open.contains_key(&j)) {
            return;
        }
        let open = self.open.entry(j).or_default();
        self.onttrekkingen.sync(open, nieuw, s);
    }
}

/// Derives youth `j`'s absences into `uit` and annotates its episodes (in start order,
/// as `leid_jeugdige_af` builds them) with their history class and the next residential
/// start. `feiten`: the effective facts in valid-time order; `verblijf_op(d)`: the
/// residential facility running on `d`, else the one that ended on `d`, else `GEEN`.
pub(crate) fn leid_pad_af<'a>(
    j: u32,
    feiten: impl Iterator<Item = &'a JFeit>,
    eps: &mut [Episode],
    attr: &impl Fn(u32) -> Option<VzAttr>,
    herkomst: &impl Fn(i32) -> u32,
    verblijf_op: impl Fn(i32) -> u32,
    uit: &mut Vec<Onttrekking>,
) {
    // (begin, facility named, return or OPEN); no allocation without an absence.
    let mut ruw: Vec<(i32, u32, i32)> = Vec::new();
    for f in feiten {
        match *f {
            // A second absence while one is open is refused by the rules; if one is
            // recorded anyway the first one stays the open one.
            JFeit::Onttrokken { vz, datum } if ruw.last().is_none_or(|a| a.2 != OPEN_EIND) => {
                ruw.push((datum, vz, OPEN_EIND));
            }
            JFeit::Teruggekeerd { datum } => {
                if let Some(a) = ruw.last_mut()
                    && a.2 == OPEN_EIND
                {
                    a.2 = datum.max(a.0);
                }
            }
            _ => {}
        }
    }
    // The residential episode an absence began in: running on its first day, else the
    // one that ended that day (an absence recorded on the day the stay was ended).
    let episode_van = |eps: &[Episode], a: i32| -> Option<usize> {
        let res = || eps.iter().enumerate().filter(|(_, e)| !e.ambulant);
        res()
            .find(|(_, e)| e.begin <= a && a < e.eind)
            .or_else(|| res().find(|(_, e)| e.eind == a))
            .map(|(k, _)| k)
    };
    // Whether episode k ended while one of its absences was open: the return, if any,
    // after the end date (a return on the end date closes the absence first).
    let weg_bij_eind = |eps: &[Episode], k: usize| -> bool {
        let Some(e) = eps.get(k) else {
            return false;
        };
        e.eind != OPEN_EIND
            && ruw
                .iter()
                .any(|a| a.2 > e.eind && episode_van(eps, a.0) == Some(k))
    };
    for &(a, vz, terug) in &ruw {
        let ep = episode_van(eps, a).and_then(|k| eps.get(k));
        let eind = ep.map_or(terug, |e| terug.min(e.eind));
        uit.push(Onttrekking {
            jeugdige: j,
            voorziening: if vz != GEEN { vz } else { verblijf_op(a) },
            begin: a,
            eind,
            herkomst: ep.map_or_else(|| herkomst(a), |e| e.herkomst),
            teruggekeerd: terug != OPEN_EIND && ep.is_none_or(|e| terug <= e.eind),
        });
    }

    let regime = |vz: u32| attr(vz).map(|a| a.regime);
    for i in 0..eps.len() {
        let Some(&e) = eps.get(i) else { break };
        let eerder = eps.get(..i).unwrap_or_default();
        // Most youths have one episode: no facility is looked up for a first one.
        let vorige = if eerder.is_empty() {
            None
        } else {
            let r = regime(e.eerste);
            eerder
                .iter()
                .rposition(|v| v.ambulant == e.ambulant && regime(v.eerste) == r)
        };
        let k = match vorige {
            None => klasse::NIEUW,
            Some(v) if !ruw.is_empty() && weg_bij_eind(eps, v) => klasse::NA_ONTTREKKING,
            Some(_) => klasse::HERNIEUWD,
        };
        let volgende = if e.eind == OPEN_EIND {
            OPEN_EIND
        } else {
            eps.get(i + 1..)
                .unwrap_or_default()
                .iter()
                .find(|v| !v.ambulant && v.begin >= e.eind)
                .map_or(OPEN_EIND, |v| v.begin)
        };
        if let Some(e) = eps.get_mut(i) {
            e.voorgeschiedenis = k;
            e.volgende = volgende;
        }
    }
}
