use reqwest::StatusCode;
use tokio::net::TcpListener;
use yoyaku_city::Server;

use crate::support::spawn_app;

#[tokio::test]
async fn a_stopped_server_refuses_connections_and_can_be_started_again() {
    let app = spawn_app().await;
    let addr = app.server.addr();
    let client = app.client.clone();
    let healthz = format!("{}/healthz", app.server.url());
    // A pooled keep-alive connection must not outlive the server either.
    assert_eq!(
        client.get(&healthz).send().await.unwrap().status(),
        StatusCode::OK
    );

    app.server.shutdown().await.unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    assert!(client.get(&healthz).send().await.is_err());

    let restarted = Server::spawn(TcpListener::bind(addr).await.unwrap(), app.pool).unwrap();
    assert_eq!(restarted.addr(), addr);
    assert_eq!(
        client.get(&healthz).send().await.unwrap().status(),
        StatusCode::OK
    );
}
