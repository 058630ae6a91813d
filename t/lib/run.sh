#!/bin/sh
# run.sh: how "make check" runs one test (prove --exec 'sh t/lib/run.sh'):
# its TAP goes to prove, while what it and the services it starts log goes
# to files under $AILERON_TLOGS_ROOT/NAME/ (stderr.log, and the services'
# logs, which t/lib/aileron.py puts there).  Negative tests log expected
# errors by the thousand; those files are shown only when the test fails,
# so a passing run reads as one.

test=$1
# A unit test and an integration test may share a name (resolve).
case $test in
t/*)	name=$(basename "$test" .t) ;;
*)	name=unit-$(basename "$test" .t) ;;
esac
logs=${AILERON_TLOGS_ROOT:?}/$name
rm -rf "$logs"
mkdir -p "$logs" || exit 1
AILERON_TLOGS=$logs
export AILERON_TLOGS
"$test" 2>"$logs/stderr.log"
rc=$?
if [ "$rc" -ne 0 ]; then
	# prove shows a failing test's stderr: its last lines of each log.
	for f in "$logs"/*.log; do
		[ -s "$f" ] || continue
		echo "--- $f (last 60 lines)" >&2
		tail -n 60 "$f" >&2
	done
fi
exit "$rc"
