//! kringloop-writer: the one write path. Every fact that enters the log (through the API
//! or an import) is checked against the same [`WriteState`] and appended through the
//! [`kringloop_store::EventStore`] trait.
//!
//! - [`WriteState`]: the domain state folded from the log, with what the check needs
//!   beside it (stream versions, idempotency keys) and the rebuild after a failed append.
//! - [`Tentative`]: folds an accepted fact before its append, so the next fact of the same
//!   batch or file is checked against it.
//! - [`VersionChain`]: the expected version of every part of a multi-stream append.
//! - [`FactWriter`]: one fact per request, checked and appended in group commits by one
//!   task (the API).
//!
//! The importer plans a whole file against a copy of [`WriteState::state`] with
//! [`Tentative`] and appends it in one transaction with [`VersionChain`]; the API queues
//! single facts for the [`FactWriter`].

mod group;
mod keys;
mod state;
mod tentative;
mod versions;

pub use group::{FactError, FactRequest, FactWriter, MAX_BATCH, Registration, Toegang};
pub use keys::{Earlier, KeyUse, fingerprint};
pub use state::{Index, LoadError, WriteState};
pub use tentative::Tentative;
pub use versions::VersionChain;
