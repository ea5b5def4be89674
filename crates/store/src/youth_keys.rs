//! The table of per-youth encryption keys (crypto-shredding): each youth's personal
//! fields are sealed under a data key of its own, and that key, wrapped by a master key
//! that never enters the database, is one row of `youth_keys` beside the log. Erasing a
//! youth deletes its row, and with it every readable copy of its personal fields, while
//! the append-only log itself stays untouched. To the store the columns are opaque bytes:
//! wrapping and sealing happen elsewhere.
//!
//! A key row is written together with the first events of its stream
//! ([`crate::StreamAppend::new_key`]), read with [`crate::EventStore::youth_key_by_lookup`]
//! and friends, and erased with [`crate::EventStore::delete_youth_keys`]. The vault's
//! check value ([`crate::EventStore::vault_check`]) proves that a master key fits this
//! database. The SQL lives with each backend (`sqlite/youth_keys.rs`,
//! `postgres/youth_keys.rs`).

/// One youth's key row: opaque bytes to the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    /// Physical stream of the youth's events (e.g. `jeugdige-~3f9a…`); primary key.
    pub stream: String,
    /// Keyed hash of the youth's pseudonym (16 bytes from the vault), to find the stream; unique.
    pub lookup: Vec<u8>,
    /// The youth's data key, wrapped under the master key.
    pub wrapped_key: Vec<u8>,
    /// The pseudonym, sealed under the youth's data key.
    pub sealed_pseudonym: Vec<u8>,
}

/// The error of a key row that did not go in for `stream`: the row stored under its
/// lookup names `stored` (`None`: no row has its lookup, so the stream has a row with
/// another lookup).
pub(crate) fn check_stored_stream(stream: &str, stored: Option<&str>) -> crate::Result<()> {
    if stored == Some(stream) {
        Ok(())
    } else {
        Err(crate::StoreError::YouthKeyRace {
            stream: stream.to_owned(),
        })
    }
}
