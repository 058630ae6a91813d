#!/bin/sh
# bench.sh: run the benchmarks "make bench" reports.  The proxy's figures
# are printed even when the pool's memory check fails; the status is its.
python3 "$(dirname "$0")/bench-inject.py" || exit 1
python3 "$(dirname "$0")/bench.py"
rc=$?
python3 "$(dirname "$0")/bench-proxy.py" || exit 1
# aileron usage over a million audit records: under a second.
python3 "$(dirname "$0")/bench-usage.py" || rc=1
exit $rc
