#!/bin/bash
# Conformance over /work/shared/pg-regress with baseline tests/conformance/baseline.tsv
# (see README.md).   tests/oracle/conformance.sh [UNIT-PREFIX ...]
#   RAMPART_BLESS=1 tests/oracle/conformance.sh          # regenerate baseline + README table
#   RAMPART_ORACLE_SELFTEST=1 tests/oracle/conformance.sh  # PostgreSQL 15 as the server
exec python3 -B "$(dirname "$0")/conformance.py" "$@"
