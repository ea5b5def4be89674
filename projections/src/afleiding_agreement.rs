//! Agreement of the two derivations of placement intervals: what each takes and gives,
//! where their meanings differ, the property test `plaatsingen_gelijk` that they agree on
//! generated histories of one youth, and a test pinning each side's behaviour in every
//! case where they do not.
//!
//! # The two derivations
//! - `kringloop_events::rules::leid_af` (events/src/rules/afleiding.rs), used by the write
//!   side (`DomainState::apply`/`check`). Input: a youth's *effective* facts as
//!   `(event id, position, &Gebeurtenis)` (corrections applied, retractions left out, by
//!   `DomainState::fold_input`; a correction keeps its original's position) and a
//!   `vorm(name)` lookup. Output: `Afleiding { plaatsingen, machtigingen, schendingen }`;
//!   a placement is (facility name, start, `einde: Option`), plus `ambulant`,
//!   `episode_start`, opening/closing event; violations describe broken history.
//! - `leid_jeugdige_af` (projections/src/afleiding.rs), used by the projection fold
//!   (`Projection::recompute_jeugdige`). Input: `JInvoer`s (interned `JFeit`, original
//!   position, `actief`) and the facility's current `VzAttr`. Corrections are applied by
//!   the fold (`Projection::wijzig` replaces `feit`, keeps `pos`), retractions set
//!   `actief = false`; the derivation itself only drops inactive inputs. Output: the
//!   fact lists (placements with `eind = OPEN_EIND` while running, episodes, CBS
//!   trajectories, authorisations with exclusive `eind`, signals). No violations.
//!
//! So corrections and retractions are resolved *before* derivation on both sides, by the
//! same rule (replace content, keep position; drop retracted). The property test feeds
//! both the same resolved history.
//!
//! # Where they agree (checked by `plaatsingen_gelijk`)
//! - Order: valid date, then ends < doorplaatsingen < starts on one date, then position
//!   (events breaks a remaining tie by event id, the projection by input index; positions
//!   are unique per original event, so that tie never occurs in a real log).
//! - Tracks: a facility whose form is `Ambulant` is on the ambulant track (any number
//!   running, at most one per facility); every other or unknown facility is residential
//!   (at most one running).
//! - A start while a stay runs on the same track (residential, or ambulant in the same
//!   facility) closes the running one on that date.
//! - An end (`PlaatsingBeeindigd`) with `voorziening: None` ends the residential stay.
//! - Closing never makes an interval negative: end = max(date, start). Zero-day
//!   placements (end = start) are produced by both.
//! - A doorplaatsing from the running residential stay or from a running ambulant
//!   facility closes it and opens `naar` on its track (closing a running residential
//!   stay when `naar` is residential).
//! - A doorplaatsing whose `van` is not running, with no residential stay running, opens
//!   `naar` (a new episode on both sides).
//! - An end that matches nothing, with no residential stay running, is ignored.
//!
//! # Where they differ
//! 1. (NOT on purpose: real disagreement) An end naming facility X
//!    (`voorziening: Some(X)`) while X is not running but a residential stay in another
//!    facility Y is: the write side ignores the end (violation `NIET_GEPLAATST`, Y keeps
//!    running); the projection ends Y on that date (`JFeit::Eind` falls back to
//!    `res.take()` for any facility not running ambulantly). Pinned by
//!    `eind_van_niet_lopende_voorziening`. The projection then counts Y as ended while
//!    the write side still sees Y placed (and rejects a new start elsewhere).
//! 2. (NOT on purpose: real disagreement) A doorplaatsing from X, X not running, while a
//!    residential stay Y runs and `naar` is ambulant: the write side keeps Y running and
//!    opens `naar` (violation `NIET_GEPLAATST`); the projection closes Y (`Door` falls
//!    back to `res.take()`) and continues Y's episode into `naar`. With `naar`
//!    residential both close Y on that date, so the intervals agree (only the episode
//!    differs: the write side starts a new one, the projection continues Y's). Pinned by
//!    `doorplaatsing_van_niet_lopende_voorziening`.
//! 3. Episodes: `Plaatsing::episode_start` (events) vs the projection's `Episode` list;
//!    case 2 above with residential `naar` is where they differ. Not compared by the
//!    property test (only facility, start, end).
//! 4. (NOT on purpose) Authorisations registered twice under one id: the write side keeps
//!    the first in recording order (the second is `MACHTIGING_AL_AFGEGEVEN`); the
//!    projection keeps the last in (valid date, position) order. Pinned by
//!    `machtiging_twee_keer_afgegeven`.
//! 5. (NOT on purpose) Authorisation ends: the write side applies the first end in
//!    recording order and ignores an end before `geldig_van` (`EINDE_VOOR_START`) or a
//!    second end (`MACHTIGING_AL_BEEINDIGD`); the projection takes the earliest end date
//!    of all ends, and an end before `geldig_van` makes the authorisation empty. Pinned by
//!    `machtiging_einde_voor_start_en_twee_einden`.
//! 6. Facility form comes from each side's own state (`DomainState::vorm`; the
//!    projection's current `VzAttr::vorm`, unknown facilities residential on both sides);
//!    the tests give both the same forms.
//! 7. (NOT on purpose: real disagreement) A doorplaatsing into an ambulant facility in
//!    which the youth already runs: the write side closes the running ambulant stay on
//!    that date (as for a start, `AL_GEPLAATST`); the projection pushes a second running
//!    stay in the same facility (`Door` never looks for a running `naar` on the ambulant
//!    track), so the youth is counted twice there. Pinned by
//!    `doorplaatsing_naar_lopend_ambulant`.
//!
//! Cases 1, 2, 4, 5 and 7 only arise from history the write side would reject as a new
//! fact (`NIET_GEPLAATST`, `AL_GEPLAATST`, `MACHTIGING_AL_AFGEGEVEN`, `EINDE_VOOR_START`,
//! `MACHTIGING_AL_BEEINDIGD`), i.e. history recorded before a rule existed, which `apply`
//! folds tolerantly. They are not differences on purpose: the two sides just read broken
//! history differently, so the write side's intervals and the projection's counts part.
//!
//! The generator keeps to the agreeing domain by rejecting (with `prop_assume!`)
//! histories in which cases 1, 2 and 7 occur, detected from the write side's own
//! violations (`NIET_GEPLAATST` of an end, or of a doorplaatsing into an ambulant
//! facility, at a moment its fold has a residential stay open;
//! `AL_GEPLAATST` of a doorplaatsing into an ambulant facility), and by generating
//! authorisations with distinct ids, at most one end each, not before `geldig_van`
//! (cases 4 and 5; exactly what the write side accepts). Run:
//! `CARGO_BUILD_JOBS=1 cargo nextest run -p kringloop-projections afleiding_agreement`.

use chrono::NaiveDate;
use kringloop_events::rules::{SchendingSoort, leid_af, volgorde};
use kringloop_events::{
    Doorgeplaatst, Gebeurtenis, MachtigingAfgegeven, MachtigingBeeindigd, MachtigingSoort,
    PlaatsingBeeindigd, PlaatsingGestart, Verblijfplaats, Vorm,
};
use proptest::prelude::*;
use uuid::Uuid;

use crate::afleiding::{Afgeleid, JFeit, JInvoer, leid_jeugdige_af};
use crate::feiten::{GEEN, OPEN_EIND, VzAttr, basis, bestemming_code, machtiging_code, vorm_code};
use crate::periode::dag;

/// Facilities of the generated histories: two residential, two ambulant, one unknown
/// (no attributes: residential on both sides).
const VZ: [(&str, Option<Vorm>); 5] = [
    ("groep", Some(Vorm::Groep)),
    ("pleeg", Some(Vorm::Pleegzorg)),
    ("amb1", Some(Vorm::Ambulant)),
    ("amb2", Some(Vorm::Ambulant)),
    ("onbekend", None),
];
const MACHTIGINGEN: [&str; 3] = ["m0", "m1", "m2"];

fn basisdatum() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 3, 1).unwrap_or_default()
}

fn datum(d: u8) -> NaiveDate {
    basisdatum() + chrono::Days::new(u64::from(d))
}

fn vorm(naam: &str) -> Option<Vorm> {
    VZ.iter().find(|v| v.0 == naam).and_then(|v| v.1)
}

fn attr(vz: u32) -> Option<VzAttr> {
    let v = VZ.get(vz as usize)?.1?;
    Some(VzAttr {
        voorziening: vz,
        aanbieder: 0,
        gemeente: 0,
        vorm: vorm_code(v),
        regime: 1,
        orde: 0,
    })
}

fn vz_id(naam: &str) -> u32 {
    VZ.iter()
        .position(|v| v.0 == naam)
        .map_or(GEEN, |i| i as u32)
}

/// One generated fact (before resolving corrections).
#[derive(Debug, Clone)]
enum Feit {
    Start(usize, u8),
    Door(usize, usize, u8),
    Eind(Option<usize>, u8),
    Machtiging(usize, usize, u8, u8),
    MachtigingEind(usize, u8),
}

impl Feit {
    fn gebeurtenis(&self) -> Gebeurtenis {
        let naam = |i: usize| VZ.get(i).map_or("?", |v| v.0).to_owned();
        let m = |i: usize| MACHTIGINGEN.get(i).map_or("?", |s| *s).to_owned();
        match *self {
            Feit::Start(v, d) => Gebeurtenis::PlaatsingGestart(PlaatsingGestart {
                voorziening: naam(v),
                datum: datum(d),
                spoed: false,
                crisis: false,
                verblijf_voor: Verblijfplaats::Thuis,
                verzoek: None,
                overbrugging: false,
            }),
            Feit::Door(van, naar, d) => Gebeurtenis::Doorgeplaatst(Doorgeplaatst {
                van: naam(van),
                naar: naam(naar),
                datum: datum(d),
                reden: "r".into(),
                tegen_wens_jeugdige: false,
                tegen_wens_aanbieder: false,
                verzoek: None,
                overbrugging: false,
            }),
            Feit::Eind(v, d) => Gebeurtenis::PlaatsingBeeindigd(PlaatsingBeeindigd {
                voorziening: v.map(naam),
                datum: datum(d),
                bestemming: Verblijfplaats::Thuis,
                reden: "r".into(),
                reden_beeindiging: None,
            }),
            Feit::Machtiging(k, s, van, duur) => {
                Gebeurtenis::MachtigingAfgegeven(MachtigingAfgegeven {
                    machtiging: m(k),
                    soort: SOORTEN.get(s).copied().unwrap_or(MachtigingSoort::Mgj),
                    geldig_van: datum(van),
                    geldig_tot: datum(van) + chrono::Days::new(u64::from(duur)),
                    aangevraagd_door: "x".into(),
                })
            }
            Feit::MachtigingEind(k, d) => Gebeurtenis::MachtigingBeeindigd(MachtigingBeeindigd {
                machtiging: m(k),
                datum: datum(d),
                reden: "r".into(),
            }),
        }
    }
}

const SOORTEN: [MachtigingSoort; 3] = [
    MachtigingSoort::Mgj,
    MachtigingSoort::Spoedmachtiging,
    MachtigingSoort::VoorwaardelijkeMachtiging,
];

/// The same translation as `Projection::jeugd_feit` (machtiging keys interned in order
/// of first appearance, which here is the generator's key index).
fn jfeit(g: &Gebeurtenis) -> Option<JFeit> {
    let sleutel = |m: &str| {
        MACHTIGINGEN
            .iter()
            .position(|x| *x == m)
            .map_or(GEEN, |i| i as u32)
    };
    Some(match g {
        Gebeurtenis::MachtigingAfgegeven(e) => JFeit::Machtiging {
            sleutel: sleutel(&e.machtiging),
            soort: machtiging_code(e.soort),
            van: dag(e.geldig_van),
            tot: dag(e.geldig_tot).saturating_add(1),
        },
        Gebeurtenis::MachtigingBeeindigd(e) => JFeit::MachtigingEind {
            sleutel: sleutel(&e.machtiging),
            datum: dag(e.datum),
        },
        Gebeurtenis::PlaatsingGestart(e) => JFeit::Start {
            vz: vz_id(&e.voorziening),
            datum: dag(e.datum),
            spoed: e.spoed,
            crisis: e.crisis,
        },
        Gebeurtenis::Doorgeplaatst(e) => JFeit::Door {
            van: vz_id(&e.van),
            naar: vz_id(&e.naar),
            datum: dag(e.datum),
        },
        Gebeurtenis::PlaatsingBeeindigd(e) => JFeit::Eind {
            vz: e.voorziening.as_deref().map_or(GEEN, vz_id),
            datum: dag(e.datum),
            bestemming: bestemming_code(e.bestemming),
        },
        _ => return None,
    })
}

/// A recorded fact: its original content, an optional correction, whether retracted.
#[derive(Debug, Clone)]
struct Opgenomen {
    origineel: Feit,
    correctie: Option<Feit>,
    ingetrokken: bool,
}

impl Opgenomen {
    fn effectief(&self) -> Option<Gebeurtenis> {
        if self.ingetrokken {
            return None;
        }
        Some(
            self.correctie
                .as_ref()
                .unwrap_or(&self.origineel)
                .gebeurtenis(),
        )
    }
}

/// (facility, start, end) with `None` for a running stay, sorted.
type Interval = (String, NaiveDate, Option<NaiveDate>);

struct Beide {
    /// The write side's input: (position, effective content).
    effectief: Vec<(usize, Gebeurtenis)>,
    schrijfkant: kringloop_events::rules::Afleiding,
    projectie: Afgeleid,
}

fn id(n: usize) -> Uuid {
    Uuid::from_u128(n as u128 + 1)
}

fn leid_beide_af(historie: &[Opgenomen]) -> Beide {
    // Write side: effective facts, as `DomainState::fold_input` gives them.
    let effectief: Vec<(usize, Gebeurtenis)> = historie
        .iter()
        .enumerate()
        .filter_map(|(n, o)| o.effectief().map(|g| (n, g)))
        .collect();
    let schrijfkant = leid_af(effectief.iter().map(|(n, g)| (id(*n), *n as i64, g)), vorm);
    // Projection: every recorded fact, corrections applied in place, retractions inactive
    // (as `Projection::wijzig` leaves them).
    let invoer: Vec<JInvoer> = historie
        .iter()
        .enumerate()
        .filter_map(|(n, o)| {
            let inhoud = o.correctie.as_ref().unwrap_or(&o.origineel).gebeurtenis();
            Some(JInvoer {
                id: id(n).as_u128(),
                pos: n as u32,
                actief: !o.ingetrokken,
                feit: jfeit(&inhoud)?,
            })
        })
        .collect();
    let mut projectie = Afgeleid::default();
    leid_jeugdige_af(0, &invoer, attr, &mut projectie);
    Beide {
        effectief,
        schrijfkant,
        projectie,
    }
}

fn intervallen_schrijfkant(b: &Beide) -> Vec<Interval> {
    let mut v: Vec<Interval> = b
        .schrijfkant
        .plaatsingen
        .iter()
        .map(|p| (p.voorziening.clone(), p.start, p.einde))
        .collect();
    v.sort();
    v
}

fn intervallen_projectie(b: &Beide) -> Vec<Interval> {
    let mut v: Vec<Interval> = b
        .projectie
        .feiten
        .plaatsingen
        .iter()
        .map(|p| {
            let naam = VZ
                .get(p.voorziening as usize)
                .map_or("?", |v| v.0)
                .to_owned();
            let eind = (p.eind != OPEN_EIND).then(|| crate::periode::datum(p.eind));
            (naam, crate::periode::datum(p.begin), eind)
        })
        .collect();
    v.sort();
    v
}

/// (soort code, first valid day, first day no longer valid), empty ones as (soort, 0, 0).
type Geldig = (u8, i32, i32);

fn machtigingen_schrijfkant(b: &Beide) -> Vec<Geldig> {
    let mut v: Vec<Geldig> = b
        .schrijfkant
        .machtigingen
        .iter()
        .map(|m| {
            let van = dag(m.geldig_van);
            let mut tot = dag(m.geldig_tot).saturating_add(1);
            if let Some(e) = m.beeindigd {
                tot = tot.min(dag(e));
            }
            normaal(machtiging_code(m.soort), van, tot)
        })
        .collect();
    v.sort_unstable();
    v
}

fn machtigingen_projectie(b: &Beide) -> Vec<Geldig> {
    let mut v: Vec<Geldig> = b
        .projectie
        .feiten
        .machtigingen
        .iter()
        .map(|m| normaal(m.soort, m.begin, m.eind))
        .collect();
    v.sort_unstable();
    v
}

fn normaal(soort: u8, van: i32, tot: i32) -> Geldig {
    if tot > van {
        (soort, van, tot)
    } else {
        (soort, 0, 0)
    }
}

/// Whether the write side reported a `NIET_GEPLAATST` for an end, or for a doorplaatsing
/// into an ambulant facility, while a residential stay was running: differences 1 and 2 of the top comment. "Running" is
/// what the write side's own fold has open just before that fact: `leid_af` over the
/// facts sorted before it (by [`volgorde`] and position).
fn niet_geplaatst_naast_residentieel(b: &Beide) -> bool {
    let sleutel = |n: usize, g: &Gebeurtenis| volgorde(g).map(|(d, r)| (d, r, n));
    b.schrijfkant.schendingen.iter().any(|s| {
        if !matches!(s.soort, SchendingSoort::NietGeplaatst { .. }) {
            return false;
        }
        let Some(&(n, ref g)) = b.effectief.iter().find(|(n, _)| id(*n) == s.event) else {
            return false;
        };
        // Into a residential `naar` both close the residential stay: intervals agree.
        if matches!(g, Gebeurtenis::Doorgeplaatst(d) if vorm(&d.naar) != Some(Vorm::Ambulant)) {
            return false;
        }
        let Some(grens) = sleutel(n, g) else {
            return false;
        };
        let ervoor = leid_af(
            b.effectief
                .iter()
                .filter(|(m, h)| sleutel(*m, h).is_some_and(|k| k < grens))
                .map(|(m, h)| (id(*m), *m as i64, h)),
            vorm,
        );
        ervoor
            .plaatsingen
            .iter()
            .any(|p| !p.ambulant && p.einde.is_none())
    })
}

/// Whether a doorplaatsing went into an ambulant facility that was already running
/// (the write side's `AL_GEPLAATST` on a doorplaatsing into an ambulant `naar`):
/// difference 7 of the top comment.
fn door_naar_lopend_ambulant(b: &Beide) -> bool {
    b.schrijfkant.schendingen.iter().any(|s| {
        matches!(s.soort, SchendingSoort::AlGeplaatst { .. })
            && b.effectief.iter().any(|(n, g)| {
                id(*n) == s.event
                    && matches!(g, Gebeurtenis::Doorgeplaatst(d) if vorm(&d.naar) == Some(Vorm::Ambulant))
            })
    })
}

/// Outside the domain where the two derivations are meant to agree.
fn buiten_domein(b: &Beide) -> bool {
    niet_geplaatst_naast_residentieel(b) || door_naar_lopend_ambulant(b)
}

const DAGEN: u8 = 8;

fn plaatsingsfeit() -> impl Strategy<Value = Feit> + Clone {
    let vz = 0..VZ.len();
    prop_oneof![
        3 => (vz.clone(), 0..DAGEN).prop_map(|(v, d)| Feit::Start(v, d)),
        2 => (vz.clone(), vz.clone(), 0..DAGEN).prop_map(|(a, b, d)| Feit::Door(a, b, d)),
        3 => (proptest::option::of(vz), 0..DAGEN).prop_map(|(v, d)| Feit::Eind(v, d)),
    ]
}

fn opgenomen(feit: impl Strategy<Value = Feit> + Clone) -> impl Strategy<Value = Opgenomen> {
    (
        feit.clone(),
        proptest::option::weighted(0.15, feit),
        proptest::bool::weighted(0.1),
    )
        .prop_map(|(origineel, correctie, ingetrokken)| Opgenomen {
            origineel,
            correctie,
            ingetrokken,
        })
}

/// Authorisations as the write side accepts them: distinct ids, at most one end each,
/// not before `geldig_van`; the end may come before the registration in the log.
fn machtigingen() -> impl Strategy<Value = Vec<Opgenomen>> {
    proptest::collection::vec(
        (
            0..SOORTEN.len(),
            0..DAGEN,
            0..DAGEN,
            proptest::option::of(0..DAGEN),
        ),
        0..=MACHTIGINGEN.len(),
    )
    .prop_map(|ms| {
        let mut uit = Vec::new();
        for (k, (s, van, duur, einde)) in ms.into_iter().enumerate() {
            uit.push(Opgenomen {
                origineel: Feit::Machtiging(k, s, van, duur),
                correctie: None,
                ingetrokken: false,
            });
            if let Some(e) = einde {
                uit.push(Opgenomen {
                    origineel: Feit::MachtigingEind(k, van.saturating_add(e)),
                    correctie: None,
                    ingetrokken: false,
                });
            }
        }
        uit
    })
}

fn historie() -> impl Strategy<Value = Vec<Opgenomen>> {
    (
        proptest::collection::vec(opgenomen(plaatsingsfeit()), 0..12),
        machtigingen(),
        any::<proptest::sample::Index>(),
    )
        .prop_map(|(mut p, m, i)| {
            // Authorisations at some place in the log, in order.
            let at = i.index(p.len() + 1);
            p.splice(at..at, m);
            p
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 3000,
        max_global_rejects: 100_000,
        ..ProptestConfig::default()
    })]

    /// Both derivations give the same placement intervals (facility, start, end) and the
    /// same authorisation validity, on histories in the agreeing domain.
    #[test]
    fn plaatsingen_gelijk(h in historie()) {
        let b = leid_beide_af(&h);
        prop_assume!(!buiten_domein(&b));
        prop_assert_eq!(intervallen_schrijfkant(&b), intervallen_projectie(&b));
        prop_assert_eq!(machtigingen_schrijfkant(&b), machtigingen_projectie(&b));
    }
}

fn los(feiten: &[Feit]) -> Vec<Opgenomen> {
    feiten
        .iter()
        .map(|f| Opgenomen {
            origineel: f.clone(),
            correctie: None,
            ingetrokken: false,
        })
        .collect()
}

fn iv(vz: &str, start: u8, eind: Option<u8>) -> Interval {
    (vz.to_owned(), datum(start), eind.map(datum))
}

/// Difference 1 (not on purpose): an end naming a facility that is not running, while a
/// residential stay elsewhere runs. The write side ignores it (and would reject it as a
/// new fact, `NIET_GEPLAATST`); the projection ends the running residential stay.
#[test]
fn eind_van_niet_lopende_voorziening() {
    let b = leid_beide_af(&los(&[Feit::Start(0, 1), Feit::Eind(Some(1), 3)]));
    assert_eq!(intervallen_schrijfkant(&b), vec![iv("groep", 1, None)]);
    assert_eq!(intervallen_projectie(&b), vec![iv("groep", 1, Some(3))]);
    // Also when the named facility is ambulant and not running.
    let b = leid_beide_af(&los(&[Feit::Start(0, 1), Feit::Eind(Some(2), 3)]));
    assert_eq!(intervallen_schrijfkant(&b), vec![iv("groep", 1, None)]);
    assert_eq!(intervallen_projectie(&b), vec![iv("groep", 1, Some(3))]);
}

/// Difference 2 (not on purpose): a doorplaatsing from a facility that is not running,
/// into an ambulant one, while a residential stay runs. The write side keeps the
/// residential stay; the projection ends it. Into a residential facility both end it.
#[test]
fn doorplaatsing_van_niet_lopende_voorziening() {
    let b = leid_beide_af(&los(&[Feit::Start(0, 1), Feit::Door(1, 2, 3)]));
    assert_eq!(
        intervallen_schrijfkant(&b),
        vec![iv("amb1", 3, None), iv("groep", 1, None)]
    );
    assert_eq!(
        intervallen_projectie(&b),
        vec![iv("amb1", 3, None), iv("groep", 1, Some(3))]
    );
    // Into a residential facility: same intervals on both sides.
    let b = leid_beide_af(&los(&[Feit::Start(0, 1), Feit::Door(2, 1, 3)]));
    assert_eq!(intervallen_schrijfkant(&b), intervallen_projectie(&b));
    assert_eq!(
        intervallen_schrijfkant(&b),
        vec![iv("groep", 1, Some(3)), iv("pleeg", 3, None)]
    );
    // ... but the write side starts a new episode, the projection continues groep's.
    assert!(
        b.schrijfkant
            .plaatsingen
            .iter()
            .all(|p| p.episode_start == p.start)
    );
    assert_eq!(b.projectie.feiten.episodes.len(), 1);
}

/// Difference 7 (not on purpose): a doorplaatsing into an ambulant facility that is
/// already running. The write side closes the running stay there (`AL_GEPLAATST`, as for
/// a start); the projection keeps it and opens a second stay in the same facility, so
/// the youth runs twice in it.
#[test]
fn doorplaatsing_naar_lopend_ambulant() {
    let b = leid_beide_af(&los(&[
        Feit::Start(2, 1),
        Feit::Start(0, 1),
        Feit::Door(0, 2, 3),
    ]));
    assert_eq!(
        intervallen_schrijfkant(&b),
        vec![
            iv("amb1", 1, Some(3)),
            iv("amb1", 3, None),
            iv("groep", 1, Some(3))
        ]
    );
    assert_eq!(
        intervallen_projectie(&b),
        vec![
            iv("amb1", 1, None),
            iv("amb1", 3, None),
            iv("groep", 1, Some(3))
        ]
    );
}

/// Difference 4 (not on purpose): one authorisation id registered twice. The write side
/// keeps the first (`MACHTIGING_AL_AFGEGEVEN` for the second); the projection keeps the
/// one latest in (valid date, position) order.
#[test]
fn machtiging_twee_keer_afgegeven() {
    let b = leid_beide_af(&los(&[
        Feit::Machtiging(0, 0, 4, 2),
        Feit::Machtiging(0, 1, 1, 1),
    ]));
    assert_eq!(
        machtigingen_schrijfkant(&b),
        vec![(basis::MGJ, dag(datum(4)), dag(datum(7)))]
    );
    assert_eq!(
        machtigingen_projectie(&b),
        vec![(basis::MGJ, dag(datum(4)), dag(datum(7)))],
        "latest in valid-time order is the first recorded here"
    );
    let b = leid_beide_af(&los(&[
        Feit::Machtiging(0, 0, 1, 2),
        Feit::Machtiging(0, 1, 4, 1),
    ]));
    assert_eq!(
        machtigingen_schrijfkant(&b),
        vec![(basis::MGJ, dag(datum(1)), dag(datum(4)))]
    );
    assert_eq!(
        machtigingen_projectie(&b),
        vec![(basis::SPOED, dag(datum(4)), dag(datum(6)))]
    );
}

/// Difference 5 (not on purpose): authorisation ends. An end before `geldig_van` is
/// ignored by the write side (`EINDE_VOOR_START`) and empties the authorisation in the
/// projection; of two ends the write side applies the first recorded
/// (`MACHTIGING_AL_BEEINDIGD` for the second), the projection the earliest date.
#[test]
fn machtiging_einde_voor_start_en_twee_einden() {
    let b = leid_beide_af(&los(&[
        Feit::Machtiging(0, 0, 3, 4),
        Feit::MachtigingEind(0, 1),
    ]));
    assert_eq!(
        machtigingen_schrijfkant(&b),
        vec![(basis::MGJ, dag(datum(3)), dag(datum(8)))]
    );
    assert_eq!(machtigingen_projectie(&b), vec![(basis::MGJ, 0, 0)]);

    let b = leid_beide_af(&los(&[
        Feit::Machtiging(0, 0, 1, 6),
        Feit::MachtigingEind(0, 6),
        Feit::MachtigingEind(0, 3),
    ]));
    assert_eq!(
        machtigingen_schrijfkant(&b),
        vec![(basis::MGJ, dag(datum(1)), dag(datum(6)))]
    );
    assert_eq!(
        machtigingen_projectie(&b),
        vec![(basis::MGJ, dag(datum(1)), dag(datum(3)))]
    );
}

/// Corrections and retractions are resolved before derivation on both sides: a
/// correction keeps its original's position, a retracted fact is left out.
#[test]
fn correcties_voor_afleiding() {
    let h = vec![
        Opgenomen {
            origineel: Feit::Start(0, 5),
            correctie: Some(Feit::Start(0, 2)),
            ingetrokken: false,
        },
        Opgenomen {
            origineel: Feit::Eind(None, 4),
            correctie: None,
            ingetrokken: true,
        },
        Opgenomen {
            origineel: Feit::Start(1, 2),
            correctie: None,
            ingetrokken: false,
        },
    ];
    let b = leid_beide_af(&h);
    // Same day: the start recorded first (position 0, kept by its correction) runs first
    // and is closed on that day by the second: a zero-day placement on both sides.
    let verwacht = vec![iv("groep", 2, Some(2)), iv("pleeg", 2, None)];
    assert_eq!(intervallen_schrijfkant(&b), verwacht);
    assert_eq!(intervallen_projectie(&b), verwacht);
}
