//! `docs/kpis.md` documents every KPI of the API and points at code that exists:
//! - every field of `KpiRapport` in `graphql/schema.graphql` has a section (a heading that
//!   names it in backticks);
//! - every field of the types of those KPIs is named (in backticks) in the text, except
//!   how a value was protected, which is not a KPI;
//! - every source file it points at exists, and every function, test or field it names
//!   (`Type::name`, or a name with an underscore) is defined somewhere in the sources;
//! - the KPI catalogue (`projections/src/kpi_catalogue.rs`) lists the KPIs of
//!   `KpiRapport` in the schema's order, each one's anchor is the section of
//!   `docs/kpis.md` that names it, and a field the schema describes is described with
//!   the catalogue's definition.

use std::path::{Path, PathBuf};

/// Fields that say how a value was protected for roles without person-level access.
const BESCHERMING: [&str; 2] = ["onderdrukt", "bescherming"];

/// Types shared by many KPIs (a count, a share, a table): described once, not per KPI.
const ALGEMEEN: [&str; 3] = ["Aantal", "Verhouding", "Kruistabel"];

fn wortel() -> PathBuf {
    let graphql = Path::new(env!("CARGO_MANIFEST_DIR"));
    graphql.parent().unwrap_or(graphql).to_path_buf()
}

fn lees(pad: &str) -> String {
    let p = wortel().join(pad);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The fields of `type <naam> { … }` in an SDL text, with the named type of each (lists
/// and non-null marks taken off). `None` when there is no such type.
fn velden(sdl: &str, naam: &str) -> Option<Vec<(String, String)>> {
    let kop = format!("type {naam} {{");
    let mut regels = sdl.lines().map(str::trim);
    regels.find(|r| *r == kop)?;
    let mut uit = Vec::new();
    let mut beschrijving = false;
    for r in regels {
        if r == "}" {
            return Some(uit);
        }
        if r == "\"\"\"" {
            beschrijving = !beschrijving;
            continue;
        }
        if beschrijving || r.is_empty() || r.starts_with('"') || r.starts_with('#') {
            continue;
        }
        let Some((voor, ty)) = r.rsplit_once(':') else {
            continue;
        };
        let veld = voor.split(['(', ':']).next().unwrap_or("").trim();
        let ty = ty.trim().trim_matches(|c| c == '[' || c == ']' || c == '!');
        uit.push((veld.to_owned(), ty.to_owned()));
    }
    None
}

/// The code spans (between backticks) of a Markdown text.
fn code(doc: &str) -> Vec<&str> {
    doc.split('`').skip(1).step_by(2).collect()
}

#[test]
fn elke_kpi_heeft_een_paragraaf() {
    let sdl = lees("graphql/schema.graphql");
    let doc = lees("docs/kpis.md");
    let kpis = velden(&sdl, "KpiRapport").unwrap_or_default();
    assert!(
        kpis.len() >= 15,
        "KpiRapport not found or too small: {kpis:?}"
    );
    let koppen: Vec<&str> = doc.lines().filter(|r| r.starts_with('#')).collect();
    let missend: Vec<&str> = kpis
        .iter()
        .map(|(veld, _)| veld.as_str())
        .filter(|veld| !koppen.iter().any(|k| k.contains(&format!("`{veld}`"))))
        .collect();
    assert!(
        missend.is_empty(),
        "docs/kpis.md has no section (a heading with the name in backticks) for: {missend:?}"
    );
}

#[test]
fn elk_veld_van_een_kpi_is_beschreven() {
    let sdl = lees("graphql/schema.graphql");
    let doc = lees("docs/kpis.md");
    let genoemd = code(&doc);
    let mut missend = Vec::new();
    let mut gezien = 0;
    for (kpi, ty) in velden(&sdl, "KpiRapport").unwrap_or_default() {
        if ALGEMEEN.contains(&ty.as_str()) {
            continue;
        }
        let Some(sub) = velden(&sdl, &ty) else {
            continue;
        };
        for (veld, _) in sub {
            gezien += 1;
            if !BESCHERMING.contains(&veld.as_str()) && !genoemd.contains(&veld.as_str()) {
                missend.push(format!("{kpi}.{veld}"));
            }
        }
    }
    assert!(gezien >= 30, "too few fields found: {gezien}");
    assert!(
        missend.is_empty(),
        "docs/kpis.md does not name these fields in backticks: {missend:?}"
    );
}

/// Every `.rs` file under `dir`, recursively, appended to `uit`.
fn bronnen(dir: &Path, uit: &mut String) {
    let Ok(lijst) = std::fs::read_dir(dir) else {
        return;
    };
    for e in lijst.flatten() {
        let p = e.path();
        if p.is_dir() {
            bronnen(&p, uit);
        } else if p.extension().is_some_and(|x| x == "rs")
            && let Ok(tekst) = std::fs::read_to_string(&p)
        {
            uit.push_str(&tekst);
        }
    }
}

#[test]
fn verwijzingen_bestaan() {
    let doc = lees("docs/kpis.md");
    let w = wortel();
    let mut src = String::new();
    for dir in ["events", "projections", "graphql", "tests", "crates"] {
        bronnen(&w.join(dir), &mut src);
    }
    let mut missend = Vec::new();
    let mut bestanden = 0;
    let mut namen = 0;
    for c in code(&doc) {
        let naamtekens = |t: &str| {
            !t.is_empty()
                && t.chars()
                    .all(|x| x.is_ascii_alphanumeric() || matches!(x, '_' | '/' | '.' | ':'))
        };
        if !naamtekens(c) {
            continue;
        }
        if c.ends_with(".rs") || c.ends_with(".md") || c.ends_with(".graphql") {
            bestanden += 1;
            // A bare file name is a test file (the document says so).
            let pad = if c.contains('/') {
                w.join(c)
            } else {
                w.join("projections/tests").join(c)
            };
            if !pad.exists() {
                missend.push(c.to_owned());
            }
            continue;
        }
        let naam = c.rsplit("::").next().unwrap_or(c);
        let functie = naam
            .chars()
            .all(|x| x.is_ascii_lowercase() || x.is_ascii_digit() || x == '_');
        if !functie || !(c.contains("::") || naam.contains('_')) {
            continue;
        }
        namen += 1;
        let gevonden = src.contains(&format!("fn {naam}("))
            || src.contains(&format!("fn {naam}<"))
            || src.contains(&format!("pub {naam}:"))
            || src.contains(&format!("pub(crate) {naam}:"));
        if !gevonden {
            missend.push(c.to_owned());
        }
    }
    assert!(
        bestanden >= 10 && namen >= 40,
        "too few references: {bestanden} files, {namen} names"
    );
    assert!(
        missend.is_empty(),
        "docs/kpis.md points at what does not exist: {missend:?}"
    );
}

/// The GitHub anchor of a Markdown heading: lower case, punctuation dropped, spaces as `-`.
fn anker(kop: &str) -> String {
    kop.trim_start_matches('#')
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

#[test]
fn de_catalogus_volgt_het_schema_en_de_documentatie() {
    use kringloop_graphql::kpi_catalogue::KPIS;
    let sdl = lees("graphql/schema.graphql");
    let doc = lees("docs/kpis.md");
    let schema: Vec<String> = velden(&sdl, "KpiRapport")
        .unwrap_or_default()
        .into_iter()
        .map(|(veld, _)| veld)
        .filter(|veld| veld != "meta")
        .collect();
    let catalogus: Vec<&str> = KPIS.iter().map(|k| k.key).collect();
    assert_eq!(
        schema, catalogus,
        "the KPI catalogue and KpiRapport in the schema list other KPIs"
    );
    let koppen: Vec<&str> = doc.lines().filter(|r| r.starts_with('#')).collect();
    for k in KPIS {
        let sectie = koppen
            .iter()
            .find(|kop| kop.contains(&format!("`{}`", k.key)) && anker(kop) == k.anchor);
        assert!(
            sectie.is_some(),
            "docs/kpis.md has no heading naming `{}` with anchor #{}",
            k.key,
            k.anchor
        );
    }
}

#[test]
fn beschrijvingen_in_het_schema_komen_uit_de_catalogus() {
    use kringloop_graphql::kpi_catalogue::kpi;
    let sdl = lees("graphql/schema.graphql");
    let mut regels = sdl.lines().map(str::trim);
    assert!(regels.any(|r| r == "type KpiRapport {"));
    let (mut open, mut beschrijving) = (false, Vec::new());
    let mut beschreven = 0;
    for r in regels {
        if r == "\"\"\"" {
            open = !open;
            continue;
        }
        if open {
            beschrijving.push(r);
            continue;
        }
        if r == "}" {
            break;
        }
        let veld = r.split(':').next().unwrap_or("").trim();
        if !beschrijving.is_empty() {
            assert_eq!(
                kpi(veld).map(|k| k.definition),
                Some(beschrijving.join(" ").as_str()),
                "the schema describes `{veld}` otherwise than the KPI catalogue"
            );
            beschreven += 1;
        }
        beschrijving.clear();
    }
    assert!(
        beschreven >= 4,
        "too few described KPI fields: {beschreven}"
    );
}
