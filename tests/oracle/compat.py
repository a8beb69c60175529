#!/usr/bin/env python3
"""Differential tests: run tests/compat/*.sql through psql (pg_regress style) on a
scratch PostgreSQL 15 and on a scratch Rampart, and require identical output.

usage: compat.py [SCRIPT ...]        (names like 001_basics or paths; default: all)

The expected output is whatever PostgreSQL 15 prints, produced at test time and
never stored. tests/compat/KNOWN_FAILING lists scripts Rampart does not pass yet
(one name per line, '# reason' comment); a listed script that fails is accepted,
a listed script that now passes is a failure (remove it from the list).

env: RAMPART_ORACLE_SELFTEST=1   PostgreSQL 15 on both sides (tests the harness)
     RAMPART_BIN=PATH            rampart binary (default: cargo build, target/debug/rampart)
     RAMPART_NO_BUILD=1          do not run cargo build
     RAMPART_ORACLE_NO_CREATEDB=1  Rampart side: no DROP/CREATE DATABASE; scripts run in
                                 database postgres, per-database settings via PGOPTIONS
     RAMPART_ORACLE_RESULTS=DIR  where results go (default: a new dir under $TMPDIR)
     RAMPART_ORACLE_TIMEOUT=S    per psql run (default 120)
     PG15_BINDIR                 default /usr/lib/postgresql/15/bin; CI=true: absence fails
"""
import glob
import os
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_lib as ol  # noqa: E402

COMPAT = os.path.join(ol.REPO, 'tests', 'compat')
KNOWN = os.path.join(COMPAT, 'KNOWN_FAILING')
SUITE = 'compat'


def load_known():
    known = {}
    if not os.path.exists(KNOWN):
        return known
    for n, line in enumerate(open(KNOWN, encoding='utf-8'), 1):
        body, _, reason = line.partition('#')
        name = body.strip()
        if not name:
            continue
        if name.endswith('.sql'):
            name = name[:-4]
        known[name] = (reason.strip(), n)
    return known


def select_scripts(args):
    allscripts = sorted(glob.glob(os.path.join(COMPAT, '*.sql')))
    if not args:
        return allscripts
    sel = []
    for a in args:
        base = os.path.basename(a)
        base = base[:-4] if base.endswith('.sql') else base
        m = [s for s in allscripts if os.path.basename(s)[:-4] == base]
        if not m:
            sys.exit(f'compat: no such script: {a}')
        sel += m
    return sel


def run_side(server, script, outfile, no_createdb, timeout):
    db = 'regression'
    if no_createdb:
        db = 'postgres'
    else:
        err = ol.reset_regression_db(server, timeout=timeout)
        if err:
            with open(outfile, 'w') as f:
                f.write(f'<<< oracle harness: could not prepare database on {server.describe()}: '
                        f'{err} >>>\n')
            return
    ol.run_psql_script(server, script, outfile, db=db, timeout=timeout, no_createdb=no_createdb)


def main(argv):
    ol.install_signal_handlers()
    ol.require_pg15_or_skip(SUITE)
    scripts = select_scripts(argv)
    selftest = ol.selftest()
    known = {} if selftest else load_known()
    names = {os.path.basename(s)[:-4] for s in glob.glob(os.path.join(COMPAT, '*.sql'))}
    stale = [k for k in known if k not in names]
    timeout = float(os.environ.get('RAMPART_ORACLE_TIMEOUT', '120'))
    no_createdb = ol.env_true('RAMPART_ORACLE_NO_CREATEDB')
    res = ol.results_dir('compat')
    for d in ('expected', 'actual'):
        os.makedirs(os.path.join(res, d), exist_ok=True)

    try:
        factory, desc = ol.target_factory()
    except RuntimeError as e:
        print(f'compat: FAIL: {e}')
        print(f'{SUITE}: 0 passed, {len(scripts)} failed')
        return 1
    print(f'compat: oracle PostgreSQL 15 vs {desc}; {len(scripts)} scripts; results in {res}',
          flush=True)
    oracle = ol.Pg15('oracle')
    target = factory()
    outcome = {}
    try:
        try:
            oracle.start()
            target.start()
        except RuntimeError as e:
            print(f'compat: FAIL: could not start servers: {e}')
            print(f'{SUITE}: 0 passed, {len(scripts)} failed')
            return 1
        for s in scripts:
            name = os.path.basename(s)[:-4]
            exp = os.path.join(res, 'expected', name + '.out')
            act = os.path.join(res, 'actual', name + '.out')
            run_side(oracle, s, exp, False, timeout)
            run_side(target, s, act, no_createdb, timeout)
            diff = os.path.join(res, name + '.diff')
            r = subprocess.run(['diff', '-U3', exp, act], capture_output=True)
            same = r.returncode == 0
            if same:
                if os.path.exists(diff):
                    os.remove(diff)
            else:
                with open(diff, 'wb') as f:
                    f.write(r.stdout + r.stderr)
            if name in known:
                status = 'XPASS' if same else 'xfail'
            else:
                status = 'ok' if same else 'FAIL'
            outcome[name] = status
            extra = ''
            if status == 'xfail':
                extra = f'  (known failing: {known[name][0] or "no reason given"})'
            elif status == 'XPASS':
                extra = '  (listed in tests/compat/KNOWN_FAILING but now passes: remove it)'
            elif status == 'FAIL':
                extra = f'  (see {diff})'
            print(f'{status:6s} {name}{extra}', flush=True)
    except ol.Interrupted as e:
        print(f'compat: {e}; stopping servers and removing temp dirs')
        return 130
    finally:
        target.stop()
        oracle.stop()

    failed = [n for n, s in outcome.items() if s in ('FAIL', 'XPASS')]
    for n in failed:
        if outcome[n] == 'FAIL':
            print(f'\n======== {n}: Rampart output differs from PostgreSQL 15 '
                  f'(--- postgres, +++ rampart) ========')
            with open(os.path.join(res, n + '.diff'), errors='replace') as f:
                sys.stdout.write(f.read())
    for k in stale:
        print(f'compat: FAIL: tests/compat/KNOWN_FAILING line {known[k][1]} names {k!r}, '
              f'which is not a script in tests/compat/')
    npass = sum(1 for s in outcome.values() if s == 'ok')
    nxfail = sum(1 for s in outcome.values() if s == 'xfail')
    nfail = len(failed) + len(stale)
    print()
    if nxfail:
        print(f'compat: {nxfail} known failing (tests/compat/KNOWN_FAILING), still failing as listed')
    print(f'compat: results in {res}')
    print(f'{SUITE}: {npass} passed, {nfail} failed')
    return 1 if nfail else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
