//! The output types of `kosten`, `kostenReeks` and `kostenPerJeugdige`, mapped from the
//! projection's field by field. Every amount is whole eurocents (`…Cent`), exact for
//! every role that may read it: a region pays exact amounts and the breakdowns must add
//! up to the totals (per provider = per region = per segment = total).

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use kringloop_events::jeugdige_stream;
use kringloop_projections as projections;

use super::geld_query;
use crate::auth::{GELD_LEZERS, PERSOONSNIVEAU, RolGuard, principal};
use crate::fout::ApiFout;
use crate::fout::ApiResult;
use crate::query::{reeks_perioden, state};
use crate::types::{FilterInvoer, Granulariteit, KpiMeta, Periode, PeriodeInvoer, Toerekening};

/// The costs of one key of a breakdown (or the totals, `sleutel` TOTAAL), in eurocents.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct KostenRij {
    pub sleutel: String,
    /// Per bed-day (ETMAAL products).
    pub etmaal_cent: i64,
    /// Per trajectory started (TRAJECT products).
    pub traject_cent: i64,
    /// Task budgets due pro rata (JAAR products).
    pub jaar_cent: i64,
    /// etmaal + traject + jaar.
    pub zorgkosten_cent: i64,
    /// Empty guaranteed places under a volume guarantee.
    pub leegstand_cent: i64,
    /// zorgkosten + leegstand.
    pub totaal_cent: i64,
}

/// What the contracts pay for the care in a period, as known at the knowledge time
/// (docs/kpis.md, "Geld").
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct KostenRapport {
    pub meta: KpiMeta,
    pub totaal: KostenRij,
    /// Placement-days in the period (ambulant trajectory days included) a contract pays.
    pub ligdagen_met_contract: i64,
    /// Placement-days no contract pays (cost 0).
    pub ligdagen_zonder_contract: i64,
    /// Placement starts no contract pays (signal CONTRACT_ONTBREEKT).
    pub starts_zonder_contract: i64,
    /// Per provider of the paying contract.
    pub per_aanbieder: Vec<KostenRij>,
    /// Per product code of the paying contract.
    pub per_product: Vec<KostenRij>,
    /// Per jeugdregio (placements by the attribution, task budgets and leegstand by the
    /// contract's regions; ONBEKEND last).
    pub per_jeugdregio: Vec<KostenRij>,
    /// Per budget segment: GESLOTEN, OPEN_RESIDENTIEEL, AMBULANT.
    pub per_segment: Vec<KostenRij>,
}

/// One youth's placement costs in the period (person-level).
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct KostenJeugdige {
    /// The youth's pseudonym.
    pub jeugdige: String,
    pub etmaal_cent: i64,
    pub traject_cent: i64,
    pub totaal_cent: i64,
    pub ligdagen_met_contract: i64,
    pub ligdagen_zonder_contract: i64,
}

/// `kostenPerJeugdige`: every youth with placement costs or placement-days in the period.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct KostenPerJeugdige {
    pub meta: KpiMeta,
    pub jeugdigen: Vec<KostenJeugdige>,
}

impl From<projections::KostenRij> for KostenRij {
    fn from(x: projections::KostenRij) -> Self {
        KostenRij {
            sleutel: x.sleutel,
            etmaal_cent: x.etmaal_cent,
            traject_cent: x.traject_cent,
            jaar_cent: x.jaar_cent,
            zorgkosten_cent: x.zorgkosten_cent,
            leegstand_cent: x.leegstand_cent,
            totaal_cent: x.totaal_cent,
        }
    }
}

fn rijen(v: Vec<projections::KostenRij>) -> Vec<KostenRij> {
    v.into_iter().map(Into::into).collect()
}

impl From<projections::Kpi<projections::Kosten>> for KostenRapport {
    fn from(k: projections::Kpi<projections::Kosten>) -> Self {
        let x = k.waarde;
        KostenRapport {
            meta: k.meta.into(),
            totaal: x.totaal.into(),
            ligdagen_met_contract: x.ligdagen_met_contract,
            ligdagen_zonder_contract: x.ligdagen_zonder_contract,
            starts_zonder_contract: x.starts_zonder_contract,
            per_aanbieder: rijen(x.per_aanbieder),
            per_product: rijen(x.per_product),
            per_jeugdregio: rijen(x.per_jeugdregio),
            per_segment: rijen(x.per_segment),
        }
    }
}

impl From<projections::Kpi<Vec<projections::KostenPerJeugdige>>> for KostenPerJeugdige {
    fn from(k: projections::Kpi<Vec<projections::KostenPerJeugdige>>) -> Self {
        KostenPerJeugdige {
            meta: k.meta.into(),
            jeugdigen: k
                .waarde
                .into_iter()
                .map(|j| KostenJeugdige {
                    jeugdige: j.jeugdige,
                    etmaal_cent: j.etmaal_cent,
                    traject_cent: j.traject_cent,
                    totaal_cent: j.totaal_cent,
                    ligdagen_met_contract: j.ligdagen_met_contract,
                    ligdagen_zonder_contract: j.ligdagen_zonder_contract,
                })
                .collect(),
        }
    }
}

/// One segment's (or the total's) budget of a region in the year of the period's last
/// day, against the costs so far.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct BudgetRegel {
    /// GESLOTEN, OPEN_RESIDENTIEEL, AMBULANT, or TOTAAL.
    pub segment: String,
    /// The `BudgetVastgesteld` in force (the last recorded); null without one.
    pub vastgesteld_cent: Option<i64>,
    /// Net amount shifted into the segment by `BudgetVerschoven` up to the period's last
    /// day (negative: shifted out).
    pub verschoven_cent: i64,
    /// vastgesteld + verschoven; null when neither exists.
    pub budget_cent: Option<i64>,
    /// Costs (zorgkosten + leegstand) from 1 January to the period's last day.
    pub kosten_cent: i64,
    /// kosten ÷ budget (the realisation share); null without a positive budget.
    pub realisatie: Option<f64>,
    /// Forecast for the year at the current pace: kosten ÷ days elapsed × days in year.
    pub prognose_cent: i64,
    /// prognose ÷ budget.
    pub prognose_realisatie: Option<f64>,
}

/// A region's budget figures.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct BudgetRegio {
    pub jeugdregio: String,
    /// GESLOTEN, OPEN_RESIDENTIEEL, AMBULANT.
    pub segmenten: Vec<BudgetRegel>,
    pub totaal: BudgetRegel,
}

/// `budget`: per jeugdregio, the year of the period's last day up to that day.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct BudgetRapport {
    pub meta: KpiMeta,
    pub jaar: i32,
    /// The last day counted.
    pub tot_en_met: Option<NaiveDate>,
    pub dagen_verstreken: i64,
    pub dagen_in_jaar: i64,
    /// The filter's region, or every region with a budget or costs in the year
    /// (ONBEKEND last).
    pub regios: Vec<BudgetRegio>,
}

/// One line of `budgetneutraal`.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct BudgetneutraalRegel {
    pub sleutel: String,
    /// Costs of the period.
    pub kosten_cent: i64,
    /// Costs of the same days in the base year.
    pub basis_cent: i64,
    /// kosten − basis.
    pub verschil_cent: i64,
    /// kosten ÷ basis; null when basis is 0.
    pub verhouding: Option<f64>,
}

/// `budgetneutraal`: the costs of the period against those of the same days in a base
/// year, same filter and knowledge time.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct BudgetneutraalRapport {
    pub meta: KpiMeta,
    pub basisjaar: i32,
    /// The period moved to the base year.
    pub basisperiode: Option<Periode>,
    pub totaal: BudgetneutraalRegel,
    pub per_segment: Vec<BudgetneutraalRegel>,
    pub per_jeugdregio: Vec<BudgetneutraalRegel>,
}

impl From<projections::BudgetRegel> for BudgetRegel {
    fn from(x: projections::BudgetRegel) -> Self {
        BudgetRegel {
            segment: x.segment,
            vastgesteld_cent: x.vastgesteld_cent,
            verschoven_cent: x.verschoven_cent,
            budget_cent: x.budget_cent,
            kosten_cent: x.kosten_cent,
            realisatie: x.realisatie,
            prognose_cent: x.prognose_cent,
            prognose_realisatie: x.prognose_realisatie,
        }
    }
}

impl From<projections::Kpi<projections::Budget>> for BudgetRapport {
    fn from(k: projections::Kpi<projections::Budget>) -> Self {
        let x = k.waarde;
        BudgetRapport {
            meta: k.meta.into(),
            jaar: x.jaar,
            tot_en_met: x.tot_en_met,
            dagen_verstreken: x.dagen_verstreken,
            dagen_in_jaar: x.dagen_in_jaar,
            regios: x
                .regios
                .into_iter()
                .map(|r| BudgetRegio {
                    jeugdregio: r.jeugdregio,
                    segmenten: r.segmenten.into_iter().map(Into::into).collect(),
                    totaal: r.totaal.into(),
                })
                .collect(),
        }
    }
}

impl From<projections::BudgetneutraalRegel> for BudgetneutraalRegel {
    fn from(x: projections::BudgetneutraalRegel) -> Self {
        BudgetneutraalRegel {
            sleutel: x.sleutel,
            kosten_cent: x.kosten_cent,
            basis_cent: x.basis_cent,
            verschil_cent: x.verschil_cent,
            verhouding: x.verhouding,
        }
    }
}

impl From<projections::Kpi<projections::Budgetneutraal>> for BudgetneutraalRapport {
    fn from(k: projections::Kpi<projections::Budgetneutraal>) -> Self {
        let x = k.waarde;
        BudgetneutraalRapport {
            meta: k.meta.into(),
            basisjaar: x.basisjaar,
            basisperiode: x.basisperiode.map(|p| Periode {
                van: p.van,
                tot: p.tot,
            }),
            totaal: x.totaal.into(),
            per_segment: x.per_segment.into_iter().map(Into::into).collect(),
            per_jeugdregio: x.per_jeugdregio.into_iter().map(Into::into).collect(),
        }
    }
}

/// The cost and budget fields of `Query`.
#[derive(Default)]
pub struct KostenQuery;

#[Object]
impl KostenQuery {
    /// What the contracts pay for the care in a period, as known at `asKnownAt`: per bed-day,
    /// per trajectory and per task budget by each contract's financing, and leegstand under a
    /// volume guarantee; per provider, product, jeugdregio and budget segment (docs/kpis.md,
    /// "Geld"). A contract manager gets the costs attributed to its region (its
    /// `jeugdregio` filter is set; another region is FORBIDDEN).
    #[graphql(
        guard = "RolGuard(GELD_LEZERS)",
        complexity = "crate::grenzen::kosten::RAPPORT + child_complexity"
    )]
    async fn kosten(
        &self,
        ctx: &Context<'_>,
        periode: PeriodeInvoer,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
        as_known_at: Option<DateTime<Utc>>,
    ) -> ApiResult<KostenRapport> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let q = geld_query(s, p, periode.periode()?, filter, toerekening, as_known_at).await?;
        Ok(s.runner().read(move |proj| proj.kosten(&q)).await.into())
    }

    /// `kosten` for each calendar period of `granulariteit` covering [van, tot), in one
    /// pass; equal to `kosten` per period.
    #[graphql(
        guard = "RolGuard(GELD_LEZERS)",
        complexity = "crate::grenzen::kosten::REEKS + child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // the GraphQL arguments are the parameters
    async fn kosten_reeks(
        &self,
        ctx: &Context<'_>,
        granulariteit: Granulariteit,
        van: NaiveDate,
        tot: NaiveDate,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
        as_known_at: Option<DateTime<Utc>>,
    ) -> ApiResult<Vec<KostenRapport>> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let perioden = reeks_perioden(granulariteit, van, tot)?;
        let q = geld_query(s, p, perioden[0], filter, toerekening, as_known_at).await?;
        let r = s
            .runner()
            .read(move |proj| proj.kosten_reeks(&q, &perioden))
            .await;
        Ok(r.into_iter().map(Into::into).collect())
    }

    /// Each youth's placement costs in a period, by pseudonym (person-level: evaluators
    /// and admins; every such read is logged).
    #[graphql(
        guard = "RolGuard(PERSOONSNIVEAU)",
        complexity = "crate::grenzen::kosten::RAPPORT + child_complexity"
    )]
    async fn kosten_per_jeugdige(
        &self,
        ctx: &Context<'_>,
        periode: PeriodeInvoer,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
        as_known_at: Option<DateTime<Utc>>,
    ) -> ApiResult<KostenPerJeugdige> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let q = geld_query(s, p, periode.periode()?, filter, toerekening, as_known_at).await?;
        let r = s
            .runner()
            .read(move |proj| proj.kosten_per_jeugdige(&q))
            .await;
        let stromen: Vec<String> = r
            .waarde
            .iter()
            .map(|j| jeugdige_stream(&j.jeugdige))
            .collect();
        s.log_inzage(p, "kostenPerJeugdige", &stromen).await?;
        Ok(r.into())
    }

    /// Each jeugdregio's budget per segment for the year of the period's last day, against
    /// the costs from 1 January to that day: realisation share and the forecast for the
    /// year at the current pace (docs/kpis.md, "Geld"). A contract manager gets its own
    /// region.
    #[graphql(
        guard = "RolGuard(GELD_LEZERS)",
        complexity = "crate::grenzen::kosten::RAPPORT + child_complexity"
    )]
    async fn budget(
        &self,
        ctx: &Context<'_>,
        periode: PeriodeInvoer,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
        as_known_at: Option<DateTime<Utc>>,
    ) -> ApiResult<BudgetRapport> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let q = geld_query(s, p, periode.periode()?, filter, toerekening, as_known_at).await?;
        Ok(s.runner().read(move |proj| proj.budget(&q)).await.into())
    }

    /// `budget` for each calendar period of `granulariteit` covering [van, tot).
    #[graphql(
        guard = "RolGuard(GELD_LEZERS)",
        complexity = "crate::grenzen::kosten::REEKS + child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // the GraphQL arguments are the parameters
    async fn budget_reeks(
        &self,
        ctx: &Context<'_>,
        granulariteit: Granulariteit,
        van: NaiveDate,
        tot: NaiveDate,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
        as_known_at: Option<DateTime<Utc>>,
    ) -> ApiResult<Vec<BudgetRapport>> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let perioden = reeks_perioden(granulariteit, van, tot)?;
        let q = geld_query(s, p, perioden[0], filter, toerekening, as_known_at).await?;
        let r = s
            .runner()
            .read(move |proj| proj.budget_reeks(&q, &perioden))
            .await;
        Ok(r.into_iter().map(Into::into).collect())
    }

    /// Budgetneutraal: the costs of the period against those of the same days in
    /// `basisjaar` (difference and ratio), per segment and jeugdregio.
    #[graphql(
        guard = "RolGuard(GELD_LEZERS)",
        complexity = "crate::grenzen::kosten::RAPPORT + child_complexity"
    )]
    async fn budgetneutraal(
        &self,
        ctx: &Context<'_>,
        periode: PeriodeInvoer,
        basisjaar: i32,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
        as_known_at: Option<DateTime<Utc>>,
    ) -> ApiResult<BudgetneutraalRapport> {
        if !(1900..=2200).contains(&basisjaar) {
            return Err(
                ApiFout::ongeldig(format!("basisjaar {basisjaar} valt buiten 1900–2200")).into(),
            );
        }
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let q = geld_query(s, p, periode.periode()?, filter, toerekening, as_known_at).await?;
        Ok(s.runner()
            .read(move |proj| proj.budgetneutraal(&q, basisjaar))
            .await
            .into())
    }
}
