//! HTTPS with rustls: `--tls-cert` and `--tls-key`, here with a certificate made for the test.

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::{Certificate, Client, StatusCode};
use uuid::Uuid;
use yoyaku_city::Server;
use yoyaku_core::wire::Health;

use crate::support::spawn_app_with;

/// A fresh directory for this test's files.
fn scratch_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("tls-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A self-signed certificate for localhost and 127.0.0.1: `(cert.pem, key.pem, certificate PEM)`.
fn self_signed(dir: &Path) -> (PathBuf, PathBuf, String) {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let certified = rcgen::generate_simple_self_signed(names).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    (cert, key, certified.cert.pem())
}

#[tokio::test]
async fn https_with_the_given_certificate_and_nothing_for_plain_http() {
    let dir = scratch_dir();
    let (cert, key, cert_pem) = self_signed(&dir);
    let app = spawn_app_with(|listener, pool| {
        Server::options()
            .tls_pem_files(&cert, &key)
            .unwrap()
            .spawn(listener, pool)
            .unwrap()
    })
    .await;
    let addr = app.server.addr();
    assert_eq!(app.server.url(), format!("https://{addr}"));
    let trusting = Client::builder()
        .add_root_certificate(Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .build()
        .unwrap();

    let response = trusting.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Health>().await.unwrap().status, "ok");
    // A login needs the client's address (rate limit): known over TLS too.
    let login = trusting
        .post(app.url("/api/v1/login"))
        .json(&app.accounts.clinic_a.login_request())
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);

    // A client that does not trust the certificate refuses the server.
    assert!(Client::new().get(app.url("/healthz")).send().await.is_err());
    // Plain HTTP to the TLS port gets no answer.
    let plain = Client::new().get(format!("http://{addr}/healthz")).send();
    let plain = tokio::time::timeout(Duration::from_secs(10), plain)
        .await
        .expect("plain HTTP is turned away at once");
    assert!(plain.is_err(), "{plain:?}");

    // Shutting down closes the port, as without TLS.
    app.server.shutdown().await.unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn unusable_certificate_files_are_named_in_the_error() {
    let dir = scratch_dir();
    let (cert, key, _) = self_signed(&dir);
    let error = |cert: &Path, key: &Path| {
        Server::options()
            .tls_pem_files(cert, key)
            .err()
            .expect("refused")
            .to_string()
    };
    let missing = dir.join("missing.pem");
    let message = error(&missing, &key);
    assert!(message.contains("missing.pem"), "{message}");
    let message = error(&key, &key);
    assert!(message.contains("holds no PEM certificate"), "{message}");
    let message = error(&cert, &cert);
    assert!(
        message.contains("TLS private key") && message.contains("cert.pem"),
        "{message}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn the_command_wants_both_certificate_and_key_or_neither() {
    for (flag, env, missing) in [
        ("--tls-cert", "YOYAKU_TLS_CERT", "--tls-key"),
        ("--tls-key", "YOYAKU_TLS_KEY", "--tls-cert"),
    ] {
        let by_flag = tokio::process::Command::new(env!("CARGO_BIN_EXE_yoyaku-city"))
            .args(["serve", "--database-url", "postgres://nowhere.invalid/x"])
            .args([flag, "/nowhere/file.pem"])
            .env_remove("YOYAKU_TLS_CERT")
            .env_remove("YOYAKU_TLS_KEY")
            .output();
        let by_env = tokio::process::Command::new(env!("CARGO_BIN_EXE_yoyaku-city"))
            .args(["serve", "--database-url", "postgres://nowhere.invalid/x"])
            .env_remove("YOYAKU_TLS_CERT")
            .env_remove("YOYAKU_TLS_KEY")
            .env(env, "/nowhere/file.pem")
            .output();
        for output in [by_flag.await.unwrap(), by_env.await.unwrap()] {
            assert_eq!(output.status.code(), Some(2), "{output:?}");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(stderr.contains(missing), "{stderr}");
        }
    }
}
