//! Charts drawn as SVG on the server, so that they need no JavaScript and print well. Each chart
//! has a title and description for screen readers, and the figures are also in a table beside it.
//!
//! A chart is as wide as its container and is laid out in percentages rather than scaled, so its
//! text stays at body size on a phone: each label is written out in full above its bar (wrapped
//! onto more lines when long), and a value sits after its bar, or inside it when the bar is long.

use super::format::{escape_html as escape, number};

/// Characters per label line: about what fits at 16px on the narrowest screen (288px).
const LINE_CHARS: usize = 28;
const LINE_H: f64 = 20.0;
const BAR_H: f64 = 24.0;
const GAP: f64 = 16.0;

/// Splits a label into lines of at most [`LINE_CHARS`] characters at spaces.
fn wrap(label: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in label.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= LINE_CHARS => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// The unit for a value: a plural unit such as "trials" is singular for exactly 1.
fn unit_for(value: f64, unit: &str) -> &str {
    if value == 1.0 {
        unit.strip_suffix('s').unwrap_or(unit)
    } else {
        unit
    }
}

/// A horizontal bar chart of (label, value) rows.
pub fn bars(title: &str, rows: &[(String, f64)], unit: &str) -> String {
    let max = rows.iter().map(|r| r.1).fold(0.0_f64, f64::max).max(1e-9);
    let id = title.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
    let mut body = String::new();
    let mut y = 0.0;
    if rows.is_empty() {
        body.push_str("<text x=\"0\" y=\"20\" font-size=\"16\" fill=\"#0b0c0c\">No data yet</text>");
        y = 30.0;
    }
    for (label, value) in rows {
        for line in wrap(label) {
            y += LINE_H;
            body.push_str(&format!(
                "<text x=\"0\" y=\"{y}\" font-size=\"16\" fill=\"#0b0c0c\">{}</text>",
                escape(&line)
            ));
        }
        let top = y + 6.0;
        let pct = (value.max(0.0) / max) * 100.0;
        let text = format!("{} {}", number(*value), escape(unit_for(*value, unit)));
        let text_y = top + 17.0;
        if *value > 0.0 {
            body.push_str(&format!(
                "<rect x=\"0\" y=\"{top}\" width=\"{pct:.2}%\" height=\"{BAR_H}\" fill=\"#1d70b8\"></rect>"
            ));
        }
        if pct > 50.0 {
            body.push_str(&format!(
                "<text x=\"{pct:.2}%\" dx=\"-8\" y=\"{text_y}\" font-size=\"16\" font-weight=\"bold\" fill=\"#ffffff\" text-anchor=\"end\">{text}</text>"
            ));
        } else {
            body.push_str(&format!(
                "<text x=\"{pct:.2}%\" dx=\"{}\" y=\"{text_y}\" font-size=\"16\" fill=\"#0b0c0c\">{text}</text>",
                if *value > 0.0 { 8 } else { 0 }
            ));
        }
        y = top + BAR_H + GAP;
    }
    let desc =
        rows.iter().map(|(l, v)| format!("{l}: {} {}", number(*v), unit_for(*v, unit))).collect::<Vec<_>>().join("; ");
    format!(
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"chart-{id}-title chart-{id}-desc\" width=\"100%\" height=\"{height}\" \
         font-family=\"arial, sans-serif\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"chart-{id}-title\">{}</title><desc id=\"chart-{id}-desc\">{}</desc>{body}</svg>",
        escape(title),
        escape(&desc),
        height = y.max(30.0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_and_describe_their_data() {
        let svg = bars("Trials <by> zone", &[("A & B".into(), 3.0), ("C".into(), 1.5), ("D".into(), 1.0)], "trials");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("Trials &lt;by&gt; zone"));
        assert!(svg.contains("A &amp; B: 3 trials; C: 1.5 trials; D: 1 trial"));
        assert!(!svg.contains("A & B"));
        assert!(bars("Empty", &[], "x").contains("No data yet"));
    }

    #[test]
    fn labels_are_written_in_full_on_as_many_lines_as_they_need() {
        let long = "Bristol Harbourside Net Zero Zone and its surroundings";
        let svg = bars("Zones", &[(long.into(), 1234.0), ("Short".into(), 0.0)], "trials");
        assert_eq!(wrap(long), ["Bristol Harbourside Net Zero", "Zone and its surroundings"]);
        assert!(
            svg.contains(">Bristol Harbourside Net Zero</text>") && svg.contains(">Zone and its surroundings</text>")
        );
        assert!(svg.contains("1,234 trials") && svg.contains("0 trials"));
        assert!(svg.contains("width=\"100.00%\""), "the longest bar fills the width");
        assert!(!svg.contains("viewBox"), "laid out at the page's size, not scaled down");
    }
}
