//! Storage tests: every body runs against each backend through `store_test!` (SQLite today; PostgreSQL joins the
//! macro when its backend lands).

mod queue;
mod runs;
mod triggers;

/// Defines a test that runs `$body` with a fresh store of each backend.
#[macro_export]
macro_rules! store_test {
    ($name:ident, $body:expr) => {
        #[tokio::test]
        async fn $name() {
            let store = storage::SqliteStore::in_memory()
                .await
                .expect("in-memory SQLite");
            ($body)(std::sync::Arc::new(store)).await;
        }
    };
}
