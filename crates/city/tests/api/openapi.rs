//! `GET /openapi.json`: an OpenAPI 3.1 document that matches the server: every path it lists
//! allows exactly the methods it documents, and every `$ref` in it resolves. The committed copy
//! (`docs/openapi.json`, from which the browser pages' TypeScript types are generated) is the
//! served one.

use std::collections::BTreeSet;

use reqwest::header::{ALLOW, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::{TestApp, spawn_app};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

async fn document(app: &TestApp) -> Value {
    let response = app.get("/openapi.json", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    response.json().await.unwrap()
}

fn paths(doc: &Value) -> &serde_json::Map<String, Value> {
    doc["paths"].as_object().expect("paths")
}

/// The documented methods of a path item, upper case.
fn methods(item: &Value) -> BTreeSet<String> {
    METHODS
        .iter()
        .filter(|method| item.get(**method).is_some())
        .map(|method| method.to_uppercase())
        .collect()
}

/// Where the browser pages' types come from (`npm run generate --workspace web`).
const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");

#[tokio::test]
async fn the_committed_document_is_the_served_one() {
    let app = spawn_app().await;
    let served = serde_json::to_string_pretty(&document(&app).await).unwrap() + "\n";
    if std::env::var_os("YOYAKU_WRITE_OPENAPI").is_some() {
        std::fs::write(COMMITTED, &served).unwrap();
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == served,
        "docs/openapi.json is stale: run `YOYAKU_WRITE_OPENAPI=1 cargo test -p yoyaku-city \
         --test api the_committed_document` and `npm run generate --workspace web`, and commit both"
    );
}

#[tokio::test]
async fn the_document_is_openapi_3_1_with_the_api_info_and_bearer_scheme() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "yoyaku city API");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(!doc["info"]["description"].as_str().unwrap().is_empty());
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(bearer["type"], "http");
    assert_eq!(bearer["scheme"], "bearer");
}

/// Each documented path, asked with a method no route can have, answers 405 with `Allow`: the
/// methods the router serves there, which must be exactly those documented. (That every path
/// the router serves is documented is checked by the unit test in `src/http/openapi.rs`.)
#[tokio::test]
async fn every_documented_path_is_served_with_exactly_the_documented_methods() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    assert!(paths(&doc).len() > 20, "{:?}", paths(&doc).keys());
    let probe = Method::from_bytes(b"PROBE").unwrap();
    for (path, item) in paths(&doc) {
        let concrete: String = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "x"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let response = app
            .client
            .request(probe.clone(), app.url(&concrete))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        let allowed: BTreeSet<String> = response.headers()[ALLOW]
            .to_str()
            .unwrap()
            .split(',')
            .map(|method| method.trim().to_owned())
            // axum answers HEAD wherever it answers GET.
            .filter(|method| method != "HEAD" || item.get("head").is_some())
            .collect();
        assert_eq!(allowed, methods(item), "{path}");
    }
}

#[tokio::test]
async fn every_operation_has_a_tag_security_and_problem_responses() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    // Every operation's tag is one the document declares (with its description).
    let tags: Vec<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tag| tag["name"].as_str().unwrap())
        .collect();
    assert!(tags.contains(&"bookings") && tags.contains(&"waiting room"));
    for (path, item) in paths(&doc) {
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            let operation = &item[*method];
            let tag = operation["tags"][0].as_str().unwrap_or_default();
            assert!(tags.contains(&tag), "{method} {path}: tag {tag:?}");
            assert!(
                operation["security"].is_array(),
                "{method} {path} says nothing of security"
            );
            let responses = operation["responses"].as_object().unwrap();
            let ok = responses.keys().any(|status| status.starts_with('2'));
            assert!(ok, "{method} {path} has no success response");
            if path == "/openapi.json" {
                continue;
            }
            for (status, response) in responses.iter().filter(|(s, _)| !s.starts_with('2')) {
                let problem = &response["content"]["application/problem+json"]["schema"];
                assert_eq!(
                    problem["$ref"], "#/components/schemas/Problem",
                    "{method} {path} {status}"
                );
            }
            let statuses: Vec<_> = responses.keys().collect();
            assert!(
                statuses
                    .iter()
                    .any(|s| s.starts_with('4') || s.starts_with('5')),
                "{method} {path} documents no error"
            );
        }
    }
    // Staff endpoints need the token; the web's take none or one; login needs none.
    let security = |path: &str, method: &str| doc["paths"][path][method]["security"].clone();
    let bearer = serde_json::json!([{ "bearer": [] }]);
    assert_eq!(security("/api/v1/admin/accounts", "get"), bearer);
    assert_eq!(security("/api/v1/login", "post"), serde_json::json!([{}]));
    assert_eq!(
        security("/api/v1/bookings", "post"),
        serde_json::json!([{}, { "bearer": [] }])
    );
}

/// Collects every `$ref` in `value`.
fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(target)) => found.push(target),
                    _ => refs(value, found),
                }
            }
        }
        Value::Array(values) => values.iter().for_each(|value| refs(value, found)),
        _ => {}
    }
}

#[tokio::test]
async fn every_reference_resolves_to_a_defined_schema() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(found.len() > 50, "only {} references", found.len());
    for target in found {
        let pointer = target
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{target} is not local"));
        assert!(
            pointer.starts_with("/components/schemas/"),
            "{target} is not a schema"
        );
        assert!(doc.pointer(pointer).is_some(), "{target} is not defined");
    }
}

/// Follows a `$ref` if `schema` is one.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(target) => doc.pointer(&target[1..]).unwrap(),
        None => schema,
    }
}

fn property_names(schema: &Value) -> BTreeSet<&str> {
    schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no properties: {schema}"))
        .keys()
        .map(String::as_str)
        .collect()
}

#[tokio::test]
async fn the_login_schemas_describe_the_login_request_and_response() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let login = &doc["paths"]["/api/v1/login"]["post"];

    let request = resolve(
        &doc,
        &login["requestBody"]["content"]["application/json"]["schema"],
    );
    let fields = [
        "municipality_code",
        "account_id",
        "password",
        "agreed_to_terms",
    ];
    assert_eq!(property_names(request), BTreeSet::from(fields));
    let required: BTreeSet<&str> = request["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(required, BTreeSet::from(fields));
    assert_eq!(request["properties"]["agreed_to_terms"]["type"], "boolean");

    let response = resolve(
        &doc,
        &login["responses"]["200"]["content"]["application/json"]["schema"],
    );
    assert_eq!(
        property_names(response),
        BTreeSet::from(["token", "expires_at", "profile"])
    );
    assert_eq!(response["properties"]["expires_at"]["format"], "date-time");
    let profile = resolve(&doc, &response["properties"]["profile"]);
    for field in [
        "municipality_code",
        "account_id",
        "display_name",
        "role",
        "venues",
    ] {
        assert!(property_names(profile).contains(field), "{field}");
    }
    let code = resolve(&doc, &profile["properties"]["municipality_code"]);
    assert_eq!(code["pattern"], "^[0-9]{6}$");
    let role = resolve(&doc, &profile["properties"]["role"]);
    let roles: BTreeSet<&str> = role["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        BTreeSet::from(["clinic", "call_center", "city_admin"])
    );

    for status in ["400", "401", "423", "429"] {
        assert!(login["responses"][status].is_object(), "login {status}");
    }
}

#[tokio::test]
async fn every_booking_write_documents_the_same_refusals() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let writes = [
        "/api/v1/bookings",
        "/api/v1/bookings/{id}/cancel",
        "/api/v1/bookings/{id}/check-in",
        "/api/v1/bookings/{id}/no-show",
        "/api/v1/bookings/{id}/vaccination",
        "/api/v1/bookings/{id}/change",
        "/api/v1/bookings/{id}/same-day-move",
    ];
    for path in writes {
        let responses = doc["paths"][path]["post"]["responses"].as_object().unwrap();
        for status in ["400", "401", "403", "404", "409", "422"] {
            let content = &responses[status]["content"]["application/problem+json"];
            assert_eq!(
                content["schema"]["$ref"], "#/components/schemas/Problem",
                "{path} {status}"
            );
        }
    }
}

#[tokio::test]
async fn operation_ids_are_unique() {
    // Generated clients name their functions by them: two handlers of one name would clash.
    let app = spawn_app().await;
    let doc = document(&app).await;
    let mut ids = std::collections::BTreeMap::<&str, Vec<String>>::new();
    for (path, item) in paths(&doc) {
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            let id = item[*method]["operationId"].as_str().unwrap();
            ids.entry(id).or_default().push(format!("{method} {path}"));
        }
    }
    let repeated: Vec<_> = ids.iter().filter(|(_, uses)| uses.len() > 1).collect();
    assert!(repeated.is_empty(), "operationIds used twice: {repeated:?}");
}
