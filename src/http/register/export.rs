//! The register as CSV (`GET /register.csv`): its columns and the streamed export.

use actix_web::get;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;

use super::{parse_filter, RegisterEntryResponse, RegisterParams};
use crate::app::register;
use crate::app::AppContext;
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};

/// The columns of `register.csv`, in order; documented in docs/OPEN_DATA.md.
pub const CSV_COLUMNS: [&str; 16] = [
    "reference",
    "title",
    "status",
    "decision",
    "decided_on",
    "intervention",
    "organisation",
    "applicant_kind",
    "zone",
    "planning_authority_code",
    "planning_authority",
    "postcode_district",
    "trial_start_date",
    "trial_end_date",
    "estimated_annual_co2e_tonnes",
    "community_ownership_pct",
];

/// Entries per chunk of the CSV export.
const CSV_CHUNK: i64 = 500;

fn csv_rows(entries: Vec<crate::app::register::Entry>, header: bool) -> Result<Vec<u8>, AppError> {
    let mut writer = ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(Vec::new());
    if header {
        writer.write_record(CSV_COLUMNS).map_err(AppError::internal)?;
    }
    for entry in entries {
        let r = RegisterEntryResponse::from(entry);
        let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        let date = |v: Option<NaiveDate>| v.map(|x| x.to_string()).unwrap_or_default();
        writer
            .write_record([
                r.reference,
                r.title,
                r.status.as_str().to_string(),
                r.decision.map(|d| d.as_str().to_string()).unwrap_or_default(),
                date(r.decided_on),
                r.intervention.map(|i| i.as_str().to_string()).unwrap_or_default(),
                r.organisation.unwrap_or_default(),
                r.applicant_kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
                r.zone.unwrap_or_default(),
                r.planning_authority.as_ref().map(|a| a.code.clone()).unwrap_or_default(),
                r.planning_authority.map(|a| a.name).unwrap_or_default(),
                r.postcode_district.unwrap_or_default(),
                date(r.trial_start_date),
                date(r.trial_end_date),
                num(r.estimated_annual_co2e_tonnes),
                num(r.community_ownership_pct),
            ])
            .map_err(AppError::internal)?;
    }
    writer.into_inner().map_err(AppError::internal)
}

/// The register as CSV (RFC 4180, UTF-8), one row per entry in the order cases were created,
/// filtered like the list. The body is streamed in chunks of `CSV_CHUNK` entries, each read by
/// keyset from an index, so that memory and the cost per row stay flat however large the
/// register grows (at the price of an ETag, which would need the whole body first).
#[utoipa::path(tag = "register", params(RegisterParams),
    responses((status = 200, description = "CSV", content_type = "text/csv")))]
#[get("/register.csv")]
pub async fn csv(ctx: web::Data<AppContext>, params: web::Query<RegisterParams>) -> AppResult<HttpResponse> {
    let p = params.into_inner();
    let mut e = FieldErrors::new();
    let filter = parse_filter(&p, &mut e);
    e.into_result()?;
    use futures_util::StreamExt;
    // The first chunk is read before answering, so that a failure is still a problem response.
    let first = register::entries_after(&ctx, filter.clone(), 0, CSV_CHUNK).await?;
    let after = first.last().map(|e| e.app.id);
    let head = csv_rows(first, true)?;
    struct Rest {
        ctx: web::Data<AppContext>,
        filter: crate::db::register::RegisterFilter,
        after: Option<i64>,
    }
    let rest = futures_util::stream::unfold(Rest { ctx, filter, after }, |mut st| async move {
        let after = st.after?;
        match register::entries_after(&st.ctx, st.filter.clone(), after, CSV_CHUNK).await {
            Ok(entries) => {
                st.after = entries.last().map(|e| e.app.id);
                match csv_rows(entries, false) {
                    Ok(bytes) if !bytes.is_empty() => Some((Ok(web::Bytes::from(bytes)), st)),
                    Ok(_) => None,
                    Err(e) => Some((Err(actix_web::error::ErrorInternalServerError(e)), Rest { after: None, ..st })),
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "register.csv: a chunk failed; the export is cut short");
                Some((Err(actix_web::error::ErrorInternalServerError("export failed")), Rest { after: None, ..st }))
            }
        }
    });
    let body = futures_util::stream::once(async move { Ok::<_, actix_web::Error>(web::Bytes::from(head)) }).chain(rest);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8; header=present")
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"register.csv\""))
        .streaming(body))
}
