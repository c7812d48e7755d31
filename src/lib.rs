//! Sandbox: case management for planning regulatory sandboxes.
//!
//! Layers (see docs/ARCHITECTURE.md): `domain` (pure rules) ← `app` (use-cases, transactions)
//! ← `http` / `web` (JSON API and pages); `db`, `email` and `auth` are the adapters.

pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod email;
pub mod error;
pub mod http;
pub mod jobs;
pub mod startup;
pub mod telemetry;
pub mod web;
