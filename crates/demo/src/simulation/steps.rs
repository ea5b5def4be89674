//! The youths' scheduled steps as their day comes: authorisations, doorplaatsingen, ends
//! (with their destinations) and moves.

use super::*;

impl Simulation {
    pub(super) fn run_due_tasks(&mut self, d: NaiveDate) {
        while self.tasks.peek().is_some_and(|t| t.0.datum <= d) {
            let Some(Reverse(task)) = self.tasks.pop() else {
                break;
            };
            let slot = task.slot as usize;
            let Some(y) = self.jeugd.get(slot) else {
                continue;
            };
            // A task belongs to an episode, a request or an absence; it is stale when that
            // has ended (or the slot holds another youth by now).
            let geldig = match task.step {
                Step::Plaatsen | Step::Vrijgeven => {
                    y.plaatsing.is_none()
                        && y.verzoek.as_ref().is_some_and(|v| v.token == task.episode)
                }
                Step::Terugkeren => y.afwezig.is_some_and(|a| a.0 == task.episode),
                _ => y
                    .plaatsing
                    .as_ref()
                    .is_some_and(|p| p.episode == task.episode),
            };
            if !geldig {
                continue;
            }
            match task.step {
                // A youth who left without leave today is transferred the next day: the
                // absence names the facility of the running placement.
                Step::Doorplaatsen
                    if self.jeugd[slot].afwezig.is_some_and(|a| a.1 == task.datum) =>
                {
                    self.plan(
                        plus_days(task.datum, 1),
                        slot,
                        task.episode,
                        Step::Doorplaatsen,
                    );
                }
                Step::Doorplaatsen => {
                    self.doorplaatsen(slot, task.datum, None);
                }
                Step::Beeindigen => self.beeindigen(slot, task.datum),
                Step::Verhuizen => self.verhuizen(slot, task.datum),
                Step::Machtiging { van, tot } => self.mgj(slot, task.episode, van, tot),
                Step::Plaatsen => match self.jeugd[slot].verzoek.as_ref().map(|v| v.soort) {
                    Some(Aanvraag::Open(i)) => self.plaats_open(slot, task.datum, i),
                    _ => self.plaats_gesloten(slot, task.datum),
                },
                Step::Vrijgeven => {
                    self.jeugd[slot].verzoek = None;
                    self.vrijgeven(slot, task.datum, false);
                }
                Step::Doorplaatsverzoek { wacht } => {
                    self.doorplaatsverzoek(slot, task.datum, wacht);
                }
                Step::Onttrekken { dagen } => self.onttrek(slot, task.datum, dagen),
                Step::Terugkeren => self.terugkeer(slot, task.datum),
            }
        }
    }

    pub(super) fn mgj(&mut self, slot: usize, episode: u64, van: NaiveDate, tot: NaiveDate) {
        // Only while the youth is in closed care; after a step-down nobody asks for one.
        let Some(p) = self.jeugd[slot].plaatsing.clone() else {
            return;
        };
        if self.w.voorzieningen[p.vz].regime != Regime::Gesloten {
            return;
        }
        let m = self.nieuwe_machtiging(slot, MachtigingSoort::Mgj, van, tot);
        let t = self.record_time(slot, van, 0.0);
        self.push_machtiging(slot, &m, t);
        // The MGJ replaces a spoedmachtiging that is still running.
        let spoed: Vec<Machtiging> = self.jeugd[slot]
            .machtigingen
            .iter()
            .filter(|x| {
                x.soort == MachtigingSoort::Spoedmachtiging
                    && x.beeindigd.is_none()
                    && x.tot >= van
                    && x.van < van
            })
            .cloned()
            .collect();
        for s in spoed {
            self.beeindig_machtiging(
                slot,
                &s.id,
                van,
                "vervangen door machtiging gesloten jeugdhulp",
            );
        }
        if let Some(eind) = self.geplande_eind(slot, episode) {
            self.plan_verlenging(slot, episode, &m, eind);
        }
    }

    /// The planned end of the youth's running episode.
    pub(super) fn geplande_eind(&self, slot: usize, episode: u64) -> Option<NaiveDate> {
        self.jeugd[slot]
            .plaatsing
            .as_ref()
            .filter(|p| p.episode == episode)
            .map(|p| p.eind)
    }

    pub(super) fn beeindig_machtiging(
        &mut self,
        slot: usize,
        id: &str,
        datum: NaiveDate,
        reden: &str,
    ) {
        let mut gevonden = false;
        for m in &mut self.jeugd[slot].machtigingen {
            if m.id == id && m.beeindigd.is_none() && datum > m.van && datum <= m.tot {
                m.beeindigd = Some(datum);
                gevonden = true;
            }
        }
        if !gevonden {
            return;
        }
        let f = MachtigingBeeindigd {
            machtiging: id.to_owned(),
            datum,
            reden: reden.to_owned(),
        };
        let t = self.record_time(slot, datum, 0.0);
        let stream = self.jeugd[slot].stream.clone();
        self.push(&stream, f.into(), t, DOOR_GI);
    }

    pub(super) fn verlaat(&mut self, slot: usize, vz: usize) {
        self.bezet[vz] = self.bezet[vz].saturating_sub(1);
        if let Some(i) = self.bewoners[vz].iter().position(|s| *s as usize == slot) {
            self.bewoners[vz].swap_remove(i);
        }
    }

    /// Moves a placed youth to another facility on `d`; returns the recorded time.
    pub(super) fn doorplaatsen(
        &mut self,
        slot: usize,
        d: NaiveDate,
        reden: Option<&'static str>,
    ) -> i64 {
        let Some(p) = self.jeugd[slot].plaatsing.clone() else {
            return 0;
        };
        let l = self.jeugd[slot].landsdeel;
        let van = &self.w.voorzieningen[p.vz];
        let (vorm, regime) = (van.vorm, van.regime);
        let mut doelen: Vec<(Vorm, Regime)> = Vec::new();
        if regime == Regime::Gesloten {
            if self.r.chance(calibration::DOORPLAATSING_NAAR_GESLOTEN) {
                doelen.push((vorm, Regime::Gesloten));
            } else {
                let v = if self.r.chance(0.7) {
                    Vorm::Kleinschalig
                } else {
                    Vorm::Gezinshuis
                };
                doelen.push((v, Regime::Open));
                doelen.push((Vorm::Kleinschalig, Regime::Open));
            }
            doelen.push((Vorm::Groep, Regime::Gesloten));
            doelen.push((Vorm::Kleinschalig, Regime::Gesloten));
        } else {
            use Vorm::*;
            let v = match vorm {
                Crisis => self.r.kies(&[
                    (Pleegzorg, 0.45),
                    (Groep, 0.3),
                    (Gezinshuis, 0.15),
                    (Kleinschalig, 0.1),
                ]),
                Groep => self.r.kies(&[
                    (Kleinschalig, 0.4),
                    (Groep, 0.3),
                    (Gezinshuis, 0.15),
                    (Pleegzorg, 0.15),
                ]),
                Pleegzorg => self
                    .r
                    .kies(&[(Pleegzorg, 0.4), (Gezinshuis, 0.3), (Groep, 0.3)]),
                Kleinschalig => {
                    self.r
                        .kies(&[(Gezinshuis, 0.4), (Kleinschalig, 0.3), (Groep, 0.3)])
                }
                _ => self
                    .r
                    .kies(&[(Groep, 0.5), (Kleinschalig, 0.3), (EenOpEen, 0.2)]),
            }
            .unwrap_or(Groep);
            doelen.push((v, Regime::Open));
            doelen.push((Groep, Regime::Open));
            doelen.push((Kleinschalig, Regime::Open));
        }
        let nodig = self.doorplaatsing_nodig(slot, d, reden.is_some());
        if let Some(n) = nodig {
            doelen.insert(0, n);
        }
        let mut naar = None;
        // Per regime (a step down to open care first), every form in the own landsdeel
        // before any elsewhere.
        for groep in doelen.chunk_by(|a, b| a.1 == b.1) {
            naar = self.kies_voorziening(l, groep, d, Some(p.vz));
            if naar.is_some() {
                break;
            }
        }
        if naar.is_none() && reden.is_some() {
            // A closure cannot wait for a free place elsewhere.
            naar = self.pers_in(l, &doelen, d, Some(p.vz));
        }
        let Some(naar) = naar else {
            return 0;
        };
        let naar_regime = self.w.voorzieningen[naar].regime;
        let reden = reden.unwrap_or_else(|| {
            if regime == Regime::Gesloten && naar_regime == Regime::Open {
                "afschaling naar open setting"
            } else {
                self.r
                    .kies(&[
                        ("passender aanbod elders", 0.35),
                        ("handelingsverlegenheid aanbieder", 0.25),
                        ("dichter bij huis", 0.2),
                        ("incident op de groep", 0.1),
                        ("wachtlijst opgeheven", 0.1),
                    ])
                    .unwrap_or("passender aanbod elders")
            }
        });
        self.verlaat(slot, p.vz);
        self.bezet[naar] += 1;
        self.bewoners[naar].push(slot as u32);
        if let Some(pl) = &mut self.jeugd[slot].plaatsing {
            pl.vz = naar;
            pl.start = d;
        }
        let (verzoek, overbrugging) = match nodig {
            Some(_) => self.aanbod(slot, naar, d).unzip(),
            None => (None, None),
        };
        let f = Doorgeplaatst {
            van: self.w.voorzieningen[p.vz].id.clone(),
            naar: self.w.voorzieningen[naar].id.clone(),
            datum: d,
            reden: reden.to_owned(),
            tegen_wens_jeugdige: self.r.chance(0.2),
            tegen_wens_aanbieder: self.r.chance(0.1),
            verzoek,
            overbrugging: overbrugging.unwrap_or(false),
        };
        let t = self.record_time_in(slot, d, 0.04, (8, 4));
        let stream = self.jeugd[slot].stream.clone();
        self.push(&stream, f.into(), t, DOOR_REGISTRATIE);
        t
    }

    pub(super) fn bestemming(&mut self, gesloten: bool, wordt_18: bool) -> Verblijfplaats {
        use Verblijfplaats::*;
        if wordt_18 && self.r.chance(0.6) {
            return self
                .r
                .kies(&[
                    (Zelfstandig, 0.55),
                    (Thuis, 0.2),
                    (Netwerk, 0.1),
                    (Wlz, 0.05),
                    (GgzKliniek, 0.05),
                    (Onbekend, 0.05),
                ])
                .unwrap_or(Zelfstandig);
        }
        let tabel: &[(Verblijfplaats, f64)] = if gesloten {
            // Zuid-West 2019: 31 % home/network and 34 % residential single-form care of
            // the known destinations; the rest spread; 6 % unknown.
            &[
                (Thuis, 22.0),
                (Netwerk, 7.2),
                (OpenResidentieel, 18.0),
                (Kleinschalig, 7.5),
                (Gezinshuis, 3.5),
                (Pleegzorg, 3.0),
                (Zelfstandig, 5.5),
                (Jji, 7.0),
                (GgzKliniek, 6.0),
                (Wlz, 3.0),
                (Gesloten, 3.0),
                (Crisis, 2.5),
                (EenOpEen, 1.5),
                (Driemilieu, 2.8),
                (Onbekend, 6.0),
            ]
        } else {
            &[
                (Thuis, 38.0),
                (Netwerk, 8.0),
                (Zelfstandig, 7.0),
                (Pleegzorg, 9.0),
                (Gezinshuis, 5.0),
                (Kleinschalig, 7.0),
                (OpenResidentieel, 9.0),
                (Gesloten, 2.0),
                (Crisis, 2.0),
                (GgzKliniek, 3.0),
                (Wlz, 2.0),
                (Jji, 2.0),
                (Onbekend, 6.0),
            ]
        };
        self.r.kies(tabel).unwrap_or(Onbekend)
    }

    pub(super) fn beeindigen(&mut self, slot: usize, d: NaiveDate) {
        let Some(p) = self.jeugd[slot].plaatsing.clone() else {
            return;
        };
        let gesloten_start = p.spoed || self.w.voorzieningen[p.vz].regime == Regime::Gesloten;
        let afwezig = self.jeugd[slot].afwezig.is_some();
        let bestemming = if afwezig && self.r.chance(0.4) {
            // Ended while the youth is away: where to is often not known (otherwise as
            // for any end, so the known destinations keep their calibrated mix).
            Verblijfplaats::Onbekend
        } else {
            self.bestemming(
                gesloten_start && self.w.voorzieningen[p.vz].regime == Regime::Gesloten,
                p.wordt_18,
            )
        };
        let reden_beeindiging = match bestemming {
            _ if afwezig => RedenBeeindiging::VoortijdigClient,
            Verblijfplaats::GgzKliniek | Verblijfplaats::Wlz => RedenBeeindiging::AnderDomein,
            Verblijfplaats::Jji => RedenBeeindiging::VoortijdigExtern,
            _ => self
                .r
                .kies(&[
                    (RedenBeeindiging::VolgensPlan, 0.6),
                    (RedenBeeindiging::VoortijdigClient, 0.12),
                    (RedenBeeindiging::VoortijdigOvereenstemming, 0.15),
                    (RedenBeeindiging::VoortijdigAanbieder, 0.08),
                    (RedenBeeindiging::VoortijdigExtern, 0.05),
                ])
                .unwrap_or(RedenBeeindiging::VolgensPlan),
        };
        let reden = match reden_beeindiging {
            _ if afwezig => "beëindigd tijdens onttrekking",
            RedenBeeindiging::VolgensPlan => "behandeling afgerond",
            RedenBeeindiging::VoortijdigClient => "voortijdig door jeugdige/ouders",
            RedenBeeindiging::VoortijdigOvereenstemming => "voortijdig in overleg",
            RedenBeeindiging::VoortijdigAanbieder => "voortijdig door aanbieder",
            RedenBeeindiging::AnderDomein => "uitstroom naar ander domein",
            _ => "externe oorzaak",
        };
        let voorziening = self.w.voorzieningen[p.vz].id.clone();
        let waar = PlaatsingBeeindigd {
            voorziening: Some(voorziening),
            datum: d,
            bestemming,
            reden: reden.to_owned(),
            reden_beeindiging: Some(reden_beeindiging),
        };
        let stream = self.jeugd[slot].stream.clone();
        let t = self.record_time_in(slot, d, 0.08, (8, 4));
        let x = self.r.f64();
        // The wrong end must still lie after the start as recorded, which may itself be up
        // to 7 days late and not yet corrected (see `start_feit`).
        // Nor may it fall before an absence of the episode.
        let marge = ((d - p.start).num_days() - 8).min(
            p.laatste_afwezigheid
                .map_or(i64::MAX, |a| (d - a).num_days() - 1),
        );
        if self.cfg.data_problems && x < 0.02 && marge >= 1 {
            // The end was entered with a wrong date and corrected weeks later.
            let mut fout = waar.clone();
            fout.datum = plus_days(d, -self.r.between(1, marge.min(7)));
            let id = self.push(&stream, fout.into(), t, DOOR_AANBIEDER);
            let tc = t + self.r.between(10, 60) * MICROS_PER_DAY;
            let c = FeitGecorrigeerd {
                vervangt: id,
                nieuw: Box::new(waar.into()),
                reden: "einddatum gecorrigeerd".to_owned(),
            };
            self.push(&stream, c.into(), tc, DOOR_REGISTRATIE);
        } else if self.cfg.data_problems && x < 0.06 && bestemming != Verblijfplaats::Onbekend {
            // The destination was not known when the end was recorded.
            let mut fout = waar.clone();
            fout.bestemming = Verblijfplaats::Onbekend;
            let id = self.push(&stream, fout.into(), t, DOOR_AANBIEDER);
            let tc = t + self.r.between(7, 45) * MICROS_PER_DAY;
            let c = FeitGecorrigeerd {
                vervangt: id,
                nieuw: Box::new(waar.into()),
                reden: "bestemming nagekomen".to_owned(),
            };
            self.push(&stream, c.into(), tc, DOOR_REGISTRATIE);
        } else {
            self.push(&stream, waar.into(), t, DOOR_AANBIEDER);
        }
        // An MGJ that runs on is lifted in half the cases (otherwise it simply lapses).
        let lopend: Vec<String> = self.jeugd[slot]
            .machtigingen
            .iter()
            .filter(|m| m.beeindigd.is_none() && m.van < d && m.tot >= d)
            .map(|m| m.id.clone())
            .collect();
        for id in lopend {
            if self.r.chance(0.5) {
                self.beeindig_machtiging(slot, &id, d, "plaatsing beëindigd");
            }
        }
        // A doorplaatsing asked for and not made is no longer needed.
        if self.jeugd[slot].verzoek.is_some() {
            let reden = if self.r.chance(0.6) {
                Intrekkingsreden::NietMeerNodig
            } else {
                Intrekkingsreden::AndereOplossing
            };
            self.trek_in(slot, d, reden);
        }
        self.verlaat(slot, p.vz);
        let y = &mut self.jeugd[slot];
        y.plaatsing = None;
        y.uit_sinds = d;
        // A youth who is away is free again once back.
        if !afwezig {
            self.vrijgeven(slot, d, false);
        }
    }

    pub(super) fn verhuizen(&mut self, slot: usize, d: NaiveDate) {
        let l = self.jeugd[slot].landsdeel;
        let oud = self.jeugd[slot].gemeente;
        let nieuw = if self.r.chance(0.7) {
            let r = self.w.gemeenten[oud].regio;
            let (gidx, gcum) = &self.w.gemeente_keuze[r];
            gidx.get(self.r.weighted(gcum)).copied().unwrap_or(oud)
        } else {
            self.gemeente_in(l)
        };
        if nieuw == oud {
            return;
        }
        self.jeugd[slot].gemeente = nieuw;
        let f = kringloop_events::WoongemeenteGewijzigd {
            woongemeente: self.w.gemeenten[nieuw].code.clone(),
            datum: d,
        };
        let t = self.record_time(slot, d, 0.05);
        let stream = self.jeugd[slot].stream.clone();
        self.push(&stream, f.into(), t, DOOR_REGISTRATIE);
    }
}
