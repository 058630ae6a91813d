#!/bin/sh
# fuzz.sh: "make fuzz": run every libFuzzer target for FUZZ_TIME seconds
# (one job each, from the top of the tree, where fuzz_match finds specs/),
# print each one's inputs per second, and fail when any of them finds
# something: a crash, a leak, a timeout, or a broken check of its own.
# Corpora grow in BUILD/corpus-NAME, seeded from t/fuzz/corpus/NAME;
# what a target finds is written to BUILD/ (crash-*, leak-*, timeout-*).
#
# usage: fuzz.sh build-dir seconds target...

build=$1
time=$2
shift 2
failed=
for target in "$@"; do
	name=${target#fuzz_}
	corpus=$build/corpus-$name
	log=$build/$target.log
	mkdir -p "$corpus"
	seed=
	[ -d "t/fuzz/corpus/$name" ] && seed=t/fuzz/corpus/$name
	extra=
	[ "$name" = vaultd ] && extra=-max_len=2048
	# Long enough to reach the 8 KiB request-line limit.
	[ "$name" = http ] && extra=-max_len=12288
	[ "$name" = mask ] && extra=-dict=t/fuzz/mask.dict
	"$build/$target" -max_total_time="$time" -print_final_stats=1 \
	    -artifact_prefix="$build/" $extra "$corpus" $seed >"$log" 2>&1 &
	pid=$!
	wait $pid
	rc=$?
	# A target that crashed left its scratch directory (fuzz_vaultd).
	rm -rf /dev/shm/$target.$pid.* /tmp/$target.$pid.*
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ $rc -eq 0 ]; then
		echo "$target: ${runs:-?} inputs in ${time} s, ${rate:-?}/s"
	else
		echo "$target: FOUND something (exit $rc) after ${runs:-?}" \
		    "inputs; see $log and $build/" >&2
		grep -E '^(SUMMARY|artifact_prefix|==[0-9]+==ERROR)' "$log" >&2
		failed="$failed $target"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz.sh: findings in:$failed" >&2
	exit 1
fi
