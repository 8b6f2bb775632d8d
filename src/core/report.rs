//! Reading numbers from a lab's report (the JSON `continuum run` prints): a
//! metric by its dot path, a row of a table, a knob of the report's link.
//! The live metrics, the claims' statistics and the page read reports only
//! through these (the page's twin is `www/ui/metrics.js`).

/// The number at `path` in a report: dot-separated object keys or array
/// indices (`clean_accuracy.noisy`, `transfer.0.robust`); `None` if the path
/// is absent or does not end at a number. The page resolves the same paths
/// (`www/ui/metrics.js`).
pub fn metric(report: &serde_json::Value, path: &str) -> Option<f64> {
    let mut at = report;
    for part in path.split('.') {
        at = match at {
            serde_json::Value::Object(map) => map.get(part)?,
            serde_json::Value::Array(items) => items.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    at.as_f64()
}

/// The row of `report[array]` whose fields equal `fields` (strings or numbers).
pub fn row<'a>(
    report: &'a serde_json::Value,
    array: &str,
    fields: &[(&str, serde_json::Value)],
) -> Option<&'a serde_json::Value> {
    report.get(array)?.as_array()?.iter().find(|r| fields.iter().all(|(k, v)| r.get(*k) == Some(v)))
}

/// A knob's value as the report's canonical `link` gives it.
pub fn link_value<'a>(report: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    let link = report.get("link")?.as_str()?;
    link.split(['#', '&']).find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
}
