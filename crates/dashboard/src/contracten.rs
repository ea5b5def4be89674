//! The contract manager's page (`GET /contracten`) and the money section of the
//! stuurgroep page.
//!
//! The page shows, per provider of the contracts the signed-in principal may see (a
//! contract manager: those of its jeugdregio), each contract's scorecard with a traffic
//! light per agreement (GEHAALD green, NIET_GEHAALD red, NOG_NIET_DEFINITIEF grey), the
//! trend of each agreement per quarter, and the provider's costs of the year so far
//! against its contracts' budget ceilings; above them the region's budget per segment.
//! `?aanbieder=<id>` narrows the page to one provider: the one-page summary for the
//! quarterly contract talk, laid out for print (`@media print` in the stylesheet).
//!
//! Two GraphQL queries, as the signed-in principal like the rest of the dashboard: the
//! contracts, costs and budget ([`laad`]), then the scorecards of those contracts.

use chrono::{Datelike as _, NaiveDate};
use kringloop_graphql::{KringloopSchema, Principal, Rol};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api_data::{ApiFout, PeriodeJson, vraag};
use crate::format::{decimaal, geheel};
use crate::selection::{Gebied, Periode, Selectie};

/// Roles that may open the page (the API's `GELD_LEZERS`).
pub fn mag(rol: Rol) -> bool {
    matches!(
        rol,
        Rol::Stuurgroep | Rol::Contractmanager | Rol::Evaluator | Rol::Admin
    )
}

// ------------------------------------------------------------------------------ data

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plafond {
    pub vanaf: NaiveDate,
    pub bedrag_cent: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractKort {
    pub id: String,
    pub aanbieder: String,
    pub jeugdregios: Vec<String>,
    pub financiering: String,
    pub van: NaiveDate,
    pub tot_en_met: NaiveDate,
    pub budgetplafond: Vec<Plafond>,
}

impl ContractKort {
    /// The annual ceiling in force on `d`, if any.
    fn plafond_op(&self, d: NaiveDate) -> Option<i64> {
        self.budgetplafond
            .iter()
            .rfind(|p| p.vanaf <= d)
            .and_then(|p| p.bedrag_cent)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KostenRij {
    pub sleutel: String,
    pub zorgkosten_cent: i64,
    pub leegstand_cent: i64,
    pub totaal_cent: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Kosten {
    pub totaal: KostenRij,
    pub per_aanbieder: Vec<KostenRij>,
    #[serde(default)]
    pub per_segment: Vec<KostenRij>,
}

impl Kosten {
    fn van(&self, aanbieder: &str) -> KostenRij {
        self.per_aanbieder
            .iter()
            .find(|r| r.sleutel == aanbieder)
            .cloned()
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetRegel {
    pub segment: String,
    pub budget_cent: Option<i64>,
    pub kosten_cent: i64,
    pub realisatie: Option<f64>,
    pub prognose_cent: i64,
    pub prognose_realisatie: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetRegio {
    pub jeugdregio: String,
    pub segmenten: Vec<BudgetRegel>,
    pub totaal: BudgetRegel,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Budget {
    pub jaar: i32,
    pub dagen_verstreken: i64,
    pub dagen_in_jaar: i64,
    pub regios: Vec<BudgetRegio>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inhoud {
    pub soort: String,
    pub kpi: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub richting: Option<String>,
    pub vorm: Option<String>,
    pub regime: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Trendpunt {
    pub periode: PeriodeJson,
    pub waarde: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Punt {
    pub datum: NaiveDate,
    pub afgesproken: i64,
    pub gerealiseerd: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AfspraakScore {
    pub afspraak: String,
    pub inhoud: Inhoud,
    pub meetperiode: Option<PeriodeJson>,
    pub gerealiseerd: Option<f64>,
    /// GEHAALD, NIET_GEHAALD or NOG_NIET_DEFINITIEF.
    pub status: String,
    pub trend: Vec<Trendpunt>,
    pub punten: Vec<Punt>,
    /// How many versions the agreement has had (1: never changed).
    #[serde(default)]
    pub historie: Vec<Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Scorecard {
    pub contract: String,
    pub afspraken: Vec<AfspraakScore>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Aanbieder {
    pub id: String,
    pub naam: String,
}

/// Everything the page shows.
#[derive(Debug, Clone)]
pub struct ContractPagina {
    pub contracten: Vec<ContractKort>,
    pub aanbieders: Vec<Aanbieder>,
    /// Costs in the selected period.
    pub kosten: Kosten,
    /// Costs from 1 January of the period's year to its end.
    pub kosten_jaar: Kosten,
    pub budget: Budget,
    pub scorecards: Vec<Scorecard>,
}

/// The jeugdregio filter of the page: a bound role's own region, else the selected area.
fn filter(principal: &Principal, sel: &Selectie) -> Value {
    match principal.jeugdregio.as_deref() {
        Some(r) if principal.rol.per_jeugdregio() => json!({ "jeugdregio": r }),
        _ => sel.gebied.filter(),
    }
}

fn periode_json(van: NaiveDate, tot: NaiveDate) -> Value {
    json!({ "van": van, "tot": tot })
}

const RIJ: &str = "fragment R on KostenRij { sleutel zorgkostenCent leegstandCent totaalCent }
fragment B on BudgetRegel { segment budgetCent kostenCent realisatie prognoseCent prognoseRealisatie }";

/// Loads the page: contracts, costs and budget in one query, then the scorecards.
pub async fn laad(
    schema: &KringloopSchema,
    principal: &Principal,
    sel: &Selectie,
    aanbieder: Option<&str>,
) -> Result<ContractPagina, ApiFout> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Antwoord {
        contracten: Vec<ContractKort>,
        aanbieders: Vec<Aanbieder>,
        kosten: Kosten,
        jaar: Kosten,
        budget: Budget,
    }
    let jaar_van = NaiveDate::from_ymd_opt(
        sel.periode
            .tot()
            .pred_opt()
            .unwrap_or(sel.periode.van())
            .year(),
        1,
        1,
    )
    .unwrap_or(sel.periode.van());
    let f = filter(principal, sel);
    let regio = f.get("jeugdregio").cloned();
    let q = format!(
        "query C($p: PeriodeInvoer!, $j: PeriodeInvoer!, $f: FilterInvoer, $r: String, $a: String, $k: DateTime) {{
           contracten(jeugdregio: $r, aanbieder: $a, asKnownAt: $k) {{
             id aanbieder jeugdregios financiering van totEnMet budgetplafond {{ vanaf bedragCent }}
           }}
           aanbieders {{ id naam }}
           kosten(periode: $p, filter: $f, asKnownAt: $k) {{ totaal {{ ...R }} perAanbieder {{ ...R }} perSegment {{ ...R }} }}
           jaar: kosten(periode: $j, filter: $f, asKnownAt: $k) {{ totaal {{ ...R }} perAanbieder {{ ...R }} }}
           budget(periode: $p, filter: $f, asKnownAt: $k) {{
             jaar dagenVerstreken dagenInJaar regios {{ jeugdregio segmenten {{ ...B }} totaal {{ ...B }} }}
           }}
         }}
         {RIJ}"
    );
    let a: Antwoord = vraag(
        schema,
        principal,
        &q,
        json!({
            "p": periode_json(sel.periode.van(), sel.periode.tot()),
            "j": periode_json(jaar_van, sel.periode.tot()),
            "f": f,
            "r": regio,
            "a": aanbieder,
            "k": sel.as_known_at().map(|k| k.to_rfc3339()),
        }),
    )
    .await?;
    let mut scorecards = Vec::new();
    // At most 24 scorecards per query (the API's budget of root fields).
    for deel in a.contracten.chunks(24) {
        let velden: String = (0..deel.len())
            .map(|i| {
                format!(
                    "s{i}: scorecard(contract: $c{i}, asKnownAt: $k) {{
                       contract afspraken {{
                         afspraak inhoud {{ soort kpi min max richting vorm regime }}
                         meetperiode {{ van tot }} gerealiseerd status
                         trend {{ periode {{ van tot }} waarde }}
                         punten {{ datum afgesproken gerealiseerd }}
                         historie {{ datum }}
                       }}
                     }}"
                )
            })
            .collect();
        let decl: String = (0..deel.len())
            .map(|i| format!(", $c{i}: String!"))
            .collect();
        let q = format!("query S($k: DateTime{decl}) {{ {velden} }}");
        let mut vars = json!({ "k": sel.as_known_at().map(|k| k.to_rfc3339()) });
        for (i, c) in deel.iter().enumerate() {
            vars[format!("c{i}")] = json!(c.id);
        }
        let r: serde_json::Map<String, Value> = vraag(schema, principal, &q, vars).await?;
        for i in 0..deel.len() {
            if let Some(v) = r.get(&format!("s{i}")).filter(|v| !v.is_null()) {
                let s: Scorecard = serde_json::from_value(v.clone()).map_err(|e| ApiFout {
                    code: None,
                    melding: format!("scorecard niet te lezen: {e}"),
                })?;
                scorecards.push(s);
            }
        }
    }
    Ok(ContractPagina {
        contracten: a.contracten,
        aanbieders: a.aanbieders,
        kosten: a.kosten,
        kosten_jaar: a.jaar,
        budget: a.budget,
        scorecards,
    })
}

/// The money section of the stuurgroep page: costs against budget and leegstand.
#[derive(Debug, Clone)]
pub struct GeldOverzicht {
    pub kosten: Kosten,
    pub budget: Budget,
}

/// Loads the money section for the selected area (a contract manager: its region).
pub async fn laad_overzicht(
    schema: &KringloopSchema,
    principal: &Principal,
    sel: &Selectie,
) -> Result<GeldOverzicht, ApiFout> {
    #[derive(Deserialize)]
    struct Antwoord {
        kosten: Kosten,
        budget: Budget,
    }
    let q = format!(
        "query G($p: PeriodeInvoer!, $f: FilterInvoer, $k: DateTime) {{
           kosten(periode: $p, filter: $f, asKnownAt: $k) {{ totaal {{ ...R }} perAanbieder {{ ...R }} perSegment {{ ...R }} }}
           budget(periode: $p, filter: $f, asKnownAt: $k) {{
             jaar dagenVerstreken dagenInJaar regios {{ jeugdregio segmenten {{ ...B }} totaal {{ ...B }} }}
           }}
         }}
         {RIJ}"
    );
    let a: Antwoord = vraag(
        schema,
        principal,
        &q,
        json!({
            "p": periode_json(sel.periode.van(), sel.periode.tot()),
            "f": filter(principal, sel),
            "k": sel.as_known_at().map(|k| k.to_rfc3339()),
        }),
    )
    .await?;
    Ok(GeldOverzicht {
        kosten: a.kosten,
        budget: a.budget,
    })
}

// ------------------------------------------------------------------------------ format

/// Eurocents as whole euros: `€ 1.234.567`.
pub fn euro(cent: i64) -> String {
    let euro = (cent as f64 / 100.0).round() as i64;
    format!("€ {}", geheel(euro))
}

fn procent(x: Option<f64>) -> String {
    x.filter(|x| x.is_finite()).map_or_else(
        || "–".to_owned(),
        |x| format!("{} %", decimaal(x * 100.0, 1)),
    )
}

fn kpi_naam(code: &str) -> &'static str {
    match code {
        "GEMIDDELDE_VERBLIJFSDUUR" => "Gemiddelde verblijfsduur (dagen)",
        "RATIO_AMBULANT_BED" => "Verhouding ambulant/bed",
        "SPOEDAANDEEL" => "Spoedaandeel",
        "UITSTROOM_LICHTERE_ZORG" => "Uitstroom naar lichtere zorg",
        "DOORPLAATSINGEN" => "Doorplaatsingen",
        "BEZETTINGSGRAAD" => "Bezettingsgraad",
        "MAATREGELEN_PER_1000_LIGDAGEN" => "Maatregelen per 1.000 ligdagen",
        _ => "Norm",
    }
}

/// Shares are shown as percentages, the rest as numbers.
fn is_aandeel(kpi: Option<&str>) -> bool {
    matches!(
        kpi,
        Some("SPOEDAANDEEL" | "UITSTROOM_LICHTERE_ZORG" | "BEZETTINGSGRAAD")
    )
}

fn waarde(kpi: Option<&str>, x: Option<f64>) -> String {
    match x.filter(|x| x.is_finite()) {
        None => "–".to_owned(),
        Some(x) if is_aandeel(kpi) => format!("{} %", decimaal(x * 100.0, 1)),
        Some(x) => decimaal(x, 2).trim_end_matches(",00").to_owned(),
    }
}

fn afspraak_tekst(a: &AfspraakScore) -> (String, String) {
    let i = &a.inhoud;
    if i.soort == "CAPACITEIT" {
        let wat = [i.vorm.as_deref(), i.regime.as_deref()]
            .into_iter()
            .flatten()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join(" ");
        let richting = if i.richting.as_deref() == Some("AFBOUW") {
            "Afbouw"
        } else {
            "Opbouw"
        };
        let norm = a
            .punten
            .last()
            .map(|p| {
                format!(
                    "{} {} plaatsen op {}",
                    if richting == "Afbouw" {
                        "hoogstens"
                    } else {
                        "minstens"
                    },
                    p.afgesproken,
                    p.datum.format("%d-%m-%Y")
                )
            })
            .unwrap_or_default();
        (format!("{richting} plaatsen {wat}").trim().to_owned(), norm)
    } else {
        let kpi = i.kpi.as_deref();
        let mut norm = Vec::new();
        if let Some(m) = i.min {
            norm.push(format!("≥ {}", waarde(kpi, Some(m))));
        }
        if let Some(m) = i.max {
            norm.push(format!("≤ {}", waarde(kpi, Some(m))));
        }
        (kpi_naam(kpi.unwrap_or("")).to_owned(), norm.join(" en "))
    }
}

/// The traffic light of a status: colour and words (never colour alone).
pub fn licht(status: &str) -> Markup {
    let (klasse, tekst) = match status {
        "GEHAALD" => ("licht licht-gehaald", "gehaald"),
        "NIET_GEHAALD" => ("licht licht-niet-gehaald", "niet gehaald"),
        _ => ("licht licht-voorlopig", "nog niet definitief"),
    };
    html! {
        span class=(klasse) data-status=(status) {
            span.lamp aria-hidden="true" {}
            (tekst)
        }
    }
}

/// A small line of the values per quarter, with the norm as a dashed line.
fn sparkline(a: &AfspraakScore) -> Markup {
    let waarden: Vec<Option<f64>> = if a.inhoud.soort == "CAPACITEIT" && a.trend.is_empty() {
        a.punten
            .iter()
            .map(|p| Some(p.gerealiseerd as f64))
            .collect()
    } else {
        a.trend.iter().map(|t| t.waarde).collect()
    };
    let norm = a.inhoud.max.or(a.inhoud.min);
    let bekend: Vec<f64> = waarden.iter().flatten().copied().chain(norm).collect();
    let (b, h) = (120.0_f64, 32.0_f64);
    let beschrijving = format!(
        "Verloop per kwartaal: {}",
        waarden
            .iter()
            .map(|w| waarde(a.inhoud.kpi.as_deref(), *w))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if bekend.is_empty() || waarden.len() < 2 {
        return html! { span.trend-leeg title=(beschrijving) { (beschrijving) } };
    }
    let lo = bekend.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = bekend.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = if (hi - lo).abs() < 1e-9 { 1.0 } else { hi - lo };
    let y = |v: f64| h - 3.0 - (v - lo) / span * (h - 6.0);
    let x = |i: usize| 3.0 + i as f64 * (b - 6.0) / (waarden.len() - 1) as f64;
    let punten: Vec<String> = waarden
        .iter()
        .enumerate()
        .filter_map(|(i, w)| w.map(|v| format!("{:.1},{:.1}", x(i), y(v))))
        .collect();
    html! {
        svg.sparkline viewBox={ "0 0 " (b) " " (h) } width=(b) height=(h) role="img" aria-label=(beschrijving) {
            title { (beschrijving) }
            @if let Some(n) = norm {
                line.norm x1="0" x2=(b) y1=(format!("{:.1}", y(n))) y2=(format!("{:.1}", y(n))) {}
            }
            polyline points=(punten.join(" ")) {}
        }
    }
}

// ------------------------------------------------------------------------------ HTML

fn aanbieder_naam<'a>(p: &'a ContractPagina, id: &'a str) -> &'a str {
    p.aanbieders
        .iter()
        .find(|a| a.id == id)
        .map_or(id, |a| a.naam.as_str())
}

fn budgettabel(b: &Budget) -> Markup {
    let segment = |s: &str| match s {
        "GESLOTEN" => "Gesloten",
        "OPEN_RESIDENTIEEL" => "Open residentieel",
        "AMBULANT" => "Ambulant",
        _ => "Totaal",
    };
    html! {
        @if b.regios.is_empty() {
            p.toelichting { "Geen budget vastgesteld voor " (b.jaar) "." }
        }
        @for r in &b.regios {
            table.budget data-regio=(r.jeugdregio) {
                caption { "Budget " (b.jaar) ", jeugdregio " (r.jeugdregio) " (stand na " (b.dagen_verstreken) " van " (b.dagen_in_jaar) " dagen)" }
                thead { tr { th scope="col" { "Segment" } th scope="col" { "Budget" } th scope="col" { "Kosten tot nu" } th scope="col" { "Realisatie" } th scope="col" { "Prognose jaar" } th scope="col" { "Prognose t.o.v. budget" } } }
                tbody {
                    @for s in r.segmenten.iter().chain(std::iter::once(&r.totaal)) {
                        @let over = s.prognose_realisatie.is_some_and(|x| x > 1.0);
                        tr class=[(s.segment == "TOTAAL").then_some("totaal")] {
                            th scope="row" { (segment(&s.segment)) }
                            td { (s.budget_cent.map_or_else(|| "–".to_owned(), euro)) }
                            td { (euro(s.kosten_cent)) }
                            td { (procent(s.realisatie)) }
                            td { (euro(s.prognose_cent)) }
                            td class=[over.then_some("ongunstig")] { (procent(s.prognose_realisatie)) }
                        }
                    }
                }
            }
        }
    }
}

fn scorecardtabel(s: &Scorecard) -> Markup {
    html! {
        @if s.afspraken.is_empty() {
            p.toelichting { "Geen prestatieafspraken in contract " (s.contract) "." }
        } @else {
            table.scorecard data-contract=(s.contract) {
                caption { "Scorecard contract " (s.contract) }
                thead { tr {
                    th scope="col" { "Afspraak" } th scope="col" { "Norm" } th scope="col" { "Gerealiseerd" }
                    th scope="col" { "Status" } th scope="col" { "Trend" }
                } }
                tbody {
                    @for a in &s.afspraken {
                        @let (naam, norm) = afspraak_tekst(a);
                        tr data-afspraak=(a.afspraak) {
                            th scope="row" {
                                (naam)
                                @if a.historie.len() > 1 {
                                    span.klein { " (" (a.historie.len() - 1) "× gewijzigd)" }
                                }
                                @if let Some(m) = &a.meetperiode {
                                    br; span.klein { (m.van.format("%d-%m-%Y")) " t/m " (m.tot.pred_opt().unwrap_or(m.tot).format("%d-%m-%Y")) }
                                }
                            }
                            td { (norm) }
                            td data-waarde=(a.gerealiseerd.map(|x| x.to_string()).unwrap_or_default()) {
                                (waarde(a.inhoud.kpi.as_deref(), a.gerealiseerd))
                            }
                            td { (licht(&a.status)) }
                            td { (sparkline(a)) }
                        }
                    }
                }
            }
        }
    }
}

fn aanbieder_sectie(p: &ContractPagina, id: &str, sel: &Selectie, los: bool) -> Markup {
    let contracten: Vec<&ContractKort> =
        p.contracten.iter().filter(|c| c.aanbieder == id).collect();
    let peil = sel.periode.tot().pred_opt().unwrap_or(sel.periode.tot());
    let plafond: Option<i64> = contracten
        .iter()
        .filter_map(|c| c.plafond_op(peil))
        .reduce(|a, b| a + b);
    let jaar = p.kosten_jaar.van(id);
    let periode = p.kosten.van(id);
    let link = format!("/contracten?{}&aanbieder={}", sel.query(), id);
    html! {
        section.blok.aanbieder aria-labelledby={ "h-" (id) } data-aanbieder=(id) {
            h2 id={ "h-" (id) } { (aanbieder_naam(p, id)) }
            @if !los {
                p.niet-print { a href=(link) { "Samenvatting voor het contractgesprek (afdrukbaar)" } }
            }
            ul.contracten {
                @for c in &contracten {
                    li {
                        strong { (c.id) } " · " (c.financiering.to_lowercase()) " · "
                        (c.van.format("%d-%m-%Y")) " t/m " (c.tot_en_met.format("%d-%m-%Y"))
                        " · regio's " (c.jeugdregios.join(", "))
                    }
                }
            }
            div.kerngetallen {
                div data-kpi="kosten-periode" {
                    span.klein { "Kosten " (sel.periode.label()) }
                    span.groot { (euro(periode.totaal_cent)) }
                    @if periode.leegstand_cent > 0 { span.klein { "waarvan leegstand " (euro(periode.leegstand_cent)) } }
                }
                div data-kpi="kosten-jaar" {
                    span.klein { "Kosten dit jaar tot nu" }
                    span.groot { (euro(jaar.totaal_cent)) }
                }
                div data-kpi="plafond" {
                    span.klein { "Budgetplafond (jaar)" }
                    span.groot { (plafond.map_or_else(|| "geen".to_owned(), euro)) }
                    @if let Some(pl) = plafond.filter(|x| *x > 0) {
                        @let r = jaar.totaal_cent as f64 / pl as f64;
                        span class={ "klein " (if r > 1.0 { "ongunstig" } else { "gunstig" }) } { (procent(Some(r))) " besteed" }
                    }
                }
            }
            @for c in &contracten {
                @if let Some(s) = p.scorecards.iter().find(|s| s.contract == c.id) {
                    (scorecardtabel(s))
                }
            }
        }
    }
}

/// The contract manager's page; `aanbieder` narrows it to one provider's summary.
pub fn pagina(
    p: &ContractPagina,
    sel: &Selectie,
    principal: &Principal,
    aanbieder: Option<&str>,
    keuzes: &[(&'static str, Vec<Periode>)],
) -> Markup {
    let mut ids: Vec<&str> = p.contracten.iter().map(|c| c.aanbieder.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let regio = match (&principal.jeugdregio, &sel.gebied) {
        (Some(r), _) if principal.rol.per_jeugdregio() => format!("Jeugdregio {r}"),
        (_, Gebied::Jeugdregio(r)) => format!("Jeugdregio {r}"),
        (_, Gebied::Landsdeel(l)) => format!("Landsdeel {l}"),
        _ => "Alle regio's".to_owned(),
    };
    let kennis = sel
        .kennis
        .map_or_else(|| "nu".to_owned(), |k| k.format("%d-%m-%Y").to_string());
    let titel = match aanbieder {
        Some(a) => format!("Contractgesprek {}", aanbieder_naam(p, a)),
        None => "Contracten en prestatieafspraken".to_owned(),
    };
    html! {
        (DOCTYPE)
        html lang="nl" {
            (crate::page::kop(&format!("{titel} · {regio} · kringloop")))
            body.contracten-pagina {
                a.skip href="#inhoud" { "Naar de contracten" }
                header.kop {
                    div {
                        p.merk { "kringloop · contractmanagement" }
                        h1 { (titel) }
                        p.context { strong { (regio) } " · " strong { (sel.periode.label()) } " · stand van kennis: " (kennis) }
                    }
                    div.gebruiker {
                        span { "Aangemeld als " strong { (principal.naam) } " (" (principal.rol) ")" }
                        a.niet-print href="/" { "Stuurgroepdashboard" }
                        form method="post" action="/afmelden" { button.secundair type="submit" { "Afmelden" } }
                    }
                }
                form.selectie method="get" action="/contracten" aria-label="Selectie van periode, kennismoment en aanbieder" {
                    input type="hidden" name="gebied" value=(sel.gebied.sleutel());
                    div.veld {
                        label for="periode" { "Periode" }
                        select id="periode" name="periode" {
                            @for (groep, perioden) in keuzes {
                                optgroup label=(groep) {
                                    @for q in perioden {
                                        option value=(q.sleutel()) selected[*q == sel.periode] { (q.label()) }
                                    }
                                }
                            }
                        }
                    }
                    div.veld {
                        label for="kennis" { "Stand van kennis op" }
                        input id="kennis" name="kennis" type="date" value=[sel.kennis.map(|k| k.to_string())];
                    }
                    div.veld {
                        label for="aanbieder" { "Aanbieder" }
                        select id="aanbieder" name="aanbieder" {
                            option value="" selected[aanbieder.is_none()] { "Alle aanbieders" }
                            @for id in &ids {
                                option value=(id) selected[aanbieder == Some(*id)] { (aanbieder_naam(p, id)) }
                            }
                        }
                    }
                    button type="submit" { "Toon" }
                }
                main id="inhoud" {
                    @if aanbieder.is_none() {
                        section.blok aria-labelledby="h-budget" {
                            h2 id="h-budget" { "Kosten tegen budget" }
                            p.toelichting {
                                "Kosten in " (sel.periode.label()) ": " strong { (euro(p.kosten.totaal.totaal_cent)) }
                                ", waarvan leegstand (volumegarantie): " strong data-kpi="leegstand" { (euro(p.kosten.totaal.leegstand_cent)) } "."
                            }
                            (budgettabel(&p.budget))
                        }
                    }
                    @if ids.is_empty() {
                        section.blok { p { "Geen contracten zichtbaar voor deze selectie." } }
                    }
                    @for id in &ids {
                        (aanbieder_sectie(p, id, sel, aanbieder.is_some()))
                    }
                    p.toelichting {
                        "Verkeerslichten: groen is gehaald, rood niet gehaald, grijs nog niet definitief (de meetperiode loopt nog op de stand van kennis). "
                        "Bedragen in hele euro's; de kosten volgen uit de financiering van elk contract (docs/kpis.md, \"Geld\")."
                    }
                }
            }
        }
    }
}

/// The money section of the stuurgroep page.
pub fn sectie(g: &Result<GeldOverzicht, ApiFout>, sel: &Selectie) -> Markup {
    html! {
        section.blok aria-labelledby="h-geld" data-sectie="geld" {
            h2 id="h-geld" { "Geld: kosten tegen budget, " (sel.periode.label()) }
            @match g {
                Err(e) => p.fout { "De kosten konden niet worden opgehaald: " (e.melding) }
                Ok(g) => {
                    div.kerngetallen {
                        div data-kpi="kosten" {
                            span.klein { "Kosten " (sel.periode.label()) }
                            span.groot { (euro(g.kosten.totaal.totaal_cent)) }
                        }
                        div data-kpi="leegstandskosten" {
                            span.klein { "Leegstandskosten (volumegarantie)" }
                            span.groot { (euro(g.kosten.totaal.leegstand_cent)) }
                        }
                        @for s in &g.kosten.per_segment {
                            div data-kpi={ "segment-" (s.sleutel.to_lowercase()) } {
                                span.klein { "Segment " (s.sleutel.to_lowercase().replace('_', " ")) }
                                span.groot { (euro(s.totaal_cent)) }
                            }
                        }
                    }
                    (budgettabel(&g.budget))
                    p.niet-print { a href={ "/contracten?" (sel.query()) } { "Contracten en scorecards per aanbieder" } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bedragen_en_lichten() {
        assert_eq!(euro(123_456_789), "€ 1.234.568");
        assert_eq!(euro(-5_000), "€ −50");
        let l = licht("NIET_GEHAALD").into_string();
        assert!(
            l.contains("licht-niet-gehaald") && l.contains("niet gehaald"),
            "{l}"
        );
        assert!(
            licht("NOG_NIET_DEFINITIEF")
                .into_string()
                .contains("nog niet definitief")
        );
        assert_eq!(waarde(Some("SPOEDAANDEEL"), Some(0.125)), "12,5 %");
        assert_eq!(waarde(Some("GEMIDDELDE_VERBLIJFSDUUR"), Some(120.0)), "120");
    }
}
