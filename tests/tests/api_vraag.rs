//! End-to-end tests of the need side's write path and person-level view through the
//! GraphQL API, on both backends: a mutation for every new fact (and a correction of
//! each kind), idempotent repeats and expected versions, the `coordinator` role bound to
//! one jeugdregio, the request list and a request's history, and the access log.
//!
//! The domain rules of these facts (an unknown request, a refusal by a provider never
//! registered with, …) are tested in `events/src/rules/tests.rs`; every fact here is one
//! those rules accept, so these tests hold with or without them. PostgreSQL as in
//! `api.rs` (`KRINGLOOP_TEST_PG_URL`; unreachable: skipped loudly, unless `CI=true`).

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::collections::HashMap;

use kringloop_graphql::{ApiConfig, Rol};
use kringloop_tests::api::{EIGEN, Omgeving, REPLY, Server, code, ok};
use serde_json::{Value, json};

/// The region of the coordinator's token; the other region is Haaglanden.
const ANDER: &str = "HAAGLANDEN";

/// One fact mutation; `pseudoniem` for the facts of a youth.
#[allow(clippy::too_many_arguments)]
async fn feit(
    s: &Server,
    token: &str,
    veld: &str,
    invoertype: &str,
    invoer: Value,
    pseudoniem: Option<&str>,
    key: &str,
    verwacht: Option<i64>,
) -> Value {
    let (decl, arg) = if pseudoniem.is_some() {
        (", $ps: String!", ", pseudoniem: $ps")
    } else {
        ("", "")
    };
    let q = format!(
        "mutation M($i: {invoertype}!, $k: String!, $v: Int{decl}) {{ {veld}(invoer: $i, idempotencyKey: $k, expectedVersion: $v{arg}) {{ {REPLY} }} }}"
    );
    s.gql(
        token,
        &q,
        json!({ "i": invoer, "k": key, "v": verwacht, "ps": pseudoniem }),
    )
    .await
}

/// A fact of youth `ps` without an expected version; the whole reply.
async fn jeugdfeit(
    s: &Server,
    token: &str,
    veld: &str,
    invoertype: &str,
    ps: &str,
    invoer: Value,
    key: &str,
) -> Value {
    feit(s, token, veld, invoertype, invoer, Some(ps), key, None).await
}

/// The event id of an accepted mutation's reply.
fn event_id(r: &Value, veld: &str) -> String {
    ok(r)[veld]["eventId"].as_str().unwrap().to_owned()
}

async fn corrigeer(s: &Server, token: &str, id: &str, nieuw: Value, key: &str) -> Value {
    s.gql(
        token,
        &format!(
            "mutation C($id: UUID!, $n: FeitInvoer!, $k: String!) {{ corrigeerFeit(eventId: $id, nieuw: $n, reden: \"typefout\", idempotencyKey: $k) {{ {REPLY} }} }}"
        ),
        json!({ "id": id, "n": nieuw, "k": key }),
    )
    .await
}

async fn trek_in(s: &Server, token: &str, id: &str, key: &str) -> Value {
    s.gql(
        token,
        &format!(
            "mutation T($id: UUID!, $k: String!) {{ trekFeitIn(eventId: $id, reden: \"vergissing\", idempotencyKey: $k) {{ {REPLY} }} }}"
        ),
        json!({ "id": id, "k": key }),
    )
    .await
}

/// The landscape: Zuid-West with Rijnmond and Haaglanden, a gemeente in each, two
/// providers (Horizon with a closed group F1 and an open small-scale F2; Schakenbosch
/// with S1), places, and youths `pa`, `pb` (Rijnmond) and `pc` (Haaglanden).
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
            json!({"id":"F1","aanbieder":"HZN","naam":"De Hoeve","gemeente":"GM0599","vorm":"GROEP","regime":"GESLOTEN","datum":"2024-01-01"}),
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
            json!({"voorziening":"F1","datum":"2024-01-01","aantal":10}),
        ),
        (
            "openPlaatsen",
            "PlaatsenGeopendInvoer",
            json!({"voorziening":"F2","datum":"2024-01-01","aantal":4}),
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
            json!({"pseudoniem":"pb","geboortejaar":2009,"geslacht":"VROUW","woongemeente":"GM0599","datum":"2024-01-01"}),
        ),
        (
            "registreerJeugdige",
            "JeugdigeInvoer",
            json!({"pseudoniem":"pc","geboortejaar":2010,"geslacht":"ANDERS","woongemeente":"GM0518","datum":"2024-01-01"}),
        ),
    ];
    for (n, (veld, ty, invoer)) in stappen.into_iter().enumerate() {
        ok(&feit(s, t, veld, ty, invoer, None, &format!("land-{n}"), None).await);
    }
}

fn verzoek(id: &str, datum: &str, urgentie: &str, regio: &str) -> Value {
    json!({"verzoek": id, "datum": datum, "verwijzer": "GECERTIFICEERDE_INSTELLING",
           "urgentie": urgentie, "vorm": "KLEINSCHALIG", "regime": "OPEN", "jeugdregio": regio})
}

/// The path of request V1 of `pa` (Rijnmond, regulier), each fact by `t`: registered
/// with both providers, refused by Schakenbosch, offered by Horizon, fulfilled by a
/// placement in F2 on 2024-02-12 (42 days); then an absence and the return. Request V2
/// of `pb` is withdrawn. Returns the event ids by name.
async fn verzoekpad(s: &Server, t: &str) -> HashMap<&'static str, String> {
    let stappen: Vec<(&'static str, &str, &str, &str, Value)> = vec![
        (
            "in",
            "dienPlaatsingsverzoekIn",
            "PlaatsingsverzoekInvoer",
            "pa",
            verzoek("V1", "2024-01-01", "REGULIER", EIGEN),
        ),
        (
            "aan_hzn",
            "meldJeugdigeAan",
            "AanmeldingInvoer",
            "pa",
            json!({"verzoek":"V1","aanbieder":"HZN","voorziening":"F2","datum":"2024-01-03"}),
        ),
        (
            "aan_skb",
            "meldJeugdigeAan",
            "AanmeldingInvoer",
            "pa",
            json!({"verzoek":"V1","aanbieder":"SKB","datum":"2024-01-03"}),
        ),
        (
            "weiger",
            "weigerAanmelding",
            "WeigeringInvoer",
            "pa",
            json!({"verzoek":"V1","aanbieder":"SKB","datum":"2024-01-10","reden":"GEEN_PLEK","toelichting":"groep vol"}),
        ),
        (
            "aanbod",
            "biedPlaatsAan",
            "AanbodInvoer",
            "pa",
            json!({"verzoek":"V1","voorziening":"F2","datum":"2024-02-05"}),
        ),
        (
            "plaats",
            "startPlaatsing",
            "PlaatsingInvoer",
            "pa",
            json!({"voorziening":"F2","datum":"2024-02-12","spoed":false,"crisis":false,"verblijfVoor":"THUIS","verzoek":"V1"}),
        ),
        (
            "weg",
            "meldOnttrekking",
            "OnttrekkingInvoer",
            "pa",
            json!({"voorziening":"F2","datum":"2024-03-01"}),
        ),
        (
            "terug",
            "meldTerugkeer",
            "TerugkeerInvoer",
            "pa",
            json!({"datum":"2024-03-04"}),
        ),
        (
            "in_b",
            "dienPlaatsingsverzoekIn",
            "PlaatsingsverzoekInvoer",
            "pb",
            verzoek("V2", "2024-01-15", "SPOED", EIGEN),
        ),
        (
            "trek_b",
            "trekPlaatsingsverzoekIn",
            "VerzoekIntrekkingInvoer",
            "pb",
            json!({"verzoek":"V2","datum":"2024-01-20","reden":"ANDERE_OPLOSSING"}),
        ),
    ];
    let mut ids = HashMap::new();
    for (naam, veld, ty, ps, invoer) in stappen {
        let r = jeugdfeit(s, t, veld, ty, ps, invoer, &format!("pad-{naam}")).await;
        ids.insert(naam, event_id(&r, veld));
    }
    ids
}

/// The types of the events with these ids, as the store has them.
async fn types_in_store(s: &Server, ids: &[&String]) -> Vec<String> {
    let alle = s.store.read_all(0, 100_000).await.unwrap();
    ids.iter()
        .map(|id| {
            alle.iter()
                .find(|e| e.event_id.to_string() == **id)
                .map(|e| e.event_type.clone())
                .unwrap_or_default()
        })
        .collect()
}

const VERZOEK_VELDEN: &str = "pseudoniem verzoek datum verwijzer urgentie vorm regime jeugdregio status geslotenOp geplaatstIn overbrugging aanbieders aanbiedingen weigeringen wachtdagen normDagen bovenNorm";

async fn lijst(s: &Server, token: &str, args: &str) -> Value {
    s.gql(
        token,
        &format!("{{ plaatsingsverzoeken{args} {{ totaal verzoeken {{ {VERZOEK_VELDEN} }} }} }}"),
        json!({}),
    )
    .await
}

async fn een(s: &Server, token: &str, ps: &str, v: &str) -> Value {
    s.gql(
        token,
        &format!(
            "query V($ps: String!, $v: String!) {{ plaatsingsverzoek(pseudoniem: $ps, verzoek: $v) {{ verzoek {{ {VERZOEK_VELDEN} }} feiten {{ gebeurtenis {{ type geregistreerdOp geregistreerdDoor inhoud }} betreft gecorrigeerdDoor {{ reden }} ingetrokkenDoor {{ reden }} }} }} }}"
        ),
        json!({ "ps": ps, "v": v }),
    )
    .await
}

// ---------------------------------------------------------------------------------------

/// Every new fact through its mutation, stored under its type in the youth's stream; a
/// correction with `FeitInvoer` of each new type.
async fn every_need_mutation_is_accepted(o: &Omgeving) {
    let s = o.start().await;
    let t = o.token(Rol::Registrar);
    landschap(&s, t).await;
    let ids = verzoekpad(&s, t).await;
    let namen = [
        "in", "aan_hzn", "weiger", "aanbod", "trek_b", "weg", "terug", "plaats",
    ];
    let gezocht: Vec<&String> = namen.iter().map(|n| &ids[n]).collect();
    assert_eq!(
        types_in_store(&s, &gezocht).await,
        [
            "PlaatsingsverzoekIngediend",
            "JeugdigeAangemeld",
            "AanmeldingGeweigerd",
            "PlaatsAangeboden",
            "PlaatsingsverzoekIngetrokken",
            "JeugdigeOnttrokken",
            "JeugdigeTeruggekeerd",
            "PlaatsingGestart",
        ]
    );
    // The placement names the request it fulfils (catalogue v2).
    let alle = s.store.read_all(0, 100_000).await.unwrap();
    let plaatsing = alle
        .iter()
        .find(|e| e.event_id.to_string() == ids["plaats"])
        .unwrap();
    assert_eq!(plaatsing.stream, "jeugdige-pa");
    let inhoud: Value = serde_json::from_str(&plaatsing.payload).unwrap();
    assert_eq!(inhoud["verzoek"], "V1");
    // A correction of each new type (same content but one field).
    let correcties: Vec<(&str, Value)> = vec![
        (
            "in",
            json!({"plaatsingsverzoekIngediend": verzoek("V1", "2024-01-01", "SPOED", EIGEN)}),
        ),
        (
            "aan_skb",
            json!({"jeugdigeAangemeld": {"verzoek":"V1","aanbieder":"SKB","voorziening":"S1","datum":"2024-01-03"}}),
        ),
        (
            "aanbod",
            json!({"plaatsAangeboden": {"verzoek":"V1","voorziening":"F2","datum":"2024-02-06"}}),
        ),
        (
            "weiger",
            json!({"aanmeldingGeweigerd": {"verzoek":"V1","aanbieder":"SKB","datum":"2024-01-10","reden":"GROEPSSAMENSTELLING"}}),
        ),
        (
            "trek_b",
            json!({"plaatsingsverzoekIngetrokken": {"verzoek":"V2","datum":"2024-01-20","reden":"NIET_MEER_NODIG","toelichting":"thuis gaat het"}}),
        ),
        ("weg", json!({"jeugdigeOnttrokken": {"datum":"2024-03-01"}})),
        (
            "terug",
            json!({"jeugdigeTeruggekeerd": {"datum":"2024-03-05"}}),
        ),
    ];
    for (naam, nieuw) in correcties {
        let r = corrigeer(&s, t, &ids[naam], nieuw, &format!("corr-{naam}")).await;
        ok(&r);
        assert_eq!(
            ok(&r)["corrigeerFeit"]["stroom"].as_str().unwrap(),
            if naam == "trek_b" {
                "jeugdige-pb"
            } else {
                "jeugdige-pa"
            }
        );
    }
    let r = lijst(&s, o.token(Rol::Evaluator), "").await;
    let v = &ok(&r)["plaatsingsverzoeken"]["verzoeken"];
    assert_eq!(
        v[0]["urgentie"], "SPOED",
        "the correction counts at once: {v}"
    );
    // An admin writes them too.
    let r = jeugdfeit(
        &s,
        o.token(Rol::Admin),
        "dienPlaatsingsverzoekIn",
        "PlaatsingsverzoekInvoer",
        "pc",
        verzoek("V3", "2024-04-01", "REGULIER", ANDER),
        "admin-in",
    )
    .await;
    ok(&r);
    s.stop().await;
}

/// The same key and fact again answers the first result and writes nothing; the same key
/// with another fact and a stale expected version are CONFLICT and write nothing.
async fn idempotency_and_expected_version(o: &Omgeving) {
    let s = o.start().await;
    let t = o.token(Rol::Coordinator);
    landschap(&s, o.token(Rol::Registrar)).await;
    let invoer = verzoek("V1", "2024-01-01", "REGULIER", EIGEN);
    let veld = "dienPlaatsingsverzoekIn";
    let ty = "PlaatsingsverzoekInvoer";
    // pa's stream holds its registration: version 1.
    let eerste = feit(&s, t, veld, ty, invoer.clone(), Some("pa"), "k1", Some(1)).await;
    assert_eq!(ok(&eerste)[veld]["streamVersie"], 2);
    assert_eq!(ok(&eerste)[veld]["duplicaat"], false);
    let kop = s.head().await;
    let weer = feit(&s, t, veld, ty, invoer.clone(), Some("pa"), "k1", Some(1)).await;
    assert_eq!(ok(&weer)[veld]["duplicaat"], true);
    assert_eq!(ok(&weer)[veld]["eventId"], ok(&eerste)[veld]["eventId"]);
    assert_eq!(s.head().await, kop, "a repeat writes nothing");
    let anders = verzoek("V9", "2024-01-01", "REGULIER", EIGEN);
    let r = feit(&s, t, veld, ty, anders.clone(), Some("pa"), "k1", None).await;
    assert_eq!(code(&r), Some("CONFLICT"), "{r}");
    // Another token's key is another key: the registrar's k1 is new.
    let r = feit(
        &s,
        o.token(Rol::Registrar),
        veld,
        ty,
        anders,
        Some("pb"),
        "k1",
        None,
    )
    .await;
    ok(&r);
    let kop = s.head().await;
    let aanmelding = json!({"verzoek":"V1","aanbieder":"HZN","datum":"2024-01-02"});
    let r = feit(
        &s,
        t,
        "meldJeugdigeAan",
        "AanmeldingInvoer",
        aanmelding.clone(),
        Some("pa"),
        "k2",
        Some(1),
    )
    .await;
    assert_eq!(code(&r), Some("CONFLICT"), "{r}");
    assert_eq!(s.head().await, kop, "a conflict writes nothing");
    let r = feit(
        &s,
        t,
        "meldJeugdigeAan",
        "AanmeldingInvoer",
        aanmelding,
        Some("pa"),
        "k2",
        Some(2),
    )
    .await;
    assert_eq!(ok(&r)["meldJeugdigeAan"]["streamVersie"], 3);
    // The registrar's facts of a youth take expected versions the same way.
    let r = feit(
        &s,
        o.token(Rol::Registrar),
        "meldTerugkeer",
        "TerugkeerInvoer",
        json!({"datum":"2024-01-05"}),
        Some("pa"),
        "k3",
        Some(7),
    )
    .await;
    assert_eq!(code(&r), Some("CONFLICT"), "{r}");
    s.stop().await;
}

/// The coordinator: its own region's requests only, for writing and reading; no other
/// fact; aggregates perturbed as the registrar. The other roles as the matrix says.
async fn coordinator_role_matrix(o: &Omgeving) {
    let s = o.start().await;
    let reg = o.token(Rol::Registrar);
    let coo = o.token(Rol::Coordinator);
    landschap(&s, reg).await;
    let ik = s.gql(coo, "{ ik { rol jeugdregio } }", json!({})).await;
    assert_eq!(
        ok(&ik)["ik"],
        json!({"rol": "coordinator", "jeugdregio": EIGEN})
    );

    // Writing: a request of its own region, and its later facts.
    let r = jeugdfeit(
        &s,
        coo,
        "dienPlaatsingsverzoekIn",
        "PlaatsingsverzoekInvoer",
        "pa",
        verzoek("VR", "2024-01-01", "REGULIER", EIGEN),
        "c-in",
    )
    .await;
    let eigen_in = event_id(&r, "dienPlaatsingsverzoekIn");
    let r = jeugdfeit(
        &s,
        coo,
        "meldJeugdigeAan",
        "AanmeldingInvoer",
        "pa",
        json!({"verzoek":"VR","aanbieder":"HZN","datum":"2024-01-02"}),
        "c-aan",
    )
    .await;
    let eigen_aan = event_id(&r, "meldJeugdigeAan");
    let r = jeugdfeit(
        &s,
        coo,
        "weigerAanmelding",
        "WeigeringInvoer",
        "pa",
        json!({"verzoek":"VR","aanbieder":"HZN","datum":"2024-01-04","reden":"ZORG_TE_ZWAAR"}),
        "c-weig",
    )
    .await;
    let eigen_weig = event_id(&r, "weigerAanmelding");
    ok(&jeugdfeit(
        &s,
        coo,
        "meldJeugdigeAan",
        "AanmeldingInvoer",
        "pa",
        json!({"verzoek":"VR","aanbieder":"SKB","voorziening":"S1","datum":"2024-01-05"}),
        "c-aan2",
    )
    .await);
    ok(&jeugdfeit(
        &s,
        coo,
        "biedPlaatsAan",
        "AanbodInvoer",
        "pa",
        json!({"verzoek":"VR","voorziening":"S1","datum":"2024-01-08"}),
        "c-aanbod",
    )
    .await);
    ok(&corrigeer(
        &s,
        coo,
        &eigen_in,
        json!({"plaatsingsverzoekIngediend": verzoek("VR", "2024-01-01", "SPOED", EIGEN)}),
        "c-corr",
    )
    .await);
    // A refusal is a fact nothing else rests on: retracting it leaves a valid history.
    ok(&trek_in(&s, coo, &eigen_weig, "c-trek").await);
    ok(&corrigeer(&s, coo, &eigen_aan, json!({"jeugdigeAangemeld": {"verzoek":"VR","aanbieder":"HZN","voorziening":"F2","datum":"2024-01-02"}}), "c-corr2").await);
    // A second request, withdrawn by the coordinator.
    ok(&jeugdfeit(
        &s,
        coo,
        "dienPlaatsingsverzoekIn",
        "PlaatsingsverzoekInvoer",
        "pb",
        verzoek("VR2", "2024-02-01", "REGULIER", EIGEN),
        "c-in2",
    )
    .await);
    ok(&jeugdfeit(
        &s,
        coo,
        "trekPlaatsingsverzoekIn",
        "VerzoekIntrekkingInvoer",
        "pb",
        json!({"verzoek":"VR2","datum":"2024-02-03","reden":"JEUGDIGE_ONVINDBAAR"}),
        "c-trek2",
    )
    .await);

    // A request of Haaglanden, by the registrar.
    let r = jeugdfeit(
        &s,
        reg,
        "dienPlaatsingsverzoekIn",
        "PlaatsingsverzoekInvoer",
        "pc",
        verzoek("VH", "2024-01-01", "REGULIER", ANDER),
        "r-in",
    )
    .await;
    let ander_in = event_id(&r, "dienPlaatsingsverzoekIn");
    let r = jeugdfeit(
        &s,
        reg,
        "meldJeugdigeAan",
        "AanmeldingInvoer",
        "pc",
        json!({"verzoek":"VH","aanbieder":"SKB","datum":"2024-01-02"}),
        "r-aan",
    )
    .await;
    let ander_aan = event_id(&r, "meldJeugdigeAan");

    // Refused, each with nothing written.
    let kop = s.head().await;
    let verboden: Vec<(&str, Value)> = vec![
        ("request of another region", jeugdfeit(&s, coo, "dienPlaatsingsverzoekIn", "PlaatsingsverzoekInvoer", "pa", verzoek("VX", "2024-01-01", "REGULIER", ANDER), "x1").await),
        ("registration for another region's request", jeugdfeit(&s, coo, "meldJeugdigeAan", "AanmeldingInvoer", "pc", json!({"verzoek":"VH","aanbieder":"HZN","datum":"2024-01-03"}), "x2").await),
        ("offer", jeugdfeit(&s, coo, "biedPlaatsAan", "AanbodInvoer", "pc", json!({"verzoek":"VH","voorziening":"S1","datum":"2024-01-03"}), "x3").await),
        ("refusal", jeugdfeit(&s, coo, "weigerAanmelding", "WeigeringInvoer", "pc", json!({"verzoek":"VH","aanbieder":"SKB","datum":"2024-01-03","reden":"GEEN_PLEK"}), "x4").await),
        ("withdrawal", jeugdfeit(&s, coo, "trekPlaatsingsverzoekIn", "VerzoekIntrekkingInvoer", "pc", json!({"verzoek":"VH","datum":"2024-01-03","reden":"ANDERS"}), "x5").await),
        ("correction of another region's request", corrigeer(&s, coo, &ander_in, json!({"plaatsingsverzoekIngediend": verzoek("VH", "2024-01-01", "SPOED", ANDER)}), "x6").await),
        ("moving its own request to another region", corrigeer(&s, coo, &eigen_in, json!({"plaatsingsverzoekIngediend": verzoek("VR", "2024-01-01", "SPOED", ANDER)}), "x7").await),
        ("retraction of another region's fact", trek_in(&s, coo, &ander_aan, "x8").await),
        ("a placement", jeugdfeit(&s, coo, "startPlaatsing", "PlaatsingInvoer", "pa", json!({"voorziening":"F2","datum":"2024-02-01","spoed":false,"crisis":false,"verblijfVoor":"THUIS","verzoek":"VR"}), "x9").await),
        ("an absence", jeugdfeit(&s, coo, "meldOnttrekking", "OnttrekkingInvoer", "pa", json!({"datum":"2024-02-01"}), "x10").await),
        ("a youth", feit(&s, coo, "registreerJeugdige", "JeugdigeInvoer", json!({"pseudoniem":"pz","geboortejaar":2010,"geslacht":"MAN","woongemeente":"GM0599","datum":"2024-01-01"}), None, "x11", None).await),
        ("master data", feit(&s, coo, "registreerAanbieder", "AanbiederInvoer", json!({"id":"NIEUW","naam":"x"}), None, "x12", None).await),
        ("retraction of a youth's registration", {
            let alle = s.store.read_all(0, 100_000).await.unwrap();
            let reg_pa = alle.iter().find(|e| e.event_type == "JeugdigeGeregistreerd" && e.stream == "jeugdige-pa").unwrap();
            trek_in(&s, coo, &reg_pa.event_id.to_string(), "x13").await
        }),
    ];
    for (wat, r) in &verboden {
        assert_eq!(code(r), Some("FORBIDDEN"), "{wat}: {r}");
    }
    // The refusal of another region's request names neither it nor the youth.
    let melding = verboden[1].1["errors"][0]["message"].as_str().unwrap();
    assert!(
        melding.contains("eigen jeugdregio") && !melding.contains(ANDER) && !melding.contains("pc"),
        "{melding}"
    );
    let r = jeugdfeit(
        &s,
        coo,
        "meldJeugdigeAan",
        "AanmeldingInvoer",
        "pa",
        json!({"verzoek":"ONBEKEND","aanbieder":"HZN","datum":"2024-01-03"}),
        "x14",
    )
    .await;
    assert_eq!(code(&r), Some("NOT_FOUND"), "an unknown request: {r}");
    assert_eq!(s.head().await, kop, "nothing refused was written");

    // The region of a later fact is the request's region as the write state knows it:
    // once the registrar moves VR to Haaglanden, the coordinator no longer writes for it.
    ok(&corrigeer(
        &s,
        reg,
        &eigen_in,
        json!({"plaatsingsverzoekIngediend": verzoek("VR", "2024-01-01", "SPOED", ANDER)}),
        "r-verhuis",
    )
    .await);
    let r = jeugdfeit(
        &s,
        coo,
        "biedPlaatsAan",
        "AanbodInvoer",
        "pa",
        json!({"verzoek":"VR","voorziening":"F2","datum":"2024-01-09"}),
        "x15",
    )
    .await;
    assert_eq!(code(&r), Some("FORBIDDEN"), "{r}");
    let r = een(&s, coo, "pa", "VR").await;
    assert_eq!(code(&r), Some("FORBIDDEN"), "{r}");
    ok(&corrigeer(
        &s,
        reg,
        &eigen_in,
        json!({"plaatsingsverzoekIngediend": verzoek("VR", "2024-01-01", "SPOED", EIGEN)}),
        "r-terug",
    )
    .await);

    // Reading: its own region only.
    let r = lijst(&s, coo, "").await;
    let eigen = &ok(&r)["plaatsingsverzoeken"];
    assert_eq!(eigen["totaal"], 2, "{eigen}");
    assert!(
        eigen["verzoeken"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["jeugdregio"] == EIGEN)
    );
    ok(&lijst(&s, coo, &format!("(jeugdregio: \"{EIGEN}\")")).await);
    let r = lijst(&s, coo, &format!("(jeugdregio: \"{ANDER}\")")).await;
    assert_eq!(code(&r), Some("FORBIDDEN"), "{r}");
    let r = een(&s, coo, "pc", "VH").await;
    assert_eq!(code(&r), Some("FORBIDDEN"), "{r}");
    assert!(r["data"].is_null() || r["data"]["plaatsingsverzoek"].is_null());
    ok(&een(&s, coo, "pa", "VR").await);
    let persoonsniveau = [
        "{ historie(pseudoniem: \"pa\") { stromen } }",
        "{ gebeurtenissen(eerste: 5) { edges { cursor } } }",
        "{ diff(periode: {jaar: 2024, kwartaal: 1}, k1: \"2020-01-01T00:00:00Z\", k2: \"2030-01-01T00:00:00Z\") { gebeurtenissen { positie } } }",
    ];
    for q in persoonsniveau {
        let r = s.gql(coo, q, json!({})).await;
        assert_eq!(code(&r), Some("FORBIDDEN"), "{q}: {r}");
    }
    // Aggregates as the registrar: persons perturbed.
    let q = "{ kpis(periode: {jaar: 2024, kwartaal: 1}) { uniekeJeugdigen { bescherming } } }";
    let r = s.gql(coo, q, json!({})).await;
    assert_eq!(
        ok(&r)["kpis"]["uniekeJeugdigen"]["bescherming"],
        "VERSTOORD"
    );

    // The other roles: person-level requests for evaluator and admin (every region), not
    // for the stuurgroep, the contract manager or the registrar.
    for rol in Rol::ALL {
        let l = lijst(&s, o.token(rol), "").await;
        let e = een(&s, o.token(rol), "pc", "VH").await;
        match rol {
            Rol::Evaluator | Rol::Admin => {
                assert_eq!(ok(&l)["plaatsingsverzoeken"]["totaal"], 3, "{rol}: {l}");
                assert_eq!(ok(&e)["plaatsingsverzoek"]["verzoek"]["jeugdregio"], ANDER);
                let r = lijst(&s, o.token(rol), &format!("(jeugdregio: \"{ANDER}\")")).await;
                assert_eq!(ok(&r)["plaatsingsverzoeken"]["totaal"], 1);
            }
            Rol::Coordinator => {}
            _ => {
                assert_eq!(code(&l), Some("FORBIDDEN"), "{rol}: {l}");
                assert_eq!(code(&e), Some("FORBIDDEN"), "{rol}: {e}");
            }
        }
    }
    // Writes of request facts: registrar, coordinator (own region), admin.
    for rol in [Rol::Stuurgroep, Rol::Contractmanager, Rol::Evaluator] {
        let r = jeugdfeit(
            &s,
            o.token(rol),
            "dienPlaatsingsverzoekIn",
            "PlaatsingsverzoekInvoer",
            "pa",
            verzoek(&format!("V-{rol}"), "2024-01-01", "REGULIER", EIGEN),
            "y",
        )
        .await;
        assert_eq!(code(&r), Some("FORBIDDEN"), "{rol}: {r}");
    }

    // Tokens: a coordinator's needs a region, others take none.
    let admin = o.token(Rol::Admin);
    let r = s
        .gql(
            admin,
            "mutation { maakToken(rol: coordinator, naam: \"c2\") { token } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&r), Some("BAD_REQUEST"), "{r}");
    let r = s.gql(admin, "mutation { maakToken(rol: registrar, naam: \"r2\", jeugdregio: \"RIJNMOND\") { token } }", json!({})).await;
    assert_eq!(code(&r), Some("BAD_REQUEST"), "{r}");
    let r = s.gql(admin, &format!("mutation {{ maakToken(rol: coordinator, naam: \"c2\", jeugdregio: \"{ANDER}\") {{ token jeugdregio }} }}"), json!({})).await;
    assert_eq!(ok(&r)["maakToken"]["jeugdregio"], ANDER);
    let c2 = ok(&r)["maakToken"]["token"].as_str().unwrap().to_owned();
    let r = lijst(&s, &c2, "").await;
    assert_eq!(
        ok(&r)["plaatsingsverzoeken"]["totaal"],
        1,
        "Haaglanden's coordinator: {r}"
    );
    ok(&jeugdfeit(
        &s,
        &c2,
        "biedPlaatsAan",
        "AanbodInvoer",
        "pc",
        json!({"verzoek":"VH","voorziening":"S1","datum":"2024-01-04"}),
        "c2-aanbod",
    )
    .await);
    let r = s
        .gql(admin, "{ tokens { rol jeugdregio } }", json!({}))
        .await;
    let regios: Vec<&Value> = ok(&r)["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["rol"] == "coordinator")
        .map(|t| &t["jeugdregio"])
        .collect();
    assert_eq!(regios, [EIGEN, ANDER]);
    s.stop().await;
}

/// The list and one request's history: the state as the write side knows it, the facts
/// of that request only, in order, with their recorded times and corrections; waits
/// against the configured norm.
async fn request_list_and_history(o: &Omgeving) {
    let s = o
        .start_met(ApiConfig {
            norm_wachttijd_regulier: 30,
            ..ApiConfig::default()
        })
        .await;
    let t = o.token(Rol::Registrar);
    landschap(&s, t).await;
    let ids = verzoekpad(&s, t).await;
    ok(&corrigeer(&s, t, &ids["weiger"], json!({"aanmeldingGeweigerd": {"verzoek":"V1","aanbieder":"SKB","datum":"2024-01-10","reden":"CONTRA_INDICATIE","toelichting":"past niet"}}), "corr-weiger").await);
    // An open request of pc (Haaglanden), spoed, long ago: over its norm of 7 days.
    ok(&jeugdfeit(
        &s,
        t,
        "dienPlaatsingsverzoekIn",
        "PlaatsingsverzoekInvoer",
        "pc",
        verzoek("V3", "2024-03-01", "SPOED", ANDER),
        "in-c",
    )
    .await);
    let ev = o.token(Rol::Evaluator);

    let r = lijst(&s, ev, "").await;
    let l = &ok(&r)["plaatsingsverzoeken"];
    assert_eq!(l["totaal"], 3);
    let v = l["verzoeken"].as_array().unwrap();
    assert_eq!(
        v.iter()
            .map(|v| v["verzoek"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["V1", "V2", "V3"],
        "oldest first"
    );
    assert_eq!(
        v[0],
        json!({
            "pseudoniem": "pa", "verzoek": "V1", "datum": "2024-01-01",
            "verwijzer": "GECERTIFICEERDE_INSTELLING", "urgentie": "REGULIER",
            "vorm": "KLEINSCHALIG", "regime": "OPEN", "jeugdregio": EIGEN,
            "status": "VERVULD", "geslotenOp": "2024-02-12", "geplaatstIn": "F2",
            "overbrugging": false, "aanbieders": ["HZN", "SKB"], "aanbiedingen": 1,
            "weigeringen": 1, "wachtdagen": 42, "normDagen": 30, "bovenNorm": true,
        })
    );
    assert_eq!(v[1]["status"], "INGETROKKEN");
    assert_eq!(v[1]["geslotenOp"], "2024-01-20");
    assert_eq!(
        (
            v[1]["wachtdagen"].as_i64(),
            v[1]["normDagen"].as_i64(),
            v[1]["bovenNorm"].as_bool()
        ),
        (Some(5), Some(7), Some(false))
    );
    assert_eq!(v[2]["status"], "OPEN");
    assert_eq!(v[2]["geslotenOp"], Value::Null);
    assert!(
        v[2]["wachtdagen"].as_i64().unwrap() > 7 && v[2]["bovenNorm"] == true,
        "{}",
        v[2]
    );
    let r = lijst(&s, ev, "(status: OPEN)").await;
    assert_eq!(
        ok(&r)["plaatsingsverzoeken"]["verzoeken"][0]["verzoek"],
        "V3"
    );
    let r = lijst(
        &s,
        ev,
        &format!("(jeugdregio: \"{EIGEN}\", status: INGETROKKEN)"),
    )
    .await;
    assert_eq!(ok(&r)["plaatsingsverzoeken"]["totaal"], 1);
    let r = lijst(&s, ev, "(eerste: 1, overslaan: 1)").await;
    let p = &ok(&r)["plaatsingsverzoeken"];
    assert_eq!(
        (p["totaal"].as_u64(), p["verzoeken"][0]["verzoek"].as_str()),
        (Some(3), Some("V2"))
    );
    let r = lijst(&s, ev, "(eerste: 0)").await;
    assert_eq!(code(&r), Some("BAD_REQUEST"));

    // One request: its facts only (not the youth's registration, not the absence).
    let r = een(&s, ev, "pa", "V1").await;
    let h = &ok(&r)["plaatsingsverzoek"];
    assert_eq!(h["verzoek"]["status"], "VERVULD");
    assert_eq!(h["verzoek"]["weigeringen"], 1);
    let feiten = h["feiten"].as_array().unwrap();
    let types: Vec<&str> = feiten
        .iter()
        .map(|f| f["gebeurtenis"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "PlaatsingsverzoekIngediend",
            "JeugdigeAangemeld",
            "JeugdigeAangemeld",
            "AanmeldingGeweigerd",
            "PlaatsAangeboden",
            "PlaatsingGestart",
            "FeitGecorrigeerd",
        ]
    );
    let op: Vec<&str> = feiten
        .iter()
        .map(|f| f["gebeurtenis"]["geregistreerdOp"].as_str().unwrap())
        .collect();
    assert!(
        op.windows(2).all(|w| w[0] <= w[1]),
        "in recorded order: {op:?}"
    );
    assert!(feiten.iter().all(|f| {
        f["gebeurtenis"]["geregistreerdDoor"]
            .as_str()
            .unwrap()
            .contains("test-registrar")
    }));
    assert_eq!(feiten[3]["gecorrigeerdDoor"][0]["reden"], "typefout");
    assert_eq!(feiten[6]["betreft"].as_str(), Some(ids["weiger"].as_str()));
    assert_eq!(
        feiten[3]["gebeurtenis"]["inhoud"]["toelichting"],
        "groep vol"
    );
    // An unknown request, and a retracted one, are not found, nor listed.
    let r = een(&s, ev, "pa", "V9").await;
    assert_eq!(code(&r), Some("NOT_FOUND"), "{r}");
    let r = jeugdfeit(
        &s,
        t,
        "dienPlaatsingsverzoekIn",
        "PlaatsingsverzoekInvoer",
        "pb",
        verzoek("V4", "2024-04-01", "REGULIER", EIGEN),
        "in-v4",
    )
    .await;
    ok(&een(&s, ev, "pb", "V4").await);
    ok(&trek_in(&s, t, &event_id(&r, "dienPlaatsingsverzoekIn"), "trek-v4").await);
    let r = een(&s, ev, "pb", "V4").await;
    assert_eq!(code(&r), Some("NOT_FOUND"), "{r}");
    let r = lijst(&s, ev, "").await;
    assert_eq!(ok(&r)["plaatsingsverzoeken"]["totaal"], 3);
    s.stop().await;
}

/// Every person-level read of requests is in the access log, with who, what and which
/// youths; a refused read is not a read and logs nothing.
async fn request_reads_are_logged(o: &Omgeving) {
    let s = o.start().await;
    landschap(&s, o.token(Rol::Registrar)).await;
    verzoekpad(&s, o.token(Rol::Registrar)).await;
    ok(&jeugdfeit(
        &s,
        o.token(Rol::Registrar),
        "dienPlaatsingsverzoekIn",
        "PlaatsingsverzoekInvoer",
        "pc",
        verzoek("V3", "2024-03-01", "SPOED", ANDER),
        "in-c",
    )
    .await);
    assert!(s.inzage().await.is_empty(), "writing is not reading");
    let coo = o.token(Rol::Coordinator);
    ok(&een(&s, coo, "pa", "V1").await);
    ok(&lijst(&s, coo, "").await);
    ok(&een(&s, o.token(Rol::Evaluator), "pc", "V3").await);
    let log = s.inzage().await;
    assert_eq!(log.len(), 3, "{log:?}");
    assert_eq!(
        (
            &log[0]["rol"],
            &log[0]["wat"],
            &log[0]["stromen"],
            &log[0]["wie"]
        ),
        (
            &json!("coordinator"),
            &json!("plaatsingsverzoek"),
            &json!(["jeugdige-pa"]),
            &json!("test-coordinator")
        )
    );
    assert_eq!(log[1]["wat"], "plaatsingsverzoeken");
    assert_eq!(
        log[1]["stromen"],
        json!(["jeugdige-pa", "jeugdige-pb"]),
        "the youths on the page, not Haaglanden's"
    );
    assert_eq!(
        (&log[2]["rol"], &log[2]["stromen"]),
        (&json!("evaluator"), &json!(["jeugdige-pc"]))
    );
    // Refused reads and an empty page log nothing.
    assert_eq!(code(&een(&s, coo, "pc", "V3").await), Some("FORBIDDEN"));
    assert_eq!(
        code(&lijst(&s, o.token(Rol::Stuurgroep), "").await),
        Some("FORBIDDEN")
    );
    ok(&lijst(&s, coo, "(status: OPEN)").await);
    assert_eq!(s.inzage().await.len(), 3);
    s.stop().await;
}

kringloop_tests::both_backends!(
    &Omgeving;
    every_need_mutation_is_accepted,
    idempotency_and_expected_version,
    coordinator_role_matrix,
    request_list_and_history,
    request_reads_are_logged,
);
