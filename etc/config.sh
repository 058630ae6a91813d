#!/bin/sh
# config.sh: print the compiler and linker flags of the packages etc/deps.sh
# installs, as make variables; the Makefile includes the result.  A package
# pkg-config does not know is an error here, never an empty flag later.
set -e
pc() {
	pkg-config "$@" || {
		echo "config.sh: pkg-config $*: failed; run \"make deps\"" >&2
		exit 1
	}
}
echo "# Made by etc/config.sh; \"make clean\" removes it."
PKGS="libbsd-overlay openssl libcurl jansson libseccomp libcares zlib"
echo "PKG_CFLAGS=$(pc --cflags $PKGS)"
echo "PKG_LIBS=$(pc --libs $PKGS)"
echo "SHIM_LIBS=$(pc --libs libbsd-overlay libcurl jansson)"
echo "SERVICE_LIBS=$(pc --libs libbsd-overlay openssl jansson libseccomp \
    libcares zlib)"
