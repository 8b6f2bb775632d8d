//! Link parsing against the real registry: every lab's table round-trips.

use super::*;
use crate::core::knob::{Kind, Knob};
use crate::core::link::{percent_decode, Link, Value};
use proptest::prelude::*;

#[test]
fn every_default_is_valid_and_canonical() {
    for &lab in ALL {
        let link = Link::defaults(lab);
        let again = parse(&link.canonical());
        assert_eq!(again.notices, vec![], "{}", lab.name);
        assert_eq!(again.link, link);
    }
}

#[test]
fn reads_a_bare_hash_or_a_full_url() {
    let bare = parse("lab=depth&steps=16&scheme=euler");
    let url = parse("http://127.0.0.1:8000/?embed#lab=depth&steps=16&scheme=euler");
    assert!(bare.notices.is_empty() && url.notices.is_empty());
    assert_eq!(bare.link, url.link);
    assert_eq!(bare.link.get("steps"), Some(&Value::Int(16)));
    assert_eq!(bare.link.get("scheme"), Some(&Value::Choice("euler")));
}

#[test]
fn empty_link_is_the_default_lab_without_notices() {
    for s in ["", "#", "http://x.org/"] {
        let p = parse(s);
        assert_eq!(p.link, Link::defaults(ALL[0]));
        assert!(p.notices.is_empty(), "{s}: {:?}", p.notices);
    }
}

#[test]
fn out_of_range_value_names_the_key_and_range_and_uses_default() {
    let p = parse("#lab=depth&steps=1000");
    assert_eq!(p.link.get("steps"), Some(&Value::Int(8)));
    assert_eq!(p.notices.len(), 1);
    let msg = &p.notices[0].message;
    assert!(msg.contains("steps") && msg.contains("1..=64") && msg.contains("default 8"), "{msg}");
}

/// The depth lab's epochs follow its data: 200 on points, 10 on images.
/// Wherever the two stand in a link, a missing or invalid epochs gets the
/// default of the link's data; a given one is kept. Changing the data (as
/// the page does) moves epochs left at the default and keeps any other.
/// Controls: the 2-D default stays 200, and a knob that follows nothing
/// (steps) never moves with the data.
#[test]
fn a_knob_left_at_its_default_follows_the_knob_it_depends_on() {
    let epochs = |link: &str| parse(link).link.int("epochs");
    assert_eq!(epochs("#lab=depth&data=digits"), 10);
    assert_eq!(epochs("#lab=depth&data=shapes"), 10);
    assert_eq!(epochs("#lab=depth&epochs=5000&data=digits"), 10, "invalid, after the data is read");
    assert!(parse("#lab=depth&epochs=5000&data=digits").notices[0].message.contains("default 10"));
    assert_eq!(epochs("#lab=depth&epochs=7&data=digits"), 7);
    assert_eq!(epochs("#lab=depth&data=digits&epochs=200"), 200, "an old canonical link keeps its 200");
    assert_eq!(epochs("#lab=depth&data=moons"), 200, "control: points");
    assert_eq!(epochs("#lab=depth"), 200);

    let set = |link: &str, key: &str, text: &str| {
        let mut link = parse(link).link;
        link.set(key, text).unwrap();
        (link.int("epochs"), link.int("steps"))
    };
    assert_eq!(set("#lab=depth", "data", "digits"), (10, 8), "left at the default: follows");
    assert_eq!(set("#lab=depth&epochs=50", "data", "digits"), (50, 8), "set by hand: kept");
    assert_eq!(set("#lab=depth&data=digits", "data", "spiral"), (200, 8));
    assert_eq!(set("#lab=depth&data=digits&epochs=30", "data", "spiral"), (30, 8));
    assert_eq!(set("#lab=depth&data=digits", "steps", "4"), (10, 4), "control: another knob moves nothing");
}

/// Every knob that follows another names a knob of its own lab, values
/// that knob takes, and defaults it takes itself (a typo would otherwise
/// leave the follower at its own default without a word).
#[test]
fn every_follower_names_a_knob_of_its_lab_and_valid_defaults() {
    let mut followers = 0;
    for &lab in ALL {
        for knob in lab.knobs {
            let Some(f) = knob.follows else { continue };
            followers += 1;
            let leader = lab.knobs.iter().find(|k| k.key == f.key);
            let leader = leader.unwrap_or_else(|| panic!("{}: {} follows `{}`, not a knob", lab.name, knob.key, f.key));
            for (value, default) in f.defaults {
                assert!(leader.parse(value).is_ok(), "{}: {} = {value}", lab.name, f.key);
                assert!(knob.parse(default).is_ok(), "{}: {} default {default}", lab.name, knob.key);
            }
        }
    }
    assert!(followers > 0, "the depth lab's epochs follow its data");
}

#[test]
fn bad_values_of_each_kind_are_rejected() {
    for (pair, key) in [
        ("lr=abc", "lr"),
        ("lr=NaN", "lr"),
        ("lr=inf", "lr"),
        ("scheme=rk5", "scheme"),
        ("refine=5,3", "refine"),
        ("refine=1,2,3,4,5,6,7", "refine"),
        ("K=2.5", "K"),
    ] {
        let p = parse(&format!("lab=depth&{pair}"));
        assert_eq!(p.notices.len(), 1, "{pair}");
        assert_eq!(p.notices[0].key.as_deref(), Some(key));
        assert_eq!(p.link, Link::defaults(&depth::lab::LAB), "{pair}");
    }
}

#[test]
fn unknown_key_and_unknown_lab_are_noticed() {
    let p = parse("lab=depth&colour=red");
    assert_eq!(p.notices.len(), 1);
    assert!(p.notices[0].message.contains("colour"));
    let p = parse("lab=warp&steps=4");
    assert_eq!(p.link.lab, ALL[0]);
    assert!(p.notices[0].message.contains("warp"));
    assert_eq!(p.link.get("steps"), Some(&Value::Int(4)));
}

#[test]
fn newer_version_is_read_with_a_notice() {
    let p = parse("lab=flow&v=7&l=100");
    assert_eq!(p.notices.len(), 1);
    assert_eq!(p.notices[0].key.as_deref(), Some("v"));
    assert_eq!(p.link.get("l"), Some(&Value::Int(100)));
}

#[test]
fn percent_escapes_are_decoded() {
    let p = parse("lab=depth&refine=10%2C20");
    assert!(p.notices.is_empty(), "{:?}", p.notices);
    assert_eq!(p.link.get("refine"), Some(&Value::IntList(vec![10, 20])));
    assert_eq!(percent_decode("%"), "%");
    assert_eq!(percent_decode("a%4"), "a%4");
    assert_eq!(percent_decode("%zz"), "%zz");
}

#[test]
fn set_validates_like_parse() {
    let mut link = Link::defaults(&depth::lab::LAB);
    assert!(link.set("steps", "16").is_ok());
    assert!(link.set("steps", "0").is_err());
    assert!(link.set("nope", "1").is_err());
    assert_eq!(link.get("steps"), Some(&Value::Int(16)));
}

#[test]
fn with_knob_sets_one_key_and_keeps_the_rest() {
    use crate::core::link::with_knob;
    let edited = with_knob("#lab=koopman&epochs=30&seed=4", "seed", "2", ALL);
    assert_eq!(edited.notices, vec![]);
    assert_eq!(edited.link, parse("#lab=koopman&epochs=30&seed=2").link);
    // The key is matched whole: `K` is not `eK`, nor a prefix of another key.
    let depth = with_knob("#lab=depth&eK=4&K=8", "K", "16", ALL).link;
    assert_eq!((depth.int("K"), depth.int("eK")), (16, 4));
    // Control: a refused value or an unknown key keeps the link, with a notice naming the key.
    for (key, value) in [("seed", "-1"), ("nope", "1")] {
        let kept = with_knob("#lab=koopman&epochs=30&seed=4", key, value, ALL);
        assert_eq!(kept.link, parse("#lab=koopman&epochs=30&seed=4").link, "{key}={value}");
        assert_eq!(kept.notices.len(), 1);
        assert_eq!(kept.notices[0].key.as_deref(), Some(key));
    }
}

/// Link text for a random valid value of `knob`.
fn valid_text(knob: &'static Knob) -> BoxedStrategy<String> {
    match knob.kind {
        Kind::Int { min, max } => (min..=max).prop_map(|v| v.to_string()).boxed(),
        Kind::Float { min, max, .. } => (min..=max).prop_map(|v| v.to_string()).boxed(),
        Kind::Choice { choices } => proptest::sample::select(choices).prop_map(String::from).boxed(),
        Kind::IntList { min, max, max_len } => proptest::collection::btree_set(min..=max, 0..=max_len)
            .prop_map(|s| s.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(","))
            .boxed(),
    }
}

fn valid_link() -> impl Strategy<Value = String> {
    proptest::sample::select(ALL.to_vec()).prop_flat_map(|lab| {
        let parts: Vec<_> = lab.knobs.iter().map(|k| (Just(k.key), valid_text(k), any::<bool>())).collect();
        parts.prop_map(move |parts| {
            let mut s = format!("lab={}", lab.name);
            for (key, text, keep) in parts {
                if keep {
                    s += &format!("&{key}={text}");
                }
            }
            s
        })
    })
}

proptest! {
    #[test]
    fn parsing_random_text_never_panics(s in ".{0,80}") {
        let _ = parse(&s);
    }

    #[test]
    fn canonical_form_is_a_fixed_point(s in "[a-zA-Z0-9=&%#.,_+-]{0,80}") {
        let once = parse(&s).link.canonical();
        let twice = parse(&once);
        prop_assert!(twice.notices.is_empty(), "{:?}", twice.notices);
        prop_assert_eq!(twice.link.canonical(), once);
    }

    #[test]
    fn valid_links_parse_without_notices_and_round_trip(s in valid_link()) {
        let p = parse(&s);
        prop_assert!(p.notices.is_empty(), "{}: {:?}", s, p.notices);
        let again = parse(&p.link.canonical());
        prop_assert_eq!(again.link, p.link);
    }
}
