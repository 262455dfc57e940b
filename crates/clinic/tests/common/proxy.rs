//! A TCP proxy between the clinic and the city server that can lose the network in the ugly
//! places: it can swallow the server's reply after the server has done the work (the reply lost
//! after commit), or cut a request halfway through (the line dropping mid-push).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Fault {
    /// Pass everything through.
    None = 0,
    /// Forward the request, let the server answer, then close without passing the answer on.
    LoseReplies = 1,
    /// Forward only the first part of each request, then close both sides.
    CutRequests = 2,
}

pub struct Proxy {
    addr: SocketAddr,
    fault: Arc<AtomicU8>,
    faulted: Arc<AtomicUsize>,
}

impl Proxy {
    /// A proxy in front of the server at `upstream_url` (`http://host:port`).
    pub async fn start(upstream_url: &str) -> Self {
        let upstream: SocketAddr = upstream_url
            .trim_start_matches("http://")
            .parse()
            .expect("the server's address");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let fault = Arc::new(AtomicU8::new(Fault::None as u8));
        let faulted = Arc::new(AtomicUsize::new(0));
        let (f, n) = (fault.clone(), faulted.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (f, n) = (f.clone(), n.clone());
                tokio::spawn(async move {
                    let _ = relay(client, upstream, &f, &n).await;
                });
            }
        });
        Self {
            addr,
            fault,
            faulted,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set(&self, fault: Fault) {
        self.fault.store(fault as u8, Ordering::SeqCst);
    }

    /// How many exchanges the fault has spoiled so far.
    pub fn faulted(&self) -> usize {
        self.faulted.load(Ordering::SeqCst)
    }
}

/// Relays one connection, request by request (the client's keep-alive reuse included), applying
/// the fault in force when each request begins.
async fn relay(
    mut client: TcpStream,
    upstream: SocketAddr,
    fault: &AtomicU8,
    faulted: &AtomicUsize,
) -> std::io::Result<()> {
    let mut server = TcpStream::connect(upstream).await?;
    let mut request = vec![0u8; 64 * 1024];
    let mut n = client.read(&mut request).await?;
    loop {
        if n == 0 {
            return Ok(());
        }
        match fault.load(Ordering::SeqCst) {
            1 => {
                server.write_all(&request[..n]).await?;
                let _ = tokio::time::timeout(
                    std::time::Duration::from_secs(10),
                    drain_request_and_answer(&mut client, &mut server),
                )
                .await;
                faulted.fetch_add(1, Ordering::SeqCst);
                return Ok(());
            }
            2 => {
                server.write_all(&request[..n.min(64)]).await?;
                faulted.fetch_add(1, Ordering::SeqCst);
                return Ok(());
            }
            _ => {
                server.write_all(&request[..n]).await?;
                n = pump_until_next_request(&mut client, &mut server, &mut request).await?;
            }
        }
    }
}

/// Passes the server's bytes on until the client sends again (returns how many bytes it sent,
/// now in `request`) or either side closes (0).
async fn pump_until_next_request(
    client: &mut TcpStream,
    server: &mut TcpStream,
    request: &mut [u8],
) -> std::io::Result<usize> {
    let mut answer = vec![0u8; 64 * 1024];
    loop {
        tokio::select! {
            read = server.read(&mut answer) => {
                let n = read?;
                if n == 0 {
                    return Ok(0);
                }
                client.write_all(&answer[..n]).await?;
            }
            read = client.read(request) => return read,
        }
    }
}

/// Forwards the rest of the request and waits for the server's answer to begin and end.
async fn drain_request_and_answer(
    client: &mut TcpStream,
    server: &mut TcpStream,
) -> std::io::Result<()> {
    let mut from_client = vec![0u8; 64 * 1024];
    let mut answer = vec![0u8; 64 * 1024];
    loop {
        tokio::select! {
            read = server.read(&mut answer) => {
                // The first bytes of the answer mean the server has done the work; the rest is
                // dropped with the connection.
                let _ = read?;
                return Ok(());
            }
            read = client.read(&mut from_client) => {
                let n = read?;
                if n == 0 {
                    return Ok(());
                }
                server.write_all(&from_client[..n]).await?;
            }
        }
    }
}
