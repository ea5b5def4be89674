//! The record format: the code lists against the domain enums, and building facts from
//! records.

use super::*;
use kringloop_events::{Geslacht, MachtigingSoort, Regime, Verblijfplaats, Vorm};
use std::collections::HashMap;

struct Kaart(HashMap<&'static str, &'static str>);
impl Velden for Kaart {
    fn tekst(&self, naam: &str) -> Result<Option<Cow<'_, str>>, VeldFout> {
        Ok(self.0.get(naam).map(|s| Cow::Borrowed(*s)))
    }
}

/// Every variant of the enums without an `ALL` list. The matches are exhaustive, so a
/// new variant stops the tests from compiling until it is listed here; the test below
/// then fails until its code is in the format's code list.
fn geslachten() -> Vec<Geslacht> {
    let alle = vec![
        Geslacht::Man,
        Geslacht::Vrouw,
        Geslacht::Anders,
        Geslacht::Onbekend,
    ];
    for g in &alle {
        match g {
            Geslacht::Man | Geslacht::Vrouw | Geslacht::Anders | Geslacht::Onbekend => {}
        }
    }
    alle
}

fn machtigingsoorten() -> Vec<MachtigingSoort> {
    let alle = vec![
        MachtigingSoort::Mgj,
        MachtigingSoort::Spoedmachtiging,
        MachtigingSoort::VoorwaardelijkeMachtiging,
    ];
    for m in &alle {
        match m {
            MachtigingSoort::Mgj
            | MachtigingSoort::Spoedmachtiging
            | MachtigingSoort::VoorwaardelijkeMachtiging => {}
        }
    }
    alle
}

fn regimes() -> Vec<Regime> {
    let alle = vec![Regime::Gesloten, Regime::Open];
    for r in &alle {
        match r {
            Regime::Gesloten | Regime::Open => {}
        }
    }
    alle
}

/// The code of an enum value as the catalogue writes it (its serde name).
fn code<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        other => panic!("not a code: {other:?}"),
    }
}

/// Each code list holds exactly the codes of its domain enum, so the format accepts
/// every value the catalogue can hold and nothing else.
fn same_codes(list: &[&str], codes: Vec<String>, what: &str) {
    let mut expected: Vec<&str> = codes.iter().map(String::as_str).collect();
    expected.sort_unstable();
    let mut listed = list.to_vec();
    listed.sort_unstable();
    assert_eq!(listed, expected, "{what}: code list and domain enum differ");
}

#[test]
fn code_lists_match_the_domain_enums() {
    assert!(specs_match_the_catalogue());
    same_codes(VORMEN, Vorm::ALL.iter().map(code).collect(), "vormen");
    same_codes(
        VERBLIJFPLAATSEN,
        Verblijfplaats::ALL.iter().map(code).collect(),
        "verblijfplaatsen",
    );
    same_codes(REGIMES, regimes().iter().map(code).collect(), "regimes");
    same_codes(
        GESLACHTEN,
        geslachten().iter().map(code).collect(),
        "geslachten",
    );
    same_codes(
        MACHTIGINGSOORTEN,
        machtigingsoorten().iter().map(code).collect(),
        "machtigingsoorten",
    );
    use kringloop_events::geld::{
        Budgetsegment, Financiering, Maatregelsoort, Normkpi, Richting, Tariefeenheid,
    };
    same_codes(
        FINANCIERINGEN,
        Financiering::ALL.iter().map(code).collect(),
        "financieringen",
    );
    same_codes(
        TARIEFEENHEDEN,
        Tariefeenheid::ALL.iter().map(code).collect(),
        "tariefeenheden",
    );
    // The documented codes of the KPIs are their `code()`s; the import maps those onto
    // the enum itself (the serde name of MAATREGELEN_PER_1000_LIGDAGEN differs).
    same_codes(
        NORMKPIS,
        Normkpi::ALL.iter().map(|k| k.code().to_owned()).collect(),
        "kpi's",
    );
    same_codes(
        MAATREGELSOORTEN,
        Maatregelsoort::ALL.iter().map(code).collect(),
        "maatregelsoorten",
    );
    same_codes(
        BUDGETSEGMENTEN,
        Budgetsegment::ALL.iter().map(code).collect(),
        "budgetsegmenten",
    );
    let richtingen = [Richting::Afbouw, Richting::Opbouw];
    for r in &richtingen {
        match r {
            Richting::Afbouw | Richting::Opbouw => {}
        }
    }
    same_codes(
        RICHTINGEN,
        richtingen.iter().map(code).collect(),
        "richtingen",
    );
    // The codes the domain uses are exactly what the domain's own `code()` says.
    for v in Vorm::ALL {
        assert_eq!(code(&v), v.code());
    }
    for v in Verblijfplaats::ALL {
        assert_eq!(code(&v), v.code());
    }
    for r in regimes() {
        assert_eq!(code(&r), r.code());
    }
    let importeerbaar: Vec<&str> = Gebeurtenis::TYPES
        .iter()
        .map(|(t, _)| *t)
        .filter(|t| !NIET_IMPORTEERBAAR.contains(t))
        .collect();
    assert_eq!(
        SPECS.len(),
        importeerbaar.len(),
        "every catalogue type has a record format"
    );
    for t in importeerbaar {
        assert!(spec(t).is_some(), "{t} has no spec");
    }
    for t in NIET_IMPORTEERBAAR {
        assert!(spec(t).is_none(), "{t} is not importable");
    }
    // Written once by `kringloop versleutel`, never from a file.
    assert!(spec("LogOvergezet").is_none());
}

#[test]
fn builds_a_placement_and_explains_bad_values() {
    let mut m = HashMap::from([
        ("voorziening", "HZN-DE-BRUG"),
        ("datum", "01-02-2024"),
        ("spoed", "ja"),
        ("crisis", "nee"),
        ("verblijf_voor", "thuis"),
    ]);
    let s = spec("PlaatsingGestart").expect("spec");
    let g = bouw(s, &Kaart(m.clone()), "", Some("p1"), None);
    assert!(
        matches!(g, Ok(Gebeurtenis::PlaatsingGestart(ref p)) if p.spoed && p.datum.to_string() == "2024-02-01")
    );
    m.insert("verblijf_voor", "BUITEN");
    let e = bouw(s, &Kaart(m.clone()), "", Some("p1"), None)
        .err()
        .map(|e| e.0);
    assert!(
        e.as_deref().is_some_and(|e| e.contains("THUIS, NETWERK")),
        "{e:?}"
    );
    m.insert("verblijf_voor", "THUIS");
    m.insert("datum", "31-02-2024");
    let e = bouw(s, &Kaart(m), "", Some("p1"), None).err().map(|e| e.0);
    assert!(
        e.as_deref()
            .is_some_and(|e| e.contains("geen geldige datum")),
        "{e:?}"
    );
}

#[test]
fn refuses_a_bsn_in_free_text_without_echoing_it() {
    let m = HashMap::from([
        ("voorziening", "HZN"),
        ("datum", "2024-02-01"),
        ("reden", "jeugdige 999900006 verhuisd"),
    ]);
    let s = spec("VoorzieningGesloten").expect("spec");
    let e = bouw(s, &Kaart(m), "", None, None)
        .err()
        .map(|e| e.0)
        .unwrap_or_default();
    assert!(e.contains("BSN"));
    assert!(!e.contains("999900006"));
}

#[test]
fn builds_a_correction_from_prefixed_columns() {
    let m = HashMap::from([
        ("vervangt", "0190b7a0-0000-7000-8000-000000000001"),
        ("reden", "verkeerde datum"),
        ("nieuw_type", "WoongemeenteGewijzigd"),
        ("nieuw_woongemeente", "GM0518"),
        ("nieuw_datum", "2024-12-15"),
    ]);
    let s = spec("FeitGecorrigeerd").expect("spec");
    let g = bouw(s, &Kaart(m), "", Some("p1"), None);
    assert!(
        matches!(g, Ok(Gebeurtenis::FeitGecorrigeerd(ref c)) if matches!(*c.nieuw, Gebeurtenis::WoongemeenteGewijzigd(_))),
        "{g:?}"
    );
}

#[test]
fn builds_a_national_target() {
    let m = HashMap::from([
        ("scope_niveau", "landsdeel"),
        ("scope_code", "ZUID_WEST"),
        ("regime", "GESLOTEN"),
        ("plaatsen", "100"),
        ("datum", "2024-01-01"),
    ]);
    let s = spec("CapaciteitsdoelVastgesteld").expect("spec");
    let g = bouw(s, &Kaart(m), "", None, None);
    assert!(
        matches!(g, Ok(Gebeurtenis::CapaciteitsdoelVastgesteld(ref d)) if d.plaatsen == 100 && d.vorm.is_none()),
        "{g:?}"
    );
}
