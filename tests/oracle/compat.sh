#!/bin/bash
# Differential tests tests/compat/*.sql: PostgreSQL 15 vs Rampart (see README.md).
#   tests/oracle/compat.sh [SCRIPT ...]
#   RAMPART_ORACLE_SELFTEST=1 tests/oracle/compat.sh    # PostgreSQL 15 on both sides
exec python3 -B "$(dirname "$0")/compat.py" "$@"
