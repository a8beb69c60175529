#!/usr/bin/env python3
"""Side-by-side pgbench benchmark: PostgreSQL 15 vs Rampart on the same machine,
in one run. Prints median TPS per configuration and the ratio Rampart/PostgreSQL,
and writes the table to bench/results.md. Never asserts on timings.

Normally started through bench/run.sh (which builds the release binary and sets
RAMPART_BIN). Settings, all from the environment:

  BENCH_ROWS=100000      rows in pgbench_accounts
  BENCH_SECONDS=10       duration of one pgbench run (-T)
  BENCH_REPEATS=3        runs per configuration and server (median is quoted)
  BENCH_CLIENTS=1,8      client counts (-c)
  BENCH_JOBS=2           pgbench worker threads (-j, capped at the client count)
  BENCH_WORKLOADS=...    comma list out of select,update,tpcb (default: all)
  BENCH_RESULTS=PATH     markdown output (default bench/results.md)
  BENCH_MAX_MINUTES=N    overall time budget; configurations not started by then
                         are reported as skipped (default: estimate + 10 min)
  RAMPART_BIN=PATH       rampart binary (required here; run.sh sets it)
  PG15_BINDIR=DIR        PostgreSQL 15 binaries (default /usr/lib/postgresql/15/bin)
  PGBENCH=PATH           pgbench binary (default PG15_BINDIR/pgbench, else on PATH)

Only the Python standard library is used; server management comes from
tests/oracle/oracle_lib.py (imported, not modified).
"""
import datetime
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, 'tests', 'oracle'))
import oracle_lib as ol  # noqa: E402

DB = 'postgres'


def log(msg):
    print(msg, file=sys.stderr, flush=True)


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


# ------------------------------------------------------------------ servers
class Pg15Bench(ol.Pg15):
    """oracle_lib's scratch PostgreSQL 15, but durable: fsync, full_page_writes
    and synchronous_commit stay at their defaults (on), because Rampart fsyncs
    its WAL at commit too. Everything else (shared_buffers etc.) is stock."""
    kind = 'PostgreSQL 15'

    def _start(self):
        if ol.is_root():
            ol.ensure_pg_os_user()
        self.dir = ol.scratch_base()
        pw = ol.pwd.getpwnam(ol.PG_OS_USER) if ol.is_root() else None
        self.data = os.path.join(self.dir, 'data')
        self.sock = os.path.join(self.dir, 'sock')
        self.logfile = os.path.join(self.dir, 'postgres.log')
        os.mkdir(self.sock)
        if pw:
            for p in (self.dir, self.sock):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        r = ol.run_timeout(ol.as_pg_user([os.path.join(ol.PG15_BINDIR, 'initdb'), '-D', self.data,
                                          '-U', ol.SUPERUSER, '--auth=trust', '--no-sync',
                                          '--no-instructions', '-E', 'UTF8', '--no-locale']),
                           ol.START_TIMEOUT * 2, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, text=True, cwd=self.dir)
        if r.returncode != 0:
            raise RuntimeError(f'initdb failed (exit {r.returncode}): '
                               f'{(r.stderr or "").strip() or (r.stdout or "")[-500:]}')
        for _ in range(5):
            self.port = ol.free_port()
            with open(self.logfile, 'ab') as lf:
                self.proc = subprocess.Popen(
                    ol.as_pg_user([os.path.join(ol.PG15_BINDIR, 'postgres'), '-D', self.data,
                                   '-p', str(self.port), '-k', self.sock,
                                   '-c', 'listen_addresses=127.0.0.1',
                                   '-c', 'fsync=on', '-c', 'full_page_writes=on',
                                   '-c', 'synchronous_commit=on', '-c', 'max_connections=50']),
                    stdin=subprocess.DEVNULL, stdout=lf, stderr=subprocess.STDOUT,
                    cwd=self.dir, start_new_session=True)
            if self._wait_ready():
                return
            lt = ol.tail(self.logfile)
            self._stop_proc()
            if 'could not bind' in lt or 'in use' in lt:
                continue
            raise RuntimeError(f'PostgreSQL 15 did not start:\n{lt}')
        raise RuntimeError('PostgreSQL 15 could not find a free port')


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


WORKLOAD_TITLES = {
    'select': 'point select',
    'update': 'update txn',
    'tpcb': 'TPC-B-like',
}


def psql(server, cmds, timeout):
    argv = [ol.PSQL, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', DB]
    for c in cmds:
        argv += ['-c', c]
    env = server.libpq_env()
    env.pop('PGOPTIONS', None)
    return ol.run_timeout(argv, timeout, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)


def load(server, rows, pgbench):
    """Loads both servers the same way, with `pgbench -i` itself (scale =
    rows / 100000). Returns '' or an error text."""
    t0 = time.time()
    if rows % 100000 != 0:
        return f'BENCH_ROWS must be a multiple of 100000 (pgbench -i scale), not {rows}'
    env = server.libpq_env()
    env.pop('PGOPTIONS', None)
    r = ol.run_timeout([pgbench, '-i', '-q', '-s', str(rows // 100000), DB], 600, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL, text=True)
    if r.returncode != 0:
        return ('timed out' if r.timed_out else first_error(r.stdout)) or f'exit {r.returncode}'
    r = psql(server, ['SELECT count(*) FROM pgbench_accounts'], 120)
    argv_out = (r.stdout or '').split()
    if r.returncode != 0 or str(rows) not in argv_out:
        return f'row count check failed: {(r.stdout or "").strip()}'
    log(f'bench: pgbench -i loaded {rows} rows into {server.kind} in {time.time() - t0:.1f}s')
    return ''


# ------------------------------------------------------------------ pgbench
TPS_RE = re.compile(r'^tps = ([0-9.]+) \(without initial connection time\)', re.M)
LAT_RE = re.compile(r'^latency average = ([0-9.]+) ms', re.M)


def first_error(text):
    lines = [ln.strip() for ln in (text or '').splitlines() if ln.strip()]
    for ln in lines:
        if 'error' in ln.lower() or 'fatal' in ln.lower():
            ln = re.sub(r'^pgbench: (error|fatal): ', '', ln)
            return ln
    return lines[-1] if lines else 'no output'


def run_pgbench(pgbench, server, script_path, mode, clients, jobs, seconds):
    """Returns dict(tps=float|None, lat=float|None, error=str|None, stderr=str)."""
    argv = [pgbench, '-n', '-M', mode, '-f', script_path, '-c', str(clients),
            '-j', str(min(jobs, clients)), '-T', str(seconds), DB]
    env = server.libpq_env()
    env.pop('PGOPTIONS', None)
    r = ol.run_timeout(argv, seconds + 60, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    out, err = r.stdout or '', r.stderr or ''
    m = TPS_RE.search(out)
    lat = LAT_RE.search(out)
    res = {'tps': float(m.group(1)) if m else None,
           'lat': float(lat.group(1)) if lat else None,
           'error': None, 'stderr': err.strip()}
    if r.timed_out:
        res['error'] = f'pgbench did not finish within {seconds + 60}s (killed)'
        res['tps'] = None
    elif r.returncode != 0 or m is None:
        res['error'] = first_error(err or out)
        res['tps'] = None
    return res


# ------------------------------------------------------------------ report
def fmt_tps(x):
    return f'{x:,.0f}' if x >= 100 else f'{x:,.1f}'


def cell(results, repeats):
    """Median TPS text for one server's runs of one configuration."""
    ok = [r['tps'] for r in results if r['tps'] is not None]
    errs = [r['error'] for r in results if r['error']]
    if not results:
        return None, 'skipped (time budget)'
    if not ok:
        return None, 'error: ' + errs[0]
    med = statistics.median(ok)
    txt = fmt_tps(med)
    if errs:
        txt += f' ({len(errs)}/{len(results)} runs failed: {errs[0]})'
    return med, txt


def md_escape(s):
    return s.replace('|', '\\|').replace('\n', ' ')


def machine_facts():
    facts = {}
    facts['nproc'] = str(os.cpu_count())
    try:
        with open('/proc/cpuinfo') as f:
            for ln in f:
                if ln.startswith('model name'):
                    facts['cpu'] = ln.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open('/proc/meminfo') as f:
            kb = int(f.readline().split()[1])
            facts['memory'] = f'{kb / 1024 / 1024:.1f} GiB'
    except (OSError, ValueError, IndexError):
        pass
    facts['kernel'] = platform.release()
    try:
        r = subprocess.run(['df', '-T', tempfile.gettempdir()], capture_output=True, text=True)
        facts['data dirs'] = f'{tempfile.gettempdir()} ({r.stdout.splitlines()[1].split()[1]})'
    except Exception:  # noqa: BLE001 - facts are best effort
        pass
    return facts


def loadavg():
    try:
        with open('/proc/loadavg') as f:
            return ' '.join(f.read().split()[:3])
    except OSError:
        return '?'


def git_rev():
    try:
        rev = subprocess.run(['git', '-C', REPO, 'rev-parse', '--short', 'HEAD'],
                             capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(['git', '-C', REPO, 'status', '--porcelain', '--', 'crates',
                                'Cargo.toml', 'Cargo.lock'],
                               capture_output=True, text=True).stdout.strip()
        return rev + (' (crates/ has uncommitted changes)' if dirty else '')
    except OSError:
        return '?'


def version_of(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True).stdout.strip()
    except OSError:
        return '?'


# ------------------------------------------------------------------ main
def main():
    ol.install_signal_handlers()
    rows = env_int('BENCH_ROWS', 100000)
    seconds = env_int('BENCH_SECONDS', 10)
    repeats = env_int('BENCH_REPEATS', 3)
    jobs = env_int('BENCH_JOBS', 2)
    try:
        clients = [int(c) for c in os.environ.get('BENCH_CLIENTS', '1,8').split(',') if c.strip()]
    except ValueError:
        sys.exit('bench: BENCH_CLIENTS must be a comma list of integers')
    wl = [w.strip() for w in os.environ.get('BENCH_WORKLOADS', 'select,update,tpcb').split(',')
          if w.strip()]
    for w in wl:
        if w not in WORKLOAD_TITLES:
            sys.exit(f'bench: unknown workload {w!r} in BENCH_WORKLOADS (select, update, tpcb)')
    results_path = os.environ.get('BENCH_RESULTS') or os.path.join(HERE, 'results.md')

    ok, why = ol.pg15_present()
    if not ok:
        sys.exit(f'bench: PostgreSQL 15 is required: {why} (install postgresql-15 '
                 f'or set PG15_BINDIR)')
    pgbench = os.environ.get('PGBENCH') or os.path.join(ol.PG15_BINDIR, 'pgbench')
    if not os.access(pgbench, os.X_OK):
        pgbench = shutil.which('pgbench')
    if not pgbench:
        sys.exit('bench: pgbench not found (install postgresql-15 / postgresql-contrib)')
    rampart_bin = os.environ.get('RAMPART_BIN')
    if not rampart_bin or not os.access(rampart_bin, os.X_OK):
        sys.exit(f'bench: RAMPART_BIN={rampart_bin!r} is not an executable (use bench/run.sh)')

    # configurations: (workload, mode, clients)
    configs = []
    for w in wl:
        modes = ['prepared', 'simple'] if w == 'select' else ['prepared']
        for mode in modes:
            for c in clients:
                configs.append((w, mode, c))
    est = len(configs) * repeats * 2 * (seconds + 2) + 120
    budget = float(os.environ.get('BENCH_MAX_MINUTES') or 0) * 60 or est + 600
    log(f'bench: {len(configs)} configurations x {repeats} repeats x 2 servers x {seconds}s '
        f'(about {est / 60:.1f} min; budget {budget / 60:.1f} min)')

    started = datetime.datetime.now(datetime.timezone.utc)
    t_start = time.time()
    load_before = loadavg()
    work = tempfile.mkdtemp(prefix='rampart-bench-')
    pg = Pg15Bench('bench-pg15')
    rp = ol.Rampart(rampart_bin, 'bench-rampart')
    servers = {'pg': pg, 'rp': rp}
    start_err = {'pg': '', 'rp': ''}
    raw = {}          # (config, key) -> list of run results
    try:
        paths = {}
        for name, text in scripts(rows).items():
            paths[name] = os.path.join(work, f'{name}.sql')
            with open(paths[name], 'w') as f:
                f.write(text)
        for key, srv, is_pg in (('pg', pg, True), ('rp', rp, False)):
            try:
                srv.start()
                log(f'bench: {srv.kind} ready on {srv.host}:{srv.port}')
                start_err[key] = load(srv, rows, pgbench)
            except ol.Interrupted:
                raise
            except Exception as e:  # noqa: BLE001 - reported in the table
                start_err[key] = f'{srv.kind} did not start: {e}'
            if start_err[key]:
                log(f'bench: {srv.kind}: {start_err[key]}')
        if start_err['pg'] and start_err['rp']:
            log('bench: neither server could be started and loaded; giving up')
            return 1

        total = len(configs) * repeats * 2
        n = 0
        for cfg in configs:
            w, mode, c = cfg
            for key in ('pg', 'rp'):
                raw[(cfg, key)] = []
            for rep in range(repeats):
                order = ('pg', 'rp') if rep % 2 == 0 else ('rp', 'pg')
                for key in order:
                    n += 1
                    srv = servers[key]
                    if start_err[key]:
                        raw[(cfg, key)].append({'tps': None, 'lat': None,
                                                'error': start_err[key], 'stderr': ''})
                        continue
                    if time.time() - t_start > budget:
                        log(f'bench: [{n}/{total}] skipped: time budget exhausted')
                        continue
                    res = run_pgbench(pgbench, srv, paths[w], mode, c, jobs, seconds)
                    raw[(cfg, key)].append(res)
                    what = (f'{res["tps"]:.1f} tps' if res['tps'] is not None
                            else f'ERROR {res["error"]}')
                    log(f'bench: [{n}/{total}] {WORKLOAD_TITLES[w]} {mode} -c {c} '
                        f'{srv.kind} run {rep + 1}: {what}')
    except ol.Interrupted as e:
        log(f'bench: {e}; cleaning up (no results written)')
        return 130
    finally:
        for srv in (rp, pg):
            try:
                srv.stop()
            except Exception as e:  # noqa: BLE001
                log(f'bench: stopping {srv.kind}: {e}')
        ol.rmtree(work)

    # ---------------- report
    header = ['workload', 'clients', 'mode', 'PostgreSQL tps', 'Rampart tps',
              'ratio (Rampart/PG)']
    rows_out = []
    errors = []
    for cfg in configs:
        w, mode, c = cfg
        pg_med, pg_txt = cell(raw.get((cfg, 'pg'), []), repeats)
        rp_med, rp_txt = cell(raw.get((cfg, 'rp'), []), repeats)
        ratio = f'{rp_med / pg_med:.2f}' if pg_med and rp_med is not None else '-'
        rows_out.append([WORKLOAD_TITLES[w], str(c), mode, pg_txt, rp_txt, ratio])
        for key, kind in (('pg', 'PostgreSQL'), ('rp', 'Rampart')):
            for i, r in enumerate(raw.get((cfg, key), [])):
                if r['error']:
                    errors.append((f'{WORKLOAD_TITLES[w]} / {mode} / -c {c} / {kind} '
                                   f'run {i + 1}', r['error'], r['stderr']))

    widths = [max(len(h), *(len(r[i]) for r in rows_out)) for i, h in enumerate(header)]
    widths = [min(wd, 70) for wd in widths]

    def line(cols):
        return ' | '.join(str(col)[:70].ljust(widths[i]) for i, col in enumerate(cols))
    print()
    print(line(header))
    print('-+-'.join('-' * wd for wd in widths))
    for r in rows_out:
        print(line(r))
    print(f'\n(median of {repeats} runs of {seconds}s each; {rows} rows; nproc {os.cpu_count()})')

    facts = machine_facts()
    pg_ver = version_of([os.path.join(ol.PG15_BINDIR, 'postgres'), '--version'])
    pgb_ver = version_of([pgbench, '--version'])
    md = []
    md.append('# Rampart vs PostgreSQL 15: pgbench side by side\n')
    md.append(f'Generated by `bench/run.sh` on {started.strftime("%Y-%m-%d %H:%M UTC")} '
              f'(took {(time.time() - t_start) / 60:.1f} min). Overwritten on every run.\n')
    md.append('| workload | clients | mode | PostgreSQL tps | Rampart tps | ratio (Rampart/PG) |')
    md.append('| --- | ---: | --- | ---: | ---: | ---: |')
    for r in rows_out:
        md.append('| ' + ' | '.join(md_escape(x) for x in r) + ' |')
    md.append('')
    md.append(f'TPS is the median of {repeats} run(s) per server and configuration '
              '(pgbench "tps ... without initial connection time"); ratio > 1 means Rampart is '
              'faster. Runs alternate between the servers. No timing is asserted.\n')
    md.append('## Setup\n')
    md.append(f'- rows (pgbench_accounts): {rows}; seconds per run: {seconds}; '
              f'repeats: {repeats}; pgbench -j: min({jobs}, clients)')
    for k, v in facts.items():
        md.append(f'- {k}: {v}')
    md.append(f'- load average before / after: {load_before} / {loadavg()} '
              '(other work on the machine skews results)')
    md.append(f'- Rampart: `{rampart_bin}` at commit {git_rev()}')
    md.append(f'- PostgreSQL: {pg_ver}, stock settings except fsync=on, full_page_writes=on, '
              'synchronous_commit=on (all defaults), max_connections=50; '
              'VACUUM ANALYZE after loading')
    md.append(f'- pgbench: {pgb_ver}, `pgbench -n -M MODE -f SCRIPT -c N -j J -T {seconds}`')
    md.append('- both servers: trust auth on 127.0.0.1 (TCP), data dirs on the same filesystem\n')
    md.append('## Run details (TPS / average latency per run)\n')
    md.append('| workload | clients | mode | PostgreSQL runs | Rampart runs |')
    md.append('| --- | ---: | --- | --- | --- |')
    for cfg in configs:
        w, mode, c = cfg

        def runs(key):
            out = []
            for r in raw.get((cfg, key), []):
                if r['tps'] is None:
                    out.append('error')
                else:
                    out.append(f'{r["tps"]:.0f}' + (f' / {r["lat"]:.2f} ms' if r['lat'] else ''))
            return ', '.join(out) or '-'
        md.append(f'| {WORKLOAD_TITLES[w]} | {c} | {mode} | {runs("pg")} | {runs("rp")} |')
    md.append('')
    if errors:
        md.append('## Errors\n')
        seen = set()
        for where, err, stderr in errors:
            if err in seen:
                md.append(f'- {where}: same error (`{err}`)')
                continue
            seen.add(err)
            md.append(f'- {where}: `{err}`')
            if stderr:
                excerpt = '\n'.join(stderr.splitlines()[:15])
                md.append('\n  ```\n' + '\n'.join('  ' + ln for ln in excerpt.splitlines())
                          + '\n  ```')
        md.append('')
    md.append('## Scripts\n')
    for w in wl:
        md.append(f'{WORKLOAD_TITLES[w]} (`-f`):\n\n```\n{scripts(rows)[w]}```\n')
    try:
        with open(results_path, 'w') as f:
            f.write('\n'.join(md))
        log(f'bench: wrote {results_path}')
    except OSError as e:
        log(f'bench: could not write {results_path}: {e}')
    if errors:
        print(f'\n{len(errors)} run(s) failed; see the Errors section of {results_path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
