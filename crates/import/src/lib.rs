//! kringloop-import: importers and the demo generator.

pub mod demo;

// Importers (CSV, JSON Lines, iJw 3.2): `importer` has the entry points.
pub mod csv;
pub mod formaat;
pub mod ijw;
pub mod importer;
pub mod jsonl;
pub mod plan;
pub mod progress;
pub mod pseudonym;
pub mod record;
pub mod report;
pub mod templates;
