#!/bin/sh
# demo.sh: "make demo": start aileron service on a throwaway state
# directory with a local stand-in for api.github.com, start a session,
# and let an "agent" (curl and the github shim) through the proxy: the
# real token is injected, the agent never sees it, policy refuses what
# needs a human, and every request is audited.  Then stop.

set -u
BIN=${AILERON_BIN:-$(pwd)/build/aileron}
SRC=${AILERON_SRC:-$(pwd)}
STATE=$(mktemp -d /tmp/aileron-demo.XXXXXX)
PID=
UPID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	[ -n "$UPID" ] && kill "$UPID" 2>/dev/null && wait "$UPID" 2>/dev/null
	rm -rf "$STATE"
}
trap cleanup EXIT INT TERM

step() { printf '\n==> %s\n' "$*"; }

step "a local stand-in for api.github.com (TLS, a throwaway CA): it echoes what it gets"
mkdir -m 0755 "$STATE/upstream"
python3 "$SRC/t/lib/echo_upstream.py" "$STATE/upstream" api.github.com \
    > "$STATE/upstream/port" 2>"$STATE/upstream/log" &
UPID=$!
i=0
while [ ! -s "$STATE/upstream/port" ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
read -r UPORT UCA < "$STATE/upstream/port" || { cat "$STATE/upstream/log"; exit 1; }
echo "listening on 127.0.0.1:$UPORT"

cat > "$STATE/aileron.conf" <<CONF
listen on 127.0.0.1 port 0
prefork 2
max workers 8
# The demo's upstream stands in for api.github.com on loopback.
resolve "api.github.com" 127.0.0.1:$UPORT
allow network 127.0.0.0/8
upstream ca "$UCA"
approval timeout 60
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

step "the credential is nowhere in the state directory or the log in clear"
if grep -r -l "ghp_demoTokenValue0123456789" "$STATE"; then
	echo "FOUND: this is a bug"; exit 1
fi
echo "not found: only ciphertext is stored"

step "aileron session start --env (what a sandbox gets: the proxy with the token, the session CA)"
"$BIN" session start --agent demo --env --key-fd 3 -s "$STATE" \
    3< "$STATE/.mk" > "$STATE/session.env" || exit 1
rm -f "$STATE/.mk"
sed 's/s:[0-9a-f]*@/s:TOKEN@/' "$STATE/session.env"
. "$STATE/session.env"

step "the agent: curl https://api.github.com/repos/demo/repo with a placeholder token"
curl -s --max-time 20 -H "Authorization: Bearer placeholder" \
    https://api.github.com/repos/demo/repo > "$STATE/reply.json"
python3 -c "import json, sys; print(json.dumps(json.load(sys.stdin)['headers'], indent=1))" \
    < "$STATE/reply.json" | grep -A2 -i '"authorization"'
echo "(the upstream got the real token and echoed it; the agent sees it masked)"
if grep -q "ghp_demoTokenValue0123456789" "$STATE/reply.json"; then
	echo "FOUND the token in what the agent got: this is a bug"; exit 1
fi

step "the github shim, as an agent would run it"
"$SRC/build/shims/github" list-issues --owner demo --repo repo | head -5

step "an action that needs a human's approval waits; a person denies it"
"$SRC/build/shims/github" delete-repo --owner demo --repo repo &
SHIM=$!
ID=
for i in $(seq 50); do
	ID=$("$BIN" approval list --json -s "$STATE" |
	    sed -n 's/.*"id": "\([0-9a-f]*\)".*/\1/p' | head -1)
	[ -n "$ID" ] && break
	sleep 0.1
done
"$BIN" approval list -s "$STATE"
[ -n "$ID" ] && "$BIN" approval deny "$ID" --reason "not in a demo" \
    -s "$STATE"
wait $SHIM
echo "(exit status $?)"

step "the audit: one record per request, attributed to the session's user"
"$BIN" audit query -s "$STATE"
"$BIN" audit verify -s "$STATE"

step "the token is in nothing the agent got, nor in the audit, the logs or the state"
if grep -r -l "ghp_demoTokenValue0123456789" "$STATE"; then
	echo "FOUND: this is a bug"; exit 1
fi
echo "not found"

step "aileron session end"
"$BIN" session end "$AILERON_SESSION" -s "$STATE" && echo "ended"
unset HTTPS_PROXY https_proxy

step "stopping the service"
kill "$PID"; wait "$PID"; PID=
cat "$STATE/service.log"
