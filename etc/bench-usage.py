#!/usr/bin/env python3
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# bench-usage.py: "make bench": "aileron usage" over a million audit
# records must answer in under a second (issue 14, section 5), because
# control sums hourly rollups instead of reading the records.  Two state
# directories are filled through control's own code
# (t/helpers/usage_bench_fill: records spread over 30 days, written with
# their rollups), one with BENCH_USAGE_RECORDS (1,000,000) records and a
# reference with 1,000; the service is started on each and the wall time
# of "aileron usage" (by team, and by user with a daily series) is the
# best of five runs, printed side by side.  Fails when the large one is
# over a second.

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "t", "lib"))
from aileron import Service, SRC, BIN  # noqa: E402

BUILD = os.environ.get("AILERON_BUILD") or os.path.join(SRC, "build")
FILL = os.path.join(BUILD, "t", "helpers", "usage_bench_fill")
RECORDS = int(os.environ.get("BENCH_USAGE_RECORDS", "1000000"))
REFERENCE = 1000
RUNS = 5
LIMIT_S = 1.0
QUERIES = (("--by", "team"), ("--by", "user", "--bucket", "day"))


def timed(svc, args):
    """The best of RUNS wall times of aileron usage ARGS, and its rows."""
    best, rows = None, 0
    for _ in range(RUNS):
        t0 = time.monotonic()
        p = subprocess.run([BIN, "usage", "--json", "-s", svc.state] +
                           list(args), capture_output=True, timeout=120)
        dt = time.monotonic() - t0
        if p.returncode != 0:
            raise RuntimeError("aileron usage failed: " +
                               p.stderr.decode())
        best = dt if best is None else min(best, dt)
        rows = p.stdout.count(b'"key"')
    return best, rows


def measure(n):
    svc = Service(prefork=2)
    try:
        t0 = time.monotonic()
        p = subprocess.run([FILL, os.path.join(svc.state, "control"),
                            str(n)], capture_output=True, timeout=3600)
        if p.returncode != 0:
            raise RuntimeError("fill: " + p.stderr.decode())
        fill = time.monotonic() - t0
        svc.start()
        out = [timed(svc, q) for q in QUERIES]
    finally:
        svc.stop()
        svc.remove()
    return fill, out


def main():
    if os.geteuid() != 0:
        print("bench-usage: needs root (the service drops privileges); "
              "skipped")
        return 0
    ref_fill, ref = measure(REFERENCE)
    big_fill, big = measure(RECORDS)
    print("aileron usage (best of %d; records filled through control's "
          "code in %.1f s):" % (RUNS, big_fill))
    rc = 0
    for q, (rt, rrows), (bt, brows) in zip(QUERIES, ref, big):
        print("  %-28s %9d records: %6.3f s (%d rows)   "
              "%d records: %6.3f s (%d rows)" %
              (" ".join(q), RECORDS, bt, brows, REFERENCE, rt, rrows))
        if bt >= LIMIT_S:
            print("  over the budget of %.1f s" % LIMIT_S)
            rc = 1
    return rc


sys.exit(main())
