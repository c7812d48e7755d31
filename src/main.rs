//! The `sandbox` command: serve the service, run migrations, create the first admin, check the
//! audit trail.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use sandbox::app::users::bootstrap_admin;
use sandbox::auth::password::hash_password;
use sandbox::config::Settings;
use sandbox::db::{self, Db};
use sandbox::domain::account::{DisplayName, EmailAddress, NewPassword};
use sandbox::startup::Application;

const SETTINGS_HELP: &str = "\
Settings come from config/default.toml, then config/<SANDBOX_ENV>.toml, then the environment:
  DATABASE_URL            sqlite://data/sandbox.db (default), sqlite:///abs/path.db or postgres://user:pass@host/db
  SANDBOX_ENV             development (default) | test | production
  SANDBOX_BIND            host:port to listen on (default 127.0.0.1:8080)
  SANDBOX_BASE_URL        public URL used in email links (default http://127.0.0.1:8080)
  SANDBOX_JWT_SECRET      signing secret, at least 32 characters (required in production)
  SANDBOX_MAIL_TRANSPORT  file (default: .eml files) | smtp | log
  SANDBOX_MAIL_DIR        folder for .eml files (default data/mail)
  SANDBOX_SMTP_URL        smtp://host:port, smtps://user:pass@host, smtp://host:587?tls=required
  SANDBOX_MAIL_FROM       sender, e.g. 'Planning Sandbox <no-reply@example.org>'
  SANDBOX_LOG             log filter (default info); SANDBOX_LOG_FORMAT pretty | json
  SANDBOX_DB_POOL_SIZE, SANDBOX_JSON_LIMIT_BYTES, SANDBOX_TRUSTED_PROXIES (comma-separated IPs/CIDRs)
Any other setting: SANDBOX__<SECTION>__<KEY>, e.g. SANDBOX__MAIL__MAX_ATTEMPTS=3.
Production refuses to start with the development JWT secret or a mail transport other than smtp.";

#[derive(Parser)]
#[command(name = "sandbox", version, about = "Case management for planning regulatory sandboxes", after_help = SETTINGS_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service and the email worker (the default). Applies pending migrations first.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an administrator. The password is read from standard input (one line).
    CreateAdmin {
        /// The administrator's email address.
        #[arg(long)]
        email: String,
        /// The name shown to others.
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
    /// Check every audit-trail hash chain and name the first broken link; with --against, also
    /// check that the trail still gives a checkpoint saved earlier (exit 3 if not).
    VerifyAudit {
        /// A checkpoint as `GET /api/v1/audit/checkpoints` served it (one JSON object), kept in a file.
        #[arg(long, value_name = "CHECKPOINT")]
        against: Option<std::path::PathBuf>,
    },
    /// Make today's audit checkpoint if there is none (the service's scheduler does this daily).
    AuditCheckpoint,
    /// Run one scheduler pass (overdue conditions and milestones, reminders, escalations) and
    /// exit; for driving the scheduler from cron instead of the service.
    RunSchedulerOnce,
    /// Send every email that is due in the outbox through the configured transport, then exit;
    /// for draining the queue from cron or measuring delivery (see docs/BENCHMARKS.md).
    DeliverOutbox {
        /// Stop after this many emails (all that are due if not given).
        #[arg(long)]
        max: Option<usize>,
    },
    /// Fill the database with realistic, deterministic demo data (zones, organisations, users of
    /// every role, cases in every state) and print the demo logins.
    SeedDemo {
        /// How many cases to create.
        #[arg(long, default_value_t = 200)]
        cases: usize,
        /// The random seed: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sandbox: {e}");
            return ExitCode::from(2);
        }
    };
    sandbox::telemetry::init(&settings);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings),
        Command::Migrate => migrate(&settings),
        Command::CreateAdmin { email, name } => create_admin(&settings, &email, &name),
        Command::VerifyAudit { against } => verify_audit(&settings, against.as_deref()),
        Command::AuditCheckpoint => audit_checkpoint(settings),
        Command::RunSchedulerOnce => run_scheduler_once(settings),
        Command::DeliverOutbox { max } => deliver_outbox(settings, max),
        Command::SeedDemo { cases, seed } => seed_demo(&settings, cases, seed),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("sandbox: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: Settings) -> Result<ExitCode, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let location = db::describe_location(&settings.database_url());
        let app = Application::build(settings.clone()).await.map_err(|e| format!("{e:#}"))?;
        app.stop_on_signals().map_err(|e| format!("cannot install signal handlers: {e}"))?;
        let host = settings.bind.rsplit_once(':').map(|(h, _)| h).unwrap_or("127.0.0.1");
        tracing::info!(
            "Planning Sandbox listening on http://{host}:{port} (env {env}); data in {location}; email goes to {mail}",
            port = app.port(),
            env = settings.env.as_str(),
            mail = app.mail_description(),
        );
        tracing::info!(
            "API docs at http://{host}:{port}/docs/. Create the first admin with: sandbox create-admin --email you@example.org (or: cargo run --release -- create-admin --email you@example.org), then type the password",
            port = app.port()
        );
        app.run_until_stopped().await.map_err(|e| e.to_string())?;
        Ok(ExitCode::SUCCESS)
    })
}

fn open(settings: &Settings) -> Result<Db, String> {
    let db = Db::connect(&settings.database)?;
    db.migrate()?;
    Ok(db)
}

fn migrate(settings: &Settings) -> Result<ExitCode, String> {
    let db = Db::connect(&settings.database)?;
    let applied = db.migrate()?;
    println!("{applied} migration(s) applied to {}", db::describe_location(&settings.database_url()));
    Ok(ExitCode::SUCCESS)
}

fn read_password() -> Result<String, String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password for the new admin (at least 12 characters): ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|e| format!("cannot read the password: {e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn create_admin(settings: &Settings, email: &str, name: &str) -> Result<ExitCode, String> {
    let email = EmailAddress::parse(email).map_err(|m| format!("--email {m}"))?;
    let name = DisplayName::parse(name).map_err(|m| format!("--name {m}"))?;
    let password = NewPassword::parse(&read_password()?).map_err(|m| format!("the password {m}"))?;
    let hash = hash_password(password.expose())?;
    let db = open(settings)?;
    let id =
        db.with_conn(|conn| bootstrap_admin(conn, &email, &name.into_inner(), &hash, db::now())).map_err(
            |e| match e {
                sandbox::error::AppError::Conflict { detail, .. } => detail,
                other => other.to_string(),
            },
        )?;
    println!("Created admin {email} (user id {id}). Log in at POST /api/v1/auth/login.");
    Ok(ExitCode::SUCCESS)
}

fn verify_audit(settings: &Settings, against: Option<&std::path::Path>) -> Result<ExitCode, String> {
    let kept: Option<db::checkpoints::Checkpoint> = match against {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Some(serde_json::from_str(&text).map_err(|e| format!("{}: not a checkpoint: {e}", path.display()))?)
        }
        None => None,
    };
    let db = open(settings)?;
    let outcome =
        db.with_conn(|conn| db::audit::verify_all(conn).map_err(db::DbError::from)).map_err(|e| e.to_string())?;
    match outcome {
        Ok(n) => {
            println!("audit trail intact: {n} event(s) checked");
            if let Some(kept) = kept {
                let matched = db
                    .with_conn(|conn| db::checkpoints::verify_against(conn, &kept).map_err(db::DbError::from))
                    .map_err(|e| e.to_string())?;
                match matched {
                    Ok(()) => println!(
                        "the checkpoint of {} holds: {} chain(s), {} event(s), digest {}",
                        kept.day, kept.streams, kept.events, kept.digest
                    ),
                    Err(why) => {
                        println!("CHECKPOINT NOT MATCHED: {why}");
                        return Ok(ExitCode::from(3));
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(broken) => {
            println!(
                "audit trail BROKEN at {} event {} (id {}): {}",
                broken.stream, broken.seq, broken.event_id, broken.reason
            );
            Ok(ExitCode::from(3))
        }
    }
}

fn audit_checkpoint(settings: Settings) -> Result<ExitCode, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let db = sandbox::startup::open_database(&settings).await.map_err(|e| format!("{e:#}"))?;
        let ctx = sandbox::app::AppContext::new(db, settings).map_err(|e| e.to_string())?;
        match sandbox::app::checkpoints::make_if_due(&ctx).await.map_err(|e| e.to_string())? {
            Some(c) => println!(
                "audit checkpoint for {}: {} chain(s), {} event(s) up to {}, digest {}",
                c.day, c.streams, c.events, c.up_to, c.digest
            ),
            None => println!("today's audit checkpoint exists already"),
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn run_scheduler_once(settings: Settings) -> Result<ExitCode, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let db = sandbox::startup::open_database(&settings).await.map_err(|e| format!("{e:#}"))?;
        let ctx = sandbox::app::AppContext::new(db, settings).map_err(|e| e.to_string())?;
        let report = sandbox::jobs::scheduler::run_once(&ctx).await.map_err(|e| e.to_string())?;
        println!(
            "scheduler pass: {} condition(s) and {} milestone(s) now overdue, {} reminder(s) queued",
            report.conditions_overdue, report.milestones_overdue, report.reminders
        );
        Ok(ExitCode::SUCCESS)
    })
}

fn deliver_outbox(settings: Settings, max: Option<usize>) -> Result<ExitCode, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let db = sandbox::startup::open_database(&settings).await.map_err(|e| format!("{e:#}"))?;
        let transport = std::sync::Arc::new(sandbox::email::transport::Transport::from_settings(&settings.mail)?);
        let worker = sandbox::email::worker::Worker::new(db, transport, settings.mail.clone())?;
        let started = std::time::Instant::now();
        let (mut sent, mut retried, mut dead) = (0, 0, 0);
        loop {
            let report = worker.pass(db::now()).await.map_err(|e| e.to_string())?;
            sent += report.sent;
            retried += report.retried;
            dead += report.dead;
            if report.sent + report.retried + report.dead == 0 || max.is_some_and(|m| sent + retried + dead >= m) {
                break;
            }
        }
        let seconds = started.elapsed().as_secs_f64();
        println!("delivered {sent} emails in {seconds:.2} s ({retried} to retry later, {dead} dead)");
        Ok(if retried + dead > 0 { ExitCode::from(4) } else { ExitCode::SUCCESS })
    })
}

fn seed_demo(settings: &Settings, cases: usize, seed: u64) -> Result<ExitCode, String> {
    let db = open(settings)?;
    let started = std::time::Instant::now();
    let batch = 1000;
    let rules = sandbox::jobs::seed::SeedRules::new(settings, chrono::Utc::now().date_naive())?;
    let report = sandbox::jobs::seed::seed(&db, cases, seed, batch, &rules, |done, total| {
        if total > batch || done == total {
            eprintln!("seeded {done}/{total} cases ({:.0} s)", started.elapsed().as_secs_f64());
        }
    })?;
    println!(
        "Seeded {} cases in {:.1} s. Demo logins (password {}):",
        report.cases,
        started.elapsed().as_secs_f64(),
        sandbox::jobs::seed::DEMO_PASSWORD
    );
    for (email, role) in report.logins {
        println!("  {role:<10} {email}");
    }
    Ok(ExitCode::SUCCESS)
}
