//! `GET /healthz`: for load balancers and monitoring; answers only when the database does.

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yoyaku_core::wire::Health;

use super::ApiContext;
use super::error::ApiError;

pub(super) fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new().routes(routes!(health))
}

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    security(()),
    responses(
        (status = 200, description = "The server and its database answer", body = Health),
        (status = 503, description = "`server.database_unavailable`", body = yoyaku_core::Problem, content_type = "application/problem+json"),
    )
)]
async fn health(State(ctx): State<ApiContext>) -> Result<Json<Health>, ApiError> {
    sqlx::query!("select 1 as ok").fetch_one(&ctx.db).await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}
