//! Mutations: one per kind of fact in the catalogue, plus correct and retract. Each takes
//! an idempotency key (a retry with the same key writes nothing and returns the first
//! result) and optionally the expected version of the stream (a mismatch is CONFLICT).

use async_graphql::{Context, Object, SimpleObject};
use kringloop_events::{FeitGecorrigeerd, FeitIngetrokken, Gebeurtenis as G, jeugdige_stream};
use uuid::Uuid;

use crate::auth::{BEHEER, Rol, RolGuard, SCHRIJVERS, principal};
use crate::fout::{ApiFout, ApiResult};
use crate::state::ApiState;
use crate::types::*;

async fn schrijf(
    ctx: &Context<'_>,
    stroom: Option<String>,
    feit: G,
    idempotency_key: String,
    expected_version: Option<i64>,
) -> ApiResult<RegistratieUit> {
    let s = ctx
        .data::<ApiState>()
        .map_err(|e| ApiFout::intern("schema zonder toestand", e.message))?;
    let p = principal(ctx)?;
    let stroom = match stroom.or_else(|| feit.natural_stream()) {
        Some(st) => st,
        None => return Err(ApiFout::ongeldig("geen stroom voor dit feit").into()),
    };
    Ok(
        s.registreer(p, stroom, feit, idempotency_key, expected_version)
            .await?
            .into(),
    )
}

fn jeugdige(pseudoniem: &str) -> Option<String> {
    Some(jeugdige_stream(pseudoniem.trim()))
}

/// A new token: the secret is shown only in this reply.
#[derive(Debug, Clone, SimpleObject)]
pub struct NieuwToken {
    pub id: String,
    pub naam: String,
    pub rol: Rol,
    pub token: String,
}

pub struct MutationRoot;

#[Object(name = "Mutation")]
impl MutationRoot {
    #[graphql(guard = "RolGuard(SCHRIJVERS)")]
    async fn registreer_landsdeel(
        &self,
        ctx: &Context<'_>,
        invoer: LandsdeelInvoer,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> ApiResult<RegistratieUit> {
        let f = FeitInvoer::LandsdeelGeregistreerd(invoer).naar_gebeurtenis()?;
        schrijf(ctx, None, f, idempotency_key, expected_version).await
    }

    #[graphql(guard = "RolGuard(SCHRIJVERS)")]
    async fn registreer_jeugdregio(
        &self,
        ctx: &Context<'_>,
        invoer: JeugdregioInvoer,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> ApiResult<RegistratieUit> {
        let f = FeitInvoer::JeugdregioGeregistreerd(invoer).naar_gebeurtenis()?;
        schrijf(ctx, None, f, idempotency_key, expected_version).await
    }

    #[graphql(guard = "RolGuard(SCHRIJVERS)")]
    async fn registreer_gemeente(
        &self,
        ctx: &Context<'_>,
        invoer: GemeenteInvoer,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> ApiResult<RegistratieUit> {
        let f = FeitInvoer::GemeenteGeregistreerd(invoer).naar_gebeurtenis()?;
        schrijf(ctx, None, f, idempotency_key, expected_version).await
    }

    #[graphql(guard = "RolGuard(SCHRIJVERS)")]
    async fn registreer_aanbieder(
        &self,
        ctx: &Context<'_>,
        invoer: AanbiederInvoer,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> ApiResult<RegistratieUit> {
        let f = FeitInvoer::AanbiederGeregistreerd(invoer).naar_gebeurtenis()?;
        schrijf(ctx, None, f, idempotency_key, expected_version).await
    }

    /// A new facility of a provider, with its form and regime.
    #[graphql(guard = "RolGuard(SCHRIJVERS)")]
    async fn registreer_voorziening(
        &self,
        ctx: &Context<'_>,
        invoer: VoorzieningInvoer,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> ApiResult<RegistratieUit> {
        let f = FeitInvoer::VoorzieningGeregistreerd(invoer).naar_gebeurtenis()?;
        schrijf(ctx, None, f, idempotency_key, expected_version).await
    }

    /// Opbouw: places opened in a facility.
    #[graphql(guard = "RolGuard(SCHRIJVERS)")]
    async fn open_plaatsen(
        &self,
        ctx: &Context<'_>,
        invoer: PlaatsenGeopendInvoer,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> ApiResult<RegistratieUit> {
        let f = FeitInvoer::PlaatsenGeopend(invoer).naar_gebeurtenis()?;
        schrijf(ctx, None, f, idempotency_key, expected_version).await
    }

    /// Afbouw: places closed in a facility.
    #[graphql(guard = "RolGuard(SCHRIJVERS)")]
    async fn sluit_plaatsen(
        &self,
        ctx: &Context<'_>,
        invoer: PlaatsenGeslotenInvoer,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> ApiResult<RegistratieUit> {
        let f = FeitInvoer::PlaatsenGesloten(invoer).naar_gebeurtenis()?;
        schrijf(ctx, None, f, idempotency_key, expected_version).await
    }

    /// Ombouw: places of one facility converted into places of another.
    #[graphql(guard = "RolGuard(SCHRIJVERS)")]
    async fn bouw_plaatsen_om(
        &self,
        ctx: &Context<'_>,
        invoer: PlaatsenOmgebouwdInvoer,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> ApiResult<RegistratieUit> {
        let f = FeitInvoer::PlaatsenOmgebouwd(invoer).naar_gebeurtenis()?;
        schrijf(ctx, None, f, idempotency_key, expected_version).await
    }

    #[graphql(guard = "RolGuard(SCHRIJVERS)")]
    async fn sluit_voorziening(
        &self,
        ctx: &Context<'_>,
        invoer: VoorzieningGeslotenInvoer,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> ApiResult<RegistratieUit> {
        let f = FeitInvoer::VoorzieningGesloten(invoer).naar_gebeurtenis()?;
        schrijf(ctx, None, f, idempotency_key, expected_version).await
    }

    #[graphql(guard = "RolGuard(SCHRIJVERS)")]
    async fn stel_capaciteitsdoel_vast(
        &self,
        ctx: &Context<'_>,
        invoer: CapaciteitsdoelInvoer,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> ApiResult<RegistratieUit> {
        let f = FeitInvoer::CapaciteitsdoelVastgesteld(invoer).naar_gebeurtenis()?;
        schrijf(ctx, None, f, idempotency_key, expected_version).await
    }

    /// A youth, by pseudonym (never the BSN).
    #[graphql(guard = "RolGuard(SCHRIJVERS)")]
    async fn registreer_jeugdige(
        &self,
        ctx: &Context<'_>,
        invoer: JeugdigeInvoer,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> ApiResult<RegistratieUit> {
        let f = FeitInvoer::JeugdigeGeregistreerd(invoer).naar_gebeurtenis()?;
        schrijf(ctx, None, f, idempotency_key, expected_version).await
    }

    #[graphql(guard = "RolGuard(SCHRIJVERS)")]
    async fn wijzig_woongemeente(
        &self,
        ctx: &Context<'_>,
        pseudoniem: String,
        invoer: WoongemeenteInvoer,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> ApiResult<RegistratieUit> {
        let f = FeitInvoer::WoongemeenteGewijzigd(invoer).naar_gebeurtenis()?;
        schrijf(
            ctx,
            jeugdige(&pseudoniem),
            f,
            idempotency_key,
            expected_version,
        )
        .await
    }

    /// A court authorisation (MGJ, spoedmachtiging, voorwaardelijke machtiging).
    #[graphql(guard = "RolGuard(SCHRIJVERS)")]
    async fn geef_machtiging_af(
        &self,
        ctx: &Context<'_>,
        pseudoniem: String,
        invoer: MachtigingInvoer,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> ApiResult<RegistratieUit> {
        let f = FeitInvoer::MachtigingAfgegeven(invoer).naar_gebeurtenis()?;
        schrijf(
            ctx,
            jeugdige(&pseudoniem),
            f,
            idempotency_key,
            expected_version,
        )
        .await
    }

    #[graphql(guard = "RolGuard(SCHRIJVERS)")]
    async fn beeindig_machtiging(
        &self,
        ctx: &Context<'_>,
        pseudoniem: String,
        invoer: MachtigingBeeindigdInvoer,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> ApiResult<RegistratieUit> {
        let f = FeitInvoer::MachtigingBeeindigd(invoer).naar_gebeurtenis()?;
        schrijf(
            ctx,
            jeugdige(&pseudoniem),
            f,
            idempotency_key,
            expected_version,
        )
        .await
    }

    /// A plaatsing starts.
    #[graphql(guard = "RolGuard(SCHRIJVERS)")]
    async fn start_plaatsing(
        &self,
        ctx: &Context<'_>,
        pseudoniem: String,
        invoer: PlaatsingInvoer,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> ApiResult<RegistratieUit> {
        let f = FeitInvoer::PlaatsingGestart(invoer).naar_gebeurtenis()?;
        schrijf(
            ctx,
            jeugdige(&pseudoniem),
            f,
            idempotency_key,
            expected_version,
        )
        .await
    }

    /// A doorplaatsing: the running placement ends and the next starts the same day.
    #[graphql(guard = "RolGuard(SCHRIJVERS)")]
    async fn plaats_door(
        &self,
        ctx: &Context<'_>,
        pseudoniem: String,
        invoer: DoorplaatsingInvoer,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> ApiResult<RegistratieUit> {
        let f = FeitInvoer::Doorgeplaatst(invoer).naar_gebeurtenis()?;
        schrijf(
            ctx,
            jeugdige(&pseudoniem),
            f,
            idempotency_key,
            expected_version,
        )
        .await
    }

    /// Uitstroom: a plaatsing ends with a destination.
    #[graphql(guard = "RolGuard(SCHRIJVERS)")]
    async fn beeindig_plaatsing(
        &self,
        ctx: &Context<'_>,
        pseudoniem: String,
        invoer: PlaatsingBeeindigdInvoer,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> ApiResult<RegistratieUit> {
        let f = FeitInvoer::PlaatsingBeeindigd(invoer).naar_gebeurtenis()?;
        schrijf(
            ctx,
            jeugdige(&pseudoniem),
            f,
            idempotency_key,
            expected_version,
        )
        .await
    }

    /// Replaces an earlier fact by new content of the same type, from now on. Both stay
    /// in the log.
    #[graphql(guard = "RolGuard(SCHRIJVERS)")]
    async fn corrigeer_feit(
        &self,
        ctx: &Context<'_>,
        event_id: Uuid,
        nieuw: FeitInvoer,
        reden: String,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> ApiResult<RegistratieUit> {
        let s = ctx
            .data::<ApiState>()
            .map_err(|e| ApiFout::intern("schema zonder toestand", e.message))?;
        let stroom = s
            .stroom_van(event_id)
            .await?
            .unwrap_or_else(|| "onbekend".to_owned());
        let f: G = FeitGecorrigeerd {
            vervangt: event_id,
            nieuw: Box::new(nieuw.naar_gebeurtenis()?),
            reden,
        }
        .into();
        schrijf(ctx, Some(stroom), f, idempotency_key, expected_version).await
    }

    /// Withdraws an earlier fact from now on, with a reason.
    #[graphql(guard = "RolGuard(SCHRIJVERS)")]
    async fn trek_feit_in(
        &self,
        ctx: &Context<'_>,
        event_id: Uuid,
        reden: String,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> ApiResult<RegistratieUit> {
        let s = ctx
            .data::<ApiState>()
            .map_err(|e| ApiFout::intern("schema zonder toestand", e.message))?;
        let stroom = s
            .stroom_van(event_id)
            .await?
            .unwrap_or_else(|| "onbekend".to_owned());
        let f: G = FeitIngetrokken { event_id, reden }.into();
        schrijf(ctx, Some(stroom), f, idempotency_key, expected_version).await
    }

    /// Creates a bearer token; the secret is in this reply only.
    #[graphql(guard = "RolGuard(BEHEER)")]
    async fn maak_token(&self, ctx: &Context<'_>, rol: Rol, naam: String) -> ApiResult<NieuwToken> {
        let s = ctx
            .data::<ApiState>()
            .map_err(|e| ApiFout::intern("schema zonder toestand", e.message))?;
        let naam = naam.trim();
        if naam.is_empty() {
            return Err(ApiFout::ongeldig("een token heeft een naam").into());
        }
        let (rec, secret) = s
            .tokens()
            .maak(rol, naam)
            .map_err(|e| ApiFout::intern("tokens", e))?;
        Ok(NieuwToken {
            id: rec.id,
            naam: rec.naam,
            rol: rec.rol,
            token: secret,
        })
    }

    /// Revokes a token by id.
    #[graphql(guard = "RolGuard(BEHEER)")]
    async fn trek_token_in(&self, ctx: &Context<'_>, id: String) -> ApiResult<bool> {
        let s = ctx
            .data::<ApiState>()
            .map_err(|e| ApiFout::intern("schema zonder toestand", e.message))?;
        match s.tokens().trek_in(&id) {
            Ok(_) => Ok(true),
            Err(crate::auth::TokenFout::Onbekend(_)) => {
                Err(ApiFout::NietGevonden(format!("geen token met id `{id}`")).into())
            }
            Err(e) => Err(ApiFout::intern("tokens", e).into()),
        }
    }
}
