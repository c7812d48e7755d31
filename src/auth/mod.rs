//! Credentials: password hashing, JWT access tokens, and opaque random tokens (refresh,
//! email verification, password reset) stored only as hashes.

pub mod jwt;
pub mod password;
pub mod tokens;
