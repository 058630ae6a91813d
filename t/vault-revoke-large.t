#!/bin/sh
#
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# vault-revoke-large.t: a revoke over 10,000 credentials commits in one
# transaction with the store's region sizing (a small lock table grown on
# demand, not 200,000 locks allocated up front), and the region it grew
# stays within its configured maximum.

N=10000
REGION_MAX=$((48 * 1024 * 1024))	# STORE_REGION_MAX in vault/store.c
build=${AILERON_BUILD:-build}
helper=$build/t/helpers/vault_revoke_helper
plan=5
. "$(dirname "$0")/lib/vaulthelper.sh"

"$helper" setup "$dir" $N >/dev/null 2>>"$log"
ok $? "setup: two users, a shared vault with $N credentials"
small=$(stat -c %s "$dir/__db.001")
echo "# main region file before the revoke: $small bytes"

"$helper" revoke "$dir" >/dev/null 2>>"$log"
ok $? "revoke bob: one vault_revoke, one transaction"
grep -q "revoked bob from vault .*: generation 2, $N credentials re-encrypted" \
    "$log"
ok $? "the log says all $N credentials were re-encrypted at generation 2"

out=$("$helper" verify "$dir" $N 2>>"$log")
[ "$out" = "generation 2 opened $N
bob revoked" ]
ok $? "every credential opens at the new generation, bob opens nothing"

big=$(stat -c %s "$dir/__db.001")
echo "# main region file after the revoke: $big bytes (maximum $REGION_MAX)"
[ "$big" -le "$REGION_MAX" ]
ok $? "the lock region grew on demand within its maximum"
