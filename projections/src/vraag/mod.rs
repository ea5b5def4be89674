//! The request side (vraag): placement requests, their registrations with providers,
//! refusals, withdrawals and the placements that fulfil them, folded bitemporally; and
//! the figures on them (`kpi.rs`: wachtenden, wachttijd, aanmeldingenPerVerzoek,
//! afwijzingen, passendGeplaatst, benodigdeCapaciteit).
//!
//! The request facts are youth facts (recorded in the youth's stream), but nothing of the
//! supply side depends on them, so they are kept apart from the youth tables: per youth
//! its effective request inputs ([`VInvoer`]), re-derived into that youth's requests,
//! registrations and refusals whenever one of its inputs changes (a new fact, a
//! correction, a retraction), exactly as a youth's placements are. Each derived record
//! is kept in versions with the knowledge interval in which it was the truth, so "as
//! known at K" is a filter over the versions. The tables are plain lists scanned per
//! query: a national history has a few hundred thousand requests, a scan of their
//! compact versions takes a millisecond or two.
//!
//! A placement (`PlaatsingGestart`, `Doorgeplaatst`) that names a request is also an
//! input here (the fulfilment); the same event is folded as a placement as before.

pub(crate) mod kpi;

use kringloop_events::{Gebeurtenis, Intrekkingsreden, Urgentie, Verwijzer, Weigeringsreden};

use crate::ProjectionError;
use crate::feiten::{GEEN, regime_code, vorm_code};
use crate::knowledge::KnowledgeTime;
use crate::periode::{OPEN, dag};
use crate::projectie::{Meta, Projection};
use crate::versions::Stamp;

pub use kpi::{
    Aanmeldingen, Afwijzingen, BenodigdeCapaciteit, BenodigdeCel, CapaciteitScenario, Duur,
    Passend, PassendCategorie, ScenarioFout, VraagNormen, VraagRapport, Wachtenden, Wachttijd,
    WachttijdRij,
};

fn code<T: PartialEq + Copy>(alle: &[T], x: T) -> u8 {
    alle.iter().position(|&a| a == x).unwrap_or(0) as u8
}

/// How a request is closed.
pub(crate) mod afsluiting {
    pub const OPEN: u8 = 0;
    pub const VERVULD: u8 = 1;
    pub const INGETROKKEN: u8 = 2;
}

/// One request-side fact of a youth, compact (names interned, dates as day numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VFeit {
    Ingediend {
        verzoek: u32,
        datum: i32,
        verwijzer: u8,
        urgentie: u8,
        vorm: u8,
        regime: u8,
        regio: u32,
    },
    Aangemeld {
        verzoek: u32,
        aanbieder: u32,
        voorziening: u32,
        datum: i32,
    },
    Aangeboden {
        verzoek: u32,
        datum: i32,
    },
    Geweigerd {
        verzoek: u32,
        aanbieder: u32,
        datum: i32,
        reden: u8,
    },
    Ingetrokken {
        verzoek: u32,
        datum: i32,
        reden: u8,
    },
    /// A placement (start or doorplaatsing) that names the request.
    Vervuld {
        verzoek: u32,
        voorziening: u32,
        datum: i32,
        overbrugging: bool,
    },
}

impl VFeit {
    fn verzoek(&self) -> u32 {
        match *self {
            VFeit::Ingediend { verzoek, .. }
            | VFeit::Aangemeld { verzoek, .. }
            | VFeit::Aangeboden { verzoek, .. }
            | VFeit::Geweigerd { verzoek, .. }
            | VFeit::Ingetrokken { verzoek, .. }
            | VFeit::Vervuld { verzoek, .. } => verzoek,
        }
    }
}

/// An input of a youth's request derivation: the original event id (corrections replace
/// the fact in place), and whether it is still in force.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VInvoer {
    id: u128,
    actief: bool,
    feit: VFeit,
}

/// A request as derived from its youth's effective facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Verzoek {
    pub jeugdige: u32,
    /// Index of the request's id among its youth's request ids.
    pub verzoek: u32,
    pub datum: i32,
    pub verwijzer: u8,
    pub urgentie: u8,
    pub vorm: u8,
    pub regime: u8,
    pub regio: u32,
    /// Closure date (fulfilment or withdrawal), never before `datum`; `OPEN` if open.
    pub sluiting: i32,
    pub afsluiting: u8,
    pub intrekkingsreden: u8,
    /// The fulfilling placement's facility (`GEEN` unless fulfilled).
    pub voorziening: u32,
    pub overbrugging: bool,
    /// Distinct providers the request was registered with.
    pub aanbieders: u16,
}

impl Verzoek {
    /// Open on day `d`: `datum ≤ d < sluiting`.
    #[inline]
    pub fn open_op(&self, d: i32) -> bool {
        self.datum <= d && d < self.sluiting
    }
}

/// A registration (aanmelding) of a request with a provider, with the request's
/// attributes the filters need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Aanmelding {
    pub jeugdige: u32,
    pub verzoek: u32,
    pub aanbieder: u32,
    pub voorziening: u32,
    pub datum: i32,
    pub regio: u32,
    pub vorm: u8,
    pub regime: u8,
}

/// A refusal of a request by a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Weigering {
    pub jeugdige: u32,
    pub verzoek: u32,
    pub aanbieder: u32,
    pub datum: i32,
    pub reden: u8,
    pub regio: u32,
    pub vorm: u8,
    pub regime: u8,
}

/// One version of a derived record: known in `[van, tot)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Versie<T> {
    pub feit: T,
    pub van: KnowledgeTime,
    pub tot: KnowledgeTime,
}

impl<T> Versie<T> {
    #[inline]
    pub fn zichtbaar(&self, k: KnowledgeTime) -> bool {
        k.sees(self.van, self.tot)
    }
}

/// A table of versions, each youth's open ones listed by index.
#[derive(Debug, Clone)]
pub(crate) struct Tabel<T> {
    pub versies: Vec<Versie<T>>,
}

impl<T> Default for Tabel<T> {
    fn default() -> Self {
        Tabel {
            versies: Vec::new(),
        }
    }
}

impl<T: Copy + PartialEq> Tabel<T> {
    /// Makes the open versions in `open` equal to `nieuw` (as a multiset): versions no
    /// longer derived are closed at `k`, new facts opened at `k`; unchanged ones stay.
    fn sync(&mut self, open: &mut Vec<u32>, nieuw: &[T], k: KnowledgeTime) {
        let mut rest: Vec<T> = nieuw.to_vec();
        open.retain(|&i| {
            let Some(v) = self.versies.get_mut(i as usize) else {
                return false;
            };
            if let Some(p) = rest.iter().position(|f| *f == v.feit) {
                rest.swap_remove(p);
                true
            } else {
                v.tot = k;
                false
            }
        });
        for f in rest {
            open.push(u32::try_from(self.versies.len()).unwrap_or(u32::MAX));
            self.versies.push(Versie {
                feit: f,
                van: k,
                tot: KnowledgeTime::OPEN,
            });
        }
    }

    pub fn zichtbaar(&self, k: KnowledgeTime) -> impl Iterator<Item = &T> + '_ {
        self.versies
            .iter()
            .filter(move |v| v.zichtbaar(k))
            .map(|v| &v.feit)
    }
}

/// A youth's request inputs and open versions.
#[derive(Debug, Default)]
pub(crate) struct VJeugdige {
    invoer: Vec<VInvoer>,
    /// Request ids (`verzoek` of the facts) of this youth; a fact's `verzoek` is an index.
    namen: Vec<String>,
    open_verzoeken: Vec<u32>,
    open_aanmeldingen: Vec<u32>,
    open_weigeringen: Vec<u32>,
}

/// The request side of the projection.
#[derive(Debug, Default)]
pub(crate) struct Vraag {
    jeugdigen: Vec<VJeugdige>,
    pub verzoeken: Tabel<Verzoek>,
    pub aanmeldingen: Tabel<Aanmelding>,
    pub weigeringen: Tabel<Weigering>,
}

impl Vraag {
    fn jeugdige(&mut self, j: u32) -> &mut VJeugdige {
        let i = j as usize;
        if self.jeugdigen.len() <= i {
            self.jeugdigen.resize_with(i + 1, VJeugdige::default);
        }
        &mut self.jeugdigen[i]
    }

    /// Number of versions of requests, registrations and refusals.
    pub fn versies(&self) -> usize {
        self.verzoeken.versies.len()
            + self.aanmeldingen.versies.len()
            + self.weigeringen.versies.len()
    }

    /// Re-derives youth `j`'s requests from its effective inputs and syncs the tables.
    fn leid_af(&mut self, j: u32, k: KnowledgeTime) {
        let Some(vj) = self.jeugdigen.get_mut(j as usize) else {
            return;
        };
        let (verzoeken, aanmeldingen, weigeringen) = leid_verzoeken_af(j, &vj.invoer);
        self.verzoeken.sync(&mut vj.open_verzoeken, &verzoeken, k);
        self.aanmeldingen
            .sync(&mut vj.open_aanmeldingen, &aanmeldingen, k);
        self.weigeringen
            .sync(&mut vj.open_weigeringen, &weigeringen, k);
    }
}

/// A youth's requests, registrations and refusals from its effective inputs (in the
/// order they were recorded). A request exists while its `PlaatsingsverzoekIngediend`
/// is in force (the first one, if a broken history holds two); facts about a request
/// that does not exist are left out. The closure is the earliest fulfilment or
/// withdrawal (a fulfilment first on the same day), never before the request's date.
pub(crate) fn leid_verzoeken_af(
    j: u32,
    invoer: &[VInvoer],
) -> (Vec<Verzoek>, Vec<Aanmelding>, Vec<Weigering>) {
    let mut verzoeken: Vec<Verzoek> = Vec::new();
    for i in invoer.iter().filter(|i| i.actief) {
        if let VFeit::Ingediend {
            verzoek,
            datum,
            verwijzer,
            urgentie,
            vorm,
            regime,
            regio,
        } = i.feit
            && !verzoeken.iter().any(|v| v.verzoek == verzoek)
        {
            verzoeken.push(Verzoek {
                jeugdige: j,
                verzoek,
                datum,
                verwijzer,
                urgentie,
                vorm,
                regime,
                regio,
                sluiting: OPEN,
                afsluiting: afsluiting::OPEN,
                intrekkingsreden: 0,
                voorziening: GEEN,
                overbrugging: false,
                aanbieders: 0,
            });
        }
    }
    let mut aanmeldingen = Vec::new();
    let mut weigeringen = Vec::new();
    let mut aanbieders: Vec<(u32, u32)> = Vec::new();
    for i in invoer.iter().filter(|i| i.actief) {
        let Some(v) = verzoeken.iter_mut().find(|v| v.verzoek == i.feit.verzoek()) else {
            continue;
        };
        let sluit = |v: &mut Verzoek, d: i32, soort: u8| {
            let d = d.max(v.datum);
            let eerder = d < v.sluiting
                || (d == v.sluiting
                    && soort == afsluiting::VERVULD
                    && v.afsluiting != afsluiting::VERVULD);
            if eerder {
                v.sluiting = d;
                v.afsluiting = soort;
            }
            eerder
        };
        match i.feit {
            VFeit::Ingediend { .. } | VFeit::Aangeboden { .. } => {}
            VFeit::Aangemeld {
                aanbieder,
                voorziening,
                datum,
                ..
            } => {
                aanmeldingen.push(Aanmelding {
                    jeugdige: j,
                    verzoek: v.verzoek,
                    aanbieder,
                    voorziening,
                    datum,
                    regio: v.regio,
                    vorm: v.vorm,
                    regime: v.regime,
                });
                if !aanbieders.contains(&(v.verzoek, aanbieder)) {
                    aanbieders.push((v.verzoek, aanbieder));
                    v.aanbieders = v.aanbieders.saturating_add(1);
                }
            }
            VFeit::Geweigerd {
                aanbieder,
                datum,
                reden,
                ..
            } => weigeringen.push(Weigering {
                jeugdige: j,
                verzoek: v.verzoek,
                aanbieder,
                datum,
                reden,
                regio: v.regio,
                vorm: v.vorm,
                regime: v.regime,
            }),
            VFeit::Ingetrokken { datum, reden, .. } => {
                if sluit(v, datum, afsluiting::INGETROKKEN) {
                    v.intrekkingsreden = reden;
                    v.voorziening = GEEN;
                    v.overbrugging = false;
                }
            }
            VFeit::Vervuld {
                voorziening,
                datum,
                overbrugging,
                ..
            } => {
                if sluit(v, datum, afsluiting::VERVULD) {
                    v.voorziening = voorziening;
                    v.overbrugging = overbrugging;
                    v.intrekkingsreden = 0;
                }
            }
        }
    }
    (verzoeken, aanmeldingen, weigeringen)
}

/// What the fold does with an event on the request side.
enum Soort {
    /// Not a request fact.
    Geen,
    /// A request fact only (nothing else of the projection uses it).
    Alleen(VFeit),
    /// A placement; `Some` if it names a request.
    Plaatsing(Option<VFeit>),
}

impl Projection {
    /// The request-side fact of `g` for youth `j` (interning its names).
    fn vraag_soort(&mut self, j: u32, g: &Gebeurtenis) -> Soort {
        let verzoek = |p: &mut Projection, naam: &str| -> u32 {
            let vj = p.vraag.jeugdige(j);
            match vj.namen.iter().position(|n| n == naam) {
                Some(i) => i as u32,
                None => {
                    vj.namen.push(naam.to_owned());
                    (vj.namen.len() - 1) as u32
                }
            }
        };
        let f = match g {
            Gebeurtenis::PlaatsingsverzoekIngediend(e) => VFeit::Ingediend {
                verzoek: verzoek(self, &e.verzoek),
                datum: dag(e.datum),
                verwijzer: code(&Verwijzer::ALL, e.verwijzer),
                urgentie: code(&Urgentie::ALL, e.urgentie),
                vorm: vorm_code(e.vorm),
                regime: regime_code(e.regime),
                regio: self.regios.id(&e.jeugdregio),
            },
            Gebeurtenis::JeugdigeAangemeld(e) => VFeit::Aangemeld {
                verzoek: verzoek(self, &e.verzoek),
                aanbieder: self.aanbieders.id(&e.aanbieder),
                voorziening: e.voorziening.as_deref().map_or(GEEN, |v| self.vz_id(v)),
                datum: dag(e.datum),
            },
            Gebeurtenis::PlaatsAangeboden(e) => VFeit::Aangeboden {
                verzoek: verzoek(self, &e.verzoek),
                datum: dag(e.datum),
            },
            Gebeurtenis::AanmeldingGeweigerd(e) => VFeit::Geweigerd {
                verzoek: verzoek(self, &e.verzoek),
                aanbieder: self.aanbieders.id(&e.aanbieder),
                datum: dag(e.datum),
                reden: code(&Weigeringsreden::ALL, e.reden),
            },
            Gebeurtenis::PlaatsingsverzoekIngetrokken(e) => VFeit::Ingetrokken {
                verzoek: verzoek(self, &e.verzoek),
                datum: dag(e.datum),
                reden: code(&Intrekkingsreden::ALL, e.reden),
            },
            Gebeurtenis::PlaatsingGestart(e) => {
                return Soort::Plaatsing(e.verzoek.as_deref().map(|naam| VFeit::Vervuld {
                    verzoek: verzoek(self, naam),
                    voorziening: self.vz_id(&e.voorziening),
                    datum: dag(e.datum),
                    overbrugging: e.overbrugging,
                }));
            }
            Gebeurtenis::Doorgeplaatst(e) => {
                return Soort::Plaatsing(e.verzoek.as_deref().map(|naam| VFeit::Vervuld {
                    verzoek: verzoek(self, naam),
                    voorziening: self.vz_id(&e.naar),
                    datum: dag(e.datum),
                    overbrugging: e.overbrugging,
                }));
            }
            _ => return Soort::Geen,
        };
        Soort::Alleen(f)
    }

    fn is_vraag(g: &Gebeurtenis) -> bool {
        matches!(
            g,
            Gebeurtenis::PlaatsingsverzoekIngediend(_)
                | Gebeurtenis::JeugdigeAangemeld(_)
                | Gebeurtenis::PlaatsAangeboden(_)
                | Gebeurtenis::AanmeldingGeweigerd(_)
                | Gebeurtenis::PlaatsingsverzoekIngetrokken(_)
        )
    }

    /// A new (not correcting) event on the request side. `Ok(true)`: a request fact,
    /// handled completely; `Ok(false)`: the rest of the fold goes on with it (a placement
    /// naming a request is recorded here first).
    pub(crate) fn vraag_nieuw(
        &mut self,
        meta: Meta<'_>,
        s: Stamp,
        id: u128,
        g: &Gebeurtenis,
    ) -> Result<bool, ProjectionError> {
        let alleen = Self::is_vraag(g);
        let plaatsing = matches!(
            g,
            Gebeurtenis::PlaatsingGestart(e) if e.verzoek.is_some()
        ) || matches!(g, Gebeurtenis::Doorgeplaatst(e) if e.verzoek.is_some());
        if !alleen && !plaatsing {
            return Ok(false);
        }
        if kringloop_events::pseudoniem_van_stream(meta.stream).is_none() {
            if !alleen {
                // The placement fold reports the wrong stream.
                return Ok(false);
            }
            return Err(ProjectionError::VerkeerdeStroom {
                positie: meta.position,
                stroom: meta.stream.to_owned(),
                soort: g.event_type(),
            });
        }
        let j = self.jeugdige();
        let feit = match self.vraag_soort(j, g) {
            Soort::Alleen(f) | Soort::Plaatsing(Some(f)) => f,
            Soort::Geen | Soort::Plaatsing(None) => return Ok(false),
        };
        self.vraag.jeugdige(j).invoer.push(VInvoer {
            id,
            actief: true,
            feit,
        });
        self.vraag.leid_af(j, s.known_at);
        Ok(alleen)
    }

    /// A correction (`nieuw = Some`) or retraction of original `orig` in a youth's
    /// stream, on the request side. `Ok(true)`: `orig` is a request fact, handled
    /// completely; `Ok(false)`: the rest of the fold goes on (a placement, whose link to a
    /// request is updated here first).
    pub(crate) fn vraag_wijzig(
        &mut self,
        meta: Meta<'_>,
        s: Stamp,
        orig: u128,
        nieuw: Option<&Gebeurtenis>,
    ) -> Result<bool, ProjectionError> {
        let j = self.jeugdige();
        let bestaand = self
            .vraag
            .jeugdigen
            .get(j as usize)
            .and_then(|vj| vj.invoer.iter().position(|i| i.id == orig));
        let was_alleen = bestaand
            .and_then(|i| self.vraag.jeugdigen.get(j as usize)?.invoer.get(i))
            .is_some_and(|i| !matches!(i.feit, VFeit::Vervuld { .. }));
        let soort = match nieuw {
            Some(g) => self.vraag_soort(j, g),
            None => Soort::Geen,
        };
        let ander = ProjectionError::CorrectieAnderSoort {
            positie: meta.position,
        };
        let (feit, alleen) = match (soort, was_alleen, nieuw.is_some()) {
            (Soort::Alleen(f), true, _) => (Some(f), true),
            (Soort::Alleen(_), false, _) => {
                // A placement (or no fact of this youth at all) replaced by a request fact.
                let bekend = bestaand.is_some()
                    || self
                        .jeugdigen
                        .get(j as usize)
                        .is_some_and(|jj| jj.invoer.iter().any(|i| i.id == orig));
                return Err(if bekend {
                    ander
                } else {
                    ProjectionError::OnbekendFeit {
                        positie: meta.position,
                        event_id: uuid::Uuid::from_u128(orig),
                    }
                });
            }
            (_, true, true) => return Err(ander),
            (_, true, false) => (None, true),
            (Soort::Plaatsing(f), false, _) => (f, false),
            (Soort::Geen, false, _) => (None, false),
        };
        let vj = self.vraag.jeugdige(j);
        match (bestaand, feit) {
            (Some(i), Some(f)) => {
                if let Some(x) = vj.invoer.get_mut(i) {
                    x.feit = f;
                }
            }
            (Some(i), None) => {
                if let Some(x) = vj.invoer.get_mut(i) {
                    x.actief = false;
                }
            }
            (None, Some(f)) => vj.invoer.push(VInvoer {
                id: orig,
                actief: true,
                feit: f,
            }),
            (None, None) => return Ok(alleen),
        }
        self.vraag.leid_af(j, s.known_at);
        Ok(alleen)
    }
}
