//! The HTTP side of `wand start`: a JSON API under `/api/v1` (documented at `/api/v1/openapi.json`), Mage's
//! API-trigger URL, and the front page. Handlers extract, call one function, and return a DTO or an `ApiError`.
//!
//! Build the router with `app(state)`; tests call it without a port.

mod audit;
mod auth;
mod dto;
mod error;
mod guard;
mod json_errors;
mod listen;
mod masking;
mod metrics;
mod policy;
mod routes;
mod state;
mod tls;

pub use auth::{
    Auth, AuthSettings, MIN_PASSWORD_CHARS, SESSION_COOKIE, SignIn, UserRequest, add_user,
    password_problem,
};
pub use error::ApiError;
pub use guard::TrustedOrigins;
pub use listen::{Limits, serve};
pub use metrics::install_metrics;
pub use routes::app;
pub use state::AppState;
pub use tls::Tls;
