#!/bin/sh
# Install the Debian packages the build and the tests need, when any is missing.
# Run as root it installs them; otherwise it prints the exact command to run.

PKGS="build-essential libssl-dev libhttp-parser-dev libjansson-dev libscrypt-dev
libdb5.3-dev db5.3-util libcurl4-openssl-dev libbsd-dev pkg-config mandoc curl
python3 perl git procps iproute2 adduser openssl libseccomp-dev
libc-ares-dev zlib1g-dev bubblewrap"
# t/proxy-ws.t's WebSocket client (run by Debian's /usr/bin/python3).
PKGS="$PKGS python3-websockets"
# t/metrics.t parses /metrics with prometheus_client's parser (issue 14).
PKGS="$PKGS python3-prometheus-client"
# t/web.t drives the web page in headless Chromium (issue 14, section 4).
PKGS="$PKGS chromium chromium-driver python3-selenium"

missing=""
for p in $PKGS; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case "$s" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "aileron: missing packages; run as root:" >&2
	echo "  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || exit 1
apt-get install -y -qq $missing || exit 1
