//! The store's one error type.

use chrono::{DateTime, Utc};
use kringloop_events::ExpectedVersion;

/// Errors of the store. Messages are for operators; callers match on the variant.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The stream's version is not what the writer expected.
    #[error("versieconflict op stroom `{stream}`: verwacht {expected:?}, huidige versie {actual}")]
    Conflict {
        stream: String,
        expected: ExpectedVersion,
        actual: u64,
    },
    /// The batch itself is malformed (empty, bad id, payload that is not JSON, …).
    #[error("ongeldige gebeurtenis: {0}")]
    Invalid(String),
    /// The idempotency key was used before for another request: other streams, event
    /// types or payloads, or another number of events. Nothing was written. (A repeat of
    /// the same request answers the first result with `duplicate: true` instead.)
    #[error("idempotentiesleutel `{key}` is al gebruikt voor een ander verzoek ({difference})")]
    IdempotencyConflict { key: String, difference: String },
    /// A backfill tried to record an event earlier than the log's last recorded time.
    #[error("registratietijd {given} ligt vóór de laatste registratietijd in het log ({head})")]
    RecordedTimeBeforeHead {
        given: DateTime<Utc>,
        head: DateTime<Utc>,
    },
    /// A part's [`crate::KeyRow`] could not be stored for its stream: a row with the same
    /// lookup names another stream, or the stream has a row with another lookup (another
    /// process created the youth's key first). Nothing of the request was written.
    #[error(
        "sleutel van jeugdige voor stroom `{stream}` is intussen door een ander proces \
         aangemaakt; probeer opnieuw"
    )]
    YouthKeyRace { stream: String },
    /// The vault (crate `kringloop-vault`) could not seal or open a youth's personal
    /// fields: a stream without a key (erased), or sealed bytes that do not open.
    #[error("kluis: {0}")]
    Vault(String),
    #[error("het schrijfproces van de store is gestopt")]
    WriterGone,
    /// An [`crate::EventStore::append_many_streamed`] set whose sender stopped before
    /// [`crate::StreamedAppend::Commit`]: rolled back, nothing written.
    #[error("aanlevering afgebroken vóór de commit; niets geschreven")]
    Aborted,
    /// The group transaction this append was part of could not commit; nothing of it
    /// was written. (A group shares one commit, so the error is reported to each member.)
    #[error("groepscommit mislukt, niets geschreven: {0}")]
    Commit(String),
    #[error("databasefout: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migratiefout: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("onbruikbare database-URL `{0}`")]
    BadUrl(String),
    /// Opened with [`crate::OpenOptions::create`] false and the SQLite file does not
    /// exist (nothing was created).
    #[error("de database `{0}` bestaat niet (een leescommando maakt geen database aan)")]
    Missing(String),
    /// Opened with [`crate::OpenOptions::migrate`] false and the database does not hold
    /// kringloop's tables at the current schema version (nothing was changed).
    #[error("{0}")]
    NotMigrated(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    /// Whether the request itself is at fault (nothing was written, and trying it again
    /// unchanged fails again): [`StoreError::Invalid`], or a database error that says so,
    /// PostgreSQL's data exceptions (SQLSTATE class 22: a NUL byte, a bad encoding, a
    /// value out of range) and program limits (class 54: an index entry too large), or
    /// SQLite's "string or blob too big". A writer answers these at once instead of
    /// retrying.
    pub fn is_input_error(&self) -> bool {
        match self {
            StoreError::Invalid(_) => true,
            StoreError::Database(sqlx::Error::Database(db)) => {
                let code = db.code();
                let code = code.as_deref().unwrap_or_default();
                // PostgreSQL's SQLSTATEs have five characters; SQLite's codes are numbers
                // (SQLITE_TOOBIG is 18).
                (code.len() == 5 && (code.starts_with("22") || code.starts_with("54")))
                    || code == "18"
            }
            _ => false,
        }
    }
}
