//! The SQL baselines: the `placements` table a SQL user would query, materialised from
//! the reference derivation in SQLite and PostgreSQL, and the statements that answer the
//! same KPIs as the projection.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{DateTime, Utc};
use kringloop_events::Regime;
use kringloop_projections::{Dimensie, Filter, KnowledgeTime, Projection, Query};
use kringloop_runner::Runner;
use serde_json::{Value, json};
use sqlx::{Connection, Row};

use super::ProjectionsArgs;
use super::derivation::Afleiding;
use super::history::{Decoded, dag, date};
use super::process::timed;
use super::report::Report;
use super::scenarios::Queries;
use crate::databases::remove_sqlite;

/// One row per placement version: youth, facility, herkomst gemeente and its jeugdregio,
/// the facility's regime and form (as known now), start, end, flags, known_from/known_to.
pub(super) fn placements_table(events: &[Decoded]) -> (Afleiding, Vec<PlacementRow>) {
    let mut a = Afleiding::default();
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
pub(super) struct PlacementRow {
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

pub(super) const PLACEMENT_COLUMNS: &str = "youth, facility, gemeente, regio, regime, vorm, start_day, end_day, flags, known_from, known_to";

/// The indexes of the `placements` table, the same on both backends.
const PLACEMENT_INDEXES: [&str; 3] = [
    "CREATE INDEX placements_start_end ON placements (start_day, end_day)",
    "CREATE INDEX placements_regio_regime_start ON placements (regio, regime, start_day, end_day)",
    // Covering index for the GROUP BY: an index-only range scan on start_day.
    "CREATE INDEX placements_cover ON placements (start_day, end_day, known_from, known_to, regio, regime)",
];

/// Binds one row's values in `PLACEMENT_COLUMNS` order; `$int` converts the day and flag
/// columns to the backend's integer type.
macro_rules! bind_placement {
    ($b:ident, $r:ident, $int:expr) => {{
        let int = $int;
        let mut b = $b;
        b.push_bind($r.youth)
            .push_bind($r.facility.clone())
            .push_bind($r.gemeente.clone())
            .push_bind($r.regio.clone())
            .push_bind($r.regime.clone())
            .push_bind($r.vorm.clone())
            .push_bind(int($r.start))
            .push_bind(int($r.end))
            .push_bind(int($r.flags))
            .push_bind($r.known_from)
            .push_bind($r.known_to);
    }};
}

pub(super) async fn sqlite_placements(
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
        qb.push_values(chunk, |b, r| bind_placement!(b, r, std::convert::identity));
        qb.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    for ddl in PLACEMENT_INDEXES.into_iter().chain(["ANALYZE"]) {
        sqlx::query(ddl).execute(&mut conn).await?;
    }
    Ok(conn)
}

pub(super) async fn pg_placements(
    url: &str,
    rows: &[PlacementRow],
) -> anyhow::Result<sqlx::PgConnection> {
    let mut conn = sqlx::PgConnection::connect(url).await?;
    sqlx::query("CREATE TABLE placements (youth BIGINT NOT NULL, facility TEXT NOT NULL, gemeente TEXT, regio TEXT, regime TEXT, vorm TEXT, start_day INT NOT NULL, end_day INT NOT NULL, flags INT NOT NULL, known_from BIGINT NOT NULL, known_to BIGINT NOT NULL)")
        .execute(&mut conn)
        .await?;
    let mut tx = conn.begin().await?;
    for chunk in rows.chunks(4_000) {
        let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new(format!(
            "INSERT INTO placements ({PLACEMENT_COLUMNS}) "
        ));
        qb.push_values(chunk, |b, r| bind_placement!(b, r, |x: i64| x as i32));
        qb.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    for ddl in PLACEMENT_INDEXES
        .into_iter()
        .chain(["VACUUM ANALYZE placements"])
    {
        sqlx::query(ddl).execute(&mut conn).await?;
    }
    Ok(conn)
}

// The SQL a user would write. `?`/`$n`: peildatum or period, knowledge time.
pub(super) const SQLITE_BEZETTING_CEL: &str = "SELECT count(*) FROM placements WHERE regio = ?1 AND regime = ?2 AND start_day <= ?3 AND ?3 < end_day AND known_from <= ?4 AND ?4 < known_to";
pub(super) const PG_BEZETTING_CEL: &str = "SELECT count(*) FROM placements WHERE regio = $1 AND regime = $2 AND start_day <= $3 AND $3 < end_day AND known_from <= $4 AND $4 < known_to";
pub(super) const SQLITE_PLAATSINGEN_CEL: &str = "SELECT coalesce(sum(flags & 1 != 0), 0), coalesce(sum(flags & 3 != 0), 0) FROM placements WHERE regio = ?1 AND regime = ?2 AND start_day >= ?3 AND start_day < ?4 AND known_from <= ?5 AND ?5 < known_to";
pub(super) const PG_PLAATSINGEN_CEL: &str = "SELECT coalesce(sum(CASE WHEN flags & 1 <> 0 THEN 1 ELSE 0 END), 0)::bigint, coalesce(sum(CASE WHEN flags & 3 <> 0 THEN 1 ELSE 0 END), 0)::bigint FROM placements WHERE regio = $1 AND regime = $2 AND start_day >= $3 AND start_day < $4 AND known_from <= $5 AND $5 < known_to";
pub(super) const SQLITE_BEZETTING_GROEP: &str = "SELECT regio, regime, count(*) FROM placements WHERE start_day <= ?1 AND ?1 < end_day AND known_from <= ?2 AND ?2 < known_to AND regio IS NOT NULL AND regime IS NOT NULL GROUP BY regio, regime";
pub(super) const PG_BEZETTING_GROEP: &str = "SELECT regio, regime, count(*) FROM placements WHERE start_day <= $1 AND $1 < end_day AND known_from <= $2 AND $2 < known_to AND regio IS NOT NULL AND regime IS NOT NULL GROUP BY regio, regime";

pub(super) type Groep = HashMap<(String, String), i64>;

pub(super) enum Sql {
    Sqlite(sqlx::SqliteConnection),
    Pg(sqlx::PgConnection),
}

/// Runs `$body` with `$c` the connection and `$q` the backend's statement: both backends
/// take the same binds and give the same columns, only the SQL dialect and the driver
/// types differ (so the body is expanded once per backend, not made generic).
macro_rules! on_backend {
    ($sql:expr, $sqlite:expr, $pg:expr, |$c:ident, $q:ident| $body:block) => {
        match $sql {
            Sql::Sqlite($c) => {
                let $q = $sqlite;
                $body
            }
            Sql::Pg($c) => {
                let $q = $pg;
                $body
            }
        }
    };
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
        Ok(on_backend!(
            self,
            SQLITE_BEZETTING_CEL,
            PG_BEZETTING_CEL,
            |c, q| {
                sqlx::query_scalar(q)
                    .bind(regio)
                    .bind(regime)
                    .bind(peil)
                    .bind(k)
                    .fetch_one(c)
                    .await?
            }
        ))
    }

    async fn plaatsingen_cel(
        &mut self,
        regio: &str,
        regime: &str,
        van: i32,
        tot: i32,
        k: i64,
    ) -> anyhow::Result<(i64, i64)> {
        let row = on_backend!(self, SQLITE_PLAATSINGEN_CEL, PG_PLAATSINGEN_CEL, |c, q| {
            let r = sqlx::query(q)
                .bind(regio)
                .bind(regime)
                .bind(van)
                .bind(tot)
                .bind(k)
                .fetch_one(c)
                .await?;
            (r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?)
        });
        Ok(row)
    }

    async fn bezetting_groep(&mut self, peil: i32, k: i64) -> anyhow::Result<Groep> {
        let mut out = Groep::new();
        on_backend!(self, SQLITE_BEZETTING_GROEP, PG_BEZETTING_GROEP, |c, q| {
            for r in sqlx::query(q).bind(peil).bind(k).fetch_all(c).await? {
                out.insert((r.try_get(0)?, r.try_get(1)?), r.try_get(2)?);
            }
        });
        Ok(out)
    }
}

/// The `placements` table's rows from the reference derivation (timed), and the names of
/// the jeugdregio's (the breakdown's rows).
pub(super) fn placements(events: &[Decoded]) -> (Vec<String>, Vec<PlacementRow>) {
    eprintln!("== placements table (reference derivation from the events)");
    let t = Instant::now();
    let (afl, rows) = placements_table(events);
    eprintln!(
        "   {} placement versions in {:.1} s",
        rows.len(),
        t.elapsed().as_secs_f64()
    );
    let regios: Vec<String> = afl.regios.namen.clone();
    (regios, rows)
}

/// The projection's answers to the three SQL questions, with their p50 latency.
struct Ours {
    cel: i64,
    cel_ms: f64,
    pl: (i64, i64),
    pl_ms: f64,
    groep: Groep,
    groep_ms: f64,
    /// Cells of the breakdown (jeugdregio × regime).
    cells: usize,
}

/// The projection's side at one knowledge time: one cell, one placements cell, and the
/// breakdown per jeugdregio × regime both per cell and in one pass (`bezetting_per`).
async fn projection_side(
    runner: &Runner,
    args: &ProjectionsArgs,
    qs: &Queries,
    regios: &[String],
    (label, kq): (&str, Option<DateTime<Utc>>),
    rep: &mut Report,
) -> anyhow::Result<Ours> {
    let peil = date(2023, 4, 1)?;
    let kwartaal = qs.kwartaal;
    let with_k = |q: Query| match kq {
        Some(k) => q.known_at(k),
        None => q,
    };
    // One cell: bezetting at the peildatum, jeugdregio + GESLOTEN.
    let q_cel = with_k(
        Query::new(kwartaal)
            .peildatum(peil)
            .filter(qs.filter.clone()),
    );
    let (ours_cel_ms, _, _) = timed(args.runs, async || {
        Ok(runner.read(|p| p.bezetting(&q_cel).waarde.of_nul()).await)
    })
    .await?;
    let ours_cel = runner.read(|p| p.bezetting(&q_cel).waarde.of_nul()).await;
    // One cell: plaatsingen in the quarter.
    let q_pl = with_k(Query::new(kwartaal).filter(qs.filter.clone()));
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
    let regimes = [Regime::Gesloten, Regime::Open];
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
    Ok(Ours {
        cel: ours_cel,
        cel_ms: ours_cel_ms,
        pl: ours_pl,
        pl_ms: ours_pl_ms,
        groep: ours_groep,
        groep_ms: ours_groep_ms,
        cells: cells.len(),
    })
}

/// One backend's SQL for the same three questions at knowledge time `km` (µs), timed and
/// compared with the projection's answers.
async fn sql_side(
    c: &mut Sql,
    args: &ProjectionsArgs,
    qs: &Queries,
    (label, km): (&str, i64),
    ours: &Ours,
    rep: &mut Report,
) -> anyhow::Result<Value> {
    let peil = date(2023, 4, 1)?;
    let (van, tot) = (dag(qs.kwartaal.van), dag(qs.kwartaal.tot));
    let regio = &qs.regio;
    let name = c.name();
    let (cel_ms, _, sql_cel) = timed(args.sql_runs, async || {
        c.bezetting_cel(regio, "GESLOTEN", dag(peil), km).await
    })
    .await?;
    let (pl_ms, _, sql_pl) = timed(args.sql_runs, async || {
        c.plaatsingen_cel(regio, "GESLOTEN", van, tot, km).await
    })
    .await?;
    let (groep_ms, _, sql_groep) = timed(args.sql_runs, async || {
        c.bezetting_groep(dag(peil), km).await
    })
    .await?;
    let Ours {
        cel: ours_cel,
        cel_ms: ours_cel_ms,
        pl: ours_pl,
        pl_ms: ours_pl_ms,
        groep: ref ours_groep,
        groep_ms: ours_groep_ms,
        cells,
    } = *ours;
    let sql_groep: Groep = sql_groep.into_iter().filter(|(_, v)| *v != 0).collect();
    let eq_cel = sql_cel == ours_cel;
    let eq_pl = sql_pl == ours_pl;
    let eq_groep = sql_groep == *ours_groep;
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
        &format!("bezetting {peil} per jeugdregio × regime ({cells} cells; GROUP BY vs bezetting_per), {label}"),
        format!("SQL {groep_ms:.2} ms vs {ours_groep_ms:.2} ms = {:.1}×; cells differing: {verschil}", groep_ms / ours_groep_ms),
        "≥ 10×, same numbers",
        Some(groep_ms / ours_groep_ms >= 10.0 && eq_groep),
    );
    Ok(json!({
        "backend": name, "k": label,
        "bezetting_cel": {"sql_p50_ms": cel_ms, "projection_p50_ms": ours_cel_ms, "ratio": cel_ms / ours_cel_ms, "sql": sql_cel, "projection": ours_cel, "equal": eq_cel},
        "plaatsingen_cel": {"sql_p50_ms": pl_ms, "projection_p50_ms": ours_pl_ms, "ratio": pl_ms / ours_pl_ms, "sql": [sql_pl.0, sql_pl.1], "projection": [ours_pl.0, ours_pl.1], "equal": eq_pl},
        "bezetting_groep": {"cells": cells, "sql_p50_ms": groep_ms, "projection_p50_ms": ours_groep_ms, "ratio": groep_ms / ours_groep_ms, "cells_differing": verschil, "equal": eq_groep},
    }))
}

/// (b) The projection against SQL over the `placements` table, now and as known at K,
/// on every backend in `conns`.
pub(super) async fn compare(
    runner: &Runner,
    args: &ProjectionsArgs,
    qs: &Queries,
    regios: &[String],
    conns: &mut [Sql],
    rep: &mut Report,
) -> anyhow::Result<()> {
    let kennis_micros = [
        ("now", KnowledgeTime::LATEST.micros(), None),
        ("K=2023-06-30", qs.k.timestamp_micros(), Some(qs.k)),
    ];
    let mut sql_json = Vec::new();
    eprintln!("== SQL vs projection");
    for (label, km, kq) in kennis_micros {
        let ours = projection_side(runner, args, qs, regios, (label, kq), rep).await?;
        for c in conns.iter_mut() {
            sql_json.push(sql_side(c, args, qs, (label, km), &ours, rep).await?);
        }
    }
    rep.json.insert("sql".into(), Value::Array(sql_json));
    rep.json.insert(
        "sql_statements".into(),
        json!({"sqlite": [SQLITE_BEZETTING_CEL, SQLITE_PLAATSINGEN_CEL, SQLITE_BEZETTING_GROEP], "postgres": [PG_BEZETTING_CEL, PG_PLAATSINGEN_CEL, PG_BEZETTING_GROEP], "indexes": ["(start_day, end_day)", "(regio, regime, start_day, end_day)", "(start_day, end_day, known_from, known_to, regio, regime)"]}),
    );
    Ok(())
}
