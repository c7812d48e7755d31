//! Pure rules: values parsed from input, the permission policy, and (in later modules) the case
//! state machine and deadline arithmetic. Nothing here does I/O or knows about HTTP or SQL.

pub mod account;
pub mod application;
pub mod calendar;
pub mod case;
pub mod clock;
pub mod community;
pub mod decision;
pub mod monitoring;
pub mod policy;
pub mod redaction;
pub mod text_patterns;
pub mod validation;

pub use validation::{FieldError, FieldErrors};
