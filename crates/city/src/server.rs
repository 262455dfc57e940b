//! Running the API: in the `serve` and `demo` commands, and in-process in tests.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::http::{ApiContext, Config, router};

/// A running API server. [`Server::shutdown`], or dropping it, closes the listening socket at
/// once (new connections are refused) and lets requests in flight finish. Tests stop and spawn a
/// server on the same address to simulate a network outage.
pub struct Server {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<io::Result<()>>,
}

impl Server {
    /// Serves on `listener` from a task of the current tokio runtime.
    pub fn spawn(listener: TcpListener, pool: PgPool) -> io::Result<Self> {
        let addr = listener.local_addr()?;
        let app = router(ApiContext {
            db: pool,
            config: Arc::new(Config::default()),
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    // A send and a dropped sender both mean stop.
                    let _ = stopped.await;
                })
                .await
        });
        Ok(Self { addr, stop, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections and waits for the requests in flight.
    pub async fn shutdown(self) -> io::Result<()> {
        let _ = self.stop.send(());
        self.task.await.map_err(io::Error::other)?
    }
}

/// Resolves on Ctrl-C or SIGTERM (what systemd and container runtimes send).
pub async fn shutdown_signal() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("a SIGTERM handler can be installed");
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.expect("a Ctrl-C handler can be installed"),
        _ = terminate.recv() => {}
    }
}
