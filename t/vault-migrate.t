#!/bin/sh
#
# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

# vault-migrate.t: a store as aileron 0.1 wrote it (no page checksums, no
# indexes, credentials sealed without a seal version) opens, is migrated
# once, in one transaction, and every credential opens as before; then a
# rotated credential's old .enc written back no longer opens.

build=${AILERON_BUILD:-build}
helper=$build/t/helpers/vault_legacy_store
plan=11
. "$(dirname "$0")/lib/vaulthelper.sh"

"$helper" write "$dir" 2>>"$log"
ok $? "a 0.1 store: alice, bob, a shared vault, three credentials"
if command -v db5.3_dump >/dev/null 2>&1; then
	! db5.3_dump -p "$dir/store.db" | grep -q -e store.json \
	    -e /connectors/ -e /names/ -e '/vaults/' -e version
	ok $? "it has no store.json, no index and no seal version"
else
	echo "ok 2 # skip no db5.3_dump (db5.3-util)"
	t=2
fi

want="alice linear: lin_api_LEGACYSECRET_0001 (version 0)
alice github: ghp_LEGACYSECRET_0002 (version 0)
alice stripe: team_LEGACYSECRET_0003 (version 0)
bob stripe: team_LEGACYSECRET_0003 (version 0)
bob linear: no such credential"
out=$("$helper" verify "$dir" 2>>"$log")
[ "$out" = "$want" ]
ok $? "after the first open every credential opens as it did (seal version 0)"
[ -n "$out" ] || echo "# $(tail -3 "$log")"
grep -q "migrated to format 2 in one transaction: 3 vaults, 3 credentials" \
    "$log"
ok $? "the log says the store was migrated, in one transaction"
grep -q "store.db now has page checksums" "$log"
ok $? "and that store.db was copied into one with page checksums"

out=$("$helper" verify "$dir" 2>>"$log")
[ "$out" = "$want" ] && [ "$(grep -c "migrated to format" "$log")" -eq 1 ] &&
    [ "$(grep -c "now has page checksums" "$log")" -eq 1 ]
ok $? "a second open finds format 2 and changes nothing"

keys=$("$helper" keys "$dir" 2>>"$log")
echo "$keys" | grep -qx store.json &&
    echo "$keys" | grep -q "^users/alice/vaults/c0c0c0c0" &&
    echo "$keys" | grep -q "^users/bob/vaults/c0c0c0c0" &&
    echo "$keys" | grep -q "^vaults/a0a0a0a0.*/connectors/linear$" &&
    echo "$keys" | grep -q "^vaults/c0c0c0c0.*/names/teamstripe$"
ok $? "store.json and the membership, connector and name indexes exist"

out=$("$helper" rollback "$dir" 2>>"$log")
line1=$(echo "$out" | sed -n 1p)
line2=$(echo "$out" | sed -n 2p)
line3=$(echo "$out" | sed -n 3p)
[ "$line1" = "alice linear: lin_api_LEGACYSECRET_0004_rotated (version 1)" ]
ok $? "rotate seals at version 1, and the new value opens"
[ "$line2" = "alice linear: a vault record is damaged or was tampered with; restore from a backup" ]
ok $? "the old .enc written back over the rotated one does not open"
grep -q "does not authenticate: damaged, moved, re-pointed or rolled back" \
    "$log"
ok $? "and the log says why"
# What aileron-vault(5) says remains: both records rolled back together.
[ "$line3" = "alice linear: lin_api_LEGACYSECRET_0001 (version 0)" ]
ok $? "the .enc and its metadata rolled back together still open (the limit aileron-vault(5) states)"
