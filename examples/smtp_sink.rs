//! A tiny SMTP sink for `bench/run.sh`: listens on 127.0.0.1:<port>, accepts every message and
//! counts them. Prints `listening on 127.0.0.1:<port>` once ready, `received <n>` each second the
//! count has changed, and `received <n> messages` when it is stopped with SIGTERM or SIGINT.
//!
//! ```sh
//! cargo build --release --example smtp_sink
//! target/release/examples/smtp_sink 2525        # port 0 picks a free one
//! ```

use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mailin_embedded::response::OK;
use mailin_embedded::{Handler, Response, Server};
use tokio::signal::unix::{signal, SignalKind};

/// Messages are not kept: only the count of completed DATA transfers.
#[derive(Clone, Default)]
struct Sink {
    received: Arc<AtomicU64>,
}

impl Handler for Sink {
    fn data(&mut self, _buf: &[u8]) -> std::io::Result<()> {
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        self.received.fetch_add(1, Ordering::Relaxed);
        OK
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = match std::env::args().nth(1) {
        Some(p) => p.parse().map_err(|_| format!("usage: smtp_sink <port>; '{p}' is not a port"))?,
        None => return Err("usage: smtp_sink <port>".into()),
    };
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let addr = listener.local_addr()?;
    let sink = Sink::default();
    let received = sink.received.clone();
    let mut server = Server::new(sink);
    // One thread per open connection: enough that the sender's connection pool never waits.
    server.with_name("smtp-sink.localhost").with_num_threads(32).with_tcp_listener(listener);
    std::thread::spawn(move || {
        if let Err(e) = server.serve() {
            eprintln!("smtp_sink: {e}");
            std::process::exit(1);
        }
    });
    println!("listening on {addr}");

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut shown = 0;
        loop {
            tokio::select! {
                _ = term.recv() => break,
                _ = int.recv() => break,
                _ = tick.tick() => {
                    let n = received.load(Ordering::Relaxed);
                    if n != shown {
                        println!("received {n}");
                        shown = n;
                    }
                }
            }
        }
        Ok::<_, std::io::Error>(())
    })?;
    println!("received {} messages", received.load(Ordering::Relaxed));
    Ok(())
}
