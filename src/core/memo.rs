//! Work that the runs of one process share.
//!
//! `continuum claims` and `continuum map` run many links, and some of them
//! repeat an expensive, deterministic piece of work exactly:
//!
//! - a claim and its control that differ only in what is evaluated (the
//!   depth lab's `eK`) train and evaluate the same model;
//! - the Koopman lab's three wake links simulate the same wake;
//! - a noise link and its no-noise control, and every cell of a noise map
//!   with the same model settings, train the same deterministic RNN;
//! - a transfer link and its `eps=0` control train the same natural source;
//! - a titration and its `poison=0` control train the same clean classifiers;
//! - a sketch link and its `alpha` control draw the same sketches and
//!   bootstrap replicas (α only picks the quantile read from them).
//!
//! [`shared`] computes such a piece once per key and hands every later
//! caller a clone of it. The key must name every input of the computation
//! (a config's `Debug` text and the seed), so what a caller gets is what it
//! would have computed itself, bit for bit: `continuum claims --json` prints
//! the same numbers with sharing on or off (`tests/cli.rs` checks the depth
//! and noise claims that share).
//!
//! Sharing is off unless [`enable`] was called, so the page's lab workers
//! and `continuum run` compute everything themselves. The page's claims
//! worker turns it on and runs a claim's link and its control at one seed
//! one after the other, then [`forget`]s (a worker that kept every run
//! would only grow). A caller that asks for a key another thread is
//! computing waits for it rather than computing it twice (so work given
//! to `shared` from a rayon task must not itself wait on rayon: a thread
//! that stole a task asking for the key it is computing would wait on
//! itself; the titration's classifiers, the one such caller, use no
//! rayon). A run that took
//! its piece from the store does not count that piece's time in its
//! `timings_ms`.

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

static ON: AtomicBool = AtomicBool::new(false);

/// One piece of work: empty until its first caller has computed it.
type Piece = Arc<OnceLock<Box<dyn Any + Send + Sync>>>;

/// Computed pieces by key (the key starts with the value's type).
#[derive(Default)]
pub struct Store(Mutex<HashMap<String, Piece>>);

impl Store {
    /// `compute()` the first time `key` is asked for, a clone of that after.
    pub fn get<V: Clone + Send + Sync + 'static>(&self, key: &str, compute: impl FnOnce() -> V) -> V {
        let key = format!("{}: {key}", std::any::type_name::<V>());
        let cell = self.0.lock().expect("no thread panicked holding it").entry(key).or_default().clone();
        cell.get_or_init(|| Box::new(compute())).downcast_ref::<V>().expect("the key names the type").clone()
    }
}

/// From now on, [`shared`] keeps what it computes for the rest of the process.
pub fn enable() {
    ON.store(true, Ordering::Relaxed);
}

/// Drops everything kept so far (the page's claims worker does after each
/// claim and seed, so its memory does not grow with the runs).
pub fn forget() {
    global().0.lock().expect("no thread panicked holding it").clear();
}

fn global() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE.get_or_init(Store::default)
}

/// `compute()`, or a clone of what it gave for the same `key` earlier in
/// this process (when [`enable`]d). `key` is only called when sharing is
/// on; it must name every input `compute` reads.
pub fn shared<V: Clone + Send + Sync + 'static>(key: impl FnOnce() -> String, compute: impl FnOnce() -> V) -> V {
    if !ON.load(Ordering::Relaxed) {
        return compute();
    }
    global().get(&key(), compute)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_computed_once_and_others_apart() {
        let store = Store::default();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let count = |v: u64| {
            calls.fetch_add(1, Ordering::Relaxed);
            v
        };
        assert_eq!(store.get("a", || count(1)), 1);
        assert_eq!(store.get("a", || count(2)), 1, "the second caller gets the first result");
        assert_eq!(store.get("b", || count(3)), 3, "another key computes");
        // The same key for another type is another piece of work.
        assert_eq!(store.get("a", || f64::from(count(4) as u32)), 4.0);
        assert_eq!(calls.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn a_second_thread_waits_for_the_first_rather_than_computing_again() {
        let store = Store::default();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let slow = || {
            calls.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(std::time::Duration::from_millis(50));
            7u8
        };
        let got: Vec<u8> = std::thread::scope(|s| {
            let a = s.spawn(|| store.get("k", slow));
            let b = s.spawn(|| store.get("k", slow));
            vec![a.join().unwrap(), b.join().unwrap()]
        });
        assert_eq!((got, calls.load(Ordering::Relaxed)), (vec![7, 7], 1));
    }
}
