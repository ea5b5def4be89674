//! Youths coming in: new and returning youths, their authorisations, and the day's new
//! placements in closed care and in the open forms, with the steps each one plans.

use super::*;

impl Simulation {
    pub(super) fn new_slot(&mut self, y: Jeugdige) -> usize {
        if let Some(s) = self.free_slots.pop() {
            self.jeugd[s as usize] = y;
            s as usize
        } else {
            self.jeugd.push(y);
            self.jeugd.len() - 1
        }
    }

    pub(super) fn pseudoniem(&mut self) -> String {
        // Looks like the keyed hash a real import makes; the counter keeps it unique.
        self.pseudo_teller += 1;
        let x = self.r.u64() ^ self.pseudo_teller.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        format!("{x:016x}")
    }

    pub(super) fn gemeente_in(&mut self, l: usize) -> usize {
        let (idx, cum) = &self.w.regio_keuze[l];
        let r = idx.get(self.r.weighted(cum)).copied().unwrap_or(0);
        let (gidx, gcum) = &self.w.gemeente_keuze[r];
        gidx.get(self.r.weighted(gcum)).copied().unwrap_or(0)
    }

    /// A returning youth from the landsdeel's pool, or a new one.
    pub(super) fn jeugdige(
        &mut self,
        l: usize,
        d: NaiveDate,
        leeftijd: (u8, u8),
        gesloten: bool,
    ) -> usize {
        // A youth whose last closed episode ended while absent comes back first: the
        // plaatsingscoördinatie counts 33 of 439 closed placements "na onttrekking".
        if gesloten
            && self.r.chance(calibration::P_NA_ONTTREKKING)
            && let Some(slot) = self.uit_pool(l, d, leeftijd, true)
        {
            return slot;
        }
        let p_terug = if gesloten { 0.32 } else { 0.15 };
        if self.r.chance(p_terug)
            && let Some(slot) = self.uit_pool(l, d, leeftijd, false)
        {
            return slot;
        }
        let leeftijd = self.r.between(i64::from(leeftijd.0), i64::from(leeftijd.1)) as i32;
        let geboortejaar = (d.year() - leeftijd) as u16;
        let verjaardag = self.r.between(0, 364) as u16;
        let geslacht = self
            .r
            .kies(&[
                (Geslacht::Man, 0.55),
                (Geslacht::Vrouw, 0.44),
                (Geslacht::Anders, 0.01),
            ])
            .unwrap_or(Geslacht::Onbekend);
        let gemeente = self.gemeente_in(l);
        let pseudoniem = self.pseudoniem();
        let stream = jeugdige_stream(&pseudoniem);
        self.new_slot(Jeugdige {
            pseudoniem,
            stream,
            geboortejaar,
            verjaardag,
            geslacht,
            gemeente,
            landsdeel: l,
            laatst: 0,
            geregistreerd: false,
            registratiedatum: d,
            plaatsing: None,
            machtigingen: Vec::new(),
            m_teller: 0,
            uit_sinds: d,
            verzoek: None,
            v_teller: 0,
            afwezig: None,
        })
    }

    /// A youth of the right age from one of the landsdeel's pools of youths who may come
    /// back (those whose last episode ended while absent, or the others).
    fn uit_pool(
        &mut self,
        l: usize,
        d: NaiveDate,
        leeftijd: (u8, u8),
        na_onttrekking: bool,
    ) -> Option<usize> {
        for _ in 0..4 {
            let pool = if na_onttrekking {
                &mut self.terug_onttrokken[l]
            } else {
                &mut self.terug[l]
            };
            if pool.is_empty() {
                return None;
            }
            let i = self.r.index(pool.len());
            let slot = pool[i] as usize;
            let y = &self.jeugd[slot];
            let leeftijd_nu = d.year() - i32::from(y.geboortejaar);
            if leeftijd_nu > i32::from(leeftijd.1) || leeftijd_nu < i32::from(leeftijd.0) {
                if leeftijd_nu > 17 {
                    pool.swap_remove(i);
                    self.free_slots.push(slot as u32);
                }
                continue;
            }
            let wacht = if na_onttrekking { 7 } else { 30 };
            if plus_days(y.uit_sinds, wacht) > d {
                continue;
            }
            pool.swap_remove(i);
            self.jeugd[slot].machtigingen.clear();
            return Some(slot);
        }
        None
    }

    pub(super) fn registreer_jeugdige(&mut self, slot: usize, t: Option<i64>) {
        if self.silent || self.jeugd[slot].geregistreerd {
            return;
        }
        let t = match t {
            Some(t) => t,
            None => self.youth_clock(slot),
        };
        let y = &mut self.jeugd[slot];
        y.geregistreerd = true;
        let f = JeugdigeGeregistreerd {
            pseudoniem: y.pseudoniem.clone(),
            geboortejaar: y.geboortejaar,
            geslacht: y.geslacht,
            woongemeente: self.w.gemeenten[y.gemeente].code.clone(),
            datum: y.registratiedatum,
        };
        let stream = y.stream.clone();
        self.push(&stream, f.into(), t, DOOR_REGISTRATIE);
    }

    pub(super) fn push_machtiging(&mut self, slot: usize, m: &Machtiging, t: i64) {
        let l = self.jeugd[slot].landsdeel;
        let door = if self.r.chance(0.85) {
            self.w.landsdelen[l].koers.gi
        } else {
            "Raad voor de Kinderbescherming"
        };
        let f = MachtigingAfgegeven {
            machtiging: m.id.clone(),
            soort: m.soort,
            geldig_van: m.van,
            geldig_tot: m.tot,
            aangevraagd_door: door.to_owned(),
        };
        let stream = self.jeugd[slot].stream.clone();
        self.push(&stream, f.into(), t, DOOR_GI);
    }

    pub(super) fn nieuwe_machtiging(
        &mut self,
        slot: usize,
        soort: MachtigingSoort,
        van: NaiveDate,
        tot: NaiveDate,
    ) -> Machtiging {
        let y = &mut self.jeugd[slot];
        y.m_teller += 1;
        let prefix = match soort {
            MachtigingSoort::Mgj => "MGJ",
            MachtigingSoort::Spoedmachtiging => "SPOED",
            MachtigingSoort::VoorwaardelijkeMachtiging => "VWM",
        };
        let m = Machtiging {
            id: format!("{prefix}-{}", y.m_teller),
            soort,
            van,
            tot,
            beeindigd: None,
        };
        y.machtigingen.push(m.clone());
        m
    }

    pub(super) fn plan(&mut self, datum: NaiveDate, slot: usize, episode: u64, step: Step) {
        self.task_seq += 1;
        self.tasks.push(Reverse(Task {
            datum,
            seq: self.task_seq,
            slot: slot as u32,
            episode,
            step,
        }));
    }

    pub(super) fn instroom(&mut self, d: NaiveDate) {
        let peil = if d < self.w.t0 { self.w.t0 } else { d };
        let jaardagen = 365.25;
        for l in 0..self.w.landsdelen.len() {
            let code = self.w.landsdelen[l].code;
            let aandeel = calibration::gesloten_capaciteit(code, peil)
                / calibration::gesloten_capaciteit_landelijk(peil).max(1.0);
            // Requests, of which some are withdrawn: as many placements as before.
            let lambda = self.cfg.scale * calibration::gesloten_episodes(peil) * aandeel
                / jaardagen
                / (1.0 - calibration::intrekkingsaandeel_gesloten(peil));
            let n = self.r.poisson(lambda);
            for _ in 0..n {
                self.vraag_gesloten(l, d, peil);
            }
            if self.cfg.scope == Scope::AllResidential {
                let aandeel = OPEN_AANDEEL
                    .iter()
                    .find(|a| a.0 == code)
                    .map_or(0.2, |a| a.1);
                for (i, ov) in OPEN_VORMEN.iter().enumerate() {
                    let extra = een_op_een_factor(&self.w.landsdelen[l], ov.vorm, peil);
                    let intrekking = if ov.vorm == Vorm::Crisis {
                        0.0
                    } else {
                        calibration::VERZOEK_INTREKKING_OPEN
                    };
                    let lambda = self.cfg.scale * ov.plaatsingen(peil) * aandeel * extra
                        / jaardagen
                        / (1.0 - intrekking);
                    let n = self.r.poisson(lambda);
                    for _ in 0..n {
                        self.vraag_open(l, d, i, intrekking);
                    }
                }
            }
        }
    }

    pub(super) fn verblijf_voor(&mut self) -> Verblijfplaats {
        use Verblijfplaats::*;
        self.r
            .kies(&[
                (Thuis, 40.0),
                (OpenResidentieel, 20.0),
                (Netwerk, 6.0),
                (Pleegzorg, 7.0),
                (Crisis, 9.0),
                (Jji, 5.0),
                (Gesloten, 3.0),
                (GgzKliniek, 3.0),
                (EenOpEen, 2.0),
                (Onbekend, 5.0),
            ])
            .unwrap_or(Onbekend)
    }

    /// The date a youth turns 18.
    pub(super) fn achttien(&self, slot: usize) -> NaiveDate {
        let y = &self.jeugd[slot];
        plus_days(
            ymd(i32::from(y.geboortejaar) + 18, 1, 1),
            i64::from(y.verjaardag),
        )
    }

    /// Episode length in days, capped at the 18th birthday.
    pub(super) fn verblijf(
        &mut self,
        slot: usize,
        d: NaiveDate,
        maanden: f64,
        sigma: f64,
        max_dagen: f64,
    ) -> (i64, bool) {
        let dagen = (self.r.lognormaal(maanden * 30.44, sigma))
            .clamp(1.0, max_dagen)
            .round() as i64;
        let grens = (self.achttien(slot) - d).num_days();
        if grens > 7 && dagen > grens {
            (grens, true)
        } else {
            (dagen.max(1), false)
        }
    }

    /// Days from a request to its planned placement.
    fn wachttijd(&mut self, spoed: bool, regulier_gemiddeld: f64) -> i64 {
        if spoed {
            let x = self.r.f64();
            if x < 0.30 {
                0
            } else if x < 0.60 {
                self.r.between(1, 2)
            } else if x < 0.88 {
                self.r.between(3, 7)
            } else {
                self.r.between(8, 21)
            }
        } else {
            self.r
                .lognormaal(regulier_gemiddeld, 0.7)
                .clamp(3.0, 200.0)
                .round() as i64
        }
    }

    /// A request for a closed place for a youth in landsdeel `l` on `d`: placed after the
    /// wait, or withdrawn.
    pub(super) fn vraag_gesloten(&mut self, l: usize, d: NaiveDate, peil: NaiveDate) {
        let slot = self.jeugdige(l, d, (12, 17), true);
        let spoed = self.r.chance(calibration::spoedaandeel(peil.year()));
        // The form needed: mostly a closed group or closed small-scale unit, in proportion
        // to their places; now and then an open specialised form that is not there, so the
        // youth is placed in closed care as a bridge.
        let (groep, klein) = self.gesloten_plaatsen_per_vorm();
        let eerst = if self.r.chance(klein as f64 / (groep + klein).max(1) as f64) {
            Vorm::Kleinschalig
        } else {
            Vorm::Groep
        };
        let (nodig, overbrugging) = if self.r.chance(calibration::NODIG_OPEN_BIJ_GESLOTEN) {
            let v = self
                .r
                .kies(&[
                    (Vorm::Kleinschalig, 0.5),
                    (Vorm::Driemilieu, 0.3),
                    (Vorm::EenOpEen, 0.2),
                ])
                .unwrap_or(Vorm::Kleinschalig);
            ((v, Regime::Open), true)
        } else {
            ((eerst, Regime::Gesloten), self.r.chance(0.4))
        };
        let (p_spoed, p_regulier) = calibration::VERZOEK_INTREKKING_GESLOTEN;
        let intrekking = self
            .r
            .chance(if spoed { p_spoed } else { p_regulier })
            .then(|| self.intrekkingsreden());
        let sluiting = if intrekking.is_some() {
            let dagen = if spoed {
                self.r.between(1, 10)
            } else {
                self.r.lognormaal(45.0, 0.6).clamp(5.0, 240.0).round() as i64
            };
            plus_days(d, dagen)
        } else {
            let dagen = self.wachttijd(spoed, calibration::WACHTTIJD_REGULIER_GESLOTEN);
            plus_days(d, dagen)
        };
        let token = self.nieuw_verzoek(
            slot,
            d,
            Aanvraag::Gesloten,
            spoed,
            nodig,
            overbrugging,
            &[
                (Vorm::Groep, Regime::Gesloten),
                (Vorm::Kleinschalig, Regime::Gesloten),
            ],
            sluiting,
            intrekking,
        );
        if intrekking.is_some() {
            self.plan(sluiting, slot, token, Step::Vrijgeven);
        } else if sluiting == d {
            self.plaats_gesloten(slot, d);
        } else {
            self.plan(sluiting, slot, token, Step::Plaatsen);
        }
    }

    /// No place found on `d`: try again in two days, or give up after a few weeks.
    pub(super) fn opnieuw(&mut self, slot: usize, d: NaiveDate) {
        let Some(v) = self.jeugd[slot].verzoek.as_mut() else {
            return;
        };
        v.pogingen += 1;
        if v.pogingen < 8 {
            let token = v.token;
            self.plan(plus_days(d, 2), slot, token, Step::Plaatsen);
        } else {
            self.trek_in(slot, d, Intrekkingsreden::AndereOplossing);
            self.vrijgeven(slot, d, false);
        }
    }

    /// A waiting youth is placed in closed care on `d` (the request's turn has come).
    pub(super) fn plaats_gesloten(&mut self, slot: usize, d: NaiveDate) {
        const GESLOTEN: [(Vorm, Regime); 2] = [
            (Vorm::Groep, Regime::Gesloten),
            (Vorm::Kleinschalig, Regime::Gesloten),
        ];
        let Some(v) = self.jeugd[slot].verzoek.as_ref() else {
            return;
        };
        let (nodig, spoed) = ((v.vorm, v.regime), v.spoed);
        let peil = if d < self.w.t0 { self.w.t0 } else { d };
        let l = self.jeugd[slot].landsdeel;
        // The needed closed form first; for an open need, closed groups and closed
        // small-scale units in random order weighted by their share of the closed places,
        // so the converted units fill like the groups.
        let (eerst, dan) = if nodig.1 == Regime::Gesloten {
            if nodig.0 == Vorm::Groep {
                (Vorm::Groep, Vorm::Kleinschalig)
            } else {
                (Vorm::Kleinschalig, Vorm::Groep)
            }
        } else {
            let (groep, klein) = self.gesloten_plaatsen_per_vorm();
            if self.r.chance(klein as f64 / (groep + klein).max(1) as f64) {
                (Vorm::Kleinschalig, Vorm::Groep)
            } else {
                (Vorm::Groep, Vorm::Kleinschalig)
            }
        };
        let Some(vz) = self
            .kies_voorziening(
                l,
                &[(eerst, Regime::Gesloten), (dan, Regime::Gesloten)],
                d,
                None,
            )
            .or_else(|| self.pers_in(l, &GESLOTEN, d, None))
        else {
            self.opnieuw(slot, d);
            return;
        };
        // A log-normal stay (σ = 1.0: the long tail, ~13 % over a year) plus a small group
        // of very short stays (a spoedmachtiging that is not followed by an MGJ), which
        // a log-normal alone under-represents (NJi: 11 % under a month).
        let huidig = self.gesloten_bezettingsgraad();
        let bijsturing = (1.0
            + calibration::BEZETTING_TERUGKOPPELING * (calibration::bezetting_doel(peil) - huidig))
            .clamp(0.6, 1.6);
        let gemiddeld = calibration::gesloten_verblijf_maanden(peil) * bijsturing;
        let (dagen, wordt_18) = if self.r.chance(0.06) {
            let dagen = self.r.between(2, 28);
            (dagen, false)
        } else {
            self.verblijf(slot, d, (gemiddeld - 0.06 * 0.5) / 0.94, 1.0, 1100.0)
        };
        let eind = plus_days(d, dagen);
        let episode = self.start_episode(slot, vz, d, spoed, false, wordt_18, eind);
        let afwezig = self.plan_afwezigheid(slot, episode, d);
        let eind = self.geplande_eind(slot, episode).unwrap_or(eind);
        self.vervul(slot, vz, d);
        let t_start = self.record_time_in(slot, d, 0.08, (13, 5));
        self.registreer_jeugdige(slot, Some(t_start));

        // Legal basis. Non-urgent: an MGJ granted before the placement. Urgent: a
        // spoedmachtiging of at most four weeks, then an MGJ. A few closed placements have
        // no valid authorisation at all, or a gap between the two: the monitor must show it.
        let x = self.r.f64();
        if x < 0.006 {
            // no authorisation
        } else if spoed {
            let lengte = if self.r.chance(0.02) {
                self.r.between(30, 34)
            } else {
                27
            };
            let m = self.nieuwe_machtiging(
                slot,
                MachtigingSoort::Spoedmachtiging,
                d,
                plus_days(d, lengte),
            );
            let t = self.record_time(slot, d, 0.0);
            self.push_machtiging(slot, &m, t);
            let mgj_van = if self.r.chance(0.03) {
                plus_days(m.tot, self.r.between(2, 8))
            } else {
                plus_days(d, self.r.between(10, 27))
            };
            if mgj_van < eind {
                let tot = plus_days(mgj_van, if self.r.chance(0.5) { 182 } else { 364 });
                self.plan(
                    mgj_van,
                    slot,
                    episode,
                    Step::Machtiging { van: mgj_van, tot },
                );
            }
        } else {
            let van = plus_days(d, -self.r.between(1, 50));
            let tot = plus_days(van, if self.r.chance(0.5) { 182 } else { 364 });
            let m = self.nieuwe_machtiging(slot, MachtigingSoort::Mgj, van, tot);
            let t = self.record_time(slot, d, 0.0);
            self.push_machtiging(slot, &m, t);
            self.plan_verlenging(slot, episode, &m, eind);
        }
        let factor = self.w.landsdelen[l].koers.doorplaatsing;
        let volgende = self.plan_verloop(slot, episode, d, eind, 0.20 * factor);
        let volgende = match (volgende, afwezig) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let t = self.record_time(slot, d, 0.0).max(t_start);
        self.start_feit(slot, t, volgende);
    }

    /// The placement that has just started fulfils the youth's request: the offer, and
    /// the request named on the placement.
    fn vervul(&mut self, slot: usize, vz: usize, d: NaiveDate) {
        if let Some((verzoek, overbrugging)) = self.aanbod(slot, vz, d)
            && let Some(p) = self.jeugd[slot].plaatsing.as_mut()
        {
            p.verzoek = Some(verzoek);
            p.overbrugging = overbrugging;
        }
    }
    pub(super) fn plan_verlenging(
        &mut self,
        slot: usize,
        episode: u64,
        m: &Machtiging,
        eind: NaiveDate,
    ) {
        if m.tot < eind {
            let van = plus_days(m.tot, 1);
            let tot = plus_days(van, if self.r.chance(0.5) { 182 } else { 364 });
            // Decided about a week before the old one runs out.
            self.plan(
                plus_days(m.tot, -7).max(m.van),
                slot,
                episode,
                Step::Machtiging { van, tot },
            );
        }
    }

    // The arguments are the placement's own fields; a struct for one call site would only
    // move them around.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn start_episode(
        &mut self,
        slot: usize,
        vz: usize,
        d: NaiveDate,
        spoed: bool,
        crisis: bool,
        wordt_18: bool,
        eind: NaiveDate,
    ) -> u64 {
        self.episode_teller += 1;
        let voor = self.verblijf_voor();
        let y = &mut self.jeugd[slot];
        if !y.geregistreerd {
            y.registratiedatum = d;
        }
        y.plaatsing = Some(Plaatsing {
            episode: self.episode_teller,
            vz,
            start: d,
            spoed,
            crisis,
            voor,
            wordt_18,
            eind,
            verzoek: None,
            overbrugging: false,
            laatste_afwezigheid: None,
        });
        self.bezet[vz] += 1;
        self.bewoners[vz].push(slot as u32);
        self.episode_teller
    }

    /// Records the PlaatsingGestart of the youth's running placement at `t`, sometimes
    /// with a wrong date that is corrected later, and now and then a duplicate registration
    /// of the same placement under a mistyped youth that is withdrawn again.
    pub(super) fn start_feit(&mut self, slot: usize, t: i64, volgende: Option<NaiveDate>) {
        let Some(p) = self.jeugd[slot].plaatsing.clone() else {
            return;
        };
        let waar = PlaatsingGestart {
            voorziening: self.w.voorzieningen[p.vz].id.clone(),
            datum: p.start,
            spoed: p.spoed,
            crisis: p.crisis,
            verblijf_voor: p.voor,
            verzoek: p.verzoek.clone(),
            overbrugging: p.overbrugging,
        };
        let stream = self.jeugd[slot].stream.clone();
        // The youth's next step bounds how wrong the date may be.
        let marge = volgende.map_or(7, |v| (v - p.start).num_days() - 1).min(7);
        if self.cfg.data_problems && marge >= 1 && self.r.chance(0.02) {
            let mut fout = waar.clone();
            fout.datum = plus_days(p.start, self.r.between(1, marge));
            let id = self.push(&stream, fout.into(), t, DOOR_AANBIEDER);
            let tc = t + self.r.between(10, 60) * MICROS_PER_DAY;
            let c = FeitGecorrigeerd {
                vervangt: id,
                nieuw: Box::new(waar.clone().into()),
                reden: "startdatum gecorrigeerd na controle".to_owned(),
            };
            self.push(&stream, c.into(), tc, DOOR_REGISTRATIE);
        } else {
            self.push(&stream, waar.clone().into(), t, DOOR_AANBIEDER);
        }
        if self.cfg.data_problems && !self.silent && self.r.chance(0.004) {
            let pseudo = self.pseudoniem();
            let s = jeugdige_stream(&pseudo);
            let y = &self.jeugd[slot];
            let reg = JeugdigeGeregistreerd {
                pseudoniem: pseudo,
                geboortejaar: y.geboortejaar,
                geslacht: y.geslacht,
                woongemeente: self.w.gemeenten[y.gemeente].code.clone(),
                datum: p.start,
            };
            let t1 = t + self.r.between(60, 3600) * MICROS_PER_SEC;
            self.push(&s, reg.into(), t1, DOOR_AANBIEDER);
            // The mistyped youth has no request: the duplicate names none.
            let dubbel = PlaatsingGestart {
                verzoek: None,
                overbrugging: false,
                ..waar
            };
            let id = self.push(&s, dubbel.into(), t1 + MICROS_PER_SEC, DOOR_AANBIEDER);
            let ti = t1 + self.r.between(1, 21) * MICROS_PER_DAY;
            let i = FeitIngetrokken {
                event_id: id,
                reden: "dubbel geregistreerd onder een verkeerd pseudoniem".to_owned(),
            };
            self.push(&s, i.into(), ti, DOOR_REGISTRATIE);
        }
    }

    /// Schedules an episode's doorplaatsingen, a possible move and the end; returns the
    /// date of the first of them.
    pub(super) fn plan_verloop(
        &mut self,
        slot: usize,
        episode: u64,
        d: NaiveDate,
        eind: NaiveDate,
        p_door: f64,
    ) -> Option<NaiveDate> {
        let dagen = (eind - d).num_days();
        let mut eerste: Option<NaiveDate> = None;
        let mut n = 0;
        if dagen >= 7 && self.r.chance(p_door) {
            n = 1;
            if self.r.chance(0.25) {
                n = 2;
            }
        }
        let mut data: Vec<NaiveDate> = (0..n)
            .map(|_| plus_days(d, self.r.between(3, dagen - 2)))
            .collect();
        data.sort();
        data.dedup();
        for dd in data {
            eerste = Some(eerste.map_or(dd, |e| e.min(dd)));
            self.plan(dd, slot, episode, Step::Doorplaatsen);
            // Some doorplaatsingen are asked for: a request some days or weeks before.
            let ruimte = (dd - d).num_days() - 1;
            if ruimte >= 1 && self.r.chance(calibration::P_DOORPLAATSVERZOEK) {
                let wacht = self.r.between(1, ruimte.min(35));
                self.plan(
                    plus_days(dd, -wacht),
                    slot,
                    episode,
                    Step::Doorplaatsverzoek {
                        wacht: wacht as u16,
                    },
                );
            }
        }
        if self.r.chance(0.04) && dagen >= 4 {
            let dd = plus_days(d, self.r.between(1, dagen - 1));
            eerste = Some(eerste.map_or(dd, |e| e.min(dd)));
            self.plan(dd, slot, episode, Step::Verhuizen);
        }
        if eind < self.w.eind {
            eerste = Some(eerste.map_or(eind, |e| e.min(eind)));
            self.plan(eind, slot, episode, Step::Beeindigen);
        }
        eerste
    }

    /// A request for a place in open form `OPEN_VORMEN[i]` for a youth in landsdeel `l`.
    pub(super) fn vraag_open(&mut self, l: usize, d: NaiveDate, i: usize, p_intrekking: f64) {
        let ov = OPEN_VORMEN[i];
        let slot = self.jeugdige(l, d, ov.leeftijd, false);
        let crisis = ov.vorm == Vorm::Crisis;
        let spoed = crisis || self.r.chance(0.1);
        // Now and then another form is needed than the one the youth will get.
        let nodig = if !crisis && ov.vorm != Vorm::Pleegzorg && self.r.chance(0.12) {
            self.r
                .kies(&[
                    (Vorm::Kleinschalig, 0.35),
                    (Vorm::Gezinshuis, 0.3),
                    (Vorm::Driemilieu, 0.2),
                    (Vorm::Groep, 0.15),
                ])
                .unwrap_or(Vorm::Kleinschalig)
        } else {
            ov.vorm
        };
        let overbrugging = self.r.chance(0.5);
        let intrekking = self.r.chance(p_intrekking).then(|| self.intrekkingsreden());
        let dagen = if crisis {
            0
        } else if intrekking.is_some() {
            self.r.lognormaal(35.0, 0.7).clamp(2.0, 240.0).round() as i64
        } else if spoed {
            self.r.between(0, 5)
        } else {
            self.r.lognormaal(30.0, 0.8).clamp(1.0, 240.0).round() as i64
        };
        let sluiting = plus_days(d, dagen);
        let token = self.nieuw_verzoek(
            slot,
            d,
            Aanvraag::Open(i),
            spoed,
            (nodig, Regime::Open),
            overbrugging,
            &[(ov.vorm, Regime::Open)],
            sluiting,
            intrekking,
        );
        if intrekking.is_some() {
            self.plan(sluiting, slot, token, Step::Vrijgeven);
        } else if sluiting == d {
            self.plaats_open(slot, d, i);
        } else {
            self.plan(sluiting, slot, token, Step::Plaatsen);
        }
    }

    /// A waiting youth is placed in open form `OPEN_VORMEN[i]` on `d`.
    pub(super) fn plaats_open(&mut self, slot: usize, d: NaiveDate, i: usize) {
        let ov = OPEN_VORMEN[i];
        let Some(spoed) = self.jeugd[slot].verzoek.as_ref().map(|v| v.spoed) else {
            return;
        };
        let l = self.jeugd[slot].landsdeel;
        let Some(vz) = self
            .kies_voorziening(l, &[(ov.vorm, Regime::Open)], d, None)
            .or_else(|| self.pers_in(l, &[(ov.vorm, Regime::Open)], d, None))
        else {
            self.opnieuw(slot, d);
            return;
        };
        let (dagen, wordt_18) = self.verblijf(slot, d, ov.verblijf_maanden, ov.sigma, 365.0 * 6.0);
        let eind = plus_days(d, dagen);
        let crisis = ov.vorm == Vorm::Crisis;
        let episode = self.start_episode(slot, vz, d, spoed, crisis, wordt_18, eind);
        self.vervul(slot, vz, d);
        let t_start = self.record_time_in(slot, d, 0.06, (13, 5));
        self.registreer_jeugdige(slot, Some(t_start));
        if matches!(ov.vorm, Vorm::Groep | Vorm::Kleinschalig | Vorm::Driemilieu)
            && self.r.chance(0.03)
        {
            // Care outside the closed setting under conditions: first at most six months.
            let van = plus_days(d, -self.r.between(0, 20));
            let m = self.nieuwe_machtiging(
                slot,
                MachtigingSoort::VoorwaardelijkeMachtiging,
                van,
                plus_days(van, 182),
            );
            let t = self.record_time(slot, d, 0.0);
            self.push_machtiging(slot, &m, t);
        }
        let volgende = self.plan_verloop(slot, episode, d, eind, ov.doorplaatsing);
        let t = self.record_time(slot, d, 0.0).max(t_start);
        self.start_feit(slot, t, volgende);
    }
}
