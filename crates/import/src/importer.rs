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
//!   [`batch_sleutel`].)
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

// Stream versions are looked up per record; foldhash instead of SipHash (the keys come from
// the operator's own file, so hash flooding is no concern).
use foldhash::{HashMap, HashMapExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use kringloop_events::rules::DomainState;
use kringloop_events::{ExpectedVersion, Gebeurtenis};
use kringloop_store::{
    AppendOptions, AppendResult, EventStore, StoreError, StreamAppend, StreamedAppend,
};
use sha2::{Digest, Sha256};

use crate::csv::{self as csv_lezer, Item};
use crate::ijw::mapping::{MappingError, RegioMapping};
use crate::ijw::translate::{self, InputMessage};
use crate::ijw::{self, BerichtSoort};
use crate::jsonl;
use crate::plan::{Planner, Schrijfopdracht};
use crate::progress::Voortgang;
use crate::pseudonym::{KeyError, Pseudonymizer, safe_file_name};
use crate::record::{Afgewezen, Location};
use crate::report::{Overgeslagen, Rapport, Uitkomst};

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Formaat {
    Csv,
    Jsonl,
    Ijw,
}

impl Formaat {
    /// By extension: `.csv`, `.jsonl` / `.ndjson`, `.xml`.
    pub fn van_pad(pad: &Path) -> Option<Formaat> {
        let ext = pad.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" => Formaat::Csv,
            "jsonl" | "ndjson" => Formaat::Jsonl,
            "xml" => Formaat::Ijw,
            _ => return None,
        })
    }

    pub fn naam(self) -> &'static str {
        match self {
            Formaat::Csv => "csv",
            Formaat::Jsonl => "jsonl",
            Formaat::Ijw => "ijw",
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
        }
    }
}

/// Why an import could not run at all (as opposed to records being rejected, which the
/// [`Rapport`] lists).
#[derive(Debug, thiserror::Error)]
pub enum ImportFout {
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

fn voortgang(aan: bool, label: &str, totaal: Option<u64>, eenheid: &str) -> Voortgang {
    if aan {
        Voortgang::nieuw(label, totaal, eenheid)
    } else {
        Voortgang::verborgen()
    }
}

/// Reads files into the log through the domain rules. Keeps the folded state between
/// files, so importing several files costs one read of the log.
pub struct Importer {
    store: Arc<dyn EventStore>,
    config: ImportConfig,
    state: DomainState,
    /// Stream versions as read from the log plus what this importer wrote.
    versies: HashMap<String, u64>,
    idempotentie: HashSet<String>,
    ijw_berichten: HashSet<String>,
    laatste_registratie: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for Importer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Importer")
            .field("backend", &self.store.backend())
            .field("events", &self.state.event_count())
            .finish_non_exhaustive()
    }
}

/// Page size when reading the log.
const LEES_PAGINA: usize = 10_000;

impl Importer {
    /// Reads the whole log into the domain state (read_all in pages).
    pub async fn open(
        store: Arc<dyn EventStore>,
        config: ImportConfig,
    ) -> Result<Self, ImportFout> {
        let head = store.head_position().await?;
        let v = voortgang(
            config.voortgang && head > 0,
            "log inlezen",
            Some(head.max(0) as u64),
            "gebeurtenissen",
        );
        let mut imp = Importer {
            store,
            config,
            state: DomainState::new(),
            versies: HashMap::new(),
            idempotentie: HashSet::new(),
            ijw_berichten: HashSet::new(),
            laatste_registratie: None,
        };
        let mut na = 0;
        loop {
            let pagina = imp.store.read_all(na, LEES_PAGINA).await?;
            let Some(laatste) = pagina.last() else { break };
            na = laatste.position;
            for e in &pagina {
                let feit = Gebeurtenis::from_recorded(e).map_err(|err| ImportFout::Log {
                    positie: e.position,
                    reden: err.to_string(),
                })?;
                imp.state.apply(e, &feit);
                let versie = imp.versies.entry(e.stream.clone()).or_insert(0);
                *versie = (*versie).max(e.stream_version.max(0) as u64);
                if let Some(k) = &e.idempotency_key {
                    imp.idempotentie.insert(k.clone());
                }
                if let Some(rest) = e.source.strip_prefix("import:ijw ") {
                    for sleutel in rest.split(" + ") {
                        imp.ijw_berichten.insert(sleutel.to_owned());
                    }
                }
                imp.laatste_registratie = Some(e.recorded_at);
            }
            v.inc(pagina.len() as u64);
        }
        if head > 0 {
            v.klaar();
        }
        Ok(imp)
    }

    /// The folded state (after the files imported so far).
    pub fn state(&self) -> &DomainState {
        &self.state
    }

    pub fn config(&self) -> &ImportConfig {
        &self.config
    }

    /// Imports paths: each `.csv` / `.jsonl` file on its own; all `.xml` files (and the
    /// `.xml` files in given directories) together as one set of iJw messages.
    pub async fn importeer_paden(&mut self, paden: &[PathBuf]) -> Result<Vec<Rapport>, ImportFout> {
        let mut ijw_paden = Vec::new();
        let mut rapporten = Vec::new();
        for pad in paden {
            if pad.is_dir() {
                let mut xml = xml_in_map(pad)?;
                ijw_paden.append(&mut xml);
                continue;
            }
            match Formaat::van_pad(pad) {
                Some(Formaat::Ijw) => ijw_paden.push(pad.clone()),
                Some(f) => rapporten.push(self.importeer_bestand(pad, f).await?),
                None => return Err(ImportFout::OnbekendFormaat(pad_tekst(pad))),
            }
        }
        if !ijw_paden.is_empty() {
            rapporten.push(self.importeer_ijw(&ijw_paden).await?);
        }
        Ok(rapporten)
    }

    /// Imports one CSV or JSON Lines file from disk.
    pub async fn importeer_bestand(
        &mut self,
        pad: &Path,
        formaat: Formaat,
    ) -> Result<Rapport, ImportFout> {
        let bytes = lees(pad)?;
        let naam = pad.display().to_string();
        match formaat {
            Formaat::Ijw => self.importeer_ijw_bytes(&[(naam, bytes)]).await,
            f => self.importeer_tabel(f, &naam, &bytes).await,
        }
    }

    /// Imports a CSV or JSON Lines file given as bytes; `naam` appears in the sources and
    /// the report (with numbers that could be a BSN masked, [`safe_file_name`]).
    pub async fn importeer_tabel(
        &mut self,
        formaat: Formaat,
        naam: &str,
        bytes: &[u8],
    ) -> Result<Rapport, ImportFout> {
        let start = Instant::now();
        let naam = &safe_file_name(naam);
        let sleutel = format!(
            "import:{}:sha256:{}",
            formaat.naam(),
            hex::encode(Sha256::digest(bytes))
        );
        if let Some(r) = self.al_geimporteerd(naam, formaat, &sleutel, start) {
            return Ok(r);
        }
        let bsn = match formaat {
            Formaat::Csv => csv_lezer::has_bsn_column(bytes),
            _ => jsonl::has_bsn_field(bytes),
        };
        if bsn && self.config.pseudonimiseerder.is_none() {
            // Refuse before reading a single record: no BSN may pass unpseudonymised.
            return Err(ImportFout::Sleutel(KeyError::Missing));
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
        ) = if formaat == Formaat::Csv && !csv_lezer::has_column(bytes, "geregistreerd_op") {
            // For the progress bar only: lines after the header.
            let regels = bytes
                .split(|b| *b == b'\n')
                .filter(|r| !r.is_empty())
                .count();
            let reader = csv_lezer::reader(naam, bytes, pseudo);
            (
                Box::new(reader),
                regels.saturating_sub(1) as u64,
                false,
                None,
            )
        } else {
            let items = match formaat {
                Formaat::Csv => csv_lezer::read(naam, bytes, pseudo),
                _ => jsonl::read(naam, bytes, pseudo),
            };
            let tijden = || {
                items.iter().filter_map(|i| match i {
                    Item::Voorstel(v) => Some(v.geregistreerd_op),
                    Item::Afgewezen(_) => None,
                })
            };
            let meerdere = meerdere_tijden(tijden());
            let tijd = tijden().next().flatten();
            let n = items.len() as u64;
            (Box::new(items.into_iter()), n, meerdere, tijd)
        };
        let v = voortgang(
            self.config.voortgang,
            &format!("import {naam}"),
            Some(records_geschat),
            "records",
        );
        // One recorded time for the whole file (the normal case): its events go to the
        // store while the rest of the file is still being checked, in ONE transaction
        // that commits only when every record has been accepted (see `Stroom`).
        let mut stroom = (!self.config.dry_run && !meerdere)
            .then(|| Stroom::start(self.store.clone(), &sleutel, tijd));
        let mut state = self.state.clone();
        let mut planner =
            Planner::new(&mut state, &self.config.principal, self.laatste_registratie);
        let mut al_geschreven = 0u64;
        let mut records = 0u64;
        for item in items {
            records += 1;
            match item {
                Item::Voorstel(vs) => {
                    if meerdere
                        && self.idempotentie.contains(&batch_sleutel(
                            &sleutel,
                            true,
                            vs.geregistreerd_op,
                        ))
                    {
                        // Its batch was written by an earlier run that stopped halfway.
                        al_geschreven += 1;
                    } else {
                        planner.voeg_toe(*vs);
                    }
                }
                Item::Afgewezen(a) => planner.afwijzen(a),
            }
            if let Some(s) = &mut stroom
                && planner.afgewezen.is_empty()
                && planner.opdrachten.len() >= STROOM_OPDRACHTEN
            {
                // All requests but the last one (the next record may still extend it).
                let laatste = planner.opdrachten.pop();
                let klaar =
                    std::mem::replace(&mut planner.opdrachten, laatste.into_iter().collect());
                s.stuur(klaar, &self.versies);
            }
            v.inc(1);
        }
        let onderweg = stroom.as_ref().map_or(0, |s| s.events);
        let rapport = Rapport {
            invoer: naam.to_owned(),
            formaat: formaat.naam(),
            records,
            geaccepteerd: planner.geaccepteerd,
            afgewezen: std::mem::take(&mut planner.afgewezen),
            overgeslagen: al_geschreven_melding(naam, al_geschreven),
            signalen: std::mem::take(&mut planner.signalen),
            gebeurtenissen: planner.aantal_events() as u64 + onderweg,
            geschreven: 0,
            uitkomst: Uitkomst::Leeg,
            idempotentiesleutel: sleutel,
            duur_ms: 0,
        };
        let opdrachten = std::mem::take(&mut planner.opdrachten);
        drop(planner);
        let r = match stroom {
            Some(s) if rapport.afgewezen.is_empty() && (onderweg > 0 || !opdrachten.is_empty()) => {
                v.bericht("schrijven…");
                self.rond_af_stroom(rapport, s, opdrachten, state, start)
                    .await
            }
            stroom => {
                if let Some(s) = stroom {
                    // Rejected (or nothing to write): the store rolls back what it got.
                    s.afbreken().await;
                }
                // (After a rejection the requests already sent do not matter any more.)
                self.rond_af(rapport, opdrachten, state, start, &v, meerdere)
                    .await
            }
        };
        v.klaar();
        r
    }

    /// [`Importer::rond_af`] for a file whose events went to the store while it was being
    /// checked (no rejections): the rest, then the commit.
    async fn rond_af_stroom(
        &mut self,
        mut rapport: Rapport,
        mut stroom: Stroom,
        rest: Vec<Schrijfopdracht>,
        state: DomainState,
        start: Instant,
    ) -> Result<Rapport, ImportFout> {
        stroom.stuur(rest, &self.versies);
        let events = stroom.events;
        let (resultaten, kern) = stroom.commit().await?;
        // A repeat (a rerun racing an earlier one): the store wrote nothing now.
        let dubbel = resultaten.iter().any(|r| r.duplicate);
        rapport.geschreven = if dubbel { 0 } else { events };
        rapport.uitkomst = if dubbel {
            Uitkomst::AlGeimporteerd
        } else {
            Uitkomst::Geschreven
        };
        self.idempotentie
            .insert(rapport.idempotentiesleutel.clone());
        if !dubbel {
            self.neem_over(state, &kern);
        }
        rapport.duur_ms = start.elapsed().as_millis() as u64;
        Ok(rapport)
    }

    /// Imports iJw messages from disk as one set (see the module docs).
    pub async fn importeer_ijw(&mut self, paden: &[PathBuf]) -> Result<Rapport, ImportFout> {
        let mut berichten = Vec::with_capacity(paden.len());
        for p in paden {
            berichten.push((p.display().to_string(), lees(p)?));
        }
        self.importeer_ijw_bytes(&berichten).await
    }

    /// Imports iJw messages given as (name, bytes), as one set.
    pub async fn importeer_ijw_bytes(
        &mut self,
        bestanden: &[(String, Vec<u8>)],
    ) -> Result<Rapport, ImportFout> {
        let start = Instant::now();
        let pseudo = self
            .config
            .pseudonimiseerder
            .clone()
            .ok_or(ImportFout::Sleutel(KeyError::Missing))?;
        let mapping = self.config.mapping.clone().ok_or(ImportFout::GeenMapping)?;
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
        if let Some(r) = self.al_geimporteerd(&invoer, Formaat::Ijw, &sleutel, start) {
            return Ok(r);
        }
        let v = voortgang(
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
        v.bericht("controleren…");
        let vertaling = translate::translate(
            &gelezen,
            &mapping,
            &self.state,
            &self.ijw_berichten,
            self.config.ijw_backfill,
        );
        let meerdere = meerdere_tijden(vertaling.voorstellen.iter().map(|v| v.geregistreerd_op));
        let mut state = self.state.clone();
        let mut planner =
            Planner::new(&mut state, &self.config.principal, self.laatste_registratie);
        for a in leesfouten {
            planner.afwijzen(a);
        }
        for a in vertaling.afgewezen {
            planner.afwijzen(a);
        }
        for vs in vertaling.voorstellen {
            planner.voeg_toe(vs);
        }
        let rapport = Rapport {
            invoer,
            formaat: Formaat::Ijw.naam(),
            records: vertaling.records + (bestanden.len() - gelezen.len()) as u64,
            geaccepteerd: planner.geaccepteerd,
            afgewezen: std::mem::take(&mut planner.afgewezen),
            overgeslagen: vertaling.overgeslagen,
            signalen: std::mem::take(&mut planner.signalen),
            gebeurtenissen: planner.aantal_events() as u64,
            geschreven: 0,
            uitkomst: Uitkomst::Leeg,
            idempotentiesleutel: sleutel,
            duur_ms: 0,
        };
        let opdrachten = std::mem::take(&mut planner.opdrachten);
        drop(planner);
        let nieuwe_berichten: Vec<String> =
            gelezen.iter().map(|b| b.bericht.source_key()).collect();
        let r = self
            .rond_af(rapport, opdrachten, state, start, &v, meerdere)
            .await?;
        if matches!(r.uitkomst, Uitkomst::Geschreven | Uitkomst::ProefDraai) {
            self.ijw_berichten.extend(nieuwe_berichten);
        }
        v.klaar();
        Ok(r)
    }

    fn al_geimporteerd(
        &self,
        invoer: &str,
        formaat: Formaat,
        sleutel: &str,
        start: Instant,
    ) -> Option<Rapport> {
        self.idempotentie.contains(sleutel).then(|| Rapport {
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
    async fn rond_af(
        &mut self,
        mut rapport: Rapport,
        opdrachten: Vec<Schrijfopdracht>,
        state: DomainState,
        start: Instant,
        v: &Voortgang,
        meerdere: bool,
    ) -> Result<Rapport, ImportFout> {
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
            self.neem_over(state, &kern(&opdrachten));
        } else {
            v.bericht("schrijven…");
            let kern = kern(&opdrachten);
            // The events move into the store request: no copy of a large file's events.
            let (geschreven, dubbel) = self
                .schrijf(opdrachten, &rapport.idempotentiesleutel, meerdere)
                .await?;
            rapport.geschreven = geschreven;
            rapport.uitkomst = if dubbel {
                Uitkomst::AlGeimporteerd
            } else {
                Uitkomst::Geschreven
            };
            for (_, _, tijd) in &kern {
                self.idempotentie.insert(batch_sleutel(
                    &rapport.idempotentiesleutel,
                    meerdere,
                    *tijd,
                ));
            }
            if !dubbel {
                self.neem_over(state, &kern);
            }
        }
        rapport.duur_ms = start.elapsed().as_millis() as u64;
        Ok(rapport)
    }

    fn neem_over(&mut self, state: DomainState, kern: &[Kern]) {
        self.state = state;
        for (stream, n, tijd) in kern {
            *self.versies.entry(stream.clone()).or_insert(0) += n;
            if let Some(t) = *tijd {
                self.laatste_registratie = Some(self.laatste_registratie.map_or(t, |l| l.max(t)));
            }
        }
        if kern.iter().any(|(_, _, t)| t.is_none()) {
            self.laatste_registratie = Some(Utc::now());
        }
    }

    /// Writes the plan: one `append_many` (one transaction) per batch, a batch being the
    /// events with one recorded time (see [`batch_sleutel`]); normally the whole file.
    /// Returns (events written, every batch was a repeat).
    async fn schrijf(
        &self,
        opdrachten: Vec<Schrijfopdracht>,
        sleutel: &str,
        meerdere: bool,
    ) -> Result<(u64, bool), ImportFout> {
        // Each stream's first part states the version read from the log, so a concurrent
        // writer makes the batch fail instead of slipping past the rules; later parts of
        // the same stream follow on from it (the store checks them in order).
        let mut versies: HashMap<String, u64> = HashMap::new();
        let mut geschreven = 0;
        let mut alles_dubbel = true;
        let mut rest = opdrachten.into_iter().peekable();
        while let Some(eerste) = rest.peek() {
            let tijd = eerste.recorded_at;
            let mut delen = Vec::new();
            while let Some(o) = rest.next_if(|o| o.recorded_at == tijd) {
                let v = versies
                    .entry(o.stream.clone())
                    .or_insert_with(|| self.versies.get(&o.stream).copied().unwrap_or(0));
                let expected = Some(match *v {
                    0 => ExpectedVersion::NoStream,
                    n => ExpectedVersion::Exact(n),
                });
                *v += o.events.len() as u64;
                delen.push(StreamAppend {
                    stream: o.stream,
                    events: o.events,
                    expected,
                });
            }
            let aantal: u64 = delen.iter().map(|d| d.events.len() as u64).sum();
            let resultaten = self
                .store
                .append_many(
                    delen,
                    AppendOptions {
                        expected: None,
                        idempotency_key: Some(batch_sleutel(sleutel, meerdere, tijd)),
                        recorded_at: tijd,
                    },
                )
                .await?;
            if !resultaten.iter().any(|r| r.duplicate) {
                // (A repeat means a rerun after a crash: the store wrote nothing now.)
                alles_dubbel = false;
                geschreven += aantal;
            }
        }
        Ok((geschreven, alles_dubbel))
    }
}

/// Requests (one per stream and run of records) the planner collects before they go to
/// the store as one batch of a [`Stroom`].
const STROOM_OPDRACHTEN: usize = 1024;

/// A file's accepted events on their way to the store while the rest of the file is
/// still being checked ([`EventStore::append_many_streamed`]): one transaction, which
/// the store commits only at [`Stroom::commit`] and rolls back when the `Stroom` is
/// dropped or [`Stroom::afbreken`] (a record was rejected), so a file is still written
/// all or nothing. Expected versions as in [`Importer::schrijf`].
struct Stroom {
    tx: tokio::sync::mpsc::UnboundedSender<StreamedAppend>,
    taak: tokio::task::JoinHandle<Result<Vec<AppendResult>, StoreError>>,
    versies: HashMap<String, u64>,
    kern: Vec<Kern>,
    /// Events sent so far.
    events: u64,
}

impl Stroom {
    fn start(store: Arc<dyn EventStore>, sleutel: &str, tijd: Option<DateTime<Utc>>) -> Self {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let opties = AppendOptions {
            expected: None,
            idempotency_key: Some(sleutel.to_owned()),
            recorded_at: tijd,
        };
        let taak = tokio::spawn(async move { store.append_many_streamed(rx, opties).await });
        Stroom {
            tx,
            taak,
            versies: HashMap::new(),
            kern: Vec::new(),
            events: 0,
        }
    }

    /// Sends requests; each stream's first part states the version read from the log.
    fn stuur(&mut self, opdrachten: Vec<Schrijfopdracht>, log: &HashMap<String, u64>) {
        if opdrachten.is_empty() {
            return;
        }
        let mut delen = Vec::with_capacity(opdrachten.len());
        for o in opdrachten {
            let n = o.events.len() as u64;
            let v = self
                .versies
                .entry(o.stream.clone())
                .or_insert_with(|| log.get(&o.stream).copied().unwrap_or(0));
            let expected = Some(match *v {
                0 => ExpectedVersion::NoStream,
                n => ExpectedVersion::Exact(n),
            });
            *v += n;
            self.kern.push((o.stream.clone(), n, o.recorded_at));
            self.events += n;
            delen.push(StreamAppend {
                stream: o.stream,
                events: o.events,
                expected,
            });
        }
        // A closed channel means the store has refused the set already; `commit` answers
        // why.
        let _ = self.tx.send(StreamedAppend::Parts(delen));
    }

    /// Commits the set; returns the store's results and what the importer keeps.
    async fn commit(self) -> Result<(Vec<AppendResult>, Vec<Kern>), ImportFout> {
        let _ = self.tx.send(StreamedAppend::Commit);
        drop(self.tx);
        let resultaten = self
            .taak
            .await
            .map_err(|e| ImportFout::Store(StoreError::Commit(e.to_string())))??;
        Ok((resultaten, self.kern))
    }

    /// Nothing of the file may be written: the store rolls back; waits until it has.
    async fn afbreken(self) {
        drop(self.tx);
        let _ = self.taak.await;
    }
}

/// What the importer keeps of a written request: stream, number of events, recorded time.
type Kern = (String, u64, Option<DateTime<Utc>>);

fn kern(opdrachten: &[Schrijfopdracht]) -> Vec<Kern> {
    opdrachten
        .iter()
        .map(|o| (o.stream.clone(), o.events.len() as u64, o.recorded_at))
        .collect()
}

/// Whether records carry more than one recorded time (then the file is written in
/// batches, one per recorded time).
fn meerdere_tijden(tijden: impl Iterator<Item = Option<DateTime<Utc>>>) -> bool {
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

fn al_geschreven_melding(invoer: &str, n: u64) -> Vec<Overgeslagen> {
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

/// The idempotency key of one batch: the file's key when the whole file is one batch
/// (the normal case), else the file's key `@` the batch's recorded time. Keying batches
/// by their recorded time (not their index) keeps a rerun after a crash safe: a batch
/// either is in the log entirely (its key is there) or not at all.
pub fn batch_sleutel(sleutel: &str, meerdere: bool, tijd: Option<DateTime<Utc>>) -> String {
    match (meerdere, tijd) {
        (false, _) => sleutel.to_owned(),
        (true, Some(t)) => format!("{sleutel}@{}", t.to_rfc3339()),
        (true, None) => format!("{sleutel}@nu"),
    }
}

/// One call for the binary: read the log, import `paden` (see
/// [`Importer::importeer_paden`]) and return a report per file or iJw set.
pub async fn importeer(
    store: Arc<dyn EventStore>,
    config: ImportConfig,
    paden: &[PathBuf],
) -> Result<Vec<Rapport>, ImportFout> {
    let mut importer = Importer::open(store, config).await?;
    importer.importeer_paden(paden).await
}

fn lees(pad: &Path) -> Result<Vec<u8>, ImportFout> {
    std::fs::read(pad).map_err(|bron| ImportFout::Lezen {
        pad: pad_tekst(pad),
        bron,
    })
}

/// A path as it appears in sources, reports and messages ([`safe_file_name`]).
fn pad_tekst(pad: &Path) -> String {
    safe_file_name(&pad.display().to_string())
}

fn xml_in_map(map: &Path) -> Result<Vec<PathBuf>, ImportFout> {
    let fout = |bron| ImportFout::Lezen {
        pad: pad_tekst(map),
        bron,
    };
    let mut out = Vec::new();
    for e in std::fs::read_dir(map).map_err(fout)? {
        let p = e.map_err(fout)?.path();
        if Formaat::van_pad(&p) == Some(Formaat::Ijw) {
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
