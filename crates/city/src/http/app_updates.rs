//! The clinic app's update feed, which the city hosts for its clinics: a directory the city fills
//! from a release (`latest.json`, the updater's manifest, beside the signed packages it names),
//! served at `/app/updates/`. The app checks `/app/updates/latest.json`; until a release is put
//! there, or when the city hosts no feed at all, the answer is 204 No Content, which the app reads
//! as nothing newer. The manifest is read
//! at each request, so a new release reaches clinics once its files are copied in, without a
//! restart; a manifest the app could not use is refused with 503 and logged, never passed on.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use yoyaku_core::{Code, Coded};

use super::error::ApiError;

const MANIFEST: &str = "latest.json";
const MANIFEST_PATH: &str = "/app/updates/latest.json";

/// A directory of the app's releases: `latest.json` and the packages it names.
#[derive(Debug, Clone)]
pub struct AppUpdates(PathBuf);

impl AppUpdates {
    /// The releases in `dir`, refused when it is not a directory.
    pub fn in_dir(dir: &Path) -> io::Result<Self> {
        if dir.is_dir() {
            Ok(Self(dir.to_owned()))
        } else {
            Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} is not a directory of app updates", dir.display()),
            ))
        }
    }
}

/// The feed's routes: the releases in `updates`, or none to offer.
pub(crate) fn router<S: Clone + Send + Sync + 'static>(updates: Option<&AppUpdates>) -> Router<S> {
    let routes = match updates {
        Some(updates) => Router::new()
            .route(MANIFEST_PATH, get(manifest).with_state(updates.clone()))
            .nest_service("/app/updates", ServeDir::new(&updates.0)),
        None => Router::new().route(MANIFEST_PATH, get(|| async { StatusCode::NO_CONTENT })),
    };
    // A new release must reach every clinic at its next check.
    routes.layer(SetResponseHeaderLayer::overriding(
        CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    ))
}

/// What the updater needs of the manifest: a version and, per platform, a package and its
/// signature.
#[derive(Deserialize)]
struct Manifest {
    version: String,
    platforms: BTreeMap<String, Platform>,
}

#[derive(Deserialize)]
struct Platform {
    signature: String,
    url: String,
}

impl Manifest {
    fn check(text: &str) -> Result<(), String> {
        let manifest: Manifest = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let version = manifest.version.trim_start_matches('v');
        let numbers: Vec<&str> = version
            .split(['-', '+'])
            .next()
            .unwrap_or("")
            .split('.')
            .collect();
        if numbers.len() != 3 || numbers.iter().any(|n| n.parse::<u64>().is_err()) {
            return Err(format!(
                "version {:?} is not major.minor.patch",
                manifest.version
            ));
        }
        if manifest.platforms.is_empty() {
            return Err("no platforms".into());
        }
        for (name, platform) in &manifest.platforms {
            if platform.signature.trim().is_empty() {
                return Err(format!("{name} has no signature"));
            }
            let url = url::Url::parse(&platform.url).map_err(|e| format!("{name}'s url: {e}"))?;
            if !matches!(url.scheme(), "https" | "http") {
                return Err(format!("{name}'s url {url} is not http(s)"));
            }
        }
        Ok(())
    }
}

async fn manifest(State(updates): State<AppUpdates>) -> Response {
    let path = updates.0.join(MANIFEST);
    let text = match tokio::fs::read_to_string(&path).await {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return StatusCode::NO_CONTENT.into_response();
        }
        Err(e) => return broken(&path, &e.to_string()),
    };
    match Manifest::check(&text) {
        Ok(()) => (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            text,
        )
            .into_response(),
        Err(why) => broken(&path, &why),
    }
}

fn broken(path: &Path, why: &str) -> Response {
    tracing::error!(path = %path.display(), why, "the app's update manifest cannot be served");
    ApiError::Refused {
        status: StatusCode::SERVICE_UNAVAILABLE,
        error: Box::new(FeedBroken),
        alternatives: Vec::new(),
    }
    .into_response()
}

#[derive(Debug, thiserror::Error)]
#[error("the app's update feed is being prepared; the app checks again later")]
struct FeedBroken;

impl Coded for FeedBroken {
    fn code(&self) -> Code {
        Code::AppUpdateFeed
    }

    fn message_ja(&self) -> String {
        "アプリの更新を準備中です。しばらくしてから自動で確認します。".into()
    }
}

#[cfg(test)]
mod tests {
    use super::Manifest;

    const GOOD: &str = r#"{"version":"0.2.0","notes":"","pub_date":"2026-12-01T00:00:00Z",
        "platforms":{"linux-x86_64-deb":{"signature":"c2ln","url":"https://city.example.jp/app/updates/yoyaku_0.2.0_amd64.deb"}}}"#;

    #[test]
    fn a_release_manifest_is_served_and_broken_ones_are_named() {
        assert_eq!(Manifest::check(GOOD), Ok(()));
        for (broken, why) in [
            (GOOD.replace("0.2.0\",\"notes", "soon\",\"notes"), "version"),
            (GOOD.replace("\"c2ln\"", "\" \""), "no signature"),
            (GOOD.replace("https://city", "ftp://city"), "not http(s)"),
            (
                r#"{"version":"0.2.0","platforms":{}}"#.to_owned(),
                "no platforms",
            ),
            ("{".to_owned(), "EOF"),
        ] {
            let err = Manifest::check(&broken).unwrap_err();
            assert!(err.contains(why), "{err}");
        }
    }
}
