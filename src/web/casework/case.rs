//! (to be written)

use actix_web::web;

pub const TEMPLATES: &[(&str, &str)] = &[];

pub fn routes(_cfg: &mut web::ServiceConfig) {}
