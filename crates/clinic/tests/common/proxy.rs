//! A TCP proxy between the clinic and the city server that can lose the network in the ugly
//! places: it can swallow the server's reply after the server has done the work (the reply lost
//! after commit), or cut a request halfway through (the line dropping mid-push). It can also hold
//! one kind of request at the door, so that a test acts while a sync round waits there.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Fault {
    /// Pass everything through.
    None = 0,
    /// Forward the request, let the server answer, then close without passing the answer on.
    LoseReplies = 1,
    /// Forward only the first part of each request, then close both sides.
    CutRequests = 2,
    /// Forward each push whole, then wait for [`Proxy::cut`] and close both sides: the server is
    /// left mid-batch with no one to answer (other requests pass).
    DropPushes = 3,
}

pub struct Proxy {
    addr: SocketAddr,
    fault: Arc<AtomicU8>,
    faulted: Arc<AtomicUsize>,
    /// Requests starting with this (say `GET /api/v1/sync/pull`) wait until it is cleared.
    gate: watch::Sender<Option<&'static str>>,
    /// How many requests the gate has stopped so far.
    held: watch::Sender<usize>,
    /// Closes a push held by [`Fault::DropPushes`].
    cut: Arc<Notify>,
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
        let gate = watch::Sender::new(None);
        let held = watch::Sender::new(0);
        let cut = Arc::new(Notify::new());
        let faults = Faults {
            fault: fault.clone(),
            faulted: faulted.clone(),
            gate: gate.clone(),
            held: held.clone(),
            cut: cut.clone(),
        };
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let faults = faults.clone();
                tokio::spawn(async move {
                    let _ = relay(client, upstream, &faults).await;
                });
            }
        });
        Self {
            addr,
            fault,
            faulted,
            gate,
            held,
            cut,
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

    /// Holds every request that starts with `request` (method and path) until [`Self::release`].
    pub fn hold(&self, request: &'static str) {
        self.held.send_replace(0);
        self.gate.send_replace(Some(request));
    }

    /// Waits until a request is held at the gate (10 s at most).
    pub async fn until_held(&self) {
        let mut held = self.held.subscribe();
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            held.wait_for(|&n| n > 0),
        )
        .await
        .expect("no request reached the gate")
        .unwrap();
    }

    /// Lets the held requests through, and every later one.
    pub fn release(&self) {
        self.gate.send_replace(None);
    }

    /// Drops the line of the push [`Fault::DropPushes`] holds (or of the next one).
    pub fn cut(&self) {
        self.cut.notify_one();
    }
}

/// What the proxy does to the requests it relays, shared by every connection.
#[derive(Clone)]
struct Faults {
    fault: Arc<AtomicU8>,
    faulted: Arc<AtomicUsize>,
    gate: watch::Sender<Option<&'static str>>,
    held: watch::Sender<usize>,
    cut: Arc<Notify>,
}

impl Faults {
    /// Waits while the gate holds requests like this one.
    async fn pass_gate(&self, request: &[u8]) {
        let mut gate = self.gate.subscribe();
        let held_here =
            |g: &Option<&'static str>| g.is_some_and(|p| request.starts_with(p.as_bytes()));
        if !held_here(&gate.borrow_and_update()) {
            return;
        }
        self.held.send_modify(|n| *n += 1);
        let _ = gate.wait_for(|g| !held_here(g)).await;
    }
}

/// Relays one connection, request by request (the client's keep-alive reuse included), applying
/// the fault in force when each request begins.
async fn relay(
    mut client: TcpStream,
    upstream: SocketAddr,
    faults: &Faults,
) -> std::io::Result<()> {
    let (fault, faulted) = (&faults.fault, &faults.faulted);
    let mut server = TcpStream::connect(upstream).await?;
    let mut request = vec![0u8; 64 * 1024];
    let mut n = client.read(&mut request).await?;
    loop {
        if n == 0 {
            return Ok(());
        }
        faults.pass_gate(&request[..n]).await;
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
            3 if request[..n].starts_with(b"POST /api/v1/sync/push") => {
                forward_whole_request(&mut client, &mut server, &request[..n]).await?;
                faults.cut.notified().await;
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

/// Forwards a request whose first bytes are `start`, reading from the client until its headers
/// and its `Content-Length` of body have all gone to the server.
async fn forward_whole_request(
    client: &mut TcpStream,
    server: &mut TcpStream,
    start: &[u8],
) -> std::io::Result<()> {
    let mut sent = start.to_vec();
    server.write_all(start).await?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if let Some(end) = sent.windows(4).position(|w| w == b"\r\n\r\n") {
            let headers = String::from_utf8_lossy(&sent[..end]).to_ascii_lowercase();
            let length: usize = headers
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap_or(0));
            if sent.len() >= end + 4 + length {
                return Ok(());
            }
        }
        let n = client.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        server.write_all(&buf[..n]).await?;
        sent.extend_from_slice(&buf[..n]);
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
