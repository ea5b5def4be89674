//! Writes the demo history into a plain SQLite store without vault: a log as it was
//! written before the vault, to try `kringloop versleutel` on.
//!
//! `cargo run --release -p kringloop-vault --example plain_demo -- oud.db [scale]`

use std::sync::Arc;

use kringloop_demo::{DemoConfig, generate, write_to_store};
use kringloop_store::EventStore;
use kringloop_store::sqlite::SqliteStore;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("geef het pad van de nieuwe database")?;
    let scale: f64 = args.next().map_or(Ok(1.0), |s| s.parse())?;
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(&path).await?);
    if store.head_position().await? > 0 {
        return Err(format!("{path} is niet leeg").into());
    }
    let config = DemoConfig {
        scale,
        ..DemoConfig::default()
    };
    let summary = write_to_store(store.as_ref(), generate(&config)?, 20_000, |_| {}).await?;
    store.close().await?;
    println!("{path}: {summary:?}");
    Ok(())
}
