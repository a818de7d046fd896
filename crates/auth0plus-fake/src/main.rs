//! The standalone fake Auth0 tenant; see [`auth0plus_fake::cli`].

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = auth0plus_fake::cli::run(args).await {
        eprintln!("{e}");
        std::process::exit(2);
    }
}
