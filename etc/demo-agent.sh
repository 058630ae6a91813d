#!/bin/sh
# demo-agent.sh: the scripted agent of "make demo", run by aileron launch
# in its sandbox.  It holds no credential: the linear shim sends a
# placeholder, and the proxy injects the vault's key.
say() { printf '[agent] %s\n' "$*"; }

say "I run in session $AILERON_SESSION; my proxy is ${HTTPS_PROXY%%:*}://s:***@${HTTPS_PROXY##*@}"
say "the actions I may call are in $AILERON_ACTIONS"
say "listing issues (allowed by policy)"
linear list-issues --first 2 || exit 1
say "creating an issue (policy says a person approves this first; I wait)"
linear create-issue --title "Fix the flaky test" --team-id TEAM-1 || exit 1
say "done"
