//! Building and running the service: database, migrations, the HTTP server on its listener, and
//! the email worker, with a graceful stop for all of them.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use actix_web_prom::PrometheusMetricsBuilder;
use tokio_util::sync::CancellationToken;

use crate::app::{AppContext, Clock, SystemClock};
use crate::auth::jwt::JwtKeys;
use crate::config::Settings;
use crate::db::Db;
use crate::email::transport::Transport;
use crate::email::worker::Worker;
use crate::email::Mailer;
use crate::http::extract::TrustedProxies;

pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    context: AppContext,
    stop: CancellationToken,
    worker: tokio::task::JoinHandle<()>,
    scheduler: tokio::task::JoinHandle<()>,
    mail_description: String,
}

/// Opens the database and applies pending migrations.
pub async fn open_database(settings: &Settings) -> anyhow::Result<Db> {
    let db_settings = settings.database.clone();
    let settings = settings.clone();
    let db = tokio::task::spawn_blocking(move || {
        let db = Db::connect(&db_settings)?;
        db.migrate()?;
        let filled = db
            .with_conn(|c| crate::app::cases::backfill_targets(c, &settings, chrono::Utc::now().date_naive()))
            .map_err(|e| e.to_string())?;
        if filled > 0 {
            tracing::info!(cases = filled, "kept the target decision date of cases submitted before it was kept");
        }
        Ok::<_, String>(db)
    })
    .await?
    .map_err(anyhow::Error::msg)?;
    Ok(db)
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let db = open_database(&settings).await?;
        let mailer = Mailer::new(&settings.base_url, &settings.mail.from).map_err(anyhow::Error::msg)?;
        let transport = Arc::new(Transport::from_settings(&settings.mail).map_err(anyhow::Error::msg)?);
        let mail_description = transport.describe();
        let context = AppContext {
            db: db.clone(),
            jwt: JwtKeys::new(&settings.jwt),
            mailer: Arc::new(mailer),
            settings: Arc::new(settings.clone()),
            clock,
            stats_cache: Default::default(),
            capped_counts: Default::default(),
        };
        if settings.stats.cache_seconds > 0 {
            crate::app::stats::refresh_in_background(&context);
        }

        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| anyhow::anyhow!("SANDBOX_BIND: cannot listen on {}: {e}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let prometheus = PrometheusMetricsBuilder::new("sandbox")
            .endpoint("/metrics")
            .mask_unmatched_patterns("UNKNOWN")
            .build()
            .map_err(|e| anyhow::anyhow!("metrics: {e}"))?;
        let json_limit = settings.http.json_limit_bytes;
        let data = web::Data::new(context.clone());
        let trusted = web::Data::new(TrustedProxies(settings.trusted_proxies()));
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(trusted.clone())
                .wrap(from_fn(crate::web::session::layer))
                .wrap(prometheus.clone())
                .wrap(from_fn(crate::http::middleware::request_context))
                .configure(|cfg| crate::http::configure(cfg, json_limit))
        })
        .listen(listener)?
        // Signals are handled by `stop_on_signals`, installed before the service says it is up.
        .disable_signals()
        .shutdown_timeout(settings.http.shutdown_timeout_seconds);
        if settings.http.workers > 0 {
            server = server.workers(settings.http.workers);
        }
        let server = server.run();

        let stop = CancellationToken::new();
        let worker = Worker::new(db, transport, settings.mail.clone()).map_err(anyhow::Error::msg)?;
        let worker = if settings.mail.worker {
            tokio::spawn(worker.run(stop.clone()))
        } else {
            tracing::info!("email worker disabled (mail.worker = false)");
            tokio::spawn(async {})
        };
        let scheduler = if settings.scheduler.enabled {
            tokio::spawn(crate::jobs::scheduler::run(context.clone(), stop.clone()))
        } else {
            tokio::spawn(async {})
        };
        Ok(Application { port, server, context, stop, worker, scheduler, mail_description })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn context(&self) -> &AppContext {
        &self.context
    }

    pub fn mail_description(&self) -> &str {
        &self.mail_description
    }

    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Stops the service gracefully on SIGTERM or SIGINT. The handlers are in place when this
    /// returns, so a signal that arrives right after start-up is not lost.
    pub fn stop_on_signals(&self) -> std::io::Result<()> {
        let handle = self.server.handle();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let mut term = signal(SignalKind::terminate())?;
            let mut int = signal(SignalKind::interrupt())?;
            tokio::spawn(async move {
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM received; finishing requests in flight"),
                    _ = int.recv() => tracing::info!("SIGINT received; finishing requests in flight"),
                }
                handle.stop(true).await;
            });
        }
        #[cfg(not(unix))]
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                handle.stop(true).await;
            }
        });
        Ok(())
    }

    /// Serves until SIGINT/SIGTERM (or a stop through the server handle): requests in flight
    /// finish, then the email worker finishes its pass and stops.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        tracing::info!("HTTP server stopped; stopping the email worker");
        self.stop.cancel();
        if tokio::time::timeout(Duration::from_secs(30), self.worker).await.is_err() {
            tracing::warn!("email worker did not stop within 30 s");
        }
        if tokio::time::timeout(Duration::from_secs(30), self.scheduler).await.is_err() {
            tracing::warn!("scheduler did not stop within 30 s");
        }
        result
    }
}
