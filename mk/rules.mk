# mk/rules.mk: the build rules; the top-level Makefile only declares.

SAN	?= 0
BUILD	?= $(if $(filter 1,$(SAN)),build-san,build)

CC	?= cc
PKG_CONFIG ?= pkg-config
WARN	= -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wformat-security \
	  -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith -Wvla \
	  -Wno-unused-parameter
HARDEN	= -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection \
	  -fPIE -fcf-protection
CFLAGS	?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 $(WARN) $(HARDEN) \
	  -iquote common -iquote ftpd -iquote pam $(CFLAGS) -MMD -MP
LDHARDEN = -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack
LIBS	= -lpam $(shell $(PKG_CONFIG) --libs openssl 2>/dev/null || echo -lssl -lcrypto)

ifeq ($(SAN),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -U_FORTIFY_SOURCE -O1
LDHARDEN += -fsanitize=address,undefined
endif

OBJ_FTPD   = $(FTPD_SRCS:%.c=$(BUILD)/obj/%.o)
OBJ_COMMON = $(COMMON_SRCS:%.c=$(BUILD)/obj/%.o)
OBJ_PAM    = $(PAM_SRCS:%.c=$(BUILD)/obj/%.o)
ALL_OBJS   = $(OBJ_FTPD) $(OBJ_COMMON) $(OBJ_PAM)

UNIT_SRCS  = $(wildcard test/unit/t_*.c)
UNIT_BINS  = $(UNIT_SRCS:test/unit/%.c=$(BUILD)/test/%)
# ftpd objects the unit tests may link (everything but main.c)
OBJ_LIB    = $(filter-out $(BUILD)/obj/ftpd/main.o,$(ALL_OBJS))

.PHONY: all check unit integration run install clean deps lint fuzz bench analyze valgrind \
	fresh-root-check boundary-check package-test

all: $(BUILD)/ftpd $(BUILD)/ftpsd

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/ftpd: $(ALL_OBJS)
	$(CC) $(LDHARDEN) $(LDFLAGS) -o $@ $(ALL_OBJS) $(LIBS)

# ftpsd: the same objects but main.c built for implicit TLS
$(BUILD)/obj/ftpd/main-ftpsd.o: ftpd/main.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DFTPD_IMPLICIT=1 -c -o $@ $<

$(BUILD)/ftpsd: $(OBJ_LIB) $(BUILD)/obj/ftpd/main-ftpsd.o
	$(CC) $(LDHARDEN) $(LDFLAGS) -o $@ $(OBJ_LIB) $(BUILD)/obj/ftpd/main-ftpsd.o $(LIBS)

$(BUILD)/test/runner.o: test/unit/runner.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/test/t_%: test/unit/t_%.c $(BUILD)/test/runner.o $(OBJ_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itest/unit $(LDHARDEN) $(LDFLAGS) -o $@ $< $(BUILD)/test/runner.o $(OBJ_LIB) $(LIBS)

deps:
	@sh mk/deps.sh

unit: $(UNIT_BINS)
	@sh test/unit/run.sh $(UNIT_BINS)

lint:
	@sh mk/lint.sh

analyze:
	@sh mk/analyze.sh

FUZZ_SECONDS ?= 60
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh test/fuzz/run.sh

# fuzz-replay: each test/fuzz/fuzz_*.c target linked with test/fuzz/replay.c
# by this build's compiler and flags (no clang or libFuzzer needed), into
# $(BUILD)/fuzz-replay/, and run over its seeds in test/fuzz/corpus/<target>/
# (test/fuzz/replay.sh).  A target's /* FUZZ_SRCS: ... */ line names what it
# links: the server's objects from $(BUILD)/obj, test/fuzz/*.c of its own.
FUZZ_TARGETS = $(basename $(notdir $(wildcard test/fuzz/fuzz_*.c)))
fuzz_srcs = $(shell sed -n '1,10s/.*FUZZ_SRCS:[[:space:]]*\(.*\)\*\/.*/\1/p' test/fuzz/$(1).c | head -n 1)
fuzz_obj  = $(if $(filter test/fuzz/%,$(1)),$(BUILD)/fuzz-replay/obj/$(notdir $(1:.c=.o)),$(BUILD)/obj/$(1:.c=.o))

$(BUILD)/fuzz-replay/obj/%.o: test/fuzz/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

define FUZZ_REPLAY_RULE
$(BUILD)/fuzz-replay/$(1): $(BUILD)/fuzz-replay/obj/$(1).o $(BUILD)/fuzz-replay/obj/replay.o \
    $(foreach s,$(call fuzz_srcs,$(1)),$(call fuzz_obj,$(s)))
	$$(CC) $$(LDHARDEN) $$(LDFLAGS) -o $$@ $$^ $$(LIBS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_REPLAY_RULE,$(t))))

.PHONY: fuzz-replay
fuzz-replay:
	@sh test/fuzz/replay.sh $(BUILD) "$(MAKE)"

bench: all
	@sh test/bench/bench.sh

# the integration subset with every server process under valgrind memcheck,
# built in build-vg/ (mk/valgrind.sh)
valgrind:
	@sh mk/valgrind.sh "$(MAKE)"

integration: $(BUILD)/ftpd $(BUILD)/ftpsd
	@FTPD=$(CURDIR)/$(BUILD)/ftpd sh test/integration/run.sh

check: deps
	@$(MAKE) --no-print-directory all
	@sh mk/check.sh $(BUILD) "$(MAKE)"

# run: the packages first, as for check: on a fresh machine the build itself
# needs some (the PAM and OpenSSL headers)
run: deps
	@$(MAKE) --no-print-directory $(BUILD)/ftpd $(BUILD)/ftpsd
	@sh mk/run.sh $(BUILD)/ftpd

# boundary-check: the hostile-process tests against the test-hook build
# (build-hooks/, never installed; mk/boundary.sh); make check runs it
boundary-check:
	@MAKE="$(MAKE)" sh mk/boundary.sh

# fresh-root-check: make run and make check in a minimal Debian root built
# from scratch, on this checkout's committed HEAD (as root; mk/fresh-root.sh).
# FRESH_ROOT_CHECK_ARGS are extra arguments for that make check.
fresh-root-check:
	@sh mk/fresh-root.sh

# package-test: build the Debian package (debian/) with lintian, install it
# in a minimal Debian root with openbsd-inetd and without an inetd, serve
# logins under the real inetd, purge it (as root; mk/package-test.sh)
package-test:
	@sh mk/package-test.sh

# install: the binaries, the manual pages, the examples, and the PAM file and
# ftpd.conf unless they exist already (an administrator's copy is never
# replaced).  uninstall removes exactly that; the PAM file and ftpd.conf only
# while they are identical to the shipped ones.  Both take the same DESTDIR,
# PREFIX, SBINDIR, MANDIR, DOCDIR and SYSCONFDIR.
install: $(BUILD)/ftpd $(BUILD)/ftpsd
	install -d "$(DESTDIR)$(SBINDIR)" "$(DESTDIR)$(MANDIR)/man8" "$(DESTDIR)$(MANDIR)/man5" \
	    "$(DESTDIR)$(SYSCONFDIR)/pam.d" "$(DESTDIR)$(SYSCONFDIR)/ftpd"
	install -m 0755 $(BUILD)/ftpd $(BUILD)/ftpsd "$(DESTDIR)$(SBINDIR)/"
	install -m 0644 $(MAN8) "$(DESTDIR)$(MANDIR)/man8/"
	for l in $(MAN8_LINKS); do \
	    ln -sf "$${l#*=}" "$(DESTDIR)$(MANDIR)/man8/$${l%%=*}" || exit 1; done
	install -m 0644 $(MAN5) "$(DESTDIR)$(MANDIR)/man5/"
	for f in $(EXAMPLES); do d="$(DESTDIR)$(DOCDIR)/$$f"; \
	    install -d "$${d%/*}" && install -m 0644 "$$f" "$$d" || exit 1; done
	@for p in "$(PAM_FILE) $(SYSCONFDIR)/pam.d/ftp" "$(CONF_FILE) $(SYSCONFDIR)/ftpd/ftpd.conf"; do \
	    set -- $$p; \
	    if [ -e "$(DESTDIR)$$2" ] || [ -L "$(DESTDIR)$$2" ]; then \
		echo "install: $(DESTDIR)$$2 exists: kept (the shipped version is $$1)"; \
	    else \
		echo "install -m 0644 $$1 $(DESTDIR)$$2"; \
		install -m 0644 "$$1" "$(DESTDIR)$$2" || exit 1; \
	    fi; done

uninstall:
	rm -f "$(DESTDIR)$(SBINDIR)/ftpd" "$(DESTDIR)$(SBINDIR)/ftpsd"
	for f in $(notdir $(MAN8)); do rm -f "$(DESTDIR)$(MANDIR)/man8/$$f"; done
	for l in $(MAN8_LINKS); do rm -f "$(DESTDIR)$(MANDIR)/man8/$${l%%=*}"; done
	for f in $(notdir $(MAN5)); do rm -f "$(DESTDIR)$(MANDIR)/man5/$$f"; done
	for f in $(EXAMPLES); do rm -f "$(DESTDIR)$(DOCDIR)/$$f"; done
	@for d in $(sort $(dir $(EXAMPLES))); do d=$${d%/}; \
	    while [ "$$d" != examples ] && [ "$$d" != . ]; do \
		rmdir "$(DESTDIR)$(DOCDIR)/$$d" 2>/dev/null || :; d=$${d%/*}; done; done; \
	rmdir "$(DESTDIR)$(DOCDIR)/examples" "$(DESTDIR)$(DOCDIR)" 2>/dev/null || :
	@for p in "$(PAM_FILE) $(SYSCONFDIR)/pam.d/ftp" "$(CONF_FILE) $(SYSCONFDIR)/ftpd/ftpd.conf"; do \
	    set -- $$p; \
	    if [ -f "$(DESTDIR)$$2" ] && [ ! -L "$(DESTDIR)$$2" ] && cmp -s "$$1" "$(DESTDIR)$$2"; then \
		echo "rm -f $(DESTDIR)$$2"; rm -f "$(DESTDIR)$$2" || exit 1; \
	    elif [ -e "$(DESTDIR)$$2" ]; then \
		echo "uninstall: $(DESTDIR)$$2 differs from $$1: kept"; \
	    fi; done; \
	rmdir "$(DESTDIR)$(SYSCONFDIR)/ftpd" 2>/dev/null || :

.PHONY: uninstall

clean:
	rm -rf build build-san build-vg build-hooks

-include $(ALL_OBJS:.o=.d) $(BUILD)/obj/ftpd/main-ftpsd.d $(wildcard $(BUILD)/fuzz-replay/obj/*.d)
