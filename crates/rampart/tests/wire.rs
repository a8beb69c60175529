//! End-to-end wire-protocol tests: tokio-postgres against a real `rampart serve`.

mod common;

use std::error::Error;

use common::{assert_db_error, within, Server};
use tokio_postgres::types::{FromSql, Type};

/// Decodes PostgreSQL's binary NUMERIC (ndigits, weight, sign, dscale, base-10000
/// digits) into its canonical text form, e.g. `12.50`.
#[derive(Debug, PartialEq)]
struct Numeric(String);

impl<'a> FromSql<'a> for Numeric {
    fn from_sql(_ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        let rd = |i: usize| -> Result<i16, Box<dyn Error + Sync + Send>> {
            Ok(i16::from_be_bytes(
                raw.get(i..i + 2).ok_or("short numeric")?.try_into()?,
            ))
        };
        let ndigits = rd(0)? as usize;
        let weight = rd(2)? as i32;
        let sign = rd(4)? as u16;
        let dscale = rd(6)? as usize;
        if raw.len() != 8 + 2 * ndigits {
            return Err(format!("numeric of {} bytes declares {ndigits} digits", raw.len()).into());
        }
        if sign == 0xC000 {
            return Ok(Numeric("NaN".into()));
        }
        let digits: Vec<i16> = (0..ndigits)
            .map(|i| rd(8 + 2 * i))
            .collect::<Result<_, _>>()?;
        for d in &digits {
            if !(0..10000).contains(d) {
                return Err(format!("numeric digit {d} out of range").into());
            }
        }
        let group = |i: i32| -> i16 {
            if i >= 0 && (i as usize) < ndigits {
                digits[i as usize]
            } else {
                0
            }
        };
        let mut s = String::new();
        if sign == 0x4000 {
            s.push('-');
        }
        if weight < 0 {
            s.push('0');
        } else {
            for i in 0..=weight {
                if i == 0 {
                    s.push_str(&group(i).to_string());
                } else {
                    s.push_str(&format!("{:04}", group(i)));
                }
            }
        }
        if dscale > 0 {
            let mut frac = String::new();
            let mut i = weight + 1;
            while frac.len() < dscale {
                frac.push_str(&format!("{:04}", group(i)));
                i += 1;
            }
            frac.truncate(dscale);
            s.push('.');
            s.push_str(&frac);
        }
        Ok(Numeric(s))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::NUMERIC
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepared_statements_with_parameters() {
    let srv = Server::start_trust();
    let client = srv.connect().await;
    client
        .batch_execute("CREATE TABLE people (id integer PRIMARY KEY, name text NOT NULL)")
        .await
        .unwrap();

    // Explicitly typed parameters.
    let ins = client
        .prepare_typed(
            "INSERT INTO people (id, name) VALUES ($1, $2)",
            &[Type::INT4, Type::TEXT],
        )
        .await
        .unwrap();
    assert_eq!(ins.params(), &[Type::INT4, Type::TEXT]);
    for (id, name) in [(1i32, "alice"), (2, "bob"), (3, "O'Brien \u{e9}")] {
        assert_eq!(client.execute(&ins, &[&id, &name]).await.unwrap(), 1);
    }

    // Types inferred by the server from the target columns.
    let ins2 = client
        .prepare("INSERT INTO people VALUES ($1, $2)")
        .await
        .unwrap();
    assert_eq!(ins2.params(), &[Type::INT4, Type::TEXT]);
    assert_eq!(client.execute(&ins2, &[&4i32, &"dave"]).await.unwrap(), 1);

    let sel = client
        .prepare("SELECT id, name FROM people WHERE id >= $1 AND name <> $2 ORDER BY id")
        .await
        .unwrap();
    assert_eq!(sel.params(), &[Type::INT4, Type::TEXT]);
    assert_eq!(sel.columns()[0].name(), "id");
    assert_eq!(sel.columns()[0].type_(), &Type::INT4);
    assert_eq!(sel.columns()[1].name(), "name");
    assert_eq!(sel.columns()[1].type_(), &Type::TEXT);
    let rows = client.query(&sel, &[&2i32, &"dave"]).await.unwrap();
    let got: Vec<(i32, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(
        got,
        vec![(2, "bob".to_string()), (3, "O'Brien \u{e9}".to_string())]
    );

    // The same statement re-executed with other parameters.
    let rows = client.query(&sel, &[&0i32, &"bob"]).await.unwrap();
    let ids: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(ids, vec![1, 3, 4]);

    // A NULL parameter compares as unknown: no rows.
    let none: Option<&str> = None;
    let rows = client.query(&sel, &[&0i32, &none]).await.unwrap();
    assert!(rows.is_empty());

    // Duplicate key through the prepared insert: 23505, and the connection stays usable.
    let dup = client.execute(&ins, &[&1i32, &"again"]).await;
    assert_db_error(
        dup,
        "23505",
        "duplicate key value violates unique constraint \"people_pkey\"",
    );
    let n: i64 = client
        .query_one("SELECT count(*) FROM people", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_results_for_common_types() {
    let srv = Server::start_trust();
    let client = srv.connect().await;
    let row = client
        .query_one(
            "SELECT 42::int4, 9000000000::int8, 'héllo'::text, true, false, 1.5::float8, \
             -2.25::float8, 12.50::numeric, -0.0001::numeric, 123456789.987654321::numeric, \
             0::numeric, NULL::int4",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.columns()[0].type_(), &Type::INT4);
    assert_eq!(row.columns()[1].type_(), &Type::INT8);
    assert_eq!(row.columns()[2].type_(), &Type::TEXT);
    assert_eq!(row.columns()[3].type_(), &Type::BOOL);
    assert_eq!(row.columns()[5].type_(), &Type::FLOAT8);
    assert_eq!(row.columns()[7].type_(), &Type::NUMERIC);
    assert_eq!(row.get::<_, i32>(0), 42);
    assert_eq!(row.get::<_, i64>(1), 9_000_000_000);
    assert_eq!(row.get::<_, String>(2), "héllo");
    assert!(row.get::<_, bool>(3));
    assert!(!row.get::<_, bool>(4));
    assert_eq!(row.get::<_, f64>(5), 1.5);
    assert_eq!(row.get::<_, f64>(6), -2.25);
    assert_eq!(row.get::<_, Numeric>(7), Numeric("12.50".into()));
    assert_eq!(row.get::<_, Numeric>(8), Numeric("-0.0001".into()));
    assert_eq!(
        row.get::<_, Numeric>(9),
        Numeric("123456789.987654321".into())
    );
    assert_eq!(row.get::<_, Numeric>(10), Numeric("0".into()));
    assert_eq!(row.get::<_, Option<i32>>(11), None);

    // The same values through a table, with binary parameters in and binary results out.
    client
        .batch_execute(
            "CREATE TABLE vals (i int4, b int8, t text, f bool, d float8, n numeric(10,2))",
        )
        .await
        .unwrap();
    client
        .execute(
            "INSERT INTO vals VALUES ($1, $2, $3, $4, $5, 3.14159)",
            &[&-7i32, &i64::MIN, &"x", &true, &f64::MAX],
        )
        .await
        .unwrap();
    let row = client
        .query_one("SELECT i, b, t, f, d, n FROM vals", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, i32>(0), -7);
    assert_eq!(row.get::<_, i64>(1), i64::MIN);
    assert_eq!(row.get::<_, &str>(2), "x");
    assert!(row.get::<_, bool>(3));
    assert_eq!(row.get::<_, f64>(4), f64::MAX);
    assert_eq!(row.get::<_, Numeric>(5), Numeric("3.14".into()));

    // Text results (simple protocol) agree.
    let msgs = client
        .simple_query("SELECT i, b, t, f, n FROM vals")
        .await
        .unwrap();
    let row = msgs
        .iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => Some(r),
            _ => None,
        })
        .expect("a row");
    assert_eq!(row.get(0), Some("-7"));
    assert_eq!(row.get(1), Some("-9223372036854775808"));
    assert_eq!(row.get(2), Some("x"));
    assert_eq!(row.get(3), Some("t"));
    assert_eq!(row.get(4), Some("3.14"));
}

async fn portal_setup(srv: &Server) -> tokio_postgres::Client {
    let client = srv.connect().await;
    client
        .batch_execute(
            "CREATE TABLE big (id int PRIMARY KEY, label text); \
             INSERT INTO big SELECT g, 'row ' || g FROM generate_series(1, 11) AS g",
        )
        .await
        .unwrap();
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_fetches_rows_in_batches() {
    let srv = Server::start_trust();
    let mut client = portal_setup(&srv).await;
    let txn = client.transaction().await.unwrap();
    let stmt = txn
        .prepare("SELECT id, label FROM big WHERE id > $1 ORDER BY id")
        .await
        .unwrap();
    let portal = txn.bind(&stmt, &[&0i32]).await.unwrap();
    let mut batches = Vec::new();
    let mut all = Vec::new();
    // Fetch until a short batch says the portal is exhausted (bounded, in case it never is).
    for _ in 0..20 {
        let rows = within(10, "query_portal", txn.query_portal(&portal, 2))
            .await
            .unwrap();
        batches.push(rows.len());
        for r in &rows {
            let id: i32 = r.get(0);
            let label: &str = r.get(1);
            assert_eq!(label, format!("row {id}"));
            all.push(id);
        }
        if rows.len() < 2 {
            break;
        }
    }
    assert_eq!(all, (1..=11).collect::<Vec<_>>());
    assert_eq!(batches, vec![2, 2, 2, 2, 2, 1]);

    // Two portals open at once, interleaved, each keeps its own position.
    let p1 = txn.bind(&stmt, &[&0i32]).await.unwrap();
    let p2 = txn.bind(&stmt, &[&5i32]).await.unwrap();
    let ids = |rows: Vec<tokio_postgres::Row>| {
        rows.iter().map(|r| r.get::<_, i32>(0)).collect::<Vec<_>>()
    };
    assert_eq!(ids(txn.query_portal(&p1, 3).await.unwrap()), vec![1, 2, 3]);
    assert_eq!(ids(txn.query_portal(&p2, 3).await.unwrap()), vec![6, 7, 8]);
    assert_eq!(ids(txn.query_portal(&p1, 3).await.unwrap()), vec![4, 5, 6]);
    assert_eq!(
        ids(txn.query_portal(&p2, 5).await.unwrap()),
        vec![9, 10, 11]
    );
    txn.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhausted_portal_returns_no_rows() {
    let srv = Server::start_trust();
    let mut client = portal_setup(&srv).await;
    let txn = client.transaction().await.unwrap();
    let stmt = txn
        .prepare("SELECT id FROM big WHERE id > $1 ORDER BY id")
        .await
        .unwrap();
    // 4 rows, fetched 2 at a time: PostgreSQL answers the third Execute with no
    // rows (CommandComplete "SELECT 0"), and so on for any later Execute.
    let portal = txn.bind(&stmt, &[&7i32]).await.unwrap();
    let mut batches = Vec::new();
    for _ in 0..5 {
        let rows = within(10, "query_portal", txn.query_portal(&portal, 2))
            .await
            .unwrap();
        batches.push(rows.iter().map(|r| r.get::<_, i32>(0)).collect::<Vec<_>>());
    }
    assert_eq!(
        batches,
        vec![vec![8, 9], vec![10, 11], vec![], vec![], vec![]]
    );
    txn.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execution_error_in_extended_protocol_keeps_connection_usable() {
    let srv = Server::start_trust();
    let client = srv.connect().await;

    // Parse succeeds (PostgreSQL evaluates constants when planning, at Bind/Execute)...
    let stmt = client.prepare("SELECT 1/0").await.unwrap();
    // ...and execution fails with division_by_zero.
    assert_db_error(client.query(&stmt, &[]).await, "22012", "division by zero");
    // Again: the statement is still there and still fails the same way.
    assert_db_error(client.query(&stmt, &[]).await, "22012", "division by zero");

    // Division by a zero parameter.
    let div = client.prepare("SELECT 100 / $1::int4").await.unwrap();
    assert_db_error(
        client.query(&div, &[&0i32]).await,
        "22012",
        "division by zero",
    );
    let v: i32 = client.query_one(&div, &[&4i32]).await.unwrap().get(0);
    assert_eq!(v, 25);

    // Overflow of int4 arithmetic.
    assert_db_error(
        client.query("SELECT $1::int4 + 1", &[&i32::MAX]).await,
        "22003",
        "integer out of range",
    );

    // Still usable for both protocols.
    let one: i32 = client.query_one("SELECT 1", &[]).await.unwrap().get(0);
    assert_eq!(one, 1);
    client.simple_query("SELECT 2").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syntax_error_and_unknown_relation() {
    let srv = Server::start_trust();
    let client = srv.connect().await;

    // Simple protocol.
    assert_db_error(
        client.simple_query("SELEC 1").await,
        "42601",
        "syntax error at or near \"SELEC\"",
    );
    // Extended protocol (error at Parse).
    assert_db_error(
        client.prepare("SELEC 1").await,
        "42601",
        "syntax error at or near \"SELEC\"",
    );
    assert_db_error(
        client.simple_query("SELECT * FROM nope").await,
        "42P01",
        "relation \"nope\" does not exist",
    );
    assert_db_error(
        client.prepare("SELECT * FROM nope WHERE x = $1").await,
        "42P01",
        "relation \"nope\" does not exist",
    );
    assert_db_error(
        client.query("INSERT INTO nope VALUES (1)", &[]).await,
        "42P01",
        "relation \"nope\" does not exist",
    );
    let one: i32 = client.query_one("SELECT 1", &[]).await.unwrap().get(0);
    assert_eq!(one, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_aborts_explicit_transaction_until_rollback() {
    const ABORTED: &str =
        "current transaction is aborted, commands ignored until end of transaction block";
    let srv = Server::start_trust();
    let client = srv.connect().await;
    client
        .batch_execute("CREATE TABLE acct (id int PRIMARY KEY, v int)")
        .await
        .unwrap();
    client
        .batch_execute("INSERT INTO acct VALUES (1, 10)")
        .await
        .unwrap();

    client.batch_execute("BEGIN").await.unwrap();
    client
        .execute("UPDATE acct SET v = $1 WHERE id = 1", &[&99i32])
        .await
        .unwrap();
    client
        .execute("INSERT INTO acct VALUES ($1, $2)", &[&2i32, &20i32])
        .await
        .unwrap();
    assert_db_error(
        client.query("SELECT 1/0", &[]).await,
        "22012",
        "division by zero",
    );

    // Every later statement is refused, in both protocols, until the block ends.
    assert_db_error(client.query("SELECT 1", &[]).await, "25P02", ABORTED);
    assert_db_error(client.simple_query("SELECT 1").await, "25P02", ABORTED);
    assert_db_error(
        client.execute("INSERT INTO acct VALUES (3, 30)", &[]).await,
        "25P02",
        ABORTED,
    );
    client.batch_execute("ROLLBACK").await.unwrap();

    // Nothing of the aborted block survived, and the session works again.
    let rows = client
        .query("SELECT id, v FROM acct ORDER BY id", &[])
        .await
        .unwrap();
    let got: Vec<(i32, i32)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(got, vec![(1, 10)]);

    // COMMIT of a failed block also rolls back (PostgreSQL reports ROLLBACK).
    client.batch_execute("BEGIN").await.unwrap();
    client
        .execute("INSERT INTO acct VALUES (4, 40)", &[])
        .await
        .unwrap();
    assert_db_error(
        client.simple_query("INSERT INTO acct VALUES (1, 0)").await,
        "23505",
        "duplicate key value violates unique constraint \"acct_pkey\"",
    );
    client.batch_execute("COMMIT").await.unwrap();
    let n: i64 = client
        .query_one("SELECT count(*) FROM acct", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);

    // tokio-postgres's Transaction API: an error, then rollback.
    let mut client = client;
    let txn = client.transaction().await.unwrap();
    txn.execute("INSERT INTO acct VALUES (5, 50)", &[])
        .await
        .unwrap();
    assert_db_error(
        txn.query("SELECT * FROM nope", &[]).await,
        "42P01",
        "relation \"nope\" does not exist",
    );
    assert_db_error(txn.query("SELECT 1", &[]).await, "25P02", ABORTED);
    txn.rollback().await.unwrap();
    let n: i64 = client
        .query_one("SELECT count(*) FROM acct", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unix_socket_connection() {
    let srv = Server::start_trust();
    let sock = srv.socket_dir().join(format!(".s.PGSQL.{}", srv.port));
    assert!(sock.exists(), "socket file {} missing", sock.display());
    let client = common::connect_with(&srv.unix_config())
        .await
        .unwrap_or_else(|e| panic!("unix-socket connect failed: {e:?}\n{}", srv.log()));
    let row = client
        .query_one("SELECT $1::text || '!', current_user", &[&"over unix"])
        .await
        .unwrap();
    assert_eq!(row.get::<_, &str>(0), "over unix!");
    assert_eq!(row.get::<_, &str>(1), "admin");

    // Data written over the socket is visible over TCP.
    client
        .batch_execute("CREATE TABLE viaunix (x int); INSERT INTO viaunix VALUES (7)")
        .await
        .unwrap();
    let tcp = srv.connect().await;
    let x: i32 = tcp
        .query_one("SELECT x FROM viaunix", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(x, 7);

    // A clean shutdown removes the socket file.
    drop(client);
    drop(tcp);
    let root = srv.stop();
    assert!(!sock.exists(), "socket file left behind after SIGTERM");
    drop(root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_queries_with_an_error_in_the_middle() {
    let srv = Server::start_trust();
    let client = srv.connect().await;
    let s = client.prepare("SELECT 10 / $1::int4").await.unwrap();
    // tokio-postgres pipelines concurrent queries: Bind/Execute/Sync x 3 in one flight.
    // The failure of the second must not disturb the first or the third.
    let (a, b, c) = within(10, "pipelined queries", async {
        tokio::join!(
            client.query_one(&s, &[&2i32]),
            client.query_one(&s, &[&0i32]),
            client.query_one(&s, &[&5i32]),
        )
    })
    .await;
    assert_eq!(a.unwrap().get::<_, i32>(0), 5);
    assert_db_error(b, "22012", "division by zero");
    assert_eq!(c.unwrap().get::<_, i32>(0), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_and_show_describe_their_columns_in_the_extended_protocol() {
    let srv = Server::start_trust();
    let c = srv.connect().await;
    c.batch_execute("CREATE TABLE ex_t (id int PRIMARY KEY)")
        .await
        .unwrap();
    let stmt = c
        .prepare("EXPLAIN SELECT * FROM ex_t WHERE id = 1")
        .await
        .unwrap();
    assert_eq!(stmt.columns().len(), 1);
    assert_eq!(stmt.columns()[0].name(), "QUERY PLAN");
    let rows = c.query(&stmt, &[]).await.unwrap();
    let first: String = rows[0].get(0);
    assert!(first.contains("using ex_t_pkey on ex_t"), "{first}");
    let show = c.query("SHOW DateStyle", &[]).await.unwrap();
    assert_eq!(show[0].columns()[0].name(), "DateStyle");
    assert_eq!(show[0].get::<_, String>(0), "ISO, MDY");
    let all = c.prepare("SHOW ALL").await.unwrap();
    assert_eq!(all.columns().len(), 3);
}

/// Raw binary field of any type (to check what the server sends).
#[derive(Debug, PartialEq)]
struct RawField(Vec<u8>);

impl<'a> FromSql<'a> for RawField {
    fn from_sql(_ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        Ok(RawField(raw.to_vec()))
    }
    fn accepts(_ty: &Type) -> bool {
        true
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reg_types_are_oids_in_binary_and_names_in_text() {
    let srv = Server::start_trust();
    let c = srv.connect().await;
    c.batch_execute("CREATE TABLE reg_t (id int)")
        .await
        .unwrap();
    // tokio-postgres asks for binary results: regclass/regtype/regrole go as 4-byte OIDs.
    let row = c
        .query_one(
            "SELECT 'pg_class'::regclass, 'int4'::regtype, 'reg_t'::regclass, 'reg_t'::regclass::oid",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.columns()[0].type_(), &Type::REGCLASS);
    assert_eq!(
        row.get::<_, RawField>(0),
        RawField(1259u32.to_be_bytes().to_vec())
    );
    assert_eq!(
        row.get::<_, RawField>(1),
        RawField(23u32.to_be_bytes().to_vec())
    );
    let oid: u32 = row.get(3);
    assert_eq!(
        row.get::<_, RawField>(2),
        RawField(oid.to_be_bytes().to_vec())
    );
    // The simple protocol (text) still shows names.
    let msgs = c
        .simple_query("SELECT 'pg_class'::regclass, 'reg_t'::regclass")
        .await
        .unwrap();
    let tokio_postgres::SimpleQueryMessage::Row(r) = &msgs[1] else {
        panic!("expected a row: {msgs:?}");
    };
    assert_eq!(r.get(0), Some("pg_class"));
    assert_eq!(r.get(1), Some("reg_t"));
}

/// While another transaction is open, a commit's fsync is awaited by the
/// connection instead of a thread. Whatever a client has been told is
/// committed is visible to every other session at once; a statement after
/// the COMMIT in the same message or pipeline sees it; a row the committing
/// transaction locked stays locked until its commit is visible (the other
/// session waits, then sees the new value); and a duplicate key after such a
/// commit is still refused (23505).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_awaited_without_a_thread_are_visible_once_acknowledged() {
    let srv = Server::start_trust();
    let setup = srv.connect().await;
    setup
        .batch_execute("CREATE TABLE acked_vis (id int PRIMARY KEY, v int NOT NULL)")
        .await
        .unwrap();
    // Keeps every commit below from being alone in the store.
    let holder = srv.connect().await;
    holder
        .batch_execute("BEGIN; SELECT count(*) FROM acked_vis")
        .await
        .unwrap();
    let writer = srv.connect().await;
    let reader = srv.connect().await;
    let ins = writer
        .prepare("INSERT INTO acked_vis VALUES ($1, $1)")
        .await
        .unwrap();
    for id in 1..=200i32 {
        // Extended protocol, autocommit at Sync.
        writer.execute(&ins, &[&id]).await.unwrap();
        let seen: i64 = reader
            .query_one("SELECT count(*) FROM acked_vis WHERE id = $1", &[&id])
            .await
            .unwrap()
            .get(0);
        assert_eq!(
            seen, 1,
            "acknowledged insert {id} not visible to another session"
        );
    }
    // Simple protocol: COMMIT and a read of what it committed in one message.
    let rows = writer
        .simple_query("BEGIN; UPDATE acked_vis SET v = -1 WHERE id = 1; COMMIT; SELECT v FROM acked_vis WHERE id = 1")
        .await
        .unwrap();
    assert_eq!(common::first_column(rows), vec!["-1"]);
    // Pipelined: the second query of one flight sees the first one's commit.
    let upd = writer
        .prepare("UPDATE acked_vis SET v = v + 1 WHERE id = 2")
        .await
        .unwrap();
    let sel = writer
        .prepare("SELECT v FROM acked_vis WHERE id = 2")
        .await
        .unwrap();
    let (u, s) = within(10, "pipelined commit then read", async {
        tokio::join!(writer.execute(&upd, &[]), writer.query_one(&sel, &[]))
    })
    .await;
    assert_eq!(u.unwrap(), 1);
    assert_eq!(s.unwrap().get::<_, i32>(0), 3);
    // A row lock taken before the commit is held until it is visible: the
    // other session's update waits and then applies on top of it.
    writer
        .batch_execute("BEGIN; UPDATE acked_vis SET v = 100 WHERE id = 3")
        .await
        .unwrap();
    let waiter = tokio::spawn(async move {
        reader
            .execute("UPDATE acked_vis SET v = v + 1 WHERE id = 3", &[])
            .await
            .map(|n| (n, reader))
    });
    common::still_waiting(&waiter, "update of a row locked by an open transaction").await;
    writer.batch_execute("COMMIT").await.unwrap();
    let (n, reader) = within(10, "waiting update", waiter).await.unwrap().unwrap();
    assert_eq!(n, 1);
    let v: i32 = reader
        .query_one("SELECT v FROM acked_vis WHERE id = 3", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(v, 101);
    common::assert_db_error(
        writer.execute(&ins, &[&5i32]).await,
        "23505",
        "duplicate key value violates unique constraint \"acked_vis_pkey\"",
    );
    holder.batch_execute("COMMIT").await.unwrap();
}
