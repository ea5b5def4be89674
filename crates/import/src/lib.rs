//! kringloop-import: importers and the demo generator.

pub mod demo;
