"""Summaries, console tables, bench/results.md and bench/results.json for
bench/bench.py. Nothing here judges speed: medians, spreads and ratios only."""
import datetime
import json
import os
import platform
import statistics
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# kind -> (section title, unit, higher is better)
KINDS = {
    'tps': ('Throughput (pgbench TPS)', 'transactions/s', True),
    'connect': ('Connection setup with SCRAM-SHA-256 over TCP (pgbench -C)',
                'connections/s', True),
    'memory': ('Resident memory per idle connection (PSS)', 'KiB per connection', False),
}
SERVERS = (('pg', 'postgres', 'PostgreSQL'), ('rp', 'rampart', 'Rampart'))


# ------------------------------------------------------------------ summaries
def side(runs):
    """Median, spread and run list of one server's runs of one configuration.
    spread = (max - min) / median of the successful runs."""
    ok = [r['value'] for r in runs if r.get('value') is not None]
    errors = [r['error'] for r in runs if r.get('error')]
    med = statistics.median(ok) if ok else None
    spread = (max(ok) - min(ok)) / med if ok and med else None
    return {'median': med, 'spread': spread, 'runs': ok, 'errors': errors,
            'skipped': not runs}


def summarize(cfg, title, raw):
    """One result record (the JSON shape) for a configuration."""
    rec = {'workload': cfg.workload, 'title': title, 'kind': cfg.kind,
           'unit': KINDS[cfg.kind][1], 'higher_is_better': KINDS[cfg.kind][2],
           'transport': cfg.transport, 'mode': cfg.mode, 'clients': cfg.clients}
    sides = {key: side(raw.get((cfg, key), [])) for key, _, _ in SERVERS}
    for key, name, _ in SERVERS:
        for field in ('median', 'spread', 'runs', 'errors'):
            rec[f'{name}_{field}'] = sides[key][field]
        rec[f'{name}_skipped'] = sides[key]['skipped']
    pg, rp = sides['pg']['median'], sides['rp']['median']
    rec['ratio'] = rp / pg if pg and rp is not None else None
    if cfg.kind == 'connect':
        # CPU per connection on each side, medians over the runs that measured it.
        for key, name, _ in SERVERS:
            runs = raw.get((cfg, key), [])
            for field in ('server_cpu_us', 'client_cpu_us'):
                vals = [r[field] for r in runs if r.get('value') is not None and field in r]
                rec[f'{name}_{field}'] = statistics.median(vals) if vals else None
        pg, rp = rec['postgres_server_cpu_us'], rec['rampart_server_cpu_us']
        rec['server_cpu_ratio'] = rp / pg if pg and rp is not None else None
    return rec


def fmt_value(x):
    return f'{x:,.0f}' if abs(x) >= 100 else f'{x:,.1f}'


def one_line(text, limit=300):
    """An error text squeezed onto one line (for tables and lists)."""
    text = ' '.join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + '...'


def cell(rec, name):
    """Table text for one server: the median, or why there is none."""
    med, errors, runs = rec[f'{name}_median'], rec[f'{name}_errors'], rec[f'{name}_runs']
    if rec[f'{name}_skipped']:
        return 'skipped (time budget)'
    if med is None:
        return 'error: ' + one_line(errors[0] if errors else 'no result')
    txt = fmt_value(med)
    if errors:
        txt += (f' ({len(errors)}/{len(errors) + len(runs)} runs failed: '
                f'{one_line(errors[0])})')
    return txt


def ratio_text(rec):
    return f'{rec["ratio"]:.2f}' if rec['ratio'] is not None else '-'


# ------------------------------------------------------------------ tables
def table_rows(kind, recs):
    """(header, rows) of the summary table of one kind."""
    unit = {'tps': 'tps', 'connect': 'conn/s', 'memory': 'KiB/conn'}[kind]
    better = 'higher' if KINDS[kind][2] else 'lower'
    if kind == 'tps':
        header = ['workload', 'transport', 'mode', 'clients']
    elif kind == 'connect':
        header = ['transport', 'mode', 'clients']
    else:
        header = ['transport', 'idle connections']
    header += [f'PostgreSQL {unit}', f'Rampart {unit}', f'ratio Rampart/PG ({better} is better)']
    if kind == 'connect':
        header += ['server CPU us/conn PG / Rampart', 'server CPU ratio (lower is better)',
                   'client CPU us/conn PG / Rampart']
    rows = []
    for r in recs:
        if kind == 'tps':
            left = [r['title'], r['transport'], r['mode'], str(r['clients'])]
        elif kind == 'connect':
            left = [r['transport'], r['mode'], str(r['clients'])]
        else:
            left = [r['transport'], str(r['clients'])]
        row = left + [cell(r, 'postgres'), cell(r, 'rampart'), ratio_text(r)]
        if kind == 'connect':
            row += [pair(r, 'server_cpu_us'),
                    f'{r["server_cpu_ratio"]:.2f}' if r.get('server_cpu_ratio') else '-',
                    pair(r, 'client_cpu_us')]
        rows.append(row)
    return header, rows


def pair(rec, field):
    """'PG / Rampart' text of a per-server figure (- where missing)."""
    return ' / '.join(fmt_value(rec[f'{name}_{field}'])
                      if rec.get(f'{name}_{field}') is not None else '-'
                      for _, name, _ in SERVERS)


def console_tables(recs):
    """Plain-text tables for stdout, one per kind present."""
    out = []
    for kind, (title, _, _) in KINDS.items():
        sel = [r for r in recs if r['kind'] == kind]
        if not sel:
            continue
        header, rows = table_rows(kind, sel)
        widths = [min(70, max(len(h), *(len(r[i]) for r in rows))) for i, h in enumerate(header)]

        def line(cols):
            return ' | '.join(str(c)[:70].ljust(widths[i]) for i, c in enumerate(cols))
        out += ['', title, line(header), '-+-'.join('-' * w for w in widths)]
        out += [line(r) for r in rows]
    return '\n'.join(out)


def md_escape(s):
    return str(s).replace('|', '\\|').replace('\n', ' ')


def md_tables(recs):
    """Markdown summary tables, one per kind present."""
    out = []
    for kind, (title, _, _) in KINDS.items():
        sel = [r for r in recs if r['kind'] == kind]
        if not sel:
            continue
        header, rows = table_rows(kind, sel)
        nums = {'clients', 'idle connections'}
        out.append(f'### {title}\n')
        out.append('| ' + ' | '.join(header) + ' |')
        first_figure = header.index('clients' if 'clients' in header else 'idle connections')
        out.append('| ' + ' | '.join('---:' if (h in nums or i > first_figure) else '---'
                                     for i, h in enumerate(header)) + ' |')
        out += ['| ' + ' | '.join(md_escape(c) for c in r) + ' |' for r in rows]
        out.append('')
    return '\n'.join(out)


# ------------------------------------------------------------------ machine facts
def machine_facts():
    facts = {'nproc': str(os.cpu_count())}
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


def mtime_utc(path):
    try:
        t = os.path.getmtime(path)
    except OSError:
        return '?'
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


# ------------------------------------------------------------------ details
def run_detail(cfg, r):
    """One run as text for the details table."""
    if r.get('value') is None:
        return 'error'
    v = fmt_value(r['value'])
    if cfg.kind == 'memory':
        return f'{v} ({r["base_kib"]:,} -> {r["loaded_kib"]:,} KiB, {r["loaded_procs"]} procs)'
    extra = []
    if r.get('lat') is not None:
        extra.append(f'{r["lat"]:.2f} ms')
    if r.get('conn_ms') is not None:
        extra.append(f'connect {r["conn_ms"]:.2f} ms')
    if r.get('server_cpu_us') is not None:
        extra.append(f'server CPU {r["server_cpu_us"]:,.0f} us/conn')
    return v + (' / ' + ' / '.join(extra) if extra else '')


def spread_text(s):
    return f'{s * 100:.0f}%' if s is not None else '-'


def md_details(configs, titles, raw, recs):
    out = ['## Run details\n',
           'Every run per server: TPS / average latency (pgbench), connections/s / '
           'average connection time (`-C`), KiB per idle connection (PSS with 0 -> with N '
           'connections, processes). Spread = (max - min) / median.\n',
           '| workload | transport | mode | clients | PostgreSQL runs | spread | Rampart runs '
           '| spread |',
           '| --- | --- | --- | ---: | --- | ---: | --- | ---: |']
    for cfg, rec in zip(configs, recs):
        pg = ', '.join(run_detail(cfg, r) for r in raw.get((cfg, 'pg'), [])) or '-'
        rp = ', '.join(run_detail(cfg, r) for r in raw.get((cfg, 'rp'), [])) or '-'
        out.append(f'| {titles[cfg.workload]} | {cfg.transport} | {cfg.mode} | {cfg.clients} '
                   f'| {pg} | {spread_text(rec["postgres_spread"])} | {rp} '
                   f'| {spread_text(rec["rampart_spread"])} |')
    out.append('')
    return '\n'.join(out)


def md_errors(errors):
    """errors: list of (where, first error line, full stderr)."""
    if not errors:
        return ''
    out = ['## Errors\n']
    seen = set()
    for where, err, stderr in errors:
        if err in seen:
            out.append(f'- {where}: same error (`{one_line(err)}`)')
            continue
        seen.add(err)
        out.append(f'- {where}: `{one_line(err)}`')
        if stderr:
            excerpt = '\n'.join(stderr.splitlines()[:15])
            out.append('\n  ```\n' + '\n'.join('  ' + ln for ln in excerpt.splitlines())
                       + '\n  ```')
    out.append('')
    return '\n'.join(out)


# ------------------------------------------------------------------ files
def write_text(path, text):
    """Writes a file; returns '' or an error text."""
    try:
        d = os.path.dirname(os.path.abspath(path))
        os.makedirs(d, exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)
        return ''
    except OSError as e:
        return f'could not write {path}: {e}'


def json_text(meta, recs):
    return json.dumps({'meta': meta, 'results': recs}, indent=2) + '\n'


def check_json(path, n_results):
    """Reads the JSON back; returns '' or what is wrong (used by the smoke mode)."""
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        return f'{path} is not readable JSON: {e}'
    if len(doc.get('results', [])) != n_results:
        return f'{path} has {len(doc.get("results", []))} results, expected {n_results}'
    return ''
