#!/bin/sh
# bench.sh: run the benchmarks "make bench" reports.
python3 "$(dirname "$0")/bench-inject.py" || exit 1
python3 "$(dirname "$0")/bench.py" || exit 1
exec python3 "$(dirname "$0")/bench-proxy.py"
