//! The city's browser pages (the Vite build of `web/`), served from a directory beside the API on
//! the same origin: the residents' page at `/`. Assets under `/assets/` carry a hash of their
//! content in their names, so they are cached for good; the HTML is revalidated on every visit,
//! so a new build reaches everyone at once. Every page runs under a strict content security
//! policy: scripts, styles and connections from this server only, and no framing.

use std::io;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// A built `web/`: the directory that holds `index.html` and `assets/`.
#[derive(Debug, Clone)]
pub struct WebPages(PathBuf);

impl WebPages {
    /// The build in `dir`, refused when it holds no `index.html` (the pages were not built).
    pub fn in_dir(dir: &Path) -> io::Result<Self> {
        let index = dir.join("index.html");
        if index.is_file() {
            Ok(Self(dir.to_owned()))
        } else {
            Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "{} is missing: build the pages with `npm run build --workspace web`",
                    index.display()
                ),
            ))
        }
    }

    /// The pages as a router for the paths the API does not take.
    pub(crate) fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let assets = Router::new()
            .nest_service("/assets", ServeDir::new(self.0.join("assets")))
            .layer(header(CACHE_CONTROL, IMMUTABLE));
        let html = Router::new()
            .fallback_service(ServeDir::new(&self.0).append_index_html_on_directories(true))
            .layer(header(CACHE_CONTROL, REVALIDATE));
        assets
            .merge(html)
            .layer(header(CONTENT_SECURITY_POLICY, CSP))
            .layer(header(X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .layer(header(X_FRAME_OPTIONS, "DENY"))
            .layer(header(REFERRER_POLICY, "no-referrer"))
    }
}

fn header(
    name: axum::http::HeaderName,
    value: &'static str,
) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
}
