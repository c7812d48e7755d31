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

/// A value as the chart writes it: "45%" for a rate, "1,234 trials" for a count.
fn value_text(value: f64, unit: &str) -> String {
    if unit == PERCENT {
        format!("{}%", number(value))
    } else if unit.is_empty() {
        number(value)
    } else {
        format!("{} {}", number(value), unit_for(value, unit))
    }
}

/// The unit of a rate: bars are drawn against 100% rather than against the largest value.
pub const PERCENT: &str = "%";

const BLUE: &str = "#1d70b8";
const GREEN: &str = "#00703c";

/// One series of a chart: its name (for the key and the description), colour and unit.
struct Series<'a> {
    name: &'a str,
    colour: &'a str,
    unit: &'a str,
}

/// Draws one bar with its value at `top`: the value inside the bar's end when the bar is longer
/// than half the width, after it otherwise, so that it is never cut off at the right edge.
fn bar(body: &mut String, top: f64, pct: f64, value: f64, s: &Series) {
    let text = escape(&value_text(value, s.unit));
    let text_y = top + 17.0;
    if value > 0.0 {
        body.push_str(&format!(
            "<rect x=\"0\" y=\"{top}\" width=\"{pct:.2}%\" height=\"{BAR_H}\" fill=\"{}\"></rect>",
            s.colour
        ));
    }
    if pct > 50.0 {
        body.push_str(&format!(
            "<text x=\"{pct:.2}%\" dx=\"-8\" y=\"{text_y}\" font-size=\"16\" font-weight=\"bold\" fill=\"#ffffff\" text-anchor=\"end\">{text}</text>"
        ));
    } else {
        body.push_str(&format!(
            "<text x=\"{pct:.2}%\" dx=\"{}\" y=\"{text_y}\" font-size=\"16\" fill=\"#0b0c0c\">{text}</text>",
            if value > 0.0 { 8 } else { 0 }
        ));
    }
}

/// The chart: labelled groups of bars, one bar per series in each group.
fn chart(title: &str, groups: &[(String, Vec<f64>)], series: &[Series]) -> String {
    // One scale for every bar, so that bars of the same unit compare (rates against 100%).
    let largest = groups.iter().flat_map(|g| g.1.iter().copied()).fold(0.0_f64, f64::max).max(1e-9);
    let max = |i: usize| -> f64 {
        if series[i].unit == PERCENT {
            100.0
        } else {
            largest
        }
    };
    let id = title.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
    let mut body = String::new();
    let mut y = 0.0;
    if series.len() > 1 {
        // The key: a swatch and the name of each series.
        for s in series {
            y += LINE_H + 4.0;
            body.push_str(&format!(
                "<rect x=\"0\" y=\"{}\" width=\"16\" height=\"16\" fill=\"{}\"></rect><text x=\"24\" y=\"{y}\" font-size=\"16\" fill=\"#0b0c0c\">{}</text>",
                y - 14.0,
                s.colour,
                escape(s.name)
            ));
        }
        y += 8.0;
    }
    if groups.is_empty() {
        body.push_str(&format!(
            "<text x=\"0\" y=\"{}\" font-size=\"16\" fill=\"#0b0c0c\">No data yet</text>",
            y + 20.0
        ));
        y += 30.0;
    }
    for (label, values) in groups {
        for line in wrap(label) {
            y += LINE_H;
            body.push_str(&format!(
                "<text x=\"0\" y=\"{y}\" font-size=\"16\" fill=\"#0b0c0c\">{}</text>",
                escape(&line)
            ));
        }
        for (i, s) in series.iter().enumerate() {
            let value = values.get(i).copied().unwrap_or(0.0);
            let top = y + 6.0;
            bar(&mut body, top, (value.max(0.0) / max(i)).min(1.0) * 100.0, value, s);
            y = top + BAR_H;
        }
        y += GAP;
    }
    let desc = groups
        .iter()
        .map(|(l, v)| {
            let parts: Vec<String> = series
                .iter()
                .zip(v)
                .map(|(s, x)| {
                    if series.len() > 1 {
                        format!("{} {}", s.name.to_lowercase(), value_text(*x, s.unit))
                    } else {
                        value_text(*x, s.unit)
                    }
                })
                .collect();
            format!("{l}: {}", parts.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ");
    format!(
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"chart-{id}-title chart-{id}-desc\" width=\"100%\" height=\"{height}\" \
         font-family=\"arial, sans-serif\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"chart-{id}-title\">{}</title><desc id=\"chart-{id}-desc\">{}</desc>{body}</svg>",
        escape(title),
        escape(&desc),
        height = y.max(30.0),
    )
}

/// A horizontal bar chart of (label, value) rows; with [`PERCENT`] as the unit, a chart of rates
/// drawn against 100%.
pub fn bars(title: &str, rows: &[(String, f64)], unit: &str) -> String {
    let groups: Vec<(String, Vec<f64>)> = rows.iter().map(|(l, v)| (l.clone(), vec![*v])).collect();
    chart(title, &groups, &[Series { name: title, colour: BLUE, unit }])
}

/// Two bars per label, e.g. decisions and approvals per quarter, with a key naming both.
pub fn paired_bars(title: &str, rows: &[(String, f64, f64)], names: (&str, &str), unit: &str) -> String {
    let groups: Vec<(String, Vec<f64>)> = rows.iter().map(|(l, a, b)| (l.clone(), vec![*a, *b])).collect();
    chart(
        title,
        &groups,
        &[Series { name: names.0, colour: BLUE, unit }, Series { name: names.1, colour: GREEN, unit }],
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
    fn rates_are_drawn_against_a_hundred_percent() {
        let svg = bars("Approval rate", &[("SME".into(), 40.0), ("Charity".into(), 80.0)], PERCENT);
        assert!(svg.contains("width=\"40.00%\"") && svg.contains("width=\"80.00%\""), "{svg}");
        assert!(svg.contains(">40%</text>") && svg.contains(">80%</text>"));
        assert!(svg.contains("SME: 40%; Charity: 80%"));
    }

    #[test]
    fn paired_bars_have_a_key_and_describe_both_series() {
        let svg = paired_bars(
            "Decisions by quarter",
            &[("January to March 2027".into(), 10.0, 4.0), ("April to June 2027".into(), 0.0, 0.0)],
            ("Decisions", "Approvals"),
            "",
        );
        assert!(svg.contains(">Decisions</text>") && svg.contains(">Approvals</text>"));
        assert!(svg.contains("fill=\"#00703c\""), "approvals in the second colour");
        assert!(svg.contains("January to March 2027: decisions 10, approvals 4; April to June 2027"), "{svg}");
        assert!(svg.contains("width=\"100.00%\"") && svg.contains("width=\"40.00%\""));
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
