//! Nothing a request sends comes back as a page. The HTML pages are files, the same whatever the
//! request says; every other answer is JSON (or a file) that no browser sniffs into HTML, under a
//! policy that lets it load nothing and be framed by nobody, even where it quotes the request.

use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde_json::json;
use yoyaku_city::{Server, WebPages};

use crate::support::{TestApp, spawn_app_with};

/// A request: method, path, JSON body, bearer token, and the call center's clinic header.
type Probe<'a> = (
    Method,
    String,
    Option<String>,
    Option<&'a str>,
    Option<&'a str>,
);

const PAYLOAD: &str = "<script>alert(1)</script>";
const ENCODED: &str = "%3Cscript%3Ealert(1)%3C%2Fscript%3E";

async fn app_with_pages() -> (TestApp, tempfile::TempDir) {
    let build = tempfile::tempdir().unwrap();
    std::fs::create_dir(build.path().join("assets")).unwrap();
    std::fs::write(
        build.path().join("index.html"),
        "<!doctype html><title>予約</title>",
    )
    .unwrap();
    let pages = WebPages::in_dir(build.path()).unwrap();
    let app = spawn_app_with(move |listener, pool| {
        Server::options()
            .web_pages(pages)
            .spawn(listener, pool)
            .unwrap()
    })
    .await;
    (app, build)
}

#[tokio::test]
async fn a_script_sent_in_a_path_a_query_a_body_or_a_header_never_comes_back_as_a_page() {
    let (app, _build) = app_with_pages().await;
    let token = app.login(&app.accounts.call_center).await.token;
    let key = json!({"municipality_code": PAYLOAD, "ticket": PAYLOAD, "birth_date": PAYLOAD});
    let requests: Vec<Probe> = vec![
        (Method::GET, "/".into(), None, None, None),
        (Method::GET, format!("/?q={ENCODED}"), None, None, None),
        (Method::GET, format!("/{ENCODED}"), None, None, None),
        (
            Method::GET,
            format!("/assets/{ENCODED}.js"),
            None,
            None,
            None,
        ),
        (Method::GET, format!("/api/v1/{ENCODED}"), None, None, None),
        (
            Method::GET,
            format!("/api/v1/slots?municipality_code={ENCODED}&date={ENCODED}"),
            None,
            None,
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/municipalities/{ENCODED}/venues"),
            None,
            None,
            None,
        ),
        (
            Method::POST,
            "/api/v1/residents/lookup".into(),
            Some(key.to_string()),
            None,
            None,
        ),
        (
            Method::POST,
            "/api/v1/login".into(),
            Some(format!("{{\"municipality_code\": \"{PAYLOAD}")),
            None,
            None,
        ),
        (
            Method::POST,
            "/api/v1/bookings".into(),
            Some(PAYLOAD.into()),
            None,
            None,
        ),
        (
            Method::GET,
            "/api/v1/slots?date=2026-12-07".into(),
            None,
            Some(&token),
            Some(PAYLOAD),
        ),
    ];
    for (method, path, body, token, on_behalf_of) in requests {
        let mut request = app.client.request(method.clone(), app.url(&path));
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, "application/json").body(body);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(clinic) = on_behalf_of {
            request = request.header("X-Yoyaku-On-Behalf-Of", clinic);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        let what = format!("{method} {path} → {status}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
        let content_type = headers
            .get(CONTENT_TYPE)
            .map_or("", |v| v.to_str().unwrap());
        if content_type.starts_with("text/html") {
            assert!(!body.contains("<script"), "{what}: {body}");
        } else {
            assert!(
                content_type.starts_with("application/json")
                    || content_type.starts_with("application/problem+json"),
                "{what}: {content_type}"
            );
            // The API's policy, or the pages' (for a path under them that names no file): either
            // runs no script the answer carries.
            let csp = headers[CONTENT_SECURITY_POLICY].to_str().unwrap();
            let no_inline = csp.contains("default-src 'none'")
                || (csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
            assert!(
                no_inline && csp.contains("frame-ancestors 'none'"),
                "{what}: {csp}"
            );
        }
        assert!(!status.is_server_error(), "{what}: {body}");
    }
    // The pages keep their own policy.
    let page = app.get("/", None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
}
