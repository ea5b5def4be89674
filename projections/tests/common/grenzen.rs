//! Histories whose days sit on the boundaries of the counting rules (docs/kpis.md,
//! "Counting rules"): stays of 364, 365, 366 and 547, 548, 549 days, doorplaatsingen
//! 364, 365 and 366 days after the start, spoedmachtigingen of 27 to 30 days, closed
//! placements whose authorisation lapses once or twice, and dates on the first and last
//! days of months. Registrations come late and out of order, and some authorisations are
//! corrected later by a day either way.
//!
//! Beside the log comes the model it was made from (`Pad`, as finally corrected), so that
//! a test can count by the written rules directly, without the projection.

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, Utc};
use kringloop_events::*;

use super::{Log, Rng, d, t};

/// The facilities: id, aanbieder, gemeente, form, regime.
pub const FACS: [(&str, &str, &str, Vorm, Regime); 3] = [
    ("F1", "A1", "G1", Vorm::Groep, Regime::Gesloten),
    ("F2", "A1", "G1", Vorm::Kleinschalig, Regime::Open),
    ("F3", "A2", "G2", Vorm::Groep, Regime::Gesloten),
];

/// Whether facility `vz` (an index into [`FACS`]) is closed care.
pub fn gesloten(vz: usize) -> bool {
    FACS[vz].4 == Regime::Gesloten
}

/// One placement: [begin, eind), `None` while it runs.
#[derive(Debug, Clone)]
pub struct Verblijf {
    pub vz: usize,
    pub begin: NaiveDate,
    pub eind: Option<NaiveDate>,
}

/// An authorisation valid from `van` to `tot`, both days included.
#[derive(Debug, Clone)]
pub struct Machtiging {
    pub spoed: bool,
    pub van: NaiveDate,
    pub tot: NaiveDate,
}

/// A youth's one episode: its placements (a doorplaatsing ends one and starts the next),
/// its authorisations, and the exit.
#[derive(Debug, Clone)]
pub struct Pad {
    pub verblijven: Vec<Verblijf>,
    pub machtigingen: Vec<Machtiging>,
    pub door: Option<NaiveDate>,
    pub eind: Option<NaiveDate>,
}

pub struct Grensgeval {
    pub log: Log,
    pub paden: Vec<Pad>,
    /// A knowledge time in the middle of the recording.
    pub midden: DateTime<Utc>,
}

fn plus(x: NaiveDate, dagen: i64) -> NaiveDate {
    x + Duration::days(dagen)
}

/// The last day of the month of `x`.
fn maandeinde(x: NaiveDate) -> NaiveDate {
    let eerste = x.with_day0(0).unwrap_or(x);
    eerste
        .checked_add_months(chrono::Months::new(1))
        .and_then(|v| v.checked_sub_days(Days::new(1)))
        .unwrap_or(x)
}

/// Every day of [van, tot).
fn dagen(van: NaiveDate, tot: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    van.iter_days().take_while(move |x| *x < tot)
}

impl Pad {
    fn gedekt(&self, x: NaiveDate) -> bool {
        self.machtigingen.iter().any(|m| m.van <= x && x <= m.tot)
    }

    fn begin(&self) -> NaiveDate {
        self.verblijven[0].begin
    }

    /// The stretches of closed stay without a valid authorisation, per placement.
    fn strekken(&self) -> Vec<Vec<(NaiveDate, NaiveDate)>> {
        let grens = d("2030-01-01");
        self.verblijven
            .iter()
            .filter(|v| gesloten(v.vz))
            .map(|v| {
                let mut uit: Vec<(NaiveDate, NaiveDate)> = Vec::new();
                for x in dagen(v.begin, v.eind.unwrap_or(grens)) {
                    if self.gedekt(x) {
                        continue;
                    }
                    match uit.last_mut() {
                        Some(s) if s.1 == x => s.1 = plus(x, 1),
                        _ => uit.push((x, plus(x, 1))),
                    }
                }
                uit
            })
            .collect()
    }
}

impl Grensgeval {
    /// Closed placements with at least one day in [van, tot) without a valid MGJ or
    /// spoedmachtiging, each once.
    pub fn zonder_machtiging(&self, van: NaiveDate, tot: NaiveDate) -> i64 {
        self.paden
            .iter()
            .flat_map(Pad::strekken)
            .filter(|s| s.iter().any(|&(a, b)| a < tot && b > van))
            .count() as i64
    }

    /// The same, one per stretch: what the rule was before issue 27.
    pub fn zonder_machtiging_per_strek(&self, van: NaiveDate, tot: NaiveDate) -> i64 {
        self.paden
            .iter()
            .flat_map(Pad::strekken)
            .flatten()
            .filter(|&(a, b)| a < tot && b > van)
            .count() as i64
    }

    /// Spoedmachtigingen with to − from + 1 > 28 and a day beyond the 28th in [van, tot).
    pub fn spoed_te_lang(&self, van: NaiveDate, tot: NaiveDate) -> i64 {
        self.paden
            .iter()
            .flat_map(|p| p.machtigingen.iter())
            .filter(|m| m.spoed && (m.tot - m.van).num_days() + 1 > 28)
            .filter(|m| plus(m.van, 28) < tot && m.tot >= van)
            .count() as i64
    }

    /// Episodes ended in [van, tot): (those shorter than 365 days, all).
    pub fn korter_dan_jaar(&self, van: NaiveDate, tot: NaiveDate) -> (i64, i64) {
        let duren: Vec<i64> = self
            .paden
            .iter()
            .filter_map(|p| p.eind.map(|e| (p.begin(), e)))
            .filter(|&(_, e)| van <= e && e < tot)
            .map(|(s, e)| (e - s).num_days())
            .collect();
        (
            duren.iter().filter(|&&x| x < 365).count() as i64,
            duren.len() as i64,
        )
    }

    /// Episodes running at `peil` that started 548 days or more before it.
    pub fn langverblijvers(&self, peil: NaiveDate) -> i64 {
        self.paden
            .iter()
            .filter(|p| p.begin() <= peil && p.eind.is_none_or(|e| peil < e))
            .filter(|p| (peil - p.begin()).num_days() >= 548)
            .count() as i64
    }

    /// Episodes started in [van, tot): (those with a doorplaatsing less than 365 days
    /// after the start, all).
    pub fn cohort(&self, van: NaiveDate, tot: NaiveDate) -> (i64, i64) {
        let cohort: Vec<&Pad> = self
            .paden
            .iter()
            .filter(|p| van <= p.begin() && p.begin() < tot)
            .collect();
        (
            cohort
                .iter()
                .filter(|p| p.door.is_some_and(|x| (x - p.begin()).num_days() < 365))
                .count() as i64,
            cohort.len() as i64,
        )
    }
}

enum Abs {
    Feit(String, Gebeurtenis),
    Correctie(String, usize, Gebeurtenis),
}

struct Item {
    /// Seconds after the epoch of the history.
    opgenomen: i64,
    abs: Abs,
}

fn machtiging(id: String, m: &Machtiging) -> Gebeurtenis {
    MachtigingAfgegeven {
        machtiging: id,
        soort: if m.spoed {
            MachtigingSoort::Spoedmachtiging
        } else {
            MachtigingSoort::Mgj
        },
        geldig_van: m.van,
        geldig_tot: m.tot,
        aangevraagd_door: "GI".into(),
    }
    .into()
}

/// `jeugdigen` youths, one episode each, starting in 2023 or 2024.
pub fn grensgeval(seed: u64, jeugdigen: usize) -> Grensgeval {
    let mut r = Rng(seed | 1);
    let t0 = d("2023-01-01");
    let epoch = t("2022-06-01T00:00:00Z");
    let dagsec = 86_400;
    // Seconds after the epoch at which a fact of date `x` is recorded, `vertraging` days late.
    let op = |x: NaiveDate, vertraging: u64, r: &mut Rng| -> i64 {
        ((x - d("2022-06-01")).num_days() + vertraging as i64) * dagsec
            + r.below(dagsec as u64) as i64
    };
    let mut items: Vec<Item> = Vec::new();
    let feit = |items: &mut Vec<Item>, at: i64, stroom: &str, g: Gebeurtenis| -> usize {
        items.push(Item {
            opgenomen: at,
            abs: Abs::Feit(stroom.to_owned(), g),
        });
        items.len() - 1
    };

    for (stroom, g) in super::landschap() {
        feit(&mut items, 0, &stroom, g);
    }
    for (id, aanbieder, gemeente, vorm, regime) in FACS {
        let stroom = voorziening_stream(id);
        feit(
            &mut items,
            0,
            &stroom,
            VoorzieningGeregistreerd {
                id: id.into(),
                aanbieder: aanbieder.into(),
                naam: id.into(),
                gemeente: gemeente.into(),
                vorm,
                regime,
                datum: d("2022-01-01"),
            }
            .into(),
        );
        feit(
            &mut items,
            0,
            &stroom,
            PlaatsenGeopend {
                voorziening: id.into(),
                datum: d("2022-01-01"),
                aantal: 1 + r.below(4) as u32,
            }
            .into(),
        );
    }

    let mut paden = Vec::new();
    for j in 0..jeugdigen {
        let stroom = jeugdige_stream(&format!("J{j}"));
        // The start: on the first of a month, the day before or after, or mid-month.
        let maand = t0
            .checked_add_months(chrono::Months::new(r.below(24) as u32))
            .unwrap_or(t0);
        let s = plus(maand, r.kies(&[0, 0, 0, 1, -1, 14]));
        let lengte: Option<i64> = if r.kans(20) {
            None
        } else {
            let vrij = 30 + r.below(500) as i64;
            Some(r.kies(&[28, 29, 364, 365, 366, 547, 548, 549, vrij]))
        };
        let door: Option<i64> = if r.kans(50) {
            let vrij = 1 + r.below(400) as i64;
            let x = r.kies(&[364, 365, 366, vrij]);
            lengte.is_none_or(|l| x < l).then_some(x)
        } else {
            None
        };
        let vz1 = r.kies(&[0, 0, 1, 2, 2]);
        let vz2 = (vz1 + 1 + r.below(2) as usize) % FACS.len();

        // Authorisations.
        let mut macht: Vec<Machtiging> = Vec::new();
        match r.below(5) {
            0 => {}
            1 => macht.push(Machtiging {
                spoed: false,
                van: s,
                tot: plus(s, r.kies(&[364, 365])),
            }),
            2 => {
                // A spoedmachtiging of 27–30 days, then an MGJ from its end or a little
                // later.
                let l = r.kies(&[27, 28, 29, 30]);
                macht.push(Machtiging {
                    spoed: true,
                    van: s,
                    tot: plus(s, l - 1),
                });
                let van = plus(s, l + r.kies(&[0, 0, 1, 3]));
                macht.push(Machtiging {
                    spoed: false,
                    van,
                    tot: plus(van, 364),
                });
            }
            _ => {
                // Lapses twice: to the end of the month, a gap, a second one, a gap, a
                // third one. A late start leaves the first days uncovered too.
                let van = plus(s, r.kies(&[0, 0, 0, 2]));
                let tot = maandeinde(van);
                macht.push(Machtiging {
                    spoed: r.kans(30),
                    van,
                    tot,
                });
                let van = plus(tot, r.kies(&[2, 3, 32]));
                let tot = plus(van, r.kies(&[27, 29, 58]));
                macht.push(Machtiging {
                    spoed: false,
                    van,
                    tot,
                });
                let van = plus(tot, r.kies(&[2, 31]));
                macht.push(Machtiging {
                    spoed: false,
                    van,
                    tot: plus(van, 364),
                });
            }
        }

        let gem = if r.kans(50) { "G1" } else { "G2" };
        let mut youth: Vec<(NaiveDate, Gebeurtenis)> = vec![(
            plus(s, -30),
            JeugdigeGeregistreerd {
                pseudoniem: format!("J{j}"),
                geboortejaar: 2008,
                geslacht: Geslacht::Onbekend,
                woongemeente: gem.into(),
                datum: plus(s, -30),
            }
            .into(),
        )];
        youth.push((
            s,
            PlaatsingGestart {
                voorziening: FACS[vz1].0.into(),
                datum: s,
                spoed: macht.first().is_some_and(|m| m.spoed),
                crisis: false,
                verblijf_voor: Verblijfplaats::Thuis,
                verzoek: None,
                overbrugging: false,
            }
            .into(),
        ));
        let eind = lengte.map(|l| plus(s, l));
        let mut verblijven = vec![Verblijf {
            vz: vz1,
            begin: s,
            eind,
        }];
        if let Some(x) = door.map(|x| plus(s, x)) {
            verblijven[0].eind = Some(x);
            verblijven.push(Verblijf {
                vz: vz2,
                begin: x,
                eind,
            });
            youth.push((
                x,
                Doorgeplaatst {
                    van: FACS[vz1].0.into(),
                    naar: FACS[vz2].0.into(),
                    datum: x,
                    reden: "".into(),
                    tegen_wens_jeugdige: false,
                    tegen_wens_aanbieder: false,
                    verzoek: None,
                    overbrugging: false,
                }
                .into(),
            ));
        }
        if let Some(e) = eind {
            youth.push((
                e,
                PlaatsingBeeindigd {
                    voorziening: None,
                    datum: e,
                    bestemming: Verblijfplaats::ALL[r.below(16) as usize],
                    reden: "".into(),
                    reden_beeindiging: None,
                }
                .into(),
            ));
        }
        let mut stroom_items: Vec<usize> = Vec::new();
        for (x, g) in youth {
            let at = op(x, r.below(60), &mut r);
            stroom_items.push(feit(&mut items, at, &stroom, g));
        }
        for (i, m) in macht.iter_mut().enumerate() {
            let id = format!("M{i}");
            let at = op(m.van, r.below(40), &mut r);
            let oud = feit(&mut items, at, &stroom, machtiging(id.clone(), m));
            if r.kans(15) {
                // Corrected later by a day either way: a gap opens or closes.
                m.tot = plus(m.tot, r.kies(&[-1, 1]));
                items.push(Item {
                    opgenomen: at + (1 + r.below(60) as i64) * dagsec,
                    abs: Abs::Correctie(stroom.clone(), oud, machtiging(id, m)),
                });
            }
        }
        paden.push(Pad {
            verblijven,
            machtigingen: macht,
            door: door.map(|x| plus(s, x)),
            eind,
        });
    }

    let mut volgorde: Vec<usize> = (0..items.len()).collect();
    volgorde.sort_by_key(|&i| (items[i].opgenomen, i));
    let mut log = Log::new(epoch);
    let mut ids = vec![uuid::Uuid::nil(); items.len()];
    for i in volgorde {
        let at = epoch + Duration::seconds(items[i].opgenomen);
        ids[i] = match &items[i].abs {
            Abs::Feit(s, g) => log.push_op(s, g.clone(), at),
            Abs::Correctie(s, doel, nieuw) => log.push_op(
                s,
                FeitGecorrigeerd {
                    vervangt: ids[*doel],
                    nieuw: Box::new(nieuw.clone()),
                    reden: "correctie".into(),
                },
                at,
            ),
        };
    }
    let midden = log
        .events
        .get(log.events.len() / 2)
        .map_or(epoch, |e| e.recorded_at);
    Grensgeval { log, paden, midden }
}
