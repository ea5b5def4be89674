//! The monthly capacity plan: the closed-care trajectory of each landsdeel (afbouw,
//! ombouw, closures), the alternatives built in its place, and the open forms.

use super::tables::GESLOTEN_AANBIEDERS;
use super::*;

impl Planner<'_> {
    /// Follows the closed-capacity trajectory of one landsdeel in month `t`.
    pub(super) fn volg_gesloten(&mut self, l: usize, t: NaiveDate) {
        let code = self.w.landsdelen[l].code;
        let koers = self.w.landsdelen[l].koers;
        let doel = self.schaal(calibration::gesloten_capaciteit(code, t));
        for _ in 0..12 {
            let huidig = (self.segment_cap(l, Vorm::Groep, Regime::Gesloten)
                + self.segment_cap(l, Vorm::Kleinschalig, Regime::Gesloten))
                as f64;
            if huidig - doel >= 4.0 {
                let verwijderd = self.afbouw_gesloten(l, t, koers, huidig - doel);
                if verwijderd == 0 {
                    break;
                }
                self.afgebouwd[l].push((t, verwijderd as f64));
            } else if doel - huidig >= 6.0 {
                // The trajectory rises a little (other landsdelen taking over Zuid-West's
                // youths): extra places in an existing closed unit.
                let groepen = self.w.segmenten[segment(l, Vorm::Groep, Regime::Gesloten)].clone();
                if let Some(vz) = groepen
                    .into_iter()
                    .filter(|v| self.actief(*v))
                    .max_by_key(|v| self.cap[*v])
                {
                    self.actie(t, Actie::Open { vz, n: 6 });
                } else {
                    let a = self.gesloten_aanbieder(l);
                    let vz = self.nieuwe(a, l, Vorm::Kleinschalig, Regime::Gesloten, t);
                    self.actie(t, Actie::Open { vz, n: 6 });
                }
            } else {
                break;
            }
        }
        // Koplopers are all small-scale by 2025: from mid-2024 one remaining closed group
        // a month is converted into a closed small-scale unit.
        if koers.koploper && t >= ymd(2024, 6, 1) {
            let groepen = self.w.segmenten[segment(l, Vorm::Groep, Regime::Gesloten)].clone();
            if let Some(van) = groepen
                .into_iter()
                .find(|v| self.actief(*v) && self.cap[*v] > 0)
            {
                let uit = self.cap[van].min(8) as u32;
                let r#in = uit.min(6);
                let a = self.w.voorzieningen[van].aanbieder;
                let naar = self.nieuwe(a, l, Vorm::Kleinschalig, Regime::Gesloten, t);
                self.actie(
                    t,
                    Actie::Ombouw {
                        van,
                        naar,
                        uit,
                        r#in,
                        reden: "ombouw naar besloten kleinschalig",
                    },
                );
                if self.cap[van] == 0 {
                    self.actie(
                        t,
                        Actie::Opheffen {
                            vz: van,
                            reden: "locatie volledig omgebouwd",
                        },
                    );
                }
                self.afgebouwd[l].push((t, f64::from(uit - r#in)));
            }
        }
    }

    pub(super) fn gesloten_aanbieder(&mut self, l: usize) -> usize {
        let opties: Vec<usize> = (0..GESLOTEN_AANBIEDERS.len())
            .filter(|a| self.w.aanbieders[*a].landsdeel == l)
            .collect();
        opties.get(self.r.index(opties.len())).copied().unwrap_or(0)
    }

    /// Removes closed places in landsdeel `l`; returns how many closed places went.
    pub(super) fn afbouw_gesloten(
        &mut self,
        l: usize,
        t: NaiveDate,
        koers: Koers,
        teveel: f64,
    ) -> i64 {
        let groepen: Vec<usize> = self.w.segmenten[segment(l, Vorm::Groep, Regime::Gesloten)]
            .iter()
            .copied()
            .filter(|v| self.actief(*v) && self.cap[*v] > 0)
            .collect();
        let kleinschalig: Vec<usize> = self.w.segmenten
            [segment(l, Vorm::Kleinschalig, Regime::Gesloten)]
        .iter()
        .copied()
        .filter(|v| self.actief(*v) && self.cap[*v] > 0)
        .collect();
        let Some(vz) = groepen
            .iter()
            .copied()
            .max_by_key(|v| self.cap[*v])
            .or_else(|| kleinschalig.iter().copied().min_by_key(|v| self.cap[*v]))
        else {
            return 0;
        };
        let cap = self.cap[vz];
        if cap <= 8 {
            self.actie(
                t,
                Actie::Opheffen {
                    vz,
                    reden: "locatie gesloten (afbouw)",
                },
            );
            return cap;
        }
        if self.w.voorzieningen[vz].vorm == Vorm::Kleinschalig {
            let n = (teveel.round() as i64).clamp(1, cap - 1) as u32;
            self.actie(
                t,
                Actie::Sluit {
                    vz,
                    n,
                    reden: "afbouw besloten kleinschalig",
                },
            );
            return i64::from(n);
        }
        let x = self.r.f64();
        let a = self.w.voorzieningen[vz].aanbieder;
        let (p_besloten, p_open) = if koers.koploper {
            (0.45, 0.30)
        } else {
            (0.05, 0.20)
        };
        if x < p_besloten {
            // A closed group of 8 becomes a closed small-scale unit of 4–6.
            let r#in = self.ombouw_kleinschalig(vz, (a, l), Regime::Gesloten, t);
            8 - i64::from(r#in)
        } else if x < p_besloten + p_open {
            // A closed group of 8 becomes an open small-scale home of 4–6.
            self.ombouw_kleinschalig(vz, (a, l), Regime::Open, t);
            8
        } else {
            self.actie(
                t,
                Actie::Sluit {
                    vz,
                    n: 8,
                    reden: "groep gesloten (afbouw)",
                },
            );
            8
        }
    }

    /// Plans the ombouw of closed group `vz` (8 places) into a new small-scale unit of
    /// 4–6 places of `regime` at provider `a` in landsdeel `l`; returns its places.
    fn ombouw_kleinschalig(
        &mut self,
        vz: usize,
        (a, l): (usize, usize),
        regime: Regime,
        t: NaiveDate,
    ) -> u32 {
        let r#in = self.r.between(4, 6) as u32;
        let naar = self.nieuwe(a, l, Vorm::Kleinschalig, regime, t);
        let reden = if regime == Regime::Gesloten {
            "ombouw naar besloten kleinschalig"
        } else {
            "ombouw naar open kleinschalig"
        };
        self.actie(
            t,
            Actie::Ombouw {
                van: vz,
                naar,
                uit: 8,
                r#in,
                reden,
            },
        );
        r#in
    }

    /// Opbouw of alternatives: places removed `vertraging` months ago × `tempo`.
    pub(super) fn bouw_alternatieven(&mut self, l: usize, t: NaiveDate) {
        let koers = self.w.landsdelen[l].koers;
        let grens = t - chrono::Months::new(koers.vertraging as u32);
        // Lagging landsdelen catch up from 2024 on.
        let tempo = if !koers.koploper && t >= ymd(2024, 1, 1) {
            koers.tempo + 0.5
        } else {
            koers.tempo
        };
        let weg: f64 = self.afgebouwd[l]
            .iter()
            .filter(|(d, _)| *d <= grens)
            .map(|(_, n)| n)
            .sum();
        for _ in 0..8 {
            if weg * tempo - self.alternatief_gebouwd[l] < 4.0 {
                break;
            }
            let vorm = self
                .r
                .kies(&[
                    (Vorm::Kleinschalig, 0.5),
                    (Vorm::Gezinshuis, 0.25),
                    (Vorm::Ambulant, 0.15),
                    (Vorm::Driemilieu, 0.10),
                ])
                .unwrap_or(Vorm::Kleinschalig);
            let n = match vorm {
                Vorm::Ambulant => self.r.between(10, 15),
                Vorm::Driemilieu => self.r.between(6, 8),
                _ => self.r.between(4, 6),
            } as u32;
            let a = if self.r.chance(0.5) {
                self.gesloten_aanbieder(l)
            } else {
                self.open_aanbieder[l]
            };
            let vz = self.nieuwe(a, l, vorm, Regime::Open, t);
            self.actie(t, Actie::Open { vz, n });
            self.alternatief_gebouwd[l] += f64::from(n);
        }
    }

    /// Capacity an open form needs in a landsdeel: expected stock ÷ target occupancy.
    pub(super) fn open_doel(&self, l: usize, ov: calibration::OpenVorm, t: NaiveDate) -> f64 {
        let code = self.w.landsdelen[l].code;
        let aandeel = OPEN_AANDEEL
            .iter()
            .find(|a| a.0 == code)
            .map_or(0.2, |a| a.1);
        let extra = een_op_een_factor(&self.w.landsdelen[l], ov.vorm, t);
        let episodes = self.schaal(ov.plaatsingen(t)) * aandeel * extra;
        episodes * ov.verblijf_maanden / 12.0 / OPEN_BEZETTING_DOEL
    }

    pub(super) fn volg_open(&mut self, l: usize, ov: calibration::OpenVorm, t: NaiveDate) {
        let doel = self.open_doel(l, ov, t);
        let step = f64::from(ov.grootte.0.max(4));
        for _ in 0..40 {
            let huidig = self.segment_cap(l, ov.vorm, Regime::Open) as f64;
            let leden: Vec<usize> = self.w.segmenten[segment(l, ov.vorm, Regime::Open)]
                .iter()
                .copied()
                .filter(|v| self.actief(*v) && self.cap[*v] > 0)
                .collect();
            if doel - huidig >= step {
                let grote_vorm = matches!(ov.vorm, Vorm::Pleegzorg | Vorm::Groep);
                if grote_vorm && !leden.is_empty() && self.r.chance(0.7) {
                    let vz = leden[self.r.index(leden.len())];
                    let n = ((doel - huidig).round() as u32).clamp(1, 8);
                    self.actie(t, Actie::Open { vz, n });
                } else {
                    let a = self.open_aanbieder_voor(l);
                    let n = self
                        .r
                        .between(i64::from(ov.grootte.0), i64::from(ov.grootte.1))
                        as u32;
                    let vz = self.nieuwe(a, l, ov.vorm, Regime::Open, t);
                    self.actie(t, Actie::Open { vz, n });
                }
            } else if huidig - doel >= step {
                let Some(vz) = leden.iter().copied().max_by_key(|v| self.cap[*v]) else {
                    break;
                };
                let cap = self.cap[vz];
                if matches!(ov.vorm, Vorm::Pleegzorg | Vorm::Groep) && cap > 8 {
                    let koploper = self.w.landsdelen[l].koers.koploper;
                    if ov.vorm == Vorm::Groep && koploper && self.r.chance(0.4) {
                        let a = self.w.voorzieningen[vz].aanbieder;
                        let naar = self.nieuwe(a, l, Vorm::Kleinschalig, Regime::Open, t);
                        let r#in = self.r.between(4, 6) as u32;
                        self.actie(
                            t,
                            Actie::Ombouw {
                                van: vz,
                                naar,
                                uit: 8,
                                r#in,
                                reden: "ombouw open groep naar kleinschalig",
                            },
                        );
                    } else {
                        let n = ((huidig - doel).round() as i64).clamp(1, 8.min(cap - 1)) as u32;
                        self.actie(
                            t,
                            Actie::Sluit {
                                vz,
                                n,
                                reden: "afbouw",
                            },
                        );
                    }
                } else {
                    // Small units close as a whole; take the smallest one.
                    let Some(klein) = leden.iter().copied().min_by_key(|v| self.cap[*v]) else {
                        break;
                    };
                    self.actie(
                        t,
                        Actie::Opheffen {
                            vz: klein,
                            reden: "voorziening gesloten",
                        },
                    );
                }
            } else {
                break;
            }
        }
    }
}
