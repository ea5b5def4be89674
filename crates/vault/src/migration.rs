//! Migration of a log written before the vault into a new, sealed log, and its check.
//!
//! [`versleutel`] copies every event of the old log, in order, into a new empty store
//! through a [`SealedStore`]: same id, type, schema version, payload (personal fields now
//! sealed, youth streams under stored names), valid date, recorded time (backfilled),
//! author, source, correlation and causation ids and idempotency keys. Consecutive events
//! with the same recorded time and idempotency key were one append; they become one set
//! again (parts per stream in order, no expected version), so every position and stream
//! version comes out the same. The new log ends with one [`LogOvergezet`] in the stream
//! [`KETEN_STREAM`] naming the old head position and hash: the new chain carries a
//! verifiable link to the old one.
//!
//! [`controleer`] checks both chains, the link, and event by event that the new log holds
//! the same facts (the payloads opened through the vault, compared as JSON values).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use kringloop_events::personal::{SEALED_FIELD, is_physical_youth_stream, split};
use kringloop_events::{
    Gebeurtenis, KETEN_STREAM, LogOvergezet, NewEvent, RecordedEvent, pseudoniem_van_stream,
};
use kringloop_store::{AppendOptions, EventStore, StoreError, StreamAppend};
use serde_json::Value;
use uuid::Uuid;

use crate::SealedStore;

/// Events read per page.
const PAGE: usize = 10_000;
/// Sets handed to the store at once (one transaction).
const SETS_PER_CALL: usize = 2_000;
/// Events of one set without idempotency key, at most.
const MAX_SET: usize = 5_000;
/// Differences [`controleer`] lists before it only counts.
const MAX_SHOWN: usize = 20;

/// Why a migration or its check could not run.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error("het oude log is al versleuteld (het heeft een kluis); er is niets over te zetten")]
    OldIsSealed,
    #[error(
        "het nieuwe log is niet leeg ({0} gebeurtenissen); zet alleen over naar een nieuwe, lege database"
    )]
    TargetNotEmpty(i64),
    #[error("de hashketen van het oude log is gebroken op positie {position}: {reason}")]
    OldChainBroken { position: i64, reason: String },
    #[error("overzetten mislukt bij positie {position}: {source}")]
    Append {
        position: i64,
        #[source]
        source: StoreError,
    },
    #[error(
        "posities lopen uiteen: gebeurtenis {old} van het oude log kwam op positie {new} terecht"
    )]
    PositionMismatch { old: i64, new: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What [`versleutel`] did.
#[derive(Debug, Clone)]
pub struct OverzetRapport {
    pub gebeurtenissen: i64,
    /// Append sets written (the old log's appends).
    pub sets: usize,
    pub vorige_kop_positie: i64,
    pub vorige_kop_hash: String,
    /// Position of the [`LogOvergezet`] fact.
    pub link_positie: i64,
}

/// Copies the log `old` (written without vault) into `new` (a sealed, empty store).
pub async fn versleutel(
    old: &dyn EventStore,
    new: &SealedStore,
) -> Result<OverzetRapport, MigrationError> {
    if old.vault_check().await?.is_some() {
        return Err(MigrationError::OldIsSealed);
    }
    let head = new.head_position().await?;
    if head > 0 {
        return Err(MigrationError::TargetNotEmpty(head));
    }
    let report = old.verify().await?;
    if let Some(f) = report.failure {
        return Err(MigrationError::OldChainBroken {
            position: f.position,
            reason: f.reason,
        });
    }
    let mut sets: Vec<(Vec<StreamAppend>, AppendOptions)> = Vec::new();
    let mut current: Option<Set> = None;
    let mut copied = 0i64;
    let mut written_sets = 0usize;
    let mut last_recorded: Option<DateTime<Utc>> = None;
    let mut after = 0;
    loop {
        let page = old.read_all(after, PAGE).await?;
        let full = page.len() >= PAGE;
        for e in page {
            after = e.position;
            copied += 1;
            last_recorded = Some(e.recorded_at);
            let continues = current.as_ref().is_some_and(|s| {
                s.recorded_at == e.recorded_at
                    && s.key == e.idempotency_key
                    && (s.key.is_some() || s.len < MAX_SET)
            });
            if !continues && let Some(done) = current.take() {
                sets.push(done.finish());
            }
            current.get_or_insert_with(|| Set::new(&e)).push(e);
            if sets.len() >= SETS_PER_CALL {
                written_sets += write(new, std::mem::take(&mut sets)).await?;
            }
        }
        if !full {
            break;
        }
    }
    if let Some(done) = current.take() {
        sets.push(done.finish());
    }
    written_sets += write(new, sets).await?;
    let landed = new.head_position().await?;
    if landed != copied || copied != report.head_position {
        return Err(MigrationError::PositionMismatch {
            old: report.head_position,
            new: landed,
        });
    }
    let fact = Gebeurtenis::from(LogOvergezet {
        vorige_kop_positie: report.head_position,
        vorige_kop_hash: report.head_hash.clone(),
        gebeurtenissen: copied,
    });
    let now = Utc::now();
    let link = new
        .append(
            KETEN_STREAM,
            vec![NewEvent {
                event_id: Uuid::now_v7(),
                event_type: fact.event_type().to_owned(),
                schema_version: fact.schema_version(),
                payload: fact.payload_json(),
                valid_date: None,
                recorded_by: "kringloop versleutel".into(),
                source: "cli:versleutel".into(),
                correlation_id: None,
                causation_id: None,
            }],
            AppendOptions {
                recorded_at: Some(last_recorded.map_or(now, |l| l.max(now))),
                ..AppendOptions::default()
            },
        )
        .await?;
    Ok(OverzetRapport {
        gebeurtenissen: copied,
        sets: written_sets,
        vorige_kop_positie: report.head_position,
        vorige_kop_hash: report.head_hash,
        link_positie: link.last_position,
    })
}

/// One append of the old log, being rebuilt.
struct Set {
    recorded_at: DateTime<Utc>,
    key: Option<String>,
    len: usize,
    parts: Vec<StreamAppend>,
}

impl Set {
    fn new(e: &RecordedEvent) -> Set {
        Set {
            recorded_at: e.recorded_at,
            key: e.idempotency_key.clone(),
            len: 0,
            parts: Vec::new(),
        }
    }

    fn push(&mut self, e: RecordedEvent) {
        self.len += 1;
        let event = NewEvent {
            event_id: e.event_id,
            event_type: e.event_type,
            schema_version: e.schema_version,
            payload: e.payload,
            valid_date: e.valid_date,
            recorded_by: e.recorded_by,
            source: e.source,
            correlation_id: e.correlation_id,
            causation_id: e.causation_id,
        };
        match self.parts.last_mut() {
            Some(p) if p.stream == e.stream => p.events.push(event),
            _ => self.parts.push(StreamAppend {
                stream: e.stream,
                events: vec![event],
                expected: None,
                new_key: None,
            }),
        }
    }

    fn finish(self) -> (Vec<StreamAppend>, AppendOptions) {
        let options = AppendOptions {
            expected: None,
            idempotency_key: self.key,
            recorded_at: Some(self.recorded_at),
        };
        (self.parts, options)
    }
}

async fn write(
    new: &SealedStore,
    sets: Vec<(Vec<StreamAppend>, AppendOptions)>,
) -> Result<usize, MigrationError> {
    if sets.is_empty() {
        return Ok(0);
    }
    let n = sets.len();
    let before = new.head_position().await?;
    for r in new.append_many_each(sets).await {
        r.map_err(|source| MigrationError::Append {
            position: before + 1,
            source,
        })?;
    }
    Ok(n)
}

/// What [`controleer`] found.
#[derive(Debug, Clone, Default)]
pub struct ControleRapport {
    /// Events of the old log compared.
    pub vergeleken: i64,
    /// Events in the new log after the link (written since the migration).
    pub daarna: i64,
    /// The first differences (Dutch, without pseudonyms), at most a few.
    pub verschillen: Vec<String>,
    /// All differences.
    pub aantal_verschillen: u64,
}

impl ControleRapport {
    pub fn is_ok(&self) -> bool {
        self.aantal_verschillen == 0
    }

    fn verschil(&mut self, s: String) {
        self.aantal_verschillen += 1;
        if self.verschillen.len() < MAX_SHOWN {
            self.verschillen.push(s);
        }
    }
}

/// Checks that `new` is a faithful migration of `old`.
pub async fn controleer(
    old: &dyn EventStore,
    new: &SealedStore,
) -> Result<ControleRapport, MigrationError> {
    let mut r = ControleRapport::default();
    let old_report = old.verify().await?;
    if let Some(f) = &old_report.failure {
        r.verschil(format!(
            "de hashketen van het oude log is gebroken op positie {}: {}",
            f.position, f.reason
        ));
    }
    let new_report = new.verify().await?;
    if let Some(f) = &new_report.failure {
        r.verschil(format!(
            "de hashketen van het nieuwe log is gebroken op positie {}: {}",
            f.position, f.reason
        ));
    }
    // Youth streams: old name → new name and back, one to one.
    let mut forward: HashMap<String, String> = HashMap::new();
    let mut backward: HashMap<String, String> = HashMap::new();
    let mut after = 0;
    let mut link: Option<RecordedEvent> = None;
    loop {
        let olds = old.read_all(after, PAGE).await?;
        let news = new.read_all(after, olds.len().max(1)).await?;
        let mut news = news.into_iter();
        for o in &olds {
            after = o.position;
            r.vergeleken += 1;
            let Some(n) = news.next() else {
                r.verschil(format!(
                    "positie {}: ontbreekt in het nieuwe log",
                    o.position
                ));
                continue;
            };
            compare(o, &n, &mut forward, &mut backward, &mut r);
        }
        if olds.len() < PAGE {
            break;
        }
    }
    let rest = new.read_all(after, PAGE).await?;
    let mut rest = rest.into_iter();
    match rest.next() {
        Some(e) => link = Some(e),
        None => r.verschil("het nieuwe log eindigt zonder de koppeling (LogOvergezet)".into()),
    }
    r.daarna = new.head_position().await? - after - 1;
    r.daarna = r.daarna.max(0);
    // Against a broken old chain the head means nothing (the break is reported above).
    if let Some(l) = link
        && old_report.is_ok()
    {
        check_link(&l, &old_report, r.vergeleken, &mut r);
    }
    Ok(r)
}

fn check_link(
    l: &RecordedEvent,
    old: &kringloop_store::VerifyReport,
    count: i64,
    r: &mut ControleRapport,
) {
    if l.stream != KETEN_STREAM {
        r.verschil(format!(
            "positie {}: verwacht de koppeling (LogOvergezet) in stroom `{KETEN_STREAM}`",
            l.position
        ));
        return;
    }
    match Gebeurtenis::from_recorded(l) {
        Ok(Gebeurtenis::LogOvergezet(link)) => {
            if link.vorige_kop_positie != old.head_position
                || !link.vorige_kop_hash.eq_ignore_ascii_case(&old.head_hash)
            {
                r.verschil(format!(
                    "de koppeling noemt kop positie {} hash {}, het oude log eindigt op positie {} hash {}",
                    link.vorige_kop_positie,
                    link.vorige_kop_hash,
                    old.head_position,
                    old.head_hash
                ));
            }
            if link.gebeurtenissen != count {
                r.verschil(format!(
                    "de koppeling noemt {} gebeurtenissen, het oude log heeft er {count}",
                    link.gebeurtenissen
                ));
            }
        }
        _ => r.verschil(format!(
            "positie {}: verwacht de koppeling (LogOvergezet), gevonden {}",
            l.position, l.event_type
        )),
    }
}

fn compare(
    o: &RecordedEvent,
    n: &RecordedEvent,
    forward: &mut HashMap<String, String>,
    backward: &mut HashMap<String, String>,
    r: &mut ControleRapport,
) {
    let p = o.position;
    let mut field = |what: &str, same: bool| {
        if !same {
            r.verschil(format!("positie {p}: {what} verschilt"));
        }
    };
    field("positie", o.position == n.position);
    field("gebeurtenis-id", o.event_id == n.event_id);
    field("gebeurtenistype", o.event_type == n.event_type);
    field("schemaversie", o.schema_version == n.schema_version);
    field("geldigheidsdatum", o.valid_date == n.valid_date);
    field("registratietijd", o.recorded_at == n.recorded_at);
    field("vastgelegd door", o.recorded_by == n.recorded_by);
    field("bron", o.source == n.source);
    field("correlatie-id", o.correlation_id == n.correlation_id);
    field("oorzaak-id", o.causation_id == n.causation_id);
    field(
        "idempotentiesleutel",
        o.idempotency_key == n.idempotency_key,
    );
    field("stroomversie", o.stream_version == n.stream_version);
    let youth = pseudoniem_van_stream(&o.stream).is_some();
    if youth {
        let f = forward
            .entry(o.stream.clone())
            .or_insert_with(|| n.stream.clone());
        let b = backward
            .entry(n.stream.clone())
            .or_insert_with(|| o.stream.clone());
        field(
            "stroom van de jeugdige (niet één op één)",
            *f == n.stream && *b == o.stream,
        );
    } else {
        field("stroom", o.stream == n.stream);
    }
    let old_value: Option<Value> = serde_json::from_str(&o.payload).ok();
    let new_value: Option<Value> = serde_json::from_str(&n.payload).ok();
    let same = match (old_value, new_value) {
        (Some(ov), Some(nv)) if youth && is_physical_youth_stream(&n.stream) => {
            // Erased since: only the residue can be compared.
            split(&o.event_type, &o.payload)
                .ok()
                .is_some_and(|s| without_seal(s.residue) == without_seal(nv.clone()))
                || ov == nv
        }
        (Some(ov), Some(nv)) => ov == nv,
        _ => o.payload == n.payload,
    };
    field("inhoud", same);
}

fn without_seal(mut v: Value) -> Value {
    if let Value::Object(o) = &mut v {
        o.remove(SEALED_FIELD);
    }
    v
}
