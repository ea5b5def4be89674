//! kringloop-vault: crypto-shredding. A youth's personal data can be forgotten while the
//! figures and the proof (the hash chain) stay.
//!
//! - [`SealedStore`] wraps any [`kringloop_store::EventStore`]. Writers keep naming a
//!   youth's stream `jeugdige-<pseudonym>`; the store holds it under a random name
//!   (`jeugdige-~<hex>`), and the personal fields of each fact (decided per event type in
//!   [`kringloop_events::personal`]) are sealed under the youth's own key before the
//!   append, so the hash chain covers only the residue and the ciphertext.
//! - The keys sit in the store's key table, wrapped under keys derived from the
//!   [`MasterKey`], which comes from a file or the environment and never enters the
//!   database ([`crypto`]).
//! - Erasing a youth deletes its key row: the ciphertext in the log can no longer be
//!   opened, the random stream name links nothing to the person any more, and no hashed
//!   byte changes, so `verify` passes before and after.
//! - Readers: [`EventStore::read_for_fold`](kringloop_store::EventStore::read_for_fold)
//!   (the projections) gets the stored residue, which decodes as the same facts with the
//!   personal fields blank; `read_all`, `read_stream` and `read_filtered` get the events
//!   opened (the writer's state, person-level views), an erased youth's events under the
//!   random name with the personal fields blank.
//!
//! - [`erasure`]: the erasure procedure (facts through the rules, then the keys);
//!   [`retention`]: who is due after the retention period; [`migration`]: copying a log
//!   written before the vault into a sealed one, and checking the copy.
//!
//! Design, limits and the retention and migration procedures: `docs/erasure.md`.

pub mod crypto;
pub mod erasure;
pub mod migration;
pub mod retention;
mod sealed_store;

pub use crypto::{ENV_KEY, ENV_KEY_FILE, MasterKey};
pub use sealed_store::SealedStore;

use kringloop_store::StoreError;

/// Why the vault cannot open or serve.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("mastersleutel: {0}")]
    MasterKey(String),
    #[error(
        "de mastersleutel past niet bij deze database: met een andere sleutel zijn de persoonsgegevens niet te openen"
    )]
    WrongMasterKey,
    #[error(
        "deze database bevat versleutelde persoonsgegevens; geef de mastersleutel ({ENV_KEY_FILE}, {ENV_KEY} of --mastersleutel-bestand)"
    )]
    MissingMasterKey,
    #[error(
        "dit log is zonder versleuteling geschreven; zet het over naar een nieuw log met `kringloop versleutel`"
    )]
    Unencrypted,
    #[error("verzegelde gegevens zijn beschadigd: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<VaultError> for StoreError {
    fn from(e: VaultError) -> StoreError {
        match e {
            VaultError::Store(s) => s,
            other => StoreError::Vault(other.to_string()),
        }
    }
}
