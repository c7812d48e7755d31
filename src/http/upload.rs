//! Evidence files: reading a multipart body up to a limit, recognising the file's type from its
//! content (not its name), and making its name safe to store and echo.

use actix_multipart::Multipart;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::app::conditions::EvidenceFile;
use crate::error::AppError;

/// The parts of an evidence form.
#[derive(Debug, Default)]
pub struct EvidenceForm {
    pub body: Option<String>,
    pub reported_value: Option<String>,
    pub file: Option<EvidenceFile>,
}

const TEXT_LIMIT: usize = 64 * 1024;

/// Reads `body`, `reported_value` and `file`; stops reading (413) as soon as the file passes `max`.
pub async fn read_form(mut multipart: Multipart, max: usize) -> Result<EvidenceForm, AppError> {
    let mut form = EvidenceForm::default();
    while let Some(field) = multipart.next().await {
        let mut field =
            field.map_err(|e| AppError::BadRequest(format!("the multipart body could not be read: {e}")))?;
        let name = field.name().unwrap_or("").to_string();
        let filename = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_string);
        let limit = if name == "file" { max } else { TEXT_LIMIT };
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| AppError::BadRequest(format!("the upload could not be read: {e}")))?;
            if data.len() + chunk.len() > limit {
                return Err(AppError::PayloadTooLarge(format!("{name} is larger than the limit of {limit} bytes")));
            }
            data.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "body" => {
                form.body = Some(String::from_utf8(data).map_err(|_| AppError::validation("body", "must be text"))?)
            }
            "reported_value" => {
                form.reported_value = Some(
                    String::from_utf8(data).map_err(|_| AppError::validation("reported_value", "must be a number"))?,
                )
            }
            "file" => {
                if data.is_empty() {
                    return Err(AppError::validation("file", "is empty"));
                }
                let content_type = detect(&data).ok_or_else(|| {
                    AppError::UnsupportedMediaType(
                        "the file must be a PDF, PNG, JPEG, CSV, plain text or office document".into(),
                    )
                })?;
                let sha256 = hex::encode(Sha256::digest(&data));
                form.file = Some(EvidenceFile {
                    name: sanitize_filename(filename.as_deref().unwrap_or("evidence")),
                    content_type: content_type.to_string(),
                    data,
                    sha256,
                });
            }
            other => return Err(AppError::validation(other, "is not a field of this form")),
        }
    }
    Ok(form)
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
/// markup, at most 150 characters.
pub fn sanitize_filename(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '<' | '>' | '"' | '\'' | '&' | '`' | ';' | ':' | '*' | '?' | '|'))
        .collect();
    let cleaned = cleaned.replace("..", ".");
    let cleaned = cleaned.trim().trim_matches('.').trim();
    let mut out: String = cleaned.chars().take(150).collect();
    if out.is_empty() {
        out = "evidence".into();
    }
    out
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
}
