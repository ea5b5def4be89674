//! The report: one table row per figure and the JSON of every measurement, printed at
//! the end of the run.

use serde_json::{Value, json};

use super::ProjectionsArgs;
use super::process::{gib, hwm, loadavg, machine};

pub(super) struct Report {
    pub(super) rows: Vec<[String; 5]>,
    pub(super) json: serde_json::Map<String, Value>,
}

impl Report {
    /// A report that starts with the machine, the reference measurement and the settings.
    pub(super) fn start(args: &ProjectionsArgs) -> Report {
        let mut rep = Report {
            rows: Vec::new(),
            json: serde_json::Map::new(),
        };
        rep.json.insert("machine".into(), machine());
        let ijk = crate::ijkpunt::meet();
        eprintln!("== {}", crate::ijkpunt::regel(&ijk));
        rep.json.insert("reference".into(), ijk);
        rep.json.insert(
            "config".into(),
            json!({"scope": "all-residential", "scale": args.scale, "from_year": args.from_year, "to_year": args.to_year, "seed": args.seed, "runs": args.runs, "sql_runs": args.sql_runs, "page": args.page}),
        );
        rep
    }

    pub(super) fn row(
        &mut self,
        section: &str,
        measure: &str,
        value: String,
        goal: &str,
        met: Option<bool>,
    ) {
        let met = match met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "",
        };
        self.rows.push([
            section.to_owned(),
            measure.to_owned(),
            value,
            goal.to_owned(),
            met.to_owned(),
        ]);
    }

    /// The load at the end and the peak memory, the last figures of a run.
    pub(super) fn finish(&mut self) {
        self.json.insert("loadavg_end".into(), json!(loadavg()));
        let peak = hwm();
        self.row(
            "memory",
            "peak resident memory of the bench process (VmHWM)",
            format!("{:.2} GiB", gib(peak)),
            "< 8 GiB",
            Some(peak < 8 << 30),
        );
        self.json.insert("peak_rss_bytes".into(), json!(peak));
    }

    /// Prints the header, the table and the JSON (stdout).
    pub(super) fn print(self, args: &ProjectionsArgs, head: i64) -> anyhow::Result<()> {
        let m = &self.json["machine"];
        println!("## kringloop-bench projections");
        println!();
        println!("- command: `{}`", m["command"].as_str().unwrap_or_default());
        println!(
            "- machine: {} × {} ({} GiB RAM), {} build, commit {}",
            m["nproc"],
            m["cpu"].as_str().unwrap_or_default(),
            m["mem_gib"],
            m["profile"].as_str().unwrap_or_default(),
            m["commit"].as_str().unwrap_or_default()
        );
        println!(
            "- load average at start / end: {} / {} (the machine is shared; CPU-seconds are given where wall time is disturbed)",
            m["loadavg_start"].as_str().unwrap_or_default(),
            self.json
                .get("loadavg_end")
                .and_then(Value::as_str)
                .unwrap_or_default()
        );
        println!("- {}", crate::ijkpunt::regel(&self.json["reference"]));
        println!(
            "- history: demo generator, all-residential {}–{}, scale {}, seed {}: {head} events",
            args.from_year, args.to_year, args.scale, args.seed
        );
        println!();
        println!("| section | measure | result | goal | met |");
        println!("|---|---|---|---|---|");
        for r in &self.rows {
            println!("| {} | {} | {} | {} | {} |", r[0], r[1], r[2], r[3], r[4]);
        }
        println!();
        println!(
            "{}",
            serde_json::to_string_pretty(&Value::Object(self.json))?
        );
        Ok(())
    }
}
