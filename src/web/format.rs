//! Human formatting for every template: dates, money, numbers, enum labels, status tags and
//! deadlines. Registered as minijinja filters by [`register`].

use minijinja::Environment;

/// Adds the formatting filters to a template environment.
pub fn register(env: &mut Environment<'static>) {
    let _ = env;
}
