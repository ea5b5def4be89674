//! Small numbers: nothing from 1 to 4 and no share with a denominator under 10 leaves for
//! an aggregate caller, and no suppressed cell can be recovered from the totals.

mod common;

use common::historie::genereer;
use kringloop_projections::*;
use proptest::prelude::*;
use serde_json::Value;

/// Every count and share in the JSON of a report, outside the capacity tables unless
/// `capaciteit`.
fn controleer_waarden(v: &Value, pad: &str, fouten: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            let is_aantal =
                m.len() == 2 && m.contains_key("waarde") && m.contains_key("onderdrukt");
            if is_aantal {
                if let Some(n) = m.get("waarde").and_then(Value::as_i64)
                    && (1..=4).contains(&n)
                {
                    fouten.push(format!("{pad}: aantal {n}"));
                }
                return;
            }
            if m.contains_key("teller") && m.contains_key("noemer") {
                let noemer = m
                    .get("noemer")
                    .and_then(|n| n.get("waarde"))
                    .and_then(Value::as_i64);
                let waarde = m.get("waarde").filter(|w| !w.is_null());
                if noemer.is_none_or(|n| n < 10) && waarde.is_some() {
                    fouten.push(format!("{pad}: aandeel met noemer {noemer:?}"));
                }
            }
            for (k, w) in m {
                controleer_waarden(w, &format!("{pad}.{k}"), fouten);
            }
        }
        Value::Array(a) => {
            for (i, w) in a.iter().enumerate() {
                controleer_waarden(w, &format!("{pad}[{i}]"), fouten);
            }
        }
        _ => {}
    }
}

/// Every relation (row + total, column + total, totals + grand total) has zero or at
/// least two suppressed members.
fn controleer_tabel(t: &Kruistabel, naam: &str, fouten: &mut Vec<String>) {
    let mut relaties: Vec<Vec<Aantal>> = Vec::new();
    for (r, rij) in t.cellen.iter().enumerate() {
        let mut rel = rij.clone();
        rel.extend(t.rijtotalen.get(r));
        relaties.push(rel);
    }
    for k in 0..t.kolommen.len() {
        let mut rel: Vec<Aantal> = t
            .cellen
            .iter()
            .filter_map(|rij| rij.get(k).copied())
            .collect();
        rel.extend(t.kolomtotalen.get(k));
        relaties.push(rel);
    }
    let mut rel = t.rijtotalen.clone();
    rel.push(t.totaal);
    relaties.push(rel);
    let mut rel = t.kolomtotalen.clone();
    rel.push(t.totaal);
    relaties.push(rel);
    controleer_relaties(&relaties, naam, fouten);
}

fn controleer_relaties(relaties: &[Vec<Aantal>], naam: &str, fouten: &mut Vec<String>) {
    for rel in relaties {
        if rel.iter().filter(|a| a.onderdrukt).count() == 1 {
            fouten.push(format!("{naam}: één onderdrukte cel in {rel:?}"));
        }
        if rel.iter().any(|a| a.onderdrukt != a.waarde.is_none()) {
            fouten.push(format!("{naam}: vlag en waarde oneens in {rel:?}"));
        }
    }
}

fn controleer(r: &KpiReport, cfg: &SuppressionConfig) -> Vec<String> {
    let mut fouten = Vec::new();
    let mut json = serde_json::to_value(r).unwrap_or(Value::Null);
    if !cfg.capaciteit
        && let Some(m) = json.as_object_mut()
    {
        for k in ["plaatsen", "opbouw", "afbouw"] {
            m.remove(k);
        }
    }
    controleer_waarden(&json, "", &mut fouten);
    controleer_tabel(
        &r.uitstroom_naar_lichtere_zorg.waarde.bestemmingen,
        "bestemmingen",
        &mut fouten,
    );
    if cfg.capaciteit {
        controleer_tabel(&r.plaatsen.waarde, "plaatsen", &mut fouten);
        controleer_tabel(&r.opbouw.waarde, "opbouw", &mut fouten);
        controleer_tabel(&r.afbouw.waarde, "afbouw", &mut fouten);
    }
    for s in [&r.stroom_episodes.waarde, &r.stroom_trajecten.waarde] {
        controleer_relaties(
            &[vec![s.begin, s.instroom, s.uitstroom, s.eind]],
            "stroom",
            &mut fouten,
        );
    }
    let p = &r.plaatsingen.waarde;
    controleer_relaties(
        &[vec![
            p.exclusief_doorplaatsingen,
            p.inclusief_doorplaatsingen,
            r.doorplaatsingen.waarde.aantal,
        ]],
        "plaatsingen",
        &mut fouten,
    );
    let l = &r.uitstroom_naar_lichtere_zorg.waarde;
    if let Some(o) = l.bestemmingen.rijtotaal("ONBEKEND") {
        controleer_relaties(
            &[vec![l.lichter.noemer, o, l.bestemmingen.totaal]],
            "bekend",
            &mut fouten,
        );
    }
    fouten
}

#[test]
fn handgemaakte_tabel() {
    // A suppressed 3 next to a 40 and a total of 43: the 40 must go too, and with it
    // the column, so that 3 cannot be recovered.
    let mut r = {
        let log = genereer(42, 30);
        let (p, _) = Projection::rebuild(&log.events);
        p.kpis(&Query::new(
            Periode::jaar(2024).unwrap_or_else(|e| panic!("{e}")),
        ))
    };
    let rijen = r
        .uitstroom_naar_lichtere_zorg
        .waarde
        .bestemmingen
        .rijen
        .clone();
    let mut waarden = vec![vec![0i64]; rijen.len()];
    waarden[0][0] = 40;
    waarden[1][0] = 3;
    r.uitstroom_naar_lichtere_zorg.waarde.bestemmingen = kruistabel(rijen, &waarden);
    let o = onderdruk(&r, &SuppressionConfig::default());
    let t = &o.uitstroom_naar_lichtere_zorg.waarde.bestemmingen;
    assert!(t.cellen[1][0].onderdrukt);
    assert!(t.cellen[0][0].onderdrukt || t.totaal.onderdrukt);
    assert!(controleer(&o, &SuppressionConfig::default()).is_empty());
}

/// Builds a one-column table like the projection does (test-only mirror).
fn kruistabel(rijen: Vec<String>, waarden: &[Vec<i64>]) -> Kruistabel {
    let rijtotalen: Vec<Aantal> = waarden
        .iter()
        .map(|r| Aantal::van(r.iter().sum()))
        .collect();
    let totaal: i64 = waarden.iter().flatten().sum();
    Kruistabel {
        rijen,
        kolommen: vec!["aantal".into()],
        cellen: waarden
            .iter()
            .map(|r| r.iter().map(|&v| Aantal::van(v)).collect())
            .collect(),
        rijtotalen,
        kolomtotalen: vec![Aantal::van(totaal)],
        totaal: Aantal::van(totaal),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn niets_kleins_en_niets_af_te_leiden(seed in any::<u64>(), n in 1usize..40, capaciteit in any::<bool>()) {
        let log = genereer(seed, n);
        let (p, _) = Projection::rebuild(&log.events);
        let cfg = SuppressionConfig { capaciteit, ..SuppressionConfig::default() };
        for periode in [Periode::kwartaal(2024, 3), Periode::jaar(2024), Periode::halfjaar(2025, 1)].into_iter().flatten() {
            for filter in [Filter::default(), Filter { gemeente: Some("G2".into()), ..Filter::default() }] {
                let r = p.kpis(&Query::new(periode).filter(filter));
                let o = onderdruk(&r, &cfg);
                let fouten = controleer(&o, &cfg);
                prop_assert!(fouten.is_empty(), "{:?}", fouten);
                // Unsuppressed figures are the true ones, never perturbed.
                prop_assert_eq!(
                    o.stroom_episodes.waarde.instroom.waarde.is_none_or(|v| Some(v) == r.stroom_episodes.waarde.instroom.waarde),
                    true
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// A breakdown for an aggregate caller: no count from 1 to 4 visible, no suppressed
    /// cell alone in a row, column or total, and every visible number the true one.
    #[test]
    fn uitsplitsing_niets_kleins_en_niets_af_te_leiden(seed in any::<u64>(), n in 1usize..40) {
        let log = genereer(seed, n);
        let (p, _) = Projection::rebuild(&log.events);
        let cfg = SuppressionConfig::default();
        for (rij, kolom) in [
            (Dimensie::Jeugdregio, Dimensie::Regime),
            (Dimensie::Gemeente, Dimensie::Voorziening),
        ] {
            let q = Query::new(Periode::kwartaal(2024, 3).map_err(|e| TestCaseError::fail(e.to_string()))?)
                .peildatum(common::d("2024-08-01"));
            let echt = p.bezetting_per(&q, rij, kolom).waarde;
            let o = onderdruk_kruistabel(&echt, &cfg);
            let mut fouten = Vec::new();
            controleer_tabel(&o, "bezetting_per", &mut fouten);
            prop_assert!(fouten.is_empty(), "{:?}", fouten);
            let alle = o
                .cellen
                .iter()
                .flatten()
                .chain(&o.rijtotalen)
                .chain(&o.kolomtotalen)
                .chain(std::iter::once(&o.totaal));
            let echte = echt
                .cellen
                .iter()
                .flatten()
                .chain(&echt.rijtotalen)
                .chain(&echt.kolomtotalen)
                .chain(std::iter::once(&echt.totaal));
            for (a, e) in alle.zip(echte) {
                prop_assert!(!a.waarde.is_some_and(|v| (1..5).contains(&v)), "{:?}", o);
                prop_assert!(a.waarde.is_none_or(|v| Some(v) == e.waarde), "{:?} vs {:?}", a, e);
            }
        }
    }
}
