//! Disclosure control (cell-key method) on generated histories: every protected count is
//! within the table's noise of the true one, zeros stay zero, capacity stays exact, the
//! same records always give the same answer, and differences of published values are
//! right no more often than the table's chance of zero noise.

mod common;

use common::historie::genereer;
use kringloop_projections::*;
use proptest::prelude::*;

fn sleutels() -> RecordKeys {
    RecordKeys::new(b"a test secret of thirty-two bytes")
}

/// Every count of a report beside its exact counterpart, with a name.
fn aantallen(r: &KpiReport) -> Vec<(&'static str, Aantal)> {
    let bz = &r.bezetting.waarde;
    let pl = &r.plaatsingen.waarde;
    let d = &r.doorplaatsingen.waarde;
    let e = &r.stroom_episodes.waarde;
    let t = &r.stroom_trajecten.waarde;
    let u = &r.uitstroom_naar_lichtere_zorg.waarde;
    let v = &r.verblijfsduur.waarde;
    let s = &r.signalen.waarde;
    let mut x = vec![
        ("bezetting", bz.bezetting),
        ("graad.teller", bz.graad.teller),
        ("exclusief", pl.exclusief_doorplaatsingen),
        ("inclusief", pl.inclusief_doorplaatsingen),
        ("uniek", r.unieke_jeugdigen.waarde),
        ("spoed", r.spoedmachtigingen.waarde),
        ("spoedaandeel.teller", r.spoedaandeel.waarde.teller),
        ("spoedaandeel.noemer", r.spoedaandeel.waarde.noemer),
        ("door", d.aantal),
        ("cohort.teller", d.cohort_365.teller),
        ("cohort.noemer", d.cohort_365.noemer),
        ("ep.begin", e.begin),
        ("ep.instroom", e.instroom),
        ("ep.uitstroom", e.uitstroom),
        ("ep.eind", e.eind),
        ("tr.begin", t.begin),
        ("tr.instroom", t.instroom),
        ("tr.uitstroom", t.uitstroom),
        ("tr.eind", t.eind),
        ("lichter.teller", u.lichter.teller),
        ("lichter.noemer", u.lichter.noemer),
        ("duur.aantal", v.aantal),
        ("duur.kort", v.korter_dan_jaar.teller),
        ("langverblijvers", r.langverblijvers.waarde),
        ("zonder_machtiging", s.zonder_machtiging),
        ("spoed_te_lang", s.spoedmachtiging_te_lang),
        ("sig.door", s.doorplaatsing),
    ];
    for rij in &u.bestemmingen.cellen {
        x.extend(rij.iter().map(|&a| ("bestemming", a)));
    }
    x.push(("bestemmingen.totaal", u.bestemmingen.totaal));
    x
}

fn perioden() -> Vec<Periode> {
    [
        Periode::kwartaal(2024, 3),
        Periode::jaar(2024),
        Periode::halfjaar(2025, 1),
    ]
    .into_iter()
    .flatten()
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn verstoord_binnen_de_tabel_en_capaciteit_exact(seed in any::<u64>(), n in 1usize..40) {
        let log = genereer(seed, n);
        let (p, _) = Projection::rebuild(&log.events);
        let sl = sleutels();
        for periode in perioden() {
            for filter in [Filter::default(), Filter { gemeente: Some("G2".into()), ..Filter::default() }] {
                let q = Query::new(periode).filter(filter);
                let exact = p.kpis(&q);
                let b = p.kpis_beschermd(&q, &sl);
                for ((naam, e), (_, v)) in aantallen(&exact).into_iter().zip(aantallen(&b)) {
                    let (e, w) = (e.of_nul(), v.waarde);
                    prop_assert_eq!(v.bescherming, Bescherming::Verstoord, "{}", naam);
                    let w = w.ok_or_else(|| TestCaseError::fail(format!("{naam}: no value")))?;
                    prop_assert!(w >= 0 && (w - e).abs() <= 2, "{}: {} against {}", naam, w, e);
                    if e == 0 {
                        prop_assert_eq!(w, 0, "{}: a true zero stays zero", naam);
                    }
                }
                // Facts about facilities stay exact.
                prop_assert_eq!(&b.plaatsen, &exact.plaatsen);
                prop_assert_eq!(&b.opbouw, &exact.opbouw);
                prop_assert_eq!(&b.afbouw, &exact.afbouw);
                prop_assert_eq!(&b.balans, &exact.balans);
                prop_assert_eq!(&b.doelafwijking, &exact.doelafwijking);
                prop_assert_eq!(b.bezetting.waarde.plaatsen, exact.bezetting.waarde.plaatsen);
                // Overbezetting counts facilities, not persons.
                prop_assert_eq!(b.signalen.waarde.overbezetting, exact.signalen.waarde.overbezetting);
                // Asked again: the same answer.
                prop_assert_eq!(&p.kpis_beschermd(&q, &sl), &b);
            }
        }
    }

    /// A breakdown: cells within the noise, and a total that selects the same records as
    /// a cell (a one-row table) reads the same as that cell.
    #[test]
    fn uitsplitsing_verstoord_en_consistent(seed in any::<u64>(), n in 1usize..40) {
        let log = genereer(seed, n);
        let (p, _) = Projection::rebuild(&log.events);
        let sl = sleutels();
        let q = Query::new(Periode::kwartaal(2024, 3).map_err(|e| TestCaseError::fail(e.to_string()))?)
            .peildatum(common::d("2024-08-01"));
        for (rij, kolom) in [(Dimensie::Jeugdregio, Dimensie::Regime), (Dimensie::Gemeente, Dimensie::Voorziening)] {
            let exact = p.bezetting_per(&q, rij, kolom).waarde;
            let b = p.bezetting_per_beschermd(&q, rij, kolom, &sl).waarde;
            let plat = |t: &Kruistabel| -> Vec<Aantal> {
                t.cellen.iter().flatten().chain(&t.rijtotalen).chain(&t.kolomtotalen).chain(std::iter::once(&t.totaal)).copied().collect()
            };
            for (e, v) in plat(&exact).into_iter().zip(plat(&b)) {
                let w = v.waarde.unwrap_or(-100);
                prop_assert!((w - e.of_nul()).abs() <= 2 && w >= 0, "{:?} against {:?}", v, e);
                prop_assert_eq!(v.bescherming, Bescherming::Verstoord);
            }
            // The grand total selects the same records as `bezetting` with the same
            // query: the same answer.
            prop_assert_eq!(b.totaal, p.kpis_beschermd(&q, &sl).bezetting.waarde.bezetting);
        }
    }
}

/// Asked another way that selects the same records: a period stretched by days on which
/// nothing starts gives the same perturbed count of starts; a different secret gives
/// different noise.
#[test]
fn dezelfde_records_hetzelfde_antwoord() {
    let log = genereer(7, 60);
    let (p, _) = Projection::rebuild(&log.events);
    let sl = sleutels();
    let mut vergeleken = 0;
    let basis = common::d("2024-01-01");
    for eind in 1..300 {
        let tot = basis + chrono::Duration::days(eind);
        let (Ok(a), Ok(b)) = (
            Periode::bereik(basis, tot),
            Periode::bereik(basis, tot + chrono::Duration::days(1)),
        ) else {
            continue;
        };
        let (ea, eb) = (p.kpis(&Query::new(a)), p.kpis(&Query::new(b)));
        if ea.plaatsingen.waarde.inclusief_doorplaatsingen
            == eb.plaatsingen.waarde.inclusief_doorplaatsingen
            && ea.plaatsingen.waarde.exclusief_doorplaatsingen
                == eb.plaatsingen.waarde.exclusief_doorplaatsingen
        {
            let (ba, bb) = (
                p.kpis_beschermd(&Query::new(a), &sl),
                p.kpis_beschermd(&Query::new(b), &sl),
            );
            assert_eq!(
                ba.plaatsingen.waarde, bb.plaatsingen.waarde,
                "{a:?} / {b:?}"
            );
            vergeleken += 1;
        }
    }
    assert!(vergeleken > 20, "only {vergeleken} pairs compared");
}

/// Differencing periods a day apart: the derived one-day count is right no more often
/// than the table's chance of zero noise (the two noises are independent, so it is
/// right with probability Σ p² ≈ 0.34 < 0.5).
#[test]
fn verschil_van_dagen_is_niet_zeker() {
    let log = genereer(11, 300);
    let (p, _) = Projection::rebuild(&log.events);
    let sl = sleutels();
    let basis = common::d("2023-01-01");
    let (mut goed, mut pogingen) = (0usize, 0usize);
    for eind in 30..700 {
        let tot = basis + chrono::Duration::days(eind);
        let (Ok(a), Ok(b)) = (
            Periode::bereik(basis, tot + chrono::Duration::days(1)),
            Periode::bereik(basis, tot),
        ) else {
            continue;
        };
        let (ea, eb) = (p.kpis(&Query::new(a)), p.kpis(&Query::new(b)));
        let echt = ea.plaatsingen.waarde.inclusief_doorplaatsingen.of_nul()
            - eb.plaatsingen.waarde.inclusief_doorplaatsingen.of_nul();
        if echt == 0 {
            continue; // the same records: the same answer (tested above)
        }
        let (ba, bb) = (
            p.kpis_beschermd(&Query::new(a), &sl),
            p.kpis_beschermd(&Query::new(b), &sl),
        );
        let afgeleid = ba.plaatsingen.waarde.inclusief_doorplaatsingen.of_nul()
            - bb.plaatsingen.waarde.inclusief_doorplaatsingen.of_nul();
        pogingen += 1;
        goed += usize::from(afgeleid == echt);
    }
    assert!(pogingen >= 100, "only {pogingen} attempts");
    let kans = goed as f64 / pogingen as f64;
    // Binomial with p ≈ 0.34: three standard deviations above it stays under 0.5.
    let grens = KANS_ONVERANDERD;
    assert!(
        kans <= grens,
        "{goed} of {pogingen} derived exactly ({kans:.2} > {grens})"
    );
    assert!(goed < pogingen, "every derived value exact: no protection");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// A protected series (the sweep's figures with the key sums of `key_sweep.rs`) is
    /// its periods protected one by one: the same records, the same keys, the same noise.
    #[test]
    fn beschermde_reeks_is_per_periode(seed in any::<u64>(), n in 1usize..40, maanden in any::<bool>(), k in 0usize..3) {
        let log = genereer(seed, n);
        let (p, _) = Projection::rebuild(&log.events);
        let sl = sleutels();
        let g = if maanden { Granulariteit::Maand } else { Granulariteit::Kwartaal };
        let perioden = Periode::reeks(common::d("2023-07-01"), common::d("2025-07-01"), g)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let kennis = log.events.get(log.events.len() * k / 3).map(|e| e.recorded_at);
        for filter in [Filter::default(), Filter { gemeente: Some("G2".into()), ..Filter::default() }] {
            let mut q = Query::new(perioden[0]).filter(filter);
            if k > 0 {
                q.known_at = kennis;
            }
            let reeks = p.reeks_beschermd(&q, &perioden, &sl);
            prop_assert_eq!(reeks.len(), perioden.len());
            for (r, &per) in reeks.iter().zip(&perioden) {
                let mut qq = q.clone();
                qq.periode = per;
                prop_assert_eq!(r, &p.kpis_beschermd(&qq, &sl), "{:?}", per);
            }
        }
    }
}
