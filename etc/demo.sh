#!/bin/sh
# demo.sh: "make demo".  On a throwaway state directory: a local double of
# Linear's API (loopback, its own CA, pinned with "resolve"), a vault
# holding the demo's Linear key, and "aileron launch" running a scripted
# agent (etc/demo-agent.sh) in the native sandbox (or with none, and a
# warning, where namespaces are not available).  The agent lists issues
# (allowed) and creates one (a person approves it first: on the terminal
# when there is one, else granted here with "aileron approval grant").
# It ends with the audit trail.  Every step says what it does.

set -u
BIN=${AILERON_BIN:-$(pwd)/build/aileron}
SRC=${AILERON_SRC:-$(pwd)}
STATE=$(mktemp -d /tmp/aileron-demo.XXXXXX)
PROJ="$STATE/project"
KEY="lin_api_demoKEY0123456789abcdefghijklmnop"
UPID=
GPID=
cleanup() {
	[ -n "$GPID" ] && kill "$GPID" 2>/dev/null && wait "$GPID" 2>/dev/null
	[ -f "$STATE/service.json" ] && "$BIN" service stop -s "$STATE" \
	    >/dev/null 2>&1
	[ -n "$UPID" ] && kill "$UPID" 2>/dev/null && wait "$UPID" 2>/dev/null
	rm -rf "$STATE"
}
trap cleanup EXIT INT TERM

step() { printf '\n==> %s\n' "$*"; }

step "a local double of api.linear.app (TLS with a throwaway CA): it answers only to the demo's key"
mkdir -m 0755 "$STATE/upstream"
python3 "$SRC/t/lib/linear_mock.py" "$STATE/upstream" "$KEY" \
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
# The demo's double stands in for api.linear.app on loopback.
resolve "api.linear.app" 127.0.0.1:$UPORT
allow network 127.0.0.0/8
upstream ca "$UCA"
connector "linear" spec "$SRC/specs/linear.json"
# Creating an issue waits for a person.
policy "linear.create_issue" approve
approval timeout 120
CONF

step "the configuration ($STATE/aileron.conf)"
cat "$STATE/aileron.conf"
"$BIN" service -n -s "$STATE" || exit 1
"$BIN" policy check linear.create_issue -s "$STATE"
"$BIN" policy check linear.list_issues -s "$STATE"

step "aileron service -s $STATE (detached; it says when it is ready)"
"$BIN" service -s "$STATE" || exit 1
"$BIN" status -s "$STATE"

step "aileron vault init (the master key comes from fd 3 here; from the terminal otherwise)"
echo "demo master key, not a real one" > "$STATE/.mk"
"$BIN" vault init --key-fd 3 -s "$STATE" 3< "$STATE/.mk" || exit 1

step "aileron secret add linear-key --connector linear (the value on stdin)"
echo "$KEY" | "$BIN" secret add linear-key --connector linear --key-fd 3 \
    -s "$STATE" 3< "$STATE/.mk" || exit 1
"$BIN" secret list -s "$STATE"

# The native sandbox needs user namespaces; without them, no sandbox.
SANDBOX=native
if ! command -v bwrap >/dev/null || ! bwrap --unshare-user --unshare-net \
    --ro-bind / / true 2>/dev/null; then
	SANDBOX=none
	echo "(no user namespaces here: the demo runs the agent with no sandbox)"
fi
mkdir -m 0755 "$PROJ"
cp "$SRC/etc/demo-agent.sh" "$PROJ/agent.sh"

if [ -t 0 ] && [ -t 1 ]; then
	step "aileron launch --sandbox $SANDBOX: the agent asks to create an issue; type the code it shows to grant, anything else denies"
else
	step "aileron launch --sandbox $SANDBOX (no terminal: the approval is granted with \"aileron approval grant\", below)"
	(
		for i in $(seq 600); do
			ID=$("$BIN" approval list --json -s "$STATE" 2>/dev/null |
			    sed -n 's/.*"id": "\([0-9a-f]*\)".*/\1/p' | head -1)
			if [ -n "$ID" ]; then
				"$BIN" approval list -s "$STATE"
				echo "[demo] no terminal to ask on: aileron approval grant $ID"
				"$BIN" approval grant "$ID" -s "$STATE"
				exit 0
			fi
			sleep 0.2
		done
	) &
	GPID=$!
fi
"$BIN" launch --sandbox "$SANDBOX" --agent demo-agent --dir "$PROJ" \
    --key-fd 3 -s "$STATE" -- sh agent.sh 3< "$STATE/.mk"
RC=$?
rm -f "$STATE/.mk"
[ -n "$GPID" ] && wait "$GPID" 2>/dev/null
GPID=
echo "(the agent exited with status $RC)"

step "the audit trail: each decision before its request went upstream, the approval, the outcome"
"$BIN" audit query -s "$STATE"
"$BIN" audit verify -s "$STATE"

step "the Linear key is in nothing the agent got, nor in the audit, the logs or the state"
if grep -r -l "$KEY" "$STATE" --exclude-dir=upstream; then
	echo "FOUND: this is a bug"; exit 1
fi
echo "not found"

step "aileron service stop"
"$BIN" service stop -s "$STATE"
exit $RC
