//! CSV reader: a header row, then one fact per row (see [`crate::formaat`] for the
//! columns). Comma or semicolon separated (Dutch Excel writes `;`; the separator is taken
//! from the header line), UTF-8 with or without BOM, quotes as in RFC 4180.
//!
//! The reader never stops at a bad row: every row yields a [`Voorstel`] or an
//! [`Afgewezen`] with its line number, so one run reports every problem in the file.

use std::borrow::Cow;

use foldhash::HashMap;

use kringloop_events::Gebeurtenis;

use crate::formaat::{self, VeldFout, Velden};
use crate::pseudonym::{Pseudonimiseerder, veilig};
use crate::record::{self, Afgewezen, Plaats, Voorstel};

/// One item the reader yields.
#[derive(Debug)]
pub enum Item {
    Voorstel(Box<Voorstel>),
    Afgewezen(Afgewezen),
}

/// Whether a CSV file has a `bsn` column (so it needs the pseudonymisation key).
pub fn heeft_bsn_kolom(bytes: &[u8]) -> bool {
    heeft_kolom(bytes, "bsn")
}

/// Whether the header line of a CSV file names column `naam`.
pub fn heeft_kolom(bytes: &[u8], naam: &str) -> bool {
    let kop = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    String::from_utf8_lossy(kop).split([',', ';']).any(|k| {
        k.trim()
            .trim_matches('"')
            .trim_start_matches('\u{feff}')
            .eq_ignore_ascii_case(naam)
    })
}

/// A quote that is opened and never closed: the csv crate would read the rest of the
/// file into that one field without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OpenQuote {
    /// Byte offset where the record holding the quote starts.
    record_start: usize,
    /// Line (1-based) of the opening quote.
    line: u64,
}

/// Finds an unterminated quoted field, following the csv crate's reading (RFC 4180): a
/// quote opens a quoted field only at the start of a field, `""` inside one is a quote,
/// and a quote in the middle of an unquoted field is an ordinary character.
fn open_quote(bytes: &[u8], delimiter: u8) -> Option<OpenQuote> {
    if !bytes.contains(&b'"') {
        return None;
    }
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    let mut line: u64 = 1;
    let mut record_start = 0;
    let mut quote = OpenQuote {
        record_start: 0,
        line: 1,
    };
    for (i, &b) in bytes.iter().enumerate() {
        state = match (state, b) {
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (State::FieldStart, b'"') => {
                quote = OpenQuote { record_start, line };
                State::Quoted
            }
            (_, b'\n') => {
                record_start = i + 1;
                State::FieldStart
            }
            (_, d) if d == delimiter => State::FieldStart,
            // A carriage return before the line feed keeps the field start.
            (State::FieldStart, b'\r') => State::FieldStart,
            _ => State::Unquoted,
        };
        if b == b'\n' {
            line += 1;
        }
    }
    (state == State::Quoted).then_some(quote)
}

fn scheidingsteken(bytes: &[u8]) -> u8 {
    let kop = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let komma = kop.iter().filter(|b| **b == b',').count();
    let puntkomma = kop.iter().filter(|b| **b == b';').count();
    if puntkomma > komma { b';' } else { b',' }
}

/// Column name → index. Looked up several times per row: foldhash, not SipHash (the
/// names come from the operator's own header).
type Kolommen = HashMap<String, usize>;

struct Rij<'a> {
    kolommen: &'a Kolommen,
    velden: &'a [&'a str],
}

impl Velden for Rij<'_> {
    fn tekst(&self, naam: &str) -> Result<Option<Cow<'_, str>>, VeldFout> {
        Ok(self
            .kolommen
            .get(naam)
            .and_then(|i| self.velden.get(*i))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(Cow::Borrowed))
    }
}

/// Reads a whole CSV file. `bestand` names it in sources and messages.
pub fn lees(bestand: &str, bytes: &[u8], pseudo: Option<&Pseudonimiseerder>) -> Vec<Item> {
    lezer(bestand, bytes, pseudo).collect()
}

/// Reads a CSV file row by row, as [`lees`] does at once: the importer checks (and
/// writes) the first rows while the later ones are still unread.
pub fn lezer<'a>(
    bestand: &'a str,
    bytes: &'a [u8],
    pseudo: Option<&'a Pseudonimiseerder>,
) -> Lezer<'a> {
    let delimiter = scheidingsteken(bytes);
    // An unterminated quote swallows the rest of the file: read only up to the record
    // that holds it, then report it with the line of the quote.
    let open = open_quote(bytes, delimiter);
    let gelezen = open.map_or(bytes, |o| &bytes[..o.record_start]);
    let quote_fout = open.map(|o| {
        Item::Afgewezen(Afgewezen::onleesbaar(
            Plaats::regel(bestand, o.line),
            "aanhalingsteken (\") wordt niet afgesloten; de rest van het bestand zou in één veld vallen. Sluit het veld af met \" (een \" in een veld schrijf je als \"\")",
        ))
    });
    let mut rdr = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(gelezen);
    let fout = |reden: String| Lezer {
        bestand,
        pseudo,
        rijen: None,
        kop_fout: Some(Item::Afgewezen(Afgewezen::onleesbaar(
            Plaats::regel(bestand, 1),
            reden,
        ))),
        quote_fout: None,
    };
    if open.is_some_and(|o| o.record_start == 0) {
        return Lezer {
            kop_fout: quote_fout,
            ..fout(String::new())
        };
    }
    let kop = match rdr.byte_headers() {
        Ok(k) => k.clone(),
        Err(e) => return fout(format!("kopregel onleesbaar: {}", veilig(&e.to_string()))),
    };
    let bekend = record::alle_kolommen();
    let mut kolommen = Kolommen::default();
    for (i, k) in kop.iter().enumerate() {
        if k.contains(&0) {
            return fout(format!(
                "kolom {} in de kopregel bevat een NUL-teken (0x00)",
                i + 1
            ));
        }
        let Ok(naam) = std::str::from_utf8(k) else {
            return fout(format!("kolom {} in de kopregel is geen UTF-8", i + 1));
        };
        let naam = naam
            .trim()
            .trim_start_matches('\u{feff}')
            .to_ascii_lowercase();
        if !bekend.contains(&naam) {
            return fout(format!(
                "onbekende kolom `{}` in de kopregel; bekende kolommen zijn: {}",
                veilig(&naam),
                bekend.join(", ")
            ));
        }
        if kolommen.insert(naam.clone(), i).is_some() {
            return fout(format!("kolom `{naam}` staat twee keer in de kopregel"));
        }
    }
    if !kolommen.contains_key("type") {
        return fout("de kopregel mist de kolom `type`".to_owned());
    }
    let mut namen = vec![String::new(); kop.len()];
    for (n, i) in &kolommen {
        namen[*i].clone_from(n);
    }
    Lezer {
        bestand,
        pseudo,
        rijen: Some(Rijen {
            rdr,
            aantal_kolommen: kop.len(),
            kolommen,
            namen,
            bron_prefix: format!("import:csv {bestand}"),
            rij: ::csv::ByteRecord::new(),
        }),
        kop_fout: None,
        quote_fout,
    }
}

/// The rows of a CSV file as [`Item`]s (see [`lezer`]).
pub struct Lezer<'a> {
    bestand: &'a str,
    pseudo: Option<&'a Pseudonimiseerder>,
    rijen: Option<Rijen<'a>>,
    /// The one item of a file whose header is wrong.
    kop_fout: Option<Item>,
    /// The unterminated quote, reported after the rows before it.
    quote_fout: Option<Item>,
}

impl std::fmt::Debug for Lezer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lezer")
            .field("bestand", &self.bestand)
            .finish_non_exhaustive()
    }
}

struct Rijen<'a> {
    rdr: ::csv::Reader<&'a [u8]>,
    aantal_kolommen: usize,
    kolommen: Kolommen,
    namen: Vec<String>,
    bron_prefix: String,
    rij: ::csv::ByteRecord,
}

impl Iterator for Lezer<'_> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        if let Some(item) = self.kop_fout.take() {
            return Some(item);
        }
        let bestand = self.bestand;
        let Some(r) = self.rijen.as_mut() else {
            return self.quote_fout.take();
        };
        loop {
            let regel_voor = r.rdr.position().line();
            match r.rdr.read_byte_record(&mut r.rij) {
                Ok(false) => return self.quote_fout.take(),
                Ok(true) => {}
                Err(e) => {
                    // A broken quote or bad UTF-8: report it and go on with the next row.
                    let regel = e.position().map_or(regel_voor, ::csv::Position::line);
                    return Some(Item::Afgewezen(Afgewezen::onleesbaar(
                        Plaats::regel(bestand, regel),
                        format!("regel onleesbaar: {}", veilig(&e.to_string())),
                    )));
                }
            }
            let rij = &r.rij;
            let regel = rij.position().map_or(regel_voor, ::csv::Position::line);
            if rij.len() == 1
                && rij
                    .get(0)
                    .is_some_and(|c| c.iter().all(u8::is_ascii_whitespace))
            {
                continue; // blank line
            }
            let plaats = Plaats::regel(bestand, regel);
            if let Some(i) = rij.iter().position(|c| c.contains(&0)) {
                return Some(Item::Afgewezen(Afgewezen::onleesbaar(
                    plaats,
                    format!(
                        "kolom `{}` bevat een NUL-teken (0x00); dat is niet toegestaan (is het bestand wel tekst in UTF-8?)",
                        r.namen.get(i).map_or("?", String::as_str)
                    ),
                )));
            }
            if rij.len() != r.aantal_kolommen {
                return Some(Item::Afgewezen(Afgewezen::onleesbaar(
                    plaats,
                    format!(
                        "de regel heeft {} kolommen, de kopregel {}",
                        rij.len(),
                        r.aantal_kolommen
                    ),
                )));
            }
            let mut velden: Vec<&str> = Vec::with_capacity(r.aantal_kolommen);
            let mut utf8_fout = None;
            for (i, c) in rij.iter().enumerate() {
                match std::str::from_utf8(c) {
                    Ok(s) => velden.push(s),
                    Err(_) => {
                        utf8_fout = Some(i);
                        velden.push("");
                    }
                }
            }
            if let Some(i) = utf8_fout {
                return Some(Item::Afgewezen(Afgewezen::onleesbaar(
                    plaats,
                    format!(
                        "kolom `{}` is geen geldige UTF-8 (sla het bestand op als UTF-8)",
                        r.namen.get(i).map_or("?", String::as_str)
                    ),
                )));
            }
            let rij = Rij {
                kolommen: &r.kolommen,
                velden: &velden,
            };
            return Some(
                match lees_rij(&rij, &r.namen, &plaats, &r.bron_prefix, self.pseudo) {
                    Ok(v) => Item::Voorstel(Box::new(v)),
                    Err(e) => Item::Afgewezen(Afgewezen::onleesbaar(plaats, e.0)),
                },
            );
        }
    }
}

fn lees_rij(
    r: &Rij<'_>,
    namen: &[String],
    plaats: &Plaats,
    bron_prefix: &str,
    pseudo: Option<&Pseudonimiseerder>,
) -> Result<Voorstel, VeldFout> {
    // Filled cells in columns that do not belong to this type are mistakes (a value in
    // the wrong column), not something to ignore.
    if let Some(t) = r.tekst("type")?
        && let Some(spec) = formaat::spec(t.trim())
    {
        let nieuw_type = r.tekst("nieuw_type")?;
        for (i, cel) in r.velden.iter().enumerate() {
            let naam = namen.get(i).map_or("", String::as_str);
            if !cel.trim().is_empty() && !record::hoort_bij(naam, spec, nieuw_type.as_deref()) {
                return Err(VeldFout(format!(
                    "kolom `{naam}` hoort niet bij type {}; laat die cel leeg",
                    spec.event_type
                )));
            }
        }
    }
    record::lees(
        r,
        plaats,
        bron_prefix,
        pseudo,
        None::<&dyn Fn(&str) -> Result<Gebeurtenis, VeldFout>>,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn afgewezen(items: &[Item]) -> Vec<&Afgewezen> {
        items
            .iter()
            .filter_map(|i| match i {
                Item::Afgewezen(a) => Some(a),
                Item::Voorstel(_) => None,
            })
            .collect()
    }

    #[test]
    fn reads_rows_and_reports_each_bad_one_with_its_line() {
        let csv = "type,voorziening,datum,aantal,reden\n\
                   PlaatsenGeopend,HZN-DE-BRUG,2024-01-01,12,\n\
                   PlaatsenGeopend,HZN-DE-BRUG,2024-13-01,12,\n\
                   PlaatsenGeopend,HZN-DE-BRUG,2024-01-01\n\
                   PlaatsenGesloten,HZN-DE-BRUG,2024-02-01,twee,afbouw\n\
                   Onzin,HZN-DE-BRUG,2024-02-01,2,afbouw\n";
        let items = lees("plaatsen.csv", csv.as_bytes(), None);
        assert_eq!(items.len(), 5);
        let a = afgewezen(&items);
        let regels: Vec<u64> = a.iter().filter_map(|a| a.plaats.regel).collect();
        assert_eq!(regels, vec![3, 4, 5, 6]);
        assert!(a[0].reden.contains("geen geldige datum"));
        assert!(a[1].reden.contains("kolommen"));
        assert!(a[2].reden.contains("geen heel getal"));
        assert!(a[3].reden.contains("PlaatsingGestart"), "{}", a[3].reden);
        match &items[0] {
            Item::Voorstel(v) => assert_eq!(v.source, "import:csv plaatsen.csv:2"),
            Item::Afgewezen(a) => panic!("{a}"),
        }
    }

    #[test]
    fn semicolons_and_dutch_dates() {
        let csv = "type;voorziening;datum;aantal\nPlaatsenGeopend;X;01-03-2024;4\n";
        let items = lees("x.csv", csv.as_bytes(), None);
        assert!(
            matches!(&items[0], Item::Voorstel(v) if v.feit.valid_date().map(|d| d.to_string()).as_deref() == Some("2024-03-01"))
        );
    }

    #[test]
    fn unknown_column_is_a_header_error() {
        let items = lees("x.csv", b"type,voorzienig\nPlaatsenGeopend,X\n", None);
        let a = afgewezen(&items);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].plaats.regel, Some(1));
        assert!(a[0].reden.contains("voorzienig"));
    }

    #[test]
    fn a_value_in_a_foreign_column_is_an_error() {
        let csv = "type,voorziening,datum,aantal,reden\nPlaatsenGeopend,X,2024-01-01,3,waarom\n";
        let a = lees("x.csv", csv.as_bytes(), None);
        assert!(afgewezen(&a)[0].reden.contains("hoort niet bij"));
    }

    #[test]
    fn finds_an_unterminated_quote_as_the_csv_crate_reads_quotes() {
        let q = |s: &str| open_quote(s.as_bytes(), b',').map(|o| (o.record_start, o.line));
        assert_eq!(q("a,b\nc,d\n"), None);
        assert_eq!(q("a,\"b,c\"\nd,\"e\"\"f\"\n"), None, "closed and doubled");
        assert_eq!(
            q("a,b\"c\nd\n"),
            None,
            "a quote inside a field is a character"
        );
        assert_eq!(q("a,\"b\nc\"\n"), None, "a field over two lines");
        assert_eq!(q("a,b\nc,\"d\ne,f\n"), Some((4, 2)));
        assert_eq!(q("a,b\nc,\"d\ne\"\nf,\"g\n"), Some((12, 4)));
        assert_eq!(q("\"a,b\nc\n"), Some((0, 1)));
        assert_eq!(q("a;\"b\n"), None, "not a field start with ','");
        assert_eq!(open_quote(b"a;\"b\n", b';').map(|o| o.line), Some(1));
    }

    #[test]
    fn bsn_without_key_is_refused_and_never_echoed() {
        let csv =
            "type,bsn,woongemeente,datum\nWoongemeenteGewijzigd,999900006,GM0599,2024-01-01\n";
        assert!(heeft_bsn_kolom(csv.as_bytes()));
        let items = lees("x.csv", csv.as_bytes(), None);
        let a = afgewezen(&items);
        assert!(!a[0].reden.contains("999900006"));
    }
}
