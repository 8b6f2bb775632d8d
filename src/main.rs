//! `continuum`: the command-line face. Replays share links headless and
//! prints their numbers as JSON.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use std::time::Instant;

use continuum::gpu::Gpu;
use continuum::labs;

mod claims;

#[derive(Parser)]
#[command(name = "continuum", version, about = "Continuum playground, headless")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the GPU adapter the native runner would use, or `cpu`.
    Info,
    /// Normalize a share link (a bare hash or a full URL) and print it as JSON.
    Link {
        /// e.g. '#lab=depth&steps=8' or 'http://127.0.0.1:8000/#lab=flow'
        link: String,
    },
    /// Run the experiment a share link describes and print its results as JSON.
    Run { link: String },
    /// Run every claim of the registry (or one lab's) and its control over seeds.
    Claims {
        #[command(flatten)]
        over: OverSeeds,
        /// Recompute the verdicts from the per-seed values of a recorded
        /// `--json` file (docs/claims.json) instead of running anything.
        #[arg(long)]
        from: Option<String>,
    },
    /// Print the registry's labs as the page's front page reads them
    /// (`www/registry.json`, which draws the front page before the core loads).
    Registry,
    /// Lessons offline: check one (a `#lesson=` link or a .json file), or
    /// turn a .json file into its link and a link back into JSON.
    Lesson {
        #[command(subcommand)]
        action: LessonAction,
    },
    /// Run every map of the registry (or one lab's) over seeds: each cell's
    /// measures, their medians, intervals and where the intervals lie.
    Map {
        #[command(flatten)]
        over: OverSeeds,
        /// Only the maps whose name contains this text.
        #[arg(long)]
        map: Option<String>,
    },
}

#[derive(Subcommand)]
enum LessonAction {
    /// Exit 0 for a valid lesson; otherwise print the reason and exit 2.
    Check { source: String },
    /// Print the `#lesson=` link of a lesson file.
    Encode { file: String },
    /// Print the JSON a `#lesson=` link carries (validated).
    Decode { link: String },
}

/// A lesson from a `#lesson=` link or a JSON file (read up to the size limit).
fn lesson_from(source: &str) -> Result<continuum::core::lesson::Lesson, String> {
    use continuum::core::lesson;
    if source.contains(lesson::PREFIX) {
        return lesson::decode(source, labs::ALL);
    }
    use std::io::Read;
    let file = std::fs::File::open(source).map_err(|e| format!("{source}: {e}"))?;
    let mut text = String::new();
    file.take(lesson::MAX_JSON_BYTES as u64 + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("{source}: not UTF-8 text ({e})"))?;
    lesson::parse(&text, labs::ALL)
}

fn lesson_command(action: LessonAction) -> Result<String, String> {
    use continuum::core::lesson;
    Ok(match action {
        LessonAction::Check { source } => {
            let l = lesson_from(&source)?;
            let labs: Vec<String> = l.steps.iter().map(|s| labs::parse(&s.link).link.lab.name.to_string()).collect();
            format!("valid: {:?}, {} steps ({})", l.title, l.steps.len(), labs.join(", "))
        }
        LessonAction::Encode { file } => lesson::encode(&lesson_from(&file)?),
        LessonAction::Decode { link } => {
            serde_json::to_string_pretty(&lesson::decode(&link, labs::ALL)?).expect("serializes")
        }
    })
}

/// What `claims` and `map` share: which lab, which seeds, how many runs at
/// once, the output, and the small links for tests.
#[derive(clap::Args)]
struct OverSeeds {
    /// Only this lab's claims or maps.
    #[arg(long)]
    lab: Option<String>,
    /// Seeds, `A-B` or one number.
    #[arg(long, default_value = "1-5")]
    seeds: String,
    /// Runs at once (each one link at one seed).
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    /// Print `{"claims": [...]}` or `{"maps": [...]}` instead of a table.
    #[arg(long)]
    json: bool,
    /// The small links instead (seconds, for tests; not the claims).
    #[arg(long)]
    tiny: bool,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Claims { over: OverSeeds { lab, seeds, jobs, json, tiny }, from } => {
            let results = match from {
                Some(file) => claims::recorded(&file),
                None => claims::run(lab.as_deref(), &seeds, jobs, tiny),
            };
            match results {
                Ok(results) => {
                    if json {
                        println!(
                            "{}",
                            serde_json::to_string_pretty(&serde_json::json!({ "claims": results }))
                                .expect("serializes")
                        );
                    } else {
                        print!("{}", claims::table(&results));
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Map { over: OverSeeds { lab, seeds, jobs, json, tiny }, map } => {
            match claims::maps(lab.as_deref(), map.as_deref(), &seeds, jobs, tiny) {
                Ok(results) => {
                    if json {
                        let json = serde_json::json!({ "maps": results });
                        println!("{}", serde_json::to_string_pretty(&json).expect("serializes"));
                    } else {
                        print!("{}", claims::map_table(&results));
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Registry => {
            println!("{}", serde_json::to_string_pretty(labs::ALL).expect("the registry serializes"));
            ExitCode::SUCCESS
        }
        Command::Lesson { action } => match lesson_command(action) {
            Ok(out) => {
                println!("{out}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Info => {
            let report = match pollster::block_on(Gpu::new(None)) {
                Ok(gpu) => serde_json::json!({ "device": "gpu", "backend": gpu.backend, "adapter": gpu.adapter }),
                Err(e) => serde_json::json!({ "device": "cpu", "reason": e.to_string() }),
            };
            println!("{report}");
            ExitCode::SUCCESS
        }
        Command::Link { link } => {
            let parsed = labs::parse(&link);
            for notice in &parsed.notices {
                eprintln!("notice: {}", notice.message);
            }
            println!("{}", serde_json::to_string_pretty(&parsed.report()).expect("a report serializes"));
            ExitCode::SUCCESS
        }
        Command::Run { link } => {
            let parsed = labs::parse(&link);
            for notice in &parsed.notices {
                eprintln!("notice: {}", notice.message);
            }
            let start = Instant::now();
            let clock = move || start.elapsed().as_secs_f64() * 1e3;
            let lab = parsed.link.lab;
            let Some(run) = lab.run else {
                eprintln!(
                    "error: the {} lab is not built yet, so there is nothing to run; `continuum link` shows its configuration",
                    lab.name
                );
                return ExitCode::from(2);
            };
            match run(&parsed.link, &clock) {
                Ok(outcome) => {
                    if let Some(note) = outcome.note {
                        eprintln!("notice: {note}");
                    }
                    if let Some(message) = outcome.diverged {
                        eprintln!("diverged: {message}");
                    }
                    println!("{}", serde_json::to_string_pretty(&outcome.report).expect("a report serializes"));
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}
