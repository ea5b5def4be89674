//! `scorecard` and `scorecardVerschil`: a contract's performance agreements with the
//! realised value, status (GEHAALD / NIET_GEHAALD / NOG_NIET_DEFINITIEF), the trend per
//! quarter, the events behind each value and every version of the agreement, as known at
//! a knowledge time; and the difference between two knowledge times with the events that
//! explain it (docs/kpis.md, "Scorecard").
//!
//! The realised values are figures about persons: protected by the cell-key method for
//! roles without person-level access. The events behind a value include facts of youths:
//! those are shown to evaluators and admins only (by the writer's stream name, and the
//! read is logged); the other roles see the events of contracts, facilities and the
//! landscape only.

use std::collections::HashMap;

use async_graphql::{Context, Enum, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use kringloop_events::personal::is_physical_youth_stream;
use kringloop_projections as projections;

use super::contract::Afspraakinhoud;
use super::{kennis, mag_regios};
use crate::auth::{GELD_LEZERS, Principal, RolGuard, principal};
use crate::fout::{ApiFout, ApiResult};
use crate::query::{GebeurtenisRef, is_persoonsniveau, lees, state, writer_names};
use crate::state::ApiState;
use crate::types::{KpiMeta, Periode};

/// Whether an agreement is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_projections::AfspraakStatus")]
pub enum AfspraakStatus {
    /// The measurement period has ended by the knowledge time's date and the value meets
    /// the norm.
    Gehaald,
    /// The period has ended and the value misses the norm (or there is no value).
    NietGehaald,
    /// The period has not ended: the value so far, not final.
    NogNietDefinitief,
}

/// The realised value over one quarter of the measurement period.
#[derive(Debug, Clone, SimpleObject)]
pub struct Trendpunt {
    pub periode: Periode,
    pub waarde: Option<f64>,
}

/// A point of a capacity agreement with the places realised on its date.
#[derive(Debug, Clone, SimpleObject)]
pub struct CapaciteitspuntScore {
    pub datum: NaiveDate,
    pub afgesproken: u32,
    /// Places of the provider's facilities of the agreement's form and regime on `datum`.
    pub gerealiseerd: i64,
    pub gehaald: bool,
    /// The date has passed by the knowledge time's date.
    pub definitief: bool,
}

/// One version of an agreement: the event that recorded it, from which date it held,
/// what it said, why, and what replaced it (if recorded by the knowledge time).
#[derive(Debug, Clone, SimpleObject)]
pub struct VersieRegel {
    pub gebeurtenis: GebeurtenisRef,
    pub datum: NaiveDate,
    pub inhoud: Afspraakinhoud,
    pub reden: String,
    pub vervallen: Option<GebeurtenisRef>,
}

/// One agreement on the scorecard.
#[derive(Debug, Clone, SimpleObject)]
pub struct AfspraakScore {
    pub afspraak: String,
    /// The content in force at the knowledge time.
    pub inhoud: Afspraakinhoud,
    /// The measurement period (`tot` exclusive).
    pub meetperiode: Option<Periode>,
    pub gerealiseerd: Option<f64>,
    pub status: AfspraakStatus,
    /// The value per quarter of the measurement period.
    pub trend: Vec<Trendpunt>,
    /// A capacity agreement's points.
    pub punten: Vec<CapaciteitspuntScore>,
    /// What the realised value rests on: definition, period, knowledge time, filter.
    pub onderbouwing: Option<KpiMeta>,
    /// The events behind the realised value (youths' facts for person-level roles only).
    pub gebeurtenissen: Vec<GebeurtenisRef>,
    /// Every version of the agreement recorded by the knowledge time.
    pub historie: Vec<VersieRegel>,
}

/// A contract's scorecard as known at a knowledge time.
#[derive(Debug, Clone, SimpleObject)]
pub struct Scorecard {
    pub contract: String,
    pub aanbieder: String,
    /// Null: everything applied.
    pub kennis: Option<DateTime<Utc>>,
    /// The knowledge time's date: a measurement period that ends before it is final.
    pub kennisdatum: Option<NaiveDate>,
    pub afspraken: Vec<AfspraakScore>,
    /// The contract's events recorded by the knowledge time.
    pub gebeurtenissen: Vec<GebeurtenisRef>,
}

/// The scorecard at k1 and at k2, and the events recorded in (k1, k2] that changed it.
#[derive(Debug, Clone, SimpleObject)]
pub struct ScorecardVerschil {
    pub voor: Option<Scorecard>,
    pub na: Option<Scorecard>,
    /// Agreements whose content, value or status differs.
    pub gewijzigd: Vec<String>,
    pub gebeurtenissen: Vec<GebeurtenisRef>,
}

/// Turns the projection's event references into the API's: a youth's fact under its
/// writer's stream name for person-level roles (and the read logged), left out for the
/// others.
struct Refs {
    persoonsniveau: bool,
    namen: HashMap<String, String>,
}

impl Refs {
    async fn nieuw<'a>(
        s: &ApiState,
        p: &Principal,
        alle: impl Iterator<Item = &'a projections::GebeurtenisRef>,
    ) -> Result<Refs, ApiFout> {
        let persoonsniveau = p.rol.sees_small_counts();
        let mut namen = HashMap::new();
        if persoonsniveau {
            let jeugd: Vec<&projections::GebeurtenisRef> = alle
                .filter(|g| is_physical_youth_stream(&g.stream) || is_persoonsniveau(&g.stream))
                .collect();
            if !jeugd.is_empty() {
                namen = writer_names(s, jeugd.iter().map(|g| (&g.stream, g.positie))).await?;
                let mut stromen: Vec<String> = jeugd
                    .iter()
                    .map(|g| namen.get(&g.stream).cloned().unwrap_or(g.stream.clone()))
                    .collect();
                stromen.sort_unstable();
                stromen.dedup();
                s.log_inzage(p, "scorecard", &stromen).await?;
            }
        }
        Ok(Refs {
            persoonsniveau,
            namen,
        })
    }

    fn een(&self, g: &projections::GebeurtenisRef) -> Option<GebeurtenisRef> {
        let jeugd = is_physical_youth_stream(&g.stream) || is_persoonsniveau(&g.stream);
        if jeugd && !self.persoonsniveau {
            return None;
        }
        let stroom = self
            .namen
            .get(&g.stream)
            .cloned()
            .unwrap_or(g.stream.clone());
        Some(GebeurtenisRef {
            positie: g.positie,
            event_id: g.event_id,
            event_type: g.event_type.clone(),
            gewist: is_physical_youth_stream(&stroom),
            stroom,
            geregistreerd_op: g.recorded_at,
        })
    }

    fn lijst(&self, v: &[projections::GebeurtenisRef]) -> Vec<GebeurtenisRef> {
        v.iter().filter_map(|g| self.een(g)).collect()
    }

    fn scorecard(&self, s: projections::Scorecard) -> Scorecard {
        Scorecard {
            contract: s.contract,
            aanbieder: s.aanbieder,
            kennis: s.kennis,
            kennisdatum: s.kennisdatum,
            gebeurtenissen: self.lijst(&s.gebeurtenissen),
            afspraken: s
                .afspraken
                .into_iter()
                .map(|a| AfspraakScore {
                    afspraak: a.afspraak,
                    inhoud: (&a.inhoud).into(),
                    meetperiode: a.meetperiode.map(periode),
                    gerealiseerd: a.gerealiseerd,
                    status: a.status.into(),
                    trend: a
                        .trend
                        .into_iter()
                        .map(|t| Trendpunt {
                            periode: periode(t.periode),
                            waarde: t.waarde,
                        })
                        .collect(),
                    punten: a
                        .punten
                        .into_iter()
                        .map(|p| CapaciteitspuntScore {
                            datum: p.datum,
                            afgesproken: p.afgesproken,
                            gerealiseerd: p.gerealiseerd,
                            gehaald: p.gehaald,
                            definitief: p.definitief,
                        })
                        .collect(),
                    onderbouwing: a.onderbouwing.map(Into::into),
                    gebeurtenissen: self.lijst(&a.gebeurtenissen),
                    historie: a
                        .historie
                        .into_iter()
                        .filter_map(|v| {
                            Some(VersieRegel {
                                gebeurtenis: self.een(&v.gebeurtenis)?,
                                datum: v.datum,
                                inhoud: (&v.inhoud).into(),
                                reden: v.reden,
                                vervallen: v.vervallen.as_ref().and_then(|g| self.een(g)),
                            })
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

fn periode(p: projections::Periode) -> Periode {
    Periode {
        van: p.van,
        tot: p.tot,
    }
}

/// Every event reference in a scorecard.
fn refs(s: &projections::Scorecard) -> impl Iterator<Item = &projections::GebeurtenisRef> {
    s.gebeurtenissen
        .iter()
        .chain(s.afspraken.iter().flat_map(|a| {
            a.gebeurtenissen.iter().chain(
                a.historie
                    .iter()
                    .flat_map(|v| std::iter::once(&v.gebeurtenis).chain(v.vervallen.as_ref())),
            )
        }))
}

/// FORBIDDEN unless the caller may see contract `id` (a bound role: a contract of its
/// region, as known at `k`). A contract unknown at `k` passes: the answer is null.
async fn mag_contract(
    s: &ApiState,
    p: &Principal,
    id: &str,
    k: kringloop_projections::KnowledgeTime,
) -> Result<(), ApiFout> {
    if p.regio_beperking().is_none() {
        return Ok(());
    }
    let id2 = id.to_owned();
    let regios = s
        .runner()
        .read(move |proj| proj.contract(&id2, &k).map(|c| c.jeugdregios))
        .await;
    match regios {
        Some(r) if !mag_regios(p, &r) => Err(ApiFout::Verboden(format!(
            "contract {id} hoort niet bij jeugdregio {}",
            p.regio_beperking().unwrap_or_default()
        ))),
        _ => Ok(()),
    }
}

/// The scorecard fields of `Query`.
#[derive(Default)]
pub struct ScorecardQuery;

#[Object]
impl ScorecardQuery {
    /// The scorecard of a contract as known at `asKnownAt` (default: everything applied):
    /// per agreement its content, the realised value over its measurement period (over
    /// the contract's provider), GEHAALD / NIET_GEHAALD / NOG_NIET_DEFINITIEF, the trend
    /// per quarter, the events behind the value and every version of the agreement. Null
    /// when the contract is not known then; a contract manager asking for a contract of
    /// another region gets FORBIDDEN.
    #[graphql(
        guard = "RolGuard(GELD_LEZERS)",
        complexity = "crate::grenzen::kosten::RAPPORT + child_complexity"
    )]
    async fn scorecard(
        &self,
        ctx: &Context<'_>,
        contract: String,
        as_known_at: Option<DateTime<Utc>>,
    ) -> ApiResult<Option<Scorecard>> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let k = kennis(as_known_at);
        mag_contract(s, p, &contract, k).await?;
        let r = lees(s, p.rol, move |proj, sl| proj.scorecard(&contract, &k, sl)).await;
        let Some(r) = r else {
            return Ok(None);
        };
        let refs = Refs::nieuw(s, p, refs(&r)).await?;
        Ok(Some(refs.scorecard(r)))
    }

    /// The scorecard as known at `k1` and at `k2` ("what did it say at the quarterly
    /// review on 15 April, and what changed since?"), the agreements that differ and the
    /// events recorded in (k1, k2] that changed it.
    #[graphql(
        guard = "RolGuard(GELD_LEZERS)",
        complexity = "crate::grenzen::kosten::DIFF + child_complexity"
    )]
    async fn scorecard_verschil(
        &self,
        ctx: &Context<'_>,
        contract: String,
        k1: DateTime<Utc>,
        k2: DateTime<Utc>,
    ) -> ApiResult<ScorecardVerschil> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let (a, b) = (kennis(Some(k1)), kennis(Some(k2)));
        mag_contract(s, p, &contract, a).await?;
        mag_contract(s, p, &contract, b).await?;
        let d = lees(s, p.rol, move |proj, sl| {
            proj.scorecard_verschil(&contract, &a, &b, sl)
        })
        .await;
        let alle = d
            .voor
            .iter()
            .flat_map(refs)
            .chain(d.na.iter().flat_map(refs))
            .chain(d.gebeurtenissen.iter());
        let r = Refs::nieuw(s, p, alle).await?;
        Ok(ScorecardVerschil {
            gebeurtenissen: r.lijst(&d.gebeurtenissen),
            voor: d.voor.map(|x| r.scorecard(x)),
            na: d.na.map(|x| r.scorecard(x)),
            gewijzigd: d.gewijzigd,
        })
    }
}
