//! The attack suite of the disclosure control (`docs/privacy.md`): an aggregate-role
//! (stuurgroep) token tries to recover small counts about persons over the HTTP API and
//! the dashboard's CSV downloads, by differencing over periods, the region hierarchy,
//! filters, related measures and knowledge times. Every derived value is compared with
//! the evaluator's exact figures. Under the cell-key method a derived value may be right
//! by chance, but no more often than the perturbation table's chance of zero noise, and
//! the same records always give the same answer (nothing to average away).
//!
//! A second test checks the other side: on the demo, for the stuurgroep, every headline
//! tile of the dashboard shows a value for every jeugdregio and landsdeel per quarter.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use kringloop_graphql::{ApiConfig, Rol};
use kringloop_projections::{KANS_ONVERANDERD, RecordKeys};
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// What one family of attacks achieved.
#[derive(Default, Debug)]
struct Uitslag {
    /// Derived values whose true value is a small count (1–4): the protected ones.
    klein: usize,
    /// Of those, derived exactly.
    klein_goed: usize,
    /// Every derived value with a non-zero true value.
    alle: usize,
    goed: usize,
}

struct Aanvaller {
    app: Router,
    sg: String,
    ev: String,
    vragen: usize,
    uitslagen: BTreeMap<&'static str, Uitslag>,
}

/// `a.b.c` → `a { b { c { waarde bescherming } } }`.
fn selectie(pad: &str) -> String {
    let delen: Vec<&str> = pad.split('.').collect();
    let mut s = "waarde bescherming".to_owned();
    for d in delen.iter().rev() {
        s = format!("{d} {{ {s} }}");
    }
    s
}

fn waarde_op(v: &Value, pad: &str) -> Value {
    let mut x = v;
    for d in pad.split('.') {
        x = &x[d];
    }
    x.clone()
}

/// The `data` of a GraphQL query over the HTTP API; an error fails the test.
async fn gql(app: &Router, token: &str, query: &str) -> Value {
    let body = json!({ "query": query }).to_string();
    let req = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(body))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    assert!(v.get("errors").is_none(), "{query}: {v}");
    v["data"].clone()
}

/// A total minus every part but one: what differencing derives for part `weg`.
fn alles_behalve(totaal: (i64, i64), delen: &[(i64, i64)], weg: usize) -> (i64, i64) {
    delen
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != weg)
        .fold(totaal, |(a, b), (_, d)| (a - d.0, b - d.1))
}

impl Aanvaller {
    async fn gql(&mut self, token: &str, query: &str) -> Value {
        self.vragen += 1;
        gql(&self.app, token, query).await
    }

    /// One count of `kpis(args)` at `pad`, as the stuurgroep sees it and exactly (the
    /// evaluator). The stuurgroep's value must say it is perturbed.
    async fn aantal(&mut self, args: &str, pad: &str) -> (i64, i64) {
        let q = format!("{{ kpis({args}) {{ {} }} }}", selectie(pad));
        let (sg, ev) = (self.sg.clone(), self.ev.clone());
        let a = self.gql(&sg, &q).await;
        let b = self.gql(&ev, &q).await;
        let (a, b) = (waarde_op(&a["kpis"], pad), waarde_op(&b["kpis"], pad));
        assert_eq!(a["bescherming"], "VERSTOORD", "{args} {pad}: {a}");
        assert_eq!(b["bescherming"], "GEEN", "{args} {pad}: {b}");
        (
            a["waarde"]
                .as_i64()
                .unwrap_or_else(|| panic!("{args} {pad}: {a}")),
            b["waarde"].as_i64().unwrap(),
        )
    }

    fn noteer(&mut self, familie: &'static str, afgeleid: i64, echt: i64) {
        let u = self.uitslagen.entry(familie).or_default();
        if echt == 0 {
            return; // no records: nothing to protect, and the same records answer alike
        }
        u.alle += 1;
        u.goed += usize::from(afgeleid == echt);
        if (1..=4).contains(&echt) {
            u.klein += 1;
            u.klein_goed += usize::from(afgeleid == echt);
        }
    }

    async fn csv(&mut self, token: &str, tabel: &str, query: &str) -> String {
        self.vragen += 1;
        let req = Request::get(format!("/dashboard/csv/{tabel}.csv?{query}"))
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{tabel} {query}");
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    /// The spoedmachtigingen cell of the kerncijfers CSV for a gebied and period.
    async fn csv_spoedmachtigingen(&mut self, token: &str, gebied: &str, periode: &str) -> i64 {
        let query = format!("gebied={gebied}&periode={periode}");
        let csv = self.csv(token, "kerncijfers", &query).await;
        csv_cel(&csv, "Spoedmachtigingen (aantal)")
    }
}

/// The value of row `label` in the first data column of a kerncijfers CSV.
fn csv_cel(csv: &str, label: &str) -> i64 {
    let rij = csv
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("{label} not in {csv}"));
    rij[label.len()..]
        .trim_start_matches(',')
        .split(',')
        .next()
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("{rij}"))
}

fn periode(van: &str, tot: &str) -> String {
    format!("periode: {{van: \"{van}\", tot: \"{tot}\"}}")
}

fn dag(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

const LANDSDELEN: [&str; 5] = ["NOORD", "OOST", "ZUID", "ZUID_WEST", "NOORD_WEST"];

#[tokio::test]
async fn aanvallen_op_de_bescherming() {
    let o = common::demo_omgeving_met(ApiConfig {
        cell_keys: RecordKeys::new(b"attack suite secret, 32 bytes.."),
        ..ApiConfig::default()
    })
    .await;
    let mut a = Aanvaller {
        app: o.app(),
        sg: o.token(Rol::Stuurgroep).to_owned(),
        ev: o.token(Rol::Evaluator).to_owned(),
        vragen: 0,
        uitslagen: BTreeMap::new(),
    };
    let regio_s = a
        .gql(&a.ev.clone(), "{ jeugdregios { code landsdeel } }")
        .await;
    let regios: Vec<(String, String)> = regio_s["jeugdregios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["code"].as_str().unwrap().to_owned(),
                r["landsdeel"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(regios.len() >= 10, "{regios:?}");

    // 1. Periods a day apart: [1 Jan, d + 1) − [1 Jan, d) is the count of day d.
    let begin = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut vorige: Option<(i64, i64)> = None;
    for i in 59..=120 {
        let tot = begin + chrono::Duration::days(i);
        let args = format!(
            "{}, filter: {{landsdeel: \"ZUID_WEST\"}}",
            periode(&dag(begin), &dag(tot))
        );
        let nu = a
            .aantal(&args, "plaatsingen.inclusiefDoorplaatsingen")
            .await;
        if let Some(v) = vorige {
            a.noteer("perioden een dag apart", nu.0 - v.0, nu.1 - v.1);
        }
        vorige = Some(nu);
    }
    // Quarter against its months.
    for j in [2023, 2024] {
        for k in 1..=4u32 {
            let kw =
                format!("periode: {{jaar: {j}, kwartaal: {k}}}, filter: {{landsdeel: \"NOORD\"}}");
            let (kp, ke) = a.aantal(&kw, "spoedmachtigingen").await;
            let (mut mp, mut me) = (0, 0);
            for m in 0..2 {
                let maand = (k - 1) * 3 + m + 1;
                let args = format!(
                    "periode: {{jaar: {j}, maand: {maand}}}, filter: {{landsdeel: \"NOORD\"}}"
                );
                let (p, e) = a.aantal(&args, "spoedmachtigingen").await;
                mp += p;
                me += e;
            }
            a.noteer("kwartaal min maanden", kp - mp, ke - me);
        }
    }

    // 2. The region hierarchy: a landsdeel minus its other jeugdregio's.
    for j in [2023, 2024] {
        for k in 1..=4u32 {
            for land in LANDSDELEN {
                let leden: Vec<&String> = regios
                    .iter()
                    .filter(|r| r.1 == land)
                    .map(|r| &r.0)
                    .collect();
                if leden.len() < 2 {
                    continue;
                }
                let p = format!("periode: {{jaar: {j}, kwartaal: {k}}}");
                let (lp, le) = a
                    .aantal(
                        &format!("{p}, filter: {{landsdeel: \"{land}\"}}"),
                        "plaatsingen.exclusiefDoorplaatsingen",
                    )
                    .await;
                let mut delen = Vec::new();
                for r in &leden {
                    delen.push(
                        a.aantal(
                            &format!("{p}, filter: {{jeugdregio: \"{r}\"}}"),
                            "plaatsingen.exclusiefDoorplaatsingen",
                        )
                        .await,
                    );
                }
                for laatste in 0..delen.len() {
                    let (sp, se) = alles_behalve((lp, le), &delen, laatste);
                    a.noteer("landsdeel min regio's", sp, se);
                }
            }
        }
    }

    // 3. Filters: everything minus the closed care is the open care.
    for j in [2023, 2024] {
        for k in 1..=4u32 {
            for land in LANDSDELEN {
                let p = format!("periode: {{jaar: {j}, kwartaal: {k}}}");
                let alles = a
                    .aantal(
                        &format!("{p}, filter: {{landsdeel: \"{land}\"}}"),
                        "plaatsingen.inclusiefDoorplaatsingen",
                    )
                    .await;
                let dicht = a
                    .aantal(
                        &format!("{p}, filter: {{landsdeel: \"{land}\", regime: GESLOTEN}}"),
                        "plaatsingen.inclusiefDoorplaatsingen",
                    )
                    .await;
                let open = a
                    .aantal(
                        &format!("{p}, filter: {{landsdeel: \"{land}\", regime: OPEN}}"),
                        "plaatsingen.inclusiefDoorplaatsingen",
                    )
                    .await;
                a.noteer("filters: alles min gesloten", alles.0 - dicht.0, open.1);
            }
        }
    }

    // 4. Related measures: inclusief − exclusief = doorplaatsingen; the bed-days of one
    // day on one facility are its occupancy that day.
    for j in [2023, 2024] {
        for k in 1..=4u32 {
            for land in LANDSDELEN {
                let p = format!(
                    "periode: {{jaar: {j}, kwartaal: {k}}}, filter: {{landsdeel: \"{land}\"}}"
                );
                let incl = a.aantal(&p, "plaatsingen.inclusiefDoorplaatsingen").await;
                let excl = a.aantal(&p, "plaatsingen.exclusiefDoorplaatsingen").await;
                let door = a.aantal(&p, "doorplaatsingen.aantal").await;
                a.noteer("inclusief min exclusief", incl.0 - excl.0, door.1);
                let sp = a.aantal(&p, "spoedaandeel.teller").await;
                let st = a.aantal(&p, "spoedaandeel.noemer").await;
                a.noteer("aandeel: noemer min teller", st.0 - sp.0, st.1 - sp.1);
            }
        }
    }
    let vz = a.gql(&a.ev.clone(), "{ voorzieningen { id } }").await;
    let codes: Vec<String> = vz["voorzieningen"]
        .as_array()
        .unwrap()
        .iter()
        .take(60)
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    for (i, code) in codes.iter().enumerate() {
        let d = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()
            + chrono::Duration::days(i as i64 % 20);
        let args = format!(
            "{}, filter: {{voorziening: \"{code}\"}}, toerekening: LOCATIE",
            periode(&dag(d), &dag(d + chrono::Duration::days(1)))
        );
        let dagen = a.aantal(&args, "bezetting.graadPeriode.teller").await;
        let peil = format!(
            "{}, peildatum: \"{}\", filter: {{voorziening: \"{code}\"}}, toerekening: LOCATIE",
            periode(&dag(d), &dag(d + chrono::Duration::days(1))),
            dag(d)
        );
        let bezet = a.aantal(&peil, "bezetting.graad.teller").await;
        a.noteer("beddagen van een dag", dagen.0, bezet.1);
        // The same placements asked two ways: the same answer, nothing to average.
        assert_eq!(dagen.1, bezet.1, "{code} {d}");
        assert_eq!(
            dagen.0, bezet.0,
            "{code} {d}: bed-days of one day against occupancy"
        );
    }

    // 5. Knowledge times: a quarter as known at two moments.
    for (k1, k2) in [
        ("2024-04-15T00:00:00Z", "2024-07-01T00:00:00Z"),
        ("2024-05-01T00:00:00Z", "2025-01-01T00:00:00Z"),
    ] {
        for land in LANDSDELEN {
            let p =
                format!("periode: {{jaar: 2024, kwartaal: 1}}, filter: {{landsdeel: \"{land}\"}}");
            for pad in [
                "plaatsingen.inclusiefDoorplaatsingen",
                "stroomEpisodes.uitstroom",
                "spoedmachtigingen",
            ] {
                let x = a.aantal(&format!("{p}, asKnownAt: \"{k1}\""), pad).await;
                let y = a.aantal(&format!("{p}, asKnownAt: \"{k2}\""), pad).await;
                a.noteer("kennismomenten", y.0 - x.0, y.1 - x.1);
            }
        }
    }

    // 6. The dashboard's CSV downloads: a year minus three of its quarters.
    for (gebied, land) in [("LD:ZUID_WEST", "ZUID_WEST"), ("LD:NOORD", "NOORD")] {
        let (sg, ev) = (a.sg.clone(), a.ev.clone());
        let jaar_sg = a.csv_spoedmachtigingen(&sg, gebied, "2024").await;
        let jaar_ev = a.csv_spoedmachtigingen(&ev, gebied, "2024").await;
        let mut kw = Vec::new();
        for k in 1..=4 {
            let kwartaal = format!("2024-Q{k}");
            let s = a.csv_spoedmachtigingen(&sg, gebied, &kwartaal).await;
            let e = a.csv_spoedmachtigingen(&ev, gebied, &kwartaal).await;
            // The CSV is the API's figure, by the same path.
            let api = a
                .aantal(
                    &format!(
                        "periode: {{jaar: 2024, kwartaal: {k}}}, filter: {{landsdeel: \"{land}\"}}"
                    ),
                    "spoedmachtigingen",
                )
                .await;
            assert_eq!((s, e), api, "CSV and API disagree for {gebied} Q{k}");
            kw.push((s, e));
        }
        for weg in 0..4 {
            let (d, t) = alles_behalve((jaar_sg, jaar_ev), &kw, weg);
            a.noteer("CSV: jaar min kwartalen", d, t);
        }
    }

    // Nothing to average away: the same question again, and the same records asked
    // another way (a knowledge time after the last event; a period stretched by a day
    // on which nothing started), give the same answer.
    let p = "periode: {jaar: 2024, kwartaal: 1}, filter: {jeugdregio: \"RIJNMOND\"}";
    let een = a.aantal(p, "plaatsingen.exclusiefDoorplaatsingen").await;
    for _ in 0..5 {
        assert_eq!(
            a.aantal(p, "plaatsingen.exclusiefDoorplaatsingen").await,
            een
        );
    }
    let later = a
        .aantal(
            &format!("{p}, asKnownAt: \"2100-01-01T00:00:00Z\""),
            "plaatsingen.exclusiefDoorplaatsingen",
        )
        .await;
    assert_eq!(
        later, een,
        "a knowledge time after every event selects the same records"
    );
    let mut gelijk = 0;
    for i in 0..60 {
        let tot = begin + chrono::Duration::days(30 + i);
        let x = a
            .aantal(
                &format!(
                    "{}, filter: {{jeugdregio: \"RIJNMOND\"}}",
                    periode(&dag(begin), &dag(tot))
                ),
                "spoedmachtigingen",
            )
            .await;
        let y = a
            .aantal(
                &format!(
                    "{}, filter: {{jeugdregio: \"RIJNMOND\"}}",
                    periode(&dag(begin), &dag(tot + chrono::Duration::days(1)))
                ),
                "spoedmachtigingen",
            )
            .await;
        if x.1 == y.1 {
            assert_eq!(
                x.0, y.0,
                "the same records, another period: another answer ({tot})"
            );
            gelijk += 1;
        }
    }
    assert!(
        gelijk >= 10,
        "only {gelijk} stretched periods with the same records"
    );

    // The bars.
    let mut totaal = Uitslag::default();
    for (familie, u) in &a.uitslagen {
        eprintln!(
            "{familie:28} afgeleid {:4}, exact {:4} ({:.2}); kleine aantallen {:4}, exact {:4}",
            u.alle,
            u.goed,
            u.goed as f64 / u.alle.max(1) as f64,
            u.klein,
            u.klein_goed
        );
        totaal.alle += u.alle;
        totaal.goed += u.goed;
        totaal.klein += u.klein;
        totaal.klein_goed += u.klein_goed;
        assert!(u.alle > 0, "{familie}: no attempt");
        assert!(u.goed < u.alle, "{familie}: every derived value exact");
    }
    eprintln!(
        "{} vragen; afgeleid {}, exact {} ({:.3}); kleine aantallen {}, exact {} ({:.3}); kans op geen ruis {KANS_ONVERANDERD}",
        a.vragen,
        totaal.alle,
        totaal.goed,
        totaal.goed as f64 / totaal.alle as f64,
        totaal.klein,
        totaal.klein_goed,
        totaal.klein_goed as f64 / totaal.klein.max(1) as f64
    );
    assert!(totaal.alle >= 500 && totaal.klein >= 100, "{totaal:?}");
    assert!(
        (totaal.goed as f64) / (totaal.alle as f64) <= KANS_ONVERANDERD,
        "derived values right more often than the chance of zero noise: {totaal:?}"
    );
    assert!(
        (totaal.klein_goed as f64) / (totaal.klein as f64) <= KANS_ONVERANDERD,
        "small counts recovered more often than the chance of zero noise: {totaal:?}"
    );
    o.stop().await;
}

/// Bar 2: on the demo, the stuurgroep sees a value in every headline tile, for every
/// landsdeel and jeugdregio in every quarter of 2024, and each perturbed tile says so.
#[tokio::test]
async fn kerncijfers_zichtbaar_voor_de_stuurgroep() {
    let o = common::demo_omgeving().await;
    let app = o.app();
    let sg = o.token(Rol::Stuurgroep).to_owned();
    let ev = o.token(Rol::Evaluator).to_owned();
    let vraag = |pad: String, token: String| {
        let app = app.clone();
        async move {
            let req = Request::get(pad)
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            let resp = app.oneshot(req).await.unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            let b = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .unwrap();
            String::from_utf8(b.to_vec()).unwrap()
        }
    };
    let v = json!({ "data": gql(&app, &ev, "{ jeugdregios { code } }").await });
    let mut gebieden: Vec<String> = LANDSDELEN.iter().map(|l| format!("LD:{l}")).collect();
    gebieden.extend(
        v["data"]["jeugdregios"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| format!("JR:{}", r["code"].as_str().unwrap())),
    );
    let (mut tegels, mut verstoord) = (0, 0);
    let mut weg = Vec::new();
    for gebied in &gebieden {
        for k in 1..=4 {
            let html = vraag(format!("/?gebied={gebied}&periode=2024-Q{k}"), sg.clone()).await;
            for tegel in html.split("<article class=\"tegel\"").skip(1) {
                tegels += 1;
                let kpi = tegel
                    .split("data-kpi=\"")
                    .nth(1)
                    .and_then(|x| x.split('"').next())
                    .unwrap_or("?")
                    .to_owned();
                let waarde = tegel
                    .split("data-waarde=\"")
                    .nth(1)
                    .and_then(|x| x.split('"').next())
                    .unwrap_or("");
                if waarde == "onderdrukt" || waarde.is_empty() {
                    weg.push(format!("{gebied} 2024-Q{k} {kpi}"));
                } else if tegel.contains("data-verstoord=\"true\"") {
                    verstoord += 1;
                }
            }
            assert!(
                html.contains("href=\"/bescherming\""),
                "no link to the method"
            );
        }
    }
    eprintln!(
        "{} gebieden × 4 kwartalen: {tegels} tegels, {verstoord} met waarde en 'verstoord', {} zonder waarde: {weg:?}",
        gebieden.len(),
        weg.len()
    );
    assert!(tegels >= gebieden.len() * 4 * 8, "{tegels} tiles");
    // A tile may lack a value only where the figure rests on fewer than 10 records (a
    // share's denominator, the stays under a median): check each with the evaluator.
    for w in &weg {
        let mut d = w.split(' ');
        let (gebied, per, kpi) = (d.next().unwrap(), d.next().unwrap(), d.next().unwrap());
        let html = vraag(format!("/?gebied={gebied}&periode={per}"), ev.clone()).await;
        let tegel = html.split(&format!("data-kpi=\"{kpi}\"")).nth(1).unwrap();
        let exact = tegel
            .split("data-waarde=\"")
            .nth(1)
            .and_then(|x| x.split('"').next())
            .unwrap_or("");
        if exact.is_empty() {
            continue; // undefined for everyone (no places, no stay ended)
        }
        let pad = match kpi {
            "verblijfsduur" => "verblijfsduur { aantal { waarde } }",
            "uitstroom-lichter" => "uitstroomNaarLichtereZorg { lichter { noemer { waarde } } }",
            "spoedaandeel" => "spoedaandeel { noemer { waarde } }",
            "bezettingsgraad" => "bezetting { graad { noemer { waarde } } }",
            other => panic!("{w}: a count tile without a value ({other})"),
        };
        let filter = match gebied.split_once(':') {
            Some(("LD", c)) => format!("{{landsdeel: \"{c}\"}}"),
            Some((_, c)) => format!("{{jeugdregio: \"{c}\"}}"),
            None => unreachable!(),
        };
        let k = &per[per.len() - 1..];
        let q = format!(
            "{{ kpis(periode: {{jaar: 2024, kwartaal: {k}}}, filter: {filter}) {{ {pad} }} }}"
        );
        let v = json!({ "data": gql(&app, &ev, &q).await });
        let n = v["data"]["kpis"]
            .to_string()
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>();
        let n: i64 = n.parse().unwrap_or_else(|_| panic!("{w}: {v}"));
        assert!(
            n < 10,
            "{w}: hidden for the stuurgroep with {n} records underneath"
        );
    }
    let methode = vraag("/bescherming".to_owned(), sg.clone()).await;
    assert!(methode.contains("cell-key"), "the method page");
    o.stop().await;
}
