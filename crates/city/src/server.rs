//! Running the API: in the `serve` and `demo` commands, and in-process in tests.

mod housekeeping;
mod tls;

use std::convert::Infallible;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Extension;
use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener, ListenerExt};
use sqlx::PgPool;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::server::TlsStream;

use crate::http::rate_limit::{LoginLimiter, LoginRate, LookupLimiter};
use crate::http::{ApiContext, AppUpdates, Config, WebPages, WebReads, router};
use crate::waiting_room::WaitingRoom;
pub use tls::TlsError;

/// A running API server. [`Server::shutdown`], or dropping it, closes the listening socket at
/// once (new connections are refused) and lets requests in flight finish. Tests stop and spawn a
/// server on the same address to simulate a network outage.
pub struct Server {
    addr: SocketAddr,
    scheme: &'static str,
    stop: oneshot::Sender<()>,
    task: JoinHandle<io::Result<()>>,
}

/// How to run a [`Server`]; the defaults are plain HTTP and the production login rate limit.
/// From [`Server::options`], then [`ServerOptions::spawn`].
pub struct ServerOptions {
    tls: Option<Arc<ServerConfig>>,
    login_rate: LoginRate,
    trusted_proxy: Option<IpAddr>,
    housekeeping_period: Duration,
    change_retention: chrono::TimeDelta,
    waiting_room: Option<NonZeroU32>,
    pages: Option<WebPages>,
    app_updates: Option<AppUpdates>,
    replica: Option<PgPool>,
}

impl ServerOptions {
    /// Serve HTTPS with the PEM certificate chain (leaf first) and private key in these files.
    pub fn tls_pem_files(mut self, cert: &Path, key: &Path) -> Result<Self, TlsError> {
        self.tls = Some(tls::server_config(cert, key)?);
        Ok(self)
    }

    /// Per client address, `burst` login attempts at once, then one more every `refill_every`.
    pub fn login_rate_limit(mut self, burst: NonZeroU32, refill_every: Duration) -> Self {
        self.login_rate = LoginRate {
            burst,
            refill_every,
        };
        self
    }

    /// Believe `X-Forwarded-For` from this address (the reverse proxy in front), and only from it.
    pub fn trusted_proxy(mut self, proxy: IpAddr) -> Self {
        self.trusted_proxy = Some(proxy);
        self
    }

    /// How often expired sessions and old changes are deleted (every ten minutes unless set).
    pub fn housekeeping_period(mut self, period: Duration) -> Self {
        self.housekeeping_period = period;
        self
    }

    /// How long changes are kept for clinics' pulls (30 days unless set); a clinic that has not
    /// pulled for longer rebuilds its cache from a snapshot.
    pub fn change_retention(mut self, retention: chrono::TimeDelta) -> Self {
        self.change_retention = retention;
        self
    }

    /// Keep opening day's waiting room in front of the web's bookings, letting `per_second`
    /// places in each second: what the database can book (see the load benchmark's figures).
    pub fn waiting_room(mut self, per_second: NonZeroU32) -> Self {
        self.waiting_room = Some(per_second);
        self
    }

    /// Serve the city's browser pages (the residents' page at `/`) from this build of `web/`.
    pub fn web_pages(mut self, pages: WebPages) -> Self {
        self.pages = Some(pages);
        self
    }

    /// Hosts the clinic app's update feed from this directory of releases.
    pub fn app_updates(mut self, updates: AppUpdates) -> Self {
        self.app_updates = Some(updates);
        self
    }

    /// Answer the web's availability reads from this streaming replica of the database while it
    /// is current (see `http::web_reads`); everything else goes to the primary.
    pub fn replica(mut self, replica: PgPool) -> Self {
        self.replica = Some(replica);
        self
    }

    /// Serves on `listener` from a task of the current tokio runtime.
    pub fn spawn(self, listener: TcpListener, pool: PgPool) -> io::Result<Server> {
        let addr = listener.local_addr()?;
        let login_limiter = Arc::new(LoginLimiter::new(self.login_rate, self.trusted_proxy));
        let lookup_limiter = Arc::new(LookupLimiter::new(self.trusted_proxy));
        let housekeeping = housekeeping::run(
            self.housekeeping_period,
            pool.clone(),
            login_limiter.clone(),
            lookup_limiter.clone(),
            self.change_retention,
        );
        let sync = crate::sync::chores(pool.clone());
        let waitlist = crate::waitlist::offers::chores(pool.clone());
        let opening = crate::admin::opening::chores(pool.clone());
        let chores = async move {
            tokio::select! {
                never = housekeeping => never,
                never = sync => never,
                never = waitlist => never,
                never = opening => never,
            }
        };
        let app = router(
            ApiContext {
                web_reads: WebReads::new(pool.clone(), self.replica),
                db: pool,
                config: Arc::new(Config::default()),
                availability: Arc::default(),
                waiting_room: self
                    .waiting_room
                    .map(|per_second| Arc::new(WaitingRoom::new(per_second))),
            },
            self.pages.as_ref(),
            self.app_updates.as_ref(),
        )
        // Where the login and look-up handlers find them (http::auth::throttle): per server, like
        // its settings.
        .layer(Extension(login_limiter))
        .layer(Extension(lookup_limiter));
        let (stop, stopped) = oneshot::channel::<()>();
        // Answers are small: send them at once instead of waiting on Nagle's algorithm. Through
        // `tap_io`, both listeners also give handlers axum's `ConnectInfo<SocketAddr>`.
        let (scheme, task) = match self.tls {
            None => {
                let listener = listener.tap_io(|tcp: &mut TcpStream| no_delay(tcp));
                ("http", tokio::spawn(serve(listener, app, stopped, chores)))
            }
            Some(config) => {
                let listener = tls::TlsListener::new(listener, config)
                    .tap_io(|tls: &mut TlsStream<TcpStream>| no_delay(tls.get_ref().0));
                ("https", tokio::spawn(serve(listener, app, stopped, chores)))
            }
        };
        Ok(Server {
            addr,
            scheme,
            stop,
            task,
        })
    }
}

/// Serves until `stopped` resolves or its sender is dropped, doing the `chores` meanwhile.
async fn serve<L>(
    listener: L,
    app: Router,
    stopped: oneshot::Receiver<()>,
    chores: impl Future<Output = Infallible>,
) -> io::Result<()>
where
    L: Listener<Addr = SocketAddr>,
    for<'a> SocketAddr: Connected<IncomingStream<'a, L>>,
{
    let serve = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        // A send and a dropped sender both mean stop.
        let _ = stopped.await;
    });
    tokio::select! {
        served = serve.into_future() => served,
        never = chores => match never {},
    }
}

fn no_delay(tcp: &TcpStream) {
    if let Err(error) = tcp.set_nodelay(true) {
        tracing::debug!(%error, "could not set TCP_NODELAY");
    }
}

impl Server {
    /// Serves plain HTTP on `listener` with the default [`ServerOptions`].
    pub fn spawn(listener: TcpListener, pool: PgPool) -> io::Result<Self> {
        Self::options().spawn(listener, pool)
    }

    pub fn options() -> ServerOptions {
        ServerOptions {
            tls: None,
            login_rate: LoginRate::default(),
            trusted_proxy: None,
            housekeeping_period: housekeeping::DEFAULT_PERIOD,
            change_retention: crate::sync::retention::DEFAULT_RETENTION,
            waiting_room: None,
            pages: None,
            app_updates: None,
            replica: None,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>` or `https://<addr>`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
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
