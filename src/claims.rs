//! `continuum claims` and `continuum map`: every claim of the registry and
//! its control, and every map's cells, run over seeds (`core::claims` and
//! `core::maps` have the types and the statistics).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use continuum::core::lab::Lab;
use continuum::core::maps::{Map, MapResult};
use continuum::core::over_seeds::{self as claims, ClaimResult};
use continuum::labs;

/// Parses `A-B` or `A`.
fn seed_range(text: &str) -> Result<Vec<u64>, String> {
    let bad = || format!("--seeds {text}: expected A-B or one number, e.g. 1-5");
    let (a, b) = match text.split_once('-') {
        Some((a, b)) => (a.trim().parse().map_err(|_| bad())?, b.trim().parse().map_err(|_| bad())?),
        None => {
            let a: u64 = text.trim().parse().map_err(|_| bad())?;
            (a, a)
        }
    };
    if a > b || b - a >= 100 {
        return Err(format!("--seeds {text}: from a lower to a higher seed, at most 100 of them"));
    }
    Ok((a..=b).collect())
}

/// `work` on every task, `jobs` at once (a thread takes the next task until
/// none is left); the results in the tasks' order. `say` reports each one
/// on stderr as it lands.
fn pool<T: Sync, R: Send + Clone>(
    tasks: &[T],
    jobs: usize,
    work: impl Fn(&T) -> R + Sync,
    say: impl Fn(&T, &R) -> String + Sync,
    empty: R,
) -> Vec<R> {
    let (next, done) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let results = Mutex::new(vec![empty; tasks.len()]);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, tasks.len().max(1)) {
            scope.spawn(|| loop {
                let id = next.fetch_add(1, Ordering::Relaxed);
                let Some(task) = tasks.get(id) else { break };
                let start = std::time::Instant::now();
                let r = work(task);
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                eprintln!("[{n}/{}] {} ({:.1} s)", tasks.len(), say(task, &r), start.elapsed().as_secs_f64());
                results.lock().expect("no thread panicked holding it")[id] = r;
            });
        }
    });
    results.into_inner().expect("no thread panicked holding it")
}

/// The labs `--lab` names (all if `None`).
fn chosen(lab: Option<&str>) -> Result<Vec<&'static Lab>, String> {
    match lab {
        Some(name) => Ok(vec![labs::by_name(name).ok_or_else(|| format!("--lab {name}: no such lab"))?]),
        None => Ok(labs::ALL.to_vec()),
    }
}

/// Runs the claims of `lab` (all labs if `None`) on `seeds`, `jobs` runs at once.
/// Claims that share a link (or a control) share its runs: each distinct
/// (lab, link, seed) is run once and every claim reads its statistic from
/// that report; runs that repeat a piece of work share it
/// ([`continuum::core::memo`]).
pub fn run(lab: Option<&str>, seeds: &str, jobs: usize, tiny: bool) -> Result<Vec<ClaimResult>, String> {
    let seeds = seed_range(seeds)?;
    continuum::core::memo::enable();
    let claims: Vec<(&'static Lab, &'static continuum::core::claims::Claim)> =
        chosen(lab)?.into_iter().flat_map(|lab| lab.claims.iter().map(move |c| (lab, c))).collect();
    let link_of = |claim: &continuum::core::claims::Claim, control: bool| match (control, tiny) {
        (false, false) => claim.link,
        (true, false) => claim.control,
        (false, true) => claim.tiny,
        (true, true) => claim.tiny_control,
    };
    let mut runs: Vec<(&'static Lab, &'static str, u64)> = Vec::new();
    for (lab, claim) in &claims {
        for control in [false, true] {
            for &seed in &seeds {
                let run = (*lab, link_of(claim, control), seed);
                if !runs.iter().any(|r| r.0.name == run.0.name && r.1 == run.1 && r.2 == run.2) {
                    runs.push(run);
                }
            }
        }
    }
    let reports = pool(
        &runs,
        jobs,
        |&(lab, link, seed)| claims::report(lab, link, seed),
        |(lab, link, seed), r| format!("{}: {link} seed {seed}{}", lab.name, if r.is_some() { "" } else { ": failed" }),
        None,
    );
    let value = |lab: &Lab, claim: &continuum::core::claims::Claim, link: &str, seed: u64| {
        let i =
            runs.iter().position(|r| r.0.name == lab.name && r.1 == link && r.2 == seed).expect("every run was queued");
        reports[i].as_ref().and_then(|r| claim.statistic.read(r)).unwrap_or(f64::NAN)
    };
    Ok(claims
        .iter()
        .map(|(lab, claim)| {
            let at = |control| seeds.iter().map(|&s| value(lab, claim, link_of(claim, control), s)).collect();
            let mut r = claims::verdict(lab, claim, &seeds, at(false), at(true));
            if tiny {
                r.link = claim.tiny.into();
                r.control.link = claim.tiny_control.into();
            }
            r
        })
        .collect())
}

/// Runs every map of `lab` (all labs if `None`) on `seeds`, `jobs` runs at
/// once: each cell on each seed is one run, every measure read from it.
/// `only`: the maps whose name contains it.
pub fn maps(
    lab: Option<&str>,
    only: Option<&str>,
    seeds: &str,
    jobs: usize,
    tiny: bool,
) -> Result<Vec<MapResult>, String> {
    let seeds = seed_range(seeds)?;
    continuum::core::memo::enable();
    let all: Vec<(&'static Lab, &'static Map)> = chosen(lab)?
        .into_iter()
        .flat_map(|lab| lab.maps.iter().map(move |m| (lab, m)))
        .filter(|(_, m)| only.is_none_or(|text| m.name.contains(text)))
        .collect();
    if all.is_empty() {
        return Err(format!("no map of {} matches {:?}", lab.unwrap_or("any lab"), only.unwrap_or("")));
    }
    let link = |map: &Map, r, c| if tiny { map.tiny_link(r, c) } else { map.link(r, c) };
    let mut runs: Vec<(usize, String, u64)> = Vec::new();
    for (i, (_, map)) in all.iter().enumerate() {
        for r in 0..map.rows.cells.len() {
            for c in 0..map.columns.cells.len() {
                runs.extend(seeds.iter().map(|&s| (i, link(map, r, c), s)));
            }
        }
    }
    let values = pool(
        &runs,
        jobs,
        |(i, link, seed)| claims::map_values(all[*i].0, all[*i].1, link, *seed),
        |(i, link, seed), v| format!("{}: {link} seed {seed}: {v:?}", all[*i].0.name),
        Vec::new(),
    );
    let mut at = values.into_iter();
    Ok(all
        .iter()
        .map(|(lab, map)| {
            let cells: Vec<Vec<Vec<f64>>> = (0..map.cells())
                .map(|_| seeds.iter().map(|_| at.next().expect("a run per cell and seed")).collect())
                .collect();
            claims::map_result(lab, map, |r, c| link(map, r, c), &seeds, &cells)
        })
        .collect())
}

/// A map as text: one block per measure, rows × columns of medians with their interval.
pub fn map_table(results: &[MapResult]) -> String {
    let mut out = String::new();
    for r in results {
        out.push_str(&format!("{} — {} (seeds {:?})\n", r.lab, r.map, r.seeds));
        let measures: Vec<&str> =
            r.cells.first().map(|c| c.measures.iter().map(|m| m.measure).collect()).unwrap_or_default();
        for (m, name) in measures.iter().enumerate() {
            out.push_str(&format!("  {name}  ({} down, {} across)\n", r.rows.0, r.columns.0));
            for row in &r.rows.1 {
                out.push_str(&format!("    {row:>12}"));
                for cell in r.cells.iter().filter(|c| c.row == *row) {
                    let v = &cell.measures[m];
                    out.push_str(&format!(
                        "  {:>8} [{}, {}]",
                        short(v.median),
                        short(v.interval[0]),
                        short(v.interval[1])
                    ));
                }
                out.push('\n');
            }
        }
    }
    out
}

/// The verdicts of a recorded `--json` file, recomputed from its per-seed
/// values with the registry's claims as they are now (a claim no longer in
/// the registry is an error: record again).
pub fn recorded(file: &str) -> Result<Vec<ClaimResult>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{file}: {e}"))?;
    let numbers = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array().map(|a| a.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect()).unwrap_or_default()
    };
    json.get("claims")
        .and_then(|c| c.as_array())
        .ok_or_else(|| format!("{file}: no \"claims\" list"))?
        .iter()
        .map(|r| {
            let (lab, name) = (r["lab"].as_str().unwrap_or(""), r["claim"].as_str().unwrap_or(""));
            let lab = labs::by_name(lab).ok_or_else(|| format!("{file}: no lab {lab}"))?;
            let claim = lab
                .claims
                .iter()
                .find(|c| c.name == name)
                .ok_or_else(|| format!("{file}: {} has no claim {name:?}", lab.name))?;
            let seeds: Vec<u64> =
                r["seeds"].as_array().map(|a| a.iter().filter_map(|s| s.as_u64()).collect()).unwrap_or_default();
            Ok(claims::verdict(lab, claim, &seeds, numbers(&r["values"]), numbers(&r["control"]["values"])))
        })
        .collect()
}

fn short(v: f64) -> String {
    if v.is_nan() {
        "—".into()
    } else if v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e4) {
        format!("{v:.2e}")
    } else {
        format!("{v:.3}")
    }
}

/// The results as an aligned text table (docs/claims.md's Markdown is
/// written from the `--json` output by tools/claims-md.mjs).
pub fn table(results: &[ClaimResult]) -> String {
    let mut out = String::new();
    for r in results {
        out.push_str(&format!(
            "{:8} {:70} median {:>10} [{}, {}]  holds {:3} ({}/{})  control {:>10} holds {}\n",
            r.lab,
            r.claim,
            short(r.median),
            short(r.interval[0]),
            short(r.interval[1]),
            if r.holds { "yes" } else { "no" },
            r.holds_on,
            r.seeds.len(),
            short(r.control.median),
            if r.control.holds { "yes" } else { "no" },
        ));
    }
    out
}
