//! Files as sent in a form, and their parse: the type is recognised from the content (not the
//! name), the name is made safe to store and echo, and the SHA-256 is taken. A form reader keeps a
//! file's bytes only up to the size limit; a file it could not keep arrives here as
//! [`Field::Invalid`] and is named with the other bad fields.

use sha2::{Digest, Sha256};

use super::Field;
use crate::domain::FieldErrors;

/// The types accepted, as people read them.
pub const ACCEPTED_TYPES: &str = "a PDF, PNG, JPEG, CSV, plain text or office document";

/// A file part of a form as sent: the name the client gave it and its bytes, or why they were
/// not kept (larger than the limit).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawFile {
    pub file_name: Option<String>,
    pub content: Field<Vec<u8>>,
}

/// A file that passed its checks: a safe name, its detected type, its bytes and their SHA-256.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadedFile {
    pub name: String,
    pub content_type: String,
    pub data: Vec<u8>,
    pub sha256: String,
}

impl UploadedFile {
    pub fn size(&self) -> i64 {
        i64::try_from(self.data.len()).unwrap_or(i64::MAX)
    }
}

/// Parses the files of a list field: at most `max` of them (more is an error on `name`), each
/// non-empty, within the limit and of an accepted type (errors on `name[i]`). `fallback` names a
/// file sent without a usable name.
pub fn parse_files(
    files: Vec<RawFile>,
    name: &str,
    max: usize,
    fallback: &str,
    e: &mut FieldErrors,
) -> Vec<UploadedFile> {
    if files.len() > max {
        e.add(name, format!("at most {max} files, not {}", files.len()));
    }
    let mut out = Vec::new();
    for (i, file) in files.into_iter().take(max).enumerate() {
        let field = format!("{name}[{i}]");
        let data = match file.content {
            Field::Value(data) => data,
            Field::Invalid(message) => {
                e.add(field, message);
                continue;
            }
            Field::Missing | Field::Null => {
                e.add(field, "is required");
                continue;
            }
        };
        if data.is_empty() {
            e.add(field, "is empty");
            continue;
        }
        let Some(content_type) = detect(&data) else {
            e.add(field, format!("must be {ACCEPTED_TYPES}"));
            continue;
        };
        out.push(UploadedFile {
            name: safe_file_name(file.file_name.as_deref().unwrap_or(""), fallback),
            content_type: content_type.to_string(),
            sha256: hex::encode(Sha256::digest(&data)),
            data,
        });
    }
    out
}

/// The type of a file from its bytes, if it is one we accept.
pub fn detect(data: &[u8]) -> Option<&'static str> {
    if let Some(kind) = infer::get(data) {
        return match kind.mime_type() {
            m @ ("application/pdf" | "image/png" | "image/jpeg") => Some(m),
            m @ ("application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            | "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            | "application/vnd.oasis.opendocument.text"
            | "application/vnd.oasis.opendocument.spreadsheet"
            | "application/msword"
            | "application/vnd.ms-excel") => Some(m),
            _ => None,
        };
    }
    let text = std::str::from_utf8(data).ok()?;
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return None;
    }
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(20).collect();
    let commas: Vec<usize> = lines.iter().map(|l| l.matches(',').count()).collect();
    let looks_like_csv = lines.len() >= 2 && commas[0] > 0 && commas.iter().all(|c| *c == commas[0]);
    Some(if looks_like_csv { "text/csv" } else { "text/plain" })
}

/// A file name that is safe to store and to echo: no folders, no `..`, no control characters or
/// markup, at most 150 characters; `fallback` when nothing is left.
pub fn safe_file_name(raw: &str, fallback: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '<' | '>' | '"' | '\'' | '&' | '`' | ';' | ':' | '*' | '?' | '|'))
        .collect();
    let cleaned = cleaned.replace("..", ".");
    let cleaned = cleaned.trim().trim_matches('.').trim();
    let mut out: String = cleaned.chars().take(150).collect();
    if out.is_empty() {
        out = fallback.into();
    }
    out
}

/// [`safe_file_name`] for evidence.
pub fn sanitize_filename(raw: &str) -> String {
    safe_file_name(raw, "evidence")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_filename("C:\\Users\\ana\\report.pdf"), "report.pdf");
        assert_eq!(sanitize_filename("<script>alert(1)</script>.pdf"), "script.pdf");
        assert_eq!(sanitize_filename("<b>report</b>.pdf"), "b.pdf");
        assert_eq!(sanitize_filename("a<i>b\"c.pdf"), "aibc.pdf");
        assert_eq!(sanitize_filename("bad\u{0}\u{7}name\n.csv"), "badname.csv");
        assert_eq!(sanitize_filename(".."), "evidence");
        assert_eq!(safe_file_name("", "attachment"), "attachment");
        assert_eq!(sanitize_filename(&"a".repeat(400)).len(), 150);
    }

    #[test]
    fn types_come_from_content() {
        assert_eq!(detect(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), Some("application/pdf"));
        assert_eq!(detect(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]), Some("image/png"));
        assert_eq!(detect(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F']), Some("image/jpeg"));
        assert_eq!(detect(b"date,kwh\n2027-01-01,12\n2027-01-02,13\n"), Some("text/csv"));
        assert_eq!(detect(b"Meter read on Monday."), Some("text/plain"));
        assert_eq!(detect(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"), None, "an executable is refused");
        assert_eq!(detect(&[0u8, 1, 2, 3, 255, 254]), None);
    }

    #[test]
    fn every_bad_file_is_named() {
        let file = |name: &str, content: Field<Vec<u8>>| RawFile { file_name: Some(name.into()), content };
        let files = vec![
            file("a.txt", Field::Value(b"Minutes of the meeting.".to_vec())),
            file("b.pdf", Field::Value(Vec::new())),
            file("c.exe", Field::Value(b"MZ\x90\x00\x03\x00".to_vec())),
            file("d.pdf", Field::Invalid("is larger than the limit of 10 bytes".into())),
        ];
        let mut e = FieldErrors::new();
        let ok = parse_files(files.clone(), "attachments", 5, "attachment", &mut e);
        assert_eq!(ok.len(), 1);
        assert_eq!((ok[0].name.as_str(), ok[0].content_type.as_str()), ("a.txt", "text/plain"));
        let named: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(named, ["attachments[1]", "attachments[2]", "attachments[3]"]);
        let mut e = FieldErrors::new();
        parse_files(files, "attachments", 2, "attachment", &mut e);
        assert_eq!(e.0[0].field, "attachments");
        assert_eq!(e.0.len(), 2, "only the first two are read: {:?}", e.0);
    }
}
