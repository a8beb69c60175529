#!/usr/bin/env python3
"""Shared machinery for the PostgreSQL-15 oracle harness.

* Scratch PostgreSQL 15 clusters (initdb + postgres run as the `postgres` OS
  user when we are root; data dir, socket dir and log in a temp dir that is
  always removed, also on failure, SIGINT, SIGTERM and SIGHUP).
* Scratch Rampart servers (`rampart init` + `rampart serve`), or, with
  RAMPART_ORACLE_SELFTEST=1, a second scratch PostgreSQL 15 in its place.
* Running a .sql script through psql the way pg_regress does.

Standalone use (interactive scratch PostgreSQL 15; see README.md):
    python3 oracle_lib.py pg15 [-- CMD ARGS...]
"""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PG15_BINDIR = os.environ.get('PG15_BINDIR', '/usr/lib/postgresql/15/bin')
PSQL = os.path.join(PG15_BINDIR, 'psql')
SUPERUSER = 'postgres'          # bootstrap superuser name on both sides
PG_OS_USER = 'postgres'         # OS user that runs initdb/postgres when we are root
START_TIMEOUT = float(os.environ.get('RAMPART_ORACLE_START_TIMEOUT', '60'))


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def env_true(name):
    return os.environ.get(name, '').lower() in ('1', 'true', 'yes', 'on')


def selftest():
    return env_true('RAMPART_ORACLE_SELFTEST')


# ------------------------------------------------------------------ signals
class Interrupted(BaseException):
    pass


def install_signal_handlers():
    """Turn SIGINT/SIGTERM/SIGHUP into an exception so `finally` blocks (which
    stop servers and remove temp dirs) always run."""
    def handler(signum, frame):
        # ignore further signals while we clean up
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        raise Interrupted(f'interrupted by signal {signum}')
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, handler)


# ------------------------------------------------------------------ presence
def pg15_present():
    """(True, '') or (False, reason)."""
    for b in ('initdb', 'postgres', 'psql'):
        p = os.path.join(PG15_BINDIR, b)
        if not os.access(p, os.X_OK):
            return False, f'{p} not found'
    try:
        v = subprocess.run([os.path.join(PG15_BINDIR, 'postgres'), '--version'],
                           capture_output=True, text=True).stdout
    except OSError as e:
        return False, str(e)
    if ' 15.' not in v and not v.rstrip().endswith(' 15'):
        return False, f'{PG15_BINDIR}/postgres is not PostgreSQL 15: {v.strip()}'
    return True, ''


def require_pg15_or_skip(suite):
    """Exit 0 with a SKIP message when PostgreSQL 15 is absent, or 1 when CI=true."""
    ok, why = pg15_present()
    if ok:
        return
    if os.environ.get('CI', '').lower() == 'true':
        print(f'{suite}: FAIL: PostgreSQL 15 is required when CI=true but is absent ({why}); '
              f'install postgresql-15 or set PG15_BINDIR')
        print(f'{suite}: 0 passed, 1 failed')
        sys.exit(1)
    print(f'{suite}: SKIPPED: PostgreSQL 15 not found ({why}); install postgresql-15 '
          f'or set PG15_BINDIR. (With CI=true this is a failure.)')
    sys.exit(0)


# ------------------------------------------------------------------ helpers
def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def is_root():
    return os.geteuid() == 0


def ensure_pg_os_user():
    try:
        return pwd.getpwnam(PG_OS_USER)
    except KeyError:
        pass
    log(f'oracle: creating OS user {PG_OS_USER!r} (initdb/postgres refuse to run as root)')
    subprocess.run(['useradd', '--system', '--user-group', '--no-create-home',
                    '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', PG_OS_USER],
                   check=True)
    return pwd.getpwnam(PG_OS_USER)


def as_pg_user(argv):
    return (['runuser', '-u', PG_OS_USER, '--'] + argv) if is_root() else argv


def scratch_base():
    """A fresh temp dir that the postgres OS user can traverse. Prefers $TMPDIR,
    falls back to /tmp when the postgres user cannot reach $TMPDIR."""
    cands = [tempfile.gettempdir(), '/tmp']
    for parent in cands:
        d = tempfile.mkdtemp(prefix='rampart-oracle-', dir=parent)
        os.chmod(d, 0o755)
        if not is_root() or subprocess.run(as_pg_user(['test', '-x', d]),
                                           capture_output=True).returncode == 0:
            return d
        shutil.rmtree(d, ignore_errors=True)
    raise RuntimeError('no temp dir reachable by the postgres OS user')


def rmtree(path):
    for _ in range(10):
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.exists(path):
            return
        time.sleep(0.2)


def tail(path, n=30):
    try:
        with open(path, errors='replace') as f:
            return ''.join(f.readlines()[-n:])
    except OSError:
        return ''


def kill_group(proc, sig):
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def run_timeout(argv, timeout, **kw):
    """subprocess.run in its own process group; on timeout the whole group is
    killed. Returns CompletedProcess with returncode -9 (and .timed_out) on timeout."""
    p = subprocess.Popen(argv, start_new_session=True, **kw)
    with _running_lock:
        _running.add(p)
    try:
        out, err = p.communicate(timeout=timeout)
        r = subprocess.CompletedProcess(argv, p.returncode, out, err)
        r.timed_out = False
        return r
    except subprocess.TimeoutExpired:
        kill_group(p, signal.SIGKILL)
        out, err = p.communicate()
        r = subprocess.CompletedProcess(argv, -9, out, err)
        r.timed_out = True
        return r
    except BaseException:
        kill_group(p, signal.SIGKILL)
        p.wait()
        raise
    finally:
        with _running_lock:
            _running.discard(p)


_running = set()
_running_lock = threading.Lock()


def kill_running():
    """Kill every process group started by run_timeout that is still running
    (used on Ctrl-C while worker threads wait on their children)."""
    with _running_lock:
        procs = list(_running)
    for p in procs:
        kill_group(p, signal.SIGKILL)


# ------------------------------------------------------------------ servers
class Server:
    """Common interface: .host .port .user .kind .name; start(); stop()."""
    host = '127.0.0.1'
    user = SUPERUSER

    def libpq_env(self, base=None):
        e = dict(os.environ if base is None else base)
        e.update(PGHOST=self.host, PGPORT=str(self.port), PGUSER=self.user)
        return e

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *a):
        self.stop()

    def describe(self):
        return f'{self.kind} {self.name} on {self.host}:{self.port}'


class Pg15(Server):
    kind = 'PostgreSQL 15'

    def __init__(self, name='pg15'):
        self.name = name
        self.dir = None
        self.proc = None
        self.port = None

    def start(self):
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        if is_root():
            ensure_pg_os_user()
        self.dir = scratch_base()
        pw = pwd.getpwnam(PG_OS_USER) if is_root() else None
        self.data = os.path.join(self.dir, 'data')
        self.sock = os.path.join(self.dir, 'sock')
        self.logfile = os.path.join(self.dir, 'postgres.log')
        os.mkdir(self.sock)
        if pw:
            for p in (self.dir, self.sock):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        r = run_timeout(as_pg_user([os.path.join(PG15_BINDIR, 'initdb'), '-D', self.data,
                                    '-U', SUPERUSER, '--auth=trust', '--no-sync',
                                    '--no-instructions', '-E', 'UTF8', '--no-locale']),
                        START_TIMEOUT * 2, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        stdin=subprocess.DEVNULL, text=True, cwd=self.dir)
        if r.returncode != 0:
            raise RuntimeError(f'initdb failed for {self.name} (exit {r.returncode}): '
                               f'{(r.stderr or "").strip() or (r.stdout or "")[-500:]}')
        for attempt in range(5):
            self.port = free_port()
            with open(self.logfile, 'ab') as lf:
                self.proc = subprocess.Popen(
                    as_pg_user([os.path.join(PG15_BINDIR, 'postgres'), '-D', self.data,
                                '-p', str(self.port), '-k', self.sock,
                                '-c', 'listen_addresses=127.0.0.1',
                                '-c', 'fsync=off', '-c', 'full_page_writes=off',
                                '-c', 'synchronous_commit=off', '-c', 'max_connections=50']),
                    stdin=subprocess.DEVNULL, stdout=lf, stderr=subprocess.STDOUT,
                    cwd=self.dir, start_new_session=True)
            if self._wait_ready():
                return
            lt = tail(self.logfile)
            self._stop_proc()
            if 'could not bind' in lt or 'in use' in lt:
                continue                      # port race: try another one
            raise RuntimeError(f'PostgreSQL 15 ({self.name}) did not start:\n{lt}')
        raise RuntimeError(f'PostgreSQL 15 ({self.name}) could not find a free port')

    def _wait_ready(self):
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            r = subprocess.run([os.path.join(PG15_BINDIR, 'pg_isready'), '-q', '-h', self.host,
                                '-p', str(self.port), '-U', self.user, '-d', 'postgres'],
                               capture_output=True)
            if r.returncode == 0:
                return True
            time.sleep(0.1)
        return False

    def _postmaster_pid(self):
        try:
            with open(os.path.join(self.data, 'postmaster.pid')) as f:
                return int(f.readline().strip())
        except (OSError, ValueError):
            return None

    def _stop_proc(self):
        if self.proc is None:
            return
        pid = self._postmaster_pid()
        for sig, wait in ((signal.SIGINT, 15), (signal.SIGQUIT, 5), (signal.SIGKILL, 5)):
            if self.proc.poll() is not None:
                break
            try:
                if pid and sig != signal.SIGKILL:
                    os.kill(pid, sig)          # fast, then immediate shutdown
                else:
                    kill_group(self.proc, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                pass
        kill_group(self.proc, signal.SIGKILL)   # stragglers in the group, if any
        self.proc = None

    def stop(self):
        try:
            self._stop_proc()
        finally:
            if self.dir:
                rmtree(self.dir)
                self.dir = None


def rampart_binary(build=True):
    """Path of the rampart binary: $RAMPART_BIN, else built with cargo (unless
    RAMPART_NO_BUILD=1) in $CARGO_TARGET_DIR or <repo>/target."""
    b = os.environ.get('RAMPART_BIN')
    if b:
        return b
    target = os.environ.get('CARGO_TARGET_DIR') or os.path.join(REPO, 'target')
    if not os.path.isabs(target):
        target = os.path.join(REPO, target)
    path = os.path.join(target, 'debug', 'rampart')
    if build and not env_true('RAMPART_NO_BUILD'):
        log('oracle: cargo build -p rampart --bin rampart')
        r = subprocess.run(['cargo', 'build', '-p', 'rampart', '--bin', 'rampart'], cwd=REPO)
        if r.returncode != 0:
            raise RuntimeError('cargo build -p rampart --bin rampart failed')
    if not os.access(path, os.X_OK):
        raise RuntimeError(f'rampart binary not found at {path}')
    return path


class Rampart(Server):
    kind = 'Rampart'

    def __init__(self, binary, name='rampart'):
        self.bin = binary
        self.name = name
        self.dir = None
        self.proc = None
        self.port = None
        self.ready = threading.Event()

    def start(self):
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        self.dir = tempfile.mkdtemp(prefix='rampart-oracle-rp-')
        self.data = os.path.join(self.dir, 'data')
        self.sock = os.path.join(self.dir, 'sock')
        self.logfile = os.path.join(self.dir, 'rampart.log')
        os.mkdir(self.sock)
        r = run_timeout([self.bin, 'init', '-D', self.data, '-U', SUPERUSER, '--auth', 'trust'],
                        START_TIMEOUT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL, text=True, cwd=self.dir)
        if r.returncode != 0:
            raise RuntimeError(f'rampart init failed (exit {r.returncode}):\n{r.stdout}')
        for attempt in range(5):
            self.port = free_port()
            self.ready.clear()
            self.proc = subprocess.Popen(
                [self.bin, 'serve', '-D', self.data, '-p', str(self.port), '-h', self.host,
                 '-k', self.sock], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, cwd=self.dir, start_new_session=True)
            t = threading.Thread(target=self._pump, args=(self.proc,), daemon=True)
            t.start()
            deadline = time.time() + START_TIMEOUT
            while time.time() < deadline and not self.ready.is_set() and self.proc.poll() is None:
                self.ready.wait(0.1)
            if self.ready.is_set():
                return
            rc = self.proc.poll()
            rc_note = 'it kept running' if rc is None else f'it exited with status {rc}'
            self._stop_proc()
            t.join(2)
            lt = tail(self.logfile)
            if 'in use' in lt.lower():
                continue
            raise RuntimeError(f'rampart serve did not print "ready to accept connections" '
                               f'within {START_TIMEOUT:.0f}s ({rc_note}); log:\n{lt}')
        raise RuntimeError('rampart could not find a free port')

    def _pump(self, proc):
        with open(self.logfile, 'ab') as lf:
            for line in proc.stdout:
                lf.write(line)
                lf.flush()
                if b'ready to accept connections' in line:
                    self.ready.set()

    def _stop_proc(self):
        if self.proc is None:
            return
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            if self.proc.poll() is not None:
                break
            kill_group(self.proc, sig)
            try:
                self.proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                pass
        kill_group(self.proc, signal.SIGKILL)
        self.proc = None

    def stop(self):
        try:
            self._stop_proc()
        finally:
            if self.dir:
                rmtree(self.dir)
                self.dir = None


def target_factory():
    """Returns (factory, description) for the server under test: Rampart, or a
    second PostgreSQL 15 when RAMPART_ORACLE_SELFTEST=1."""
    if selftest():
        return (lambda name='selftest': Pg15(name)), 'PostgreSQL 15 (RAMPART_ORACLE_SELFTEST=1)'
    binary = rampart_binary()
    return (lambda name='rampart': Rampart(binary, name)), f'Rampart ({binary})'


# ------------------------------------------------------------------ pg_regress-style psql
def regress_env(server, extra_pgoptions=''):
    """Environment as pg_regress initialize_environment() sets it (see
    /work/shared/pg-regress/tools/run_regress.sh)."""
    e = server.libpq_env()
    for v in ('LANGUAGE', 'LC_ALL', 'PGCLIENTENCODING', 'PGDATABASE', 'PGSERVICE',
              'PGPASSFILE', 'PGSSLMODE', 'PGAPPNAME', 'PSQLRC'):
        e.pop(v, None)
    e.update(LC_MESSAGES='C', PGTZ='America/Los_Angeles', PGDATESTYLE='Postgres, MDY')
    e['PGOPTIONS'] = (e.get('PGOPTIONS', '') + ' -c intervalstyle=postgres_verbose'
                      + extra_pgoptions).strip()
    return e


NOCREATEDB_PGOPTIONS = (' -c lc_messages=C -c lc_monetary=C -c lc_numeric=C -c lc_time=C'
                        ' -c bytea_output=hex -c timezone_abbreviations=Default')


def reset_regression_db(server, db='regression', timeout=120):
    """pg_regress drop_database_if_exists() + create_database(). Returns '' or an error text."""
    e = regress_env(server)
    e['PGAPPNAME'] = 'pg_regress'
    r = run_timeout([PSQL, '-X', '-q', '-c', 'SET client_min_messages = warning',
                     '-c', f'DROP DATABASE IF EXISTS "{db}"', 'postgres'], timeout, env=e,
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    text=True)
    if r.returncode != 0:
        return f'DROP DATABASE failed: {r.stdout}'
    r = run_timeout([PSQL, '-X', '-q', '-c', f'CREATE DATABASE "{db}" TEMPLATE=template0',
                     '-c', f"ALTER DATABASE \"{db}\" SET lc_messages TO 'C';"
                     f"ALTER DATABASE \"{db}\" SET lc_monetary TO 'C';"
                     f"ALTER DATABASE \"{db}\" SET lc_numeric TO 'C';"
                     f"ALTER DATABASE \"{db}\" SET lc_time TO 'C';"
                     f"ALTER DATABASE \"{db}\" SET bytea_output TO 'hex';"
                     f"ALTER DATABASE \"{db}\" SET timezone_abbreviations TO 'Default';",
                     'postgres'], timeout, env=e, stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
    if r.returncode != 0:
        return f'CREATE/ALTER DATABASE failed: {r.stdout}'
    return ''


def run_psql_script(server, sqlfile, outfile, db='regression', timeout=300, no_createdb=False):
    """pg_regress_main.c psql_start_test(): psql -X -a -q < sql > out 2>&1.
    Returns (exit status, timed_out)."""
    e = regress_env(server, NOCREATEDB_PGOPTIONS if no_createdb else '')
    e['PGAPPNAME'] = 'pg_regress/' + os.path.basename(sqlfile)[:-4]
    with open(sqlfile, 'rb') as inp, open(outfile, 'wb') as out:
        r = run_timeout([PSQL, '-X', '-a', '-q', '-d', db, '-v', 'HIDE_TABLEAM=on',
                         '-v', 'HIDE_TOAST_COMPRESSION=on'], timeout, env=e, stdin=inp,
                        stdout=out, stderr=subprocess.STDOUT)
    if r.timed_out:
        with open(outfile, 'ab') as out:
            out.write(f'\n<<< oracle harness: psql killed after {timeout}s timeout >>>\n'.encode())
    return r.returncode, r.timed_out


def results_dir(kind):
    d = os.environ.get('RAMPART_ORACLE_RESULTS')
    if d:
        d = os.path.join(d, kind)
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
        return d
    return tempfile.mkdtemp(prefix=f'rampart-{kind}-results-')


# ------------------------------------------------------------------ CLI: pg15
def main_pg15(argv):
    """pg15 [-- CMD...]: start a scratch PostgreSQL 15, export PGHOST/PGPORT/PGUSER
    (and PG15_HOST/PG15_PORT/PG15_USER) to CMD; without CMD, print them and wait
    for Ctrl-C. The cluster and its temp dir are removed afterwards."""
    if argv and argv[0] == '--':
        argv = argv[1:]
    install_signal_handlers()
    ok, why = pg15_present()
    if not ok:
        if os.environ.get('CI', '').lower() == 'true':
            log(f'pg15: PostgreSQL 15 is required when CI=true but is absent ({why})')
            return 1
        log(f'pg15: SKIPPED: PostgreSQL 15 not found ({why})')
        return 0
    srv = Pg15('pg15')
    try:
        srv.start()
        env = srv.libpq_env()
        env.update(PG15_HOST=srv.host, PG15_PORT=str(srv.port), PG15_USER=srv.user,
                   PG15_BINDIR=PG15_BINDIR)
        log(f'pg15: scratch PostgreSQL 15 ready: PGHOST={srv.host} PGPORT={srv.port} '
            f'PGUSER={srv.user} (socket dir {srv.sock})')
        if not argv:
            log('pg15: press Ctrl-C to stop and remove it')
            while True:
                time.sleep(3600)
        return subprocess.run(argv, env=env).returncode
    except Interrupted as e:
        log(f'pg15: {e}; cleaning up')
        return 130
    finally:
        srv.stop()


if __name__ == '__main__':
    if len(sys.argv) >= 2 and sys.argv[1] == 'pg15':
        sys.exit(main_pg15(sys.argv[2:]))
    print(__doc__)
    sys.exit(2)
