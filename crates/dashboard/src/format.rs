//! Values and their Dutch notation: `1.234`, `87,5 %`, `142 dagen`. For roles without
//! person-level access the API perturbs every figure about persons (cell-key method):
//! the page says so beside each such figure, with a link to the method (`/bescherming`).
//! A withheld value (a median over fewer than 10 stays) is shown as the word
//! "onderdrukt", never as a number.

use maud::{Markup, html};

use crate::api_data::{Aantal, Bescherming, Verhouding};

/// One figure as the dashboard shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Waarde {
    Aantal(i64),
    /// A share 0..=1 (shown as a percentage).
    Procent(f64),
    Dagen(f64),
    /// Withheld by the API.
    Onderdrukt,
    /// Not defined (e.g. no target, no episodes ended).
    Geen,
}

impl Waarde {
    pub fn aantal(a: Aantal) -> Waarde {
        match (a.waarde, a.bescherming == Bescherming::Onderdrukt) {
            (_, true) => Waarde::Onderdrukt,
            (Some(n), false) => Waarde::Aantal(n),
            (None, false) => Waarde::Geen,
        }
    }

    pub fn procent(v: Verhouding) -> Waarde {
        match (v.waarde, v.bescherming == Bescherming::Onderdrukt) {
            (_, true) => Waarde::Onderdrukt,
            (Some(x), false) if x.is_finite() => Waarde::Procent(x),
            _ => Waarde::Geen,
        }
    }

    pub fn dagen(x: Option<f64>, onderdrukt: bool) -> Waarde {
        match (x, onderdrukt) {
            (_, true) => Waarde::Onderdrukt,
            (Some(x), false) if x.is_finite() => Waarde::Dagen(x),
            _ => Waarde::Geen,
        }
    }

    /// The number on the chart's scale (percentages as 0..100).
    pub fn getal(self) -> Option<f64> {
        match self {
            Waarde::Aantal(n) => Some(n as f64),
            Waarde::Procent(x) => Some(x * 100.0),
            Waarde::Dagen(x) => Some(x),
            Waarde::Onderdrukt | Waarde::Geen => None,
        }
    }

    pub fn tekst(self) -> String {
        match self {
            Waarde::Aantal(n) => geheel(n),
            Waarde::Procent(x) => format!("{} %", decimaal(x * 100.0, 1)),
            Waarde::Dagen(x) => format!("{} dagen", geheel(x.round() as i64)),
            Waarde::Onderdrukt => "onderdrukt".to_owned(),
            Waarde::Geen => "–".to_owned(),
        }
    }

    /// Number and unit apart, for the big tile figure.
    pub fn delen(self) -> (String, &'static str) {
        match self {
            Waarde::Aantal(n) => (geheel(n), ""),
            Waarde::Procent(x) => (decimaal(x * 100.0, 1), "%"),
            Waarde::Dagen(x) => (geheel(x.round() as i64), "dagen"),
            Waarde::Onderdrukt => ("onderdrukt".to_owned(), ""),
            Waarde::Geen => ("–".to_owned(), ""),
        }
    }

    pub fn csv(self) -> String {
        match self {
            Waarde::Aantal(n) => n.to_string(),
            Waarde::Procent(x) => format!("{:.1}", x * 100.0),
            Waarde::Dagen(x) => format!("{x:.1}"),
            Waarde::Onderdrukt => "onderdrukt".to_owned(),
            Waarde::Geen => String::new(),
        }
    }
}

/// `1234567` → `1.234.567`.
pub fn geheel(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut uit = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            uit.push('.');
        }
        uit.push(c);
    }
    if n < 0 { format!("−{uit}") } else { uit }
}

/// `87.54` with 1 decimal → `87,5`.
pub fn decimaal(x: f64, decimalen: usize) -> String {
    let s = format!("{:.*}", decimalen, x.abs());
    let (heel, frac) = s.split_once('.').unwrap_or((&s, ""));
    let heel = geheel(heel.parse::<i64>().unwrap_or(0));
    let teken = if x < 0.0 && s.chars().any(|c| ('1'..='9').contains(&c)) {
        "−"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{teken}{heel}")
    } else {
        format!("{teken}{heel},{frac}")
    }
}

/// The mark of a withheld value (tables, tiles, charts' tables).
pub fn onderdrukt_html() -> Markup {
    html! {
        span.onderdrukt data-onderdrukt="true"
            title="Onderdrukt: te weinig verblijven voor een mediaan of gemiddelde" {
            "onderdrukt"
        }
    }
}

/// The one line beside a perturbed figure, with the link to the method.
pub fn verstoord_html() -> Markup {
    html! {
        p.verstoord data-verstoord="true" {
            "Licht verstoord (± 2) zodat niemand herleidbaar is. "
            a href="/bescherming" { "Hoe?" }
        }
    }
}

/// Whether a rise is good news.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Richting {
    HogerBeter,
    LagerBeter,
    Neutraal,
}

/// The change between two values, for the tile's arrow.
#[derive(Debug, Clone, PartialEq)]
pub struct Verandering {
    /// ▲, ▼ or =.
    pub pijl: &'static str,
    /// e.g. "+12" or "+3,2 %-punt".
    pub tekst: String,
    /// CSS class: gunstig, ongunstig, neutraal.
    pub klasse: &'static str,
    /// Spelled out for screen readers and print: "gestegen (ongunstig)".
    pub uitleg: String,
}

pub fn verandering(nu: Waarde, toen: Waarde, richting: Richting) -> Option<Verandering> {
    let (a, b) = (nu.getal()?, toen.getal()?);
    let d = a - b;
    let tekst = match nu {
        Waarde::Aantal(_) => {
            let n = d.round() as i64;
            if n > 0 {
                format!("+{}", geheel(n))
            } else {
                geheel(n)
            }
        }
        Waarde::Procent(_) => {
            let s = decimaal(d, 1);
            let s = if d > 0.0 && s != "0,0" {
                format!("+{s}")
            } else {
                s
            };
            format!("{s} %-punt")
        }
        _ => {
            let n = d.round() as i64;
            let s = geheel(n);
            if n > 0 {
                format!("+{s} dagen")
            } else {
                format!("{s} dagen")
            }
        }
    };
    let gelijk = d.abs() < 0.05;
    let (pijl, woord) = if gelijk {
        ("=", "gelijk")
    } else if d > 0.0 {
        ("▲", "gestegen")
    } else {
        ("▼", "gedaald")
    };
    let (klasse, oordeel) = match (gelijk, richting, d > 0.0) {
        (true, _, _) | (_, Richting::Neutraal, _) => ("neutraal", ""),
        (_, Richting::HogerBeter, true) | (_, Richting::LagerBeter, false) => {
            ("gunstig", " (gunstig)")
        }
        _ => ("ongunstig", " (ongunstig)"),
    };
    Some(Verandering {
        pijl,
        tekst,
        klasse,
        uitleg: format!("{woord}{oordeel}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nederlandse_notatie() {
        assert_eq!(geheel(1_234_567), "1.234.567");
        assert_eq!(geheel(-1234), "−1.234");
        assert_eq!(geheel(12), "12");
        assert_eq!(decimaal(87.54, 1), "87,5");
        assert_eq!(decimaal(-0.04, 1), "0,0");
        assert_eq!(Waarde::Procent(0.9).tekst(), "90,0 %");
        assert_eq!(Waarde::Onderdrukt.csv(), "onderdrukt");
        assert_eq!(Waarde::Geen.csv(), "");
    }

    #[test]
    fn veranderingen() {
        let v = verandering(Waarde::Aantal(12), Waarde::Aantal(10), Richting::LagerBeter);
        assert_eq!(
            v.as_ref().map(|v| (v.pijl, v.tekst.as_str(), v.klasse)),
            Some(("▲", "+2", "ongunstig"))
        );
        let v = verandering(
            Waarde::Procent(0.5),
            Waarde::Procent(0.6),
            Richting::HogerBeter,
        );
        assert_eq!(
            v.as_ref().map(|v| (v.pijl, v.tekst.as_str(), v.klasse)),
            Some(("▼", "−10,0 %-punt", "ongunstig"))
        );
        assert!(verandering(Waarde::Onderdrukt, Waarde::Aantal(3), Richting::Neutraal).is_none());
    }
}
