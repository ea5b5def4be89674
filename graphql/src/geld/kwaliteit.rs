//! The output types of `maatregelen` and `ratioAmbulantBed` (docs/kpis.md,
//! "Maatregelen" and "Ratio ambulant/bed"), mapped from the projection's field by field.
//! Restrictive measures and placement-days are about persons: roles without
//! person-level access get them perturbed by the cell-key method, as every count.

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use kringloop_projections as projections;

use super::kwaliteit_query;
use crate::auth::{LEZERS, RolGuard, principal};
use crate::fout::ApiResult;
use crate::query::{lees, reeks_perioden, state};
use crate::types::{
    Aantal, Bescherming, FilterInvoer, Granulariteit, KpiMeta, PeriodeInvoer, Toerekening,
    Verhouding,
};

/// The figures of one row (or the total) of `maatregelen`.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct MaatregelCijfers {
    /// Measures with their begin in the period.
    pub aantal: Aantal,
    /// Their duration (eind − begin), summed, in hours.
    pub uren: Option<f64>,
    /// `uren ÷ aantal`; withheld below 8 published measures for roles without
    /// person-level access.
    pub gemiddelde_uren: Option<f64>,
    /// Residential bed-days in the period of the row's facility scope.
    pub ligdagen: Aantal,
    /// `aantal × 1000 ÷ ligdagen` (null without bed-days).
    #[graphql(name = "per1000Ligdagen")]
    pub per_1000_ligdagen: Option<f64>,
    pub bescherming: Bescherming,
}

/// A row of a breakdown: a kind's, facility's or provider's code.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct MaatregelRij {
    pub sleutel: String,
    pub cijfers: MaatregelCijfers,
}

/// Restrictive measures begun in a period: count, duration, per 1,000 bed-days; per kind,
/// facility and provider.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct MaatregelenRapport {
    pub meta: KpiMeta,
    pub totaal: MaatregelCijfers,
    /// Every kind, in the order of the enum `Maatregelsoort`.
    pub per_soort: Vec<MaatregelRij>,
    pub per_voorziening: Vec<MaatregelRij>,
    pub per_aanbieder: Vec<MaatregelRij>,
}

/// One row (or the total) of `ratioAmbulantBed`.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct RatioRij {
    pub sleutel: String,
    /// Ambulant trajectory-days (placements in facilities of form AMBULANT).
    pub ambulante_dagen: Aantal,
    /// Residential bed-days.
    pub ligdagen: Aantal,
    /// ambulanteDagen ÷ ligdagen.
    pub ratio: Verhouding,
}

/// Ambulant trajectory-days per residential bed-day in a period, per provider and
/// jeugdregio.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct RatioAmbulantBedRapport {
    pub meta: KpiMeta,
    pub totaal: RatioRij,
    pub per_aanbieder: Vec<RatioRij>,
    pub per_jeugdregio: Vec<RatioRij>,
}

impl From<projections::MaatregelCijfers> for MaatregelCijfers {
    fn from(x: projections::MaatregelCijfers) -> Self {
        MaatregelCijfers {
            aantal: x.aantal.into(),
            uren: x.uren,
            gemiddelde_uren: x.gemiddelde_uren,
            ligdagen: x.ligdagen.into(),
            per_1000_ligdagen: x.per_1000_ligdagen,
            bescherming: x.bescherming.into(),
        }
    }
}

fn maatregelrijen(v: Vec<projections::MaatregelRij>) -> Vec<MaatregelRij> {
    v.into_iter()
        .map(|r| MaatregelRij {
            sleutel: r.sleutel,
            cijfers: r.cijfers.into(),
        })
        .collect()
}

impl From<projections::Kpi<projections::Maatregelen>> for MaatregelenRapport {
    fn from(k: projections::Kpi<projections::Maatregelen>) -> Self {
        let x = k.waarde;
        MaatregelenRapport {
            meta: k.meta.into(),
            totaal: x.totaal.into(),
            per_soort: maatregelrijen(x.per_soort),
            per_voorziening: maatregelrijen(x.per_voorziening),
            per_aanbieder: maatregelrijen(x.per_aanbieder),
        }
    }
}

impl From<projections::RatioRij> for RatioRij {
    fn from(x: projections::RatioRij) -> Self {
        RatioRij {
            sleutel: x.sleutel,
            ambulante_dagen: x.ambulante_dagen.into(),
            ligdagen: x.ligdagen.into(),
            ratio: x.ratio.into(),
        }
    }
}

impl From<projections::Kpi<projections::RatioAmbulantBed>> for RatioAmbulantBedRapport {
    fn from(k: projections::Kpi<projections::RatioAmbulantBed>) -> Self {
        let x = k.waarde;
        RatioAmbulantBedRapport {
            meta: k.meta.into(),
            totaal: x.totaal.into(),
            per_aanbieder: x.per_aanbieder.into_iter().map(Into::into).collect(),
            per_jeugdregio: x.per_jeugdregio.into_iter().map(Into::into).collect(),
        }
    }
}

/// The quality fields of `Query`.
#[derive(Default)]
pub struct KwaliteitQuery;

#[Object]
impl KwaliteitQuery {
    /// Restrictive measures begun in a period: count, duration (hours, sum and average),
    /// per 1,000 bed-days of the same facility scope; per kind, facility and provider
    /// (docs/kpis.md, "Maatregelen"). Person-level facts: roles without person-level
    /// access get every count perturbed by the cell-key method.
    #[graphql(
        guard = "RolGuard(LEZERS)",
        complexity = "crate::grenzen::kosten::RAPPORT + child_complexity"
    )]
    async fn maatregelen(
        &self,
        ctx: &Context<'_>,
        periode: PeriodeInvoer,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
        as_known_at: Option<DateTime<Utc>>,
    ) -> ApiResult<MaatregelenRapport> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let q = kwaliteit_query(s, periode.periode()?, filter, toerekening, as_known_at).await?;
        Ok(lees(s, p.rol, move |proj, sl| proj.maatregelen(&q, sl))
            .await
            .into())
    }

    /// `maatregelen` for each calendar period of `granulariteit` covering [van, tot).
    #[graphql(
        guard = "RolGuard(LEZERS)",
        complexity = "crate::grenzen::kosten::REEKS + child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // the GraphQL arguments are the parameters
    async fn maatregelen_reeks(
        &self,
        ctx: &Context<'_>,
        granulariteit: Granulariteit,
        van: NaiveDate,
        tot: NaiveDate,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
        as_known_at: Option<DateTime<Utc>>,
    ) -> ApiResult<Vec<MaatregelenRapport>> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let perioden = reeks_perioden(granulariteit, van, tot)?;
        let q = kwaliteit_query(s, perioden[0], filter, toerekening, as_known_at).await?;
        let r = lees(s, p.rol, move |proj, sl| {
            proj.maatregelen_reeks(&q, &perioden, sl)
        })
        .await;
        Ok(r.into_iter().map(Into::into).collect())
    }

    /// Ambulant trajectory-days per residential bed-day in a period, per provider and
    /// jeugdregio (docs/kpis.md, "Ratio ambulant/bed"); counts perturbed for roles
    /// without person-level access.
    #[graphql(
        guard = "RolGuard(LEZERS)",
        complexity = "crate::grenzen::kosten::RAPPORT + child_complexity"
    )]
    async fn ratio_ambulant_bed(
        &self,
        ctx: &Context<'_>,
        periode: PeriodeInvoer,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
        as_known_at: Option<DateTime<Utc>>,
    ) -> ApiResult<RatioAmbulantBedRapport> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let q = kwaliteit_query(s, periode.periode()?, filter, toerekening, as_known_at).await?;
        Ok(
            lees(s, p.rol, move |proj, sl| proj.ratio_ambulant_bed(&q, sl))
                .await
                .into(),
        )
    }

    /// `ratioAmbulantBed` for each calendar period of `granulariteit` covering [van, tot).
    #[graphql(
        guard = "RolGuard(LEZERS)",
        complexity = "crate::grenzen::kosten::REEKS + child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // the GraphQL arguments are the parameters
    async fn ratio_ambulant_bed_reeks(
        &self,
        ctx: &Context<'_>,
        granulariteit: Granulariteit,
        van: NaiveDate,
        tot: NaiveDate,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
        as_known_at: Option<DateTime<Utc>>,
    ) -> ApiResult<Vec<RatioAmbulantBedRapport>> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let perioden = reeks_perioden(granulariteit, van, tot)?;
        let q = kwaliteit_query(s, perioden[0], filter, toerekening, as_known_at).await?;
        let r = lees(s, p.rol, move |proj, sl| {
            proj.ratio_ambulant_bed_reeks(&q, &perioden, sl)
        })
        .await;
        Ok(r.into_iter().map(Into::into).collect())
    }
}
