//! Files of information requests published with the decision notice: the assigned inspector
//! publishes one (or withdraws it), and anyone may then download it from the register while the
//! case is on it. Every other file stays with the case's full record.

use serde_json::json;

use super::tx::{self, Tx};
use super::AppContext;
use crate::db::models::{Application, InformationRequestAttachment};
use crate::db::{information, register};
use crate::domain::policy::{Actor, CaseRequest};
use crate::error::{AppError, AppResult};

pub const NO_SUCH_DOCUMENT: &str = "no such document";

/// The file and its case, held for `request`.
fn held(tx: &mut Tx<'_>, id: i64, request: CaseRequest) -> AppResult<(InformationRequestAttachment, Application)> {
    let (_, case_id) =
        information::find_attachment(tx.c, id)?.ok_or_else(|| AppError::NotFound(NO_SUCH_DOCUMENT.into()))?;
    let app = tx.case_as(case_id, request, NO_SUCH_DOCUMENT)?;
    let (file, _) =
        information::find_attachment(tx.c, id)?.ok_or_else(|| AppError::NotFound(NO_SUCH_DOCUMENT.into()))?;
    Ok((file, app))
}

/// Publishes a file with the decision notice (`public`) or withdraws it. Setting what is already
/// set changes nothing and records nothing.
pub async fn set_public(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    public: bool,
) -> AppResult<InformationRequestAttachment> {
    tx::write(ctx, actor, move |tx| {
        let (file, app) = held(tx, id, CaseRequest::PublishDocument)?;
        if information::set_public(tx.c, file.id, public)? {
            let action = if public { "document.published" } else { "document.withdrawn" };
            let details = json!({ "attachment_id": file.id, "file_name": file.file_name });
            tx.record(&app, action, None, None, details, true)?;
        }
        Ok(InformationRequestAttachment { public, ..file })
    })
    .await
}

/// A published file of a case on the register, by the case's reference (or id), with its bytes.
/// A file that is not published, or not of this case, is not found.
pub async fn public_document(
    ctx: &AppContext,
    reference: String,
    id: i64,
) -> AppResult<(InformationRequestAttachment, Vec<u8>)> {
    ctx.db
        .run(move |c| {
            let not_found = || AppError::NotFound(NO_SUCH_DOCUMENT.into());
            let app = register::find(c, &reference)?.ok_or_else(not_found)?;
            let (file, case_id) = information::find_attachment(c, id)?.ok_or_else(not_found)?;
            if case_id != app.id || !file.public {
                return Err(not_found());
            }
            let bytes = information::attachment_bytes(c, id)?.ok_or_else(not_found)?;
            Ok((file, bytes))
        })
        .await
}
