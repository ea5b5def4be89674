//! The worked example of docs/kpis.md, figure by figure.

mod common;

use common::{Log, d, t};
use kringloop_events::*;
use kringloop_projections::*;

fn facility(id: &str, vorm: Vorm, regime: Regime) -> VoorzieningGeregistreerd {
    VoorzieningGeregistreerd {
        id: id.into(),
        aanbieder: "A1".into(),
        naam: id.into(),
        gemeente: "GM0599".into(),
        vorm,
        regime,
        datum: d("2024-01-01"),
    }
}

fn jeugdige(p: &str) -> JeugdigeGeregistreerd {
    JeugdigeGeregistreerd {
        pseudoniem: p.into(),
        geboortejaar: 2008,
        geslacht: Geslacht::Onbekend,
        woongemeente: "GM0599".into(),
        datum: d("2024-01-01"),
    }
}

fn start(vz: &str, datum: &str, spoed: bool) -> PlaatsingGestart {
    PlaatsingGestart {
        voorziening: vz.into(),
        datum: d(datum),
        spoed,
        crisis: false,
        verblijf_voor: Verblijfplaats::Thuis,
        verzoek: None,
        overbrugging: false,
    }
}

fn machtiging(id: &str, soort: MachtigingSoort, van: &str, tot: &str) -> MachtigingAfgegeven {
    MachtigingAfgegeven {
        machtiging: id.into(),
        soort,
        geldig_van: d(van),
        geldig_tot: d(tot),
        aangevraagd_door: "GI".into(),
    }
}

fn eind(datum: &str, bestemming: Verblijfplaats) -> PlaatsingBeeindigd {
    PlaatsingBeeindigd {
        voorziening: None,
        datum: d(datum),
        bestemming,
        reden: "".into(),
        reden_beeindiging: None,
    }
}

/// The example, recorded on 2024-06-01 (C's placement last, so that it can be "unknown").
fn voorbeeld() -> (Log, chrono::DateTime<chrono::Utc>) {
    let mut log = Log::new(t("2024-06-01T08:00:00Z"));
    log.push(
        "landsdeel-ZUID_WEST",
        LandsdeelGeregistreerd {
            code: "ZUID_WEST".into(),
            naam: "Zuid-West".into(),
        },
    );
    log.push(
        "jeugdregio-RIJNMOND",
        JeugdregioGeregistreerd {
            code: "RIJNMOND".into(),
            naam: "Rijnmond".into(),
            landsdeel: "ZUID_WEST".into(),
        },
    );
    log.push(
        "gemeente-GM0599",
        GemeenteGeregistreerd {
            code: "GM0599".into(),
            naam: "Rotterdam".into(),
            jeugdregio: "RIJNMOND".into(),
        },
    );
    log.push(
        "aanbieder-A1",
        AanbiederGeregistreerd {
            id: "A1".into(),
            naam: "Aanbieder".into(),
        },
    );
    log.push(
        "voorziening-F1",
        facility("F1", Vorm::Groep, Regime::Gesloten),
    );
    log.push(
        "voorziening-F1",
        PlaatsenGeopend {
            voorziening: "F1".into(),
            datum: d("2024-01-01"),
            aantal: 10,
        },
    );
    log.push(
        "voorziening-F1",
        PlaatsenGesloten {
            voorziening: "F1".into(),
            datum: d("2024-02-15"),
            aantal: 4,
            reden: "afbouw".into(),
        },
    );
    log.push(
        "voorziening-F2",
        facility("F2", Vorm::Kleinschalig, Regime::Open),
    );
    log.push(
        "voorziening-F2",
        PlaatsenGeopend {
            voorziening: "F2".into(),
            datum: d("2024-02-01"),
            aantal: 4,
        },
    );
    let a = "jeugdige-A";
    log.push(a, jeugdige("A"));
    log.push(
        a,
        machtiging(
            "A-S",
            MachtigingSoort::Spoedmachtiging,
            "2024-01-10",
            "2024-02-06",
        ),
    );
    log.push(a, start("F1", "2024-01-10", true));
    log.push(
        a,
        machtiging("A-M", MachtigingSoort::Mgj, "2024-02-05", "2025-02-04"),
    );
    log.push(
        a,
        Doorgeplaatst {
            van: "F1".into(),
            naar: "F2".into(),
            datum: d("2024-03-01"),
            reden: "".into(),
            tegen_wens_jeugdige: false,
            tegen_wens_aanbieder: false,
            verzoek: None,
            overbrugging: false,
        },
    );
    log.push(a, eind("2024-05-01", Verblijfplaats::Thuis));
    let b = "jeugdige-B";
    log.push(b, jeugdige("B"));
    log.push(
        b,
        machtiging("B-M", MachtigingSoort::Mgj, "2024-01-01", "2024-12-31"),
    );
    log.push(b, start("F1", "2024-01-05", false));
    log.push(b, eind("2024-03-20", Verblijfplaats::Jji));
    let voor_c = log.klok;
    log.push("jeugdige-C", jeugdige("C"));
    log.push("jeugdige-C", start("F1", "2024-02-20", false));
    (log, voor_c)
}

fn bouw() -> (Projection, chrono::DateTime<chrono::Utc>) {
    let (log, voor_c) = voorbeeld();
    let (p, fouten) = Projection::rebuild(&log.events);
    assert!(fouten.is_empty(), "{fouten:?}");
    (p, voor_c)
}

#[test]
fn kwartaal_1_capaciteit() -> Result<(), ProjectionError> {
    let (p, _) = bouw();
    let q1 = Periode::kwartaal(2024, 1)?;
    let f1 = Filter {
        voorziening: Some("F1".into()),
        ..Filter::default()
    };
    let plaatsen = p.plaatsen(&Query::new(q1).filter(f1));
    assert_eq!(plaatsen.meta.peildatum, d("2024-04-01"));
    assert_eq!(plaatsen.waarde.totaal.waarde, Some(6));
    assert_eq!(
        plaatsen
            .waarde
            .cel("GROEP", "GESLOTEN")
            .and_then(|a| a.waarde),
        Some(6)
    );

    let r = p.kpis(&Query::new(q1));
    assert_eq!(
        r.opbouw.waarde.kolomtotaal("OPEN").and_then(|a| a.waarde),
        Some(4)
    );
    assert_eq!(
        r.opbouw
            .waarde
            .kolomtotaal("GESLOTEN")
            .and_then(|a| a.waarde),
        Some(10)
    );
    assert_eq!(
        r.opbouw
            .waarde
            .cel("KLEINSCHALIG", "OPEN")
            .and_then(|a| a.waarde),
        Some(4)
    );
    assert_eq!(
        r.afbouw
            .waarde
            .kolomtotaal("GESLOTEN")
            .and_then(|a| a.waarde),
        Some(4)
    );
    assert_eq!(
        r.afbouw.waarde.kolomtotaal("OPEN").and_then(|a| a.waarde),
        Some(0)
    );
    assert_eq!(r.balans.waarde.opbouw_alternatieven, 4);
    assert_eq!(r.balans.waarde.afbouw_gesloten, 4);
    assert_eq!(r.balans.waarde.balans, 0);
    assert_eq!(r.balans.waarde.ratio, Some(1.0));
    assert_eq!(r.balans.meta.definitie, "balans");
    Ok(())
}

#[test]
fn kwartaal_1_jeugdigen() -> Result<(), ProjectionError> {
    let (p, _) = bouw();
    let q1 = Periode::kwartaal(2024, 1)?;
    let r = p.kpis(&Query::new(q1));
    assert_eq!(
        r.plaatsingen.waarde.exclusief_doorplaatsingen.waarde,
        Some(3)
    );
    assert_eq!(
        r.plaatsingen.waarde.inclusief_doorplaatsingen.waarde,
        Some(4)
    );
    assert_eq!(r.spoedmachtigingen.waarde.waarde, Some(1));
    let sa = r.spoedaandeel.waarde;
    assert_eq!((sa.teller.waarde, sa.noemer.waarde), (Some(1), Some(3)));
    assert!(sa.waarde.is_some_and(|v| (v - 1.0 / 3.0).abs() < 1e-9));
    assert_eq!(r.doorplaatsingen.waarde.aantal.waarde, Some(1));
    assert_eq!(r.unieke_jeugdigen.waarde.waarde, Some(3));
    let s = &r.stroom_episodes.waarde;
    assert_eq!(s.begin.waarde, Some(0));
    assert_eq!(s.instroom.waarde, Some(3));
    assert_eq!(s.uitstroom.waarde, Some(1));
    assert_eq!(s.eind.waarde, Some(2));
    let l = &r.uitstroom_naar_lichtere_zorg.waarde;
    assert_eq!(
        (l.lichter.teller.waarde, l.lichter.noemer.waarde),
        (Some(0), Some(1))
    );
    assert_eq!(
        l.bestemmingen.cel("JJI", "aantal").and_then(|a| a.waarde),
        Some(1)
    );
    assert_eq!(
        l.bestemmingen
            .cel("ONBEKEND", "aantal")
            .and_then(|a| a.waarde),
        Some(0)
    );
    assert_eq!(l.bestemmingen.rijen.len(), 16);
    assert_eq!(r.signalen.waarde.zonder_machtiging.waarde, Some(1));
    assert_eq!(r.signalen.waarde.spoedmachtiging_te_lang.waarde, Some(0));
    assert_eq!(r.signalen.waarde.overbezetting.waarde, Some(0));
    assert_eq!(r.signalen.waarde.doorplaatsing.waarde, Some(1));
    // CBS trajectories: A's doorplaatsing to another form ends one and starts another.
    let c = &r.stroom_trajecten.waarde;
    assert_eq!(
        (c.instroom.waarde, c.uitstroom.waarde, c.eind.waarde),
        (Some(4), Some(2), Some(2))
    );
    Ok(())
}

#[test]
fn bezetting_op_peildatum() -> Result<(), ProjectionError> {
    let (p, _) = bouw();
    let q = Query::new(Periode::kwartaal(2024, 1)?)
        .peildatum(d("2024-02-21"))
        .filter(Filter {
            voorziening: Some("F1".into()),
            ..Filter::default()
        });
    let r = p.kpis(&q);
    let b = &r.bezetting.waarde;
    assert_eq!(b.bezetting.waarde, Some(3));
    assert_eq!(b.plaatsen, 6);
    assert_eq!(b.graad.waarde, Some(0.5));
    assert!(b.onder_levensvatbaarheid);
    assert!(!b.overbezet);
    Ok(())
}

#[test]
fn kwartaal_2() -> Result<(), ProjectionError> {
    let (p, _) = bouw();
    let r = p.kpis(&Query::new(Periode::kwartaal(2024, 2)?));
    assert_eq!(r.stroom_episodes.waarde.uitstroom.waarde, Some(1));
    let l = &r.uitstroom_naar_lichtere_zorg.waarde;
    assert_eq!(
        (l.lichter.teller.waarde, l.lichter.noemer.waarde),
        (Some(1), Some(1))
    );
    assert_eq!(
        l.bestemmingen.cel("THUIS", "aantal").and_then(|a| a.waarde),
        Some(1)
    );
    let v = &r.verblijfsduur.waarde;
    assert_eq!(v.aantal.waarde, Some(1));
    assert_eq!(v.gemiddelde, Some(112.0));
    assert_eq!(v.mediaan, Some(112.0));
    assert_eq!(v.p90, Some(112.0));
    Ok(())
}

#[test]
fn zoals_bekend_voor_c_en_diff() -> Result<(), ProjectionError> {
    let (p, voor_c) = bouw();
    let q1 = Periode::kwartaal(2024, 1)?;
    let toen = p.kpis(&Query::new(q1).known_at(voor_c));
    assert_eq!(
        toen.plaatsingen.waarde.exclusief_doorplaatsingen.waarde,
        Some(2)
    );
    assert_eq!(toen.signalen.waarde.zonder_machtiging.waarde, Some(0));
    let nu = p.recorded_until().unwrap_or(voor_c);
    let diff = p.diff(&Query::new(q1), voor_c, nu);
    assert_eq!(diff.voor, toen);
    assert_eq!(
        diff.na.plaatsingen.waarde.exclusief_doorplaatsingen.waarde,
        Some(3)
    );
    let soorten: Vec<&str> = diff
        .gebeurtenissen
        .iter()
        .map(|g| g.event_type.as_str())
        .collect();
    // Registering C changed no figure; placing C did.
    assert_eq!(soorten, vec!["PlaatsingGestart"]);
    assert!(diff.gebeurtenissen.iter().all(|g| g.stream == "jeugdige-C"));
    Ok(())
}

#[test]
fn filters_en_toerekening() -> Result<(), ProjectionError> {
    let (p, _) = bouw();
    let q1 = Periode::kwartaal(2024, 1)?;
    let zw = Filter {
        landsdeel: Some("ZUID_WEST".into()),
        ..Filter::default()
    };
    let r = p.kpis(&Query::new(q1).filter(zw.clone()));
    assert_eq!(
        r.plaatsingen.waarde.exclusief_doorplaatsingen.waarde,
        Some(3)
    );
    let r = p.kpis(&Query::new(q1).filter(zw).toerekening(Toerekening::Locatie));
    assert_eq!(
        r.plaatsingen.waarde.exclusief_doorplaatsingen.waarde,
        Some(3)
    );
    let elders = Filter {
        jeugdregio: Some("HAAGLANDEN".into()),
        ..Filter::default()
    };
    let r = p.kpis(&Query::new(q1).filter(elders));
    assert_eq!(
        r.plaatsingen.waarde.exclusief_doorplaatsingen.waarde,
        Some(0)
    );
    let open = Filter {
        regime: Some(Regime::Open),
        ..Filter::default()
    };
    let r = p.kpis(&Query::new(q1).filter(open));
    assert_eq!(
        r.plaatsingen.waarde.inclusief_doorplaatsingen.waarde,
        Some(1)
    );
    assert_eq!(r.plaatsen.waarde.totaal.waarde, Some(4));
    Ok(())
}

#[test]
fn doelafwijking_met_interpolatie() -> Result<(), ProjectionError> {
    let (mut log, _) = voorbeeld();
    for (datum, plaatsen) in [("2024-01-01", 10), ("2024-07-01", 4)] {
        log.push(
            "doel-landelijk",
            CapaciteitsdoelVastgesteld {
                scope: DoelScope::Landelijk,
                regime: Some(Regime::Gesloten),
                vorm: None,
                plaatsen,
                datum: d(datum),
            },
        );
    }
    let (p, fouten) = Projection::rebuild(&log.events);
    assert!(fouten.is_empty(), "{fouten:?}");
    let gesloten = Filter {
        regime: Some(Regime::Gesloten),
        ..Filter::default()
    };
    let q = Query::new(Periode::kwartaal(2024, 1)?).filter(gesloten);
    let r = p.kpis(&q);
    let da = &r.doelafwijking.waarde;
    // 2024-04-01 is 91 of the 182 days from 10 to 4 places: target 7, capacity 6.
    assert_eq!(da.plaatsen, 6);
    assert_eq!(da.doel, Some(7.0));
    assert_eq!(da.afwijking, Some(-1.0));
    assert_eq!(da.reductiedoel, Some(true));
    assert_eq!(da.op_koers, Some(true));
    let voor = p.kpis(&q.clone().peildatum(d("2023-12-01")));
    assert_eq!(voor.doelafwijking.waarde.doel, None);
    let na = p.kpis(&q.clone().peildatum(d("2025-01-01")));
    assert_eq!(na.doelafwijking.waarde.doel, Some(4.0));
    assert_eq!(na.doelafwijking.waarde.afwijking, Some(2.0));
    assert_eq!(na.doelafwijking.waarde.op_koers, Some(false));
    // No target for the open regime.
    let open = Filter {
        regime: Some(Regime::Open),
        ..Filter::default()
    };
    assert_eq!(
        p.kpis(&Query::new(Periode::kwartaal(2024, 1)?).filter(open))
            .doelafwijking
            .waarde
            .doel,
        None
    );
    Ok(())
}
