#!/bin/sh
#
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# vault-revoke-crash.t: kill -9 in the middle of a revoke; recovery keeps
# either the old generation or the new one, never a mix, and no secret
# reaches the disk or the log.

N=1000
build=${AILERON_BUILD:-build}
helper=$build/t/helpers/vault_revoke_helper
plan=9
. "$(dirname "$0")/lib/vaulthelper.sh"

"$helper" setup "$dir" $N >/dev/null 2>>"$log"
ok $? "setup: two users, a shared vault with $N credentials"

AILERON_TEST_REVOKE_PAUSE=$tmp/paused "$helper" revoke "$dir" \
    >/dev/null 2>>"$log" &
pid=$!
i=0
while [ ! -e "$tmp/paused" ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -e "$tmp/paused" ]
ok $? "revoke paused after re-encrypting a credential, before commit"
kill -9 $pid
wait $pid 2>/dev/null
[ $? -eq 137 ]
ok $? "revoke killed with signal 9"

out=$("$helper" verify "$dir" $N 2>>"$log")
[ "$out" = "generation 1 opened $N
bob member" ]
ok $? "after recovery: every credential opens, all at the old generation"
[ -n "$out" ] && echo "# $out" | tr '\n' ' ' && echo

"$helper" revoke "$dir" >/dev/null 2>>"$log"
ok $? "revoke again, uninterrupted"
out=$("$helper" verify "$dir" $N 2>>"$log")
[ "$out" = "generation 2 opened $N
bob revoked" ]
ok $? "every credential opens at the new generation, bob opens nothing"

grep -q "revoked bob from vault" "$log"
ok $? "the log records the revoke"

leak=0
for s in sk_crash_0000_SECRETVALUE sk_crash_0999_SECRETVALUE \
    "crash test alice master key" "crash test bob master key"; do
	hex=$(printf '%s' "$s" | od -An -tx1 | tr -d ' \n')
	b64=$(printf '%s' "$s" | base64 -w0)
	for p in "$s" "$hex" "$b64"; do
		if grep -rqaF -- "$p" "$tmp"; then
			echo "# found: $p"
			leak=1
		fi
	done
done
ok $leak "no secret or master key, raw, hex or base64, on disk or in the log"

bad=$(find "$dir" -type f -perm /077 | wc -l)
[ "$bad" -eq 0 ]
ok $? "every environment file is 0600"
