//! Reference data shipped with kringloop: the 5 landsdelen and, for Zuid-West, its 5
//! jeugdregio's and their 52 gemeenten as listed in seeds/001 §2.3 (CBS codes of the
//! 2020 municipal map that document uses).

use crate::catalogue::{
    Gebeurtenis, GemeenteGeregistreerd, JeugdregioGeregistreerd, LandsdeelGeregistreerd,
};

/// (code, naam) of the landsdelen / zorggebieden.
pub const LANDSDELEN: [(&str, &str); 5] = [
    ("NOORD", "Noord"),
    ("OOST", "Oost"),
    ("ZUID", "Zuid"),
    ("ZUID_WEST", "Zuid-West"),
    ("NOORD_WEST", "Noord-West"),
];

/// (code, naam, landsdeel) of the Zuid-West jeugdregio's.
pub const ZUID_WEST_REGIOS: [(&str, &str, &str); 5] = [
    ("RIJNMOND", "Rijnmond", "ZUID_WEST"),
    ("HAAGLANDEN", "Haaglanden", "ZUID_WEST"),
    ("MIDDEN_HOLLAND", "Midden-Holland", "ZUID_WEST"),
    ("HOLLAND_RIJNLAND", "Holland-Rijnland", "ZUID_WEST"),
    ("ZUID_HOLLAND_ZUID", "Zuid-Holland-Zuid", "ZUID_WEST"),
];

/// (CBS code, naam, jeugdregio) of the 52 Zuid-West gemeenten.
pub const ZUID_WEST_GEMEENTEN: [(&str, &str, &str); 52] = [
    // Haaglanden (10)
    ("GM0518", "'s-Gravenhage", "HAAGLANDEN"),
    ("GM0637", "Zoetermeer", "HAAGLANDEN"),
    ("GM1783", "Westland", "HAAGLANDEN"),
    ("GM0503", "Delft", "HAAGLANDEN"),
    ("GM1916", "Leidschendam-Voorburg", "HAAGLANDEN"),
    ("GM1926", "Pijnacker-Nootdorp", "HAAGLANDEN"),
    ("GM0603", "Rijswijk", "HAAGLANDEN"),
    ("GM0629", "Wassenaar", "HAAGLANDEN"),
    ("GM0626", "Voorschoten", "HAAGLANDEN"),
    ("GM1842", "Midden-Delfland", "HAAGLANDEN"),
    // Holland-Rijnland (12)
    ("GM0546", "Leiden", "HOLLAND_RIJNLAND"),
    ("GM0484", "Alphen aan den Rijn", "HOLLAND_RIJNLAND"),
    ("GM0537", "Katwijk", "HOLLAND_RIJNLAND"),
    ("GM0575", "Noordwijk", "HOLLAND_RIJNLAND"),
    ("GM1525", "Teylingen", "HOLLAND_RIJNLAND"),
    ("GM0569", "Nieuwkoop", "HOLLAND_RIJNLAND"),
    ("GM1884", "Kaag en Braassem", "HOLLAND_RIJNLAND"),
    ("GM0547", "Leiderdorp", "HOLLAND_RIJNLAND"),
    ("GM0579", "Oegstgeest", "HOLLAND_RIJNLAND"),
    ("GM0553", "Lisse", "HOLLAND_RIJNLAND"),
    ("GM0534", "Hillegom", "HOLLAND_RIJNLAND"),
    ("GM0638", "Zoeterwoude", "HOLLAND_RIJNLAND"),
    // Midden-Holland (5)
    ("GM0513", "Gouda", "MIDDEN_HOLLAND"),
    ("GM1931", "Krimpenerwaard", "MIDDEN_HOLLAND"),
    ("GM1892", "Zuidplas", "MIDDEN_HOLLAND"),
    ("GM1901", "Bodegraven-Reeuwijk", "MIDDEN_HOLLAND"),
    ("GM0627", "Waddinxveen", "MIDDEN_HOLLAND"),
    // Rijnmond (15)
    ("GM0599", "Rotterdam", "RIJNMOND"),
    ("GM1930", "Nissewaard", "RIJNMOND"),
    ("GM0606", "Schiedam", "RIJNMOND"),
    ("GM0622", "Vlaardingen", "RIJNMOND"),
    ("GM0502", "Capelle aan den IJssel", "RIJNMOND"),
    ("GM1621", "Lansingerland", "RIJNMOND"),
    ("GM1924", "Goeree-Overflakkee", "RIJNMOND"),
    ("GM0489", "Barendrecht", "RIJNMOND"),
    ("GM0597", "Ridderkerk", "RIJNMOND"),
    ("GM0530", "Hellevoetsluis", "RIJNMOND"),
    ("GM0556", "Maassluis", "RIJNMOND"),
    ("GM0542", "Krimpen aan den IJssel", "RIJNMOND"),
    ("GM0613", "Albrandswaard", "RIJNMOND"),
    ("GM0501", "Brielle", "RIJNMOND"),
    ("GM0614", "Westvoorne", "RIJNMOND"),
    // Zuid-Holland-Zuid (10)
    ("GM0505", "Dordrecht", "ZUID_HOLLAND_ZUID"),
    ("GM1963", "Hoeksche Waard", "ZUID_HOLLAND_ZUID"),
    ("GM0642", "Zwijndrecht", "ZUID_HOLLAND_ZUID"),
    ("GM1978", "Molenlanden", "ZUID_HOLLAND_ZUID"),
    ("GM0512", "Gorinchem", "ZUID_HOLLAND_ZUID"),
    ("GM0590", "Papendrecht", "ZUID_HOLLAND_ZUID"),
    ("GM0531", "Hendrik-Ido-Ambacht", "ZUID_HOLLAND_ZUID"),
    ("GM0610", "Sliedrecht", "ZUID_HOLLAND_ZUID"),
    ("GM0482", "Alblasserdam", "ZUID_HOLLAND_ZUID"),
    ("GM0523", "Hardinxveld-Giessendam", "ZUID_HOLLAND_ZUID"),
];

/// The reference data as events, in the order they must be recorded
/// (landsdelen, then regio's, then gemeenten).
pub fn zuid_west_gebeurtenissen() -> Vec<Gebeurtenis> {
    let mut out = Vec::with_capacity(LANDSDELEN.len() + ZUID_WEST_REGIOS.len() + 52);
    for (code, naam) in LANDSDELEN {
        out.push(
            LandsdeelGeregistreerd {
                code: code.to_owned(),
                naam: naam.to_owned(),
            }
            .into(),
        );
    }
    for (code, naam, landsdeel) in ZUID_WEST_REGIOS {
        out.push(
            JeugdregioGeregistreerd {
                code: code.to_owned(),
                naam: naam.to_owned(),
                landsdeel: landsdeel.to_owned(),
            }
            .into(),
        );
    }
    for (code, naam, jeugdregio) in ZUID_WEST_GEMEENTEN {
        out.push(
            GemeenteGeregistreerd {
                code: code.to_owned(),
                naam: naam.to_owned(),
                jeugdregio: jeugdregio.to_owned(),
            }
            .into(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn zuid_west_has_52_gemeenten_in_5_regions_with_published_counts() {
        let mut per_regio: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, _, regio) in ZUID_WEST_GEMEENTEN {
            *per_regio.entry(regio).or_default() += 1;
        }
        assert_eq!(per_regio["RIJNMOND"], 15);
        assert_eq!(per_regio["HAAGLANDEN"], 10);
        assert_eq!(per_regio["MIDDEN_HOLLAND"], 5);
        assert_eq!(per_regio["HOLLAND_RIJNLAND"], 12);
        assert_eq!(per_regio["ZUID_HOLLAND_ZUID"], 10);
        let codes: BTreeSet<&str> = ZUID_WEST_GEMEENTEN.iter().map(|g| g.0).collect();
        assert_eq!(codes.len(), 52, "CBS codes are unique");
        assert!(codes.iter().all(|c| c.len() == 6 && c.starts_with("GM")));
    }

    #[test]
    fn reference_events_round_trip() {
        let events = zuid_west_gebeurtenissen();
        assert_eq!(events.len(), 5 + 5 + 52);
        for e in events {
            let back =
                Gebeurtenis::decode(e.event_type(), e.schema_version(), &e.payload_json()).ok();
            assert_eq!(back.as_ref(), Some(&e));
        }
    }
}
