//! The pure core of every import: check proposed facts in input order against the domain
//! rules, exactly as the API does, and turn the accepted ones into write requests.
//!
//! Each accepted fact is applied to the [`DomainState`] at once, so the next record is
//! checked against the world including everything before it in the file (a facility
//! registered on line 2 can receive a placement on line 3). Nothing here does IO; the
//! [`crate::importer`] decides whether the plan is written.

use chrono::{DateTime, Utc};
use kringloop_events::rules::{AfwijzingCode, DomainState};
use kringloop_events::{Gebeurtenis, NewEvent};
use kringloop_writer::Tentative;
use serde::Serialize;
use uuid::Uuid;

use crate::record::{Afgewezen, Location, Voorstel};

/// Events for one stream, appended together with one recorded time.
#[derive(Debug, Clone)]
pub struct WriteRequest {
    pub stream: String,
    pub events: Vec<NewEvent>,
    /// Backfill recorded time; `None`: the store's now.
    pub recorded_at: Option<DateTime<Utc>>,
}

/// A norm an accepted fact breaks, with where the fact came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GemeldSignaal {
    pub plaats: Location,
    pub code: &'static str,
    pub melding: String,
}

/// Checks facts and collects the write requests of the accepted ones.
#[derive(Debug)]
pub struct Planner<'s> {
    state: &'s mut DomainState,
    principal: String,
    correlation_id: Uuid,
    /// Folds accepted facts at the positions the store will give them.
    tentative: Tentative,
    /// Recorded time of the last event in the store or planned so far (backfill times
    /// must not go back: "recorded ≤ K" is a prefix of the log).
    laatste_registratie: Option<DateTime<Utc>>,
    nu: DateTime<Utc>,
    pub requests: Vec<WriteRequest>,
    pub afgewezen: Vec<Afgewezen>,
    pub signalen: Vec<GemeldSignaal>,
    pub geaccepteerd: u64,
}

impl<'s> Planner<'s> {
    /// `laatste_registratie`: the recorded time of the store's head event.
    pub fn new(
        state: &'s mut DomainState,
        principal: &str,
        laatste_registratie: Option<DateTime<Utc>>,
    ) -> Self {
        let tentative = Tentative::starting_at(state.last_position() + 1);
        Planner {
            state,
            principal: principal.to_owned(),
            correlation_id: Uuid::now_v7(),
            tentative,
            laatste_registratie,
            nu: Utc::now(),
            requests: Vec::new(),
            afgewezen: Vec::new(),
            signalen: Vec::new(),
            geaccepteerd: 0,
        }
    }

    /// The correlation id every event of this import carries.
    pub fn correlation_id(&self) -> Uuid {
        self.correlation_id
    }

    pub fn state(&self) -> &DomainState {
        self.state
    }

    /// Records a rejection found before the rules (a parse error).
    pub fn reject(&mut self, a: Afgewezen) {
        self.afgewezen.push(a);
    }

    /// Checks one proposed fact; accepted facts are applied and planned, rejected ones
    /// reported. Returns whether it was accepted.
    pub fn add(&mut self, v: Voorstel) -> bool {
        match self.judge(&v) {
            Ok(stream) => {
                self.accept(v, stream);
                true
            }
            Err(a) => {
                self.afgewezen.push(a);
                false
            }
        }
    }

    fn judge(&mut self, v: &Voorstel) -> Result<String, Afgewezen> {
        let afwijzing = |code: &str, reden: String| Afgewezen {
            plaats: v.plaats.clone(),
            code: code.to_owned(),
            reden,
        };
        if let Some(t) = v.geregistreerd_op {
            if t > self.nu {
                return Err(afwijzing(
                    "REGISTRATIETIJD_IN_TOEKOMST",
                    "geregistreerd_op ligt in de toekomst".to_owned(),
                ));
            }
            if let Some(l) = self.laatste_registratie
                && t < l
            {
                return Err(afwijzing(
                    "REGISTRATIETIJD_TERUG",
                    format!(
                        "geregistreerd_op {} ligt vóór de laatste registratietijd ({}); registratietijden moeten oplopen in het bestand en na wat al in het log staat",
                        t.to_rfc3339(),
                        l.to_rfc3339()
                    ),
                ));
            }
        }
        if let Some(id) = v.event_id
            && self.state.event_info(id).is_some()
        {
            return Err(afwijzing(
                "EVENT_ID_BESTAAT",
                format!("event_id {id} bestaat al"),
            ));
        }
        let stream = match (&v.stream, &v.feit) {
            (Some(s), _) => s.clone(),
            (None, Gebeurtenis::FeitGecorrigeerd(c)) => self.stream_of(c.vervangt, v)?,
            (None, Gebeurtenis::FeitIngetrokken(i)) => self.stream_of(i.event_id, v)?,
            (None, feit) => feit.natural_stream().ok_or_else(|| {
                afwijzing(
                    AfwijzingCode::VerkeerdeStroom.code(),
                    format!(
                        "{} gaat over een jeugdige maar er is geen jeugdige opgegeven",
                        feit.event_type()
                    ),
                )
            })?,
        };
        match self.state.check(&stream, &v.feit) {
            Ok(signalen) => {
                for s in signalen {
                    self.signalen.push(GemeldSignaal {
                        plaats: v.plaats.clone(),
                        code: s.code(),
                        melding: s.melding(),
                    });
                }
                Ok(stream)
            }
            Err(a) => Err(afwijzing(a.code.code(), a.melding)),
        }
    }

    fn stream_of(&self, id: Uuid, v: &Voorstel) -> Result<String, Afgewezen> {
        self.state
            .event_info(id)
            .map(|(s, _)| s.to_owned())
            .ok_or_else(|| Afgewezen {
                plaats: v.plaats.clone(),
                code: AfwijzingCode::OnbekendFeit.code().to_owned(),
                reden: format!(
                    "het feit {id} bestaat niet (niet in het log en niet eerder in deze invoer)"
                ),
            })
    }

    fn accept(&mut self, v: Voorstel, stream: String) {
        // What `Gebeurtenis::to_new_event` makes, without copying the source and the
        // principal twice (this runs once per record of a large file).
        let event = NewEvent {
            event_id: v.event_id.unwrap_or_else(Uuid::now_v7),
            event_type: v.feit.event_type().to_owned(),
            schema_version: v.feit.schema_version(),
            payload: v.feit.payload_json(),
            valid_date: v.feit.valid_date(),
            recorded_by: self.principal.clone(),
            source: v.source,
            correlation_id: Some(self.correlation_id),
            causation_id: None,
        };
        let recorded_at = v.geregistreerd_op;
        let effectief = recorded_at.unwrap_or(self.nu);
        self.laatste_registratie = Some(
            self.laatste_registratie
                .map_or(effectief, |l| l.max(effectief)),
        );
        // Apply to the state as the store would record it, so that later records are
        // checked against this one.
        let recorded = self.tentative.record(&stream, 0, event.event_id);
        self.state.apply(recorded, &v.feit);
        self.geaccepteerd += 1;
        // Consecutive events of one stream with one recorded time travel in one request.
        match self.requests.last_mut() {
            Some(last) if last.stream == stream && last.recorded_at == recorded_at => {
                last.events.push(event);
            }
            _ => self.requests.push(WriteRequest {
                stream,
                events: vec![event],
                recorded_at,
            }),
        }
    }

    /// Number of events planned.
    pub fn aantal_events(&self) -> usize {
        self.requests.iter().map(|o| o.events.len()).sum()
    }
}
