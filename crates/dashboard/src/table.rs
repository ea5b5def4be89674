//! Tables: every chart and tile group has one, shown as HTML (the text alternative of a
//! chart) and downloadable as CSV from the same rows, so the two never disagree.

use maud::{Markup, html};

use crate::format::{Waarde, onderdrukt_html};

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cel {
    Tekst(String),
    Waarde(Waarde),
}

impl Cel {
    pub fn tekst(s: impl Into<String>) -> Cel {
        Cel::Tekst(s.into())
    }

    /// The CSV form: plain numbers with a decimal point, `onderdrukt` for suppressed
    /// cells, empty for "no value".
    fn csv(&self) -> String {
        match self {
            Cel::Tekst(s) => s.clone(),
            Cel::Waarde(w) => w.csv(),
        }
    }
}

/// A table with a stable id (its CSV name).
#[derive(Debug, Clone)]
pub struct Tabel {
    pub id: &'static str,
    pub titel: String,
    pub kolommen: Vec<String>,
    pub rijen: Vec<Vec<Cel>>,
}

impl Tabel {
    pub fn nieuw(id: &'static str, titel: impl Into<String>, kolommen: Vec<String>) -> Tabel {
        Tabel {
            id,
            titel: titel.into(),
            kolommen,
            rijen: Vec::new(),
        }
    }

    /// RFC 4180 CSV (comma, decimal point, UTF-8), header row first.
    pub fn csv(&self) -> Result<String, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&self.kolommen)?;
        for r in &self.rijen {
            w.write_record(r.iter().map(Cel::csv))?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The HTML table; the first column is the row header.
    pub fn html(&self, csv_query: &str) -> Markup {
        html! {
            div.tabel-wrap {
                table id={ "tabel-" (self.id) } {
                    caption { (self.titel) }
                    thead { tr { @for k in &self.kolommen { th scope="col" { (k) } } } }
                    tbody {
                        @for r in &self.rijen {
                            tr {
                                @for (i, c) in r.iter().enumerate() {
                                    @let inhoud = match c {
                                        Cel::Tekst(s) => html! { (s) },
                                        Cel::Waarde(Waarde::Onderdrukt) => onderdrukt_html(),
                                        Cel::Waarde(w) => html! { (w.tekst()) },
                                    };
                                    @if i == 0 {
                                        th scope="row" { (inhoud) }
                                    } @else {
                                        td.getal { (inhoud) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p.download {
                a href={ "/dashboard/csv/" (self.id) ".csv?" (csv_query) } download {
                    "Download CSV: " (self.titel)
                }
            }
        }
    }
}
