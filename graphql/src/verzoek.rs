//! Placement requests person by person, and the coordinator's region.
//!
//! A request (`PlaatsingsverzoekIngediend`) and its later facts (registrations, offers,
//! refusals, the withdrawal, the placement that fulfils it) are facts of the youth's
//! stream. [`Verzoekfeiten`] remembers, beside the write side's domain state, which
//! original events of each youth are such facts; their content is always read back
//! through [`DomainState::inhoud`], so a correction or retraction counts the moment it
//! is folded, as for the API's other reference data.
//!
//! **Sources.** The list (`plaatsingsverzoeken`) and the state of one request come from
//! the write state: it holds every youth's effective facts already, current to the last
//! write (a coordinator sees its own registration at once, without waiting for the
//! projection), and the coordinator's right to write is judged against that same state,
//! so what a coordinator may see and what it may write cannot disagree. The projection
//! has no person-level request facts and the store would have to be read youth by youth.
//! The facts of one request with their recorded times (`plaatsingsverzoek`) come from the
//! store, as `historie` reads a youth's stream: only the store knows who recorded what,
//! when and from where, and what corrected or retracted it.
//!
//! **The coordinator** ([`Rol::Coordinator`]) is bound to one jeugdregio by its token. It
//! writes `PlaatsingsverzoekIngediend` for that region, and the registrations, offers,
//! refusals and withdrawals of requests of that region, and corrects or retracts those
//! facts; nothing else (not placements, absences, youths or master data). The region of a
//! later fact is its request's region as the write state knows it when the fact is
//! checked (`toegang`, run by the writer task before the expected version and the rules, so a
//! request filed earlier in the same batch counts and a corrected region applies at
//! once). A request of another region is `FORBIDDEN`; an unknown request `NOT_FOUND`.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use async_graphql::{Enum, SimpleObject};
use chrono::{NaiveDate, Utc};
use kringloop_events::personal::is_physical_youth_stream;
use kringloop_events::rules::DomainState;
use kringloop_events::{
    Gebeurtenis as G, PlaatsingsverzoekIngediend, RecordedEvent, Urgentie as EUrgentie,
    pseudoniem_van_stream,
};
use kringloop_writer::{Toegang, WriteState};
use uuid::Uuid;

use crate::auth::{Principal, Rol};
use crate::fout::ApiFout;
use crate::query::HistorieFeit;
use crate::state::{ApiState, Referentie};
use crate::types::{Regime, Urgentie, Verwijzer, Vorm};

/// The waiting norm of a SPOED request in days (the rules' norm; a REGULIER request's is
/// configured, [`crate::ApiConfig::norm_wachttijd_regulier`]).
pub const NORM_SPOED: u32 = kringloop_events::rules::SPOED_NORM_DAGEN as u32;

/// The original events of request facts (and of placements, which may fulfil one), per
/// youth stream in log order, and the youth streams per jeugdregio.
#[derive(Debug, Default)]
pub struct Verzoekfeiten {
    per_jeugdige: HashMap<String, Vec<Uuid>>,
    /// Every region a request of the youth was ever filed in or corrected to: a superset
    /// that only narrows the search; the effective content decides.
    per_regio: HashMap<String, BTreeSet<String>>,
}

impl Verzoekfeiten {
    pub(crate) fn apply(&mut self, e: &RecordedEvent, g: &G) {
        match g {
            G::PlaatsingsverzoekIngediend(x) => {
                self.regio(&x.jeugdregio, &e.stream);
                self.push(e);
            }
            G::JeugdigeAangemeld(_)
            | G::PlaatsAangeboden(_)
            | G::AanmeldingGeweigerd(_)
            | G::PlaatsingsverzoekIngetrokken(_)
            | G::PlaatsingGestart(_)
            | G::Doorgeplaatst(_) => self.push(e),
            G::FeitGecorrigeerd(c) => {
                if let G::PlaatsingsverzoekIngediend(x) = &*c.nieuw {
                    self.regio(&x.jeugdregio, &e.stream);
                }
            }
            _ => {}
        }
    }

    fn push(&mut self, e: &RecordedEvent) {
        let ids = self.per_jeugdige.entry(e.stream.clone()).or_default();
        // A fact folded tentatively is not folded again, but a rebuild may repeat it.
        if !ids.contains(&e.event_id) {
            ids.push(e.event_id);
        }
    }

    fn regio(&mut self, regio: &str, stream: &str) {
        self.per_regio
            .entry(regio.to_owned())
            .or_default()
            .insert(stream.to_owned());
    }

    /// The effective facts of a youth, in log order.
    fn feiten<'a>(&'a self, state: &'a DomainState, stream: &str) -> Vec<&'a G> {
        self.per_jeugdige
            .get(stream)
            .map(|ids| ids.iter().filter_map(|id| state.inhoud(*id)).collect())
            .unwrap_or_default()
    }

    /// The regions of the effective requests `verzoek` of a youth (one, unless the
    /// history is broken; none when the request is unknown or retracted).
    fn regios<'a>(&'a self, state: &'a DomainState, stream: &str, verzoek: &str) -> Vec<&'a str> {
        self.feiten(state, stream)
            .into_iter()
            .filter_map(|g| match g {
                G::PlaatsingsverzoekIngediend(x) if x.verzoek == verzoek => {
                    Some(x.jeugdregio.as_str())
                }
                _ => None,
            })
            .collect()
    }

    /// Every request of a youth with its state.
    pub(crate) fn standen(&self, state: &DomainState, stream: &str) -> Vec<Verzoekstand> {
        let feiten = self.feiten(state, stream);
        let mut standen: Vec<Verzoekstand> = Vec::new();
        for g in &feiten {
            if let G::PlaatsingsverzoekIngediend(x) = g
                && !standen.iter().any(|s| s.ingediend.verzoek == x.verzoek)
            {
                standen.push(Verzoekstand::new(stream, x));
            }
        }
        for g in &feiten {
            let Some(s) =
                verzoek_van(g).and_then(|v| standen.iter_mut().find(|s| s.ingediend.verzoek == v))
            else {
                continue;
            };
            match g {
                G::JeugdigeAangemeld(x) => {
                    s.aanbieders.insert(x.aanbieder.clone());
                }
                G::PlaatsAangeboden(_) => s.aanbiedingen += 1,
                G::AanmeldingGeweigerd(_) => s.weigeringen += 1,
                G::PlaatsingsverzoekIngetrokken(x) => {
                    s.sluit(x.datum, VerzoekStatus::Ingetrokken, None, false);
                }
                G::PlaatsingGestart(x) => {
                    s.sluit(
                        x.datum,
                        VerzoekStatus::Vervuld,
                        Some(&x.voorziening),
                        x.overbrugging,
                    );
                }
                G::Doorgeplaatst(x) => {
                    s.sluit(
                        x.datum,
                        VerzoekStatus::Vervuld,
                        Some(&x.naar),
                        x.overbrugging,
                    );
                }
                _ => {}
            }
        }
        standen
    }

    /// The youth streams that may have a request of `regio` (every youth when `None`),
    /// erased youths left out.
    fn jeugdigen<'a>(
        &'a self,
        state: &'a DomainState,
        regio: Option<&str>,
    ) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        let levend = move |s: &&String| !is_physical_youth_stream(s) && !state.is_gewist(s);
        match regio {
            Some(r) => Box::new(
                self.per_regio
                    .get(r)
                    .into_iter()
                    .flat_map(|s| s.iter())
                    .filter(levend),
            ),
            None => Box::new(self.per_jeugdige.keys().filter(levend)),
        }
    }
}

/// The request a request fact or a fulfilling placement names.
fn verzoek_van(g: &G) -> Option<&str> {
    match g {
        G::PlaatsingsverzoekIngediend(x) => Some(&x.verzoek),
        G::JeugdigeAangemeld(x) => Some(&x.verzoek),
        G::PlaatsAangeboden(x) => Some(&x.verzoek),
        G::AanmeldingGeweigerd(x) => Some(&x.verzoek),
        G::PlaatsingsverzoekIngetrokken(x) => Some(&x.verzoek),
        G::PlaatsingGestart(x) => x.verzoek.as_deref(),
        G::Doorgeplaatst(x) => x.verzoek.as_deref(),
        _ => None,
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum VerzoekStatus {
    /// Neither fulfilled nor withdrawn.
    Open,
    /// A placement names it (its date closes the request).
    Vervuld,
    /// Withdrawn without a placement.
    Ingetrokken,
}

/// One request as the write state knows it.
#[derive(Debug, Clone)]
pub(crate) struct Verzoekstand {
    stream: String,
    ingediend: PlaatsingsverzoekIngediend,
    status: VerzoekStatus,
    gesloten_op: Option<NaiveDate>,
    geplaatst_in: Option<String>,
    overbrugging: bool,
    aanbieders: BTreeSet<String>,
    aanbiedingen: u32,
    weigeringen: u32,
}

impl Verzoekstand {
    fn new(stream: &str, x: &PlaatsingsverzoekIngediend) -> Self {
        Verzoekstand {
            stream: stream.to_owned(),
            ingediend: x.clone(),
            status: VerzoekStatus::Open,
            gesloten_op: None,
            geplaatst_in: None,
            overbrugging: false,
            aanbieders: BTreeSet::new(),
            aanbiedingen: 0,
            weigeringen: 0,
        }
    }

    /// A closing fact: the earliest closes the request (the rules refuse a second one;
    /// a broken history keeps the first).
    fn sluit(
        &mut self,
        datum: NaiveDate,
        status: VerzoekStatus,
        voorziening: Option<&String>,
        overbrugging: bool,
    ) {
        if self.gesloten_op.is_some_and(|d| d <= datum) {
            return;
        }
        self.gesloten_op = Some(datum);
        self.status = status;
        self.geplaatst_in = voorziening.cloned();
        self.overbrugging = overbrugging;
    }

    pub(crate) fn jeugdregio(&self) -> &str {
        &self.ingediend.jeugdregio
    }

    /// The output, with the waits counted up to `vandaag` while open.
    pub(crate) fn uit(&self, vandaag: NaiveDate, norm_regulier: u32) -> Plaatsingsverzoek {
        let x = &self.ingediend;
        let norm = match x.urgentie {
            EUrgentie::Spoed => NORM_SPOED,
            EUrgentie::Regulier => norm_regulier,
        };
        let wachtdagen = (self.gesloten_op.unwrap_or(vandaag) - x.datum).num_days();
        Plaatsingsverzoek {
            pseudoniem: pseudoniem_van_stream(&self.stream)
                .unwrap_or(&self.stream)
                .to_owned(),
            verzoek: x.verzoek.clone(),
            datum: x.datum,
            verwijzer: x.verwijzer.into(),
            urgentie: x.urgentie.into(),
            vorm: x.vorm.into(),
            regime: x.regime.into(),
            jeugdregio: x.jeugdregio.clone(),
            status: self.status,
            gesloten_op: self.gesloten_op,
            geplaatst_in: self.geplaatst_in.clone(),
            overbrugging: self.overbrugging,
            aanbieders: self.aanbieders.iter().cloned().collect(),
            aanbiedingen: self.aanbiedingen,
            weigeringen: self.weigeringen,
            wachtdagen,
            norm_dagen: norm,
            boven_norm: wachtdagen > i64::from(norm),
        }
    }
}

/// A placement request and where it stands, as the write side knows it now.
#[derive(Debug, Clone, SimpleObject)]
pub struct Plaatsingsverzoek {
    pub pseudoniem: String,
    pub verzoek: String,
    pub datum: NaiveDate,
    pub verwijzer: Verwijzer,
    pub urgentie: Urgentie,
    /// The form that would fit.
    pub vorm: Vorm,
    /// The regime that would fit.
    pub regime: Regime,
    pub jeugdregio: String,
    pub status: VerzoekStatus,
    /// Date of the fulfilling placement or of the withdrawal.
    pub gesloten_op: Option<NaiveDate>,
    /// The facility of the fulfilling placement.
    pub geplaatst_in: Option<String>,
    /// The fulfilling placement is a bridging place.
    pub overbrugging: bool,
    /// The providers the request was registered with (each once).
    pub aanbieders: Vec<String>,
    pub aanbiedingen: u32,
    pub weigeringen: u32,
    /// Days from the request to its closure, or to today while it is open.
    pub wachtdagen: i64,
    /// The waiting norm of its urgency: 7 days for SPOED, the server's REGULIER norm.
    pub norm_dagen: u32,
    /// `wachtdagen` is over the norm.
    pub boven_norm: bool,
}

/// A page of requests, oldest first.
#[derive(Debug, Clone, SimpleObject)]
pub struct Plaatsingsverzoeken {
    /// Requests that match, over all pages.
    pub totaal: u64,
    pub verzoeken: Vec<Plaatsingsverzoek>,
}

/// One request and every fact about it in the youth's stream, in log order.
#[derive(Debug, Clone, SimpleObject)]
pub struct VerzoekHistorie {
    pub verzoek: Plaatsingsverzoek,
    /// The request, its registrations, offers, refusals, withdrawal and fulfilling
    /// placement, each with its recorded time and source, and the corrections and
    /// retractions of those facts.
    pub feiten: Vec<HistorieFeit>,
}

// ------------------------------------------------------------------------ who may see

/// The region a principal may see requests of: `Ok(None)` for every region (evaluator,
/// admin), `Ok(Some)` for a coordinator's own; asking for another is `FORBIDDEN`.
pub(crate) fn leesregio(
    p: &Principal,
    gevraagd: Option<String>,
) -> Result<Option<String>, ApiFout> {
    if p.rol != Rol::Coordinator {
        return Ok(gevraagd);
    }
    let eigen = eigen_regio(p)?;
    match gevraagd {
        Some(r) if r != eigen => Err(ApiFout::Verboden(format!(
            "een coördinator van jeugdregio {eigen} ziet alleen de plaatsingsverzoeken van die jeugdregio"
        ))),
        _ => Ok(Some(eigen.to_owned())),
    }
}

fn eigen_regio(p: &Principal) -> Result<&str, ApiFout> {
    p.jeugdregio.as_deref().ok_or_else(|| {
        ApiFout::Verboden(
            "dit token van een coördinator hoort bij geen jeugdregio; maak een nieuw token met --jeugdregio"
                .to_owned(),
        )
    })
}

/// The requests of a region (or all), filtered by status, sorted by date, youth and id.
pub(crate) fn lijst(
    d: &crate::state::DomainView<'_>,
    regio: Option<&str>,
    status: Option<VerzoekStatus>,
) -> Vec<Verzoekstand> {
    let vf = &d.referentie.verzoeken;
    let mut uit: Vec<Verzoekstand> = vf
        .jeugdigen(d.state, regio)
        .flat_map(|s| vf.standen(d.state, s))
        .filter(|v| regio.is_none_or(|r| v.jeugdregio() == r))
        .filter(|v| status.is_none_or(|s| v.status == s))
        .collect();
    uit.sort_by(|a, b| {
        (a.ingediend.datum, &a.stream, &a.ingediend.verzoek).cmp(&(
            b.ingediend.datum,
            &b.stream,
            &b.ingediend.verzoek,
        ))
    });
    uit
}

/// One request of a youth, if it is known (and the youth not erased).
pub(crate) fn een(
    d: &crate::state::DomainView<'_>,
    stream: &str,
    verzoek: &str,
) -> Option<Verzoekstand> {
    if d.state.is_gewist(stream) {
        return None;
    }
    d.referentie
        .verzoeken
        .standen(d.state, stream)
        .into_iter()
        .find(|v| v.ingediend.verzoek == verzoek)
}

/// Today, for the wait of an open request.
pub(crate) fn vandaag() -> NaiveDate {
    Utc::now().date_naive()
}

/// The events of one request among a youth's events (read from the store, in log
/// order): the originals that name it as recorded or as corrected, and the corrections
/// and retractions of those.
pub(crate) fn alleen_verzoek(events: Vec<RecordedEvent>, verzoek: &str) -> Vec<RecordedEvent> {
    let mut origineel: HashMap<Uuid, Uuid> = HashMap::new();
    let mut relevant: BTreeSet<Uuid> = BTreeSet::new();
    for e in &events {
        match G::from_recorded(e) {
            Ok(G::FeitGecorrigeerd(c)) => {
                // A correction may refer to an earlier correction of the same original.
                let o = origineel.get(&c.vervangt).copied().unwrap_or(c.vervangt);
                origineel.insert(e.event_id, o);
                if verzoek_van(&c.nieuw) == Some(verzoek) {
                    relevant.insert(o);
                }
            }
            Ok(G::FeitIngetrokken(i)) => {
                let o = origineel.get(&i.event_id).copied().unwrap_or(i.event_id);
                origineel.insert(e.event_id, o);
            }
            Ok(g) if verzoek_van(&g) == Some(verzoek) => {
                relevant.insert(e.event_id);
            }
            _ => {}
        }
    }
    events
        .into_iter()
        .filter(|e| {
            relevant.contains(&e.event_id)
                || origineel
                    .get(&e.event_id)
                    .is_some_and(|o| relevant.contains(o))
        })
        .collect()
}

// ---------------------------------------------------------------------- who may write

/// The coordinator's right to write a fact, for the writer task: the fact must be a
/// request fact of the token's region (a correction: the fact it corrects and its new
/// content; a retraction: the fact it withdraws).
pub(crate) fn toegang(regio: Option<String>) -> Toegang<Referentie, ApiFout> {
    Arc::new(
        move |d: &WriteState<Referentie>, stream: &str, feit: &G| -> Result<(), ApiFout> {
            let regio = regio.as_deref().ok_or_else(|| {
                ApiFout::Verboden(
                    "dit token van een coördinator hoort bij geen jeugdregio; maak een nieuw token met --jeugdregio"
                        .to_owned(),
                )
            })?;
            let eigen = |g: &G| eigen_feit(&d.state, &d.index.verzoeken, regio, stream, g);
            match feit {
                G::FeitGecorrigeerd(c) => {
                    eigen(eerder(&d.state, c.vervangt)?)?;
                    eigen(&c.nieuw)
                }
                G::FeitIngetrokken(i) => eigen(eerder(&d.state, i.event_id)?),
                g => eigen(g),
            }
        },
    )
}

/// The effective content of the fact a correction or retraction refers to.
fn eerder(state: &DomainState, event_id: Uuid) -> Result<&G, ApiFout> {
    state
        .origineel_van(event_id)
        .and_then(|o| state.inhoud(o))
        .ok_or_else(|| {
            ApiFout::NietGevonden(format!(
                "geen geldend feit met id {event_id} om te corrigeren of in te trekken"
            ))
        })
}

fn eigen_feit(
    state: &DomainState,
    vf: &Verzoekfeiten,
    regio: &str,
    stream: &str,
    g: &G,
) -> Result<(), ApiFout> {
    let verzoek = match g {
        G::PlaatsingsverzoekIngediend(x) if x.jeugdregio == regio => return Ok(()),
        G::PlaatsingsverzoekIngediend(x) => {
            return Err(ApiFout::Verboden(format!(
                "een coördinator van jeugdregio {regio} dient geen plaatsingsverzoek in voor jeugdregio {}",
                x.jeugdregio
            )));
        }
        G::JeugdigeAangemeld(x) => &x.verzoek,
        G::PlaatsAangeboden(x) => &x.verzoek,
        G::AanmeldingGeweigerd(x) => &x.verzoek,
        G::PlaatsingsverzoekIngetrokken(x) => &x.verzoek,
        _ => {
            return Err(ApiFout::Verboden(format!(
                "een coördinator legt alleen plaatsingsverzoeken en hun aanmeldingen, aanbiedingen, weigeringen en intrekkingen vast, geen {}",
                g.event_type()
            )));
        }
    };
    let regios = vf.regios(state, stream, verzoek);
    if regios.is_empty() {
        return Err(ApiFout::NietGevonden(format!(
            "deze jeugdige heeft geen plaatsingsverzoek `{verzoek}`"
        )));
    }
    if regios.iter().all(|r| *r == regio) {
        Ok(())
    } else {
        Err(ApiFout::Verboden(format!(
            "plaatsingsverzoek `{verzoek}` hoort niet bij jeugdregio {regio}: een coördinator legt alleen feiten vast over verzoeken van de eigen jeugdregio"
        )))
    }
}

/// A coordinator may read a request of its own region only.
pub(crate) fn mag_lezen(p: &Principal, v: &Verzoekstand) -> Result<(), ApiFout> {
    if p.rol != Rol::Coordinator {
        return Ok(());
    }
    let eigen = eigen_regio(p)?;
    if v.jeugdregio() == eigen {
        Ok(())
    } else {
        Err(ApiFout::Verboden(format!(
            "dit plaatsingsverzoek hoort niet bij jeugdregio {eigen}: een coördinator ziet alleen verzoeken van de eigen jeugdregio"
        )))
    }
}

// ---------------------------------------------------------------------------- queries

/// `plaatsingsverzoeken`: a page of the requests of a region (a coordinator: its own),
/// logged in the access log with the youths on the page.
pub(crate) async fn opvragen_lijst(
    s: &ApiState,
    p: &Principal,
    jeugdregio: Option<String>,
    status: Option<VerzoekStatus>,
    eerste: i32,
    overslaan: i32,
) -> Result<Plaatsingsverzoeken, ApiFout> {
    let regio = leesregio(p, jeugdregio)?;
    let max = s.config().max_page;
    let eerste = usize::try_from(eerste)
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| ApiFout::ongeldig(format!("`eerste` ligt tussen 1 en {max}")))?;
    let overslaan = usize::try_from(overslaan)
        .map_err(|_| ApiFout::ongeldig("`overslaan` kan niet negatief zijn"))?;
    let norm = s.config().norm_wachttijd_regulier;
    let vandaag = vandaag();
    let (totaal, pagina) = s
        .with_domain(|d| {
            let alle = lijst(d, regio.as_deref(), status);
            let pagina: Vec<Plaatsingsverzoek> = alle
                .iter()
                .skip(overslaan)
                .take(eerste)
                .map(|v| v.uit(vandaag, norm))
                .collect();
            (alle.len(), pagina)
        })
        .await?;
    let stromen: BTreeSet<String> = pagina
        .iter()
        .map(|v| kringloop_events::jeugdige_stream(&v.pseudoniem))
        .collect();
    if !stromen.is_empty() {
        let stromen: Vec<String> = stromen.into_iter().collect();
        s.log_inzage(p, "plaatsingsverzoeken", &stromen).await?;
    }
    Ok(Plaatsingsverzoeken {
        totaal: u64::try_from(totaal).unwrap_or(u64::MAX),
        verzoeken: pagina,
    })
}

/// `plaatsingsverzoek`: one request with its facts from the store, logged.
pub(crate) async fn opvragen_een(
    s: &ApiState,
    p: &Principal,
    pseudoniem: &str,
    verzoek: &str,
) -> Result<VerzoekHistorie, ApiFout> {
    let stream = kringloop_events::jeugdige_stream(pseudoniem.trim());
    let norm = s.config().norm_wachttijd_regulier;
    let stand = s
        .with_domain(|d| een(d, &stream, verzoek))
        .await?
        .ok_or_else(|| {
            // The id is not echoed: unlike a mutation's input, a query's is not checked
            // for BSNs before it could reach a reply.
            ApiFout::NietGevonden(
                "deze jeugdige heeft geen plaatsingsverzoek met dit id (onbekend, ingetrokken of gewist)"
                    .to_owned(),
            )
        })?;
    mag_lezen(p, &stand)?;
    let beurt = s.reader().await?;
    let events = s.store().read_stream(&stream, 1).await?;
    drop(beurt);
    let events = alleen_verzoek(events, verzoek);
    s.log_inzage(p, "plaatsingsverzoek", std::slice::from_ref(&stream))
        .await?;
    Ok(VerzoekHistorie {
        verzoek: stand.uit(vandaag(), norm),
        feiten: crate::query::historie_uit(vec![stream], &events).feiten,
    })
}
