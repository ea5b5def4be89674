//! Contracts and money, planned up front from the landscape's plan: every provider's
//! contracts (per region group: a landsdeel's regions jointly contract its JeugdzorgPlus
//! providers and their alternatives; in `all-residential` a region its own provider),
//! their products and tariffs, the yearly indexation (agreed and recorded months after
//! 1 January), extensions, Zuid-West's switch to a taakgericht lump sum, volume
//! guarantees, the performance agreements ([`afspraken`]) and the regions' budgets
//! ([`budget`]).
//!
//! The plan is small (hundreds to a few thousand facts) and made before the first day;
//! the simulation records each fact at its planned time (or with the opening balance
//! when that time lies before the history). Restrictive measures depend on who is placed
//! where and are made by the simulation itself (`simulation/maatregelen.rs`).

use chrono::{Datelike, Months, NaiveDate};
use kringloop_events::{
    BudgetplafondGewijzigd, ContractBeeindigd, ContractGesloten, ContractVerlengd, Financiering,
    Gebeurtenis, Perceel, Product, Regime, Tarief, TariefGeindexeerd, Tariefeenheid,
    Volumegarantie, VolumegarantieGewijzigd, Vorm, contract_stream,
};

use crate::DemoConfig;
use crate::date::{MICROS_PER_SEC, day_start, plus_days, ymd};
use crate::random::Random;
use crate::world::World;

pub(crate) mod afspraken;
pub(crate) mod budget;

const UUR: i64 = 3600 * MICROS_PER_SEC;

/// Who records the facts of contracts and budgets.
pub(crate) const DOOR_CONTRACT: &str = "demo:contractmanager";
pub(crate) const DOOR_CONTROLLER: &str = "demo:controller";

/// The year from which Zuid-West finances its JeugdzorgPlus providers with a task budget
/// (seeds/001: "lumpsum financiering met prestatieafspraken … vanaf 2022").
pub(crate) const TAAKGERICHT_VANAF: i32 = 2022;

/// Expected occupancy used to size task budgets, guarantees and regional budgets.
pub(crate) const BEZETTING: f64 = 0.85;

/// One planned fact: recorded at `t` (µs), or with the opening balance when `t` is `None`.
pub(crate) struct Feit {
    pub t: Option<i64>,
    pub stream: String,
    pub fact: Gebeurtenis,
    pub door: &'static str,
}

/// What kind of provider a contract is with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Soort {
    /// A JeugdzorgPlus provider (has closed places).
    Gesloten,
    /// A landsdeel's provider of open alternatives.
    Alternatief,
    /// A region's own provider of residential care (`all-residential`).
    Regionaal(usize),
}

/// A planned contract, with what the agreements and budgets need to know of it.
#[derive(Debug, Clone)]
pub(crate) struct Contract {
    pub id: String,
    pub aanbieder: usize,
    pub soort: Soort,
    pub landsdeel: usize,
    pub financiering: Financiering,
    pub van: NaiveDate,
    /// Nominal last day, before extensions.
    pub tot_en_met: NaiveDate,
    /// Extensions: (decided on, new last day).
    pub verlengingen: Vec<(NaiveDate, NaiveDate)>,
    /// Early termination: (recorded on, last day).
    pub beeindigd: Option<(NaiveDate, NaiveDate)>,
    /// Extension options of 12 months each.
    pub opties: u8,
    /// When the contract itself is recorded (`None`: opening balance).
    pub t: Option<i64>,
    pub producten: Vec<Product>,
}

impl Contract {
    /// The last day as known on `d` (extensions decided and terminations recorded by then).
    pub(crate) fn einde_op(&self, d: NaiveDate) -> NaiveDate {
        let mut e = self.tot_en_met;
        for (besloten, tot) in &self.verlengingen {
            if *besloten <= d {
                e = e.max(*tot);
            }
        }
        if let Some((vastgelegd, tot)) = self.beeindigd
            && vastgelegd <= d
        {
            e = e.min(tot);
        }
        e
    }

    /// The effective last day at the end of everything.
    pub(crate) fn einde(&self) -> NaiveDate {
        self.einde_op(NaiveDate::MAX)
    }
}

/// The money plan: its facts and the contracts behind them.
pub(crate) struct Geldplan {
    pub feiten: Vec<Feit>,
}

/// Everything the planners share: the world, its per-provider facilities and the
/// yearly indexation per landsdeel.
pub(crate) struct Ctx<'a> {
    pub w: &'a World,
    pub cfg: &'a DemoConfig,
    pub r: Random,
    /// Facility indices per provider.
    pub per_aanbieder: Vec<Vec<usize>>,
    /// Indexation per landsdeel and year (per mille), from the first contract year on.
    pub index: Vec<Vec<(i32, i64)>>,
    pub eerste_jaar: i32,
    pub laatste_dag: NaiveDate,
    pub feiten: Vec<Feit>,
}

impl Ctx<'_> {
    /// Planned places of facility `vz` on `d` (the opening balance before the plan).
    pub(crate) fn plaatsen(&self, vz: usize, d: NaiveDate) -> i64 {
        let v = &self.w.voorzieningen[vz];
        if v.geregistreerd > d || v.sluit.is_some_and(|s| s <= d) {
            return 0;
        }
        let mut n = i64::from(v.beginstand.unwrap_or(0));
        for (datum, delta) in &v.plan {
            if *datum <= d {
                n += delta;
            }
        }
        n.max(0)
    }

    /// Planned places of provider `a` of a form (any when `None`) and regime on `d`.
    pub(crate) fn plaatsen_aanbieder(
        &self,
        a: usize,
        vorm: Option<Vorm>,
        regime: Regime,
        d: NaiveDate,
    ) -> i64 {
        self.per_aanbieder[a]
            .iter()
            .filter(|vz| {
                let v = &self.w.voorzieningen[**vz];
                v.regime == regime && vorm.is_none_or(|x| x == v.vorm)
            })
            .map(|vz| self.plaatsen(*vz, d))
            .sum()
    }

    /// The cumulative indexation factor (per mille products) from the first contract year
    /// up to and including `jaar`, for landsdeel `l`.
    pub(crate) fn factor(&self, l: usize, jaar: i32) -> f64 {
        self.index[l]
            .iter()
            .filter(|(y, _)| *y <= jaar)
            .map(|(_, pm)| 1.0 + *pm as f64 / 1000.0)
            .product()
    }

    pub(crate) fn push(&mut self, t: Option<i64>, stream: String, fact: Gebeurtenis) {
        let door = match &fact {
            Gebeurtenis::BudgetVastgesteld(_) | Gebeurtenis::BudgetVerschoven(_) => DOOR_CONTROLLER,
            _ => DOOR_CONTRACT,
        };
        self.feiten.push(Feit {
            t,
            stream,
            fact,
            door,
        });
    }

    /// A recorded time on `d` at `uur` o'clock plus `sec` seconds, or the opening balance
    /// when `d` lies before the history.
    pub(crate) fn moment(&self, d: NaiveDate, uur: i64, sec: i64) -> Option<i64> {
        (d >= self.w.t0).then(|| day_start(d) + uur * UUR + sec * MICROS_PER_SEC)
    }
}

/// A tariff band in euros (first contract year's prices) for a product.
fn tariefband(vorm: Vorm, regime: Regime, eenheid: Tariefeenheid) -> (f64, f64) {
    use Vorm::*;
    match (vorm, regime, eenheid) {
        (Ambulant, _, Tariefeenheid::Traject) => (7_000.0, 10_000.0),
        (Ambulant, _, _) => (40.0, 70.0),
        (Groep, Regime::Gesloten, _) => (470.0, 530.0),
        (_, Regime::Gesloten, _) => (520.0, 590.0),
        (Groep, _, _) => (210.0, 260.0),
        (Kleinschalig, _, _) => (230.0, 280.0),
        (Gezinshuis, _, _) => (150.0, 190.0),
        (Pleegzorg, _, _) => (45.0, 65.0),
        (Gezinsopname | Driemilieu, _, _) => (290.0, 350.0),
        (EenOpEen, _, _) => (650.0, 780.0),
        (Crisis, _, _) => (270.0, 330.0),
    }
}

/// Expected stay (days) a trajectory price of an open residential form covers.
fn trajectdagen(vorm: Vorm) -> f64 {
    match vorm {
        Vorm::Pleegzorg => 365.0,
        Vorm::Crisis => 28.0,
        Vorm::Gezinshuis => 270.0,
        _ => 180.0,
    }
}

/// A mid-band day price (first contract year) of a form, for budgets.
pub(crate) fn dagprijs(vorm: Vorm, regime: Regime) -> f64 {
    let eenheid = if vorm == Vorm::Ambulant {
        // An ambulant trajectory of ~130 days at € 8,500: about € 65 a day.
        return 65.0;
    } else {
        Tariefeenheid::Etmaal
    };
    let (lo, hi) = tariefband(vorm, regime, eenheid);
    (lo + hi) / 2.0
}

fn product_code(vorm: Vorm, regime: Regime) -> String {
    match regime {
        Regime::Gesloten => format!("JZP-{}", vorm.code()),
        Regime::Open => vorm.code().to_owned(),
    }
}

/// Plans every contract fact, agreement and budget of the history.
pub(crate) fn plan(w: &World, cfg: &DemoConfig) -> Geldplan {
    let mut per_aanbieder = vec![Vec::new(); w.aanbieders.len()];
    for (i, v) in w.voorzieningen.iter().enumerate() {
        per_aanbieder[v.aanbieder].push(i);
    }
    let mut r = Random::new(cfg.seed, 4);
    let eerste_jaar = w.t0.year() - 3;
    let laatste_jaar = w.eind.year();
    // One index a year per region group (the regions agree it with all their providers):
    // 2.0–4.0 %, in tenths of a per cent.
    let index = (0..w.landsdelen.len())
        .map(|_| {
            (eerste_jaar + 1..=laatste_jaar)
                .map(|y| (y, r.between(20, 40)))
                .collect()
        })
        .collect();
    let mut ctx = Ctx {
        w,
        cfg,
        r,
        per_aanbieder,
        index,
        eerste_jaar,
        laatste_dag: plus_days(w.eind, -1),
        feiten: Vec::new(),
    };
    let mut contracten = Vec::new();
    for a in 0..w.aanbieders.len() {
        contracten.extend(contracten_van(&mut ctx, a));
    }
    for c in &contracten {
        vastleggen(&mut ctx, c);
    }
    afspraken::plan(&mut ctx, &contracten);
    budget::plan(&mut ctx);
    Geldplan { feiten: ctx.feiten }
}

/// The kind of provider and its region group.
fn soort(ctx: &Ctx<'_>, a: usize) -> Soort {
    let w = ctx.w;
    if ctx.per_aanbieder[a]
        .iter()
        .any(|vz| w.voorzieningen[*vz].regime == Regime::Gesloten)
    {
        return Soort::Gesloten;
    }
    let id = &w.aanbieders[a].id;
    if let Some(code) = id.strip_prefix("JH")
        && let Some(r) = w
            .regios
            .iter()
            .position(|x| x.code.replace('_', "") == code)
    {
        return Soort::Regionaal(r);
    }
    Soort::Alternatief
}

/// The year Zuid-West's JeugdzorgPlus providers move to a task budget, when the history
/// contains a year after its first: 2022 if it can, else the second year.
pub(crate) fn switch_jaar(w: &World) -> Option<i32> {
    let (eerste, laatste) = (w.t0.year(), w.eind.year() - 1);
    if (eerste + 1..=laatste).contains(&TAAKGERICHT_VANAF) {
        Some(TAAKGERICHT_VANAF)
    } else if eerste < laatste {
        Some(eerste + 1)
    } else {
        None
    }
}

/// The contracts of provider `a` over the whole history, one after the other.
fn contracten_van(ctx: &mut Ctx<'_>, a: usize) -> Vec<Contract> {
    let w = ctx.w;
    if ctx.per_aanbieder[a].is_empty() {
        return Vec::new();
    }
    let soort = soort(ctx, a);
    let landsdeel = w.aanbieders[a].landsdeel;
    let zuid_west = w.landsdelen[landsdeel].code == "ZUID_WEST";
    let omslag = (soort == Soort::Gesloten && zuid_west)
        .then(|| switch_jaar(w))
        .flatten()
        .map(|y| ymd(y, 1, 1));
    let basis = match soort {
        Soort::Alternatief if w.landsdelen[landsdeel].code == "OOST" => Financiering::Outputgericht,
        _ => Financiering::Inspanningsgericht,
    };
    // Contracts cover a month past the history: a start first recorded a few days late
    // may fall just after its end.
    let laatste = plus_days(w.eind, 31);
    let mut out = Vec::new();
    // The first contract started three years before the history (every youth in care on
    // its first day was placed under it) and ran six years with one option of a year;
    // later ones run four years with two options of a year.
    let mut van = ymd(ctx.eerste_jaar, 1, 1);
    let mut tot = ymd(w.t0.year() + 2, 12, 31);
    let mut opties = 1u8;
    loop {
        let financiering = if omslag.is_some_and(|o| van >= o) {
            Financiering::Taakgericht
        } else {
            basis
        };
        let mut einde = tot;
        let mut verlengingen = Vec::new();
        while einde < laatste && verlengingen.len() < usize::from(opties) {
            let besloten = ymd(einde.year(), 6, 30);
            let nieuw = einde.checked_add_months(Months::new(12)).unwrap_or(einde);
            verlengingen.push((besloten, nieuw));
            einde = nieuw;
        }
        let mut beeindigd = None;
        if let Some(o) = omslag
            && van < o
            && einde >= o
        {
            let laatste_dag = plus_days(o, -1);
            beeindigd = Some((ymd(o.year() - 1, 11, 15), laatste_dag));
            einde = laatste_dag;
        }
        let id = format!("{}-{}", w.aanbieders[a].id, van.year());
        // Recorded in the autumn before it starts (a tender's award, after an early
        // termination of its predecessor), or with the opening balance.
        let t = ctx.moment(ymd(van.year() - 1, 11, 20), 10, a as i64 * 7);
        let producten = producten(ctx, a, soort, financiering, van, einde);
        // A provider without facilities in this period (its first ones come later) has
        // no contract for it.
        if !producten.is_empty() {
            out.push(Contract {
                id,
                aanbieder: a,
                soort,
                landsdeel,
                financiering,
                van,
                tot_en_met: tot,
                verlengingen,
                beeindigd,
                opties,
                t,
                producten,
            });
        }
        if einde >= laatste {
            break;
        }
        van = plus_days(einde, 1);
        tot = plus_days(van.checked_add_months(Months::new(48)).unwrap_or(van), -1);
        opties = 2;
    }
    out
}

/// The products of a contract: one per form and regime of the provider's facilities that
/// exist during the contract.
fn producten(
    ctx: &Ctx<'_>,
    a: usize,
    soort: Soort,
    financiering: Financiering,
    van: NaiveDate,
    tot: NaiveDate,
) -> Vec<Product> {
    let mut paren: Vec<(Vorm, Regime)> = Vec::new();
    for vz in &ctx.per_aanbieder[a] {
        let v = &ctx.w.voorzieningen[*vz];
        if v.geregistreerd > tot || v.sluit.is_some_and(|s| s <= van) {
            continue;
        }
        if !paren.contains(&(v.vorm, v.regime)) {
            paren.push((v.vorm, v.regime));
        }
    }
    paren.sort_by_key(|(v, r)| {
        (
            *r != Regime::Gesloten,
            Vorm::ALL.iter().position(|x| x == v),
        )
    });
    paren
        .into_iter()
        .map(|(vorm, regime)| {
            let eenheid = match (financiering, vorm, regime) {
                (Financiering::Taakgericht, _, Regime::Gesloten) => Tariefeenheid::Jaar,
                (Financiering::Outputgericht, _, _) => Tariefeenheid::Traject,
                (_, Vorm::Ambulant, _) if soort == Soort::Gesloten => Tariefeenheid::Traject,
                _ => Tariefeenheid::Etmaal,
            };
            Product {
                code: product_code(vorm, regime),
                vorm,
                regime,
                eenheid,
            }
        })
        .collect()
}

fn perceel_van(p: &Product) -> (&'static str, &'static str) {
    if p.regime == Regime::Gesloten {
        ("JZP", "JeugdzorgPlus (gesloten verblijf)")
    } else if p.vorm == Vorm::Ambulant {
        ("AMBULANT", "Intensief ambulant")
    } else {
        ("VERBLIJF", "Open verblijf en alternatieven")
    }
}

fn euro_cent(euro: f64) -> i64 {
    (euro * 100.0).round() as i64
}

/// Records one contract: the contract, its initial tariffs, extensions, termination,
/// yearly indexations and volume guarantees.
fn vastleggen(ctx: &mut Ctx<'_>, c: &Contract) {
    let w = ctx.w;
    let l = c.landsdeel;
    let stream = contract_stream(&c.id);
    // Tariffs: a provider-specific price within the band, in first-year prices, followed
    // through every year's index up to the contract's start.
    let mut tarieven: Vec<Tarief> = Vec::new();
    let mut huidig: Vec<i64> = Vec::new();
    let begin_jaar = c.van.year();
    let in_balans = (begin_jaar..w.t0.year()).collect::<Vec<_>>();
    for p in &c.producten {
        let (lo, hi) = tariefband(p.vorm, p.regime, p.eenheid);
        let mut euro = lo + (hi - lo) * ctx.r.f64();
        if p.eenheid == Tariefeenheid::Traject && p.vorm != Vorm::Ambulant {
            euro *= trajectdagen(p.vorm);
        }
        if p.eenheid == Tariefeenheid::Jaar {
            // A task budget: the places expected over the contract at the usual occupancy.
            let mut som = 0i64;
            let mut d = c.van;
            let mut n = 0i64;
            while d <= c.einde() {
                som += ctx.plaatsen_aanbieder(c.aanbieder, Some(p.vorm), p.regime, d);
                n += 1;
                d = plus_days(d, 30);
            }
            let gemiddeld = (som as f64 / n.max(1) as f64).max(1.0);
            euro = (gemiddeld * BEZETTING * 365.0 * euro / 1000.0).round() * 1000.0;
        }
        let mut bedrag = euro_cent(euro * ctx.factor(l, begin_jaar));
        if p.eenheid != Tariefeenheid::Jaar {
            // Whole euros for unit prices (cents only through indexation).
            bedrag = (bedrag / 100) * 100;
        }
        tarieven.push(Tarief {
            product: p.code.clone(),
            bedrag_cent: bedrag,
            geldig_van: c.van,
        });
        // Years before the history started: already agreed, part of the contract as
        // recorded with the opening balance.
        let mut b = bedrag;
        for y in in_balans.iter().skip(1) {
            b = indexeer(b, ctx.index_pm(l, *y));
            tarieven.push(Tarief {
                product: p.code.clone(),
                bedrag_cent: b,
                geldig_van: ymd(*y, 1, 1),
            });
        }
        huidig.push(b);
    }
    let gesloten_etmaal: Vec<&Product> = c
        .producten
        .iter()
        .filter(|p| p.regime == Regime::Gesloten && p.eenheid == Tariefeenheid::Etmaal)
        .collect();
    // Volume guarantees: Zuid-West and Noord-West guarantee a number of places, agreed
    // every year; the others a share of the provider's places.
    let per_plaats = matches!(w.landsdelen[l].code, "ZUID_WEST" | "NOORD_WEST");
    let garanties = |ctx: &Ctx<'_>, d: NaiveDate| -> Vec<Volumegarantie> {
        gesloten_etmaal
            .iter()
            .filter_map(|p| {
                if per_plaats {
                    let n = ctx.plaatsen_aanbieder(c.aanbieder, Some(p.vorm), p.regime, d);
                    let g = (n as f64 * 0.8).floor() as u32;
                    (g > 0).then(|| Volumegarantie {
                        product: p.code.clone(),
                        plaatsen: Some(g),
                        bezettingsaandeel_procent: None,
                    })
                } else {
                    Some(Volumegarantie {
                        product: p.code.clone(),
                        plaatsen: None,
                        bezettingsaandeel_procent: Some(80),
                    })
                }
            })
            .collect()
    };
    let garantie_start = garanties(ctx, c.van.max(w.t0));
    // A budget ceiling for the providers of open care: a tenth above what their places
    // would cost in a year.
    let budgetplafond = (c.soort != Soort::Gesloten).then(|| {
        let d = c.van.max(w.t0);
        let mut euro = 0.0;
        for p in &c.producten {
            let n = ctx.plaatsen_aanbieder(c.aanbieder, Some(p.vorm), p.regime, d) as f64;
            euro += n * BEZETTING * 365.0 * dagprijs(p.vorm, p.regime) * ctx.factor(l, d.year());
        }
        euro_cent((euro * 1.1 / 10_000.0).ceil() * 10_000.0)
    });
    let mut percelen: Vec<Perceel> = Vec::new();
    for p in &c.producten {
        let (code, naam) = perceel_van(p);
        match percelen.iter_mut().find(|x| x.code == code) {
            Some(x) => x.producten.push(p.clone()),
            None => percelen.push(Perceel {
                code: code.to_owned(),
                naam: naam.to_owned(),
                producten: vec![p.clone()],
            }),
        }
    }
    let regios = regios(w, c);
    let f = ContractGesloten {
        contract: c.id.clone(),
        aanbieder: w.aanbieders[c.aanbieder].id.clone(),
        jeugdregios: regios,
        financiering: c.financiering,
        percelen,
        tarieven,
        van: c.van,
        tot_en_met: c.tot_en_met,
        verlengingsopties: c.opties,
        verlenging_maanden: 12,
        volumegaranties: garantie_start,
        budgetplafond_cent: budgetplafond.filter(|b| *b > 0),
    };
    ctx.push(c.t, stream.clone(), f.into());
    for (i, (besloten, tot)) in c.verlengingen.iter().enumerate() {
        if c.beeindigd.is_some_and(|(b, _)| b <= *besloten) {
            continue;
        }
        let t = ctx.moment(*besloten, 11, i as i64);
        let f = ContractVerlengd {
            contract: c.id.clone(),
            datum: *besloten,
            tot_en_met: *tot,
        };
        ctx.push(t, stream.clone(), f.into());
    }
    if let Some((vastgelegd, tot)) = c.beeindigd {
        let f = ContractBeeindigd {
            contract: c.id.clone(),
            tot_en_met: tot,
            reden: format!(
                "de regio financiert JeugdzorgPlus vanaf {} taakgericht (lumpsum met \
                 prestatieafspraken); dit contract eindigt daarom eerder",
                tot.year() + 1
            ),
        };
        let t = ctx.moment(vastgelegd, 11, 0);
        ctx.push(t, stream.clone(), f.into());
    }
    // The yearly indexation, valid from 1 January but agreed in the spring: recorded
    // between April and June.
    let eerste_index = (begin_jaar + 1).max(w.t0.year());
    for y in eerste_index..=ctx.laatste_dag.year() {
        let geldig_van = ymd(y, 1, 1);
        let vastgelegd = plus_days(ymd(y, 4, 1), ctx.r.between(0, 90));
        if geldig_van > c.einde_op(vastgelegd) {
            break;
        }
        let pm = ctx.index_pm(l, y);
        let uur = ctx.r.between(9, 15);
        for (i, p) in c.producten.iter().enumerate() {
            huidig[i] = indexeer(huidig[i], pm);
            let f = TariefGeindexeerd {
                contract: c.id.clone(),
                product: p.code.clone(),
                geldig_van,
                bedrag_cent: huidig[i],
                reden: format!(
                    "indexatie {y}: {},{} % (loon- en prijsbijstelling)",
                    pm / 10,
                    pm % 10
                ),
            };
            let t = ctx.moment(vastgelegd, uur, i as i64);
            ctx.push(t, stream.clone(), f.into());
        }
    }
    // Guaranteed places agreed for each new year, in December (or with the opening
    // balance for the first year of the history).
    if per_plaats && !gesloten_etmaal.is_empty() {
        let mut vorige = garanties(ctx, c.van.max(w.t0));
        for y in (c.van.year() + 1).max(w.t0.year() + 1)..=ctx.laatste_dag.year() {
            let datum = ymd(y, 1, 1);
            let besloten = ymd(y - 1, 12, 15);
            if datum > c.einde_op(besloten) {
                break;
            }
            let nieuw = garanties(ctx, datum);
            if nieuw == vorige {
                continue;
            }
            let f = VolumegarantieGewijzigd {
                contract: c.id.clone(),
                datum,
                volumegaranties: nieuw.clone(),
                reden: format!("gegarandeerde plaatsen {y} volgens de afbouwafspraak"),
            };
            let t = ctx.moment(besloten, 14, 0);
            ctx.push(t, stream.clone(), f.into());
            vorige = nieuw;
        }
    }
    // The open providers' ceiling is raised once, halfway, as their alternatives grow.
    if let Some(plafond) = budgetplafond.filter(|b| *b > 0) {
        let midden = ymd((c.van.max(w.t0).year() + c.einde().year()) / 2 + 1, 7, 1);
        if midden > c.van.max(w.t0) && midden <= c.einde_op(midden) && midden < w.eind {
            let f = BudgetplafondGewijzigd {
                contract: c.id.clone(),
                datum: midden,
                budgetplafond_cent: Some(plafond / 100 * 115),
                reden: "plafond verhoogd voor de opbouw van ambulante en kleinschalige \
                        alternatieven"
                    .to_owned(),
            };
            let t = ctx.moment(midden, 10, 30);
            ctx.push(t, stream, f.into());
        }
    }
}

/// A tariff raised by `pm` per mille, to whole cents.
pub(crate) fn indexeer(bedrag: i64, pm: i64) -> i64 {
    (bedrag * (1000 + pm) + 500) / 1000
}

impl Ctx<'_> {
    pub(crate) fn index_pm(&self, l: usize, jaar: i32) -> i64 {
        self.index[l]
            .iter()
            .find(|(y, _)| *y == jaar)
            .map_or(30, |(_, pm)| *pm)
    }
}

/// The regions of a contract, the lead region first: a landsdeel's regions for its
/// JeugdzorgPlus and alternatives providers (the heaviest is the centrumregio), the own
/// region for a regional provider.
pub(crate) fn regios(w: &World, c: &Contract) -> Vec<String> {
    if let Soort::Regionaal(r) = c.soort {
        return vec![w.regios[r].code.clone()];
    }
    let mut idx: Vec<usize> = (0..w.regios.len())
        .filter(|r| w.regios[*r].landsdeel == c.landsdeel)
        .collect();
    idx.sort_by(|a, b| {
        w.regios[*b]
            .gewicht
            .total_cmp(&w.regios[*a].gewicht)
            .then(a.cmp(b))
    });
    idx.into_iter().map(|r| w.regios[r].code.clone()).collect()
}
