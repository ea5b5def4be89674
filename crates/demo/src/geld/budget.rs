//! The regions' budgets: per region, year and segment, set in November before the year
//! (the first year with the opening balance), sized on what the region group's planned
//! places would cost at the usual occupancy and shared by the regions' weights; and in
//! Zuid-West a yearly shift from closed beds to ambulant alternatives.

use chrono::{Datelike, NaiveDate};
use kringloop_events::{BudgetVastgesteld, BudgetVerschoven, Budgetsegment, budget_stream};

use super::{BEZETTING, Ctx, dagprijs};
use crate::date::ymd;

/// Share of the closed-care budget Zuid-West's regions move to ambulant care each year.
const VERSCHUIVING: f64 = 0.08;

/// What landsdeel `l`'s planned places of a segment would cost in year `y`, in euros.
fn kosten(ctx: &Ctx<'_>, l: usize, seg: Budgetsegment, y: i32) -> f64 {
    let w = ctx.w;
    let kwartalen: Vec<NaiveDate> = [1, 4, 7, 10].iter().map(|m| ymd(y, *m, 1)).collect();
    let mut euro = 0.0;
    for (vz, v) in w.voorzieningen.iter().enumerate() {
        if w.regios[w.gemeenten[v.gemeente].regio].landsdeel != l
            || Budgetsegment::van(v.vorm, v.regime) != seg
        {
            continue;
        }
        let plaatsen: i64 = kwartalen.iter().map(|d| ctx.plaatsen(vz, *d)).sum();
        if plaatsen == 0 {
            continue;
        }
        euro += plaatsen as f64 / 4.0 * BEZETTING * 365.0 * dagprijs(v.vorm, v.regime);
    }
    euro * ctx.factor(l, y)
}

pub(crate) fn plan(ctx: &mut Ctx<'_>) {
    let w = ctx.w;
    let eerste = w.t0.year();
    let laatste = ctx.laatste_dag.year();
    for y in eerste..=laatste {
        for l in 0..w.landsdelen.len() {
            let regios: Vec<usize> = (0..w.regios.len())
                .filter(|r| w.regios[*r].landsdeel == l)
                .collect();
            let gewicht: f64 = regios.iter().map(|r| w.regios[*r].gewicht).sum();
            let per_segment: Vec<(Budgetsegment, f64)> = Budgetsegment::ALL
                .iter()
                .map(|s| (*s, kosten(ctx, l, *s, y)))
                .collect();
            let zuid_west = w.landsdelen[l].code == "ZUID_WEST";
            for r in regios {
                let aandeel = w.regios[r].gewicht / gewicht.max(1e-9);
                let mut gesloten = 0i64;
                for (i, (segment, euro)) in per_segment.iter().enumerate() {
                    let marge = 0.97 + 0.08 * ctx.r.f64();
                    let bedrag = duizendtallen(euro * aandeel * marge);
                    if *segment == Budgetsegment::Gesloten {
                        gesloten = bedrag;
                    }
                    let t = if y == eerste {
                        None
                    } else {
                        ctx.moment(ymd(y - 1, 11, 12), 10, (r * 3 + i) as i64)
                    };
                    let f = BudgetVastgesteld {
                        jeugdregio: w.regios[r].code.clone(),
                        jaar: y,
                        segment: *segment,
                        bedrag_cent: bedrag,
                    };
                    ctx.push(t, budget_stream(&w.regios[r].code), f.into());
                }
                // Zuid-West turns part of the budget behind closed beds into budget for
                // ambulant alternatives each year from the second year on.
                if zuid_west && y > eerste {
                    let bedrag = duizendtallen(gesloten as f64 / 100.0 * VERSCHUIVING);
                    if bedrag > 0 {
                        let datum = ymd(y, 7, 1);
                        let f = BudgetVerschoven {
                            jeugdregio: w.regios[r].code.clone(),
                            jaar: y,
                            van: Budgetsegment::Gesloten,
                            naar: Budgetsegment::Ambulant,
                            bedrag_cent: bedrag,
                            datum,
                            reden: "afbouw gesloten plaatsen: budget omgezet naar ambulante \
                                    alternatieven"
                                .to_owned(),
                        };
                        let t = ctx.moment(datum, 11, r as i64);
                        ctx.push(t, budget_stream(&w.regios[r].code), f.into());
                    }
                }
            }
        }
    }
}

/// Euros rounded to whole thousands, in cents.
fn duizendtallen(euro: f64) -> i64 {
    ((euro / 1000.0).round() as i64).max(0) * 100_000
}
