//! Queries: KPIs, series, diff, history, the event log, chain status, reference data.
//!
//! Over 800 lines on purpose: `KernQuery` is one `#[Object]` impl (async-graphql takes one
//! per type); its resolvers stay thin and call the projection, the store or the writer.
//! `QueryRoot` merges it with the request side's fields (`vraag.rs`), the path's
//! fields (`pad.rs`) and the contract and money fields (`geld/mod.rs`).

use std::collections::{BTreeMap, HashMap};

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use kringloop_events::personal::is_physical_youth_stream;
use kringloop_events::rules::DomainState;
use kringloop_events::{Gebeurtenis as G, RecordedEvent, jeugdige_stream, voorziening_stream};
use kringloop_projections::{Periode as PPeriode, Query};
use kringloop_store::ReadFilter;
use uuid::Uuid;

use crate::auth::{
    BEHEER, LANDSCHAP_HISTORIE, LEZERS, PERSOONSNIVEAU, Principal, Rol, RolGuard, VERZOEK_LEZERS,
    principal,
};
use crate::fout::{ApiFout, ApiResult};
use crate::state::{ApiState, DomainView, INZAGE_STREAM};
use crate::types::{
    BezettingUitsplitsing, Dimensie, DoelNiveau, FilterInvoer, Gebeurtenis, Granulariteit,
    KpiRapport, PeriodeInvoer, Regime, Toerekening, Vorm,
};
use crate::verzoek::{self, Plaatsingsverzoeken, VerzoekHistorie, VerzoekStatus};

/// Streams with person-level data: a youth's facts and the access log.
pub fn is_persoonsniveau(stroom: &str) -> bool {
    stroom.starts_with("jeugdige-") || stroom.starts_with(INZAGE_STREAM)
}

/// The person-level streams among these, for the access log.
fn person_level<'a>(streams: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    streams
        .into_iter()
        .filter(|s| is_persoonsniveau(s))
        .cloned()
        .collect()
}

/// Most periods in one series.
pub const MAX_REEKS: usize = 120;

/// The GraphQL arguments that make a KPI query, as the resolvers receive them.
pub(crate) struct QueryArgs<'a> {
    pub periode: PPeriode,
    pub peildatum: Option<NaiveDate>,
    pub filter: Option<&'a FilterInvoer>,
    pub toerekening: Option<Toerekening>,
    pub as_known_at: Option<DateTime<Utc>>,
}

impl QueryArgs<'_> {
    pub(crate) fn query(self) -> Query {
        let mut q = Query::new(self.periode);
        q.peildatum = self.peildatum;
        q.known_at = self.as_known_at;
        if let Some(f) = self.filter {
            q.filter = f.into();
        }
        if let Some(t) = self.toerekening {
            q.toerekening = t.into();
        }
        q
    }

    /// [`QueryArgs::query`] with the filter's codes resolved against the landscape in
    /// the log (`rijnmond` → `RIJNMOND`): an unknown code is `NOT_FOUND`, listing valid
    /// codes, instead of an answer of zeros.
    pub(crate) async fn resolved(self, state: &ApiState) -> Result<Query, ApiFout> {
        let mut q = self.query();
        if q.filter.landsdeel.is_none()
            && q.filter.jeugdregio.is_none()
            && q.filter.gemeente.is_none()
            && q.filter.aanbieder.is_none()
            && q.filter.voorziening.is_none()
        {
            return Ok(q);
        }
        let filter = state
            .runner()
            .read(|p| p.resolve_filter(&q.filter))
            .await
            .map_err(|e| ApiFout::NietGevonden(e.to_string()))?;
        q.filter = filter;
        Ok(q)
    }
}

/// Computes a report: exact for roles with person-level access, protected by the
/// cell-key method for the others.
pub(crate) async fn kpi_report(
    state: &ApiState,
    rol: Rol,
    q: &Query,
) -> Result<KpiRapport, ApiFout> {
    let sleutels = state.config().cell_keys;
    let report = state
        .runner()
        .read(|p| {
            if rol.sees_small_counts() {
                p.kpis(q)
            } else {
                p.kpis_beschermd(q, &sleutels)
            }
        })
        .await;
    Ok(report.into())
}

#[derive(Debug, Clone, SimpleObject)]
pub struct GebeurtenisRef {
    pub positie: i64,
    pub event_id: Uuid,
    #[graphql(name = "type")]
    pub event_type: String,
    pub stroom: String,
    pub geregistreerd_op: Option<DateTime<Utc>>,
    /// The youth of this event was erased: `stroom` is its stored name
    /// (`jeugdige-~<32 hex>`).
    pub gewist: bool,
}

/// Both values and the events recorded in (k1, k2] that explain the difference.
#[derive(Debug, Clone, SimpleObject)]
pub struct Verschil {
    pub k1: DateTime<Utc>,
    pub k2: DateTime<Utc>,
    pub voor: KpiRapport,
    pub na: KpiRapport,
    pub gebeurtenissen: Vec<GebeurtenisRef>,
}

/// A later event that corrected or retracted a fact.
#[derive(Debug, Clone, SimpleObject)]
pub struct Wijziging {
    pub event_id: Uuid,
    pub positie: i64,
    #[graphql(name = "type")]
    pub event_type: String,
    pub geregistreerd_op: DateTime<Utc>,
    pub geregistreerd_door: String,
    pub bron: String,
    pub reden: Option<String>,
}

/// One fact in a history: who recorded it, when, from where, and what changed it later.
#[derive(Debug, Clone, SimpleObject)]
pub struct HistorieFeit {
    pub gebeurtenis: Gebeurtenis,
    /// For a correction or retraction: the event it refers to.
    pub betreft: Option<Uuid>,
    pub gecorrigeerd_door: Vec<Wijziging>,
    pub ingetrokken_door: Option<Wijziging>,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct Historie {
    pub stromen: Vec<String>,
    pub feiten: Vec<HistorieFeit>,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct KetenFout {
    pub positie: i64,
    pub reden: String,
}

/// Result of walking the hash chain.
#[derive(Debug, Clone, SimpleObject)]
pub struct Keten {
    pub intact: bool,
    pub gecontroleerd: u64,
    pub kop_positie: i64,
    pub kop_hash: String,
    pub fout: Option<KetenFout>,
}

/// How fresh the figures are.
#[derive(Debug, Clone, SimpleObject)]
pub struct Projectie {
    /// Last position applied to the KPI projection.
    pub positie: i64,
    /// Last position seen in the store.
    pub store_head: i64,
    pub achterstand: i64,
    /// Events the projection could not apply (logged).
    pub fouten: u64,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct Landsdeel {
    pub code: String,
    pub naam: String,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct Jeugdregio {
    pub code: String,
    pub naam: String,
    pub landsdeel: String,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct Gemeente {
    pub code: String,
    pub naam: String,
    pub jeugdregio: String,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct Aanbieder {
    pub id: String,
    pub naam: String,
}

/// Catalogue fact → reference-data output, field by field.
macro_rules! output_from_fact {
    ($($ty:ident <- $feit:ident { $($veld:ident),* })*) => {$(
        impl From<&kringloop_events::$feit> for $ty {
            fn from(x: &kringloop_events::$feit) -> Self {
                $ty { $($veld: x.$veld.clone()),* }
            }
        }
    )*};
}

output_from_fact! {
    Landsdeel <- LandsdeelGeregistreerd { code, naam }
    Jeugdregio <- JeugdregioGeregistreerd { code, naam, landsdeel }
    Gemeente <- GemeenteGeregistreerd { code, naam, jeugdregio }
    Aanbieder <- AanbiederGeregistreerd { id, naam }
}

#[derive(Debug, Clone, SimpleObject)]
pub struct Voorziening {
    pub id: String,
    pub aanbieder: String,
    pub naam: String,
    pub gemeente: String,
    pub vorm: Vorm,
    pub regime: Regime,
    /// Registered from.
    pub datum: NaiveDate,
    /// Places today.
    pub plaatsen: i64,
    /// First day closed, if it closes.
    pub gesloten_vanaf: Option<NaiveDate>,
}

/// One target point; targets between points are interpolated.
#[derive(Debug, Clone, SimpleObject)]
pub struct Doel {
    pub event_id: Uuid,
    pub niveau: DoelNiveau,
    pub code: Option<String>,
    pub regime: Option<Regime>,
    pub vorm: Option<Vorm>,
    pub plaatsen: u32,
    pub datum: NaiveDate,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct Ik {
    pub naam: String,
    pub rol: Rol,
    pub token_id: String,
    /// A coordinator's jeugdregio.
    pub jeugdregio: Option<String>,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct TokenInfo {
    pub id: String,
    pub naam: String,
    pub rol: Rol,
    /// A coordinator's jeugdregio.
    pub jeugdregio: Option<String>,
    pub aangemaakt: DateTime<Utc>,
    pub ingetrokken: Option<DateTime<Utc>>,
}

fn voorziening_output(
    state: &DomainState,
    v: &kringloop_events::VoorzieningGeregistreerd,
) -> Voorziening {
    let vandaag = Utc::now().date_naive();
    Voorziening {
        id: v.id.clone(),
        aanbieder: v.aanbieder.clone(),
        naam: v.naam.clone(),
        gemeente: v.gemeente.clone(),
        vorm: v.vorm.into(),
        regime: v.regime.into(),
        datum: v.datum,
        plaatsen: state.capacity(&v.id, vandaag),
        gesloten_vanaf: state.sluitingsdatum(&v.id),
    }
}

/// The registered reference facts of one kind (`ids` picks the index), each mapped and
/// filtered by `pick`.
async fn reference_list<T>(
    ctx: &Context<'_>,
    ids: for<'d> fn(&DomainView<'d>) -> &'d BTreeMap<String, Uuid>,
    pick: impl Fn(&DomainView<'_>, &G) -> Option<T>,
) -> ApiResult<Vec<T>> {
    Ok(state(ctx)?
        .with_domain(|d| {
            ids(d)
                .values()
                .filter_map(|id| pick(d, d.state.inhoud(*id)?))
                .collect()
        })
        .await?)
}

pub(crate) fn state<'a>(ctx: &Context<'a>) -> Result<&'a ApiState, ApiFout> {
    ctx.data::<ApiState>()
        .map_err(|e| ApiFout::intern("schema zonder toestand", e.message))
}

/// Runs `f` on the projection with the caller's protection: `None` (exact) for roles with
/// person-level access, the cell keys for the others.
pub(crate) async fn lees<T>(
    s: &ApiState,
    rol: Rol,
    f: impl FnOnce(&kringloop_projections::Projection, Option<&kringloop_projections::RecordKeys>) -> T,
) -> T {
    let sleutels = s.config().cell_keys;
    let exact = rol.sees_small_counts();
    s.runner()
        .read(move |p| f(p, (!exact).then_some(&sleutels)))
        .await
}

/// The calendar periods of `granulariteit` covering [van, tot): 1 to [`MAX_REEKS`] of
/// them, else a BAD_REQUEST that says how many there are.
pub(crate) fn reeks_perioden(
    granulariteit: Granulariteit,
    van: NaiveDate,
    tot: NaiveDate,
) -> Result<Vec<PPeriode>, ApiFout> {
    let perioden = PPeriode::reeks(van, tot, granulariteit.into())
        .map_err(|e| ApiFout::ongeldig(e.to_string()))?;
    if perioden.is_empty() || perioden.len() > MAX_REEKS {
        return Err(ApiFout::ongeldig(format!(
            "een reeks heeft 1 tot {MAX_REEKS} perioden; deze heeft er {}",
            perioden.len()
        )));
    }
    Ok(perioden)
}

fn wijziging(e: &RecordedEvent, reden: Option<String>) -> Wijziging {
    Wijziging {
        event_id: e.event_id,
        positie: e.position,
        event_type: e.event_type.clone(),
        geregistreerd_op: e.recorded_at,
        geregistreerd_door: e.recorded_by.clone(),
        bron: e.source.clone(),
        reden,
    }
}

/// The history of some streams, with corrections and retractions linked to their originals.
async fn history_of(state: &ApiState, stromen: Vec<String>) -> Result<Historie, ApiFout> {
    let mut events = Vec::new();
    for s in &stromen {
        events.extend(state.store().read_stream(s, 1).await?);
    }
    events.sort_by_key(|e| e.position);
    Ok(historie_uit(stromen, &events))
}

/// Events (in log order) as a history, corrections and retractions linked to their
/// originals.
pub(crate) fn historie_uit(stromen: Vec<String>, events: &[RecordedEvent]) -> Historie {
    let mut gecorrigeerd: HashMap<Uuid, Vec<Wijziging>> = HashMap::new();
    let mut ingetrokken: HashMap<Uuid, Wijziging> = HashMap::new();
    let mut betreft: HashMap<Uuid, Uuid> = HashMap::new();
    for e in events {
        match G::from_recorded(e) {
            Ok(G::FeitGecorrigeerd(c)) => {
                betreft.insert(e.event_id, c.vervangt);
                gecorrigeerd
                    .entry(c.vervangt)
                    .or_default()
                    .push(wijziging(e, Some(c.reden)));
            }
            Ok(G::FeitIngetrokken(i)) => {
                betreft.insert(e.event_id, i.event_id);
                ingetrokken.insert(i.event_id, wijziging(e, Some(i.reden)));
            }
            _ => {}
        }
    }
    let feiten = events
        .iter()
        .map(|e| HistorieFeit {
            gebeurtenis: Gebeurtenis::van(e, true),
            betreft: betreft.get(&e.event_id).copied(),
            gecorrigeerd_door: gecorrigeerd.remove(&e.event_id).unwrap_or_default(),
            ingetrokken_door: ingetrokken.remove(&e.event_id),
        })
        .collect();
    Historie { stromen, feiten }
}

/// The projection folds the stored log, so it names every youth stream by its stored
/// name (`jeugdige-~…`). For a person-level view: the name the store reads for each such
/// stream (the writer's `jeugdige-<pseudonym>` for a live youth, the stored name for an
/// erased one), read from one event of the stream (`position`). Other names are left out.
pub(crate) async fn writer_names<'a>(
    state: &ApiState,
    streams: impl IntoIterator<Item = (&'a String, i64)>,
) -> Result<HashMap<String, String>, ApiFout> {
    let mut todo: BTreeMap<&String, i64> = BTreeMap::new();
    for (s, p) in streams {
        if is_physical_youth_stream(s) {
            todo.entry(s).or_insert(p);
        }
    }
    let mut names = HashMap::new();
    if todo.is_empty() {
        return Ok(names);
    }
    let _beurt = state.reader().await?;
    for (stored, position) in todo {
        if let Some(e) = state
            .store()
            .read_all(position - 1, 1)
            .await?
            .into_iter()
            .next()
        {
            names.insert(stored.clone(), e.stream);
        }
    }
    Ok(names)
}

fn require_persoonsniveau(p: &Principal) -> Result<(), ApiFout> {
    if PERSOONSNIVEAU.contains(&p.rol) {
        Ok(())
    } else {
        Err(ApiFout::Verboden(format!(
            "de rol {} mag geen gegevens op persoonsniveau inzien",
            p.rol
        )))
    }
}

/// The schema's `Query`: the fields below, those of the request side (`vraag.rs`) and
/// those of the youth's path (`pad.rs`).
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    KernQuery,
    crate::vraag::VraagQuery,
    crate::pad::PadQuery,
    crate::geld::GeldQuery,
);

#[derive(Default)]
pub struct KernQuery;

#[Object]
impl KernQuery {
    /// Every KPI of KPIS.md for a period (and peildatum), with filters, attribution and a
    /// knowledge time. For roles without person-level access every figure about persons is
    /// perturbed by the cell-key method (each value's `bescherming` says so).
    #[graphql(
        guard = "RolGuard(LEZERS)",
        complexity = "crate::grenzen::kosten::RAPPORT + child_complexity"
    )]
    async fn kpis(
        &self,
        ctx: &Context<'_>,
        periode: PeriodeInvoer,
        peildatum: Option<NaiveDate>,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
        as_known_at: Option<DateTime<Utc>>,
    ) -> ApiResult<KpiRapport> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let q = QueryArgs {
            periode: periode.periode()?,
            peildatum,
            filter: filter.as_ref(),
            toerekening,
            as_known_at,
        }
        .resolved(s)
        .await?;
        Ok(kpi_report(s, p.rol, &q).await?)
    }

    /// Occupancy at the peildatum per `rij` × `kolom` (say jeugdregio × regime) in one
    /// pass, with row, column and grand totals.
    #[graphql(
        guard = "RolGuard(LEZERS)",
        complexity = "crate::grenzen::kosten::RAPPORT + child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // the GraphQL arguments are the parameters
    async fn bezetting_per(
        &self,
        ctx: &Context<'_>,
        periode: PeriodeInvoer,
        peildatum: Option<NaiveDate>,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
        as_known_at: Option<DateTime<Utc>>,
        rij: Dimensie,
        kolom: Dimensie,
    ) -> ApiResult<BezettingUitsplitsing> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let q = QueryArgs {
            periode: periode.periode()?,
            peildatum,
            filter: filter.as_ref(),
            toerekening,
            as_known_at,
        }
        .resolved(s)
        .await?;
        let (rij, kolom) = (rij.into(), kolom.into());
        let sleutels = s.config().cell_keys;
        let rol = p.rol;
        let kpi = s
            .runner()
            .read(|proj| {
                if rol.sees_small_counts() {
                    proj.bezetting_per(&q, rij, kolom)
                } else {
                    proj.bezetting_per_beschermd(&q, rij, kolom, &sleutels)
                }
            })
            .await;
        Ok(BezettingUitsplitsing {
            meta: kpi.meta.into(),
            tabel: kpi.waarde.into(),
        })
    }

    /// The KPIs for each calendar period of `granulariteit` covering [van, tot).
    #[graphql(
        guard = "RolGuard(LEZERS)",
        complexity = "crate::grenzen::kosten::REEKS + child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // the GraphQL arguments are the parameters
    async fn kpi_reeks(
        &self,
        ctx: &Context<'_>,
        granulariteit: Granulariteit,
        van: NaiveDate,
        tot: NaiveDate,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
        as_known_at: Option<DateTime<Utc>>,
    ) -> ApiResult<Vec<KpiRapport>> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let perioden = reeks_perioden(granulariteit, van, tot)?;
        let first = perioden[0];
        let q = QueryArgs {
            periode: first,
            peildatum: None,
            filter: filter.as_ref(),
            toerekening,
            as_known_at,
        }
        .resolved(s)
        .await?;
        let sleutels = s.config().cell_keys;
        let rol = p.rol;
        let reports = s
            .runner()
            .read(|proj| {
                if rol.sees_small_counts() {
                    proj.reeks(&q, &perioden)
                } else {
                    proj.reeks_beschermd(&q, &perioden, &sleutels)
                }
            })
            .await;
        Ok(reports.into_iter().map(KpiRapport::from).collect())
    }

    /// Capacity targets (points; interpolated in between), optionally for one scope.
    #[graphql(guard = "RolGuard(LEZERS)")]
    async fn doelen(
        &self,
        ctx: &Context<'_>,
        niveau: Option<DoelNiveau>,
        code: Option<String>,
    ) -> ApiResult<Vec<Doel>> {
        let s = state(ctx)?;
        let punten = s
            .with_domain(|d| {
                d.referentie
                    .doelen
                    .iter()
                    .filter_map(|id| match d.state.inhoud(*id) {
                        Some(G::CapaciteitsdoelVastgesteld(x)) => Some((*id, x.clone())),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            })
            .await?;
        let mut targets = Vec::new();
        for (id, x) in punten {
            let (n, c) = match &x.scope {
                kringloop_events::DoelScope::Landelijk => (DoelNiveau::Landelijk, None),
                kringloop_events::DoelScope::Landsdeel(c) => {
                    (DoelNiveau::Landsdeel, Some(c.clone()))
                }
                kringloop_events::DoelScope::Jeugdregio(c) => {
                    (DoelNiveau::Jeugdregio, Some(c.clone()))
                }
                kringloop_events::DoelScope::Aanbieder(c) => {
                    (DoelNiveau::Aanbieder, Some(c.clone()))
                }
            };
            if niveau.is_some_and(|w| w != n) || (code.is_some() && code != c) {
                continue;
            }
            targets.push(Doel {
                event_id: id,
                niveau: n,
                code: c,
                regime: x.regime.map(Into::into),
                vorm: x.vorm.map(Into::into),
                plaatsen: x.plaatsen,
                datum: x.datum,
            });
        }
        targets.sort_by(|a, b| (&a.code, a.datum).cmp(&(&b.code, b.datum)));
        Ok(targets)
    }

    /// The KPIs as known at k1 and at k2, and the events recorded in (k1, k2] that changed
    /// the facts under them (late registrations, corrections, retractions).
    #[graphql(
        guard = "RolGuard(PERSOONSNIVEAU)",
        complexity = "crate::grenzen::kosten::DIFF + child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // the GraphQL arguments are the parameters
    async fn diff(
        &self,
        ctx: &Context<'_>,
        periode: PeriodeInvoer,
        k1: DateTime<Utc>,
        k2: DateTime<Utc>,
        peildatum: Option<NaiveDate>,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
    ) -> ApiResult<Verschil> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let q = QueryArgs {
            periode: periode.periode()?,
            peildatum,
            filter: filter.as_ref(),
            toerekening,
            as_known_at: None,
        }
        .resolved(s)
        .await?;
        let d = s.runner().read(|proj| proj.diff(&q, k1, k2)).await;
        let namen =
            writer_names(s, d.gebeurtenissen.iter().map(|g| (&g.stream, g.positie))).await?;
        let youth = person_level(d.gebeurtenissen.iter().map(|g| &g.stream));
        if !youth.is_empty() {
            s.log_inzage(p, "diff", &youth).await?;
        }
        let (k1, k2) = if k2 < k1 { (k2, k1) } else { (k1, k2) };
        Ok(Verschil {
            k1,
            k2,
            voor: d.voor.into(),
            na: d.na.into(),
            gebeurtenissen: d
                .gebeurtenissen
                .into_iter()
                .map(|g| {
                    let stroom = namen.get(&g.stream).cloned().unwrap_or(g.stream);
                    GebeurtenisRef {
                        positie: g.positie,
                        event_id: g.event_id,
                        event_type: g.event_type,
                        gewist: is_physical_youth_stream(&stroom),
                        stroom,
                        geregistreerd_op: g.recorded_at,
                    }
                })
                .collect(),
        })
    }

    /// The audit history of one stream, youth (pseudonym), facility or provider: every
    /// fact with who recorded it, when, from which source, and what later corrected or
    /// retracted it. Give exactly one argument. A youth's history is person-level data:
    /// evaluator and admin only, and the read is itself recorded.
    #[graphql(
        guard = "RolGuard(LANDSCHAP_HISTORIE)",
        complexity = "crate::grenzen::kosten::HISTORIE + child_complexity"
    )]
    async fn historie(
        &self,
        ctx: &Context<'_>,
        stroom: Option<String>,
        pseudoniem: Option<String>,
        voorziening: Option<String>,
        aanbieder: Option<String>,
    ) -> ApiResult<Historie> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let gegeven = [&stroom, &pseudoniem, &voorziening, &aanbieder]
            .iter()
            .filter(|x| x.is_some())
            .count();
        if gegeven != 1 {
            return Err(ApiFout::ongeldig(
                "geef precies één van stroom, pseudoniem, voorziening of aanbieder",
            )
            .into());
        }
        let op_pseudoniem = pseudoniem.is_some();
        let stromen: Vec<String> = if let Some(st) = stroom {
            vec![st]
        } else if let Some(ps) = pseudoniem {
            vec![jeugdige_stream(&ps)]
        } else if let Some(v) = voorziening {
            vec![voorziening_stream(&v)]
        } else if let Some(a) = aanbieder {
            let mut v = vec![format!("aanbieder-{a}")];
            let ids = s
                .with_domain(|d| {
                    d.referentie
                        .voorzieningen
                        .iter()
                        .filter(|(_, id)| {
                            matches!(d.state.inhoud(**id), Some(G::VoorzieningGeregistreerd(x)) if x.aanbieder == a)
                        })
                        .map(|(k, _)| voorziening_stream(k))
                        .collect::<Vec<_>>()
                })
                .await?;
            v.extend(ids);
            v
        } else {
            Vec::new()
        };
        let persoonlijk = person_level(&stromen);
        if !persoonlijk.is_empty() {
            require_persoonsniveau(p)?;
        }
        let beurt = s.reader().await?;
        let h = history_of(s, stromen).await?;
        drop(beurt);
        if h.feiten.is_empty() {
            let melding = if op_pseudoniem {
                // An erased youth's pseudonym leads nowhere any more, by design.
                "geen feiten gevonden: deze jeugdige is onbekend of gewist"
            } else {
                "geen feiten gevonden voor deze vraag"
            };
            return Err(ApiFout::NietGevonden(melding.into()).into());
        }
        if !persoonlijk.is_empty() {
            s.log_inzage(p, "historie", &persoonlijk).await?;
        }
        Ok(h)
    }

    /// The event log from a position, as a connection (cursor = position), optionally
    /// filtered by type and recorded-time range [vanaf, tot). Person-level: evaluator and
    /// admin; a page with youth events is recorded in the access log.
    #[graphql(
        guard = "RolGuard(PERSOONSNIVEAU)",
        complexity = "crate::grenzen::kosten::GEBEURTENISSEN + child_complexity"
    )]
    async fn gebeurtenissen(
        &self,
        ctx: &Context<'_>,
        na: Option<String>,
        #[graphql(default = 100)] eerste: i32,
        types: Option<Vec<String>>,
        vanaf: Option<DateTime<Utc>>,
        tot: Option<DateTime<Utc>>,
    ) -> ApiResult<Connection<String, Gebeurtenis>> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let na: i64 = match na.as_deref() {
            None | Some("") => 0,
            Some(c) => c
                .parse()
                .map_err(|_| ApiFout::ongeldig("`na` is een positie (een geheel getal)"))?,
        };
        let max = s.config().max_page;
        let eerste = usize::try_from(eerste)
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| ApiFout::ongeldig(format!("`eerste` ligt tussen 1 en {max}")))?;
        let filter = ReadFilter {
            event_types: types.unwrap_or_default(),
            recorded_from: vanaf,
            recorded_to: tot,
        };
        let beurt = s.reader().await?;
        let mut rows = s.store().read_filtered(na, eerste + 1, &filter).await?;
        drop(beurt);
        let meer = rows.len() > eerste;
        rows.truncate(eerste);
        let persoonlijk = person_level(rows.iter().map(|e| &e.stream));
        if !persoonlijk.is_empty() {
            s.log_inzage(p, "gebeurtenissen", &persoonlijk).await?;
        }
        let mut c = Connection::new(na > 0, meer);
        c.edges.extend(
            rows.iter()
                .map(|e| Edge::new(e.position.to_string(), Gebeurtenis::van(e, true))),
        );
        Ok(c)
    }

    /// Walks the hash chain of the whole log.
    #[graphql(
        guard = "RolGuard(LANDSCHAP_HISTORIE)",
        complexity = "crate::grenzen::kosten::KETEN + child_complexity"
    )]
    async fn keten(&self, ctx: &Context<'_>) -> ApiResult<Keten> {
        let s = state(ctx)?;
        let _beurt = s.reader().await?;
        let r = s.store().verify().await.map_err(ApiFout::from)?;
        Ok(Keten {
            intact: r.is_ok(),
            gecontroleerd: r.checked,
            kop_positie: r.head_position,
            kop_hash: r.head_hash,
            fout: r.failure.map(|f| KetenFout {
                positie: f.position,
                reden: f.reason,
            }),
        })
    }

    /// The projection's position and lag behind the store.
    #[graphql(guard = "RolGuard(LEZERS)")]
    async fn projectie(&self, ctx: &Context<'_>) -> ApiResult<Projectie> {
        let r = state(ctx)?.runner();
        Ok(Projectie {
            positie: r.position(),
            store_head: r.store_head(),
            achterstand: r.lag(),
            fouten: r.error_count(),
        })
    }

    #[graphql(guard = "RolGuard(LEZERS)")]
    async fn landsdelen(&self, ctx: &Context<'_>) -> ApiResult<Vec<Landsdeel>> {
        reference_list(
            ctx,
            |d| &d.referentie.landsdelen,
            |_, g| match g {
                G::LandsdeelGeregistreerd(x) => Some(x.into()),
                _ => None,
            },
        )
        .await
    }

    #[graphql(guard = "RolGuard(LEZERS)")]
    async fn jeugdregios(
        &self,
        ctx: &Context<'_>,
        landsdeel: Option<String>,
    ) -> ApiResult<Vec<Jeugdregio>> {
        reference_list(
            ctx,
            |d| &d.referentie.jeugdregios,
            |_, g| match g {
                G::JeugdregioGeregistreerd(x)
                    if landsdeel.as_ref().is_none_or(|l| *l == x.landsdeel) =>
                {
                    Some(x.into())
                }
                _ => None,
            },
        )
        .await
    }

    #[graphql(guard = "RolGuard(LEZERS)")]
    async fn gemeenten(
        &self,
        ctx: &Context<'_>,
        jeugdregio: Option<String>,
    ) -> ApiResult<Vec<Gemeente>> {
        reference_list(
            ctx,
            |d| &d.referentie.gemeenten,
            |_, g| match g {
                G::GemeenteGeregistreerd(x)
                    if jeugdregio.as_ref().is_none_or(|r| *r == x.jeugdregio) =>
                {
                    Some(x.into())
                }
                _ => None,
            },
        )
        .await
    }

    #[graphql(guard = "RolGuard(LEZERS)")]
    async fn aanbieders(&self, ctx: &Context<'_>) -> ApiResult<Vec<Aanbieder>> {
        reference_list(
            ctx,
            |d| &d.referentie.aanbieders,
            |_, g| match g {
                G::AanbiederGeregistreerd(x) => Some(x.into()),
                _ => None,
            },
        )
        .await
    }

    #[graphql(guard = "RolGuard(LEZERS)")]
    async fn voorzieningen(
        &self,
        ctx: &Context<'_>,
        aanbieder: Option<String>,
    ) -> ApiResult<Vec<Voorziening>> {
        reference_list(
            ctx,
            |d| &d.referentie.voorzieningen,
            |d, g| match g {
                G::VoorzieningGeregistreerd(x)
                    if aanbieder.as_ref().is_none_or(|a| *a == x.aanbieder) =>
                {
                    Some(voorziening_output(d.state, x))
                }
                _ => None,
            },
        )
        .await
    }

    /// Placement requests person by person, oldest first, as the write side knows them
    /// now: a coordinator those of its own jeugdregio (`jeugdregio` may be left out;
    /// another is `FORBIDDEN`), evaluator and admin of any region or all. The youths on
    /// the page are recorded in the access log.
    #[graphql(
        guard = "RolGuard(VERZOEK_LEZERS)",
        complexity = "crate::grenzen::kosten::HISTORIE + child_complexity"
    )]
    async fn plaatsingsverzoeken(
        &self,
        ctx: &Context<'_>,
        jeugdregio: Option<String>,
        status: Option<VerzoekStatus>,
        #[graphql(default = 100)] eerste: i32,
        #[graphql(default = 0)] overslaan: i32,
    ) -> ApiResult<Plaatsingsverzoeken> {
        let (s, p) = (state(ctx)?, principal(ctx)?);
        Ok(verzoek::opvragen_lijst(s, p, jeugdregio, status, eerste, overslaan).await?)
    }

    /// One placement request and every fact about it in the youth's stream (registrations,
    /// offers, refusals, withdrawal, the fulfilling placement, their corrections), with
    /// recorded times. A coordinator of another region gets `FORBIDDEN`; the read is
    /// recorded in the access log.
    #[graphql(
        guard = "RolGuard(VERZOEK_LEZERS)",
        complexity = "crate::grenzen::kosten::HISTORIE + child_complexity"
    )]
    async fn plaatsingsverzoek(
        &self,
        ctx: &Context<'_>,
        #[graphql(secret)] pseudoniem: String,
        #[graphql(secret)] verzoek: String,
    ) -> ApiResult<VerzoekHistorie> {
        let (s, p) = (state(ctx)?, principal(ctx)?);
        Ok(verzoek::opvragen_een(s, p, &pseudoniem, &verzoek).await?)
    }

    /// The caller.
    async fn ik(&self, ctx: &Context<'_>) -> ApiResult<Ik> {
        let p = principal(ctx)?;
        Ok(Ik {
            naam: p.naam.clone(),
            rol: p.rol,
            token_id: p.token_id.clone(),
            jeugdregio: p.jeugdregio.clone(),
        })
    }

    /// The tokens (never their secrets).
    #[graphql(guard = "RolGuard(BEHEER)")]
    async fn tokens(&self, ctx: &Context<'_>) -> ApiResult<Vec<TokenInfo>> {
        let lijst = state(ctx)?
            .tokens()
            .list()
            .map_err(|e| ApiFout::intern("tokens", e))?;
        Ok(lijst
            .into_iter()
            .map(|t| TokenInfo {
                id: t.id,
                naam: t.naam,
                rol: t.rol,
                jeugdregio: t.jeugdregio,
                aangemaakt: t.aangemaakt,
                ingetrokken: t.ingetrokken,
            })
            .collect())
    }
}
