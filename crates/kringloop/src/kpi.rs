//! `kringloop kpi`: the KPIs of one period in the terminal.

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, Utc};
use clap::Args;
use kringloop_events::{Regime, Vorm};
use kringloop_projections::kpi_catalogue as cat;
use kringloop_projections::{
    Aantal, Bescherming, Filter, KpiReport, Periode, Projection, Query, Stroom, Toerekening,
    Verhouding,
};
use kringloop_store::EventStore;

#[derive(Debug, Clone, Args)]
pub struct KpiArgs {
    /// Period: `2024`, `2024Q1` or `2024-K1` (quarter), `2024H2` (half year), `2024-03`
    /// (month) or `2024-01-01..2024-04-01`; the year always in four digits.
    #[arg(long, default_value = "2024Q1")]
    pub periode: String,
    /// Knowledge time: only facts recorded at or before it (RFC 3339 or a date).
    #[arg(long)]
    pub as_known_at: Option<String>,
    /// Attribution: to the youth's home gemeente or to where the facility is.
    #[arg(long, value_enum, ignore_case = true, default_value = "herkomst")]
    pub toerekening: ToerekeningArg,
    /// Landsdeel code, e.g. ZUID_WEST (case and punctuation ignored when unambiguous:
    /// `Zuid-West` works too). An unknown code is an error that lists the valid ones.
    #[arg(long)]
    pub landsdeel: Option<String>,
    /// Jeugdregio code, e.g. RIJNMOND (matched as `--landsdeel`).
    #[arg(long)]
    pub jeugdregio: Option<String>,
    /// Gemeente code (CBS), e.g. GM0599.
    #[arg(long)]
    pub gemeente: Option<String>,
    /// Aanbieder id.
    #[arg(long)]
    pub aanbieder: Option<String>,
    /// Voorziening id.
    #[arg(long)]
    pub voorziening: Option<String>,
    /// Form of care.
    #[arg(long, value_enum, ignore_case = true)]
    pub vorm: Option<VormArg>,
    /// Regime.
    #[arg(long, value_enum, ignore_case = true)]
    pub regime: Option<RegimeArg>,
    /// Protect the figures as for an aggregate (stuurgroep) caller: perturbed by the
    /// cell-key method with the server's secret (`docs/privacy.md`), the same numbers the
    /// API gives that role.
    #[arg(long)]
    pub beschermd: bool,
    /// The cell-key secret file (as `serve --celsleutel-bestand`); default beside the
    /// default token file.
    #[arg(long, env = "KRINGLOOP_CELSLEUTEL_BESTAND")]
    pub celsleutel_bestand: Option<std::path::PathBuf>,
    /// Print the full report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `--toerekening`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ToerekeningArg {
    /// To the youth's home gemeente (woonplaatsbeginsel).
    Herkomst,
    /// To the gemeente where the facility is.
    Locatie,
}

/// `--vorm`: the codes of [`Vorm`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VormArg(pub Vorm);

impl clap::ValueEnum for VormArg {
    fn value_variants<'a>() -> &'a [Self] {
        const ALLE: [VormArg; Vorm::ALL.len()] = {
            let mut a = [VormArg(Vorm::Groep); Vorm::ALL.len()];
            let mut i = 0;
            while i < a.len() {
                a[i] = VormArg(Vorm::ALL[i]);
                i += 1;
            }
            a
        };
        &ALLE
    }
    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.0.code()))
    }
}

/// `--regime`: the codes of [`Regime`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegimeArg(pub Regime);

impl clap::ValueEnum for RegimeArg {
    fn value_variants<'a>() -> &'a [Self] {
        &[RegimeArg(Regime::Gesloten), RegimeArg(Regime::Open)]
    }
    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.0.code()))
    }
}

/// Parses the period notations the CLI and the README use.
pub fn parse_periode(s: &str) -> anyhow::Result<Periode> {
    let s = s.trim();
    if let Some((van, tot)) = s.split_once("..") {
        let van: NaiveDate = van
            .parse()
            .with_context(|| format!("ongeldige datum `{van}`"))?;
        let tot: NaiveDate = tot
            .parse()
            .with_context(|| format!("ongeldige datum `{tot}`"))?;
        return Ok(Periode::bereik(van, tot)?);
    }
    let upper = s.to_ascii_uppercase();
    let cijfers = upper.chars().take_while(char::is_ascii_digit).count();
    let (j, rest) = upper.split_at(cijfers);
    if j.is_empty() {
        bail!("{}", periode_hulp(s));
    }
    if j.len() != 4 {
        bail!(
            "periode `{s}`: schrijf het jaar voluit in vier cijfers (bijvoorbeeld 2024Q1 of \
             2024-K1, niet 24Q1)"
        );
    }
    let jaar: i32 = j
        .parse()
        .with_context(|| format!("ongeldig jaar in periode `{s}`"))?;
    let (streep, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let getal = |t: &str, wat: &str| -> anyhow::Result<u32> {
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            bail!("ongeldig{wat} in periode `{s}`; {}", periode_hulp(s));
        }
        Ok(t.parse()?)
    };
    if rest.is_empty() && !streep {
        return Ok(Periode::jaar(jaar)?);
    }
    if let Some(q) = rest.strip_prefix('Q').or_else(|| rest.strip_prefix('K')) {
        return Ok(Periode::kwartaal(jaar, getal(q, " kwartaal")?)?);
    }
    if let Some(h) = rest.strip_prefix('H') {
        return Ok(Periode::halfjaar(jaar, getal(h, " halfjaar")?)?);
    }
    if streep {
        return Ok(Periode::maand(jaar, getal(rest, "e maand")?)?);
    }
    bail!("{}", periode_hulp(s))
}

fn periode_hulp(s: &str) -> String {
    format!(
        "onbekende periode `{s}`: gebruik 2024, 2024Q1 of 2024-K1, 2024H2, 2024-03 of \
         2024-01-01..2024-04-01"
    )
}

/// Parses a knowledge time: RFC 3339, or a date meaning the end of that day (UTC).
pub fn parse_kennis(s: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let d: NaiveDate = s
        .parse()
        .with_context(|| format!("ongeldig kennismoment `{s}`: gebruik RFC 3339 of een datum"))?;
    let end = d
        .succ_opt()
        .and_then(|n| n.and_hms_opt(0, 0, 0))
        .context("datum buiten bereik")?;
    Ok(end.and_utc() - chrono::Duration::microseconds(1))
}

impl KpiArgs {
    /// The query as given; the codes in its filter are resolved by [`resolve`].
    pub fn query(&self) -> anyhow::Result<Query> {
        let mut q = Query::new(parse_periode(&self.periode)?);
        if let Some(k) = &self.as_known_at {
            q = q.known_at(parse_kennis(k)?);
        }
        q = q.toerekening(match self.toerekening {
            ToerekeningArg::Herkomst => Toerekening::Herkomst,
            ToerekeningArg::Locatie => Toerekening::Locatie,
        });
        Ok(q.filter(Filter {
            landsdeel: self.landsdeel.clone(),
            jeugdregio: self.jeugdregio.clone(),
            gemeente: self.gemeente.clone(),
            aanbieder: self.aanbieder.clone(),
            voorziening: self.voorziening.clone(),
            vorm: self.vorm.map(|v| v.0),
            regime: self.regime.map(|r| r.0),
        }))
    }
}

/// The query with its filter's codes resolved against the landscape in the log
/// (`rijnmond` → `RIJNMOND`); an unknown code is an error that lists the valid ones.
pub fn resolve(projection: &Projection, mut query: Query) -> anyhow::Result<Query> {
    query.filter = projection
        .resolve_filter(&query.filter)
        .map_err(|e| anyhow::anyhow!("{}", e.melding(60)))?;
    Ok(query)
}

/// Folds the whole log into a projection.
pub async fn load(store: &dyn EventStore) -> anyhow::Result<Projection> {
    let mut projection = Projection::new();
    projection.reserve(usize::try_from(store.head_position().await?).unwrap_or(0));
    let mut after = 0;
    let mut errors = 0usize;
    loop {
        let batch = store.read_for_fold(after, 50_000).await?;
        let Some(last) = batch.last_position() else {
            break;
        };
        after = last;
        for e in kringloop_runner::fold_page(&mut projection, &batch) {
            errors += 1;
            if errors <= 5 {
                tracing::warn!(position = e.position, stream = %e.stream, "{}", e.message);
            }
        }
    }
    if errors > 0 {
        tracing::warn!(errors, "gebeurtenissen die de projectie niet kon verwerken");
    }
    Ok(projection)
}

pub async fn run(store: &dyn EventStore, args: &KpiArgs, database_url: &str) -> anyhow::Result<()> {
    let query = args.query()?;
    let started = std::time::Instant::now();
    let projection = load(store).await?;
    let loaded = started.elapsed();
    let query = resolve(&projection, query)?;
    let report = if args.beschermd {
        let pad = args.celsleutel_bestand.clone().unwrap_or_else(|| {
            crate::cell_key::default_path(&crate::serve::default_token_path(database_url))
        });
        projection.kpis_beschermd(&query, &crate::cell_key::load_or_create(&pad)?)
    } else {
        projection.kpis(&query)
    };
    if args.json {
        uit!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    print_report(&report, &query);
    eprintln!(
        "({} gebeurtenissen verwerkt in {:.2} s, positie {})",
        projection.position(),
        loaded.as_secs_f64(),
        projection.position()
    );
    Ok(())
}

fn n(a: &Aantal) -> String {
    match (a.waarde, a.bescherming) {
        (Some(v), Bescherming::Verstoord) => format!("{v} (verstoord)"),
        (Some(v), _) => v.to_string(),
        (None, Bescherming::Onderdrukt) => "onderdrukt".into(),
        (None, _) => "–".into(),
    }
}

fn pct(v: &Verhouding) -> String {
    match (v.waarde, v.bescherming) {
        (Some(w), _) => format!("{:.1} % ({} van {})", w * 100.0, n(&v.teller), n(&v.noemer)),
        (None, Bescherming::Onderdrukt) => "onderdrukt".into(),
        (None, _) => "–".into(),
    }
}

fn opt(v: Option<f64>, unit: &str) -> String {
    v.map(|v| format!("{v:.1}{unit}"))
        .unwrap_or_else(|| "–".into())
}

/// One line of the report: the label in a column, then the figures.
fn line(label: &str, figures: impl std::fmt::Display) {
    uit!("  {label:<27} {figures}");
}

fn print_report(r: &KpiReport, q: &Query) {
    uit!(
        "kringloop KPI's {} t/m {} (peildatum {}){}",
        q.periode.van,
        q.periode.tot.pred_opt().unwrap_or(q.periode.tot),
        q.peil(),
        q.known_at
            .map(|k| format!(", zoals bekend op {k}"))
            .unwrap_or_default()
    );
    let b = &r.balans.waarde;
    line("opbouw alternatieven", b.opbouw_alternatieven);
    line("afbouw gesloten", b.afbouw_gesloten);
    line(
        cat::BALANS.label,
        format!("{} (ratio {})", b.balans, opt(b.ratio, "")),
    );
    let d = &r.doelafwijking.waarde;
    line(
        cat::DOELAFWIJKING.label,
        format!(
            "plaatsen {} / doel {} (afwijking {}, op koers: {})",
            d.plaatsen,
            opt(d.doel, ""),
            opt(d.afwijking, ""),
            d.op_koers
                .map(|o| if o { "ja" } else { "nee" })
                .unwrap_or("–")
        ),
    );
    let bz = &r.bezetting.waarde;
    line(
        cat::BEZETTING.label,
        format!(
            "{} op {} plaatsen; graad {}; over de periode {}",
            n(&bz.bezetting),
            bz.plaatsen,
            pct(&bz.graad),
            pct(&bz.graad_periode)
        ),
    );
    let p = &r.plaatsingen.waarde;
    line(
        cat::PLAATSINGEN.label,
        format!(
            "{} exclusief, {} inclusief doorplaatsingen",
            n(&p.exclusief_doorplaatsingen),
            n(&p.inclusief_doorplaatsingen)
        ),
    );
    line(cat::UNIEKE_JEUGDIGEN.label, n(&r.unieke_jeugdigen.waarde));
    line(cat::SPOEDMACHTIGINGEN.label, n(&r.spoedmachtigingen.waarde));
    line(cat::SPOEDAANDEEL.label, pct(&r.spoedaandeel.waarde));
    let dp = &r.doorplaatsingen.waarde;
    line(
        cat::DOORPLAATSINGEN.label,
        format!(
            "{} (per jeugdige {}; cohort 365 d {})",
            n(&dp.aantal),
            opt(dp.per_jeugdige.waarde, ""),
            pct(&dp.cohort_365)
        ),
    );
    line(
        cat::STROOM_EPISODES.label,
        stroom(&r.stroom_episodes.waarde),
    );
    line(
        cat::STROOM_TRAJECTEN.label,
        stroom(&r.stroom_trajecten.waarde),
    );
    line(
        cat::UITSTROOM_NAAR_LICHTERE_ZORG.label,
        pct(&r.uitstroom_naar_lichtere_zorg.waarde.lichter),
    );
    let v = &r.verblijfsduur.waarde;
    line(
        cat::VERBLIJFSDUUR.label,
        format!(
            "gemiddeld {}, mediaan {}, p90 {}; korter dan een jaar {}",
            opt(v.gemiddelde, " d"),
            opt(v.mediaan, " d"),
            opt(v.p90, " d"),
            pct(&v.korter_dan_jaar)
        ),
    );
    line(cat::LANGVERBLIJVERS.label, n(&r.langverblijvers.waarde));
    let sg = &r.signalen.waarde;
    line(
        cat::SIGNALEN.label,
        format!(
            "overbezetting {}, zonder machtiging {}, spoedmachtiging > 28 d {}, doorplaatsing {}",
            n(&sg.overbezetting),
            n(&sg.zonder_machtiging),
            n(&sg.spoedmachtiging_te_lang),
            n(&sg.doorplaatsing)
        ),
    );
}

fn stroom(s: &Stroom) -> String {
    format!(
        "begin {} + instroom {} − uitstroom {} = eind {}",
        n(&s.begin),
        n(&s.instroom),
        n(&s.uitstroom),
        n(&s.eind)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_period_notation() {
        let d = |s: &str| s.parse::<NaiveDate>().ok();
        for (notation, van, tot) in [
            ("2024Q1", "2024-01-01", "2024-04-01"),
            ("2024h2", "2024-07-01", "2025-01-01"),
            ("2024-03", "2024-03-01", "2024-04-01"),
            ("2023", "2023-01-01", "2024-01-01"),
            ("2024-01-15..2024-02-01", "2024-01-15", "2024-02-01"),
        ] {
            let p = parse_periode(notation).ok();
            assert_eq!(
                p.map(|p| (Some(p.van), Some(p.tot))),
                Some((d(van), d(tot))),
                "{notation}"
            );
        }
        assert!(parse_periode("2024Q5").is_err());
        for (a, b) in [
            ("2024-K1", "2024Q1"),
            ("2024k3", "2024Q3"),
            ("2024-Q2", "2024Q2"),
        ] {
            assert_eq!(
                parse_periode(a).ok().map(|p| (p.van, p.tot)),
                parse_periode(b).ok().map(|p| (p.van, p.tot)),
                "{a}"
            );
        }
        assert!(parse_periode("gisteren").is_err());
        assert!(parse_periode("2024-02-01..2024-01-01").is_err());
    }

    /// `24Q1` was read as the year 24; a year must have four digits.
    #[test]
    fn a_two_digit_year_is_refused() {
        for p in ["24Q1", "24", "24-03", "24H1", "024Q1", "20241Q1"] {
            let m = parse_periode(p).err().map(|e| format!("{e:#}"));
            assert!(
                m.as_deref().is_some_and(|m| m.contains("vier cijfers")),
                "{p}: {m:?}"
            );
        }
        assert!(parse_periode("2024Q").is_err());
        assert!(parse_periode("2024-").is_err());
        assert!(parse_periode("2024X1").is_err());
    }

    #[test]
    fn a_date_as_knowledge_time_means_the_end_of_that_day() {
        let k = parse_kennis("2024-04-15").ok().map(|k| k.to_rfc3339());
        assert_eq!(k.as_deref(), Some("2024-04-15T23:59:59.999999+00:00"));
        assert!(parse_kennis("2024-04-15T10:00:00Z").is_ok());
        assert!(parse_kennis("morgen").is_err());
    }
}
