//! Message templates, kept in one place and embedded in the binary.

use minijinja::Environment;
use serde_json::Value;

const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("templates/layout.html")),
    ("verify_email.subject", include_str!("templates/verify_email.subject")),
    ("verify_email.txt", include_str!("templates/verify_email.txt")),
    ("verify_email.html", include_str!("templates/verify_email.html")),
    ("password_reset.subject", include_str!("templates/password_reset.subject")),
    ("password_reset.txt", include_str!("templates/password_reset.txt")),
    ("password_reset.html", include_str!("templates/password_reset.html")),
    ("invitation.subject", include_str!("templates/invitation.subject")),
    ("invitation.txt", include_str!("templates/invitation.txt")),
    ("invitation.html", include_str!("templates/invitation.html")),
    ("case_event.subject", include_str!("templates/case_event.subject")),
    ("case_event.txt", include_str!("templates/case_event.txt")),
    ("case_event.html", include_str!("templates/case_event.html")),
];

/// The three parts of a rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Renders messages; knows the base URL for links and the sender's domain for Message-IDs.
pub struct Mailer {
    env: Environment<'static>,
    base_url: String,
    message_id_domain: String,
}

impl Mailer {
    pub fn new(base_url: &str, from: &str) -> Result<Self, String> {
        let mut env = Environment::new();
        super::format::register(&mut env);
        for (name, source) in TEMPLATES {
            env.add_template(name, source).map_err(|e| format!("template {name}: {e}"))?;
        }
        let domain = from
            .rsplit_once('@')
            .map(|(_, d)| d.trim_end_matches('>').trim().to_string())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "sandbox.localhost".into());
        Ok(Mailer { env, base_url: base_url.trim_end_matches('/').to_string(), message_id_domain: domain })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A link to a path of the service.
    pub fn link(&self, path_and_query: &str) -> String {
        format!("{}{}", self.base_url, path_and_query)
    }

    /// A stable, unique Message-ID for a new outbox row.
    pub fn new_message_id(&self) -> String {
        format!("<{}@{}>", uuid::Uuid::new_v4(), self.message_id_domain)
    }

    pub fn render(&self, template: &str, mut context: Value) -> Result<Rendered, String> {
        if let Value::Object(map) = &mut context {
            map.entry("base_url").or_insert_with(|| Value::String(self.base_url.clone()));
        }
        let part = |suffix: &str| -> Result<String, String> {
            let name = format!("{template}.{suffix}");
            self.env.get_template(&name).and_then(|t| t.render(&context)).map_err(|e| format!("{name}: {e}"))
        };
        Ok(Rendered {
            subject: part("subject")?.lines().next().unwrap_or_default().trim().to_string(),
            text: part("txt")?,
            html: part("html")?,
        })
    }

    /// Every message template name (for tests that render them all).
    pub fn message_names() -> Vec<&'static str> {
        TEMPLATES.iter().filter_map(|(n, _)| n.strip_suffix(".subject")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_renders_with_escaping() {
        let m = Mailer::new("http://localhost:8080/", "Sandbox <no-reply@example.org>").unwrap();
        for name in Mailer::message_names() {
            let r = m
                .render(
                    name,
                    serde_json::json!({
                        "display_name": "Ana <b>", "role_label": "an innovator", "link": "http://x/?token=abc",
                        "ttl_hours": 48, "ttl_minutes": 30, "reference": "SBX-2026-00001", "headline": "Decided",
                        "title": "Solar", "message": "Because"
                    }),
                )
                .unwrap();
            assert!(!r.subject.is_empty(), "{name}");
            assert!(r.text.contains("http://x/?token=abc"), "{name}");
            assert!(!r.subject.contains('\n'), "{name}");
            assert!(r.html.contains("Ana &lt;b&gt;"), "{name} html escapes");
            assert!(r.text.contains("Ana <b>"), "{name} text is not escaped");
        }
        assert!(m.new_message_id().ends_with("@example.org>"));
    }

    #[test]
    fn case_events_show_their_optional_sections_in_both_parts() {
        let m = Mailer::new("http://localhost:8080", "no-reply@example.org").unwrap();
        let base = serde_json::json!({
            "display_name": "Ana", "link": "http://x/applications/1", "reference": "SBX-2026-00001",
            "headline": "Approved", "title": "Solar", "message": "Because",
        });
        let plain = m.render("case_event", base.clone()).unwrap();
        for absent in ["What happens next", "The trial runs", "Community-benefit conditions", "Review milestones"] {
            assert!(!plain.text.contains(absent) && !plain.html.contains(absent), "{absent}");
        }
        let mut context = base;
        let extra = serde_json::json!({
            "next_steps": ["An inspector will screen it."],
            "trial_start": "2026-12-02", "trial_end": "2027-12-02",
            "conditions": [{"description": "Fund <1>", "metric": "Paid", "target": "5,000 GBP", "due_on": "2027-06-01"}],
            "milestones": [{"title": "Interim report", "due_on": "2027-03-02"}],
        });
        context.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let r = m.render("case_event", context).unwrap();
        println!("{}", r.text);
        for part in [&r.text, &r.html] {
            for expected in [
                "What happens next",
                "An inspector will screen it.",
                "2 December 2026",
                "2 December 2027",
                "5,000 GBP, due by 1 June 2027",
                "Interim report: due 2 March 2027",
            ] {
                assert!(part.contains(expected), "{expected} in {part}");
            }
        }
        assert!(r.text.contains("- Fund <1> (Paid): 5,000 GBP"), "{}", r.text);
        assert!(r.html.contains("<li>Fund &lt;1&gt; (Paid)"), "{}", r.html);
    }
}
