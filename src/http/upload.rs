//! Multipart forms with files: evidence (`body`, `reported_value`, `file`), an information
//! request (`question`, `due_on`, `attachments`) and its answer (`answer`, `attachments`), each
//! file read up to a limit; and stored files as downloads. A file's type and safe name come from `app::input::files`.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::HttpResponse;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::app::conditions::EvidenceFile;
use crate::app::input::decision::{AnswerBody, InformationRequestBody, MAX_ATTACHMENTS};
use crate::app::input::files::{RawFile, ACCEPTED_TYPES};
use crate::app::input::Field;
use crate::config::UploadSettings;
use crate::error::AppError;

pub use crate::app::input::files::{detect, sanitize_filename};

/// The parts of an evidence form.
#[derive(Debug, Default)]
pub struct EvidenceForm {
    pub body: Option<String>,
    pub reported_value: Option<String>,
    pub file: Option<EvidenceFile>,
}

pub const TEXT_LIMIT: usize = 64 * 1024;

/// What is left of one form's allowance: bytes (`uploads.max_request_bytes`, or less where the
/// form's own files and fields need less) and parts (`uploads.max_parts`). Running out of either is
/// a `413`, at once, so that nothing more is read.
pub struct FormBudget {
    bytes: usize,
    parts: usize,
}

impl FormBudget {
    /// At most `bytes` (and never more than the settings allow) in at most the configured parts.
    pub fn new(limits: &UploadSettings, bytes: usize) -> Self {
        FormBudget { bytes: bytes.min(limits.max_request_bytes), parts: limits.max_parts }
    }

    /// Counts the next part.
    pub fn part(&mut self) -> Result<(), AppError> {
        self.parts = self
            .parts
            .checked_sub(1)
            .ok_or_else(|| AppError::PayloadTooLarge("the form has more parts than it may have".into()))?;
        Ok(())
    }

    fn spend(&mut self, n: usize) -> Result<(), AppError> {
        self.bytes = self
            .bytes
            .checked_sub(n)
            .ok_or_else(|| AppError::PayloadTooLarge("the form is larger than it may be in all".into()))?;
        Ok(())
    }
}

/// Reads `body`, `reported_value` and `file`; stops reading (413) as soon as the file passes
/// `uploads.max_file_bytes`, or the form its allowance.
pub async fn read_form(mut multipart: Multipart, limits: &UploadSettings) -> Result<EvidenceForm, AppError> {
    let max = limits.max_file_bytes;
    let mut budget = FormBudget::new(limits, max.saturating_add(TEXT_LIMIT * 2));
    let mut form = EvidenceForm::default();
    while let Some(field) = multipart.next().await {
        let mut field =
            field.map_err(|e| AppError::BadRequest(format!("the multipart body could not be read: {e}")))?;
        budget.part()?;
        let name = field.name().unwrap_or("").to_string();
        let filename = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_string);
        let limit = if name == "file" { max } else { TEXT_LIMIT };
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| AppError::BadRequest(format!("the upload could not be read: {e}")))?;
            budget.spend(chunk.len())?;
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
                let content_type = detect(&data)
                    .ok_or_else(|| AppError::UnsupportedMediaType(format!("the file must be {ACCEPTED_TYPES}")))?;
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

/// The text fields and the files of a form with `attachments`: each text field named in `texts`
/// (anything else is a `422` naming it), and files in `attachments` (or `attachments[]`). A file's
/// bytes are kept up to `max`; a larger file is read to its end and recorded as too large, so that
/// the parse names it with every other bad field. Files after the first [`MAX_ATTACHMENTS`] are
/// read but not kept. A body that goes on past room for all of them, or past the form's allowance
/// ([`FormBudget`]), is a `413`.
async fn read_with_attachments(
    mut multipart: Multipart,
    limits: &UploadSettings,
    texts: &[&str],
) -> Result<(Vec<(String, Field<String>)>, Vec<RawFile>), AppError> {
    let max = limits.max_file_bytes;
    let (mut fields, mut files) = (Vec::new(), Vec::new());
    let mut budget = FormBudget::new(
        limits,
        max.saturating_mul(MAX_ATTACHMENTS + 1).saturating_add(TEXT_LIMIT * texts.len().max(1)),
    );
    while let Some(field) = multipart.next().await {
        let mut field =
            field.map_err(|e| AppError::BadRequest(format!("the multipart body could not be read: {e}")))?;
        budget.part()?;
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "attachments" | "attachments[]" => {
                let file_name = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_string);
                let kept = files.len() < MAX_ATTACHMENTS;
                let (data, whole) = read_part(&mut field, if kept { max } else { 0 }, &mut budget).await?;
                let content = match (kept, whole) {
                    (false, _) => Field::Missing,
                    (true, true) => Field::Value(data),
                    (true, false) => Field::Invalid(format!("is larger than the limit of {max} bytes")),
                };
                files.push(RawFile { file_name, content });
            }
            text if texts.contains(&text) => {
                let (data, whole) = read_part(&mut field, TEXT_LIMIT, &mut budget).await?;
                let value = match (whole, String::from_utf8(data)) {
                    (false, _) => Field::Invalid(format!("is longer than {TEXT_LIMIT} bytes")),
                    (true, Ok(text)) => Field::Value(text),
                    (true, Err(_)) => Field::Invalid("must be text".into()),
                };
                fields.push((name, value));
            }
            other => return Err(AppError::validation(other, "is not a field of this form")),
        }
    }
    Ok((fields, files))
}

fn take(fields: &mut Vec<(String, Field<String>)>, name: &str) -> Field<String> {
    match fields.iter().position(|(n, _)| n == name) {
        Some(i) => fields.remove(i).1,
        None => Field::Missing,
    }
}

/// Reads an answer's form into its raw struct: the text field `answer`, and files in
/// `attachments` (see [`read_with_attachments`]).
pub async fn read_answer_form(multipart: Multipart, limits: &UploadSettings) -> Result<AnswerBody, AppError> {
    let (mut fields, attachments) = read_with_attachments(multipart, limits, &["answer"]).await?;
    Ok(AnswerBody { answer: take(&mut fields, "answer"), attachments })
}

/// Reads an information request's form into its raw struct: the text fields `question` and
/// `due_on` (`YYYY-MM-DD`, read as JSON would read it; empty is the default), and files in
/// `attachments` (see [`read_with_attachments`]).
pub async fn read_request_form(
    multipart: Multipart,
    limits: &UploadSettings,
) -> Result<InformationRequestBody, AppError> {
    let (mut fields, attachments) = read_with_attachments(multipart, limits, &["question", "due_on"]).await?;
    let due_on = match take(&mut fields, "due_on") {
        Field::Value(text) if text.trim().is_empty() => Field::Null,
        Field::Value(text) => serde_json::from_value(serde_json::Value::String(text.trim().to_string()))
            .unwrap_or_else(|_| Field::Invalid("must be a date, like 2027-03-27".into())),
        Field::Invalid(m) => Field::Invalid(m),
        Field::Missing | Field::Null => Field::Missing,
    };
    Ok(InformationRequestBody { question: take(&mut fields, "question"), due_on, attachments })
}

/// Reads one part to its end, keeping at most `keep` bytes; says whether it was kept whole. Every
/// byte read counts against `budget` (`413` when it runs out).
pub async fn read_part(
    field: &mut actix_multipart::Field,
    keep: usize,
    budget: &mut FormBudget,
) -> Result<(Vec<u8>, bool), AppError> {
    let mut data = Vec::new();
    let mut whole = true;
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("the upload could not be read: {e}")))?;
        budget.spend(chunk.len())?;
        if whole && data.len() + chunk.len() <= keep {
            data.extend_from_slice(&chunk);
        } else {
            whole = false;
            data = Vec::new();
        }
    }
    Ok((data, whole))
}

/// A stored file as a download: its type, its name in `Content-Disposition` (ASCII and UTF-8),
/// never cached.
pub fn download(name: &str, content_type: &str, data: Vec<u8>) -> HttpResponse {
    let ascii: String = name.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    let ascii = ascii.replace(['"', '\\'], "_");
    let encoded = url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20");
    HttpResponse::Ok()
        .content_type(content_type.to_string())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(data)
}
