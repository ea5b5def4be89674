//! The section "Vraag en aanbod": waiting youths and waiting time per quarter, passend
//! geplaatst and terugval of the selected period, and the places needed per form against
//! capacity and target, with a preset scenario. One GraphQL query for the whole section
//! ([`laad`]), as the signed-in principal like the rest of the page.

use chrono::NaiveDate;
use kringloop_graphql::{KringloopSchema, Principal};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api_data::{Aantal, ApiFout, Bescherming, Kruistabel, PeriodeJson, Verhouding, vraag};
use crate::chart;
use crate::format::{Waarde, decimaal, geheel, onderdrukt_html, verstoord_html};
use crate::kpi::naam;
use crate::selection::{Periode, Scenario, Selectie};
use crate::table::{Cel, Tabel};

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Wachtenden {
    pub jeugdigen: Aantal,
    pub langste_wachttijd: Option<i64>,
    /// How `langste_wachttijd` was protected.
    pub bescherming: Bescherming,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Duur {
    pub aantal: Aantal,
    pub gemiddelde: Option<f64>,
    pub mediaan: Option<f64>,
    pub binnen_norm: Verhouding,
    pub bescherming: Bescherming,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Wachttijd {
    pub totaal: Duur,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PeriodeMeta {
    pub periode: PeriodeJson,
}

/// One quarter of `vraagReeks`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VraagKwartaal {
    pub meta: PeriodeMeta,
    pub wachtenden: Wachtenden,
    pub wachttijd: Wachttijd,
    /// Asked of the series only when the selected period is its last quarter.
    #[serde(default)]
    pub passend_geplaatst: Option<Passend>,
    #[serde(default)]
    pub benodigde_capaciteit: Option<Benodigd>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Terugval {
    #[serde(default)]
    pub uitstroom_lichter: Option<Aantal>,
    pub binnen6_maanden: Verhouding,
    pub binnen12_maanden: Verhouding,
    pub definitief: bool,
    #[serde(default)]
    pub definitief_vanaf: Option<NaiveDate>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PadKwartaal {
    pub terugval: Terugval,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Passend {
    pub passend: Verhouding,
    pub per_categorie: Kruistabel,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BenodigdeCel {
    pub vorm: String,
    pub regime: String,
    pub gestarte_plaatsingen: Aantal,
    pub wachtende_verzoeken: Aantal,
    pub instroom: Option<f64>,
    pub beeindigde_verblijven: Aantal,
    pub gemiddelde_verblijfsduur: Option<f64>,
    pub benodigd: Option<f64>,
    pub capaciteit: i64,
    pub tekort: Option<f64>,
    pub doel: Option<f64>,
    pub tekort_tegen_doel: Option<f64>,
    pub bescherming: Bescherming,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Benodigd {
    pub peildatum: Option<NaiveDate>,
    pub venster_van: Option<NaiveDate>,
    pub venster_dagen: i64,
    pub doelbezetting: f64,
    pub instroom_wijziging: f64,
    pub verblijf_wijziging: f64,
    pub cellen: Vec<BenodigdeCel>,
    pub benodigd: Option<f64>,
    pub capaciteit: i64,
    pub tekort: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Huidig {
    pub passend_geplaatst: Passend,
    pub benodigde_capaciteit: Benodigd,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BasisKpi {
    pub waarde: Benodigd,
}

/// Everything the section shows.
#[derive(Debug, Clone)]
pub struct VraagAanbod {
    /// The quarters of `reeks` and `pad`, oldest first (up to eight).
    pub kwartalen: Vec<Periode>,
    pub reeks: Vec<VraagKwartaal>,
    pub pad: Vec<PadKwartaal>,
    /// The selected period; its needed capacity under the selected scenario.
    pub huidig: Huidig,
    /// The needed capacity without scenario, when a scenario is selected.
    pub basis: Option<Benodigd>,
    pub terugval: Terugval,
    pub scenario: Option<Scenario>,
}

const QUERY: &str = r"
fragment A on Aantal { waarde bescherming }
fragment V on Verhouding { waarde bescherming }
fragment B on BenodigdeCapaciteit {
  peildatum vensterVan vensterDagen doelbezetting instroomWijziging verblijfWijziging
  benodigd capaciteit tekort
  cellen {
    vorm regime gestartePlaatsingen { ...A } wachtendeVerzoeken { ...A } instroom
    beeindigdeVerblijven { ...A } gemiddeldeVerblijfsduur benodigd capaciteit tekort doel
    tekortTegenDoel bescherming
  }
}
fragment P on PassendGeplaatst { passend { ...V } perCategorie { rijen kolommen cellen { ...A } totaal { ...A } } }
query VraagEnAanbod($van: NaiveDate!, $tot: NaiveDate!, $p: PeriodeInvoer!, $filter: FilterInvoer,
                    $k: DateTime, $sc: CapaciteitScenarioInvoer, $metBasis: Boolean!,
                    $kwartaal: Boolean!) {
  reeks: vraagReeks(granulariteit: KWARTAAL, van: $van, tot: $tot, filter: $filter, asKnownAt: $k, scenario: $sc) {
    meta { periode { van tot } }
    wachtenden { jeugdigen { ...A } langsteWachttijd bescherming }
    wachttijd { totaal { aantal { ...A } gemiddelde mediaan binnenNorm { ...V } bescherming } }
    passendGeplaatst @include(if: $kwartaal) { ...P }
    benodigdeCapaciteit @include(if: $kwartaal) { ...B }
  }
  pad: padReeks(granulariteit: KWARTAAL, van: $van, tot: $tot, filter: $filter, asKnownAt: $k) {
    terugval { binnen6Maanden { ...V } binnen12Maanden { ...V } definitief }
  }
  huidig: vraag(periode: $p, filter: $filter, asKnownAt: $k, scenario: $sc) @skip(if: $kwartaal) {
    passendGeplaatst { ...P }
    benodigdeCapaciteit { ...B }
  }
  basis: benodigdeCapaciteit(periode: $p, filter: $filter, asKnownAt: $k) @include(if: $metBasis) {
    waarde { ...B }
  }
  terugval(periode: $p, filter: $filter, asKnownAt: $k) {
    uitstroomLichter { ...A } binnen6Maanden { ...V } binnen12Maanden { ...V } definitief definitiefVanaf
  }
}
";

/// The section's one query. `begin`: the first quarter the page covers at all.
pub async fn laad(
    schema: &KringloopSchema,
    principal: &Principal,
    sel: &Selectie,
    periode: Value,
    begin: Periode,
) -> Result<VraagAanbod, ApiFout> {
    let laatste = sel.periode.laatste_kwartaal();
    let mut eerste = laatste;
    for _ in 0..7 {
        let p = eerste.vorige();
        if p < begin {
            break;
        }
        eerste = p;
    }
    #[derive(Deserialize)]
    struct Antwoord {
        reeks: Vec<VraagKwartaal>,
        pad: Vec<PadKwartaal>,
        #[serde(default)]
        huidig: Option<Huidig>,
        #[serde(default)]
        basis: Option<BasisKpi>,
        terugval: Terugval,
    }
    let a: Antwoord = vraag(
        schema,
        principal,
        QUERY,
        json!({
            "van": eerste.van(),
            "tot": laatste.tot(),
            "p": periode,
            "filter": sel.gebied.filter(),
            "k": sel.as_known_at().map(|k| k.to_rfc3339()),
            "sc": sel.scenario.map(Scenario::invoer),
            "metBasis": sel.scenario.is_some(),
            // A quarter is the series' last one (`vraagReeks` equals `vraag` per period):
            // its figures come with the series instead of a second fold.
            "kwartaal": matches!(sel.periode, Periode::Kwartaal(..)),
        }),
    )
    .await?;
    let mut reeks = a.reeks;
    let huidig = match a.huidig {
        Some(h) => Some(h),
        None => reeks
            .last_mut()
            .filter(|r| r.meta.periode.van == sel.periode.van())
            .and_then(|r| {
                Some(Huidig {
                    passend_geplaatst: r.passend_geplaatst.take()?,
                    benodigde_capaciteit: r.benodigde_capaciteit.take()?,
                })
            }),
    };
    let huidig = huidig.ok_or_else(|| ApiFout {
        code: None,
        melding: "de API gaf geen vraagcijfers voor deze periode".to_owned(),
    })?;
    Ok(VraagAanbod {
        kwartalen: reeks
            .iter()
            .map(|r| Periode::kwartaal_van(r.meta.periode.van))
            .collect(),
        reeks,
        pad: a.pad,
        huidig,
        basis: a.basis.map(|b| b.waarde),
        terugval: a.terugval,
        scenario: sel.scenario,
    })
}

// ------------------------------------------------------------------ values

fn wachtenden(r: &VraagKwartaal) -> Waarde {
    Waarde::aantal(r.wachtenden.jeugdigen)
}

fn langste(r: &VraagKwartaal) -> Waarde {
    Waarde::dagen(
        r.wachtenden.langste_wachttijd.map(|x| x as f64),
        r.wachtenden.bescherming == Bescherming::Onderdrukt,
    )
}

fn gemiddelde(r: &VraagKwartaal) -> Waarde {
    let d = &r.wachttijd.totaal;
    Waarde::dagen(d.gemiddelde, d.bescherming == Bescherming::Onderdrukt)
}

fn mediaan(r: &VraagKwartaal) -> Waarde {
    let d = &r.wachttijd.totaal;
    Waarde::dagen(d.mediaan, d.bescherming == Bescherming::Onderdrukt)
}

fn binnen_norm(r: &VraagKwartaal) -> Waarde {
    Waarde::procent(r.wachttijd.totaal.binnen_norm)
}

/// Places (a float of the model) as a whole number; withheld when the cell is.
fn plaatsen(x: Option<f64>, b: Bescherming) -> Waarde {
    match (x, b) {
        (_, Bescherming::Onderdrukt) => Waarde::Onderdrukt,
        (Some(x), _) if x.is_finite() => Waarde::Aantal(x.round() as i64),
        _ => Waarde::Geen,
    }
}

fn procent_wijziging(x: f64) -> String {
    let s = decimaal(x, 0);
    if x > 0.0 {
        format!("+{s} %")
    } else {
        format!("{s} %")
    }
}

/// A series of the quarterly figures: (id, label, unit, value).
type Reeks = (
    &'static str,
    &'static str,
    &'static str,
    fn(&VraagKwartaal) -> Waarde,
);

const REEKSEN: [Reeks; 5] = [
    (
        "wachtende-jeugdigen",
        "Wachtende jeugdigen (einde kwartaal)",
        "aantal",
        wachtenden,
    ),
    (
        "langste-wachttijd",
        "Langste wachttijd (einde kwartaal)",
        "dagen",
        langste,
    ),
    (
        "wachttijd-gemiddeld",
        "Wachttijd tot plaatsing, gemiddeld",
        "dagen",
        gemiddelde,
    ),
    (
        "wachttijd-mediaan",
        "Wachttijd tot plaatsing, mediaan",
        "dagen",
        mediaan,
    ),
    (
        "wachttijd-binnen-norm",
        "Geplaatst binnen de norm",
        "%",
        binnen_norm,
    ),
];

/// Whether any figure of the section was perturbed for this role.
fn verstoord(v: &VraagAanbod) -> bool {
    let a = |x: &Aantal| x.bescherming == Bescherming::Verstoord;
    let h = |x: &Verhouding| x.bescherming == Bescherming::Verstoord;
    v.reeks.iter().any(|r| {
        a(&r.wachtenden.jeugdigen)
            || r.wachtenden.bescherming == Bescherming::Verstoord
            || r.wachttijd.totaal.bescherming == Bescherming::Verstoord
    }) || h(&v.huidig.passend_geplaatst.passend)
        || h(&v.terugval.binnen12_maanden)
        || v.huidig
            .benodigde_capaciteit
            .cellen
            .iter()
            .any(|c| c.bescherming == Bescherming::Verstoord)
}

fn status(t: &Terugval) -> &'static str {
    if t.definitief {
        "definitief"
    } else {
        "voorlopig"
    }
}

// ------------------------------------------------------------------ tables

/// The section's tables (served as CSV like every other table).
pub fn tabellen(v: &VraagAanbod, periode: Periode) -> Vec<Tabel> {
    vec![
        trend_tabel(v),
        passend_tabel(v, periode),
        terugval_tabel(v, periode),
        benodigd_tabel(v, periode),
        scenario_tabel(v),
    ]
}

fn trend_tabel(v: &VraagAanbod) -> Tabel {
    let mut kolommen = vec!["Kwartaal".to_owned()];
    kolommen.extend(REEKSEN.iter().map(|(_, l, e, _)| format!("{l} ({e})")));
    kolommen.extend([
        "Terugval binnen 12 maanden (%)".to_owned(),
        "Terugval: status".to_owned(),
    ]);
    let mut t = Tabel::nieuw(
        "vraag-trend",
        "Wachtenden en wachttijd per kwartaal",
        kolommen,
    );
    for (i, (r, p)) in v.reeks.iter().zip(&v.kwartalen).enumerate() {
        let mut rij = vec![Cel::tekst(p.label())];
        rij.extend(REEKSEN.iter().map(|(_, _, _, f)| Cel::Waarde(f(r))));
        match v.pad.get(i) {
            Some(x) => rij.extend([
                Cel::Waarde(Waarde::procent(x.terugval.binnen12_maanden)),
                Cel::tekst(status(&x.terugval)),
            ]),
            None => rij.extend([Cel::Waarde(Waarde::Geen), Cel::tekst("")]),
        }
        t.rijen.push(rij);
    }
    t
}

fn categorie_naam(c: &str) -> String {
    match c {
        "PASSEND" => "Passend (vorm en regime zoals nodig)",
        "OVERBRUGGING" => "Overbrugging",
        "LICHTER" => "Lichter dan nodig",
        "ZWAARDER" => "Zwaarder dan nodig",
        "ANDERE_VORM" => "Andere vorm, even zwaar",
        "ONBEKEND" => "Onbekend",
        other => return other.to_owned(),
    }
    .to_owned()
}

fn passend_tabel(v: &VraagAanbod, periode: Periode) -> Tabel {
    let p = &v.huidig.passend_geplaatst;
    let mut t = Tabel::nieuw(
        "passend",
        format!("Vervulde verzoeken naar passendheid, {}", periode.label()),
        vec!["Geplaatst".to_owned(), "Verzoeken".to_owned()],
    );
    for (rij, cellen) in p.per_categorie.rijen.iter().zip(&p.per_categorie.cellen) {
        let w = cellen.first().copied().map_or(Waarde::Geen, Waarde::aantal);
        t.rijen
            .push(vec![Cel::tekst(categorie_naam(rij)), Cel::Waarde(w)]);
    }
    t.rijen.push(vec![
        Cel::tekst("Totaal vervuld"),
        Cel::Waarde(Waarde::aantal(p.per_categorie.totaal)),
    ]);
    t.rijen.push(vec![
        Cel::tekst("Aandeel passend (%)"),
        Cel::Waarde(Waarde::procent(p.passend)),
    ]);
    t
}

fn terugval_tabel(v: &VraagAanbod, periode: Periode) -> Tabel {
    let t0 = &v.terugval;
    let mut t = Tabel::nieuw(
        "terugval",
        format!(
            "Terugval na uitstroom naar lichtere zorg, {}",
            periode.label()
        ),
        vec!["Cijfer".to_owned(), "Waarde".to_owned()],
    );
    t.rijen.push(vec![
        Cel::tekst("Episodes beëindigd naar lichtere zorg"),
        Cel::Waarde(t0.uitstroom_lichter.map_or(Waarde::Geen, Waarde::aantal)),
    ]);
    t.rijen.push(vec![
        Cel::tekst("Nieuwe residentiële episode binnen 6 maanden (%)"),
        Cel::Waarde(Waarde::procent(t0.binnen6_maanden)),
    ]);
    t.rijen.push(vec![
        Cel::tekst("Nieuwe residentiële episode binnen 12 maanden (%)"),
        Cel::Waarde(Waarde::procent(t0.binnen12_maanden)),
    ]);
    t.rijen
        .push(vec![Cel::tekst("Status"), Cel::tekst(status(t0))]);
    t.rijen.push(vec![
        Cel::tekst("Definitief vanaf kennisdatum"),
        Cel::tekst(
            t0.definitief_vanaf
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
    ]);
    t
}

/// Cells worth a row: something needed, available or targeted.
fn getoond(c: &BenodigdeCel) -> bool {
    c.capaciteit != 0
        || c.doel.is_some_and(|d| d != 0.0)
        || c.benodigd.is_some_and(|b| b != 0.0)
        || c.bescherming == Bescherming::Onderdrukt
        || c.gestarte_plaatsingen.waarde.unwrap_or(0) != 0
        || c.wachtende_verzoeken.waarde.unwrap_or(0) != 0
}

/// Needed against available over the forms that have a needed figure.
struct Vergelijking {
    benodigd: Option<f64>,
    capaciteit: i64,
    vormen: usize,
    /// Forms with capacity but no needed figure (stay withheld, or no stay ended).
    zonder: usize,
}

impl Vergelijking {
    fn van(b: &Benodigd) -> Vergelijking {
        Vergelijking::van_met(b, b)
    }

    /// The needed places of `b` over the forms that have a needed figure in `keuze`
    /// (so a scenario and its basis sum the same forms).
    fn van_met(b: &Benodigd, keuze: &Benodigd) -> Vergelijking {
        let mee = |c: &BenodigdeCel| {
            keuze
                .cellen
                .iter()
                .any(|k| k.vorm == c.vorm && k.regime == c.regime && k.benodigd.is_some())
        };
        let mut v = Vergelijking {
            benodigd: None,
            capaciteit: 0,
            vormen: 0,
            zonder: 0,
        };
        for c in &b.cellen {
            match c.benodigd.filter(|_| mee(c)) {
                Some(n) => {
                    v.benodigd = Some(v.benodigd.unwrap_or(0.0) + n);
                    v.capaciteit += c.capaciteit;
                    v.vormen += 1;
                }
                None if c.capaciteit > 0 => v.zonder += 1,
                None => {}
            }
        }
        v
    }

    fn tekort(&self) -> Option<f64> {
        self.benodigd.map(|n| n - self.capaciteit as f64)
    }

    fn benodigd_waarde(&self) -> Waarde {
        plaatsen(self.benodigd, Bescherming::Geen)
    }

    fn tekort_waarde(&self) -> Waarde {
        plaatsen(self.tekort(), Bescherming::Geen)
    }
}

fn benodigd_tabel(v: &VraagAanbod, periode: Periode) -> Tabel {
    let b = &v.huidig.benodigde_capaciteit;
    let met_basis = v.basis.is_some();
    let mut kolommen: Vec<String> = [
        "Vorm",
        "Regime",
        "Gestarte plaatsingen in venster",
        "Wachtende verzoeken einde venster",
        "Instroom (scenario)",
        "Beëindigde verblijven in venster",
        "Gemiddelde verblijfsduur (dagen)",
    ]
    .map(str::to_owned)
    .to_vec();
    if met_basis {
        kolommen.push("Benodigd zonder scenario".to_owned());
    }
    kolommen.extend(
        [
            "Benodigd",
            "Capaciteit",
            "Tekort (+) / overschot (−)",
            "Doel (traject)",
            "Benodigd − doel",
        ]
        .map(str::to_owned),
    );
    let titel = match v.scenario {
        Some(s) => format!(
            "Benodigde plaatsen per vorm, einde {}, scenario {}",
            periode.label(),
            s.label()
        ),
        None => format!("Benodigde plaatsen per vorm, einde {}", periode.label()),
    };
    let mut t = Tabel::nieuw("benodigd", titel, kolommen);
    for c in b.cellen.iter().filter(|c| getoond(c)) {
        let mut rij = vec![
            Cel::tekst(naam(&c.vorm)),
            Cel::tekst(naam(&c.regime)),
            Cel::Waarde(Waarde::aantal(c.gestarte_plaatsingen)),
            Cel::Waarde(Waarde::aantal(c.wachtende_verzoeken)),
            Cel::Waarde(plaatsen(c.instroom, Bescherming::Geen)),
            Cel::Waarde(Waarde::aantal(c.beeindigde_verblijven)),
            Cel::Waarde(Waarde::dagen(
                c.gemiddelde_verblijfsduur,
                c.bescherming == Bescherming::Onderdrukt,
            )),
        ];
        if let Some(basis) = &v.basis {
            let w = basis
                .cellen
                .iter()
                .find(|x| x.vorm == c.vorm && x.regime == c.regime)
                .map_or(Waarde::Geen, |x| plaatsen(x.benodigd, x.bescherming));
            rij.push(Cel::Waarde(w));
        }
        rij.extend([
            Cel::Waarde(plaatsen(c.benodigd, c.bescherming)),
            Cel::Waarde(Waarde::Aantal(c.capaciteit)),
            Cel::Waarde(plaatsen(c.tekort, c.bescherming)),
            Cel::Waarde(plaatsen(c.doel, Bescherming::Geen)),
            Cel::Waarde(plaatsen(c.tekort_tegen_doel, c.bescherming)),
        ]);
        t.rijen.push(rij);
    }
    // The total over the forms with a needed figure only: the API's own total sets the
    // needed places of those forms against the capacity of every form, also where the
    // stay is withheld or nobody asked for that form.
    let vgl = Vergelijking::van(b);
    let mut totaal = vec![
        Cel::tekst("Totaal"),
        Cel::tekst(format!("{} vormen met benodigd", vgl.vormen)),
    ];
    totaal.extend((0..5).map(|_| Cel::tekst("")));
    if let Some(basis) = &v.basis {
        totaal.push(Cel::Waarde(
            Vergelijking::van_met(basis, b).benodigd_waarde(),
        ));
    }
    totaal.extend([
        Cel::Waarde(vgl.benodigd_waarde()),
        Cel::Waarde(Waarde::Aantal(vgl.capaciteit)),
        Cel::Waarde(vgl.tekort_waarde()),
        Cel::tekst(""),
        Cel::tekst(""),
    ]);
    t.rijen.push(totaal);
    t
}

/// The inputs of the needed-capacity answer, as the API lists them.
fn scenario_tabel(v: &VraagAanbod) -> Tabel {
    let b = &v.huidig.benodigde_capaciteit;
    let mut t = Tabel::nieuw(
        "scenario",
        format!(
            "Uitgangspunten benodigde capaciteit ({})",
            v.scenario.map_or("basis", Scenario::label)
        ),
        vec!["Uitgangspunt".to_owned(), "Waarde".to_owned()],
    );
    let d = |x: Option<NaiveDate>| x.map(|d| d.to_string()).unwrap_or_default();
    t.rijen
        .push(vec![Cel::tekst("Peildatum"), Cel::tekst(d(b.peildatum))]);
    t.rijen.push(vec![
        Cel::tekst("Venster vanaf"),
        Cel::tekst(d(b.venster_van)),
    ]);
    t.rijen.push(vec![
        Cel::tekst("Venster (dagen)"),
        Cel::Waarde(Waarde::Aantal(b.venster_dagen)),
    ]);
    t.rijen.push(vec![
        Cel::tekst("Doelbezetting (%)"),
        Cel::Waarde(Waarde::Procent(b.doelbezetting)),
    ]);
    t.rijen.push(vec![
        Cel::tekst("Wijziging instroom (%)"),
        Cel::tekst(format!("{:.0}", b.instroom_wijziging)),
    ]);
    t.rijen.push(vec![
        Cel::tekst("Wijziging verblijfsduur (%)"),
        Cel::tekst(format!("{:.0}", b.verblijf_wijziging)),
    ]);
    t
}

// ------------------------------------------------------------------ HTML

fn getal(w: Waarde) -> Markup {
    html! {
        @if w == Waarde::Onderdrukt { (onderdrukt_html()) } @else { (w.tekst()) }
    }
}

/// The section; `tabellen`: the page's tables (those of [`tabellen`] among them).
#[allow(clippy::too_many_lines)] // one section, top to bottom
pub fn sectie(v: &VraagAanbod, sel: &Selectie, tabellen: &[Tabel], query: &str) -> Markup {
    let tabel = |id: &str| tabellen.iter().find(|t| t.id == id);
    let laatste = v.reeks.last();
    let w_nu = laatste.map_or(Waarde::Geen, wachtenden);
    let langste_nu = laatste.map_or(Waarde::Geen, langste);
    let mediaan_nu = laatste.map_or(Waarde::Geen, mediaan);
    let norm_nu = laatste.map_or(Waarde::Geen, binnen_norm);
    let p = &v.huidig.passend_geplaatst;
    let passend = Waarde::procent(p.passend);
    let t = &v.terugval;
    let b = &v.huidig.benodigde_capaciteit;
    let beschermd = verstoord(v);
    let kwartaal = sel.periode.laatste_kwartaal().label();
    let vgl = Vergelijking::van(b);
    let tekort = vgl.tekort_waarde();
    html! {
        section.blok.vraag-aanbod id="vraag-aanbod" aria-labelledby="h-vraag" {
            h2 id="h-vraag" { "Vraag en aanbod" }
            p.toelichting {
                "Jeugdigen met een openstaand plaatsingsverzoek, hoe lang zij wachten, of zij passend geplaatst worden, "
                "hoe vaak een jeugdige na uitstroom terugkeert, en hoeveel plaatsen per vorm nodig zijn tegenover wat er is. "
                "Gebieden selecteren op de verantwoordelijke jeugdregio van het verzoek."
            }
            div.kerngetallen {
                div data-kpi="wachtende-jeugdigen" {
                    span.klein { "Wachtende jeugdigen, einde " (kwartaal) }
                    span.groot data-waarde=(w_nu.csv()) { (getal(w_nu)) }
                    @if laatste.is_some_and(|r| r.wachtenden.jeugdigen.bescherming == Bescherming::Verstoord) { (verstoord_html()) }
                }
                div data-kpi="langste-wachttijd" {
                    span.klein { "Langste wachttijd op die datum" }
                    span.groot data-waarde=(langste_nu.csv()) { (getal(langste_nu)) }
                    @if laatste.is_some_and(|r| r.wachtenden.bescherming == Bescherming::Verstoord) { (verstoord_html()) }
                }
                div data-kpi="wachttijd-mediaan" {
                    span.klein { "Wachttijd tot plaatsing (mediaan), " (kwartaal) }
                    span.groot data-waarde=(mediaan_nu.csv()) { (getal(mediaan_nu)) }
                    span.klein { "binnen de norm: " (getal(norm_nu)) }
                    @if laatste.is_some_and(|r| r.wachttijd.totaal.bescherming == Bescherming::Verstoord) { (verstoord_html()) }
                }
                div data-kpi="passend-geplaatst" {
                    span.klein { "Passend geplaatst, " (sel.periode.label()) }
                    span.groot data-waarde=(passend.csv()) { (getal(passend)) }
                    span.klein { "van " (getal(Waarde::aantal(p.per_categorie.totaal))) " vervulde verzoeken" }
                    @if p.passend.bescherming == Bescherming::Verstoord { (verstoord_html()) }
                }
                div data-kpi="terugval" data-definitief=(t.definitief) {
                    span.klein { "Terugval binnen 12 maanden, " (sel.periode.label()) }
                    span.groot data-waarde=(Waarde::procent(t.binnen12_maanden).csv()) { (getal(Waarde::procent(t.binnen12_maanden))) }
                    @if t.definitief {
                        span.klein { "definitief; binnen 6 maanden: " (getal(Waarde::procent(t.binnen6_maanden))) }
                    } @else {
                        span.klein.voorlopig data-voorlopig="true" {
                            "voorlopig"
                            @if let Some(d) = t.definitief_vanaf { " (definitief vanaf " (d) ")" }
                            "; binnen 6 maanden: " (getal(Waarde::procent(t.binnen6_maanden)))
                        }
                    }
                    @if t.binnen12_maanden.bescherming == Bescherming::Verstoord { (verstoord_html()) }
                }
                div data-kpi="tekort" {
                    span.klein { "Benodigd tegenover capaciteit, einde " (sel.periode.label()) }
                    span.groot data-waarde=(tekort.csv()) {
                        @match vgl.tekort() {
                            Some(x) if x > 0.5 => { "tekort " (geheel(x.round() as i64)) }
                            Some(x) if x < -0.5 => { "overschot " (geheel(-x.round() as i64)) }
                            Some(_) => { "in balans" }
                            None => { "–" }
                        }
                    }
                    span.klein {
                        "benodigd " (vgl.benodigd_waarde().tekst())
                        ", capaciteit " (geheel(vgl.capaciteit))
                        " over " (vgl.vormen) " vormen"
                        @if let Some(s) = v.scenario { " (scenario " (s.label()) ")" }
                    }
                    @if vgl.zonder > 0 {
                        span.klein { (vgl.zonder) " vormen met capaciteit zonder benodigd cijfer tellen niet mee" }
                    }
                }
            }
            @if beschermd {
                p.toelichting {
                    "Aantallen over personen en de cijfers die erop rusten zijn voor deze rol licht verstoord; "
                    "een gemiddelde of mediaan over te weinig verzoeken of verblijven is onderdrukt. "
                    a href="/bescherming" { "Uitleg van de methode" } "."
                }
            }
            div.trends {
                @for (id, label, _, f) in REEKSEN.iter().filter(|(id, ..)| *id != "wachttijd-gemiddeld") {
                    figure.trend data-kpi=(id) {
                        figcaption { h3 { (label) } }
                        @let waarden: Vec<Waarde> = v.reeks.iter().map(f).collect();
                        (chart::trend(id, label, &v.kwartalen, &waarden, false))
                    }
                }
            }
            @if let Some(t) = tabel("vraag-trend") { (crate::page::tabel_details(t, query, true)) }
            div.twee-kolommen {
                div {
                    h3 { "Passend geplaatst, " (sel.periode.label()) }
                    @if let Some(t) = tabel("passend") { (t.html(query)) }
                }
                div {
                    h3 { "Terugval na uitstroom naar lichtere zorg" }
                    p.toelichting {
                        "Van de episodes die in " (sel.periode.label()) " eindigden naar lichtere zorg: het aandeel dat binnen 6 of 12 maanden weer in een residentiële vorm begon. "
                        @if !t.definitief {
                            strong.voorlopig { "Voorlopig: " }
                            "de 12 maanden na de periode zijn nog niet voorbij, het cijfer kan nog stijgen."
                        }
                    }
                    @if let Some(t) = tabel("terugval") { (t.html(query)) }
                }
            }
            h3 id="h-benodigd" { "Benodigde plaatsen per vorm tegenover capaciteit en doel" }
            p.toelichting {
                "Benodigd = instroom per dag × gemiddelde verblijfsduur ÷ doelbezetting, over het venster tot de peildatum; "
                "instroom is het aantal gestarte plaatsingen plus de verzoeken die aan het einde nog wachten. "
                "Capaciteit en doel (het vastgestelde traject, op de peildatum) zijn exact. "
                "Het totaal telt alleen de vormen met een benodigd cijfer; waar de verblijfsduur onderdrukt is, ontbreekt het."
            }
            nav.scenario-keuze aria-label="Scenario" {
                span { "Scenario: " }
                ul {
                    li {
                        @if v.scenario.is_none() {
                            strong aria-current="page" { "basis" }
                        } @else {
                            a href={ "/?" (sel.met_scenario(None).query()) "#vraag-aanbod" } { "basis" }
                        }
                    }
                    @for s in Scenario::ALL {
                        li {
                            @if v.scenario == Some(s) {
                                strong aria-current="page" data-scenario=(s.sleutel()) { (s.label()) }
                            } @else {
                                a href={ "/?" (sel.met_scenario(Some(s)).query()) "#vraag-aanbod" } data-scenario=(s.sleutel()) { (s.label()) }
                            }
                        }
                    }
                }
            }
            dl.uitgangspunten data-scenario=(v.scenario.map_or("basis", Scenario::sleutel)) {
                div { dt { "Peildatum" } dd { (b.peildatum.map(|d| d.to_string()).unwrap_or_default()) } }
                div { dt { "Venster" } dd { (b.venster_van.map(|d| d.to_string()).unwrap_or_default()) " – peildatum (" (geheel(b.venster_dagen)) " dagen)" } }
                div { dt { "Doelbezetting" } dd data-invoer="doelbezetting" { (Waarde::Procent(b.doelbezetting).tekst()) } }
                div { dt { "Instroom" } dd data-invoer="instroom" { (procent_wijziging(b.instroom_wijziging)) } }
                div { dt { "Verblijfsduur" } dd data-invoer="verblijf" { (procent_wijziging(b.verblijf_wijziging)) } }
            }
            @if let Some(t) = tabel("benodigd") { (t.html(query)) }
            @if let Some(t) = tabel("scenario") { (crate::page::tabel_details(t, query, false)) }
        }
    }
}
