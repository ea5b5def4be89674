//! Unit tests of every rule: accept and reject paths, each signal, late data,
//! corrections and retractions, and the worked example of KPIS.md.
//!
//! One file of ~2,200 lines on purpose: every case uses the test world and the fact
//! constructors at its top, and the sections follow the rule table of `rules/mod.rs`.

use std::collections::BTreeSet;

use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::*;
use crate::catalogue::*;
use crate::referentie::zuid_west_gebeurtenissen;
use crate::types::*;

/// The need side's rules, with this world and these constructors.
#[path = "tests_vraag.rs"]
mod vraag;

/// The rules of contracts, agreements, budgets and measures, with this world.
#[path = "tests_contract.rs"]
mod contract;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("test date must be YYYY-MM-DD")
}

/// A test world: checks facts, then records them as the store would.
struct Wereld {
    staat: DomainState,
    positie: i64,
    log: Vec<(RecordedEvent, Gebeurtenis)>,
}

impl Wereld {
    fn leeg() -> Self {
        Wereld {
            staat: DomainState::new(),
            positie: 0,
            log: Vec::new(),
        }
    }

    /// Reference data, provider A1, facilities F1 (GROEP, GESLOTEN, 10 places from
    /// 2024-01-01), F2 (KLEINSCHALIG, OPEN, 4 places), AMB (AMBULANT, 5 slots),
    /// AMB2 (AMBULANT, 5 slots), all registered 2023-12-01.
    fn nieuw() -> Self {
        let mut w = Wereld::leeg();
        for g in zuid_west_gebeurtenissen() {
            w.neem(&g);
        }
        w.neem(&aanbieder("A1"));
        w.neem(&voorziening("F1", Vorm::Groep, Regime::Gesloten));
        w.neem(&voorziening("F2", Vorm::Kleinschalig, Regime::Open));
        w.neem(&voorziening("AMB", Vorm::Ambulant, Regime::Open));
        w.neem(&voorziening("AMB2", Vorm::Ambulant, Regime::Open));
        w.neem(&open("F1", "2024-01-01", 10));
        w.neem(&open("F2", "2024-01-01", 4));
        w.neem(&open("AMB", "2024-01-01", 5));
        w.neem(&open("AMB2", "2024-01-01", 5));
        w
    }

    fn stream_van(feit: &Gebeurtenis) -> String {
        feit.natural_stream()
            .expect("landscape facts have a natural stream")
    }

    fn check_in(&self, stream: &str, feit: &Gebeurtenis) -> Result<Vec<Signaal>, Afwijzing> {
        self.staat.check(stream, feit)
    }

    /// Records a fact without checking it (history recorded before a rule existed).
    fn forceer_in(&mut self, stream: &str, feit: &Gebeurtenis) -> Uuid {
        self.positie += 1;
        let event = RecordedEvent {
            position: self.positie,
            stream: stream.to_owned(),
            stream_version: self.positie,
            event_id: Uuid::now_v7(),
            event_type: feit.event_type().to_owned(),
            schema_version: feit.schema_version(),
            payload: feit.payload_json(),
            valid_date: feit.valid_date(),
            recorded_at: Utc::now(),
            recorded_by: "test".into(),
            source: "test".into(),
            correlation_id: None,
            causation_id: None,
            idempotency_key: None,
            prev_hash: [0; 32],
            hash: [0; 32],
        };
        self.staat.apply(&event, feit);
        let id = event.event_id;
        self.log.push((event, feit.clone()));
        id
    }

    /// Checks and records; panics with the rejection when refused.
    fn neem_in(&mut self, stream: &str, feit: &Gebeurtenis) -> (Uuid, Vec<Signaal>) {
        match self.check_in(stream, feit) {
            Ok(signalen) => (self.forceer_in(stream, feit), signalen),
            Err(a) => panic!(
                "{} in {stream} rejected: {} {}",
                feit.event_type(),
                a.code.code(),
                a.melding
            ),
        }
    }

    fn neem(&mut self, feit: &Gebeurtenis) -> Uuid {
        let stream = Self::stream_van(feit);
        self.neem_in(&stream, feit).0
    }

    fn check(&self, feit: &Gebeurtenis) -> Result<Vec<Signaal>, Afwijzing> {
        self.check_in(&Self::stream_van(feit), feit)
    }

    /// Registers youth `p` (born 2008, Rotterdam).
    fn jeugdige(&mut self, p: &str) {
        self.neem(&jeugdige_reg(p, 2008, "GM0599", "2023-06-01"));
    }

    /// A youth fact: checks and records, returning id and signals.
    fn j(&mut self, p: &str, feit: &Gebeurtenis) -> (Uuid, Vec<Signaal>) {
        self.neem_in(&jeugdige_stream(p), feit)
    }

    fn jcheck(&self, p: &str, feit: &Gebeurtenis) -> Result<Vec<Signaal>, Afwijzing> {
        self.check_in(&jeugdige_stream(p), feit)
    }

    /// Codes of the signals of an accepted youth fact (panics when rejected).
    fn jcodes(&self, p: &str, feit: &Gebeurtenis) -> Vec<&'static str> {
        match self.jcheck(p, feit) {
            Ok(signalen) => codes(&signalen),
            Err(a) => panic!("{} rejected: {a:?}", feit.event_type()),
        }
    }

    /// Code of the rejection of a youth fact (panics when accepted).
    fn jweiger(&self, p: &str, feit: &Gebeurtenis) -> AfwijzingCode {
        match self.jcheck(p, feit) {
            Err(a) => {
                assert!(!a.melding.is_empty());
                assert!(
                    !a.melding.contains(p) || p.len() < 3,
                    "message names the pseudonym: {}",
                    a.melding
                );
                a.code
            }
            Ok(s) => panic!(
                "{} accepted with {s:?}, expected a rejection",
                feit.event_type()
            ),
        }
    }

    /// Each youth fact is rejected with its code (checked on their own, in order).
    fn rejects_youth_facts<const N: usize>(
        &self,
        p: &str,
        cases: [(Gebeurtenis, AfwijzingCode); N],
    ) {
        for (feit, code) in &cases {
            assert_eq!(self.jweiger(p, feit), *code, "{feit:?}");
        }
    }

    /// Each fact is rejected with its code (checked on their own, in order).
    fn rejects_facts<const N: usize>(&self, cases: [(Gebeurtenis, AfwijzingCode); N]) {
        for (feit, code) in &cases {
            assert_eq!(self.weiger(feit), *code, "{feit:?}");
        }
    }

    fn weiger(&self, feit: &Gebeurtenis) -> AfwijzingCode {
        match self.check(feit) {
            Err(a) => {
                assert!(!a.melding.is_empty());
                a.code
            }
            Ok(s) => panic!(
                "{} accepted with {s:?}, expected a rejection",
                feit.event_type()
            ),
        }
    }
}

fn codes(signalen: &[Signaal]) -> Vec<&'static str> {
    signalen.iter().map(Signaal::code).collect()
}

// ------------------------------------------------------------------ constructors

fn aanbieder(id: &str) -> Gebeurtenis {
    AanbiederGeregistreerd {
        id: id.into(),
        naam: format!("Aanbieder {id}"),
    }
    .into()
}

fn voorziening(id: &str, vorm: Vorm, regime: Regime) -> Gebeurtenis {
    voorziening_in(id, vorm, regime, "GM0599", "2023-12-01")
}

fn voorziening_in(
    id: &str,
    vorm: Vorm,
    regime: Regime,
    gemeente: &str,
    datum: &str,
) -> Gebeurtenis {
    VoorzieningGeregistreerd {
        id: id.into(),
        aanbieder: "A1".into(),
        naam: format!("Locatie {id}"),
        gemeente: gemeente.into(),
        vorm,
        regime,
        datum: d(datum),
    }
    .into()
}

fn open(f: &str, datum: &str, aantal: u32) -> Gebeurtenis {
    PlaatsenGeopend {
        voorziening: f.into(),
        datum: d(datum),
        aantal,
    }
    .into()
}

fn sluit(f: &str, datum: &str, aantal: u32) -> Gebeurtenis {
    PlaatsenGesloten {
        voorziening: f.into(),
        datum: d(datum),
        aantal,
        reden: "afbouw".into(),
    }
    .into()
}

fn ombouw(van: &str, naar: &str, datum: &str, uit: u32, in_: u32) -> Gebeurtenis {
    PlaatsenOmgebouwd {
        van: van.into(),
        naar: naar.into(),
        datum: d(datum),
        aantal_uit: uit,
        aantal_in: in_,
        reden: "ombouw".into(),
    }
    .into()
}

fn sluiting(f: &str, datum: &str) -> Gebeurtenis {
    VoorzieningGesloten {
        voorziening: f.into(),
        datum: d(datum),
        reden: "sluiting".into(),
    }
    .into()
}

fn jeugdige_reg(p: &str, geboortejaar: u16, gemeente: &str, datum: &str) -> Gebeurtenis {
    JeugdigeGeregistreerd {
        pseudoniem: p.into(),
        geboortejaar,
        geslacht: Geslacht::Onbekend,
        woongemeente: gemeente.into(),
        datum: d(datum),
    }
    .into()
}

fn start(f: &str, datum: &str) -> Gebeurtenis {
    PlaatsingGestart {
        voorziening: f.into(),
        datum: d(datum),
        spoed: false,
        crisis: false,
        verblijf_voor: Verblijfplaats::Thuis,
        verzoek: None,
        overbrugging: false,
    }
    .into()
}

fn einde(f: Option<&str>, datum: &str) -> Gebeurtenis {
    PlaatsingBeeindigd {
        voorziening: f.map(str::to_owned),
        datum: d(datum),
        bestemming: Verblijfplaats::Thuis,
        reden: "volgens plan".into(),
        reden_beeindiging: Some(RedenBeeindiging::VolgensPlan),
    }
    .into()
}

fn door(van: &str, naar: &str, datum: &str, tegen_wens: bool) -> Gebeurtenis {
    Doorgeplaatst {
        van: van.into(),
        naar: naar.into(),
        datum: d(datum),
        reden: "passender plek".into(),
        tegen_wens_jeugdige: tegen_wens,
        tegen_wens_aanbieder: false,
        verzoek: None,
        overbrugging: false,
    }
    .into()
}

fn machtiging(id: &str, soort: MachtigingSoort, van: &str, tot: &str) -> Gebeurtenis {
    MachtigingAfgegeven {
        machtiging: id.into(),
        soort,
        geldig_van: d(van),
        geldig_tot: d(tot),
        aangevraagd_door: "JB West".into(),
    }
    .into()
}

fn mgj(id: &str, van: &str, tot: &str) -> Gebeurtenis {
    machtiging(id, MachtigingSoort::Mgj, van, tot)
}

fn spoedmachtiging(id: &str, van: &str, tot: &str) -> Gebeurtenis {
    machtiging(id, MachtigingSoort::Spoedmachtiging, van, tot)
}

fn voorwaardelijke_machtiging(id: &str, van: &str, tot: &str) -> Gebeurtenis {
    machtiging(id, MachtigingSoort::VoorwaardelijkeMachtiging, van, tot)
}

fn machtiging_einde(id: &str, datum: &str) -> Gebeurtenis {
    MachtigingBeeindigd {
        machtiging: id.into(),
        datum: d(datum),
        reden: "opgeheven".into(),
    }
    .into()
}

fn correctie(vervangt: Uuid, nieuw: Gebeurtenis) -> Gebeurtenis {
    FeitGecorrigeerd {
        vervangt,
        nieuw: Box::new(nieuw),
        reden: "verkeerd ingevoerd".into(),
    }
    .into()
}

fn intrekking(event_id: Uuid) -> Gebeurtenis {
    FeitIngetrokken {
        event_id,
        reden: "ten onrechte vastgelegd".into(),
    }
    .into()
}

// ------------------------------------------------------------------ codes

#[test]
fn codes_are_unique_and_screaming_snake_case() {
    let mut seen = BTreeSet::new();
    for c in AfwijzingCode::ALL {
        let code = c.code();
        assert!(seen.insert(code), "duplicate code {code}");
        assert!(code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'));
    }
    let mut seen = BTreeSet::new();
    for code in Signaal::CODES {
        assert!(seen.insert(code), "duplicate signal code {code}");
    }
}

#[test]
fn signal_serialises_with_its_code_as_tag_and_round_trips() {
    let s = Signaal::Overbezetting {
        voorziening: "F1".into(),
        datum: d("2024-02-01"),
        bezetting: 11,
        plaatsen: 10,
    };
    let json = serde_json::to_value(&s).expect("signal serialises");
    assert_eq!(json["code"], "OVERBEZETTING");
    let back: Signaal = serde_json::from_value(json).expect("signal deserialises");
    assert_eq!(back, s);
    assert!(s.melding().contains("01-02-2024"));
    assert!(Signaal::CODES.contains(&s.code()));
}

#[test]
fn every_signal_serialises_its_code_and_has_a_dutch_message() {
    let dag = d("2024-03-01");
    let alle = [
        Signaal::Overbezetting {
            voorziening: "F1".into(),
            datum: dag,
            bezetting: 3,
            plaatsen: 2,
        },
        Signaal::GeslotenZonderMachtiging {
            voorziening: "F1".into(),
            datum: dag,
        },
        Signaal::SpoedmachtigingTeLang {
            machtiging: "S".into(),
            dagen: 29,
        },
        Signaal::MgjTeLang {
            machtiging: "M".into(),
            dagen: 367,
        },
        Signaal::Doorplaatsing {
            van: "F1".into(),
            naar: "F2".into(),
            datum: dag,
            tegen_wens_jeugdige: false,
            tegen_wens_aanbieder: true,
        },
        Signaal::VoorzieningGeslotenMetLopendePlaatsingen {
            voorziening: "F1".into(),
            datum: dag,
            lopend: 2,
        },
        Signaal::OnbekendeGemeente {
            gemeente: "GM0363".into(),
        },
        Signaal::EindeOntbreekt {
            voorziening: "F1".into(),
            start: dag,
            volgende_start: dag,
        },
        Signaal::NietPassendGeplaatst {
            verzoek: "V1".into(),
            voorziening: "F2".into(),
            datum: dag,
        },
        Signaal::WachttijdOverschreden {
            verzoek: "V1".into(),
            urgentie: Urgentie::Spoed,
            dagen: 8,
            norm: 7,
        },
        Signaal::TerugkeerOntbreekt {
            start: dag,
            volgende_start: dag,
        },
        Signaal::ContractOntbreekt {
            voorziening: "F1".into(),
            aanbieder: "A1".into(),
            datum: dag,
        },
        Signaal::MaatregelInOpenVoorziening {
            maatregel: "M1".into(),
            voorziening: "F2".into(),
            datum: dag,
        },
    ];
    assert_eq!(alle.len(), Signaal::CODES.len());
    for (s, code) in alle.iter().zip(Signaal::CODES) {
        assert_eq!(s.code(), code);
        let json = serde_json::to_value(s).expect("serialises");
        assert_eq!(json["code"], code);
        assert!(!s.melding().is_empty());
    }
}

#[test]
fn afwijzing_displays_its_message() {
    let a = Afwijzing::new(AfwijzingCode::NietGeplaatst, "niet geplaatst");
    assert_eq!(a.to_string(), "niet geplaatst");
    assert_eq!(a.code.to_string(), "NIET_GEPLAATST");
}

// ------------------------------------------------------------------ master data

#[test]
fn reference_data_is_accepted_and_known() {
    let w = Wereld::nieuw();
    assert!(w.staat.kent_gemeente("GM0599"));
    assert!(w.staat.kent_jeugdregio("RIJNMOND"));
    assert!(w.staat.kent_landsdeel("ZUID_WEST"));
    assert!(w.staat.kent_aanbieder("A1"));
}

#[test]
fn master_data_registered_twice_is_rejected() {
    let w = Wereld::nieuw();
    let dubbel: Gebeurtenis = LandsdeelGeregistreerd {
        code: "NOORD".into(),
        naam: "Noord".into(),
    }
    .into();
    assert_eq!(w.weiger(&dubbel), AfwijzingCode::AlGeregistreerd);
    assert_eq!(w.weiger(&aanbieder("A1")), AfwijzingCode::AlGeregistreerd);
    let gemeente: Gebeurtenis = GemeenteGeregistreerd {
        code: "GM0599".into(),
        naam: "Rotterdam".into(),
        jeugdregio: "RIJNMOND".into(),
    }
    .into();
    assert_eq!(w.weiger(&gemeente), AfwijzingCode::AlGeregistreerd);
}

#[test]
fn region_needs_landsdeel_and_gemeente_needs_region_and_valid_code() {
    let w = Wereld::nieuw();
    let regio: Gebeurtenis = JeugdregioGeregistreerd {
        code: "TWENTE".into(),
        naam: "Twente".into(),
        landsdeel: "OOST_NL".into(),
    }
    .into();
    assert_eq!(w.weiger(&regio), AfwijzingCode::OnbekendLandsdeel);
    let gemeente = |code: &str, regio: &str| -> Gebeurtenis {
        GemeenteGeregistreerd {
            code: code.into(),
            naam: "X".into(),
            jeugdregio: regio.into(),
        }
        .into()
    };
    w.rejects_facts([
        (
            gemeente("GM0153", "TWENTE"),
            AfwijzingCode::OnbekendeJeugdregio,
        ),
        (
            gemeente("0153", "RIJNMOND"),
            AfwijzingCode::OngeldigeGemeentecode,
        ),
        (
            gemeente("GM01534", "RIJNMOND"),
            AfwijzingCode::OngeldigeGemeentecode,
        ),
    ]);
    assert!(w.check(&gemeente("GM0153", "RIJNMOND")).is_ok());
    let leeg: Gebeurtenis = AanbiederGeregistreerd {
        id: " ".into(),
        naam: "x".into(),
    }
    .into();
    assert_eq!(
        w.check_in("aanbieder- ", &leeg).map_err(|a| a.code),
        Err(AfwijzingCode::OngeldigeSleutel)
    );
}

#[test]
fn a_fact_in_the_wrong_stream_is_rejected() {
    let w = Wereld::nieuw();
    let r = w.check_in("voorziening-F2", &open("F1", "2024-03-01", 2));
    assert_eq!(r.map_err(|a| a.code), Err(AfwijzingCode::VerkeerdeStroom));
    let r = w.check_in("voorziening-F1", &start("F1", "2024-03-01"));
    assert_eq!(r.map_err(|a| a.code), Err(AfwijzingCode::VerkeerdeStroom));
    let r = w.check_in(
        "jeugdige-B",
        &jeugdige_reg("A", 2008, "GM0599", "2024-01-01"),
    );
    assert_eq!(r.map_err(|a| a.code), Err(AfwijzingCode::VerkeerdeStroom));
}

#[test]
fn capacity_target_scope_must_be_known() {
    let w = Wereld::nieuw();
    let doel = |scope: DoelScope| -> Gebeurtenis {
        CapaciteitsdoelVastgesteld {
            scope,
            regime: Some(Regime::Gesloten),
            vorm: None,
            plaatsen: 0,
            datum: d("2030-01-01"),
        }
        .into()
    };
    assert!(w.check(&doel(DoelScope::Landelijk)).is_ok());
    assert!(
        w.check(&doel(DoelScope::Landsdeel("ZUID_WEST".into())))
            .is_ok()
    );
    w.rejects_facts([
        (
            doel(DoelScope::Landsdeel("X".into())),
            AfwijzingCode::OnbekendLandsdeel,
        ),
        (
            doel(DoelScope::Jeugdregio("X".into())),
            AfwijzingCode::OnbekendeJeugdregio,
        ),
        (
            doel(DoelScope::Aanbieder("X".into())),
            AfwijzingCode::OnbekendeAanbieder,
        ),
    ]);
}

// ------------------------------------------------------------------ facilities

#[test]
fn facility_needs_known_provider_valid_gemeente_and_is_registered_once() {
    let w = Wereld::nieuw();
    assert_eq!(
        w.weiger(&voorziening("F1", Vorm::Groep, Regime::Open)),
        AfwijzingCode::AlGeregistreerd
    );
    let mut zonder: Gebeurtenis = voorziening("F9", Vorm::Groep, Regime::Open);
    if let Gebeurtenis::VoorzieningGeregistreerd(v) = &mut zonder {
        v.aanbieder = "ONBEKEND".into();
    }
    assert_eq!(w.weiger(&zonder), AfwijzingCode::OnbekendeAanbieder);
    assert_eq!(
        w.weiger(&voorziening_in(
            "F9",
            Vorm::Groep,
            Regime::Open,
            "Rotterdam",
            "2024-01-01"
        )),
        AfwijzingCode::OngeldigeGemeentecode
    );
}

#[test]
fn unknown_but_well_formed_gemeente_is_accepted_with_a_signal_only_when_gemeenten_are_known() {
    // An open group facility F9 in `gemeente`, from 2024-01-01.
    let groep_f9_in =
        |gemeente| voorziening_in("F9", Vorm::Groep, Regime::Open, gemeente, "2024-01-01");
    let w = Wereld::nieuw();
    let signalen = w
        .check(&groep_f9_in("GM0363"))
        .expect("well-formed code is accepted");
    assert_eq!(codes(&signalen), ["ONBEKENDE_GEMEENTE"]);
    let signalen = w.check(&groep_f9_in("GM0599")).expect("known gemeente");
    assert!(signalen.is_empty());

    let mut leeg = Wereld::leeg();
    leeg.neem(&aanbieder("A1"));
    let signalen = leeg
        .check(&groep_f9_in("GM0363"))
        .expect("accepted without any gemeenten registered");
    assert!(signalen.is_empty(), "no gemeenten known: no signal");
}

#[test]
fn capacity_facts_need_a_known_registered_open_facility_and_a_positive_count() {
    let mut w = Wereld::nieuw();
    w.rejects_facts([
        (
            open("F9", "2024-01-01", 2),
            AfwijzingCode::OnbekendeVoorziening,
        ),
        (open("F1", "2024-01-01", 0), AfwijzingCode::OngeldigAantal),
        (sluit("F1", "2024-01-01", 0), AfwijzingCode::OngeldigAantal),
        (
            open("F1", "2023-11-30", 2),
            AfwijzingCode::VoorzieningNogNietGeregistreerd,
        ),
    ]);
    assert!(
        w.check(&open("F1", "2023-12-01", 2)).is_ok(),
        "on the registration date"
    );
    w.neem(&sluiting("F2", "2024-06-01"));
    assert!(
        w.check(&sluit("F2", "2024-06-01", 4)).is_ok(),
        "the last afbouw may fall on the closing date"
    );
    assert_eq!(
        w.weiger(&open("F2", "2024-06-02", 2)),
        AfwijzingCode::VoorzieningGesloten
    );
}

#[test]
fn afbouw_of_more_places_than_the_facility_has_is_rejected() {
    let mut w = Wereld::nieuw();
    assert_eq!(w.staat.capacity("F1", d("2024-02-01")), 10);
    let a = w
        .check(&sluit("F1", "2024-02-15", 11))
        .expect_err("11 of 10");
    assert_eq!(a.code, AfwijzingCode::TeVeelPlaatsenGesloten);
    assert!(
        a.melding.contains("15-02-2024") && a.melding.contains("10 plaatsen"),
        "{}",
        a.melding
    );
    assert_eq!(
        w.weiger(&sluit("F1", "2023-12-31", 1)),
        AfwijzingCode::TeVeelPlaatsenGesloten
    );
    w.neem(&sluit("F1", "2024-02-15", 10));
    assert_eq!(w.staat.capacity("F1", d("2024-02-15")), 0);
    assert_eq!(w.staat.capacity("F1", d("2024-02-14")), 10);
}

#[test]
fn late_afbouw_is_checked_against_later_dates_too() {
    let mut w = Wereld::nieuw();
    w.neem(&sluit("F1", "2024-06-01", 8));
    // 10 places on 2024-03-01, but closing 5 then leaves −3 from 2024-06-01 on.
    let a = w
        .check(&sluit("F1", "2024-03-01", 5))
        .expect_err("later capacity negative");
    assert_eq!(a.code, AfwijzingCode::TeVeelPlaatsenGesloten);
    assert!(a.melding.contains("01-06-2024"), "{}", a.melding);
    assert!(w.check(&sluit("F1", "2024-03-01", 2)).is_ok());
}

#[test]
fn ombouw_counts_on_both_sides_and_cannot_convert_more_than_there_are() {
    let mut w = Wereld::nieuw();
    w.rejects_facts([
        (
            ombouw("F1", "F1", "2024-03-01", 4, 4),
            AfwijzingCode::ZelfdeVoorziening,
        ),
        (
            ombouw("F1", "F2", "2024-03-01", 11, 4),
            AfwijzingCode::TeVeelPlaatsenGesloten,
        ),
        (
            ombouw("F1", "F2", "2024-03-01", 0, 4),
            AfwijzingCode::OngeldigAantal,
        ),
        (
            ombouw("F1", "F9", "2024-03-01", 4, 4),
            AfwijzingCode::OnbekendeVoorziening,
        ),
    ]);
    let stream = voorziening_stream("F1");
    w.neem_in(&stream, &ombouw("F1", "F2", "2024-03-01", 8, 4));
    assert_eq!(w.staat.capacity("F1", d("2024-03-01")), 2);
    assert_eq!(w.staat.capacity("F2", d("2024-03-01")), 8);
    assert_eq!(w.staat.capacity("F2", d("2024-02-29")), 4);
}

#[test]
fn afbouw_below_occupancy_is_accepted_with_overbezetting() {
    let mut w = Wereld::nieuw();
    for p in ["P1", "P2", "P3"] {
        w.jeugdige(p);
        w.j(p, &start("F2", "2024-02-01"));
    }
    let signalen = w.check(&sluit("F2", "2024-03-01", 2)).expect("accepted");
    assert_eq!(
        signalen,
        [Signaal::Overbezetting {
            voorziening: "F2".into(),
            datum: d("2024-03-01"),
            bezetting: 3,
            plaatsen: 2
        }]
    );
}

#[test]
fn facility_closure_rules() {
    let mut w = Wereld::nieuw();
    assert_eq!(
        w.weiger(&sluiting("F9", "2024-06-01")),
        AfwijzingCode::OnbekendeVoorziening
    );
    assert_eq!(
        w.weiger(&sluiting("F2", "2023-11-01")),
        AfwijzingCode::VoorzieningNogNietGeregistreerd
    );
    w.jeugdige("A");
    w.j("A", &start("F2", "2024-02-01"));
    let signalen = w.check(&sluiting("F2", "2024-06-01")).expect("accepted");
    assert_eq!(
        signalen,
        [Signaal::VoorzieningGeslotenMetLopendePlaatsingen {
            voorziening: "F2".into(),
            datum: d("2024-06-01"),
            lopend: 1
        }]
    );
    assert_eq!(
        w.weiger(&sluiting("F2", "2024-01-15")),
        AfwijzingCode::FeitenNaSluiting,
        "a placement starts after that closing date"
    );
    w.neem(&sluiting("F2", "2024-06-01"));
    assert_eq!(
        w.weiger(&sluiting("F2", "2024-07-01")),
        AfwijzingCode::VoorzieningAlGesloten
    );
    assert_eq!(w.staat.capacity("F2", d("2024-06-01")), 0);
    assert_eq!(w.staat.capacity("F2", d("2024-05-31")), 4);
    assert_eq!(w.staat.sluitingsdatum("F2"), Some(d("2024-06-01")));
    // No signal when nobody is there on the closing date.
    w.j("A", &einde(Some("F2"), "2024-05-01"));
    assert!(
        w.check(&sluiting("F1", "2024-06-01"))
            .expect("accepted")
            .is_empty()
    );
}

#[test]
fn closing_before_a_later_capacity_change_is_rejected_but_on_the_same_day_allowed() {
    let mut w = Wereld::nieuw();
    w.neem(&sluit("F1", "2024-06-01", 10));
    assert!(w.check(&sluiting("F1", "2024-06-01")).is_ok());
    assert_eq!(
        w.weiger(&sluiting("F1", "2024-05-01")),
        AfwijzingCode::FeitenNaSluiting
    );
}

// ------------------------------------------------------------------ youths

#[test]
fn youth_facts_need_a_registered_youth() {
    let w = Wereld::nieuw();
    assert_eq!(
        w.jweiger("X1", &start("F2", "2024-02-01")),
        AfwijzingCode::OnbekendeJeugdige
    );
    assert_eq!(
        w.jweiger("X1", &mgj("M1", "2024-01-01", "2024-06-30")),
        AfwijzingCode::OnbekendeJeugdige
    );
}

/// The check refused with `BSN_VERBODEN` and its message does not repeat `bsn`.
fn refused_as_bsn(result: Result<Vec<Signaal>, Afwijzing>, bsn: &str, what: &str) {
    let a = result.err();
    assert_eq!(
        a.as_ref().map(|a| a.code),
        Some(AfwijzingCode::BsnVerboden),
        "{what}"
    );
    assert!(a.is_some_and(|a| !a.melding.contains(bsn)), "{what}");
}

/// Issue 20: no BSN-like value, NUL or oversized string gets past `check`, in a pseudonym,
/// a stream name or free text, and no message repeats the value.
#[test]
fn bsns_nul_bytes_and_oversized_strings_are_refused_by_every_check() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    w.j("A", &start("F1", "2024-02-01"));
    for bsn in ["999999990", "111222333", "123456782"] {
        for pseudoniem in [
            format!("BSN{bsn}"),
            format!("0{bsn}"),
            format!("jeugdige{bsn}"),
            format!("{}.{}.{}", &bsn[..4], &bsn[4..6], &bsn[6..]),
        ] {
            let reg = jeugdige_reg(&pseudoniem, 2008, "GM0599", "2024-01-01");
            refused_as_bsn(w.check(&reg), bsn, &pseudoniem);
            // A youth fact in such a stream (the stream name is the only place it is).
            refused_as_bsn(
                w.jcheck(&pseudoniem, &start("F1", "2024-02-01")),
                bsn,
                &pseudoniem,
            );
        }
        let mut e = einde(Some("F1"), "2024-03-01");
        if let Gebeurtenis::PlaatsingBeeindigd(p) = &mut e {
            p.reden = format!("terug naar huis (bsn {bsn})");
        }
        refused_as_bsn(w.jcheck("A", &e), bsn, "reden");
    }
    // NUL, control characters and lengths.
    let lang = "p".repeat(100 * 1024);
    assert_eq!(
        w.weiger(&jeugdige_reg(&lang, 2008, "GM0599", "2024-01-01")),
        AfwijzingCode::TeLang,
        "a 100 KB pseudonym"
    );
    assert_eq!(
        w.weiger(&jeugdige_reg("p\0q", 2008, "GM0599", "2024-01-01")),
        AfwijzingCode::OngeldigTeken
    );
    let mut e = einde(Some("F1"), "2024-03-01");
    if let Gebeurtenis::PlaatsingBeeindigd(p) = &mut e {
        p.reden = "a\0b".into();
    }
    assert_eq!(w.jweiger("A", &e), AfwijzingCode::OngeldigTeken);
    if let Gebeurtenis::PlaatsingBeeindigd(p) = &mut e {
        p.reden = "x".repeat(MAX_TEXT + 1);
    }
    assert_eq!(w.jweiger("A", &e), AfwijzingCode::TeLang);
    if let Gebeurtenis::PlaatsingBeeindigd(p) = &mut e {
        p.reden = "x".repeat(MAX_TEXT);
    }
    assert!(
        w.jcheck("A", &e).is_ok(),
        "free text up to the limit is fine"
    );
}

#[test]
fn youth_registration_rules() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    assert_eq!(
        w.weiger(&jeugdige_reg("A", 2008, "GM0599", "2024-01-01")),
        AfwijzingCode::AlGeregistreerd
    );
    assert_eq!(
        w.weiger(&jeugdige_reg("999900006", 2008, "GM0599", "2024-01-01")),
        AfwijzingCode::BsnVerboden,
        "a BSN is never a pseudonym"
    );
    assert_eq!(
        w.weiger(&jeugdige_reg("999900007", 2008, "GM0599", "2024-01-01")),
        AfwijzingCode::OngeldigPseudoniem,
        "nor are 9 digits that fail the elfproef"
    );
    w.rejects_facts([
        (
            jeugdige_reg("a b", 2008, "GM0599", "2024-01-01"),
            AfwijzingCode::OngeldigPseudoniem,
        ),
        (
            jeugdige_reg("B", 2025, "GM0599", "2024-01-01"),
            AfwijzingCode::GeboortejaarBuitenBereik,
        ),
        (
            jeugdige_reg("B", 1990, "GM0599", "2024-01-01"),
            AfwijzingCode::GeboortejaarBuitenBereik,
        ),
    ]);
    assert!(
        w.check(&jeugdige_reg("B", 2000, "GM0599", "2024-01-01"))
            .is_ok()
    );
    assert!(
        w.check(&jeugdige_reg("B", 2024, "GM0599", "2024-01-01"))
            .is_ok()
    );
    assert_eq!(
        w.weiger(&jeugdige_reg("B", 2008, "0599", "2024-01-01")),
        AfwijzingCode::OngeldigeGemeentecode
    );
    let signalen = w
        .check(&jeugdige_reg("B", 2008, "GM0363", "2024-01-01"))
        .expect("accepted");
    assert_eq!(codes(&signalen), ["ONBEKENDE_GEMEENTE"]);
    assert!(w.staat.is_jeugdige_geregistreerd("A"));
}

#[test]
fn woongemeente_change_checks_the_code() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    let verhuis = |code: &str| -> Gebeurtenis {
        WoongemeenteGewijzigd {
            woongemeente: code.into(),
            datum: d("2024-04-01"),
        }
        .into()
    };
    assert_eq!(
        w.jweiger("A", &verhuis("Delft")),
        AfwijzingCode::OngeldigeGemeentecode
    );
    assert!(w.jcodes("A", &verhuis("GM0503")).is_empty());
    assert_eq!(w.jcodes("A", &verhuis("GM0363")), ["ONBEKENDE_GEMEENTE"]);
}

// ------------------------------------------------------------------ placements

#[test]
fn placement_needs_a_known_registered_open_facility() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    assert_eq!(
        w.jweiger("A", &start("F9", "2024-02-01")),
        AfwijzingCode::OnbekendeVoorziening
    );
    assert_eq!(
        w.jweiger("A", &start("F2", "2023-11-01")),
        AfwijzingCode::VoorzieningNogNietGeregistreerd
    );
    w.neem(&sluiting("F2", "2024-06-01"));
    assert_eq!(
        w.jweiger("A", &start("F2", "2024-06-01")),
        AfwijzingCode::VoorzieningGesloten
    );
    assert!(w.jcheck("A", &start("F2", "2024-05-31")).is_ok());
}

#[test]
fn a_second_residential_placement_while_one_runs_is_rejected() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    w.j("A", &start("F2", "2024-02-01"));
    let a = w
        .jcheck("A", &start("F1", "2024-03-01"))
        .expect_err("already placed");
    assert_eq!(a.code, AfwijzingCode::AlGeplaatst);
    assert!(
        a.melding.contains("'Locatie F2' (F2)") && a.melding.contains("01-03-2024"),
        "{}",
        a.melding
    );
    assert_eq!(
        w.jweiger("A", &start("F2", "2024-02-01")),
        AfwijzingCode::AlGeplaatst
    );
    // After the end (exclusive) a new placement may start on the end date itself.
    w.j("A", &einde(Some("F2"), "2024-03-01"));
    assert!(w.jcheck("A", &start("F1", "2024-03-01")).is_ok());
    assert!(!w.staat.is_placed("A", d("2024-03-01")));
    assert!(w.staat.is_placed("A", d("2024-02-29")));
}

#[test]
fn ambulant_runs_alongside_residential_but_not_twice_in_one_facility() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    w.j("A", &start("F2", "2024-02-01"));
    let (_, s) = w.j("A", &start("AMB", "2024-02-10"));
    assert!(s.is_empty());
    assert_eq!(
        w.jweiger("A", &start("AMB", "2024-03-01")),
        AfwijzingCode::AlGeplaatst
    );
    assert!(
        w.jcheck("A", &start("AMB2", "2024-03-01")).is_ok(),
        "another ambulant team"
    );
    // Ending the residential placement (no facility named) leaves the ambulant one running.
    w.j("A", &einde(None, "2024-04-01"));
    assert!(w.staat.is_placed("A", d("2024-04-02")));
    assert_eq!(w.staat.occupancy("AMB", d("2024-04-02")), 1);
    assert_eq!(w.staat.occupancy("F2", d("2024-04-02")), 0);
    w.j("A", &einde(Some("AMB"), "2024-05-01"));
    assert!(!w.staat.is_placed("A", d("2024-05-01")));
}

#[test]
fn end_before_or_on_the_start_is_rejected() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    w.j("A", &start("F2", "2024-03-01"));
    let a = w
        .jcheck("A", &einde(Some("F2"), "2024-02-01"))
        .expect_err("before start");
    assert_eq!(a.code, AfwijzingCode::EindeVoorStart);
    assert!(a.melding.contains("01-03-2024"), "{}", a.melding);
    assert_eq!(
        w.jweiger("A", &einde(Some("F2"), "2024-03-01")),
        AfwijzingCode::EindeVoorStart,
        "a 0-day placement"
    );
    assert_eq!(
        w.jweiger("A", &einde(None, "2024-03-01")),
        AfwijzingCode::EindeVoorStart
    );
    assert!(w.jcheck("A", &einde(Some("F2"), "2024-03-02")).is_ok());
}

#[test]
fn end_for_a_youth_who_is_not_placed_there_is_rejected() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    assert_eq!(
        w.jweiger("A", &einde(None, "2024-03-01")),
        AfwijzingCode::NietGeplaatst
    );
    w.j("A", &start("F2", "2024-02-01"));
    assert_eq!(
        w.jweiger("A", &einde(Some("F1"), "2024-03-01")),
        AfwijzingCode::NietGeplaatst
    );
    w.j("A", &einde(Some("F2"), "2024-03-01"));
    assert_eq!(
        w.jweiger("A", &einde(Some("F2"), "2024-04-01")),
        AfwijzingCode::NietGeplaatst
    );
    // A second, earlier end would orphan the recorded one.
    assert_eq!(
        w.jweiger("A", &einde(Some("F2"), "2024-02-15")),
        AfwijzingCode::AfhankelijkeFeiten
    );
}

#[test]
fn doorplaatsing_rules_and_signal() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    assert_eq!(
        w.jweiger("A", &door("F1", "F2", "2024-03-01", false)),
        AfwijzingCode::NietGeplaatst
    );
    w.j("A", &mgj("M1", "2024-01-01", "2024-12-31"));
    w.j("A", &start("F1", "2024-02-01"));
    w.rejects_youth_facts(
        "A",
        [
            (
                door("F2", "AMB", "2024-03-01", false),
                AfwijzingCode::NietGeplaatst,
            ),
            (
                door("F1", "F1", "2024-03-01", false),
                AfwijzingCode::ZelfdeVoorziening,
            ),
            (
                door("F1", "F9", "2024-03-01", false),
                AfwijzingCode::OnbekendeVoorziening,
            ),
            (
                door("F1", "F2", "2024-01-15", false),
                AfwijzingCode::EindeVoorStart,
            ),
            (
                door("F1", "F2", "2024-02-01", false),
                AfwijzingCode::EindeVoorStart,
            ),
        ],
    );
    let (_, signalen) = w.j("A", &door("F1", "F2", "2024-03-01", true));
    assert_eq!(
        signalen,
        [Signaal::Doorplaatsing {
            van: "F1".into(),
            naar: "F2".into(),
            datum: d("2024-03-01"),
            tegen_wens_jeugdige: true,
            tegen_wens_aanbieder: false
        }]
    );
    assert!(
        signalen[0]
            .melding()
            .contains("tegen de wens van de jeugdige")
    );
    assert_eq!(w.staat.occupancy("F1", d("2024-03-01")), 0);
    assert_eq!(w.staat.occupancy("F2", d("2024-03-01")), 1);
    assert_eq!(
        w.jweiger("A", &einde(Some("F1"), "2024-04-01")),
        AfwijzingCode::NietGeplaatst
    );
    assert!(w.jcheck("A", &einde(Some("F2"), "2024-04-01")).is_ok());
    let p = w.staat.plaatsingen("A");
    assert_eq!(p.len(), 2);
    assert_eq!(
        p[1].episode_start,
        d("2024-02-01"),
        "a doorplaatsing stays in the episode"
    );
}

#[test]
fn doorplaatsing_into_a_closed_facility_is_rejected() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    w.j("A", &start("F1", "2024-02-01"));
    w.neem(&sluiting("F2", "2024-03-01"));
    assert_eq!(
        w.jweiger("A", &door("F1", "F2", "2024-03-01", false)),
        AfwijzingCode::VoorzieningGesloten
    );
    // Moving youths out of a closing facility is fine.
    w.neem(&sluiting("F1", "2024-04-01"));
    let mut w2 = Wereld::nieuw();
    w2.jeugdige("A");
    w2.j("A", &start("F1", "2024-02-01"));
    w2.neem(&sluiting("F1", "2024-04-01"));
    assert!(
        w2.jcheck("A", &door("F1", "F2", "2024-04-01", false))
            .is_ok()
    );
}

// ------------------------------------------------------------------ signals

#[test]
fn overbezetting_on_the_placement_date() {
    let mut w = Wereld::nieuw();
    w.neem(&voorziening("K1", Vorm::Kleinschalig, Regime::Open));
    w.neem(&open("K1", "2024-01-01", 1));
    w.jeugdige("A");
    w.jeugdige("B");
    let (_, s) = w.j("A", &start("K1", "2024-02-01"));
    assert!(s.is_empty());
    let (_, s) = w.j("B", &start("K1", "2024-02-05"));
    assert_eq!(
        s,
        [Signaal::Overbezetting {
            voorziening: "K1".into(),
            datum: d("2024-02-05"),
            bezetting: 2,
            plaatsen: 1
        }]
    );
    assert_eq!(w.staat.occupancy("K1", d("2024-02-05")), 2);
    // A doorplaatsing into a full facility is flagged too.
    w.jeugdige("C");
    w.j("C", &start("F2", "2024-02-01"));
    let (_, s) = w.j("C", &door("F2", "K1", "2024-03-01", false));
    assert_eq!(codes(&s), ["DOORPLAATSING", "OVERBEZETTING"]);
    // No capacity opened at all yet: every placement is above capacity.
    w.neem(&voorziening("K2", Vorm::Kleinschalig, Regime::Open));
    w.jeugdige("D");
    assert_eq!(w.jcodes("D", &start("K2", "2024-03-01")), ["OVERBEZETTING"]);
}

#[test]
fn closed_placement_needs_a_valid_mgj_or_spoedmachtiging_on_the_start_date() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    let zonder = w
        .jcheck("A", &start("F1", "2024-02-01"))
        .expect("accepted with signal");
    assert_eq!(
        zonder,
        [Signaal::GeslotenZonderMachtiging {
            voorziening: "F1".into(),
            datum: d("2024-02-01")
        }]
    );
    assert!(zonder[0].melding().contains("01-02-2024"));
    assert!(w.jcodes("A", &start("F2", "2024-02-01")).is_empty());

    w.j(
        "A",
        &voorwaardelijke_machtiging("V1", "2024-01-01", "2024-06-30"),
    );
    assert_eq!(
        w.jcodes("A", &start("F1", "2024-02-01")),
        ["GESLOTEN_ZONDER_MACHTIGING"],
        "a voorwaardelijke machtiging does not allow a closed stay"
    );
    w.j("A", &mgj("M1", "2024-01-10", "2024-03-31"));
    assert!(w.jcodes("A", &start("F1", "2024-02-01")).is_empty());
    assert!(w.jcodes("A", &start("F1", "2024-01-10")).is_empty());
    assert!(w.jcodes("A", &start("F1", "2024-03-31")).is_empty());
    assert_eq!(
        w.jcodes("A", &start("F1", "2024-04-01")),
        ["GESLOTEN_ZONDER_MACHTIGING"]
    );
    assert_eq!(
        w.jcodes("A", &start("F1", "2024-01-09")),
        ["GESLOTEN_ZONDER_MACHTIGING"]
    );
    w.j("A", &machtiging_einde("M1", "2024-03-01"));
    assert_eq!(
        w.jcodes("A", &start("F1", "2024-03-01")),
        ["GESLOTEN_ZONDER_MACHTIGING"],
        "MachtigingBeeindigd.datum is the first day no longer valid"
    );
    assert!(w.jcodes("A", &start("F1", "2024-02-29")).is_empty());
}

#[test]
fn spoedmachtiging_of_28_days_is_fine_and_29_is_flagged() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    let spoed28 = spoedmachtiging("S1", "2024-01-10", "2024-02-06");
    assert!(w.jcodes("A", &spoed28).is_empty());
    let spoed29 = spoedmachtiging("S1", "2024-01-10", "2024-02-07");
    let s = w.jcheck("A", &spoed29).expect("accepted with signal");
    assert_eq!(
        s,
        [Signaal::SpoedmachtigingTeLang {
            machtiging: "S1".into(),
            dagen: 29
        }]
    );
    assert!(s[0].melding().contains("29 dagen"));
}

#[test]
fn mgj_longer_than_a_year_is_flagged() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    let jaar = mgj("M1", "2024-01-01", "2024-12-31");
    assert!(w.jcodes("A", &jaar).is_empty());
    let te_lang = mgj("M1", "2024-01-01", "2025-01-01");
    assert_eq!(w.jcodes("A", &te_lang), ["MGJ_TE_LANG"]);
}

#[test]
fn machtiging_rules() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    assert_eq!(
        w.jweiger("A", &mgj("M1", "2024-02-01", "2024-01-31")),
        AfwijzingCode::GeldigTotVoorGeldigVan
    );
    assert!(
        w.jcheck("A", &mgj("M1", "2024-02-01", "2024-02-01"))
            .is_ok()
    );
    assert_eq!(
        w.jweiger("A", &machtiging_einde("M1", "2024-03-01")),
        AfwijzingCode::OnbekendeMachtiging
    );
    w.j("A", &mgj("M1", "2024-02-01", "2024-12-31"));
    assert_eq!(
        w.jweiger("A", &mgj("M1", "2024-03-01", "2024-12-31")),
        AfwijzingCode::MachtigingAlAfgegeven
    );
    assert_eq!(
        w.jweiger("A", &machtiging_einde("M1", "2024-01-31")),
        AfwijzingCode::EindeVoorStart
    );
    w.j("A", &machtiging_einde("M1", "2024-06-01"));
    assert_eq!(
        w.jweiger("A", &machtiging_einde("M1", "2024-07-01")),
        AfwijzingCode::MachtigingAlBeeindigd
    );
    let m = w.staat.machtigingen("A");
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].beeindigd, Some(d("2024-06-01")));
}

// ------------------------------------------------------------------ late data

#[test]
fn late_placement_before_a_later_one_is_accepted_and_asks_for_its_end() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    w.j("A", &start("F2", "2024-03-01"));
    w.j("A", &einde(Some("F2"), "2024-05-01"));
    // Recorded late: an earlier placement in F1, its end not yet known.
    let s = w
        .jcheck("A", &start("AMB", "2024-01-01"))
        .expect("ambulant alongside");
    assert!(s.is_empty());
    let s = w
        .jcheck("A", &start("F1", "2024-01-15"))
        .expect("late start accepted");
    assert!(codes(&s).contains(&"EINDE_ONTBREEKT"), "{s:?}");
    assert!(codes(&s).contains(&"GESLOTEN_ZONDER_MACHTIGING"));
    w.j("A", &start("F1", "2024-01-15"));
    assert_eq!(
        w.staat.occupancy("F1", d("2024-02-29")),
        1,
        "counted until the next start"
    );
    assert_eq!(w.staat.occupancy("F1", d("2024-03-01")), 0);
    // Its end arrives later still, and fits.
    let (_, s) = w.j("A", &einde(Some("F1"), "2024-02-10"));
    assert!(s.is_empty());
    assert_eq!(w.staat.occupancy("F1", d("2024-02-10")), 0);
    let p = w.staat.plaatsingen("A");
    assert_eq!(p.len(), 2);
    assert_eq!(
        (p[0].start, p[0].einde),
        (d("2024-01-15"), Some(d("2024-02-10")))
    );
    // A late start inside a known placement is still rejected.
    assert_eq!(
        w.jweiger("A", &start("F1", "2024-04-01")),
        AfwijzingCode::AlGeplaatst
    );
    assert_eq!(
        w.jweiger("A", &start("F1", "2024-01-20")),
        AfwijzingCode::AlGeplaatst
    );
    // Another late placement in the gap is accepted the same way.
    let s = w.jcheck("A", &start("F2", "2024-02-12")).expect("accepted");
    assert_eq!(codes(&s), ["EINDE_ONTBREEKT"]);
}

#[test]
fn late_machtiging_changes_nothing_recorded_but_later_checks_see_it() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    let (_, s) = w.j("A", &start("F1", "2024-02-01"));
    assert_eq!(codes(&s), ["GESLOTEN_ZONDER_MACHTIGING"]);
    w.j("A", &mgj("M1", "2024-01-15", "2024-12-31"));
    w.j("A", &einde(Some("F1"), "2024-03-01"));
    assert!(w.jcodes("A", &start("F1", "2024-03-01")).is_empty());
}

#[test]
fn ends_and_starts_on_the_same_date_never_overlap_whatever_the_recording_order() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    w.j("A", &start("F2", "2024-02-01"));
    // History: the next start was recorded before the end of the running placement.
    w.forceer_in(&jeugdige_stream("A"), &start("AMB", "2024-01-01"));
    w.forceer_in(&jeugdige_stream("A"), &start("K", "2024-03-01"));
    let s = w
        .jcheck("A", &einde(Some("F2"), "2024-03-01"))
        .expect("end fits before the start");
    assert!(s.is_empty());
    w.j("A", &einde(Some("F2"), "2024-03-01"));
    assert_eq!(w.staat.occupancy("F2", d("2024-03-01")), 0);
    assert_eq!(w.staat.occupancy("F2", d("2024-02-29")), 1);
    assert_eq!(w.staat.occupancy("K", d("2024-03-01")), 1);
}

#[test]
fn broken_history_is_not_held_against_new_facts() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    let stream = jeugdige_stream("A");
    // Recorded before the rules: an orphan end, two overlapping starts.
    w.forceer_in(&stream, &einde(None, "2023-12-01"));
    w.forceer_in(&stream, &start("F2", "2024-01-01"));
    w.forceer_in(&stream, &start("F1", "2024-01-10"));
    assert_eq!(
        w.staat.occupancy("F2", d("2024-01-10")),
        0,
        "tolerant: the later start closes it"
    );
    assert_eq!(w.staat.occupancy("F1", d("2024-01-10")), 1);
    // New facts are judged on what they add.
    assert!(w.jcheck("A", &einde(Some("F1"), "2024-02-01")).is_ok());
    assert_eq!(
        w.jweiger("A", &start("F2", "2024-02-01")),
        AfwijzingCode::AlGeplaatst
    );
}

// ------------------------------------------------------------------ corrections

#[test]
fn correction_of_a_start_date_is_checked_as_if_it_replaced_the_original() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    let (s1, _) = w.j("A", &start("F2", "2024-02-01"));
    w.j("A", &einde(Some("F2"), "2024-04-01"));
    // Start moved past the end: rejected.
    let c = correctie(s1, start("F2", "2024-05-01"));
    let a = w.jcheck("A", &c).expect_err("start after end");
    assert_eq!(a.code, AfwijzingCode::AfhankelijkeFeiten, "{}", a.melding);
    assert!(a.melding.contains("01-04-2024"), "{}", a.melding);
    // Start moved onto the end date: a 0-day placement, rejected too.
    assert!(
        w.jcheck("A", &correctie(s1, start("F2", "2024-04-01")))
            .is_err()
    );
    // Moved earlier: accepted, and the state follows.
    let (c1, _) = w.j("A", &correctie(s1, start("F2", "2024-01-15")));
    assert!(w.staat.is_placed("A", d("2024-01-20")));
    assert_eq!(w.staat.occupancy("F2", d("2024-01-20")), 1);
    // Correcting the correction resolves to the original.
    w.j("A", &correctie(c1, start("F2", "2024-01-20")));
    assert!(!w.staat.is_placed("A", d("2024-01-19")));
    assert_eq!(w.staat.occupancy("F2", d("2024-01-19")), 0);
    assert_eq!(w.staat.plaatsingen("A").len(), 1);
    assert_eq!(w.staat.origineel_van(c1), Some(s1));
    assert_eq!(w.staat.betreft(c1), Some(s1));
    // Moving the placement to another facility orphans its end (which names F2).
    assert_eq!(
        w.jweiger("A", &correctie(s1, start("F1", "2024-01-20"))),
        AfwijzingCode::AfhankelijkeFeiten
    );
    // Without an end, the move is checked like a new placement in F1.
    w.jeugdige("B");
    let (s2, _) = w.j("B", &start("F2", "2024-01-20"));
    assert_eq!(
        w.jcodes("B", &correctie(s2, start("F1", "2024-01-20"))),
        ["GESLOTEN_ZONDER_MACHTIGING"]
    );
    assert_eq!(
        w.jweiger("B", &correctie(s2, start("F9", "2024-01-20"))),
        AfwijzingCode::OnbekendeVoorziening
    );
}

#[test]
fn correction_that_makes_a_placement_overlap_is_rejected() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    w.j("A", &start("F2", "2024-01-01"));
    let (e1, _) = w.j("A", &einde(Some("F2"), "2024-03-01"));
    w.j("A", &start("F1", "2024-04-01"));
    let a = w
        .jcheck("A", &correctie(e1, einde(Some("F2"), "2024-05-01")))
        .expect_err("overlap");
    assert_eq!(a.code, AfwijzingCode::AlGeplaatst);
    assert!(
        w.jcheck("A", &correctie(e1, einde(Some("F2"), "2024-04-01")))
            .is_ok()
    );
}

#[test]
fn correction_meta_rules() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    w.jeugdige("B");
    let (s1, _) = w.j("A", &start("F2", "2024-02-01"));
    assert_eq!(
        w.jweiger("A", &correctie(Uuid::now_v7(), start("F2", "2024-02-02"))),
        AfwijzingCode::OnbekendFeit
    );
    assert_eq!(
        w.jweiger("A", &correctie(s1, einde(Some("F2"), "2024-03-01"))),
        AfwijzingCode::AnderGebeurtenistype
    );
    assert_eq!(
        w.jweiger("B", &correctie(s1, start("F2", "2024-02-02"))),
        AfwijzingCode::VerkeerdeStroom
    );
    assert_eq!(
        w.jweiger("A", &correctie(s1, intrekking(s1))),
        AfwijzingCode::OngeldigeCorrectie
    );
    let zonder_reden: Gebeurtenis = FeitGecorrigeerd {
        vervangt: s1,
        nieuw: Box::new(start("F2", "2024-02-02")),
        reden: "  ".into(),
    }
    .into();
    assert_eq!(w.jweiger("A", &zonder_reden), AfwijzingCode::RedenOntbreekt);
    let (i1, _) = w.j("A", &intrekking(s1));
    assert_eq!(
        w.jweiger("A", &correctie(s1, start("F2", "2024-02-02"))),
        AfwijzingCode::FeitIngetrokken
    );
    assert_eq!(
        w.jweiger("A", &correctie(i1, start("F2", "2024-02-02"))),
        AfwijzingCode::OngeldigeCorrectie
    );
}

#[test]
fn correction_of_capacity_is_checked() {
    let mut w = Wereld::nieuw();
    let stream = voorziening_stream("F1");
    let (a1, _) = w.neem_in(&stream, &sluit("F1", "2024-02-15", 4));
    assert_eq!(w.staat.capacity("F1", d("2024-03-01")), 6);
    let a = w
        .check_in(&stream, &correctie(a1, sluit("F1", "2024-02-15", 11)))
        .expect_err("too many");
    assert_eq!(a.code, AfwijzingCode::TeVeelPlaatsenGesloten);
    assert!(
        w.check_in(&stream, &correctie(a1, sluit("F1", "2024-02-15", 10)))
            .is_ok(),
        "replaces the 4, not adds"
    );
    // The content must stay in its facility's stream.
    assert_eq!(
        w.check_in(&stream, &correctie(a1, sluit("F2", "2024-02-15", 1)))
            .map_err(|a| a.code),
        Err(AfwijzingCode::VerkeerdeStroom)
    );
    w.neem_in(&stream, &correctie(a1, sluit("F1", "2024-03-01", 2)));
    assert_eq!(w.staat.capacity("F1", d("2024-02-20")), 10);
    assert_eq!(w.staat.capacity("F1", d("2024-03-01")), 8);
    // Registration: the id (stream) cannot change; a later date than its facts cannot either.
    let reg = w
        .staat
        .voorzieningen
        .get("F1")
        .and_then(|v| v.registratie)
        .expect("registered");
    assert_eq!(
        w.check_in(
            &stream,
            &correctie(reg, voorziening("F7", Vorm::Groep, Regime::Gesloten))
        )
        .map_err(|a| a.code),
        Err(AfwijzingCode::VerkeerdeStroom)
    );
    assert_eq!(
        w.check_in(
            &stream,
            &correctie(
                reg,
                voorziening_in("F1", Vorm::Groep, Regime::Gesloten, "GM0599", "2024-02-01")
            )
        )
        .map_err(|a| a.code),
        Err(AfwijzingCode::AfhankelijkeFeiten)
    );
    assert!(
        w.check_in(
            &stream,
            &correctie(reg, voorziening("F1", Vorm::Groep, Regime::Open))
        )
        .is_ok()
    );
}

#[test]
fn correction_of_form_between_ambulant_and_residential_with_placements_is_rejected() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    w.j("A", &start("AMB", "2024-02-01"));
    let reg = w
        .staat
        .voorzieningen
        .get("AMB")
        .and_then(|v| v.registratie)
        .expect("registered");
    let stream = voorziening_stream("AMB");
    assert_eq!(
        w.check_in(
            &stream,
            &correctie(reg, voorziening("AMB", Vorm::Groep, Regime::Open))
        )
        .map_err(|a| a.code),
        Err(AfwijzingCode::AfhankelijkeFeiten)
    );
}

#[test]
fn correction_of_a_machtiging_changes_the_signal_basis() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    let (m1, _) = w.j("A", &spoedmachtiging("S1", "2024-01-10", "2024-02-06"));
    assert!(w.jcodes("A", &start("F1", "2024-01-20")).is_empty());
    let (_, s) = w.j(
        "A",
        &correctie(m1, spoedmachtiging("S1", "2024-01-25", "2024-03-01")),
    );
    assert_eq!(codes(&s), ["SPOEDMACHTIGING_TE_LANG"]);
    assert_eq!(
        w.jcodes("A", &start("F1", "2024-01-20")),
        ["GESLOTEN_ZONDER_MACHTIGING"]
    );
}

// ------------------------------------------------------------------ retractions

#[test]
fn retraction_meta_rules() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    let (s1, _) = w.j("A", &start("F2", "2024-02-01"));
    let (c1, _) = w.j("A", &correctie(s1, start("F2", "2024-02-03")));
    let a = w.jcheck("A", &intrekking(c1)).expect_err("a correction");
    assert_eq!(a.code, AfwijzingCode::AlleenOrigineelIntrekken);
    assert!(
        a.melding
            .contains("trek het oorspronkelijke feit in of corrigeer opnieuw")
    );
    assert_eq!(
        w.jweiger("A", &intrekking(Uuid::now_v7())),
        AfwijzingCode::OnbekendFeit
    );
    w.jeugdige("B");
    assert_eq!(
        w.jweiger("B", &intrekking(s1)),
        AfwijzingCode::VerkeerdeStroom
    );
    let zonder_reden: Gebeurtenis = FeitIngetrokken {
        event_id: s1,
        reden: String::new(),
    }
    .into();
    assert_eq!(w.jweiger("A", &zonder_reden), AfwijzingCode::RedenOntbreekt);
    let (i1, _) = w.j("A", &intrekking(s1));
    assert!(w.staat.is_ingetrokken(s1));
    assert_eq!(
        w.jweiger("A", &intrekking(s1)),
        AfwijzingCode::FeitIngetrokken
    );
    assert_eq!(
        w.jweiger("A", &intrekking(i1)),
        AfwijzingCode::AlleenOrigineelIntrekken
    );
    assert_eq!(
        w.staat.event_info(i1),
        Some((jeugdige_stream("A").as_str(), "FeitIngetrokken"))
    );
    assert_eq!(
        w.staat.event_info(s1),
        Some((jeugdige_stream("A").as_str(), "PlaatsingGestart"))
    );
    assert!(!w.staat.is_placed("A", d("2024-02-10")));
    assert_eq!(w.staat.occupancy("F2", d("2024-02-10")), 0);
}

#[test]
fn retractions_change_what_is_allowed() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    let (s1, _) = w.j("A", &start("F2", "2024-02-01"));
    let (e1, _) = w.j("A", &einde(Some("F2"), "2024-03-01"));
    // The start has an end depending on it.
    assert_eq!(
        w.jweiger("A", &intrekking(s1)),
        AfwijzingCode::AfhankelijkeFeiten
    );
    w.j("A", &start("F1", "2024-04-01"));
    // Withdrawing the end would make the placements overlap.
    assert_eq!(w.jweiger("A", &intrekking(e1)), AfwijzingCode::AlGeplaatst);
    let mut w = Wereld::nieuw();
    w.jeugdige("A");
    let (s1, _) = w.j("A", &start("F2", "2024-02-01"));
    let (e1, _) = w.j("A", &einde(Some("F2"), "2024-03-01"));
    w.j("A", &intrekking(e1));
    assert!(w.staat.is_placed("A", d("2024-06-01")), "running again");
    assert_eq!(
        w.jweiger("A", &start("F1", "2024-04-01")),
        AfwijzingCode::AlGeplaatst
    );
    w.j("A", &intrekking(s1));
    assert!(
        w.jcheck("A", &start("F1", "2024-04-01")).is_ok(),
        "free again"
    );
    // Machtiging with an end cannot be retracted before its end.
    let (m1, _) = w.j("A", &mgj("M1", "2024-01-01", "2024-12-31"));
    let (m2, _) = w.j("A", &machtiging_einde("M1", "2024-06-01"));
    assert_eq!(
        w.jweiger("A", &intrekking(m1)),
        AfwijzingCode::AfhankelijkeFeiten
    );
    w.j("A", &intrekking(m2));
    w.j("A", &intrekking(m1));
    assert!(w.staat.machtigingen("A").is_empty());
}

#[test]
fn retraction_of_capacity_and_registrations() {
    let mut w = Wereld::nieuw();
    let stream = voorziening_stream("F1");
    let open_id = w
        .staat
        .voorzieningen
        .get("F1")
        .and_then(|v| v.feiten.first().copied())
        .expect("opened");
    w.neem_in(&stream, &sluit("F1", "2024-02-15", 4));
    assert_eq!(
        w.check_in(&stream, &intrekking(open_id))
            .map_err(|a| a.code),
        Err(AfwijzingCode::TeVeelPlaatsenGesloten)
    );
    let reg = w
        .staat
        .voorzieningen
        .get("F1")
        .and_then(|v| v.registratie)
        .expect("registered");
    assert_eq!(
        w.check_in(&stream, &intrekking(reg)).map_err(|a| a.code),
        Err(AfwijzingCode::AfhankelijkeFeiten)
    );
    // A facility without facts can be withdrawn, and then registered anew.
    let leeg = w.neem(&voorziening("F8", Vorm::Groep, Regime::Open));
    w.neem_in(&voorziening_stream("F8"), &intrekking(leeg));
    assert!(w.staat.voorziening("F8").is_none());
    assert!(
        w.check(&voorziening("F8", Vorm::Groep, Regime::Open))
            .is_ok()
    );
    // A provider with facilities cannot be withdrawn; one without can.
    let a1 = *w.staat.aanbieders.get("A1").expect("A1");
    assert_eq!(
        w.check_in("aanbieder-A1", &intrekking(a1))
            .map_err(|a| a.code),
        Err(AfwijzingCode::AfhankelijkeFeiten)
    );
    let a2 = w.neem(&aanbieder("A2"));
    assert!(w.check_in("aanbieder-A2", &intrekking(a2)).is_ok());
    let rijnmond = *w.staat.jeugdregios.get("RIJNMOND").expect("regio");
    assert_eq!(
        w.check_in("jeugdregio-RIJNMOND", &intrekking(rijnmond))
            .map_err(|a| a.code),
        Err(AfwijzingCode::AfhankelijkeFeiten)
    );
    // A youth with facts cannot be withdrawn.
    w.jeugdige("A");
    let reg_a = w
        .staat
        .jeugdigen
        .get(jeugdige_stream("A").as_str())
        .and_then(|j| j.registratie)
        .expect("A");
    assert!(w.jcheck("A", &intrekking(reg_a)).is_ok());
    w.j("A", &start("F2", "2024-02-01"));
    assert_eq!(
        w.jweiger("A", &intrekking(reg_a)),
        AfwijzingCode::AfhankelijkeFeiten
    );
}

#[test]
fn retracting_a_closure_reopens_the_facility() {
    let mut w = Wereld::nieuw();
    let s = w.neem(&sluiting("F2", "2024-06-01"));
    w.jeugdige("A");
    assert_eq!(
        w.jweiger("A", &start("F2", "2024-07-01")),
        AfwijzingCode::VoorzieningGesloten
    );
    w.neem_in(&voorziening_stream("F2"), &intrekking(s));
    assert!(w.jcheck("A", &start("F2", "2024-07-01")).is_ok());
    assert_eq!(w.staat.capacity("F2", d("2024-07-01")), 4);
}

// ------------------------------------------------------------------ apply

#[test]
fn apply_never_fails_and_is_idempotent_per_event() {
    let mut w = Wereld::nieuw();
    let stream = jeugdige_stream("Z");
    // Youth facts before the registration, unknown facilities, dangling corrections.
    w.forceer_in(&stream, &start("ONBEKEND", "2024-01-01"));
    w.forceer_in(&stream, &intrekking(Uuid::now_v7()));
    w.forceer_in(
        &stream,
        &correctie(Uuid::now_v7(), start("F2", "2024-01-01")),
    );
    let s = w.forceer_in(&stream, &start("F2", "2024-02-01"));
    w.forceer_in(&stream, &correctie(s, einde(None, "2024-01-01")));
    w.forceer_in(
        &stream,
        &correctie(s, correctie(s, start("F2", "2024-01-01"))),
    );
    w.forceer_in("voorziening-X", &sluit("X", "2024-01-01", 5));
    assert_eq!(
        w.staat.capacity("X", d("2024-02-01")),
        -5,
        "history is history"
    );
    assert_eq!(
        w.staat.occupancy("F2", d("2024-02-01")),
        1,
        "ill-typed corrections are ignored"
    );
    assert_eq!(w.staat.occupancy("ONBEKEND", d("2024-01-15")), 1);

    let feit = start("F2", "2024-03-01");
    let event = RecordedEvent {
        position: 999,
        stream: jeugdige_stream("Y"),
        stream_version: 1,
        event_id: Uuid::now_v7(),
        event_type: feit.event_type().into(),
        schema_version: 1,
        payload: feit.payload_json(),
        valid_date: feit.valid_date(),
        recorded_at: Utc::now(),
        recorded_by: "t".into(),
        source: "t".into(),
        correlation_id: None,
        causation_id: None,
        idempotency_key: None,
        prev_hash: [0; 32],
        hash: [0; 32],
    };
    let voor = w.staat.event_count();
    w.staat.apply(&event, &feit);
    w.staat.apply(&event, &feit);
    assert_eq!(w.staat.event_count(), voor + 1);
    assert_eq!(w.staat.occupancy("F2", d("2024-03-01")), 2);
    assert_eq!(w.staat.last_position(), 999);
}

#[test]
fn derivation_is_independent_of_recording_order() {
    let feiten = [
        start("F2", "2024-01-01"),
        door("F2", "F1", "2024-02-01", false),
        einde(None, "2024-03-01"),
        start("F2", "2024-03-01"),
        einde(Some("F2"), "2024-04-01"),
    ];
    let ids: Vec<Uuid> = feiten.iter().map(|_| Uuid::now_v7()).collect();
    let vooruit = leid_af(
        feiten
            .iter()
            .enumerate()
            .map(|(i, f)| (ids[i], i as i64, f)),
        |_| Some(Vorm::Groep),
    );
    let achteruit = leid_af(
        feiten
            .iter()
            .enumerate()
            .rev()
            .map(|(i, f)| (ids[i], 10 - i as i64, f)),
        |_| Some(Vorm::Groep),
    );
    assert!(vooruit.schendingen.is_empty(), "{:?}", vooruit.schendingen);
    assert_eq!(vooruit, achteruit);
    let p = &vooruit.plaatsingen;
    assert_eq!(p.len(), 3);
    assert_eq!(
        (p[0].start, p[0].einde),
        (d("2024-01-01"), Some(d("2024-02-01")))
    );
    assert_eq!(
        (p[1].voorziening.as_str(), p[1].episode_start),
        ("F1", d("2024-01-01"))
    );
    assert_eq!(p[2].episode_start, d("2024-03-01"), "a new episode");
}

// ------------------------------------------------------------------ KPIS.md worked example

#[test]
fn worked_example_of_kpis_md() {
    let mut w = Wereld::leeg();
    for g in zuid_west_gebeurtenissen() {
        w.neem(&g);
    }
    w.neem(&aanbieder("A1"));
    w.neem(&voorziening_in(
        "F1",
        Vorm::Groep,
        Regime::Gesloten,
        "GM0599",
        "2024-01-01",
    ));
    w.neem(&voorziening_in(
        "F2",
        Vorm::Kleinschalig,
        Regime::Open,
        "GM0599",
        "2024-01-01",
    ));
    w.neem(&open("F1", "2024-01-01", 10));
    w.neem(&sluit("F1", "2024-02-15", 4));
    w.neem(&open("F2", "2024-02-01", 4));
    for p in ["A", "B", "C"] {
        w.neem(&jeugdige_reg(p, 2008, "GM0599", "2024-01-01"));
    }

    // Youth A.
    let (_, s) = w.j("A", &spoedmachtiging("SA", "2024-01-10", "2024-02-06"));
    assert!(s.is_empty(), "28 days: no SPOEDMACHTIGING_TE_LANG");
    let (_, s) = w.j("A", &start("F1", "2024-01-10"));
    assert!(s.is_empty(), "{s:?}");
    let (_, s) = w.j("A", &mgj("MA", "2024-02-05", "2025-02-04"));
    assert!(s.is_empty());
    // Youth B.
    w.j("B", &mgj("MB", "2024-01-01", "2024-12-31"));
    let (_, s) = w.j("B", &start("F1", "2024-01-05"));
    assert!(s.is_empty());
    // Youth C: no authorisation.
    let (_, s) = w.j("C", &start("F1", "2024-02-20"));
    assert_eq!(
        s,
        [Signaal::GeslotenZonderMachtiging {
            voorziening: "F1".into(),
            datum: d("2024-02-20")
        }]
    );
    // A: doorplaatsing and exit; B: exit to JJI.
    let (_, s) = w.j("A", &door("F1", "F2", "2024-03-01", false));
    assert_eq!(codes(&s), ["DOORPLAATSING"]);
    let uitstroom_b: Gebeurtenis = PlaatsingBeeindigd {
        voorziening: Some("F1".into()),
        datum: d("2024-03-20"),
        bestemming: Verblijfplaats::Jji,
        reden: "JJI".into(),
        reden_beeindiging: None,
    }
    .into();
    w.j("B", &uitstroom_b);
    w.j("A", &einde(None, "2024-05-01"));

    assert_eq!(w.staat.capacity("F1", d("2024-04-01")), 6);
    assert_eq!(w.staat.capacity("F2", d("2024-04-01")), 4);
    assert_eq!(w.staat.occupancy("F1", d("2024-02-21")), 3);
    assert_eq!(w.staat.capacity("F1", d("2024-02-21")), 6);
    assert_eq!(w.staat.occupancy("F1", d("2024-04-01")), 1, "C");
    assert_eq!(w.staat.occupancy("F2", d("2024-04-01")), 1, "A");
    assert!(w.staat.is_placed("C", d("2024-04-01")));
    assert!(!w.staat.is_placed("B", d("2024-04-01")));
    let a = w.staat.plaatsingen("A");
    assert_eq!(
        a.last().map(|p| (p.episode_start, p.einde)),
        Some((d("2024-01-10"), Some(d("2024-05-01"))))
    );

    // And a spoedmachtiging of 29 days would have been flagged.
    assert_eq!(
        w.jcodes("A", &spoedmachtiging("SA2", "2024-01-10", "2024-02-07")),
        ["SPOEDMACHTIGING_TE_LANG"]
    );
}

// ------------------------------------------------------------------ privacy

#[test]
fn messages_never_name_the_pseudonym() {
    let p = "ps7f3a9c0d";
    let mut w = Wereld::nieuw();
    w.jeugdige(p);
    let (s1, _) = w.j(p, &start("F2", "2024-02-01"));
    w.j(p, &einde(Some("F2"), "2024-03-01"));
    let afgewezen = [
        jeugdige_reg(p, 2008, "GM0599", "2024-01-01"),
        start("F9", "2024-02-10"),
        start("F2", "2024-02-10"),
        einde(Some("F2"), "2024-04-01"),
        einde(None, "2024-01-01"),
        door("F1", "F2", "2024-04-01", false),
        machtiging_einde("M9", "2024-04-01"),
        intrekking(s1),
        correctie(s1, start("F2", "2024-03-05")),
        open("F1", "2024-01-01", 1),
        sluiting("F2", "2024-01-01"),
    ];
    for feit in &afgewezen {
        let a = w.jcheck(p, feit).expect_err("rejected");
        assert!(!a.melding.contains(p), "{}: {}", a.code, a.melding);
        assert!(
            !a.melding.contains("jeugdige-"),
            "{}: {}",
            a.code,
            a.melding
        );
    }
}

// ------------------------------------------------------------------ properties

mod eigenschappen {
    use super::*;
    use proptest::prelude::*;

    const VOORZIENINGEN: [&str; 4] = ["F1", "F2", "AMB", "AMB2"];
    const JEUGDIGEN: [&str; 3] = ["P0", "P1", "P2"];

    #[derive(Debug, Clone)]
    enum Stap {
        Start(usize, usize, i64),
        Einde(usize, Option<usize>, i64),
        Door(usize, usize, usize, i64),
        TrekLaatsteIn(usize),
        VerschuifStart(usize, i64),
    }

    fn stap() -> impl Strategy<Value = Stap> {
        prop_oneof![
            3 => (0..3usize, 0..4usize, 0..90i64).prop_map(|(j, f, t)| Stap::Start(j, f, t)),
            3 => (0..3usize, proptest::option::of(0..4usize), 0..90i64).prop_map(|(j, f, t)| Stap::Einde(j, f, t)),
            2 => (0..3usize, 0..4usize, 0..4usize, 0..90i64).prop_map(|(j, f, g, t)| Stap::Door(j, f, g, t)),
            1 => (0..3usize).prop_map(Stap::TrekLaatsteIn),
            1 => (0..3usize, 0..90i64).prop_map(|(j, t)| Stap::VerschuifStart(j, t)),
        ]
    }

    fn dag(t: i64) -> String {
        (d("2024-01-01") + chrono::Duration::days(t)).to_string()
    }

    fn speel(stappen: &[Stap]) -> Wereld {
        let mut w = Wereld::nieuw();
        for p in JEUGDIGEN {
            w.jeugdige(p);
        }
        for stap in stappen {
            let (j, feit) = match stap {
                Stap::Start(j, f, t) => (*j, start(VOORZIENINGEN[*f], &dag(*t))),
                Stap::Einde(j, f, t) => (*j, einde(f.map(|f| VOORZIENINGEN[f]), &dag(*t))),
                Stap::Door(j, f, g, t) => (
                    *j,
                    door(VOORZIENINGEN[*f], VOORZIENINGEN[*g], &dag(*t), false),
                ),
                Stap::TrekLaatsteIn(j) => {
                    let stream = jeugdige_stream(JEUGDIGEN[*j]);
                    let Some((e, _)) = w.log.iter().rev().find(|(e, f)| {
                        e.stream == stream
                            && !w.staat.is_ingetrokken(e.event_id)
                            && is_plaatsingsfeit(f)
                    }) else {
                        continue;
                    };
                    (*j, intrekking(e.event_id))
                }
                Stap::VerschuifStart(j, t) => {
                    let stream = jeugdige_stream(JEUGDIGEN[*j]);
                    let Some((e, f)) = w.log.iter().find(|(e, f)| {
                        e.stream == stream
                            && !w.staat.is_ingetrokken(e.event_id)
                            && matches!(f, Gebeurtenis::PlaatsingGestart(_))
                    }) else {
                        continue;
                    };
                    let Gebeurtenis::PlaatsingGestart(p) = w.staat.inhoud(e.event_id).unwrap_or(f)
                    else {
                        continue;
                    };
                    let nieuw = start(&p.voorziening, &dag(*t));
                    (*j, correctie(e.event_id, nieuw))
                }
            };
            let stream = jeugdige_stream(JEUGDIGEN[j]);
            if w.staat.check(&stream, &feit).is_ok() {
                w.forceer_in(&stream, &feit);
            }
        }
        w
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 200,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Whatever registrars propose, what is accepted never places a youth twice, and
        /// the occupancy maps agree with the youths' intervals.
        #[test]
        fn accepted_facts_never_overlap_and_occupancy_adds_up(stappen in proptest::collection::vec(stap(), 1..40)) {
            let w = speel(&stappen);
            for p in JEUGDIGEN {
                let ps: Vec<&Plaatsing> = w.staat.plaatsingen(p).iter().filter(|p| p.niet_leeg()).collect();
                for (i, a) in ps.iter().enumerate() {
                    for b in &ps[i + 1..] {
                        let zelfde_soort = a.ambulant == b.ambulant && (!a.ambulant || a.voorziening == b.voorziening);
                        let overlap = a.einde.is_none_or(|e| b.start < e) && b.einde.is_none_or(|e| a.start < e);
                        prop_assert!(!(zelfde_soort && overlap), "{p}: {a:?} overlaps {b:?}");
                    }
                }
            }
            for t in (0..100).step_by(3) {
                let dd = d("2024-01-01") + chrono::Duration::days(t);
                for f in VOORZIENINGEN {
                    let geteld = JEUGDIGEN
                        .iter()
                        .flat_map(|p| w.staat.plaatsingen(p))
                        .filter(|p| p.voorziening == f && p.niet_leeg() && p.actief_op(dd))
                        .count();
                    prop_assert_eq!(w.staat.occupancy(f, dd), geteld as i64, "{} on {}", f, dd);
                }
            }
        }

        /// The state does not depend on the order in which the store hands over the
        /// original facts (positions are kept), and a rebuild gives the same state.
        #[test]
        fn rebuild_in_any_arrival_order_gives_the_same_intervals(
            stappen in proptest::collection::vec(stap(), 1..40),
            zaad in any::<u64>(),
        ) {
            let w = speel(&stappen);
            // The landscape first (a placement can only be recorded in a registered
            // facility), then the youths' original facts shuffled, then their
            // corrections and retractions.
            let (landschap, jeugd): (Vec<_>, Vec<_>) = w
                .log
                .iter()
                .cloned()
                .partition(|(e, _)| pseudoniem_van_stream(&e.stream).is_none());
            let (mut origineel, meta): (Vec<_>, Vec<_>) = jeugd
                .into_iter()
                .partition(|(_, f)| !matches!(f, Gebeurtenis::FeitGecorrigeerd(_) | Gebeurtenis::FeitIngetrokken(_)));
            let mut x = zaad | 1;
            for i in (1..origineel.len()).rev() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let k = usize::try_from(x % (i as u64 + 1)).unwrap_or(0);
                origineel.swap(i, k);
            }
            let mut herbouw = DomainState::new();
            for (e, f) in landschap.iter().chain(&origineel).chain(&meta) {
                herbouw.apply(e, f);
            }
            for p in JEUGDIGEN {
                prop_assert_eq!(herbouw.plaatsingen(p), w.staat.plaatsingen(p));
            }
            for t in (0..100).step_by(7) {
                let dd = d("2024-01-01") + chrono::Duration::days(t);
                for f in VOORZIENINGEN {
                    prop_assert_eq!(herbouw.occupancy(f, dd), w.staat.occupancy(f, dd));
                    prop_assert_eq!(herbouw.capacity(f, dd), w.staat.capacity(f, dd));
                }
            }
        }
    }
}

fn wissing() -> Gebeurtenis {
    JeugdigeGewist {
        grondslag: Wisgrondslag::VerzoekBetrokkene,
        verzocht_door: Verzoeker::Jeugdige,
        kenmerk: Some("AVG-2026-014".into()),
    }
    .into()
}

/// An erasure needs a registered youth, cannot be undone, and closes the youth's stream.
#[test]
fn an_erased_youth_takes_no_more_facts() {
    let mut w = Wereld::nieuw();
    assert_eq!(w.jweiger("E", &wissing()), AfwijzingCode::OnbekendeJeugdige);
    w.jeugdige("E");
    let (start_id, _) = w.j("E", &start("F1", "2024-02-01"));
    let (gewist, _) = w.j("E", &wissing());
    assert!(w.staat.is_gewist(&jeugdige_stream("E")));
    assert_eq!(
        w.jweiger("E", &einde(None, "2024-03-01")),
        AfwijzingCode::JeugdigeGewist
    );
    assert_eq!(w.jweiger("E", &wissing()), AfwijzingCode::JeugdigeGewist);
    assert_eq!(
        w.jweiger("E", &intrekking(gewist)),
        AfwijzingCode::JeugdigeGewist
    );
    assert_eq!(
        w.jweiger("E", &intrekking(start_id)),
        AfwijzingCode::JeugdigeGewist
    );
    // Another youth is untouched, and an empty request reference is refused.
    w.jeugdige("F");
    let leeg: Gebeurtenis = JeugdigeGewist {
        grondslag: Wisgrondslag::BewaartermijnVerstreken,
        verzocht_door: Verzoeker::Bewaartermijn,
        kenmerk: Some("  ".into()),
    }
    .into();
    assert_eq!(w.jweiger("F", &leeg), AfwijzingCode::OngeldigeSleutel);
    w.j("F", &start("F1", "2024-02-01"));
}

/// A pseudonym may not look like a stored stream name (`~…`).
#[test]
fn a_pseudonym_cannot_start_like_a_stored_name() {
    let w = Wereld::nieuw();
    let feit: Gebeurtenis = JeugdigeGeregistreerd {
        pseudoniem: "~00ff".into(),
        geboortejaar: 2010,
        geslacht: Geslacht::Man,
        woongemeente: "GM0599".into(),
        datum: d("2024-01-01"),
    }
    .into();
    assert_eq!(
        w.check_in(&jeugdige_stream("~00ff"), &feit)
            .err()
            .map(|a| a.code),
        Some(AfwijzingCode::OngeldigPseudoniem)
    );
}

/// Retention: per living youth whether a placement runs and when the last one ended.
#[test]
fn bewaarstanden_name_the_last_end_and_running_placements() {
    let mut w = Wereld::nieuw();
    w.jeugdige("A"); // never placed: counts from 2023-06-01
    w.jeugdige("B");
    w.j("B", &start("F1", "2024-02-01"));
    w.j("B", &einde(None, "2024-03-01"));
    w.j("B", &start("F2", "2024-05-01"));
    w.j("B", &einde(None, "2024-07-15"));
    w.jeugdige("C");
    w.j("C", &start("F1", "2024-02-01"));
    w.j("C", &einde(None, "2024-03-01"));
    w.j("C", &start("F2", "2024-04-01")); // runs
    w.jeugdige("E");
    w.j("E", &wissing());
    let standen = w.staat.bewaarstanden();
    let gezien: Vec<(&str, bool, NaiveDate)> = standen
        .iter()
        .map(|s| (s.stream, s.lopend, s.einde))
        .collect();
    assert_eq!(
        gezien,
        vec![
            ("jeugdige-A", false, d("2023-06-01")),
            ("jeugdige-B", false, d("2024-07-15")),
            ("jeugdige-C", true, d("2024-03-01")),
        ]
    );
}

/// The link to a migrated log belongs in `keten` only and cannot be undone.
#[test]
fn log_overgezet_belongs_in_the_chain_stream() {
    let mut w = Wereld::nieuw();
    let feit: Gebeurtenis = LogOvergezet {
        vorige_kop_positie: 12,
        vorige_kop_hash: "ab".repeat(32),
        gebeurtenissen: 12,
    }
    .into();
    assert_eq!(
        w.check_in("voorziening-F1", &feit).err().map(|a| a.code),
        Some(AfwijzingCode::VerkeerdeStroom)
    );
    assert_eq!(
        w.check_in(&jeugdige_stream("A"), &feit)
            .err()
            .map(|a| a.code),
        Some(AfwijzingCode::VerkeerdeStroom)
    );
    let (id, signalen) = w.neem_in(KETEN_STREAM, &feit);
    assert!(signalen.is_empty());
    let intrekking: Gebeurtenis = FeitIngetrokken {
        event_id: id,
        reden: "per ongeluk".into(),
    }
    .into();
    assert_eq!(
        w.check_in(KETEN_STREAM, &intrekking).err().map(|a| a.code),
        Some(AfwijzingCode::OngeldigeCorrectie)
    );
}
