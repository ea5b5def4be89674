//! The counting rules of docs/kpis.md on their boundaries, one test per example there:
//! stays of 364, 365 and 366 days (and p90 by nearest rank), langverblijvers from day 548,
//! a doorplaatsing 365 days in, spoedmachtigingen of 28 and 29 days, a closed placement
//! whose authorisation lapses twice, and a target for alternatives behind schedule.
//! Every example is also computed as a series, which must equal its periods one by one.

mod common;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::{Log, d, t};
use kringloop_events::*;
use kringloop_projections::*;

/// A landscape of one landsdeel L1, jeugdregio R1, gemeente G1 and aanbieder A1, with
/// F1 (GROEP, GESLOTEN, 10 places), F2 (KLEINSCHALIG, OPEN, 4 places) and F3 (GROEP,
/// GESLOTEN, 10 places), all opened on 2023-01-01; recorded from `vanaf`.
fn landschap(vanaf: &str) -> Log {
    let mut log = Log::new(t(vanaf));
    log.push(
        "landsdeel-L1",
        LandsdeelGeregistreerd {
            code: "L1".into(),
            naam: "L1".into(),
        },
    );
    log.push(
        "jeugdregio-R1",
        JeugdregioGeregistreerd {
            code: "R1".into(),
            naam: "R1".into(),
            landsdeel: "L1".into(),
        },
    );
    log.push(
        "gemeente-G1",
        GemeenteGeregistreerd {
            code: "G1".into(),
            naam: "G1".into(),
            jeugdregio: "R1".into(),
        },
    );
    log.push(
        "aanbieder-A1",
        AanbiederGeregistreerd {
            id: "A1".into(),
            naam: "A1".into(),
        },
    );
    for (vz, vorm, regime, plaatsen) in [
        ("F1", Vorm::Groep, Regime::Gesloten, 10),
        ("F2", Vorm::Kleinschalig, Regime::Open, 4),
        ("F3", Vorm::Groep, Regime::Gesloten, 10),
    ] {
        let stroom = voorziening_stream(vz);
        log.push(
            &stroom,
            VoorzieningGeregistreerd {
                id: vz.into(),
                aanbieder: "A1".into(),
                naam: vz.into(),
                gemeente: "G1".into(),
                vorm,
                regime,
                datum: d("2023-01-01"),
            },
        );
        log.push(
            &stroom,
            PlaatsenGeopend {
                voorziening: vz.into(),
                datum: d("2023-01-01"),
                aantal: plaatsen,
            },
        );
    }
    log
}

/// Youth `naam` (from G1) placed in `vz` on `start`; its stream.
fn plaats(log: &mut Log, naam: &str, vz: &str, start: NaiveDate) -> String {
    let stroom = jeugdige_stream(naam);
    log.push(
        &stroom,
        JeugdigeGeregistreerd {
            pseudoniem: naam.into(),
            geboortejaar: 2008,
            geslacht: Geslacht::Onbekend,
            woongemeente: "G1".into(),
            datum: start - Duration::days(30),
        },
    );
    log.push(
        &stroom,
        PlaatsingGestart {
            voorziening: vz.into(),
            datum: start,
            spoed: false,
            crisis: false,
            verblijf_voor: Verblijfplaats::Thuis,
            verzoek: None,
            overbrugging: false,
        },
    );
    stroom
}

fn eind(log: &mut Log, stroom: &str, datum: NaiveDate) {
    log.push(
        stroom,
        PlaatsingBeeindigd {
            voorziening: None,
            datum,
            bestemming: Verblijfplaats::Thuis,
            reden: "".into(),
            reden_beeindiging: None,
        },
    );
}

fn door(log: &mut Log, stroom: &str, van: &str, naar: &str, datum: NaiveDate) {
    log.push(
        stroom,
        Doorgeplaatst {
            van: van.into(),
            naar: naar.into(),
            datum,
            reden: "".into(),
            tegen_wens_jeugdige: false,
            tegen_wens_aanbieder: false,
            verzoek: None,
            overbrugging: false,
        },
    );
}

/// An authorisation valid from `van` to `tot`, both days included.
fn machtiging(log: &mut Log, stroom: &str, id: &str, soort: MachtigingSoort, van: &str, tot: &str) {
    log.push(
        stroom,
        MachtigingAfgegeven {
            machtiging: id.into(),
            soort,
            geldig_van: d(van),
            geldig_tot: d(tot),
            aangevraagd_door: "GI".into(),
        },
    );
}

fn bouw(log: &Log) -> Projection {
    let (p, fouten) = Projection::rebuild(&log.events);
    assert!(fouten.is_empty(), "{fouten:?}");
    p
}

fn periode(p: Result<Periode, ProjectionError>) -> Periode {
    p.unwrap_or_else(|e| panic!("{e}"))
}

/// The report of each period of a series from [van, tot), after checking that the series
/// equals its periods computed one by one.
fn reeks(
    p: &Projection,
    q: &Query,
    van: &str,
    tot: &str,
    g: Granulariteit,
) -> Vec<(Periode, KpiReport)> {
    let perioden = Periode::reeks(d(van), d(tot), g).unwrap_or_else(|e| panic!("{e}"));
    let reeks = p.reeks(q, &perioden);
    for (per, r) in perioden.iter().zip(&reeks) {
        let mut qq = q.clone();
        qq.periode = *per;
        qq.peildatum = None;
        assert_eq!(r, &p.kpis(&qq), "{per:?}");
    }
    perioden.into_iter().zip(reeks).collect()
}

fn kpis(p: &Projection, per: Periode) -> KpiReport {
    p.kpis(&Query::new(per))
}

/// Stays of 364, 365 and 366 days, all ending on 2024-02-15: only the first is "under
/// 12 months" (< 365 days). p90 of the three by nearest rank is the value at rank
/// ⌈0.9 · 3⌉ = 3.
#[test]
fn verblijf_van_precies_365_dagen_is_niet_korter_dan_een_jaar() {
    let mut log = landschap("2024-06-01T08:00:00Z");
    let uit = d("2024-02-15");
    for dagen in [364, 365, 366] {
        let s = plaats(
            &mut log,
            &format!("X{dagen}"),
            "F2",
            uit - Duration::days(dagen),
        );
        eind(&mut log, &s, uit);
    }
    let p = bouw(&log);
    let v = kpis(&p, periode(Periode::kwartaal(2024, 1)))
        .verblijfsduur
        .waarde;
    assert_eq!(v.aantal.waarde, Some(3));
    assert_eq!(
        (
            v.korter_dan_jaar.teller.waarde,
            v.korter_dan_jaar.noemer.waarde
        ),
        (Some(1), Some(3))
    );
    assert_eq!(v.gemiddelde, Some(365.0));
    assert_eq!(v.mediaan, Some(365.0));
    assert_eq!(v.p90, Some(366.0));
    for (per, r) in reeks(
        &p,
        &Query::new(periode(Periode::jaar(2024))),
        "2023-01-01",
        "2025-01-01",
        Granulariteit::Maand,
    ) {
        let n = if per.van == d("2024-02-01") { 3 } else { 0 };
        assert_eq!(r.verblijfsduur.waarde.aantal.of_nul(), n, "{per:?}");
    }
}

/// Ten stays of 10, 20, …, 100 days ending in Q2 2024: p90 is rank ⌈0.9 · 10⌉ = 9, 90
/// days; the median is the mean of ranks 5 and 6, 55 days. Eleven stays of 10, …, 110
/// days ending in Q3: p90 is rank ⌈9.9⌉ = 10, 100 days; the median rank 6, 60 days.
#[test]
fn p90_op_dichtstbijzijnde_rang() {
    let mut log = landschap("2024-12-01T08:00:00Z");
    for (kwartaal, uit, n) in [(2, d("2024-06-30"), 10), (3, d("2024-09-30"), 11)] {
        for i in 1..=n {
            let s = plaats(
                &mut log,
                &format!("Q{kwartaal}-{i}"),
                "F2",
                uit - Duration::days(10 * i),
            );
            eind(&mut log, &s, uit);
        }
    }
    let p = bouw(&log);
    let q2 = kpis(&p, periode(Periode::kwartaal(2024, 2)))
        .verblijfsduur
        .waarde;
    assert_eq!(
        (q2.aantal.waarde, q2.p90, q2.mediaan),
        (Some(10), Some(90.0), Some(55.0))
    );
    let q3 = kpis(&p, periode(Periode::kwartaal(2024, 3)))
        .verblijfsduur
        .waarde;
    assert_eq!(
        (q3.aantal.waarde, q3.p90, q3.mediaan),
        (Some(11), Some(100.0), Some(60.0))
    );
    reeks(
        &p,
        &Query::new(periode(Periode::jaar(2024))),
        "2024-01-01",
        "2025-01-01",
        Granulariteit::Kwartaal,
    );
}

/// At the peildatum 2024-07-01 (the end of Q2), stays that began 547, 548 and 549 days
/// before and still run: the last two are langverblijvers. A stay that began 600 days
/// before and ends on the peildatum itself no longer runs then.
#[test]
fn langverblijver_vanaf_dag_548() {
    let mut log = landschap("2024-08-01T08:00:00Z");
    let peil = d("2024-07-01");
    for dagen in [547, 548, 549] {
        plaats(
            &mut log,
            &format!("L{dagen}"),
            "F2",
            peil - Duration::days(dagen),
        );
    }
    let s = plaats(&mut log, "L600", "F2", peil - Duration::days(600));
    eind(&mut log, &s, peil);
    let p = bouw(&log);
    let r = kpis(&p, periode(Periode::kwartaal(2024, 2)));
    assert_eq!(r.meta.peildatum, peil);
    assert_eq!(r.langverblijvers.waarde.waarde, Some(2));
    // One day earlier, L548 is on its 547th day, and L600 still runs.
    let eerder =
        p.kpis(&Query::new(periode(Periode::kwartaal(2024, 2))).peildatum(d("2024-06-30")));
    assert_eq!(eerder.langverblijvers.waarde.waarde, Some(2));
    let per_maand: Vec<i64> = reeks(
        &p,
        &Query::new(periode(Periode::jaar(2024))),
        "2024-01-01",
        "2024-09-01",
        Granulariteit::Maand,
    )
    .iter()
    .map(|(_, r)| r.langverblijvers.waarde.of_nul())
    .collect();
    // Peildatums 02-01 … 09-01: L600 from its day 548 (2024-05-10) until it ends on
    // 07-01; L549, L548 and L547 from 06-30, 07-01 and 07-02.
    assert_eq!(per_maand, vec![0, 0, 0, 0, 1, 2, 3, 3]);
}

/// Three episodes start on 2024-01-10; their doorplaatsingen fall 364, 365 and 366 days
/// later. Only the first is "within 365 days" (date − start < 365): the cohort of Q1 2024
/// is 1 of 3, final once the knowledge time is a year after the quarter.
#[test]
fn doorplaatsing_op_dag_365_valt_buiten_het_cohort() {
    let mut log = landschap("2024-02-01T08:00:00Z");
    let start = d("2024-01-10");
    let stromen: Vec<String> = [364, 365, 366]
        .iter()
        .map(|dagen| plaats(&mut log, &format!("D{dagen}"), "F1", start))
        .collect();
    log.klok = t("2025-01-20T08:00:00Z");
    for (s, dagen) in stromen.iter().zip([364, 365, 366]) {
        door(&mut log, s, "F1", "F2", start + Duration::days(dagen));
    }
    // Something recorded after 2025-04-01, a year after the quarter.
    log.klok = t("2025-06-01T08:00:00Z");
    plaats(&mut log, "E", "F2", d("2025-05-01"));
    let p = bouw(&log);
    let q1 = periode(Periode::kwartaal(2024, 1));
    let r = kpis(&p, q1);
    let c = &r.doorplaatsingen.waarde;
    assert_eq!(
        (c.cohort_365.teller.waarde, c.cohort_365.noemer.waarde),
        (Some(1), Some(3))
    );
    assert!(c.cohort_definitief);
    // The doorplaatsingen themselves count in the quarter of their date.
    let q1_2025 = kpis(&p, periode(Periode::kwartaal(2025, 1)));
    assert_eq!(q1_2025.doorplaatsingen.waarde.aantal.waarde, Some(3));
    assert_eq!(q1_2025.signalen.waarde.doorplaatsing.waarde, Some(3));
    // Known on 2025-03-01, the same cohort, but not final yet.
    let toen: DateTime<Utc> = t("2025-03-01T00:00:00Z");
    let voorlopig = p
        .kpis(&Query::new(q1).known_at(toen))
        .doorplaatsingen
        .waarde;
    assert_eq!(voorlopig.cohort_365, c.cohort_365);
    assert!(!voorlopig.cohort_definitief);
    reeks(
        &p,
        &Query::new(q1),
        "2024-01-01",
        "2025-07-01",
        Granulariteit::Kwartaal,
    );
}

/// A spoedmachtiging from 2024-01-10 to 2024-02-06 is 28 days (to − from + 1): not too
/// long. One from 2024-03-04 to 2024-04-01 is 29 days: too long, and its 29th day is
/// 2024-04-01, so it counts in Q2 and April, not in Q1 or March. One of 60 days from
/// 2024-05-01 to 2024-06-29 has days beyond the 28th in May and June: it counts in both
/// months, and once in Q2.
#[test]
fn spoedmachtiging_van_28_en_29_dagen() {
    let mut log = landschap("2024-08-01T08:00:00Z");
    for (naam, van, tot, mgj) in [
        ("S28", "2024-01-10", "2024-02-06", "2024-02-07"),
        ("S29", "2024-03-04", "2024-04-01", "2024-04-02"),
        ("S60", "2024-05-01", "2024-06-29", "2024-06-30"),
    ] {
        let s = plaats(&mut log, naam, "F1", d(van));
        machtiging(
            &mut log,
            &s,
            "S",
            MachtigingSoort::Spoedmachtiging,
            van,
            tot,
        );
        let mgj_tot = (d(mgj) + Duration::days(364)).to_string();
        machtiging(&mut log, &s, "M", MachtigingSoort::Mgj, mgj, &mgj_tot);
    }
    let p = bouw(&log);
    let te_lang = |per: Periode| kpis(&p, per).signalen.waarde.spoedmachtiging_te_lang.waarde;
    assert_eq!(te_lang(periode(Periode::kwartaal(2024, 1))), Some(0));
    assert_eq!(te_lang(periode(Periode::kwartaal(2024, 2))), Some(2));
    assert_eq!(te_lang(periode(Periode::jaar(2024))), Some(2));
    let q1 = kpis(&p, periode(Periode::kwartaal(2024, 1)));
    assert_eq!(q1.spoedmachtigingen.waarde.waarde, Some(2));
    assert_eq!(q1.signalen.waarde.zonder_machtiging.waarde, Some(0));
    let per_maand: Vec<i64> = reeks(
        &p,
        &Query::new(periode(Periode::jaar(2024))),
        "2024-01-01",
        "2024-08-01",
        Granulariteit::Maand,
    )
    .iter()
    .map(|(_, r)| r.signalen.waarde.spoedmachtiging_te_lang.of_nul())
    .collect();
    assert_eq!(per_maand, vec![0, 0, 0, 1, 1, 1, 0]);
}

/// Youth L is placed in closed F1 on 2024-01-01 and stays. Its MGJ runs to 2024-01-31,
/// the next from 2024-02-15 to 2024-03-09, the third from 2024-03-21: the authorisation
/// lapses twice in Q1 (1–14 February, 10–20 March). The placement counts once in Q1 and
/// in 2024, once in February and once in March. Youth N is placed in F1 on 2024-01-01
/// without authorisation and doorgeplaatst to closed F3 on 2024-02-01: two closed
/// placements, each counting once in Q1.
#[test]
fn machtiging_die_twee_keer_verloopt_telt_een_keer() {
    let mut log = landschap("2024-06-01T08:00:00Z");
    let l = plaats(&mut log, "L", "F1", d("2024-01-01"));
    for (id, van, tot) in [
        ("M1", "2024-01-01", "2024-01-31"),
        ("M2", "2024-02-15", "2024-03-09"),
        ("M3", "2024-03-21", "2025-03-20"),
    ] {
        machtiging(&mut log, &l, id, MachtigingSoort::Mgj, van, tot);
    }
    let p = bouw(&log);
    let zonder =
        |p: &Projection, per: Periode| kpis(p, per).signalen.waarde.zonder_machtiging.waarde;
    assert_eq!(zonder(&p, periode(Periode::kwartaal(2024, 1))), Some(1));
    assert_eq!(zonder(&p, periode(Periode::jaar(2024))), Some(1));
    assert_eq!(zonder(&p, periode(Periode::kwartaal(2024, 2))), Some(0));
    // The single KPI agrees with the report.
    let q1 = Query::new(periode(Periode::kwartaal(2024, 1)));
    assert_eq!(p.signalen(&q1).waarde, p.kpis(&q1).signalen.waarde);
    let per_maand: Vec<i64> = reeks(
        &p,
        &Query::new(periode(Periode::jaar(2024))),
        "2024-01-01",
        "2024-07-01",
        Granulariteit::Maand,
    )
    .iter()
    .map(|(_, r)| r.signalen.waarde.zonder_machtiging.of_nul())
    .collect();
    assert_eq!(per_maand, vec![0, 1, 1, 0, 0, 0]);
    for g in [Granulariteit::Kwartaal, Granulariteit::Halfjaar] {
        reeks(&p, &q1, "2023-01-01", "2026-01-01", g);
    }

    let n = plaats(&mut log, "N", "F1", d("2024-01-01"));
    door(&mut log, &n, "F1", "F3", d("2024-02-01"));
    let p = bouw(&log);
    assert_eq!(zonder(&p, periode(Periode::kwartaal(2024, 1))), Some(3));
    assert_eq!(zonder(&p, periode(Periode::maand(2024, 1))), Some(1));
    assert_eq!(zonder(&p, periode(Periode::maand(2024, 2))), Some(2));
    reeks(&p, &q1, "2024-01-01", "2025-01-01", Granulariteit::Maand);
}

fn doel(log: &mut Log, regime: Regime, datum: &str, plaatsen: u32) {
    log.push(
        "doel-L1",
        CapaciteitsdoelVastgesteld {
            scope: DoelScope::Landsdeel("L1".into()),
            regime: Some(regime),
            vorm: None,
            plaatsen,
            datum: d(datum),
        },
    );
}

/// Landsdeel L1 aims at 10 places in alternatives (regime OPEN) on 2024-01-01 and on
/// 2025-01-01; it has 4 (F2). That is a build-up target whatever its points do: at
/// 2024-04-01 the deviation is 4 − 10 = −6, not op koers. After 8 places more open on
/// 2024-06-01 it has 12: +2, op koers. Its target for closed care (10 places to 6) is a
/// reduction target: F1 and F3 have 20 places, +12 at 2024-07-01, not op koers.
#[test]
fn doel_voor_alternatieven_achter_op_schema() {
    let mut log = landschap("2024-08-01T08:00:00Z");
    doel(&mut log, Regime::Open, "2024-01-01", 10);
    doel(&mut log, Regime::Open, "2025-01-01", 10);
    doel(&mut log, Regime::Gesloten, "2024-01-01", 10);
    doel(&mut log, Regime::Gesloten, "2025-01-01", 6);
    let regime = |r: Regime| Filter {
        landsdeel: Some("L1".into()),
        regime: Some(r),
        ..Filter::default()
    };
    let q1 = Query::new(periode(Periode::kwartaal(2024, 1))).filter(regime(Regime::Open));
    let p = bouw(&log);
    let da = p.kpis(&q1).doelafwijking.waarde;
    assert_eq!(da.peildatum, Some(d("2024-04-01")));
    assert_eq!(
        (da.plaatsen, da.doel, da.afwijking),
        (4, Some(10.0), Some(-6.0))
    );
    assert_eq!(da.reductiedoel, Some(false));
    assert_eq!(da.op_koers, Some(false));

    log.push(
        "voorziening-F2",
        PlaatsenGeopend {
            voorziening: "F2".into(),
            datum: d("2024-06-01"),
            aantal: 8,
        },
    );
    let p = bouw(&log);
    let q2 = Query::new(periode(Periode::kwartaal(2024, 2))).filter(regime(Regime::Open));
    let da = p.kpis(&q2).doelafwijking.waarde;
    assert_eq!(
        (da.plaatsen, da.afwijking, da.op_koers),
        (12, Some(2.0), Some(true))
    );
    assert_eq!(p.kpis(&q1).doelafwijking.waarde.op_koers, Some(false));

    let gesloten = Query::new(periode(Periode::kwartaal(2024, 2))).filter(regime(Regime::Gesloten));
    let da = p.kpis(&gesloten).doelafwijking.waarde;
    assert_eq!(da.reductiedoel, Some(true));
    assert_eq!(da.plaatsen, 20);
    assert!(
        da.afwijking.is_some_and(|a| (a - 12.0).abs() < 0.05),
        "{da:?}"
    );
    assert_eq!(da.op_koers, Some(false));

    // Before the first target point there is no target.
    let voor = p
        .kpis(&q1.clone().peildatum(d("2023-12-31")))
        .doelafwijking
        .waarde;
    assert_eq!(
        (voor.doel, voor.afwijking, voor.op_koers),
        (None, None, None)
    );
    let per_kwartaal: Vec<Option<bool>> =
        reeks(&p, &q1, "2024-01-01", "2025-01-01", Granulariteit::Kwartaal)
            .iter()
            .map(|(_, r)| r.doelafwijking.waarde.op_koers)
            .collect();
    assert_eq!(
        per_kwartaal,
        vec![Some(false), Some(true), Some(true), Some(true)]
    );
}

/// Spoedaandeel counts closed placements that start an episode: a doorplaatsing from open
/// into closed care (F2 → F1) is in neither numerator nor denominator, whatever its
/// legal basis; a spoed admission to closed care (F3) is in both.
#[test]
fn doorplaatsing_naar_gesloten_zorg_telt_niet_in_spoedaandeel() {
    let mut log = landschap("2024-06-01T08:00:00Z");
    let a = plaats(&mut log, "A", "F2", d("2024-01-10"));
    machtiging(
        &mut log,
        &a,
        "MA",
        MachtigingSoort::Spoedmachtiging,
        "2024-02-01",
        "2024-02-20",
    );
    door(&mut log, &a, "F2", "F1", d("2024-02-01"));
    let b = plaats(&mut log, "B", "F3", d("2024-02-10"));
    machtiging(
        &mut log,
        &b,
        "MB",
        MachtigingSoort::Spoedmachtiging,
        "2024-02-10",
        "2024-03-01",
    );
    let c = plaats(&mut log, "C", "F3", d("2024-03-01"));
    machtiging(
        &mut log,
        &c,
        "MC",
        MachtigingSoort::Mgj,
        "2024-03-01",
        "2024-09-01",
    );
    let p = bouw(&log);
    let r = kpis(&p, periode(Periode::kwartaal(2024, 1)));
    let s = r.spoedaandeel.waarde;
    assert_eq!(
        (s.teller.waarde, s.noemer.waarde),
        (Some(1), Some(2)),
        "B of B and C; A's doorplaatsing into F1 is in neither"
    );
    assert_eq!(r.doorplaatsingen.waarde.aantal.waarde, Some(1));
    let q = Query::new(periode(Periode::kwartaal(2024, 1)));
    for (_, r) in reeks(&p, &q, "2023-10-01", "2024-07-01", Granulariteit::Kwartaal) {
        assert!(r.spoedaandeel.waarde.noemer.of_nul() <= 2);
    }
}
