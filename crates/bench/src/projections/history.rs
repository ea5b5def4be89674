//! Setup and loading: the demo history written into a store, read back and decoded
//! into memory, and folded into a projection in the ways the benchmark compares.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use kringloop_demo::{DemoConfig, DemoSummary, Scope, generate, write_to_store};
use kringloop_events::Gebeurtenis;
use kringloop_projections::{Meta, Projection};
use kringloop_store::EventStore;
use serde_json::{Value, json};
use uuid::Uuid;

use super::ProjectionsArgs;
use super::report::Report;
use crate::databases::remove_sqlite;

pub(super) fn date(y: i32, m: u32, d: u32) -> anyhow::Result<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).with_context(|| format!("invalid date {y}-{m}-{d}"))
}

pub(super) fn dag(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

pub(super) fn demo_config(args: &ProjectionsArgs) -> DemoConfig {
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
pub(super) async fn write_history(
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

pub(super) fn summary_json(s: &DemoSummary) -> Value {
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
pub(super) struct Decoded {
    pub(super) position: i64,
    pub(super) event_id: Uuid,
    pub(super) recorded_at: DateTime<Utc>,
    pub(super) stream: String,
    pub(super) g: Gebeurtenis,
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

/// The code of the first jeugdregio registered: the filter of the latency figures.
pub(super) fn first_jeugdregio(events: &[Decoded]) -> anyhow::Result<String> {
    events
        .iter()
        .find_map(|e| match &e.g {
            Gebeurtenis::JeugdregioGeregistreerd(r) => Some(r.code.clone()),
            _ => None,
        })
        .context("the history has no jeugdregio")
}

pub(super) struct Loaded {
    pub(super) events: Vec<Decoded>,
    pub(super) undecodable: u64,
    pub(super) read_secs: f64,
    pub(super) decode_secs: f64,
}

/// Reads the whole log in `read_for_fold` pages, as the runner does (timed), and decodes
/// the payloads (timed separately), keeping only what the fold needs.
pub(super) async fn load(store: &dyn EventStore, page: usize) -> anyhow::Result<Loaded> {
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
pub(super) enum Vouw {
    /// As the runner's catch-up does: derivation on this thread, the youth tables on a
    /// second one (`Projection::concurrently`), with prefetch hints.
    TweeFasen,
    /// Everything on this thread, with prefetch hints.
    EenDraad,
    /// Everything on this thread, without hints.
    ZonderHints,
}

impl Vouw {
    pub(super) fn naam(self) -> &'static str {
        match self {
            Vouw::TweeFasen => "two stages (2 threads), prefetch hints",
            Vouw::EenDraad => "one thread, prefetch hints",
            Vouw::ZonderHints => "one thread, no hints",
        }
    }
}

/// Folds `events` in the way `vouw` says.
pub(super) fn fold_met(events: &[Decoded], vouw: Vouw) -> (Projection, u64) {
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

pub(super) fn fold(events: &[Decoded]) -> (Projection, u64) {
    fold_met(events, Vouw::TweeFasen)
}

/// The SQLite history: reused from an earlier run with the same settings (`--reuse`), or
/// generated and written now (timed). Returns the store and its head position.
pub(super) async fn open_sqlite(
    args: &ProjectionsArgs,
    rep: &mut Report,
) -> anyhow::Result<(Arc<dyn EventStore>, i64)> {
    let sqlite_path = args.dir.join("projections-bench.db");
    let marker = args.dir.join("projections-bench.json");
    let want_marker = format!("{:?}", demo_config(args));
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
        let (summary, secs) = write_history(store.as_ref(), args).await?;
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
    Ok((store, head))
}
