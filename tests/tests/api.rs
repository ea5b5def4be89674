//! End-to-end tests of the GraphQL API over HTTP (the real router in-process through
//! `tower::ServiceExt::oneshot`; subscriptions over a real WebSocket on a loopback port),
//! on both backends.
//!
//! PostgreSQL: `KRINGLOOP_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`);
//! each test creates and drops its own database. Unreachable: skipped loudly, unless
//! `CI=true`, where it fails.
//!
//! One file on purpose (~2,600 lines): every test uses the same in-process server, tokens
//! and request helpers, and `both_backends!` instantiates each once per backend; grouped
//! by subject in file order.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use kringloop_tests::{PgDbGuard, fresh_pg_database};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Utc;
use futures::{SinkExt as _, StreamExt as _};
use kringloop_graphql::{ApiConfig, ApiState, Rol, Tokens};
use kringloop_runner::{Runner, RunnerOptions};
use kringloop_store::EventStore;
use serde_json::{Value, json};
use tower::ServiceExt as _;
use uuid::Uuid;

// ---------------------------------------------------------------------------------------
// Harness: a database (SQLite file or a fresh PostgreSQL database) and a token file
// ---------------------------------------------------------------------------------------

struct Omgeving {
    url: String,
    dir: tempfile::TempDir,
    /// Token secret per role.
    tokens: HashMap<Rol, String>,
    _pg: Option<PgDbGuard>,
}

impl Omgeving {
    fn tokens_maken(dir: &std::path::Path) -> HashMap<Rol, String> {
        let t = Tokens::new(dir.join("tokens.json"));
        Rol::ALL
            .into_iter()
            .map(|r| {
                // The coordinator of the worked example's region.
                let regio = r.per_jeugdregio().then_some("RIJNMOND");
                (r, t.create_voor(r, &format!("test-{r}"), regio).unwrap().1)
            })
            .collect()
    }

    async fn sqlite() -> Omgeving {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("events.db").to_str().unwrap().to_owned();
        let tokens = Self::tokens_maken(dir.path());
        Omgeving {
            url,
            dir,
            tokens,
            _pg: None,
        }
    }

    async fn postgres(test: &str) -> Option<Omgeving> {
        let (url, guard) = fresh_pg_database(test).await?;
        let dir = tempfile::tempdir().unwrap();
        let tokens = Self::tokens_maken(dir.path());
        Some(Omgeving {
            url,
            dir,
            tokens,
            _pg: Some(guard),
        })
    }

    fn token(&self, r: Rol) -> &str {
        &self.tokens[&r]
    }

    fn tokenpad(&self) -> PathBuf {
        self.dir.path().join("tokens.json")
    }

    /// Opens the store, starts a runner and the API: a fresh server process.
    async fn start(&self) -> Server {
        self.start_met(ApiConfig::default(), |s| s).await
    }

    /// [`Omgeving::start`], and the worked example recorded by the registrar.
    async fn start_met_werkvoorbeeld(&self) -> Server {
        let s = self.start().await;
        werkvoorbeeld(&s, self.token(Rol::Registrar)).await;
        s
    }

    /// [`Omgeving::start`] with another configuration, and the store as `om` wraps it.
    async fn start_met(
        &self,
        config: ApiConfig,
        om: impl FnOnce(Arc<dyn EventStore>) -> Arc<dyn EventStore>,
    ) -> Server {
        let store = om(kringloop_store::open(&self.url).await.unwrap());
        let runner = Runner::start(
            Arc::clone(&store),
            RunnerOptions {
                poll_interval: Duration::from_millis(20),
                ..RunnerOptions::default()
            },
        )
        .await
        .unwrap();
        // One cell-key secret per deployment, as `serve` keeps it in a file: a restarted
        // server perturbs the same records the same way.
        let config = ApiConfig {
            cell_keys: kringloop_projections::RecordKeys::new(b"api test deployment secret"),
            ..config
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
            store,
            runner,
        }
    }
}

struct Server {
    app: Router,
    api: ApiState,
    store: Arc<dyn EventStore>,
    runner: Runner,
}

impl Server {
    /// `gql` without variables.
    async fn gql_plain(&self, token: Option<&str>, query: &str) -> Value {
        self.gql(token, query, json!({})).await
    }

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

    async fn head(&self) -> i64 {
        self.store.head_position().await.unwrap()
    }

    async fn stop(self) {
        self.runner.shutdown().await;
        drop(self.app);
        drop(self.api);
        self.store.close().await.unwrap();
    }
}

fn code(v: &Value) -> Option<&str> {
    v["errors"][0]["extensions"]["code"].as_str()
}

/// The `reden` of the first error of a reply (`Null` when there is none).
fn afwijzing_reden(v: &Value) -> &Value {
    &v["errors"][0]["extensions"]["reden"]
}

fn ok(v: &Value) -> &Value {
    assert!(v.get("errors").is_none(), "unexpected errors: {v}");
    &v["data"]
}

const REPLY: &str = "eventId positie stroom streamVersie duplicaat signalen { code melding }";

/// Runs one fact mutation and returns the whole response.
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
        Some(token),
        &q,
        json!({ "i": invoer, "k": key, "v": verwacht, "ps": pseudoniem }),
    )
    .await
}

/// `registreerAanbieder` with `invoer` under idempotency key `key`, no pseudonym, no
/// expected version.
async fn registreer_aanbieder(s: &Server, token: &str, invoer: Value, key: &str) -> Value {
    feit(
        s,
        token,
        "registreerAanbieder",
        "AanbiederInvoer",
        invoer,
        None,
        key,
        None,
    )
    .await
}

/// `geefMachtigingAf` for youth `pseudoniem`, expecting its stream at version `versie`.
async fn geef_machtiging_af(
    s: &Server,
    token: &str,
    pseudoniem: &str,
    invoer: Value,
    key: &str,
    versie: i64,
) -> Value {
    feit(
        s,
        token,
        "geefMachtigingAf",
        "MachtigingInvoer",
        invoer,
        Some(pseudoniem),
        key,
        Some(versie),
    )
    .await
}

/// The distinct event ids of replies to mutation `veld`, each asserted free of errors.
fn event_ids(replies: &[Value], veld: &str) -> std::collections::HashSet<String> {
    replies
        .iter()
        .map(|r| ok(r)[veld]["eventId"].as_str().unwrap().to_owned())
        .collect()
}

/// The worked example of KPIS.md, recorded through the API. Returns event ids by name.
async fn werkvoorbeeld(s: &Server, token: &str) -> HashMap<&'static str, String> {
    let mut ids = HashMap::new();
    let stappen: Vec<(&'static str, &str, &str, Value, Option<&str>)> = vec![
        (
            "ld",
            "registreerLandsdeel",
            "LandsdeelInvoer",
            json!({"code":"ZUID_WEST","naam":"Zuid-West"}),
            None,
        ),
        (
            "rg",
            "registreerJeugdregio",
            "JeugdregioInvoer",
            json!({"code":"RIJNMOND","naam":"Rijnmond","landsdeel":"ZUID_WEST"}),
            None,
        ),
        (
            "gm",
            "registreerGemeente",
            "GemeenteInvoer",
            json!({"code":"GM0599","naam":"Rotterdam","jeugdregio":"RIJNMOND"}),
            None,
        ),
        (
            "ab",
            "registreerAanbieder",
            "AanbiederInvoer",
            json!({"id":"HZN","naam":"Horizon"}),
            None,
        ),
        (
            "f1",
            "registreerVoorziening",
            "VoorzieningInvoer",
            json!({"id":"F1","aanbieder":"HZN","naam":"De Hoeve","gemeente":"GM0599","vorm":"GROEP","regime":"GESLOTEN","datum":"2024-01-01"}),
            None,
        ),
        (
            "f2",
            "registreerVoorziening",
            "VoorzieningInvoer",
            json!({"id":"F2","aanbieder":"HZN","naam":"Het Huis","gemeente":"GM0599","vorm":"KLEINSCHALIG","regime":"OPEN","datum":"2024-01-01"}),
            None,
        ),
        (
            "f1open",
            "openPlaatsen",
            "PlaatsenGeopendInvoer",
            json!({"voorziening":"F1","datum":"2024-01-01","aantal":10}),
            None,
        ),
        (
            "f1dicht",
            "sluitPlaatsen",
            "PlaatsenGeslotenInvoer",
            json!({"voorziening":"F1","datum":"2024-02-15","aantal":4,"reden":"afbouw"}),
            None,
        ),
        (
            "f2open",
            "openPlaatsen",
            "PlaatsenGeopendInvoer",
            json!({"voorziening":"F2","datum":"2024-02-01","aantal":4}),
            None,
        ),
        (
            "ja",
            "registreerJeugdige",
            "JeugdigeInvoer",
            json!({"pseudoniem":"pa","geboortejaar":2008,"geslacht":"MAN","woongemeente":"GM0599","datum":"2024-01-01"}),
            None,
        ),
        (
            "jb",
            "registreerJeugdige",
            "JeugdigeInvoer",
            json!({"pseudoniem":"pb","geboortejaar":2009,"geslacht":"VROUW","woongemeente":"GM0599","datum":"2024-01-01"}),
            None,
        ),
        (
            "jc",
            "registreerJeugdige",
            "JeugdigeInvoer",
            json!({"pseudoniem":"pc","geboortejaar":2010,"geslacht":"ANDERS","woongemeente":"GM0599","datum":"2024-01-01"}),
            None,
        ),
        (
            "a_spoed",
            "geefMachtigingAf",
            "MachtigingInvoer",
            json!({"machtiging":"A-SPOED","soort":"SPOEDMACHTIGING","geldigVan":"2024-01-10","geldigTot":"2024-02-06","aangevraagdDoor":"JB West"}),
            Some("pa"),
        ),
        (
            "a_start",
            "startPlaatsing",
            "PlaatsingInvoer",
            json!({"voorziening":"F1","datum":"2024-01-10","spoed":true,"crisis":false,"verblijfVoor":"THUIS"}),
            Some("pa"),
        ),
        (
            "a_mgj",
            "geefMachtigingAf",
            "MachtigingInvoer",
            json!({"machtiging":"A-MGJ","soort":"MGJ","geldigVan":"2024-02-05","geldigTot":"2025-02-04","aangevraagdDoor":"JB West"}),
            Some("pa"),
        ),
        (
            "a_door",
            "plaatsDoor",
            "DoorplaatsingInvoer",
            json!({"van":"F1","naar":"F2","datum":"2024-03-01","reden":"afbouw","tegenWensJeugdige":false,"tegenWensAanbieder":false}),
            Some("pa"),
        ),
        (
            "a_eind",
            "beeindigPlaatsing",
            "PlaatsingBeeindigdInvoer",
            json!({"voorziening":"F2","datum":"2024-05-01","bestemming":"THUIS","reden":"volgens plan","redenBeeindiging":"VOLGENS_PLAN"}),
            Some("pa"),
        ),
        (
            "b_mgj",
            "geefMachtigingAf",
            "MachtigingInvoer",
            json!({"machtiging":"B-MGJ","soort":"MGJ","geldigVan":"2024-01-01","geldigTot":"2024-12-31","aangevraagdDoor":"JB West"}),
            Some("pb"),
        ),
        (
            "b_start",
            "startPlaatsing",
            "PlaatsingInvoer",
            json!({"voorziening":"F1","datum":"2024-01-05","spoed":false,"crisis":false,"verblijfVoor":"PLEEGZORG"}),
            Some("pb"),
        ),
        (
            "b_eind",
            "beeindigPlaatsing",
            "PlaatsingBeeindigdInvoer",
            json!({"voorziening":"F1","datum":"2024-03-20","bestemming":"JJI","reden":"strafrechtelijk"}),
            Some("pb"),
        ),
        (
            "c_start",
            "startPlaatsing",
            "PlaatsingInvoer",
            json!({"voorziening":"F1","datum":"2024-02-20","spoed":false,"crisis":false,"verblijfVoor":"THUIS"}),
            Some("pc"),
        ),
    ];
    for (naam, veld, ty, invoer, ps) in stappen {
        let r = feit(s, token, veld, ty, invoer, ps, &format!("wv-{naam}"), None).await;
        let d = ok(&r);
        ids.insert(naam, d[veld]["eventId"].as_str().unwrap().to_owned());
        if naam == "c_start" {
            let codes: Vec<&str> = d[veld]["signalen"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|s| s["code"].as_str())
                .collect();
            assert!(
                codes.contains(&"GESLOTEN_ZONDER_MACHTIGING"),
                "C is placed in a closed facility without authorisation: {codes:?}"
            );
        }
    }
    ids
}

const KPI_VELDEN: &str = r#"
    meta { positie gebeurtenissen kennis }
    plaatsen { totaal { waarde bescherming } }
    opbouw { totaal { waarde bescherming } }
    afbouw { totaal { waarde bescherming } }
    balans { opbouwAlternatieven afbouwGesloten balans ratio }
    bezetting { bezetting { waarde bescherming } plaatsen graad { waarde bescherming teller { waarde bescherming } noemer { waarde bescherming } } }
    plaatsingen { exclusiefDoorplaatsingen { waarde bescherming } inclusiefDoorplaatsingen { waarde bescherming } }
    uniekeJeugdigen { waarde bescherming }
    spoedmachtigingen { waarde bescherming }
    spoedaandeel { waarde bescherming teller { waarde bescherming } noemer { waarde bescherming } }
    doorplaatsingen { aantal { waarde bescherming } perJeugdige { waarde bescherming } }
    stroomEpisodes { begin { waarde bescherming } instroom { waarde bescherming } uitstroom { waarde bescherming } eind { waarde bescherming } }
    stroomTrajecten { begin { waarde bescherming } instroom { waarde bescherming } uitstroom { waarde bescherming } eind { waarde bescherming } }
    uitstroomNaarLichtereZorg { lichter { waarde bescherming } bestemmingen { rijen cellen { waarde bescherming } totaal { waarde bescherming } } }
    verblijfsduur { aantal { waarde bescherming } gemiddelde mediaan bescherming }
    langverblijvers { waarde bescherming }
    signalen { overbezetting { waarde bescherming } zonderMachtiging { waarde bescherming } doorplaatsing { waarde bescherming } }
"#;

async fn kpis(s: &Server, token: &str, periode: Value, k: Option<String>) -> Value {
    let q = format!(
        "query K($p: PeriodeInvoer!, $k: DateTime) {{ kpis(periode: $p, asKnownAt: $k) {{ {KPI_VELDEN} }} }}"
    );
    s.gql(Some(token), &q, json!({ "p": periode, "k": k }))
        .await
}

fn q1() -> Value {
    json!({ "jaar": 2024, "kwartaal": 1 })
}

/// Every person count (an `Aantal`: `{waarde, bescherming}` with an integer) in a JSON
/// tree, except capacity tables (places are not persons), with its protection.
fn persoonsaantallen(v: &Value, pad: &str, uit: &mut Vec<(String, i64, String)>) {
    match v {
        Value::Object(o) => {
            // The denominator of an occupancy rate is capacity, and overbezetting counts
            // facilities: places, not persons.
            let capaciteit = pad.ends_with(".graad.noemer")
                || pad.ends_with(".graadPeriode.noemer")
                || pad.ends_with(".signalen.overbezetting");
            if let (Some(w), Some(b)) = (o.get("waarde"), o.get("bescherming"))
                && let Some(n) = w.as_i64()
                && !capaciteit
            {
                uit.push((pad.to_owned(), n, b.as_str().unwrap_or("").to_owned()));
            }
            for (k, x) in o {
                if ["plaatsen", "opbouw", "afbouw", "balans"].contains(&k.as_str())
                    && pad.ends_with("kpis")
                {
                    continue;
                }
                persoonsaantallen(x, &format!("{pad}.{k}"), uit);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                persoonsaantallen(x, &format!("{pad}[{i}]"), uit);
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

async fn worked_example_through_the_api(o: &Omgeving) {
    let s = o.start_met_werkvoorbeeld().await;
    let r = kpis(&s, o.token(Rol::Evaluator), q1(), None).await;
    let k = &ok(&r)["kpis"];
    assert_eq!(k["plaatsingen"]["exclusiefDoorplaatsingen"]["waarde"], 3);
    assert_eq!(k["plaatsingen"]["inclusiefDoorplaatsingen"]["waarde"], 4);
    assert_eq!(k["spoedmachtigingen"]["waarde"], 1);
    assert_eq!(k["doorplaatsingen"]["aantal"]["waarde"], 1);
    assert_eq!(k["uniekeJeugdigen"]["waarde"], 3);
    assert_eq!(k["balans"]["opbouwAlternatieven"], 4);
    assert_eq!(k["balans"]["afbouwGesloten"], 4);
    assert_eq!(k["balans"]["balans"], 0);
    assert_eq!(k["stroomEpisodes"]["instroom"]["waarde"], 3);
    assert_eq!(k["stroomEpisodes"]["uitstroom"]["waarde"], 1);
    assert_eq!(k["stroomEpisodes"]["eind"]["waarde"], 2);
    assert_eq!(k["signalen"]["zonderMachtiging"]["waarde"], 1);
    s.stop().await;
}

/// Roles without person-level access get every person count perturbed by the cell-key
/// method (within ±2 of the exact one, a true zero stays zero, the same answer when asked
/// again), in `kpis` and in `kpiReeks`; the evaluator gets the exact counts.
async fn aggregate_roles_get_perturbed_counts(o: &Omgeving) {
    let s = o.start_met_werkvoorbeeld().await;
    let mut verschillend = 0;
    for periode in [
        q1(),
        json!({"jaar": 2024, "kwartaal": 2}),
        json!({"jaar": 2024}),
    ] {
        let r = kpis(&s, o.token(Rol::Evaluator), periode.clone(), None).await;
        let mut exact = Vec::new();
        persoonsaantallen(ok(&r), "", &mut exact);
        assert!(exact.iter().all(|x| x.2 == "GEEN"), "{exact:?}");
        assert!(
            exact.iter().any(|x| (1..=4).contains(&x.1)),
            "small counts exist"
        );
        for rol in [Rol::Stuurgroep, Rol::Contractmanager, Rol::Registrar] {
            let r = kpis(&s, o.token(rol), periode.clone(), None).await;
            let mut n = Vec::new();
            persoonsaantallen(ok(&r), "", &mut n);
            assert_eq!(n.len(), exact.len(), "{rol}");
            for (a, e) in n.iter().zip(&exact) {
                assert_eq!(a.0, e.0);
                assert_eq!(a.2, "VERSTOORD", "{rol} {}", a.0);
                assert!(
                    (a.1 - e.1).abs() <= 2 && a.1 >= 0,
                    "{rol} {}: {} against {}",
                    a.0,
                    a.1,
                    e.1
                );
                if e.1 == 0 {
                    assert_eq!(a.1, 0, "{rol} {}: a true zero stays zero", a.0);
                }
                verschillend += usize::from(a.1 != e.1);
            }
            assert_eq!(
                kpis(&s, o.token(rol), periode.clone(), None).await,
                r,
                "asked again"
            );
        }
    }
    assert!(verschillend > 0, "nothing perturbed");
    // A series for the stuurgroep: the same figures as its periods one by one.
    let q = "{ kpiReeks(granulariteit: MAAND, van: \"2024-01-01\", tot: \"2024-07-01\") { plaatsingen { exclusiefDoorplaatsingen { waarde bescherming } } stroomEpisodes { eind { waarde bescherming } } } }";
    let r = s.gql_plain(Some(o.token(Rol::Stuurgroep)), q).await;
    let reeks = ok(&r)["kpiReeks"].as_array().unwrap().clone();
    for (i, maand) in (1..=6).enumerate() {
        let q = format!(
            "{{ kpis(periode: {{jaar: 2024, maand: {maand}}}) {{ plaatsingen {{ exclusiefDoorplaatsingen {{ waarde bescherming }} }} stroomEpisodes {{ eind {{ waarde bescherming }} }} }} }}"
        );
        let e = s.gql_plain(Some(o.token(Rol::Stuurgroep)), &q).await;
        assert_eq!(ok(&e)["kpis"], reeks[i], "month {maand}");
    }
    s.stop().await;
}

/// The request side's fields (`graphql/src/vraag.rs`): the evaluator gets exact figures,
/// the stuurgroep person counts perturbed and capacity exact; a scenario out of range is
/// refused; a series has one report per period.
async fn vraag_through_the_api(o: &Omgeving) {
    let s = o.start_met_werkvoorbeeld().await;
    let q = "query V($p: PeriodeInvoer!) { vraag(periode: $p) { \
        wachtenden { jeugdigen { waarde bescherming } begin { waarde } eind { waarde } } \
        benodigdeCapaciteit { capaciteit cellen { vorm regime capaciteit \
        gestartePlaatsingen { waarde bescherming } } } } }";
    let exact = s
        .gql(Some(o.token(Rol::Evaluator)), q, json!({ "p": q1() }))
        .await;
    let v = &ok(&exact)["vraag"];
    assert_eq!(v["wachtenden"]["jeugdigen"]["waarde"], 0, "{v}");
    assert_eq!(v["wachtenden"]["jeugdigen"]["bescherming"], "GEEN");
    let cellen = v["benodigdeCapaciteit"]["cellen"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        cellen
            .iter()
            .any(|c| c["gestartePlaatsingen"]["waarde"].as_i64() > Some(0)),
        "the worked example's placements flow into the places needed: {v}"
    );
    let r = s
        .gql(Some(o.token(Rol::Stuurgroep)), q, json!({ "p": q1() }))
        .await;
    let w = &ok(&r)["vraag"];
    assert_eq!(
        w["benodigdeCapaciteit"]["capaciteit"], v["benodigdeCapaciteit"]["capaciteit"],
        "capacity is exact for every role"
    );
    let mut n = Vec::new();
    persoonsaantallen(w, "", &mut n);
    assert!(
        n.iter().filter(|x| x.1 > 0).all(|x| x.2 == "VERSTOORD") && n.iter().any(|x| x.1 > 0),
        "{n:?}"
    );
    let fout = s
        .gql(
            Some(o.token(Rol::Stuurgroep)),
            "query { benodigdeCapaciteit(periode: {jaar: 2024, kwartaal: 1}, \
             scenario: {doelbezetting: 0}) { waarde { benodigd } } }",
            json!({}),
        )
        .await;
    assert!(
        fout["errors"].as_array().is_some_and(|e| !e.is_empty()),
        "{fout}"
    );
    let reeks = s
        .gql(
            Some(o.token(Rol::Evaluator)),
            "query { vraagReeks(granulariteit: KWARTAAL, van: \"2024-01-01\", \
             tot: \"2025-01-01\") { meta { periode { van } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ok(&reeks)["vraagReeks"].as_array().map(Vec::len),
        Some(4),
        "{reeks}"
    );
    s.stop().await;
}

/// A filter on a code the log does not know is `NOT_FOUND` with the valid codes, not an
/// answer of zeros; a code in other case or punctuation resolves when unambiguous.
async fn an_unknown_code_in_a_filter_is_not_found(o: &Omgeving) {
    let s = o.start_met_werkvoorbeeld().await;
    let q = "query K($p: PeriodeInvoer!, $f: FilterInvoer) { kpis(periode: $p, filter: $f) { meta { filter { jeugdregio landsdeel } } bezetting { bezetting { waarde } } } }";
    let vraag = |f: Value| {
        let s = &s;
        async move {
            s.gql(
                Some(o.token(Rol::Evaluator)),
                q,
                json!({ "p": q1(), "f": f }),
            )
            .await
        }
    };
    for f in [
        json!({ "jeugdregio": "ONBEKEND" }),
        json!({ "landsdeel": "NOORD" }),
        json!({ "gemeente": "GM9999" }),
        json!({ "aanbieder": "niemand" }),
        json!({ "voorziening": "nergens" }),
    ] {
        let r = vraag(f.clone()).await;
        assert_eq!(code(&r), Some("NOT_FOUND"), "{f}: {r}");
        let melding = r["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(melding.contains("onbekende"), "{melding}");
    }
    let r = vraag(json!({ "jeugdregio": "ONBEKEND" })).await;
    let melding = r["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        melding.contains("RIJNMOND"),
        "lists the valid codes: {melding}"
    );
    let r = vraag(json!({ "jeugdregio": "rijnmond", "landsdeel": "Zuid-West" })).await;
    let filter = &ok(&r)["kpis"]["meta"]["filter"];
    assert_eq!(filter["jeugdregio"], "RIJNMOND", "{r}");
    assert_eq!(filter["landsdeel"], "ZUID_WEST", "{r}");
    assert_eq!(
        ok(&r)["kpis"]["bezetting"],
        ok(&vraag(json!({ "jeugdregio": "RIJNMOND" })).await)["kpis"]["bezetting"]
    );
    s.stop().await;
}

/// The breakdown in one pass: its grand total is `kpis`' bezetting, every cell is the
/// bezetting of the narrowed filter, and aggregate roles see no count from 1 to 4.
async fn bezetting_per_through_the_api(o: &Omgeving) {
    let s = o.start_met_werkvoorbeeld().await;
    let q = r#"query B($p: PeriodeInvoer!, $f: FilterInvoer) {
        bezettingPer(periode: $p, filter: $f, rij: JEUGDREGIO, kolom: REGIME) {
            meta { peildatum }
            tabel { rijen kolommen cellen { waarde bescherming } rijtotalen { waarde bescherming } kolomtotalen { waarde bescherming } totaal { waarde bescherming } }
        }
    }"#;
    let bezetting = |f: Value| {
        let s = &s;
        async move {
            let q = "query K($p: PeriodeInvoer!, $f: FilterInvoer) { kpis(periode: $p, filter: $f) { bezetting { bezetting { waarde } } } }";
            let r = s
                .gql(
                    Some(o.token(Rol::Evaluator)),
                    q,
                    json!({ "p": q1(), "f": f }),
                )
                .await;
            ok(&r)["kpis"]["bezetting"]["bezetting"]["waarde"].clone()
        }
    };
    let r = s
        .gql(Some(o.token(Rol::Evaluator)), q, json!({ "p": q1() }))
        .await;
    let t = &ok(&r)["bezettingPer"]["tabel"];
    assert_eq!(t["totaal"]["waarde"], bezetting(json!({})).await);
    assert_eq!(t["kolommen"], json!(["GESLOTEN", "OPEN"]));
    let rijen = t["rijen"].as_array().cloned().unwrap_or_default();
    assert!(!rijen.is_empty(), "{t}");
    let mut iets = false;
    for (i, regio) in rijen.iter().enumerate() {
        for (k, regime) in ["GESLOTEN", "OPEN"].into_iter().enumerate() {
            let cel = &t["cellen"][i][k]["waarde"];
            iets |= cel.as_i64().is_some_and(|v| v > 0);
            let f = json!({ "jeugdregio": regio, "regime": regime });
            assert_eq!(cel, &bezetting(f).await, "{regio} × {regime}");
        }
    }
    assert!(
        iets,
        "the worked example has youths placed at the end of Q1: {t}"
    );
    // The stuurgroep gets the same table perturbed; its grand total rests on the same
    // placements as `kpis`' bezetting, so it reads the same.
    let r = s
        .gql(Some(o.token(Rol::Stuurgroep)), q, json!({ "p": q1() }))
        .await;
    let mut n = Vec::new();
    persoonsaantallen(ok(&r), "", &mut n);
    assert!(
        !n.is_empty() && n.iter().all(|x| x.2 == "VERSTOORD"),
        "{n:?}"
    );
    let k = s
        .gql(
            Some(o.token(Rol::Stuurgroep)),
            "query K($p: PeriodeInvoer!) { kpis(periode: $p) { bezetting { bezetting { waarde } } } }",
            json!({ "p": q1() }),
        )
        .await;
    assert_eq!(
        ok(&r)["bezettingPer"]["tabel"]["totaal"]["waarde"],
        ok(&k)["kpis"]["bezetting"]["bezetting"]["waarde"],
        "{r}"
    );
    s.stop().await;
}

async fn role_matrix(o: &Omgeving) {
    let s = o.start().await;
    werkvoorbeeld(&s, o.token(Admin)).await;
    use Rol::*;
    let ops: Vec<(&str, String, Vec<Rol>)> = vec![
        ("kpis", "{ kpis(periode: {jaar: 2024, kwartaal: 1}) { meta { positie } } }".into(), Rol::ALL.to_vec()),
        ("kpiReeks", "{ kpiReeks(granulariteit: KWARTAAL, van: \"2024-01-01\", tot: \"2025-01-01\") { meta { positie } } }".into(), Rol::ALL.to_vec()),
        ("doelen", "{ doelen { plaatsen } }".into(), Rol::ALL.to_vec()),
        ("plaatsingenNaarVoorgeschiedenis", "{ plaatsingenNaarVoorgeschiedenis(periode: {jaar: 2024}) { totaal { waarde bescherming } } }".into(), Rol::ALL.to_vec()),
        ("onttrekkingen", "{ onttrekkingen(periode: {jaar: 2024}) { begonnen { waarde } bescherming } }".into(), Rol::ALL.to_vec()),
        ("terugval", "{ terugval(periode: {jaar: 2024}) { binnen6Maanden { waarde } definitief } }".into(), Rol::ALL.to_vec()),
        ("padReeks", "{ padReeks(granulariteit: KWARTAAL, van: \"2024-01-01\", tot: \"2025-01-01\") { terugval { definitiefVanaf } } }".into(), Rol::ALL.to_vec()),
        ("projectie", "{ projectie { positie storeHead achterstand } }".into(), Rol::ALL.to_vec()),
        ("referentie", "{ landsdelen { code } jeugdregios { code } gemeenten { code } aanbieders { id } voorzieningen { id plaatsen } }".into(), Rol::ALL.to_vec()),
        ("historie voorziening", "{ historie(voorziening: \"F1\") { feiten { gebeurtenis { type geregistreerdDoor bron } } } }".into(), vec![Contractmanager, Evaluator, Admin]),
        ("historie aanbieder", "{ historie(aanbieder: \"HZN\") { stromen } }".into(), vec![Contractmanager, Evaluator, Admin]),
        ("historie jeugdige", "{ historie(pseudoniem: \"pa\") { feiten { gebeurtenis { type } } } }".into(), vec![Evaluator, Admin]),
        ("historie jeugdige stroom", "{ historie(stroom: \"jeugdige-pa\") { stromen } }".into(), vec![Evaluator, Admin]),
        ("gebeurtenissen", "{ gebeurtenissen(eerste: 5) { edges { cursor node { type } } pageInfo { hasNextPage } } }".into(), vec![Evaluator, Admin]),
        ("diff", "{ diff(periode: {jaar: 2024, kwartaal: 1}, k1: \"2020-01-01T00:00:00Z\", k2: \"2030-01-01T00:00:00Z\") { gebeurtenissen { positie } } }".into(), vec![Evaluator, Admin]),
        ("keten", "{ keten { intact gecontroleerd } }".into(), vec![Contractmanager, Evaluator, Admin]),
        ("plaatsingsverzoeken", "{ plaatsingsverzoeken { totaal } }".into(), vec![Coordinator, Evaluator, Admin]),
        ("tokens", "{ tokens { id rol } }".into(), vec![Admin]),
    ];
    for (naam, q, toegestaan) in &ops {
        for rol in Rol::ALL {
            let r = s.gql_plain(Some(o.token(rol)), q).await;
            if toegestaan.contains(&rol) {
                ok(&r);
            } else {
                assert_eq!(code(&r), Some("FORBIDDEN"), "{naam} as {rol}: {r}");
                assert!(
                    r["data"].is_null()
                        || r["data"]
                            .as_object()
                            .is_some_and(|d| d.values().all(Value::is_null))
                );
            }
        }
        let r = s.gql_plain(None, q).await;
        assert_eq!(
            code(&r),
            Some("UNAUTHENTICATED"),
            "{naam} without token: {r}"
        );
        let r = s.gql_plain(Some("kl_onzin"), q).await;
        assert_eq!(
            code(&r),
            Some("UNAUTHENTICATED"),
            "{naam} with a bad token: {r}"
        );
    }
    // Writes: registrar and admin only.
    for rol in Rol::ALL {
        let before = s.head().await;
        let id = format!("AB-{rol}");
        let r = registreer_aanbieder(
            &s,
            o.token(rol),
            json!({"id": id, "naam": "x"}),
            &format!("rm-{rol}"),
        )
        .await;
        if [Registrar, Admin].contains(&rol) {
            ok(&r);
            assert!(s.head().await > before);
        } else {
            assert_eq!(code(&r), Some("FORBIDDEN"), "write as {rol}: {r}");
            assert_eq!(s.head().await, before, "a refused write writes nothing");
        }
    }
    let r = registreer_aanbieder(&s, "kl_onzin", json!({"id": "Z", "naam": "x"}), "rm-x").await;
    assert_eq!(code(&r), Some("UNAUTHENTICATED"));
    // Token management: admin only.
    let q = "mutation { maakToken(rol: stuurgroep, naam: \"nieuw\") { id token } }";
    for rol in [
        Stuurgroep,
        Contractmanager,
        Evaluator,
        Registrar,
        Coordinator,
    ] {
        assert_eq!(
            code(&s.gql_plain(Some(o.token(rol)), q).await),
            Some("FORBIDDEN")
        );
    }
    let r = s.gql_plain(Some(o.token(Admin)), q).await;
    let nieuw = ok(&r)["maakToken"]["token"].as_str().unwrap().to_owned();
    let r = s.gql_plain(Some(&nieuw), "{ ik { rol naam } }").await;
    assert_eq!(ok(&r)["ik"]["rol"], "stuurgroep");
    s.stop().await;
}

async fn person_level_reads_are_logged(o: &Omgeving) {
    let s = o.start_met_werkvoorbeeld().await;
    let q = "{ gebeurtenissen(types: [\"PersoonsgegevensIngezien\"], eerste: 100) { edges { node { inhoud geregistreerdDoor } } } }";
    let before = ok(&s.gql_plain(Some(o.token(Rol::Admin)), q).await)["gebeurtenissen"]["edges"]
        .as_array()
        .unwrap()
        .len();
    let r = s
        .gql_plain(
            Some(o.token(Rol::Evaluator)),
            "{ historie(pseudoniem: \"pb\") { feiten { gebeurtenis { type } } } }",
        )
        .await;
    ok(&r);
    let r = s.gql_plain(Some(o.token(Rol::Admin)), q).await;
    let edges = ok(&r)["gebeurtenissen"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        edges.len() > before,
        "the evaluator's read is in the access log"
    );
    assert!(edges.iter().any(|e| {
        let i = &e["node"]["inhoud"];
        i["rol"] == "evaluator" && i["wat"] == "historie" && i["stromen"][0] == "jeugdige-pb"
    }));
    // A facility's history is not person-level: not logged.
    let n = edges.len();
    ok(&s
        .gql_plain(
            Some(o.token(Rol::Contractmanager)),
            "{ historie(voorziening: \"F2\") { stromen } }",
        )
        .await);
    let r = s.gql_plain(Some(o.token(Rol::Admin)), q).await;
    // +1 for the admin's own page of the log that contained access events? No: the
    // access stream is person-level, so the admin's earlier read was logged too.
    assert!(ok(&r)["gebeurtenissen"]["edges"].as_array().unwrap().len() <= n + 1);
    // The projection still serves figures (the access log is not a domain fact).
    ok(&kpis(&s, o.token(Rol::Evaluator), q1(), None).await);
    s.stop().await;
}

async fn rejections_are_invalid_event_and_write_nothing(o: &Omgeving) {
    let s = o.start().await;
    let ids = werkvoorbeeld(&s, o.token(Rol::Registrar)).await;
    let t = o.token(Rol::Registrar);
    let gevallen: Vec<(&str, &str, Value, Option<&str>, &str)> = vec![
        (
            "openPlaatsen",
            "PlaatsenGeopendInvoer",
            json!({"voorziening":"FX","datum":"2024-01-01","aantal":3}),
            None,
            "ONBEKENDE_VOORZIENING",
        ),
        (
            "openPlaatsen",
            "PlaatsenGeopendInvoer",
            json!({"voorziening":"F1","datum":"2024-01-01","aantal":0}),
            None,
            "ONGELDIG_AANTAL",
        ),
        (
            "sluitPlaatsen",
            "PlaatsenGeslotenInvoer",
            json!({"voorziening":"F2","datum":"2024-03-01","aantal":100,"reden":"x"}),
            None,
            "TE_VEEL_PLAATSEN_GESLOTEN",
        ),
        (
            "bouwPlaatsenOm",
            "PlaatsenOmgebouwdInvoer",
            json!({"van":"F1","naar":"F1","datum":"2024-03-01","aantalUit":1,"aantalIn":1,"reden":"x"}),
            None,
            "ZELFDE_VOORZIENING",
        ),
        (
            "registreerVoorziening",
            "VoorzieningInvoer",
            json!({"id":"F1","aanbieder":"HZN","naam":"dubbel","gemeente":"GM0599","vorm":"GROEP","regime":"OPEN","datum":"2024-01-01"}),
            None,
            "AL_GEREGISTREERD",
        ),
        (
            "registreerVoorziening",
            "VoorzieningInvoer",
            json!({"id":"F9","aanbieder":"NIEMAND","naam":"x","gemeente":"GM0599","vorm":"GROEP","regime":"OPEN","datum":"2024-01-01"}),
            None,
            "ONBEKENDE_AANBIEDER",
        ),
        (
            "registreerJeugdige",
            "JeugdigeInvoer",
            json!({"pseudoniem":"999900006","geboortejaar":2008,"geslacht":"MAN","woongemeente":"GM0599","datum":"2024-01-01"}),
            None,
            "BSN_VERBODEN",
        ),
        (
            "registreerJeugdige",
            "JeugdigeInvoer",
            json!({"pseudoniem":"pz","geboortejaar":1950,"geslacht":"MAN","woongemeente":"GM0599","datum":"2024-01-01"}),
            None,
            "GEBOORTEJAAR_BUITEN_BEREIK",
        ),
        (
            "startPlaatsing",
            "PlaatsingInvoer",
            json!({"voorziening":"F1","datum":"2024-01-15","spoed":false,"crisis":false,"verblijfVoor":"THUIS"}),
            Some("onbekend"),
            "ONBEKENDE_JEUGDIGE",
        ),
        (
            "startPlaatsing",
            "PlaatsingInvoer",
            json!({"voorziening":"F1","datum":"2024-01-15","spoed":false,"crisis":false,"verblijfVoor":"THUIS"}),
            Some("pa"),
            "AL_GEPLAATST",
        ),
        (
            "plaatsDoor",
            "DoorplaatsingInvoer",
            json!({"van":"F1","naar":"F1","datum":"2024-02-01","reden":"x","tegenWensJeugdige":false,"tegenWensAanbieder":false}),
            Some("pa"),
            "ZELFDE_VOORZIENING",
        ),
        (
            "beeindigPlaatsing",
            "PlaatsingBeeindigdInvoer",
            json!({"voorziening":"F2","datum":"2024-01-15","bestemming":"THUIS","reden":"x"}),
            Some("pb"),
            "NIET_GEPLAATST",
        ),
        (
            "geefMachtigingAf",
            "MachtigingInvoer",
            json!({"machtiging":"X","soort":"MGJ","geldigVan":"2024-05-01","geldigTot":"2024-04-01","aangevraagdDoor":"GI"}),
            Some("pc"),
            "GELDIG_TOT_VOOR_GELDIG_VAN",
        ),
        (
            "geefMachtigingAf",
            "MachtigingInvoer",
            json!({"machtiging":"A-MGJ","soort":"MGJ","geldigVan":"2024-05-01","geldigTot":"2024-06-01","aangevraagdDoor":"GI"}),
            Some("pa"),
            "MACHTIGING_AL_AFGEGEVEN",
        ),
        (
            "beeindigMachtiging",
            "MachtigingBeeindigdInvoer",
            json!({"machtiging":"ONBEKEND","datum":"2024-05-01","reden":"x"}),
            Some("pa"),
            "ONBEKENDE_MACHTIGING",
        ),
    ];
    for (i, (veld, ty, invoer, ps, reden)) in gevallen.into_iter().enumerate() {
        let before = s.head().await;
        let r = feit(&s, t, veld, ty, invoer, ps, &format!("afw-{i}"), None).await;
        assert_eq!(code(&r), Some("INVALID_EVENT"), "{veld} ({reden}): {r}");
        assert_eq!(afwijzing_reden(&r), reden, "{veld}: {r}");
        assert!(
            !r["errors"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
        );
        assert_eq!(s.head().await, before, "{veld} ({reden}) wrote something");
    }
    // Corrections and retractions.
    let before = s.head().await;
    let q = "mutation($id: UUID!, $k: String!) { trekFeitIn(eventId: $id, reden: \"\", idempotencyKey: $k) { positie } }";
    let r = s
        .gql(Some(t), q, json!({"id": ids["c_start"], "k": "afw-r1"}))
        .await;
    assert_eq!(afwijzing_reden(&r), "REDEN_ONTBREEKT", "{r}");
    let r = s
        .gql(
            Some(t),
            q.replace("\\\"\\\"", "\\\"x\\\"").as_str(),
            json!({"id": Uuid::now_v7(), "k": "afw-r2"}),
        )
        .await;
    assert_eq!(code(&r), Some("INVALID_EVENT"), "{r}");
    let q = "mutation($id: UUID!, $k: String!) { trekFeitIn(eventId: $id, reden: \"vergissing\", idempotencyKey: $k) { positie } }";
    let r = s
        .gql(Some(t), q, json!({"id": ids["a_start"], "k": "afw-r3"}))
        .await;
    assert_eq!(afwijzing_reden(&r), "AFHANKELIJKE_FEITEN", "{r}");
    let q = "mutation($id: UUID!, $k: String!) { corrigeerFeit(eventId: $id, nieuw: {plaatsenGeopend: {voorziening: \"F1\", datum: \"2024-01-01\", aantal: 3}}, reden: \"typefout\", idempotencyKey: $k) { positie } }";
    let r = s
        .gql(Some(t), q, json!({"id": ids["f2open"], "k": "afw-c1"}))
        .await;
    assert_eq!(
        code(&r),
        Some("INVALID_EVENT"),
        "a correction cannot move a fact to another facility: {r}"
    );
    let r = s
        .gql(Some(t), q, json!({"id": ids["b_start"], "k": "afw-c2"}))
        .await;
    assert_eq!(afwijzing_reden(&r), "ANDER_GEBEURTENISTYPE", "{r}");
    assert_eq!(s.head().await, before);
    // Malformed requests: BAD_REQUEST, no internals.
    let r = kpis(
        &s,
        t,
        json!({"van": "2024-03-01", "tot": "2024-01-01"}),
        None,
    )
    .await;
    assert_eq!(code(&r), Some("BAD_REQUEST"), "{r}");
    let r = registreer_aanbieder(&s, t, json!({"id":"Q","naam":"q"}), "").await;
    assert_eq!(code(&r), Some("BAD_REQUEST"), "{r}");
    let r = s
        .gql_plain(
            Some(t),
            "{ historie(stroom: \"bestaat-niet\") { stromen } }",
        )
        .await;
    assert_eq!(
        code(&r),
        Some("FORBIDDEN"),
        "registrar reads no history: {r}"
    );
    let r = s
        .gql_plain(
            Some(o.token(Rol::Admin)),
            "{ historie(stroom: \"bestaat-niet\") { stromen } }",
        )
        .await;
    assert_eq!(code(&r), Some("NOT_FOUND"), "{r}");
    s.stop().await;
}

/// Issue 20: a NUL byte, an oversized string or a BSN-like value is refused before the
/// store sees it, never echoed, and never makes the write side fold the log again.
/// Before: a 100 KB pseudonym was stored as a stream name; on PostgreSQL a NUL gave
/// INTERNAL and ten rebuilds of the write side per fact (retries), on SQLite it was stored;
/// BSN999999990 / 0999999990 were accepted as pseudonyms and a BSN in a `reden` was stored.
async fn bad_input_is_refused_before_the_store_and_never_rebuilds(o: &Omgeving) {
    // A token whose name holds a NUL: it ends up in `recorded_by`, which only the store's
    // own input check sees (before the fact is folded).
    let nul_token = Tokens::new(o.tokenpad())
        .create(Rol::Registrar, "nul\0naam")
        .unwrap()
        .1;
    let s = o.start_met_werkvoorbeeld().await;
    let t = o.token(Rol::Registrar);
    let before = s.head().await;
    let herbouwd = s.api.rebuilds().await;
    let start = |datum: &str| json!({"voorziening":"F1","datum":datum,"spoed":false,"crisis":false,"verblijfVoor":"THUIS"});
    let einde = |reden: &str| json!({"voorziening":"F1","datum":"2024-06-01","bestemming":"THUIS","reden":reden});
    let jeugdige = |p: &str| json!({"pseudoniem":p,"geboortejaar":2008,"geslacht":"MAN","woongemeente":"GM0599","datum":"2024-01-01"});
    let lang = "p".repeat(100 * 1024);
    /// Mutation, input type, input, pseudonym, expected version, expected `reden`.
    type Geval<'a> = (
        &'a str,
        &'a str,
        Value,
        Option<&'a str>,
        Option<i64>,
        &'a str,
    );
    let gevallen: Vec<Geval<'_>> = vec![
        (
            "registreerJeugdige",
            "JeugdigeInvoer",
            jeugdige(&lang),
            None,
            None,
            "TE_LANG",
        ),
        (
            "startPlaatsing",
            "PlaatsingInvoer",
            start("2024-05-01"),
            Some(&lang),
            None,
            "TE_LANG",
        ),
        (
            "registreerJeugdige",
            "JeugdigeInvoer",
            jeugdige("p\0q"),
            None,
            None,
            "ONGELDIG_TEKEN",
        ),
        (
            "startPlaatsing",
            "PlaatsingInvoer",
            start("2024-05-01"),
            Some("pa\0"),
            None,
            "ONGELDIG_TEKEN",
        ),
        (
            "beeindigPlaatsing",
            "PlaatsingBeeindigdInvoer",
            einde("a\0b"),
            Some("pa"),
            None,
            "ONGELDIG_TEKEN",
        ),
        (
            "beeindigPlaatsing",
            "PlaatsingBeeindigdInvoer",
            einde(&"x".repeat(2_001)),
            Some("pa"),
            None,
            "TE_LANG",
        ),
        (
            "registreerAanbieder",
            "AanbiederInvoer",
            json!({"id": "A".repeat(65), "naam": "x"}),
            None,
            None,
            "TE_LANG",
        ),
        (
            "registreerJeugdige",
            "JeugdigeInvoer",
            jeugdige("BSN999999990"),
            None,
            None,
            "BSN_VERBODEN",
        ),
        (
            "registreerJeugdige",
            "JeugdigeInvoer",
            jeugdige("0999999990"),
            None,
            None,
            "BSN_VERBODEN",
        ),
        (
            "startPlaatsing",
            "PlaatsingInvoer",
            start("2024-05-01"),
            Some("bsn111222333"),
            None,
            "BSN_VERBODEN",
        ),
        // With an expected version the stream is still checked first (a CONFLICT would
        // name it).
        (
            "startPlaatsing",
            "PlaatsingInvoer",
            start("2024-05-01"),
            Some("0111222333"),
            Some(7),
            "BSN_VERBODEN",
        ),
        (
            "beeindigPlaatsing",
            "PlaatsingBeeindigdInvoer",
            einde("verhuisd, bsn 1234.56.782"),
            Some("pa"),
            None,
            "BSN_VERBODEN",
        ),
    ];
    for (i, (veld, ty, invoer, ps, verwacht, reden)) in gevallen.into_iter().enumerate() {
        let r = feit(
            &s,
            t,
            veld,
            ty,
            invoer,
            ps,
            &format!("slecht-{i}"),
            verwacht,
        )
        .await;
        assert_eq!(code(&r), Some("INVALID_EVENT"), "{veld} ({reden}): {r}");
        assert_eq!(afwijzing_reden(&r), reden, "{veld}: {r}");
        let tekst = r.to_string();
        for bsn in ["999999990", "111222333", "123456782", "1234.56.782"] {
            assert!(!tekst.contains(bsn), "the reply repeats the value: {tekst}");
        }
        assert!(
            tekst.len() < 2_000,
            "the reply repeats the value: {} bytes",
            tekst.len()
        );
        assert_eq!(s.head().await, before, "{veld} ({reden}) wrote something");
    }
    // The idempotency key is stored too: BAD_REQUEST.
    for key in ["nul\0sleutel", "bsn-123456782", &"k".repeat(201)] {
        let r = registreer_aanbieder(&s, t, json!({"id":"Q","naam":"q"}), key).await;
        assert_eq!(code(&r), Some("BAD_REQUEST"), "{r}");
        assert!(!r.to_string().contains("123456782"), "{r}");
    }
    // What only the store checks (a NUL in `recorded_by`): BAD_REQUEST, not INTERNAL.
    let r = registreer_aanbieder(&s, &nul_token, json!({"id":"NUL","naam":"x"}), "nul-token").await;
    assert_eq!(code(&r), Some("BAD_REQUEST"), "{r}");
    assert_eq!(s.head().await, before);
    assert_eq!(
        s.api.rebuilds().await,
        herbouwd,
        "refused input made the write side fold the log again"
    );
    // The write side still works, and a free text at the limit is fine.
    let r = feit(
        &s,
        t,
        "sluitPlaatsen",
        "PlaatsenGeslotenInvoer",
        json!({"voorziening":"F1","datum":"2024-12-01","aantal":1,"reden":"x".repeat(2_000)}),
        None,
        "goed-na-slecht",
        None,
    )
    .await;
    ok(&r);
    assert_eq!(s.head().await, before + 1);
    assert_eq!(s.api.rebuilds().await, herbouwd);
    s.stop().await;
}

async fn idempotent_retry_writes_once(o: &Omgeving) {
    let s = o.start_met_werkvoorbeeld().await;
    let t = o.token(Rol::Registrar);
    let invoer = json!({"id":"IDEM","naam":"Idem"});
    let r1 = registreer_aanbieder(&s, t, invoer.clone(), "idem-1").await;
    let head = s.head().await;
    let r2 = registreer_aanbieder(&s, t, invoer.clone(), "idem-1").await;
    let (a, b) = (
        &ok(&r1)["registreerAanbieder"],
        &ok(&r2)["registreerAanbieder"],
    );
    assert_eq!(a["eventId"], b["eventId"]);
    assert_eq!(a["positie"], b["positie"]);
    assert_eq!(a["duplicaat"], false);
    assert_eq!(b["duplicaat"], true);
    assert_eq!(s.head().await, head, "the retry wrote nothing");
    // Concurrent retries of a youth fact: one write.
    let futs = (0..8).map(|_| {
        feit(&s, t, "geefMachtigingAf", "MachtigingInvoer", json!({"machtiging":"C-MGJ","soort":"MGJ","geldigVan":"2024-03-01","geldigTot":"2025-02-28","aangevraagdDoor":"GI"}), Some("pc"), "idem-2", None)
    });
    let rs = futures::future::join_all(futs).await;
    let ids = event_ids(&rs, "geefMachtigingAf");
    assert_eq!(ids.len(), 1);
    assert_eq!(s.head().await, head + 1);
    // The same key on a fresh server (restart) still answers with the first result.
    s.stop().await;
    let s = o.start().await;
    let r3 = registreer_aanbieder(&s, t, invoer, "idem-1").await;
    assert_eq!(ok(&r3)["registreerAanbieder"]["eventId"], a["eventId"]);
    assert_eq!(s.head().await, head + 1);
    s.stop().await;
}

/// An idempotency key used again for another fact is CONFLICT and writes nothing (before:
/// the first fact's result came back as if this one had been written); the same fact
/// again is the first result, also racing, also after a restart. Keys are scoped per token:
/// another token's same key is its own.
async fn idempotency_key_reused_for_another_fact_is_conflict(o: &Omgeving) {
    let s = o.start().await;
    let (t, admin) = (o.token(Rol::Registrar), o.token(Rol::Admin));
    let aanbieder = |id: &str, naam: &str| json!({"id": id, "naam": naam});
    let r = registreer_aanbieder(&s, t, aanbieder("K-1", "Eerste"), "sleutel").await;
    let eerste = ok(&r)["registreerAanbieder"].clone();
    assert_eq!(eerste["duplicaat"], false);
    let head = s.head().await;
    let anders = [aanbieder("K-1", "Andere naam"), aanbieder("K-2", "Eerste")];
    for invoer in &anders {
        let r = registreer_aanbieder(&s, t, invoer.clone(), "sleutel").await;
        assert_eq!(code(&r), Some("CONFLICT"), "{invoer}: {r}");
    }
    let r = feit(
        &s,
        t,
        "registreerLandsdeel",
        "LandsdeelInvoer",
        json!({"code":"NOORD","naam":"Noord"}),
        None,
        "sleutel",
        None,
    )
    .await;
    assert_eq!(code(&r), Some("CONFLICT"), "another type: {r}");
    assert_eq!(s.head().await, head, "a reused key wrote nothing");
    let r = registreer_aanbieder(&s, t, aanbieder("K-1", "Eerste"), "sleutel").await;
    let weer = &ok(&r)["registreerAanbieder"];
    assert_eq!(weer["duplicaat"], true);
    assert_eq!(weer["eventId"], eerste["eventId"]);
    // Another token's key is its own (and cannot see the registrar's).
    let r = registreer_aanbieder(&s, admin, aanbieder("K-3", "Derde"), "sleutel").await;
    assert_eq!(ok(&r)["registreerAanbieder"]["duplicaat"], false);
    // Two facts racing under one key: one is written, the other is CONFLICT.
    let (x, y) = futures::future::join(
        registreer_aanbieder(&s, t, aanbieder("K-4", "x"), "race"),
        registreer_aanbieder(&s, t, aanbieder("K-5", "y"), "race"),
    )
    .await;
    let geschreven = [&x, &y]
        .iter()
        .filter(|r| r.get("errors").is_none())
        .count();
    let conflict = [&x, &y]
        .iter()
        .filter(|r| code(r) == Some("CONFLICT"))
        .count();
    assert_eq!((geschreven, conflict), (1, 1), "{x} {y}");
    let head = s.head().await;
    // After a restart the keys come from the log: the same answers.
    s.stop().await;
    let s = o.start().await;
    let r = registreer_aanbieder(&s, t, aanbieder("K-1", "Andere naam"), "sleutel").await;
    assert_eq!(code(&r), Some("CONFLICT"), "{r}");
    let r = registreer_aanbieder(&s, t, aanbieder("K-1", "Eerste"), "sleutel").await;
    assert_eq!(ok(&r)["registreerAanbieder"]["eventId"], eerste["eventId"]);
    assert_eq!(s.head().await, head);
    // The store keeps the key under the token's id.
    let e = s.store.read_stream("aanbieder-K-1", 1).await.unwrap();
    let k = e[0].idempotency_key.as_deref().unwrap();
    assert!(
        k.ends_with(":sleutel") && k.len() > "sleutel".len() + 1,
        "{k}"
    );
    s.stop().await;
}

async fn concurrent_writes_same_expected_version_conflict(o: &Omgeving) {
    let s = o.start_met_werkvoorbeeld().await;
    let t = o.token(Rol::Registrar);
    let r = s
        .gql_plain(
            Some(o.token(Rol::Evaluator)),
            "{ historie(pseudoniem: \"pc\") { feiten { gebeurtenis { streamVersie } } } }",
        )
        .await;
    let versie = ok(&r)["historie"]["feiten"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()["gebeurtenis"]["streamVersie"]
        .as_i64()
        .unwrap();
    let m = |n: &str| json!({"machtiging": n, "soort": "MGJ", "geldigVan": "2024-03-01", "geldigTot": "2025-02-28", "aangevraagdDoor": "GI"});
    let before = s.head().await;
    let (r1, r2) = tokio::join!(
        geef_machtiging_af(&s, t, "pc", m("C1"), "conf-1", versie),
        geef_machtiging_af(&s, t, "pc", m("C2"), "conf-2", versie),
    );
    let codes = [code(&r1), code(&r2)];
    assert_eq!(codes.iter().filter(|c| c.is_none()).count(), 1, "{r1} {r2}");
    assert_eq!(
        codes.iter().filter(|c| **c == Some("CONFLICT")).count(),
        1,
        "{r1} {r2}"
    );
    assert_eq!(s.head().await, before + 1);
    // A stale version alone is a conflict too, and writes nothing.
    let r = geef_machtiging_af(&s, t, "pc", m("C3"), "conf-3", versie).await;
    assert_eq!(code(&r), Some("CONFLICT"));
    assert_eq!(s.head().await, before + 1);
    s.stop().await;
}

/// Many clients at once, each recording a youth's registration, plaatsing and its end one
/// after the other: every acknowledged fact is in the log (read back after a restart) at
/// the position its reply named, each youth's facts in the order they were sent.
async fn concurrent_mutations_are_durable_and_in_order(o: &Omgeving) {
    let s = o.start_met_werkvoorbeeld().await;
    let t = o.token(Rol::Registrar);
    let before = s.head().await;
    let clients = (0..16).map(|c| {
        let s = &s;
        async move {
            let p = format!("ord{c}");
            let mut replies = Vec::new();
            let r = feit(s, t, "registreerJeugdige", "JeugdigeInvoer", json!({"pseudoniem": p, "geboortejaar": 2008, "geslacht": "MAN", "woongemeente": "GM0599", "datum": "2024-01-01"}), None, &format!("ord-{c}-0"), None).await;
            replies.push(ok(&r)["registreerJeugdige"].clone());
            let r = feit(s, t, "startPlaatsing", "PlaatsingInvoer", json!({"voorziening": "F2", "datum": "2024-06-01", "spoed": false, "crisis": false, "verblijfVoor": "THUIS"}), Some(&p), &format!("ord-{c}-1"), None).await;
            replies.push(ok(&r)["startPlaatsing"].clone());
            let r = feit(s, t, "beeindigPlaatsing", "PlaatsingBeeindigdInvoer", json!({"voorziening": "F2", "datum": "2024-07-01", "bestemming": "THUIS", "reden": "klaar", "redenBeeindiging": "VOLGENS_PLAN"}), Some(&p), &format!("ord-{c}-2"), None).await;
            replies.push(ok(&r)["beeindigPlaatsing"].clone());
            (p, replies)
        }
    });
    let alle = futures::future::join_all(clients).await;
    assert_eq!(s.head().await, before + 48);
    let posities: std::collections::HashSet<i64> = alle
        .iter()
        .flat_map(|(_, rs)| rs.iter().map(|r| r["positie"].as_i64().unwrap()))
        .collect();
    assert_eq!(posities.len(), 48, "every fact its own position");
    // The fourth and later placements in F2 (4 places) overfill it: a signal, not a rejection.
    assert!(
        alle.iter()
            .any(|(_, rs)| rs[1]["signalen"].as_array().is_some_and(|a| !a.is_empty())),
        "no overbezetting signal among {alle:?}"
    );
    s.stop().await;
    let store = kringloop_store::open(&o.url).await.unwrap();
    for (p, replies) in &alle {
        let stroom = store
            .read_stream(&format!("jeugdige-{p}"), 1)
            .await
            .unwrap();
        assert_eq!(stroom.len(), 3, "{p}");
        for (i, (e, r)) in stroom.iter().zip(replies).enumerate() {
            assert_eq!(Some(e.event_id.to_string().as_str()), r["eventId"].as_str());
            assert_eq!(Some(e.position), r["positie"].as_i64());
            assert_eq!(e.stream_version, i as i64 + 1);
        }
        assert_eq!(stroom[0].event_type, "JeugdigeGeregistreerd");
        assert_eq!(stroom[2].event_type, "PlaatsingBeeindigd");
    }
    assert!(store.verify().await.unwrap().failure.is_none());
    store.close().await.unwrap();
}

/// Facts sent at once end up in one batch of the writer; a rejected one and a stale
/// expected version among them fail alone, the others are written.
async fn one_rejected_fact_in_a_batch_leaves_the_others_written(o: &Omgeving) {
    let s = o.start_met_werkvoorbeeld().await;
    let t = o.token(Rol::Registrar);
    let before = s.head().await;
    let keys: Vec<String> = (0..12).map(|i| format!("batch-{i}")).collect();
    let mut futs: Vec<std::pin::Pin<Box<dyn Future<Output = Value> + Send + '_>>> = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        if i == 5 {
            futs.push(Box::pin(feit(
                &s,
                t,
                "openPlaatsen",
                "PlaatsenGeopendInvoer",
                json!({"voorziening": "FX", "datum": "2024-01-01", "aantal": 3}),
                None,
                "batch-fout",
                None,
            )));
            futs.push(Box::pin(feit(
                &s,
                t,
                "registreerAanbieder",
                "AanbiederInvoer",
                json!({"id": "BATCH-X", "naam": "x"}),
                None,
                "batch-versie",
                Some(5),
            )));
        }
        futs.push(Box::pin(feit(
            &s,
            t,
            "registreerAanbieder",
            "AanbiederInvoer",
            json!({"id": format!("BATCH-{i}"), "naam": "x"}),
            None,
            key,
            None,
        )));
    }
    let rs = futures::future::join_all(futs).await;
    let (fout, versie) = (&rs[5], &rs[6]);
    assert_eq!(code(fout), Some("INVALID_EVENT"), "{fout}");
    assert_eq!(afwijzing_reden(fout), "ONBEKENDE_VOORZIENING", "{fout}");
    assert_eq!(code(versie), Some("CONFLICT"), "{versie}");
    for (i, r) in rs.iter().enumerate().filter(|(i, _)| *i != 5 && *i != 6) {
        assert_eq!(ok(r)["registreerAanbieder"]["duplicaat"], false, "{i}: {r}");
    }
    assert_eq!(s.head().await, before + 12);
    let r = s
        .gql_plain(Some(o.token(Rol::Admin)), "{ aanbieders { id } }")
        .await;
    let ids: Vec<&str> = ok(&r)["aanbieders"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert!(
        (0..12).all(|i| ids.contains(&format!("BATCH-{i}").as_str())),
        "{ids:?}"
    );
    assert!(!ids.contains(&"BATCH-X"));
    s.stop().await;
}

/// Every key sent twice at the same moment (a retry racing its first attempt, in one
/// batch or two): one write per key, both replies name it, exactly one is not a duplicate.
async fn racing_retries_write_once(o: &Omgeving) {
    let s = o.start_met_werkvoorbeeld().await;
    let t = o.token(Rol::Registrar);
    let before = s.head().await;
    let keys: Vec<String> = (0..16).map(|n| format!("race-{}", n % 8)).collect();
    let futs = keys.iter().enumerate().map(|(n, key)| {
        let i = n % 8;
        registreer_aanbieder(&s, t, json!({"id": format!("RACE-{i}"), "naam": "x"}), key)
    });
    let rs = futures::future::join_all(futs).await;
    for i in 0..8 {
        let (a, b) = (
            &ok(&rs[i])["registreerAanbieder"],
            &ok(&rs[i + 8])["registreerAanbieder"],
        );
        assert_eq!(a["eventId"], b["eventId"]);
        assert_eq!(a["positie"], b["positie"]);
        let nieuw = [a, b].iter().filter(|r| r["duplicaat"] == false).count();
        assert_eq!(nieuw, 1, "{a} {b}");
    }
    assert_eq!(s.head().await, before + 8);
    s.stop().await;
}

/// Two servers on one database write facts of the same youth at once (no expected
/// version): each server's check may be a moment behind the other's writes, so the writer
/// appends with the version it checked against and checks again on a conflict. Every fact
/// lands once, the stream stays dense, and both write sides agree with the log after.
async fn two_servers_write_one_youth_at_once(o: &Omgeving) {
    let a = o.start().await;
    werkvoorbeeld(&a, o.token(Rol::Registrar)).await;
    let b = o.start().await;
    let t = o.token(Rol::Registrar);
    let before = a.head().await;
    let keys: Vec<String> = (0..12).map(|i| format!("beide-{i}")).collect();
    let futs = keys.iter().enumerate().map(|(i, key)| {
        let srv = if i % 2 == 0 { &a } else { &b };
        feit(srv, t, "geefMachtigingAf", "MachtigingInvoer", json!({"machtiging": format!("M-{i}"), "soort": "MGJ", "geldigVan": "2024-03-01", "geldigTot": "2025-02-28", "aangevraagdDoor": "GI"}), Some("pc"), key, None)
    });
    let rs = futures::future::join_all(futs).await;
    let ids = event_ids(&rs, "geefMachtigingAf");
    assert_eq!(ids.len(), 12);
    assert_eq!(a.head().await, before + 12);
    let stroom = a.store.read_stream("jeugdige-pc", 1).await.unwrap();
    let versies: Vec<i64> = stroom.iter().map(|e| e.stream_version).collect();
    assert_eq!(versies, (1..=stroom.len() as i64).collect::<Vec<_>>());
    let geschreven: std::collections::HashSet<String> =
        stroom.iter().map(|e| e.event_id.to_string()).collect();
    assert!(ids.is_subset(&geschreven));
    let versie = stroom.len() as i64;
    let m = |n: &str| json!({"machtiging": n, "soort": "MGJ", "geldigVan": "2024-03-01", "geldigTot": "2025-02-28", "aangevraagdDoor": "GI"});
    let r = geef_machtiging_af(&b, t, "pc", m("M-oud"), "beide-oud", versie - 1).await;
    assert_eq!(code(&r), Some("CONFLICT"), "{r}");
    let r = geef_machtiging_af(&a, t, "pc", m("M-a"), "beide-a", versie).await;
    ok(&r);
    let r = geef_machtiging_af(&b, t, "pc", m("M-b"), "beide-b", versie + 1).await;
    ok(&r);
    assert_eq!(a.head().await, before + 14);
    assert!(a.store.verify().await.unwrap().failure.is_none());
    b.stop().await;
    a.stop().await;
}

async fn ws_connect(
    addr: std::net::SocketAddr,
    token: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
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

async fn next_json(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> Value {
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

async fn mutation_shows_up_in_kpis_and_subscriptions(o: &Omgeving) {
    let s = o.start_met_werkvoorbeeld().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = s.app.clone();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let mut ev = ws_connect(addr, o.token(Rol::Evaluator)).await;
    subscribe(&mut ev, "1", json!({"query": "subscription { gebeurtenissen(types: [\"PlaatsingGestart\"]) { type stroom positie } }"})).await;
    let mut kp = ws_connect(addr, o.token(Rol::Evaluator)).await;
    subscribe(&mut kp, "2", json!({"query": "subscription { kpiWijzigingen(periode: {jaar: 2024, kwartaal: 1}) { plaatsingen { exclusiefDoorplaatsingen { waarde } } } }"})).await;
    let eerste = next_json(&mut kp).await;
    assert_eq!(
        eerste["payload"]["data"]["kpiWijzigingen"]["plaatsingen"]["exclusiefDoorplaatsingen"]["waarde"],
        3,
        "{eerste}"
    );
    // The stuurgroep may not subscribe to events.
    let mut sg = ws_connect(addr, o.token(Rol::Stuurgroep)).await;
    subscribe(
        &mut sg,
        "3",
        json!({"query": "subscription { gebeurtenissen { type } }"}),
    )
    .await;
    let weigering = next_json(&mut sg).await;
    assert_eq!(
        weigering["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{weigering}"
    );

    let t = o.token(Rol::Registrar);
    ok(&feit(&s, t, "registreerJeugdige", "JeugdigeInvoer", json!({"pseudoniem":"pd","geboortejaar":2008,"geslacht":"MAN","woongemeente":"GM0599","datum":"2024-01-01"}), None, "sub-1", None).await);
    let r = feit(&s, t, "startPlaatsing", "PlaatsingInvoer", json!({"voorziening":"F2","datum":"2024-03-10","spoed":false,"crisis":false,"verblijfVoor":"THUIS"}), Some("pd"), "sub-2", None).await;
    let positie = ok(&r)["startPlaatsing"]["positie"].clone();
    // Read-your-writes: the KPI query right after the mutation includes it.
    let k = kpis(&s, o.token(Rol::Evaluator), q1(), None).await;
    assert_eq!(
        ok(&k)["kpis"]["plaatsingen"]["exclusiefDoorplaatsingen"]["waarde"],
        4
    );

    // The event subscription may have started before the runner broadcast the worked
    // example's events (it catches up in the background); those come first, in order.
    let m = loop {
        let m = next_json(&mut ev).await;
        assert_eq!(m["type"], "next", "{m}");
        let p = m["payload"]["data"]["gebeurtenissen"]["positie"].as_i64();
        if p < positie.as_i64() {
            continue;
        }
        break m;
    };
    assert_eq!(
        m["payload"]["data"]["gebeurtenissen"]["type"],
        "PlaatsingGestart"
    );
    assert_eq!(
        m["payload"]["data"]["gebeurtenissen"]["stroom"],
        "jeugdige-pd"
    );
    assert_eq!(m["payload"]["data"]["gebeurtenissen"]["positie"], positie);
    let m = next_json(&mut kp).await;
    assert_eq!(
        m["payload"]["data"]["kpiWijzigingen"]["plaatsingen"]["exclusiefDoorplaatsingen"]["waarde"],
        4,
        "{m}"
    );
    server.abort();
    s.stop().await;
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Sends a graphql-transport-ws `subscribe` message with `id` and `payload`.
async fn subscribe(ws: &mut Ws, id: &str, payload: Value) {
    ws.send(
        json!({"id": id, "type": "subscribe", "payload": payload})
            .to_string()
            .into(),
    )
    .await
    .unwrap();
}

/// Reads a connection until the server ends it; `Err` when it is still open at `tot`.
/// Returns the close code (if any) and the positions of the events read meanwhile.
async fn einde_van(
    ws: &mut Ws,
    tot: tokio::time::Instant,
) -> Result<(Option<u16>, Vec<i64>), Vec<i64>> {
    use tokio_tungstenite::tungstenite::Message;
    let mut posities = Vec::new();
    loop {
        match tokio::time::timeout_at(tot, ws.next()).await {
            Err(_) => return Err(posities),
            Ok(None | Some(Err(_))) => return Ok((None, posities)),
            Ok(Some(Ok(Message::Close(frame)))) => {
                return Ok((frame.map(|f| u16::from(f.code)), posities));
            }
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(&t).unwrap();
                if let Some(p) = v["payload"]["data"]["gebeurtenissen"]["positie"].as_i64() {
                    posities.push(p);
                }
            }
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// Waits for the next event of subscription `id` on a connection.
async fn volgend_event(ws: &mut Ws, id: &str) -> Value {
    loop {
        let m = next_json(ws).await;
        if m["id"] == id && m["type"] == "next" {
            return m;
        }
        assert_ne!(m["type"], "error", "{m}");
    }
}

/// Revoking a token ends its open subscriptions within a second, while events keep being
/// appended and a live token's subscription keeps receiving them: revoked through the API
/// (`trekTokenIn`) and by another process writing the token file (`kringloop token
/// revoke`). Before, an evaluator's WebSocket kept delivering person-level events.
async fn revoking_a_token_ends_its_subscriptions(o: &Omgeving) {
    let s = o.start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = s.app.clone();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    // A second handle on the token file, as `kringloop token` in another process has.
    let bestand = Tokens::new(o.tokenpad());
    let (via_api, via_api_secret) = bestand.create(Rol::Evaluator, "intrekken-api").unwrap();
    let (via_cli, via_cli_secret) = bestand.create(Rol::Evaluator, "intrekken-cli").unwrap();

    let alle = json!({"query": "subscription { gebeurtenissen { type positie } }"});
    let mut a = ws_connect(addr, &via_api_secret).await;
    subscribe(&mut a, "1", alle.clone()).await;
    subscribe(&mut a, "2", json!({"query": "subscription { kpiWijzigingen(periode: {jaar: 2024}) { meta { positie } } }"})).await;
    let mut b = ws_connect(addr, &via_cli_secret).await;
    subscribe(&mut b, "1", alle.clone()).await;
    let mut c = ws_connect(addr, o.token(Rol::Admin)).await;
    subscribe(&mut c, "1", alle.clone()).await;
    tokio::time::sleep(Duration::from_millis(100)).await;

    // A registrar keeps appending facts until the end of the test.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let schrijver = {
        let (app, stop, t) = (
            s.app.clone(),
            Arc::clone(&stop),
            o.token(Rol::Registrar).to_owned(),
        );
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let body = json!({
                    "query": "mutation($i: AanbiederInvoer!, $k: String!) { registreerAanbieder(invoer: $i, idempotencyKey: $k) { positie } }",
                    "variables": {"i": {"id": format!("AB-{n}"), "naam": "x"}, "k": format!("intrekken-{n}")},
                })
                .to_string();
                let req = Request::post("/graphql")
                    .header("content-type", "application/json")
                    .header("authorization", format!("Bearer {t}"))
                    .body(Body::from(body))
                    .unwrap();
                let r = app.clone().oneshot(req).await.unwrap();
                assert_eq!(r.status(), StatusCode::OK);
                n += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            n
        })
    };
    for ws in [&mut a, &mut b, &mut c] {
        volgend_event(ws, "1").await;
    }

    // Through the API: the connection is closed within a second.
    let r = s
        .gql(
            Some(o.token(Rol::Admin)),
            "mutation($id: String!) { trekTokenIn(id: $id) }",
            json!({"id": via_api.id}),
        )
        .await;
    assert_eq!(ok(&r)["trekTokenIn"], true);
    // Everything after this position was appended after the revocation.
    let head = s.head().await;
    let tot = tokio::time::Instant::now() + Duration::from_secs(1);
    let (code, posities) = einde_van(&mut a, tot).await.unwrap_or_else(|p| {
        panic!("still open 1 s after trekTokenIn; events read meanwhile: {p:?}")
    });
    assert_eq!(code, Some(4403), "closed as forbidden");
    assert!(
        posities.iter().all(|&p| p <= head),
        "events appended after the revocation were delivered: {posities:?} (head {head})"
    );

    // By another process: the server notices the changed token file.
    bestand.revoke(&via_cli.id).unwrap();
    let tot = tokio::time::Instant::now() + Duration::from_secs(1);
    let (code, _) = einde_van(&mut b, tot).await.unwrap_or_else(|p| {
        panic!("still open 1 s after `kringloop token revoke`; events read meanwhile: {p:?}")
    });
    assert_eq!(code, Some(4403));

    // Events kept being appended, and the live token still receives them.
    // (next_json fails when nothing arrives for 10 s)
    while volgend_event(&mut c, "1").await["payload"]["data"]["gebeurtenissen"]["positie"]
        .as_i64()
        .unwrap()
        <= head
    {}
    assert!(s.head().await > head, "writes went on");
    // A new connection with a revoked token gets nothing.
    let mut d = ws_connect(addr, &via_api_secret).await;
    subscribe(&mut d, "1", alle.clone()).await;
    let m = next_json(&mut d).await;
    assert_eq!(
        m["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{m}"
    );

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(schrijver.await.unwrap() > 0);
    server.abort();
    s.stop().await;
}

async fn as_known_at_and_diff(o: &Omgeving) {
    let s = o.start().await;
    let ids = werkvoorbeeld(&s, o.token(Rol::Registrar)).await;
    let t = o.token(Rol::Registrar);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let k1 = Utc::now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    // A late registration: youth D placed in Q1, recorded now.
    ok(&feit(&s, t, "registreerJeugdige", "JeugdigeInvoer", json!({"pseudoniem":"pd","geboortejaar":2008,"geslacht":"MAN","woongemeente":"GM0599","datum":"2024-01-01"}), None, "laat-1", None).await);
    ok(&feit(&s, t, "geefMachtigingAf", "MachtigingInvoer", json!({"machtiging":"D-MGJ","soort":"MGJ","geldigVan":"2024-03-01","geldigTot":"2025-02-28","aangevraagdDoor":"GI"}), Some("pd"), "laat-2", None).await);
    let late = feit(&s, t, "startPlaatsing", "PlaatsingInvoer", json!({"voorziening":"F1","datum":"2024-03-10","spoed":false,"crisis":false,"verblijfVoor":"THUIS"}), Some("pd"), "laat-3", None).await;
    let late_pos = ok(&late)["startPlaatsing"]["positie"].as_i64().unwrap();
    // A correction: B left on 2 April, not 20 March (so not in Q1).
    let q = "mutation($id: UUID!, $k: String!) { corrigeerFeit(eventId: $id, nieuw: {plaatsingBeeindigd: {voorziening: \"F1\", datum: \"2024-04-02\", bestemming: JJI, reden: \"strafrechtelijk\"}}, reden: \"verkeerde datum\", idempotencyKey: $k) { positie stroom } }";
    let c = s
        .gql(Some(t), q, json!({"id": ids["b_eind"], "k": "corr-1"}))
        .await;
    let corr_pos = ok(&c)["corrigeerFeit"]["positie"].as_i64().unwrap();
    assert_eq!(ok(&c)["corrigeerFeit"]["stroom"], "jeugdige-pb");

    let ev = o.token(Rol::Evaluator);
    let toen = kpis(&s, ev, q1(), Some(k1.to_rfc3339())).await;
    let nu = kpis(&s, ev, q1(), None).await;
    let (toen, nu) = (&ok(&toen)["kpis"], &ok(&nu)["kpis"]);
    assert_eq!(toen["plaatsingen"]["exclusiefDoorplaatsingen"]["waarde"], 3);
    assert_eq!(toen["stroomEpisodes"]["uitstroom"]["waarde"], 1);
    assert_eq!(nu["plaatsingen"]["exclusiefDoorplaatsingen"]["waarde"], 4);
    assert_eq!(nu["stroomEpisodes"]["uitstroom"]["waarde"], 0);

    let q = "query($k1: DateTime!, $k2: DateTime!) { diff(periode: {jaar: 2024, kwartaal: 1}, k1: $k1, k2: $k2) { voor { plaatsingen { exclusiefDoorplaatsingen { waarde } } } na { plaatsingen { exclusiefDoorplaatsingen { waarde } } } gebeurtenissen { positie type stroom } } }";
    let d = s
        .gql(
            Some(ev),
            q,
            json!({"k1": k1.to_rfc3339(), "k2": Utc::now().to_rfc3339()}),
        )
        .await;
    let d = &ok(&d)["diff"];
    assert_eq!(
        d["voor"]["plaatsingen"]["exclusiefDoorplaatsingen"]["waarde"],
        3
    );
    assert_eq!(
        d["na"]["plaatsingen"]["exclusiefDoorplaatsingen"]["waarde"],
        4
    );
    let pos: Vec<i64> = d["gebeurtenissen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["positie"].as_i64().unwrap())
        .collect();
    assert!(
        pos.contains(&late_pos),
        "the late registration explains the difference: {d}"
    );
    assert!(
        pos.contains(&corr_pos),
        "the correction explains the difference: {d}"
    );

    // The history shows the correction next to the original.
    let h = s.gql_plain(Some(ev), "{ historie(pseudoniem: \"pb\") { feiten { gebeurtenis { eventId type geregistreerdDoor bron } betreft gecorrigeerdDoor { positie reden geregistreerdDoor } } } }").await;
    let feiten = ok(&h)["historie"]["feiten"].as_array().unwrap().clone();
    let origineel = feiten
        .iter()
        .find(|f| f["gebeurtenis"]["eventId"] == ids["b_eind"])
        .unwrap();
    assert_eq!(origineel["gecorrigeerdDoor"][0]["positie"], corr_pos);
    assert_eq!(origineel["gecorrigeerdDoor"][0]["reden"], "verkeerde datum");
    assert_eq!(origineel["gebeurtenis"]["bron"], "api");
    assert!(
        origineel["gebeurtenis"]["geregistreerdDoor"]
            .as_str()
            .unwrap()
            .contains("registrar")
    );
    s.stop().await;
}

/// The KPIs of three periods as evaluator and stuurgroep, without their `meta`.
async fn kpis_zonder_meta(o: &Omgeving, s: &Server) -> Vec<Value> {
    let mut uit = Vec::new();
    for p in [
        q1(),
        json!({"jaar": 2024, "kwartaal": 2}),
        json!({"jaar": 2024}),
    ] {
        for rol in [Rol::Evaluator, Rol::Stuurgroep] {
            let mut r = kpis(s, o.token(rol), p.clone(), None).await;
            r["data"]["kpis"]["meta"] = Value::Null;
            uit.push(r);
        }
    }
    uit
}

async fn restart_returns_the_same_kpis(o: &Omgeving) {
    let s = o.start_met_werkvoorbeeld().await;
    let voor = kpis_zonder_meta(o, &s).await;
    s.stop().await;
    let s = o.start().await;
    let na = kpis_zonder_meta(o, &s).await;
    assert_eq!(voor, na);
    // The write side was folded again too: a duplicate registration is still refused.
    let r = registreer_aanbieder(
        &s,
        o.token(Rol::Registrar),
        json!({"id":"HZN","naam":"Horizon"}),
        "na-herstart",
    )
    .await;
    assert_eq!(afwijzing_reden(&r), "AL_GEREGISTREERD");
    let r = s
        .gql_plain(
            Some(o.token(Rol::Admin)),
            "{ keten { intact } projectie { achterstand } }",
        )
        .await;
    assert_eq!(ok(&r)["keten"]["intact"], true);
    s.stop().await;
}

/// POSTs `body` to `/graphql` with its Content-Length announced, asserts 413 and returns
/// the response.
async fn post_too_large_with_length(s: &Server, body: String) -> axum::response::Response {
    let r = s
        .app
        .clone()
        .oneshot(
            Request::post("/graphql")
                .header("content-type", "application/json")
                .header("content-length", body.len())
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    r
}

async fn limits_health_and_graphiql(o: &Omgeving) {
    let s = o.start().await;
    let get = |uri: &str| Request::get(uri).body(Body::empty()).unwrap();
    let r = s.app.clone().oneshot(get("/healthz")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = s.app.clone().oneshot(get("/readyz")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = s.app.clone().oneshot(get("/graphql")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&html).contains("graphiql"));
    // Body limit.
    let big =
        json!({"query": format!("{{ projectie {{ positie }} }} #{}", "x".repeat(2 * 1024 * 1024))})
            .to_string();
    post_too_large_with_length(&s, big).await;
    // Depth limit.
    let diep = "{ kpis(periode: {jaar: 2024}) { uitstroomNaarLichtereZorg { bestemmingen { cellen { waarde } } lichter { teller { waarde } } } } }";
    let r = s.gql_plain(Some(o.token(Rol::Admin)), diep).await;
    ok(&r);
    let te_diep = format!(
        "{{ ik {{ naam }} {} }}",
        "kpis(periode: {jaar: 2024}) { meta { filter { vorm } } }"
    );
    ok(&s.gql_plain(Some(o.token(Rol::Admin)), &te_diep).await);
    let r = s
        .gql_plain(Some(o.token(Rol::Admin)), "query { __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } } } }")
        .await;
    assert!(
        r.get("errors").is_some(),
        "a query deeper than the limit is refused: {r}"
    );
    // Introspection as GraphiQL does it works with a token (any role), and without one
    // is UNAUTHENTICATED like every field.
    let r = s
        .gql_plain(
            Some(o.token(Rol::Stuurgroep)),
            "{ __schema { queryType { name } } }",
        )
        .await;
    assert_eq!(ok(&r)["__schema"]["queryType"]["name"], "Query");
    s.stop().await;
}

/// A request to `/graphql` as raw parts: method, content type, body; the reply's
/// status, content type and body as JSON (a panic if it is not JSON).
async fn rauw(
    s: &Server,
    methode: &str,
    pad: &str,
    soort: Option<&str>,
    token: Option<&str>,
    body: Body,
) -> (StatusCode, String, Value) {
    let mut req = Request::builder().method(methode).uri(pad);
    if let Some(t) = soort {
        req = req.header("content-type", t);
    }
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let resp = s
        .app
        .clone()
        .oneshot(req.body(body).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let v = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "{methode} {pad}: {status}, not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, ct, v)
}

/// Every error in a reply carries a `code`; returns the first one's.
fn codes(v: &Value) -> Option<&str> {
    let errors = v["errors"].as_array()?;
    for e in errors {
        assert!(
            e["extensions"]["code"].is_string(),
            "an error without a code: {v}"
        );
    }
    code(v)
}

/// Every error reply is JSON with a `code` extension: GraphQL parse and validation errors
/// (before: no code), a malformed or oversized body, a wrong content type, a batch, a
/// method the route does not take, a failed WebSocket upgrade, the time limit (before:
/// plain text or an empty body), and introspection without a token (before: open).
async fn every_error_is_json_with_a_code(o: &Omgeving) {
    let s = o.start().await;
    let admin = o.token(Rol::Admin);
    // Inside the schema: parse and validation errors.
    for (q, vars) in [
        ("{ bestaatNiet }", json!({})),
        (
            "{ kpis(periode: {jaar: \"twee\"}) { meta { positie } } }",
            json!({}),
        ),
        (
            "{ kpis(periode: {jaar: 2024}, onbekend: 1) { meta { positie } } }",
            json!({}),
        ),
        ("{ kpis(periode: {jaar: 2024}) }", json!({})),
        (
            "query($j: Int!) { kpis(periode: {jaar: $j}) { meta { positie } } }",
            json!({"j": "x"}),
        ),
        (
            "query($j: Int!) { kpis(periode: {jaar: $j}) { meta { positie } } }",
            json!({}),
        ),
        (
            "{ kpis(periode: {jaar: 2024}) { meta { positie } }",
            json!({}),
        ),
        ("", json!({})),
        ("query A { ik { naam } } query B { ik { naam } }", json!({})),
        (
            "{ kpis(periode: {jaar: 2024}, peildatum: \"geen-datum\") { meta { positie } } }",
            json!({}),
        ),
        (
            "query($d: NaiveDate) { kpis(periode: {jaar: 2024}, peildatum: $d) { meta { positie } } }",
            json!({"d": "31-12-2024"}),
        ),
    ] {
        let r = s.gql(Some(admin), q, vars).await;
        assert_eq!(codes(&r), Some("BAD_REQUEST"), "{q}: {r}");
    }
    let r = s.gql_plain(None, "{ bestaatNiet }").await;
    assert!(codes(&r).is_some(), "{r}");

    // Introspection needs a token; `__typename` does not.
    for token in [None, Some("kl_onzin")] {
        for q in [
            "{ __schema { queryType { name } } }",
            "{ __type(name: \"Query\") { name } }",
            "query { ...F } fragment F on Query { __schema { types { name } } }",
        ] {
            let r = s.gql(token, q, json!({})).await;
            assert_eq!(codes(&r), Some("UNAUTHENTICATED"), "{q}: {r}");
            assert!(r["data"].is_null(), "{r}");
        }
    }
    assert_eq!(
        ok(&s.gql_plain(None, "{ __typename }").await)["__typename"],
        "Query"
    );
    let r = s
        .gql_plain(Some(admin), "{ __type(name: \"Query\") { name } }")
        .await;
    assert_eq!(ok(&r)["__type"]["name"], "Query");

    // Outside the schema: the body and the request itself.
    let json = Some("application/json");
    let geval =
        |status: StatusCode, soort: Option<&'static str>, body: &'static str| (status, soort, body);
    for (status, soort, body) in [
        geval(StatusCode::BAD_REQUEST, json, "{\"query\": "),
        geval(StatusCode::BAD_REQUEST, json, "not json"),
        geval(StatusCode::BAD_REQUEST, json, "42"),
        geval(StatusCode::BAD_REQUEST, json, "{\"query\": 5}"),
        geval(
            StatusCode::BAD_REQUEST,
            json,
            "{\"query\": \"{ ik { naam } }\", \"variables\": 7}",
        ),
        geval(
            StatusCode::BAD_REQUEST,
            json,
            "[{\"query\": \"{ ik { naam } }\"}]",
        ),
        geval(StatusCode::BAD_REQUEST, json, ""),
        geval(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Some("text/plain"),
            "{ ik { naam } }",
        ),
        geval(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Some("application/graphql"),
            "{ ik { naam } }",
        ),
        geval(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Some("multipart/form-data; boundary=x"),
            "--x--",
        ),
        geval(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
            "{\"query\": \"{ ik { naam } }\"}",
        ),
    ] {
        let (st, ct, v) = rauw(&s, "POST", "/graphql", soort, Some(admin), Body::from(body)).await;
        assert_eq!(st, status, "{soort:?} {body}: {v}");
        assert!(ct.starts_with("application/json"), "{ct}");
        assert_eq!(codes(&v), Some("BAD_REQUEST"), "{soort:?} {body}: {v}");
    }
    // `charset` and case do not matter.
    let (st, _, v) = rauw(
        &s,
        "POST",
        "/graphql",
        Some("Application/JSON; charset=utf-8"),
        Some(admin),
        Body::from(json!({"query": "{ ik { naam } }"}).to_string()),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    ok(&v);
    // Over the size limit, announced by Content-Length or not (chunked).
    let groot = json!({"query": format!("{{ ik {{ naam }} }} #{}", "x".repeat(2 * 1024 * 1024))})
        .to_string();
    let stukken: Vec<Result<String, std::io::Error>> = groot
        .as_bytes()
        .chunks(64 * 1024)
        .map(|c| Ok(String::from_utf8_lossy(c).into_owned()))
        .collect();
    let (st, _, v) = rauw(
        &s,
        "POST",
        "/graphql",
        json,
        Some(admin),
        Body::from_stream(futures::stream::iter(stukken)),
    )
    .await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert_eq!(codes(&v), Some("BAD_REQUEST"), "{v}");
    let r = post_too_large_with_length(&s, groot).await;
    let v: Value = serde_json::from_slice(
        &axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(codes(&v), Some("BAD_REQUEST"), "{v}");
    // A method the route does not take, a WebSocket request that is not an upgrade.
    let (st, _, v) = rauw(&s, "PUT", "/graphql", json, Some(admin), Body::from("{}")).await;
    assert_eq!(st, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(codes(&v), Some("BAD_REQUEST"), "{v}");
    let (st, _, v) = rauw(&s, "GET", "/graphql/ws", None, None, Body::empty()).await;
    assert!(st.is_client_error(), "{st}");
    assert_eq!(codes(&v), Some("BAD_REQUEST"), "{v}");
    s.stop().await;

    // The time limit (a chain walk slower than it): 408 with OVERLOADED, not an empty body.
    let s = o
        .start_met(
            ApiConfig {
                timeout: Duration::from_millis(50),
                ..ApiConfig::default()
            },
            |s| Beurten::om(s, Duration::from_millis(500)),
        )
        .await;
    let (st, _, v) = rauw(
        &s,
        "POST",
        "/graphql",
        json,
        Some(admin),
        Body::from(json!({"query": "{ keten { intact } }"}).to_string()),
    )
    .await;
    assert_eq!(st, StatusCode::REQUEST_TIMEOUT, "{v}");
    assert_eq!(codes(&v), Some("OVERLOADED"), "{v}");
    s.stop().await;
}

/// `n` aliases of `veld` in one query.
fn aliassen(n: usize, veld: &str) -> String {
    let velden: Vec<String> = (0..n).map(|i| format!("a{i}: {veld}")).collect();
    format!("{{ {} }}", velden.join(" "))
}

/// A query over budget is refused before any of it runs, quickly and with BAD_REQUEST:
/// 600 aliased chain walks (before: 30 s and ~25 CPU-s until the time limit), 200 (before:
/// INTERNAL "pool timed out"), two (over the complexity budget: one walk is the most a
/// request may do), and 40 aliased event-log pages (no access-log entry is written).
async fn cost_limits_refuse_before_work(o: &Omgeving) {
    let s = o.start_met_werkvoorbeeld().await;
    let admin = o.token(Rol::Admin);
    let head = s.head().await;
    let begin = std::time::Instant::now();
    let r = s
        .gql(Some(admin), &aliassen(600, "keten { intact }"), json!({}))
        .await;
    let duur = begin.elapsed();
    eprintln!("600 aliased keten fields refused in {duur:?}");
    assert_eq!(codes(&r), Some("BAD_REQUEST"), "{r}");
    assert!(r["data"].is_null(), "{r}");
    assert!(duur < Duration::from_secs(1), "refused only after {duur:?}");
    let r = s
        .gql(Some(admin), &aliassen(200, "keten { intact }"), json!({}))
        .await;
    assert_ne!(codes(&r), Some("INTERNAL"), "{r}");
    assert_eq!(codes(&r), Some("BAD_REQUEST"), "{r}");
    // Within the number of root fields, the complexity budget.
    let r = s
        .gql(Some(admin), &aliassen(2, "keten { intact }"), json!({}))
        .await;
    assert_eq!(codes(&r), Some("BAD_REQUEST"), "{r}");
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("te zwaar"),
        "{r}"
    );
    let r = s
        .gql(
            Some(admin),
            &aliassen(20, "kpiReeks(granulariteit: KWARTAAL, van: \"2020-01-01\", tot: \"2025-01-01\") { meta { positie } }"),
            json!({}),
        )
        .await;
    assert_eq!(codes(&r), Some("BAD_REQUEST"), "{r}");
    assert_eq!(
        ok(&s.gql_plain(Some(admin), "{ keten { intact } }").await)["keten"]["intact"],
        true
    );
    // A person-level page per alias would each be logged: refused, nothing logged.
    let r = s
        .gql(
            Some(o.token(Rol::Evaluator)),
            &aliassen(
                40,
                "gebeurtenissen(eerste: 1000) { edges { node { positie } } }",
            ),
            json!({}),
        )
        .await;
    assert_eq!(codes(&r), Some("BAD_REQUEST"), "{r}");
    assert_eq!(s.head().await, head, "a refused query writes nothing");
    // What the dashboard asks fits: a series and a diff with many fields each.
    let r = s
        .gql(
            Some(admin),
            "{ a: kpiReeks(granulariteit: KWARTAAL, van: \"2023-01-01\", tot: \"2025-01-01\") { meta { positie } plaatsingen { exclusiefDoorplaatsingen { waarde } inclusiefDoorplaatsingen { waarde } } spoedmachtigingen { waarde } spoedaandeel { waarde } }
               b: kpiReeks(granulariteit: KWARTAAL, van: \"2023-01-01\", tot: \"2025-01-01\") { bezetting { graad { waarde } overbezet } }
               d: diff(periode: {jaar: 2024, kwartaal: 1}, k1: \"2024-04-15T00:00:00Z\", k2: \"2030-01-01T00:00:00Z\") { voor { spoedmachtigingen { waarde } } na { spoedmachtigingen { waarde } } gebeurtenissen { positie } }
               k: kpis(periode: {jaar: 2024}) { spoedmachtigingen { waarde } } }",
            json!({}),
        )
        .await;
    ok(&r);
    s.stop().await;
}

/// A store that counts how many reads of the API's resolvers (`verify`, `read_stream`,
/// `read_filtered`) run at once, and makes each take `pauze` longer.
struct Beurten {
    binnen: Arc<dyn EventStore>,
    pauze: Duration,
    nu: std::sync::atomic::AtomicUsize,
    hoogste: std::sync::atomic::AtomicUsize,
}

struct Bezet<'a>(&'a Beurten);

impl Drop for Bezet<'_> {
    fn drop(&mut self) {
        self.0.nu.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Beurten {
    fn om(binnen: Arc<dyn EventStore>, pauze: Duration) -> Arc<Beurten> {
        Arc::new(Beurten {
            binnen,
            pauze,
            nu: Default::default(),
            hoogste: Default::default(),
        })
    }

    async fn bezet(&self) -> Bezet<'_> {
        use std::sync::atomic::Ordering;
        let n = self.nu.fetch_add(1, Ordering::SeqCst) + 1;
        self.hoogste.fetch_max(n, Ordering::SeqCst);
        tokio::time::sleep(self.pauze).await;
        Bezet(self)
    }

    fn hoogste(&self) -> usize {
        self.hoogste.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl EventStore for Beurten {
    async fn append(
        &self,
        stream: &str,
        events: Vec<kringloop_events::NewEvent>,
        options: kringloop_store::AppendOptions,
    ) -> kringloop_store::Result<kringloop_store::AppendResult> {
        self.binnen.append(stream, events, options).await
    }
    async fn append_many(
        &self,
        appends: Vec<kringloop_store::StreamAppend>,
        options: kringloop_store::AppendOptions,
    ) -> kringloop_store::Result<Vec<kringloop_store::AppendResult>> {
        self.binnen.append_many(appends, options).await
    }
    async fn append_many_each(
        &self,
        sets: Vec<(
            Vec<kringloop_store::StreamAppend>,
            kringloop_store::AppendOptions,
        )>,
    ) -> Vec<kringloop_store::Result<Vec<kringloop_store::AppendResult>>> {
        self.binnen.append_many_each(sets).await
    }
    async fn read_stream(
        &self,
        s: &str,
        v: i64,
    ) -> kringloop_store::Result<Vec<kringloop_events::RecordedEvent>> {
        let _b = self.bezet().await;
        self.binnen.read_stream(s, v).await
    }
    async fn read_all(
        &self,
        a: i64,
        l: usize,
    ) -> kringloop_store::Result<Vec<kringloop_events::RecordedEvent>> {
        self.binnen.read_all(a, l).await
    }
    async fn read_for_fold(
        &self,
        a: i64,
        l: usize,
    ) -> kringloop_store::Result<kringloop_store::FoldPage> {
        self.binnen.read_for_fold(a, l).await
    }
    async fn read_filtered(
        &self,
        a: i64,
        l: usize,
        f: &kringloop_store::ReadFilter,
    ) -> kringloop_store::Result<Vec<kringloop_events::RecordedEvent>> {
        let _b = self.bezet().await;
        self.binnen.read_filtered(a, l, f).await
    }
    async fn stream_version(&self, s: &str) -> kringloop_store::Result<u64> {
        self.binnen.stream_version(s).await
    }
    async fn head_position(&self) -> kringloop_store::Result<i64> {
        self.binnen.head_position().await
    }
    async fn verify(&self) -> kringloop_store::Result<kringloop_store::VerifyReport> {
        let _b = self.bezet().await;
        self.binnen.verify().await
    }
    fn backend(&self) -> &'static str {
        self.binnen.backend()
    }
    async fn close(&self) -> kringloop_store::Result<()> {
        self.binnen.close().await
    }
}

/// Many heavy queries at once (chain walks, event-log pages, histories, and all three in
/// one request) are all answered, never INTERNAL, and never hold more than
/// `max_db_readers` store reads at once (before: one per field of every request, until the
/// pool ran dry: INTERNAL "pool timed out"). When a turn does not come in time the answer
/// is OVERLOADED.
async fn heavy_queries_at_once_never_exhaust_the_pool(o: &Omgeving) {
    let s = o.start_met_werkvoorbeeld().await;
    s.stop().await;
    let teller = Beurten::om(
        kringloop_store::open(&o.url).await.unwrap(),
        Duration::from_millis(20),
    );
    let t = Arc::clone(&teller);
    let s = o
        .start_met(ApiConfig::default(), move |_| t as Arc<dyn EventStore>)
        .await;
    let (admin, ev, cm) = (
        o.token(Rol::Admin),
        o.token(Rol::Evaluator),
        o.token(Rol::Contractmanager),
    );
    let vragen = [
        (admin, "{ keten { intact } }"),
        (
            ev,
            "{ gebeurtenissen(eerste: 1000) { edges { node { positie } } } }",
        ),
        (
            cm,
            "{ historie(voorziening: \"F1\") { feiten { gebeurtenis { type } } } }",
        ),
        (
            admin,
            "{ keten { intact } g: gebeurtenissen(eerste: 10) { edges { node { positie } } } h: historie(voorziening: \"F1\") { feiten { gebeurtenis { type } } } }",
        ),
    ];
    let futs = (0..40).map(|i| {
        let (token, q) = vragen[i % vragen.len()];
        s.gql_plain(Some(token), q)
    });
    for r in futures::future::join_all(futs).await {
        assert!(r.get("errors").is_none(), "{r}");
    }
    assert!(
        teller.hoogste() <= ApiConfig::default().max_db_readers,
        "{} store reads at once",
        teller.hoogste()
    );
    s.stop().await;

    // One turn and a short wait: who does not get it in time hears OVERLOADED.
    let teller = Beurten::om(
        kringloop_store::open(&o.url).await.unwrap(),
        Duration::from_millis(300),
    );
    let t = Arc::clone(&teller);
    let s = o
        .start_met(
            ApiConfig {
                max_db_readers: 1,
                db_wait: Duration::from_millis(50),
                ..ApiConfig::default()
            },
            move |_| t as Arc<dyn EventStore>,
        )
        .await;
    let futs = (0..6).map(|_| s.gql_plain(Some(admin), "{ keten { intact } }"));
    let rs = futures::future::join_all(futs).await;
    let beantwoord = rs.iter().filter(|r| r.get("errors").is_none()).count();
    let druk = rs.iter().filter(|r| codes(r) == Some("OVERLOADED")).count();
    assert_eq!(beantwoord + druk, rs.len(), "{rs:?}");
    assert!(beantwoord >= 1 && druk >= 1, "{rs:?}");
    assert_eq!(teller.hoogste(), 1);
    s.stop().await;
}

/// Two servers on one PostgreSQL database (as two processes would be: each its own pool,
/// runner and write side): a fact written through one shows up in the KPIs and the
/// subscription of the other within a second; concurrent writes through both keep the
/// log dense and the chain intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_servers_converge() {
    let Some(o) = Omgeving::postgres("two_servers_converge").await else {
        return;
    };
    let a = o.start().await;
    werkvoorbeeld(&a, o.token(Rol::Registrar)).await;
    let b = o.start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = b.app.clone();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let mut ws = ws_connect(addr, o.token(Rol::Evaluator)).await;
    subscribe(&mut ws, "1", json!({"query": "subscription { gebeurtenissen(types: [\"PlaatsingGestart\"]) { stroom } }"})).await;
    tokio::time::sleep(Duration::from_millis(100)).await;

    let t = o.token(Rol::Registrar);
    ok(&feit(&a, t, "registreerJeugdige", "JeugdigeInvoer", json!({"pseudoniem":"pd","geboortejaar":2008,"geslacht":"MAN","woongemeente":"GM0599","datum":"2024-01-01"}), None, "twee-1", None).await);
    let geschreven = std::time::Instant::now();
    ok(&feit(&a, t, "startPlaatsing", "PlaatsingInvoer", json!({"voorziening":"F2","datum":"2024-03-10","spoed":false,"crisis":false,"verblijfVoor":"THUIS"}), Some("pd"), "twee-2", None).await);
    let m = next_json(&mut ws).await;
    assert_eq!(
        m["payload"]["data"]["gebeurtenissen"]["stroom"], "jeugdige-pd",
        "{m}"
    );
    loop {
        let k = kpis(&b, o.token(Rol::Evaluator), q1(), None).await;
        if ok(&k)["kpis"]["plaatsingen"]["exclusiefDoorplaatsingen"]["waarde"] == 4 {
            break;
        }
        assert!(
            geschreven.elapsed() < Duration::from_secs(1),
            "server B did not see the fact within a second"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Concurrent writes through both servers.
    let before = a.head().await;
    let keys: Vec<(String, String)> = (0..20)
        .flat_map(|i| [("a", i), ("b", i)])
        .map(|(w, i)| (format!("twee-{w}-{i}"), format!("AB-{w}-{i}")))
        .collect();
    let futs = keys.iter().enumerate().map(|(n, (key, id))| {
        let srv = if n % 2 == 0 { &a } else { &b };
        feit(
            srv,
            t,
            "registreerAanbieder",
            "AanbiederInvoer",
            json!({"id": id, "naam": "x"}),
            None,
            key,
            None,
        )
    });
    for r in futures::future::join_all(futs).await {
        ok(&r);
    }
    assert_eq!(a.head().await, before + 40);
    let r = b
        .gql_plain(
            Some(o.token(Rol::Admin)),
            "{ keten { intact gecontroleerd kopPositie } }",
        )
        .await;
    assert_eq!(ok(&r)["keten"]["intact"], true, "{r}");
    assert_eq!(ok(&r)["keten"]["kopPositie"].as_i64(), Some(a.head().await));
    server.abort();
    b.stop().await;
    a.stop().await;
}

// ---------------------------------------------------------------------------------------

kringloop_tests::both_backends!(
    &Omgeving;
    worked_example_through_the_api,
    aggregate_roles_get_perturbed_counts,
    bezetting_per_through_the_api,
    an_unknown_code_in_a_filter_is_not_found,
    vraag_through_the_api,
    role_matrix,
    person_level_reads_are_logged,
    rejections_are_invalid_event_and_write_nothing,
    bad_input_is_refused_before_the_store_and_never_rebuilds,
    idempotent_retry_writes_once,
    idempotency_key_reused_for_another_fact_is_conflict,
    every_error_is_json_with_a_code,
    cost_limits_refuse_before_work,
    heavy_queries_at_once_never_exhaust_the_pool,
    concurrent_writes_same_expected_version_conflict,
    mutation_shows_up_in_kpis_and_subscriptions,
    revoking_a_token_ends_its_subscriptions,
    as_known_at_and_diff,
    restart_returns_the_same_kpis,
    limits_health_and_graphiql,
    concurrent_mutations_are_durable_and_in_order,
    one_rejected_fact_in_a_batch_leaves_the_others_written,
    racing_retries_write_once,
    two_servers_write_one_youth_at_once,
);
