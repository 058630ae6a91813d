#!/bin/sh
# demo.sh: "make demo": start aileron service on a throwaway state
# directory, show what it reports, send it a request, and stop it.

set -u
BIN=${AILERON_BIN:-$(pwd)/build/aileron}
SRC=${AILERON_SRC:-$(pwd)}
STATE=$(mktemp -d /tmp/aileron-demo.XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$STATE"
}
trap cleanup EXIT INT TERM

step() { printf '\n==> %s\n' "$*"; }

cat > "$STATE/aileron.conf" <<CONF
listen on 127.0.0.1 port 0
prefork 2
max workers 8
CONF
for c in linear slack github stripe anthropic openai; do
	echo "connector \"$c\" spec \"$SRC/specs/$c.json\"" >> "$STATE/aileron.conf"
done

step "the configuration ($STATE/aileron.conf)"
cat "$STATE/aileron.conf"
"$BIN" service -n -s "$STATE" || exit 1

step "aileron service -d -s $STATE"
"$BIN" service -d -s "$STATE" > "$STATE/service.log" 2>&1 &
PID=$!
i=0
while [ ! -f "$STATE/service.json" ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
[ -f "$STATE/service.json" ] || { cat "$STATE/service.log"; exit 1; }
"$BIN" status -s "$STATE"

step "the process tree: master, control, vaultd, and the idle workers"
ps -o pid,user,args --ppid "$PID" --pid "$PID"

step "aileron actions list"
"$BIN" actions list -s "$STATE"

step "aileron vault init (the master key comes from fd 3 here; from the terminal otherwise)"
echo "demo master key, not a real one" > "$STATE/.mk"
"$BIN" vault init --key-fd 3 -s "$STATE" 3< "$STATE/.mk" || exit 1

step "aileron secret add github-token --connector github (the value on stdin)"
echo "ghp_demoTokenValue0123456789" | \
    "$BIN" secret add github-token --connector github --key-fd 3 \
    -s "$STATE" 3< "$STATE/.mk" || exit 1
"$BIN" secret list -s "$STATE"
rm -f "$STATE/.mk"

step "the credential is nowhere in the state directory or the log in clear"
if grep -r -l "ghp_demoTokenValue0123456789" "$STATE"; then
	echo "FOUND: this is a bug"; exit 1
fi
echo "not found: only ciphertext is stored"

PROXY=$(sed -n 's/.*"proxy": "\(.*\)".*/\1/p' "$STATE/service.json")
step "a request to the proxy at $PROXY (503 until the proxy lands)"
curl -s -i --max-time 10 "http://$PROXY/" | head -1

step "stopping the service"
kill "$PID"; wait "$PID"; PID=
cat "$STATE/service.log"
