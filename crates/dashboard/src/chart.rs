//! Inline SVG charts, drawn on the server. Every chart is `role="img"` with a `<title>` and
//! `<desc>`, and has a data table beside it (see `page`). Colours come from classes in
//! the stylesheet (no inline styles, so the Content-Security-Policy can forbid them), and
//! every series is a `<g class="reeks" data-reeks="…">`.

use maud::{Markup, html};

use crate::format::{Waarde, decimaal, geheel};
use crate::selection::Periode;

/// A round upper bound for an axis and its step: 0, step, 2·step, … ≥ max.
fn schaal(max: f64) -> (f64, f64) {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let ruw = max / 4.0;
    let mag = 10f64.powf(ruw.log10().floor());
    let stap = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= ruw)
        .unwrap_or(10.0 * mag);
    ((max / stap).ceil() * stap, stap)
}

fn f(x: f64) -> String {
    format!("{x:.1}")
}

fn as_label(x: f64, procent: bool) -> String {
    if procent {
        format!("{} %", decimaal(x, 0))
    } else if x.fract().abs() < 1e-9 {
        geheel(x as i64)
    } else {
        decimaal(x, 1)
    }
}

/// The accessible wrapper of a chart.
fn svg(
    id: &str,
    breedte: u32,
    hoogte: u32,
    titel: &str,
    beschrijving: &str,
    inhoud: Markup,
) -> Markup {
    html! {
        svg.grafiek id=(id) viewBox={ "0 0 " (breedte) " " (hoogte) }
            role="img" aria-labelledby={ (id) "-titel " (id) "-desc" }
            xmlns="http://www.w3.org/2000/svg" focusable="false" {
            title id={ (id) "-titel" } { (titel) }
            desc id={ (id) "-desc" } { (beschrijving) }
            (inhoud)
        }
    }
}

fn y_as(x0: f64, x1: f64, y: impl Fn(f64) -> f64, max: f64, stap: f64, procent: bool) -> Markup {
    let mut ticks = Vec::new();
    let mut v = 0.0;
    while v <= max + stap * 0.01 {
        ticks.push(v);
        v += stap;
    }
    html! {
        g.as aria-hidden="true" {
            @for t in ticks {
                line.raster x1=(f(x0)) x2=(f(x1)) y1=(f(y(t))) y2=(f(y(t))) {}
                text.as-label x=(f(x0 - 6.0)) y=(f(y(t) + 4.0)) text-anchor="end" { (as_label(t, procent)) }
            }
        }
    }
}

/// Data of the capacity chart.
pub struct Capaciteit<'a> {
    pub kwartalen: &'a [Periode],
    pub gesloten: Vec<Option<i64>>,
    pub doel: Vec<Option<f64>>,
    /// (vorm code, label, places per quarter).
    pub alternatieven: Vec<(String, String, Vec<Option<i64>>)>,
    /// Quarters of the selected period (shaded).
    pub selectie: (Periode, Periode),
}

pub fn capaciteit(c: &Capaciteit<'_>, beschrijving: &str) -> Markup {
    let (b, h) = (960.0, 380.0);
    let (l, r, t, o) = (60.0, 16.0, 18.0, 46.0);
    let n = c.kwartalen.len().max(1) as f64;
    let band = (b - l - r) / n;
    let bw = (band * 0.38).max(1.0);
    let som_alt = |i: usize| -> i64 {
        c.alternatieven
            .iter()
            .map(|(_, _, v)| v.get(i).copied().flatten().unwrap_or(0))
            .sum()
    };
    let max = (0..c.kwartalen.len())
        .map(|i| {
            let g = c.gesloten.get(i).copied().flatten().unwrap_or(0) as f64;
            let d = c.doel.get(i).copied().flatten().unwrap_or(0.0);
            g.max(d).max(som_alt(i) as f64)
        })
        .fold(0.0, f64::max);
    let (ymax, stap) = schaal(max * 1.05);
    let y = |v: f64| t + (h - t - o) * (1.0 - v / ymax);
    let x_band = |i: usize| l + band * i as f64;
    // The target line, broken where there is no target.
    let mut doel_pad = String::new();
    let mut open = false;
    for (i, d) in c.doel.iter().enumerate() {
        match d {
            Some(v) => {
                let cmd = if open { 'L' } else { 'M' };
                doel_pad.push_str(&format!("{cmd}{} {} ", f(x_band(i) + band / 2.0), f(y(*v))));
                open = true;
            }
            None => open = false,
        }
    }
    let selectie: Vec<usize> = c
        .kwartalen
        .iter()
        .enumerate()
        .filter(|(_, p)| **p >= c.selectie.0 && **p <= c.selectie.1)
        .map(|(i, _)| i)
        .collect();
    let inhoud = html! {
        @if let (Some(a), Some(z)) = (selectie.first(), selectie.last()) {
            rect.selectie-band x=(f(x_band(*a))) y=(f(t)) width=(f(band * (*z - *a + 1) as f64)) height=(f(h - t - o)) {}
        }
        (y_as(l, b - r, y, ymax, stap, false))
        g.reeks.k-gesloten data-reeks="gesloten" {
            @for (i, g) in c.gesloten.iter().enumerate() {
                @if let Some(g) = g {
                    rect x=(f(x_band(i) + band * 0.08)) y=(f(y(*g as f64))) width=(f(bw)) height=(f(y(0.0) - y(*g as f64))) {
                        title { (c.kwartalen[i].label()) ": " (geheel(*g)) " gesloten plaatsen" }
                    }
                }
            }
        }
        @for (k, (code, label, waarden)) in c.alternatieven.iter().enumerate() {
            g class={ "reeks v-" (code) } data-reeks={ "alternatief-" (code) } {
                @for (i, w) in waarden.iter().enumerate() {
                    @let onder: i64 = c.alternatieven[..k].iter().map(|(_, _, v)| v.get(i).copied().flatten().unwrap_or(0)).sum();
                    @if let Some(w) = w.filter(|w| *w > 0) {
                        rect x=(f(x_band(i) + band * 0.08 + bw + 1.5)) y=(f(y((onder + w) as f64))) width=(f(bw)) height=(f(y(onder as f64) - y((onder + w) as f64))) {
                            title { (c.kwartalen[i].label()) ": " (geheel(w)) " plaatsen " (label) }
                        }
                    }
                }
            }
        }
        @if !doel_pad.is_empty() {
            g.reeks.k-doel data-reeks="doel" {
                path d=(doel_pad.trim_end()) fill="none" {}
                @for (i, d) in c.doel.iter().enumerate() {
                    @if let Some(v) = d {
                        circle cx=(f(x_band(i) + band / 2.0)) cy=(f(y(*v))) r="2.5" {
                            title { (c.kwartalen[i].label()) ": doel " (geheel(v.round() as i64)) " gesloten plaatsen" }
                        }
                    }
                }
            }
        }
        line.nul x1=(f(l)) x2=(f(b - r)) y1=(f(y(0.0))) y2=(f(y(0.0))) {}
        g.as aria-hidden="true" {
            @for (i, p) in c.kwartalen.iter().enumerate() {
                @if n <= 12.0 || matches!(p, Periode::Kwartaal(_, 1)) {
                    text.as-label x=(f(x_band(i) + if n <= 12.0 { band / 2.0 } else { 2.0 })) y=(f(h - o + 18.0))
                        text-anchor=(if n <= 12.0 { "middle" } else { "start" }) {
                        (if n <= 12.0 { p.kort() } else { match p { Periode::Kwartaal(j, _) => j.to_string(), _ => p.kort() } })
                    }
                }
            }
            text.as-titel x=(f(l)) y="12" { "plaatsen (einde kwartaal)" }
        }
    };
    svg(
        "grafiek-capaciteit",
        b as u32,
        h as u32,
        "Capaciteit: gesloten plaatsen tegen het doel, naast de opbouw van alternatieven",
        beschrijving,
        inhoud,
    )
}

/// Balance (opbouw alternatives − afbouw closed) per quarter, bars around zero.
pub fn balans(kwartalen: &[Periode], balans: &[i64], beschrijving: &str) -> Markup {
    let (b, h) = (960.0, 170.0);
    let (l, r, t, o) = (60.0, 16.0, 14.0, 26.0);
    let n = kwartalen.len().max(1) as f64;
    let band = (b - l - r) / n;
    let max = balans.iter().map(|v| v.unsigned_abs()).max().unwrap_or(1) as f64;
    let (m, mut stap) = schaal(max.max(1.0) * 1.05);
    // A low chart: at most two gridlines each side of zero.
    while m / stap > 2.0 {
        stap *= 2.0;
    }
    let y = |v: f64| t + (h - t - o) * (m - v) / (2.0 * m);
    let inhoud = html! {
        g.as aria-hidden="true" {
            @for v in (-((m / stap).floor() as i64)..=((m / stap).floor() as i64)).map(|k| k as f64 * stap) {
                line.raster x1=(f(l)) x2=(f(b - r)) y1=(f(y(v))) y2=(f(y(v))) {}
                text.as-label x=(f(l - 6.0)) y=(f(y(v) + 4.0)) text-anchor="end" {
                    (if v > 0.0 { format!("+{}", geheel(v as i64)) } else { geheel(v as i64) })
                }
            }
            @for (i, p) in kwartalen.iter().enumerate() {
                @if n <= 12.0 || matches!(p, Periode::Kwartaal(_, 1)) {
                    text.as-label x=(f(l + band * i as f64 + 2.0)) y=(f(h - 6.0)) {
                        (if n <= 12.0 { p.kort() } else { match p { Periode::Kwartaal(j, _) => j.to_string(), _ => p.kort() } })
                    }
                }
            }
        }
        g.reeks data-reeks="balans" {
            @for (i, v) in balans.iter().enumerate() {
                @let (y0, y1) = if *v >= 0 { (y(*v as f64), y(0.0)) } else { (y(0.0), y(*v as f64)) };
                rect class=(if *v >= 0 { "balans-plus" } else { "balans-min" })
                    x=(f(l + band * i as f64 + band * 0.15)) y=(f(y0)) width=(f((band * 0.7).max(1.0))) height=(f((y1 - y0).max(0.5))) {
                    title { (kwartalen[i].label()) ": balans " (if *v > 0 { "+" } else { "" }) (geheel(*v)) }
                }
            }
        }
        line.nul x1=(f(l)) x2=(f(b - r)) y1=(f(y(0.0))) y2=(f(y(0.0))) {}
    };
    svg(
        "grafiek-balans",
        b as u32,
        h as u32,
        "Balans per kwartaal: opbouw van alternatieven min afbouw van gesloten plaatsen",
        beschrijving,
        inhoud,
    )
}

/// A small trend chart of one KPI over (up to) eight quarters.
pub fn trend(
    id: &str,
    label: &str,
    perioden: &[Periode],
    waarden: &[Waarde],
    lijn_90: bool,
) -> Markup {
    let (b, h) = (360.0, 150.0);
    let (l, r, t, o) = (46.0, 24.0, 14.0, 24.0);
    let procent = waarden.iter().any(|w| matches!(w, Waarde::Procent(_)));
    let max = waarden.iter().filter_map(|w| w.getal()).fold(0.0, f64::max);
    let max = if lijn_90 {
        max.max(100.0)
    } else if procent {
        max.max(10.0)
    } else {
        // Counts: whole-number gridlines even when every value is small or suppressed.
        max.max(4.0)
    };
    let (ymax, stap) = schaal(max * 1.05);
    let n = perioden.len().max(2) as f64;
    let x = |i: usize| l + (b - l - r) * i as f64 / (n - 1.0);
    let y = |v: f64| t + (h - t - o) * (1.0 - v / ymax);
    let mut pad = String::new();
    let mut open = false;
    for (i, w) in waarden.iter().enumerate() {
        match w.getal() {
            Some(v) => {
                pad.push_str(&format!(
                    "{}{} {} ",
                    if open { 'L' } else { 'M' },
                    f(x(i)),
                    f(y(v))
                ));
                open = true;
            }
            None => open = false,
        }
    }
    let tekst: Vec<String> = perioden
        .iter()
        .zip(waarden)
        .map(|(p, w)| format!("{}: {}", p.label(), w.tekst()))
        .collect();
    let beschrijving = format!(
        "{label} per kwartaal. {}{}",
        tekst.join("; "),
        if lijn_90 {
            ". Stippellijn: levensvatbaarheidsgrens 90 %."
        } else {
            "."
        }
    );
    let laatste = waarden.iter().rposition(|w| w.getal().is_some());
    let inhoud = html! {
        (y_as(l, b - r, y, ymax, stap, procent))
        @if lijn_90 {
            g.grens-90 {
                line x1=(f(l)) x2=(f(b - r)) y1=(f(y(90.0))) y2=(f(y(90.0))) {}
                text.as-label x=(f(b - r)) y=(f(y(90.0) - 4.0)) text-anchor="end" { "90 %" }
            }
        }
        g.reeks.k-trend data-reeks=(id) {
            path d=(pad.trim_end()) fill="none" {}
            @for (i, w) in waarden.iter().enumerate() {
                @if let Some(v) = w.getal() {
                    circle cx=(f(x(i))) cy=(f(y(v))) r="3" { title { (tekst[i]) } }
                } @else if *w == Waarde::Onderdrukt {
                    g.onderdrukt-punt {
                        title { (perioden[i].label()) ": onderdrukt (klein aantal)" }
                        text x=(f(x(i))) y=(f(y(0.0) - 4.0)) text-anchor="middle" { "×" }
                    }
                }
            }
        }
        @if let Some(i) = laatste {
            text.waarde-label x=(f(x(i) - 4.0)) y=(f(y(waarden[i].getal().unwrap_or(0.0)) - 8.0)) text-anchor="end" {
                (waarden[i].tekst())
            }
        }
        line.nul x1=(f(l)) x2=(f(b - r)) y1=(f(y(0.0))) y2=(f(y(0.0))) {}
        g.as aria-hidden="true" {
            @for (i, p) in perioden.iter().enumerate() {
                text.as-label.klein x=(f(x(i))) y=(f(h - 6.0)) text-anchor="middle" {
                    (match p { Periode::Kwartaal(_, k) => if *k == 1 || i == 0 { p.kort() } else { format!("K{k}") }, _ => p.kort() })
                }
            }
        }
    };
    svg(
        &format!("trend-{id}"),
        b as u32,
        h as u32,
        &format!("Trend {label}, laatste acht kwartalen"),
        &beschrijving,
        inhoud,
    )
}

/// Horizontal bars: episodes ended per destination.
pub fn bestemmingen(rijen: &[(String, Waarde)], beschrijving: &str) -> Markup {
    let rij_h = 26.0;
    let (l, r, t) = (150.0, 110.0, 6.0);
    let b = 640.0;
    let h = t * 2.0 + rij_h * rijen.len().max(1) as f64;
    let max = rijen
        .iter()
        .filter_map(|(_, w)| w.getal())
        .fold(1.0, f64::max);
    let w = |v: f64| (b - l - r) * v / max;
    let inhoud = html! {
        g.reeks.k-uitstroom data-reeks="uitstroom" {
            @for (i, (naam, waarde)) in rijen.iter().enumerate() {
                @let y = t + rij_h * i as f64;
                text.as-label x=(f(l - 8.0)) y=(f(y + rij_h * 0.65)) text-anchor="end" { (naam) }
                @if let Some(v) = waarde.getal() {
                    rect class=(if naam == "Onbekend" { "balk-onbekend" } else { "balk" })
                        x=(f(l)) y=(f(y + 4.0)) width=(f(w(v).max(1.0))) height=(f(rij_h - 8.0)) {
                        title { (naam) ": " (waarde.tekst()) }
                    }
                    text.waarde-label x=(f(l + w(v).max(1.0) + 6.0)) y=(f(y + rij_h * 0.65)) { (waarde.tekst()) }
                } @else {
                    rect.balk-onderdrukt x=(f(l)) y=(f(y + 4.0)) width="24" height=(f(rij_h - 8.0)) {
                        title { (naam) ": " (waarde.tekst()) }
                    }
                    text.waarde-label.onderdrukt-tekst x=(f(l + 30.0)) y=(f(y + rij_h * 0.65)) { (waarde.tekst()) }
                }
            }
        }
    };
    svg(
        "grafiek-uitstroom",
        b as u32,
        h.ceil() as u32,
        "Uitstroom naar bestemming",
        beschrijving,
        inhoud,
    )
}

#[cfg(test)]
mod tests {
    use super::schaal;

    #[test]
    fn ronde_schaal() {
        assert_eq!(schaal(95.0), (100.0, 25.0));
        assert_eq!(schaal(0.0), (1.0, 0.25));
        let (m, s) = schaal(1234.0);
        assert!(m >= 1234.0 && (m / s) <= 5.0, "{m} {s}");
    }
}
