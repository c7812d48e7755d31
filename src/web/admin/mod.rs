//! The admins' pages: users (`/admin/users`), zones (`/admin/zones`), the provision catalogue
//! (`/admin/provisions`) and the email outbox's dead letters (`/admin/outbox`).

use actix_web::web;

pub const TEMPLATES: &[(&str, &str)] = &[];

pub fn routes(_cfg: &mut web::ServiceConfig) {}
