//! Unit tests of the need side's rules (`rules/check/vraag.rs`, `rules/vraag.rs`): every
//! refusal and signal, the accept paths, late data, corrections and retractions. Uses the
//! test world and constructors of `tests.rs` (this is its child module).

use super::*;

const P: &str = "JX7";

/// The test world plus provider A2 with facility F3 (GROEP, OPEN, 6 places) and youth P.
fn wereld() -> Wereld {
    let mut w = Wereld::nieuw();
    w.neem(&aanbieder("A2"));
    w.neem(
        &VoorzieningGeregistreerd {
            id: "F3".into(),
            aanbieder: "A2".into(),
            naam: "Locatie F3".into(),
            gemeente: "GM0599".into(),
            vorm: Vorm::Groep,
            regime: Regime::Open,
            datum: d("2023-12-01"),
        }
        .into(),
    );
    w.neem(&open("F3", "2024-01-01", 6));
    w.jeugdige(P);
    w
}

fn verzoek_met(
    id: &str,
    datum: &str,
    urgentie: Urgentie,
    vorm: Vorm,
    regime: Regime,
) -> Gebeurtenis {
    PlaatsingsverzoekIngediend {
        verzoek: id.into(),
        datum: d(datum),
        verwijzer: Verwijzer::GecertificeerdeInstelling,
        urgentie,
        vorm,
        regime,
        jeugdregio: "RIJNMOND".into(),
    }
    .into()
}

/// A regulier request for a closed group (what F1 offers).
fn verzoek(id: &str, datum: &str) -> Gebeurtenis {
    verzoek_met(id, datum, Urgentie::Regulier, Vorm::Groep, Regime::Gesloten)
}

fn spoedverzoek(id: &str, datum: &str) -> Gebeurtenis {
    verzoek_met(id, datum, Urgentie::Spoed, Vorm::Groep, Regime::Gesloten)
}

fn aangemeld(v: &str, aanbieder: &str, voorziening: Option<&str>, datum: &str) -> Gebeurtenis {
    JeugdigeAangemeld {
        verzoek: v.into(),
        aanbieder: aanbieder.into(),
        voorziening: voorziening.map(str::to_owned),
        datum: d(datum),
    }
    .into()
}

fn aanbod(v: &str, voorziening: &str, datum: &str) -> Gebeurtenis {
    PlaatsAangeboden {
        verzoek: v.into(),
        voorziening: voorziening.into(),
        datum: d(datum),
    }
    .into()
}

fn geweigerd(v: &str, aanbieder: &str, datum: &str) -> Gebeurtenis {
    AanmeldingGeweigerd {
        verzoek: v.into(),
        aanbieder: aanbieder.into(),
        datum: d(datum),
        reden: Weigeringsreden::GeenPlek,
        toelichting: "groep vol".into(),
    }
    .into()
}

fn ingetrokken(v: &str, datum: &str) -> Gebeurtenis {
    PlaatsingsverzoekIngetrokken {
        verzoek: v.into(),
        datum: d(datum),
        reden: Intrekkingsreden::NietMeerNodig,
        toelichting: "thuis opgelost".into(),
    }
    .into()
}

fn plaatsing_voor(f: &str, datum: &str, v: &str, overbrugging: bool) -> Gebeurtenis {
    PlaatsingGestart {
        voorziening: f.into(),
        datum: d(datum),
        spoed: false,
        crisis: false,
        verblijf_voor: Verblijfplaats::Thuis,
        verzoek: Some(v.into()),
        overbrugging,
    }
    .into()
}

fn door_voor(van: &str, naar: &str, datum: &str, v: &str) -> Gebeurtenis {
    Doorgeplaatst {
        van: van.into(),
        naar: naar.into(),
        datum: d(datum),
        reden: "passende plek".into(),
        tegen_wens_jeugdige: false,
        tegen_wens_aanbieder: false,
        verzoek: Some(v.into()),
        overbrugging: false,
    }
    .into()
}

fn onttrokken(voorziening: Option<&str>, datum: &str) -> Gebeurtenis {
    JeugdigeOnttrokken {
        voorziening: voorziening.map(str::to_owned),
        datum: d(datum),
    }
    .into()
}

fn teruggekeerd(datum: &str) -> Gebeurtenis {
    JeugdigeTeruggekeerd { datum: d(datum) }.into()
}

/// An MGJ for the whole of 2024, so closed placements carry no authorisation signal.
fn met_machtiging(w: &mut Wereld) {
    w.j(P, &mgj("M1", "2024-01-01", "2024-12-31"));
}

// ------------------------------------------------------------------ accept paths

#[test]
fn a_request_registered_refused_offered_and_fulfilled_is_accepted_without_signals() {
    let mut w = wereld();
    met_machtiging(&mut w);
    for feit in [
        verzoek("V1", "2024-02-01"),
        aangemeld("V1", "A1", Some("F1"), "2024-02-02"),
        aangemeld("V1", "A2", None, "2024-02-02"),
        geweigerd("V1", "A2", "2024-02-05"),
        aanbod("V1", "F1", "2024-02-10"),
    ] {
        let (_, signalen) = w.j(P, &feit);
        assert!(signalen.is_empty(), "{feit:?}: {signalen:?}");
    }
    let (_, signalen) = w.j(P, &plaatsing_voor("F1", "2024-02-12", "V1", false));
    assert!(signalen.is_empty(), "{signalen:?}");

    let vraag = w.staat.vraag(P);
    let v = vraag.verzoek("V1").expect("request derived");
    assert_eq!(v.aanmeldingen.len(), 2, "two providers");
    assert!(v.open_op(d("2024-02-11")));
    assert!(!v.open_op(d("2024-02-12")), "closed on the fulfilment date");
    assert!(!v.open_op(d("2024-01-31")));
}

#[test]
fn facts_on_the_request_date_and_on_the_closing_date_are_accepted() {
    let mut w = wereld();
    met_machtiging(&mut w);
    w.j(P, &spoedverzoek("V1", "2024-03-01"));
    w.j(P, &aangemeld("V1", "A1", None, "2024-03-01"));
    w.j(P, &plaatsing_voor("F1", "2024-03-01", "V1", false));
    // Recorded after the fulfilment, dated on its day: taken before the closure.
    w.j(P, &geweigerd("V1", "A1", "2024-03-01"));
    let mut w2 = wereld();
    w2.j(P, &verzoek("V2", "2024-03-01"));
    w2.j(P, &ingetrokken("V2", "2024-03-01"));
}

#[test]
fn a_registration_is_counted_once_per_provider_with_its_first_date() {
    let mut w = wereld();
    w.j(P, &verzoek("V1", "2024-02-01"));
    w.j(P, &aangemeld("V1", "A1", Some("F1"), "2024-02-05"));
    w.j(P, &aangemeld("V1", "A1", Some("F2"), "2024-02-03"));
    let vraag = w.staat.vraag(P);
    let v = vraag.verzoek("V1").expect("request derived");
    assert_eq!(v.aanmeldingen.len(), 1);
    assert_eq!(v.aanmeldingen.get("A1"), Some(&d("2024-02-03")));
}

// ------------------------------------------------------------------ refusals: the request

#[test]
fn a_request_id_twice_an_empty_id_or_an_unknown_region_is_refused() {
    let mut w = wereld();
    w.j(P, &verzoek("V1", "2024-02-01"));
    let mut onbekende_regio = verzoek("V2", "2024-02-01");
    if let Gebeurtenis::PlaatsingsverzoekIngediend(v) = &mut onbekende_regio {
        v.jeugdregio = "NERGENS".into();
    }
    w.rejects_youth_facts(
        P,
        [
            (
                verzoek("V1", "2024-03-01"),
                AfwijzingCode::VerzoekAlIngediend,
            ),
            // An earlier date does not make it the original: the first recorded is.
            (
                verzoek("V1", "2024-01-01"),
                AfwijzingCode::VerzoekAlIngediend,
            ),
            (verzoek(" ", "2024-03-01"), AfwijzingCode::OngeldigeSleutel),
            (onbekende_regio.clone(), AfwijzingCode::OnbekendeJeugdregio),
        ],
    );
    // Another youth may use the same id.
    w.jeugdige("KY8");
    w.j("KY8", &verzoek("V1", "2024-02-01"));

    // Without any jeugdregio registered, any code is accepted (as for other codes).
    let mut leeg = Wereld::leeg();
    leeg.jeugdige(P);
    leeg.j(P, &onbekende_regio);
}

#[test]
fn need_facts_of_an_unregistered_youth_are_refused() {
    let w = wereld();
    assert_eq!(
        w.jweiger("ONBEKEND", &verzoek("V1", "2024-02-01")),
        AfwijzingCode::OnbekendeJeugdige
    );
    assert_eq!(
        w.jweiger("ONBEKEND", &teruggekeerd("2024-02-01")),
        AfwijzingCode::OnbekendeJeugdige
    );
}

#[test]
fn facts_naming_an_unknown_request_are_refused() {
    let mut w = wereld();
    met_machtiging(&mut w);
    w.j(P, &verzoek("V1", "2024-02-01"));
    w.j(P, &start("F2", "2024-01-10"));
    w.rejects_youth_facts(
        P,
        [
            (
                aangemeld("VX", "A1", None, "2024-02-02"),
                AfwijzingCode::OnbekendVerzoek,
            ),
            (
                aanbod("VX", "F1", "2024-02-02"),
                AfwijzingCode::OnbekendVerzoek,
            ),
            (
                geweigerd("VX", "A1", "2024-02-02"),
                AfwijzingCode::OnbekendVerzoek,
            ),
            (
                ingetrokken("VX", "2024-02-02"),
                AfwijzingCode::OnbekendVerzoek,
            ),
            (
                door_voor("F2", "F1", "2024-02-02", "VX"),
                AfwijzingCode::OnbekendVerzoek,
            ),
        ],
    );
    let mut w2 = wereld();
    assert_eq!(
        w2.jweiger(P, &plaatsing_voor("F1", "2024-02-02", "VX", false)),
        AfwijzingCode::OnbekendVerzoek
    );
    // A request of another youth is not this youth's.
    w2.jeugdige("KY8");
    w2.j("KY8", &verzoek("VX", "2024-02-01"));
    assert_eq!(
        w2.jweiger(P, &ingetrokken("VX", "2024-02-02")),
        AfwijzingCode::OnbekendVerzoek
    );
}

#[test]
fn facts_dated_before_the_request_are_refused() {
    let mut w = wereld();
    met_machtiging(&mut w);
    w.j(P, &verzoek("V1", "2024-02-01"));
    w.j(P, &start("F2", "2024-01-10"));
    w.rejects_youth_facts(
        P,
        [
            (
                aangemeld("V1", "A1", None, "2024-01-31"),
                AfwijzingCode::VoorVerzoekdatum,
            ),
            (
                aanbod("V1", "F1", "2024-01-31"),
                AfwijzingCode::VoorVerzoekdatum,
            ),
            (
                geweigerd("V1", "A1", "2024-01-31"),
                AfwijzingCode::VoorVerzoekdatum,
            ),
            (
                ingetrokken("V1", "2024-01-31"),
                AfwijzingCode::VoorVerzoekdatum,
            ),
            (
                door_voor("F2", "F1", "2024-01-31", "V1"),
                AfwijzingCode::VoorVerzoekdatum,
            ),
        ],
    );
    let melding = w
        .jcheck(P, &ingetrokken("V1", "2024-01-31"))
        .expect_err("refused")
        .melding;
    assert!(melding.contains("01-02-2024"), "{melding}");
}

#[test]
fn facts_after_a_withdrawal_and_a_second_closure_are_refused() {
    let mut w = wereld();
    met_machtiging(&mut w);
    w.j(P, &verzoek("V1", "2024-02-01"));
    w.j(P, &aangemeld("V1", "A1", None, "2024-02-02"));
    w.j(P, &ingetrokken("V1", "2024-02-10"));
    w.rejects_youth_facts(
        P,
        [
            (
                aangemeld("V1", "A2", None, "2024-02-11"),
                AfwijzingCode::VerzoekAfgesloten,
            ),
            (
                aanbod("V1", "F1", "2024-02-11"),
                AfwijzingCode::VerzoekAfgesloten,
            ),
            (
                geweigerd("V1", "A1", "2024-02-11"),
                AfwijzingCode::VerzoekAfgesloten,
            ),
            // Fulfilling a withdrawn request, withdrawing it twice (also on the same day).
            (
                plaatsing_voor("F1", "2024-02-12", "V1", false),
                AfwijzingCode::VerzoekAfgesloten,
            ),
            (
                ingetrokken("V1", "2024-02-12"),
                AfwijzingCode::VerzoekAfgesloten,
            ),
            (
                ingetrokken("V1", "2024-02-10"),
                AfwijzingCode::VerzoekAfgesloten,
            ),
        ],
    );
    let melding = w
        .jcheck(P, &plaatsing_voor("F1", "2024-02-12", "V1", false))
        .expect_err("refused")
        .melding;
    assert!(melding.contains("ingetrokken"), "{melding}");
    // A registration dated on or before the withdrawal still fits (late data).
    w.j(P, &aangemeld("V1", "A2", None, "2024-02-10"));
}

#[test]
fn withdrawing_or_fulfilling_a_fulfilled_request_is_refused() {
    let mut w = wereld();
    met_machtiging(&mut w);
    w.j(P, &verzoek("V1", "2024-02-01"));
    w.j(P, &plaatsing_voor("F2", "2024-02-05", "V1", true));
    w.rejects_youth_facts(
        P,
        [
            (
                ingetrokken("V1", "2024-02-20"),
                AfwijzingCode::VerzoekAfgesloten,
            ),
            (
                door_voor("F2", "F1", "2024-03-01", "V1"),
                AfwijzingCode::VerzoekAfgesloten,
            ),
        ],
    );
    // The doorplaatsing itself is fine without the request, or with a new one.
    w.j(P, &verzoek("V2", "2024-02-20"));
    let (_, signalen) = w.j(P, &door_voor("F2", "F1", "2024-03-01", "V2"));
    assert_eq!(codes(&signalen), ["DOORPLAATSING"]);
}

// ------------------------------------------------------------------ refusals: providers

#[test]
fn a_registration_needs_a_known_provider_and_a_facility_of_that_provider() {
    let mut w = wereld();
    w.j(P, &verzoek("V1", "2024-02-01"));
    w.rejects_youth_facts(
        P,
        [
            (
                aangemeld("V1", "A9", None, "2024-02-02"),
                AfwijzingCode::OnbekendeAanbieder,
            ),
            (
                aangemeld("V1", "A1", Some("F9"), "2024-02-02"),
                AfwijzingCode::OnbekendeVoorziening,
            ),
            (
                aangemeld("V1", "A1", Some("F3"), "2024-02-02"),
                AfwijzingCode::VoorzieningVanAndereAanbieder,
            ),
            (
                aanbod("V1", "F9", "2024-02-02"),
                AfwijzingCode::OnbekendeVoorziening,
            ),
        ],
    );
    let melding = w
        .jcheck(P, &aangemeld("V1", "A1", Some("F3"), "2024-02-02"))
        .expect_err("refused")
        .melding;
    assert!(
        melding.contains("Aanbieder A2") && melding.contains("F3"),
        "{melding}"
    );
    w.j(P, &aangemeld("V1", "A2", Some("F3"), "2024-02-02"));
}

#[test]
fn an_offer_or_refusal_needs_a_registration_with_that_provider_by_then() {
    let mut w = wereld();
    w.j(P, &verzoek("V1", "2024-02-01"));
    w.j(P, &aangemeld("V1", "A1", None, "2024-02-05"));
    w.rejects_youth_facts(
        P,
        [
            (
                geweigerd("V1", "A2", "2024-02-06"),
                AfwijzingCode::NietAangemeld,
            ),
            (
                aanbod("V1", "F3", "2024-02-06"),
                AfwijzingCode::NietAangemeld,
            ),
            // Registered with A1 only from the 5th.
            (
                geweigerd("V1", "A1", "2024-02-04"),
                AfwijzingCode::NietAangemeld,
            ),
            (
                aanbod("V1", "F1", "2024-02-04"),
                AfwijzingCode::NietAangemeld,
            ),
        ],
    );
    let melding = w
        .jcheck(P, &aanbod("V1", "F3", "2024-02-06"))
        .expect_err("refused")
        .melding;
    assert!(
        melding.contains("F3") && melding.contains("(A2)"),
        "{melding}"
    );
    // The offer is by the facility's provider, whatever facility the registration named.
    w.j(P, &aanbod("V1", "F2", "2024-02-05"));
    w.j(P, &geweigerd("V1", "A1", "2024-02-05"));
    // A late registration dated earlier makes an earlier refusal possible.
    w.j(P, &aangemeld("V1", "A2", None, "2024-02-02"));
    w.j(P, &geweigerd("V1", "A2", "2024-02-03"));
}

// ------------------------------------------------------------------ refusals: absences

#[test]
fn an_absence_needs_a_running_residential_placement() {
    let mut w = wereld();
    met_machtiging(&mut w);
    w.j(P, &start("AMB", "2024-01-05"));
    assert_eq!(
        w.jweiger(P, &onttrokken(None, "2024-01-20")),
        AfwijzingCode::OnttrekkingZonderPlaatsing,
        "an ambulant trajectory is no residential placement"
    );
    w.j(P, &start("F1", "2024-02-01"));
    w.j(P, &einde(Some("F1"), "2024-03-01"));
    w.rejects_youth_facts(
        P,
        [
            (
                onttrokken(None, "2024-01-31"),
                AfwijzingCode::OnttrekkingZonderPlaatsing,
            ),
            // The end date is the first day no longer there.
            (
                onttrokken(None, "2024-03-01"),
                AfwijzingCode::OnttrekkingZonderPlaatsing,
            ),
            (
                onttrokken(Some("F2"), "2024-02-10"),
                AfwijzingCode::OnttrekkingZonderPlaatsing,
            ),
            (
                onttrokken(Some("AMB"), "2024-02-10"),
                AfwijzingCode::OnttrekkingZonderPlaatsing,
            ),
        ],
    );
    let melding = w
        .jcheck(P, &onttrokken(Some("F2"), "2024-02-10"))
        .expect_err("refused")
        .melding;
    assert!(
        melding.contains("F1") && melding.contains("F2"),
        "{melding}"
    );
    w.j(P, &onttrokken(Some("F1"), "2024-02-01"));
}

#[test]
fn an_absence_while_absent_and_a_return_without_absence_are_refused() {
    let mut w = wereld();
    met_machtiging(&mut w);
    w.j(P, &start("F1", "2024-02-01"));
    assert_eq!(
        w.jweiger(P, &teruggekeerd("2024-02-05")),
        AfwijzingCode::NietOnttrokken
    );
    w.j(P, &onttrokken(None, "2024-02-10"));
    w.rejects_youth_facts(
        P,
        [
            (onttrokken(None, "2024-02-12"), AfwijzingCode::AlOnttrokken),
            (onttrokken(None, "2024-02-10"), AfwijzingCode::AlOnttrokken),
            (teruggekeerd("2024-02-09"), AfwijzingCode::NietOnttrokken),
            // Back on the day it started: an absence lasts at least a day.
            (teruggekeerd("2024-02-10"), AfwijzingCode::NietOnttrokken),
        ],
    );
    let melding = w
        .jcheck(P, &teruggekeerd("2024-02-10"))
        .expect_err("refused")
        .melding;
    assert!(melding.contains("minstens een dag"), "{melding}");
    w.j(P, &teruggekeerd("2024-02-14"));
    assert_eq!(
        w.jweiger(P, &teruggekeerd("2024-02-20")),
        AfwijzingCode::NietOnttrokken
    );
    // A new absence may start on the day of the return.
    w.j(P, &onttrokken(None, "2024-02-14"));
    w.j(P, &teruggekeerd("2024-02-15"));
    let vraag = w.staat.vraag(P);
    assert_eq!(vraag.afwezigheden.len(), 2);
    assert_eq!(vraag.afwezigheden[0].einde, Some(d("2024-02-14")));
    assert_eq!(vraag.afwezigheden[0].voorziening.as_deref(), Some("F1"));
}

#[test]
fn an_absence_stays_open_when_the_placement_ends_and_the_return_may_follow() {
    let mut w = wereld();
    met_machtiging(&mut w);
    w.j(P, &start("F1", "2024-02-01"));
    w.j(P, &onttrokken(None, "2024-02-10"));
    w.j(P, &einde(None, "2024-03-01"));
    w.j(P, &teruggekeerd("2024-03-15"));
    let vraag = w.staat.vraag(P);
    assert!(vraag.afwezigheden[0].open_op(d("2024-03-14")));
    assert!(!vraag.afwezigheden[0].open_op(d("2024-03-15")));
}

// ------------------------------------------------------------------ signals

#[test]
fn a_placement_of_another_form_or_regime_signals_niet_passend_geplaatst() {
    let mut w = wereld();
    met_machtiging(&mut w);
    w.j(P, &verzoek("V1", "2024-02-01"));
    // F2 is KLEINSCHALIG OPEN; the request needs GROEP GESLOTEN.
    let signalen = w
        .jcheck(P, &plaatsing_voor("F2", "2024-02-05", "V1", false))
        .expect("accepted");
    assert_eq!(
        signalen,
        [Signaal::NietPassendGeplaatst {
            verzoek: "V1".into(),
            voorziening: "F2".into(),
            datum: d("2024-02-05"),
        }]
    );
    // Also a bridging place; F3 (GROEP OPEN) differs in regime only.
    assert_eq!(
        w.jcodes(P, &plaatsing_voor("F2", "2024-02-05", "V1", true)),
        ["NIET_PASSEND_GEPLAATST"]
    );
    assert_eq!(
        w.jcodes(P, &plaatsing_voor("F3", "2024-02-05", "V1", false)),
        ["NIET_PASSEND_GEPLAATST"]
    );
    assert!(
        w.jcodes(P, &plaatsing_voor("F1", "2024-02-05", "V1", true))
            .is_empty()
    );
    // A placement without a request is never judged on fit.
    assert!(w.jcodes(P, &start("F2", "2024-02-05")).is_empty());
}

#[test]
fn a_closure_after_the_norm_signals_wachttijd_overschreden() {
    let mut w = wereld();
    met_machtiging(&mut w);
    w.j(P, &spoedverzoek("S1", "2024-02-01"));
    w.j(P, &verzoek("R1", "2024-02-01"));
    // Spoed: 7 days is within the norm, 8 is not.
    assert!(
        w.jcodes(P, &plaatsing_voor("F1", "2024-02-08", "S1", false))
            .is_empty()
    );
    assert_eq!(
        w.jcheck(P, &plaatsing_voor("F1", "2024-02-09", "S1", false))
            .expect("accepted"),
        [Signaal::WachttijdOverschreden {
            verzoek: "S1".into(),
            urgentie: Urgentie::Spoed,
            dagen: 8,
            norm: 7,
        }]
    );
    // Regulier: 42 days by default; a withdrawal is a closure too.
    assert!(w.jcodes(P, &ingetrokken("R1", "2024-03-14")).is_empty());
    assert_eq!(
        w.jcodes(P, &ingetrokken("R1", "2024-03-15")),
        ["WACHTTIJD_OVERSCHREDEN"]
    );
    let melding = w
        .jcheck(P, &ingetrokken("R1", "2024-03-15"))
        .expect("accepted")[0]
        .melding();
    assert!(
        melding.contains("43 dagen") && melding.contains("42"),
        "{melding}"
    );
    // Both signals together: late and not fitting.
    assert_eq!(
        w.jcodes(P, &plaatsing_voor("F2", "2024-02-09", "S1", false)),
        ["NIET_PASSEND_GEPLAATST", "WACHTTIJD_OVERSCHREDEN"]
    );
}

#[test]
fn the_regulier_norm_is_configurable_and_spoed_is_fixed() {
    assert_eq!(Normen::default().norm(Urgentie::Regulier), 42);
    assert_eq!(Normen::default().norm(Urgentie::Spoed), SPOED_NORM_DAGEN);
    let normen = Normen::met_regulier(90);
    assert_eq!(normen.regulier_dagen(), 90);
    assert_eq!(normen.norm(Urgentie::Spoed), 7);
    assert_eq!(DomainState::new().normen(), Normen::default());
    assert_eq!(DomainState::with_normen(normen).normen(), normen);

    let mut w = wereld();
    w.j(P, &verzoek("R1", "2024-02-01"));
    w.j(P, &spoedverzoek("S1", "2024-02-01"));
    w.staat.set_normen(normen);
    assert!(w.jcodes(P, &ingetrokken("R1", "2024-03-15")).is_empty());
    assert!(
        w.jcodes(P, &ingetrokken("R1", "2024-05-01")).is_empty(),
        "90 days"
    );
    assert_eq!(
        w.jcodes(P, &ingetrokken("R1", "2024-05-02")),
        ["WACHTTIJD_OVERSCHREDEN"]
    );
    assert_eq!(
        w.jcodes(P, &ingetrokken("S1", "2024-02-09")),
        ["WACHTTIJD_OVERSCHREDEN"]
    );
}

// ------------------------------------------------------------------ late data, corrections

#[test]
fn a_withdrawal_recorded_after_a_later_dated_registration_is_refused() {
    let mut w = wereld();
    w.j(P, &verzoek("V1", "2024-02-01"));
    w.j(P, &aangemeld("V1", "A1", None, "2024-02-20"));
    let a = w
        .jcheck(P, &ingetrokken("V1", "2024-02-10"))
        .expect_err("the registration of the 20th would follow the withdrawal");
    assert_eq!(a.code, AfwijzingCode::AfhankelijkeFeiten);
    assert!(a.melding.contains("20-02-2024"), "{}", a.melding);
    // Dated on or after the registration it is fine.
    w.j(P, &ingetrokken("V1", "2024-02-20"));
}

#[test]
fn a_late_fulfilment_before_a_recorded_withdrawal_is_refused() {
    let mut w = wereld();
    met_machtiging(&mut w);
    w.j(P, &verzoek("V1", "2024-02-01"));
    w.j(P, &ingetrokken("V1", "2024-03-01"));
    assert_eq!(
        w.jweiger(P, &plaatsing_voor("F1", "2024-02-15", "V1", false)),
        AfwijzingCode::AfhankelijkeFeiten
    );
    // A late registration dated before the withdrawal is accepted.
    w.j(P, &aangemeld("V1", "A1", None, "2024-02-10"));
}

#[test]
fn a_late_absence_before_an_open_one_signals_and_its_return_may_follow() {
    let mut w = wereld();
    met_machtiging(&mut w);
    w.j(P, &start("F1", "2024-02-01"));
    w.j(P, &onttrokken(None, "2024-03-01"));
    // Recorded late, before the open one: it counts until that one starts.
    let (_, signalen) = w.j(P, &onttrokken(None, "2024-02-10"));
    assert_eq!(
        signalen,
        [Signaal::TerugkeerOntbreekt {
            start: d("2024-02-10"),
            volgende_start: d("2024-03-01"),
        }]
    );
    let vraag = w.staat.vraag(P);
    assert_eq!(vraag.afwezigheden[0].einde, Some(d("2024-03-01")));
    // Its return is then accepted, and the history is clean.
    w.j(P, &teruggekeerd("2024-02-15"));
    let vraag = w.staat.vraag(P);
    assert_eq!(vraag.afwezigheden.len(), 2);
    assert_eq!(vraag.afwezigheden[0].einde, Some(d("2024-02-15")));
    assert!(vraag.afwezigheden[1].open_op(d("2024-03-20")));
    assert!(vraag.schendingen.is_empty(), "{:?}", vraag.schendingen);
    // An absence inside a recorded one stays refused.
    assert_eq!(
        w.jweiger(P, &onttrokken(None, "2024-02-12")),
        AfwijzingCode::AlOnttrokken
    );
}

#[test]
fn retracting_a_return_before_a_later_absence_is_refused() {
    let mut w = wereld();
    met_machtiging(&mut w);
    w.j(P, &start("F1", "2024-02-01"));
    w.j(P, &onttrokken(None, "2024-02-10"));
    let (terug, _) = w.j(P, &teruggekeerd("2024-02-15"));
    w.j(P, &onttrokken(None, "2024-03-01"));
    assert_eq!(
        w.jweiger(P, &intrekking(terug)),
        AfwijzingCode::AlOnttrokken
    );
}

#[test]
fn a_correction_of_the_request_date_is_judged_against_its_facts() {
    let mut w = wereld();
    met_machtiging(&mut w);
    let (v1, _) = w.j(P, &verzoek("V1", "2024-03-01"));
    w.j(P, &aangemeld("V1", "A1", None, "2024-03-05"));
    assert_eq!(
        w.jweiger(P, &correctie(v1, verzoek("V1", "2024-03-10"))),
        AfwijzingCode::AfhankelijkeFeiten
    );
    w.j(P, &correctie(v1, verzoek("V1", "2024-02-20")));
    // Fulfilled 30 days after 20 Feb: within the norm.
    let (_, signalen) = w.j(P, &plaatsing_voor("F1", "2024-03-21", "V1", false));
    assert!(signalen.is_empty());
    // Moving the request a month earlier makes the wait 60 days: the correction signals.
    assert_eq!(
        w.jcheck(P, &correctie(v1, verzoek("V1", "2024-01-21"))),
        Ok(vec![Signaal::WachttijdOverschreden {
            verzoek: "V1".into(),
            urgentie: Urgentie::Regulier,
            dagen: 60,
            norm: 42,
        }])
    );
    // Changing the needed form makes the placement a non-fitting one.
    assert_eq!(
        w.jcodes(
            P,
            &correctie(
                v1,
                verzoek_met(
                    "V1",
                    "2024-02-20",
                    Urgentie::Regulier,
                    Vorm::Kleinschalig,
                    Regime::Open
                )
            )
        ),
        ["NIET_PASSEND_GEPLAATST"]
    );
    // A correction that changes nothing the need side sees signals nothing new.
    assert!(
        w.jcodes(P, &correctie(v1, verzoek("V1", "2024-02-20")))
            .is_empty()
    );
    // Renaming the request orphans its registration and fulfilment.
    assert_eq!(
        w.jweiger(P, &correctie(v1, verzoek("V9", "2024-02-20"))),
        AfwijzingCode::AfhankelijkeFeiten
    );
}

#[test]
fn retracting_the_fulfilling_placement_reopens_the_request() {
    let mut w = wereld();
    met_machtiging(&mut w);
    w.j(P, &verzoek("V1", "2024-02-01"));
    let (plaatsing, _) = w.j(P, &plaatsing_voor("F2", "2024-02-05", "V1", true));
    assert_eq!(
        w.jweiger(P, &door_voor("F2", "F1", "2024-02-10", "V1")),
        AfwijzingCode::VerzoekAfgesloten,
        "fulfilling twice"
    );
    w.j(P, &intrekking(plaatsing));
    assert!(w.staat.vraag(P).verzoeken[0].afsluiting.is_none());
    let (_, signalen) = w.j(P, &plaatsing_voor("F1", "2024-02-06", "V1", false));
    assert!(signalen.is_empty(), "{signalen:?}");
}

#[test]
fn a_correction_of_a_placement_that_drops_its_request_reopens_it() {
    let mut w = wereld();
    met_machtiging(&mut w);
    w.j(P, &verzoek("V1", "2024-02-01"));
    let (plaatsing, _) = w.j(P, &plaatsing_voor("F1", "2024-02-05", "V1", false));
    w.j(P, &correctie(plaatsing, start("F1", "2024-02-05")));
    w.j(P, &ingetrokken("V1", "2024-02-20"));
    // Naming the request again would fulfil it before its withdrawal: the recorded
    // withdrawal would become a second closure.
    assert_eq!(
        w.jweiger(
            P,
            &correctie(plaatsing, plaatsing_voor("F1", "2024-02-05", "V1", false))
        ),
        AfwijzingCode::AfhankelijkeFeiten
    );
}

#[test]
fn retractions_that_orphan_need_facts_are_refused() {
    let mut w = wereld();
    met_machtiging(&mut w);
    let (v1, _) = w.j(P, &verzoek("V1", "2024-02-01"));
    let (aanmelding, _) = w.j(P, &aangemeld("V1", "A1", None, "2024-02-02"));
    w.j(P, &geweigerd("V1", "A1", "2024-02-03"));
    assert_eq!(
        w.jweiger(P, &intrekking(v1)),
        AfwijzingCode::AfhankelijkeFeiten
    );
    assert_eq!(
        w.jweiger(P, &intrekking(aanmelding)),
        AfwijzingCode::AfhankelijkeFeiten
    );

    let (start_f1, _) = w.j(P, &start("F1", "2024-02-01"));
    let (einde_f1, _) = w.j(P, &einde(None, "2024-03-01"));
    let (afwezig, _) = w.j(P, &onttrokken(None, "2024-02-10"));
    w.j(P, &teruggekeerd("2024-02-12"));
    assert_eq!(
        w.jweiger(P, &intrekking(afwezig)),
        AfwijzingCode::AfhankelijkeFeiten
    );
    // The placement's end moved before the absence: the absence has no placement.
    let a = w
        .jcheck(P, &correctie(einde_f1, einde(None, "2024-02-08")))
        .expect_err("refused");
    assert_eq!(a.code, AfwijzingCode::AfhankelijkeFeiten);
    assert!(a.melding.contains("onttrekking"), "{}", a.melding);
    assert_eq!(
        w.jweiger(P, &intrekking(start_f1)),
        AfwijzingCode::AfhankelijkeFeiten
    );
}

#[test]
fn broken_need_history_does_not_block_unrelated_facts() {
    let mut w = wereld();
    met_machtiging(&mut w);
    // Recorded before the rules existed: a refusal without registration, a return
    // without absence.
    w.forceer_in(&jeugdige_stream(P), &verzoek("V1", "2024-02-01"));
    w.forceer_in(&jeugdige_stream(P), &geweigerd("V1", "A2", "2024-02-03"));
    w.forceer_in(&jeugdige_stream(P), &teruggekeerd("2024-02-04"));
    assert_eq!(w.staat.vraag(P).schendingen.len(), 2);
    w.j(P, &aangemeld("V1", "A1", None, "2024-02-05"));
    w.j(P, &start("F1", "2024-02-06"));
    w.j(P, &ingetrokken("V1", "2024-02-07"));
}

#[test]
fn refusal_messages_name_the_request_and_never_the_pseudonym() {
    let mut w = wereld();
    w.j(P, &verzoek("V1", "2024-02-01"));
    for feit in [
        verzoek("V1", "2024-02-01"),
        aangemeld("VX", "A1", None, "2024-02-02"),
        geweigerd("V1", "A2", "2024-02-02"),
        ingetrokken("V1", "2024-01-02"),
    ] {
        let a = w.jcheck(P, &feit).expect_err("refused");
        assert!(a.melding.contains('V'), "{}", a.melding);
        assert!(!a.melding.contains(P), "{}", a.melding);
    }
}

#[test]
fn the_need_side_is_folded_in_valid_time_whatever_the_recording_order() {
    let feiten = [
        start("F1", "2024-01-15"),
        verzoek("V1", "2024-02-01"),
        aangemeld("V1", "A1", None, "2024-02-03"),
        aangemeld("V1", "A2", None, "2024-02-02"),
        geweigerd("V1", "A2", "2024-02-04"),
        ingetrokken("V1", "2024-02-20"),
        onttrokken(None, "2024-02-10"),
        teruggekeerd("2024-02-12"),
        onttrokken(None, "2024-02-12"),
    ];
    // What a youth's need side means, without the event ids of one world.
    type Beeld = (
        Vec<(
            String,
            NaiveDate,
            Vec<(String, NaiveDate)>,
            Option<NaiveDate>,
        )>,
        Vec<(NaiveDate, Option<NaiveDate>)>,
    );
    let beeld = |w: &Wereld| -> Beeld {
        let vraag = w.staat.vraag(P);
        assert!(vraag.schendingen.is_empty(), "{:?}", vraag.schendingen);
        (
            vraag
                .verzoeken
                .iter()
                .map(|v| {
                    (
                        v.verzoek.clone(),
                        v.datum,
                        v.aanmeldingen.clone().into_iter().collect(),
                        v.afsluiting.as_ref().map(|a| a.datum),
                    )
                })
                .collect(),
            vraag
                .afwezigheden
                .iter()
                .map(|a| (a.start, a.einde))
                .collect(),
        )
    };
    let mut verwacht = None;
    let n = feiten.len();
    for draai in 0..n {
        for omgekeerd in [false, true] {
            let mut volgorde: Vec<&Gebeurtenis> =
                feiten.iter().cycle().skip(draai).take(n).collect();
            if omgekeerd {
                volgorde.reverse();
            }
            let mut w = wereld();
            for f in volgorde {
                w.forceer_in(&jeugdige_stream(P), f);
            }
            let b = beeld(&w);
            match &verwacht {
                None => verwacht = Some(b),
                Some(v) => assert_eq!(&b, v, "rotation {draai}, reversed {omgekeerd}"),
            }
        }
    }
    let (verzoeken, afwezigheden) = verwacht.expect("at least one order");
    assert_eq!(verzoeken[0].3, Some(d("2024-02-20")));
    assert_eq!(verzoeken[0].2.len(), 2);
    assert_eq!(
        afwezigheden,
        [
            (d("2024-02-10"), Some(d("2024-02-12"))),
            (d("2024-02-12"), None)
        ]
    );
}
