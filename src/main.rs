//! `continuum`: the command-line face. Replays share links headless and
//! prints their numbers as JSON.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use std::time::Instant;

use continuum::{depth, flow, gpu::Gpu, koopman, labs::Lab, link};

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
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Info => {
            let report = match pollster::block_on(Gpu::new(None)) {
                Ok(gpu) => serde_json::json!({ "device": "gpu", "backend": gpu.backend, "adapter": gpu.adapter }),
                Err(e) => serde_json::json!({ "device": "cpu", "reason": e.to_string() }),
            };
            println!("{report}");
            ExitCode::SUCCESS
        }
        Command::Link { link } => {
            let parsed = link::parse(&link);
            for notice in &parsed.notices {
                eprintln!("notice: {}", notice.message);
            }
            println!("{}", serde_json::to_string_pretty(&parsed.report()).expect("a report serializes"));
            ExitCode::SUCCESS
        }
        Command::Run { link } => {
            let parsed = link::parse(&link);
            for notice in &parsed.notices {
                eprintln!("notice: {}", notice.message);
            }
            let start = Instant::now();
            let clock = move || start.elapsed().as_secs_f64() * 1e3;
            match parsed.link.lab {
                Lab::Depth => {
                    if let Ok((_, Some(note))) = depth::Config::from_link(&parsed.link) {
                        eprintln!("notice: {note}");
                    }
                    let result = depth::run(&parsed.link, &clock);
                    print_report(result.map(|r| (r.divergence.as_ref().map(|d| d.message.clone()), r)))
                }
                Lab::Koopman => {
                    let result = koopman::run(&parsed.link, &clock);
                    print_report(result.map(|r| (r.divergence.as_ref().map(|d| d.message.clone()), r)))
                }
                Lab::Flow => print_report(flow::run(&parsed.link, &clock).map(|r| (None, r))),
                lab => {
                    eprintln!(
                        "error: the {} lab is not built yet, so there is nothing to run; `continuum link` shows its configuration",
                        lab.name()
                    );
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// Prints a lab's report as JSON (and why it diverged, if it did, on stderr),
/// or the error that stopped it.
fn print_report<R: serde::Serialize>(result: Result<(Option<String>, R), String>) -> ExitCode {
    match result {
        Ok((diverged, report)) => {
            if let Some(message) = diverged {
                eprintln!("diverged: {message}");
            }
            println!("{}", serde_json::to_string_pretty(&report).expect("a report serializes"));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
