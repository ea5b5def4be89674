//! kringloop-import: importers and the demo generator.
