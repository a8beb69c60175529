#!/usr/bin/env python3
"""Side-by-side benchmark: PostgreSQL 15 vs Rampart on the same machine, in one
run. Prints the median per configuration and the ratio Rampart/PostgreSQL and
writes them to bench/results.md and bench/results.json. Never asserts on timings.

Workloads (BENCH_WORKLOADS, comma list; default all):
  select   point select (pgbench -f), every mode of BENCH_MODES, each transport
  update   BEGIN; UPDATE + SELECT one account; COMMIT (prepared), each transport
  tpcb     pgbench's TPC-B-like script (prepared), each transport
  connect  pgbench -C (a new connection per transaction) with SCRAM-SHA-256 over
           TCP, point select in simple mode: connections per second
  idle     PSS of the server's processes with N idle connections minus with 0,
           divided by N: memory per idle connection
  rls      row-level security: point select, tenant count, subquery policies
           (text and COLLATE "C"), INSERT under WITH CHECK, each against RLS off
           on the same server (bench_security.py), over TCP
  privs    point select as a grantee through two levels of membership against
           the same select as the table owner, over TCP

Normally started through bench/run.sh (which builds the release binary and sets
RAMPART_BIN). Settings, all from the environment:

  BENCH_SMOKE=1          smoke mode: proves that every step runs (1 s runs, 1 repeat,
                         2 clients, 10 idle connections, results in a temp dir); exits
                         non-zero if any step failed to run. Never judges speed.
  BENCH_ROWS=100000      rows in pgbench_accounts (multiple of 100000: pgbench -i -s)
  BENCH_RLS_ROWS=1000000 rows in the rls workload's documents table (multiple of 1000;
                         smoke: 10000)
  BENCH_SECONDS=10       duration of one pgbench run (-T)            (smoke: 1)
  BENCH_REPEATS=3        runs per configuration and server (median)   (smoke: 1)
  BENCH_CLIENTS=1,8      client counts (-c)                           (smoke: 2)
  BENCH_JOBS=2           pgbench worker threads (-j, capped at the client count)
  BENCH_TRANSPORTS=tcp,unix   transports of the select/update/tpcb workloads
  BENCH_MODES=prepared,extended,simple   query modes of the select workload
  BENCH_IDLE_CONNECTIONS=100  idle connections for the memory measurement (smoke: 10)
  BENCH_WORKLOADS=...    comma list out of select,update,tpcb,connect,idle,rls,privs
                         (or single rls_*/priv_* workloads of bench_security.py)
  BENCH_RESULTS=PATH     markdown output (default bench/results.md; smoke: a temp dir)
  BENCH_JSON=PATH        JSON output (default bench/results.json; smoke: a temp dir)
  BENCH_MAX_MINUTES=N    overall time budget; configurations not started by then
                         are reported as skipped (default: estimate + 10 min)
  RAMPART_BIN=PATH       rampart binary (required here; run.sh sets it)
  PG15_BINDIR=DIR        PostgreSQL 15 binaries (default /usr/lib/postgresql/15/bin)
  PGBENCH=PATH           pgbench binary (default PG15_BINDIR/pgbench, else on PATH)

Only the Python standard library is used; server management comes from
tests/oracle/oracle_lib.py (imported, not modified) through bench_servers.py.
"""
import collections
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, 'tests', 'oracle'))
sys.path.insert(0, HERE)
import oracle_lib as ol  # noqa: E402
import bench_idle  # noqa: E402
import bench_security as sec  # noqa: E402
import bench_report as rep  # noqa: E402
from bench_report import machine_facts  # noqa: E402,F401 - re-exported for functions.py
from bench_servers import (DB, SCRAM_PASSWORD, SCRAM_ROLE, Pg15Bench,  # noqa: E402,F401
                           RampartBench, psql, setup_scram_role)

WORKLOADS = ('select', 'update', 'tpcb', 'connect', 'idle', 'rls', 'privs')
TRANSPORTS = ('tcp', 'unix')
MODES = ('prepared', 'extended', 'simple')
TITLES = {
    'select': 'point select',
    'update': 'update txn',
    'tpcb': 'TPC-B-like',
    'connect': 'connect + point select (SCRAM)',
    'idle': 'idle connections',
}
TITLES.update({w: v[0] for w, v in sec.WORKLOADS.items()})

# kind: 'tps' (pgbench TPS), 'connect' (pgbench -C connections/s) or 'memory'
# (KiB per idle connection); clients is the number of idle connections for 'memory'.
Config = collections.namedtuple('Config', 'kind workload transport mode clients')


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ settings
def env_int(name, default):
    v = os.environ.get(name, '').strip()
    if not v:
        return default
    try:
        n = int(v)
    except ValueError:
        sys.exit(f'bench: {name}={v!r} is not an integer')
    if n < 1:
        sys.exit(f'bench: {name} must be >= 1')
    return n


def env_list(name, default, allowed=None):
    items = [x.strip() for x in (os.environ.get(name) or default).split(',') if x.strip()]
    if not items:
        sys.exit(f'bench: {name} is empty')
    for x in items:
        if allowed and x not in allowed:
            sys.exit(f'bench: unknown value {x!r} in {name} (allowed: {", ".join(allowed)})')
    return items


class Settings:
    """Everything configurable, read once from the environment."""

    def __init__(self):
        self.smoke = ol.env_true('BENCH_SMOKE')
        s = self.smoke
        self.rows = env_int('BENCH_ROWS', 100000)
        self.rls_rows = env_int('BENCH_RLS_ROWS', 10000 if s else 1000000)
        if self.rls_rows < 1000 or self.rls_rows % 1000:
            sys.exit('bench: BENCH_RLS_ROWS must be a positive multiple of 1000')
        self.seconds = env_int('BENCH_SECONDS', 1 if s else 10)
        self.repeats = env_int('BENCH_REPEATS', 1 if s else 3)
        self.jobs = env_int('BENCH_JOBS', 2)
        self.idle = env_int('BENCH_IDLE_CONNECTIONS', 10 if s else 100)
        self.settle = 0.3 if s else 1.0     # seconds before each PSS reading
        try:
            self.clients = [int(c) for c in env_list('BENCH_CLIENTS', '2' if s else '1,8')]
        except ValueError:
            sys.exit('bench: BENCH_CLIENTS must be a comma list of integers')
        if min(self.clients) < 1:
            sys.exit('bench: BENCH_CLIENTS must be >= 1')
        # A security workload may also be named on its own (`rls_point_on`).
        self.workloads = env_list('BENCH_WORKLOADS', ','.join(WORKLOADS),
                                  WORKLOADS + tuple(sec.WORKLOADS))
        self.transports = env_list('BENCH_TRANSPORTS', ','.join(TRANSPORTS), TRANSPORTS)
        self.modes = env_list('BENCH_MODES', ','.join(MODES), MODES)
        # Output paths; in smoke mode the defaults go to a temp dir made at report time.
        self.results_dir = None
        self.results = os.environ.get('BENCH_RESULTS') or (
            None if s else os.path.join(HERE, 'results.md'))
        self.json = os.environ.get('BENCH_JSON') or (
            None if s else os.path.join(HERE, 'results.json'))
        # Same limit on both servers; room for the idle connections and pgbench.
        self.max_connections = max(100, self.idle + max(self.clients) + 10)

    def output_paths(self):
        """Fills in the smoke mode's temp-dir output paths."""
        if self.results and self.json:
            return
        self.results_dir = tempfile.mkdtemp(prefix='rampart-bench-smoke-')
        self.results = self.results or os.path.join(self.results_dir, 'results.md')
        self.json = self.json or os.path.join(self.results_dir, 'results.json')

    def describe(self):
        return {'smoke': self.smoke, 'rows': self.rows, 'rls_rows': self.rls_rows,
                'seconds': self.seconds,
                'repeats': self.repeats, 'clients': self.clients, 'jobs': self.jobs,
                'transports': self.transports, 'select_modes': self.modes,
                'idle_connections': self.idle, 'workloads': self.workloads,
                'max_connections': self.max_connections}


def build_configs(st):
    """Configurations in run order: idle memory first (fresh servers, before any
    benchmark traffic), then throughput, then connection setup."""
    configs = []
    if 'idle' in st.workloads:
        configs.append(Config('memory', 'idle', 'tcp', 'startup only', st.idle))
    for w in ('select', 'update', 'tpcb'):
        if w not in st.workloads:
            continue
        for transport in st.transports:
            for mode in (st.modes if w == 'select' else ['prepared']):
                for c in st.clients:
                    configs.append(Config('tps', w, transport, mode, c))
    for group in security_groups(st):
        for w in security_workloads(st, group):
            for mode in sec.WORKLOADS[w][4]:
                for c in st.clients:
                    configs.append(Config('tps', w, 'tcp', mode, c))
    if 'connect' in st.workloads:
        for c in st.clients:
            configs.append(Config('connect', 'connect', 'tcp', 'simple', c))
    return configs


def security_workloads(st, group):
    """The workloads of `group` to run: all when the group is named, else
    those named on their own."""
    return [w for w in sec.GROUPS[group] if group in st.workloads or w in st.workloads]


def security_groups(st):
    return [g for g in ('rls', 'privs') if security_workloads(st, g)]


def estimate_seconds(configs, st):
    per_run = {'tps': st.seconds + 0.5, 'connect': st.seconds + 0.5,
               'memory': 3 + st.idle * 0.02}
    return sum(per_run[c.kind] for c in configs) * st.repeats * 2 + 60


# ------------------------------------------------------------------ scripts
def scripts(rows):
    nbranches = max(1, rows // 100000)
    ntellers = 10 * nbranches
    return {
        'select': (
            f'\\set aid random(1, {rows})\n'
            'SELECT abalance FROM pgbench_accounts WHERE aid = :aid;\n'),
        'update': (
            f'\\set aid random(1, {rows})\n'
            '\\set delta random(-5000, 5000)\n'
            'BEGIN;\n'
            'UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;\n'
            'SELECT abalance FROM pgbench_accounts WHERE aid = :aid;\n'
            'COMMIT;\n'),
        # pgbench's built-in tpcb-like script, with the scale written out.
        'tpcb': (
            f'\\set aid random(1, {rows})\n'
            f'\\set bid random(1, {nbranches})\n'
            f'\\set tid random(1, {ntellers})\n'
            '\\set delta random(-5000, 5000)\n'
            'BEGIN;\n'
            'UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;\n'
            'SELECT abalance FROM pgbench_accounts WHERE aid = :aid;\n'
            'UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;\n'
            'UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;\n'
            'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) '
            'VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);\n'
            'COMMIT;\n'),
    }


def write_scripts(work, rows, rls_rows):
    """Writes the pgbench scripts into `work`; returns workload -> path."""
    paths = {}
    texts = dict(scripts(rows))
    texts.update(sec.scripts(rls_rows, rows))
    for name, text in texts.items():
        paths[name] = os.path.join(work, f'{name}.sql')
        with open(paths[name], 'w') as f:
            f.write(text)
    paths['connect'] = paths['select']
    for w, spec in sec.WORKLOADS.items():
        paths[w] = paths[spec[2]]
    return paths


def load_security(server, st):
    """Creates the rls/privs dataset and roles; returns '' or an error text."""
    groups = security_groups(st)
    if not groups:
        return ''
    t0 = time.time()
    r = psql(server, sec.load_sql(st.rls_rows, st.rows, groups), 3600)
    if r.returncode != 0:
        return f'loading the security dataset failed: {first_error(r.stdout)}'
    for q, want in sec.check_sql(st.rls_rows, groups):
        r = psql(server, [q], 600)
        if r.returncode != 0 or (r.stdout or '').strip() != want:
            return f'security dataset check {q!r} gave {(r.stdout or "").strip()!r}, not {want!r}'
    log(f'bench: security dataset loaded into {server.kind} in {time.time() - t0:.1f}s')
    return ''


def install_variant(server, workload, check):
    """Installs the policy variant of a security workload; with `check`, proves
    as the app role that it filters (or not). Returns '' or an error text."""
    stmts = sec.variant_sql(workload)
    if not stmts:
        return ''
    r = psql(server, stmts, 120)
    if r.returncode != 0:
        return f'installing the policy variant failed: {first_error(r.stdout)}'
    if not check:
        return ''
    on = sec.WORKLOADS[workload][1] is not None
    r = psql(server, ["SET app.tenant_id = '7'",
                      'SELECT count(*) > 0, max(tenant_id) = min(tenant_id) FROM documents'],
             600, user=sec.APP_ROLE)
    want = 't|t' if on else 't|f'
    if r.returncode != 0 or (r.stdout or '').strip() != want:
        return (f'policy variant check as {sec.APP_ROLE} gave {(r.stdout or "").strip()!r}, '
                f'not {want!r}')
    return ''


# ------------------------------------------------------------------ pgbench
TPS_RE = re.compile(r'^tps = ([0-9.]+) \((?:without initial connection time|'
                    r'including reconnection times)\)', re.M)
LAT_RE = re.compile(r'^latency average = ([0-9.]+) ms', re.M)
CONN_RE = re.compile(r'^average connection time = ([0-9.]+) ms', re.M)
COUNT_RE = re.compile(r'^number of transactions actually processed: ([0-9]+)', re.M)
CLK_TCK = os.sysconf('SC_CLK_TCK')


def server_cpu_seconds(pid):
    """CPU seconds a server process has used, its reaped children included
    (utime + stime + cutime + cstime of /proc/PID/stat): Rampart's threads,
    or a postmaster and the backends it has reaped."""
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / CLK_TCK


def cpu_now(pid):
    """(server CPU seconds, client CPU seconds) now, or None without a
    server process to read."""
    if not pid:
        return None
    try:
        return server_cpu_seconds(pid), children_cpu_seconds()
    except (OSError, ValueError, IndexError):
        return None


def children_cpu_seconds():
    """CPU seconds used by this script's reaped children (pgbench)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def first_error(text):
    lines = [ln.strip() for ln in (text or '').splitlines() if ln.strip()]
    for ln in lines:
        if 'error' in ln.lower() or 'fatal' in ln.lower():
            return re.sub(r'^pgbench: (error|fatal): ', '', ln)
    return lines[-1] if lines else 'no output'


def load(server, rows, pgbench):
    """Loads a server with `pgbench -i` itself (scale = rows / 100000), as a
    client would. Returns '' or an error text."""
    t0 = time.time()
    if rows % 100000 != 0:
        return f'BENCH_ROWS must be a multiple of 100000 (pgbench -i scale), not {rows}'
    r = ol.run_timeout([pgbench, '-i', '-q', '-s', str(rows // 100000), DB], 600,
                       env=server.env('tcp'), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL, text=True)
    if r.returncode != 0:
        return 'pgbench -i: ' + (('timed out' if r.timed_out else first_error(r.stdout))
                                 or f'exit {r.returncode}')
    r = psql(server, ['SELECT count(*) FROM pgbench_accounts'], 120)
    if r.returncode != 0 or (r.stdout or '').strip() != str(rows):
        return f'row count check after pgbench -i failed: {(r.stdout or "").strip()}'
    log(f'bench: pgbench -i loaded {rows} rows into {server.kind} in {time.time() - t0:.1f}s')
    return ''


def run_pgbench(pgbench, server, script_path, cfg, jobs, seconds, user=None):
    """One pgbench run of a 'tps' or 'connect' configuration. Returns
    dict(value=TPS|None, lat=ms|None, conn_ms=ms|None, error=str|None, stderr=str)."""
    argv = [pgbench, '-n', '-M', cfg.mode, '-f', script_path, '-c', str(cfg.clients),
            '-j', str(min(jobs, cfg.clients)), '-T', str(seconds)]
    if cfg.kind == 'connect':
        argv.append('-C')
        env = server.env('tcp', SCRAM_ROLE, SCRAM_PASSWORD)
    else:
        env = server.env(cfg.transport, user)
    pid = server.root_pid() if cfg.kind == 'connect' else None
    cpu0 = cpu_now(pid)
    r = ol.run_timeout(argv + [DB], seconds + 60, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    out, err = r.stdout or '', r.stderr or ''
    count = COUNT_RE.search(out)
    cpu1 = cpu_now(pid)
    extra = {}
    if cpu0 and cpu1 and count and int(count.group(1)) > 0:
        # With -C every transaction is a connection: CPU per connection on
        # each side (the client's is mostly SCRAM's PBKDF2, which libpq
        # computes on every login).
        n = int(count.group(1))
        extra = {'server_cpu_us': (cpu1[0] - cpu0[0]) / n * 1e6,
                 'client_cpu_us': (cpu1[1] - cpu0[1]) / n * 1e6}
    m, lat, conn = TPS_RE.search(out), LAT_RE.search(out), CONN_RE.search(out)
    res = {'value': float(m.group(1)) if m else None,
           'lat': float(lat.group(1)) if lat else None,
           'conn_ms': float(conn.group(1)) if conn else None,
           'error': None, 'stderr': err.strip(), **extra}
    if r.timed_out:
        res['error'] = f'pgbench did not finish within {seconds + 60}s (killed)'
    elif r.returncode != 0 or m is None:
        res['error'] = first_error(err or out)
    if res['error']:
        res['value'] = None
    return res


def run_idle(server, cfg, settle, smoke=False):
    """One idle-memory measurement (see bench_idle.py), on a fresh Rampart
    process each time (PostgreSQL forks a fresh backend per connection
    anyway)."""
    try:
        if hasattr(server, 'restart_process'):
            server.restart_process()
        res = bench_idle.measure_idle(server, cfg.clients, settle)
    except (bench_idle.StartupError, OSError, RuntimeError) as e:
        return {'value': None, 'error': str(e), 'stderr': ''}
    res['error'] = None
    res['stderr'] = ''
    if res['value'] < 0 and not smoke:
        # The process released more than the connections took, so the
        # difference says nothing about them (seen on Rampart when its WAL
        # recovery kept a whole segment's buffer; fixed, the guard stays).
        # (The smoke run only proves the harness works and keeps the figure.)
        res['error'] = (f'{server.kind}: PSS fell from {res["base_kib"]} to '
                        f'{res["loaded_kib"]} KiB while the connections opened')
        res['value'] = None
    return res


def describe_run(cfg, res):
    if res['value'] is None:
        return f'ERROR {res["error"]}'
    unit = {'tps': 'tps', 'connect': 'conn/s', 'memory': 'KiB/conn'}[cfg.kind]
    return f'{res["value"]:.1f} {unit}'


# ------------------------------------------------------------------ the run
class Bench:
    """One benchmark run: both servers, every configuration, all results."""

    def __init__(self, st, pgbench, rampart_bin):
        self.st = st
        self.pgbench = pgbench
        self.rampart_bin = rampart_bin
        self.servers = {
            'pg': Pg15Bench('bench-pg15', st.max_connections),
            'rp': RampartBench(rampart_bin, 'bench-rampart', st.max_connections),
        }
        self.start_err = {'pg': '', 'rp': ''}   # server did not start or load
        self.scram_err = {'pg': '', 'rp': ''}   # SCRAM role could not be set up
        self.scram_iterations = {}
        self.raw = {}                            # (config, key) -> list of run results
        self.paths = {}

    def prepare(self, work):
        """Starts and loads both servers and creates the SCRAM role; failures
        are recorded per server (their cells show the error)."""
        self.paths = write_scripts(work, self.st.rows, self.st.rls_rows)
        for key, srv in self.servers.items():
            try:
                srv.start()
                log(f'bench: {srv.kind} ready on {srv.host}:{srv.port} (socket dir {srv.sock})')
                self.start_err[key] = load(srv, self.st.rows, self.pgbench)
            except ol.Interrupted:
                raise
            except Exception as e:  # noqa: BLE001 - reported in the table
                self.start_err[key] = f'{srv.kind} did not start: {e}'
            if self.start_err[key]:
                log(f'bench: {srv.kind}: {self.start_err[key]}')
                continue
            self.start_err[key] = load_security(srv, self.st)
            if self.start_err[key]:
                log(f'bench: {srv.kind}: {self.start_err[key]}')
                continue
            if 'connect' in self.st.workloads:
                err, iters = setup_scram_role(srv)
                self.scram_err[key] = err
                self.scram_iterations[{'pg': 'postgres', 'rp': 'rampart'}[key]] = iters
                if err:
                    log(f'bench: {srv.kind}: {err}')

    def server_error(self, key, cfg):
        if self.start_err[key]:
            return self.start_err[key]
        if cfg.kind == 'connect' and self.scram_err[key]:
            return self.scram_err[key]
        return ''

    def run_one(self, key, cfg, first):
        srv = self.servers[key]
        if cfg.kind == 'memory':
            return run_idle(srv, cfg, self.st.settle, self.st.smoke)
        user = None
        if cfg.workload in sec.WORKLOADS:
            err = install_variant(srv, cfg.workload, first)
            if err:
                return {'value': None, 'error': err, 'stderr': ''}
            user = sec.WORKLOADS[cfg.workload][3]
        return run_pgbench(self.pgbench, srv, self.paths[cfg.workload], cfg, self.st.jobs,
                           self.st.seconds, user)

    def run_all(self, configs, budget, t_start):
        """Runs every configuration repeats times per server, alternating the
        server order (PG first, then Rampart first, ...)."""
        total = len(configs) * self.st.repeats * 2
        n = 0
        for cfg in configs:
            for key in self.servers:
                self.raw[(cfg, key)] = []
            for rep_i in range(self.st.repeats):
                order = ('pg', 'rp') if rep_i % 2 == 0 else ('rp', 'pg')
                for key in order:
                    n += 1
                    err = self.server_error(key, cfg)
                    if err:
                        self.raw[(cfg, key)].append({'value': None, 'error': err, 'stderr': ''})
                        continue
                    if time.time() - t_start > budget:
                        log(f'bench: [{n}/{total}] skipped: time budget exhausted')
                        continue
                    res = self.run_one(key, cfg, rep_i == 0)
                    self.raw[(cfg, key)].append(res)
                    log(f'bench: [{n}/{total}] {TITLES[cfg.workload]} {cfg.transport} '
                        f'{cfg.mode} -c {cfg.clients} {self.servers[key].kind} '
                        f'run {rep_i + 1}: {describe_run(cfg, res)}')

    def stop(self):
        for srv in (self.servers['rp'], self.servers['pg']):
            try:
                srv.stop()
            except Exception as e:  # noqa: BLE001
                log(f'bench: stopping {srv.kind}: {e}')

    def run_errors(self, configs):
        """(where, error, stderr) for every failed run."""
        out = []
        for cfg in configs:
            for key, _, kind in rep.SERVERS:
                for i, r in enumerate(self.raw.get((cfg, key), [])):
                    if r['error']:
                        out.append((f'{TITLES[cfg.workload]} / {cfg.transport} / {cfg.mode} / '
                                    f'-c {cfg.clients} / {kind} run {i + 1}', r['error'],
                                    r['stderr']))
        return out


# ------------------------------------------------------------------ report
def markdown(st, bench, configs, recs, errors, meta):
    md = ['# Rampart vs PostgreSQL 15: pgbench side by side\n',
          f'Generated by `bench/run.sh` on {meta["generated"]} '
          f'(took {meta["minutes"]:.1f} min). Overwritten on every run'
          + (' (smoke mode: one 1-second run each, figures not meaningful)' if st.smoke else '')
          + '.\n',
          '## Results\n',
          rep.md_tables(recs),
          sec.pair_table_md(recs),
          f'Each figure is the median of {st.repeats} run(s) per server and configuration; '
          'runs alternate between the servers. TPS is pgbench\'s "tps = ... (without initial '
          'connection time)"; connections/s is pgbench -C\'s "tps = ... (including '
          'reconnection times)", one connection per transaction. The ratio is '
          'Rampart / PostgreSQL: above 1 means Rampart is faster for TPS and connections/s, '
          'and uses more memory for KiB per connection. No timing is asserted.\n',
          '## Setup\n',
          f'- rows (pgbench_accounts): {st.rows}; seconds per run: {st.seconds}; '
          f'repeats: {st.repeats}; pgbench -j: min({st.jobs}, clients)']
    md += [f'- {k}: {v}' for k, v in meta['machine'].items()]
    its = meta['scram_iterations']
    md += [f'- load average before / after: {meta["load_before"]} / {meta["load_after"]} '
           '(other work on the machine skews results)',
           f'- Rampart: `{meta["rampart_bin"]}` (modified {meta["rampart_bin_mtime"]}); '
           f'checkout at the start of the run: {meta["rampart_commit"]}',
           f'- PostgreSQL: {meta["postgres_version"]}, stock settings except fsync=on, '
           'full_page_writes=on, synchronous_commit=on (all defaults), '
           f'max_connections={st.max_connections}',
           f'- Rampart: defaults (synchronous_commit=on) except max_connections='
           f'{st.max_connections}',
           f'- pgbench: {meta["pgbench_version"]}, `pgbench -n -M MODE -f SCRIPT -c N -j J '
           f'-T {st.seconds}` (connection setup: `-C -M simple`, point-select script)',
           '- transports: tcp = 127.0.0.1, unix = the server\'s unix socket; no TLS on either '
           'server (PGSSLMODE=disable); trust auth, except the connection-setup workload, '
           f'which logs in as `{SCRAM_ROLE}` with scram-sha-256 (pg_hba.conf, identical on '
           f'both servers; SCRAM iterations PostgreSQL {its.get("postgres", "?")}, '
           f'Rampart {its.get("rampart", "?")}); server CPU per connection is the change in '
           'the server\'s utime + stime + cutime + cstime (/proc, Rampart\'s process or the '
           'postmaster and the backends it reaped) over the run divided by the connections '
           'pgbench made; client CPU is pgbench\'s own (its libpq computes SCRAM\'s PBKDF2 '
           'on every login)',
           f'- idle connections: {st.idle} connections over TCP, each completes startup '
           '(trust) and then stays idle; PSS summed over the server\'s processes '
           '(/proc/PID/smaps_rollup; PostgreSQL: postmaster and all children) with them '
           'minus without them (taken once it is steady, after one connection in and '
           'out, so a fresh server\'s first-session allocations count for neither), '
           'divided by their number; measured first, on fresh servers',
           '- data dirs of both servers on the same filesystem\n',
           rep.md_details(configs, TITLES, bench.raw, recs),
           rep.md_errors(errors),
           '## Scripts\n']
    for w in ('select', 'update', 'tpcb'):
        if w in st.workloads:
            md.append(f'{TITLES[w]} (`-f`):\n\n```\n{scripts(st.rows)[w]}```\n')
    groups = security_groups(st)
    if groups:
        texts = sec.scripts(st.rls_rows, st.rows)
        used = sorted({sec.WORKLOADS[w][2] for g in groups for w in sec.GROUPS[g]})
        for name in used:
            md.append(f'{name} (`-f`):\n\n```\n{texts[name]}```\n')
        md.append('Security dataset (run once as the superuser; each run first installs its '
                  'policy variant, see bench/bench_security.py):\n\n```\n'
                  + ';\n'.join(sec.load_sql(st.rls_rows, st.rows, groups)) + ';\n```\n')
    return '\n'.join(md)


def find_pgbench():
    pgbench = os.environ.get('PGBENCH') or os.path.join(ol.PG15_BINDIR, 'pgbench')
    if not os.access(pgbench, os.X_OK):
        pgbench = shutil.which('pgbench')
    if not pgbench:
        sys.exit('bench: pgbench not found (install postgresql-15 / postgresql-client-15, '
                 'or set PGBENCH)')
    return pgbench


def smoke_failures(bench, configs, recs, errors):
    """Every reason the smoke run did not prove the harness (never speed)."""
    server_errs = [e for e in list(bench.start_err.values()) + list(bench.scram_err.values())
                   if e]
    out = [rep.one_line(e) for e in server_errs]
    out += [f'{w}: {rep.one_line(e)}' for w, e, _ in errors if e not in server_errs]
    for rec in recs:
        for name in ('postgres', 'rampart'):
            if rec[f'{name}_median'] is None and not rec[f'{name}_errors']:
                out.append(f'{rec["title"]} / {rec["transport"]} / {rec["mode"]} / '
                           f'{rec["clients"]}: {name} has no result (skipped)')
    return out


def main():
    ol.install_signal_handlers()
    st = Settings()
    ok, why = ol.pg15_present()
    if not ok:
        sys.exit(f'bench: PostgreSQL 15 is required: {why} (install postgresql-15 '
                 f'or set PG15_BINDIR)')
    pgbench = find_pgbench()
    rampart_bin = os.environ.get('RAMPART_BIN')
    if not rampart_bin or not os.access(rampart_bin, os.X_OK):
        sys.exit(f'bench: RAMPART_BIN={rampart_bin!r} is not an executable (use bench/run.sh)')

    configs = build_configs(st)
    est = estimate_seconds(configs, st)
    budget = float(os.environ.get('BENCH_MAX_MINUTES') or 0) * 60 or est + 600
    log(f'bench: {"SMOKE: " if st.smoke else ""}{len(configs)} configurations x '
        f'{st.repeats} repeats x 2 servers (about {est / 60:.1f} min; '
        f'budget {budget / 60:.1f} min)')

    started = rep.now_utc()
    t_start = time.time()
    load_before = rep.loadavg()
    commit = rep.git_rev()          # before the run: the checkout may change under it
    work = tempfile.mkdtemp(prefix='rampart-bench-')
    bench = Bench(st, pgbench, rampart_bin)
    try:
        bench.prepare(work)
        if bench.start_err['pg'] and bench.start_err['rp']:
            log('bench: neither server could be started and loaded; giving up')
            return 1
        bench.run_all(configs, budget, t_start)
    except ol.Interrupted as e:
        log(f'bench: {e}; cleaning up (no results written)')
        return 130
    finally:
        bench.stop()
        ol.rmtree(work)

    # ---------------- report
    recs = [rep.summarize(cfg, TITLES[cfg.workload], bench.raw) for cfg in configs]
    errors = bench.run_errors(configs)
    meta = {
        'generated': started.strftime('%Y-%m-%d %H:%M UTC'),
        'minutes': (time.time() - t_start) / 60,
        'settings': st.describe(),
        'machine': rep.machine_facts(),
        'load_before': load_before,
        'load_after': rep.loadavg(),
        'rampart_bin': rampart_bin,
        'rampart_commit': commit,
        'rampart_bin_mtime': rep.mtime_utc(rampart_bin),
        'postgres_version': rep.version_of([os.path.join(ol.PG15_BINDIR, 'postgres'),
                                            '--version']),
        'pgbench_version': rep.version_of([pgbench, '--version']),
        'scram_iterations': bench.scram_iterations,
    }
    st.output_paths()
    print(rep.console_tables(recs))
    print(sec.pair_table_console(recs))
    print(f'\n(median of {st.repeats} run(s) of {st.seconds}s each; {st.rows} rows; '
          f'nproc {os.cpu_count()})')
    write_errs = [e for e in (
        rep.write_text(st.results, markdown(st, bench, configs, recs, errors, meta)),
        rep.write_text(st.json, rep.json_text(meta, recs))) if e]
    for e in write_errs:
        log(f'bench: {e}')
    if not write_errs:
        log(f'bench: wrote {st.results} and {st.json}')
    if errors:
        print(f'\n{len(errors)} run(s) failed; see the Errors section of {st.results}')
    if not st.smoke:
        return 0
    return smoke_verdict(st, bench, configs, recs, errors, write_errs)


def smoke_verdict(st, bench, configs, recs, errors, write_errs):
    """Exit status of the smoke mode: 0 when every step ran, else 1."""
    failures = smoke_failures(bench, configs, recs, errors) + write_errs
    if not write_errs:
        err = rep.check_json(st.json, len(configs))
        if err:
            failures.append(err)
    if failures:
        print(f'\nbench smoke: FAIL: {len(failures)} step(s) did not run '
              f'(results kept in {os.path.dirname(os.path.abspath(st.results))}):')
        for f in failures:
            print(f'  - {f}')
        return 1
    note = ''
    if st.results_dir:
        ol.rmtree(st.results_dir)
        note = '; temp results removed'
    print(f'\nbench smoke: OK: {len(configs)} configurations ran on both servers '
          f'(speed is not judged{note})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
