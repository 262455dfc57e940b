//! `GET /openapi.json`: the OpenAPI 3.1 document of this API, generated from the routes themselves
//! (utoipa-axum's `routes!` over the handlers' `#[utoipa::path]` attributes) and the wire types'
//! schemas, so it cannot drift from the code.
//!
//! The test below still compares the router's paths with the document's (a route added with a
//! plain `.route` would be served undocumented), and the API tests (`tests/api/openapi.rs`)
//! compare each path's methods with those the server allows.

use std::sync::LazyLock;

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiContext;

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new().routes(routes!(openapi_json))
}

/// The name of the bearer scheme the paths' `security(...)` refer to.
pub(super) const BEARER: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "yoyaku city API",
        description = "The municipal server of yoyaku, the vaccination reservation system: \
            accounts, the valid-ticket registry, periods and slots, residents and bookings from \
            every channel (clinics, the call center and residents on the web), and the clinic \
            app's sync. Every error is an RFC 9457 problem document (`application/problem+json`) \
            with a stable `code` and messages in Japanese and English. Staff authenticate with \
            the bearer token of `POST /api/v1/login`; a resident on the web sends no token and \
            proves who they are with 自治体番号, 接種券番号 and 生年月日.",
        license(name = "MIT OR Apache-2.0"),
    ),
    components(schemas(yoyaku_core::Problem)),
    modifiers(&BearerScheme),
    tags(
        (name = "auth", description = "Login, logout and the session"),
        (name = "slots", description = "予約枠 as a clinic sees its own, and the 公開枠 of the city's mass-vaccination venues"),
        (name = "residents", description = "The registry check, 住民情報登録, 住民検索 and 住民情報"),
        (name = "bookings", description = "接種予約 and its lifecycle, from every channel"),
        (name = "waiting room", description = "Opening day's line in front of the web's bookings, when the server keeps one"),
        (name = "waitlist", description = "キャンセル待ち: the line for freed seats, its offers and their answers (the web and the call center)"),
        (name = "slot reports", description = "予約枠報告: a clinic's periods, its cap and 独自の受付枠, and its reports of 様式1/2/3 to the city"),
        (name = "admin", description = "The city's administration (city_admin accounts only)"),
        (name = "sync", description = "The clinic app's push, pull, snapshot and seat leases"),
        (name = "information", description = "利用規約 and 問い合わせ先, as the municipality publishes them"),
        (name = "health", description = "Liveness for load balancers and this document"),
    )
)]
pub(crate) struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The opaque token of `POST /api/v1/login`, valid for a working day.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "yoyaku_session",
                "A browser console's session (`POST /api/v1/browser/login`): HttpOnly, Secure, \
                 SameSite=Strict; every write also sends the session's CSRF token in \
                 `X-Yoyaku-CSRF`. The other operations take it wherever they take the bearer token.",
            ))),
        );
    }
}

/// `X-Yoyaku-On-Behalf-Of`: the call center operating for a clinic (manual 3-1); only documented,
/// the extractor [`super::auth::CurrentAccount`] reads it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub(super) struct OnBehalfOf {
    /// The アカウントID of the clinic the call center operates for: the request acts on that
    /// clinic's venues. Any other role sending it is refused (403).
    #[param(rename = "X-Yoyaku-On-Behalf-Of")]
    on_behalf_of: Option<String>,
}

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "health",
    security(()),
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of this API", body = Object,
         content_type = "application/json"),
    )
)]
async fn openapi_json() -> Json<&'static serde_json::Value> {
    static DOCUMENT: LazyLock<serde_json::Value> = LazyLock::new(document);
    Json(&DOCUMENT)
}

/// The routes' document, with the answers every operation may give and the links between
/// operations added.
fn document() -> serde_json::Value {
    let openapi = super::common_responses::add_to(super::routes().into_openapi());
    let mut document = serde_json::to_value(openapi).expect("the document is JSON");
    super::links::add_to(&mut document);
    document
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use sqlx::postgres::PgPoolOptions;

    use super::*;
    use crate::http::{Config, WebReads, router as api_router};

    /// The API's paths the router serves, read from its debug form: axum lists each route's path
    /// in its `path_router` (the `fallback_router` after it has only the catch-all), as a quoted
    /// string starting with `/`. The app's update feed is files for the updater, not the API.
    fn router_paths() -> BTreeSet<String> {
        let db = PgPoolOptions::new()
            .connect_lazy("postgres://nobody@127.0.0.1:1/none")
            .unwrap();
        let ctx = ApiContext {
            web_reads: WebReads::new(db.clone(), None),
            db,
            config: Arc::new(Config::default()),
            availability: Arc::default(),
            waiting_room: None,
        };
        let debug = format!("{:?}", api_router(ctx, None, None));
        let (routes, _) = debug
            .split_once("fallback_router")
            .expect("axum's Router debug form lists its path_router before its fallback_router");
        routes
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|s| s.starts_with('/') && !s.starts_with("/app/updates/"))
            .map(str::to_owned)
            .collect()
    }

    #[tokio::test]
    async fn every_route_of_the_router_is_documented_and_nothing_else() {
        let served = router_paths();
        assert!(
            served.contains("/api/v1/login") && served.len() > 20,
            "could not read the router's paths: {served:?}"
        );
        let documented: BTreeSet<String> = super::super::routes()
            .into_openapi()
            .paths
            .paths
            .into_keys()
            .collect();
        let undocumented: Vec<_> = served.difference(&documented).collect();
        let unserved: Vec<_> = documented.difference(&served).collect();
        assert!(
            undocumented.is_empty() && unserved.is_empty(),
            "serve it with routes!(…) over a #[utoipa::path] handler: {undocumented:?}; not served: {unserved:?}"
        );
    }
}
