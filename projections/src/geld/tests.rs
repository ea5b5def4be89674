//! The contract fold: a contract as known at K, with corrections and retractions.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kringloop_events::{
    Afspraakinhoud, ContractBeeindigd, ContractGesloten, ContractVerlengd, FeitGecorrigeerd,
    FeitIngetrokken, Financiering, Gebeurtenis, Normkpi, Perceel, PrestatieafspraakGewijzigd,
    PrestatieafspraakVastgelegd, Product, Regime, Tarief, TariefGeindexeerd, Tariefeenheid,
    Volumegarantie, Vorm,
};
use uuid::Uuid;

use crate::{KnowledgeTime, Meta, Projection, ProjectionError};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap_or(NaiveDate::MIN)
}

struct Log {
    p: Projection,
    n: i64,
    t0: DateTime<Utc>,
}

impl Log {
    fn new() -> Log {
        Log {
            p: Projection::new(),
            n: 0,
            t0: "2025-01-01T00:00:00Z"
                .parse()
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
        }
    }

    /// Applies `g` recorded on day `n` after the start; returns its id and recorded time.
    fn zet(&mut self, g: Gebeurtenis) -> (Uuid, KnowledgeTime) {
        let r = self.probeer(g);
        assert!(r.0.is_ok(), "{:?}", r.0);
        (r.1, r.2)
    }

    fn probeer(&mut self, g: Gebeurtenis) -> (Result<(), ProjectionError>, Uuid, KnowledgeTime) {
        self.n += 1;
        let id = Uuid::from_u128(0x1000 + self.n as u128);
        let at = self.t0 + Duration::days(self.n);
        let r = self.p.apply_decoded(
            Meta {
                position: self.n,
                event_id: id,
                recorded_at: at,
                stream: "contract-C1",
            },
            &g,
        );
        (r, id, KnowledgeTime::from(at))
    }
}

fn gesloten() -> ContractGesloten {
    ContractGesloten {
        contract: "C1".into(),
        aanbieder: "A1".into(),
        jeugdregios: vec!["R1".into(), "R2".into()],
        financiering: Financiering::Inspanningsgericht,
        percelen: vec![Perceel {
            code: "P1".into(),
            naam: "Gesloten groep".into(),
            producten: vec![Product {
                code: "JZP".into(),
                vorm: Vorm::Groep,
                regime: Regime::Gesloten,
                eenheid: Tariefeenheid::Etmaal,
            }],
        }],
        tarieven: vec![Tarief {
            product: "JZP".into(),
            bedrag_cent: 50_000,
            geldig_van: d("2025-01-01"),
        }],
        van: d("2025-01-01"),
        tot_en_met: d("2026-12-31"),
        verlengingsopties: 2,
        verlenging_maanden: 12,
        volumegaranties: vec![Volumegarantie {
            product: "JZP".into(),
            plaatsen: Some(4),
            bezettingsaandeel_procent: None,
        }],
        budgetplafond_cent: None,
    }
}

fn norm(max: f64) -> Afspraakinhoud {
    Afspraakinhoud::Norm {
        kpi: Normkpi::Spoedaandeel,
        van: d("2025-01-01"),
        tot_en_met: d("2025-12-31"),
        min: None,
        max: Some(max),
    }
}

#[test]
fn contract_as_known_at_k_with_corrections_and_retractions() {
    let mut l = Log::new();
    let (_, k_gesloten) = l.zet(gesloten().into());
    let (_, k_afspraak) = l.zet(
        PrestatieafspraakVastgelegd {
            contract: "C1".into(),
            afspraak: "SPOED".into(),
            datum: d("2025-01-01"),
            inhoud: norm(0.3),
            toelichting: "startafspraak".into(),
        }
        .into(),
    );
    // The indexation of 2026, recorded (late) and then corrected.
    let (index, k_index) = l.zet(
        TariefGeindexeerd {
            contract: "C1".into(),
            product: "JZP".into(),
            geldig_van: d("2026-01-01"),
            bedrag_cent: 52_000,
            reden: "indexatie 2026".into(),
        }
        .into(),
    );
    let (_, k_corr) = l.zet(
        FeitGecorrigeerd {
            vervangt: index,
            nieuw: Box::new(
                TariefGeindexeerd {
                    contract: "C1".into(),
                    product: "JZP".into(),
                    geldig_van: d("2026-01-01"),
                    bedrag_cent: 51_500,
                    reden: "indexatie 2026 (OVA)".into(),
                }
                .into(),
            ),
            reden: "verkeerd percentage".into(),
        }
        .into(),
    );
    let (gewijzigd, k_gewijzigd) = l.zet(
        PrestatieafspraakGewijzigd {
            contract: "C1".into(),
            afspraak: "SPOED".into(),
            datum: d("2025-07-01"),
            inhoud: norm(0.25),
            reden: "heronderhandeld".into(),
        }
        .into(),
    );
    let (_, k_verlengd) = l.zet(
        ContractVerlengd {
            contract: "C1".into(),
            datum: d("2026-06-01"),
            tot_en_met: d("2027-12-31"),
        }
        .into(),
    );
    let (_, k_ingetrokken) = l.zet(
        FeitIngetrokken {
            event_id: gewijzigd,
            reden: "niet ondertekend".into(),
        }
        .into(),
    );
    let (_, k_eind) = l.zet(
        ContractBeeindigd {
            contract: "C1".into(),
            tot_en_met: d("2027-06-30"),
            reden: "faillissement".into(),
        }
        .into(),
    );

    // Before the contract: nothing.
    let voor = KnowledgeTime::from_micros(k_gesloten.micros() - 1);
    assert!(l.p.contract("C1", &voor).is_none());
    assert!(l.p.contracten(&voor).is_empty());

    let c = l.p.contract("C1", &k_gesloten).expect("contract at K");
    assert_eq!(c.aanbieder, "A1");
    assert_eq!(c.tot_en_met, d("2026-12-31"));
    assert_eq!(c.tarief("JZP", d("2026-03-01")), Some(50_000));
    assert!(c.afspraken.is_empty());
    assert_eq!(c.gebeurtenissen.len(), 1);

    // The indexation as first recorded, then as corrected.
    let c = l.p.contract("C1", &k_index).expect("contract");
    assert_eq!(c.tarief("JZP", d("2026-03-01")), Some(52_000));
    assert_eq!(c.tarief("JZP", d("2025-12-31")), Some(50_000));
    let c = l.p.contract("C1", &k_corr).expect("contract");
    assert_eq!(
        c.tarieven.get("JZP"),
        Some(&vec![(d("2025-01-01"), 50_000), (d("2026-01-01"), 51_500)])
    );
    assert_eq!(c.gebeurtenissen.len(), 4);
    assert_eq!(c.gebeurtenissen[3].soort, "FeitGecorrigeerd");

    // The agreement: one version, then two, then the change retracted.
    let c = l.p.contract("C1", &k_afspraak).expect("contract");
    assert_eq!(c.afspraken.len(), 1);
    assert_eq!(c.afspraken[0].inhoud, norm(0.3));
    let c = l.p.contract("C1", &k_gewijzigd).expect("contract");
    assert_eq!(c.afspraken[0].inhoud, norm(0.25));
    assert_eq!(c.afspraken[0].versies.len(), 2);
    assert_eq!(c.afspraken[0].versies[1].reden, "heronderhandeld");
    assert_eq!(c.afspraken[0].versies[1].vervallen, None);
    let c = l.p.contract("C1", &k_ingetrokken).expect("contract");
    assert_eq!(c.afspraken[0].inhoud, norm(0.3));
    assert_eq!(c.afspraken[0].versies.len(), 2);
    let vervallen = c.afspraken[0].versies[1].vervallen.expect("retracted");
    assert_eq!(vervallen.soort, "FeitIngetrokken");
    assert_eq!(KnowledgeTime::from(vervallen.recorded_at), k_ingetrokken);

    // Extension, then an early end.
    assert_eq!(
        l.p.contract("C1", &k_verlengd).map(|c| c.tot_en_met),
        Some(d("2027-12-31"))
    );
    let c = l.p.contract("C1", &k_eind).expect("contract");
    assert_eq!(c.tot_en_met, d("2027-06-30"));
    assert_eq!(c.beeindigd, Some(d("2027-06-30")));
    assert_eq!(c.oorspronkelijk_tot_en_met, d("2026-12-31"));
    assert_eq!(l.p.contracten(&KnowledgeTime::LATEST).len(), 1);
    assert_eq!(
        l.p.contract("C1", &KnowledgeTime::LATEST)
            .map(|c| c.gebeurtenissen.len()),
        Some(8)
    );
}

#[test]
fn a_correction_must_keep_the_event_type() {
    let mut l = Log::new();
    let (id, _) = l.zet(gesloten().into());
    let (r, _, _) = l.probeer(
        FeitGecorrigeerd {
            vervangt: id,
            nieuw: Box::new(
                ContractVerlengd {
                    contract: "C1".into(),
                    datum: d("2026-06-01"),
                    tot_en_met: d("2027-12-31"),
                }
                .into(),
            ),
            reden: "fout".into(),
        }
        .into(),
    );
    assert!(matches!(
        r,
        Err(ProjectionError::CorrectieAnderSoort { .. })
    ));
    // A retracted contract is gone from then on.
    let (_, k) = l.zet(
        FeitIngetrokken {
            event_id: id,
            reden: "nooit gesloten".into(),
        }
        .into(),
    );
    assert!(l.p.contract("C1", &k).is_none());
    let eerder = KnowledgeTime::from_micros(k.micros() - 1);
    assert!(l.p.contract("C1", &eerder).is_some());
}
