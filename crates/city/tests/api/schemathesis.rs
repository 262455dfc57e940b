//! schemathesis (the Python package, installed by `scripts/setup --with-tests`) against a running
//! server, once with each role's token and once as the web (no token): examples, coverage,
//! fuzzing and the stateful phase that follows the document's links. Goal: no server error and
//! no answer the document does not describe (status, content type, headers, body schema).
//!
//! Seeded, so a run can be replayed: `YOYAKU_SCHEMATHESIS_SEED` and
//! `YOYAKU_SCHEMATHESIS_EXAMPLES` (examples per operation) make a longer run by hand.

use std::path::Path;
use std::process::Stdio;

use crate::support::spawn_app;

const HOOKS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schemathesis");
/// Where `scripts/setup --with-tests` installs it (a virtual environment of its own).
const SCHEMATHESIS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../.tools/schemathesis/bin/schemathesis"
);

/// What a run checks: server errors and conformance to the document. (The checks that judge
/// which generated data the API should accept are left out: the document's schemas describe
/// shapes, while the parsers of 接種券番号, 和暦 … refuse far more than a schema can say.)
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
    response_headers_conformance,response_schema_conformance";

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[tokio::test]
async fn every_role_and_the_web_get_only_documented_answers_and_no_server_error() {
    assert!(
        Path::new(SCHEMATHESIS).exists(),
        "schemathesis is not installed at {SCHEMATHESIS}: run ./scripts/setup --with-tests"
    );
    let app = spawn_app().await;
    // Every token first: the runs' own logins soon meet the login rate limit.
    let mut callers = vec![("the web".to_owned(), None)];
    for account in [
        &app.accounts.clinic_a,
        &app.accounts.call_center,
        &app.accounts.city_admin,
    ] {
        let token = app.login(account).await.token;
        callers.push((account.account_id.to_owned(), Some(token)));
    }
    let seed = env_or("YOYAKU_SCHEMATHESIS_SEED", "20261207");
    let examples = env_or("YOYAKU_SCHEMATHESIS_EXAMPLES", "10");
    // Its cache (failures it replays first) stays out of the repository and of the next run.
    let scratch = tempfile::tempdir().unwrap();
    let mut failed = Vec::new();
    for (caller, token) in &callers {
        let mut command = tokio::process::Command::new(SCHEMATHESIS);
        command
            .current_dir(scratch.path())
            .env("PYTHONPATH", HOOKS_DIR)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("SCHEMATHESIS_HOOKS", "hooks")
            .args(["run", &app.url("/openapi.json")])
            .args(["--checks", CHECKS])
            .args(["--seed", &seed, "--max-examples", &examples])
            // Logging out would end the token the rest of the run uses.
            .args(["--exclude-path", "/api/v1/logout"])
            .args(["--exclude-path", "/api/v1/browser/logout"])
            // One worker: Python 3.11's parser is not safe for hypothesis's threads.
            .args(["--workers", "1", "--no-color"])
            .stdin(Stdio::null());
        if let Some(token) = token {
            command.args(["--header", &format!("Authorization: Bearer {token}")]);
        }
        // Async, so that this test's runtime goes on serving the requests.
        let output = command.output().await.expect("run schemathesis");
        let report = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            failed.push(format!("── as {caller}:\n{}", failures_of(&report)));
        }
        println!("as {caller}: {}", summary_of(&report));
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// The report's failures and errors, without its warnings and the rest.
fn failures_of(report: &str) -> &str {
    let start = ["=== ERRORS ===", "=== FAILURES ==="]
        .iter()
        .filter_map(|heading| report.find(heading))
        .min()
        .unwrap_or(0);
    let end = report.find("=== WARNINGS ===").unwrap_or(report.len());
    &report[start..end.max(start)]
}

/// The report's count of test cases and the links the stateful phase covered.
fn summary_of(report: &str) -> String {
    report
        .lines()
        .filter(|line| line.contains(" generated, ") || line.contains("API Links:"))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("; ")
}
