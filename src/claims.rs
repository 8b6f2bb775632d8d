//! `continuum claims`: every claim of the registry and its control, run over
//! seeds (`core::claims` has the claim type and the statistics).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use continuum::core::lab::Lab;
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

/// Runs the claims of `lab` (all labs if `None`) on `seeds`, `jobs` runs at once.
pub fn run(lab: Option<&str>, seeds: &str, jobs: usize, tiny: bool) -> Result<Vec<ClaimResult>, String> {
    let seeds = seed_range(seeds)?;
    let chosen: Vec<&'static Lab> = match lab {
        Some(name) => vec![labs::by_name(name).ok_or_else(|| format!("--lab {name}: no such lab"))?],
        None => labs::ALL.to_vec(),
    };
    // One task per (claim, control or not, seed); results gathered in order.
    let claims: Vec<(&'static Lab, &'static continuum::core::claims::Claim)> =
        chosen.iter().flat_map(|lab| lab.claims.iter().map(move |c| (*lab, c))).collect();
    let mut tasks: Vec<(usize, bool, u64)> = Vec::new();
    for i in 0..claims.len() {
        for control in [false, true] {
            tasks.extend(seeds.iter().map(|&s| (i, control, s)));
        }
    }
    // `jobs` threads take the next task until none is left; each value goes to its task's slot.
    let (next, done) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let values = Mutex::new(vec![f64::NAN; tasks.len()]);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, tasks.len().max(1)) {
            scope.spawn(|| loop {
                let id = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(i, control, seed)) = tasks.get(id) else { break };
                let (lab, claim) = claims[i];
                let link = match (control, tiny) {
                    (false, false) => claim.link,
                    (true, false) => claim.control,
                    (false, true) => claim.tiny,
                    (true, true) => claim.tiny_control,
                };
                let v = claims::value(lab, claim, link, seed);
                values.lock().expect("no thread panicked holding it")[id] = v;
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                eprintln!("[{n}/{}] {}: {link} seed {seed}: {v}", tasks.len(), lab.name);
            });
        }
    });
    let values = values.into_inner().expect("no thread panicked holding it");
    let per = seeds.len();
    Ok(claims
        .iter()
        .enumerate()
        .map(|(i, (lab, claim))| {
            let at = |control: usize| values[(2 * i + control) * per..(2 * i + control + 1) * per].to_vec();
            let mut r = claims::verdict(lab, claim, &seeds, at(0), at(1));
            if tiny {
                r.link = claim.tiny.into();
                r.control.link = claim.tiny_control.into();
            }
            r
        })
        .collect())
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
