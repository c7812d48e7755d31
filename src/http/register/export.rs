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

/// The columns of `register.csv`, in order, each with what it holds: the header row, the open
/// data page (`/open-data`) and the OpenAPI description are all written from this list.
pub const CSV_COLUMNS: [(&str, &str); 17] = [
    ("reference", "The case reference, `SBX-<year of submission>-<5 digits>`."),
    ("title", "The trial's title, as the applicant wrote it."),
    ("status", "`approved`, `active`, `suspended`, `revoked`, `completed` or `refused`."),
    ("decision", "`approved` or `refused`."),
    ("decided_on", "The date of the decision (`YYYY-MM-DD`)."),
    (
        "intervention",
        "`solar_pv`, `heat_pump`, `ev_charging`, `battery_storage`, `retrofit`, `community_wind`, `heat_network` or `other`.",
    ),
    ("organisation", "The applicant organisation's name (empty for an individual)."),
    (
        "applicant_kind",
        "`community_owned_enterprise`, `community_group`, `sme`, `large_business`, `public_body` or `charity` (empty for an individual).",
    ),
    ("zone", "The name of the sandbox zone."),
    ("planning_authority_code", "The local planning authority's code."),
    ("planning_authority", "The local planning authority's name."),
    ("postcode_district", "The outward part of the site's postcode (for example `LS6`); never the full postcode."),
    ("trial_start_date", "The first day of the trial (`YYYY-MM-DD`; empty for a refusal)."),
    ("trial_end_date", "The last day of the trial (`YYYY-MM-DD`; empty for a refusal)."),
    ("estimated_annual_co2e_tonnes", "The applicant's estimate of the carbon saved a year, in tonnes of CO2e."),
    ("community_ownership_pct", "The share of the project offered to community ownership, in per cent."),
    ("url", "The address of the trial's page (the decision notice) on this service."),
];

/// A free-text cell as a spreadsheet will not run it: one that begins with `=`, `+`, `-`, `@`, a
/// tab or a carriage return (which Excel, LibreOffice and Google Sheets read as a formula) gets a
/// leading apostrophe, as OWASP advises against CSV injection. Only text written by people is
/// touched; numbers and dates are the service's own.
fn inert(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// Entries per chunk of the CSV export.
const CSV_CHUNK: i64 = 500;

/// `base`: the service's address, for the `url` column.
fn csv_rows(entries: Vec<crate::app::register::Entry>, header: bool, base: &str) -> Result<Vec<u8>, AppError> {
    let mut writer = ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(Vec::new());
    if header {
        writer.write_record(CSV_COLUMNS.map(|(name, _)| name)).map_err(AppError::internal)?;
    }
    for entry in entries {
        let r = RegisterEntryResponse::from(entry);
        let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        let date = |v: Option<NaiveDate>| v.map(|x| x.to_string()).unwrap_or_default();
        let url = format!("{base}/register/{}", r.reference);
        writer
            .write_record([
                r.reference,
                inert(r.title),
                r.status.as_str().to_string(),
                r.decision.map(|d| d.as_str().to_string()).unwrap_or_default(),
                date(r.decided_on),
                r.intervention.map(|i| i.as_str().to_string()).unwrap_or_default(),
                inert(r.organisation.unwrap_or_default()),
                r.applicant_kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
                inert(r.zone.unwrap_or_default()),
                r.planning_authority.as_ref().map(|a| a.code.clone()).unwrap_or_default(),
                inert(r.planning_authority.map(|a| a.name).unwrap_or_default()),
                r.postcode_district.unwrap_or_default(),
                date(r.trial_start_date),
                date(r.trial_end_date),
                num(r.estimated_annual_co2e_tonnes),
                num(r.community_ownership_pct),
                url,
            ])
            .map_err(AppError::internal)?;
    }
    writer.into_inner().map_err(AppError::internal)
}

/// The register as CSV: one row per entry, filtered like the list, every entry however many.
///
/// RFC 4180 (comma-separated, fields with commas, quotes or line breaks quoted with `"`, CRLF line
/// ends), UTF-8 without a byte-order mark, with a header row. Rows come in the order the cases were
/// created. Dates are `YYYY-MM-DD`; numbers use a full stop for decimals and no thousands
/// separator; an empty field means not known or not applicable. Published under the Open
/// Government Licence v3.0 (see `/open-data`): copy, adapt and publish it, naming the source.
/// A text field that would begin with `=`, `+`, `-`, `@`, a tab or a carriage return starts with an
/// apostrophe (`'`), so that a spreadsheet shows it rather than running it as a formula.
/// The body is streamed in chunks read by keyset from an index, so that memory and the cost per
/// row stay flat however large the register grows (so there is no ETag; `Cache-Control` allows 60
/// seconds). The columns:
#[utoipa::path(tag = "register", params(RegisterParams),
    responses((status = 200, description = "CSV", content_type = "text/csv")))]
#[get("/register.csv")]
pub async fn csv(ctx: web::Data<AppContext>, params: web::Query<RegisterParams>) -> AppResult<HttpResponse> {
    let p = params.into_inner();
    let mut e = FieldErrors::new();
    let filter = parse_filter(&p, &mut e);
    super::check_unused(&p, &ctx, &mut e);
    e.into_result()?;
    use futures_util::StreamExt;
    // The first chunk is read before answering, so that a failure is still a problem response.
    let first = register::entries_after(&ctx, filter.clone(), 0, CSV_CHUNK).await?;
    let after = first.last().map(|e| e.app.id);
    let base = ctx.mailer.base_url().trim_end_matches('/').to_string();
    let head = csv_rows(first, true, &base)?;
    struct Rest {
        base: String,
        ctx: web::Data<AppContext>,
        filter: crate::db::register::RegisterFilter,
        after: Option<i64>,
    }
    let rest = futures_util::stream::unfold(Rest { base, ctx, filter, after }, |mut st| async move {
        let after = st.after?;
        match register::entries_after(&st.ctx, st.filter.clone(), after, CSV_CHUNK).await {
            Ok(entries) => {
                st.after = entries.last().map(|e| e.app.id);
                match csv_rows(entries, false, &st.base) {
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

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn text_a_spreadsheet_would_run_as_a_formula_is_made_inert() {
        for bad in ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(inert(bad.to_string()), format!("'{bad}"));
        }
        for fine in ["Solar trial", "", "A = B", "'quoted", "1-2"] {
            assert_eq!(inert(fine.to_string()), fine);
        }
    }
}
