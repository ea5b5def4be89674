//! kringloop-import: the importers. The demo generator is the crate `kringloop-demo`.

// Importers (CSV, JSON Lines, iJw 3.2): `importer` has the entry points.
pub mod contract;
pub mod csv;
pub mod formaat;
pub mod ijw;
pub mod importer;
pub mod jsonl;
pub mod lijst;
pub mod plan;
pub mod progress;
pub mod pseudonym;
pub mod record;
pub mod report;
pub mod templates;
