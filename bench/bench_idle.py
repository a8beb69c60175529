"""Resident memory per idle connection, for bench/bench.py.

Idle connections are opened with a minimal client for the PostgreSQL wire
protocol (standard library only): StartupMessage for protocol 3.0 over TCP,
trust authentication, read until the first ReadyForQuery, then keep the socket
open without sending anything else.

Memory is the PSS (proportional set size, from /proc/PID/smaps_rollup) summed
over the server's process tree: for PostgreSQL the postmaster and all of its
children (background workers and one backend per connection), for Rampart its
single process. PSS splits each shared page among the processes mapping it, so
the sum counts PostgreSQL's shared memory once however many backends map it.
"""
import os
import socket
import struct
import time

PROTOCOL_3_0 = 196608


class StartupError(Exception):
    pass


def _recv_exact(sock, n):
    buf = b''
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise StartupError('server closed the connection during startup')
        buf += chunk
    return buf


def _error_text(body):
    """Message field of an ErrorResponse body ('M' field), else the raw fields."""
    fields = {}
    for part in body.split(b'\0'):
        if part:
            fields[chr(part[0])] = part[1:].decode('utf-8', 'replace')
    return fields.get('M') or repr(body[:200])


def startup(host, port, user, database, timeout=30):
    """Opens one connection and completes the startup handshake (trust auth
    only). Returns the connected socket; raises StartupError otherwise."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        params = b''.join(k.encode() + b'\0' + v.encode() + b'\0'
                          for k, v in (('user', user), ('database', database)))
        body = struct.pack('!i', PROTOCOL_3_0) + params + b'\0'
        sock.sendall(struct.pack('!i', len(body) + 4) + body)
        while True:
            kind, length = struct.unpack('!ci', _recv_exact(sock, 5))
            payload = _recv_exact(sock, length - 4)
            if kind == b'E':
                raise StartupError(_error_text(payload))
            if kind == b'R':
                code = struct.unpack('!i', payload[:4])[0]
                if code != 0:
                    raise StartupError(f'server asked for authentication (code {code}); '
                                       'idle connections need trust auth')
            if kind == b'Z':
                return sock
    except BaseException:
        sock.close()
        raise


def close_all(socks):
    """Sends Terminate on each socket and closes it."""
    for s in socks:
        try:
            s.sendall(b'X\0\0\0\4')
        except OSError:
            pass
        s.close()


# ------------------------------------------------------------------ /proc
def _ppid(pid):
    try:
        with open(f'/proc/{pid}/stat') as f:
            stat = f.read()
    except OSError:
        return None
    # "pid (comm) state ppid ...": comm may contain spaces and parentheses.
    return int(stat.rsplit(')', 1)[1].split()[1])


def process_tree(root):
    """root and all of its descendants (pids), from the ppid in /proc/*/stat."""
    children = {}
    for name in os.listdir('/proc'):
        if name.isdigit():
            pp = _ppid(int(name))
            if pp is not None:
                children.setdefault(pp, []).append(int(name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def pss_kib(pid):
    """PSS of one process in KiB, or None if it has gone away."""
    try:
        with open(f'/proc/{pid}/smaps_rollup') as f:
            for line in f:
                if line.startswith('Pss:'):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def tree_pss_kib(root):
    """(PSS in KiB summed over root's process tree, number of processes)."""
    total, n = 0, 0
    for pid in process_tree(root):
        kib = pss_kib(pid)
        if kib is not None:
            total += kib
            n += 1
    return total, n


def _wait_for_process_count(root, count, timeout=15):
    """Waits until the tree has at most `count` processes (PostgreSQL backends
    exit asynchronously after their client disconnects)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if tree_pss_kib(root)[1] <= count:
            return
        time.sleep(0.1)


def _steady_pss_kib(root, timeout=15.0, step=0.5, tolerance_kib=64):
    """tree_pss_kib once it has stopped moving (two samples `step` apart
    within `tolerance_kib`): a server just started may still be releasing
    what its crash recovery or first checkpoint allocated, which would make
    the connections' share look negative."""
    deadline = time.time() + timeout
    last = tree_pss_kib(root)
    while time.time() < deadline:
        time.sleep(step)
        now = tree_pss_kib(root)
        if abs(now[0] - last[0]) <= tolerance_kib and now[1] == last[1]:
            return now
        last = now
    return last


def measure_idle(server, n, settle=1.0):
    """Memory per idle connection on one running server: PSS of its process
    tree with 0 connections, then with n idle connections, (with - without) / n.
    Returns dict(value=KiB per connection, base_kib, loaded_kib, base_procs,
    loaded_procs); raises StartupError/OSError/RuntimeError on failure."""
    root = server.root_pid()
    if not root or not os.path.exists(f'/proc/{root}/smaps_rollup'):
        raise RuntimeError(f'{server.kind}: server process not found (pid {root})')
    # One connection in and out first: what a fresh server allocates or
    # releases on its first session (catalog load, the storage engine's
    # first read view) belongs to neither measurement.
    procs_before = tree_pss_kib(root)[1]
    close_all([startup(server.host, server.port, server.user, 'postgres')])
    _wait_for_process_count(root, procs_before)
    time.sleep(settle)
    base_kib, base_procs = _steady_pss_kib(root)
    socks = []
    try:
        for i in range(n):
            try:
                socks.append(startup(server.host, server.port, server.user, 'postgres'))
            except (OSError, StartupError) as e:
                raise StartupError(f'idle connection {i + 1} of {n} failed: {e}') from e
        time.sleep(settle)
        loaded_kib, loaded_procs = tree_pss_kib(root)
    finally:
        close_all(socks)
        _wait_for_process_count(root, base_procs)
    return {'value': (loaded_kib - base_kib) / n, 'base_kib': base_kib,
            'loaded_kib': loaded_kib, 'base_procs': base_procs, 'loaded_procs': loaded_procs}
