//! Forms with files (`multipart/form-data`): the text fields and the files of a page's form,
//! read once its token and origin are checked, so that a handler can build the API's raw input.

use actix_multipart::Multipart;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::StreamExt;

use super::session::{Visitor, CSRF_FIELD};
use crate::app::input::files::RawFile;
use crate::app::input::Field;
use crate::app::AppContext;
use crate::error::AppError;
use crate::http::upload::{read_part, FormBudget};

const TEXT_LIMIT: usize = 64 * 1024;
/// Files a page form may carry at most (the answer form's five and then some).
const MAX_FILES: usize = 6;

/// A posted form with files.
#[derive(Debug, Default)]
pub struct Upload {
    pub fields: Vec<(String, String)>,
    /// Each file part with a file in it, by field name. A file box left empty sends a part with
    /// no name and no bytes; it is not a file.
    pub files: Vec<(String, RawFile)>,
}

impl Upload {
    pub fn get(&self, name: &str) -> &str {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    pub fn files(&self, name: &str) -> Vec<RawFile> {
        self.files.iter().filter(|(k, _)| k == name).map(|(_, f)| f.clone()).collect()
    }

    /// Reads the form and refuses it (`403`) unless its token is the visitor's and it came
    /// from this service. A file larger than the limit is kept as the reason it is refused.
    pub async fn read(req: &HttpRequest, payload: web::Payload, visitor: &Visitor) -> Result<Upload, AppError> {
        let ctx = req.app_data::<web::Data<AppContext>>().ok_or_else(|| AppError::internal("no context"))?;
        let max = ctx.settings.uploads.max_file_bytes;
        let mut multipart = Multipart::from_request(req, &mut payload.into_inner())
            .await
            .map_err(|_| AppError::BadRequest("the form could not be read".into()))?;
        let mut upload = Upload::default();
        let mut budget =
            FormBudget::new(&ctx.settings.uploads, max.saturating_mul(MAX_FILES).saturating_add(TEXT_LIMIT * 8));
        while let Some(part) = multipart.next().await {
            let mut part = part.map_err(|_| AppError::BadRequest("the form could not be read".into()))?;
            budget.part()?;
            let name = part.name().unwrap_or("").to_string();
            let file_name = part.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_string);
            let keep = if file_name.is_some() { max } else { TEXT_LIMIT };
            let (data, whole) = read_part(&mut part, keep, &mut budget).await?;
            match file_name {
                Some(f) if f.is_empty() && data.is_empty() => {}
                Some(f) => {
                    let content = if whole {
                        Field::Value(data)
                    } else {
                        Field::Invalid(format!("is larger than the limit of {} MB", max / (1024 * 1024)))
                    };
                    if upload.files.len() < MAX_FILES {
                        upload.files.push((name, RawFile { file_name: Some(f), content }));
                    }
                }
                None => {
                    let text = String::from_utf8(data)
                        .map_err(|_| AppError::BadRequest("the form could not be read".into()))?;
                    upload.fields.push((name, text));
                }
            }
        }
        let token = upload.get(CSRF_FIELD).to_string();
        visitor.check_form(req, &token)?;
        Ok(upload)
    }
}
