//! nginx (Debian's) as a city's load balancer in front of its server instances: round robin,
//! a failed connection tried on the next instance, the client's address passed on in
//! `X-Forwarded-For`. Dropping it stops it and deletes its files.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Balancer {
    binary: PathBuf,
    dir: PathBuf,
    addr: SocketAddr,
    child: Child,
}

fn nginx_binary() -> PathBuf {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
        .expect("nginx (scripts/setup --with-tests installs it)")
}

impl Balancer {
    pub async fn start(instances: &[SocketAddr]) -> Self {
        let binary = nginx_binary();
        let dir = std::env::temp_dir().join(format!("yoyaku-balancer-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let upstreams: String = instances
            .iter()
            .map(|instance| format!("        server {instance} max_fails=1 fail_timeout=1s;\n"))
            .collect();
        // Answers are kept in memory (no temporary files, which nginx's workers, running as
        // nobody, could not write here).
        let config = format!(
            "daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream city {{
{upstreams}
    }}
    server {{
        listen {addr};
        client_max_body_size 16m;
        location / {{
            proxy_pass http://city;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_next_upstream error timeout;
            proxy_connect_timeout 1s;
            proxy_read_timeout 30s;
            proxy_max_temp_file_size 0;
            proxy_buffers 64 64k;
        }}
    }}
}}
",
            dir = dir.display()
        );
        std::fs::write(dir.join("nginx.conf"), config).unwrap();
        let child = Command::new(&binary)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let balancer = Self {
            binary,
            dir,
            addr,
            child,
        };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return balancer;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let log = std::fs::read_to_string(balancer.dir.join("error.log")).unwrap_or_default();
        panic!("nginx did not come up: {log}");
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        // Its own way to stop, so that the master takes its workers with it.
        let stopped = Command::new(&self.binary)
            .arg("-p")
            .arg(&self.dir)
            .arg("-c")
            .arg(self.dir.join("nginx.conf"))
            .args(["-s", "stop"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !stopped {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
