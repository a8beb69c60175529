#!/usr/bin/env python3
"""Side-by-side benchmark of user-defined functions: PostgreSQL 15 vs Rampart,
same machine, one run, interleaved (A B A B ...), medians and ratios.

Workloads (each one statement, timed end to end through psql, best of nothing:
the median of BENCH_REPEATS runs is quoted):

  sql_fn_where    SELECT count(*) FROM fbench WHERE is_even(v)   (100,000 rows;
                  is_even is LANGUAGE sql IMMUTABLE, inlined by both servers)
  plpgsql_where   the same with a PL/pgSQL predicate (called once per row)
  plpgsql_loop    a DO block looping 1,000,000 times (s := s + i)

usage: python3 bench/functions.py     (RAMPART_BIN=path/to/rampart required)
env:   BENCH_ROWS=100000 BENCH_LOOP=1000000 BENCH_REPEATS=5
       BENCH_RESULTS=bench/functions-results.md
Never asserts on timings.
"""
import datetime
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, 'tests', 'oracle'))
sys.path.insert(0, HERE)
import oracle_lib as ol  # noqa: E402
from bench import Pg15Bench, RampartBench, machine_facts  # noqa: E402


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def psql(server, sql, timeout=600):
    # TCP without TLS on both servers, as bench.py (Rampart's init enables
    # ssl and libpq would prefer it; PostgreSQL's scratch cluster has none).
    env = server.env('tcp')
    return ol.run_timeout([ol.PSQL, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres',
                           '-c', sql], timeout, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)


def setup_sql(rows):
    return [
        'DROP TABLE IF EXISTS fbench',
        'CREATE TABLE fbench (id int PRIMARY KEY, v int)',
        f'INSERT INTO fbench SELECT g, g FROM generate_series(1, {rows}) g',
        "CREATE OR REPLACE FUNCTION is_even(int) RETURNS boolean LANGUAGE sql IMMUTABLE "
        "AS 'SELECT $1 % 2 = 0'",
        "CREATE OR REPLACE FUNCTION pl_even(x int) RETURNS boolean LANGUAGE plpgsql IMMUTABLE "
        "AS $$ BEGIN RETURN x % 2 = 0; END $$",
    ]


def workloads(loop):
    return {
        'sql_fn_where': 'SELECT count(*) FROM fbench WHERE is_even(v)',
        'plpgsql_where': 'SELECT count(*) FROM fbench WHERE pl_even(v)',
        'plpgsql_loop': ('DO $$ DECLARE s bigint := 0; BEGIN '
                         f'FOR i IN 1..{loop} LOOP s := s + i; END LOOP; END $$'),
    }


def timed(server, sql):
    t0 = time.perf_counter()
    r = psql(server, sql)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f'{server.kind}: {sql}: {(r.stdout or "").strip()[-300:]}')
    return dt


def main():
    ol.install_signal_handlers()
    rows = int(os.environ.get('BENCH_ROWS', '100000'))
    loop = int(os.environ.get('BENCH_LOOP', '1000000'))
    repeats = int(os.environ.get('BENCH_REPEATS', '5'))
    out = os.environ.get('BENCH_RESULTS') or os.path.join(HERE, 'functions-results.md')
    rampart_bin = os.environ.get('RAMPART_BIN')
    if not rampart_bin or not os.access(rampart_bin, os.X_OK):
        sys.exit('bench: set RAMPART_BIN to the rampart binary')
    ok, why = ol.pg15_present()
    if not ok:
        sys.exit(f'bench: PostgreSQL 15 is required: {why}')
    pg = Pg15Bench('fbench-pg15')
    rp = RampartBench(rampart_bin, 'fbench-rampart')
    times = {}
    try:
        for srv in (pg, rp):
            srv.start()
            for stmt in setup_sql(rows):
                r = psql(srv, stmt)
                if r.returncode != 0:
                    raise RuntimeError(f'{srv.kind}: {stmt}: {r.stdout}')
            log(f'bench: {srv.kind} loaded {rows} rows')
        for name, sql in workloads(loop).items():
            for srv in (pg, rp):
                timed(srv, sql)          # warm-up (caches, plan)
            for rep in range(repeats):
                order = (pg, rp) if rep % 2 == 0 else (rp, pg)
                for srv in order:
                    dt = timed(srv, sql)
                    times.setdefault((name, srv.kind), []).append(dt)
                    log(f'bench: {name} {srv.kind} run {rep + 1}: {dt * 1000:.1f} ms')
    finally:
        for srv in (rp, pg):
            try:
                srv.stop()
            except Exception as e:  # noqa: BLE001
                log(f'bench: stopping {srv.kind}: {e}')
    lines = ['| workload | PostgreSQL ms | Rampart ms | ratio (PG time / Rampart time) |',
             '|---|---|---|---|']
    for name in workloads(loop):
        p = statistics.median(times[(name, pg.kind)]) * 1000
        r = statistics.median(times[(name, rp.kind)]) * 1000
        lines.append(f'| {name} | {p:.1f} | {r:.1f} | {p / r:.2f} |')
    table = '\n'.join(lines)
    print(table)
    now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    with open(out, 'w') as f:
        f.write(f'# Function benchmarks: PostgreSQL 15 vs Rampart\n\n'
                f'Run {now}; {rows} rows, loop of {loop}, median of {repeats} interleaved runs '
                f'(wall time of one psql -c, so ~10 ms of client start-up is in every figure).\n'
                f'Ratio > 1 means Rampart is faster.\n\n{machine_facts()}\n\n{table}\n\n'
                'Workloads:\n\n```\n' + '\n'.join(f'{k}: {v}' for k, v in workloads(loop).items())
                + '\n```\n')
    log(f'bench: wrote {out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
