//! [`SealedStore`]: the event store with every youth's personal fields sealed under a key
//! of that youth, and youth streams stored under random names.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use kringloop_events::personal::{
    PHYSICAL_MARK, SEALED_FIELD, has_personal_fields, is_physical_youth_stream, merge, split,
};
use kringloop_events::{
    Gebeurtenis, NewEvent, RecordedEvent, jeugdige_stream, pseudoniem_van_stream,
};
use kringloop_store::{
    AppendOptions, AppendResult, EventStore, FoldPage, KeyRow, ReadFilter, Result, StoreError,
    StreamAppend, StreamedAppend, VerifyReport,
};
use serde_json::Value;

use crate::VaultError;
use crate::crypto::{DataKey, Derived, MasterKey};

/// The access log's event type: its `stromen` name youth streams.
const ACCESS_LOG: &str = "PersoonsgegevensIngezien";
/// The erasure's event type.
const ERASURE: &str = "JeugdigeGewist";

/// One youth's key, known to this process.
struct Youth {
    /// The stored stream name, `jeugdige-~<hex>`.
    physical: String,
    pseudonym: String,
    key: DataKey,
    /// The key row this process created and has not yet seen committed: it travels with
    /// every append to the youth's stream until one commits.
    pending: Mutex<Option<KeyRow>>,
}

impl Youth {
    fn pending(&self) -> Option<KeyRow> {
        lock(&self.pending).clone()
    }
}

#[derive(Default)]
struct Cache {
    by_lookup: HashMap<Vec<u8>, Arc<Youth>>,
    by_physical: HashMap<String, Arc<Youth>>,
    /// Stored youth streams without a key: erased. (A stream's key row commits with its
    /// first event, so a stream that can be read and has no key never gets one.)
    erased: HashSet<String>,
    /// Lookups whose key another process stored after this vault loaded the keys (an
    /// append of ours met it as a key race): read from the database before the next use.
    recheck: HashSet<Vec<u8>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An [`EventStore`] that seals a youth's personal fields on the way in and opens them on
/// the way out; see the crate documentation.
pub struct SealedStore {
    inner: Arc<dyn EventStore>,
    keys: Derived,
    cache: Mutex<Cache>,
}

/// What an append part became, to map its answer back.
struct Sealed {
    part: StreamAppend,
    /// The name the caller used (answers carry it).
    logical: String,
    youth: Option<Arc<Youth>>,
}

impl SealedStore {
    /// Opens the vault on `inner`: checks that `master` fits this database (the first
    /// open stores a check value), loads every youth key, and finishes erasures whose key
    /// deletion a crash interrupted. A log written without the vault is refused.
    pub async fn open(
        inner: Arc<dyn EventStore>,
        master: &MasterKey,
    ) -> Result<SealedStore, VaultError> {
        let keys = Derived::new(master);
        match inner.vault_check().await? {
            Some(check) if keys.fits(&check) => {}
            Some(_) => return Err(VaultError::WrongMasterKey),
            None => {
                if inner.head_position().await? > 0 {
                    return Err(VaultError::Unencrypted);
                }
                let stored = inner.init_vault_check(&keys.check_value()?).await?;
                if !keys.fits(&stored) {
                    return Err(VaultError::WrongMasterKey);
                }
            }
        }
        let store = SealedStore {
            inner,
            keys,
            cache: Mutex::new(Cache::default()),
        };
        let rows = store.inner.youth_keys().await?;
        {
            let mut cache = lock(&store.cache);
            for row in rows {
                let youth = Arc::new(store.youth_from_row(row)?);
                cache
                    .by_physical
                    .insert(youth.physical.clone(), youth.clone());
                cache
                    .by_lookup
                    .insert(store.keys.lookup(&youth.pseudonym), youth);
            }
        }
        let finished = store.finish_erasures().await?;
        if finished > 0 {
            tracing::warn!(
                aantal = finished,
                "onderbroken wissingen afgemaakt: sleutels van gewiste jeugdigen verwijderd"
            );
        }
        Ok(store)
    }

    /// Whether `inner` holds a vault (a check value): a database that was opened with a
    /// master key once must never be opened without one.
    pub async fn is_sealed(inner: &dyn EventStore) -> Result<bool> {
        Ok(inner.vault_check().await?.is_some())
    }

    /// The store underneath (stored names, sealed payloads).
    pub fn inner(&self) -> &Arc<dyn EventStore> {
        &self.inner
    }

    fn youth_from_row(&self, row: KeyRow) -> Result<Youth, VaultError> {
        let key = self.keys.unwrap(&row.stream, &row.wrapped_key)?;
        let pseudonym = key.open(&row.stream, "pseudoniem", &row.sealed_pseudonym)?;
        let pseudonym = String::from_utf8(pseudonym)
            .map_err(|_| VaultError::Corrupt(format!("pseudoniem van `{}`", row.stream)))?;
        Ok(Youth {
            physical: row.stream,
            pseudonym,
            key,
            pending: Mutex::new(None),
        })
    }

    /// The youth with this pseudonym; with `create`, a new key and stream name when there
    /// is none (stored with the first append to it).
    ///
    /// A writer does not ask the database first: the cache holds every key that existed
    /// when the vault opened and every key this process made since, and a key another
    /// process stores meanwhile meets ours in the append's transaction, which then fails
    /// with [`StoreError::YouthKeyRace`] and writes nothing; the retry reads the stored
    /// key. (One query per new youth was most of the vault's cost in a bulk append.)
    async fn youth_by_pseudonym(
        &self,
        pseudonym: &str,
        create: bool,
    ) -> Result<Option<Arc<Youth>>> {
        let lookup = self.keys.lookup(pseudonym);
        let must_read = {
            let cache = lock(&self.cache);
            if let Some(y) = cache.by_lookup.get(&lookup) {
                return Ok(Some(y.clone()));
            }
            !create || cache.recheck.contains(&lookup)
        };
        if must_read {
            if let Some(row) = self.inner.youth_key_by_lookup(&lookup).await? {
                let youth = Arc::new(self.youth_from_row(row)?);
                let mut cache = lock(&self.cache);
                cache.recheck.remove(&lookup);
                cache
                    .by_physical
                    .insert(youth.physical.clone(), youth.clone());
                let youth = cache.by_lookup.entry(lookup).or_insert(youth).clone();
                return Ok(Some(youth));
            }
            if !create {
                return Ok(None);
            }
            lock(&self.cache).recheck.remove(&lookup);
        }
        // Time-ordered, like a UUIDv7 (48 bits of milliseconds, then random bits): a new
        // youth's key row and first events land at the end of their indexes instead of at
        // random places, which halves the pages a bulk append of new youths rewrites. The
        // time is the key's creation, which the first event's recorded time shows anyway.
        let physical = format!("jeugdige-{PHYSICAL_MARK}{}", uuid::Uuid::now_v7().simple());
        let key = DataKey::generate();
        let row = KeyRow {
            stream: physical.clone(),
            lookup: lookup.clone(),
            wrapped_key: self.keys.wrap(&physical, &key)?,
            sealed_pseudonym: key.seal(&physical, "pseudoniem", pseudonym.as_bytes())?,
        };
        let youth = Arc::new(Youth {
            physical,
            pseudonym: pseudonym.to_owned(),
            key,
            pending: Mutex::new(Some(row)),
        });
        let mut cache = lock(&self.cache);
        // Another task of this process may have created it meanwhile: one wins.
        let youth = cache.by_lookup.entry(lookup).or_insert(youth).clone();
        cache
            .by_physical
            .insert(youth.physical.clone(), youth.clone());
        Ok(Some(youth))
    }

    /// The youth of a stored stream name; `None` when erased.
    async fn youth_by_physical(&self, stream: &str) -> Result<Option<Arc<Youth>>> {
        {
            let cache = lock(&self.cache);
            if let Some(y) = cache.by_physical.get(stream) {
                return Ok(Some(y.clone()));
            }
            if cache.erased.contains(stream) {
                return Ok(None);
            }
        }
        match self.inner.youth_key_by_stream(stream).await? {
            Some(row) => {
                let youth = Arc::new(self.youth_from_row(row)?);
                let mut cache = lock(&self.cache);
                cache
                    .by_lookup
                    .insert(self.keys.lookup(&youth.pseudonym), youth.clone());
                Ok(Some(
                    cache
                        .by_physical
                        .entry(stream.to_owned())
                        .or_insert(youth)
                        .clone(),
                ))
            }
            None => {
                lock(&self.cache).erased.insert(stream.to_owned());
                Ok(None)
            }
        }
    }

    /// The stored name of a stream: a youth's random name for `jeugdige-<pseudonym>`
    /// (`None` when the youth has no key: never written, or erased), other names as they are.
    pub async fn physical_stream(&self, stream: &str) -> Result<Option<String>> {
        match pseudoniem_van_stream(stream) {
            Some(p) if !p.starts_with(PHYSICAL_MARK) => Ok(self
                .youth_by_pseudonym(p, false)
                .await?
                .map(|y| y.physical.clone())),
            _ => Ok(Some(stream.to_owned())),
        }
    }

    /// Seals one part: stored stream name, sealed payloads, the key row if new.
    async fn seal_part(&self, part: StreamAppend) -> Result<Sealed> {
        let logical = part.stream.clone();
        let youth = match pseudoniem_van_stream(&part.stream) {
            None => None,
            Some(p) if p.starts_with(PHYSICAL_MARK) => {
                Some(self.youth_by_physical(&part.stream).await?.ok_or_else(|| {
                    StoreError::Vault(format!(
                        "stroom `{}` heeft geen sleutel: de jeugdige is gewist",
                        part.stream
                    ))
                })?)
            }
            Some(p) => self.youth_by_pseudonym(p, true).await?,
        };
        let StreamAppend {
            stream,
            events,
            expected,
            new_key: _,
        } = part;
        let mut sealed = Vec::with_capacity(events.len());
        for e in events {
            sealed.push(match &youth {
                Some(y) => self.seal_event(y, e)?,
                None if e.event_type == ACCESS_LOG => self.name_access_log(e).await?,
                None => e,
            });
        }
        Ok(Sealed {
            part: StreamAppend {
                stream: youth.as_ref().map_or(stream, |y| y.physical.clone()),
                events: sealed,
                expected,
                new_key: youth.as_ref().and_then(|y| y.pending()),
            },
            logical,
            youth,
        })
    }

    fn seal_event(&self, youth: &Youth, mut e: NewEvent) -> Result<NewEvent> {
        if !has_personal_fields(&e.event_type) {
            return Ok(e);
        }
        let s = split(&e.event_type, &e.payload)
            .map_err(|err| StoreError::Invalid(format!("inhoud is geen JSON: {err}")))?;
        let Some(personal) = s.personal else {
            return Ok(e);
        };
        let mut residue = s.residue;
        let plain =
            serde_json::to_vec(&personal).map_err(|err| StoreError::Invalid(err.to_string()))?;
        let sealed = youth.key.seal(&youth.physical, &e.event_type, &plain)?;
        if let Value::Object(o) = &mut residue {
            o.insert(
                SEALED_FIELD.to_owned(),
                Value::String(BASE64.encode(sealed)),
            );
        }
        e.payload = residue.to_string();
        Ok(e)
    }

    /// The access log names the youth streams that were read: by their stored names, so
    /// that no pseudonym stays in the log after an erasure.
    async fn name_access_log(&self, mut e: NewEvent) -> Result<NewEvent> {
        let Ok(mut v) = serde_json::from_str::<Value>(&e.payload) else {
            return Ok(e);
        };
        if let Some(Value::Array(names)) = v.get_mut("stromen") {
            let mut stored = Vec::with_capacity(names.len());
            for n in names.iter() {
                let Some(n) = n.as_str() else { continue };
                if let Some(p) = self.physical_stream(n).await? {
                    stored.push(Value::String(p));
                }
            }
            *names = stored;
        }
        e.payload = canonical(&e.event_type, e.schema_version, v);
        Ok(e)
    }

    /// Opens one stored event: the caller's stream name and the personal fields back for
    /// a youth with a key; an erased youth's event under its stored name, the sealed part
    /// left out.
    async fn open_event(&self, mut e: RecordedEvent) -> Result<RecordedEvent> {
        if is_physical_youth_stream(&e.stream) {
            if e.event_type == ERASURE {
                // This process may still hold the key another process just erased.
                self.forget(&e.stream);
            }
            let youth = self.youth_by_physical(&e.stream).await?;
            let sealed = e.payload.contains(SEALED_FIELD);
            match youth {
                Some(y) => {
                    e.stream = jeugdige_stream(&y.pseudonym);
                    if sealed {
                        e.payload = self.open_payload(&y, &e)?;
                    }
                }
                None if sealed => {
                    let mut v: Value = serde_json::from_str(&e.payload)
                        .map_err(|err| VaultError::Corrupt(err.to_string()))?;
                    if let Value::Object(o) = &mut v {
                        o.remove(SEALED_FIELD);
                    }
                    e.payload = canonical(&e.event_type, e.schema_version, v);
                }
                None => {}
            }
        } else if e.event_type == ACCESS_LOG && e.payload.contains(PHYSICAL_MARK) {
            let mut v: Value = serde_json::from_str(&e.payload)
                .map_err(|err| VaultError::Corrupt(err.to_string()))?;
            if let Some(Value::Array(names)) = v.get_mut("stromen") {
                for n in names.iter_mut() {
                    if let Some(s) = n.as_str()
                        && is_physical_youth_stream(s)
                        && let Some(y) = self.youth_by_physical(s).await?
                    {
                        *n = Value::String(jeugdige_stream(&y.pseudonym));
                    }
                }
            }
            e.payload = canonical(&e.event_type, e.schema_version, v);
        }
        Ok(e)
    }

    fn open_payload(&self, y: &Youth, e: &RecordedEvent) -> Result<String, VaultError> {
        let mut v: Value =
            serde_json::from_str(&e.payload).map_err(|err| VaultError::Corrupt(err.to_string()))?;
        let blob = match &mut v {
            Value::Object(o) => o.remove(SEALED_FIELD),
            _ => None,
        };
        let Some(Value::String(blob)) = blob else {
            return Ok(e.payload.clone());
        };
        let bytes = BASE64
            .decode(blob.as_bytes())
            .map_err(|_| VaultError::Corrupt(format!("positie {}: geen base64", e.position)))?;
        let plain = y.key.open(&y.physical, &e.event_type, &bytes)?;
        let personal: Value =
            serde_json::from_slice(&plain).map_err(|err| VaultError::Corrupt(err.to_string()))?;
        merge(&mut v, personal);
        Ok(canonical(&e.event_type, e.schema_version, v))
    }

    async fn open_all(&self, events: Vec<RecordedEvent>) -> Result<Vec<RecordedEvent>> {
        let mut out = Vec::with_capacity(events.len());
        for e in events {
            out.push(self.open_event(e).await?);
        }
        Ok(out)
    }

    fn forget(&self, physical: &str) {
        let mut cache = lock(&self.cache);
        if let Some(y) = cache.by_physical.remove(physical) {
            cache.by_lookup.remove(&self.keys.lookup(&y.pseudonym));
        }
        cache.erased.insert(physical.to_owned());
    }

    /// After a successful append: the key rows of its parts are stored.
    fn committed(youths: &[Option<Arc<Youth>>]) {
        for y in youths.iter().flatten() {
            lock(&y.pending).take();
        }
    }

    /// After a failed append with a key race: forget the keys this process made up, so
    /// the next attempt reads the stored ones.
    fn raced(&self, youths: &[Option<Arc<Youth>>]) {
        for y in youths.iter().flatten() {
            if y.pending().is_some() {
                let lookup = self.keys.lookup(&y.pseudonym);
                let mut cache = lock(&self.cache);
                cache.by_physical.remove(&y.physical);
                cache.by_lookup.remove(&lookup);
                cache.recheck.insert(lookup);
            }
        }
    }

    fn answer(
        &self,
        result: Result<Vec<AppendResult>>,
        logical: Vec<String>,
        youths: &[Option<Arc<Youth>>],
    ) -> Result<Vec<AppendResult>> {
        match result {
            Ok(mut results) => {
                Self::committed(youths);
                for (r, name) in results.iter_mut().zip(logical) {
                    r.stream = name;
                }
                Ok(results)
            }
            Err(e) => {
                if matches!(e, StoreError::YouthKeyRace { .. }) {
                    self.raced(youths);
                }
                Err(e)
            }
        }
    }

    async fn seal_set(
        &self,
        appends: Vec<StreamAppend>,
    ) -> Result<(Vec<StreamAppend>, Vec<String>, Vec<Option<Arc<Youth>>>)> {
        let mut parts = Vec::with_capacity(appends.len());
        let mut logical = Vec::with_capacity(appends.len());
        let mut youths = Vec::with_capacity(appends.len());
        for a in appends {
            let s = self.seal_part(a).await?;
            parts.push(s.part);
            logical.push(s.logical);
            youths.push(s.youth);
        }
        Ok((parts, logical, youths))
    }

    /// Deletes the keys of erased youths whose deletion did not happen (a crash between
    /// recording [`kringloop_events::JeugdigeGewist`] and deleting the key).
    async fn finish_erasures(&self) -> Result<usize> {
        let filter = ReadFilter {
            event_types: vec![ERASURE.to_owned()],
            ..ReadFilter::default()
        };
        let mut after = 0;
        let mut open = Vec::new();
        loop {
            let page = self.inner.read_filtered(after, 10_000, &filter).await?;
            let Some(last) = page.last() else { break };
            after = last.position;
            let full = page.len() >= 10_000;
            for e in page {
                if lock(&self.cache).by_physical.contains_key(&e.stream) {
                    open.push(e.stream);
                }
            }
            if !full {
                break;
            }
        }
        if open.is_empty() {
            return Ok(0);
        }
        self.delete_youth_keys(&open).await?;
        Ok(open.len())
    }
}

/// The payload text of a value: through the fact when it decodes at the current schema
/// version (the exact text its writer made, so idempotency fingerprints match), else
/// the value as it is.
fn canonical(event_type: &str, schema_version: i32, v: Value) -> String {
    let text = v.to_string();
    if Gebeurtenis::current_version(event_type) == Some(schema_version)
        && let Ok(g) = Gebeurtenis::decode(event_type, schema_version, &text)
    {
        return g.payload_json();
    }
    text
}

#[async_trait]
impl EventStore for SealedStore {
    async fn append(
        &self,
        stream: &str,
        events: Vec<NewEvent>,
        options: AppendOptions,
    ) -> Result<AppendResult> {
        let s = self
            .seal_part(StreamAppend {
                stream: stream.to_owned(),
                events,
                expected: options.expected,
                new_key: None,
            })
            .await?;
        if s.part.new_key.is_some() {
            // A key row goes with a part: only `append_many` carries parts.
            let options = AppendOptions {
                expected: None,
                ..options
            };
            let youths = [s.youth];
            let result = self.inner.append_many(vec![s.part], options).await;
            let mut r = self.answer(result, vec![s.logical], &youths)?;
            return r
                .pop()
                .ok_or_else(|| StoreError::Invalid("lege aanlevering".into()));
        }
        let StreamAppend { stream, events, .. } = s.part;
        let mut r = self.inner.append(&stream, events, options).await?;
        r.stream = s.logical;
        Ok(r)
    }

    async fn append_many(
        &self,
        appends: Vec<StreamAppend>,
        options: AppendOptions,
    ) -> Result<Vec<AppendResult>> {
        let (parts, logical, youths) = self.seal_set(appends).await?;
        let result = self.inner.append_many(parts, options).await;
        self.answer(result, logical, &youths)
    }

    async fn append_many_streamed(
        &self,
        mut parts: tokio::sync::mpsc::UnboundedReceiver<StreamedAppend>,
        options: AppendOptions,
    ) -> Result<Vec<AppendResult>> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let forward = async move {
            let mut logical = Vec::new();
            let mut youths = Vec::new();
            loop {
                match parts.recv().await {
                    Some(StreamedAppend::Parts(p)) => {
                        let (sealed, names, ys) = self.seal_set(p).await?;
                        logical.extend(names);
                        youths.extend(ys);
                        if tx.send(StreamedAppend::Parts(sealed)).is_err() {
                            return Err(StoreError::Aborted);
                        }
                    }
                    Some(StreamedAppend::Commit) => {
                        let _ = tx.send(StreamedAppend::Commit);
                        return Ok((logical, youths));
                    }
                    // Dropping `tx` makes the store roll the set back.
                    None => return Err(StoreError::Aborted),
                }
            }
        };
        let (result, forwarded) =
            tokio::join!(self.inner.append_many_streamed(rx, options), forward);
        let (logical, youths) = forwarded?;
        self.answer(result, logical, &youths)
    }

    async fn append_many_each(
        &self,
        sets: Vec<(Vec<StreamAppend>, AppendOptions)>,
    ) -> Vec<Result<Vec<AppendResult>>> {
        let mut answers: Vec<Option<Result<Vec<AppendResult>>>> = Vec::with_capacity(sets.len());
        let mut sealed_sets = Vec::new();
        let mut meta = Vec::new();
        for (appends, options) in sets {
            match self.seal_set(appends).await {
                Ok((parts, logical, youths)) => {
                    answers.push(None);
                    sealed_sets.push((parts, options));
                    meta.push((logical, youths));
                }
                Err(e) => answers.push(Some(Err(e))),
            }
        }
        let mut results = self.inner.append_many_each(sealed_sets).await.into_iter();
        let mut meta = meta.into_iter();
        answers
            .into_iter()
            .map(|a| match a {
                Some(err) => err,
                None => match (results.next(), meta.next()) {
                    (Some(r), Some((logical, youths))) => self.answer(r, logical, &youths),
                    _ => Err(StoreError::Commit("antwoord van de store ontbreekt".into())),
                },
            })
            .collect()
    }

    async fn read_stream(&self, stream: &str, from_version: i64) -> Result<Vec<RecordedEvent>> {
        let Some(physical) = self.physical_stream(stream).await? else {
            return Ok(Vec::new());
        };
        let events = self.inner.read_stream(&physical, from_version).await?;
        self.open_all(events).await
    }

    async fn read_all(&self, after: i64, limit: usize) -> Result<Vec<RecordedEvent>> {
        let events = self.inner.read_all(after, limit).await?;
        self.open_all(events).await
    }

    /// The stored residue as it is: projections read no personal field, and a youth keeps
    /// one stream name before and after an erasure.
    async fn read_for_fold(&self, after: i64, limit: usize) -> Result<FoldPage> {
        self.inner.read_for_fold(after, limit).await
    }

    async fn read_filtered(
        &self,
        after: i64,
        limit: usize,
        filter: &ReadFilter,
    ) -> Result<Vec<RecordedEvent>> {
        let events = self.inner.read_filtered(after, limit, filter).await?;
        self.open_all(events).await
    }

    async fn stream_version(&self, stream: &str) -> Result<u64> {
        match self.physical_stream(stream).await? {
            Some(p) => self.inner.stream_version(&p).await,
            None => Ok(0),
        }
    }

    async fn head_position(&self) -> Result<i64> {
        self.inner.head_position().await
    }

    async fn verify(&self) -> Result<VerifyReport> {
        self.inner.verify().await
    }

    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    async fn close(&self) -> Result<()> {
        self.inner.close().await
    }

    async fn youth_key_by_lookup(&self, lookup: &[u8]) -> Result<Option<KeyRow>> {
        self.inner.youth_key_by_lookup(lookup).await
    }

    async fn youth_key_by_stream(&self, stream: &str) -> Result<Option<KeyRow>> {
        match self.physical_stream(stream).await? {
            Some(p) => self.inner.youth_key_by_stream(&p).await,
            None => Ok(None),
        }
    }

    async fn youth_keys(&self) -> Result<Vec<KeyRow>> {
        self.inner.youth_keys().await
    }

    /// Erases: deletes the keys of these youths (by `jeugdige-<pseudonym>` or stored
    /// name). Record the [`kringloop_events::JeugdigeGewist`] facts first.
    async fn delete_youth_keys(&self, streams: &[String]) -> Result<u64> {
        let mut physical = Vec::with_capacity(streams.len());
        for s in streams {
            if let Some(p) = self.physical_stream(s).await? {
                physical.push(p);
            }
        }
        let n = self.inner.delete_youth_keys(&physical).await?;
        for p in &physical {
            self.forget(p);
        }
        Ok(n)
    }

    async fn vault_check(&self) -> Result<Option<Vec<u8>>> {
        self.inner.vault_check().await
    }

    async fn init_vault_check(&self, value: &[u8]) -> Result<Vec<u8>> {
        self.inner.init_vault_check(value).await
    }
}
