"""Security workloads of bench/bench.py: the cost of row-level security and of
privilege checks, each measured against its own baseline on the same server
in the same run (RLS on / RLS off, grantee through two levels of membership /
table owner), and side by side with PostgreSQL 15.

Dataset (both servers, loaded by `load`):
  documents(id bigserial PK, tenant_id bigint, title, body), BENCH_RLS_ROWS rows
  (default 1,000,000) over 1,000 tenants (tenant_id = (id - 1) % 1000 + 1),
  index on tenant_id; memberships(username text PK, tenant_id) and
  memberships_c(username text COLLATE "C" PK, tenant_id), 10,000 rows each,
  mapping the app role to tenant 7. The app role `bench_app` is not the owner
  and has SELECT/INSERT on documents and SELECT on the memberships tables.
  Privileges: `bench_priv_owner` owns priv_accounts (a copy of
  pgbench_accounts' shape, BENCH_ROWS rows); `bench_priv_user` reaches SELECT
  through bench_priv_l2 -> bench_priv_l1 (the grantee).

Before every run the policy variant of that workload is installed (as the
superuser): RLS disabled, the setting policy, or one of the subquery policies.
"""

APP_ROLE = 'bench_app'
APP_TENANT = 7          # the tenant memberships give APP_ROLE
TENANTS = 1000
MEMBERSHIPS = 10000
PRIV_OWNER = 'bench_priv_owner'
PRIV_USER = 'bench_priv_user'

SETTING_POLICY = "tenant_id = current_setting('app.tenant_id')::bigint"
SUB_TEXT_POLICY = '(tenant_id = (SELECT m.tenant_id FROM memberships m WHERE m.username = current_user))'
SUB_C_POLICY = '(tenant_id = (SELECT m.tenant_id FROM memberships_c m WHERE m.username = current_user))'

# workload -> (title, policy variant, script name, run-as role, pgbench modes)
# A variant is None (RLS disabled) or the policy's USING expression.
WORKLOADS = {
    'rls_point_off': ('RLS point select, RLS off', None, 'rls_point', APP_ROLE,
                      ('simple', 'prepared')),
    'rls_point_on': ('RLS point select, setting policy', SETTING_POLICY, 'rls_point', APP_ROLE,
                     ('simple', 'prepared')),
    'rls_count_off': ('RLS tenant count, RLS off', None, 'rls_count', APP_ROLE, ('prepared',)),
    'rls_count_on': ('RLS tenant count, setting policy', SETTING_POLICY, 'rls_count', APP_ROLE,
                     ('prepared',)),
    'rls_sub_off': ('RLS own-tenant point select, RLS off', None, 'rls_sub', APP_ROLE,
                    ('prepared',)),
    'rls_sub_text': ('RLS own-tenant point select, subquery policy (text)', SUB_TEXT_POLICY,
                     'rls_sub', APP_ROLE, ('prepared',)),
    'rls_sub_c': ('RLS own-tenant point select, subquery policy (COLLATE "C")', SUB_C_POLICY,
                  'rls_sub', APP_ROLE, ('prepared',)),
    'rls_insert_off': ('RLS insert, RLS off', None, 'rls_insert', APP_ROLE, ('prepared',)),
    'rls_insert_on': ('RLS insert, setting policy (WITH CHECK)', SETTING_POLICY, 'rls_insert',
                      APP_ROLE, ('prepared',)),
    'priv_owner': ('privileges: point select as owner', None, 'priv_select', PRIV_OWNER,
                   ('prepared', 'simple')),
    'priv_grantee': ('privileges: point select via 2-level membership', None, 'priv_select',
                     PRIV_USER, ('prepared', 'simple')),
}

# (on, off) pairs whose on/off ratio is reported per server.
PAIRS = (
    ('rls_point_on', 'rls_point_off'),
    ('rls_count_on', 'rls_count_off'),
    ('rls_sub_text', 'rls_sub_off'),
    ('rls_sub_c', 'rls_sub_off'),
    ('rls_insert_on', 'rls_insert_off'),
    ('priv_grantee', 'priv_owner'),
)

GROUPS = {'rls': [w for w in WORKLOADS if w.startswith('rls_')],
          'privs': [w for w in WORKLOADS if w.startswith('priv_')]}


def scripts(rls_rows, priv_rows):
    """pgbench scripts by name. Every RLS transaction is BEGIN; set_config(…,
    true); the statement; END, whether RLS is on or off."""
    per_tenant = max(1, rls_rows // TENANTS)
    tenant_txn = ('BEGIN;\n'
                  "SELECT set_config('app.tenant_id', :t::text, true);\n"
                  '{stmt}\n'
                  'END;\n')
    pick = (f'\\set t random(1, {TENANTS})\n'
            f'\\set k random(0, {per_tenant - 1})\n'
            '\\set id :t + 1000 * :k\n')
    own = (f'\\set t {APP_TENANT}\n'
           f'\\set k random(0, {per_tenant - 1})\n'
           '\\set id :t + 1000 * :k\n')
    return {
        'rls_point': pick + tenant_txn.format(stmt='SELECT title FROM documents WHERE id = :id;'),
        'rls_count': (f'\\set t random(1, {TENANTS})\n' + tenant_txn.format(
            stmt='SELECT count(*) FROM documents WHERE tenant_id = :t;')),
        'rls_sub': own + tenant_txn.format(stmt='SELECT title FROM documents WHERE id = :id;'),
        'rls_insert': (f'\\set t random(1, {TENANTS})\n' + tenant_txn.format(
            stmt="INSERT INTO documents (tenant_id, title, body) VALUES (:t, 'new', 'body');")),
        'priv_select': (f'\\set aid random(1, {priv_rows})\n'
                        'SELECT abalance FROM priv_accounts WHERE aid = :aid;\n'),
    }


def load_sql(rls_rows, priv_rows, groups):
    """Statements (run as the superuser) that create the dataset of `groups`."""
    out = []
    if 'rls' in groups:
        out += [
            f'CREATE ROLE {APP_ROLE} LOGIN',
            'CREATE TABLE documents (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL, '
            'title text NOT NULL, body text NOT NULL)',
            'INSERT INTO documents (id, tenant_id, title, body) '
            f"SELECT g, ((g - 1) % {TENANTS}) + 1, 'title ' || g, repeat('x', 100) "
            f'FROM generate_series(1, {rls_rows}) g',
            'CREATE INDEX documents_tenant_idx ON documents (tenant_id)',
            f"SELECT setval('documents_id_seq', {rls_rows})",
            'CREATE TABLE memberships (username text PRIMARY KEY, tenant_id bigint NOT NULL)',
            'CREATE TABLE memberships_c (username text COLLATE "C" PRIMARY KEY, '
            'tenant_id bigint NOT NULL)',
            "INSERT INTO memberships SELECT 'user' || g, ((g - 1) % 1000) + 1 "
            f'FROM generate_series(1, {MEMBERSHIPS - 1}) g',
            f"INSERT INTO memberships VALUES ('{APP_ROLE}', {APP_TENANT})",
            'INSERT INTO memberships_c SELECT username, tenant_id FROM memberships',
            f'GRANT SELECT, INSERT ON documents TO {APP_ROLE}',
            f'GRANT USAGE ON SEQUENCE documents_id_seq TO {APP_ROLE}',
            f'GRANT SELECT ON memberships, memberships_c TO {APP_ROLE}',
            'ANALYZE documents', 'ANALYZE memberships', 'ANALYZE memberships_c',
        ]
    if 'privs' in groups:
        out += [
            f'CREATE ROLE {PRIV_OWNER} LOGIN',
            'CREATE ROLE bench_priv_l1',
            'CREATE ROLE bench_priv_l2 IN ROLE bench_priv_l1',
            f'CREATE ROLE {PRIV_USER} LOGIN IN ROLE bench_priv_l2',
            'CREATE TABLE priv_accounts (aid int PRIMARY KEY, bid int, abalance int, '
            'filler char(84))',
            'INSERT INTO priv_accounts SELECT aid, bid, abalance, filler FROM pgbench_accounts'
            f' WHERE aid <= {priv_rows}',
            f'ALTER TABLE priv_accounts OWNER TO {PRIV_OWNER}',
            f'SET ROLE {PRIV_OWNER}',
            'GRANT SELECT ON priv_accounts TO bench_priv_l1',
            'RESET ROLE',
        ]
    return out


def check_sql(rls_rows, groups):
    """(query, expected output) pairs proving the dataset and the policies work."""
    out = []
    if 'rls' in groups:
        out.append(('SELECT count(*) FROM documents', str(rls_rows)))
    if 'privs' in groups:
        out.append((f"SELECT has_table_privilege('{PRIV_USER}', 'priv_accounts', 'SELECT')",
                    't'))
    return out


def variant_sql(workload):
    """Statements installing `workload`'s policy variant (idempotent)."""
    policy = WORKLOADS[workload][1]
    if workload.startswith('priv_'):
        return []
    if policy is None:
        return ['ALTER TABLE documents DISABLE ROW LEVEL SECURITY']
    return ['DROP POLICY IF EXISTS bench_tenant ON documents',
            f'CREATE POLICY bench_tenant ON documents USING ({policy})',
            'ALTER TABLE documents ENABLE ROW LEVEL SECURITY']


def policy_check(workload, rls_rows):
    """(query, expected) run as the app role after installing a variant: the
    policy must really filter (or, when off, not filter)."""
    policy = WORKLOADS[workload][1]
    if workload.startswith('priv_'):
        return None
    q = ("BEGIN; SELECT set_config('app.tenant_id', '7', true) \\g /dev/null\n"
         'SELECT count(*) FROM documents; END;')
    if policy is None:
        return q, str(rls_rows)
    return q, str(rls_rows // TENANTS)


def pair_rows(recs):
    """Rows (pair title, mode, clients, PG on/off, Rampart on/off) of the
    baseline-ratio table, from result records (bench_report.summarize)."""
    by_key = {(r['workload'], r['mode'], r['clients']): r for r in recs}
    rows = []
    for on, off in PAIRS:
        for r in recs:
            if r['workload'] != on:
                continue
            base = by_key.get((off, r['mode'], r['clients']))
            if not base:
                continue
            cells = []
            for name in ('postgres', 'rampart'):
                a, b = r[f'{name}_median'], base[f'{name}_median']
                cells.append(a / b if a is not None and b else None)
            rows.append((WORKLOADS[on][0], WORKLOADS[off][0], r['mode'], r['clients'],
                         cells[0], cells[1]))
    return rows


def pair_table_md(recs):
    rows = pair_rows(recs)
    if not rows:
        return ''
    out = ['### Security cost: each workload against its baseline on the same server\n',
           'Ratio = TPS with the check / TPS of the baseline (RLS off, or the table '
           'owner); 1.00 means the check costs nothing.\n',
           '| workload | baseline | mode | clients | PostgreSQL ratio | Rampart ratio |',
           '| --- | --- | --- | ---: | ---: | ---: |']
    for t, b, mode, c, pg, rp in rows:
        out.append(f'| {t} | {b} | {mode} | {c} | {fmt(pg)} | {fmt(rp)} |')
    return '\n'.join(out) + '\n'


def pair_table_console(recs):
    rows = pair_rows(recs)
    if not rows:
        return ''
    out = ['', 'Security cost (TPS with the check / TPS of its baseline, per server)']
    for t, b, mode, c, pg, rp in rows:
        out.append(f'{t:<58} | {mode:<8} | -c {c:<2} | PG {fmt(pg):>5} | Rampart {fmt(rp):>5}')
    return '\n'.join(out)


def fmt(x):
    return f'{x:.2f}' if x is not None else '-'
