//! The landscape side of the simulation: the opening balance, the registry and the
//! capacity plan executed day by day, the targets, and choosing a facility with room.

use super::*;

impl Simulation {
    /// A registry fact of the opening balance, at the next moment of its clock.
    fn register(&mut self, stream: &str, fact: Gebeurtenis, door: &'static str) {
        let t = self.clock();
        self.push(stream, fact, t, door);
    }

    pub(super) fn beginstand(&mut self) {
        let t0 = self.w.t0;
        // The registry, in this order: landsdelen, regions, gemeenten, providers.
        let w = &self.w;
        let mut registry: Vec<(String, Gebeurtenis, &'static str)> = Vec::new();
        registry.extend(w.landsdelen.iter().map(|l| {
            let f = LandsdeelGeregistreerd {
                code: l.code.to_owned(),
                naam: l.naam.to_owned(),
            };
            (format!("landsdeel-{}", f.code), f.into(), DOOR_BEHEER)
        }));
        registry.extend(w.regios.iter().map(|r| {
            let f = JeugdregioGeregistreerd {
                code: r.code.clone(),
                naam: r.naam.clone(),
                landsdeel: w.landsdelen[r.landsdeel].code.to_owned(),
            };
            (format!("jeugdregio-{}", f.code), f.into(), DOOR_BEHEER)
        }));
        registry.extend(w.gemeenten.iter().map(|g| {
            let f = GemeenteGeregistreerd {
                code: g.code.clone(),
                naam: g.naam.clone(),
                jeugdregio: w.regios[g.regio].code.clone(),
            };
            (format!("gemeente-{}", f.code), f.into(), DOOR_BEHEER)
        }));
        registry.extend(w.aanbieders.iter().map(|a| {
            let f = AanbiederGeregistreerd {
                id: a.id.clone(),
                naam: a.naam.clone(),
            };
            (format!("aanbieder-{}", f.id), f.into(), DOOR_CONTRACT)
        }));
        for (stream, fact, door) in registry {
            self.register(&stream, fact, door);
        }
        for vz in 0..self.w.voorzieningen.len() {
            let Some(n) = self.w.voorzieningen[vz].beginstand else {
                continue;
            };
            let t = self.clock();
            self.registreer_voorziening(vz, t);
            let v = &self.w.voorzieningen[vz];
            let f = PlaatsenGeopend {
                voorziening: v.id.clone(),
                datum: v.geregistreerd,
                aantal: n,
            };
            let stream = voorziening_stream(&v.id);
            let t = self.clock();
            self.push(&stream, f.into(), t, DOOR_CONTRACT);
        }
        // Contracts, agreements and budgets: before the youths, so every placement of the
        // opening balance falls under a contract.
        self.geld_beginstand();
        self.doelen(t0);
        // The youths in care on the first day: registration, valid authorisations and the
        // running placement, as a registrar would enter an opening balance.
        for slot in 0..self.jeugd.len() {
            if self.jeugd[slot].plaatsing.is_none() {
                // Waiting on the first day: the request and what happened to it so far.
                if self.jeugd[slot]
                    .verzoek
                    .as_ref()
                    .is_some_and(|v| !v.opening.is_empty())
                {
                    self.registreer_jeugdige(slot, None);
                    self.verzoek_beginstand(slot);
                }
                // Away after a placement that is not in the opening balance: the absence
                // is not either.
                if self.jeugd[slot].afwezig.take().is_some() && self.jeugd[slot].verzoek.is_none() {
                    self.vrijgeven(slot, t0, true);
                }
                continue;
            }
            self.registreer_jeugdige(slot, None);
            // Every authorisation that covers part of the running placement, with its
            // early end if it had one, so the opening balance is lawful where it was.
            let start = self.jeugd[slot].plaatsing.as_ref().map_or(t0, |p| p.start);
            let machtigingen: Vec<Machtiging> = self.jeugd[slot]
                .machtigingen
                .iter()
                .filter(|m| m.tot >= start && m.beeindigd.is_none_or(|b| b > start))
                .cloned()
                .collect();
            for m in machtigingen {
                let t = self.youth_clock(slot);
                self.push_machtiging(slot, &m, t);
                if let Some(b) = m.beeindigd {
                    let f = MachtigingBeeindigd {
                        machtiging: m.id.clone(),
                        datum: b,
                        reden: "vervangen of opgeheven".to_owned(),
                    };
                    let t = self.youth_clock(slot);
                    let stream = self.jeugd[slot].stream.clone();
                    self.push(&stream, f.into(), t, DOOR_GI);
                }
            }
            let Some(p) = self.jeugd[slot].plaatsing.clone() else {
                continue;
            };
            let f = PlaatsingGestart {
                voorziening: self.w.voorzieningen[p.vz].id.clone(),
                datum: p.start,
                spoed: p.spoed,
                crisis: p.crisis,
                verblijf_voor: p.voor,
                verzoek: None,
                overbrugging: false,
            };
            let t = self.youth_clock(slot);
            let stream = self.jeugd[slot].stream.clone();
            self.push(&stream, f.into(), t, DOOR_REGISTRATIE);
            if let Some((_, sinds)) = self.jeugd[slot].afwezig {
                let f = JeugdigeOnttrokken {
                    voorziening: None,
                    datum: sinds.max(p.start),
                };
                let t = self.youth_clock(slot);
                self.push(&stream, f.into(), t, DOOR_AANBIEDER);
            }
            self.verzoek_beginstand(slot);
        }
    }

    pub(super) fn youth_clock(&mut self, slot: usize) -> i64 {
        let t = self.clock();
        self.jeugd[slot].laatst = t;
        t
    }

    pub(super) fn doelen(&mut self, tot_en_met: NaiveDate) {
        while let Some((d, doel)) = self.w.doelen.get(self.doel_idx).cloned() {
            if d > tot_en_met {
                break;
            }
            self.doel_idx += 1;
            let t = if d <= self.w.t0 {
                self.clock()
            } else {
                day_start(d) + 9 * UUR
            };
            let stream = format!("doel-{}", doel.scope.key());
            self.push(&stream, doel.into(), t, DOOR_CONTRACT);
        }
    }

    pub(super) fn registreer_voorziening(&mut self, vz: usize, t: i64) {
        let v = &self.w.voorzieningen[vz];
        let f = VoorzieningGeregistreerd {
            id: v.id.clone(),
            aanbieder: self.w.aanbieders[v.aanbieder].id.clone(),
            naam: v.naam.clone(),
            gemeente: self.w.gemeenten[v.gemeente].code.clone(),
            vorm: v.vorm,
            regime: v.regime,
            datum: v.geregistreerd,
        };
        let stream = voorziening_stream(&v.id);
        self.push(&stream, f.into(), t, DOOR_CONTRACT);
    }

    pub(super) fn landschap(&mut self, d: NaiveDate) {
        if !self.silent {
            self.doelen(d);
        }
        // Landscape facts are recorded early in the morning of their day, before any
        // youth is placed on that day.
        let mut t = day_start(d) + 6 * UUR;
        while let Some((datum, actie)) = self.w.acties.get(self.actie_idx).cloned() {
            if datum > d {
                break;
            }
            self.actie_idx += 1;
            if self.silent {
                // The warm-up runs on the opening landscape; the plan starts at t0.
                continue;
            }
            t += MICROS_PER_SEC;
            match actie {
                Actie::Registreer(vz) => self.registreer_voorziening(vz, t),
                Actie::Open { vz, n } => {
                    self.cap[vz] += i64::from(n);
                    let f = PlaatsenGeopend {
                        voorziening: self.w.voorzieningen[vz].id.clone(),
                        datum,
                        aantal: n,
                    };
                    self.push(
                        &voorziening_stream(&f.voorziening),
                        f.into(),
                        t,
                        DOOR_CONTRACT,
                    );
                }
                Actie::Sluit { vz, n, reden } => {
                    self.cap[vz] -= i64::from(n);
                    let f = PlaatsenGesloten {
                        voorziening: self.w.voorzieningen[vz].id.clone(),
                        datum,
                        aantal: n,
                        reden: reden.to_owned(),
                    };
                    self.push(
                        &voorziening_stream(&f.voorziening),
                        f.into(),
                        t,
                        DOOR_CONTRACT,
                    );
                }
                Actie::Ombouw {
                    van,
                    naar,
                    uit,
                    r#in,
                    reden,
                } => {
                    self.cap[van] -= i64::from(uit);
                    self.cap[naar] += i64::from(r#in);
                    let f = PlaatsenOmgebouwd {
                        van: self.w.voorzieningen[van].id.clone(),
                        naar: self.w.voorzieningen[naar].id.clone(),
                        datum,
                        aantal_uit: uit,
                        aantal_in: r#in,
                        reden: reden.to_owned(),
                    };
                    self.push(&voorziening_stream(&f.van), f.into(), t, DOOR_CONTRACT);
                }
                Actie::Opheffen { vz, reden } => {
                    // Whoever is still there moves the day before the closure.
                    let bewoners = self.bewoners[vz].clone();
                    let gisteren = plus_days(d, -1);
                    // The closure is recorded after the last of those moves; the day's
                    // other landscape facts keep their own time.
                    let mut sluiting = t;
                    for slot in bewoners {
                        let tt = self.doorplaatsen(
                            slot as usize,
                            gisteren,
                            Some("sluiting voorziening"),
                        );
                        sluiting = sluiting.max(tt + MICROS_PER_SEC);
                    }
                    self.cap[vz] = 0;
                    let f = VoorzieningGesloten {
                        voorziening: self.w.voorzieningen[vz].id.clone(),
                        datum,
                        reden: reden.to_owned(),
                    };
                    self.push(
                        &voorziening_stream(&f.voorziening),
                        f.into(),
                        sluiting,
                        DOOR_CONTRACT,
                    );
                }
            }
        }
    }

    /// Places a facility can still take on `d`: its capacity, or less if it will shrink
    /// within a month; nothing from three months before it closes (whoever is still there
    /// then is moved: a doorplaatsing because of the closure).
    pub(super) fn opnameruimte(&self, vz: usize, d: NaiveDate) -> i64 {
        let v = &self.w.voorzieningen[vz];
        if v.geregistreerd > d {
            return 0;
        }
        if let Some(s) = v.sluit
            && plus_days(d, 90) >= s
        {
            return 0;
        }
        let horizon = plus_days(d, 30);
        let mut cap = self.cap[vz];
        let mut laagste = cap;
        for (datum, delta) in &v.plan {
            if *datum > d && *datum <= horizon {
                cap += delta;
                laagste = laagste.min(cap);
            }
        }
        laagste - i64::from(self.bezet[vz])
    }

    pub(super) fn open_op(&self, vz: usize, d: NaiveDate) -> bool {
        let v = &self.w.voorzieningen[vz];
        v.geregistreerd <= d && v.sluit.is_none_or(|s| plus_days(d, 120) < s) && self.cap[vz] > 0
    }

    /// A facility of one of the given forms and regimes with room, preferably in landsdeel
    /// `l`, otherwise elsewhere, otherwise the least full one in `l` (overbezetting). The
    /// own landsdeel is tried with every form before any other landsdeel: a coordinator
    /// places a youth in a free closed small-scale unit nearby rather than in a closed group
    /// across the country (trying the form first sent a koploper's youths away while its
    /// converted units stood empty).
    pub(super) fn kies_voorziening(
        &mut self,
        l: usize,
        vormen: &[(Vorm, Regime)],
        d: NaiveDate,
        niet: Option<usize>,
    ) -> Option<usize> {
        let n_l = self.w.landsdelen.len();
        let start = self.r.index(n_l);
        let volgorde =
            std::iter::once(l).chain((0..n_l).map(|i| (start + i) % n_l).filter(|x| *x != l));
        for ld in volgorde {
            for &(vorm, regime) in vormen {
                if let Some(vz) = self.met_ruimte(segment(ld, vorm, regime), d, niet) {
                    return Some(vz);
                }
            }
            // Nothing free nearby: most of the time the youth is placed elsewhere, now and
            // then the own region squeezes one in (overbezetting).
            if ld == l && self.r.chance(0.97) {
                continue;
            }
            if ld == l
                && let Some(vz) = self.least_full(ld, vormen, d, niet)
            {
                return Some(vz);
            }
        }
        None
    }

    /// A facility in segment `seg` with room on `d`, if any.
    pub(super) fn met_ruimte(
        &mut self,
        seg: usize,
        d: NaiveDate,
        niet: Option<usize>,
    ) -> Option<usize> {
        let n = self.w.segmenten[seg].len();
        if n == 0 {
            return None;
        }
        // Look at a handful of candidates and take the one with most room: cheap, and
        // spreads youths the way a coordinator would.
        let mut beste: Option<(i64, usize)> = None;
        for _ in 0..n.min(8) {
            let vz = self.w.segmenten[seg][self.r.index(n)];
            if Some(vz) == niet {
                continue;
            }
            let ruimte = self.opnameruimte(vz, d);
            if ruimte > 0 && beste.is_none_or(|b| ruimte > b.0) {
                beste = Some((ruimte, vz));
            }
        }
        if beste.is_none() && n > 8 {
            for &vz in &self.w.segmenten[seg] {
                if Some(vz) == niet {
                    continue;
                }
                let ruimte = self.opnameruimte(vz, d);
                if ruimte > 0 && beste.is_none_or(|b| ruimte > b.0) {
                    beste = Some((ruimte, vz));
                }
            }
        }
        beste.map(|(_, vz)| vz)
    }

    /// Full everywhere: squeeze the youth into the least full unit of these forms in the
    /// own landsdeel, else anywhere (a coordinator does not send a youth home because the
    /// grid is full; this is where overbezetting comes from).
    pub(super) fn pers_in(
        &mut self,
        l: usize,
        vormen: &[(Vorm, Regime)],
        d: NaiveDate,
        niet: Option<usize>,
    ) -> Option<usize> {
        let n_l = self.w.landsdelen.len();
        for ld in std::iter::once(l).chain((0..n_l).filter(|x| *x != l)) {
            if let Some(vz) = self.least_full(ld, vormen, d, niet) {
                return Some(vz);
            }
        }
        None
    }

    /// The least full facility open on `d` in landsdeel `ld` among these forms (the first
    /// of equals), other than `niet`.
    fn least_full(
        &self,
        ld: usize,
        vormen: &[(Vorm, Regime)],
        d: NaiveDate,
        niet: Option<usize>,
    ) -> Option<usize> {
        let mut minst: Option<(f64, usize)> = None;
        for &(vorm, regime) in vormen {
            for &vz in &self.w.segmenten[segment(ld, vorm, regime)] {
                if Some(vz) == niet || !self.open_op(vz, d) {
                    continue;
                }
                let graad = f64::from(self.bezet[vz]) / self.cap[vz].max(1) as f64;
                if minst.is_none_or(|m| graad < m.0) {
                    minst = Some((graad, vz));
                }
            }
        }
        minst.map(|(_, vz)| vz)
    }

    /// Current national closed places in groups and in small-scale units.
    pub(super) fn gesloten_plaatsen_per_vorm(&self) -> (i64, i64) {
        let som = |vorm| -> i64 {
            (0..self.w.landsdelen.len())
                .flat_map(|l| self.w.segmenten[segment(l, vorm, Regime::Gesloten)].iter())
                .map(|&vz| self.cap[vz].max(0))
                .sum()
        };
        (som(Vorm::Groep), som(Vorm::Kleinschalig))
    }

    /// Current national occupancy of closed facilities.
    pub(super) fn gesloten_bezettingsgraad(&self) -> f64 {
        let (mut bezet, mut cap) = (0i64, 0i64);
        for l in 0..self.w.landsdelen.len() {
            for vorm in [Vorm::Groep, Vorm::Kleinschalig] {
                for &vz in &self.w.segmenten[segment(l, vorm, Regime::Gesloten)] {
                    bezet += i64::from(self.bezet[vz]);
                    cap += self.cap[vz];
                }
            }
        }
        if cap <= 0 {
            1.0
        } else {
            bezet as f64 / cap as f64
        }
    }
}
