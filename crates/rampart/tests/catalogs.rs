//! Schema discovery the way ORMs and migration tools do it, over the
//! extended protocol with binary results (tokio-postgres): tables, columns,
//! primary and foreign keys from information_schema, and the same from
//! pg_catalog with regclass casts, format_type and pg_get_constraintdef.

mod common;

use common::{assert_db_error, Server};

/// (name, data_type, is_nullable, numeric_precision, numeric_scale)
type ColumnFacts = (String, String, String, Option<i32>, Option<i32>);

async fn setup(client: &tokio_postgres::Client) {
    client
        .batch_execute(
            "CREATE SCHEMA app;
             CREATE TABLE app.authors (id serial PRIMARY KEY, name varchar(80) NOT NULL UNIQUE);
             CREATE TABLE app.books (
                 id bigint PRIMARY KEY,
                 author_id int NOT NULL REFERENCES app.authors(id) ON DELETE CASCADE,
                 title text,
                 price numeric(10,2) CHECK (price >= 0));
             CREATE INDEX books_title_idx ON app.books (title);",
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn information_schema_describes_tables_columns_and_keys() {
    let srv = Server::start_trust();
    let client = srv.connect().await;
    setup(&client).await;
    let tables: Vec<(String, String)> = client
        .query(
            "SELECT table_name, table_type FROM information_schema.tables
             WHERE table_schema = $1 ORDER BY table_name",
            &[&"app"],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        tables,
        [
            ("authors".to_string(), "BASE TABLE".to_string()),
            ("books".to_string(), "BASE TABLE".to_string())
        ]
    );
    let columns = client
        .query(
            "SELECT column_name, data_type, is_nullable, character_maximum_length,
                    numeric_precision, numeric_scale, column_default
             FROM information_schema.columns
             WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
            &[&"app", &"books"],
        )
        .await
        .unwrap();
    let described: Vec<ColumnFacts> = columns
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(4), r.get(5)))
        .collect();
    assert_eq!(
        described,
        [
            ("id".into(), "bigint".into(), "NO".into(), Some(64), Some(0)),
            (
                "author_id".into(),
                "integer".into(),
                "NO".into(),
                Some(32),
                Some(0)
            ),
            ("title".into(), "text".into(), "YES".into(), None, None),
            (
                "price".into(),
                "numeric".into(),
                "YES".into(),
                Some(10),
                Some(2)
            ),
        ]
    );
    let name_len: Option<i32> = client
        .query_one(
            "SELECT character_maximum_length FROM information_schema.columns
             WHERE table_schema = 'app' AND table_name = 'authors' AND column_name = 'name'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(name_len, Some(80));
    let default: Option<String> = client
        .query_one(
            "SELECT column_default FROM information_schema.columns
             WHERE table_schema = 'app' AND table_name = 'authors' AND column_name = 'id'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    // app is not on the search path, so the sequence is schema-qualified.
    assert_eq!(
        default.as_deref(),
        Some("nextval('app.authors_id_seq'::regclass)")
    );
    // Primary and foreign keys, the way migration tools join these views.
    let keys: Vec<(String, String, String)> = client
        .query(
            "SELECT tc.constraint_type, kcu.column_name, tc.constraint_name
             FROM information_schema.table_constraints tc
             JOIN information_schema.key_column_usage kcu
               ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
             WHERE tc.table_schema = 'app' AND tc.table_name = 'books'
             ORDER BY tc.constraint_type, kcu.ordinal_position",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        keys,
        [
            (
                "FOREIGN KEY".into(),
                "author_id".into(),
                "books_author_id_fkey".into()
            ),
            ("PRIMARY KEY".into(), "id".into(), "books_pkey".into()),
        ]
    );
    let rule: (String, String) = client
        .query_one(
            "SELECT unique_constraint_name, delete_rule FROM information_schema.referential_constraints
             WHERE constraint_schema = 'app'",
            &[],
        )
        .await
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!(rule, ("authors_pkey".into(), "CASCADE".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_catalog_describes_columns_indexes_and_constraints() {
    let srv = Server::start_trust();
    let client = srv.connect().await;
    setup(&client).await;
    let columns: Vec<(String, String, bool)> = client
        .query(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
             FROM pg_attribute a
             WHERE a.attrelid = 'app.books'::regclass AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        columns,
        [
            ("id".into(), "bigint".into(), true),
            ("author_id".into(), "integer".into(), true),
            ("title".into(), "text".into(), false),
            ("price".into(), "numeric(10,2)".into(), false),
        ]
    );
    let indexes: Vec<(String, bool, String)> = client
        .query(
            "SELECT c.relname, i.indisunique, pg_get_indexdef(i.indexrelid)
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE i.indrelid = 'app.books'::regclass ORDER BY c.relname",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        indexes,
        [
            (
                "books_pkey".into(),
                true,
                "CREATE UNIQUE INDEX books_pkey ON app.books USING btree (id)".into()
            ),
            (
                "books_title_idx".into(),
                false,
                "CREATE INDEX books_title_idx ON app.books USING btree (title)".into()
            ),
        ]
    );
    let constraints: Vec<(String, String, String)> = client
        .query(
            "SELECT conname, contype, pg_get_constraintdef(oid)
             FROM pg_constraint WHERE conrelid = 'app.books'::regclass ORDER BY conname",
            &[],
        )
        .await
        .unwrap()
        .iter()
        // contype is "char", which clients read as a single byte (i8).
        .map(|r| {
            (
                r.get(0),
                (r.get::<_, i8>(1) as u8 as char).to_string(),
                r.get(2),
            )
        })
        .collect();
    assert_eq!(
        constraints,
        [
            (
                "books_author_id_fkey".into(),
                "f".into(),
                "FOREIGN KEY (author_id) REFERENCES app.authors(id) ON DELETE CASCADE".into()
            ),
            ("books_pkey".into(), "p".into(), "PRIMARY KEY (id)".into()),
            (
                "books_price_check".into(),
                "c".into(),
                "CHECK ((price >= (0)::numeric))".into()
            ),
        ]
    );
    // regclass prints a name (qualified when off the search path) and
    // compares as an OID; a missing relation is an error, not NULL.
    let name: String = client
        .query_one("SELECT 'app.books'::regclass::text", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(name, "app.books");
    assert_db_error(
        client
            .query_one("SELECT 'app.nosuch'::regclass::text", &[])
            .await,
        "42P01",
        "relation \"app.nosuch\" does not exist",
    );
}

/// DDL rewrites only the catalog entries it changes (one storage record per
/// relation and sequence): every kind of change must survive a restart, and
/// concurrent DDL from two sessions must not lose either's objects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_catalog_records_survive_restart() {
    let srv = Server::start_trust();
    let c = srv.connect().await;
    c.batch_execute(
        "CREATE TABLE keep_a (id serial PRIMARY KEY, v text);
         CREATE TABLE drop_me (id int);
         CREATE TABLE keep_b (id int);
         ALTER TABLE keep_a ADD COLUMN w int DEFAULT 7;
         CREATE INDEX keep_a_v ON keep_a (v);
         DROP TABLE drop_me;
         CREATE SEQUENCE loose_seq START 40;
         INSERT INTO keep_a (v) VALUES ('x');",
    )
    .await
    .unwrap();
    // A second session's DDL interleaved with the first's.
    let d = srv.connect().await;
    d.batch_execute("CREATE TABLE from_d (n int)")
        .await
        .unwrap();
    c.batch_execute("ALTER TABLE keep_b RENAME TO kept_b")
        .await
        .unwrap();
    drop((c, d));
    let srv = Server::start(srv.stop());
    let c = srv.connect().await;
    let names: Vec<String> = c
        .query(
            "SELECT relname::text FROM pg_class WHERE relnamespace = 'public'::regnamespace
             AND relkind IN ('r', 'S') ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        names,
        ["from_d", "keep_a", "keep_a_id_seq", "kept_b", "loose_seq"]
    );
    let row = c
        .query_one("SELECT id, v, w FROM keep_a WHERE v = 'x'", &[])
        .await
        .unwrap();
    assert_eq!((row.get::<_, i32>(0), row.get::<_, i32>(2)), (1, 7));
    let next: i64 = c
        .query_one("SELECT nextval('loose_seq')", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(next, 40);
    let idx: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_index WHERE indrelid = 'keep_a'::regclass",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(idx, 2);
}

/// The catalogs' own indexes read as PostgreSQL's (names, key columns,
/// keys as constraints), and bad input to the catalog types gets
/// PostgreSQL's SQLSTATE and message, naming the input from the failing
/// element on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_indexes_and_catalog_type_input() {
    let srv = Server::start_trust();
    let client = srv.connect().await;
    let rows: Vec<(String, String, bool)> = client
        .query(
            "SELECT c.relname::text, pg_get_indexdef(i.indexrelid), i.indisprimary
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE i.indrelid = 'pg_authid'::regclass ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        rows,
        [
            (
                "pg_authid_oid_index".into(),
                "CREATE UNIQUE INDEX pg_authid_oid_index ON pg_catalog.pg_authid USING btree (oid)"
                    .into(),
                true
            ),
            (
                "pg_authid_rolname_index".into(),
                "CREATE UNIQUE INDEX pg_authid_rolname_index ON pg_catalog.pg_authid USING btree (rolname)"
                    .into(),
                false
            ),
        ]
    );
    let key: String = client
        .query_one(
            "SELECT indkey::text FROM pg_index WHERE indexrelid = 'pg_class_relname_nsp_index'::regclass",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(key, "2 3");
    for (sql, code, message) in [
        (
            "SELECT '1 x'::int2vector",
            "22P02",
            "invalid input syntax for type smallint: \"x\"",
        ),
        (
            "SELECT '1 70000 2'::int2vector",
            "22003",
            "value \"70000 2\" is out of range for type smallint",
        ),
        (
            "SELECT 'nosuchfn'::regproc",
            "42883",
            "function \"nosuchfn\" does not exist",
        ),
        (
            "SELECT indkey[0] FROM pg_index WHERE indexrelid = 'no_such_index'::regclass",
            "42P01",
            "relation \"no_such_index\" does not exist",
        ),
    ] {
        assert_db_error(client.query(sql, &[]).await, code, message);
    }
}
