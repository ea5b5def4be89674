//! The registry and the opening balance of the plan: landsdelen, regions, gemeenten,
//! providers and facilities, the targets, and the capacity actions as they are planned.

use super::tables::{GESLOTEN_AANBIEDERS, KOERSEN, OVERIGE_REGIOS, ZUID_WEST_GEWICHTEN};
use super::*;

impl Planner<'_> {
    pub(super) fn stamgegevens(&mut self) {
        for (i, (code, naam)) in LANDSDELEN.iter().enumerate() {
            self.w.landsdelen.push(Landsdeel {
                code,
                naam,
                koers: KOERSEN[i],
            });
        }
        let ld = |w: &World, c: &str| w.landsdeel_index(c);
        // Zuid-West: the real regions and their 52 gemeenten.
        for (code, naam, landsdeel) in ZUID_WEST_REGIOS {
            let gewicht = match code {
                "RIJNMOND" => 3.0,
                "HAAGLANDEN" => 2.6,
                "HOLLAND_RIJNLAND" => 1.6,
                "ZUID_HOLLAND_ZUID" => 1.1,
                _ => 0.8,
            };
            let l = ld(&self.w, landsdeel);
            self.w.regios.push(Regio {
                code: code.to_owned(),
                naam: naam.to_owned(),
                landsdeel: l,
                gewicht,
            });
        }
        let mut gewichten: Vec<f64> = Vec::new();
        for (code, naam, regio) in ZUID_WEST_GEMEENTEN {
            let r = self
                .w
                .regios
                .iter()
                .position(|x| x.code == regio)
                .unwrap_or(0);
            self.w.gemeenten.push(Gemeente {
                code: code.to_owned(),
                naam: naam.to_owned(),
                regio: r,
            });
            gewichten.push(
                ZUID_WEST_GEWICHTEN
                    .iter()
                    .find(|g| g.0 == code)
                    .map_or(1.0, |g| g.1),
            );
        }
        // Elsewhere: real region names, generated gemeenten with codes GM9001… that no
        // real gemeente has (CBS codes stay below 2000), so they cannot be mistaken.
        let mut volgnummer = 9001;
        for (code, naam, landsdeel, gewicht) in OVERIGE_REGIOS {
            let l = ld(&self.w, landsdeel);
            let r = self.w.regios.len();
            self.w.regios.push(Regio {
                code: code.to_owned(),
                naam: naam.to_owned(),
                landsdeel: l,
                gewicht,
            });
            let n = self.r.between(4, 12);
            for i in 1..=n {
                self.w.gemeenten.push(Gemeente {
                    code: format!("GM{volgnummer}"),
                    naam: format!("{naam} gemeente {i} (synthetisch)"),
                    regio: r,
                });
                volgnummer += 1;
                // The first gemeente is the regional centre.
                gewichten.push(if i == 1 { 4.0 } else { 0.5 + self.r.f64() });
            }
        }
        for l in 0..self.w.landsdelen.len() {
            let idx: Vec<usize> = (0..self.w.regios.len())
                .filter(|r| self.w.regios[*r].landsdeel == l)
                .collect();
            let cum = cumulative(idx.iter().map(|r| self.w.regios[*r].gewicht));
            self.w.regio_keuze.push((idx, cum));
            let gidx: Vec<usize> = (0..self.w.gemeenten.len())
                .filter(|g| self.w.regios[self.w.gemeenten[*g].regio].landsdeel == l)
                .collect();
            let gcum = cumulative(gidx.iter().map(|g| gewichten[*g]));
            self.gemeente_per_landsdeel.push((gidx, gcum));
        }
        for r in 0..self.w.regios.len() {
            let idx: Vec<usize> = (0..self.w.gemeenten.len())
                .filter(|g| self.w.gemeenten[*g].regio == r)
                .collect();
            let cum = cumulative(idx.iter().map(|g| gewichten[*g]));
            self.w.gemeente_keuze.push((idx, cum));
        }
        for (id, naam, landsdeel) in GESLOTEN_AANBIEDERS {
            let l = ld(&self.w, landsdeel);
            self.aanbieder(id.to_owned(), naam.to_owned(), l);
        }
        for l in 0..self.w.landsdelen.len() {
            let naam = self.w.landsdelen[l].naam;
            let code = self.w.landsdelen[l].code.replace('_', "");
            let a = self.aanbieder(
                format!("KLEINWONEN{code}"),
                format!("Kleinschalig Wonen {naam} (synthetisch)"),
                l,
            );
            self.open_aanbieder.push(a);
        }
        if self.cfg.scope == Scope::AllResidential {
            for r in 0..self.w.regios.len() {
                let (code, naam, l) = {
                    let x = &self.w.regios[r];
                    (x.code.replace('_', ""), x.naam.clone(), x.landsdeel)
                };
                let a = self.aanbieder(
                    format!("JH{code}"),
                    format!("Jeugdhulp {naam} (synthetisch)"),
                    l,
                );
                self.regio_aanbieder.push(a);
            }
        }
    }

    pub(super) fn aanbieder(&mut self, id: String, naam: String, landsdeel: usize) -> usize {
        self.w.aanbieders.push(Aanbieder {
            id,
            naam,
            landsdeel,
            teller: 0,
        });
        self.w.aanbieders.len() - 1
    }

    pub(super) fn gemeente_in(&mut self, l: usize) -> usize {
        let (idx, cum) = &self.gemeente_per_landsdeel[l];
        let i = self.r.weighted(cum);
        idx.get(i).copied().unwrap_or(0)
    }

    /// Adds a facility (not yet in the plan's actions).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn voorziening(
        &mut self,
        aanbieder: usize,
        gemeente: usize,
        vorm: Vorm,
        regime: Regime,
        geregistreerd: NaiveDate,
        beginstand: Option<u32>,
    ) -> usize {
        let a = &mut self.w.aanbieders[aanbieder];
        a.teller += 1;
        let id = format!("{}-{:03}", a.id, a.teller);
        let soort = match (vorm, regime) {
            (Vorm::Groep, Regime::Gesloten) => "gesloten groep",
            (Vorm::Kleinschalig, Regime::Gesloten) => "besloten kleinschalig",
            (Vorm::Groep, Regime::Open) => "open groep",
            (Vorm::Kleinschalig, _) => "kleinschalig wonen",
            (Vorm::Gezinshuis, _) => "gezinshuis",
            (Vorm::Pleegzorg, _) => "pleegzorg",
            (Vorm::Gezinsopname, _) => "gezinsopname",
            (Vorm::Driemilieu, _) => "driemilieuvoorziening",
            (Vorm::EenOpEen, _) => "een-op-eenplek",
            (Vorm::Crisis, _) => "crisisopvang",
            (Vorm::Ambulant, _) => "intensief ambulant team",
        };
        let naam = format!(
            "{} {} {} {}",
            a.naam, soort, self.w.gemeenten[gemeente].naam, a.teller
        );
        let landsdeel = self.w.regios[self.w.gemeenten[gemeente].regio].landsdeel;
        self.w.voorzieningen.push(Voorziening {
            id,
            naam,
            aanbieder,
            gemeente,
            vorm,
            regime,
            geregistreerd,
            beginstand,
            sluit: None,
            plan: Vec::new(),
        });
        self.cap.push(i64::from(beginstand.unwrap_or(0)));
        let vz = self.w.voorzieningen.len() - 1;
        self.w.segmenten[segment(landsdeel, vorm, regime)].push(vz);
        vz
    }

    pub(super) fn schaal(&self, x: f64) -> f64 {
        x * self.cfg.scale
    }

    /// A registration date for a facility that already existed before the history starts.
    pub(super) fn oude_datum(&mut self) -> NaiveDate {
        let jaren = self.r.between(1, 14);
        let d = ymd(self.w.t0.year() - jaren as i32, 1, 1);
        plus_days(d, self.r.between(0, 360))
    }

    pub(super) fn beginstand(&mut self) {
        let t0 = self.w.t0;
        for l in 0..self.w.landsdelen.len() {
            let code = self.w.landsdelen[l].code;
            let cap0 = self
                .schaal(calibration::gesloten_capaciteit(code, t0))
                .round() as i64;
            let aanbieders: Vec<usize> = (0..GESLOTEN_AANBIEDERS.len())
                .filter(|a| self.w.aanbieders[*a].landsdeel == l)
                .collect();
            // Locations of 24–48 places: groups of 8, the last group may be smaller.
            let n_loc = ((cap0 as f64 / 36.0).round() as i64).max(1);
            let mut rest = cap0;
            for i in 0..n_loc {
                let n = if i == n_loc - 1 { rest } else { cap0 / n_loc };
                rest -= n;
                if n <= 0 {
                    continue;
                }
                let a = aanbieders[(i as usize) % aanbieders.len().max(1)];
                let g = if self.w.aanbieders[a].id == "SCHAKENBOSCH" {
                    // Schakenbosch is in Leidschendam-Voorburg.
                    self.w
                        .gemeenten
                        .iter()
                        .position(|x| x.code == "GM1916")
                        .unwrap_or(0)
                } else {
                    self.gemeente_in(l)
                };
                let d = self.oude_datum();
                self.voorziening(a, g, Vorm::Groep, Regime::Gesloten, d, Some(n as u32));
            }
            // Some open small-scale homes and an ambulant team already existed, so that a
            // step-down doorplaatsing has somewhere to go from the start.
            if self.cfg.scope == Scope::JeugdzorgPlus {
                let n = (self.schaal(3.0)).ceil() as usize;
                for i in 0..n {
                    let a = if i % 2 == 0 {
                        aanbieders[i % aanbieders.len().max(1)]
                    } else {
                        self.open_aanbieder[l]
                    };
                    let g = self.gemeente_in(l);
                    let d = self.oude_datum();
                    let size = self.r.between(4, 6) as u32;
                    self.voorziening(a, g, Vorm::Kleinschalig, Regime::Open, d, Some(size));
                }
            } else {
                for ov in OPEN_VORMEN {
                    let doel = self.open_doel(l, ov, t0);
                    let mut som = 0.0;
                    while som < doel {
                        let size = self
                            .r
                            .between(i64::from(ov.grootte.0), i64::from(ov.grootte.1));
                        let a = self.open_aanbieder_voor(l);
                        let g = self.gemeente_in(l);
                        let d = self.oude_datum();
                        self.voorziening(a, g, ov.vorm, Regime::Open, d, Some(size as u32));
                        som += size as f64;
                    }
                }
            }
        }
    }

    pub(super) fn open_aanbieder_voor(&mut self, l: usize) -> usize {
        if self.regio_aanbieder.is_empty() {
            return self.open_aanbieder[l];
        }
        let (idx, cum) = &self.w.regio_keuze[l];
        let r = idx.get(self.r.weighted(cum)).copied().unwrap_or(0);
        self.regio_aanbieder
            .get(r)
            .copied()
            .unwrap_or(self.open_aanbieder[l])
    }

    pub(super) fn doelen(&mut self) {
        let t0 = self.w.t0;
        let s = self.cfg.scale;
        let na = |d: NaiveDate| if d < t0 { t0 } else { d };
        let zw = || DoelScope::Landsdeel("ZUID_WEST".to_owned());
        // Every target here is for closed care: (scope, form, places, from).
        let gesloten = |scope, vorm, plaatsen, datum| CapaciteitsdoelVastgesteld {
            scope,
            regime: Some(Regime::Gesloten),
            vorm,
            plaatsen,
            datum,
        };
        let plaatsen = |n: f64| (n * s).round() as u32;
        self.w.doelen.extend([
            // Zuid-West's regional plan: 235 closed places → 100 in 2024.
            (t0, gesloten(zw(), None, plaatsen(235.0), ymd(2019, 1, 1))),
            (
                na(ymd(2019, 7, 1)),
                gesloten(zw(), None, plaatsen(100.0), ymd(2024, 1, 1)),
            ),
            // Hervormingsagenda (2023): all closed care small-scale by 2025, closed places
            // as close to zero as possible by 2030.
            (
                na(ymd(2023, 6, 1)),
                gesloten(DoelScope::Landelijk, Some(Vorm::Groep), 0, ymd(2025, 1, 1)),
            ),
            (
                na(ymd(2023, 6, 1)),
                gesloten(DoelScope::Landelijk, None, plaatsen(581.0), ymd(2024, 1, 1)),
            ),
            (
                na(ymd(2023, 6, 1)),
                gesloten(DoelScope::Landelijk, None, 0, ymd(2030, 1, 1)),
            ),
        ]);
        let eind = self.w.eind;
        self.w.doelen.retain(|(d, _)| *d < eind);
    }

    pub(super) fn actie(&mut self, d: NaiveDate, a: Actie) {
        match &a {
            Actie::Open { vz, n } => {
                self.cap[*vz] += i64::from(*n);
                self.w.voorzieningen[*vz].plan.push((d, i64::from(*n)));
            }
            Actie::Sluit { vz, n, .. } => {
                self.cap[*vz] -= i64::from(*n);
                self.w.voorzieningen[*vz].plan.push((d, -i64::from(*n)));
            }
            Actie::Ombouw {
                van,
                naar,
                uit,
                r#in,
                ..
            } => {
                self.cap[*van] -= i64::from(*uit);
                self.cap[*naar] += i64::from(*r#in);
                self.w.voorzieningen[*van].plan.push((d, -i64::from(*uit)));
                self.w.voorzieningen[*naar].plan.push((d, i64::from(*r#in)));
            }
            Actie::Opheffen { vz, .. } => {
                let rest = self.cap[*vz];
                self.cap[*vz] = 0;
                self.w.voorzieningen[*vz].sluit = Some(d);
                self.w.voorzieningen[*vz].plan.push((d, -rest));
            }
            Actie::Registreer(_) => {}
        }
        self.w.acties.push((d, a));
    }

    pub(super) fn actief(&self, vz: usize) -> bool {
        self.w.voorzieningen[vz].sluit.is_none()
    }

    pub(super) fn segment_cap(&self, l: usize, vorm: Vorm, regime: Regime) -> i64 {
        self.w.segmenten[segment(l, vorm, regime)]
            .iter()
            .filter(|v| self.actief(**v))
            .map(|v| self.cap[*v])
            .sum()
    }

    pub(super) fn nieuwe(
        &mut self,
        aanbieder: usize,
        l: usize,
        vorm: Vorm,
        regime: Regime,
        d: NaiveDate,
    ) -> usize {
        let g = self.gemeente_in(l);
        let vz = self.voorziening(aanbieder, g, vorm, regime, d, None);
        self.actie(d, Actie::Registreer(vz));
        vz
    }
}
