//! Queries of the request side (docs/kpis.md, "Vraag"): `vraag` (every request figure of
//! one period), `vraagReeks` (the same per period of a series) and `benodigdeCapaciteit`
//! (the places a region needs, and its scenario form). Merged into the schema's `Query`
//! (`query::QueryRoot`). Roles without person-level access get every figure about
//! persons protected by the cell-key method, as `kpis` does; capacity and targets are
//! exact.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use kringloop_projections::vraag as pv;

use crate::auth::{LEZERS, RolGuard, principal};
use crate::fout::{ApiFout, ApiResult};
use crate::query::{QueryArgs, lees, reeks_perioden, state};
use crate::types::{
    Aantal, Bescherming, FilterInvoer, Granulariteit, KpiMeta, Kruistabel, PeriodeInvoer,
    Toerekening, Verhouding,
};

// ------------------------------------------------------------------ inputs

/// The parameters of `benodigdeCapaciteit`; every field optional (defaults: a window of
/// 365 days, doelbezetting 0.90, no change of inflow or stay).
#[derive(Debug, Clone, Default, InputObject)]
pub struct CapaciteitScenarioInvoer {
    /// Days of the trailing window ending on the period's last day (1–3660).
    pub venster_dagen: Option<i32>,
    /// Target occupancy, in (0, 1].
    pub doelbezetting: Option<f64>,
    /// Change of the inflow in percent (−20: a fifth less).
    pub instroom_wijziging: Option<f64>,
    /// Change of the mean stay in percent.
    pub verblijf_wijziging: Option<f64>,
}

impl From<&CapaciteitScenarioInvoer> for pv::CapaciteitScenario {
    fn from(x: &CapaciteitScenarioInvoer) -> Self {
        let d = pv::CapaciteitScenario::default();
        pv::CapaciteitScenario {
            venster_dagen: x.venster_dagen.unwrap_or(d.venster_dagen),
            doelbezetting: x.doelbezetting.unwrap_or(d.doelbezetting),
            instroom_wijziging: x.instroom_wijziging.unwrap_or(d.instroom_wijziging),
            verblijf_wijziging: x.verblijf_wijziging.unwrap_or(d.verblijf_wijziging),
        }
    }
}

fn normen(norm_regulier: Option<i32>) -> Result<pv::VraagNormen, ApiFout> {
    let d = pv::VraagNormen::default();
    match norm_regulier {
        None => Ok(d),
        Some(n) if (1..=3650).contains(&n) => Ok(pv::VraagNormen { regulier: n, ..d }),
        Some(n) => Err(ApiFout::ongeldig(format!(
            "de norm voor reguliere verzoeken is 1 tot 3650 dagen, niet {n}"
        ))),
    }
}

// ------------------------------------------------------------------ outputs

/// wachtenden at the peildatum, and the stock-flow of requests over the period.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Wachtenden {
    pub peildatum: Option<NaiveDate>,
    /// Unique youths with at least one request open on the peildatum.
    pub jeugdigen: Aantal,
    /// Requests open on the peildatum.
    pub verzoeken: Aantal,
    /// Unique youths per needed vorm (a youth once per row, once in the total).
    pub per_vorm: Kruistabel,
    pub per_regime: Kruistabel,
    pub per_urgentie: Kruistabel,
    pub per_jeugdregio: Kruistabel,
    /// Longest wait (peildatum − request date, days) of the open requests.
    pub langste_wachttijd: Option<i64>,
    /// Unique youths with an open request waiting longer than its norm.
    pub boven_norm: Aantal,
    /// Requests open at the start of the period (datum < van ≤ closure).
    pub begin: Aantal,
    /// Requests dated in the period.
    pub nieuw: Aantal,
    /// Requests fulfilled in the period.
    pub vervuld: Aantal,
    /// Requests withdrawn in the period.
    pub ingetrokken: Aantal,
    /// Requests open at the end (datum < tot ≤ closure): begin + nieuw − vervuld −
    /// ingetrokken.
    pub eind: Aantal,
    /// How `langsteWachttijd` was protected.
    pub bescherming: Bescherming,
}

/// Waiting days: mean, median, p90, and the share within the norm.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Duur {
    pub aantal: Aantal,
    pub gemiddelde: Option<f64>,
    pub mediaan: Option<f64>,
    pub p90: Option<f64>,
    pub binnen_norm: Verhouding,
    pub bescherming: Bescherming,
}

#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct WachttijdRij {
    pub urgentie: String,
    pub duur: Duur,
}

/// Request → fulfilment of the requests fulfilled in the period.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Wachttijd {
    pub totaal: Duur,
    pub per_urgentie: Vec<WachttijdRij>,
}

/// Of the requests closed in the period: distinct providers registered with.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct AanmeldingenPerVerzoek {
    pub verzoeken: Aantal,
    pub gemiddelde: Option<f64>,
    /// Rows 0, 1, 2, 3-5, 6+.
    pub verdeling: Kruistabel,
    /// Registrations dated in the period.
    pub aanmeldingen: Aantal,
    pub bescherming: Bescherming,
}

/// Refusals dated in the period.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Afwijzingen {
    pub aantal: Aantal,
    pub per_reden: Kruistabel,
    pub per_aanbieder: Kruistabel,
}

/// Of the requests fulfilled in the period: placed in the needed form and regime.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct PassendGeplaatst {
    pub passend: Verhouding,
    /// Rows PASSEND, OVERBRUGGING, LICHTER, ZWAARDER, ANDERE_VORM, ONBEKEND.
    pub per_categorie: Kruistabel,
}

/// One form × regime of `benodigdeCapaciteit` with every input.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct BenodigdeCel {
    pub vorm: String,
    pub regime: String,
    pub gestarte_plaatsingen: Aantal,
    pub wachtende_verzoeken: Aantal,
    pub instroom: Option<f64>,
    pub per_dag: Option<f64>,
    pub beeindigde_verblijven: Aantal,
    pub gemiddelde_verblijfsduur: Option<f64>,
    pub benodigd: Option<f64>,
    pub capaciteit: i64,
    /// benodigd − capaciteit: positive a shortage, negative a surplus.
    pub tekort: Option<f64>,
    pub doel: Option<f64>,
    pub tekort_tegen_doel: Option<f64>,
    pub bescherming: Bescherming,
}

/// The places needed per form and regime at the period's last day.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct BenodigdeCapaciteit {
    pub peildatum: Option<NaiveDate>,
    pub venster_van: Option<NaiveDate>,
    pub venster_dagen: i32,
    pub doelbezetting: f64,
    pub instroom_wijziging: f64,
    pub verblijf_wijziging: f64,
    pub cellen: Vec<BenodigdeCel>,
    pub benodigd: Option<f64>,
    pub capaciteit: i64,
    pub tekort: Option<f64>,
}

/// `benodigdeCapaciteit` with what it rests on.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct BenodigdeCapaciteitKpi {
    pub meta: KpiMeta,
    pub waarde: BenodigdeCapaciteit,
}

/// Every request-side figure of one period.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct VraagRapport {
    pub meta: KpiMeta,
    pub wachtenden: Wachtenden,
    pub wachttijd: Wachttijd,
    pub aanmeldingen_per_verzoek: AanmeldingenPerVerzoek,
    pub afwijzingen: Afwijzingen,
    pub passend_geplaatst: PassendGeplaatst,
    pub benodigde_capaciteit: BenodigdeCapaciteit,
}

/// Projection → GraphQL, field by field.
macro_rules! van_projectie {
    ($($ty:ident <- $bron:ident { $($veld:ident),* $(,)? })*) => {$(
        impl From<pv::$bron> for $ty {
            fn from(x: pv::$bron) -> Self {
                $ty { $($veld: x.$veld.into()),* }
            }
        }
    )*};
}

van_projectie! {
    Wachtenden <- Wachtenden {
        peildatum, jeugdigen, verzoeken, per_vorm, per_regime, per_urgentie, per_jeugdregio,
        langste_wachttijd, boven_norm, begin, nieuw, vervuld, ingetrokken, eind, bescherming,
    }
    Duur <- Duur { aantal, gemiddelde, mediaan, p90, binnen_norm, bescherming }
    WachttijdRij <- WachttijdRij { urgentie, duur }
    AanmeldingenPerVerzoek <- Aanmeldingen {
        verzoeken, gemiddelde, verdeling, aanmeldingen, bescherming,
    }
    Afwijzingen <- Afwijzingen { aantal, per_reden, per_aanbieder }
    PassendGeplaatst <- Passend { passend, per_categorie }
    BenodigdeCel <- BenodigdeCel {
        vorm, regime, gestarte_plaatsingen, wachtende_verzoeken, instroom, per_dag,
        beeindigde_verblijven, gemiddelde_verblijfsduur, benodigd, capaciteit, tekort, doel,
        tekort_tegen_doel, bescherming,
    }
}

impl From<pv::Wachttijd> for Wachttijd {
    fn from(x: pv::Wachttijd) -> Self {
        Wachttijd {
            totaal: x.totaal.into(),
            per_urgentie: x.per_urgentie.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<pv::BenodigdeCapaciteit> for BenodigdeCapaciteit {
    fn from(x: pv::BenodigdeCapaciteit) -> Self {
        BenodigdeCapaciteit {
            peildatum: x.peildatum,
            venster_van: x.venster_van,
            venster_dagen: x.venster_dagen,
            doelbezetting: x.doelbezetting,
            instroom_wijziging: x.instroom_wijziging,
            verblijf_wijziging: x.verblijf_wijziging,
            cellen: x.cellen.into_iter().map(Into::into).collect(),
            benodigd: x.benodigd,
            capaciteit: x.capaciteit,
            tekort: x.tekort,
        }
    }
}

impl From<pv::VraagRapport> for VraagRapport {
    fn from(r: pv::VraagRapport) -> Self {
        VraagRapport {
            meta: r.wachtenden.meta.into(),
            wachtenden: r.wachtenden.waarde.into(),
            wachttijd: r.wachttijd.waarde.into(),
            aanmeldingen_per_verzoek: r.aanmeldingen_per_verzoek.waarde.into(),
            afwijzingen: r.afwijzingen.waarde.into(),
            passend_geplaatst: r.passend_geplaatst.waarde.into(),
            benodigde_capaciteit: r.benodigde_capaciteit.waarde.into(),
        }
    }
}

// ------------------------------------------------------------------ queries

/// The request side's fields of `Query`.
#[derive(Default)]
pub struct VraagQuery;

#[Object]
impl VraagQuery {
    /// Every request-side figure of docs/kpis.md ("Vraag") for a period: wachtenden at
    /// the peildatum (default: the period's end) with the stock-flow of requests,
    /// wachttijd, aanmeldingenPerVerzoek, afwijzingen, passendGeplaatst and
    /// benodigdeCapaciteit. Geographic filters select by the request's responsible
    /// jeugdregio; vorm and regime by the needed ones. `normRegulier`: the waiting norm of
    /// regulier requests in days (default 42; spoed is 7).
    #[graphql(
        guard = "RolGuard(LEZERS)",
        complexity = "crate::grenzen::kosten::RAPPORT + child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // the GraphQL arguments are the parameters
    async fn vraag(
        &self,
        ctx: &Context<'_>,
        periode: PeriodeInvoer,
        peildatum: Option<NaiveDate>,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
        as_known_at: Option<DateTime<Utc>>,
        norm_regulier: Option<i32>,
        scenario: Option<CapaciteitScenarioInvoer>,
    ) -> ApiResult<VraagRapport> {
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
        let normen = normen(norm_regulier)?;
        let sc: pv::CapaciteitScenario = scenario.as_ref().map(Into::into).unwrap_or_default();
        let r = lees(s, p.rol, move |proj, sl| proj.vraag(&q, normen, sc, sl)).await;
        Ok(r.map_err(|e| ApiFout::ongeldig(e.to_string()))?.into())
    }

    /// The request-side figures for each calendar period of `granulariteit` covering
    /// [van, tot); each period's peildatum is its end. Equal to `vraag` per period.
    #[graphql(
        guard = "RolGuard(LEZERS)",
        complexity = "crate::grenzen::kosten::REEKS + child_complexity"
    )]
    #[allow(clippy::too_many_arguments)] // the GraphQL arguments are the parameters
    async fn vraag_reeks(
        &self,
        ctx: &Context<'_>,
        granulariteit: Granulariteit,
        van: NaiveDate,
        tot: NaiveDate,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
        as_known_at: Option<DateTime<Utc>>,
        norm_regulier: Option<i32>,
        scenario: Option<CapaciteitScenarioInvoer>,
    ) -> ApiResult<Vec<VraagRapport>> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let perioden = reeks_perioden(granulariteit, van, tot)?;
        let q = QueryArgs {
            periode: perioden[0],
            peildatum: None,
            filter: filter.as_ref(),
            toerekening,
            as_known_at,
        }
        .resolved(s)
        .await?;
        let normen = normen(norm_regulier)?;
        let sc: pv::CapaciteitScenario = scenario.as_ref().map(Into::into).unwrap_or_default();
        let r = lees(s, p.rol, move |proj, sl| {
            proj.vraag_reeks(&q, &perioden, normen, sc, sl)
        })
        .await;
        Ok(r.map_err(|e| ApiFout::ongeldig(e.to_string()))?
            .into_iter()
            .map(VraagRapport::from)
            .collect())
    }

    /// The places needed per form and regime on the period's last day, from inflow
    /// (placements started in the trailing window + requests still waiting at its end)
    /// and mean stay, against capacity and the target trajectory; with `scenario` the
    /// inflow, stay and doelbezetting changed ("what if stays fall by 20 %?").
    #[graphql(
        guard = "RolGuard(LEZERS)",
        complexity = "crate::grenzen::kosten::RAPPORT + child_complexity"
    )]
    async fn benodigde_capaciteit(
        &self,
        ctx: &Context<'_>,
        periode: PeriodeInvoer,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
        as_known_at: Option<DateTime<Utc>>,
        scenario: Option<CapaciteitScenarioInvoer>,
    ) -> ApiResult<BenodigdeCapaciteitKpi> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let q = QueryArgs {
            periode: periode.periode()?,
            peildatum: None,
            filter: filter.as_ref(),
            toerekening,
            as_known_at,
        }
        .resolved(s)
        .await?;
        let sc: pv::CapaciteitScenario = scenario.as_ref().map(Into::into).unwrap_or_default();
        let r = lees(s, p.rol, move |proj, sl| {
            proj.benodigde_capaciteit(&q, sc, sl)
        })
        .await;
        let k = r.map_err(|e| ApiFout::ongeldig(e.to_string()))?;
        Ok(BenodigdeCapaciteitKpi {
            meta: k.meta.into(),
            waarde: k.waarde.into(),
        })
    }
}
