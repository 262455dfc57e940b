//! A TCP proxy between the clinic and the city server that can lose the network in the ugly
//! places: it can swallow the server's reply after the server has done the work (the reply lost
//! after commit), or cut a request halfway through (the line dropping mid-push). It can also hold
//! one kind of request at the door, so that a test acts while a sync round waits there, or meet
//! every request with a mishap drawn from a seeded sequence (a bad network, [`Mishap`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::Duration;

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
    /// Each request meets a [`Mishap`] drawn from the sequence [`Proxy::chaos`] seeded.
    Chaos = 4,
}

/// What a bad network does to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mishap {
    /// Passed as it came.
    None,
    /// Held 50–800 ms before the server sees it: later requests on other connections overtake
    /// it, and its answer comes late.
    Delayed,
    /// Cut after a random part of it: the server never reads it whole.
    CutRequest,
    /// The server answers; the answer is dropped with the connection.
    LostReply,
    /// The server answers; only a random first part of the answer reaches the client.
    TruncatedReply,
    /// Sent to the server again 0–1.5 s later on a line of its own: a stale copy that arrives
    /// after the requests that followed it (its answer goes nowhere).
    Duplicated,
}

impl Mishap {
    pub const ALL: [Mishap; 6] = [
        Mishap::None,
        Mishap::Delayed,
        Mishap::CutRequest,
        Mishap::LostReply,
        Mishap::TruncatedReply,
        Mishap::Duplicated,
    ];

    /// Six requests in ten pass untouched; the rest meet one mishap each.
    fn drawn(random: u64) -> Self {
        match random % 100 {
            0..60 => Self::None,
            60..70 => Self::Delayed,
            70..75 => Self::CutRequest,
            75..83 => Self::LostReply,
            83..91 => Self::TruncatedReply,
            _ => Self::Duplicated,
        }
    }
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
    chaos: Arc<Chaos>,
}

/// The seeded draws of [`Fault::Chaos`] and what they came to. Connections draw in the order
/// their requests arrive, so a run with the same seed meets the same mishaps in the same order.
#[derive(Default)]
struct Chaos {
    random: Mutex<u64>,
    met: [AtomicUsize; Mishap::ALL.len()],
}

impl Chaos {
    fn next(&self) -> u64 {
        super::next_random(&mut self.random.lock().unwrap())
    }

    fn draw(&self) -> Mishap {
        let mishap = Mishap::drawn(self.next());
        let index = Mishap::ALL.iter().position(|m| *m == mishap).unwrap();
        self.met[index].fetch_add(1, Ordering::SeqCst);
        mishap
    }

    /// A random length from 1 to `len - 1` (or `len` when shorter than two).
    fn part_of(&self, len: usize) -> usize {
        if len < 2 {
            return len;
        }
        1 + (self.next() % (len as u64 - 1)) as usize
    }

    fn millis(&self, from: u64, to: u64) -> Duration {
        Duration::from_millis(from + self.next() % (to - from))
    }
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
        let chaos = Arc::new(Chaos::default());
        let faults = Faults {
            fault: fault.clone(),
            faulted: faulted.clone(),
            gate: gate.clone(),
            held: held.clone(),
            cut: cut.clone(),
            chaos: chaos.clone(),
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
            chaos,
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

    /// From now on every request meets a mishap, drawn from the sequence `seed` begins.
    pub fn chaos(&self, seed: u64) {
        *self.chaos.random.lock().unwrap() = seed.max(1);
        self.set(Fault::Chaos);
    }

    /// How many requests met each mishap so far.
    pub fn mishaps(&self) -> Vec<(Mishap, usize)> {
        Mishap::ALL
            .iter()
            .zip(&self.chaos.met)
            .map(|(m, n)| (*m, n.load(Ordering::SeqCst)))
            .collect()
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
    chaos: Arc<Chaos>,
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
            4 => {
                let whole = read_whole_request(&mut client, &request[..n]).await?;
                if !relay_with_a_mishap(&mut client, &mut server, upstream, &whole, faults).await? {
                    return Ok(());
                }
                n = client.read(&mut request).await?;
            }
            _ => {
                server.write_all(&request[..n]).await?;
                n = pump_until_next_request(&mut client, &mut server, &mut request).await?;
            }
        }
    }
}

/// Passes one whole request (`whole`) and its answer, meeting the next drawn [`Mishap`] on the
/// way; false when the mishap closed the line.
async fn relay_with_a_mishap(
    client: &mut TcpStream,
    server: &mut TcpStream,
    upstream: SocketAddr,
    whole: &[u8],
    faults: &Faults,
) -> std::io::Result<bool> {
    let chaos = &faults.chaos;
    let mishap = chaos.draw();
    match mishap {
        Mishap::CutRequest => {
            server
                .write_all(&whole[..chaos.part_of(whole.len())])
                .await?;
            return Ok(false);
        }
        Mishap::Delayed => tokio::time::sleep(chaos.millis(50, 800)).await,
        _ => {}
    }
    server.write_all(whole).await?;
    let answer = read_whole_answer(server).await?;
    match mishap {
        Mishap::LostReply => return Ok(false),
        Mishap::TruncatedReply => {
            client
                .write_all(&answer[..chaos.part_of(answer.len())])
                .await?;
            return Ok(false);
        }
        Mishap::Duplicated => {
            let (copy, late) = (whole.to_vec(), chaos.millis(0, 1500));
            tokio::spawn(async move {
                tokio::time::sleep(late).await;
                if let Ok(mut line) = TcpStream::connect(upstream).await {
                    let _ = line.write_all(&copy).await;
                    let _ = read_whole_answer(&mut line).await;
                }
            });
        }
        _ => {}
    }
    client.write_all(&answer).await?;
    Ok(true)
}

/// Where a message's headers end (after the blank line), and its `Content-Length` if it has one.
fn headers_end(message: &[u8]) -> Option<(usize, String)> {
    let end = message.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    Some((
        end,
        String::from_utf8_lossy(&message[..end]).to_ascii_lowercase(),
    ))
}

fn content_length(headers: &str) -> Option<usize> {
    headers
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
}

/// Reads from the client the rest of a request whose first bytes are `start`: its headers and
/// its `Content-Length` of body.
async fn read_whole_request(client: &mut TcpStream, start: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut whole = start.to_vec();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if let Some((end, headers)) = headers_end(&whole)
            && whole.len() >= end + content_length(&headers).unwrap_or(0)
        {
            return Ok(whole);
        }
        let n = client.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        whole.extend_from_slice(&buf[..n]);
    }
}

/// Reads the server's whole answer: its headers, then its `Content-Length` of body, its chunks
/// to the last, or (with neither) up to the close; none after 204 and 304.
async fn read_whole_answer(server: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut answer = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if let Some((end, headers)) = headers_end(&answer) {
            let bodiless =
                headers.starts_with("http/1.1 204") || headers.starts_with("http/1.1 304");
            let whole = if bodiless {
                true
            } else if let Some(length) = content_length(&headers) {
                answer.len() >= end + length
            } else if headers.contains("transfer-encoding: chunked") {
                answer[end..].ends_with(b"0\r\n\r\n")
            } else {
                false
            };
            if whole {
                return Ok(answer);
            }
        }
        let n = server.read(&mut buf).await?;
        if n == 0 {
            return Ok(answer);
        }
        answer.extend_from_slice(&buf[..n]);
    }
}

/// Forwards a request whose first bytes are `start`, reading from the client until its headers
/// and its `Content-Length` of body have all gone to the server.
async fn forward_whole_request(
    client: &mut TcpStream,
    server: &mut TcpStream,
    start: &[u8],
) -> std::io::Result<()> {
    let whole = read_whole_request(client, start).await?;
    server.write_all(&whole).await
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
