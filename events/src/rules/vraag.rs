//! The need side of a youth's path, derived from its effective facts in valid time:
//! placement requests with their registrations and closure, and absences without leave.
//!
//! Like [`super::leid_af`] for placements, the fold never fails: broken history is folded
//! tolerantly and reported as [`VraagSchending`]s, which the checker compares before and
//! after a proposed change (only violations a change *adds* reject it).
//!
//! Semantics:
//! - A request is identified by `verzoek` within the youth's stream; when an id is
//!   submitted twice, the first *recorded* one is the request (as with authorisations).
//! - A request is closed by the first (in valid time) placement that names it (fulfilled)
//!   or withdrawal; it is *open* on day d when `datum <= d < closure`.
//! - Within one day facts are taken in the order request, registration, offer/refusal,
//!   closure; so a registration or refusal on the closing day itself is allowed, a fact
//!   on a later day is not.
//! - An absence without leave runs from its date (inclusive) to the return (exclusive,
//!   the first day the youth is back), like a placement: a return on the day of the
//!   absence itself would make a 0-day absence and finds no absence open. A return ends
//!   an absence; a placement that ends while the youth is absent leaves it open. An
//!   absence that starts while another is open (a violation, or a late absence recorded
//!   before its return) ends the open one on its start date.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use uuid::Uuid;

use super::afleiding::Plaatsing;
use crate::catalogue::Gebeurtenis;
use crate::types::{Regime, Urgentie, Vorm};

/// Waiting-time norm of a spoed request, in days (fixed).
pub const SPOED_NORM_DAGEN: i64 = 7;
/// Default waiting-time norm of a regulier request, in days (six weeks).
pub const REGULIER_NORM_DAGEN: i64 = 42;

/// The waiting-time norms: a request closed more than its norm after it was submitted
/// gets the signal `WACHTTIJD_OVERSCHREDEN`. Spoed is fixed at 7 days; the regulier norm
/// is configurable (default 42 days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Normen {
    regulier_dagen: i64,
}

impl Default for Normen {
    fn default() -> Self {
        Normen {
            regulier_dagen: REGULIER_NORM_DAGEN,
        }
    }
}

impl Normen {
    /// Norms with a regulier norm of `regulier_dagen` days (at least 0).
    pub fn met_regulier(regulier_dagen: u32) -> Self {
        Normen {
            regulier_dagen: i64::from(regulier_dagen),
        }
    }

    /// The regulier norm in days.
    pub fn regulier_dagen(&self) -> i64 {
        self.regulier_dagen
    }

    /// The norm in days for a request of this urgency.
    pub fn norm(&self, urgentie: Urgentie) -> i64 {
        match urgentie {
            Urgentie::Spoed => SPOED_NORM_DAGEN,
            Urgentie::Regulier => self.regulier_dagen,
        }
    }
}

/// How a request was closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfsluitingSoort {
    /// Fulfilled by a placement (or doorplaatsing) into `voorziening`.
    Vervuld {
        voorziening: String,
        overbrugging: bool,
    },
    Ingetrokken,
}

/// The closure of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Afsluiting {
    pub datum: NaiveDate,
    pub soort: AfsluitingSoort,
    /// The placement, doorplaatsing or withdrawal that closed it.
    pub event: Uuid,
}

/// A placement request as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verzoek {
    pub verzoek: String,
    pub datum: NaiveDate,
    pub urgentie: Urgentie,
    pub vorm: Vorm,
    pub regime: Regime,
    pub jeugdregio: String,
    /// The `PlaatsingsverzoekIngediend`.
    pub event: Uuid,
    /// The providers it was registered with, each with the date of its first registration.
    pub aanmeldingen: BTreeMap<String, NaiveDate>,
    pub afsluiting: Option<Afsluiting>,
}

impl Verzoek {
    /// Whether it is open on `d` (`datum <= d < closure`).
    pub fn open_op(&self, d: NaiveDate) -> bool {
        self.datum <= d && self.afsluiting.as_ref().is_none_or(|a| d < a.datum)
    }
}

/// An absence without leave, from `start` (inclusive) to `einde` (exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Afwezigheid {
    pub start: NaiveDate,
    /// The first day back; `None` while open.
    pub einde: Option<NaiveDate>,
    /// The facility of the residential placement that ran on `start`, if any.
    pub voorziening: Option<String>,
    /// The `JeugdigeOnttrokken`.
    pub event: Uuid,
    /// The `JeugdigeTeruggekeerd` that ended it.
    pub beeindigd_door: Option<Uuid>,
}

impl Afwezigheid {
    pub fn open_op(&self, d: NaiveDate) -> bool {
        self.start <= d && self.einde.is_none_or(|e| d < e)
    }
}

/// A rule of the need side that a recorded (or proposed) fact breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VraagSchending {
    /// The fact that breaks it.
    pub event: Uuid,
    pub datum: NaiveDate,
    pub soort: VraagSchendingSoort,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VraagSchendingSoort {
    /// A request id submitted a second time.
    VerzoekAlIngediend { verzoek: String },
    /// A fact names a request the youth does not have.
    OnbekendVerzoek { verzoek: String },
    /// A fact about a request dated before the request.
    VoorVerzoekdatum {
        verzoek: String,
        ingediend: NaiveDate,
    },
    /// A fact about a request dated after its closure, or a second closure.
    VerzoekAfgesloten {
        verzoek: String,
        afsluiting: Afsluiting,
    },
    /// An offer or refusal by a provider the request was not registered with by then.
    NietAangemeld { verzoek: String, aanbieder: String },
    /// An absence while no residential placement runs (or not in the named facility).
    OnttrekkingZonderPlaatsing {
        genoemd: Option<String>,
        lopend: Option<String>,
    },
    /// An absence while another one is open.
    AlOnttrokken { sinds: NaiveDate, oorzaak: Uuid },
    /// A return while no absence is open.
    NietOnttrokken { zelfde_dag: bool },
}

impl VraagSchending {
    /// Identity used to compare violations before and after a change.
    pub fn sleutel(&self) -> (Uuid, &'static str) {
        use VraagSchendingSoort as S;
        let soort = match self.soort {
            S::VerzoekAlIngediend { .. } => "VERZOEK_AL_INGEDIEND",
            S::OnbekendVerzoek { .. } => "ONBEKEND_VERZOEK",
            S::VoorVerzoekdatum { .. } => "VOOR_VERZOEKDATUM",
            S::VerzoekAfgesloten { .. } => "VERZOEK_AFGESLOTEN",
            S::NietAangemeld { .. } => "NIET_AANGEMELD",
            S::OnttrekkingZonderPlaatsing { .. } => "ONTTREKKING_ZONDER_PLAATSING",
            S::AlOnttrokken { .. } => "AL_ONTTROKKEN",
            S::NietOnttrokken { .. } => "NIET_ONTTROKKEN",
        };
        (self.event, soort)
    }
}

/// What a youth's need-side facts mean.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VraagAfleiding {
    /// In order of request date (then recording).
    pub verzoeken: Vec<Verzoek>,
    /// In order of start.
    pub afwezigheden: Vec<Afwezigheid>,
    pub schendingen: Vec<VraagSchending>,
}

impl VraagAfleiding {
    pub fn verzoek(&self, verzoek: &str) -> Option<&Verzoek> {
        self.verzoeken.iter().find(|v| v.verzoek == verzoek)
    }
}

/// Whether a fact belongs to the need side: a request fact, an absence or return, or a
/// placement or doorplaatsing that names a request.
pub fn is_vraagfeit(feit: &Gebeurtenis) -> bool {
    use Gebeurtenis as G;
    match feit {
        G::PlaatsingsverzoekIngediend(_)
        | G::JeugdigeAangemeld(_)
        | G::PlaatsAangeboden(_)
        | G::AanmeldingGeweigerd(_)
        | G::PlaatsingsverzoekIngetrokken(_)
        | G::JeugdigeOnttrokken(_)
        | G::JeugdigeTeruggekeerd(_) => true,
        G::PlaatsingGestart(p) => p.verzoek.is_some(),
        G::Doorgeplaatst(d) => d.verzoek.is_some(),
        _ => false,
    }
}

/// Sort key within a day of a need-side fact (`None` for other facts).
fn rang(feit: &Gebeurtenis) -> Option<(NaiveDate, u8)> {
    use Gebeurtenis as G;
    match feit {
        G::PlaatsingsverzoekIngediend(e) => Some((e.datum, 0)),
        G::JeugdigeAangemeld(e) => Some((e.datum, 1)),
        G::PlaatsAangeboden(e) => Some((e.datum, 2)),
        G::AanmeldingGeweigerd(e) => Some((e.datum, 2)),
        G::PlaatsingsverzoekIngetrokken(e) => Some((e.datum, 3)),
        G::PlaatsingGestart(e) if e.verzoek.is_some() => Some((e.datum, 3)),
        G::Doorgeplaatst(e) if e.verzoek.is_some() => Some((e.datum, 3)),
        G::JeugdigeTeruggekeerd(e) => Some((e.datum, 4)),
        G::JeugdigeOnttrokken(e) => Some((e.datum, 5)),
        _ => None,
    }
}

/// Folds a youth's effective facts `(event id, position, content)` into its requests and
/// absences. `plaatsingen` are the youth's placement intervals (from [`super::leid_af`]
/// over the same facts); `aanbieder` tells the provider of a facility.
pub fn leid_vraag_af<'a, 's, I, A>(
    feiten: I,
    plaatsingen: &[Plaatsing],
    aanbieder: A,
) -> VraagAfleiding
where
    I: IntoIterator<Item = (Uuid, i64, &'a Gebeurtenis)>,
    A: Fn(&str) -> Option<&'s str>,
{
    let mut feiten: Vec<(NaiveDate, u8, i64, Uuid, &Gebeurtenis)> = feiten
        .into_iter()
        .filter_map(|(id, positie, f)| rang(f).map(|(d, r)| (d, r, positie, id, f)))
        .collect();
    let mut schendingen = Vec::new();

    // The requests first, in recording order: the first recorded of an id is the request.
    let mut ingediend: Vec<(i64, Uuid, &crate::catalogue::PlaatsingsverzoekIngediend)> = feiten
        .iter()
        .filter_map(|&(_, _, positie, id, f)| match f {
            Gebeurtenis::PlaatsingsverzoekIngediend(v) => Some((positie, id, v)),
            _ => None,
        })
        .collect();
    ingediend.sort_by_key(|&(positie, id, _)| (positie, id));
    let mut verzoeken: Vec<Verzoek> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (_, id, v) in ingediend {
        if index.contains_key(v.verzoek.as_str()) {
            schendingen.push(VraagSchending {
                event: id,
                datum: v.datum,
                soort: VraagSchendingSoort::VerzoekAlIngediend {
                    verzoek: v.verzoek.clone(),
                },
            });
            continue;
        }
        index.insert(&v.verzoek, verzoeken.len());
        verzoeken.push(Verzoek {
            verzoek: v.verzoek.clone(),
            datum: v.datum,
            urgentie: v.urgentie,
            vorm: v.vorm,
            regime: v.regime,
            jeugdregio: v.jeugdregio.clone(),
            event: id,
            aanmeldingen: BTreeMap::new(),
            afsluiting: None,
        });
    }

    feiten.sort_by_key(|&(d, r, positie, id, _)| (d, r, positie, id));
    let onttrekkingsdagen: HashSet<NaiveDate> = feiten
        .iter()
        .filter(|f| matches!(f.4, Gebeurtenis::JeugdigeOnttrokken(_)))
        .map(|f| f.0)
        .collect();
    let mut afwezigheden: Vec<Afwezigheid> = Vec::new();
    let mut open_afwezigheid: Option<usize> = None;
    for (d, _, _, id, feit) in feiten {
        use Gebeurtenis as G;
        let mut schending = |soort| {
            schendingen.push(VraagSchending {
                event: id,
                datum: d,
                soort,
            })
        };
        // The request a fact is about, when it may be about it on `d`.
        let mut verzoek_op = |naam: &str, sluit: bool| -> Option<usize> {
            let Some(&i) = index.get(naam) else {
                schending(VraagSchendingSoort::OnbekendVerzoek {
                    verzoek: naam.to_owned(),
                });
                return None;
            };
            let v = verzoeken.get(i)?;
            if d < v.datum {
                schending(VraagSchendingSoort::VoorVerzoekdatum {
                    verzoek: naam.to_owned(),
                    ingediend: v.datum,
                });
                return None;
            }
            if let Some(a) = &v.afsluiting
                && (sluit || a.datum < d)
            {
                schending(VraagSchendingSoort::VerzoekAfgesloten {
                    verzoek: naam.to_owned(),
                    afsluiting: a.clone(),
                });
                return None;
            }
            Some(i)
        };
        match feit {
            G::JeugdigeAangemeld(a) => {
                if let Some(v) = verzoek_op(&a.verzoek, false).and_then(|i| verzoeken.get_mut(i)) {
                    v.aanmeldingen.entry(a.aanbieder.clone()).or_insert(d);
                }
            }
            G::PlaatsAangeboden(a) => {
                if let Some(v) = verzoek_op(&a.verzoek, false).and_then(|i| verzoeken.get(i)) {
                    let door = aanbieder(&a.voorziening);
                    if door.is_none_or(|p| !v.aanmeldingen.contains_key(p)) {
                        let aanbieder = door.unwrap_or_default().to_owned();
                        schendingen.push(VraagSchending {
                            event: id,
                            datum: d,
                            soort: VraagSchendingSoort::NietAangemeld {
                                verzoek: a.verzoek.clone(),
                                aanbieder,
                            },
                        });
                    }
                }
            }
            G::AanmeldingGeweigerd(a) => {
                if let Some(v) = verzoek_op(&a.verzoek, false).and_then(|i| verzoeken.get(i))
                    && !v.aanmeldingen.contains_key(&a.aanbieder)
                {
                    schendingen.push(VraagSchending {
                        event: id,
                        datum: d,
                        soort: VraagSchendingSoort::NietAangemeld {
                            verzoek: a.verzoek.clone(),
                            aanbieder: a.aanbieder.clone(),
                        },
                    });
                }
            }
            G::PlaatsingsverzoekIngetrokken(i) => {
                if let Some(v) = verzoek_op(&i.verzoek, true).and_then(|i| verzoeken.get_mut(i)) {
                    v.afsluiting = Some(Afsluiting {
                        datum: d,
                        soort: AfsluitingSoort::Ingetrokken,
                        event: id,
                    });
                }
            }
            G::PlaatsingGestart(_) | G::Doorgeplaatst(_) => {
                let (naam, voorziening, overbrugging) = match feit {
                    G::PlaatsingGestart(p) => (&p.verzoek, &p.voorziening, p.overbrugging),
                    G::Doorgeplaatst(p) => (&p.verzoek, &p.naar, p.overbrugging),
                    _ => continue,
                };
                let Some(naam) = naam else { continue };
                if let Some(v) = verzoek_op(naam, true).and_then(|i| verzoeken.get_mut(i)) {
                    v.afsluiting = Some(Afsluiting {
                        datum: d,
                        soort: AfsluitingSoort::Vervuld {
                            voorziening: voorziening.clone(),
                            overbrugging,
                        },
                        event: id,
                    });
                }
            }
            G::JeugdigeOnttrokken(o) => {
                // Tolerant: a second absence ends the open one (as a start ends a running
                // placement), so a late absence before a recorded one can be followed by
                // its return.
                if let Some(a) = open_afwezigheid
                    .take()
                    .and_then(|i| afwezigheden.get_mut(i))
                {
                    a.einde = Some(d);
                    schending(VraagSchendingSoort::AlOnttrokken {
                        sinds: a.start,
                        oorzaak: a.event,
                    });
                }
                let lopend = plaatsingen
                    .iter()
                    .find(|p| !p.ambulant && p.actief_op(d))
                    .map(|p| p.voorziening.clone());
                let past = match (&o.voorziening, &lopend) {
                    (_, None) => false,
                    (None, Some(_)) => true,
                    (Some(g), Some(l)) => g == l,
                };
                if !past {
                    schending(VraagSchendingSoort::OnttrekkingZonderPlaatsing {
                        genoemd: o.voorziening.clone(),
                        lopend: lopend.clone(),
                    });
                }
                // Tolerant: the absence counts even when broken, so its return still fits.
                open_afwezigheid = Some(afwezigheden.len());
                afwezigheden.push(Afwezigheid {
                    start: d,
                    einde: None,
                    voorziening: lopend.or_else(|| o.voorziening.clone()),
                    event: id,
                    beeindigd_door: None,
                });
            }
            G::JeugdigeTeruggekeerd(_) => {
                match open_afwezigheid
                    .take()
                    .and_then(|i| afwezigheden.get_mut(i))
                {
                    Some(a) => {
                        a.einde = Some(d);
                        a.beeindigd_door = Some(id);
                    }
                    None => {
                        schending(VraagSchendingSoort::NietOnttrokken {
                            zelfde_dag: onttrekkingsdagen.contains(&d),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    verzoeken.sort_by_key(|v| v.datum);
    VraagAfleiding {
        verzoeken,
        afwezigheden,
        schendingen,
    }
}
