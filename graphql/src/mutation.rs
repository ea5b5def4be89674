//! Mutations: one per kind of fact in the catalogue, plus correct and retract. Each takes
//! an idempotency key and optionally the expected version of the stream (a mismatch is
//! CONFLICT). Keys are scoped per token: a retry with the same key and the same fact
//! writes nothing and returns the first result; the same key with another fact (another
//! stream, type or content) is CONFLICT and writes nothing; another token's key is never
//! seen.

use async_graphql::{Context, Object, SimpleObject};
use kringloop_events::{
    FeitGecorrigeerd, FeitIngetrokken, Gebeurtenis as G, JeugdigeGewist, jeugdige_stream,
};
use uuid::Uuid;

use crate::auth::{BEHEER, Rol, RolGuard, SCHRIJVERS, VERZOEK_SCHRIJVERS, principal};
use crate::fout::{ApiFout, ApiResult};
use crate::geld::invoer::*;
use crate::state::ApiState;
use crate::types::*;

fn api_state<'c>(ctx: &Context<'c>) -> Result<&'c ApiState, ApiFout> {
    ctx.data::<ApiState>()
        .map_err(|e| ApiFout::intern("schema zonder toestand", e.message))
}

/// The stream of the earlier fact a correction or retraction refers to (`onbekend` when
/// there is none: the domain rules refuse that with their own message).
async fn stream_of(ctx: &Context<'_>, event_id: Uuid) -> Result<String, ApiFout> {
    Ok(api_state(ctx)?
        .stream_of(event_id)
        .await?
        .unwrap_or_else(|| "onbekend".to_owned()))
}

async fn write(
    ctx: &Context<'_>,
    stroom: Option<String>,
    feit: G,
    idempotency_key: String,
    expected_version: Option<i64>,
) -> ApiResult<RegistratieUit> {
    let s = api_state(ctx)?;
    let p = principal(ctx)?;
    let stroom = match stroom.or_else(|| feit.natural_stream()) {
        Some(st) => st,
        None => return Err(ApiFout::ongeldig("geen stroom voor dit feit").into()),
    };
    // A coordinator writes only request facts of its own region, judged by the writer
    // against the state the rules see (whatever the resolver's guard let through).
    let toegang =
        (p.rol == Rol::Coordinator).then(|| crate::verzoek::toegang(p.jeugdregio.clone()));
    Ok(
        s.registreer_met(p, stroom, feit, idempotency_key, expected_version, toegang)
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
    /// A coordinator's or contract manager's jeugdregio.
    pub jeugdregio: Option<String>,
    pub token: String,
}

/// One resolver per kind of fact: the facts with their own natural stream, and the facts
/// of a youth (stream `jeugdige-<pseudoniem>`). Each takes the fact's input, an idempotency
/// key and an optional expected version. The macro writes the whole `#[Object]` impl
/// because a proc-macro attribute does not see through a macro call inside the impl.
macro_rules! mutaties {
    (
        natuurlijk { $( $(#[$na:meta])* $nnaam:ident($ninvoer:ty) => $nsoort:ident; )* }
        jeugdige { $( $(#[$ja:meta])* $jnaam:ident($jinvoer:ty) => $jsoort:ident; )* }
        verzoek { $( $(#[$va:meta])* $vnaam:ident($vinvoer:ty) => $vsoort:ident; )* }
        overig { $($overig:tt)* }
    ) => {
        /// Records facts; every mutation checks its input before anything else, with the
        /// domain rules' limits (in UTF-8 bytes): stream name 128; identifiers (codes, ids,
        /// references to a facility, provider, region or gemeente, `pseudoniem`,
        /// `machtiging`) 64; names (`naam`, `aangevraagdDoor`) 200; free text (`reden`)
        /// 2,000. No NUL or other control characters (free text may hold tab and line
        /// breaks), and nothing that looks like a BSN (8 or 9 digits that pass the
        /// elfproef, also written with dots or spaces). A refusal is `INVALID_EVENT` with
        /// `reden` `TE_LANG`, `ONGELDIG_TEKEN` or `BSN_VERBODEN` (for the
        /// `idempotencyKey`, 1 to 200 bytes: `BAD_REQUEST`); its message names the field,
        /// never the value, and nothing is written. `pseudoniem`, `invoer`, `nieuw`, `reden`
        /// and `idempotencyKey` never appear in logs or traces.
        #[Object(name = "Mutation")]
        impl MutationRoot {
            $(
                $(#[$na])*
                #[graphql(guard = "RolGuard(SCHRIJVERS)")]
                async fn $nnaam(
                    &self,
                    ctx: &Context<'_>,
                    #[graphql(secret)]
                    invoer: $ninvoer,
                    #[graphql(secret)]
                    idempotency_key: String,
                    expected_version: Option<i64>,
                ) -> ApiResult<RegistratieUit> {
                    let f = FeitInvoer::$nsoort(invoer).naar_gebeurtenis()?;
                    write(ctx, None, f, idempotency_key, expected_version).await
                }
            )*
            $(
                $(#[$ja])*
                #[graphql(guard = "RolGuard(SCHRIJVERS)")]
                async fn $jnaam(
                    &self,
                    ctx: &Context<'_>,
                    #[graphql(secret)]
                    pseudoniem: String,
                    #[graphql(secret)]
                    invoer: $jinvoer,
                    #[graphql(secret)]
                    idempotency_key: String,
                    expected_version: Option<i64>,
                ) -> ApiResult<RegistratieUit> {
                    let f = FeitInvoer::$jsoort(invoer).naar_gebeurtenis()?;
                    write(ctx, jeugdige(&pseudoniem), f, idempotency_key, expected_version).await
                }
            )*
            $(
                $(#[$va])*
                #[graphql(guard = "RolGuard(VERZOEK_SCHRIJVERS)")]
                async fn $vnaam(
                    &self,
                    ctx: &Context<'_>,
                    #[graphql(secret)]
                    pseudoniem: String,
                    #[graphql(secret)]
                    invoer: $vinvoer,
                    #[graphql(secret)]
                    idempotency_key: String,
                    expected_version: Option<i64>,
                ) -> ApiResult<RegistratieUit> {
                    let f = FeitInvoer::$vsoort(invoer).naar_gebeurtenis()?;
                    write(ctx, jeugdige(&pseudoniem), f, idempotency_key, expected_version).await
                }
            )*
            $($overig)*
        }
    };
}

pub struct MutationRoot;

mutaties! {
    natuurlijk {
        registreer_landsdeel(LandsdeelInvoer) => LandsdeelGeregistreerd;
        registreer_jeugdregio(JeugdregioInvoer) => JeugdregioGeregistreerd;
        registreer_gemeente(GemeenteInvoer) => GemeenteGeregistreerd;
        registreer_aanbieder(AanbiederInvoer) => AanbiederGeregistreerd;
        /// A new facility of a provider, with its form and regime.
        registreer_voorziening(VoorzieningInvoer) => VoorzieningGeregistreerd;
        /// Opbouw: places opened in a facility.
        open_plaatsen(PlaatsenGeopendInvoer) => PlaatsenGeopend;
        /// Afbouw: places closed in a facility.
        sluit_plaatsen(PlaatsenGeslotenInvoer) => PlaatsenGesloten;
        /// Ombouw: places of one facility converted into places of another.
        bouw_plaatsen_om(PlaatsenOmgebouwdInvoer) => PlaatsenOmgebouwd;
        sluit_voorziening(VoorzieningGeslotenInvoer) => VoorzieningGesloten;
        stel_capaciteitsdoel_vast(CapaciteitsdoelInvoer) => CapaciteitsdoelVastgesteld;
        /// A youth, by pseudonym (never the BSN).
        registreer_jeugdige(JeugdigeInvoer) => JeugdigeGeregistreerd;
        /// A contract between one or more jeugdregio's and a provider: lots, products,
        /// period, financing, tariffs, volume guarantees, budget ceiling (stream
        /// `contract-<contract>`).
        sluit_contract(ContractInvoer) => ContractGesloten;
        /// A product's tariff from `geldigVan` on (indexation, often recorded late).
        indexeer_tarief(TariefIndexatieInvoer) => TariefGeindexeerd;
        /// The contract's volume guarantees replaced from `datum` on.
        wijzig_volumegarantie(VolumegarantieWijzigingInvoer) => VolumegarantieGewijzigd;
        /// The contract's annual budget ceiling from `datum` on.
        wijzig_budgetplafond(BudgetplafondInvoer) => BudgetplafondGewijzigd;
        /// An extension option used.
        verleng_contract(ContractVerlengingInvoer) => ContractVerlengd;
        /// The contract ends early.
        beeindig_contract(ContractBeeindigingInvoer) => ContractBeeindigd;
        /// A performance agreement (prestatieafspraak) of a contract.
        leg_prestatieafspraak_vast(PrestatieafspraakInvoer) => PrestatieafspraakVastgelegd;
        /// An agreement renegotiated from `datum` on.
        wijzig_prestatieafspraak(PrestatieafspraakWijzigingInvoer) => PrestatieafspraakGewijzigd;
        /// A region's budget for one segment of a year (stream `budget-<jeugdregio>`).
        stel_budget_vast(BudgetInvoer) => BudgetVastgesteld;
        /// Part of a region's budget of a year moved to another segment.
        verschuif_budget(BudgetVerschuivingInvoer) => BudgetVerschoven;
    }
    jeugdige {
        wijzig_woongemeente(WoongemeenteInvoer) => WoongemeenteGewijzigd;
        /// A court authorisation (MGJ, spoedmachtiging, voorwaardelijke machtiging).
        geef_machtiging_af(MachtigingInvoer) => MachtigingAfgegeven;
        beeindig_machtiging(MachtigingBeeindigdInvoer) => MachtigingBeeindigd;
        /// A plaatsing starts.
        start_plaatsing(PlaatsingInvoer) => PlaatsingGestart;
        /// A doorplaatsing: the running placement ends and the next starts the same day.
        plaats_door(DoorplaatsingInvoer) => Doorgeplaatst;
        /// Uitstroom: a plaatsing ends with a destination.
        beeindig_plaatsing(PlaatsingBeeindigdInvoer) => PlaatsingBeeindigd;
        /// Onttrekking: the youth is absent without leave from the running residential
        /// placement; the placement runs on until it is ended.
        meld_onttrekking(OnttrekkingInvoer) => JeugdigeOnttrokken;
        /// The youth is back: the open absence ends.
        meld_terugkeer(TerugkeerInvoer) => JeugdigeTeruggekeerd;
        /// A restrictive measure (vrijheidsbeperkende maatregel) applied to the youth in a
        /// facility; `toelichting` is personal and sealed.
        registreer_maatregel(MaatregelInvoer) => MaatregelToegepast;
    }
    verzoek {
        /// A placement request: who asks, how urgent, the form and regime that would fit,
        /// the responsible jeugdregio. A coordinator files requests of its own jeugdregio
        /// only.
        dien_plaatsingsverzoek_in(PlaatsingsverzoekInvoer) => PlaatsingsverzoekIngediend;
        /// The request registered (aangemeld) with a provider; a request may be registered
        /// with several at once.
        meld_jeugdige_aan(AanmeldingInvoer) => JeugdigeAangemeld;
        /// A provider the request was registered with offers a place.
        bied_plaats_aan(AanbodInvoer) => PlaatsAangeboden;
        /// A provider the request was registered with refuses it, with a reason.
        weiger_aanmelding(WeigeringInvoer) => AanmeldingGeweigerd;
        /// The request is withdrawn without a placement, with a reason. (A request is
        /// fulfilled by a placement that names it: `startPlaatsing` or `plaatsDoor` with
        /// `verzoek`.)
        trek_plaatsingsverzoek_in(VerzoekIntrekkingInvoer) => PlaatsingsverzoekIngetrokken;
    }
    overig {
        /// Replaces an earlier fact by new content of the same type, from now on. Both stay
        /// in the log. A coordinator corrects only request facts of its own jeugdregio
        /// (the fact corrected and the new content).
        #[graphql(guard = "RolGuard(VERZOEK_SCHRIJVERS)")]
        async fn corrigeer_feit(
            &self,
            ctx: &Context<'_>,
            event_id: Uuid,
            #[graphql(secret)]
            nieuw: FeitInvoer,
            #[graphql(secret)]
            reden: String,
            #[graphql(secret)]
            idempotency_key: String,
            expected_version: Option<i64>,
        ) -> ApiResult<RegistratieUit> {
            let stroom = stream_of(ctx, event_id).await?;
            let f: G = FeitGecorrigeerd {
                vervangt: event_id,
                nieuw: Box::new(nieuw.naar_gebeurtenis()?),
                reden,
            }
            .into();
            write(ctx, Some(stroom), f, idempotency_key, expected_version).await
        }

        /// Withdraws an earlier fact from now on, with a reason. A coordinator withdraws
        /// only request facts of its own jeugdregio.
        #[graphql(guard = "RolGuard(VERZOEK_SCHRIJVERS)")]
        async fn trek_feit_in(
            &self,
            ctx: &Context<'_>,
            event_id: Uuid,
            #[graphql(secret)]
            reden: String,
            #[graphql(secret)]
            idempotency_key: String,
            expected_version: Option<i64>,
        ) -> ApiResult<RegistratieUit> {
            let stroom = stream_of(ctx, event_id).await?;
            let f: G = FeitIngetrokken { event_id, reden }.into();
            write(ctx, Some(stroom), f, idempotency_key, expected_version).await
        }

        /// Erases a youth (admin only): records `JeugdigeGewist` (legal ground, who asked, an
        /// optional request reference; `geregistreerdDoor` is the caller's token) in the youth's
        /// stream through the domain rules, records the erasure in the access log, then
        /// deletes the youth's key, which leaves every personal field of the youth
        /// unreadable while the hash chain and every figure stay as they were. From then on
        /// the youth's events show under their stored name with `gewist: true`, the
        /// pseudonym is unknown (a new registration of it is a new youth) and no fact about
        /// the erased youth is accepted. The reply names the youth by its stored stream
        /// only. Needs a log written through the vault (a master key), else `BAD_REQUEST`;
        /// an unknown or already erased pseudonym is refused (`ONBEKENDE_JEUGDIGE`).
        /// `pseudoniem` and `kenmerk` never appear in logs or traces.
        #[graphql(guard = "RolGuard(BEHEER)")]
        async fn wis_jeugdige(
            &self,
            ctx: &Context<'_>,
            #[graphql(secret)]
            pseudoniem: String,
            grondslag: Wisgrondslag,
            verzocht_door: Verzoeker,
            #[graphql(secret)]
            kenmerk: Option<String>,
        ) -> ApiResult<Wissing> {
            let s = api_state(ctx)?;
            let p = principal(ctx)?;
            let feit: G = JeugdigeGewist {
                grondslag: grondslag.into(),
                verzocht_door: verzocht_door.into(),
                kenmerk,
            }
            .into();
            Ok(s.wis_jeugdige(p, pseudoniem.trim(), feit).await?)
        }

        /// Creates a bearer token; the secret is in this reply only. A coordinator's and a
        /// contract manager's token need `jeugdregio` (the only region it sees, and for a
        /// coordinator writes); the other roles take none.
        #[graphql(guard = "RolGuard(BEHEER)")]
        async fn maak_token(
            &self,
            ctx: &Context<'_>,
            rol: Rol,
            naam: String,
            jeugdregio: Option<String>,
        ) -> ApiResult<NieuwToken> {
            let s = api_state(ctx)?;
            let naam = naam.trim();
            if naam.is_empty() {
                return Err(ApiFout::ongeldig("een token heeft een naam").into());
            }
            let (rec, secret) = s
                .tokens()
                .create_voor(rol, naam, jeugdregio.as_deref())
                .map_err(|e| match e {
                    crate::auth::TokenError::Regio(m) => ApiFout::ongeldig(m),
                    e => ApiFout::intern("tokens", e),
                })?;
            Ok(NieuwToken {
                id: rec.id,
                naam: rec.naam,
                rol: rec.rol,
                jeugdregio: rec.jeugdregio,
                token: secret,
            })
        }

        /// Revokes a token by id.
        #[graphql(guard = "RolGuard(BEHEER)")]
        async fn trek_token_in(&self, ctx: &Context<'_>, id: String) -> ApiResult<bool> {
            let s = api_state(ctx)?;
            match s.tokens().revoke(&id) {
                Ok(_) => Ok(true),
                Err(crate::auth::TokenError::Onbekend(_)) => {
                    Err(ApiFout::NietGevonden(format!("geen token met id `{id}`")).into())
                }
                Err(e) => Err(ApiFout::intern("tokens", e).into()),
            }
        }
    }
}
