#!/bin/sh
# bench.sh: run the benchmarks "make bench" reports.
exec python3 "$(dirname "$0")/bench.py"
