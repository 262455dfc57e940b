//! A real city server for tests (throwaway PostgreSQL, migrated, demo data) on a free port,
//! which a test can stop and start again on the same address to cut and restore the network.
//! Shared by the root end-to-end tests and the clinic engine's integration tests.

use std::net::SocketAddr;

use sqlx::PgPool;
use yoyaku_city::demo::DemoAccounts;
use yoyaku_city::{Server, ServerOptions};

pub struct City {
    pub pool: PgPool,
    pub demo: DemoAccounts,
    addr: SocketAddr,
    server: Option<Server>,
    options: fn() -> ServerOptions,
}

impl City {
    pub async fn start() -> Self {
        Self::start_with(Server::options).await
    }

    /// As [`City::start`], with the server's options made by `options` (again on each restart).
    pub async fn start_with(options: fn() -> ServerOptions) -> Self {
        let url = yoyaku_city::throwaway_pg::fresh_database().await;
        let pool = yoyaku_city::connect(&url).await.expect("connect");
        yoyaku_city::migrate(&pool).await.expect("migrate");
        let demo = yoyaku_city::demo::seed_demo(&pool).await.expect("seed");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = options().spawn(listener, pool.clone()).unwrap();
        Self {
            pool,
            demo,
            addr,
            server: Some(server),
            options,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The network goes down: connections to the server are refused.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await.unwrap();
        }
    }

    /// The network comes back, on the same address.
    pub async fn restart(&mut self) {
        assert!(self.server.is_none(), "already running");
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.server = Some((self.options)().spawn(listener, self.pool.clone()).unwrap());
    }
}
