//! CSV reader: a header row, then one fact per row (see [`crate::formaat`] for the
//! columns). Comma or semicolon separated (Dutch Excel writes `;`; the separator is taken
//! from the header line), UTF-8 with or without BOM, quotes as in RFC 4180.
//!
//! The reader never stops at a bad row: every row yields a [`Voorstel`] or an
//! [`Afgewezen`] with its line number, so one run reports every problem in the file.

use std::borrow::Cow;

use foldhash::HashMap;

use crate::formaat::{self, VeldFout, Velden};
use crate::pseudonym::{Pseudonymizer, redact};
use crate::record::{self, Afgewezen, Location, Voorstel};

/// One item the reader yields.
#[derive(Debug)]
pub enum Item {
    Voorstel(Box<Voorstel>),
    Afgewezen(Afgewezen),
}

/// Whether a CSV file has a `bsn` column (so it needs the pseudonymisation key).
pub fn has_bsn_column(bytes: &[u8]) -> bool {
    has_column(bytes, "bsn")
}

/// Whether the header line of a CSV file names column `name`.
pub fn has_column(bytes: &[u8], name: &str) -> bool {
    let header = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    String::from_utf8_lossy(header).split([',', ';']).any(|k| {
        k.trim()
            .trim_matches('"')
            .trim_start_matches('\u{feff}')
            .eq_ignore_ascii_case(name)
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

fn detect_delimiter(bytes: &[u8]) -> u8 {
    let header = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let commas = header.iter().filter(|b| **b == b',').count();
    let semicolons = header.iter().filter(|b| **b == b';').count();
    if semicolons > commas { b';' } else { b',' }
}

/// Column name → index. Looked up several times per row: foldhash, not SipHash (the
/// names come from the operator's own header).
type Columns = HashMap<String, usize>;

struct Row<'a> {
    columns: &'a Columns,
    fields: &'a [&'a str],
}

impl Velden for Row<'_> {
    fn tekst(&self, name: &str) -> Result<Option<Cow<'_, str>>, VeldFout> {
        Ok(self
            .columns
            .get(name)
            .and_then(|i| self.fields.get(*i))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(Cow::Borrowed))
    }
}

/// Reads a whole CSV file. `file` names it in sources and messages.
pub fn read(file: &str, bytes: &[u8], pseudo: Option<&Pseudonymizer>) -> Vec<Item> {
    reader(file, bytes, pseudo).collect()
}

/// Reads a CSV file row by row, as [`read`] does at once: the importer checks (and
/// writes) the first rows while the later ones are still unread.
pub fn reader<'a>(file: &'a str, bytes: &'a [u8], pseudo: Option<&'a Pseudonymizer>) -> Reader<'a> {
    let delimiter = detect_delimiter(bytes);
    // An unterminated quote swallows the rest of the file: read only up to the record
    // that holds it, then report it with the line of the quote.
    let open = open_quote(bytes, delimiter);
    let readable = open.map_or(bytes, |o| &bytes[..o.record_start]);
    let quote_error = open.map(|o| {
        Item::Afgewezen(Afgewezen::unreadable(
            Location::regel(file, o.line),
            "aanhalingsteken (\") wordt niet afgesloten; de rest van het bestand zou in één veld vallen. Sluit het veld af met \" (een \" in een veld schrijf je als \"\")",
        ))
    });
    let mut rdr = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(readable);
    let error = |reden: String| Reader {
        file,
        pseudo,
        rows: None,
        header_error: Some(Item::Afgewezen(Afgewezen::unreadable(
            Location::regel(file, 1),
            reden,
        ))),
        quote_error: None,
        pending: Default::default(),
        contracten: Default::default(),
    };
    if open.is_some_and(|o| o.record_start == 0) {
        return Reader {
            header_error: quote_error,
            ..error(String::new())
        };
    }
    let header = match rdr.byte_headers() {
        Ok(k) => k.clone(),
        Err(e) => return error(format!("kopregel onleesbaar: {}", redact(&e.to_string()))),
    };
    let known = record::all_columns();
    let mut columns = Columns::default();
    for (i, k) in header.iter().enumerate() {
        if k.contains(&0) {
            return error(format!(
                "kolom {} in de kopregel bevat een NUL-teken (0x00)",
                i + 1
            ));
        }
        let Ok(name) = std::str::from_utf8(k) else {
            return error(format!("kolom {} in de kopregel is geen UTF-8", i + 1));
        };
        let name = name
            .trim()
            .trim_start_matches('\u{feff}')
            .to_ascii_lowercase();
        if !known.contains(&name) {
            return error(format!(
                "onbekende kolom `{}` in de kopregel; bekende kolommen zijn: {}",
                redact(&name),
                known.join(", ")
            ));
        }
        if columns.insert(name.clone(), i).is_some() {
            return error(format!("kolom `{name}` staat twee keer in de kopregel"));
        }
    }
    if !columns.contains_key("type") {
        return error("de kopregel mist de kolom `type`".to_owned());
    }
    let mut names = vec![String::new(); header.len()];
    for (n, i) in &columns {
        names[*i].clone_from(n);
    }
    Reader {
        file,
        pseudo,
        rows: Some(Rows {
            rdr,
            column_count: header.len(),
            columns,
            names,
            source_prefix: format!("import:csv {file}"),
            row: ::csv::ByteRecord::new(),
        }),
        header_error: None,
        quote_error,
        pending: Default::default(),
        contracten: Default::default(),
    }
}

/// The rows of a CSV file as [`Item`]s (see [`reader`]).
pub struct Reader<'a> {
    file: &'a str,
    pseudo: Option<&'a Pseudonymizer>,
    rows: Option<Rows<'a>>,
    /// The one item of a file whose header is wrong.
    header_error: Option<Item>,
    /// The unterminated quote, reported after the rows before it.
    quote_error: Option<Item>,
    /// The further facts of a row that expands into several (a coordinator's list).
    pending: std::collections::VecDeque<Item>,
    /// The rows of a contract (one per product) joined into one fact.
    contracten: crate::contract::Groepering,
}

impl std::fmt::Debug for Reader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

struct Rows<'a> {
    rdr: ::csv::Reader<&'a [u8]>,
    column_count: usize,
    columns: Columns,
    names: Vec<String>,
    source_prefix: String,
    row: ::csv::ByteRecord,
}

impl Iterator for Reader<'_> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        let mut contracten = std::mem::take(&mut self.contracten);
        let item = contracten.volgende(|| self.row_item());
        self.contracten = contracten;
        item
    }
}

impl Reader<'_> {
    /// The next item of one row, before contract rows are joined.
    fn row_item(&mut self) -> Option<Item> {
        if let Some(item) = self.header_error.take() {
            return Some(item);
        }
        if let Some(item) = self.pending.pop_front() {
            return Some(item);
        }
        let file = self.file;
        let Some(r) = self.rows.as_mut() else {
            return self.quote_error.take();
        };
        loop {
            let line_before = r.rdr.position().line();
            match r.rdr.read_byte_record(&mut r.row) {
                Ok(false) => return self.quote_error.take(),
                Ok(true) => {}
                Err(e) => {
                    // A broken quote or bad UTF-8: report it and go on with the next row.
                    let regel = e.position().map_or(line_before, ::csv::Position::line);
                    return Some(Item::Afgewezen(Afgewezen::unreadable(
                        Location::regel(file, regel),
                        format!("regel onleesbaar: {}", redact(&e.to_string())),
                    )));
                }
            }
            let row = &r.row;
            let regel = row.position().map_or(line_before, ::csv::Position::line);
            if row.len() == 1
                && row
                    .get(0)
                    .is_some_and(|c| c.iter().all(u8::is_ascii_whitespace))
            {
                continue; // blank line
            }
            let plaats = Location::regel(file, regel);
            if let Some(i) = row.iter().position(|c| c.contains(&0)) {
                return Some(Item::Afgewezen(Afgewezen::unreadable(
                    plaats,
                    format!(
                        "kolom `{}` bevat een NUL-teken (0x00); dat is niet toegestaan (is het bestand wel tekst in UTF-8?)",
                        r.names.get(i).map_or("?", String::as_str)
                    ),
                )));
            }
            if row.len() != r.column_count {
                return Some(Item::Afgewezen(Afgewezen::unreadable(
                    plaats,
                    format!(
                        "de regel heeft {} kolommen, de kopregel {}",
                        row.len(),
                        r.column_count
                    ),
                )));
            }
            let mut fields: Vec<&str> = Vec::with_capacity(r.column_count);
            let mut utf8_error = None;
            for (i, c) in row.iter().enumerate() {
                match std::str::from_utf8(c) {
                    Ok(s) => fields.push(s),
                    Err(_) => {
                        utf8_error = Some(i);
                        fields.push("");
                    }
                }
            }
            if let Some(i) = utf8_error {
                return Some(Item::Afgewezen(Afgewezen::unreadable(
                    plaats,
                    format!(
                        "kolom `{}` is geen geldige UTF-8 (sla het bestand op als UTF-8)",
                        r.names.get(i).map_or("?", String::as_str)
                    ),
                )));
            }
            let row = Row {
                columns: &r.columns,
                fields: &fields,
            };
            match read_row(&row, &r.names, &plaats, &r.source_prefix, self.pseudo) {
                Ok(vs) => {
                    let mut vs = vs.into_iter().map(|v| Item::Voorstel(Box::new(v)));
                    let eerste = vs.next();
                    self.pending.extend(vs);
                    if eerste.is_some() {
                        return eerste;
                    }
                }
                Err(e) => return Some(Item::Afgewezen(Afgewezen::unreadable(plaats, e.0))),
            }
        }
    }
}

fn read_row(
    r: &Row<'_>,
    names: &[String],
    plaats: &Location,
    source_prefix: &str,
    pseudo: Option<&Pseudonymizer>,
) -> Result<Vec<Voorstel>, VeldFout> {
    // Filled cells in columns that do not belong to this type are mistakes (a value in
    // the wrong column), not something to ignore.
    if let Some(t) = r.tekst("type")?
        && let Some(spec) = formaat::spec(t.trim())
    {
        let nieuw_type = r.tekst("nieuw_type")?;
        for (i, cell) in r.fields.iter().enumerate() {
            let name = names.get(i).map_or("", String::as_str);
            if !cell.trim().is_empty() && !record::belongs_to(name, spec, nieuw_type.as_deref()) {
                return Err(VeldFout(format!(
                    "kolom `{name}` hoort niet bij type {}; laat die cel leeg",
                    spec.event_type
                )));
            }
        }
    }
    if let Some(t) = r.tekst("type")?
        && t.trim().eq_ignore_ascii_case(crate::lijst::LIJST_TYPE)
    {
        for (i, cell) in r.fields.iter().enumerate() {
            let name = names.get(i).map_or("", String::as_str);
            if !cell.trim().is_empty()
                && !crate::lijst::hoort_bij(name)
                && !matches!(name, "type" | "pseudoniem" | "bsn")
                && !formaat::META_NA.contains(&name)
            {
                return Err(VeldFout(format!(
                    "kolom `{name}` hoort niet bij type {}; laat die cel leeg",
                    crate::lijst::LIJST_TYPE
                )));
            }
        }
    }
    record::read_all(r, plaats, source_prefix, pseudo, None)
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
        let items = read("plaatsen.csv", csv.as_bytes(), None);
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
        let items = read("x.csv", csv.as_bytes(), None);
        assert!(
            matches!(&items[0], Item::Voorstel(v) if v.feit.valid_date().map(|d| d.to_string()).as_deref() == Some("2024-03-01"))
        );
    }

    #[test]
    fn unknown_column_is_a_header_error() {
        let items = read("x.csv", b"type,voorzienig\nPlaatsenGeopend,X\n", None);
        let a = afgewezen(&items);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].plaats.regel, Some(1));
        assert!(a[0].reden.contains("voorzienig"));
    }

    #[test]
    fn a_value_in_a_foreign_column_is_an_error() {
        let csv = "type,voorziening,datum,aantal,reden\nPlaatsenGeopend,X,2024-01-01,3,waarom\n";
        let a = read("x.csv", csv.as_bytes(), None);
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
        assert!(has_bsn_column(csv.as_bytes()));
        let items = read("x.csv", csv.as_bytes(), None);
        let a = afgewezen(&items);
        assert!(!a[0].reden.contains("999900006"));
    }
}
