# Makefile: builds aileron, the connector shims and the tests; see README.md.

BUILD?=		build
PREFIX?=	/usr/local
BINDIR?=	$(PREFIX)/bin
LIBEXECDIR?=	$(PREFIX)/libexec/aileron
MANDIR?=	$(PREFIX)/share/man
DATADIR?=	$(PREFIX)/share/aileron
BASHCOMPDIR?=	$(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR?=	$(PREFIX)/share/zsh/site-functions
SHIMDIR?=	$(LIBEXECDIR)/shims
SYSCONFDIR?=	/etc/aileron
# systemd finds units of a /usr/local install here; the rc.d script is a
# copy for /etc/rc.d.
UNITDIR?=	$(PREFIX)/lib/systemd/system
RCDIR?=		$(DATADIR)/rc.d
DESTDIR?=

CC?=		cc
.DEFAULT_GOAL:=	all

# The packages' flags (PKG_CFLAGS, PKG_LIBS, SHIM_LIBS) come from pkg-config,
# which can only answer once etc/deps.sh has installed the packages.  make
# builds this file before it reads the rules below and then starts again with
# the flags in force, so the first build on a fresh machine has them too.
ifeq ($(filter clean,$(MAKECMDGOALS)),)
include $(BUILD)/config.mk
endif

$(BUILD)/config.mk: etc/deps.sh etc/config.sh
	@sh etc/deps.sh
	@mkdir -p $(@D)
	@sh etc/config.sh > $@.tmp && mv $@.tmp $@

WARN=		-Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wformat=2 \
		-Wmissing-prototypes -Wstrict-prototypes
HARDEN=		-fstack-protector-strong -fPIE
LDHARDEN=	-pie -Wl,-z,relro,-z,now
ifdef SAN
# Sanitizer build: FORTIFY and ASan both wrap libc, so drop FORTIFY here.
HARDEN+=	-fsanitize=address,undefined -fno-sanitize-recover=undefined \
		-fno-omit-frame-pointer
LDHARDEN+=	-fsanitize=address,undefined
OPT=		-O1 -g
# The seccomp promises allow the calls the sanitizer runtime makes.
CPPFLAGS+=	-DAILERON_SAN
else
HARDEN+=	-D_FORTIFY_SOURCE=2
OPT=		-O2 -g
endif
CPPFLAGS+=	-D_GNU_SOURCE -I. -Ilib -DAILERON_VERSION='"$(VERSION)"' \
		-DAILERON_LIBEXECDIR='"$(LIBEXECDIR)"' \
		-DAILERON_SYSCONFDIR='"$(SYSCONFDIR)"'
CFLAGS+=	-std=gnu11 $(OPT) $(WARN) $(HARDEN) $(PKG_CFLAGS)
LDLIBS+=	$(PKG_LIBS) -lhttp_parser -ldb-5.3 -lscrypt
# The service's own binary: no libcurl (see master/main.c).
SERVICE_LDLIBS=	$(SERVICE_LIBS) -lhttp_parser -ldb-5.3 -lscrypt
VERSION=	0.1.0

# Shared code, one list per area.
LIB_SRCS=	lib/log.c lib/msg.c lib/msgtypes.c lib/pledge.c lib/proc.c \
		lib/sandbox.c lib/state.c lib/title.c
LIB_SRCS+=	lib/prices.c
CONNECTOR_SRCS=	connector/spec.c connector/spec_ext.c connector/spec_openapi.c \
		connector/spec_graphql.c connector/graphql.c connector/match.c \
		connector/manifest.c
CONF_SRCS=	master/parse.c
CONF_SRCS+=	master/resolvconf.c
MASTER_SRCS=	master/master.c master/pool.c \
		master/connectors.c master/tls.c
MASTER_SRCS+=	master/teams.c
CONTROL_SRCS=	control/control.c
CONTROL_SRCS+=	control/budget.c
CONTROL_SRCS+=	control/metrics.c
CONTROL_SRCS+=	control/web.c
CONTROL_SRCS+=	control/rules.c control/sessinfo.c
CONTROL_SRCS+=	control/users.c
CONTROL_SRCS+=	control/store.c
CONTROL_SRCS+=	control/approval.c
CONTROL_SRCS+=	control/auditlog.c
CONTROL_SRCS+=	control/usage.c
CONTROL_SRCS+=	control/shell.c
CONTROL_SRCS+=	control/session.c control/policy.c control/audit.c
WORKER_SRCS=	worker/worker.c worker/testhook.c
WORKER_SRCS+=	worker/budget.c worker/api_budget.c
WORKER_SRCS+=	worker/api_metrics.c worker/metrics_req.c
WORKER_SRCS+=	worker/api_session.c
WORKER_SRCS+=	worker/approval.c worker/api_approval.c worker/internal.c
WORKER_SRCS+=	worker/api.c
WORKER_SRCS+=	worker/web.c worker/web_parse.c
WORKER_SRCS+=	worker/api_users.c
WORKER_SRCS+=	worker/api_audit.c
WORKER_SRCS+=	worker/api_usage.c
WORKER_SRCS+=	worker/resolve.c
WORKER_SRCS+=	worker/http.c worker/http_hp.c
WORKER_SRCS+=	worker/mask.c worker/inflate.c
WORKER_SRCS+=	worker/usage.c
WORKER_SRCS+=	worker/ws.c worker/ws_relay.c
WORKER_SRCS+=	worker/conn.c worker/call.c worker/io.c worker/problem.c \
		worker/proxy.c worker/tls.c worker/tunnel.c worker/upstream.c
VAULT_LIB_SRCS=	vault/crypto.c vault/store.c vault/vault.c vault/record.c
VAULTD_SRCS=	vaultd/vaultd.c vaultd/connmap.c vaultd/session.c \
		vaultd/inject.c vaultd/vaultsock.c vaultd/reply.c
VAULTD_SRCS+=	vaultd/teams.c
VAULTD_SRCS+=	vaultd/ca.c
CLI_SRCS=	cli/actions.c cli/service.c cli/status.c
CLI_SRCS+=	cli/budget.c
CLI_SRCS+=	cli/policy.c cli/sessioninfo.c
CLI_SRCS+=	cli/approval.c
CLI_SRCS+=	cli/session.c
CLI_SRCS+=	cli/apiclient.c
CLI_SRCS+=	cli/launch.c cli/launch_native.c cli/launch_docker.c \
		cli/launch_pty.c cli/shell.c
CLI_SRCS+=	cli/usage.c
CLI_SRCS+=	cli/users.c
CLI_SRCS+=	cli/audit.c
CLI_SRCS+=	cli/cmds.c cli/completion.c cli/shims.c
CLI_VAULT_SRCS=	cli/vault.c cli/secret.c cli/vaultclient.c
CLI_VAULT_SRCS+=	cli/vaultteam.c
MAIN_SRC=	cli/main.c

SRCS=		$(LIB_SRCS) $(CONNECTOR_SRCS) \
		$(CONF_SRCS) $(MASTER_SRCS) $(CONTROL_SRCS) $(WORKER_SRCS) \
		$(VAULT_LIB_SRCS) \
		$(VAULTD_SRCS) $(CLI_SRCS) $(CLI_VAULT_SRCS)
OBJS=		$(SRCS:%.c=$(BUILD)/%.o)
# The web page's files, embedded in the worker (etc/webembed.sh).
WEB_ASSETS=	worker/web/index.html worker/web/login.html \
		worker/web/app.js worker/web/app.css worker/web/favicon.svg
OBJS+=		$(BUILD)/gen/web_assets.o
LIBA=		$(BUILD)/libaileron.a

UNIT_TESTS=	$(patsubst t/unit/%.c,$(BUILD)/t/%.t,$(wildcard t/unit/*.c))
INTEG_TESTS=	$(wildcard t/*.t)

MAN1=		man/aileron.1 man/aileron-launch.1
MAN1+=		man/aileron-approval.1
MAN1+=		man/aileron-audit.1
MAN5=		man/aileron.conf.5 man/aileron-spec.5 man/aileron-vault.5
MAN5+=		man/aileron-prices.5
MAN7=		man/aileron-proxy.7
MAN7+=		man/aileron-api.7
MAN7+=		man/aileron-metrics.7
MAN7+=		man/aileron-web.7
MAN8=		man/aileron-service.8
MANS=		$(MAN1) $(MAN5) $(MAN7) $(MAN8)

TESTENV=	AILERON_BIN=$(CURDIR)/$(BUILD)/aileron \
		AILERON_BUILD=$(CURDIR)/$(BUILD) AILERON_SRC=$(CURDIR)

.PHONY: all deps user check check-san unit bench demo install clean fuzz

all: deps $(BUILD)/aileron $(BUILD)/aileron-service

deps:
	@sh etc/deps.sh

# Tests and the demo run the service as root, which drops to this user.
user:
	@sh etc/adduser.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/gen/web_assets.c: $(WEB_ASSETS) etc/webembed.sh
	@mkdir -p $(@D)
	sh etc/webembed.sh $(WEB_ASSETS) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/web_assets.o: $(BUILD)/gen/web_assets.c worker/web.h
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIBA): $(OBJS)
	@rm -f $@
	ar rcs $@ $(OBJS)

$(BUILD)/aileron: $(BUILD)/cli/main.o $(LIBA)
	$(CC) $(CFLAGS) $(LDHARDEN) -o $@ $(BUILD)/cli/main.o $(LIBA) $(LDLIBS)

# Shell completion, written by the binary from the table it dispatches on.
COMPLETIONS=	$(BUILD)/completion/aileron $(BUILD)/completion/_aileron

all: $(COMPLETIONS)

$(BUILD)/completion/aileron: $(BUILD)/aileron
	@mkdir -p $(@D)
	$(BUILD)/aileron completion bash > $@.tmp && mv $@.tmp $@

$(BUILD)/completion/_aileron: $(BUILD)/aileron
	@mkdir -p $(@D)
	$(BUILD)/aileron completion zsh > $@.tmp && mv $@.tmp $@

$(BUILD)/aileron-service: $(BUILD)/master/main.o $(LIBA)
	$(CC) $(CFLAGS) $(LDHARDEN) -o $@ $(BUILD)/master/main.o $(LIBA) \
	    $(SERVICE_LDLIBS)

# The sandbox's relay to the proxy (aileron launch): libc alone, static,
# so that it runs in any container image too (not under the sanitizers,
# whose runtime cannot be linked statically).
all: $(BUILD)/aileron-relay
ifdef SAN
RELAY_LD=	$(LDHARDEN)
else
RELAY_LD=	-static-pie -Wl,-z,relro,-z,now
endif

RELAY_OBJS=	$(BUILD)/relay/relay.o $(BUILD)/relay/check.o

$(BUILD)/aileron-relay: $(RELAY_OBJS)
	$(CC) $(CFLAGS) $(RELAY_LD) -o $@ $(RELAY_OBJS)

$(BUILD)/t/%.t: t/unit/%.c t/tap.h $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -It $(CFLAGS) $(LDHARDEN) -o $@ $< $(LIBA) $(LDLIBS)

unit: all $(UNIT_TESTS)

# The response decoder's test; until the worker links zlib, only it does.
$(BUILD)/t/inflate.t: LDLIBS += -lz

# prove runs each test through t/lib/run.sh, which keeps what it logs in
# $(BUILD)/t-logs/NAME/ and shows it only when the test fails.  Tests make
# their temporary files in $(BUILD)/t-tmp, which must be empty when they
# are done: a test leaves nothing behind.
TESTTMP=	$(CURDIR)/$(BUILD)/t-tmp
PROVE=		AILERON_TLOGS_ROOT=$(CURDIR)/$(BUILD)/t-logs TMPDIR=$(TESTTMP) \
		prove -j2 --exec 'sh t/lib/run.sh'
TESTTMP_NEW=	rm -rf $(TESTTMP) && mkdir -p $(TESTTMP) && chmod 1777 $(TESTTMP)
TESTTMP_EMPTY=	if [ -n "$$(ls -A $(TESTTMP))" ]; then \
		    echo "tests left these behind in $(TESTTMP):" >&2; \
		    ls -A $(TESTTMP) >&2; exit 1; fi

check: deps user unit
	@$(TESTTMP_NEW)
	$(TESTENV) $(PROVE) $(UNIT_TESTS) $(INTEG_TESTS)
	@$(TESTTMP_EMPTY)
	mandoc -Tlint -Wwarning $(MANS)
	$(MAKE) BUILD=build-san SAN=1 check-san

# The same tests under AddressSanitizer and UBSan.  Unit tests run with
# LeakSanitizer; the service's children drop privileges and are not
# dumpable, so LeakSanitizer cannot trace them and is off there.
check-san: unit
	@$(TESTTMP_NEW)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    $(TESTENV) $(PROVE) $(UNIT_TESTS)
	ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
	    AILERON_SAN=1 $(TESTENV) $(PROVE) $(INTEG_TESTS)
	@$(TESTTMP_EMPTY)

# The floor the pool is measured against, and two variants of the service
# measured beside it: linked statically (one mapped object instead of ten),
# and mapping libcurl (what a service binary of its own keeps out).
# Each variant is a service binary beside a copy of the CLI, which runs the
# aileron-service it finds beside itself.
BENCH_BINS=	$(BUILD)/bench-prefork $(BUILD)/bench-prefork-sandbox \
		$(BUILD)/bench/static/aileron-service \
		$(BUILD)/bench/static/aileron \
		$(BUILD)/bench/libcurl/aileron-service \
		$(BUILD)/bench/libcurl/aileron
BENCH_BINS+=	$(BUILD)/bench-tls-upstream $(BUILD)/bench-tls-client \
		$(BUILD)/bench-tls-decode $(BUILD)/bench-tls-relay
BENCH_BINS+=	$(BUILD)/bench-tokens
BENCH_STATIC_LIBS= -l:libbsd.a -l:libmd.a -l:libjansson.a -l:libdb-5.3.a \
		-l:libhttp_parser.a -l:libssl.a \
		-l:libscrypt.a -l:libcrypto.a -l:libseccomp.a -l:libcares.a \
		-l:libz.a -lpthread

bench: all user $(BENCH_BINS)
	$(TESTENV) sh etc/bench.sh

# The token counter's CPU per LLM response (issue 14, section 5).
$(BUILD)/bench-tokens: etc/bench-tokens.c $(LIBA)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDHARDEN) -o $@ etc/bench-tokens.c \
	    $(LIBA) $(LDLIBS)

$(BUILD)/bench-prefork: etc/bench-prefork.c
	$(CC) -std=gnu11 -O2 $(WARN) $(HARDEN) $(LDHARDEN) -o $@ $<

# The floor with the sandbox and channels every worker of the design has,
# by the service's own code; it maps only the libraries that code needs.
$(BUILD)/bench-prefork-sandbox: etc/bench-prefork.c $(LIBA)
	$(CC) $(CPPFLAGS) -DPREFORK_SANDBOX $(CFLAGS) $(LDHARDEN) -o $@ \
	    etc/bench-prefork.c $(LIBA) -Wl,--as-needed $(LDLIBS)

# The TLS upstream, the load client and the bare relay etc/bench-proxy.py
# drives, and the certificate decode it measures.
$(BUILD)/bench-tls-%: etc/bench-tls-%.c
	$(CC) -std=gnu11 -O2 -D_GNU_SOURCE $(WARN) $(HARDEN) $(LDHARDEN) \
	    -o $@ $< -lssl -lcrypto

# glibc warns that getpwnam needs its NSS modules at run time; the
# variant reads only the files (etc/bench-static-nss.c).  Without a static
# library the bench goes on without the variant.
$(BUILD)/bench/static/aileron-service: $(BUILD)/master/main.o $(LIBA) \
    etc/bench-static-nss.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static-pie -Wl,-z,relro,-z,now -o $@ \
	    $(BUILD)/master/main.o etc/bench-static-nss.c $(LIBA) \
	    $(BENCH_STATIC_LIBS) 2>$@.log || \
	    { rm -f $@; echo "bench: no static variant; see $@.log" >&2; }

$(BUILD)/bench/libcurl/aileron-service: $(BUILD)/master/main.o $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDHARDEN) -o $@ $(BUILD)/master/main.o $(LIBA) \
	    $(SERVICE_LDLIBS) -Wl,--no-as-needed -lcurl

$(BUILD)/bench/%/aileron: $(BUILD)/aileron
	@mkdir -p $(@D)
	cp $(BUILD)/aileron $@

demo: all user
	$(TESTENV) sh etc/demo.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(DATADIR)/specs \
	    $(DESTDIR)$(SYSCONFDIR)
	install -m 0755 $(BUILD)/aileron $(DESTDIR)$(BINDIR)/aileron
	install -m 0755 $(BUILD)/aileron-service \
	    $(DESTDIR)$(LIBEXECDIR)/aileron-service
	install -m 0755 $(BUILD)/aileron-relay \
	    $(DESTDIR)$(LIBEXECDIR)/aileron-relay
	install -m 0644 etc/aileron/bashrc $(DESTDIR)$(LIBEXECDIR)/bashrc
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0644 $(BUILD)/completion/aileron \
	    $(DESTDIR)$(BASHCOMPDIR)/aileron
	install -m 0644 $(BUILD)/completion/_aileron \
	    $(DESTDIR)$(ZSHCOMPDIR)/_aileron
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(MAN7) $(DESTDIR)$(MANDIR)/man7/
	install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 etc/aileron.conf $(DESTDIR)$(SYSCONFDIR)/aileron.conf.sample
	install -m 0644 etc/aileron/prices $(DESTDIR)$(SYSCONFDIR)/prices.sample
	[ -e $(DESTDIR)$(SYSCONFDIR)/prices ] || \
	    install -m 0644 etc/aileron/prices $(DESTDIR)$(SYSCONFDIR)/prices
	if [ -n "$$(ls specs/*.json 2>/dev/null)" ]; then \
	    install -m 0644 specs/*.json $(DESTDIR)$(DATADIR)/specs/; fi
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(RCDIR)
	sed 's|@BINDIR@|$(BINDIR)|g' etc/aileron.service \
	    >$(DESTDIR)$(UNITDIR)/aileron.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/aileron.service
	sed 's|@BINDIR@|$(BINDIR)|g' etc/rc.d/aileron >$(DESTDIR)$(RCDIR)/aileron
	chmod 0755 $(DESTDIR)$(RCDIR)/aileron
	if [ -z "$(DESTDIR)" ]; then sh etc/adduser.sh; fi

clean:
	rm -rf build build-san build-fuzz

# t/seccomp.t enters each process's sandbox through this helper.
SANDBOX_HELPERS=	$(BUILD)/t/helpers/sandbox_helper

unit: $(SANDBOX_HELPERS)

# Vault test helpers: programs the vault's t/*.t tests drive (not TAP).
VAULT_HELPERS=	$(BUILD)/t/helpers/vault_revoke_helper \
		$(BUILD)/t/helpers/vault_legacy_store \
		$(BUILD)/t/helpers/vault_bench_store

unit: $(VAULT_HELPERS) $(BUILD)/msgtypes.json
bench: $(VAULT_HELPERS) $(BUILD)/msgtypes.json

# The message numbers and layouts the Python harnesses use, from the C.
$(BUILD)/msgtypes.json: $(BUILD)/t/helpers/msgdump
	$(BUILD)/t/helpers/msgdump > $@.tmp && mv $@.tmp $@

$(BUILD)/t/helpers/%: t/helpers/%.c $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDHARDEN) -o $@ $< $(LIBA) $(LDLIBS)

# End of vault test helpers.

# t/audit.t tampers with the audit log through this helper.
AUDIT_HELPERS=	$(BUILD)/t/helpers/audit_tamper

unit: $(AUDIT_HELPERS)

# make bench fills a state directory with a million audit records
# through this helper (etc/bench-usage.py).
USAGE_HELPERS=	$(BUILD)/t/helpers/usage_bench_fill

bench: $(USAGE_HELPERS)
unit: $(USAGE_HELPERS)

# t/resolve.t resolves through this helper, inside a worker's sandbox.
RESOLVE_HELPERS=	$(BUILD)/t/helpers/resolve_helper

unit: $(RESOLVE_HELPERS)

-include $(OBJS:.o=.d) $(BUILD)/cli/main.d $(BUILD)/master/main.d

# Generator and shims: aileron-gen turns each specs/NAME.json into the shim
# $(BUILD)/shims/NAME (generated tables plus the fixed runtime shim/shim.c),
# the page $(BUILD)/man/NAME.1, and all of them into $(BUILD)/actions.json.
# Generated sources live in $(BUILD)/gen/ and are never committed.
GEN_SPECS=	$(wildcard specs/*.json)
GEN_NAMES=	$(GEN_SPECS:specs/%.json=%)
GEN_SHIMS=	$(GEN_NAMES:%=$(BUILD)/shims/%)
GEN_MANS=	$(GEN_NAMES:%=$(BUILD)/man/%.1)
GEN_ALL=	$(BUILD)/aileron-gen $(GEN_SHIMS) $(GEN_MANS) \
		$(BUILD)/actions.json

.PHONY: install-gen
.PRECIOUS: $(BUILD)/gen/shim-%.c $(BUILD)/gen/shim-%.o $(BUILD)/shim/shim.o

all: $(GEN_ALL)

$(BUILD)/aileron-gen: $(BUILD)/gen/gen.o $(LIBA)
	$(CC) $(CFLAGS) $(LDHARDEN) -o $@ $(BUILD)/gen/gen.o $(LIBA) $(LDLIBS)

$(BUILD)/gen/shim-%.c: specs/%.json $(BUILD)/aileron-gen
	@mkdir -p $(@D)
	$(BUILD)/aileron-gen shim $< $@

$(BUILD)/gen/shim-%.o: $(BUILD)/gen/shim-%.c shim/shim.h connector/spec.h
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/shims/%: $(BUILD)/gen/shim-%.o $(BUILD)/shim/shim.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDHARDEN) -o $@ $(BUILD)/shim/shim.o $< $(SHIM_LIBS)

$(BUILD)/man/%.1: specs/%.json $(BUILD)/aileron-gen
	@mkdir -p $(@D)
	$(BUILD)/aileron-gen man $< $@

$(BUILD)/actions.json: $(GEN_SPECS) $(BUILD)/aileron-gen
	$(BUILD)/aileron-gen manifest $@ $(GEN_SPECS)

install: install-gen

# The shims go into a directory of their own, never the system's PATH,
# where "stripe" or "openai" would shadow the vendor's command; "aileron
# shims path" names it and an agent's sandbox puts it first in PATH.  A
# shim an older install left in BINDIR (it carries our User-Agent) goes;
# a vendor's command of the same name stays.
install-gen: all
	install -d $(DESTDIR)$(SHIMDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(DATADIR)
	for s in $(GEN_NAMES); do \
	    if grep -qs 'aileron-shim/1' $(DESTDIR)$(BINDIR)/$$s; then \
	    rm -f $(DESTDIR)$(BINDIR)/$$s; fi; done
	for s in $(GEN_NAMES); do \
	    install -m 0755 $(BUILD)/shims/$$s $(DESTDIR)$(SHIMDIR)/$$s && \
	    install -m 0644 $(BUILD)/man/$$s.1 $(DESTDIR)$(MANDIR)/man1/ \
	    || exit 1; done
	install -m 0644 $(BUILD)/actions.json $(DESTDIR)$(DATADIR)/actions.json

-include $(BUILD)/gen/gen.d $(BUILD)/shim/shim.d
# End of generator and shims.

# libFuzzer targets for the matcher, the GraphQL parser, the message
# channel's reader and vaultd's INJECT and vault.sock requests; clang only,
# not part of check.  "make fuzz" builds them and runs each for FUZZ_TIME
# seconds (etc/fuzz.sh), printing inputs per second, and fails when one
# finds something.  To run one for longer, from the top of the tree:
#   build-fuzz/fuzz_vaultd -max_total_time=3600 -max_len=2048 \
#       build-fuzz/corpus-vaultd t/fuzz/corpus/vaultd
FUZZ_BUILD=	build-fuzz
FUZZ_TIME?=	60
FUZZ_CC=	clang
FUZZ_CFLAGS=	-std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined $(WARN) $(PKG_CFLAGS)
FUZZ_SRCS=	connector/graphql.c connector/match.c connector/spec.c \
		connector/spec_ext.c connector/spec_openapi.c \
		connector/spec_graphql.c lib/log.c lib/msg.c lib/msgtypes.c
FUZZ_NAMES=	fuzz_graphql fuzz_match fuzz_msg fuzz_vaultd
FUZZ_NAMES+=	fuzz_http
FUZZ_NAMES+=	fuzz_mask
FUZZ_NAMES+=	fuzz_approval
FUZZ_NAMES+=	fuzz_usage
FUZZ_NAMES+=	fuzz_ws
FUZZ_NAMES+=	fuzz_metrics
FUZZ_NAMES+=	fuzz_web
FUZZ_BINS=	$(FUZZ_NAMES:%=$(FUZZ_BUILD)/%)
# vaultd's handlers, and what they call, against a real Berkeley DB vault.
FUZZ_VAULTD_SRCS= lib/log.c lib/msg.c lib/msgtypes.c lib/proc.c \
		lib/pledge.c lib/sandbox.c $(VAULT_LIB_SRCS) $(VAULTD_SRCS)

fuzz: $(FUZZ_BINS)
	sh etc/fuzz.sh $(FUZZ_BUILD) $(FUZZ_TIME) $(FUZZ_NAMES)

$(FUZZ_BUILD)/fuzz_%: t/fuzz/fuzz_%.c $(FUZZ_SRCS) connector/graphql.h \
    connector/match.h connector/spec.h connector/spec_priv.h lib/msg.h \
    lib/msgtypes.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRCS) $(PKG_LIBS)

# The streaming token counter, alone.
$(FUZZ_BUILD)/fuzz_usage: t/fuzz/fuzz_usage.c worker/usage.c worker/usage.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -o $@ $< worker/usage.c \
	    $(PKG_LIBS)

# /metrics: the listener's request head and control's counters.
FUZZ_METRICS_SRCS= worker/metrics_req.c control/metrics.c lib/log.c \
		lib/msg.c lib/msgtypes.c

$(FUZZ_BUILD)/fuzz_metrics: t/fuzz/fuzz_metrics.c $(FUZZ_METRICS_SRCS) \
    worker/metrics_req.h control/metrics.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_METRICS_SRCS) \
	    $(PKG_LIBS) -lhttp_parser

# The worker's HTTP intake and response reader, alone.
FUZZ_HTTP_SRCS=	worker/http.c worker/http_hp.c

$(FUZZ_BUILD)/fuzz_http: t/fuzz/fuzz_http.c $(FUZZ_HTTP_SRCS) worker/http.h \
    worker/http_hp.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_HTTP_SRCS) \
	    $(PKG_LIBS) -lhttp_parser

$(FUZZ_BUILD)/fuzz_vaultd: t/fuzz/fuzz_vaultd.c $(FUZZ_VAULTD_SRCS) \
    $(wildcard lib/*.h connector/*.h vaultd/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_VAULTD_SRCS) \
	    $(PKG_LIBS) -ldb-5.3 -lscrypt

# The approvals' routes and bodies, and control's answers as relayed
# (worker/api_approval.c, with the API's helpers it calls).
FUZZ_APPROVAL_SRCS= worker/api_approval.c worker/api.c worker/problem.c \
		worker/io.c lib/log.c lib/msg.c lib/msgtypes.c

# api.c's server reaches every endpoint: the rest comes, uninstrumented,
# from the library the unit tests link.
$(FUZZ_BUILD)/fuzz_approval: t/fuzz/fuzz_approval.c $(FUZZ_APPROVAL_SRCS) \
    worker/api.h worker/api_approval.h lib/msgtypes.h $(LIBA)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_APPROVAL_SRCS) \
	    $(LIBA) $(LDLIBS)

# The response masker, alone (worker/mask.c needs only log.c); the target
# includes it, to turn its jump off in a second masker.
$(FUZZ_BUILD)/fuzz_mask: t/fuzz/fuzz_mask.c worker/mask.c worker/mask.h \
    lib/log.c lib/log.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -o $@ $< lib/log.c $(PKG_LIBS)

# What the web page reads of a browser besides HTTP, alone.
$(FUZZ_BUILD)/fuzz_web: t/fuzz/fuzz_web.c worker/web_parse.c worker/web.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -o $@ $< worker/web_parse.c \
	    $(PKG_LIBS)

# The WebSocket frame header parser, alone.
$(FUZZ_BUILD)/fuzz_ws: t/fuzz/fuzz_ws.c worker/ws.c worker/ws.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -o $@ $< worker/ws.c
