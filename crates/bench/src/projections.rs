//! The projection benchmark (issue "Projections", section Benchmarks).
//!
//! One run: the project's demo generator (`Scope::AllResidential`, ten years) written into
//! SQLite and PostgreSQL through `write_to_store`; then per backend the whole rebuild
//! through `Runner::start`; on SQLite also read, decode and fold measured separately,
//! memory, KPI latency now and as known at a past K, and side by side the approaches a
//! user would otherwise take: a naive replay per as-of query, and the same KPI as a SQL
//! GROUP BY over a `placements` table (SQLite and PostgreSQL), each checked to give the
//! same numbers.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::databases::{create_pg_db, drop_pg_db, pg_url_for, remove_sqlite};
use anyhow::{Context, bail};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use clap::Args;
use kringloop_events::{Gebeurtenis, Regime, pseudoniem_van_stream};
use kringloop_import::demo::{DemoConfig, DemoSummary, Scope, generate, write_to_store};
use kringloop_projections::{Dimensie, Filter, Meta, Periode, Projection, Query, RecordKeys};
use kringloop_runner::{Runner, RunnerOptions};
use kringloop_store::EventStore;
use serde_json::{Value, json};
use sqlx::{Connection, Row};
use uuid::Uuid;

#[derive(Debug, Clone, Args)]
pub struct ProjectionsArgs {
    /// Volume of the demo history (1.0 = the Netherlands).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    #[arg(long, default_value_t = 2017)]
    from_year: i32,
    #[arg(long, default_value_t = 2026)]
    to_year: i32,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Backends: sqlite, postgres or both (the detailed figures are taken on SQLite).
    #[arg(long, default_value = "both")]
    backend: String,
    /// PostgreSQL server (a fresh database is created on it and dropped afterwards).
    #[arg(
        long,
        env = "KRINGLOOP_BENCH_PG_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pg_url: String,
    /// Directory for the SQLite files.
    #[arg(long, default_value = "target/bench-data")]
    dir: PathBuf,
    /// Reuse the SQLite history of an earlier run with the same settings (development).
    #[arg(long)]
    reuse: bool,
    /// Runs per latency figure.
    #[arg(long, default_value_t = 200)]
    runs: usize,
    /// Runs per 40-quarter series figure.
    #[arg(long, default_value_t = 100)]
    series_runs: usize,
    /// Runs per SQL figure.
    #[arg(long, default_value_t = 30)]
    sql_runs: usize,
    /// Events per `read_all` page (reading and the runner).
    #[arg(long, default_value_t = 10_000)]
    page: usize,
    /// Warn when the history is smaller than this.
    #[arg(long, default_value_t = 5_000_000)]
    min_events: u64,
    /// Development: generate the history in memory (positions in generation order, the
    /// generator's recorded times), then measure only the fold and the KPI latencies; no
    /// store, no SQL. For profiling (`perf record`) without waiting for the database.
    #[arg(long)]
    in_memory: bool,
    /// In-memory mode: number of folds, in turn in two stages, on one thread with
    /// prefetch hints and on one thread without (1 = one two-stage fold, to profile the
    /// queries).
    #[arg(long, default_value_t = 5)]
    folds: usize,
}

// ------------------------------------------------------------------------------ helpers

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn proc_status(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// CPU seconds of the whole process (user + system; /proc reports USER_HZ = 100 ticks).
fn cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let u: f64 = f.get(11)?.parse().ok()?;
            let k: f64 = f.get(12)?.parse().ok()?;
            Some((u + k) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn rss() -> u64 {
    proc_status("VmRSS:").unwrap_or(0)
}

fn hwm() -> u64 {
    proc_status("VmHWM:").unwrap_or(0)
}

fn gib(b: u64) -> f64 {
    b as f64 / (1u64 << 30) as f64
}

fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<u64>()
                    .unwrap_or(0)
                    * 1024
            })
        })
        .unwrap_or(0);
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    json!({
        "nproc": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "cpu": cpu,
        "mem_gib": (gib(mem) * 10.0).round() / 10.0,
        "command": std::env::args().collect::<Vec<_>>().join(" "),
        "commit": commit,
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
        "date": Utc::now().to_rfc3339(),
        "loadavg_start": loadavg(),
    })
}

fn date(y: i32, m: u32, d: u32) -> anyhow::Result<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).with_context(|| format!("invalid date {y}-{m}-{d}"))
}

fn dag(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

// ------------------------------------------------------------------------------ stores

fn demo_config(args: &ProjectionsArgs) -> DemoConfig {
    DemoConfig {
        seed: args.seed,
        scope: Scope::AllResidential,
        scale: args.scale,
        from_year: args.from_year,
        to_year: args.to_year,
        data_problems: true,
    }
}

/// Generates the history into `store`; (summary, seconds).
async fn write_history(
    store: &dyn EventStore,
    args: &ProjectionsArgs,
) -> anyhow::Result<(DemoSummary, f64)> {
    let config = demo_config(args);
    let started = Instant::now();
    let mut last_report = Instant::now();
    let summary = write_to_store(store, generate(&config)?, 10_000, |n| {
        if last_report.elapsed() > Duration::from_secs(15) {
            last_report = Instant::now();
            eprintln!(
                "   … {n} events written ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
    })
    .await?;
    Ok((summary, started.elapsed().as_secs_f64()))
}

fn summary_json(s: &DemoSummary) -> Value {
    json!({
        "events": s.events,
        "jeugdigen": s.jeugdigen,
        "plaatsingen_gestart": s.plaatsingen,
        "doorplaatsingen": s.doorplaatsingen,
        "voorzieningen": s.voorzieningen,
        "correcties": s.correcties,
        "intrekkingen": s.intrekkingen,
        "appends": s.appends,
        "per_type": s.per_type,
        "first_recorded": s.eerste_registratie.map(|t| t.to_rfc3339()),
        "last_recorded": s.laatste_registratie.map(|t| t.to_rfc3339()),
    })
}

// ------------------------------------------------------------------------------ decoded log

/// An event decoded once, kept for the fold and the naive replays.
struct Decoded {
    position: i64,
    event_id: Uuid,
    recorded_at: DateTime<Utc>,
    stream: String,
    g: Gebeurtenis,
}

impl Decoded {
    fn meta(&self) -> Meta<'_> {
        Meta {
            position: self.position,
            event_id: self.event_id,
            recorded_at: self.recorded_at,
            stream: &self.stream,
        }
    }
}

struct Loaded {
    events: Vec<Decoded>,
    undecodable: u64,
    read_secs: f64,
    decode_secs: f64,
}

/// Reads the whole log in `read_for_fold` pages, as the runner does (timed), and decodes
/// the payloads (timed separately), keeping only what the fold needs.
async fn load(store: &dyn EventStore, page: usize) -> anyhow::Result<Loaded> {
    let mut events = Vec::new();
    let mut undecodable = 0;
    let (mut read, mut decode) = (Duration::ZERO, Duration::ZERO);
    let mut after = 0;
    loop {
        let t = Instant::now();
        let rows = store.read_for_fold(after, page).await?;
        read += t.elapsed();
        let Some(last) = rows.last_position() else {
            break;
        };
        after = last;
        let t = Instant::now();
        events.reserve(rows.len());
        for e in rows.iter() {
            match Gebeurtenis::decode(e.event_type, e.schema_version, e.payload) {
                Ok(g) => events.push(Decoded {
                    position: e.position,
                    event_id: e.event_id,
                    recorded_at: e.recorded_at,
                    stream: e.stream.to_owned(),
                    g,
                }),
                Err(_) => undecodable += 1,
            }
        }
        decode += t.elapsed();
    }
    Ok(Loaded {
        events,
        undecodable,
        read_secs: read.as_secs_f64(),
        decode_secs: decode.as_secs_f64(),
    })
}

/// How a fold runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vouw {
    /// As the runner's catch-up does: derivation on this thread, the youth tables on a
    /// second one (`Projection::concurrently`), with prefetch hints.
    TweeFasen,
    /// Everything on this thread, with prefetch hints.
    EenDraad,
    /// Everything on this thread, without hints.
    ZonderHints,
}

impl Vouw {
    fn naam(self) -> &'static str {
        match self {
            Vouw::TweeFasen => "two stages (2 threads), prefetch hints",
            Vouw::EenDraad => "one thread, prefetch hints",
            Vouw::ZonderHints => "one thread, no hints",
        }
    }
}

/// Folds `events` in the way `vouw` says.
fn fold_met(events: &[Decoded], vouw: Vouw) -> (Projection, u64) {
    let mut p = Projection::new();
    p.reserve(events.len());
    let alle = |p: &mut Projection| {
        let mut errors = 0;
        for (i, e) in events.iter().enumerate() {
            if vouw != Vouw::ZonderHints {
                p.prefetch_ahead(i, |k| events.get(k).map(|e| e.stream.as_str()));
            }
            if p.apply_decoded(e.meta(), &e.g).is_err() {
                errors += 1;
            }
        }
        errors
    };
    let errors = if vouw == Vouw::TweeFasen {
        p.concurrently(alle)
    } else {
        let errors = alle(&mut p);
        p.maintain();
        errors
    };
    (p, errors)
}

fn fold(events: &[Decoded]) -> (Projection, u64) {
    fold_met(events, Vouw::TweeFasen)
}

// ------------------------------------------------------------------------------ placements table

/// A reference derivation of placement intervals from the events, written for this
/// benchmark from KPIS.md and the projection's documented semantics, to materialise the
/// `placements` table a SQL user would query. Versioned like the projection: after every
/// event of a youth its placements are derived again; rows that disappear get
/// `known_to`, new rows `known_from` (recorded time, µs).
mod afleiding {
    use std::collections::HashMap;

    use kringloop_events::{Gebeurtenis, Vorm};

    use super::dag;

    pub const OPEN: i32 = i32::MAX;
    pub const NOOIT: i64 = i64::MAX;
    pub const EPISODESTART: u8 = 1;
    pub const DOOR: u8 = 2;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Feit {
        Woon {
            gemeente: u32,
            dag: i32,
        },
        Start {
            vz: u32,
            dag: i32,
        },
        Door {
            van: u32,
            naar: u32,
            dag: i32,
        },
        Eind {
            vz: Option<u32>,
            dag: i32,
        },
        /// A youth fact that does not shape placements (authorisations).
        Anders,
    }

    impl Feit {
        fn sortering(&self) -> (i32, u8) {
            match *self {
                Feit::Woon { dag, .. } => (dag, 0),
                Feit::Eind { dag, .. } => (dag, 1),
                Feit::Door { dag, .. } => (dag, 2),
                Feit::Start { dag, .. } => (dag, 3),
                Feit::Anders => (i32::MIN, 0),
            }
        }
    }

    #[derive(Debug, Clone)]
    struct Invoer {
        id: u128,
        pos: i64,
        actief: bool,
        feit: Feit,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Rij {
        pub jeugdige: u32,
        pub vz: u32,
        pub begin: i32,
        pub eind: i32,
        pub herkomst: Option<u32>,
        pub vlaggen: u8,
    }

    #[derive(Debug, Clone, Copy)]
    pub struct Versie {
        pub rij: Rij,
        pub van: i64,
        pub tot: i64,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Attr {
        pub gemeente: u32,
        pub vorm: Vorm,
        pub regime: kringloop_events::Regime,
        orde: i64,
    }

    #[derive(Default)]
    pub struct Namen {
        ids: HashMap<String, u32>,
        pub namen: Vec<String>,
    }

    impl Namen {
        pub fn id(&mut self, s: &str) -> u32 {
            if let Some(&i) = self.ids.get(s) {
                return i;
            }
            let i = self.namen.len() as u32;
            self.ids.insert(s.to_owned(), i);
            self.namen.push(s.to_owned());
            i
        }
    }

    #[derive(Default)]
    struct Jeugdige {
        invoer: Vec<Invoer>,
        open: Vec<usize>,
    }

    #[derive(Default)]
    pub struct Afleiding {
        pub gemeenten: Namen,
        pub regios: Namen,
        pub vz: Namen,
        jeugdigen: HashMap<String, u32>,
        staat: Vec<Jeugdige>,
        /// Facility → registrations (original event id → attributes).
        registraties: HashMap<u32, Vec<(u128, Attr)>>,
        pub attr: HashMap<u32, Attr>,
        /// Gemeente → (regio, orde).
        pub regio_van: HashMap<u32, (u32, i64)>,
        alias: HashMap<u128, u128>,
        /// Original id → facility of a registration (for its corrections).
        reg_vz: HashMap<u128, u32>,
        pub versies: Vec<Versie>,
    }

    impl Afleiding {
        fn los_op(&self, mut id: u128) -> u128 {
            for _ in 0..64 {
                match self.alias.get(&id) {
                    Some(&o) => id = o,
                    None => break,
                }
            }
            id
        }

        fn feit(&mut self, g: &Gebeurtenis) -> Option<Feit> {
            Some(match g {
                Gebeurtenis::JeugdigeGeregistreerd(e) => Feit::Woon {
                    gemeente: self.gemeenten.id(&e.woongemeente),
                    dag: dag(e.datum),
                },
                Gebeurtenis::WoongemeenteGewijzigd(e) => Feit::Woon {
                    gemeente: self.gemeenten.id(&e.woongemeente),
                    dag: dag(e.datum),
                },
                Gebeurtenis::PlaatsingGestart(e) => Feit::Start {
                    vz: self.vz.id(&e.voorziening),
                    dag: dag(e.datum),
                },
                Gebeurtenis::Doorgeplaatst(e) => Feit::Door {
                    van: self.vz.id(&e.van),
                    naar: self.vz.id(&e.naar),
                    dag: dag(e.datum),
                },
                Gebeurtenis::PlaatsingBeeindigd(e) => Feit::Eind {
                    vz: e.voorziening.as_deref().map(|v| self.vz.id(v)),
                    dag: dag(e.datum),
                },
                Gebeurtenis::MachtigingAfgegeven(_) | Gebeurtenis::MachtigingBeeindigd(_) => {
                    Feit::Anders
                }
                _ => return None,
            })
        }

        fn herbereken_attr(&mut self, vz: u32) {
            let nu = self
                .registraties
                .get(&vz)
                .and_then(|r| r.iter().map(|(_, a)| *a).max_by_key(|a| a.orde));
            match nu {
                Some(a) => self.attr.insert(vz, a),
                None => self.attr.remove(&vz),
            };
        }

        fn attr_van(&mut self, g: &Gebeurtenis, orde: i64) -> Option<(u32, Attr)> {
            match g {
                Gebeurtenis::VoorzieningGeregistreerd(e) => {
                    let vz = self.vz.id(&e.id);
                    Some((
                        vz,
                        Attr {
                            gemeente: self.gemeenten.id(&e.gemeente),
                            vorm: e.vorm,
                            regime: e.regime,
                            orde,
                        },
                    ))
                }
                _ => None,
            }
        }

        pub fn apply(
            &mut self,
            position: i64,
            id: u128,
            micros: i64,
            stream: &str,
            g: &Gebeurtenis,
        ) {
            match g {
                Gebeurtenis::GemeenteGeregistreerd(e) => {
                    let gem = self.gemeenten.id(&e.code);
                    let regio = self.regios.id(&e.jeugdregio);
                    self.regio_van.insert(gem, (regio, position));
                }
                Gebeurtenis::VoorzieningGeregistreerd(_) => {
                    if let Some((vz, a)) = self.attr_van(g, position) {
                        self.registraties.entry(vz).or_default().push((id, a));
                        self.reg_vz.insert(id, vz);
                        self.herbereken_attr(vz);
                    }
                }
                Gebeurtenis::FeitGecorrigeerd(c) => {
                    let orig = self.los_op(c.vervangt.as_u128());
                    self.alias.insert(id, orig);
                    if let Some(&vz) = self.reg_vz.get(&orig) {
                        let orde = self
                            .registraties
                            .get(&vz)
                            .and_then(|r| r.iter().find(|(i, _)| *i == orig))
                            .map_or(position, |(_, a)| a.orde);
                        if let Some((_, a)) = self.attr_van(&c.nieuw, orde)
                            && let Some(r) = self.registraties.get_mut(&vz)
                            && let Some(slot) = r.iter_mut().find(|(i, _)| *i == orig)
                        {
                            slot.1 = a;
                        }
                        self.herbereken_attr(vz);
                    } else if pseudoniem_van(stream) {
                        let nieuw = self.feit(&c.nieuw);
                        let j = self.jeugdige(stream);
                        if let Some(inv) = self.staat[j as usize]
                            .invoer
                            .iter_mut()
                            .find(|i| i.id == orig)
                            && let Some(f) = nieuw
                        {
                            inv.feit = f;
                        }
                        self.leid_af(j, micros);
                    }
                }
                Gebeurtenis::FeitIngetrokken(t) => {
                    let orig = self.los_op(t.event_id.as_u128());
                    self.alias.insert(id, orig);
                    if let Some(&vz) = self.reg_vz.get(&orig) {
                        if let Some(r) = self.registraties.get_mut(&vz) {
                            r.retain(|(i, _)| *i != orig);
                        }
                        self.herbereken_attr(vz);
                    } else if pseudoniem_van(stream) {
                        let j = self.jeugdige(stream);
                        if let Some(inv) = self.staat[j as usize]
                            .invoer
                            .iter_mut()
                            .find(|i| i.id == orig)
                        {
                            inv.actief = false;
                        }
                        self.leid_af(j, micros);
                    }
                }
                _ => {
                    if !pseudoniem_van(stream) {
                        return;
                    }
                    let Some(f) = self.feit(g) else { return };
                    let j = self.jeugdige(stream);
                    self.staat[j as usize].invoer.push(Invoer {
                        id,
                        pos: position,
                        actief: true,
                        feit: f,
                    });
                    if f != Feit::Anders {
                        self.leid_af(j, micros);
                    }
                }
            }
        }

        fn jeugdige(&mut self, stream: &str) -> u32 {
            if let Some(&j) = self.jeugdigen.get(stream) {
                return j;
            }
            let j = self.staat.len() as u32;
            self.jeugdigen.insert(stream.to_owned(), j);
            self.staat.push(Jeugdige::default());
            j
        }

        fn leid_af(&mut self, j: u32, micros: i64) {
            let attr = &self.attr;
            let is_amb = |vz: u32| attr.get(&vz).is_some_and(|a| a.vorm == Vorm::Ambulant);
            let st = &mut self.staat[j as usize];
            let mut volgorde: Vec<&Invoer> = st
                .invoer
                .iter()
                .filter(|i| i.actief && i.feit != Feit::Anders)
                .collect();
            volgorde.sort_by_key(|i| (i.feit.sortering(), i.pos));
            let woon: Vec<(i32, u32)> = volgorde
                .iter()
                .filter_map(|i| match i.feit {
                    Feit::Woon { gemeente, dag } => Some((dag, gemeente)),
                    _ => None,
                })
                .collect();
            let herkomst = |d: i32| {
                woon.iter()
                    .rev()
                    .find(|(w, _)| *w <= d)
                    .or(woon.first())
                    .map(|(_, g)| *g)
            };
            // (vz, begin, flags, herkomst of the episode)
            type Lopend = (u32, i32, u8, Option<u32>);
            let mut res: Option<Lopend> = None;
            let mut amb: Vec<Lopend> = Vec::new();
            let mut rijen: Vec<Rij> = Vec::new();
            let sluit = |l: Lopend, d: i32, rijen: &mut Vec<Rij>| {
                rijen.push(Rij {
                    jeugdige: j,
                    vz: l.0,
                    begin: l.1,
                    eind: d.max(l.1),
                    herkomst: l.3,
                    vlaggen: l.2,
                });
            };
            for i in &volgorde {
                match i.feit {
                    Feit::Start { vz, dag } => {
                        if is_amb(vz) {
                            if let Some(p) = amb.iter().position(|l| l.0 == vz) {
                                let l = amb.swap_remove(p);
                                sluit(l, dag, &mut rijen);
                            }
                            amb.push((vz, dag, EPISODESTART, herkomst(dag)));
                        } else {
                            if let Some(l) = res.take() {
                                sluit(l, dag, &mut rijen);
                            }
                            res = Some((vz, dag, EPISODESTART, herkomst(dag)));
                        }
                    }
                    Feit::Door { van, naar, dag } => {
                        let vorige = match amb.iter().position(|l| l.0 == van) {
                            Some(p) => Some(amb.swap_remove(p)),
                            None => res.take(),
                        };
                        let (v, h) = match vorige {
                            Some(l) => {
                                let h = l.3;
                                sluit(l, dag, &mut rijen);
                                (DOOR, h)
                            }
                            None => (EPISODESTART, herkomst(dag)),
                        };
                        if is_amb(naar) {
                            amb.push((naar, dag, v, h));
                        } else {
                            if let Some(oud) = res.take() {
                                sluit(oud, dag, &mut rijen);
                            }
                            res = Some((naar, dag, v, h));
                        }
                    }
                    Feit::Eind { vz, dag } => {
                        let l = match amb.iter().position(|l| Some(l.0) == vz) {
                            Some(p) => Some(amb.swap_remove(p)),
                            None => res.take(),
                        };
                        if let Some(l) = l {
                            sluit(l, dag, &mut rijen);
                        }
                    }
                    Feit::Woon { .. } | Feit::Anders => {}
                }
            }
            if let Some(l) = res.take() {
                sluit(l, OPEN, &mut rijen);
            }
            for l in amb.drain(..) {
                sluit(l, OPEN, &mut rijen);
            }
            // Diff against the open versions: close what went, open what came.
            let mut open = std::mem::take(&mut st.open);
            let mut nieuw = rijen;
            open.retain(|&vi| {
                let r = self.versies[vi].rij;
                match nieuw.iter().position(|n| *n == r) {
                    Some(p) => {
                        nieuw.swap_remove(p);
                        true
                    }
                    None => {
                        self.versies[vi].tot = micros;
                        false
                    }
                }
            });
            for r in nieuw {
                open.push(self.versies.len());
                self.versies.push(Versie {
                    rij: r,
                    van: micros,
                    tot: NOOIT,
                });
            }
            self.staat[j as usize].open = open;
        }
    }

    fn pseudoniem_van(stream: &str) -> bool {
        super::pseudoniem_van_stream(stream).is_some()
    }
}

/// One row per placement version: youth, facility, herkomst gemeente and its jeugdregio,
/// the facility's regime and form (as known now), start, end, flags, known_from/known_to.
fn placements_table(events: &[Decoded]) -> (afleiding::Afleiding, Vec<PlacementRow>) {
    let mut a = afleiding::Afleiding::default();
    for e in events {
        a.apply(
            e.position,
            e.event_id.as_u128(),
            e.recorded_at.timestamp_micros(),
            &e.stream,
            &e.g,
        );
    }
    let mut rows = Vec::with_capacity(a.versies.len());
    for v in &a.versies {
        let r = v.rij;
        let attr = a.attr.get(&r.vz).copied();
        let regio = r
            .herkomst
            .and_then(|g| a.regio_van.get(&g))
            .and_then(|(reg, _)| a.regios.namen.get(*reg as usize).cloned());
        rows.push(PlacementRow {
            youth: i64::from(r.jeugdige),
            facility: a.vz.namen.get(r.vz as usize).cloned().unwrap_or_default(),
            gemeente: r
                .herkomst
                .and_then(|g| a.gemeenten.namen.get(g as usize).cloned()),
            regio,
            regime: attr.map(|x| x.regime.code().to_owned()),
            vorm: attr.map(|x| x.vorm.code().to_owned()),
            start: i64::from(r.begin),
            end: i64::from(r.eind),
            flags: i64::from(r.vlaggen),
            known_from: v.van,
            known_to: v.tot,
        });
    }
    (a, rows)
}

#[derive(Debug, Clone)]
struct PlacementRow {
    youth: i64,
    facility: String,
    gemeente: Option<String>,
    regio: Option<String>,
    regime: Option<String>,
    vorm: Option<String>,
    start: i64,
    end: i64,
    flags: i64,
    known_from: i64,
    known_to: i64,
}

const PLACEMENT_COLUMNS: &str = "youth, facility, gemeente, regio, regime, vorm, start_day, end_day, flags, known_from, known_to";

async fn sqlite_placements(
    path: &std::path::Path,
    rows: &[PlacementRow],
) -> anyhow::Result<sqlx::SqliteConnection> {
    remove_sqlite(path);
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Normal);
    let mut conn = sqlx::SqliteConnection::connect_with(&opts).await?;
    sqlx::query("PRAGMA cache_size = -1000000")
        .execute(&mut conn)
        .await?;
    sqlx::query("CREATE TABLE placements (youth INTEGER NOT NULL, facility TEXT NOT NULL, gemeente TEXT, regio TEXT, regime TEXT, vorm TEXT, start_day INTEGER NOT NULL, end_day INTEGER NOT NULL, flags INTEGER NOT NULL, known_from INTEGER NOT NULL, known_to INTEGER NOT NULL)")
        .execute(&mut conn)
        .await?;
    let mut tx = conn.begin().await?;
    for chunk in rows.chunks(2_000) {
        let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(format!(
            "INSERT INTO placements ({PLACEMENT_COLUMNS}) "
        ));
        qb.push_values(chunk, |mut b, r| {
            b.push_bind(r.youth)
                .push_bind(r.facility.clone())
                .push_bind(r.gemeente.clone())
                .push_bind(r.regio.clone())
                .push_bind(r.regime.clone())
                .push_bind(r.vorm.clone())
                .push_bind(r.start)
                .push_bind(r.end)
                .push_bind(r.flags)
                .push_bind(r.known_from)
                .push_bind(r.known_to);
        });
        qb.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    for ddl in [
        "CREATE INDEX placements_start_end ON placements (start_day, end_day)",
        "CREATE INDEX placements_regio_regime_start ON placements (regio, regime, start_day, end_day)",
        // Covering index for the GROUP BY: an index-only range scan on start_day.
        "CREATE INDEX placements_cover ON placements (start_day, end_day, known_from, known_to, regio, regime)",
        "ANALYZE",
    ] {
        sqlx::query(ddl).execute(&mut conn).await?;
    }
    Ok(conn)
}

async fn pg_placements(url: &str, rows: &[PlacementRow]) -> anyhow::Result<sqlx::PgConnection> {
    let mut conn = sqlx::PgConnection::connect(url).await?;
    sqlx::query("CREATE TABLE placements (youth BIGINT NOT NULL, facility TEXT NOT NULL, gemeente TEXT, regio TEXT, regime TEXT, vorm TEXT, start_day INT NOT NULL, end_day INT NOT NULL, flags INT NOT NULL, known_from BIGINT NOT NULL, known_to BIGINT NOT NULL)")
        .execute(&mut conn)
        .await?;
    let mut tx = conn.begin().await?;
    for chunk in rows.chunks(4_000) {
        let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new(format!(
            "INSERT INTO placements ({PLACEMENT_COLUMNS}) "
        ));
        qb.push_values(chunk, |mut b, r| {
            b.push_bind(r.youth)
                .push_bind(r.facility.clone())
                .push_bind(r.gemeente.clone())
                .push_bind(r.regio.clone())
                .push_bind(r.regime.clone())
                .push_bind(r.vorm.clone())
                .push_bind(r.start as i32)
                .push_bind(r.end as i32)
                .push_bind(r.flags as i32)
                .push_bind(r.known_from)
                .push_bind(r.known_to);
        });
        qb.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    for ddl in [
        "CREATE INDEX placements_start_end ON placements (start_day, end_day)",
        "CREATE INDEX placements_regio_regime_start ON placements (regio, regime, start_day, end_day)",
        // Covering index for the GROUP BY: an index-only range scan on start_day.
        "CREATE INDEX placements_cover ON placements (start_day, end_day, known_from, known_to, regio, regime)",
        "VACUUM ANALYZE placements",
    ] {
        sqlx::query(ddl).execute(&mut conn).await?;
    }
    Ok(conn)
}

// The SQL a user would write. `?`/`$n`: peildatum or period, knowledge time.
const SQLITE_BEZETTING_CEL: &str = "SELECT count(*) FROM placements WHERE regio = ?1 AND regime = ?2 AND start_day <= ?3 AND ?3 < end_day AND known_from <= ?4 AND ?4 < known_to";
const PG_BEZETTING_CEL: &str = "SELECT count(*) FROM placements WHERE regio = $1 AND regime = $2 AND start_day <= $3 AND $3 < end_day AND known_from <= $4 AND $4 < known_to";
const SQLITE_PLAATSINGEN_CEL: &str = "SELECT coalesce(sum(flags & 1 != 0), 0), coalesce(sum(flags & 3 != 0), 0) FROM placements WHERE regio = ?1 AND regime = ?2 AND start_day >= ?3 AND start_day < ?4 AND known_from <= ?5 AND ?5 < known_to";
const PG_PLAATSINGEN_CEL: &str = "SELECT coalesce(sum(CASE WHEN flags & 1 <> 0 THEN 1 ELSE 0 END), 0)::bigint, coalesce(sum(CASE WHEN flags & 3 <> 0 THEN 1 ELSE 0 END), 0)::bigint FROM placements WHERE regio = $1 AND regime = $2 AND start_day >= $3 AND start_day < $4 AND known_from <= $5 AND $5 < known_to";
const SQLITE_BEZETTING_GROEP: &str = "SELECT regio, regime, count(*) FROM placements WHERE start_day <= ?1 AND ?1 < end_day AND known_from <= ?2 AND ?2 < known_to AND regio IS NOT NULL AND regime IS NOT NULL GROUP BY regio, regime";
const PG_BEZETTING_GROEP: &str = "SELECT regio, regime, count(*) FROM placements WHERE start_day <= $1 AND $1 < end_day AND known_from <= $2 AND $2 < known_to AND regio IS NOT NULL AND regime IS NOT NULL GROUP BY regio, regime";

type Groep = HashMap<(String, String), i64>;

enum Sql {
    Sqlite(sqlx::SqliteConnection),
    Pg(sqlx::PgConnection),
}

impl Sql {
    fn name(&self) -> &'static str {
        match self {
            Sql::Sqlite(_) => "sqlite",
            Sql::Pg(_) => "postgres",
        }
    }

    async fn bezetting_cel(
        &mut self,
        regio: &str,
        regime: &str,
        peil: i32,
        k: i64,
    ) -> anyhow::Result<i64> {
        Ok(match self {
            Sql::Sqlite(c) => {
                sqlx::query_scalar(SQLITE_BEZETTING_CEL)
                    .bind(regio)
                    .bind(regime)
                    .bind(peil)
                    .bind(k)
                    .fetch_one(c)
                    .await?
            }
            Sql::Pg(c) => {
                sqlx::query_scalar(PG_BEZETTING_CEL)
                    .bind(regio)
                    .bind(regime)
                    .bind(peil)
                    .bind(k)
                    .fetch_one(c)
                    .await?
            }
        })
    }

    async fn plaatsingen_cel(
        &mut self,
        regio: &str,
        regime: &str,
        van: i32,
        tot: i32,
        k: i64,
    ) -> anyhow::Result<(i64, i64)> {
        let row = match self {
            Sql::Sqlite(c) => {
                let r = sqlx::query(SQLITE_PLAATSINGEN_CEL)
                    .bind(regio)
                    .bind(regime)
                    .bind(van)
                    .bind(tot)
                    .bind(k)
                    .fetch_one(c)
                    .await?;
                (r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?)
            }
            Sql::Pg(c) => {
                let r = sqlx::query(PG_PLAATSINGEN_CEL)
                    .bind(regio)
                    .bind(regime)
                    .bind(van)
                    .bind(tot)
                    .bind(k)
                    .fetch_one(c)
                    .await?;
                (r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?)
            }
        };
        Ok(row)
    }

    async fn bezetting_groep(&mut self, peil: i32, k: i64) -> anyhow::Result<Groep> {
        let mut out = Groep::new();
        match self {
            Sql::Sqlite(c) => {
                for r in sqlx::query(SQLITE_BEZETTING_GROEP)
                    .bind(peil)
                    .bind(k)
                    .fetch_all(c)
                    .await?
                {
                    out.insert((r.try_get(0)?, r.try_get(1)?), r.try_get(2)?);
                }
            }
            Sql::Pg(c) => {
                for r in sqlx::query(PG_BEZETTING_GROEP)
                    .bind(peil)
                    .bind(k)
                    .fetch_all(c)
                    .await?
                {
                    out.insert((r.try_get(0)?, r.try_get(1)?), r.try_get(2)?);
                }
            }
        }
        Ok(out)
    }
}

/// p50 and p99 (ms) of `runs` calls of `f`, after three warm-up calls; and the last result.
async fn timed<F, T>(runs: usize, mut f: F) -> anyhow::Result<(f64, f64, T)>
where
    F: AsyncFnMut() -> anyhow::Result<T>,
{
    let mut last = f().await?;
    for _ in 0..2 {
        last = f().await?;
    }
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        last = f().await?;
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    ms.sort_by(f64::total_cmp);
    Ok((percentile(&ms, 0.5), percentile(&ms, 0.99), last))
}

// ------------------------------------------------------------------------------ the run

struct Report {
    rows: Vec<[String; 5]>,
    json: serde_json::Map<String, Value>,
}

impl Report {
    fn row(&mut self, section: &str, measure: &str, value: String, goal: &str, met: Option<bool>) {
        let met = match met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "",
        };
        self.rows.push([
            section.to_owned(),
            measure.to_owned(),
            value,
            goal.to_owned(),
            met.to_owned(),
        ]);
    }
}

/// `--in-memory`: the fold and the KPI latencies on a generated history, without a store.
fn run_in_memory(args: &ProjectionsArgs) -> anyhow::Result<()> {
    println!("{}", crate::ijkpunt::regel(&crate::ijkpunt::meet()));
    let t = Instant::now();
    let events: Vec<Decoded> = generate(&demo_config(args))?
        .enumerate()
        .map(|(i, e)| Decoded {
            position: i as i64 + 1,
            event_id: e.event_id,
            recorded_at: e.recorded_at,
            stream: e.stream,
            g: e.fact,
        })
        .collect();
    eprintln!(
        "generated {} events in {:.1} s",
        events.len(),
        t.elapsed().as_secs_f64()
    );
    // The three ways in turn; the first fold also warms the allocator (later folds reuse
    // the memory of the projection dropped before them). CPU is the process's: the
    // two-stage fold uses two threads.
    let mut p = Projection::new();
    let wijzen = [Vouw::TweeFasen, Vouw::EenDraad, Vouw::ZonderHints];
    for vouw in wijzen.into_iter().cycle().take(args.folds.max(1)) {
        drop(p);
        let rss0 = rss();
        let t = Instant::now();
        let tc = cpu_secs();
        let (folded, errors) = fold_met(&events, vouw);
        let (secs, cpu) = (t.elapsed().as_secs_f64(), cpu_secs() - tc);
        let n = events.len() as f64;
        println!(
            "fold, {}: {secs:.2} s wall, {cpu:.2} CPU-s ({:.0} ev/s, {:.0} ev per CPU-s), {errors} errors, +{:.2} GiB resident",
            vouw.naam(),
            n / secs,
            n / cpu,
            gib(rss().saturating_sub(rss0))
        );
        p = folded;
    }
    println!(
        "{:?}; bitemporal occupancy log: {} changes",
        p.sizes(),
        p.bezettingslog_entries()
    );
    let kwartaal = Periode::kwartaal(2023, 1)?;
    let k: DateTime<Utc> = "2023-06-30T00:00:00Z".parse()?;
    let series = Periode::reeks(
        date(args.to_year - 9, 1, 1)?,
        date(args.to_year + 1, 1, 1)?,
        kringloop_projections::Granulariteit::Kwartaal,
    )?;
    let q = Query::new(kwartaal);
    // The filter of the store-backed run: the first jeugdregio registered, closed care.
    let regio = events
        .iter()
        .find_map(|e| match &e.g {
            Gebeurtenis::JeugdregioGeregistreerd(r) => Some(r.code.clone()),
            _ => None,
        })
        .context("the history has no jeugdregio")?;
    let qf = q.clone().filter(Filter {
        jeugdregio: Some(regio),
        regime: Some(Regime::Gesloten),
        ..Filter::default()
    });
    // Exact (person-level roles) and protected by the cell-key method (aggregate roles),
    // in alternating runs so that both see the same machine.
    let sleutels = RecordKeys::new(b"benchmark secret of 32 bytes...");
    for (naam, q, reeks) in [
        ("quarter, national, now", q.clone(), false),
        ("quarter, jeugdregio + GESLOTEN, now", qf.clone(), false),
        ("series, national, now", q.clone(), true),
        ("series, national, K", q.clone().known_at(k), true),
        ("series, jeugdregio + GESLOTEN, now", qf.clone(), true),
        ("series, jeugdregio + GESLOTEN, K", qf.known_at(k), true),
    ] {
        let mut ms = [Vec::new(), Vec::new()];
        let mut cpu = [0.0f64; 2];
        for _ in 0..args.series_runs.max(1) {
            for (i, beschermd) in [false, true].into_iter().enumerate() {
                let c0 = cpu_secs();
                let t = Instant::now();
                match (reeks, beschermd) {
                    (true, false) => drop(std::hint::black_box(p.reeks(&q, &series))),
                    (true, true) => drop(std::hint::black_box(
                        p.reeks_beschermd(&q, &series, &sleutels),
                    )),
                    (false, false) => drop(std::hint::black_box(p.kpis(&q))),
                    (false, true) => drop(std::hint::black_box(p.kpis_beschermd(&q, &sleutels))),
                }
                ms[i].push(t.elapsed().as_secs_f64() * 1e3);
                cpu[i] += cpu_secs() - c0;
            }
        }
        let mut p99 = [0.0; 2];
        for (i, soort) in ["exact", "protected"].into_iter().enumerate() {
            let cpu_ms = cpu[i] * 1e3 / ms[i].len() as f64;
            ms[i].sort_by(f64::total_cmp);
            p99[i] = percentile(&ms[i], 0.99);
            println!(
                "{naam}, {soort}: p50 {:.2} ms, p99 {:.2} ms, mean CPU {cpu_ms:.2} ms (all threads); load {}",
                percentile(&ms[i], 0.5),
                p99[i],
                loadavg()
            );
        }
        println!(
            "{naam}: protected / exact p99 = {:.2} (goal <= 1.2)",
            p99[1] / p99[0]
        );
    }
    Ok(())
}

pub async fn run(args: ProjectionsArgs) -> anyhow::Result<()> {
    if args.in_memory {
        return run_in_memory(&args);
    }
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let backends: Vec<&str> = match args.backend.as_str() {
        "both" => vec!["sqlite", "postgres"],
        "sqlite" => vec!["sqlite"],
        "postgres" => vec!["postgres"],
        other => bail!("unknown backend {other}"),
    };
    let mut rep = Report {
        rows: Vec::new(),
        json: serde_json::Map::new(),
    };
    rep.json.insert("machine".into(), machine());
    let ijk = crate::ijkpunt::meet();
    eprintln!("== {}", crate::ijkpunt::regel(&ijk));
    rep.json.insert("reference".into(), ijk);
    rep.json.insert(
        "config".into(),
        json!({"scope": "all-residential", "scale": args.scale, "from_year": args.from_year, "to_year": args.to_year, "seed": args.seed, "runs": args.runs, "sql_runs": args.sql_runs, "page": args.page}),
    );

    // ---------------------------------------------------------------- SQLite history
    let sqlite_path = args.dir.join("projections-bench.db");
    let marker = args.dir.join("projections-bench.json");
    let want_marker = format!("{:?}", demo_config(&args));
    let reuse = args.reuse && std::fs::read_to_string(&marker).is_ok_and(|m| m == want_marker);
    let store: Arc<dyn EventStore> = if reuse {
        eprintln!("== sqlite: reusing {}", sqlite_path.display());
        kringloop_store::open(&sqlite_path.display().to_string()).await?
    } else {
        remove_sqlite(&sqlite_path);
        let _ = std::fs::remove_file(&marker);
        let store = kringloop_store::open(&sqlite_path.display().to_string()).await?;
        eprintln!(
            "== sqlite: generating the history (all-residential, {}–{}, scale {})",
            args.from_year, args.to_year, args.scale
        );
        let (summary, secs) = write_history(store.as_ref(), &args).await?;
        eprintln!("   {} events in {secs:.1} s", summary.events);
        rep.json.insert("history".into(), summary_json(&summary));
        rep.row(
            "history",
            "generate + write_to_store (sqlite)",
            format!(
                "{} events in {secs:.1} s ({:.0} ev/s)",
                summary.events,
                summary.events as f64 / secs
            ),
            "",
            None,
        );
        rep.json.insert("write_sqlite_secs".into(), json!(secs));
        std::fs::write(&marker, &want_marker)?;
        store
    };
    let head = store.head_position().await?;
    if (head as u64) < args.min_events {
        eprintln!(
            "WARNING: the history has {head} events, fewer than {}; raise --scale",
            args.min_events
        );
    }
    rep.json.insert("events".into(), json!(head));

    // ---------------------------------------------------------------- whole rebuild via the runner
    eprintln!("== sqlite: whole rebuild through Runner::start");
    let rss0 = rss();
    let t = Instant::now();
    let c0 = cpu_secs();
    let runner = Runner::start(
        store.clone(),
        RunnerOptions {
            batch: args.page,
            poll_interval: Duration::from_millis(100),
        },
    )
    .await?;
    let rebuild_secs = t.elapsed().as_secs_f64();
    let rebuild_cpu = cpu_secs() - c0;
    let runner_rss = rss().saturating_sub(rss0);
    eprintln!(
        "   {head} events in {rebuild_secs:.2} s; runner errors {}",
        runner.error_count()
    );
    rep.row(
        "rebuild",
        "whole rebuild, Runner::start (sqlite)",
        format!(
            "{rebuild_secs:.2} s wall ({:.0} ev/s), {rebuild_cpu:.1} CPU-s",
            head as f64 / rebuild_secs
        ),
        "< 15 s for 5M",
        Some(rebuild_secs < 15.0 * head as f64 / 5e6),
    );
    rep.json.insert("rebuild_sqlite".into(), json!({"secs": rebuild_secs, "cpu_secs": rebuild_cpu, "events_per_s": head as f64 / rebuild_secs, "errors": runner.error_count(), "rss_delta_bytes": runner_rss}));
    if let Some(c) = runner.last_catch_up() {
        let cpu = c.fold_cpu_secs.unwrap_or(f64::NAN);
        let tabellen = c.tables_cpu_secs.unwrap_or(f64::NAN);
        eprintln!(
            "   folding thread: {:.2} s busy, {cpu:.2} CPU-s; youth tables: {tabellen:.2} CPU-s",
            c.fold_busy_secs
        );
        let per_s = c.events as f64 / c.fold_busy_secs;
        rep.row(
            "rebuild",
            "fold inside the rebuild (two stages: folding thread busy, + youth-table thread CPU; pages from read_for_fold)",
            format!(
                "{:.2} s busy ({per_s:.0} ev/s); {cpu:.2} + {tabellen:.2} CPU-s ({:.0} ev per CPU-s)",
                c.fold_busy_secs,
                c.events as f64 / (cpu + tabellen)
            ),
            // With two cores the folding thread shares them with the reader and the
            // decoder here, so its busy time is not the fold's speed: the issue asks for
            // read + decode and fold separately, and the fold goal is judged on the
            // fold of decoded events below.
            "for information (shares the 2 cores with read + decode; the fold goal is judged separately below)",
            None,
        );
        rep.json.insert("rebuild_fold_sqlite".into(), json!({"events": c.events, "busy_secs": c.fold_busy_secs, "cpu_secs": c.fold_cpu_secs, "tables_cpu_secs": c.tables_cpu_secs, "events_per_busy_s": per_s}));
    }

    // ---------------------------------------------------------------- read+decode and fold
    eprintln!("== sqlite: read + decode into memory");
    let c0 = cpu_secs();
    let loaded = load(store.as_ref(), args.page).await?;
    let load_cpu = cpu_secs() - c0;
    let n = loaded.events.len() as f64;
    rep.row(
        "rebuild",
        "read (read_for_fold pages, as the runner reads)",
        format!(
            "{:.2} s ({:.0} ev/s)",
            loaded.read_secs,
            n / loaded.read_secs
        ),
        "",
        None,
    );
    rep.row(
        "rebuild",
        "decode (payload JSON → Gebeurtenis)",
        format!(
            "{:.2} s ({:.0} ev/s); read + decode {load_cpu:.1} CPU-s",
            loaded.decode_secs,
            n / loaded.decode_secs
        ),
        "",
        None,
    );
    eprintln!("== fold");
    // In two stages as the runner folds (kept: its resident memory is the projection's);
    // on one thread further on. CPU is the process's, which only the fold uses meanwhile.
    let rss1 = rss();
    let t = Instant::now();
    let tc = cpu_secs();
    let (folded, fold_errors) = fold(&loaded.events);
    let fold_secs = t.elapsed().as_secs_f64();
    let fold_cpu = cpu_secs() - tc;
    let proj_rss = rss().saturating_sub(rss1);
    rep.row(
        "rebuild",
        "fold of decoded events held in memory, two stages (derivation | youth tables; 2 threads)",
        format!(
            "{fold_secs:.2} s wall ({:.0} ev/s); {fold_cpu:.2} CPU-s ({:.0} ev per CPU-s)",
            n / fold_secs,
            n / fold_cpu
        ),
        "≥ 1,000,000 ev/s",
        Some(n / fold_secs >= 1e6),
    );
    rep.json.insert(
        "read_decode_fold".into(),
        json!({"events": loaded.events.len(), "undecodable": loaded.undecodable, "read_secs": loaded.read_secs, "decode_secs": loaded.decode_secs, "fold_secs": fold_secs, "fold_cpu_secs": fold_cpu, "fold_events_per_s": n / fold_secs, "fold_events_per_cpu_s": n / fold_cpu, "read_decode_cpu_secs": load_cpu, "fold_errors": fold_errors}),
    );

    // ---------------------------------------------------------------- memory
    let omvang = folded.sizes();
    let versies = omvang.plaatsing_versies
        + omvang.episode_versies
        + omvang.traject_versies
        + omvang.machtiging_versies
        + omvang.signaal_versies
        + omvang.capaciteit_versies;
    let per_plaatsing = proj_rss as f64 / omvang.plaatsing_versies.max(1) as f64;
    rep.row(
        "memory",
        "placement version (fact + knowledge interval)",
        format!("{} B", omvang.bytes_per_plaatsing_versie),
        "",
        None,
    );
    let log = folded.bezettingslog_entries();
    rep.row(
        "memory",
        "bitemporal occupancy log (changes with their event positions)",
        format!(
            "{log} changes × 12 B = {:.0} MiB",
            (log * 12) as f64 / 1048576.0
        ),
        "",
        None,
    );
    rep.row(
        "memory",
        "projection resident / placement versions",
        format!(
            "{:.2} GiB / {} = {per_plaatsing:.0} B per placement version (all facts, log, indexes)",
            gib(proj_rss),
            omvang.plaatsing_versies
        ),
        "",
        None,
    );
    rep.json
        .insert("omvang".into(), serde_json::to_value(omvang)?);
    rep.json.insert("memory".into(), json!({"projection_rss_delta_bytes": proj_rss, "runner_rss_delta_bytes": runner_rss, "fact_versions": versies, "bytes_per_placement_version_struct": omvang.bytes_per_plaatsing_versie, "resident_bytes_per_placement_version": per_plaatsing}));

    // ---------------------------------------------------------------- queries
    let regio = loaded
        .events
        .iter()
        .find_map(|e| match &e.g {
            Gebeurtenis::JeugdregioGeregistreerd(r) => Some(r.code.clone()),
            _ => None,
        })
        .context("the history has no jeugdregio")?;
    let filter = Filter {
        jeugdregio: Some(regio.clone()),
        regime: Some(Regime::Gesloten),
        ..Filter::default()
    };
    let kwartaal = Periode::kwartaal(2023, 1)?;
    let k: DateTime<Utc> = "2023-06-30T00:00:00Z".parse()?;
    let q_now = Query::new(kwartaal).filter(filter.clone());
    let q_k = q_now.clone().known_at(k);
    let series = Periode::reeks(
        date(args.to_year - 9, 1, 1)?,
        date(args.to_year + 1, 1, 1)?,
        kringloop_projections::Granulariteit::Kwartaal,
    )?;
    let q_series = Query::new(kwartaal);
    let q_series_k = q_series.clone().known_at(k);

    // Sanity: the runner's projection and the directly folded one agree.
    let same = runner
        .read(|p| p.kpis(&q_now) == folded.kpis(&q_now) && p.kpis(&q_k) == folded.kpis(&q_k))
        .await;
    rep.row(
        "rebuild",
        "runner's KPIs = KPIs of the directly folded projection",
        format!("{same}"),
        "true",
        Some(same),
    );
    drop(folded);
    // The same fold on one thread, for comparison (after the two-stage projection is
    // gone, so that the peak memory is that of one projection).
    let t = Instant::now();
    let tc = cpu_secs();
    let (een, _) = fold_met(&loaded.events, Vouw::EenDraad);
    let een_secs = t.elapsed().as_secs_f64();
    let een_cpu = cpu_secs() - tc;
    drop(een);
    rep.row(
        "rebuild",
        "fold of decoded events held in memory, one thread",
        format!(
            "{een_secs:.2} s wall ({:.0} ev/s); {een_cpu:.2} CPU-s ({:.0} ev per CPU-s)",
            n / een_secs,
            n / een_cpu
        ),
        "",
        None,
    );
    rep.json.insert(
        "fold_one_thread".into(),
        json!({"events": loaded.events.len(), "secs": een_secs, "cpu_secs": een_cpu}),
    );

    eprintln!(
        "== KPI latency ({} runs each, through Runner::read)",
        args.runs
    );
    let mut lat = serde_json::Map::new();
    let mut measure = async |name: &str, q: &Query, reeks: bool| -> (f64, f64) {
        let runs = if reeks { args.series_runs } else { args.runs };
        let mut ms = Vec::with_capacity(runs);
        let mut cpu = 0.0;
        for i in 0..runs + 2 {
            let c = cpu_secs();
            let t = Instant::now();
            runner
                .read(|p| {
                    if reeks {
                        std::hint::black_box(p.reeks(q, &series));
                    } else {
                        std::hint::black_box(p.kpis(q));
                    }
                })
                .await;
            if i >= 2 {
                ms.push(t.elapsed().as_secs_f64() * 1e3);
                cpu += cpu_secs() - c;
            }
        }
        ms.sort_by(f64::total_cmp);
        let r = (percentile(&ms, 0.5), percentile(&ms, 0.99));
        // CPU of all threads (a series uses three): steadier than wall time on a busy
        // machine, and what bounds a series on two cores.
        let cpu_ms = cpu * 1e3 / runs.max(1) as f64;
        eprintln!(
            "   {name}: p50 {:.2} ms, p99 {:.2} ms, mean CPU {cpu_ms:.1} ms",
            r.0, r.1
        );
        lat.insert(
            name.to_owned(),
            json!({"p50_ms": r.0, "p99_ms": r.1, "cpu_ms_mean": cpu_ms, "runs": runs}),
        );
        r
    };
    let quarter_now = measure("quarter_filtered_now", &q_now, false).await;
    let quarter_k = measure("quarter_filtered_k", &q_k, false).await;
    let series_now = measure("series_40q_now", &q_series, true).await;
    let series_k = measure("series_40q_k", &q_series_k, true).await;
    // The series with the quarter's filter (what a region's steering group asks for).
    let q_series_f = Query::new(kwartaal).filter(filter.clone());
    let q_series_f_k = q_series_f.clone().known_at(k);
    let series_f_now = measure("series_40q_filtered_now", &q_series_f, true).await;
    let series_f_k = measure("series_40q_filtered_k", &q_series_f_k, true).await;
    rep.json.insert("kpi_latency".into(), Value::Object(lat));
    let q_label = format!("one quarter (2023-Q1), jeugdregio {regio} + GESLOTEN, every KPI");
    let s_label = format!(
        "{}-quarter series ({}–{}), national, every KPI",
        series.len(),
        args.to_year - 9,
        args.to_year
    );
    rep.row(
        "latency",
        &format!("{q_label}, K = now"),
        format!("p50 {:.2} ms, p99 {:.2} ms", quarter_now.0, quarter_now.1),
        "p99 < 50 ms",
        Some(quarter_now.1 < 50.0),
    );
    rep.row(
        "latency",
        &format!("{q_label}, K = 2023-06-30"),
        format!(
            "p50 {:.2} ms, p99 {:.2} ms ({:.2}× now)",
            quarter_k.0,
            quarter_k.1,
            quarter_k.0 / quarter_now.0
        ),
        "p99 < 50 ms, ≤ 2× now",
        Some(quarter_k.1 < 50.0 && quarter_k.0 <= 2.0 * quarter_now.0),
    );
    rep.row(
        "latency",
        &format!("{s_label}, K = now"),
        format!("p50 {:.2} ms, p99 {:.2} ms", series_now.0, series_now.1),
        "p99 < 50 ms",
        Some(series_now.1 < 50.0),
    );
    rep.row(
        "latency",
        &format!("{s_label}, K = 2023-06-30"),
        format!(
            "p50 {:.2} ms, p99 {:.2} ms ({:.2}× now)",
            series_k.0,
            series_k.1,
            series_k.0 / series_now.0
        ),
        "p99 < 50 ms, ≤ 2× now",
        Some(series_k.1 < 50.0 && series_k.0 <= 2.0 * series_now.0),
    );
    let sf_label = format!(
        "{}-quarter series, jeugdregio {regio} + GESLOTEN, every KPI",
        series.len()
    );
    rep.row(
        "latency",
        &format!("{sf_label}, K = now"),
        format!("p50 {:.2} ms, p99 {:.2} ms", series_f_now.0, series_f_now.1),
        "p99 < 50 ms",
        Some(series_f_now.1 < 50.0),
    );
    rep.row(
        "latency",
        &format!("{sf_label}, K = 2023-06-30"),
        format!(
            "p50 {:.2} ms, p99 {:.2} ms ({:.2}× now)",
            series_f_k.0,
            series_f_k.1,
            series_f_k.0 / series_f_now.0
        ),
        "p99 < 50 ms, ≤ 2× now",
        Some(series_f_k.1 < 50.0 && series_f_k.0 <= 2.0 * series_f_now.0),
    );

    // ---------------------------------------------------------------- (a) naive replay per as-of query
    eprintln!("== naive replay per as-of query");
    let mut naive = Vec::new();
    for (y, m, d) in [(2019, 6, 30), (2021, 12, 31), (2023, 6, 30), (2025, 6, 30)] {
        let kk: DateTime<Utc> = date(y, m, d)?
            .and_hms_opt(0, 0, 0)
            .context("time")?
            .and_utc();
        let q = Query::new(kwartaal).filter(filter.clone()).known_at(kk);
        let upto = loaded.events.partition_point(|e| e.recorded_at <= kk);
        let t = Instant::now();
        let (p, _) = fold(&loaded.events[..upto]);
        let naive_report = p.kpis(&q);
        let naive_ms = t.elapsed().as_secs_f64() * 1e3;
        drop(p);
        let p50 = {
            let mut ms = Vec::new();
            let mut ours = None;
            for _ in 0..args.runs.min(50) {
                let t = Instant::now();
                ours = Some(runner.read(|p| p.kpis(&q)).await);
                ms.push(t.elapsed().as_secs_f64() * 1e3);
            }
            ms.sort_by(f64::total_cmp);
            (percentile(&ms, 0.5), ours.as_ref() == Some(&naive_report))
        };
        let identical = p50.1;
        let p50 = p50.0;
        eprintln!("   K {kk}: replay of {upto} events + query {naive_ms:.0} ms vs {p50:.2} ms");
        rep.row(
            "vs naive replay",
            &format!("K = {y}-{m:02}-{d:02}: fold the {upto} events recorded ≤ K, then query"),
            format!(
                "{naive_ms:.0} ms vs {p50:.2} ms = {:.0}×; identical KpiReport: {identical}",
                naive_ms / p50
            ),
            "≥ 10×, identical",
            Some(naive_ms / p50 >= 10.0 && identical),
        );
        naive.push(json!({"k": kk.to_rfc3339(), "events": upto, "naive_ms": naive_ms, "bitemporal_p50_ms": p50, "ratio": naive_ms / p50, "identical": identical}));
    }
    rep.json.insert("naive_replay".into(), Value::Array(naive));

    // ---------------------------------------------------------------- (b) SQL GROUP BY over a placements table
    eprintln!("== placements table (reference derivation from the events)");
    let t = Instant::now();
    let (afl, rows) = placements_table(&loaded.events);
    eprintln!(
        "   {} placement versions in {:.1} s",
        rows.len(),
        t.elapsed().as_secs_f64()
    );
    let regios: Vec<String> = afl.regios.namen.clone();
    drop(afl);
    drop(loaded);

    let peil = date(2023, 4, 1)?;
    let kennis_micros = [
        ("now", i64::MAX - 1, None),
        ("K=2023-06-30", k.timestamp_micros(), Some(k)),
    ];
    let (van, tot) = (dag(kwartaal.van), dag(kwartaal.tot));

    let mut sql_json = Vec::new();
    let mut pg_cleanup = None;
    let mut conns: Vec<Sql> = Vec::new();
    conns.push(Sql::Sqlite(
        sqlite_placements(&args.dir.join("placements-bench.db"), &rows).await?,
    ));

    // ---------------------------------------------------------------- PostgreSQL: history, rebuild, placements
    if backends.contains(&"postgres") {
        let db = format!("kl_bench_proj_{}", Uuid::new_v4().simple());
        create_pg_db(&args.pg_url, &db).await?;
        pg_cleanup = Some(db.clone());
        let url = pg_url_for(&args.pg_url, &db);
        let result: anyhow::Result<()> = async {
            let pg = kringloop_store::open(&url).await?;
            eprintln!("== postgres: generating the history");
            let (summary, write_secs) = write_history(pg.as_ref(), &args).await?;
            rep.row("history", "generate + write_to_store (postgres)", format!("{} events in {write_secs:.1} s ({:.0} ev/s)", summary.events, summary.events as f64 / write_secs), "", None);
            eprintln!("== postgres: whole rebuild through Runner::start");
            let t = Instant::now();
            let c0 = cpu_secs();
            let pg_runner = Runner::start(pg.clone(), RunnerOptions { batch: args.page, poll_interval: Duration::from_millis(100) }).await?;
            let secs = t.elapsed().as_secs_f64();
            let cpu = cpu_secs() - c0;
            let same = pg_runner.read(|p| p.kpis(&q_k)).await == runner.read(|p| p.kpis(&q_k)).await;
            if summary.events != head as u64 {
                eprintln!(
                    "WARNING: the PostgreSQL history has {} events, the (reused) SQLite one {head}: \
                     the generator changed since the SQLite file was written; run without --reuse",
                    summary.events
                );
            }
            rep.row("rebuild", "whole rebuild, Runner::start (postgres)", format!("{secs:.2} s wall ({:.0} ev/s), {cpu:.1} CPU-s; KPIs equal to sqlite's: {same}", summary.events as f64 / secs), "", None);
            rep.json.insert("rebuild_postgres".into(), json!({"secs": secs, "cpu_secs": cpu, "events_per_s": summary.events as f64 / secs, "kpis_equal_to_sqlite": same, "write_secs": write_secs}));
            pg_runner.shutdown().await;
            drop(pg_runner);
            pg.close().await?;
            conns.push(Sql::Pg(pg_placements(&url, &rows).await?));
            Ok(())
        }
        .await;
        if let Err(e) = result {
            drop_pg_db(&args.pg_url, &db).await;
            return Err(e);
        }
    }
    drop(rows);

    eprintln!("== SQL vs projection");
    let regimes = [Regime::Gesloten, Regime::Open];
    for (label, km, kq) in kennis_micros {
        let with_k = |q: Query| match kq {
            Some(k) => q.known_at(k),
            None => q,
        };
        // One cell: bezetting at the peildatum, jeugdregio + GESLOTEN.
        let q_cel = with_k(Query::new(kwartaal).peildatum(peil).filter(filter.clone()));
        let (ours_cel_ms, _, _) = timed(args.runs, async || {
            Ok(runner.read(|p| p.bezetting(&q_cel).waarde.of_nul()).await)
        })
        .await?;
        let ours_cel = runner.read(|p| p.bezetting(&q_cel).waarde.of_nul()).await;
        // One cell: plaatsingen in the quarter.
        let q_pl = with_k(Query::new(kwartaal).filter(filter.clone()));
        let ours_pl = runner
            .read(|p| {
                let w = p.plaatsingen(&q_pl).waarde;
                (
                    w.exclusief_doorplaatsingen.of_nul(),
                    w.inclusief_doorplaatsingen.of_nul(),
                )
            })
            .await;
        let (ours_pl_ms, _, _) = timed(args.runs, async || {
            Ok(runner
                .read(|p| {
                    p.plaatsingen(&q_pl)
                        .waarde
                        .exclusief_doorplaatsingen
                        .of_nul()
                })
                .await)
        })
        .await?;
        // Whole breakdown: bezetting per jeugdregio × regime (one query per cell).
        let cells: Vec<(String, Regime)> = regios
            .iter()
            .flat_map(|r| regimes.iter().map(move |g| (r.clone(), *g)))
            .collect();
        let groep_q: Vec<Query> = cells
            .iter()
            .map(|(r, g)| {
                with_k(Query::new(kwartaal).peildatum(peil).filter(Filter {
                    jeugdregio: Some(r.clone()),
                    regime: Some(*g),
                    ..Filter::default()
                }))
            })
            .collect();
        let ours_cellen: Groep = runner
            .read(|p| {
                cells
                    .iter()
                    .zip(&groep_q)
                    .map(|((r, g), q)| {
                        (
                            (r.clone(), g.code().to_owned()),
                            p.bezetting(q).waarde.of_nul(),
                        )
                    })
                    .filter(|(_, v)| *v != 0)
                    .collect()
            })
            .await;
        let (ours_cellen_ms, _, _) = timed(args.runs.min(50), async || {
            Ok(runner
                .read(|p| {
                    groep_q
                        .iter()
                        .map(|q| p.bezetting(q).waarde.of_nul())
                        .sum::<i64>()
                })
                .await)
        })
        .await?;
        // The same breakdown in one pass (`bezetting_per`), what GROUP BY is to SQL.
        let q_groep = with_k(Query::new(kwartaal).peildatum(peil));
        let per = |p: &Projection| {
            p.bezetting_per(&q_groep, Dimensie::Jeugdregio, Dimensie::Regime)
                .waarde
        };
        let ours_groep: Groep = runner
            .read(|p| {
                let t = per(p);
                let mut g = Groep::new();
                for (r, rij) in t.rijen.iter().zip(&t.cellen) {
                    for (k, cel) in t.kolommen.iter().zip(rij) {
                        if cel.of_nul() != 0 {
                            g.insert((r.clone(), k.clone()), cel.of_nul());
                        }
                    }
                }
                g
            })
            .await;
        let (ours_groep_ms, _, _) = timed(args.runs.min(50), async || {
            Ok(runner.read(|p| per(p).totaal.of_nul()).await)
        })
        .await?;
        let per_cel_gelijk = ours_cellen == ours_groep;
        rep.row(
            "latency",
            &format!("bezetting {peil} per jeugdregio × regime ({} cells), {label}", cells.len()),
            format!("one query per cell {ours_cellen_ms:.2} ms; bezetting_per (one pass) {ours_groep_ms:.3} ms; same cells: {per_cel_gelijk}"),
            "same cells",
            Some(per_cel_gelijk),
        );

        for c in conns.iter_mut() {
            let name = c.name();
            let (cel_ms, _, sql_cel) = timed(args.sql_runs, async || {
                c.bezetting_cel(&regio, "GESLOTEN", dag(peil), km).await
            })
            .await?;
            let (pl_ms, _, sql_pl) = timed(args.sql_runs, async || {
                c.plaatsingen_cel(&regio, "GESLOTEN", van, tot, km).await
            })
            .await?;
            let (groep_ms, _, sql_groep) = timed(args.sql_runs, async || {
                c.bezetting_groep(dag(peil), km).await
            })
            .await?;
            let sql_groep: Groep = sql_groep.into_iter().filter(|(_, v)| *v != 0).collect();
            let eq_cel = sql_cel == ours_cel;
            let eq_pl = sql_pl == ours_pl;
            let eq_groep = sql_groep == ours_groep;
            let verschil = ours_groep
                .iter()
                .filter(|(key, v)| sql_groep.get(*key) != Some(*v))
                .count()
                + sql_groep
                    .keys()
                    .filter(|key| !ours_groep.contains_key(*key))
                    .count();
            eprintln!(
                "   {name} {label}: cel {sql_cel} vs {ours_cel}; plaatsingen {sql_pl:?} vs {ours_pl:?}; groep {} cells differ",
                verschil
            );
            rep.row(
                &format!("vs SQL ({name})"),
                &format!("bezetting {peil}, {regio} + GESLOTEN, {label}"),
                format!(
                    "SQL {cel_ms:.2} ms vs {ours_cel_ms:.3} ms = {:.0}×; {sql_cel} vs {ours_cel}",
                    cel_ms / ours_cel_ms
                ),
                "≥ 10×, same number",
                Some(cel_ms / ours_cel_ms >= 10.0 && eq_cel),
            );
            rep.row(
                &format!("vs SQL ({name})"),
                &format!("plaatsingen 2023-Q1 (excl/incl door), {regio} + GESLOTEN, {label}"),
                format!(
                    "SQL {pl_ms:.2} ms vs {ours_pl_ms:.3} ms = {:.0}×; {sql_pl:?} vs {ours_pl:?}",
                    pl_ms / ours_pl_ms
                ),
                "≥ 10×, same number",
                Some(pl_ms / ours_pl_ms >= 10.0 && eq_pl),
            );
            rep.row(
                &format!("vs SQL ({name})"),
                &format!("bezetting {peil} per jeugdregio × regime ({} cells; GROUP BY vs bezetting_per), {label}", cells.len()),
                format!("SQL {groep_ms:.2} ms vs {ours_groep_ms:.2} ms = {:.1}×; cells differing: {verschil}", groep_ms / ours_groep_ms),
                "≥ 10×, same numbers",
                Some(groep_ms / ours_groep_ms >= 10.0 && eq_groep),
            );
            sql_json.push(json!({
                "backend": name, "k": label,
                "bezetting_cel": {"sql_p50_ms": cel_ms, "projection_p50_ms": ours_cel_ms, "ratio": cel_ms / ours_cel_ms, "sql": sql_cel, "projection": ours_cel, "equal": eq_cel},
                "plaatsingen_cel": {"sql_p50_ms": pl_ms, "projection_p50_ms": ours_pl_ms, "ratio": pl_ms / ours_pl_ms, "sql": [sql_pl.0, sql_pl.1], "projection": [ours_pl.0, ours_pl.1], "equal": eq_pl},
                "bezetting_groep": {"cells": cells.len(), "sql_p50_ms": groep_ms, "projection_p50_ms": ours_groep_ms, "ratio": groep_ms / ours_groep_ms, "cells_differing": verschil, "equal": eq_groep},
            }));
        }
    }
    rep.json.insert("sql".into(), Value::Array(sql_json));
    rep.json.insert(
        "sql_statements".into(),
        json!({"sqlite": [SQLITE_BEZETTING_CEL, SQLITE_PLAATSINGEN_CEL, SQLITE_BEZETTING_GROEP], "postgres": [PG_BEZETTING_CEL, PG_PLAATSINGEN_CEL, PG_BEZETTING_GROEP], "indexes": ["(start_day, end_day)", "(regio, regime, start_day, end_day)", "(start_day, end_day, known_from, known_to, regio, regime)"]}),
    );
    drop(conns);
    if let Some(db) = pg_cleanup {
        drop_pg_db(&args.pg_url, &db).await;
    }
    runner.shutdown().await;

    rep.json.insert("loadavg_end".into(), json!(loadavg()));
    let peak = hwm();
    rep.row(
        "memory",
        "peak resident memory of the bench process (VmHWM)",
        format!("{:.2} GiB", gib(peak)),
        "< 8 GiB",
        Some(peak < 8 << 30),
    );
    rep.json.insert("peak_rss_bytes".into(), json!(peak));

    // ---------------------------------------------------------------- print
    let m = &rep.json["machine"];
    println!("## kringloop-bench projections");
    println!();
    println!("- command: `{}`", m["command"].as_str().unwrap_or_default());
    println!(
        "- machine: {} × {} ({} GiB RAM), {} build, commit {}",
        m["nproc"],
        m["cpu"].as_str().unwrap_or_default(),
        m["mem_gib"],
        m["profile"].as_str().unwrap_or_default(),
        m["commit"].as_str().unwrap_or_default()
    );
    println!(
        "- load average at start / end: {} / {} (the machine is shared; CPU-seconds are given where wall time is disturbed)",
        m["loadavg_start"].as_str().unwrap_or_default(),
        rep.json
            .get("loadavg_end")
            .and_then(Value::as_str)
            .unwrap_or_default()
    );
    println!("- {}", crate::ijkpunt::regel(&rep.json["reference"]));
    println!(
        "- history: demo generator, all-residential {}–{}, scale {}, seed {}: {head} events",
        args.from_year, args.to_year, args.scale, args.seed
    );
    println!();
    println!("| section | measure | result | goal | met |");
    println!("|---|---|---|---|---|");
    for r in &rep.rows {
        println!("| {} | {} | {} | {} | {} |", r[0], r[1], r[2], r[3], r[4]);
    }
    println!();
    println!(
        "{}",
        serde_json::to_string_pretty(&Value::Object(rep.json))?
    );
    Ok(())
}
