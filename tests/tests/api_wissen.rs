//! End-to-end tests of erasure through the GraphQL API (`wisJeugdige`), over a log written
//! through the vault (`kringloop_vault::SealedStore`), on both backends: who may erase,
//! what the person-level views show afterwards, that the figures and the hash chain stay,
//! and that neither the pseudonym nor any personal field is left in the stored log.
//!
//! The harness mirrors `kringloop serve`: the API writes and reads through the vault, the
//! projection runner folds the raw store. PostgreSQL as in `api.rs`
//! (`KRINGLOOP_TEST_PG_URL`; unreachable: skipped loudly, unless `CI=true`).

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use chrono::Utc;
use futures::{SinkExt as _, StreamExt as _};
use kringloop_graphql::{ApiConfig, ApiState, Rol, Tokens};
use kringloop_runner::{Runner, RunnerOptions};
use kringloop_store::EventStore;
use kringloop_tests::{PgDbGuard, fresh_pg_database};
use kringloop_vault::{MasterKey, SealedStore};
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// The pseudonym of the youth that is erased, and personal text of its facts: none of
/// them may show up anywhere after the erasure.
const PS: &str = "wisjongen42";
const REDEN: &str = "reden-van-wisjongen";
const AANVRAGER: &str = "aanvrager-van-wisjongen";
/// A youth that stays.
const BLIJFT: &str = "blijftmeisje7";

struct Omgeving {
    url: String,
    dir: tempfile::TempDir,
    master: String,
    tokens: HashMap<Rol, String>,
    _pg: Option<PgDbGuard>,
}

impl Omgeving {
    fn nieuw(url: String, dir: tempfile::TempDir, pg: Option<PgDbGuard>) -> Omgeving {
        let t = Tokens::new(dir.path().join("tokens.json"));
        let tokens = Rol::ALL
            .into_iter()
            .map(|r| {
                let regio = r.per_jeugdregio().then_some("RIJNMOND");
                (r, t.create_voor(r, &format!("test-{r}"), regio).unwrap().1)
            })
            .collect();
        Omgeving {
            url,
            dir,
            master: MasterKey::generate().to_hex().as_str().to_owned(),
            tokens,
            _pg: pg,
        }
    }

    async fn sqlite() -> Omgeving {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("events.db").to_str().unwrap().to_owned();
        Omgeving::nieuw(url, dir, None)
    }

    async fn postgres(test: &str) -> Option<Omgeving> {
        let (url, guard) = fresh_pg_database(test).await?;
        Some(Omgeving::nieuw(
            url,
            tempfile::tempdir().unwrap(),
            Some(guard),
        ))
    }

    fn token(&self, r: Rol) -> &str {
        &self.tokens[&r]
    }

    fn tokenpad(&self) -> PathBuf {
        self.dir.path().join("tokens.json")
    }

    /// A server as `serve` runs it: the API over the vault, the runner over the raw store.
    /// `kluis: false`: the API over the raw store (a log without a vault).
    async fn start(&self, kluis: bool) -> Server {
        let inner = kringloop_store::open(&self.url).await.unwrap();
        let sealed = if kluis {
            let master = MasterKey::from_hex(&self.master).unwrap();
            Some(Arc::new(
                SealedStore::open(Arc::clone(&inner), &master)
                    .await
                    .unwrap(),
            ))
        } else {
            None
        };
        let store: Arc<dyn EventStore> = match &sealed {
            Some(s) => Arc::clone(s) as Arc<dyn EventStore>,
            None => Arc::clone(&inner),
        };
        let runner = Runner::start(
            Arc::clone(&inner),
            RunnerOptions {
                poll_interval: Duration::from_millis(20),
                ..RunnerOptions::default()
            },
        )
        .await
        .unwrap();
        let config = ApiConfig {
            cell_keys: kringloop_projections::RecordKeys::new(b"api test deployment secret"),
            ..ApiConfig::default()
        };
        let api = ApiState::new(
            Arc::clone(&store),
            runner.clone(),
            Arc::new(Tokens::new(self.tokenpad())),
            config,
        )
        .await
        .map_err(|e| e.melding())
        .unwrap();
        Server {
            app: kringloop_graphql::http::router(api.clone()),
            api,
            inner,
            sealed,
            runner,
        }
    }
}

struct Server {
    app: Router,
    api: ApiState,
    inner: Arc<dyn EventStore>,
    sealed: Option<Arc<SealedStore>>,
    runner: Runner,
}

impl Server {
    async fn gql(&self, token: Option<&str>, query: &str, vars: Value) -> Value {
        let body = json!({ "query": query, "variables": vars }).to_string();
        let mut req = Request::post("/graphql").header("content-type", "application/json");
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let resp = self
            .app
            .clone()
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
    }

    async fn stop(self) {
        self.runner.shutdown().await;
        drop(self.app);
        drop(self.api);
        drop(self.sealed);
        self.inner.close().await.unwrap();
    }
}

fn code(v: &Value) -> Option<&str> {
    v["errors"][0]["extensions"]["code"].as_str()
}

fn ok(v: &Value) -> &Value {
    assert!(v.get("errors").is_none(), "unexpected errors: {v}");
    &v["data"]
}

async fn feit(
    s: &Server,
    token: &str,
    veld: &str,
    invoertype: &str,
    invoer: Value,
    pseudoniem: Option<&str>,
    key: &str,
) -> Value {
    let (decl, arg) = if pseudoniem.is_some() {
        (", $ps: String!", ", pseudoniem: $ps")
    } else {
        ("", "")
    };
    let q = format!(
        "mutation M($i: {invoertype}!, $k: String!{decl}) {{ {veld}(invoer: $i, idempotencyKey: $k{arg}) {{ eventId positie stroom }} }}"
    );
    s.gql(
        Some(token),
        &q,
        json!({ "i": invoer, "k": key, "ps": pseudoniem }),
    )
    .await
}

/// A region with one closed facility, the youth [`PS`] (authorisation, placement, end,
/// with personal text) and the youth [`BLIJFT`].
async fn opbouw(s: &Server, token: &str) {
    let stappen: Vec<(&str, &str, Value, Option<&str>)> = vec![
        (
            "registreerLandsdeel",
            "LandsdeelInvoer",
            json!({"code":"ZUID_WEST","naam":"Zuid-West"}),
            None,
        ),
        (
            "registreerJeugdregio",
            "JeugdregioInvoer",
            json!({"code":"RIJNMOND","naam":"Rijnmond","landsdeel":"ZUID_WEST"}),
            None,
        ),
        (
            "registreerGemeente",
            "GemeenteInvoer",
            json!({"code":"GM0599","naam":"Rotterdam","jeugdregio":"RIJNMOND"}),
            None,
        ),
        (
            "registreerAanbieder",
            "AanbiederInvoer",
            json!({"id":"HZN","naam":"Horizon"}),
            None,
        ),
        (
            "registreerVoorziening",
            "VoorzieningInvoer",
            json!({"id":"F1","aanbieder":"HZN","naam":"De Hoeve","gemeente":"GM0599","vorm":"GROEP","regime":"GESLOTEN","datum":"2024-01-01"}),
            None,
        ),
        (
            "openPlaatsen",
            "PlaatsenGeopendInvoer",
            json!({"voorziening":"F1","datum":"2024-01-01","aantal":10}),
            None,
        ),
        (
            "registreerJeugdige",
            "JeugdigeInvoer",
            json!({"pseudoniem":PS,"geboortejaar":2008,"geslacht":"MAN","woongemeente":"GM0599","datum":"2024-01-01"}),
            None,
        ),
        (
            "registreerJeugdige",
            "JeugdigeInvoer",
            json!({"pseudoniem":BLIJFT,"geboortejaar":2009,"geslacht":"VROUW","woongemeente":"GM0599","datum":"2024-01-01"}),
            None,
        ),
        (
            "geefMachtigingAf",
            "MachtigingInvoer",
            json!({"machtiging":"M1","soort":"MGJ","geldigVan":"2024-01-05","geldigTot":"2025-01-04","aangevraagdDoor":AANVRAGER}),
            Some(PS),
        ),
        (
            "startPlaatsing",
            "PlaatsingInvoer",
            json!({"voorziening":"F1","datum":"2024-01-10","spoed":true,"crisis":false,"verblijfVoor":"THUIS"}),
            Some(PS),
        ),
        (
            "beeindigPlaatsing",
            "PlaatsingBeeindigdInvoer",
            json!({"voorziening":"F1","datum":"2024-03-01","bestemming":"THUIS","reden":REDEN,"redenBeeindiging":"VOLGENS_PLAN"}),
            Some(PS),
        ),
        (
            "geefMachtigingAf",
            "MachtigingInvoer",
            json!({"machtiging":"M1","soort":"MGJ","geldigVan":"2024-01-01","geldigTot":"2024-12-31","aangevraagdDoor":"GI"}),
            Some(BLIJFT),
        ),
        (
            "startPlaatsing",
            "PlaatsingInvoer",
            json!({"voorziening":"F1","datum":"2024-01-05","spoed":false,"crisis":false,"verblijfVoor":"PLEEGZORG"}),
            Some(BLIJFT),
        ),
    ];
    for (i, (veld, ty, invoer, ps)) in stappen.into_iter().enumerate() {
        ok(&feit(s, token, veld, ty, invoer, ps, &format!("opbouw-{i}")).await);
    }
}

const WIS: &str = "mutation W($ps: String!, $g: Wisgrondslag!, $v: Verzoeker!, $k: String) { wisJeugdige(pseudoniem: $ps, grondslag: $g, verzochtDoor: $v, kenmerk: $k) { eventId positie stroom geregistreerdOp sleutelsVerwijderd } }";

async fn wis(s: &Server, token: &str, ps: &str) -> Value {
    s.gql(
        Some(token),
        WIS,
        json!({"ps": ps, "g": "VERZOEK_BETROKKENE", "v": "WETTELIJK_VERTEGENWOORDIGER", "k": "ZAAK-2024-17"}),
    )
    .await
}

const KPI_VELDEN: &str = r#"
    plaatsen { totaal { waarde bescherming } }
    bezetting { bezetting { waarde bescherming } plaatsen graad { waarde bescherming } }
    plaatsingen { exclusiefDoorplaatsingen { waarde bescherming } inclusiefDoorplaatsingen { waarde bescherming } }
    uniekeJeugdigen { waarde bescherming }
    spoedmachtigingen { waarde bescherming }
    spoedaandeel { waarde bescherming teller { waarde bescherming } noemer { waarde bescherming } }
    stroomEpisodes { begin { waarde bescherming } instroom { waarde bescherming } uitstroom { waarde bescherming } eind { waarde bescherming } }
    uitstroomNaarLichtereZorg { lichter { waarde bescherming } }
    verblijfsduur { aantal { waarde bescherming } gemiddelde mediaan bescherming }
    signalen { zonderMachtiging { waarde bescherming } doorplaatsing { waarde bescherming } }
"#;

/// The KPIs of three periods as evaluator (exact) and stuurgroep (perturbed).
async fn alle_kpis(o: &Omgeving, s: &Server) -> Vec<Value> {
    let q = format!("query K($p: PeriodeInvoer!) {{ kpis(periode: $p) {{ {KPI_VELDEN} }} }}");
    let mut uit = Vec::new();
    for rol in [Rol::Evaluator, Rol::Stuurgroep] {
        for p in [
            json!({"jaar": 2024, "kwartaal": 1}),
            json!({"jaar": 2024, "kwartaal": 2}),
            json!({"jaar": 2024}),
        ] {
            let r = s.gql(Some(o.token(rol)), &q, json!({ "p": p })).await;
            uit.push(ok(&r)["kpis"].clone());
        }
    }
    uit
}

const LOG: &str = "{ gebeurtenissen(eerste: 1000) { edges { node { positie stroom type inhoud gewist geregistreerdDoor } } } }";

fn nodes(r: &Value) -> Vec<Value> {
    ok(r)["gebeurtenissen"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

async fn only_admin_may_erase(o: &Omgeving) {
    let s = o.start(true).await;
    opbouw(&s, o.token(Rol::Registrar)).await;
    let head = s.inner.head_position().await.unwrap();
    let sleutels = s.inner.youth_keys().await.unwrap().len();
    assert_eq!(sleutels, 2);
    for rol in [
        Rol::Stuurgroep,
        Rol::Contractmanager,
        Rol::Evaluator,
        Rol::Registrar,
    ] {
        let r = wis(&s, o.token(rol), PS).await;
        assert_eq!(code(&r), Some("FORBIDDEN"), "{rol}: {r}");
        assert!(r["data"].is_null(), "{rol}: {r}");
    }
    let r = s
        .gql(
            None,
            WIS,
            json!({"ps": PS, "g": "VERZOEK_BETROKKENE", "v": "JEUGDIGE"}),
        )
        .await;
    assert_eq!(code(&r), Some("UNAUTHENTICATED"), "{r}");
    assert_eq!(
        s.inner.head_position().await.unwrap(),
        head,
        "nothing written"
    );
    assert_eq!(
        s.inner.youth_keys().await.unwrap().len(),
        sleutels,
        "no key deleted"
    );
    // The youth is intact: its history still opens with the pseudonym.
    let h = s
        .gql(
            Some(o.token(Rol::Evaluator)),
            "query($ps: String!) { historie(pseudoniem: $ps) { feiten { gebeurtenis { stroom gewist } } } }",
            json!({"ps": PS}),
        )
        .await;
    let feiten = ok(&h)["historie"]["feiten"].as_array().unwrap().clone();
    assert_eq!(feiten.len(), 4);
    assert!(feiten.iter().all(|f| f["gebeurtenis"]["gewist"] == false
        && f["gebeurtenis"]["stroom"] == format!("jeugdige-{PS}")));
    // An unknown youth: refused by the rules, nothing written, no key touched.
    let r = wis(&s, o.token(Rol::Admin), "niemand").await;
    assert_eq!(code(&r), Some("INVALID_EVENT"), "{r}");
    assert_eq!(
        r["errors"][0]["extensions"]["reden"], "ONBEKENDE_JEUGDIGE",
        "{r}"
    );
    assert_eq!(s.inner.youth_keys().await.unwrap().len(), sleutels);
    s.stop().await;
}

async fn erasure_needs_a_vault(o: &Omgeving) {
    let s = o.start(false).await;
    opbouw(&s, o.token(Rol::Registrar)).await;
    let head = s.inner.head_position().await.unwrap();
    let r = wis(&s, o.token(Rol::Admin), PS).await;
    assert_eq!(code(&r), Some("BAD_REQUEST"), "{r}");
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("kluis"),
        "{r}"
    );
    assert_eq!(
        s.inner.head_position().await.unwrap(),
        head,
        "nothing written"
    );
    s.stop().await;
}

async fn erasure_through_the_api(o: &Omgeving) {
    let s = o.start(true).await;
    let reg = o.token(Rol::Registrar);
    let admin = o.token(Rol::Admin);
    let ev = o.token(Rol::Evaluator);
    opbouw(&s, reg).await;
    let kpis_voor = alle_kpis(o, &s).await;
    let keten_voor = s.inner.verify().await.unwrap();
    assert!(keten_voor.is_ok());

    // Before: the admin sees the pseudonym and the personal text (so the checks after
    // the erasure can fail).
    let voor = s.gql(Some(admin), LOG, json!({})).await;
    let tekst = voor.to_string();
    assert!(tekst.contains(PS) && tekst.contains(REDEN) && tekst.contains(AANVRAGER));
    assert!(nodes(&voor).iter().all(|n| n["gewist"] == false));

    let r = wis(&s, admin, PS).await;
    let w = &ok(&r)["wisJeugdige"];
    let stored = w["stroom"].as_str().unwrap().to_owned();
    assert!(stored.starts_with("jeugdige-~"), "{w}");
    assert!(
        !r.to_string().contains(PS),
        "the answer names no pseudonym: {r}"
    );
    assert_eq!(w["sleutelsVerwijderd"], 1);
    let positie = w["positie"].as_i64().unwrap();
    assert!(positie > 0);
    assert!(w["geregistreerdOp"].as_str().is_some());
    assert_eq!(s.inner.youth_keys().await.unwrap().len(), 1, "one key left");

    // The chain: unchanged up to the erasure, and intact.
    let keten_na = s.inner.verify().await.unwrap();
    assert!(keten_na.is_ok(), "{:?}", keten_na.failure);
    let k = s.gql(Some(admin), "{ keten { intact } }", json!({})).await;
    assert_eq!(ok(&k)["keten"]["intact"], true);

    // The figures: the same before and after.
    assert_eq!(
        alle_kpis(o, &s).await,
        kpis_voor,
        "KPIs unchanged by the erasure"
    );

    // The log: the erased youth's events under the stored name, `gewist`, blank fields;
    // no pseudonym and no personal text anywhere in the response.
    let na = s.gql(Some(admin), LOG, json!({})).await;
    let tekst = na.to_string();
    for geheim in [PS, REDEN, AANVRAGER] {
        assert!(
            !tekst.contains(geheim),
            "`{geheim}` in the log after erasure: {tekst}"
        );
    }
    let van_stored: Vec<Value> = nodes(&na)
        .into_iter()
        .filter(|n| n["stroom"] == stored.as_str())
        .collect();
    assert_eq!(
        van_stored.len(),
        5,
        "4 facts and the erasure: {van_stored:?}"
    );
    assert!(van_stored.iter().all(|n| n["gewist"] == true));
    let gewist = van_stored
        .iter()
        .find(|n| n["type"] == "JeugdigeGewist")
        .unwrap();
    assert_eq!(gewist["inhoud"]["grondslag"], "VERZOEK_BETROKKENE");
    assert!(
        gewist["geregistreerdDoor"]
            .as_str()
            .unwrap()
            .contains("test-admin")
    );
    // The youth that stays keeps its name and fields.
    assert!(
        nodes(&na)
            .iter()
            .any(|n| n["stroom"] == format!("jeugdige-{BLIJFT}") && n["gewist"] == false)
    );

    // History by stored name: the facts, erased; by pseudonym: nothing, by design.
    let h = s
        .gql(
            Some(ev),
            "query($s: String!) { historie(stroom: $s) { stromen feiten { gebeurtenis { stroom gewist type } } } }",
            json!({"s": stored}),
        )
        .await;
    let feiten = ok(&h)["historie"]["feiten"].as_array().unwrap().clone();
    assert_eq!(feiten.len(), 5);
    assert!(feiten.iter().all(|f| f["gebeurtenis"]["gewist"] == true));
    let h = s
        .gql(
            Some(ev),
            "query($ps: String!) { historie(pseudoniem: $ps) { stromen } }",
            json!({"ps": PS}),
        )
        .await;
    assert_eq!(code(&h), Some("NOT_FOUND"), "{h}");
    assert!(
        h["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("onbekend of gewist")
    );

    // The diff names live youths as the writer does and erased ones by stored name.
    let d = s
        .gql(
            Some(ev),
            "query($k1: DateTime!, $k2: DateTime!) { diff(periode: {jaar: 2024}, k1: $k1, k2: $k2) { gebeurtenissen { stroom gewist } } }",
            json!({"k1": "2020-01-01T00:00:00Z", "k2": Utc::now().to_rfc3339()}),
        )
        .await;
    let g = ok(&d)["diff"]["gebeurtenissen"].as_array().unwrap().clone();
    assert!(
        g.iter()
            .any(|x| x["stroom"] == stored.as_str() && x["gewist"] == true),
        "{d}"
    );
    assert!(
        g.iter()
            .any(|x| x["stroom"] == format!("jeugdige-{BLIJFT}") && x["gewist"] == false),
        "{d}"
    );
    assert!(!d.to_string().contains(PS));

    // A new fact for the pseudonym: an unknown youth. Erasing again: nothing to erase.
    let r = feit(&s, reg, "startPlaatsing", "PlaatsingInvoer",
        json!({"voorziening":"F1","datum":"2024-06-01","spoed":false,"crisis":false,"verblijfVoor":"THUIS"}),
        Some(PS), "na-wissing-1").await;
    assert_eq!(code(&r), Some("INVALID_EVENT"), "{r}");
    assert_eq!(
        r["errors"][0]["extensions"]["reden"], "ONBEKENDE_JEUGDIGE",
        "{r}"
    );
    let r = wis(&s, admin, PS).await;
    assert_eq!(code(&r), Some("INVALID_EVENT"), "{r}");

    // The access log holds the erasure, by stored name, before the key went.
    let alles = s.inner.read_all(0, 100_000).await.unwrap();
    assert!(
        alles
            .iter()
            .any(|e| e.event_type == "PersoonsgegevensIngezien"
                && e.payload.contains("\"wisJeugdige\"")
                && e.payload.contains(&stored)
                && e.payload.contains("test-admin")),
        "the erasure is in the access log"
    );
    let wissing = alles.iter().find(|e| e.position == positie).unwrap();
    assert_eq!(wissing.event_type, "JeugdigeGewist");
    assert_eq!(wissing.stream, stored);
    assert!(wissing.recorded_by.contains("test-admin"));
    // No stored payload holds the pseudonym or a personal text.
    for e in &alles {
        for geheim in [PS, REDEN, AANVRAGER] {
            assert!(
                !e.payload.contains(geheim),
                "`{geheim}` stored at {}: {}",
                e.position,
                e.payload
            );
            assert!(!e.stream.contains(geheim));
        }
    }

    // Registering the pseudonym again: a new youth, under a new stored name.
    let r = feit(&s, reg, "registreerJeugdige", "JeugdigeInvoer",
        json!({"pseudoniem":PS,"geboortejaar":2008,"geslacht":"MAN","woongemeente":"GM0599","datum":"2024-06-01"}),
        None, "opnieuw-1").await;
    assert_eq!(
        ok(&r)["registreerJeugdige"]["stroom"],
        format!("jeugdige-{PS}")
    );
    let nieuw = s
        .sealed
        .as_ref()
        .unwrap()
        .physical_stream(&format!("jeugdige-{PS}"))
        .await
        .unwrap()
        .unwrap();
    assert!(nieuw.starts_with("jeugdige-~") && nieuw != stored);
    let h = s
        .gql(
            Some(ev),
            "query($ps: String!) { historie(pseudoniem: $ps) { feiten { gebeurtenis { type gewist } } } }",
            json!({"ps": PS}),
        )
        .await;
    let feiten = ok(&h)["historie"]["feiten"].as_array().unwrap().clone();
    assert_eq!(feiten.len(), 1, "only the new youth's registration: {h}");
    assert_eq!(feiten[0]["gebeurtenis"]["gewist"], false);
    s.stop().await;

    // After a restart: the same picture.
    let s = o.start(true).await;
    let h = s
        .gql(
            Some(ev),
            "query($s: String!) { historie(stroom: $s) { feiten { gebeurtenis { gewist } } } }",
            json!({"s": stored}),
        )
        .await;
    assert_eq!(ok(&h)["historie"]["feiten"].as_array().unwrap().len(), 5);
    let r = feit(&s, reg, "startPlaatsing", "PlaatsingInvoer",
        json!({"voorziening":"F1","datum":"2024-06-02","spoed":false,"crisis":false,"verblijfVoor":"THUIS"}),
        Some(PS), "na-herstart-1").await;
    ok(&r);
    assert!(s.inner.verify().await.unwrap().is_ok());
    s.stop().await;
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn ws_connect(addr: std::net::SocketAddr, token: &str) -> Ws {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
    let mut req = format!("ws://{addr}/graphql/ws")
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let init =
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}});
    ws.send(init.to_string().into()).await.unwrap();
    let ack = next_json(&mut ws).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    ws
}

async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("no WebSocket message within 10 s")
            .unwrap()
            .unwrap();
        if let tokio_tungstenite::tungstenite::Message::Text(t) = m {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == "ping" {
                continue;
            }
            return v;
        }
    }
}

/// The runner folds the stored log (stored names, sealed fields); the event subscription
/// still shows a live youth as the registrars name it, with its fields, not as erased.
async fn subscription_shows_live_youths_opened(o: &Omgeving) {
    let s = o.start(true).await;
    opbouw(&s, o.token(Rol::Registrar)).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = s.app.clone();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let mut ev = ws_connect(addr, o.token(Rol::Evaluator)).await;
    let q = "subscription { gebeurtenissen(types: [\"PlaatsingBeeindigd\"]) { positie stroom gewist inhoud } }";
    ev.send(
        json!({"id": "1", "type": "subscribe", "payload": {"query": q}})
            .to_string()
            .into(),
    )
    .await
    .unwrap();
    let r = feit(&s, o.token(Rol::Registrar), "beeindigPlaatsing", "PlaatsingBeeindigdInvoer",
        json!({"voorziening":"F1","datum":"2024-04-01","bestemming":"THUIS","reden":"reden-blijft","redenBeeindiging":"VOLGENS_PLAN"}),
        Some(BLIJFT), "sub-1").await;
    let positie = ok(&r)["beeindigPlaatsing"]["positie"].as_i64().unwrap();
    let m = loop {
        let m = next_json(&mut ev).await;
        assert_eq!(m["type"], "next", "{m}");
        if m["payload"]["data"]["gebeurtenissen"]["positie"].as_i64() < Some(positie) {
            continue;
        }
        break m;
    };
    let g = &m["payload"]["data"]["gebeurtenissen"];
    assert_eq!(g["positie"], positie, "{m}");
    assert_eq!(g["stroom"], format!("jeugdige-{BLIJFT}"), "{m}");
    assert_eq!(g["gewist"], false, "{m}");
    assert_eq!(g["inhoud"]["reden"], "reden-blijft", "{m}");
    server.abort();
    s.stop().await;
}

#[derive(Clone)]
struct Buffer(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line and span (with its fields) of the process, from the first call on.
fn log() -> &'static Buffer {
    static LOG: std::sync::OnceLock<Buffer> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let buffer = Buffer(Arc::new(std::sync::Mutex::new(Vec::new())));
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_span_events(
                tracing_subscriber::fmt::format::FmtSpan::NEW
                    | tracing_subscriber::fmt::format::FmtSpan::CLOSE,
            )
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        buffer
    })
}

/// Neither the facts of a youth nor its erasure put the pseudonym into the logs: the
/// write path's span names a youth stream without it, the erasure logs its stored name.
async fn no_pseudonym_in_the_logs(o: &Omgeving) {
    let buffer = log();
    let s = o.start(true).await;
    opbouw(&s, o.token(Rol::Registrar)).await;
    let w = wis(&s, o.token(Rol::Admin), PS).await;
    let stored = ok(&w)["wisJeugdige"]["stroom"].as_str().unwrap().to_owned();
    s.stop().await;
    let tekst = String::from_utf8_lossy(&buffer.0.lock().unwrap()).into_owned();
    assert!(
        tekst.contains("registreer"),
        "the write path's spans are logged"
    );
    assert!(
        tekst.contains(&stored),
        "the erasure is logged by stored name"
    );
    for geheim in [PS, BLIJFT, REDEN, AANVRAGER] {
        let regels: Vec<&str> = tekst
            .lines()
            .filter(|l| l.contains(geheim))
            .take(8)
            .collect();
        assert!(regels.is_empty(), "`{geheim}` in the logs: {regels:#?}");
    }
}

kringloop_tests::both_backends!(
    &Omgeving;
    only_admin_may_erase,
    erasure_needs_a_vault,
    erasure_through_the_api,
    subscription_shows_live_youths_opened,
    no_pseudonym_in_the_logs,
);
