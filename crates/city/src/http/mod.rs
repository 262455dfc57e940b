//! The HTTP API: one router over one shared [`ApiContext`].

mod admin;
mod app_updates;
mod auth;
mod availability_cache;
mod bookings;
mod caller;
mod clinic_reports;
mod common_responses;
mod error;
mod extract;
mod health;
mod information;
mod links;
mod openapi;
mod pages;
mod refusals;
mod residents;
mod slots;
mod sync;
mod venues;
mod waiting_room;
mod waitlist;
mod web_reads;

pub use app_updates::AppUpdates;
pub(crate) use auth::{rate_limit, ticket_rests};
pub use pages::WebPages;
pub(crate) use web_reads::WebReads;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_SECURITY_POLICY, X_CONTENT_TYPE_OPTIONS};
use axum::middleware::map_response;
use chrono::TimeDelta;
use sqlx::PgPool;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// Requests are small JSON documents; anything bigger is a mistake or an attack.
const MAX_REQUEST_BODY_BYTES: usize = 64 * 1024;

/// What every handler may use.
#[derive(Clone)]
pub(crate) struct ApiContext {
    pub db: PgPool,
    pub config: Arc<Config>,
    /// The web's availability reads of the last second.
    pub availability: Arc<availability_cache::AvailabilityCache>,
    /// Where those reads go: the replica when there is one.
    pub web_reads: web_reads::WebReads,
    /// Opening day's line in front of the web's bookings, when the server keeps one.
    pub waiting_room: Option<Arc<crate::waiting_room::WaitingRoom>>,
}

pub(crate) struct Config {
    /// How long a login lasts: a clinic's working day.
    pub session_lifetime: TimeDelta,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            session_lifetime: TimeDelta::hours(12),
        }
    }
}

/// Every route of the API with its OpenAPI operation: the router and the document are made from
/// the same list, so neither can have a path the other lacks.
fn routes() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(auth::router())
        .merge(slots::router())
        .merge(clinic_reports::router())
        .merge(residents::router())
        .merge(bookings::router())
        .merge(admin::router())
        .merge(sync::router())
        .merge(information::router())
        .merge(venues::router())
        .merge(waiting_room::router())
        .merge(waitlist::router())
        .merge(health::router())
        .merge(openapi::router())
}

pub(crate) fn router(
    ctx: ApiContext,
    pages: Option<&WebPages>,
    app_updates: Option<&AppUpdates>,
) -> Router {
    let (mut routes, _) = routes().split_for_parts();
    routes = routes.merge(app_updates::router(app_updates));
    if let Some(pages) = pages {
        routes = routes.merge(pages.router());
    }
    routes
        // Innermost first: the limit's 413 passes through the problem mapper, and the trace
        // sees the final response.
        // Every body extractor obeys this; a route that takes big uploads (the valid-ticket CSV
        // import) sets its own, which replaces it for that route only.
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BODY_BYTES))
        .layer(map_response(error::problem_for_bare_errors))
        // Whatever an answer echoes of its request is never run as a page: no answer is sniffed
        // into another type, and one without a policy of its own (all but the pages) may load
        // nothing and be framed by nobody.
        .layer(SetResponseHeaderLayer::if_not_present(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ))
        .layer(
            // Headers stay out of the logs: they carry bearer tokens.
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(ctx)
}
