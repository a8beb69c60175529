"""Scratch servers for bench/bench.py: PostgreSQL 15 and Rampart, configured
alike for benchmarking.

Both servers get the same pg_hba.conf (trust on the unix socket and on
127.0.0.1, except SCRAM-SHA-256 for the role SCRAM_ROLE over TCP), the same
max_connections, and durable commits. Clients always connect without TLS
(PGSSLMODE=disable): the scratch PostgreSQL has no certificate while Rampart
enables TLS by default, so `sslmode=prefer` would encrypt only one side.

Start-up, shutdown and temp-dir removal come from tests/oracle/oracle_lib.py
(imported, not modified); only the configuration steps differ.
"""
import os
import re
import subprocess
import tempfile
import threading
import time

import oracle_lib as ol

DB = 'postgres'
SCRAM_ROLE = 'bench_scram'
SCRAM_PASSWORD = 'bench-scram-secret'

HBA = f"""# Written by bench/bench_servers.py; identical on both servers.
# TYPE  DATABASE        USER            ADDRESS                 METHOD
local   all             all                                     trust
host    all             {SCRAM_ROLE:<15} 127.0.0.1/32            scram-sha-256
host    all             all             127.0.0.1/32            trust
"""


class BenchServer:
    """Mixin for both servers: libpq environments per transport and the
    server's root process id (for memory measurements)."""

    def env(self, transport='tcp', user=None, password=None):
        """libpq environment for pgbench/psql: TCP to 127.0.0.1 or the unix
        socket directory, no TLS, no PGOPTIONS, PGPASSWORD only when given."""
        e = self.libpq_env()
        for v in ('PGOPTIONS', 'PGPASSWORD', 'PGSERVICE', 'PGDATABASE', 'PGAPPNAME',
                  'PGSSLMODE', 'PGREQUIRESSL', 'PGCONNECT_TIMEOUT'):
            e.pop(v, None)
        if transport == 'unix':
            e['PGHOST'] = self.sock
        elif transport == 'tcp':
            e['PGHOST'] = self.host
        else:
            raise ValueError(f'unknown transport {transport!r}')
        e['PGSSLMODE'] = 'disable'
        e['PGPASSFILE'] = '/nonexistent/bench-pgpass'   # ignore ~/.pgpass
        if user:
            e['PGUSER'] = user
        if password is not None:
            e['PGPASSWORD'] = password
        return e

    def root_pid(self):
        """Process id of the server's main process (postmaster / rampart)."""
        raise NotImplementedError


class Pg15Bench(BenchServer, ol.Pg15):
    """oracle_lib's scratch PostgreSQL 15, but durable: fsync, full_page_writes
    and synchronous_commit stay at their defaults (on), because Rampart fsyncs
    its WAL at commit too. Everything else (shared_buffers etc.) is stock, plus
    the shared pg_hba.conf and max_connections."""
    kind = 'PostgreSQL 15'

    def __init__(self, name='bench-pg15', max_connections=50):
        super().__init__(name)
        self.max_connections = max_connections

    def root_pid(self):
        return self._postmaster_pid()

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
        # Truncating keeps the file's owner (the postgres OS user) and mode.
        with open(os.path.join(self.data, 'pg_hba.conf'), 'w') as f:
            f.write(HBA)
        for _ in range(5):
            self.port = ol.free_port()
            with open(self.logfile, 'ab') as lf:
                self.proc = subprocess.Popen(
                    ol.as_pg_user([os.path.join(ol.PG15_BINDIR, 'postgres'), '-D', self.data,
                                   '-p', str(self.port), '-k', self.sock,
                                   '-c', 'listen_addresses=127.0.0.1',
                                   '-c', 'fsync=on', '-c', 'full_page_writes=on',
                                   '-c', 'synchronous_commit=on',
                                   '-c', 'password_encryption=scram-sha-256',
                                   '-c', f'max_connections={self.max_connections}']),
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


class RampartBench(BenchServer, ol.Rampart):
    """oracle_lib's scratch Rampart with the shared pg_hba.conf and
    max_connections written between `rampart init` and `rampart serve`.
    (oracle_lib does init and serve in one method, so its serve loop is
    repeated here.) Rampart's own defaults stay: synchronous_commit=on."""

    def __init__(self, binary, name='bench-rampart', max_connections=100):
        super().__init__(binary, name)
        self.max_connections = max_connections

    def root_pid(self):
        return self.proc.pid if self.proc else None

    def _configure(self):
        with open(os.path.join(self.data, 'pg_hba.conf'), 'w') as f:
            f.write(HBA)
        # Rampart reads postgresql.conf like PostgreSQL: the last setting wins.
        with open(os.path.join(self.data, 'postgresql.conf'), 'a') as f:
            f.write(f'\n# bench/bench_servers.py\nmax_connections = {self.max_connections}\n')

    def _start(self):
        self.dir = tempfile.mkdtemp(prefix='rampart-bench-rp-')
        self.data = os.path.join(self.dir, 'data')
        self.sock = os.path.join(self.dir, 'sock')
        self.logfile = os.path.join(self.dir, 'rampart.log')
        os.mkdir(self.sock)
        r = ol.run_timeout([self.bin, 'init', '-D', self.data, '-U', ol.SUPERUSER,
                            '--auth', 'trust'], ol.START_TIMEOUT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
                           cwd=self.dir)
        if r.returncode != 0:
            raise RuntimeError(f'rampart init failed (exit {r.returncode}):\n{r.stdout}')
        self._configure()
        self._serve()

    def restart_process(self):
        """Stops `rampart serve` and starts it again on the same data: a fresh
        process, whose allocator has not kept memory freed by earlier clients
        (one process serves every connection, so a second idle measurement
        in the same process would reuse the first one's freed memory and
        read near zero)."""
        self._stop_proc()
        self._serve()

    def _serve(self):
        for _ in range(5):
            self.port = ol.free_port()
            self.ready.clear()
            self.proc = subprocess.Popen(
                [self.bin, 'serve', '-D', self.data, '-p', str(self.port), '-h', self.host,
                 '-k', self.sock], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, cwd=self.dir, start_new_session=True)
            t = threading.Thread(target=self._pump, args=(self.proc,), daemon=True)
            t.start()
            deadline = time.time() + ol.START_TIMEOUT
            while time.time() < deadline and not self.ready.is_set() and self.proc.poll() is None:
                self.ready.wait(0.1)
            if self.ready.is_set():
                return
            rc = self.proc.poll()
            rc_note = 'it kept running' if rc is None else f'it exited with status {rc}'
            self._stop_proc()
            t.join(2)
            lt = ol.tail(self.logfile)
            if 'in use' in lt.lower():
                continue
            raise RuntimeError(f'rampart serve did not print "ready to accept connections" '
                               f'within {ol.START_TIMEOUT:.0f}s ({rc_note}); log:\n{lt}')
        raise RuntimeError('rampart could not find a free port')


# ------------------------------------------------------------------ psql
def psql(server, cmds, timeout=120, transport='tcp', user=None, password=None):
    """Runs `psql -c CMD ...` (ON_ERROR_STOP, unaligned, tuples only);
    returns the CompletedProcess (stdout and stderr merged)."""
    argv = [ol.PSQL, '-X', '-q', '-A', '-t', '-w', '-v', 'ON_ERROR_STOP=1', '-d', DB]
    for c in cmds:
        argv += ['-c', c]
    return ol.run_timeout(argv, timeout, env=server.env(transport, user, password),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, text=True)


def setup_scram_role(server):
    """Creates SCRAM_ROLE with a password (stored as a SCRAM-SHA-256 verifier)
    and SELECT on pgbench_accounts, then checks over TCP that it can log in
    with the password and is refused without one (so pg_hba.conf really asks
    for SCRAM). Returns (error text or '', SCRAM iteration count or None)."""
    r = psql(server, [f"CREATE ROLE {SCRAM_ROLE} LOGIN PASSWORD '{SCRAM_PASSWORD}'",
                      f'GRANT SELECT ON pgbench_accounts TO {SCRAM_ROLE}',
                      f"SELECT rolpassword FROM pg_authid WHERE rolname = '{SCRAM_ROLE}'"])
    if r.returncode != 0:
        return f'creating role {SCRAM_ROLE} failed: {(r.stdout or "").strip()}', None
    m = re.search(r'SCRAM-SHA-256\$(\d+):', r.stdout or '')
    if not m:
        return (f'the password of {SCRAM_ROLE} is not stored as a SCRAM-SHA-256 verifier: '
                f'{(r.stdout or "").strip()[:200]}'), None
    iterations = int(m.group(1))
    r = psql(server, ['SELECT 1'], user=SCRAM_ROLE, password=SCRAM_PASSWORD)
    if r.returncode != 0 or (r.stdout or '').strip() != '1':
        return f'SCRAM login as {SCRAM_ROLE} failed: {(r.stdout or "").strip()}', iterations
    r = psql(server, ['SELECT 1'], user=SCRAM_ROLE)
    if r.returncode == 0:
        return (f'{SCRAM_ROLE} logged in over TCP without a password: pg_hba.conf is not '
                f'asking for SCRAM'), iterations
    return '', iterations
