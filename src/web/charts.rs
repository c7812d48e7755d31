//! Charts drawn as SVG on the server, so that they need no JavaScript and print well. Each chart
//! has a title and description for screen readers, and the figures are also in a table beside it.

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn format_value(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// A horizontal bar chart of (label, value) rows.
pub fn bars(title: &str, rows: &[(String, f64)], unit: &str) -> String {
    let width = 640.0;
    let label_w = 220.0;
    let bar_h = 28.0;
    let gap = 10.0;
    let max = rows.iter().map(|r| r.1).fold(0.0_f64, f64::max).max(1e-9);
    let height = (rows.len().max(1) as f64) * (bar_h + gap) + 10.0;
    let id = title.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"chart-{id}-title chart-{id}-desc\" viewBox=\"0 0 {width} {height}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"chart-{id}-title\">{}</title><desc id=\"chart-{id}-desc\">{}</desc>",
        escape(title),
        escape(&rows.iter().map(|(l, v)| format!("{l}: {} {unit}", format_value(*v))).collect::<Vec<_>>().join("; "))
    );
    if rows.is_empty() {
        svg.push_str("<text x=\"0\" y=\"24\" font-size=\"16\" fill=\"#0b0c0c\">No data yet</text>");
    }
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = i as f64 * (bar_h + gap) + 5.0;
        let w = ((value / max) * (width - label_w - 80.0)).max(if *value > 0.0 { 2.0 } else { 0.0 });
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{ty}\" font-size=\"15\" fill=\"#0b0c0c\">{label}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"{bar_h}\" fill=\"#1d70b8\"></rect>\
             <text x=\"{tx:.1}\" y=\"{ty}\" font-size=\"15\" fill=\"#0b0c0c\">{val} {unit}</text>",
            ty = y + 19.0,
            label = escape(&label.chars().take(28).collect::<String>()),
            tx = label_w + w + 6.0,
            val = format_value(*value),
            unit = escape(unit),
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_and_describe_their_data() {
        let svg = bars("Trials <by> zone", &[("A & B".into(), 3.0), ("C".into(), 1.5)], "trials");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("Trials &lt;by&gt; zone"));
        assert!(svg.contains("A &amp; B: 3 trials; C: 1.5 trials"));
        assert!(!svg.contains("A & B"));
        assert!(bars("Empty", &[], "x").contains("No data yet"));
    }
}
