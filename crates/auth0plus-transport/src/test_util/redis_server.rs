//! [`RedisServer`]: a throwaway `redis-server` for tests and benches, on a
//! free loopback port, in its own temporary directory, without persistence.

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Set to `1` to make a test that finds no `redis-server` fail instead of
/// skipping (CI sets it, so every Redis test runs there).
pub const REQUIRE_REDIS_VAR: &str = "AUTH0PLUS_REQUIRE_REDIS";

/// The `redis-server` binary to run, when not the one on `PATH`.
pub const REDIS_SERVER_VAR: &str = "AUTH0PLUS_REDIS_SERVER";

fn binary() -> std::ffi::OsString {
    std::env::var_os(REDIS_SERVER_VAR).unwrap_or_else(|| "redis-server".into())
}

/// A `redis-server` child process, killed (and its directory removed) on
/// drop. Debian's package `redis-server` provides the binary.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl RedisServer {
    /// Start a server, or say loudly on stderr that `test` is skipped because
    /// `redis-server` is not installed and return `None`.
    ///
    /// # Panics
    /// When `redis-server` is missing and [`REQUIRE_REDIS_VAR`] is `1`, or
    /// when it is installed but does not start.
    #[must_use]
    pub fn start_or_skip(test: &str) -> Option<Self> {
        if !Self::installed() {
            let required = std::env::var(REQUIRE_REDIS_VAR).is_ok_and(|v| v == "1");
            assert!(
                !required,
                "{test}: redis-server is not installed and {REQUIRE_REDIS_VAR}=1"
            );
            // Straight to the process's stderr: the test harness captures
            // `eprintln!` of passing tests, and a skip must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED {test}: redis-server is not installed \
                 (apt-get install redis-server; {REQUIRE_REDIS_VAR}=1 makes this a failure) ***\n"
            );
            return None;
        }
        match Self::start() {
            Ok(server) => Some(server),
            Err(error) => panic!("{test}: redis-server is installed but did not start: {error}"),
        }
    }

    /// Whether a `redis-server` binary is on `PATH` (or at
    /// `$AUTH0PLUS_REDIS_SERVER`).
    #[must_use]
    pub fn installed() -> bool {
        Command::new(binary())
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Start a server on a free loopback port and wait until it answers.
    ///
    /// # Errors
    /// When it cannot be started or does not answer within 10 s.
    pub fn start() -> Result<Self, String> {
        static STARTED: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "auth0plus-redis-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let mut server = Self {
            child: None,
            port,
            dir,
        };
        server.spawn()?;
        Ok(server)
    }

    fn spawn(&mut self) -> Result<(), String> {
        let child = Command::new(binary())
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1", "--protected-mode", "yes"])
            .args(["--save", "", "--appendonly", "no", "--loglevel", "warning"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run redis-server: {e}"))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.ping() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
        Err(format!("no PONG on port {} within 10 s", self.port))
    }

    /// Whether it answers `PING` now.
    #[must_use]
    pub fn ping(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
        let mut answer = [0_u8; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut answer).is_ok()
            && &answer == b"+PONG\r\n"
    }

    /// Its URL, `redis://127.0.0.1:{port}/`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Its port.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kill it (an outage); [`RedisServer::restart`] brings it back, empty.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Start it again on the same port (empty: nothing is persisted).
    ///
    /// # Errors
    /// As [`RedisServer::start`].
    pub fn restart(&mut self) -> Result<(), String> {
        self.kill();
        self.spawn()
    }
}
