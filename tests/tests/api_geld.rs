//! End-to-end tests of contracts and money through the GraphQL API, on both backends:
//! a mutation for every new fact (and a correction), the input check on them, the role
//! matrix of the new queries and mutations (a contract manager bound to one jeugdregio),
//! and the flow contract → placement → cost over HTTP, with a tariff indexation recorded
//! after the period it applies to (the cost as known before and after).
//!
//! The harness is the shared one of `tests/src/api.rs`. The domain rules of these facts
//! are tested in `events/src/rules/`; every fact here is one those rules accept.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use kringloop_graphql::Rol;
use kringloop_tests::api::{EIGEN, Omgeving, Server, code, feit, ok};
use serde_json::{Value, json};

/// The other region: Haaglanden.
const ANDER: &str = "HAAGLANDEN";

/// Zuid-West with Rijnmond (EIGEN) and Haaglanden, a gemeente in each, provider Horizon
/// with an open small-scale facility F2 (8 places) in Rotterdam and provider
/// Schakenbosch with S1 in The Hague; youths `pa` (Rotterdam) and `pc` (The Hague).
async fn landschap(s: &Server, t: &str) {
    let stappen: Vec<(&str, &str, Value)> = vec![
        (
            "registreerLandsdeel",
            "LandsdeelInvoer",
            json!({"code":"ZUID_WEST","naam":"Zuid-West"}),
        ),
        (
            "registreerJeugdregio",
            "JeugdregioInvoer",
            json!({"code":EIGEN,"naam":"Rijnmond","landsdeel":"ZUID_WEST"}),
        ),
        (
            "registreerJeugdregio",
            "JeugdregioInvoer",
            json!({"code":ANDER,"naam":"Haaglanden","landsdeel":"ZUID_WEST"}),
        ),
        (
            "registreerGemeente",
            "GemeenteInvoer",
            json!({"code":"GM0599","naam":"Rotterdam","jeugdregio":EIGEN}),
        ),
        (
            "registreerGemeente",
            "GemeenteInvoer",
            json!({"code":"GM0518","naam":"'s-Gravenhage","jeugdregio":ANDER}),
        ),
        (
            "registreerAanbieder",
            "AanbiederInvoer",
            json!({"id":"HZN","naam":"Horizon"}),
        ),
        (
            "registreerAanbieder",
            "AanbiederInvoer",
            json!({"id":"SKB","naam":"Schakenbosch"}),
        ),
        (
            "registreerVoorziening",
            "VoorzieningInvoer",
            json!({"id":"F2","aanbieder":"HZN","naam":"Het Huis","gemeente":"GM0599","vorm":"KLEINSCHALIG","regime":"OPEN","datum":"2024-01-01"}),
        ),
        (
            "registreerVoorziening",
            "VoorzieningInvoer",
            json!({"id":"S1","aanbieder":"SKB","naam":"De Duinen","gemeente":"GM0518","vorm":"KLEINSCHALIG","regime":"OPEN","datum":"2024-01-01"}),
        ),
        (
            "openPlaatsen",
            "PlaatsenGeopendInvoer",
            json!({"voorziening":"F2","datum":"2024-01-01","aantal":8}),
        ),
        (
            "openPlaatsen",
            "PlaatsenGeopendInvoer",
            json!({"voorziening":"S1","datum":"2024-01-01","aantal":4}),
        ),
        (
            "registreerJeugdige",
            "JeugdigeInvoer",
            json!({"pseudoniem":"pa","geboortejaar":2008,"geslacht":"MAN","woongemeente":"GM0599","datum":"2024-01-01"}),
        ),
        (
            "registreerJeugdige",
            "JeugdigeInvoer",
            json!({"pseudoniem":"pc","geboortejaar":2010,"geslacht":"ANDERS","woongemeente":"GM0518","datum":"2024-01-01"}),
        ),
    ];
    for (n, (veld, ty, invoer)) in stappen.into_iter().enumerate() {
        ok(&feit(s, t, veld, ty, invoer, None, &format!("land-{n}")).await);
    }
}

/// Contract C-HZN of Rijnmond with Horizon: small-scale open care per day at € 500.00
/// from 2025-01-01, 2025 through 2026.
fn contract_hzn() -> Value {
    json!({
        "contract": "C-HZN", "aanbieder": "HZN", "jeugdregios": [EIGEN],
        "financiering": "INSPANNINGSGERICHT",
        "percelen": [{"code": "P1", "naam": "Kleinschalig open", "producten": [
            {"code": "KS-OPEN", "vorm": "KLEINSCHALIG", "regime": "OPEN", "eenheid": "ETMAAL"}
        ]}],
        "tarieven": [{"product": "KS-OPEN", "bedragCent": 50000, "geldigVan": "2025-01-01"}],
        "van": "2025-01-01", "totEnMet": "2026-12-31",
        "verlengingsopties": 2, "verlengingMaanden": 12,
        "volumegaranties": [], "budgetplafondCent": null
    })
}

/// Contract C-SKB of Haaglanden with Schakenbosch (Rijnmond is not in it).
fn contract_skb() -> Value {
    json!({
        "contract": "C-SKB", "aanbieder": "SKB", "jeugdregios": [ANDER],
        "financiering": "INSPANNINGSGERICHT",
        "percelen": [{"code": "P1", "naam": "Kleinschalig open", "producten": [
            {"code": "KS-OPEN", "vorm": "KLEINSCHALIG", "regime": "OPEN", "eenheid": "ETMAAL"}
        ]}],
        "tarieven": [{"product": "KS-OPEN", "bedragCent": 45000, "geldigVan": "2025-01-01"}],
        "van": "2025-01-01", "totEnMet": "2026-12-31"
    })
}

fn event_id(r: &Value, veld: &str) -> String {
    ok(r)[veld]["eventId"].as_str().unwrap().to_owned()
}

/// Every new kind of fact through its mutation, each accepted once and repeated
/// idempotently; a correction of an indexation through `corrigeerFeit`.
async fn elk_nieuw_feit_heeft_een_mutatie(o: &Omgeving) {
    let s = o.start().await;
    let reg = o.token(Rol::Registrar);
    landschap(&s, reg).await;
    let stappen: Vec<(&str, &str, Value, Option<&str>)> = vec![
        ("sluitContract", "ContractInvoer", contract_hzn(), None),
        ("sluitContract", "ContractInvoer", contract_skb(), None),
        (
            "indexeerTarief",
            "TariefIndexatieInvoer",
            json!({"contract":"C-HZN","product":"KS-OPEN","geldigVan":"2026-01-01","bedragCent":52000,"reden":"indexatie 2026"}),
            None,
        ),
        (
            "wijzigVolumegarantie",
            "VolumegarantieWijzigingInvoer",
            json!({"contract":"C-HZN","datum":"2025-07-01","volumegaranties":[{"product":"KS-OPEN","plaatsen":2}],"reden":"afspraak"}),
            None,
        ),
        (
            "wijzigBudgetplafond",
            "BudgetplafondInvoer",
            json!({"contract":"C-HZN","datum":"2025-07-01","budgetplafondCent":200000000,"reden":"plafond"}),
            None,
        ),
        (
            "verlengContract",
            "ContractVerlengingInvoer",
            json!({"contract":"C-HZN","datum":"2026-06-01","totEnMet":"2027-12-31"}),
            None,
        ),
        (
            "legPrestatieafspraakVast",
            "PrestatieafspraakInvoer",
            json!({"contract":"C-HZN","afspraak":"A1","datum":"2025-01-01","inhoud":{"norm":{"kpi":"GEMIDDELDE_VERBLIJFSDUUR","van":"2025-01-01","totEnMet":"2025-12-31","max":120.0}},"toelichting":"verblijfsduur"}),
            None,
        ),
        (
            "legPrestatieafspraakVast",
            "PrestatieafspraakInvoer",
            json!({"contract":"C-HZN","afspraak":"A2","datum":"2025-01-01","inhoud":{"capaciteit":{"vorm":"KLEINSCHALIG","regime":"OPEN","richting":"OPBOUW","punten":[{"datum":"2025-12-31","plaatsen":10}]}}}),
            None,
        ),
        (
            "wijzigPrestatieafspraak",
            "PrestatieafspraakWijzigingInvoer",
            json!({"contract":"C-HZN","afspraak":"A1","datum":"2025-04-01","inhoud":{"norm":{"kpi":"GEMIDDELDE_VERBLIJFSDUUR","van":"2025-01-01","totEnMet":"2025-12-31","max":100.0}},"reden":"heronderhandeld"}),
            None,
        ),
        (
            "stelBudgetVast",
            "BudgetInvoer",
            json!({"jeugdregio":EIGEN,"jaar":2025,"segment":"OPEN_RESIDENTIEEL","bedragCent":500000000}),
            None,
        ),
        (
            "verschuifBudget",
            "BudgetVerschuivingInvoer",
            json!({"jeugdregio":EIGEN,"jaar":2025,"van":"OPEN_RESIDENTIEEL","naar":"AMBULANT","bedragCent":10000000,"datum":"2025-07-01","reden":"ombouw"}),
            None,
        ),
        (
            "startPlaatsing",
            "PlaatsingInvoer",
            json!({"voorziening":"F2","datum":"2025-01-10","spoed":false,"crisis":false,"verblijfVoor":"THUIS"}),
            Some("pa"),
        ),
        (
            "registreerMaatregel",
            "MaatregelInvoer",
            json!({"maatregel":"M1","soort":"AFZONDERING","voorziening":"F2","begin":"2025-01-12T10:00:00","eind":"2025-01-12T13:30:00","toelichting":"onrustig"}),
            Some("pa"),
        ),
        (
            "beeindigContract",
            "ContractBeeindigingInvoer",
            json!({"contract":"C-SKB","totEnMet":"2025-12-31","reden":"aanbesteding"}),
            None,
        ),
    ];
    let mut ids = Vec::new();
    for (n, (veld, ty, invoer, ps)) in stappen.iter().enumerate() {
        let key = format!("geld-{n}");
        let r = feit(&s, reg, veld, ty, invoer.clone(), *ps, &key).await;
        let d = ok(&r);
        assert_eq!(d[*veld]["duplicaat"], false, "{veld}: {r}");
        let stroom = d[*veld]["stroom"].as_str().unwrap();
        match (*veld, ps) {
            (_, Some(_)) => assert!(stroom.starts_with("jeugdige-"), "{stroom}"),
            ("stelBudgetVast" | "verschuifBudget", _) => {
                assert_eq!(stroom, format!("budget-{EIGEN}"))
            }
            _ => assert!(stroom.starts_with("contract-C-"), "{veld}: {stroom}"),
        }
        // The same key and fact again: the first result, nothing written.
        let again = feit(&s, reg, veld, ty, invoer.clone(), *ps, &key).await;
        assert_eq!(ok(&again)[*veld]["duplicaat"], true, "{veld}: {again}");
        assert_eq!(ok(&again)[*veld]["eventId"], d[*veld]["eventId"]);
        ids.push(event_id(&r, veld));
    }
    // A correction of the indexation (the third fact): another amount.
    let r = s
        .gql(
            reg,
            "mutation C($id: UUID!, $n: FeitInvoer!) { corrigeerFeit(eventId: $id, nieuw: $n, reden: \"typefout\", idempotencyKey: \"corr-1\") { stroom } }",
            json!({"id": ids[2], "n": {"tariefGeindexeerd": {"contract":"C-HZN","product":"KS-OPEN","geldigVan":"2026-01-01","bedragCent":51500,"reden":"indexatie 2026"}}}),
        )
        .await;
    assert_eq!(ok(&r)["corrigeerFeit"]["stroom"], "contract-C-HZN");
    s.bij().await;
    let r = s
        .gql(
            o.token(Rol::Evaluator),
            "{ contract(id: \"C-HZN\") { totEnMet tarieven { product tarieven { geldigVan bedragCent } } afspraken { id inhoud { soort kpi max } versies { reden } } volumegaranties { vanaf garanties { plaatsen } } gebeurtenissen { type } } }",
            json!({}),
        )
        .await;
    let c = &ok(&r)["contract"];
    assert_eq!(c["totEnMet"], "2027-12-31", "{c}");
    assert_eq!(
        c["tarieven"][0]["tarieven"],
        json!([{"geldigVan":"2025-01-01","bedragCent":50000},{"geldigVan":"2026-01-01","bedragCent":51500}]),
        "the correction counts: {c}"
    );
    assert_eq!(c["afspraken"][0]["id"], "A1");
    assert_eq!(c["afspraken"][0]["inhoud"]["max"], 100.0);
    assert_eq!(
        c["afspraken"][0]["versies"].as_array().unwrap().len(),
        2,
        "{c}"
    );
    assert_eq!(
        c["volumegaranties"].as_array().map(Vec::len),
        Some(2),
        "{c}"
    );
    s.stop().await;
}

/// The input check runs on the new facts before anything is written: a BSN in free text,
/// an identifier that is too long, a control character.
async fn de_invoercontrole_geldt_ook_hier(o: &Omgeving) {
    let s = o.start().await;
    let reg = o.token(Rol::Registrar);
    landschap(&s, reg).await;
    ok(&feit(
        &s,
        reg,
        "sluitContract",
        "ContractInvoer",
        contract_hzn(),
        None,
        "c",
    )
    .await);
    let head = s.head().await;
    let fouten: Vec<(&str, &str, Value, Option<&str>, &str)> = vec![
        (
            "indexeerTarief",
            "TariefIndexatieInvoer",
            json!({"contract":"C-HZN","product":"KS-OPEN","geldigVan":"2026-01-01","bedragCent":52000,"reden":"bsn 111222333"}),
            None,
            "BSN_VERBODEN",
        ),
        (
            "sluitContract",
            "ContractInvoer",
            {
                let mut c = contract_hzn();
                c["contract"] = json!("C".repeat(65));
                c
            },
            None,
            "TE_LANG",
        ),
        (
            "stelBudgetVast",
            "BudgetInvoer",
            json!({"jeugdregio":"RIJN\u{1}MOND","jaar":2025,"segment":"AMBULANT","bedragCent":1}),
            None,
            "ONGELDIG_TEKEN",
        ),
        (
            "registreerMaatregel",
            "MaatregelInvoer",
            json!({"maatregel":"M1","soort":"FIXATIE","voorziening":"F2","begin":"2025-01-12T10:00:00","eind":"2025-01-12T10:30:00","toelichting":"123456782"}),
            Some("pa"),
            "BSN_VERBODEN",
        ),
    ];
    for (n, (veld, ty, invoer, ps, reden)) in fouten.into_iter().enumerate() {
        let r = feit(&s, reg, veld, ty, invoer, ps, &format!("fout-{n}")).await;
        assert_eq!(code(&r), Some("INVALID_EVENT"), "{veld}: {r}");
        assert_eq!(r["errors"][0]["extensions"]["reden"], reden, "{veld}: {r}");
        let tekst = r.to_string();
        assert!(
            !tekst.contains("111222333") && !tekst.contains("123456782"),
            "{tekst}"
        );
    }
    assert_eq!(s.head().await, head, "nothing written");
    s.stop().await;
}

/// Who may record the new facts: the writers (registrar, admin); nobody else.
async fn alleen_schrijvers_leggen_geldfeiten_vast(o: &Omgeving) {
    let s = o.start().await;
    landschap(&s, o.token(Rol::Registrar)).await;
    for rol in Rol::ALL {
        let r = feit(
            &s,
            o.token(rol),
            "stelBudgetVast",
            "BudgetInvoer",
            json!({"jeugdregio":EIGEN,"jaar":2025,"segment":"AMBULANT","bedragCent":100}),
            None,
            "b",
        )
        .await;
        let mag = matches!(rol, Rol::Registrar | Rol::Admin);
        if mag {
            ok(&r);
        } else {
            assert_eq!(code(&r), Some("FORBIDDEN"), "{rol}: {r}");
        }
        let r = feit(&s, o.token(rol), "registreerMaatregel", "MaatregelInvoer", json!({"maatregel":format!("M-{rol}"),"soort":"TOEZICHT","voorziening":"F2","begin":"2025-01-12T10:00:00","eind":"2025-01-12T10:30:00"}), Some("pa"), "m").await;
        if !mag {
            assert_eq!(code(&r), Some("FORBIDDEN"), "{rol}: {r}");
        }
    }
    s.stop().await;
}

/// Records the landscape, both contracts and a placement of `pa` in F2 from 2025-01-10
/// to 2025-01-20 (ten bed-days in January), as the registrar.
async fn met_contracten(o: &Omgeving, s: &Server) {
    let reg = o.token(Rol::Registrar);
    landschap(s, reg).await;
    ok(&feit(
        s,
        reg,
        "sluitContract",
        "ContractInvoer",
        contract_hzn(),
        None,
        "c-hzn",
    )
    .await);
    ok(&feit(
        s,
        reg,
        "sluitContract",
        "ContractInvoer",
        contract_skb(),
        None,
        "c-skb",
    )
    .await);
    ok(&feit(s, reg, "stelBudgetVast", "BudgetInvoer", json!({"jeugdregio":EIGEN,"jaar":2025,"segment":"OPEN_RESIDENTIEEL","bedragCent":18_250_000}), None, "b1").await);
    ok(&feit(s, reg, "legPrestatieafspraakVast", "PrestatieafspraakInvoer", json!({"contract":"C-HZN","afspraak":"A1","datum":"2025-01-01","inhoud":{"norm":{"kpi":"GEMIDDELDE_VERBLIJFSDUUR","van":"2025-01-01","totEnMet":"2025-03-31","max":30.0}}}), None, "a1").await);
    ok(&feit(s, reg, "startPlaatsing", "PlaatsingInvoer", json!({"voorziening":"F2","datum":"2025-01-10","spoed":false,"crisis":false,"verblijfVoor":"THUIS"}), Some("pa"), "p1").await);
    ok(&feit(
        s,
        reg,
        "beeindigPlaatsing",
        "PlaatsingBeeindigdInvoer",
        json!({"datum":"2025-01-20","bestemming":"THUIS","reden":"klaar"}),
        Some("pa"),
        "p2",
    )
    .await);
    ok(&feit(s, reg, "registreerMaatregel", "MaatregelInvoer", json!({"maatregel":"M1","soort":"AFZONDERING","voorziening":"F2","begin":"2025-01-12T10:00:00","eind":"2025-01-12T13:30:00"}), Some("pa"), "m1").await);
    s.bij().await;
}

const JANUARI: &str = "{ jaar: 2025, maand: 1 }";

/// The role matrix of the new queries: who gets data, who FORBIDDEN.
async fn de_rollenmatrix_van_geld(o: &Omgeving) {
    let s = o.start().await;
    met_contracten(o, &s).await;
    use Rol::*;
    let geld = vec![Stuurgroep, Contractmanager, Evaluator, Admin];
    let alle = Rol::ALL.to_vec();
    let gevallen: Vec<(&str, String, Vec<Rol>)> = vec![
        ("contracten", "{ contracten { id aanbieder afspraken { id } } }".into(), geld.clone()),
        ("contract", "{ contract(id: \"C-HZN\") { id financiering } }".into(), geld.clone()),
        ("tarieven", "{ contract(id: \"C-HZN\") { tarieven { product } } }".into(), vec![Contractmanager, Evaluator, Admin]),
        ("kosten", format!("{{ kosten(periode: {JANUARI}) {{ totaal {{ totaalCent }} }} }}"), geld.clone()),
        ("kostenReeks", "{ kostenReeks(granulariteit: MAAND, van: \"2025-01-01\", tot: \"2025-03-01\") { totaal { totaalCent } } }".into(), geld.clone()),
        ("budget", format!("{{ budget(periode: {JANUARI}) {{ jaar regios {{ jeugdregio }} }} }}"), geld.clone()),
        ("budgetneutraal", format!("{{ budgetneutraal(periode: {JANUARI}, basisjaar: 2024) {{ totaal {{ kostenCent }} }} }}"), geld.clone()),
        ("kostenPerJeugdige", format!("{{ kostenPerJeugdige(periode: {JANUARI}) {{ jeugdigen {{ totaalCent }} }} }}"), vec![Evaluator, Admin]),
        ("maatregelen", format!("{{ maatregelen(periode: {JANUARI}) {{ totaal {{ aantal {{ waarde bescherming }} }} }} }}"), alle.clone()),
        ("ratioAmbulantBed", format!("{{ ratioAmbulantBed(periode: {JANUARI}) {{ totaal {{ ligdagen {{ waarde }} }} }} }}"), alle.clone()),
        ("scorecard", "{ scorecard(contract: \"C-HZN\") { afspraken { afspraak status } } }".into(), geld.clone()),
        ("scorecardVerschil", "{ scorecardVerschil(contract: \"C-HZN\", k1: \"2025-01-01T00:00:00Z\", k2: \"2030-01-01T00:00:00Z\") { gewijzigd } }".into(), geld.clone()),
    ];
    for (naam, q, mogen) in &gevallen {
        for rol in Rol::ALL {
            let r = s.gql(o.token(rol), q, json!({})).await;
            if mogen.contains(&rol) {
                ok(&r);
            } else {
                assert_eq!(code(&r), Some("FORBIDDEN"), "{naam} as {rol}: {r}");
            }
        }
    }
    // Measures are about persons: perturbed for the aggregate roles, exact otherwise.
    let q = &gevallen[8].1;
    for rol in Rol::ALL {
        let r = s.gql(o.token(rol), q, json!({})).await;
        let b = &ok(&r)["maatregelen"]["totaal"]["aantal"]["bescherming"];
        let verwacht = if rol.sees_small_counts() {
            "GEEN"
        } else {
            "VERSTOORD"
        };
        assert_eq!(b, verwacht, "{rol}: {r}");
    }
    let r = s.gql(o.token(Evaluator), q, json!({})).await;
    assert_eq!(ok(&r)["maatregelen"]["totaal"]["aantal"]["waarde"], 1);
    s.stop().await;
}

/// A contract manager sees the contracts of its own region only, and costs and budgets
/// of its own region; another region is FORBIDDEN, not empty.
async fn een_contractmanager_ziet_de_eigen_regio(o: &Omgeving) {
    let s = o.start().await;
    met_contracten(o, &s).await;
    let cm = o.token(Rol::Contractmanager);
    let cm_ander = o.token_voor(Rol::Contractmanager, ANDER);
    let ids = |r: &Value| -> Vec<String> {
        ok(r)["contracten"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let q = "{ contracten { id } }";
    assert_eq!(ids(&s.gql(cm, q, json!({})).await), ["C-HZN"]);
    assert_eq!(ids(&s.gql(&cm_ander, q, json!({})).await), ["C-SKB"]);
    assert_eq!(
        ids(&s.gql(o.token(Rol::Stuurgroep), q, json!({})).await),
        ["C-HZN", "C-SKB"]
    );
    let r = s
        .gql(cm, "{ contract(id: \"C-SKB\") { id } }", json!({}))
        .await;
    assert_eq!(code(&r), Some("FORBIDDEN"), "{r}");
    let r = s
        .gql(
            cm,
            "{ scorecard(contract: \"C-SKB\") { contract } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&r), Some("FORBIDDEN"), "{r}");
    let r = s
        .gql(
            &cm_ander,
            "{ scorecard(contract: \"C-SKB\") { contract } }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&r)["scorecard"]["contract"], "C-SKB");
    let r = s
        .gql(cm, "{ contract(id: \"C-ONBEKEND\") { id } }", json!({}))
        .await;
    assert_eq!(ok(&r)["contract"], Value::Null);
    // Costs: the own region's by default; another region FORBIDDEN.
    let kosten = format!(
        "{{ kosten(periode: {JANUARI}) {{ meta {{ filter {{ jeugdregio }} }} totaal {{ totaalCent }} perJeugdregio {{ sleutel }} }} }}"
    );
    let r = s.gql(cm, &kosten, json!({})).await;
    assert_eq!(ok(&r)["kosten"]["meta"]["filter"]["jeugdregio"], EIGEN);
    assert_eq!(ok(&r)["kosten"]["totaal"]["totaalCent"], 500_000);
    let r = s.gql(&cm_ander, &kosten, json!({})).await;
    assert_eq!(
        ok(&r)["kosten"]["totaal"]["totaalCent"],
        0,
        "pa is of Rijnmond: {r}"
    );
    let r = s
        .gql(cm, &format!("{{ kosten(periode: {JANUARI}, filter: {{ jeugdregio: \"{ANDER}\" }}) {{ totaal {{ totaalCent }} }} }}"), json!({}))
        .await;
    assert_eq!(code(&r), Some("FORBIDDEN"), "{r}");
    let r = s
        .gql(
            cm,
            &format!(
                "{{ budget(periode: {JANUARI}, filter: {{ jeugdregio: \"{ANDER}\" }}) {{ jaar }} }}"
            ),
            json!({}),
        )
        .await;
    assert_eq!(code(&r), Some("FORBIDDEN"), "{r}");
    let r = s.gql(cm, &format!("{{ budget(periode: {JANUARI}) {{ regios {{ jeugdregio totaal {{ budgetCent kostenCent }} }} }} }}"), json!({})).await;
    assert_eq!(
        ok(&r)["budget"]["regios"],
        json!([{"jeugdregio": EIGEN, "totaal": {"budgetCent": 18_250_000, "kostenCent": 500_000}}]),
        "{r}"
    );
    // Costs per youth: person-level, in the access log.
    let voor = inzage(&s).await;
    let r = s.gql(o.token(Rol::Evaluator), &format!("{{ kostenPerJeugdige(periode: {JANUARI}) {{ jeugdigen {{ jeugdige totaalCent }} }} }}"), json!({})).await;
    assert_eq!(
        ok(&r)["kostenPerJeugdige"]["jeugdigen"][0]["totaalCent"],
        500_000,
        "{r}"
    );
    assert_eq!(inzage(&s).await, voor + 1, "the read is logged");
    s.stop().await;
}

/// The access log entries recorded so far.
async fn inzage(s: &Server) -> usize {
    s.store
        .read_all(0, 100_000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.event_type == "PersoonsgegevensIngezien")
        .count()
}

/// Contract → placement → cost over HTTP: ten bed-days at € 500.00; a tariff indexation
/// recorded later, valid from 15 January: the cost as known before it and after it.
async fn contract_plaatsing_kosten(o: &Omgeving) {
    let s = o.start().await;
    met_contracten(o, &s).await;
    let ev = o.token(Rol::Evaluator);
    let q = "query K($k: DateTime) { kosten(periode: { jaar: 2025, maand: 1 }, asKnownAt: $k) { totaal { etmaalCent leegstandCent totaalCent } ligdagenMetContract ligdagenZonderContract perAanbieder { sleutel totaalCent } perJeugdregio { sleutel totaalCent } perSegment { sleutel totaalCent } } }";
    let r = s.gql(ev, q, json!({})).await;
    let k = &ok(&r)["kosten"];
    assert_eq!(k["totaal"]["etmaalCent"], 500_000, "{k}");
    assert_eq!(k["totaal"]["totaalCent"], 500_000, "{k}");
    assert_eq!(k["ligdagenMetContract"], 10);
    assert_eq!(k["ligdagenZonderContract"], 0);
    assert_eq!(
        k["perAanbieder"],
        json!([{"sleutel":"HZN","totaalCent":500_000}])
    );
    assert_eq!(
        k["perJeugdregio"],
        json!([{"sleutel":EIGEN,"totaalCent":500_000}])
    );
    let segment = k["perSegment"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["sleutel"] == "OPEN_RESIDENTIEEL")
        .cloned();
    assert_eq!(
        segment.map(|r| r["totaalCent"].clone()),
        Some(json!(500_000))
    );
    // K1: before the indexation was recorded.
    let k1 = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    ok(&feit(&s, o.token(Rol::Registrar), "indexeerTarief", "TariefIndexatieInvoer", json!({"contract":"C-HZN","product":"KS-OPEN","geldigVan":"2025-01-15","bedragCent":52_000,"reden":"indexatie, laat afgesproken"}), None, "idx").await);
    s.bij().await;
    let na = s.gql(ev, q, json!({})).await;
    assert_eq!(
        ok(&na)["kosten"]["totaal"]["totaalCent"],
        5 * 50_000 + 5 * 52_000,
        "{na}"
    );
    let voor = s.gql(ev, q, json!({ "k": k1 })).await;
    assert_eq!(
        ok(&voor)["kosten"]["totaal"]["totaalCent"],
        500_000,
        "as known at K1: {voor}"
    );
    // The series agrees with the single period.
    let r = s.gql(ev, "{ kostenReeks(granulariteit: MAAND, van: \"2025-01-01\", tot: \"2025-03-01\") { totaal { totaalCent } } }", json!({})).await;
    assert_eq!(
        ok(&r)["kostenReeks"],
        json!([{"totaal":{"totaalCent":510_000}},{"totaal":{"totaalCent":0}}])
    );
    // The contract as known at K1 has one tariff, now two.
    let c = "query C($k: DateTime) { contract(id: \"C-HZN\", asKnownAt: $k) { tarieven { tarieven { bedragCent } } } }";
    let r = s.gql(ev, c, json!({ "k": k1 })).await;
    assert_eq!(
        ok(&r)["contract"]["tarieven"][0]["tarieven"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let r = s.gql(ev, c, json!({})).await;
    assert_eq!(
        ok(&r)["contract"]["tarieven"][0]["tarieven"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    s.stop().await;
}

/// The scorecard over HTTP: A1 (average stay ≤ 30 days in Q1 2025) is met by pa's stay of
/// ten days; the evaluator sees the youth's facts behind the value (and the read is
/// logged), the stuurgroep only the contract's; renegotiated to ≤ 5 days it is not met,
/// and scorecardVerschil names the agreement and the event that changed it.
async fn de_scorecard_en_haar_verschil(o: &Omgeving) {
    let s = o.start().await;
    met_contracten(o, &s).await;
    let ev = o.token(Rol::Evaluator);
    let q = "{ scorecard(contract: \"C-HZN\") { aanbieder afspraken { afspraak gerealiseerd status meetperiode { van tot } historie { reden } gebeurtenissen { stroom type } } gebeurtenissen { type } } }";
    let voor_log = inzage(&s).await;
    let r = s.gql(ev, q, json!({})).await;
    let a1 = &ok(&r)["scorecard"]["afspraken"][0];
    assert_eq!(a1["afspraak"], "A1", "{r}");
    assert_eq!(a1["gerealiseerd"], 10.0, "{r}");
    assert_eq!(a1["status"], "GEHAALD", "{r}");
    assert_eq!(
        a1["meetperiode"],
        json!({"van": "2025-01-01", "tot": "2025-04-01"})
    );
    let jeugd = |a: &Value| {
        a["gebeurtenissen"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["stroom"].as_str().unwrap().starts_with("jeugdige-"))
            .count()
    };
    assert!(jeugd(a1) > 0, "the youth's facts behind the value: {a1}");
    assert_eq!(
        inzage(&s).await,
        voor_log + 1,
        "a person-level read is logged"
    );
    let r = s.gql(o.token(Rol::Stuurgroep), q, json!({})).await;
    let a1 = &ok(&r)["scorecard"]["afspraken"][0];
    assert_eq!(jeugd(a1), 0, "no youth's fact for the stuurgroep: {a1}");
    assert_eq!(inzage(&s).await, voor_log + 1, "nothing person-level read");
    let k1 = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let wijziging = json!({"contract":"C-HZN","afspraak":"A1","datum":"2025-02-01","inhoud":{"norm":{"kpi":"GEMIDDELDE_VERBLIJFSDUUR","van":"2025-01-01","totEnMet":"2025-03-31","max":5.0}},"reden":"strenger"});
    ok(&feit(
        &s,
        o.token(Rol::Registrar),
        "wijzigPrestatieafspraak",
        "PrestatieafspraakWijzigingInvoer",
        wijziging,
        None,
        "w1",
    )
    .await);
    s.bij().await;
    let v = "query V($k1: DateTime!, $k2: DateTime!) { scorecardVerschil(contract: \"C-HZN\", k1: $k1, k2: $k2) { gewijzigd voor { afspraken { status } } na { afspraken { status historie { reden } } } gebeurtenissen { type } } }";
    let r = s
        .gql(ev, v, json!({"k1": k1, "k2": chrono::Utc::now()}))
        .await;
    let d = &ok(&r)["scorecardVerschil"];
    assert_eq!(d["gewijzigd"], json!(["A1"]), "{d}");
    assert_eq!(d["voor"]["afspraken"][0]["status"], "GEHAALD");
    assert_eq!(d["na"]["afspraken"][0]["status"], "NIET_GEHAALD");
    assert_eq!(
        d["na"]["afspraken"][0]["historie"].as_array().map(Vec::len),
        Some(2)
    );
    let typen: Vec<&str> = d["gebeurtenissen"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["type"].as_str())
        .collect();
    assert!(typen.contains(&"PrestatieafspraakGewijzigd"), "{typen:?}");
    s.stop().await;
}

kringloop_tests::both_backends!(
    &Omgeving;
    elk_nieuw_feit_heeft_een_mutatie,
    de_invoercontrole_geldt_ook_hier,
    alleen_schrijvers_leggen_geldfeiten_vast,
    de_rollenmatrix_van_geld,
    een_contractmanager_ziet_de_eigen_regio,
    contract_plaatsing_kosten,
    de_scorecard_en_haar_verschil,
);
