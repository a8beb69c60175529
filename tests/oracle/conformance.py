#!/usr/bin/env python3
"""Conformance runner over PostgreSQL 15's own security regression tests
(/work/shared/pg-regress, used in place through its tools/run_chunk.py,
run_regress.sh and chunks.py; nothing is copied into the project).

Units: every chunk of rowsecurity and privileges (run_chunk.py, each in a fresh
database after the chunks it depends on) and the whole files rowsecurity,
privileges, create_role, roleattributes, password, dependency, rolenames
(run_regress.sh, each on a fresh server). For every unit the best strictness
level it passes at is reported: exact > ws > errors > loose > fail.

The levels are compared with tests/conformance/baseline.tsv: the run fails when
a unit is worse than its baseline (regression) and also when it is better (so
the baseline stays true); regenerate with RAMPART_BLESS=1, which also rewrites
the table between <!-- conformance:begin --> and <!-- conformance:end --> in
README.md.

usage: conformance.py [UNIT-PREFIX ...]   e.g. rowsecurity  privileges/05  file/  file/password
       conformance.py --table             print the markdown table for baseline.tsv

env: RAMPART_BLESS=1             write the measured levels to the baseline (+ README table)
     RAMPART_ORACLE_SELFTEST=1   run against a scratch PostgreSQL 15 instead of Rampart;
                                 every unit must then pass at exact (baseline not used)
     RAMPART_BIN / RAMPART_NO_BUILD / PG15_BINDIR / CI   as for compat.py
     RAMPART_ORACLE_JOBS=N       parallel workers, each with its own server (default 3)
     RAMPART_ORACLE_TIMEOUT=S    per chunk/file run (default 300)
     RAMPART_ORACLE_NO_CREATEDB=1  pass -n / --no-createdb to the pg-regress tools
     RAMPART_ORACLE_RESULTS=DIR  where logs go (default: a new dir under $TMPDIR)
     RAMPART_README=PATH         README to update when blessing (default: <repo>/README.md)
     PG_REGRESS_DIR              default /work/shared/pg-regress
"""
import difflib
import os
import queue
import re
import subprocess
import sys
import threading

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_lib as ol  # noqa: E402

_BESIDE = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'shared', 'pg-regress'))
PGR = os.environ.get('PG_REGRESS_DIR', _BESIDE if os.path.isdir(_BESIDE) else '/work/shared/pg-regress')

TOOLS = os.path.join(PGR, 'tools')
BASELINE = os.path.join(ol.REPO, 'tests', 'conformance', 'baseline.tsv')
README = os.environ.get('RAMPART_README', os.path.join(ol.REPO, 'README.md'))
LEVELS = ['exact', 'ws', 'errors', 'loose', 'fail']          # best first
RANK = {l: i for i, l in enumerate(LEVELS)}                  # lower is better
CHUNK_TESTS = ['rowsecurity', 'privileges']
FILES = {
    'rowsecurity': 'src/test/regress',
    'privileges': 'src/test/regress',
    'create_role': 'src/test/regress',
    'roleattributes': 'src/test/regress',
    'password': 'src/test/regress',
    'dependency': 'src/test/regress',
    'rolenames': 'src/test/modules/unsafe_tests',
}
SUITES = [('rowsecurity chunks', 'rowsecurity/'), ('privileges chunks', 'privileges/'),
          ('whole files', 'file/')]
BEGIN, END = '<!-- conformance:begin -->', '<!-- conformance:end -->'


# ------------------------------------------------------------------ units
def chunk_names(test):
    sql = os.path.join(PGR, 'src/test/regress/sql', test + '.sql')
    r = subprocess.run([sys.executable, os.path.join(TOOLS, 'chunks.py'), 'list', sql,
                        '--spec', os.path.join(PGR, 'chunks', test + '.spec')],
                       capture_output=True, text=True, check=True)
    names = [l.split('\t')[0] for l in r.stdout.splitlines() if l.strip()]
    return names[1:]                       # chunk 00 is setup, replayed, never compared


def all_units():
    units = []
    for t in CHUNK_TESTS:
        units += [f'{t}/{n}' for n in chunk_names(t)]
    units += [f'file/{f}' for f in FILES]
    return units


def select(units, prefixes):
    if not prefixes:
        return units
    pre = ['file/' if p in ('file', 'files') else p for p in prefixes]
    sel = [u for u in units if any(u.startswith(p) for p in pre)]
    if not sel:
        sys.exit(f'conformance: no unit matches {" ".join(prefixes)}')
    return sel


# ------------------------------------------------------------------ baseline / table
def load_baseline():
    b = {}
    if os.path.exists(BASELINE):
        for l in open(BASELINE, encoding='utf-8'):
            l = l.rstrip('\n')
            if not l or l.startswith('#') or l.startswith('unit\t'):
                continue
            u, lvl = l.split('\t')[:2]
            b[u] = lvl
    return b


def write_baseline(levels):
    os.makedirs(os.path.dirname(BASELINE), exist_ok=True)
    order = {u: i for i, u in enumerate(all_units())}
    with open(BASELINE, 'w', encoding='utf-8') as f:
        f.write('# Rampart conformance baseline: best strictness level at which each unit of\n'
                '# /work/shared/pg-regress passes (exact > ws > errors > loose > fail).\n'
                '# Generated: RAMPART_BLESS=1 tests/oracle/conformance.sh  (do not edit by hand)\n'
                'unit\tlevel\n')
        for u in sorted(levels, key=lambda u: (order.get(u, 10 ** 6), u)):
            f.write(f'{u}\t{levels[u]}\n')


def table(levels):
    rows = ['| Suite | Units | exact | ws | errors | loose | fail |',
            '|---|---:|---:|---:|---:|---:|---:|']
    for title, pre in SUITES:
        us = [u for u in levels if u.startswith(pre)]
        c = [sum(1 for u in us if levels[u] == l) for l in LEVELS]
        rows.append(f'| {title} | {len(us)} | ' + ' | '.join(map(str, c)) + ' |')
    files = ', '.join(f'{u[5:]} {levels[u]}' for u in levels if u.startswith('file/'))
    return ('PostgreSQL 15 security regression tests (`/work/shared/pg-regress`), best '
            'strictness level per unit (`tests/conformance/baseline.tsv`, regenerate with '
            '`RAMPART_BLESS=1 tests/oracle/conformance.sh`):\n\n' + '\n'.join(rows) +
            f'\n\nWhole files: {files}.\n')


def update_readme(levels):
    if not os.path.exists(README):
        return f'{README} does not exist; add the markers {BEGIN} {END} to it to get the table'
    text = open(README, encoding='utf-8').read()
    if BEGIN not in text or END not in text:
        return f'{README} has no {BEGIN} ... {END} markers; table not written'
    a = text.index(BEGIN) + len(BEGIN)
    b = text.index(END)
    open(README, 'w', encoding='utf-8').write(text[:a] + '\n' + table(levels) + text[b:])
    return f'updated the conformance table in {README}'


# ------------------------------------------------------------------ running
class Worker:
    """Owns one scratch server; restarts it for whole files and after crashes/timeouts."""

    def __init__(self, factory, wid, res, timeout, no_createdb):
        self.factory, self.wid, self.res = factory, wid, res
        self.timeout, self.no_createdb = timeout, no_createdb
        self.server = None
        self.dirty = False

    def ensure(self, fresh=False):
        if self.server is not None and (fresh or self.dirty or not self.alive()):
            self.server.stop()
            self.server = None
        if self.server is None:
            s = self.factory(f'w{self.wid}')
            s.start()
            self.server = s
            self.dirty = False

    def alive(self):
        p = getattr(self.server, 'proc', None)
        return p is not None and p.poll() is None

    def stop(self):
        if self.server is not None:
            self.server.stop()
            self.server = None

    def env(self):
        e = self.server.libpq_env()
        e['PSQL'] = ol.PSQL
        return e

    def chunk_at(self, test, num, level, logf):
        args = [sys.executable, os.path.join(TOOLS, 'run_chunk.py'), test, str(num),
                '--norm', level, '-v']
        if self.no_createdb:
            args.append('--no-createdb')
        r = ol.run_timeout(args, self.timeout, env=self.env(), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
        with open(logf, 'w') as f:
            f.write(r.stdout or '')
            if r.timed_out:
                f.write(f'\n<<< oracle harness: killed after {self.timeout:.0f}s >>>\n')
        ok = r.returncode == 0 and re.search(r'^1 passed, 0 failed$', r.stdout or '', re.M)
        note = ''
        if r.timed_out:
            note, self.dirty = f'timeout after {self.timeout:.0f}s', True
        elif not self.alive():
            note, self.dirty = 'server died', True
        return bool(ok), note

    def run_chunk(self, unit):
        test, name = unit.split('/')
        num = int(name[:2])
        d = os.path.join(self.res, test)
        os.makedirs(d, exist_ok=True)
        # levels are cumulative (a pass at one level implies a pass at every looser
        # one), so try exact first, then loose, then narrow down in between.
        notes = []

        def at(level):
            self.ensure()
            ok, note = self.chunk_at(test, num, level, os.path.join(d, f'{name}.{level}.log'))
            if note:
                notes.append(note)
            return ok
        if at('exact'):
            return 'exact', ''
        if notes or not at('loose'):
            return 'fail', '; '.join(notes)
        if not at('errors'):
            return 'loose', ''
        return ('ws' if at('ws') else 'errors'), ''

    def run_file(self, unit):
        name = unit[5:]
        base = os.path.join(PGR, FILES[name])
        sql = os.path.join(base, 'sql', name + '.sql')
        exp = os.path.join(base, 'expected', name + '.out')
        out = os.path.join(self.res, 'files', name)
        os.makedirs(out, exist_ok=True)
        self.ensure(fresh=True)            # roles are cluster-wide: every file gets a new server
        self.dirty = True
        args = [os.path.join(TOOLS, 'run_regress.sh'), '-h', self.server.host,
                '-p', str(self.server.port), '-U', self.server.user, '-P', ol.PSQL]
        if self.no_createdb:
            args.append('-n')
        r = ol.run_timeout(args + [sql, exp, out], self.timeout, env=self.env(),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, text=True)
        with open(os.path.join(out, 'run_regress.log'), 'w') as f:
            f.write(r.stdout or '')
        if r.timed_out:
            return 'fail', f'timeout after {self.timeout:.0f}s'
        if r.returncode == 0:
            return 'exact', ''
        actual = os.path.join(out, name + '.out')
        if r.returncode != 1 or not os.path.exists(actual):
            return 'fail', f'run_regress.sh exit {r.returncode}: {(r.stdout or "").strip()[-300:]}'

        def same(level):
            n = []
            for f in (exp, actual):
                p = subprocess.run([sys.executable, os.path.join(TOOLS, 'chunks.py'), 'norm', f,
                                    '--norm', level], capture_output=True)
                n.append(p.stdout)
            if n[0] != n[1]:
                d = difflib.unified_diff(n[0].decode(errors='replace').split('\n'),
                                         n[1].decode(errors='replace').split('\n'),
                                         'expected', 'actual', lineterm='', n=2)
                with open(os.path.join(out, f'{name}.{level}.diff'), 'w') as f:
                    f.write('\n'.join(d) + '\n')
            return n[0] == n[1]
        if not same('loose'):
            return 'fail', ''
        if not same('errors'):
            return 'loose', ''
        return ('ws' if same('ws') else 'errors'), ''


def run_all(units, factory, res, jobs, timeout, no_createdb, report):
    q = queue.Queue()
    # whole files first (they are the longest), then chunks
    for u in sorted(units, key=lambda u: (not u.startswith('file/'), units.index(u))):
        q.put(u)
    results = {}
    errors = []
    stop = threading.Event()
    start_failed = threading.Event()

    def work(wid):
        w = Worker(factory, wid, res, timeout, no_createdb)
        try:
            while not stop.is_set():
                try:
                    u = q.get_nowait()
                except queue.Empty:
                    return
                if start_failed.is_set():          # do not wait for a broken server 75 times
                    lvl, note = 'fail', 'server did not start (see the first such unit)'
                else:
                    try:
                        lvl, note = w.run_file(u) if u.startswith('file/') else w.run_chunk(u)
                    except RuntimeError as e:      # server could not start
                        lvl, note = 'fail', f'server did not start: {str(e)[:500]}'
                        start_failed.set()
                        w.stop()
                if stop.is_set():                  # interrupted: results are meaningless
                    return
                results[u] = (lvl, note)
                report(u, lvl, note)
        except BaseException as e:                 # noqa: keep the other workers going
            errors.append(e)
        finally:
            w.stop()

    threads = [threading.Thread(target=work, args=(i,), daemon=True)
               for i in range(max(1, min(jobs, len(units))))]
    for t in threads:
        t.start()
    try:
        for t in threads:
            while t.is_alive():
                t.join(0.2)
    except BaseException:
        stop.set()
        ol.kill_running()
        # drain the queue so workers finish their current unit and stop their servers
        while not q.empty():
            try:
                q.get_nowait()
            except queue.Empty:
                break
        for t in threads:
            t.join(60)
        raise
    if errors:
        raise errors[0]
    return results


def main(argv):
    if argv[:1] == ['--table']:
        print(table(load_baseline()))
        return 0
    ol.install_signal_handlers()
    ol.require_pg15_or_skip('conformance')
    if not os.path.isdir(TOOLS):
        print(f'conformance: FAIL: {TOOLS} not found (set PG_REGRESS_DIR)')
        return 1
    selftest = ol.selftest()
    bless = ol.env_true('RAMPART_BLESS')
    if bless and selftest:
        print('conformance: refusing RAMPART_BLESS=1 with RAMPART_ORACLE_SELFTEST=1 '
              '(the baseline describes Rampart, not PostgreSQL)')
        return 2
    units = select(all_units(), argv)
    res = ol.results_dir('conformance')
    jobs = int(os.environ.get('RAMPART_ORACLE_JOBS', '3'))
    timeout = float(os.environ.get('RAMPART_ORACLE_TIMEOUT', '300'))
    no_createdb = ol.env_true('RAMPART_ORACLE_NO_CREATEDB')
    baseline = {u: 'exact' for u in units} if selftest else load_baseline()
    try:
        factory, desc = ol.target_factory()
    except RuntimeError as e:
        print(f'conformance: FAIL: {e}')
        return 1
    print(f'conformance: {len(units)} units against {desc}, {jobs} workers; '
          f'logs in {res}', flush=True)
    lock = threading.Lock()

    def report(u, lvl, note):
        b = baseline.get(u)
        mark = ''
        if b is None:
            mark = '  NEW (not in baseline)'
        elif RANK[lvl] > RANK[b]:
            mark = f'  REGRESSED (baseline {b})'
        elif RANK[lvl] < RANK[b]:
            mark = f'  IMPROVED (baseline {b})'
        with lock:
            print(f'{lvl:7s} {u}{mark}' + (f'  [{note}]' if note else ''), flush=True)

    try:
        results = run_all(units, factory, res, jobs, timeout, no_createdb, report)
    except ol.Interrupted as e:
        print(f'conformance: {e}; servers stopped, temp dirs removed')
        return 130
    levels = {u: results[u][0] for u in units}

    regressed = [u for u in units if u in baseline and RANK[levels[u]] > RANK[baseline[u]]]
    improved = [u for u in units if u in baseline and RANK[levels[u]] < RANK[baseline[u]]]
    new = [u for u in units if u not in baseline]
    stale = [] if argv or selftest else [u for u in baseline if u not in levels]
    print()
    for title, pre in SUITES:
        us = [u for u in units if u.startswith(pre)]
        if us:
            print(f'conformance: {title}: ' +
                  ', '.join(f'{l} {sum(1 for u in us if levels[u] == l)}' for l in LEVELS))
    failed = False
    nostart = [u for u in units if results[u][1].startswith('server did not start')]
    if nostart:
        failed = True
        print(f'conformance: ERROR: the server did not start for {len(nostart)} units '
              f'(e.g. {nostart[0]}: {results[nostart[0]][1][:300]})')
    if bless and nostart:
        print('conformance: not blessing a run in which the server did not start')
    elif bless:
        merged = dict(load_baseline())
        for u in stale:
            merged.pop(u, None)
        merged.update(levels)
        write_baseline(merged)
        print(f'conformance: baseline written to {BASELINE} ({len(merged)} units)')
        print('conformance: ' + update_readme(merged))
    elif selftest:
        bad = [u for u in units if levels[u] != 'exact']
        if bad:
            failed = True
            print(f'conformance: SELFTEST FAILED: PostgreSQL 15 should pass every unit at exact; '
                  f'not exact: {" ".join(bad)}')
        else:
            print('conformance: selftest: PostgreSQL 15 passes every unit at exact')
    else:
        for u in regressed:
            print(f'conformance: REGRESSION: {u} now {levels[u]}, baseline {baseline[u]}')
        for u in improved:
            print(f'conformance: IMPROVED: {u} now {levels[u]}, baseline {baseline[u]}')
        for u in new:
            print(f'conformance: NEW: {u} ({levels[u]}) is not in the baseline')
        for u in stale:
            print(f'conformance: STALE: {u} is in the baseline but no longer exists')
        if regressed or improved or new or stale:
            failed = True
            print(f'conformance: FAILED: {len(regressed)} regressed, {len(improved)} improved, '
                  f'{len(new)} new, {len(stale)} stale vs {BASELINE}')
            if not regressed:
                print('conformance: if the improvement is real, regenerate the baseline (and the '
                      'README table): RAMPART_BLESS=1 tests/oracle/conformance.sh')
        else:
            print('conformance: every unit matches the baseline')
    print(f'conformance: logs in {res}')
    # one "N passed, N failed" line per suite: passed = passes at some strictness level
    for title, pre in SUITES:
        us = [u for u in units if u.startswith(pre)]
        if us:
            np = sum(1 for u in us if levels[u] != 'fail')
            print(f'{title}: {np} passed, {len(us) - np} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
