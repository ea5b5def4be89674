//! The import driver: read the log into a [`DomainState`], read a file (or a set of iJw
//! messages), check every record in order with the same rules as the API, and write the
//! accepted facts in one transaction.
//!
//! # Guarantees
//! - **All or nothing per file.** If any record of a file is rejected, nothing of that
//!   file is written and the report lists every rejected record. A set of iJw messages
//!   imported together counts as one file. (No per-batch checkpoints: one transaction per
//!   file keeps a rerun simple, and a 1-million-row file still fits comfortably.)
//! - **Atomic.** The file's events go to the store in one transaction: a process killed
//!   halfway leaves nothing of the file behind. A CSV or JSON Lines file with one
//!   recorded time (the normal case) is streamed: accepted events go to the store in
//!   batches while later records are still being read and checked
//!   ([`EventStore::append_many_streamed`]), and the transaction commits only after the
//!   last record has been accepted; a rejection rolls it back. (Files with several
//!   recorded times are written per recorded time after the whole file is checked, see
//!   [`batch_key`].)
//! - **Idempotent.** The idempotency key is `import:<formaat>:sha256:<hex of the file's
//!   bytes>` (for iJw: of the sorted hashes of all message files). The same file twice
//!   writes nothing the second time; the importer recognises the key from the log before
//!   it even checks the records, and the store refuses a repeat on its own as well.
//!   iJw messages imported before (their key is in the sources in the log) are skipped
//!   one by one, so overlapping sets of messages can be imported.
//! - **Optimistic concurrency.** Each stream is appended with the version it had when the
//!   log was read; if another writer got in between, the store refuses the whole file
//!   (conflict) and a rerun checks again.
//! - **Dry run** writes nothing but reports everything; the state keeps the facts of an
//!   accepted file, so a dry run of several files checks each against the ones before.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use kringloop_events::rules::{DomainState, Normen};
use kringloop_events::{Gebeurtenis, RecordedEvent};
use kringloop_store::{EventStore, StoreError};
use kringloop_writer::{Index, KeyUse, LoadError, WriteState};
use sha2::{Digest, Sha256};

use crate::csv::{self as csv_reader, Item};
use crate::ijw::mapping::{MappingError, RegioMapping};
use crate::ijw::translate::{self, InputMessage};
use crate::ijw::{self, BerichtSoort};
use crate::jsonl;
use crate::lijst::{Oordeel, Verzoeken};
use crate::plan::{Planner, WriteRequest};
use crate::progress::Progress;
use crate::pseudonym::{KeyError, Pseudonymizer, safe_file_name};
use crate::record::{Afgewezen, Location};
use crate::report::{Overgeslagen, Rapport, Uitkomst};

mod append;
pub use append::batch_key;
use append::{STREAMED_REQUESTS, StreamedWrite, Written, append_batches, written};

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
    Ijw,
}

impl Format {
    /// By extension: `.csv`, `.jsonl` / `.ndjson`, `.xml`.
    pub fn from_path(pad: &Path) -> Option<Format> {
        let ext = pad.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" => Format::Csv,
            "jsonl" | "ndjson" => Format::Jsonl,
            "xml" => Format::Ijw,
            _ => return None,
        })
    }

    pub fn naam(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
            Format::Ijw => "ijw",
        }
    }
}

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportConfig {
    /// Principal recorded as `recorded_by` on every event (e.g. `import:jbwest`).
    pub principal: String,
    /// Check and report everything, write nothing.
    pub dry_run: bool,
    /// Needed for iJw and for files with a `bsn` column; the import refuses without it.
    pub pseudonimiseerder: Option<Pseudonymizer>,
    /// The region mapping for iJw messages.
    pub mapping: Option<RegioMapping>,
    /// iJw: record each fact at its message's Dagtekening (00:00 UTC) instead of now, for
    /// loading history into an empty or older log.
    pub ijw_backfill: bool,
    /// Show progress (a bar on a terminal, a summary line otherwise).
    pub voortgang: bool,
    /// The need side's waiting-time norms the rules check requests against.
    pub normen: Normen,
}

impl ImportConfig {
    pub fn new(principal: impl Into<String>) -> Self {
        ImportConfig {
            principal: principal.into(),
            dry_run: false,
            pseudonimiseerder: None,
            mapping: None,
            ijw_backfill: false,
            voortgang: false,
            normen: Normen::default(),
        }
    }
}

/// Why an import could not run at all (as opposed to records being rejected, which the
/// [`Rapport`] lists).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Sleutel(#[from] KeyError),
    #[error("{pad}: kan het bestand niet lezen: {bron}")]
    Lezen {
        pad: String,
        #[source]
        bron: std::io::Error,
    },
    #[error("{0}: onbekend formaat; gebruik .csv, .jsonl/.ndjson of .xml (iJw)")]
    OnbekendFormaat(String),
    #[error("een iJw-import heeft een regiomapping nodig (per regio: productcode → voorziening)")]
    GeenMapping,
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error("het log kan niet gelezen of geschreven worden: {0}")]
    Store(#[from] StoreError),
    #[error(
        "gebeurtenis op positie {positie} in het log is onleesbaar voor deze versie ({reden}); werk kringloop bij"
    )]
    Log { positie: i64, reden: String },
}

fn progress(aan: bool, label: &str, totaal: Option<u64>, eenheid: &str) -> Progress {
    if aan {
        Progress::new(label, totaal, eenheid)
    } else {
        Progress::hidden()
    }
}

/// What the importer folds from the log beside the domain state.
#[derive(Debug, Default)]
struct ImportIndex {
    /// Keys of the iJw messages imported before (from the sources in the log).
    ijw_messages: HashSet<String>,
    /// Recorded time of the store's head event plus what this importer wrote.
    last_recorded: Option<DateTime<Utc>>,
    /// The need-side facts, so that a coordinator's list exported again skips what the
    /// log holds and iJw JW315 messages join a youth's open request.
    verzoeken: Verzoeken,
}

impl Index for ImportIndex {
    fn apply(&mut self, e: &RecordedEvent, g: &Gebeurtenis) {
        self.verzoeken.apply_logged(&e.stream, e.event_id, g);
        if let Some(rest) = e.source.strip_prefix("import:ijw ") {
            for key in rest.split(" + ") {
                self.ijw_messages.insert(key.to_owned());
            }
        }
        self.last_recorded = Some(e.recorded_at);
    }
}

/// Reads files into the log through the domain rules. Keeps the folded state between
/// files, so importing several files costs one read of the log.
pub struct Importer {
    store: Arc<dyn EventStore>,
    config: ImportConfig,
    /// The log as read, plus what this importer wrote (or accepted on a dry run).
    write: WriteState<ImportIndex>,
}

impl std::fmt::Debug for Importer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Importer")
            .field("backend", &self.store.backend())
            .field("events", &self.write.state.event_count())
            .finish_non_exhaustive()
    }
}

impl Importer {
    /// Reads the whole log into the domain state (read_all in pages).
    pub async fn open(
        store: Arc<dyn EventStore>,
        config: ImportConfig,
    ) -> Result<Self, ImportError> {
        let head = store.head_position().await?;
        let v = progress(
            config.voortgang && head > 0,
            "log inlezen",
            Some(head.max(0) as u64),
            "gebeurtenissen",
        );
        let write = WriteState::load_met_normen(&*store, config.normen, |n| v.inc(n as u64))
            .await
            .map_err(|e| match e {
                LoadError::Store(e) => ImportError::Store(e),
                LoadError::Unreadable { position, reason } => ImportError::Log {
                    positie: position,
                    reden: reason,
                },
            })?;
        if head > 0 {
            v.finish();
        }
        Ok(Importer {
            store,
            config,
            write,
        })
    }

    /// The folded state (after the files imported so far).
    pub fn state(&self) -> &DomainState {
        &self.write.state
    }

    pub fn config(&self) -> &ImportConfig {
        &self.config
    }

    /// Imports paths: each `.csv` / `.jsonl` file on its own; all `.xml` files (and the
    /// `.xml` files in given directories) together as one set of iJw messages.
    pub async fn import_paths(&mut self, paden: &[PathBuf]) -> Result<Vec<Rapport>, ImportError> {
        let mut ijw_paden = Vec::new();
        let mut rapporten = Vec::new();
        for pad in paden {
            if pad.is_dir() {
                let mut xml = xml_in_dir(pad)?;
                ijw_paden.append(&mut xml);
                continue;
            }
            match Format::from_path(pad) {
                Some(Format::Ijw) => ijw_paden.push(pad.clone()),
                Some(f) => rapporten.push(self.import_file(pad, f).await?),
                None => return Err(ImportError::OnbekendFormaat(path_text(pad))),
            }
        }
        if !ijw_paden.is_empty() {
            rapporten.push(self.import_ijw(&ijw_paden).await?);
        }
        Ok(rapporten)
    }

    /// Imports one CSV or JSON Lines file from disk.
    pub async fn import_file(
        &mut self,
        pad: &Path,
        formaat: Format,
    ) -> Result<Rapport, ImportError> {
        let bytes = read_file(pad)?;
        let naam = pad.display().to_string();
        match formaat {
            Format::Ijw => self.import_ijw_bytes(&[(naam, bytes)]).await,
            f => self.import_table(f, &naam, &bytes).await,
        }
    }

    /// Imports a CSV or JSON Lines file given as bytes; `naam` appears in the sources and
    /// the report (with numbers that could be a BSN masked, [`safe_file_name`]).
    pub async fn import_table(
        &mut self,
        formaat: Format,
        naam: &str,
        bytes: &[u8],
    ) -> Result<Rapport, ImportError> {
        let start = Instant::now();
        let naam = &safe_file_name(naam);
        let sleutel = format!(
            "import:{}:sha256:{}",
            formaat.naam(),
            hex::encode(Sha256::digest(bytes))
        );
        if let Some(r) = self.already_imported(naam, formaat, &sleutel, start) {
            return Ok(r);
        }
        let bsn = match formaat {
            Format::Csv => csv_reader::has_bsn_column(bytes),
            _ => jsonl::has_bsn_field(bytes),
        };
        if bsn && self.config.pseudonimiseerder.is_none() {
            // Refuse before reading a single record: no BSN may pass unpseudonymised.
            return Err(ImportError::Sleutel(KeyError::Missing));
        }
        let pseudo = self.config.pseudonimiseerder.as_ref();
        // A CSV file without `geregistreerd_op` has one recorded time (now): it is read
        // row by row while its first events are checked and written. Otherwise the whole
        // file is read first, to see whether it needs batches per recorded time.
        let (items, records_geschat, meerdere, tijd): (
            Box<dyn Iterator<Item = Item> + '_>,
            _,
            _,
            _,
        ) = if formaat == Format::Csv && !csv_reader::has_column(bytes, "geregistreerd_op") {
            // For the progress bar only: lines after the header.
            let regels = bytes
                .split(|b| *b == b'\n')
                .filter(|r| !r.is_empty())
                .count();
            let reader = csv_reader::reader(naam, bytes, pseudo);
            (
                Box::new(reader),
                regels.saturating_sub(1) as u64,
                false,
                None,
            )
        } else {
            let items = match formaat {
                Format::Csv => csv_reader::read(naam, bytes, pseudo),
                _ => jsonl::read(naam, bytes, pseudo),
            };
            let tijden = || {
                items.iter().filter_map(|i| match i {
                    Item::Voorstel(v) => Some(v.geregistreerd_op),
                    Item::Afgewezen(_) => None,
                })
            };
            let meerdere = several_recorded_times(tijden());
            let tijd = tijden().next().flatten();
            let n = items.len() as u64;
            (Box::new(items.into_iter()), n, meerdere, tijd)
        };
        let v = progress(
            self.config.voortgang,
            &format!("import {naam}"),
            Some(records_geschat),
            "records",
        );
        // One recorded time for the whole file (the normal case): its events go to the
        // store while the rest of the file is still being checked, in ONE transaction
        // that commits only when every record has been accepted (see `StreamedWrite`).
        let mut stroom = (!self.config.dry_run && !meerdere)
            .then(|| StreamedWrite::start(self.store.clone(), &sleutel, tijd));
        let mut state = self.write.state.clone();
        let mut planner = self.planner(&mut state);
        let mut al_geschreven = 0u64;
        let mut records = 0u64;
        let mut verzoeken = self.write.index.verzoeken.clone();
        let mut bekend_uit_lijst = 0u64;
        let mut vorige_regel = None;
        for item in items {
            // A list row yields several items with one place: count it once.
            let plaats = match &item {
                Item::Voorstel(v) if v.uit_lijst => Some(v.plaats.clone()),
                _ => None,
            };
            if plaats.is_none() || plaats != vorige_regel {
                records += 1;
            }
            vorige_regel = plaats;
            match item {
                Item::Voorstel(vs) => {
                    let stream = vs.stream.clone();
                    if meerdere
                        && self
                            .write
                            .key(&batch_key(&sleutel, true, vs.geregistreerd_op))
                            .is_some()
                    {
                        // Its batch was written by an earlier run that stopped halfway.
                        al_geschreven += 1;
                    } else if vs.uit_lijst
                        && let Some(stream) = stream
                    {
                        // A row of a coordinator's list: what the log (or an earlier row)
                        // already holds is skipped, a contradiction refused.
                        match verzoeken.oordeel(&stream, &vs.feit) {
                            Oordeel::Nieuw => {
                                let feit = vs.feit.clone();
                                if planner.add(*vs) {
                                    verzoeken.apply(&stream, &feit);
                                }
                            }
                            Oordeel::Bekend => bekend_uit_lijst += 1,
                            Oordeel::Strijdig(reden) => planner.reject(Afgewezen {
                                plaats: vs.plaats,
                                code: LIJST_STRIJDIG.to_owned(),
                                reden,
                            }),
                        }
                    } else {
                        // Only need-side facts are remembered (no copy of every record).
                        let feit = Verzoeken::relevant(&vs.feit).then(|| vs.feit.clone());
                        if planner.add(*vs)
                            && let (Some(stream), Some(feit)) = (stream, feit)
                        {
                            verzoeken.apply(&stream, &feit);
                        }
                    }
                }
                Item::Afgewezen(a) => planner.reject(a),
            }
            if let Some(s) = &mut stroom
                && planner.afgewezen.is_empty()
                && planner.requests.len() >= STREAMED_REQUESTS
            {
                // All requests but the last one (the next record may still extend it).
                let laatste = planner.requests.pop();
                let klaar = std::mem::replace(&mut planner.requests, laatste.into_iter().collect());
                s.send(klaar, &self.write);
            }
            v.inc(1);
        }
        let onderweg = stroom.as_ref().map_or(0, |s| s.events);
        let mut notities = already_written_note(naam, al_geschreven);
        notities.extend(known_list_facts_note(naam, bekend_uit_lijst));
        let (rapport, opdrachten) = Rapport::van_plan(
            naam.to_owned(),
            formaat.naam(),
            records,
            notities,
            onderweg,
            sleutel,
            planner,
        );
        let r = match stroom {
            Some(s) if rapport.afgewezen.is_empty() && (onderweg > 0 || !opdrachten.is_empty()) => {
                v.message("schrijven…");
                self.finish_streamed(rapport, s, opdrachten, state, start)
                    .await
            }
            stroom => {
                if let Some(s) = stroom {
                    // Rejected (or nothing to write): the store rolls back what it got.
                    s.abort().await;
                }
                // (After a rejection the requests already sent do not matter any more.)
                self.finish(rapport, opdrachten, state, start, &v, meerdere)
                    .await
            }
        };
        if let Ok(r) = &r
            && matches!(r.uitkomst, Uitkomst::Geschreven | Uitkomst::ProefDraai)
        {
            self.write.index.verzoeken = verzoeken;
        }
        v.finish();
        r
    }

    /// [`Importer::finish`] for a file whose events went to the store while it was being
    /// checked (no rejections): the rest, then the commit.
    async fn finish_streamed(
        &mut self,
        mut rapport: Rapport,
        mut stroom: StreamedWrite,
        rest: Vec<WriteRequest>,
        state: DomainState,
        start: Instant,
    ) -> Result<Rapport, ImportError> {
        stroom.send(rest, &self.write);
        let events = stroom.events;
        let (resultaten, written) = stroom.commit().await?;
        // A repeat (a rerun racing an earlier one): the store wrote nothing now.
        let dubbel = resultaten.iter().any(|r| r.duplicate);
        rapport.geschreven = if dubbel { 0 } else { events };
        rapport.uitkomst = if dubbel {
            Uitkomst::AlGeimporteerd
        } else {
            Uitkomst::Geschreven
        };
        self.write
            .remember_key(rapport.idempotentiesleutel.clone(), KeyUse::Several);
        if !dubbel {
            self.adopt(state, &written);
        }
        rapport.duur_ms = start.elapsed().as_millis() as u64;
        Ok(rapport)
    }

    /// Imports iJw messages from disk as one set (see the module docs).
    pub async fn import_ijw(&mut self, paden: &[PathBuf]) -> Result<Rapport, ImportError> {
        let mut berichten = Vec::with_capacity(paden.len());
        for p in paden {
            berichten.push((p.display().to_string(), read_file(p)?));
        }
        self.import_ijw_bytes(&berichten).await
    }

    /// Imports iJw messages given as (name, bytes), as one set.
    pub async fn import_ijw_bytes(
        &mut self,
        bestanden: &[(String, Vec<u8>)],
    ) -> Result<Rapport, ImportError> {
        let start = Instant::now();
        let pseudo = self
            .config
            .pseudonimiseerder
            .clone()
            .ok_or(ImportError::Sleutel(KeyError::Missing))?;
        let mapping = self
            .config
            .mapping
            .clone()
            .ok_or(ImportError::GeenMapping)?;
        let mut hashes: Vec<[u8; 32]> = bestanden
            .iter()
            .map(|(_, b)| Sha256::digest(b).into())
            .collect();
        hashes.sort_unstable();
        let mut h = Sha256::new();
        for x in &hashes {
            h.update(x);
        }
        let sleutel = format!("import:ijw:sha256:{}", hex::encode(h.finalize()));
        let invoer = if bestanden.len() == 1 {
            safe_file_name(&bestanden[0].0)
        } else {
            format!("{} iJw-berichten", bestanden.len())
        };
        if let Some(r) = self.already_imported(&invoer, Format::Ijw, &sleutel, start) {
            return Ok(r);
        }
        let v = progress(
            self.config.voortgang,
            "import iJw",
            Some(bestanden.len() as u64),
            "berichten",
        );
        let mut gelezen = Vec::with_capacity(bestanden.len());
        let mut leesfouten = Vec::new();
        for (naam, bytes) in bestanden {
            let naam = safe_file_name(naam);
            match ijw::parse(bytes, &pseudo) {
                Ok(b) => gelezen.push(InputMessage {
                    bestand: naam,
                    bericht: b,
                }),
                Err(e) => leesfouten.push(Afgewezen::unreadable(
                    Location::element(&naam, e.element),
                    e.reden,
                )),
            }
            v.inc(1);
        }
        v.message("controleren…");
        let mut vertaling = translate::translate(
            &gelezen,
            &mapping,
            &self.write.state,
            &self.write.index.ijw_messages,
            &self.write.index.verzoeken,
            self.config.ijw_backfill,
        );
        let verzoeken = std::mem::take(&mut vertaling.verzoeken);
        let meerdere =
            several_recorded_times(vertaling.voorstellen.iter().map(|v| v.geregistreerd_op));
        let mut state = self.write.state.clone();
        let mut planner = self.planner(&mut state);
        for a in leesfouten {
            planner.reject(a);
        }
        for a in vertaling.afgewezen {
            planner.reject(a);
        }
        for vs in vertaling.voorstellen {
            planner.add(vs);
        }
        let (rapport, opdrachten) = Rapport::van_plan(
            invoer,
            Format::Ijw.naam(),
            vertaling.records + (bestanden.len() - gelezen.len()) as u64,
            vertaling.overgeslagen,
            0,
            sleutel,
            planner,
        );
        let nieuwe_berichten: Vec<String> =
            gelezen.iter().map(|b| b.bericht.source_key()).collect();
        let r = self
            .finish(rapport, opdrachten, state, start, &v, meerdere)
            .await?;
        if matches!(r.uitkomst, Uitkomst::Geschreven | Uitkomst::ProefDraai) {
            self.write.index.ijw_messages.extend(nieuwe_berichten);
            self.write.index.verzoeken = verzoeken;
        }
        v.finish();
        Ok(r)
    }

    /// A planner for the next file, against `state` (a copy of the state so far).
    fn planner<'s>(&self, state: &'s mut DomainState) -> Planner<'s> {
        Planner::new(
            state,
            &self.config.principal,
            self.write.index.last_recorded,
        )
    }

    fn already_imported(
        &self,
        invoer: &str,
        formaat: Format,
        sleutel: &str,
        start: Instant,
    ) -> Option<Rapport> {
        self.write.key(sleutel).is_some().then(|| Rapport {
            invoer: invoer.to_owned(),
            formaat: formaat.naam(),
            records: 0,
            geaccepteerd: 0,
            afgewezen: Vec::new(),
            overgeslagen: Vec::new(),
            signalen: Vec::new(),
            gebeurtenissen: 0,
            geschreven: 0,
            uitkomst: Uitkomst::AlGeimporteerd,
            idempotentiesleutel: sleutel.to_owned(),
            duur_ms: start.elapsed().as_millis() as u64,
        })
    }

    /// Decides and (unless rejected or a dry run) writes; keeps the new state when the
    /// file was accepted.
    async fn finish(
        &mut self,
        mut rapport: Rapport,
        opdrachten: Vec<WriteRequest>,
        state: DomainState,
        start: Instant,
        v: &Progress,
        meerdere: bool,
    ) -> Result<Rapport, ImportError> {
        if !rapport.afgewezen.is_empty() {
            rapport.uitkomst = Uitkomst::Afgewezen;
        } else if opdrachten.is_empty() {
            rapport.uitkomst = if rapport.overgeslagen.is_empty() || rapport.geaccepteerd > 0 {
                Uitkomst::Leeg
            } else {
                Uitkomst::AlGeimporteerd
            };
        } else if self.config.dry_run {
            rapport.uitkomst = Uitkomst::ProefDraai;
            self.adopt(state, &written(&opdrachten));
        } else {
            v.message("schrijven…");
            let kern = written(&opdrachten);
            // The events move into the store request: no copy of a large file's events.
            let (geschreven, dubbel) = append_batches(
                &*self.store,
                &self.write,
                opdrachten,
                &rapport.idempotentiesleutel,
                meerdere,
            )
            .await?;
            rapport.geschreven = geschreven;
            rapport.uitkomst = if dubbel {
                Uitkomst::AlGeimporteerd
            } else {
                Uitkomst::Geschreven
            };
            for (_, _, tijd) in &kern {
                self.write.remember_key(
                    batch_key(&rapport.idempotentiesleutel, meerdere, *tijd),
                    KeyUse::Several,
                );
            }
            if !dubbel {
                self.adopt(state, &kern);
            }
        }
        rapport.duur_ms = start.elapsed().as_millis() as u64;
        Ok(rapport)
    }

    /// Keeps the state of an accepted file (written, or a dry run).
    fn adopt(&mut self, state: DomainState, written: &[Written]) {
        self.write.state = state;
        for (stream, n, tijd) in written {
            self.write.advance_version(stream, *n);
            if let Some(t) = *tijd {
                let last = &mut self.write.index.last_recorded;
                *last = Some(last.map_or(t, |l| l.max(t)));
            }
        }
        if written.iter().any(|(_, _, t)| t.is_none()) {
            self.write.index.last_recorded = Some(Utc::now());
        }
    }
}

/// Whether records carry more than one recorded time (then the file is written in
/// batches, one per recorded time).
fn several_recorded_times(tijden: impl Iterator<Item = Option<DateTime<Utc>>>) -> bool {
    let mut eerste = None;
    for t in tijden {
        match eerste {
            None => eerste = Some(t),
            Some(e) if e != t => return true,
            Some(_) => {}
        }
    }
    false
}

/// Code of a list row that contradicts a known request (another urgency for the same
/// `verzoek`, another date for the same registration).
pub const LIJST_STRIJDIG: &str = "LIJST_STRIJDIG";

fn known_list_facts_note(invoer: &str, n: u64) -> Vec<Overgeslagen> {
    if n == 0 {
        return Vec::new();
    }
    vec![Overgeslagen {
        plaats: Location {
            bestand: invoer.to_owned(),
            regel: None,
            element: None,
        },
        reden: format!(
            "{n} feiten van de plaatsingslijst stonden al in het log of eerder in het bestand (hetzelfde verzoek, dezelfde aanmelding): niet opnieuw geschreven"
        ),
    }]
}

fn already_written_note(invoer: &str, n: u64) -> Vec<Overgeslagen> {
    if n == 0 {
        return Vec::new();
    }
    vec![Overgeslagen {
        plaats: Location {
            bestand: invoer.to_owned(),
            regel: None,
            element: None,
        },
        reden: format!(
            "{n} records stonden al in het log: hun batch is geschreven door een eerdere import die halverwege stopte"
        ),
    }]
}

/// One call for the binary: read the log, import `paden` (see
/// [`Importer::import_paths`]) and return a report per file or iJw set.
pub async fn run_import(
    store: Arc<dyn EventStore>,
    config: ImportConfig,
    paden: &[PathBuf],
) -> Result<Vec<Rapport>, ImportError> {
    let mut importer = Importer::open(store, config).await?;
    importer.import_paths(paden).await
}

fn read_file(pad: &Path) -> Result<Vec<u8>, ImportError> {
    std::fs::read(pad).map_err(|bron| ImportError::Lezen {
        pad: path_text(pad),
        bron,
    })
}

/// A path as it appears in sources, reports and messages ([`safe_file_name`]).
fn path_text(pad: &Path) -> String {
    safe_file_name(&pad.display().to_string())
}

fn xml_in_dir(map: &Path) -> Result<Vec<PathBuf>, ImportError> {
    let fout = |bron| ImportError::Lezen {
        pad: path_text(map),
        bron,
    };
    let mut out = Vec::new();
    for e in std::fs::read_dir(map).map_err(fout)? {
        let p = e.map_err(fout)?.path();
        if Format::from_path(&p) == Some(Format::Ijw) {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// Which message types are read (for the CLI help).
pub const IJW_BERICHTEN: [BerichtSoort; 4] = [
    BerichtSoort::Jw301,
    BerichtSoort::Jw305,
    BerichtSoort::Jw307,
    BerichtSoort::Jw315,
];
