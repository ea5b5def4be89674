//! The youth's path: `plaatsingenNaarVoorgeschiedenis`, `onttrekkingen`, `terugval` and
//! their series (`padReeks`), merged into the schema's `Query` (`query.rs`). The types
//! map the projection's (`kringloop_projections::pad`) field by field; for roles without
//! person-level access every count is protected by the cell-key method, as `kpis`.

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use kringloop_projections as projections;
use kringloop_projections::Query;

use crate::auth::{LEZERS, RolGuard, principal};
use crate::fout::{ApiFout, ApiResult};
use crate::query::{QueryArgs, lees, reeks_perioden, state};
use crate::state::ApiState;
use crate::types::{
    Aantal, Bescherming, FilterInvoer, Granulariteit, KpiMeta, PeriodeInvoer, Toerekening,
    Verhouding,
};

/// Placements that start an episode in P by the youth's history in the same regime.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct PlaatsingenNaarVoorgeschiedenis {
    pub meta: KpiMeta,
    /// All of them: `plaatsingen.exclusiefDoorplaatsingen`.
    pub totaal: Aantal,
    /// No earlier episode in the same regime.
    pub nieuw: Aantal,
    /// The latest earlier episode in the same regime ended with no absence open.
    pub hernieuwd: Aantal,
    /// The latest earlier episode in the same regime ended while an absence without
    /// leave was open.
    pub na_onttrekking: Aantal,
}

/// Absences without leave (onttrekkingen).
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Onttrekkingen {
    pub meta: KpiMeta,
    /// Absences that began in P.
    pub begonnen: Aantal,
    /// Distinct youths with an absence that began in P.
    pub unieke_jeugdigen: Aantal,
    /// Absences that ended in P: by the return, or by the end of the episode.
    pub beeindigd: Aantal,
    /// Of those, ended by the youth's return.
    pub teruggekeerd: Aantal,
    /// Mean length (days) of the absences ended in P.
    pub gemiddelde_duur: Option<f64>,
    /// Median length (days) of the absences ended in P.
    pub mediaan_duur: Option<f64>,
    /// Absences open at the peildatum.
    pub open_op_peildatum: Aantal,
    /// How mean and median were protected (withheld under 8 published absences).
    pub bescherming: Bescherming,
}

/// Of the episodes ended in P to a lighter destination, the share followed by a new
/// residential episode within 6 and within 12 calendar months of the end.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Terugval {
    pub meta: KpiMeta,
    /// Episodes ended in P to a lighter destination.
    pub uitstroom_lichter: Aantal,
    pub binnen_6_maanden: Verhouding,
    pub binnen_12_maanden: Verhouding,
    /// Final (the knowledge date is 12 months past P's last day); else provisional.
    pub definitief: bool,
    /// The knowledge date from which the figure of P is final.
    pub definitief_vanaf: NaiveDate,
}

/// The three path KPIs of one period of a series.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct PadRapport {
    pub plaatsingen_naar_voorgeschiedenis: PlaatsingenNaarVoorgeschiedenis,
    pub onttrekkingen: Onttrekkingen,
    pub terugval: Terugval,
}

impl From<projections::Kpi<projections::PlaatsingenNaarVoorgeschiedenis>>
    for PlaatsingenNaarVoorgeschiedenis
{
    fn from(k: projections::Kpi<projections::PlaatsingenNaarVoorgeschiedenis>) -> Self {
        let projections::PlaatsingenNaarVoorgeschiedenis {
            totaal,
            nieuw,
            hernieuwd,
            na_onttrekking,
        } = k.waarde;
        PlaatsingenNaarVoorgeschiedenis {
            meta: k.meta.into(),
            totaal: totaal.into(),
            nieuw: nieuw.into(),
            hernieuwd: hernieuwd.into(),
            na_onttrekking: na_onttrekking.into(),
        }
    }
}

impl From<projections::Kpi<projections::Onttrekkingen>> for Onttrekkingen {
    fn from(k: projections::Kpi<projections::Onttrekkingen>) -> Self {
        let projections::Onttrekkingen {
            begonnen,
            unieke_jeugdigen,
            beeindigd,
            teruggekeerd,
            gemiddelde_duur,
            mediaan_duur,
            open_op_peildatum,
            bescherming,
        } = k.waarde;
        Onttrekkingen {
            meta: k.meta.into(),
            begonnen: begonnen.into(),
            unieke_jeugdigen: unieke_jeugdigen.into(),
            beeindigd: beeindigd.into(),
            teruggekeerd: teruggekeerd.into(),
            gemiddelde_duur,
            mediaan_duur,
            open_op_peildatum: open_op_peildatum.into(),
            bescherming: bescherming.into(),
        }
    }
}

impl From<projections::Kpi<projections::Terugval>> for Terugval {
    fn from(k: projections::Kpi<projections::Terugval>) -> Self {
        let projections::Terugval {
            uitstroom_lichter,
            binnen_6_maanden,
            binnen_12_maanden,
            definitief,
            definitief_vanaf,
        } = k.waarde;
        Terugval {
            meta: k.meta.into(),
            uitstroom_lichter: uitstroom_lichter.into(),
            binnen_6_maanden: binnen_6_maanden.into(),
            binnen_12_maanden: binnen_12_maanden.into(),
            definitief,
            definitief_vanaf,
        }
    }
}

impl From<projections::PadRapport> for PadRapport {
    fn from(r: projections::PadRapport) -> Self {
        let projections::PadRapport {
            plaatsingen_naar_voorgeschiedenis,
            onttrekkingen,
            terugval,
        } = r;
        PadRapport {
            plaatsingen_naar_voorgeschiedenis: plaatsingen_naar_voorgeschiedenis.into(),
            onttrekkingen: onttrekkingen.into(),
            terugval: terugval.into(),
        }
    }
}

/// The path's query fields.
#[derive(Default)]
pub struct PadQuery;

#[Object]
impl PadQuery {
    /// Placements that start an episode in P (`plaatsingen.exclusiefDoorplaatsingen`)
    /// by the youth's history in the same regime: NIEUW, HERNIEUWD, NA_ONTTREKKING.
    #[graphql(
        guard = "RolGuard(LEZERS)",
        complexity = "crate::grenzen::kosten::RAPPORT + child_complexity"
    )]
    async fn plaatsingen_naar_voorgeschiedenis(
        &self,
        ctx: &Context<'_>,
        periode: PeriodeInvoer,
        peildatum: Option<NaiveDate>,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
        as_known_at: Option<DateTime<Utc>>,
    ) -> ApiResult<PlaatsingenNaarVoorgeschiedenis> {
        let (s, rol) = (state(ctx)?, principal(ctx)?.rol);
        let q = vraag(s, periode, peildatum, filter, toerekening, as_known_at).await?;
        Ok(lees(s, rol, move |p, k| {
            p.plaatsingen_naar_voorgeschiedenis(&q, k)
        })
        .await
        .into())
    }

    /// Absences without leave: begun in P, ended in P with their mean and median length,
    /// open at the peildatum.
    #[graphql(
        guard = "RolGuard(LEZERS)",
        complexity = "crate::grenzen::kosten::RAPPORT + child_complexity"
    )]
    async fn onttrekkingen(
        &self,
        ctx: &Context<'_>,
        periode: PeriodeInvoer,
        peildatum: Option<NaiveDate>,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
        as_known_at: Option<DateTime<Utc>>,
    ) -> ApiResult<Onttrekkingen> {
        let (s, rol) = (state(ctx)?, principal(ctx)?.rol);
        let q = vraag(s, periode, peildatum, filter, toerekening, as_known_at).await?;
        Ok(lees(s, rol, move |p, k| p.onttrekkingen(&q, k))
            .await
            .into())
    }

    /// Of the episodes ended in P to a lighter destination, the share followed by a new
    /// residential episode within 6 and within 12 months; final or provisional.
    #[graphql(
        guard = "RolGuard(LEZERS)",
        complexity = "crate::grenzen::kosten::RAPPORT + child_complexity"
    )]
    async fn terugval(
        &self,
        ctx: &Context<'_>,
        periode: PeriodeInvoer,
        peildatum: Option<NaiveDate>,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
        as_known_at: Option<DateTime<Utc>>,
    ) -> ApiResult<Terugval> {
        let (s, rol) = (state(ctx)?, principal(ctx)?.rol);
        let q = vraag(s, periode, peildatum, filter, toerekening, as_known_at).await?;
        Ok(lees(s, rol, move |p, k| p.terugval(&q, k)).await.into())
    }

    /// The three path KPIs for every period from `van` up to `tot`, each read at its
    /// own end; each period equals the single-period fields.
    #[graphql(
        guard = "RolGuard(LEZERS)",
        complexity = "crate::grenzen::kosten::REEKS + child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // the GraphQL arguments are the parameters
    async fn pad_reeks(
        &self,
        ctx: &Context<'_>,
        granulariteit: Granulariteit,
        van: NaiveDate,
        tot: NaiveDate,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
        as_known_at: Option<DateTime<Utc>>,
    ) -> ApiResult<Vec<PadRapport>> {
        let perioden = reeks_perioden(granulariteit, van, tot)?;
        let (s, rol) = (state(ctx)?, principal(ctx)?.rol);
        let q = QueryArgs {
            periode: perioden[0],
            peildatum: None,
            filter: filter.as_ref(),
            toerekening,
            as_known_at,
        }
        .resolved(s)
        .await?;
        let r = lees(s, rol, move |p, k| p.pad_reeks(&q, &perioden, k)).await;
        Ok(r.into_iter().map(PadRapport::from).collect())
    }
}

async fn vraag(
    s: &ApiState,
    periode: PeriodeInvoer,
    peildatum: Option<NaiveDate>,
    filter: Option<FilterInvoer>,
    toerekening: Option<Toerekening>,
    as_known_at: Option<DateTime<Utc>>,
) -> Result<Query, ApiFout> {
    QueryArgs {
        periode: periode.periode()?,
        peildatum,
        filter: filter.as_ref(),
        toerekening,
        as_known_at,
    }
    .resolved(s)
    .await
}
