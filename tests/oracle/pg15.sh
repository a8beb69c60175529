#!/bin/bash
# Start a scratch PostgreSQL 15 cluster (as the postgres OS user when root; temp
# data/socket dir, always removed) and run CMD with PGHOST/PGPORT/PGUSER exported.
# Without CMD: print the connection settings and wait for Ctrl-C.
#   tests/oracle/pg15.sh [-- CMD ARGS...]
exec python3 -B "$(dirname "$0")/oracle_lib.py" pg15 "$@"
