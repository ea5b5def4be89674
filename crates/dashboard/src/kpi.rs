//! The headline KPIs of the tiles and trend charts, and the tables built from the data.

use kringloop_graphql::kpi_catalogue::{self as cat, Figure};

use crate::api_data::{Aantal, Dashboard, Rapport};
use crate::format::{Richting, Waarde};
use crate::selection::Periode;
use crate::table::{Cel, Tabel};

/// One headline KPI: a figure of the catalogue ([`cat::HEADLINE`]) with how the
/// dashboard reads and judges it.
pub struct KpiDef {
    pub id: &'static str,
    pub label: &'static str,
    /// Unit in table headers and CSV: "aantal", "%" or "dagen".
    pub eenheid: &'static str,
    pub uitleg: &'static str,
    pub richting: Richting,
    /// Draw the 90 % viability line in its trend chart and tile.
    pub lijn_90: bool,
    pub waarde: fn(&Rapport) -> Waarde,
}

impl KpiDef {
    /// "Spoedaandeel (%)": the label with its unit, for tables and CSV.
    pub fn kolomlabel(&self) -> String {
        format!("{} ({})", self.label, self.eenheid)
    }
}

/// A tile for a catalogue figure.
const fn tile(f: &Figure, richting: Richting, waarde: fn(&Rapport) -> Waarde) -> KpiDef {
    KpiDef {
        id: f.id,
        label: f.label,
        eenheid: f.unit.eenheid(),
        uitleg: f.explanation,
        richting,
        lijn_90: false,
        waarde,
    }
}

fn signalen_totaal(r: &Rapport) -> Waarde {
    let s = &r.signalen;
    let delen = [
        s.overbezetting,
        s.zonder_machtiging,
        s.spoedmachtiging_te_lang,
        s.doorplaatsing,
    ];
    if delen
        .iter()
        .any(|a| a.bescherming == crate::api_data::Bescherming::Onderdrukt)
    {
        return Waarde::Onderdrukt;
    }
    Waarde::Aantal(delen.iter().filter_map(|a| a.waarde).sum())
}

/// The tiles, in the order of [`cat::HEADLINE`].
pub const KPIS: &[KpiDef] = &[
    tile(&cat::TEGEL_SPOEDMACHTIGINGEN, Richting::LagerBeter, |r| {
        Waarde::aantal(r.spoedmachtigingen)
    }),
    tile(&cat::TEGEL_SPOEDAANDEEL, Richting::LagerBeter, |r| {
        Waarde::procent(r.spoedaandeel)
    }),
    tile(&cat::TEGEL_PLAATSINGEN_EXCL, Richting::Neutraal, |r| {
        Waarde::aantal(r.plaatsingen.exclusief_doorplaatsingen)
    }),
    tile(&cat::TEGEL_PLAATSINGEN_INCL, Richting::Neutraal, |r| {
        Waarde::aantal(r.plaatsingen.inclusief_doorplaatsingen)
    }),
    tile(&cat::TEGEL_DOORPLAATSINGEN, Richting::LagerBeter, |r| {
        Waarde::aantal(r.doorplaatsingen.aantal)
    }),
    tile(&cat::TEGEL_UITSTROOM_LICHTER, Richting::HogerBeter, |r| {
        Waarde::procent(r.uitstroom_naar_lichtere_zorg.lichter)
    }),
    KpiDef {
        lijn_90: true,
        ..tile(&cat::TEGEL_BEZETTINGSGRAAD, Richting::Neutraal, |r| {
            Waarde::procent(r.bezetting.graad)
        })
    },
    tile(&cat::TEGEL_VERBLIJFSDUUR, Richting::LagerBeter, |r| {
        Waarde::dagen(
            r.verblijfsduur.mediaan,
            r.verblijfsduur.bescherming == crate::api_data::Bescherming::Onderdrukt,
        )
    }),
    tile(&cat::TEGEL_SIGNALEN, Richting::LagerBeter, signalen_totaal),
];

/// Dutch names of the forms (Vorm) and destinations (Verblijfplaats).
pub fn naam(code: &str) -> String {
    match code {
        "GROEP" => "Groep",
        "KLEINSCHALIG" => "Kleinschalig",
        "GEZINSHUIS" => "Gezinshuis",
        "PLEEGZORG" => "Pleegzorg",
        "GEZINSOPNAME" => "Gezinsopname",
        "DRIEMILIEU" => "Driemilieu",
        "EEN_OP_EEN" => "Een-op-een",
        "CRISIS" => "Crisis",
        "AMBULANT" => "Ambulant",
        "THUIS" => "Thuis",
        "NETWERK" => "Netwerk",
        "ZELFSTANDIG" => "Zelfstandig",
        "OPEN_RESIDENTIEEL" => "Open residentieel",
        "GESLOTEN" => "Gesloten",
        "JJI" => "JJI",
        "GGZ_KLINIEK" => "GGZ-kliniek",
        "WLZ" => "Wlz",
        "ONBEKEND" => "Onbekend",
        other => return other.to_owned(),
    }
    .to_owned()
}

/// The quarters of the series, oldest first.
pub fn kwartalen(d: &Dashboard) -> Vec<Periode> {
    d.kwartalen
        .iter()
        .map(|r| Periode::kwartaal_van(r.meta.periode.van))
        .collect()
}

/// Closed places at the end of a quarter.
pub fn gesloten(r: &Rapport) -> Waarde {
    r.plaatsen
        .kolomtotaal("GESLOTEN")
        .map_or(Waarde::Geen, Waarde::aantal)
}

/// Forms with open places somewhere in the series (the alternatives), in table order.
pub fn alternatieve_vormen(d: &Dashboard) -> Vec<String> {
    let Some(eerste) = d.kwartalen.first() else {
        return Vec::new();
    };
    eerste
        .plaatsen
        .rijen
        .iter()
        .filter(|v| {
            d.kwartalen.iter().any(|r| {
                r.plaatsen
                    .cel(v, "OPEN")
                    .is_some_and(|a| a.waarde.unwrap_or(0) > 0)
            })
        })
        .cloned()
        .collect()
}

pub fn open_plaatsen(r: &Rapport, vorm: &str) -> Aantal {
    r.plaatsen.cel(vorm, "OPEN").unwrap_or_default()
}

/// Every table of the dashboard (what `/dashboard/csv/<id>.csv` serves).
pub fn tabellen(d: &Dashboard, periode: Periode) -> Vec<Tabel> {
    let mut uit = vec![kpi_tabel(d, periode), capaciteit_tabel(d), trend_tabel(d)];
    uit.push(uitstroom_tabel(&d.huidig, periode));
    uit.extend(crate::vraag_aanbod::tabellen(&d.vraag_aanbod, periode));
    if let Some(Ok(v)) = &d.verschil {
        let mut t = Tabel::nieuw(
            "verschil",
            format!("Kerncijfers {} bij twee kennismomenten", periode.label()),
            vec![
                "KPI".to_owned(),
                format!("Stand {}", kort_moment(&v.k1)),
                format!("Stand {}", kort_moment(&v.k2)),
            ],
        );
        for k in KPIS {
            t.rijen.push(vec![
                Cel::tekst(k.kolomlabel()),
                Cel::Waarde((k.waarde)(&v.voor)),
                Cel::Waarde((k.waarde)(&v.na)),
            ]);
        }
        uit.push(t);
        let mut f = Tabel::nieuw(
            "verschil-feiten",
            "Feiten die het verschil verklaren",
            vec![
                "Positie".to_owned(),
                "Soort feit".to_owned(),
                "Stroom".to_owned(),
                "Geregistreerd op".to_owned(),
            ],
        );
        for g in &v.gebeurtenissen {
            f.rijen.push(vec![
                Cel::tekst(g.positie.to_string()),
                Cel::tekst(g.soort.clone()),
                Cel::tekst(g.stroom.clone()),
                Cel::tekst(
                    g.geregistreerd_op
                        .as_deref()
                        .map(kort_moment)
                        .unwrap_or_default(),
                ),
            ]);
        }
        uit.push(f);
    }
    uit
}

/// `2025-04-15T23:59:59+00:00` → `2025-04-15 23:59 UTC`.
pub fn kort_moment(s: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(s) {
        Ok(t) => t
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%d %H:%M UTC")
            .to_string(),
        Err(_) => s.to_owned(),
    }
}

fn kpi_tabel(d: &Dashboard, periode: Periode) -> Tabel {
    let vorige = periode.vorige();
    let mut t = Tabel::nieuw(
        "kerncijfers",
        format!("Kerncijfers {}", periode.label()),
        vec!["KPI".to_owned(), periode.label(), vorige.label()],
    );
    for k in KPIS {
        t.rijen.push(vec![
            Cel::tekst(k.kolomlabel()),
            Cel::Waarde((k.waarde)(&d.huidig)),
            Cel::Waarde(d.vorig.as_ref().map_or(Waarde::Geen, |r| (k.waarde)(r))),
        ]);
    }
    let s = |r: &Rapport| {
        [
            ("Signaal: overbezetting", r.signalen.overbezetting),
            (
                "Signaal: gesloten zonder machtiging",
                r.signalen.zonder_machtiging,
            ),
            (
                "Signaal: spoedmachtiging > 28 dagen",
                r.signalen.spoedmachtiging_te_lang,
            ),
            ("Signaal: doorplaatsing", r.signalen.doorplaatsing),
        ]
    };
    for (i, (label, a)) in s(&d.huidig).into_iter().enumerate() {
        let vorig = d
            .vorig
            .as_ref()
            .map_or(Waarde::Geen, |r| Waarde::aantal(s(r)[i].1));
        t.rijen.push(vec![
            Cel::tekst(label),
            Cel::Waarde(Waarde::aantal(a)),
            Cel::Waarde(vorig),
        ]);
    }
    t
}

fn capaciteit_tabel(d: &Dashboard) -> Tabel {
    let vormen = alternatieve_vormen(d);
    let mut kolommen = vec![
        "Kwartaal".to_owned(),
        "Gesloten plaatsen".to_owned(),
        "Doel gesloten plaatsen".to_owned(),
    ];
    kolommen.extend(vormen.iter().map(|v| format!("Alternatief: {}", naam(v))));
    kolommen.extend([
        "Opbouw alternatieven".to_owned(),
        "Afbouw gesloten".to_owned(),
        "Balans".to_owned(),
    ]);
    let mut t = Tabel::nieuw(
        "capaciteit",
        "Capaciteit per kwartaal (einde kwartaal)",
        kolommen,
    );
    for (i, (r, p)) in d.kwartalen.iter().zip(kwartalen(d)).enumerate() {
        let doel = d
            .doelen
            .get(i)
            .and_then(|x| x.doel)
            .map_or(Waarde::Geen, |x| Waarde::Aantal(x.round() as i64));
        let mut rij = vec![
            Cel::tekst(p.label()),
            Cel::Waarde(gesloten(r)),
            Cel::Waarde(doel),
        ];
        rij.extend(
            vormen
                .iter()
                .map(|v| Cel::Waarde(Waarde::aantal(open_plaatsen(r, v)))),
        );
        rij.extend([
            Cel::Waarde(Waarde::Aantal(r.balans.opbouw_alternatieven)),
            Cel::Waarde(Waarde::Aantal(r.balans.afbouw_gesloten)),
            Cel::Waarde(Waarde::Aantal(r.balans.balans)),
        ]);
        t.rijen.push(rij);
    }
    t
}

/// The last eight quarters of the series.
pub fn trend_reeks(d: &Dashboard) -> (&[Rapport], Vec<Periode>) {
    let n = d.kwartalen.len();
    let start = n.saturating_sub(8);
    (&d.kwartalen[start..], kwartalen(d)[start..].to_vec())
}

fn trend_tabel(d: &Dashboard) -> Tabel {
    let (rapporten, perioden) = trend_reeks(d);
    let mut kolommen = vec!["KPI".to_owned()];
    kolommen.extend(perioden.iter().map(|p| p.label()));
    let mut t = Tabel::nieuw("trend", "Trend over de laatste acht kwartalen", kolommen);
    for k in KPIS {
        let mut rij = vec![Cel::tekst(k.kolomlabel())];
        rij.extend(rapporten.iter().map(|r| Cel::Waarde((k.waarde)(r))));
        t.rijen.push(rij);
    }
    t
}

/// Destinations of the episodes ended in the period, largest first, ONBEKEND last.
pub fn bestemmingen(r: &Rapport) -> Vec<(String, Waarde)> {
    let Some(b) = &r.uitstroom_naar_lichtere_zorg.bestemmingen else {
        return Vec::new();
    };
    let mut rijen: Vec<(String, Waarde)> = b
        .rijen
        .iter()
        .zip(&b.cellen)
        .map(|(naam, cellen)| {
            (
                naam.clone(),
                cellen.first().copied().map_or(Waarde::Geen, Waarde::aantal),
            )
        })
        .filter(|(naam, w)| naam == "ONBEKEND" || !matches!(w, Waarde::Aantal(0)))
        .collect();
    let sleutel = |(naam, w): &(String, Waarde)| {
        (
            naam == "ONBEKEND",
            -(w.getal()
                .unwrap_or(if *w == Waarde::Onderdrukt { 0.5 } else { 0.0 })
                * 10.0) as i64,
        )
    };
    rijen.sort_by_key(sleutel);
    rijen
}

fn uitstroom_tabel(r: &Rapport, periode: Periode) -> Tabel {
    let mut t = Tabel::nieuw(
        "uitstroom",
        format!("Uitstroom naar bestemming, {}", periode.label()),
        vec!["Bestemming".to_owned(), "Episodes beëindigd".to_owned()],
    );
    for (b, w) in bestemmingen(r) {
        t.rijen.push(vec![Cel::tekst(naam(&b)), Cel::Waarde(w)]);
    }
    if let Some(b) = &r.uitstroom_naar_lichtere_zorg.bestemmingen {
        t.rijen.push(vec![
            Cel::tekst("Totaal"),
            Cel::Waarde(Waarde::aantal(b.totaal)),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_headline_figure_has_one_tile_in_order() {
        let tiles: Vec<&str> = KPIS.iter().map(|k| k.id).collect();
        let figures: Vec<&str> = cat::HEADLINE.iter().map(|f| f.id).collect();
        assert_eq!(tiles, figures);
    }
}
