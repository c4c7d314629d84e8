//! The two backends' migrations build the same schema: the same tables, the same columns (and which may be null),
//! the same indexes on the same columns. Their SQL differs only in types, so a migration added to one backend and
//! forgotten (or written differently) in the other fails here.

use std::collections::BTreeMap;

use sqlx::sqlite::SqlitePoolOptions;

/// Table -> its columns (`name` or `name NOT NULL`), and index -> `table (columns) [unique]`.
#[derive(Debug, PartialEq)]
struct Schema {
    tables: BTreeMap<String, Vec<String>>,
    indexes: BTreeMap<String, String>,
}

fn column(name: String, not_null: bool) -> String {
    if not_null {
        format!("{name} NOT NULL")
    } else {
        name
    }
}

fn index(table: &str, columns: &[String], unique: bool) -> String {
    let unique = if unique { " unique" } else { "" };
    format!("{table} ({}){unique}", columns.join(", "))
}

async fn sqlite_schema() -> Schema {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wand.db");
    storage::SqliteStore::open(&path).await.unwrap();
    let pool = SqlitePoolOptions::new()
        .connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let mut schema = Schema {
        tables: BTreeMap::new(),
        indexes: BTreeMap::new(),
    };
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
            AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (table,) in tables {
        // The primary key is NOT NULL in PostgreSQL by definition; SQLite's pragma reports only what was written.
        let columns: Vec<(String, bool, bool)> = sqlx::query_as(
            "SELECT name, \"notnull\", pk > 0 FROM pragma_table_info($1) ORDER BY name",
        )
        .bind(&table)
        .fetch_all(&pool)
        .await
        .unwrap();
        let columns = columns
            .into_iter()
            .map(|(name, not_null, key)| column(name, not_null || key))
            .collect();
        schema.tables.insert(table.clone(), columns);
        // Indexes the migrations name (SQLite's automatic ones back UNIQUE and PRIMARY KEY constraints).
        let indexes: Vec<(String, bool)> = sqlx::query_as(
            "SELECT name, \"unique\" FROM pragma_index_list($1) WHERE origin = 'c' ORDER BY name",
        )
        .bind(&table)
        .fetch_all(&pool)
        .await
        .unwrap();
        for (name, unique) in indexes {
            let columns: Vec<(String,)> =
                sqlx::query_as("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&name)
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            let columns: Vec<String> = columns.into_iter().map(|(name,)| name).collect();
            schema.indexes.insert(name, index(&table, &columns, unique));
        }
    }
    schema
}

async fn postgres_schema() -> Schema {
    let (_store, url) = crate::postgres_store_named().await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .connect(&url)
        .await
        .unwrap();
    let mut schema = Schema {
        tables: BTreeMap::new(),
        indexes: BTreeMap::new(),
    };
    let columns: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::TEXT, column_name::TEXT, is_nullable::TEXT FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations' ORDER BY table_name, column_name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (table, name, nullable) in columns {
        schema
            .tables
            .entry(table)
            .or_default()
            .push(column(name, nullable == "NO"));
    }
    // Indexes the migrations name, not those PostgreSQL makes for PRIMARY KEY and UNIQUE constraints.
    let indexes: Vec<(String, String, bool, Vec<String>)> = sqlx::query_as(
        "SELECT i.relname::TEXT, t.relname::TEXT, x.indisunique,
                ARRAY(SELECT a.attname::TEXT FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
                      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n)
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = 'public' AND t.relname <> '_sqlx_migrations'
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (name, table, unique, columns) in indexes {
        schema.indexes.insert(name, index(&table, &columns, unique));
    }
    schema
}

#[tokio::test]
async fn both_backends_build_the_same_schema_postgres() {
    let sqlite = sqlite_schema().await;
    // Guard against comparing two empty readings.
    assert!(sqlite.tables.contains_key("block_runs"), "{sqlite:#?}");
    assert!(
        sqlite.indexes.contains_key("block_runs_queue"),
        "{sqlite:#?}"
    );
    assert_eq!(sqlite, postgres_schema().await);
}
