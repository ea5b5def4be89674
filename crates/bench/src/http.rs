//! The HTTP benchmark (issue "The GraphQL API", section Benchmarks): `kringloop serve` as a
//! child process (or a server at `--url`), this process as the load generator, over
//! loopback.
//!
//! Per backend: a history from the project's generator (`kringloop demo --scope
//! all-residential --scale N`, unless the database already holds events), tokens from
//! `kringloop token create`, then
//! - mutations from `--clients` concurrent clients, each recording new youths with a
//!   plaatsing and its end on the demo's facilities (three facts per youth, each its own
//!   request with a unique idempotency key), durable (`serve` commits SQLite with
//!   `synchronous=FULL`);
//! - KPI queries as a stuurgroep member: one quarter with a region filter, and a series of
//!   40 quarters;
//! - the latency from a mutation's reply to its message on a `gebeurtenissen`
//!   subscription (graphql-transport-ws).
//!
//! Latencies go into HDR histograms (µs); the report prints p50/p90/p99/max and
//! throughput per workload, as a Markdown table and as JSON lines.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::databases::{PgServer, backends, create_pg_db, drop_pg_db, pg_url_for, remove_sqlite};
use anyhow::{Context, bail};
use clap::Args;
use futures::{SinkExt as _, StreamExt as _};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use tokio::sync::Mutex;
use uuid::Uuid;

#[derive(Debug, Clone, Args)]
pub struct HttpArgs {
    /// Backends to run: sqlite, postgres or both (ignored with --database-url or --url).
    #[arg(long, default_value = "both")]
    backend: String,
    /// Use this database instead of a fresh one (SQLite path or postgres:// URL); the
    /// history is generated only when it is empty. The mutations are appended to it.
    #[arg(long)]
    database_url: Option<String>,
    #[command(flatten)]
    pg: PgServer,
    /// Measure a server that is already running (e.g. `http://127.0.0.1:8080`) instead of
    /// starting one; needs --token.
    #[arg(long)]
    url: Option<String>,
    /// With --url: an admin token (used for every workload).
    #[arg(long, env = "KRINGLOOP_BENCH_TOKEN")]
    token: Option<String>,
    /// The kringloop binary (default: next to this one, i.e. the same target profile).
    #[arg(long)]
    kringloop: Option<PathBuf>,
    /// Scale of the generated history (1.0 = the Netherlands, all residential care).
    #[arg(long, default_value_t = 0.25)]
    scale: f64,
    /// Concurrent mutation clients.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Facts to record in the mutation run (three per youth), after a warm-up round.
    #[arg(long, default_value_t = 30_000)]
    mutations: usize,
    /// One-quarter KPI queries.
    #[arg(long, default_value_t = 2_000)]
    queries: usize,
    /// 40-quarter series queries.
    #[arg(long, default_value_t = 200)]
    series: usize,
    /// Concurrent clients for the KPI queries.
    #[arg(long, default_value_t = 1)]
    query_clients: usize,
    /// Mutations whose subscription message is timed.
    #[arg(long, default_value_t = 500)]
    subscriptions: usize,
    /// Directory for SQLite files, token files and server logs.
    #[arg(long, default_value = "target/bench-data")]
    dir: PathBuf,
    /// Append the results as JSON lines to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// One measured workload.
#[derive(Debug, Clone, serde::Serialize)]
struct Meting {
    backend: String,
    workload: String,
    requests: u64,
    errors: u64,
    secs: f64,
    per_s: f64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

impl Meting {
    fn new(backend: &str, workload: &str, h: &Histogram<u64>, errors: u64, wall: Duration) -> Self {
        let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
        let secs = wall.as_secs_f64();
        Meting {
            backend: backend.to_owned(),
            workload: workload.to_owned(),
            requests: h.len(),
            errors,
            secs,
            per_s: h.len() as f64 / secs.max(1e-9),
            p50_ms: ms(0.50),
            p90_ms: ms(0.90),
            p99_ms: ms(0.99),
            max_ms: h.max() as f64 / 1000.0,
        }
    }
}

fn histogram() -> anyhow::Result<Histogram<u64>> {
    // 1 µs to 10 min, 3 significant digits.
    Histogram::new_with_bounds(1, 600_000_000, 3).context("histogram")
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

pub async fn run(args: HttpArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let mut metingen = Vec::new();
    if let Some(url) = &args.url {
        let token = args
            .token
            .clone()
            .context("--url needs --token (an admin token)")?;
        let tokens = Tokens {
            registrar: token.clone(),
            stuurgroep: token.clone(),
            evaluator: token,
        };
        let doel = Doel::new(url.trim_end_matches('/'), tokens)?;
        metingen.extend(meet(&doel, "extern", &args).await?);
    } else {
        let backends: Vec<String> = match &args.database_url {
            Some(u) => vec![u.clone()],
            None => backends(&args.backend)?
                .into_iter()
                .map(str::to_owned)
                .collect(),
        };
        for b in backends {
            metingen.extend(per_backend(&args, &b).await?);
        }
    }
    print_table(&metingen);
    if let Some(p) = &args.json {
        use std::io::Write as _;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .with_context(|| format!("cannot open {}", p.display()))?;
        for m in &metingen {
            writeln!(f, "{}", serde_json::to_string(m)?)?;
        }
    }
    Ok(())
}

struct Tokens {
    registrar: String,
    stuurgroep: String,
    evaluator: String,
}

/// Starts the server on one backend, measures, stops it and cleans up.
async fn per_backend(args: &HttpArgs, backend: &str) -> anyhow::Result<Vec<Meting>> {
    let bin = kringloop_binary(args)?;
    let (url, naam, pg_db) = database(args, backend).await?;
    let result = async {
        if head_position(&url).await? == 0 && args.scale > 0.0 {
            generate_history(&bin, &url, &naam, args.scale)?;
        }
        let events = head_position(&url).await?;
        eprintln!("== {naam}: {events} events in the log");
        let uit = serve_and_measure(args, &bin, &url, &naam).await;
        let mut uit = uit?;
        for m in &mut uit {
            m.workload = format!("{} ({events} ev)", m.workload);
        }
        Ok(uit)
    }
    .await;
    if let Some(db) = pg_db {
        drop_pg_db(&args.pg.pg_url, &db).await;
    }
    result
}

/// The `kringloop` binary to start: `--kringloop`, or the one next to this binary.
fn kringloop_binary(args: &HttpArgs) -> anyhow::Result<PathBuf> {
    let bin = match &args.kringloop {
        Some(p) => p.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("no directory of the bench binary")?
            .join("kringloop"),
    };
    if !bin.exists() {
        bail!(
            "{} not found: build it first (cargo build --release -p kringloop) or pass --kringloop",
            bin.display()
        );
    }
    Ok(bin)
}

/// The database of one backend: (URL, backend name, PostgreSQL database to drop at the
/// end). A fresh SQLite file or PostgreSQL database, or the `--database-url` given.
async fn database(
    args: &HttpArgs,
    backend: &str,
) -> anyhow::Result<(String, String, Option<String>)> {
    Ok(match backend {
        "sqlite" => {
            let path = args.dir.join("kringloop-http.db");
            remove_sqlite(&path);
            (path.display().to_string(), "sqlite".to_owned(), None)
        }
        "postgres" => {
            let db = format!("kl_bench_http_{}", Uuid::new_v4().simple());
            create_pg_db(&args.pg.pg_url, &db).await?;
            (
                pg_url_for(&args.pg.pg_url, &db),
                "postgres".to_owned(),
                Some(db),
            )
        }
        other => {
            let naam = if other.starts_with("postgres") {
                "postgres"
            } else {
                "sqlite"
            };
            (other.to_owned(), naam.to_owned(), None)
        }
    })
}

/// Events in the log at `url`.
async fn head_position(url: &str) -> anyhow::Result<i64> {
    let store = kringloop_store::open(url).await?;
    let h = store.head_position().await?;
    store.close().await?;
    Ok(h)
}

/// Fills an empty database with `kringloop demo` (all residential care at `scale`).
fn generate_history(bin: &Path, url: &str, naam: &str, scale: f64) -> anyhow::Result<()> {
    eprintln!("== {naam}: generating the history (all-residential, scale {scale})");
    let begin = Instant::now();
    let status = Command::new(bin)
        .args(["--database-url", url, "--log", "warn", "demo"])
        .args(["--scope", "all-residential", "--scale"])
        .arg(scale.to_string())
        .status()
        .context("kringloop demo")?;
    if !status.success() {
        bail!("kringloop demo failed: {status}");
    }
    eprintln!("   generated in {:.1} s", begin.elapsed().as_secs_f64());
    Ok(())
}

/// A token per role, created with `kringloop token create` into `tokenpad`.
fn create_tokens(bin: &Path, url: &str, tokenpad: &Path) -> anyhow::Result<Tokens> {
    let token = |rol: &str| -> anyhow::Result<String> {
        let out = Command::new(bin)
            .args(["--database-url", url, "--log", "warn", "token", "--tokens"])
            .arg(tokenpad)
            .args(["create", "--rol", rol, "--naam", &format!("bench-{rol}")])
            .stderr(Stdio::null())
            .output()
            .context("kringloop token create")?;
        if !out.status.success() {
            bail!("kringloop token create failed: {}", out.status);
        }
        Ok(String::from_utf8(out.stdout)?.trim().to_owned())
    };
    Ok(Tokens {
        registrar: token("registrar")?,
        stuurgroep: token("stuurgroep")?,
        evaluator: token("evaluator")?,
    })
}

/// Starts `kringloop serve` on `url`, waits until it is ready, measures and stops it.
async fn serve_and_measure(
    args: &HttpArgs,
    bin: &Path,
    url: &str,
    naam: &str,
) -> anyhow::Result<Vec<Meting>> {
    let tokenpad = args.dir.join(format!("tokens-{naam}.json"));
    let _ = std::fs::remove_file(&tokenpad);
    let tokens = create_tokens(bin, url, &tokenpad)?;
    let poort = vrije_poort()?;
    let log = args.dir.join(format!("serve-{naam}.log"));
    let server = Server::start(bin, url, &tokenpad, poort, &log)?;
    let adres = format!("http://127.0.0.1:{poort}");
    let doel = Doel::new(&adres, tokens)?;
    let begin = Instant::now();
    doel.wacht_tot_gereed(Duration::from_secs(900)).await?;
    eprintln!(
        "   serve ready in {:.1} s (log: {})",
        begin.elapsed().as_secs_f64(),
        log.display()
    );
    let uit = meet(&doel, naam, args).await;
    server.stop();
    uit
}

fn vrije_poort() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// The `kringloop serve` child process; killed when dropped.
struct Server(Child);

impl Server {
    fn start(bin: &Path, url: &str, tokens: &Path, poort: u16, log: &Path) -> anyhow::Result<Self> {
        let f = std::fs::File::create(log)?;
        let child = Command::new(bin)
            .args(["--database-url", url, "--log", "warn", "serve", "--listen"])
            .arg(format!("127.0.0.1:{poort}"))
            .arg("--tokens")
            .arg(tokens)
            .stdout(f.try_clone()?)
            .stderr(f)
            .spawn()
            .context("kringloop serve")?;
        Ok(Server(child))
    }

    fn stop(mut self) {
        // SIGTERM would be kinder, but std has no portable way; the store's writes are
        // durable when acknowledged, and nothing is measured after this.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
    }
}

/// A server to load, with its tokens.
struct Doel {
    basis: String,
    http: reqwest::Client,
    tokens: Tokens,
}

impl Doel {
    fn new(basis: &str, tokens: Tokens) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(60))
            .build()?;
        Ok(Doel {
            basis: basis.to_owned(),
            http,
            tokens,
        })
    }

    async fn wacht_tot_gereed(&self, max: Duration) -> anyhow::Result<()> {
        let begin = Instant::now();
        loop {
            if let Ok(r) = self.http.get(format!("{}/readyz", self.basis)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            if begin.elapsed() > max {
                bail!("server not ready after {} s", max.as_secs());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// One GraphQL request; `Err` for a transport failure or a GraphQL error.
    async fn gql(&self, token: &str, query: &str, vars: Value) -> anyhow::Result<Value> {
        let body = json!({ "query": query, "variables": vars }).to_string();
        let resp = self
            .http
            .post(format!("{}/graphql", self.basis))
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(body)
            .send()
            .await?;
        let bytes = resp.bytes().await?;
        let v: Value = serde_json::from_slice(&bytes)?;
        if let Some(e) = v.get("errors") {
            bail!("GraphQL error: {e}");
        }
        Ok(v)
    }
}

/// Facilities and municipalities of the history, to record facts against.
struct Landschap {
    voorzieningen: Vec<String>,
    gemeenten: Vec<String>,
    regios: Vec<String>,
}

const DATUM_START: &str = "2026-09-01";
const DATUM_EIND: &str = "2026-10-15";

async fn landschap(doel: &Doel) -> anyhow::Result<Landschap> {
    let t = &doel.tokens.evaluator;
    let v = doel
        .gql(
            t,
            "{ voorzieningen { id vorm datum geslotenVanaf } gemeenten { code } jeugdregios { code } }",
            json!({}),
        )
        .await?;
    let start = chrono::NaiveDate::parse_from_str(DATUM_START, "%Y-%m-%d")?;
    let eind = chrono::NaiveDate::parse_from_str(DATUM_EIND, "%Y-%m-%d")?;
    let voorzieningen: Vec<String> = v["data"]["voorzieningen"]
        .as_array()
        .context("voorzieningen")?
        .iter()
        .filter(|f| f["vorm"] != "AMBULANT")
        .filter(|f| {
            let datum = f["datum"]
                .as_str()
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            let dicht = f["geslotenVanaf"]
                .as_str()
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            datum.is_some_and(|d| d <= start) && dicht.is_none_or(|d| d > eind)
        })
        .filter_map(|f| f["id"].as_str().map(str::to_owned))
        .collect();
    let codes = |veld: &str| -> Vec<String> {
        v["data"][veld]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|g| g["code"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let l = Landschap {
        voorzieningen,
        gemeenten: codes("gemeenten"),
        regios: codes("jeugdregios"),
    };
    if l.voorzieningen.is_empty() || l.gemeenten.is_empty() || l.regios.is_empty() {
        bail!(
            "the history has no open facilities, municipalities or regions ({} / {} / {}); generate one first",
            l.voorzieningen.len(),
            l.gemeenten.len(),
            l.regios.len()
        );
    }
    Ok(l)
}

async fn meet(doel: &Doel, backend: &str, args: &HttpArgs) -> anyhow::Result<Vec<Meting>> {
    let l = landschap(doel).await?;
    eprintln!(
        "   {} open facilities, {} municipalities, {} regions",
        l.voorzieningen.len(),
        l.gemeenten.len(),
        l.regios.len()
    );
    let mut uit = Vec::new();
    let run = Uuid::new_v4().simple().to_string();
    // Warm-up: one youth per client (connections, caches), not measured.
    mutaties(
        doel,
        &l,
        &format!("{}w", &run[..8]),
        args.clients,
        args.clients * 3,
    )
    .await?;
    let m = mutaties(doel, &l, &run[..8], args.clients, args.mutations).await?;
    eprintln!("   mutations: {:.0}/s, p99 {:.1} ms", m.per_s, m.p99_ms);
    uit.push(Meting {
        backend: backend.to_owned(),
        workload: format!("mutations, {} clients", args.clients),
        ..m
    });
    let (q, s) = kpi_queries(doel, &l, args).await?;
    uit.push(Meting {
        backend: backend.to_owned(),
        ..q
    });
    uit.push(Meting {
        backend: backend.to_owned(),
        ..s
    });
    let w = subscriptie(doel, &l, &run[..8], args.subscriptions).await?;
    uit.push(Meting {
        backend: backend.to_owned(),
        ..w
    });
    Ok(uit)
}

const REGISTREER: &str = "mutation M($i: JeugdigeInvoer!, $k: String!) { registreerJeugdige(invoer: $i, idempotencyKey: $k) { positie } }";
const START: &str = "mutation M($p: String!, $i: PlaatsingInvoer!, $k: String!) { startPlaatsing(pseudoniem: $p, invoer: $i, idempotencyKey: $k) { positie signalen { code } } }";
const EIND: &str = "mutation M($p: String!, $i: PlaatsingBeeindigdInvoer!, $k: String!) { beeindigPlaatsing(pseudoniem: $p, invoer: $i, idempotencyKey: $k) { positie } }";

/// The `n`th fact of one client's youth `j`: registration, plaatsing, its end.
fn mutatie(
    l: &Landschap,
    run: &str,
    client: usize,
    j: usize,
    stap: usize,
) -> (&'static str, Value) {
    let p = format!("bench-{run}-{client}-{j}");
    let k = format!("{p}-{stap}");
    let f = &l.voorzieningen[(client * 7919 + j) % l.voorzieningen.len()];
    match stap {
        0 => (
            REGISTREER,
            json!({"k": k, "i": {"pseudoniem": p, "geboortejaar": 2009 + (j % 6) as i64, "geslacht": if j.is_multiple_of(2) { "MAN" } else { "VROUW" }, "woongemeente": l.gemeenten[(client + j) % l.gemeenten.len()], "datum": "2026-08-01"}}),
        ),
        1 => (
            START,
            json!({"p": p, "k": k, "i": {"voorziening": f, "datum": DATUM_START, "spoed": j.is_multiple_of(5), "crisis": false, "verblijfVoor": "THUIS"}}),
        ),
        _ => (
            EIND,
            json!({"p": p, "k": k, "i": {"voorziening": f, "datum": DATUM_EIND, "bestemming": "PLEEGZORG", "reden": "volgens plan", "redenBeeindiging": "VOLGENS_PLAN"}}),
        ),
    }
}

/// `total` facts from `clients` clients, each recording its youths one fact at a time.
async fn mutaties(
    doel: &Doel,
    l: &Landschap,
    run: &str,
    clients: usize,
    total: usize,
) -> anyhow::Result<Meting> {
    let per_client = total.div_ceil(clients.max(1));
    let hist = Arc::new(Mutex::new(histogram()?));
    let fouten = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let eerste_fout: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let begin = Instant::now();
    let taken = (0..clients).map(|c| {
        let hist = Arc::clone(&hist);
        let fouten = Arc::clone(&fouten);
        let eerste_fout = Arc::clone(&eerste_fout);
        async move {
            let mut eigen = histogram()?;
            for n in 0..per_client {
                let (q, vars) = mutatie(l, run, c, n / 3, n % 3);
                let t = Instant::now();
                let r = doel.gql(&doel.tokens.registrar, q, vars).await;
                eigen.record(micros(t.elapsed()))?;
                if let Err(e) = r {
                    fouten.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    eerste_fout.lock().await.get_or_insert(e.to_string());
                }
            }
            hist.lock().await.add(&eigen)?;
            Ok::<_, anyhow::Error>(())
        }
    });
    for r in futures::future::join_all(taken).await {
        r?;
    }
    let wall = begin.elapsed();
    let n = fouten.load(std::sync::atomic::Ordering::Relaxed);
    if let Some(e) = eerste_fout.lock().await.as_ref() {
        eprintln!("   {n} mutations failed; first: {e}");
    }
    let h = hist.lock().await;
    Ok(Meting::new("", "mutations", &h, n, wall))
}

const KWARTAAL: &str = "query Q($p: PeriodeInvoer!, $f: FilterInvoer) { kpis(periode: $p, filter: $f) { \
    balans { opbouwAlternatieven afbouwGesloten balans ratio } \
    plaatsingen { exclusiefDoorplaatsingen { waarde bescherming } } \
    spoedaandeel { waarde bescherming } \
    uitstroomNaarLichtereZorg { lichter { waarde bescherming } } \
    bezetting { graad { waarde bescherming } } } }";
const REEKS: &str = "query R($f: FilterInvoer) { kpiReeks(granulariteit: KWARTAAL, van: \"2017-01-01\", tot: \"2027-01-01\", filter: $f) { \
    meta { periode { van } } \
    plaatsingen { exclusiefDoorplaatsingen { waarde bescherming } } \
    spoedaandeel { waarde bescherming } \
    balans { balans } } }";

/// KPI queries as a stuurgroep member: quarters of 2019–2026 by region, and 40-quarter
/// series by region.
async fn kpi_queries(
    doel: &Doel,
    l: &Landschap,
    args: &HttpArgs,
) -> anyhow::Result<(Meting, Meting)> {
    // Warm-up and a check that the queries are valid.
    doel.gql(
        &doel.tokens.stuurgroep,
        KWARTAAL,
        json!({"p": {"jaar": 2024, "kwartaal": 1}, "f": {"jeugdregio": l.regios[0]}}),
    )
    .await?;
    doel.gql(
        &doel.tokens.stuurgroep,
        REEKS,
        json!({"f": {"jeugdregio": l.regios[0]}}),
    )
    .await?;
    let kwartaal = |i: usize| json!({"p": {"jaar": 2019 + (i / 4) % 8, "kwartaal": 1 + i % 4}, "f": {"jeugdregio": l.regios[i % l.regios.len()]}});
    let reeks = |i: usize| json!({"f": {"jeugdregio": l.regios[i % l.regios.len()]}});
    let q = gelijktijdig(doel, args.query_clients, args.queries, KWARTAAL, &kwartaal).await?;
    eprintln!("   KPI quarter: p99 {:.1} ms", q.p99_ms);
    let s = gelijktijdig(doel, args.query_clients, args.series, REEKS, &reeks).await?;
    eprintln!("   KPI 40-quarter series: p99 {:.1} ms", s.p99_ms);
    Ok((
        Meting {
            workload: format!(
                "KPI one quarter, region filter, {} client(s)",
                args.query_clients
            ),
            ..q
        },
        Meting {
            workload: format!(
                "KPI series 40 quarters, region filter, {} client(s)",
                args.query_clients
            ),
            ..s
        },
    ))
}

async fn gelijktijdig(
    doel: &Doel,
    clients: usize,
    total: usize,
    query: &str,
    vars: &(dyn Fn(usize) -> Value + Sync),
) -> anyhow::Result<Meting> {
    let clients = clients.max(1);
    let begin = Instant::now();
    let taken = (0..clients).map(|c| async move {
        let mut h = histogram()?;
        let mut fouten = 0u64;
        let mut i = c;
        while i < total {
            let t = Instant::now();
            let r = doel.gql(&doel.tokens.stuurgroep, query, vars(i)).await;
            h.record(micros(t.elapsed()))?;
            if r.is_err() {
                fouten += 1;
            }
            i += clients;
        }
        Ok::<_, anyhow::Error>((h, fouten))
    });
    let mut h = histogram()?;
    let mut fouten = 0;
    for r in futures::future::join_all(taken).await {
        let (eigen, f) = r?;
        h.add(&eigen)?;
        fouten += f;
    }
    Ok(Meting::new("", "", &h, fouten, begin.elapsed()))
}

/// Latency from a mutation's HTTP reply to its message on a `gebeurtenissen` subscription
/// (graphql-transport-ws). A message that arrives before the reply counts as 0.
async fn subscriptie(doel: &Doel, l: &Landschap, run: &str, n: usize) -> anyhow::Result<Meting> {
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
    let ws_url = format!("{}/graphql/ws", doel.basis.replacen("http", "ws", 1));
    let mut req = ws_url.into_client_request()?;
    req.headers_mut()
        .insert("sec-websocket-protocol", "graphql-transport-ws".parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await?;
    let init = json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {}", doel.tokens.evaluator)}});
    ws.send(Message::text(init.to_string())).await?;
    loop {
        let m = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .context("no connection_ack")?
            .context("WebSocket closed")??;
        if let Message::Text(t) = m {
            let v: Value = serde_json::from_str(&t)?;
            if v["type"] == "connection_ack" {
                break;
            }
        }
    }
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { gebeurtenissen(types: [\"JeugdigeGeregistreerd\"]) { positie } }"}});
    ws.send(Message::text(sub.to_string())).await?;
    // The reader notes when each position arrived.
    let aankomst: Arc<std::sync::Mutex<HashMap<i64, Instant>>> = Arc::default();
    let (mut zender, mut lezer) = ws.split();
    let a = Arc::clone(&aankomst);
    let lees = tokio::spawn(async move {
        while let Some(Ok(m)) = lezer.next().await {
            if let Message::Text(t) = m
                && let Ok(v) = serde_json::from_str::<Value>(&t)
            {
                if v["type"] == "ping" {
                    continue;
                }
                if let Some(p) = v["payload"]["data"]["gebeurtenissen"]["positie"].as_i64()
                    && let Ok(mut map) = a.lock()
                {
                    map.insert(p, Instant::now());
                }
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut h = histogram()?;
    let mut fouten = 0;
    let mut eerder = 0;
    let begin = Instant::now();
    for j in 0..n {
        let (q, vars) = mutatie(l, &format!("{run}s"), 0, j, 0);
        let r = doel.gql(&doel.tokens.registrar, q, vars).await;
        let antwoord = Instant::now();
        let Some(p) = r
            .ok()
            .and_then(|v| v["data"]["registreerJeugdige"]["positie"].as_i64())
        else {
            fouten += 1;
            continue;
        };
        let deadline = antwoord + Duration::from_secs(5);
        loop {
            let gezien = aankomst.lock().ok().and_then(|m| m.get(&p).copied());
            if let Some(t) = gezien {
                if t <= antwoord {
                    eerder += 1;
                }
                h.record(micros(t.saturating_duration_since(antwoord)))?;
                break;
            }
            if Instant::now() > deadline {
                fouten += 1;
                break;
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }
    let wall = begin.elapsed();
    let _ = zender.close().await;
    lees.abort();
    eprintln!("   subscription: {eerder} of {n} messages arrived before the HTTP reply");
    Ok(Meting::new(
        "",
        "mutation reply → subscription message",
        &h,
        fouten,
        wall,
    ))
}

fn print_table(ms: &[Meting]) {
    println!(
        "| backend | workload | requests | errors | per s | p50 ms | p90 ms | p99 ms | max ms |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for m in ms {
        println!(
            "| {} | {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} |",
            m.backend,
            m.workload,
            m.requests,
            m.errors,
            m.per_s,
            m.p50_ms,
            m.p90_ms,
            m.p99_ms,
            m.max_ms
        );
    }
}
