//! Files of information requests, sent by the inspector with the question or by the applicant
//! with the answer: stored with the request, listed without their bytes, read one at a time.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::InformationRequestAttachment;
use super::schema::{information_request_attachments as attachments, information_requests};
use super::DbConn;
use crate::domain::decision::AttachmentSide;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = attachments)]
pub struct NewAttachment<'a> {
    pub information_request_id: i64,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub bytes: &'a [u8],
    pub created_at: NaiveDateTime,
    pub sent_with: AttachmentSide,
}

pub fn insert_attachment(c: &mut DbConn, new: &NewAttachment<'_>) -> QueryResult<InformationRequestAttachment> {
    diesel::insert_into(attachments::table)
        .values(new)
        .returning((
            attachments::id,
            attachments::information_request_id,
            attachments::file_name,
            attachments::content_type,
            attachments::size_bytes,
            attachments::sha256,
            attachments::created_at,
            attachments::sent_with,
            attachments::public,
        ))
        .get_result(c)
}

/// Every attachment of a case's information requests, in the order they were sent.
pub fn attachments_of_case(c: &mut DbConn, application_id: i64) -> QueryResult<Vec<InformationRequestAttachment>> {
    attachments::table
        .inner_join(information_requests::table)
        .filter(information_requests::application_id.eq(application_id))
        .order(attachments::id.asc())
        .select(InformationRequestAttachment::as_select())
        .load(c)
}

/// An attachment with the id of its case.
pub fn find_attachment(c: &mut DbConn, id: i64) -> QueryResult<Option<(InformationRequestAttachment, i64)>> {
    attachments::table
        .inner_join(information_requests::table)
        .filter(attachments::id.eq(id))
        .select((InformationRequestAttachment::as_select(), information_requests::application_id))
        .first(c)
        .optional()
}

pub fn attachment_bytes(c: &mut DbConn, id: i64) -> QueryResult<Option<Vec<u8>>> {
    attachments::table.find(id).select(attachments::bytes).first(c).optional()
}

/// Publishes a file with the decision notice or withdraws it; whether a row changed.
pub fn set_public(c: &mut DbConn, id: i64, public: bool) -> QueryResult<bool> {
    diesel::update(attachments::table.find(id).filter(attachments::public.ne(public)))
        .set(attachments::public.eq(public))
        .execute(c)
        .map(|n| n == 1)
}
