//! Deriving a youth's placement intervals and authorisations from its effective facts.
//!
//! This is what the write side ([`super::DomainState`]) checks proposed facts against.
//! The projections do not call it: they derive the same intervals with their own, faster
//! derivation, `leid_jeugdige_af` in `projections/src/afleiding.rs` (interned ids, day
//! numbers, reused buffers; it also derives episodes, trajectories and signals). That the
//! two give the same placement intervals and authorisation validity is shown by the
//! property test `plaatsingen_gelijk` in `projections/src/afleiding_agreement.rs`, over
//! the histories the write side accepts; the cases where they differ (tolerant readings
//! of broken history: an end or doorplaatsing that matches no running stay, a
//! doorplaatsing into a running ambulant stay, authorisations registered or ended twice
//! or ended before they start) are listed there and pinned by tests. Change both together.
//!
//! Ordering: facts are folded in order of (valid date, kind, position) where, on the same
//! date, ends come before doorplaatsingen and doorplaatsingen before starts
//! ([`volgorde`]). Because an end date is exclusive and a start date inclusive, an end and
//! a start on the same date never overlap, whatever order they were recorded in.
//!
//! The fold never fails: broken history (recorded before a rule existed) is folded
//! tolerantly and reported as [`Schending`]s, which the checker compares before and after
//! a proposed change. Tolerant meanings: a start while a placement of the same kind is
//! running closes the running one on that date; a doorplaatsing whose `van` is not running
//! still opens `naar`; an end that matches nothing is ignored.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use uuid::Uuid;

use crate::catalogue::Gebeurtenis;
use crate::types::{MachtigingSoort, Vorm};

/// A placement of one youth in one facility, active on dates `start <= d < einde`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plaatsing {
    pub voorziening: String,
    pub start: NaiveDate,
    /// First day no longer there; `None` while running.
    pub einde: Option<NaiveDate>,
    /// An ambulant trajectory (runs alongside a residential placement).
    pub ambulant: bool,
    /// Start of the episode: the first placement of the chain of doorplaatsingen.
    pub episode_start: NaiveDate,
    /// The event that opened it (a `PlaatsingGestart` or `Doorgeplaatst`).
    pub geopend_door: Uuid,
    /// The event that ended it (`PlaatsingBeeindigd` or `Doorgeplaatst`); `None` when it is
    /// running or was closed implicitly by a later start.
    pub beeindigd_door: Option<Uuid>,
}

impl Plaatsing {
    pub fn actief_op(&self, d: NaiveDate) -> bool {
        self.start <= d && self.einde.is_none_or(|e| d < e)
    }

    /// Whether it covers at least one day.
    pub fn niet_leeg(&self) -> bool {
        self.einde.is_none_or(|e| e > self.start)
    }
}

/// An authorisation as it stands after its end (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machtiging {
    pub machtiging: String,
    pub soort: MachtigingSoort,
    pub geldig_van: NaiveDate,
    /// Last valid day (inclusive).
    pub geldig_tot: NaiveDate,
    /// First day no longer valid because it was ended early.
    pub beeindigd: Option<NaiveDate>,
    pub event: Uuid,
}

impl Machtiging {
    pub fn geldig_op(&self, d: NaiveDate) -> bool {
        self.geldig_van <= d && d <= self.geldig_tot && self.beeindigd.is_none_or(|e| d < e)
    }
}

/// A rule a recorded (or proposed) fact breaks in the folded history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schending {
    /// The fact that breaks it.
    pub event: Uuid,
    pub datum: NaiveDate,
    pub soort: SchendingSoort,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchendingSoort {
    /// A start (or doorplaatsing into `naar`) while a placement of the same kind runs.
    AlGeplaatst {
        voorziening: String,
        sinds: NaiveDate,
        /// The event that opened the running placement.
        oorzaak: Uuid,
    },
    /// An end or doorplaatsing while the youth is not placed (in that facility).
    NietGeplaatst {
        voorziening: Option<String>,
    },
    MachtigingAlAfgegeven {
        machtiging: String,
    },
    OnbekendeMachtiging {
        machtiging: String,
    },
    MachtigingEindeVoorStart {
        machtiging: String,
        geldig_van: NaiveDate,
    },
    MachtigingAlBeeindigd {
        machtiging: String,
    },
}

impl Schending {
    /// Identity used to compare violations before and after a change.
    pub fn sleutel(&self) -> (Uuid, &'static str) {
        let soort = match self.soort {
            SchendingSoort::AlGeplaatst { .. } => "AL_GEPLAATST",
            SchendingSoort::NietGeplaatst { .. } => "NIET_GEPLAATST",
            SchendingSoort::MachtigingAlAfgegeven { .. } => "MACHTIGING_AL_AFGEGEVEN",
            SchendingSoort::OnbekendeMachtiging { .. } => "ONBEKENDE_MACHTIGING",
            SchendingSoort::MachtigingEindeVoorStart { .. } => "MACHTIGING_EINDE_VOOR_START",
            SchendingSoort::MachtigingAlBeeindigd { .. } => "MACHTIGING_AL_BEEINDIGD",
        };
        (self.event, soort)
    }
}

/// What a youth's effective facts mean.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Afleiding {
    /// In order of start (valid time).
    pub plaatsingen: Vec<Plaatsing>,
    /// In recording order.
    pub machtigingen: Vec<Machtiging>,
    pub schendingen: Vec<Schending>,
}

impl Afleiding {
    /// Whether a valid MGJ or spoedmachtiging makes a closed stay on `d` lawful.
    pub fn gesloten_verblijf_toegestaan(&self, d: NaiveDate) -> bool {
        self.machtigingen
            .iter()
            .any(|m| m.soort.staat_gesloten_verblijf_toe() && m.geldig_op(d))
    }
}

/// Sort key of a placement fact within a day: ends (0) before doorplaatsingen (1) before
/// starts (2). `None` for facts that are not about placements.
pub fn volgorde(feit: &Gebeurtenis) -> Option<(NaiveDate, u8)> {
    match feit {
        Gebeurtenis::PlaatsingBeeindigd(e) => Some((e.datum, 0)),
        Gebeurtenis::Doorgeplaatst(e) => Some((e.datum, 1)),
        Gebeurtenis::PlaatsingGestart(e) => Some((e.datum, 2)),
        _ => None,
    }
}

/// Whether a fact changes placement intervals.
pub fn is_plaatsingsfeit(feit: &Gebeurtenis) -> bool {
    volgorde(feit).is_some()
}

struct Fold<V> {
    vorm: V,
    plaatsingen: Vec<Plaatsing>,
    residentieel: Option<usize>,
    ambulant: BTreeMap<String, usize>,
    schendingen: Vec<Schending>,
}

impl<V: Fn(&str) -> Option<Vorm>> Fold<V> {
    fn is_ambulant(&self, voorziening: &str) -> bool {
        (self.vorm)(voorziening) == Some(Vorm::Ambulant)
    }

    fn sluit(&mut self, i: usize, d: NaiveDate, door: Option<Uuid>) {
        if let Some(p) = self.plaatsingen.get_mut(i) {
            p.einde = Some(d.max(p.start));
            p.beeindigd_door = door;
        }
    }

    fn open(&mut self, voorziening: &str, d: NaiveDate, episode: NaiveDate, event: Uuid) {
        let ambulant = self.is_ambulant(voorziening);
        let lopend = if ambulant {
            self.ambulant.remove(voorziening)
        } else {
            self.residentieel.take()
        };
        if let Some(i) = lopend {
            if let Some(p) = self.plaatsingen.get(i) {
                self.schendingen.push(Schending {
                    event,
                    datum: d,
                    soort: SchendingSoort::AlGeplaatst {
                        voorziening: p.voorziening.clone(),
                        sinds: p.start,
                        oorzaak: p.geopend_door,
                    },
                });
            }
            self.sluit(i, d, None);
        }
        let i = self.plaatsingen.len();
        self.plaatsingen.push(Plaatsing {
            voorziening: voorziening.to_owned(),
            start: d,
            einde: None,
            ambulant,
            episode_start: episode,
            geopend_door: event,
            beeindigd_door: None,
        });
        if ambulant {
            self.ambulant.insert(voorziening.to_owned(), i);
        } else {
            self.residentieel = Some(i);
        }
    }

    /// Takes the running placement in `voorziening` (or the residential one for `None`).
    fn neem_lopend(&mut self, voorziening: Option<&str>) -> Option<usize> {
        match voorziening {
            None => self.residentieel.take(),
            Some(f) => {
                let res = self
                    .residentieel
                    .filter(|&i| self.plaatsingen.get(i).is_some_and(|p| p.voorziening == f));
                if res.is_some() {
                    self.residentieel = None;
                    res
                } else {
                    self.ambulant.remove(f)
                }
            }
        }
    }
}

/// Folds a youth's effective facts `(event id, position, content)` into placements,
/// authorisations and violations. `vorm` tells the form of a facility (unknown facilities
/// count as residential).
pub fn leid_af<'a, I, V>(feiten: I, vorm: V) -> Afleiding
where
    I: IntoIterator<Item = (Uuid, i64, &'a Gebeurtenis)>,
    V: Fn(&str) -> Option<Vorm>,
{
    let mut plaatsingsfeiten = Vec::new();
    let mut afgegeven = Vec::new();
    let mut beeindigd = Vec::new();
    for (id, positie, feit) in feiten {
        match feit {
            Gebeurtenis::MachtigingAfgegeven(m) => afgegeven.push((positie, id, m)),
            Gebeurtenis::MachtigingBeeindigd(m) => beeindigd.push((positie, id, m)),
            other => {
                if let Some((d, rang)) = volgorde(other) {
                    plaatsingsfeiten.push((d, rang, positie, id, other));
                }
            }
        }
    }
    plaatsingsfeiten.sort_by_key(|&(d, rang, positie, id, _)| (d, rang, positie, id));

    let mut fold = Fold {
        vorm,
        plaatsingen: Vec::new(),
        residentieel: None,
        ambulant: BTreeMap::new(),
        schendingen: Vec::new(),
    };
    for (d, _, _, id, feit) in plaatsingsfeiten {
        match feit {
            Gebeurtenis::PlaatsingGestart(p) => fold.open(&p.voorziening, d, d, id),
            Gebeurtenis::Doorgeplaatst(dp) => {
                let episode = match fold.neem_lopend(Some(&dp.van)) {
                    Some(i) => {
                        fold.sluit(i, d, Some(id));
                        fold.plaatsingen.get(i).map_or(d, |p| p.episode_start)
                    }
                    None => {
                        fold.schendingen.push(Schending {
                            event: id,
                            datum: d,
                            soort: SchendingSoort::NietGeplaatst {
                                voorziening: Some(dp.van.clone()),
                            },
                        });
                        d
                    }
                };
                fold.open(&dp.naar, d, episode, id);
            }
            Gebeurtenis::PlaatsingBeeindigd(e) => {
                match fold.neem_lopend(e.voorziening.as_deref()) {
                    Some(i) => fold.sluit(i, d, Some(id)),
                    None => fold.schendingen.push(Schending {
                        event: id,
                        datum: d,
                        soort: SchendingSoort::NietGeplaatst {
                            voorziening: e.voorziening.clone(),
                        },
                    }),
                }
            }
            _ => {}
        }
    }

    let mut schendingen = fold.schendingen;
    let mut plaatsingen = fold.plaatsingen;
    plaatsingen.sort_by_key(|p| p.start);

    afgegeven.sort_by_key(|&(positie, id, _)| (positie, id));
    beeindigd.sort_by_key(|&(positie, id, _)| (positie, id));
    let mut machtigingen: Vec<Machtiging> = Vec::new();
    for (_, id, m) in afgegeven {
        if machtigingen.iter().any(|x| x.machtiging == m.machtiging) {
            schendingen.push(Schending {
                event: id,
                datum: m.geldig_van,
                soort: SchendingSoort::MachtigingAlAfgegeven {
                    machtiging: m.machtiging.clone(),
                },
            });
            continue;
        }
        machtigingen.push(Machtiging {
            machtiging: m.machtiging.clone(),
            soort: m.soort,
            geldig_van: m.geldig_van,
            geldig_tot: m.geldig_tot,
            beeindigd: None,
            event: id,
        });
    }
    for (_, id, e) in beeindigd {
        let soort = match machtigingen
            .iter_mut()
            .find(|x| x.machtiging == e.machtiging)
        {
            None => SchendingSoort::OnbekendeMachtiging {
                machtiging: e.machtiging.clone(),
            },
            Some(m) if m.beeindigd.is_some() => SchendingSoort::MachtigingAlBeeindigd {
                machtiging: e.machtiging.clone(),
            },
            Some(m) if e.datum < m.geldig_van => SchendingSoort::MachtigingEindeVoorStart {
                machtiging: e.machtiging.clone(),
                geldig_van: m.geldig_van,
            },
            Some(m) => {
                m.beeindigd = Some(e.datum);
                continue;
            }
        };
        schendingen.push(Schending {
            event: id,
            datum: e.datum,
            soort,
        });
    }

    Afleiding {
        plaatsingen,
        machtigingen,
        schendingen,
    }
}
