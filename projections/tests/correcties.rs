//! Corrections and retractions apply from their own recorded time; bad input is reported.

mod common;

use common::{Log, d, t};
use kringloop_events::*;
use kringloop_projections::*;

fn basis(log: &mut Log) {
    log.push(
        "voorziening-F1",
        VoorzieningGeregistreerd {
            id: "F1".into(),
            aanbieder: "A1".into(),
            naam: "F1".into(),
            gemeente: "GM0599".into(),
            vorm: Vorm::Groep,
            regime: Regime::Gesloten,
            datum: d("2024-01-01"),
        },
    );
    log.push(
        "jeugdige-X",
        JeugdigeGeregistreerd {
            pseudoniem: "X".into(),
            geboortejaar: 2009,
            geslacht: Geslacht::Onbekend,
            woongemeente: "GM0599".into(),
            datum: d("2024-01-01"),
        },
    );
}

fn start(datum: &str) -> PlaatsingGestart {
    PlaatsingGestart {
        voorziening: "F1".into(),
        datum: d(datum),
        spoed: false,
        crisis: false,
        verblijf_voor: Verblijfplaats::Thuis,
        verzoek: None,
        overbrugging: false,
    }
}

fn exclusief(p: &Projection, q: &Query) -> Option<i64> {
    p.kpis(q)
        .plaatsingen
        .waarde
        .exclusief_doorplaatsingen
        .waarde
}

#[test]
fn correctie_en_intrekking_vanaf_eigen_registratietijd() -> Result<(), ProjectionError> {
    let mut log = Log::new(t("2024-01-02T09:00:00Z"));
    basis(&mut log);
    let id = log.push_op("jeugdige-X", start("2024-01-10"), t("2024-01-11T09:00:00Z"));
    let c1 = log.push_op(
        "jeugdige-X",
        FeitGecorrigeerd {
            vervangt: id,
            nieuw: Box::new(start("2024-04-10").into()),
            reden: "verkeerde datum".into(),
        },
        t("2024-05-01T09:00:00Z"),
    );
    // Retracting the correction withdraws the original fact (and its corrections).
    log.push_op(
        "jeugdige-X",
        FeitIngetrokken {
            event_id: c1,
            reden: "dubbel".into(),
        },
        t("2024-06-01T09:00:00Z"),
    );
    let (p, fouten) = Projection::rebuild(&log.events);
    assert!(fouten.is_empty(), "{fouten:?}");
    let q1 = Query::new(Periode::kwartaal(2024, 1)?);
    let q2 = Query::new(Periode::kwartaal(2024, 2)?);
    let voor = t("2024-02-01T00:00:00Z");
    let na_correctie = t("2024-05-15T00:00:00Z");
    assert_eq!(exclusief(&p, &q1.clone().known_at(voor)), Some(1));
    assert_eq!(exclusief(&p, &q2.clone().known_at(voor)), Some(0));
    assert_eq!(exclusief(&p, &q1.clone().known_at(na_correctie)), Some(0));
    assert_eq!(exclusief(&p, &q2.clone().known_at(na_correctie)), Some(1));
    assert_eq!(exclusief(&p, &q1), Some(0));
    assert_eq!(exclusief(&p, &q2), Some(0));

    let diff = p.diff(&q1, voor, na_correctie);
    assert_eq!(
        diff.voor
            .plaatsingen
            .waarde
            .exclusief_doorplaatsingen
            .waarde,
        Some(1)
    );
    assert_eq!(
        diff.na.plaatsingen.waarde.exclusief_doorplaatsingen.waarde,
        Some(0)
    );
    let soorten: Vec<&str> = diff
        .gebeurtenissen
        .iter()
        .map(|g| g.event_type.as_str())
        .collect();
    assert_eq!(soorten, vec!["FeitGecorrigeerd"]);
    assert_eq!(diff.gebeurtenissen[0].event_id, c1);
    let diff2 = p.diff(&q2, na_correctie, t("2024-07-01T00:00:00Z"));
    assert_eq!(
        diff2
            .gebeurtenissen
            .iter()
            .map(|g| g.event_type.as_str())
            .collect::<Vec<_>>(),
        vec!["FeitIngetrokken"]
    );
    Ok(())
}

#[test]
fn woonplaats_wijziging_na_start_episode_telt_niet() -> Result<(), ProjectionError> {
    let mut log = Log::new(t("2024-01-02T09:00:00Z"));
    basis(&mut log);
    log.push("jeugdige-X", start("2024-01-10"));
    log.push(
        "jeugdige-X",
        WoongemeenteGewijzigd {
            woongemeente: "GM0518".into(),
            datum: d("2024-02-01"),
        },
    );
    let (p, _) = Projection::rebuild(&log.events);
    let q = Query::new(Periode::kwartaal(2024, 1)?);
    let rotterdam = Filter {
        gemeente: Some("GM0599".into()),
        ..Filter::default()
    };
    let den_haag = Filter {
        gemeente: Some("GM0518".into()),
        ..Filter::default()
    };
    assert_eq!(exclusief(&p, &q.clone().filter(rotterdam)), Some(1));
    assert_eq!(exclusief(&p, &q.filter(den_haag)), Some(0));
    Ok(())
}

#[test]
fn onleesbare_en_verkeerde_gebeurtenissen_worden_gemeld() {
    let mut log = Log::new(t("2024-01-02T09:00:00Z"));
    basis(&mut log);
    let mut kapot = log.events[1].clone();
    kapot.position = 3;
    kapot.payload = "{niet: json".into();
    let mut p = Projection::new();
    for e in &log.events {
        assert!(p.apply(e).is_ok());
    }
    assert!(matches!(
        p.apply(&kapot),
        Err(ProjectionError::Decode { positie: 3, .. })
    ));
    // The position advanced: the runner can log the event and carry on.
    assert_eq!(p.position(), 3);
    assert!(matches!(
        p.apply(&kapot),
        Err(ProjectionError::Volgorde { .. })
    ));
    let mut onbekend = log.events[0].clone();
    onbekend.position = 4;
    onbekend.recorded_at = log.klok;
    onbekend.event_type = "Onzin".into();
    assert!(matches!(
        p.apply(&onbekend),
        Err(ProjectionError::Decode { .. })
    ));
    let mut plaatsing_elders = log.events[0].clone();
    plaatsing_elders.position = 5;
    plaatsing_elders.recorded_at = log.klok;
    let g: Gebeurtenis = start("2024-01-10").into();
    plaatsing_elders.event_type = g.event_type().into();
    plaatsing_elders.payload = g.payload_json();
    plaatsing_elders.schema_version = g.schema_version();
    assert!(matches!(
        p.apply(&plaatsing_elders),
        Err(ProjectionError::VerkeerdeStroom { .. })
    ));
    let mut intrekking = log.events[1].clone();
    intrekking.position = 6;
    intrekking.recorded_at = log.klok;
    let g: Gebeurtenis = FeitIngetrokken {
        event_id: uuid::Uuid::nil(),
        reden: "".into(),
    }
    .into();
    intrekking.event_type = g.event_type().into();
    intrekking.payload = g.payload_json();
    intrekking.schema_version = g.schema_version();
    assert!(matches!(
        p.apply(&intrekking),
        Err(ProjectionError::OnbekendFeit { .. })
    ));
    assert_eq!(p.position(), 6);
}

#[test]
fn resultaten_zijn_serialiseerbaar() -> Result<(), ProjectionError> {
    let mut log = Log::new(t("2024-01-02T09:00:00Z"));
    basis(&mut log);
    log.push("jeugdige-X", start("2024-01-10"));
    let (p, _) = Projection::rebuild(&log.events);
    let r = p.kpis(&Query::new(Periode::jaar(2024)?));
    let json = serde_json::to_string(&r).unwrap_or_default();
    assert!(json.contains("\"exclusiefDoorplaatsingen\":{\"waarde\":1"));
    let terug: KpiReport = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(terug, r);
    assert_eq!(r.meta.gebeurtenissen, 3);
    assert_eq!(r.meta.positie, 3);
    Ok(())
}
