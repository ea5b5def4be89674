//! The generated history, written into a real store and fed through the projections
//! (`kringloop_projections::Projection`, the engine behind the API and the dashboard),
//! reproduces the calibration targets of `CALIBRATION` within the tolerances stated
//! there. `calibration.rs` checks the same targets on the generator's own measurement;
//! this test checks what a user of kringloop actually sees.
//!
//! Each target is mapped onto the KPI that measures it (filter regime GESLOTEN):
//! places → `bezetting.plaatsen` at the day (LOCATIE); placements incl. doorplaatsingen
//! → `plaatsingen.inclusief_doorplaatsingen` for the year; urgent share →
//! the numerator of `spoedaandeel` ÷ `plaatsingen.exclusief_doorplaatsingen` (the KPI
//! itself also counts doorplaatsingen into closed care in its denominator, the target
//! does not); stay → `verblijfsduur` (days ÷ 30.44; share longer than a year =
//! 1 − `korter_dan_jaar`); doorplaatsing ratio → `doorplaatsingen.aantal` ÷ placements
//! incl.; occupancy → `bezetting.graad`; outflow → `uitstroom_naar_lichtere_zorg
//! .bestemmingen` among known destinations. The projections attribute stays and exits to
//! the facility *left* (KPIS.md), the generator's measurement to the facility where the
//! episode started; the tolerances hold for both. "Shorter than a month" has no KPI and
//! is only checked on the generator side.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use chrono::NaiveDate;
use kringloop_demo::{CALIBRATION, DemoConfig, Measure, generate, write_to_store};
use kringloop_events::{Regime, Verblijfplaats};
use kringloop_projections::{Filter, KpiReport, Periode, Projection, Query, Toerekening};

fn dag(d: (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.0, d.1, d.2).unwrap()
}

fn gesloten(landsdeel: Option<&str>) -> Filter {
    Filter {
        regime: Some(Regime::Gesloten),
        landsdeel: landsdeel.map(str::to_owned),
        ..Filter::default()
    }
}

/// The KPIs of closed care over the years `van..=tot`.
fn jaren(p: &Projection, van: i32, tot: i32) -> KpiReport {
    let periode = Periode::bereik(dag((van, 1, 1)), dag((tot + 1, 1, 1))).unwrap();
    p.kpis(&Query::new(periode).filter(gesloten(None)))
}

/// Stock KPIs of closed care on one day (capacity and occupancy are by LOCATIE).
fn op_dag(p: &Projection, d: NaiveDate, landsdeel: Option<&str>) -> KpiReport {
    let periode = Periode::bereik(d, d + chrono::Days::new(1)).unwrap();
    p.kpis(
        &Query::new(periode)
            .peildatum(d)
            .filter(gesloten(landsdeel))
            .toerekening(Toerekening::Locatie),
    )
}

fn uitstroom(p: &Projection, van: i32, tot: i32, naar: &[Verblijfplaats]) -> Option<f64> {
    let tabel = &jaren(p, van, tot)
        .uitstroom_naar_lichtere_zorg
        .waarde
        .bestemmingen;
    let aantal = |v: &Verblijfplaats| tabel.cel(v.code(), "aantal").and_then(|a| a.waarde);
    let bekend: i64 = Verblijfplaats::ALL
        .iter()
        .filter(|v| **v != Verblijfplaats::Onbekend)
        .filter_map(aantal)
        .sum();
    let teller: i64 = naar.iter().filter_map(aantal).sum();
    (bekend > 0).then(|| teller as f64 / bekend as f64)
}

/// The projection's value for a target; `None` when no KPI measures it.
fn gemeten(p: &Projection, maat: Measure) -> Option<f64> {
    use Verblijfplaats::*;
    match maat {
        Measure::GeslotenPlaatsen(d) => {
            Some(op_dag(p, dag(d), None).bezetting.waarde.plaatsen as f64)
        }
        Measure::GeslotenPlaatsenZuidWest(d) => Some(
            op_dag(p, dag(d), Some("ZUID_WEST"))
                .bezetting
                .waarde
                .plaatsen as f64,
        ),
        Measure::GeslotenPlaatsingenIncl(j) => jaren(p, j, j)
            .plaatsingen
            .waarde
            .inclusief_doorplaatsingen
            .waarde
            .map(|n| n as f64),
        Measure::Spoedaandeel(van, tot) => {
            // KPIS.md's spoedaandeel divides by every closed placement, doorplaatsingen
            // into closed care included; the target (JB West: 72 % of placements) is a
            // share of new placements, so: urgent starts ÷ episode starts.
            let r = jaren(p, van, tot);
            let spoed = r.spoedaandeel.waarde.teller.waarde?;
            let starts = r.plaatsingen.waarde.exclusief_doorplaatsingen.waarde?;
            (starts > 0).then(|| spoed as f64 / starts as f64)
        }
        Measure::GemiddeldeVerblijfsduur(van, tot) => jaren(p, van, tot)
            .verblijfsduur
            .waarde
            .gemiddelde
            .map(|d| d / 30.44),
        Measure::AandeelKorterDanMaand(..) => None,
        // The need side is measured on the facts (tests/calibration.rs).
        Measure::WachtendenGeslotenZuidWest(..)
        | Measure::SpoedBinnenWeek(..)
        | Measure::NietPassend(..)
        | Measure::AanmeldingenPerVerzoek(..)
        | Measure::NaOnttrekking(..)
        | Measure::Nieuw(..) => None,
        Measure::AandeelLangerDanJaar(van, tot) => jaren(p, van, tot)
            .verblijfsduur
            .waarde
            .korter_dan_jaar
            .waarde
            .map(|k| 1.0 - k),
        Measure::Doorplaatsingsratio(van, tot) => {
            let r = jaren(p, van, tot);
            let door = r.doorplaatsingen.waarde.aantal.waarde?;
            let incl = r.plaatsingen.waarde.inclusief_doorplaatsingen.waarde?;
            (incl > 0).then(|| door as f64 / incl as f64)
        }
        Measure::Bezettingsgraad(d) => op_dag(p, dag(d), None).bezetting.waarde.graad.waarde,
        Measure::UitstroomThuisNetwerk(van, tot) => uitstroom(p, van, tot, &[Thuis, Netwerk]),
        Measure::UitstroomResidentieel(van, tot) => uitstroom(
            p,
            van,
            tot,
            &[OpenResidentieel, Kleinschalig, Gezinshuis, Pleegzorg],
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_through_the_projections_reproduces_the_calibration_targets() {
    // JeugdzorgPlus 2019–2026 at scale 1 (the scope the targets are stated for).
    let config = DemoConfig::default();
    let dir = tempfile::tempdir().unwrap();
    let store = kringloop_store::open(&dir.path().join("demo.db").to_string_lossy())
        .await
        .unwrap();
    let summary = write_to_store(store.as_ref(), generate(&config).unwrap(), 20_000, |_| {})
        .await
        .unwrap();

    let mut projectie = Projection::new();
    let mut gelezen = 0u64;
    let mut na = 0;
    loop {
        let pagina = store.read_all(na, 10_000).await.unwrap();
        let Some(laatste) = pagina.last() else { break };
        na = laatste.position;
        for e in &pagina {
            projectie.apply(e).unwrap();
        }
        gelezen += pagina.len() as u64;
    }
    assert_eq!(gelezen, summary.events);

    let mut gecontroleerd = 0;
    let mut overgeslagen = 0;
    let mut mislukt = Vec::new();
    for doel in CALIBRATION {
        let Some(waarde) = gemeten(&projectie, doel.measure) else {
            assert!(
                matches!(
                    doel.measure,
                    Measure::AandeelKorterDanMaand(..)
                        | Measure::WachtendenGeslotenZuidWest(..)
                        | Measure::SpoedBinnenWeek(..)
                        | Measure::NietPassend(..)
                        | Measure::AanmeldingenPerVerzoek(..)
                        | Measure::NaOnttrekking(..)
                        | Measure::Nieuw(..)
                ),
                "geen waarde voor {:?}",
                doel.measure
            );
            overgeslagen += 1;
            continue;
        };
        gecontroleerd += 1;
        let ok = doel.within(waarde, config.scale);
        println!(
            "{:<5} {:?}: projectie {waarde:.3}, doel {} ({:?}) — {}",
            if ok { "ok" } else { "FOUT" },
            doel.measure,
            doel.target_at(config.scale),
            doel.tolerance,
            doel.source
        );
        if !ok {
            mislukt.push((doel.measure, waarde));
        }
    }
    assert!(
        gecontroleerd + overgeslagen == CALIBRATION.len() && overgeslagen <= 7,
        "{gecontroleerd} targets checked"
    );
    assert!(mislukt.is_empty(), "buiten tolerantie: {mislukt:?}");

    // Each landsdeel fills its own closed places (LOCATIE) like the national 80–85 %
    // (DOMAIN.md reference figures): a region's youths go to its own free units first.
    // Averaged over a year, as single days swing with a handful of youths. Above 100 % is
    // allowed a little: a koploper converting a group a month squeezes the moved youths
    // into its remaining units (overbezetting), as a region shrinking fast does.
    let mut buiten = Vec::new();
    for jaar in 2022..=2024 {
        for landsdeel in ["NOORD", "OOST", "ZUID", "ZUID_WEST", "NOORD_WEST"] {
            let periode = Periode::bereik(dag((jaar, 1, 1)), dag((jaar + 1, 1, 1))).unwrap();
            let r = projectie.kpis(
                &Query::new(periode)
                    .filter(gesloten(Some(landsdeel)))
                    .toerekening(Toerekening::Locatie),
            );
            let graad = r.bezetting.waarde.graad_periode.waarde;
            println!("bezetting {landsdeel} {jaar} (LOCATIE): {graad:?}");
            if !graad.is_some_and(|g| (0.60..=1.10).contains(&g)) {
                buiten.push((landsdeel, jaar, graad));
            }
        }
    }
    assert!(
        buiten.is_empty(),
        "gesloten bezetting per landsdeel buiten 60–110 %: {buiten:?}"
    );
    store.close().await.unwrap();
}
