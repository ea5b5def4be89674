//! kringloop-projections: the bitemporal KPI engine (filled by the projections issue).
