# vaulthelper.sh: what the shell tests of the vault share.  Sourced with
# $helper (a program in build/t/helpers) and $plan set: prints the plan,
# fails at once without the helper, makes $tmp (removed on exit) with
# $dir and $log in it, and defines ok CONDITION-STATUS DESCRIPTION.

echo "1..$plan"
if [ ! -x "$helper" ]; then
	echo "not ok 1 - $helper is missing (make unit)"
	exit 1
fi
tmp=$(mktemp -d /tmp/aileron-vault.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
dir=$tmp/vault
log=$tmp/log
t=0
ok() {
	t=$((t + 1))
	if [ "$1" -eq 0 ]; then echo "ok $t - $2"; else echo "not ok $t - $2"; fi
}
