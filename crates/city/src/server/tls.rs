//! HTTPS with rustls, from a PEM certificate chain and private key.
//!
//! A [`Listener`] for `axum::serve` rather than a second server (axum-server): graceful shutdown,
//! `ConnectInfo` and everything else stay the same for HTTP and HTTPS. Handshakes run in tasks of
//! their own, so one slow or silent client cannot hold up the others' connections.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::serve::Listener;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::{self, PemObject};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig, crypto};
use tokio_rustls::server::TlsStream;

/// A client that has not finished its handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("reading the TLS certificate {}: {source}", .path.display())]
    Certificate { path: PathBuf, source: pem::Error },
    #[error("the TLS certificate file {} holds no PEM certificate", .0.display())]
    NoCertificate(PathBuf),
    #[error("reading the TLS private key {}: {source}", .path.display())]
    Key { path: PathBuf, source: pem::Error },
    #[error("the TLS certificate and key cannot be used together: {0}")]
    Rejected(#[from] rustls::Error),
}

/// The server side of TLS for the certificate chain in `cert` (leaf first) and the key in `key`.
pub(super) fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|source| TlsError::Certificate {
            path: cert.to_owned(),
            source,
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate(cert.to_owned()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|source| TlsError::Key {
        path: key.to_owned(),
        source,
    })?;
    // The provider is named: rustls refuses to guess when more than one is compiled in.
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
    // axum serves HTTP/1.1 only (its http2 feature is off).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

type Handshake = (io::Result<TlsStream<TcpStream>>, SocketAddr);

/// Accepts TCP connections and yields them once their TLS handshake succeeds. Dropping it closes
/// the socket at once and abandons the handshakes in progress.
pub(super) struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    handshakes: JoinSet<Handshake>,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>) -> Self {
        Self {
            tcp,
            acceptor: TlsAcceptor::from(config),
            handshakes: JoinSet::new(),
        }
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            // Both branches are cancel-safe: axum drops this future only to shut down.
            tokio::select! {
                (tcp, addr) = Listener::accept(&mut self.tcp) => {
                    let acceptor = self.acceptor.clone();
                    self.handshakes.spawn(async move {
                        let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp));
                        let tls = handshake.await.unwrap_or_else(|elapsed| Err(elapsed.into()));
                        (tls, addr)
                    });
                }
                Some(done) = self.handshakes.join_next() => match done {
                    Ok((Ok(tls), addr)) => return (tls, addr),
                    // Plain HTTP, a scanner, an expired handshake: that client's problem.
                    Ok((Err(error), addr)) => tracing::debug!(%addr, %error, "TLS handshake failed"),
                    Err(error) => tracing::error!(%error, "TLS handshake task failed"),
                },
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}
