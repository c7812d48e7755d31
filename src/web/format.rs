//! Human formatting for every template: dates, money, numbers, enum labels, status tags and
//! deadlines. Registered as minijinja filters by [`register`].

use minijinja::Environment;

/// Adds the formatting filters to a template environment.
pub fn register(env: &mut Environment<'static>) {
    // Placeholders until the formatting filters land.
    env.add_filter("label", |v: String| label(&v));
    for name in ["date", "datetime", "money", "number", "days_left"] {
        env.add_filter(name, |v: minijinja::Value| v.to_string());
    }
    env.add_filter("status_tag", |v: String| {
        minijinja::Value::from_safe_string(format!("<strong class=\"govuk-tag\">{}</strong>", label(&v)))
    });
}

/// A human label for an enum value (placeholder until the label table lands).
pub fn label(value: &str) -> String {
    let s = value.replace('_', " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
