//! `kringloop-bench geld`: what contracts cost the fold, and how fast the money figures
//! answer, on the national history in memory.
//!
//! The demo history is generated once; contracts are added to it here: one contract per
//! provider (its regions: those of its facilities), one product per form and regime of
//! its facilities (ETMAAL, an ambulant one TRAJECT, every fifth provider's open care
//! JAAR), a volume guarantee of two places on closed care, a yearly indexation recorded
//! in June of the year it applies from, and a budget per region, year and segment. The
//! fold is measured on the history without and with them, in alternating runs.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use clap::Args;
use kringloop_demo::generate;
use kringloop_events::{
    BudgetVastgesteld, Budgetsegment, ContractGesloten, Financiering, Gebeurtenis, Perceel,
    Product, Regime, Tarief, TariefGeindexeerd, Tariefeenheid, Volumegarantie, Vorm,
};
use kringloop_projections::{
    Filter, Granulariteit, KnowledgeTime, Periode, Projection, Query, RecordKeys,
};

use super::ProjectionsArgs;
use super::history::{Decoded, Vouw, date, demo_config, first_jeugdregio, fold_met};
use super::process::{cpu_secs, gib, loadavg, percentile, rss};

#[derive(Debug, Clone, Args)]
pub struct GeldArgs {
    /// Volume of the demo history (1.0 = the Netherlands; 3 is the national benchmark).
    #[arg(long, default_value_t = 3.0)]
    scale: f64,
    #[arg(long, default_value_t = 2017)]
    from_year: i32,
    #[arg(long, default_value_t = 2026)]
    to_year: i32,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Folds per history (alternating: without, with contracts).
    #[arg(long, default_value_t = 3)]
    folds: usize,
    /// Runs per latency figure.
    #[arg(long, default_value_t = 100)]
    runs: usize,
}

impl GeldArgs {
    fn projections(&self) -> ProjectionsArgs {
        let mut p = ProjectionsArgs::defaults();
        p.scale = self.scale;
        p.from_year = self.from_year;
        p.to_year = self.to_year;
        p.seed = self.seed;
        p
    }
}

/// Per provider: the forms × regimes of its facilities and their regions.
type Aanbieders = BTreeMap<String, (BTreeSet<(Vorm, Regime)>, BTreeSet<String>)>;

/// The contract and budget facts for a history: (recorded on, stream, fact).
fn contracten(events: &[Decoded], van: i32, tot: i32) -> Vec<(NaiveDate, String, Gebeurtenis)> {
    let mut regio_van: BTreeMap<String, String> = BTreeMap::new();
    let mut aanbieders: Aanbieders = BTreeMap::new();
    let mut vz_gemeente: Vec<(String, String, Vorm, Regime)> = Vec::new();
    for e in events {
        match &e.g {
            Gebeurtenis::GemeenteGeregistreerd(g) => {
                regio_van.insert(g.code.clone(), g.jeugdregio.clone());
            }
            Gebeurtenis::VoorzieningGeregistreerd(v) => {
                vz_gemeente.push((v.aanbieder.clone(), v.gemeente.clone(), v.vorm, v.regime));
            }
            _ => {}
        }
    }
    for (a, g, v, r) in vz_gemeente {
        let x = aanbieders.entry(a).or_default();
        x.0.insert((v, r));
        if let Some(regio) = regio_van.get(&g) {
            x.1.insert(regio.clone());
        }
    }
    let Some(begin) = NaiveDate::from_ymd_opt(van, 1, 1) else {
        return Vec::new();
    };
    let Some(eind) = NaiveDate::from_ymd_opt(tot, 12, 31) else {
        return Vec::new();
    };
    let mut uit = Vec::new();
    for (n, (a, (cellen, regios))) in aanbieders.into_iter().enumerate() {
        let id = format!("K-{a}");
        let mut producten = Vec::new();
        let mut tarieven = Vec::new();
        let mut garanties = Vec::new();
        for (i, (v, r)) in cellen.into_iter().enumerate() {
            let code = format!("{}-{}", v.code(), r.code());
            let eenheid = if v == Vorm::Ambulant {
                Tariefeenheid::Traject
            } else if r == Regime::Open && n % 5 == 0 {
                Tariefeenheid::Jaar
            } else {
                Tariefeenheid::Etmaal
            };
            let bedrag = match eenheid {
                Tariefeenheid::Etmaal => 40_000 + 1_000 * i as i64,
                Tariefeenheid::Traject => 1_500_000,
                Tariefeenheid::Jaar => 50_000_000,
            };
            if r == Regime::Gesloten && eenheid == Tariefeenheid::Etmaal {
                garanties.push(Volumegarantie {
                    product: code.clone(),
                    plaatsen: Some(2),
                    bezettingsaandeel_procent: None,
                });
            }
            tarieven.push((code.clone(), bedrag));
            producten.push(Product {
                code,
                vorm: v,
                regime: r,
                eenheid,
            });
        }
        uit.push((
            begin,
            format!("contract-{id}"),
            ContractGesloten {
                contract: id.clone(),
                aanbieder: a.clone(),
                jeugdregios: regios.into_iter().collect(),
                financiering: Financiering::Inspanningsgericht,
                percelen: vec![Perceel {
                    code: "P1".into(),
                    naam: "perceel".into(),
                    producten,
                }],
                tarieven: tarieven
                    .iter()
                    .map(|(p, b)| Tarief {
                        product: p.clone(),
                        bedrag_cent: *b,
                        geldig_van: begin,
                    })
                    .collect(),
                van: begin,
                tot_en_met: eind,
                verlengingsopties: 0,
                verlenging_maanden: 0,
                volumegaranties: garanties,
                budgetplafond_cent: None,
            }
            .into(),
        ));
        for jaar in van + 1..=tot {
            let (Some(geldig), Some(juni)) = (
                NaiveDate::from_ymd_opt(jaar, 1, 1),
                NaiveDate::from_ymd_opt(jaar, 6, 1),
            ) else {
                continue;
            };
            for (p, b) in &tarieven {
                uit.push((
                    juni,
                    format!("contract-{id}"),
                    TariefGeindexeerd {
                        contract: id.clone(),
                        product: p.clone(),
                        geldig_van: geldig,
                        bedrag_cent: b + b * i64::from(jaar - van) * 3 / 100,
                        reden: "indexatie".into(),
                    }
                    .into(),
                ));
            }
        }
    }
    let alle_regios: BTreeSet<String> = regio_van.into_values().collect();
    for regio in alle_regios {
        for jaar in van..=tot {
            let Some(d) = NaiveDate::from_ymd_opt(jaar, 1, 1) else {
                continue;
            };
            for s in Budgetsegment::ALL {
                uit.push((
                    d,
                    format!("budget-{regio}"),
                    BudgetVastgesteld {
                        jeugdregio: regio.clone(),
                        jaar,
                        segment: s,
                        bedrag_cent: 1_000_000_000,
                    }
                    .into(),
                ));
            }
        }
    }
    uit
}

/// The history with the contract facts merged in by recorded time (each recorded at
/// noon of its day, or with the first event if that is later).
fn met_contracten(
    zonder: &[Decoded],
    feiten: Vec<(NaiveDate, String, Gebeurtenis)>,
) -> Vec<Decoded> {
    let eerste = zonder.first().map(|e| e.recorded_at);
    let mut extra: Vec<Decoded> = feiten
        .into_iter()
        .enumerate()
        .map(|(i, (d, stream, g))| {
            let at = d
                .and_hms_opt(12, 0, 0)
                .map(|x| Utc.from_utc_datetime(&x))
                .unwrap_or_default();
            Decoded {
                position: 0,
                event_id: uuid::Uuid::from_u128(
                    0x0391_0000_0000_7000_8000_0000_0000_0000 | i as u128,
                ),
                recorded_at: eerste.map_or(at, |e| at.max(e)),
                stream,
                g,
            }
        })
        .collect();
    extra.sort_by_key(|e| e.recorded_at);
    let mut uit: Vec<Decoded> = Vec::with_capacity(zonder.len() + extra.len());
    let mut extra = extra.into_iter().peekable();
    for e in zonder {
        while let Some(x) = extra.next_if(|x| x.recorded_at <= e.recorded_at) {
            uit.push(x);
        }
        uit.push(Decoded {
            position: 0,
            event_id: e.event_id,
            recorded_at: e.recorded_at,
            stream: e.stream.clone(),
            g: e.g.clone(),
        });
    }
    let laatste = uit.last().map(|e| e.recorded_at);
    for mut x in extra {
        x.recorded_at = laatste.map_or(x.recorded_at, |l| x.recorded_at.max(l));
        uit.push(x);
    }
    for (i, e) in uit.iter_mut().enumerate() {
        e.position = i as i64 + 1;
    }
    uit
}

/// Runs the benchmark.
pub async fn run(args: GeldArgs) -> anyhow::Result<()> {
    println!("{}", crate::ijkpunt::regel(&crate::ijkpunt::meet()));
    let t = Instant::now();
    // The demo generates contracts, budgets and measures itself: "without" is the
    // history without them (what the fold had to do before), "with" the whole history.
    // A demo without them gets the synthetic contracts of `contracten`.
    let alles: Vec<Decoded> = generate(&demo_config(&args.projections()))?
        .enumerate()
        .map(|(i, e)| Decoded {
            position: i as i64 + 1,
            event_id: e.event_id,
            recorded_at: e.recorded_at,
            stream: e.stream,
            g: e.fact,
        })
        .collect();
    let geld_feit = |e: &Decoded| {
        e.stream.starts_with("contract-")
            || e.stream.starts_with("budget-")
            || matches!(e.g, Gebeurtenis::MaatregelToegepast(_))
    };
    let mut zonder: Vec<Decoded> = Vec::with_capacity(alles.len());
    for e in &alles {
        if !geld_feit(e) {
            zonder.push(Decoded {
                position: zonder.len() as i64 + 1,
                event_id: e.event_id,
                recorded_at: e.recorded_at,
                stream: e.stream.clone(),
                g: e.g.clone(),
            });
        }
    }
    let met = if alles.len() > zonder.len() {
        alles
    } else {
        drop(alles);
        let feiten = contracten(&zonder, args.from_year, args.to_year);
        met_contracten(&zonder, feiten)
    };
    println!(
        "history: {} events without contracts, {} with ({} contract, budget and measure facts); generated in {:.1} s",
        zonder.len(),
        met.len(),
        met.len() - zonder.len(),
        t.elapsed().as_secs_f64()
    );
    let mut secs: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut p = None;
    for _ in 0..args.folds.max(1) {
        for (i, events) in [&zonder, &met].into_iter().enumerate() {
            drop(p.take());
            let rss0 = rss();
            let c0 = cpu_secs();
            let t = Instant::now();
            let (folded, errors) = fold_met(events, Vouw::TweeFasen);
            let s = t.elapsed().as_secs_f64();
            let c = cpu_secs() - c0;
            println!(
                "fold, {}: {s:.2} s wall ({:.0} ev/s), {c:.2} CPU-s, {errors} errors, +{:.2} GiB resident; load {}",
                if i == 0 {
                    "without contracts"
                } else {
                    "with contracts"
                },
                events.len() as f64 / s,
                gib(rss().saturating_sub(rss0)),
                loadavg()
            );
            secs[i].push(s);
            p = Some(folded);
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        percentile(v, 0.5)
    };
    let (s0, s1) = (median(&mut secs[0]), median(&mut secs[1]));
    let (n0, n1) = (zonder.len() as f64, met.len() as f64);
    println!(
        "fold throughput: {:.0} ev/s without, {:.0} ev/s with contracts = {:.2}x (goal >= 0.90)",
        n0 / s0,
        n1 / s1,
        (n1 / s1) / (n0 / s0)
    );
    drop(zonder);
    let Some(p) = p else {
        anyhow::bail!("no fold ran");
    };
    latencies(&p, &args, &met)
}

/// p50/p99 of the money figures: a quarter and a 40-quarter series, national and for one
/// jeugdregio.
fn latencies(p: &Projection, args: &GeldArgs, events: &[Decoded]) -> anyhow::Result<()> {
    let laatste = args.to_year.min(Utc::now().year());
    let kwartaal = Periode::kwartaal(laatste.max(args.from_year), 1)?;
    let series = Periode::reeks(
        date(args.to_year - 9, 1, 1)?,
        date(args.to_year + 1, 1, 1)?,
        Granulariteit::Kwartaal,
    )?;
    let q = Query::new(kwartaal);
    let qf = q.clone().filter(Filter {
        jeugdregio: Some(first_jeugdregio(events)?),
        ..Filter::default()
    });
    let k = p.kosten(&q).waarde;
    println!(
        "kosten {}: totaal {} cents (etmaal {}, traject {}, jaar {}, leegstand {}), {} bed-days with and {} without contract",
        kwartaal.van,
        k.totaal.totaal_cent,
        k.totaal.etmaal_cent,
        k.totaal.traject_cent,
        k.totaal.jaar_cent,
        k.totaal.leegstand_cent,
        k.ligdagen_met_contract,
        k.ligdagen_zonder_contract
    );
    let nu = KnowledgeTime::at_or_latest(None);
    let eerste = p
        .contracten(&nu)
        .into_iter()
        .next()
        .map(|c| c.id)
        .unwrap_or_default();
    let sleutels = RecordKeys::new(b"kringloop-bench geld, not a secret");
    type Meting<'a> = (&'static str, Box<dyn Fn() + 'a>);
    let metingen: Vec<Meting<'_>> = vec![
        (
            "kosten, quarter, national",
            Box::new(|| drop(std::hint::black_box(p.kosten(&q)))),
        ),
        (
            "kosten, quarter, jeugdregio",
            Box::new(|| drop(std::hint::black_box(p.kosten(&qf)))),
        ),
        (
            "kosten, 40-quarter series, national",
            Box::new(|| drop(std::hint::black_box(p.kosten_reeks(&q, &series)))),
        ),
        (
            "budget, quarter, national",
            Box::new(|| drop(std::hint::black_box(p.budget(&q)))),
        ),
        (
            "budget, 40-quarter series, national",
            Box::new(|| drop(std::hint::black_box(p.budget_reeks(&q, &series)))),
        ),
        (
            "budgetneutraal, quarter against the first year, national",
            Box::new(|| drop(std::hint::black_box(p.budgetneutraal(&q, args.from_year)))),
        ),
        (
            "maatregelen, quarter, national, protected",
            Box::new(|| drop(std::hint::black_box(p.maatregelen(&q, Some(&sleutels))))),
        ),
        (
            "maatregelen, 40-quarter series, national, protected",
            Box::new(|| {
                drop(std::hint::black_box(p.maatregelen_reeks(
                    &q,
                    &series,
                    Some(&sleutels),
                )))
            }),
        ),
        (
            "ratio ambulant/bed, quarter, national",
            Box::new(|| drop(std::hint::black_box(p.ratio_ambulant_bed(&q, None)))),
        ),
        (
            "ratio ambulant/bed, 40-quarter series, national",
            Box::new(|| {
                drop(std::hint::black_box(
                    p.ratio_ambulant_bed_reeks(&q, &series, None),
                ))
            }),
        ),
        (
            "scorecard of the first contract, now",
            Box::new(|| drop(std::hint::black_box(p.scorecard(&eerste, &nu, None)))),
        ),
    ];
    for (naam, meet) in &metingen {
        let mut ms = Vec::new();
        for _ in 0..args.runs.max(1) {
            let t = Instant::now();
            meet();
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        ms.sort_by(f64::total_cmp);
        println!(
            "{naam}: p50 {:.2} ms, p99 {:.2} ms; load {}",
            percentile(&ms, 0.5),
            percentile(&ms, 0.99),
            loadavg()
        );
    }
    Ok(())
}
