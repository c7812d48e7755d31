//! Zones and the provisions (derogation) catalogue.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::models::{Provision, Zone};
use super::schema::{provisions, zone_provisions, zones};
use super::DbConn;

pub fn list_provisions(conn: &mut DbConn, include_retired: bool) -> QueryResult<Vec<Provision>> {
    let mut q = provisions::table.select(Provision::as_select()).order(provisions::code.asc()).into_boxed();
    if !include_retired {
        q = q.filter(provisions::retired_at.is_null());
    }
    q.load(conn)
}

pub fn find_provision(conn: &mut DbConn, code: &str) -> QueryResult<Option<Provision>> {
    provisions::table.filter(provisions::code.eq(code)).select(Provision::as_select()).first(conn).optional()
}

pub fn provisions_by_codes(conn: &mut DbConn, codes: &[String]) -> QueryResult<Vec<Provision>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    provisions::table.filter(provisions::code.eq_any(codes)).select(Provision::as_select()).load(conn)
}

pub fn provisions_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Provision>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    provisions::table.filter(provisions::id.eq_any(ids)).select(Provision::as_select()).load(conn)
}

/// The fields of a provision an admin sets.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = provisions)]
pub struct ProvisionFields {
    pub title: String,
    pub legal_reference: String,
    pub summary: String,
    pub max_trial_months: i32,
}

pub fn insert_provision(
    conn: &mut DbConn,
    code: &str,
    f: &ProvisionFields,
    now: NaiveDateTime,
) -> QueryResult<Provision> {
    diesel::insert_into(provisions::table)
        .values((
            provisions::code.eq(code),
            f,
            provisions::version.eq(1i64),
            provisions::created_at.eq(now),
            provisions::updated_at.eq(now),
        ))
        .get_result::<Provision>(conn)
}

/// Updates a provision if it still has `version`. Returns false when it has changed since.
pub fn update_provision(
    conn: &mut DbConn,
    id: i64,
    version: i64,
    f: &ProvisionFields,
    retired_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(provisions::table.find(id).filter(provisions::version.eq(version)))
        .set((
            f,
            provisions::retired_at.eq(retired_at),
            provisions::version.eq(version + 1),
            provisions::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn list_zones(conn: &mut DbConn, offset: i64, limit: i64) -> QueryResult<Vec<Zone>> {
    zones::table.select(Zone::as_select()).order(zones::id.asc()).offset(offset).limit(limit).load(conn)
}

pub fn count_zones(conn: &mut DbConn, cap: i64) -> QueryResult<i64> {
    super::paging::count_capped(conn, zones::table.select(zones::id), cap)
}

pub fn find_zone(conn: &mut DbConn, id: i64) -> QueryResult<Option<Zone>> {
    zones::table.find(id).select(Zone::as_select()).first(conn).optional()
}

/// The codes of the provisions allowed in each of `zone_ids`.
pub fn allowed_codes(conn: &mut DbConn, zone_ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    if zone_ids.is_empty() {
        return Ok(Vec::new());
    }
    zone_provisions::table
        .inner_join(provisions::table)
        .filter(zone_provisions::zone_id.eq_any(zone_ids))
        .select((zone_provisions::zone_id, provisions::code))
        .order((zone_provisions::zone_id.asc(), provisions::code.asc()))
        .load(conn)
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = zones, treat_none_as_null = true)]
pub struct ZoneFields {
    pub name: String,
    pub lpa_code: String,
    pub lpa_name: String,
    pub climate_emergency_declared_on: Option<NaiveDate>,
    pub is_open: bool,
    pub window_opens_on: Option<NaiveDate>,
    pub window_closes_on: Option<NaiveDate>,
    pub min_community_ownership_pct: f64,
}

pub fn insert_zone(conn: &mut DbConn, f: &ZoneFields, now: NaiveDateTime) -> QueryResult<Zone> {
    diesel::insert_into(zones::table)
        .values((f, zones::version.eq(1i64), zones::created_at.eq(now), zones::updated_at.eq(now)))
        .get_result::<Zone>(conn)
}

pub fn update_zone(conn: &mut DbConn, id: i64, version: i64, f: &ZoneFields, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(zones::table.find(id).filter(zones::version.eq(version)))
        .set((f, zones::version.eq(version + 1), zones::updated_at.eq(now)))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn set_zone_provisions(conn: &mut DbConn, zone_id: i64, provision_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(zone_provisions::table.filter(zone_provisions::zone_id.eq(zone_id))).execute(conn)?;
    for pid in provision_ids {
        diesel::insert_into(zone_provisions::table)
            .values((zone_provisions::zone_id.eq(zone_id), zone_provisions::provision_id.eq(pid)))
            .execute(conn)?;
    }
    Ok(())
}

/// Zones' names by id, in one query.
pub fn zone_names(conn: &mut DbConn, ids: &[i64]) -> QueryResult<std::collections::BTreeMap<i64, String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(zones::table
        .filter(zones::id.eq_any(ids))
        .select((zones::id, zones::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}
