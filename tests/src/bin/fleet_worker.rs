//! One process of a fleet, for `tests/tests/it/fleet.rs`: a management client
//! for the fake tenant named on the command line, with the token cache asked
//! for, that gets its token and says `ok` (or the error) on stdout.
//!
//! `fleet_worker BASE_URL DOMAIN CLIENT_ID (--redis URL | --file DIR)`, the
//! client secret on stdin (never on a command line other users can read).

use std::io::BufRead as _;

use auth0plus::Auth0;
use auth0plus::oauth::{FileCache, RedisTokenCache};
use auth0plus::transport::Redis;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base_url, domain, client_id, kind, place] = &args[..] else {
        eprintln!(
            "usage: fleet_worker BASE_URL DOMAIN CLIENT_ID (--redis URL | --file DIR) < secret"
        );
        std::process::exit(2);
    };
    let mut secret = String::new();
    if std::io::stdin().lock().read_line(&mut secret).is_err() {
        std::process::exit(2);
    }
    let builder = Auth0::builder(domain)
        .client_credentials(client_id, secret.trim())
        .base_url(base_url);
    let builder = match kind.as_str() {
        "--redis" => match Redis::open(place) {
            Ok(redis) => builder.token_cache(RedisTokenCache::new(redis)),
            Err(e) => {
                println!("{e}");
                std::process::exit(1);
            }
        },
        _ => builder.token_cache(FileCache::new(place)),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let outcome = runtime.block_on(async {
        let auth0 = builder.build().map_err(|e| e.to_string())?;
        auth0
            .token_source()
            .token()
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    });
    match outcome {
        Ok(()) => println!("ok"),
        Err(e) => {
            println!("{e}");
            std::process::exit(1);
        }
    }
}
