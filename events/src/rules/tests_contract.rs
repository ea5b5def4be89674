//! Unit tests of the rules of contracts and money (`rules/check/contract.rs`): every
//! refusal and signal of contracts, their changes and agreements, budgets and restrictive
//! measures, the accept paths, a late indexation, and corrections and retractions of
//! contract facts. Uses the test world and constructors of `tests.rs` (this is its child
//! module).

use chrono::NaiveDateTime;

use super::*;
use crate::geld::*;

const P: &str = "JX7";
const K: &str = "K1";

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

/// The world with contract K1 concluded.
fn met_contract() -> Wereld {
    let mut w = wereld();
    w.neem(&contract(K).into());
    w
}

fn product(code: &str, vorm: Vorm, regime: Regime, eenheid: Tariefeenheid) -> Product {
    Product {
        code: code.into(),
        vorm,
        regime,
        eenheid,
    }
}

fn tarief(product: &str, bedrag_cent: i64, geldig_van: &str) -> Tarief {
    Tarief {
        product: product.into(),
        bedrag_cent,
        geldig_van: d(geldig_van),
    }
}

fn plaatsen(product: &str, n: u32) -> Volumegarantie {
    Volumegarantie {
        product: product.into(),
        plaatsen: Some(n),
        bezettingsaandeel_procent: None,
    }
}

fn aandeel(product: &str, pct: u8) -> Volumegarantie {
    Volumegarantie {
        product: product.into(),
        plaatsen: None,
        bezettingsaandeel_procent: Some(pct),
    }
}

/// Contract `id` of A1 with Rijnmond (lead) and Haaglanden: lot JZP with product
/// JZP-GROEP (GROEP, GESLOTEN, per etmaal, € 650 from 2024-01-01), 2024 through 2025,
/// two extension options of 12 months, 6 guaranteed places, a ceiling of € 1 million.
fn contract(id: &str) -> ContractGesloten {
    ContractGesloten {
        contract: id.into(),
        aanbieder: "A1".into(),
        jeugdregios: vec!["RIJNMOND".into(), "HAAGLANDEN".into()],
        financiering: Financiering::Inspanningsgericht,
        percelen: vec![Perceel {
            code: "JZP".into(),
            naam: "JeugdzorgPlus".into(),
            producten: vec![product(
                "JZP-GROEP",
                Vorm::Groep,
                Regime::Gesloten,
                Tariefeenheid::Etmaal,
            )],
        }],
        tarieven: vec![tarief("JZP-GROEP", 65_000, "2024-01-01")],
        van: d("2024-01-01"),
        tot_en_met: d("2025-12-31"),
        verlengingsopties: 2,
        verlenging_maanden: 12,
        volumegaranties: vec![plaatsen("JZP-GROEP", 6)],
        budgetplafond_cent: Some(100_000_000),
    }
}

fn gewijzigd(f: impl FnOnce(&mut ContractGesloten)) -> Gebeurtenis {
    let mut c = contract(K);
    f(&mut c);
    c.into()
}

fn indexatie(product: &str, geldig_van: &str, bedrag_cent: i64) -> Gebeurtenis {
    TariefGeindexeerd {
        contract: K.into(),
        product: product.into(),
        geldig_van: d(geldig_van),
        bedrag_cent,
        reden: "indexatie OVA".into(),
    }
    .into()
}

fn garantie_wijziging(datum: &str, garanties: Vec<Volumegarantie>) -> Gebeurtenis {
    VolumegarantieGewijzigd {
        contract: K.into(),
        datum: d(datum),
        volumegaranties: garanties,
        reden: "afbouw".into(),
    }
    .into()
}

fn plafond(datum: &str, bedrag: Option<i64>) -> Gebeurtenis {
    BudgetplafondGewijzigd {
        contract: K.into(),
        datum: d(datum),
        budgetplafond_cent: bedrag,
        reden: "bijgesteld".into(),
    }
    .into()
}

fn verlengd(tot_en_met: &str) -> Gebeurtenis {
    ContractVerlengd {
        contract: K.into(),
        datum: d("2025-09-01"),
        tot_en_met: d(tot_en_met),
    }
    .into()
}

fn beeindigd(tot_en_met: &str) -> Gebeurtenis {
    ContractBeeindigd {
        contract: K.into(),
        tot_en_met: d(tot_en_met),
        reden: "aanbieder stopt".into(),
    }
    .into()
}

fn norm(kpi: Normkpi, van: &str, tot: &str, min: Option<f64>, max: Option<f64>) -> Afspraakinhoud {
    Afspraakinhoud::Norm {
        kpi,
        van: d(van),
        tot_en_met: d(tot),
        min,
        max,
    }
}

fn afbouw(punten: &[(&str, u32)]) -> Afspraakinhoud {
    Afspraakinhoud::Capaciteit {
        vorm: Some(Vorm::Groep),
        regime: Some(Regime::Gesloten),
        richting: Richting::Afbouw,
        punten: punten
            .iter()
            .map(|(datum, plaatsen)| Capaciteitspunt {
                datum: d(datum),
                plaatsen: *plaatsen,
            })
            .collect(),
    }
}

fn afspraak(id: &str, inhoud: Afspraakinhoud) -> Gebeurtenis {
    PrestatieafspraakVastgelegd {
        contract: K.into(),
        afspraak: id.into(),
        datum: d("2024-01-01"),
        inhoud,
        toelichting: "contractgesprek".into(),
    }
    .into()
}

fn afspraak_gewijzigd(id: &str, inhoud: Afspraakinhoud) -> Gebeurtenis {
    PrestatieafspraakGewijzigd {
        contract: K.into(),
        afspraak: id.into(),
        datum: d("2024-07-01"),
        inhoud,
        reden: "heronderhandeld".into(),
    }
    .into()
}

/// Average stay at most 180 days in 2024.
fn ligduur() -> Afspraakinhoud {
    norm(
        Normkpi::GemiddeldeVerblijfsduur,
        "2024-01-01",
        "2024-12-31",
        None,
        Some(180.0),
    )
}

fn tijd(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("test time must be YYYY-MM-DD HH:MM")
}

fn maatregel(id: &str, voorziening: &str, begin: &str, eind: &str) -> Gebeurtenis {
    MaatregelToegepast {
        maatregel: id.into(),
        soort: Maatregelsoort::Separatie,
        voorziening: voorziening.into(),
        begin: tijd(begin),
        eind: tijd(eind),
        toelichting: "escalatie op de groep".into(),
    }
    .into()
}

fn budget(regio: &str, jaar: i32, segment: Budgetsegment, bedrag_cent: i64) -> Gebeurtenis {
    BudgetVastgesteld {
        jeugdregio: regio.into(),
        jaar,
        segment,
        bedrag_cent,
    }
    .into()
}

fn verschuiving(
    van: Budgetsegment,
    naar: Budgetsegment,
    bedrag_cent: i64,
    datum: &str,
) -> Gebeurtenis {
    BudgetVerschoven {
        jeugdregio: "RIJNMOND".into(),
        jaar: 2024,
        van,
        naar,
        bedrag_cent,
        datum: d(datum),
        reden: "bedden omgezet in ambulante hulp".into(),
    }
    .into()
}

fn stand(w: &Wereld) -> ContractStand<'_> {
    w.staat.contract(K).expect("contract K1 is known")
}

/// Codes of the signals of an accepted fact (panics when rejected).
fn signaalcodes(w: &Wereld, feit: &Gebeurtenis) -> Vec<&'static str> {
    match w.check(feit) {
        Ok(s) => codes(&s),
        Err(a) => panic!("{} rejected: {} {}", feit.event_type(), a.code, a.melding),
    }
}

// ------------------------------------------------------------------ contracts

#[test]
fn amounts_in_messages_are_euros() {
    use crate::rules::check::euro;
    assert_eq!(euro(0), "€ 0,00");
    assert_eq!(euro(65_000), "€ 650,00");
    assert_eq!(euro(-5), "€ -0,05");
    assert_eq!(euro(100_000_000), "€ 1.000.000,00");
    assert_eq!(euro(123_456_789), "€ 1.234.567,89");
    let mut w = wereld();
    w.neem(&budget("RIJNMOND", 2024, Budgetsegment::Gesloten, 123_456));
    let a = w
        .check(&verschuiving(
            Budgetsegment::Gesloten,
            Budgetsegment::Ambulant,
            200_000,
            "2024-03-01",
        ))
        .expect_err("more than the budget");
    assert!(a.melding.contains("€ 2.000,00"), "{}", a.melding);
    assert!(a.melding.contains("€ 1.234,56"), "{}", a.melding);
}

#[test]
fn a_contract_is_accepted_and_its_state_follows() {
    let mut w = wereld();
    assert!(!w.staat.heeft_contracten());
    assert!(w.staat.contract(K).is_none());
    assert_eq!(signaalcodes(&w, &contract(K).into()), Vec::<&str>::new());
    w.neem(&contract(K).into());
    assert!(w.staat.heeft_contracten());
    let s = stand(&w);
    assert_eq!(s.gesloten.aanbieder, "A1");
    assert_eq!(s.gesloten.jeugdregios, ["RIJNMOND", "HAAGLANDEN"]);
    assert_eq!(s.laatste_dag, d("2025-12-31"));
    assert_eq!(s.verlengingen, 0);
    assert_eq!(s.beeindigd, None);
    let p = s.product("JZP-GROEP").expect("product is held");
    assert_eq!(
        (p.vorm, p.regime, p.eenheid),
        (Vorm::Groep, Regime::Gesloten, Tariefeenheid::Etmaal)
    );
    assert!(s.product("AMBULANT").is_none());
    assert!(s.heeft_product_voor(Vorm::Groep, Regime::Gesloten));
    assert!(!s.heeft_product_voor(Vorm::Groep, Regime::Open));
    assert!(s.loopt_op(d("2024-01-01")) && s.loopt_op(d("2025-12-31")));
    assert!(!s.loopt_op(d("2023-12-31")) && !s.loopt_op(d("2026-01-01")));
    assert_eq!(w.staat.contracten_van("A1").collect::<Vec<_>>(), [K]);
    assert_eq!(w.staat.contracten_van("A2").count(), 0);
    // A product priced per year and an occupancy-share guarantee are fine too.
    let mut c = contract("K2");
    c.financiering = Financiering::Taakgericht;
    c.percelen[0].producten.push(product(
        "AMB-TAAK",
        Vorm::Ambulant,
        Regime::Open,
        Tariefeenheid::Jaar,
    ));
    c.tarieven
        .push(tarief("AMB-TAAK", 50_000_000, "2023-07-01"));
    c.volumegaranties = vec![aandeel("JZP-GROEP", 100)];
    c.budgetplafond_cent = None;
    w.neem(&c.into());
    assert_eq!(w.staat.contracten_van("A1").collect::<Vec<_>>(), [K, "K2"]);
}

#[test]
fn contract_refusals() {
    let w = met_contract();
    let tweede_product = |c: &mut ContractGesloten, code: &str| {
        c.percelen[0].producten.push(product(
            code,
            Vorm::Kleinschalig,
            Regime::Open,
            Tariefeenheid::Etmaal,
        ));
    };
    let mut anders = contract("K9");
    anders.aanbieder = "A9".into();
    let mut zonder_regio = contract("K9");
    zonder_regio.jeugdregios.clear();
    let mut onbekende_regio = contract("K9");
    onbekende_regio.jeugdregios.push("ATLANTIS".into());
    let mut dubbele_regio = contract("K9");
    dubbele_regio.jeugdregios.push("RIJNMOND".into());
    let mut leeg = contract("");
    leeg.contract = String::new();
    w.rejects_facts([
        (anders.into(), AfwijzingCode::OnbekendeAanbieder),
        (zonder_regio.into(), AfwijzingCode::JeugdregioOntbreekt),
        (onbekende_regio.into(), AfwijzingCode::OnbekendeJeugdregio),
        (dubbele_regio.into(), AfwijzingCode::DubbeleCode),
        (contract(K).into(), AfwijzingCode::ContractAlGesloten),
    ]);
    // The checks of the content, on a contract not yet concluded.
    let v = wereld();
    v.rejects_facts([
        (
            gewijzigd(|c| c.tot_en_met = d("2023-12-31")),
            AfwijzingCode::ContractEindeVoorBegin,
        ),
        (
            gewijzigd(|c| c.percelen.clear()),
            AfwijzingCode::ProductOntbreekt,
        ),
        (
            gewijzigd(|c| c.percelen[0].producten.clear()),
            AfwijzingCode::ProductOntbreekt,
        ),
        (
            gewijzigd(|c| {
                let p = c.percelen[0].clone();
                c.percelen.push(p);
            }),
            AfwijzingCode::DubbeleCode,
        ),
        (
            gewijzigd(|c| tweede_product(c, "JZP-GROEP")),
            AfwijzingCode::DubbeleCode,
        ),
        (
            gewijzigd(|c| c.tarieven.push(tarief("ONBEKEND", 100, "2024-01-01"))),
            AfwijzingCode::ProductNietInContract,
        ),
        (
            gewijzigd(|c| tweede_product(c, "KLEIN-OPEN")),
            AfwijzingCode::TariefOntbreekt,
        ),
        (
            gewijzigd(|c| c.tarieven[0].geldig_van = d("2024-02-01")),
            AfwijzingCode::TariefOntbreekt,
        ),
        (
            gewijzigd(|c| c.tarieven.push(tarief("JZP-GROEP", 66_000, "2026-01-01"))),
            AfwijzingCode::DatumBuitenLooptijd,
        ),
        (
            gewijzigd(|c| c.tarieven[0].bedrag_cent = -1),
            AfwijzingCode::OngeldigBedrag,
        ),
        (
            gewijzigd(|c| c.volumegaranties = vec![plaatsen("ONBEKEND", 2)]),
            AfwijzingCode::ProductNietInContract,
        ),
        (
            gewijzigd(|c| {
                c.volumegaranties = vec![Volumegarantie {
                    product: "JZP-GROEP".into(),
                    plaatsen: Some(2),
                    bezettingsaandeel_procent: Some(50),
                }]
            }),
            AfwijzingCode::OngeldigeVolumegarantie,
        ),
        (
            gewijzigd(|c| {
                c.volumegaranties = vec![Volumegarantie {
                    product: "JZP-GROEP".into(),
                    plaatsen: None,
                    bezettingsaandeel_procent: None,
                }]
            }),
            AfwijzingCode::OngeldigeVolumegarantie,
        ),
        (
            gewijzigd(|c| c.volumegaranties = vec![aandeel("JZP-GROEP", 101)]),
            AfwijzingCode::OngeldigeVolumegarantie,
        ),
        (
            gewijzigd(|c| {
                c.volumegaranties = vec![plaatsen("JZP-GROEP", 2), aandeel("JZP-GROEP", 50)]
            }),
            AfwijzingCode::DubbeleCode,
        ),
        (
            gewijzigd(|c| c.budgetplafond_cent = Some(-5)),
            AfwijzingCode::OngeldigBedrag,
        ),
    ]);
    // An empty id: the stream `contract-` is its natural stream, the key is refused.
    assert_eq!(
        v.weiger(&leeg.into()),
        AfwijzingCode::OngeldigeSleutel,
        "an empty contract id"
    );
    // In the wrong stream.
    assert_eq!(
        v.check_in("contract-K2", &contract(K).into())
            .map_err(|a| a.code),
        Err(AfwijzingCode::VerkeerdeStroom)
    );
}

#[test]
fn contract_changes_need_a_known_contract() {
    let w = wereld();
    let mut beeindiging = beeindigd("2024-06-30");
    if let Gebeurtenis::ContractBeeindigd(b) = &mut beeindiging {
        b.contract = "K9".into();
    }
    for feit in [
        indexatie("JZP-GROEP", "2025-01-01", 67_000),
        garantie_wijziging("2025-01-01", vec![plaatsen("JZP-GROEP", 4)]),
        plafond("2025-01-01", Some(5)),
        verlengd("2026-12-31"),
        beeindigd("2024-06-30"),
        afspraak("A-LIGDUUR", ligduur()),
        afspraak_gewijzigd("A-LIGDUUR", ligduur()),
    ] {
        assert_eq!(w.weiger(&feit), AfwijzingCode::OnbekendContract, "{feit:?}");
    }
    assert_eq!(w.weiger(&beeindiging), AfwijzingCode::OnbekendContract);
}

#[test]
fn tariff_indexation_rules() {
    let mut w = met_contract();
    w.rejects_facts([
        (
            indexatie("KLEIN-OPEN", "2025-01-01", 50_000),
            AfwijzingCode::ProductNietInContract,
        ),
        (
            indexatie("JZP-GROEP", "2023-12-31", 60_000),
            AfwijzingCode::DatumBuitenLooptijd,
        ),
        (
            indexatie("JZP-GROEP", "2026-01-01", 70_000),
            AfwijzingCode::DatumBuitenLooptijd,
        ),
        (
            indexatie("JZP-GROEP", "2025-01-01", -1),
            AfwijzingCode::OngeldigBedrag,
        ),
    ]);
    assert!(signaalcodes(&w, &indexatie("JZP-GROEP", "2025-01-01", 0)).is_empty());
    w.neem(&indexatie("JZP-GROEP", "2025-01-01", 67_000));
    // After an extension the extended period takes indexations.
    w.neem(&verlengd("2026-12-31"));
    w.neem(&indexatie("JZP-GROEP", "2026-01-01", 69_000));
}

#[test]
fn an_indexation_recorded_after_the_days_it_prices_is_accepted() {
    let mut w = met_contract();
    w.j(P, &mgj("M1", "2024-01-01", "2024-12-31"));
    w.j(P, &start("F1", "2024-02-01"));
    w.j(P, &einde(Some("F1"), "2024-11-01"));
    // Agreed in December, applying from 1 January: the days already passed are repriced.
    let (_, signalen) = w.neem_in(
        &contract_stream(K),
        &indexatie("JZP-GROEP", "2024-01-01", 66_950),
    );
    assert!(signalen.is_empty());
    // Two indexations with the same date are both accepted (the later recorded wins).
    w.neem(&indexatie("JZP-GROEP", "2024-01-01", 67_000));
}

#[test]
fn volume_guarantee_and_ceiling_changes() {
    let mut w = met_contract();
    w.rejects_facts([
        (
            garantie_wijziging("2023-06-01", vec![plaatsen("JZP-GROEP", 4)]),
            AfwijzingCode::DatumBuitenLooptijd,
        ),
        (
            garantie_wijziging("2025-01-01", vec![plaatsen("ANDER", 4)]),
            AfwijzingCode::ProductNietInContract,
        ),
        (
            garantie_wijziging("2025-01-01", vec![aandeel("JZP-GROEP", 120)]),
            AfwijzingCode::OngeldigeVolumegarantie,
        ),
        (
            garantie_wijziging(
                "2025-01-01",
                vec![Volumegarantie {
                    product: "JZP-GROEP".into(),
                    plaatsen: Some(3),
                    bezettingsaandeel_procent: Some(30),
                }],
            ),
            AfwijzingCode::OngeldigeVolumegarantie,
        ),
        (
            plafond("2026-01-01", Some(5)),
            AfwijzingCode::DatumBuitenLooptijd,
        ),
        (
            plafond("2025-01-01", Some(-5)),
            AfwijzingCode::OngeldigBedrag,
        ),
    ]);
    w.neem(&garantie_wijziging(
        "2025-01-01",
        vec![aandeel("JZP-GROEP", 80)],
    ));
    // An empty list ends the guarantees.
    w.neem(&garantie_wijziging("2025-07-01", Vec::new()));
    w.neem(&plafond("2025-01-01", None));
    w.neem(&plafond("2025-07-01", Some(80_000_000)));
}

#[test]
fn extension_rules() {
    let mut w = met_contract();
    w.rejects_facts([
        (verlengd("2025-12-31"), AfwijzingCode::VerlengingNietLater),
        (verlengd("2025-06-30"), AfwijzingCode::VerlengingNietLater),
        (verlengd("2027-01-01"), AfwijzingCode::VerlengingTeLang),
    ]);
    // Exactly one option of 12 months: through 31-12-2026.
    w.neem(&verlengd("2026-12-31"));
    assert_eq!(stand(&w).laatste_dag, d("2026-12-31"));
    assert_eq!(stand(&w).verlengingen, 1);
    w.neem(&verlengd("2027-06-30"));
    assert_eq!(stand(&w).verlengingen, 2);
    assert_eq!(stand(&w).laatste_dag, d("2027-06-30"));
    // Both options used.
    assert_eq!(
        w.weiger(&verlengd("2027-12-31")),
        AfwijzingCode::TeVeelVerlengingen
    );
    // A contract without options cannot be extended.
    let mut v = wereld();
    let mut c = contract(K);
    c.verlengingsopties = 0;
    v.neem(&c.into());
    assert_eq!(
        v.weiger(&verlengd("2026-06-30")),
        AfwijzingCode::TeVeelVerlengingen
    );
}

#[test]
fn an_extension_of_six_months_ends_on_the_last_day_of_the_month() {
    let mut w = wereld();
    let mut c = contract(K);
    c.tot_en_met = d("2025-06-30");
    c.verlenging_maanden = 6;
    w.neem(&c.into());
    assert_eq!(
        w.weiger(&verlengd("2026-01-01")),
        AfwijzingCode::VerlengingTeLang
    );
    w.neem(&verlengd("2025-12-31"));
}

#[test]
fn termination_rules_and_the_effective_last_day() {
    let mut w = met_contract();
    w.rejects_facts([
        (beeindigd("2023-12-31"), AfwijzingCode::DatumBuitenLooptijd),
        (beeindigd("2026-01-01"), AfwijzingCode::DatumBuitenLooptijd),
    ]);
    w.neem(&verlengd("2026-12-31"));
    // After the extension, a termination in 2026 lies within the period.
    let (id, _) = w.neem_in(&contract_stream(K), &beeindigd("2026-03-31"));
    let s = stand(&w);
    assert_eq!(s.laatste_dag, d("2026-03-31"));
    assert_eq!(s.beeindigd, Some(d("2026-03-31")));
    w.rejects_facts([
        (beeindigd("2025-12-31"), AfwijzingCode::ContractAlBeeindigd),
        (verlengd("2027-06-30"), AfwijzingCode::ContractAlBeeindigd),
        (
            indexatie("JZP-GROEP", "2026-06-01", 70_000),
            AfwijzingCode::DatumBuitenLooptijd,
        ),
    ]);
    // Its correction is checked against the period without it.
    assert_eq!(
        w.check_in(&contract_stream(K), &correctie(id, beeindigd("2027-01-01")))
            .map_err(|a| a.code),
        Err(AfwijzingCode::DatumBuitenLooptijd)
    );
    w.neem_in(&contract_stream(K), &correctie(id, beeindigd("2025-06-30")));
    assert_eq!(stand(&w).laatste_dag, d("2025-06-30"));
    // Retracted: the contract runs to its extended end again.
    w.neem_in(&contract_stream(K), &intrekking(id));
    assert_eq!(stand(&w).laatste_dag, d("2026-12-31"));
    assert_eq!(stand(&w).beeindigd, None);
}

// ------------------------------------------------------------------ agreements

#[test]
fn agreement_rules() {
    let mut w = met_contract();
    w.neem(&afspraak("A-LIGDUUR", ligduur()));
    assert_eq!(w.staat.afspraken(K), ["A-LIGDUUR"]);
    let aandeel_boven_1 = norm(
        Normkpi::Spoedaandeel,
        "2024-01-01",
        "2024-12-31",
        None,
        Some(25.0),
    );
    w.rejects_facts([
        (
            afspraak("A-LIGDUUR", ligduur()),
            AfwijzingCode::AfspraakAlVastgelegd,
        ),
        (
            afspraak(
                "A-2026",
                norm(
                    Normkpi::Doorplaatsingen,
                    "2026-01-01",
                    "2026-12-31",
                    None,
                    Some(3.0),
                ),
            ),
            AfwijzingCode::AfspraakBuitenLooptijd,
        ),
        (
            afspraak(
                "A-VOOR",
                norm(
                    Normkpi::Doorplaatsingen,
                    "2023-07-01",
                    "2024-06-30",
                    None,
                    Some(3.0),
                ),
            ),
            AfwijzingCode::AfspraakBuitenLooptijd,
        ),
        (
            afspraak("A-AFBOUW", afbouw(&[("2025-01-01", 8), ("2026-01-01", 4)])),
            AfwijzingCode::AfspraakBuitenLooptijd,
        ),
        (
            afspraak(
                "A-LEEG",
                norm(
                    Normkpi::RatioAmbulantBed,
                    "2024-01-01",
                    "2024-12-31",
                    None,
                    None,
                ),
            ),
            AfwijzingCode::OngeldigeNorm,
        ),
        (
            afspraak(
                "A-BAND",
                norm(
                    Normkpi::Bezettingsgraad,
                    "2024-01-01",
                    "2024-12-31",
                    Some(0.95),
                    Some(0.85),
                ),
            ),
            AfwijzingCode::OngeldigeNorm,
        ),
        (
            afspraak(
                "A-NEG",
                norm(
                    Normkpi::RatioAmbulantBed,
                    "2024-01-01",
                    "2024-12-31",
                    Some(-0.5),
                    None,
                ),
            ),
            AfwijzingCode::OngeldigeNorm,
        ),
        (
            afspraak("A-SPOED", aandeel_boven_1.clone()),
            AfwijzingCode::OngeldigeNorm,
        ),
        (
            afspraak(
                "A-UIT",
                norm(
                    Normkpi::UitstroomLichtereZorg,
                    "2024-01-01",
                    "2024-12-31",
                    Some(1.5),
                    None,
                ),
            ),
            AfwijzingCode::OngeldigeNorm,
        ),
        (
            afspraak(
                "A-NAN",
                norm(
                    Normkpi::MaatregelenPer1000Ligdagen,
                    "2024-01-01",
                    "2024-12-31",
                    None,
                    Some(f64::NAN),
                ),
            ),
            AfwijzingCode::OngeldigeNorm,
        ),
        (
            afspraak(
                "A-OMGEKEERD",
                norm(
                    Normkpi::Doorplaatsingen,
                    "2024-12-31",
                    "2024-01-01",
                    None,
                    Some(3.0),
                ),
            ),
            AfwijzingCode::OngeldigeNorm,
        ),
        (
            afspraak("A-PUNTLOOS", afbouw(&[])),
            AfwijzingCode::CapaciteitspuntenOntbreken,
        ),
        (
            afspraak_gewijzigd("A-ONBEKEND", ligduur()),
            AfwijzingCode::OnbekendeAfspraak,
        ),
        (
            afspraak_gewijzigd("A-LIGDUUR", aandeel_boven_1),
            AfwijzingCode::OngeldigeNorm,
        ),
        (
            afspraak_gewijzigd(
                "A-LIGDUUR",
                norm(
                    Normkpi::GemiddeldeVerblijfsduur,
                    "2025-01-01",
                    "2026-06-30",
                    None,
                    Some(150.0),
                ),
            ),
            AfwijzingCode::AfspraakBuitenLooptijd,
        ),
        (
            afspraak_gewijzigd("A-LIGDUUR", afbouw(&[])),
            AfwijzingCode::CapaciteitspuntenOntbreken,
        ),
    ]);
    // Accepted: a band, a share norm in 0..1, a capacity trajectory in the period, a change.
    w.neem(&afspraak(
        "A-BEZETTING",
        norm(
            Normkpi::Bezettingsgraad,
            "2024-01-01",
            "2025-12-31",
            Some(0.85),
            Some(0.95),
        ),
    ));
    w.neem(&afspraak(
        "A-SPOED",
        norm(
            Normkpi::Spoedaandeel,
            "2024-01-01",
            "2024-12-31",
            None,
            Some(0.25),
        ),
    ));
    w.neem(&afspraak(
        "A-AFBOUW",
        afbouw(&[("2024-07-01", 8), ("2025-12-31", 4)]),
    ));
    w.neem(&afspraak_gewijzigd(
        "A-LIGDUUR",
        norm(
            Normkpi::GemiddeldeVerblijfsduur,
            "2024-01-01",
            "2024-12-31",
            None,
            Some(160.0),
        ),
    ));
    assert_eq!(
        w.staat.afspraken(K),
        ["A-AFBOUW", "A-BEZETTING", "A-LIGDUUR", "A-SPOED"]
    );
    // After an extension, an agreement over the extended period is accepted.
    w.neem(&verlengd("2026-12-31"));
    w.neem(&afspraak(
        "A-2026",
        norm(
            Normkpi::Doorplaatsingen,
            "2026-01-01",
            "2026-12-31",
            None,
            Some(3.0),
        ),
    ));
}

// ------------------------------------------------------------------ corrections

#[test]
fn correction_of_a_contract_is_checked_and_followed() {
    let mut w = met_contract();
    let gesloten = w
        .log
        .iter()
        .rev()
        .find(|(_, g)| matches!(g, Gebeurtenis::ContractGesloten(_)))
        .map(|(e, _)| e.event_id)
        .expect("contract recorded");
    let stroom = contract_stream(K);
    w.neem(&indexatie("JZP-GROEP", "2025-01-01", 67_000));
    w.neem(&afspraak("A-LIGDUUR", ligduur()));
    // A correction is checked as a contract of its own…
    assert_eq!(
        w.check_in(
            &stroom,
            &correctie(gesloten, gewijzigd(|c| c.jeugdregios.clear()))
        )
        .map_err(|a| a.code),
        Err(AfwijzingCode::JeugdregioOntbreekt)
    );
    // …and may not leave the contract's recorded facts outside it: the indexation's
    // product, the indexation's date, the agreement's period.
    let zonder_product = gewijzigd(|c| {
        c.percelen[0].producten[0].code = "JZP-NIEUW".into();
        c.tarieven[0].product = "JZP-NIEUW".into();
        c.volumegaranties.clear();
    });
    let korter = gewijzigd(|c| c.tot_en_met = d("2024-12-31"));
    let later = gewijzigd(|c| {
        c.van = d("2024-07-01");
        c.tarieven[0].geldig_van = d("2024-07-01");
    });
    for nieuw in [zonder_product, korter, later] {
        let a = w
            .check_in(&stroom, &correctie(gesloten, nieuw))
            .expect_err("a correction that orphans facts is refused");
        assert_eq!(a.code, AfwijzingCode::AfhankelijkeFeiten, "{}", a.melding);
    }
    // Fewer extension options than used, or a start after the termination: refused.
    let (verlenging, _) = w.neem_in(&stroom, &verlengd("2026-12-31"));
    let (einde, _) = w.neem_in(&stroom, &beeindigd("2025-03-31"));
    for nieuw in [
        gewijzigd(|c| c.verlengingsopties = 0),
        gewijzigd(|c| {
            c.van = d("2025-04-01");
            c.tarieven[0].geldig_van = d("2025-04-01");
        }),
    ] {
        let a = w
            .check_in(&stroom, &correctie(gesloten, nieuw))
            .expect_err("a correction that breaks an extension or termination is refused");
        assert_eq!(a.code, AfwijzingCode::AfhankelijkeFeiten, "{}", a.melding);
    }
    w.neem_in(&stroom, &intrekking(einde));
    w.neem_in(&stroom, &intrekking(verlenging));
    // Another provider: accepted, and the provider's index follows.
    w.neem_in(
        &stroom,
        &correctie(gesloten, gewijzigd(|c| c.aanbieder = "A2".into())),
    );
    assert_eq!(stand(&w).gesloten.aanbieder, "A2");
    assert_eq!(w.staat.contracten_van("A1").count(), 0);
    assert_eq!(w.staat.contracten_van("A2").collect::<Vec<_>>(), [K]);
    // Correcting the correction's original again refers to the same contract.
    w.neem_in(&stroom, &correctie(gesloten, contract(K).into()));
    assert_eq!(w.staat.contracten_van("A1").collect::<Vec<_>>(), [K]);
    assert_eq!(w.staat.contracten_van("A2").count(), 0);
}

#[test]
fn retraction_of_a_contract_needs_its_facts_retracted_first() {
    let mut w = met_contract();
    let stroom = contract_stream(K);
    let gesloten = w.log.last().map(|(e, _)| e.event_id).expect("recorded");
    let (idx, _) = w.neem_in(&stroom, &indexatie("JZP-GROEP", "2025-01-01", 67_000));
    assert_eq!(
        w.check_in(&stroom, &intrekking(gesloten))
            .map_err(|a| a.code),
        Err(AfwijzingCode::AfhankelijkeFeiten)
    );
    w.neem_in(&stroom, &intrekking(idx));
    // The indexation is retracted: nothing depends on the contract any more.
    w.neem_in(&stroom, &intrekking(gesloten));
    assert!(w.staat.contract(K).is_none());
    assert!(!w.staat.heeft_contracten());
    assert_eq!(w.staat.contracten_van("A1").count(), 0);
    // The id is free again, and facts about the retracted contract are refused.
    assert_eq!(
        w.weiger(&indexatie("JZP-GROEP", "2025-01-01", 1)),
        AfwijzingCode::OnbekendContract
    );
    w.neem(&contract(K).into());
    assert!(w.staat.heeft_contracten());
}

#[test]
fn correction_and_retraction_of_an_extension_keep_the_contracts_facts_inside() {
    let mut w = met_contract();
    let stroom = contract_stream(K);
    let (verlenging, _) = w.neem_in(&stroom, &verlengd("2026-12-31"));
    w.neem(&indexatie("JZP-GROEP", "2026-07-01", 70_000));
    // The indexation of July 2026 needs the extension through December.
    for feit in [
        correctie(verlenging, verlengd("2026-06-30")),
        intrekking(verlenging),
    ] {
        assert_eq!(
            w.check_in(&stroom, &feit).map_err(|a| a.code),
            Err(AfwijzingCode::AfhankelijkeFeiten)
        );
    }
    // A correction is checked as an extension itself (12 months at most).
    assert_eq!(
        w.check_in(&stroom, &correctie(verlenging, verlengd("2027-01-31")))
            .map_err(|a| a.code),
        Err(AfwijzingCode::VerlengingTeLang)
    );
    w.neem_in(&stroom, &correctie(verlenging, verlengd("2026-09-30")));
    assert_eq!(stand(&w).laatste_dag, d("2026-09-30"));
    assert_eq!(stand(&w).verlengingen, 1);
}

#[test]
fn agreement_retraction_and_correction() {
    let mut w = met_contract();
    let stroom = contract_stream(K);
    let (vastgelegd, _) = w.neem_in(&stroom, &afspraak("A-LIGDUUR", ligduur()));
    let (wijziging, _) = w.neem_in(&stroom, &afspraak_gewijzigd("A-LIGDUUR", ligduur()));
    assert_eq!(
        w.check_in(&stroom, &intrekking(vastgelegd))
            .map_err(|a| a.code),
        Err(AfwijzingCode::AfhankelijkeFeiten)
    );
    // Renaming an agreement with changes would orphan them.
    assert_eq!(
        w.check_in(
            &stroom,
            &correctie(vastgelegd, afspraak("A-ANDERS", ligduur()))
        )
        .map_err(|a| a.code),
        Err(AfwijzingCode::AfhankelijkeFeiten)
    );
    // A correction of its content is checked like the agreement itself.
    assert_eq!(
        w.check_in(
            &stroom,
            &correctie(vastgelegd, afspraak("A-LIGDUUR", afbouw(&[])))
        )
        .map_err(|a| a.code),
        Err(AfwijzingCode::CapaciteitspuntenOntbreken)
    );
    w.neem_in(
        &stroom,
        &correctie(
            vastgelegd,
            afspraak(
                "A-LIGDUUR",
                norm(
                    Normkpi::GemiddeldeVerblijfsduur,
                    "2024-01-01",
                    "2024-12-31",
                    None,
                    Some(200.0),
                ),
            ),
        ),
    );
    w.neem_in(&stroom, &intrekking(wijziging));
    w.neem_in(&stroom, &intrekking(vastgelegd));
    assert!(w.staat.afspraken(K).is_empty());
    assert_eq!(
        w.weiger(&afspraak_gewijzigd("A-LIGDUUR", ligduur())),
        AfwijzingCode::OnbekendeAfspraak
    );
    // The id may be used again.
    w.neem(&afspraak("A-LIGDUUR", ligduur()));
}

#[test]
fn the_state_folded_from_the_log_equals_the_state_built_while_checking() {
    let mut w = met_contract();
    let stroom = contract_stream(K);
    let (v, _) = w.neem_in(&stroom, &verlengd("2026-12-31"));
    w.neem_in(&stroom, &correctie(v, verlengd("2026-06-30")));
    w.neem(&beeindigd("2026-03-31"));
    w.neem(&afspraak("A-LIGDUUR", ligduur()));
    w.neem(&budget(
        "RIJNMOND",
        2024,
        Budgetsegment::Gesloten,
        5_000_000,
    ));
    w.neem(&verschuiving(
        Budgetsegment::Gesloten,
        Budgetsegment::Ambulant,
        1_000_000,
        "2024-07-01",
    ));
    let mut herbouwd = DomainState::new();
    for (e, g) in &w.log {
        herbouwd.apply(e, g);
    }
    assert_eq!(herbouwd.contract(K), w.staat.contract(K));
    assert_eq!(herbouwd.afspraken(K), w.staat.afspraken(K));
    assert_eq!(
        herbouwd.budget("RIJNMOND", 2024, Budgetsegment::Ambulant),
        1_000_000
    );
    assert_eq!(
        herbouwd.budget("RIJNMOND", 2024, Budgetsegment::Gesloten),
        4_000_000
    );
    let s = stand(&w);
    assert_eq!((s.laatste_dag, s.verlengingen), (d("2026-03-31"), 1));
}

// ------------------------------------------------------------------ budgets

#[test]
fn budget_rules() {
    let mut w = wereld();
    w.rejects_facts([
        (
            budget("ATLANTIS", 2024, Budgetsegment::Gesloten, 1),
            AfwijzingCode::OnbekendeJeugdregio,
        ),
        (
            budget("RIJNMOND", 2024, Budgetsegment::Gesloten, -1),
            AfwijzingCode::OngeldigBedrag,
        ),
        (
            verschuiving(
                Budgetsegment::Gesloten,
                Budgetsegment::Ambulant,
                1,
                "2024-03-01",
            ),
            AfwijzingCode::BudgetOntoereikend,
        ),
    ]);
    w.neem(&budget(
        "RIJNMOND",
        2024,
        Budgetsegment::Gesloten,
        5_000_000,
    ));
    w.neem(&budget("RIJNMOND", 2024, Budgetsegment::Ambulant, 0));
    assert!(
        w.staat
            .budget_vastgesteld("RIJNMOND", 2024, Budgetsegment::Gesloten)
    );
    assert!(
        !w.staat
            .budget_vastgesteld("RIJNMOND", 2025, Budgetsegment::Gesloten)
    );
    let mut elders = verschuiving(
        Budgetsegment::Gesloten,
        Budgetsegment::Ambulant,
        1,
        "2024-03-01",
    );
    if let Gebeurtenis::BudgetVerschoven(v) = &mut elders {
        v.jeugdregio = "ATLANTIS".into();
    }
    let stroom = budget_stream("RIJNMOND");
    assert_eq!(
        w.check_in(&budget_stream("ATLANTIS"), &elders)
            .map_err(|a| a.code),
        Err(AfwijzingCode::OnbekendeJeugdregio)
    );
    w.rejects_facts([
        (
            verschuiving(
                Budgetsegment::Gesloten,
                Budgetsegment::Gesloten,
                1,
                "2024-03-01",
            ),
            AfwijzingCode::ZelfdeSegment,
        ),
        (
            verschuiving(
                Budgetsegment::Gesloten,
                Budgetsegment::Ambulant,
                0,
                "2024-03-01",
            ),
            AfwijzingCode::OngeldigBedrag,
        ),
        (
            verschuiving(
                Budgetsegment::Gesloten,
                Budgetsegment::Ambulant,
                -10,
                "2024-03-01",
            ),
            AfwijzingCode::OngeldigBedrag,
        ),
        (
            verschuiving(
                Budgetsegment::Gesloten,
                Budgetsegment::Ambulant,
                10,
                "2025-01-01",
            ),
            AfwijzingCode::DatumBuitenLooptijd,
        ),
        (
            verschuiving(
                Budgetsegment::Gesloten,
                Budgetsegment::Ambulant,
                5_000_001,
                "2024-07-01",
            ),
            AfwijzingCode::BudgetOntoereikend,
        ),
        (
            verschuiving(
                Budgetsegment::OpenResidentieel,
                Budgetsegment::Ambulant,
                1,
                "2024-07-01",
            ),
            AfwijzingCode::BudgetOntoereikend,
        ),
    ]);
    let (schuif, _) = w.neem_in(
        &stroom,
        &verschuiving(
            Budgetsegment::Gesloten,
            Budgetsegment::Ambulant,
            3_000_000,
            "2024-07-01",
        ),
    );
    assert_eq!(
        w.staat.budget("RIJNMOND", 2024, Budgetsegment::Gesloten),
        2_000_000
    );
    assert_eq!(
        w.staat.budget("RIJNMOND", 2024, Budgetsegment::Ambulant),
        3_000_000
    );
    // What is left: 2,000,000 more is fine, 2,000,001 is not.
    assert_eq!(
        w.weiger(&verschuiving(
            Budgetsegment::Gesloten,
            Budgetsegment::OpenResidentieel,
            2_000_001,
            "2024-09-01",
        )),
        AfwijzingCode::BudgetOntoereikend
    );
    // A correction is checked against the budget without the shift it replaces.
    w.neem_in(
        &stroom,
        &correctie(
            schuif,
            verschuiving(
                Budgetsegment::Gesloten,
                Budgetsegment::Ambulant,
                5_000_000,
                "2024-07-01",
            ),
        ),
    );
    assert_eq!(w.staat.budget("RIJNMOND", 2024, Budgetsegment::Gesloten), 0);
    assert_eq!(
        w.staat.budget("RIJNMOND", 2024, Budgetsegment::Ambulant),
        5_000_000
    );
    // Shifted back from the ambulant segment, which now has the money.
    w.neem(&verschuiving(
        Budgetsegment::Ambulant,
        Budgetsegment::Gesloten,
        1_000_000,
        "2024-10-01",
    ));
    assert_eq!(
        w.staat.budget("RIJNMOND", 2024, Budgetsegment::Gesloten),
        1_000_000
    );
    // A later BudgetVastgesteld replaces the earlier; the shifts stay.
    let (nieuw, _) = w.neem_in(
        &stroom,
        &budget("RIJNMOND", 2024, Budgetsegment::Gesloten, 6_000_000),
    );
    assert_eq!(
        w.staat.budget("RIJNMOND", 2024, Budgetsegment::Gesloten),
        2_000_000
    );
    // Its correction and retraction are followed.
    w.neem_in(
        &stroom,
        &correctie(
            nieuw,
            budget("RIJNMOND", 2024, Budgetsegment::Gesloten, 7_000_000),
        ),
    );
    assert_eq!(
        w.staat.budget("RIJNMOND", 2024, Budgetsegment::Gesloten),
        3_000_000
    );
    w.neem_in(&stroom, &intrekking(nieuw));
    assert_eq!(
        w.staat.budget("RIJNMOND", 2024, Budgetsegment::Gesloten),
        1_000_000
    );
    w.neem_in(&stroom, &intrekking(schuif));
    assert_eq!(
        w.staat.budget("RIJNMOND", 2024, Budgetsegment::Gesloten),
        6_000_000
    );
    assert_eq!(
        w.staat.budget("RIJNMOND", 2024, Budgetsegment::Ambulant),
        -1_000_000
    );
}

// ------------------------------------------------------------------ measures

#[test]
fn measure_rules() {
    let mut w = wereld();
    w.j(P, &mgj("M1", "2024-01-01", "2024-12-31"));
    w.j(P, &start("F1", "2024-02-01"));
    w.j(P, &einde(Some("F1"), "2024-06-01"));
    w.j(P, &start("F2", "2024-06-01"));
    w.rejects_youth_facts(
        P,
        [
            (
                maatregel("S1", "F1", "2024-03-01 10:00", "2024-03-01 10:00"),
                AfwijzingCode::MaatregelEindeVoorBegin,
            ),
            (
                maatregel("S1", "F1", "2024-03-01 10:00", "2024-03-01 09:00"),
                AfwijzingCode::MaatregelEindeVoorBegin,
            ),
            (
                maatregel("S1", "F9", "2024-03-01 10:00", "2024-03-01 12:00"),
                AfwijzingCode::OnbekendeVoorziening,
            ),
            (
                maatregel("S1", "F1", "2024-01-31 10:00", "2024-01-31 12:00"),
                AfwijzingCode::NietGeplaatst,
            ),
            // The end date is the first day no longer there.
            (
                maatregel("S1", "F1", "2024-06-01 08:00", "2024-06-01 09:00"),
                AfwijzingCode::NietGeplaatst,
            ),
            (
                maatregel("S1", "F3", "2024-03-01 10:00", "2024-03-01 12:00"),
                AfwijzingCode::NietGeplaatst,
            ),
            (
                maatregel("", "F1", "2024-03-01 10:00", "2024-03-01 12:00"),
                AfwijzingCode::OngeldigeSleutel,
            ),
        ],
    );
    // Closed care: accepted without a signal; may cross midnight.
    assert!(
        w.jcodes(
            P,
            &maatregel("S1", "F1", "2024-03-01 22:00", "2024-03-02 06:00")
        )
        .is_empty()
    );
    w.j(
        P,
        &maatregel("S1", "F1", "2024-03-01 22:00", "2024-03-02 06:00"),
    );
    assert_eq!(w.staat.maatregelen(P), ["S1"]);
    assert_eq!(
        w.jweiger(
            P,
            &maatregel("S1", "F1", "2024-04-01 10:00", "2024-04-01 11:00")
        ),
        AfwijzingCode::MaatregelAlVastgelegd
    );
    // Open care: accepted with a signal.
    assert_eq!(
        w.jcodes(
            P,
            &maatregel("S2", "F2", "2024-07-01 10:00", "2024-07-01 11:00")
        ),
        ["MAATREGEL_IN_OPEN_VOORZIENING"]
    );
    let (s2, signalen) = w.j(
        P,
        &maatregel("S2", "F2", "2024-07-01 10:00", "2024-07-01 11:00"),
    );
    assert_eq!(
        signalen,
        [Signaal::MaatregelInOpenVoorziening {
            maatregel: "S2".into(),
            voorziening: "F2".into(),
            datum: d("2024-07-01"),
        }]
    );
    // A correction keeps its own id; the rules apply to the new content.
    assert_eq!(
        w.jweiger(
            P,
            &correctie(
                s2,
                maatregel("S2", "F2", "2024-07-01 10:00", "2024-07-01 09:00")
            )
        ),
        AfwijzingCode::MaatregelEindeVoorBegin
    );
    w.j(
        P,
        &correctie(
            s2,
            maatregel("S2", "F2", "2024-07-01 10:00", "2024-07-01 12:30"),
        ),
    );
    w.j(P, &intrekking(s2));
    assert_eq!(w.staat.maatregelen(P), ["S1"]);
    w.j(
        P,
        &maatregel("S2", "F2", "2024-07-02 10:00", "2024-07-02 11:00"),
    );
}

#[test]
fn a_placement_change_may_not_leave_a_measure_outside_its_placement() {
    let mut w = wereld();
    w.j(P, &mgj("M1", "2024-01-01", "2024-12-31"));
    let (plaatsing, _) = w.j(P, &start("F1", "2024-02-01"));
    w.j(
        P,
        &maatregel("S1", "F1", "2024-03-01 10:00", "2024-03-01 12:00"),
    );
    w.rejects_youth_facts(
        P,
        [
            (intrekking(plaatsing), AfwijzingCode::AfhankelijkeFeiten),
            (
                correctie(plaatsing, start("F1", "2024-03-02")),
                AfwijzingCode::AfhankelijkeFeiten,
            ),
            (
                einde(Some("F1"), "2024-03-01"),
                AfwijzingCode::AfhankelijkeFeiten,
            ),
        ],
    );
    // An earlier start and an end after the measure leave it covered.
    w.j(P, &correctie(plaatsing, start("F1", "2024-01-15")));
    w.j(P, &einde(Some("F1"), "2024-03-02"));
}

// ------------------------------------------------------------------ CONTRACT_ONTBREEKT

#[test]
fn no_contract_signal_while_the_log_holds_no_contract() {
    let w = wereld();
    assert!(
        !w.jcodes(P, &start("F3", "2024-02-01"))
            .contains(&"CONTRACT_ONTBREEKT")
    );
}

#[test]
fn a_placement_without_a_contract_for_its_care_is_signalled() {
    let mut w = met_contract();
    w.j(P, &mgj("M1", "2024-01-01", "2026-12-31"));
    let ontbreekt =
        |w: &Wereld, feit: &Gebeurtenis| w.jcodes(P, feit).contains(&"CONTRACT_ONTBREEKT");
    // F1 (A1, GROEP GESLOTEN) in the period: covered by K1, on its first and last day.
    assert!(!ontbreekt(&w, &start("F1", "2024-01-01")));
    assert!(!ontbreekt(&w, &start("F1", "2025-12-31")));
    // Before or after the period.
    assert!(ontbreekt(&w, &start("F1", "2026-01-01")));
    // F2 (A1, KLEINSCHALIG OPEN): K1 holds no product of that form and regime.
    assert!(ontbreekt(&w, &start("F2", "2024-03-01")));
    // F3 (A2): no contract at all; the signal names the provider.
    let (_, signalen) = w.j(P, &start("F3", "2024-03-01"));
    assert!(signalen.contains(&Signaal::ContractOntbreekt {
        voorziening: "F3".into(),
        aanbieder: "A2".into(),
        datum: d("2024-03-01"),
    }));
    // A doorplaatsing into F1 is covered; into F2 it is not.
    assert!(!ontbreekt(&w, &door("F3", "F1", "2024-05-01", false)));
    assert!(ontbreekt(&w, &door("F3", "F2", "2024-05-01", false)));
    // An extension covers later dates; an early termination uncovers them.
    w.neem(&verlengd("2026-12-31"));
    assert!(!ontbreekt(&w, &door("F3", "F1", "2026-01-01", false)));
    w.neem(&beeindigd("2025-06-30"));
    assert!(ontbreekt(&w, &door("F3", "F1", "2025-07-01", false)));
    assert!(!ontbreekt(&w, &door("F3", "F1", "2025-06-30", false)));
    // A second contract for A1 that holds the open product covers F2.
    let mut k2 = contract("K2");
    k2.percelen[0].producten = vec![product(
        "KLEIN-OPEN",
        Vorm::Kleinschalig,
        Regime::Open,
        Tariefeenheid::Traject,
    )];
    k2.tarieven = vec![tarief("KLEIN-OPEN", 1_200_000, "2024-01-01")];
    k2.volumegaranties.clear();
    w.neem(&k2.into());
    assert!(!ontbreekt(&w, &door("F3", "F2", "2024-05-01", false)));
}
