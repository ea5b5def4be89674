//! The HTML pages: the dashboard, the sign-in form and the error page.

use kringloop_graphql::Principal;
use maud::{DOCTYPE, Markup, html};

use crate::api_data::{Dashboard, Rapport};
use crate::chart;
use crate::format::{Richting, Waarde, geheel, onderdrukt_html, verandering, verstoord_html};
use crate::kpi::{self, KPIS, KpiDef, naam};
use crate::selection::{Gebied, Periode, Selectie};
use crate::table::Tabel;

pub(crate) fn kop(titel: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="color-scheme" content="light";
            title { (titel) }
            link rel="stylesheet" href="/dashboard/dashboard.css";
            link rel="icon" href="/dashboard/favicon.svg" type="image/svg+xml";
        }
    }
}

/// The sign-in page; `fout` is shown above the form.
pub fn aanmelden(fout: Option<&str>) -> Markup {
    html! {
        (DOCTYPE)
        html lang="nl" {
            (kop("Aanmelden · kringloop stuurgroepdashboard"))
            body.aanmelden {
                main id="inhoud" {
                    p.merk { "kringloop" }
                    h1 { "Stuurgroepdashboard" }
                    p { "Af- en ombouw van de gesloten jeugdzorg, per landsdeel en jeugdregio." }
                    @if let Some(f) = fout {
                        p.fout role="alert" { (f) }
                    }
                    form method="post" action="/aanmelden" {
                        label for="token" { "Toegangstoken" }
                        input id="token" name="token" type="password" autocomplete="off" required
                            spellcheck="false" aria-describedby="token-uitleg";
                        p id="token-uitleg" .uitleg {
                            "Het token dat u van de beheerder kreeg (begint met "
                            code { "kl_" } "). Het wordt alleen als cookie in deze browser bewaard."
                        }
                        button type="submit" { "Aanmelden" }
                    }
                }
            }
        }
    }
}

/// An error page with a way back.
pub fn foutpagina(titel: &str, melding: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="nl" {
            (kop(&format!("{titel} · kringloop")))
            body.aanmelden {
                main id="inhoud" {
                    p.merk { "kringloop" }
                    h1 { (titel) }
                    p.fout role="alert" { (melding) }
                    p { a href="/" { "Terug naar het dashboard" } }
                }
            }
        }
    }
}

fn gebied_naam(d: &Dashboard, g: &Gebied) -> String {
    match g {
        Gebied::Nederland => "Nederland".to_owned(),
        Gebied::Landsdeel(c) => d
            .referentie
            .landsdelen
            .iter()
            .find(|l| &l.code == c)
            .map_or_else(|| c.clone(), |l| format!("Landsdeel {}", l.naam)),
        Gebied::Jeugdregio(c) => d
            .referentie
            .jeugdregios
            .iter()
            .find(|r| &r.code == c)
            .map_or_else(|| c.clone(), |r| format!("Jeugdregio {}", r.naam)),
    }
}

fn selectieformulier(
    d: &Dashboard,
    sel: &Selectie,
    keuzes: &[(&'static str, Vec<Periode>)],
    persoonsniveau: bool,
) -> Markup {
    let gekozen = sel.gebied.sleutel();
    html! {
        form.selectie method="get" action="/" role="search" aria-label="Selectie van gebied, periode en kennismoment" {
            div.veld {
                label for="gebied" { "Gebied" }
                select id="gebied" name="gebied" {
                    option value="NL" selected[gekozen == "NL"] { "Heel Nederland" }
                    optgroup label="Landsdelen" {
                        @for l in &d.referentie.landsdelen {
                            @let k = format!("LD:{}", l.code);
                            option value=(k) selected[gekozen == k] { (l.naam) }
                        }
                    }
                    @for l in &d.referentie.landsdelen {
                        @let regios: Vec<_> = d.referentie.jeugdregios.iter().filter(|r| r.landsdeel == l.code).collect();
                        @if !regios.is_empty() {
                            optgroup label={ "Jeugdregio's " (l.naam) } {
                                @for r in regios {
                                    @let k = format!("JR:{}", r.code);
                                    option value=(k) selected[gekozen == k] { (r.naam) }
                                }
                            }
                        }
                    }
                }
            }
            div.veld {
                label for="periode" { "Periode" }
                select id="periode" name="periode" {
                    @for (groep, perioden) in keuzes {
                        optgroup label=(groep) {
                            @for p in perioden {
                                option value=(p.sleutel()) selected[*p == sel.periode] { (p.label()) }
                            }
                        }
                    }
                }
            }
            div.veld {
                label for="kennis" { "Stand van kennis op" }
                input id="kennis" name="kennis" type="date" value=[sel.kennis.map(|k| k.to_string())]
                    aria-describedby="kennis-uitleg";
                small id="kennis-uitleg" { "leeg = nu; einde van de dag (UTC)" }
            }
            @if let Some(s) = sel.scenario {
                input type="hidden" name="scenario" value=(s.sleutel());
            }
            @if persoonsniveau {
                input type="hidden" name="k1" value=[sel.k1.map(|k| k.to_string())];
                input type="hidden" name="k2" value=[sel.k2.map(|k| k.to_string())];
            }
            div.veld.knop {
                button type="submit" { "Toon cijfers" }
            }
        }
    }
}

/// One headline tile; `beschermd`: the figures are perturbed for this role (every tile
/// is about persons), which the tile says in one line with a link to the method.
fn tegel(
    k: &KpiDef,
    nu: &Rapport,
    toen: Option<&Rapport>,
    vorige: Periode,
    beschermd: bool,
) -> Markup {
    let w = (k.waarde)(nu);
    let oud = toen.map(|r| (k.waarde)(r));
    let v = oud.and_then(|o| verandering(w, o, k.richting));
    let (getal, eenheid) = w.delen();
    html! {
        article.tegel data-kpi=(k.id) aria-labelledby={ "tegel-" (k.id) } {
            h3 id={ "tegel-" (k.id) } { (k.label) }
            p.waarde data-waarde=(w.csv()) {
                @if w == Waarde::Onderdrukt {
                    (onderdrukt_html())
                } @else {
                    (getal)
                    @if !eenheid.is_empty() { span.eenheid { " " (eenheid) } }
                }
            }
            @if beschermd && w != Waarde::Onderdrukt && w != Waarde::Geen {
                (verstoord_html())
            }
            @if k.lijn_90 {
                (meter(w))
                @if let Some(p) = w.getal() {
                    @if p < 90.0 {
                        p.norm.onder { "Onder de levensvatbaarheidsgrens van 90 %" }
                    } @else if p > 100.0 {
                        p.norm.onder { "Overbezet: boven 100 %" }
                    } @else {
                        p.norm.boven { "Op of boven de grens van 90 %" }
                    }
                }
            }
            @if let Some(v) = v {
                p class={ "verandering " (v.klasse) } {
                    span.pijl aria-hidden="true" { (v.pijl) }
                    " " strong { (v.tekst) } " "
                    span.oordeel { (v.uitleg) }
                    " t.o.v. " (vorige.label())
                }
            } @else {
                p.verandering.neutraal {
                    "t.o.v. " (vorige.label()) ": "
                    (oud.map_or_else(|| "geen cijfer".to_owned(), |o| if o == Waarde::Onderdrukt { "onderdrukt".to_owned() } else { o.tekst() }))
                }
            }
            p.uitleg { (k.uitleg) }
        }
    }
}

/// The occupancy meter: a bar 0–120 % with the 90 % viability line.
fn meter(w: Waarde) -> Markup {
    let x = |p: f64| 4.0 + 232.0 * (p / 120.0).clamp(0.0, 1.0);
    let pct = w.getal();
    html! {
        svg.meter viewBox="0 0 240 32" role="img" aria-labelledby="meter-titel" xmlns="http://www.w3.org/2000/svg" {
            title id="meter-titel" {
                "Bezettingsgraad " (w.tekst()) " tegen de levensvatbaarheidsgrens van 90 %"
            }
            rect.meter-bak x="4" y="6" width="232" height="12" rx="2" {}
            @if let Some(p) = pct {
                rect class=(if p < 90.0 { "meter-vulling onder" } else if p > 100.0 { "meter-vulling over" } else { "meter-vulling" })
                    x="4" y="6" width=(format!("{:.1}", x(p) - 4.0)) height="12" rx="2" {}
            }
            line.meter-90 x1=(format!("{:.1}", x(90.0))) x2=(format!("{:.1}", x(90.0))) y1="2" y2="22" {}
            text.meter-label x=(format!("{:.1}", x(90.0))) y="31" text-anchor="middle" { "90 %" }
        }
    }
}

pub(crate) fn tabel_details(t: &Tabel, query: &str, open: bool) -> Markup {
    html! {
        details.gegevens open[open] {
            summary { "Tabel: " (t.titel) }
            (t.html(query))
        }
    }
}

fn signalen_lijst(r: &Rapport) -> Markup {
    let s = &r.signalen;
    let rijen = [
        ("Overbezetting", s.overbezetting),
        ("Gesloten zonder machtiging", s.zonder_machtiging),
        ("Spoedmachtiging > 28 dagen", s.spoedmachtiging_te_lang),
        ("Doorplaatsing", s.doorplaatsing),
    ];
    html! {
        dl.signalen {
            @for (label, a) in rijen {
                @let w = Waarde::aantal(a);
                div { dt { (label) } dd { @if w == Waarde::Onderdrukt { (onderdrukt_html()) } @else { (w.tekst()) } } }
            }
        }
    }
}

/// The whole dashboard.
#[allow(clippy::too_many_lines)] // one page, top to bottom
pub fn dashboard(
    d: &Dashboard,
    sel: &Selectie,
    principal: &Principal,
    keuzes: &[(&'static str, Vec<Periode>)],
    persoonsniveau: bool,
) -> Markup {
    let query = sel.query();
    let tabellen = kpi::tabellen(d, sel.periode);
    let tabel = |id: &str| tabellen.iter().find(|t| t.id == id);
    let gebied = gebied_naam(d, &sel.gebied);
    let vorige = sel.periode.vorige();
    let kennis = sel
        .kennis
        .map_or_else(|| "nu".to_owned(), |k| format!("einde {k}"));
    let perioden = kpi::kwartalen(d);
    let laatste = d.kwartalen.last();
    let doel_nu = d.doelen.last().and_then(|x| x.doel);
    let gesloten_nu = laatste.map_or(Waarde::Geen, kpi::gesloten);
    let vormen = kpi::alternatieve_vormen(d);
    let alt_nu: i64 = laatste.map_or(0, |r| {
        vormen
            .iter()
            .filter_map(|v| kpi::open_plaatsen(r, v).waarde)
            .sum()
    });
    // Balance over the selected period: the sum of its quarters.
    let in_selectie = |p: &Periode| {
        *p >= Periode::kwartaal_van(sel.periode.van()) && *p <= sel.periode.laatste_kwartaal()
    };
    let balans_periode: i64 = d
        .kwartalen
        .iter()
        .zip(&perioden)
        .filter(|(_, p)| in_selectie(p))
        .map(|(r, _)| r.balans.balans)
        .sum();
    let alternatieven: Vec<(String, String, Vec<Option<i64>>)> = vormen
        .iter()
        .map(|v| {
            (
                v.clone(),
                naam(v),
                d.kwartalen
                    .iter()
                    .map(|r| kpi::open_plaatsen(r, v).waarde)
                    .collect(),
            )
        })
        .collect();
    let cap = chart::Capaciteit {
        kwartalen: &perioden,
        gesloten: d
            .kwartalen
            .iter()
            .map(|r| kpi::gesloten(r).getal().map(|x| x as i64))
            .collect(),
        doel: d.doelen.iter().map(|x| x.doel).collect(),
        alternatieven,
        selectie: (
            Periode::kwartaal_van(sel.periode.van()),
            sel.periode.laatste_kwartaal(),
        ),
    };
    let cap_desc = format!(
        "{gebied}, {} tot en met {}. Gesloten plaatsen aan het einde van {}: {}; doel: {}; plaatsen in alternatieven: {}. De tabel onder de grafiek geeft alle waarden.",
        perioden.first().map(|p| p.label()).unwrap_or_default(),
        perioden.last().map(|p| p.label()).unwrap_or_default(),
        perioden.last().map(|p| p.label()).unwrap_or_default(),
        gesloten_nu.tekst(),
        doel_nu.map_or_else(
            || "geen doel voor dit gebied".to_owned(),
            |x| geheel(x.round() as i64)
        ),
        geheel(alt_nu),
    );
    let balansen: Vec<i64> = d.kwartalen.iter().map(|r| r.balans.balans).collect();
    let bestemmingen: Vec<(String, Waarde)> = kpi::bestemmingen(&d.huidig)
        .into_iter()
        .map(|(c, w)| (naam(&c), w))
        .collect();
    let (trend_rapporten, trend_perioden) = kpi::trend_reeks(d);
    html! {
        (DOCTYPE)
        html lang="nl" {
            (kop(&format!("{gebied} · {} · kringloop stuurgroepdashboard", sel.periode.label())))
            body {
                a.skip href="#inhoud" { "Naar de cijfers" }
                header.kop {
                    div {
                        p.merk { "kringloop · stuurgroepdashboard" }
                        h1 { "Af- en ombouw gesloten jeugdzorg" }
                        p.context {
                            strong data-gebied=(sel.gebied.sleutel()) { (gebied) } " · "
                            strong { (sel.periode.label()) } " · stand van kennis: " (kennis)
                            " · " span.bron { "op " (geheel(d.huidig.meta.gebeurtenissen)) " feiten" }
                        }
                    }
                    div.gebruiker {
                        span { "Aangemeld als " strong { (principal.naam) } " (" (principal.rol) ")" }
                        form method="post" action="/afmelden" { button.secundair type="submit" { "Afmelden" } }
                    }
                }
                (selectieformulier(d, sel, keuzes, persoonsniveau))
                main id="inhoud" {
                    section.blok aria-labelledby="h-capaciteit" {
                        h2 id="h-capaciteit" { "Capaciteit: afbouw gesloten plaatsen, opbouw alternatieven" }
                        div.kerngetallen {
                            div data-kpi="gesloten-plaatsen" {
                                span.klein { "Gesloten plaatsen, einde " (sel.periode.label()) }
                                span.groot data-waarde=(gesloten_nu.csv()) { (gesloten_nu.tekst()) }
                            }
                            div data-kpi="doel" {
                                span.klein { "Doel op die datum" }
                                span.groot { (doel_nu.map_or_else(|| "geen doel".to_owned(), |x| geheel(x.round() as i64))) }
                                @if let (Some(doel), Some(g)) = (doel_nu, gesloten_nu.getal()) {
                                    @let af = g - doel;
                                    span class={ "klein " (if af <= 0.0 { "gunstig" } else { "ongunstig" }) } {
                                        (if af <= 0.0 { "op koers: " } else { "boven doel: " })
                                        (if af > 0.0 { "+" } else { "" }) (geheel(af.round() as i64)) " plaatsen"
                                    }
                                }
                            }
                            div data-kpi="alternatieven" {
                                span.klein { "Plaatsen in alternatieven (open)" }
                                span.groot { (geheel(alt_nu)) }
                            }
                            div data-kpi="balans" {
                                span.klein { "Balans in " (sel.periode.label()) }
                                span class={ "groot " (if balans_periode >= 0 { "gunstig" } else { "ongunstig" }) } {
                                    (if balans_periode > 0 { "+" } else { "" }) (geheel(balans_periode))
                                }
                                span.klein { "opbouw alternatieven − afbouw gesloten" }
                            }
                        }
                        figure.grafiek-figuur {
                            (chart::capaciteit(&cap, &cap_desc))
                            figcaption {
                                ul.legenda aria-label="Legenda" {
                                    li { span.sw.k-gesloten {} "Gesloten plaatsen" }
                                    @if cap.doel.iter().any(Option::is_some) {
                                        li { span.sw.sw-lijn.k-doel {} "Doel gesloten plaatsen (traject)" }
                                    }
                                    @for (code, label, _) in &cap.alternatieven {
                                        li { span class={ "sw v-" (code) } {} "Alternatief: " (label) }
                                    }
                                    li { span.sw.selectie-band {} "Gekozen periode" }
                                }
                                @if !cap.doel.iter().any(Option::is_some) {
                                    p.toelichting { "Voor dit gebied is geen capaciteitsdoel vastgesteld." }
                                }
                            }
                        }
                        figure.grafiek-figuur {
                            (chart::balans(&perioden, &balansen, &format!("Balans per kwartaal voor {gebied}; positief: meer alternatieven opgebouwd dan gesloten plaatsen afgebouwd.")))
                            figcaption {
                                ul.legenda aria-label="Legenda balans" {
                                    li { span.sw.balans-plus {} "Meer opgebouwd dan afgebouwd" }
                                    li { span.sw.balans-min {} "Meer afgebouwd dan opgebouwd" }
                                }
                            }
                        }
                        @if let Some(t) = tabel("capaciteit") { (tabel_details(t, &query, false)) }
                    }
                    section.blok aria-labelledby="h-kern" {
                        h2 id="h-kern" { "Kerncijfers " (sel.periode.label()) }
                        p.toelichting {
                            "Pijlen en tekst tonen de verandering ten opzichte van " (vorige.label())
                            "; groen is gunstig, rood ongunstig, grijs neutraal."
                            @if !persoonsniveau {
                                " Cijfers over personen zijn voor deze rol licht verstoord (celsleutelmethode), zodat niemand herleidbaar is; "
                                a href="/bescherming" { "uitleg van de methode" } "."
                            }
                        }
                        div.tegels {
                            @for k in KPIS.iter().filter(|k| k.id != "signalen") {
                                (tegel(k, &d.huidig, d.vorig.as_ref(), vorige, !persoonsniveau))
                            }
                            @if let Some(k) = KPIS.iter().find(|k| k.id == "signalen") {
                                div.tegel-breed {
                                    (tegel(k, &d.huidig, d.vorig.as_ref(), vorige, !persoonsniveau))
                                    (signalen_lijst(&d.huidig))
                                }
                            }
                        }
                        @if let Some(t) = tabel("kerncijfers") { (tabel_details(t, &query, false)) }
                    }
                    (crate::vraag_aanbod::sectie(&d.vraag_aanbod, sel, &tabellen, &query))
                    @if let Some(g) = &d.geld {
                        (crate::contracten::sectie(g, sel))
                    }
                    section.blok aria-labelledby="h-uitstroom" {
                        h2 id="h-uitstroom" { "Uitstroom naar bestemming, " (sel.periode.label()) }
                        p.toelichting {
                            "Naar lichtere zorg: "
                            strong { (Waarde::procent(d.huidig.uitstroom_naar_lichtere_zorg.lichter).tekst()) }
                            " van de episodes met bekende bestemming. Onbekend wordt altijd getoond."
                        }
                        div.twee-kolommen {
                            figure.grafiek-figuur {
                                (chart::bestemmingen(&bestemmingen, &format!(
                                    "Beëindigde episodes per bestemming in {}: {}.",
                                    sel.periode.label(),
                                    bestemmingen.iter().map(|(n, w)| format!("{n} {}", w.tekst())).collect::<Vec<_>>().join(", ")
                                )))
                            }
                            @if let Some(t) = tabel("uitstroom") { div { (t.html(&query)) } }
                        }
                    }
                    section.blok aria-labelledby="h-trend" {
                        h2 id="h-trend" { "Trend: laatste acht kwartalen" }
                        div.trends {
                            @for k in KPIS {
                                figure.trend data-kpi=(k.id) {
                                    figcaption { h3 { (k.label) } }
                                    @let waarden: Vec<Waarde> = trend_rapporten.iter().map(|r| (k.waarde)(r)).collect();
                                    (chart::trend(k.id, k.label, &trend_perioden, &waarden, k.lijn_90))
                                }
                            }
                        }
                        @if let Some(t) = tabel("trend") { (tabel_details(t, &query, false)) }
                    }
                    (verschil_blok(d, sel, persoonsniveau, &tabellen, &query))
                }
                footer {
                    p {
                        "Bron: kringloop (GraphQL-API, rol " (principal.rol) "), "
                        (geheel(d.huidig.meta.gebeurtenissen)) " vastgelegde feiten tot positie "
                        (d.huidig.meta.positie) ". Peildatum capaciteit en bezetting: "
                        (d.huidig.meta.peildatum) "."
                    }
                    @if !persoonsniveau {
                        p {
                            "Cijfers over personen zijn voor deze rol licht verstoord: bij elk aantal is hoogstens 2 opgeteld of afgetrokken, steeds hetzelfde voor dezelfde personen, zodat kleine aantallen niet herleidbaar zijn, ook niet door cijfers van elkaar af te trekken. Capaciteit en doelen zijn exact. "
                            a href="/bescherming" { "Uitleg van de methode" } "."
                        }
                    }
                    p.niet-print { "Afdrukken voor de vergadering: gebruik de afdrukfunctie van de browser (Ctrl+P); de pagina heeft een eigen afdrukopmaak." }
                }
            }
        }
    }
}

fn verschil_blok(
    d: &Dashboard,
    sel: &Selectie,
    persoonsniveau: bool,
    tabellen: &[Tabel],
    query: &str,
) -> Markup {
    html! {
        section.blok.verschil aria-labelledby="h-verschil" {
            h2 id="h-verschil" { "Vergelijking: " (sel.periode.label()) " op twee kennismomenten" }
            @if !persoonsniveau {
                p.toelichting {
                    "Deze vergelijking toont welke feiten (late registraties, correcties, intrekkingen) een cijfer hebben veranderd. "
                    "Omdat die feiten over personen gaan, is zij alleen beschikbaar voor evaluatoren."
                }
            } @else {
                form.selectie.klein method="get" action="/" aria-label="Kennismomenten voor de vergelijking" {
                    input type="hidden" name="gebied" value=(sel.gebied.sleutel());
                    input type="hidden" name="periode" value=(sel.periode.sleutel());
                    input type="hidden" name="kennis" value=[sel.kennis.map(|k| k.to_string())];
                    div.veld {
                        label for="k1" { "Eerste moment" }
                        input id="k1" name="k1" type="date" value=[sel.k1.map(|k| k.to_string())] aria-describedby="k1-uitleg";
                        small id="k1-uitleg" { "leeg = einde van de periode" }
                    }
                    div.veld {
                        label for="k2" { "Tweede moment" }
                        input id="k2" name="k2" type="date" value=[sel.k2.map(|k| k.to_string())] aria-describedby="k2-uitleg";
                        small id="k2-uitleg" { "leeg = stand van kennis hierboven" }
                    }
                    div.veld.knop { button type="submit" { "Vergelijk" } }
                }
                @match &d.verschil {
                    Some(Ok(v)) => {
                        p.toelichting {
                            "Stand " strong { (kpi::kort_moment(&v.k1)) } " tegenover " strong { (kpi::kort_moment(&v.k2)) } ": "
                            (v.gebeurtenissen.len()) " feiten vastgelegd tussen beide momenten veranderen de cijfers."
                        }
                        div.tegels.vergelijk {
                            @for k in KPIS {
                                @let a = (k.waarde)(&v.voor);
                                @let b = (k.waarde)(&v.na);
                                article.tegel.klein data-kpi={ "verschil-" (k.id) } {
                                    h3 { (k.label) }
                                    p.naast {
                                        span { span.klein { "eerst " } (a.tekst()) }
                                        span aria-hidden="true" { " → " }
                                        span { span.klein { "later " } strong { (b.tekst()) } }
                                    }
                                    @if let Some(ch) = verandering(b, a, Richting::Neutraal) {
                                        p.verandering.neutraal { span.pijl aria-hidden="true" { (ch.pijl) } " " (ch.tekst) " " span.oordeel { (ch.uitleg) } }
                                    }
                                }
                            }
                        }
                        @if let Some(t) = tabellen.iter().find(|t| t.id == "verschil") { (tabel_details(t, query, false)) }
                        @if let Some(t) = tabellen.iter().find(|t| t.id == "verschil-feiten") {
                            h3 { "Feiten die het verschil verklaren" }
                            @if t.rijen.is_empty() {
                                p { "Geen: tussen beide momenten is niets vastgelegd dat deze cijfers raakt." }
                            } @else {
                                (tabel_details(t, query, t.rijen.len() <= 25))
                            }
                        }
                    }
                    Some(Err(e)) => { p.fout role="alert" { "De vergelijking kon niet worden gemaakt: " (e.melding) } }
                    None => {}
                }
            }
        }
    }
}
