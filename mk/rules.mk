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

.PHONY: all check unit integration run install clean deps lint fuzz bench

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

integration: $(BUILD)/ftpd $(BUILD)/ftpsd
	@FTPD=$(CURDIR)/$(BUILD)/ftpd sh test/integration/run.sh

check: deps
	@$(MAKE) --no-print-directory all
	@sh mk/check.sh $(BUILD) "$(MAKE)"

run: $(BUILD)/ftpd $(BUILD)/ftpsd
	@sh mk/run.sh $(BUILD)/ftpd

install: $(BUILD)/ftpd $(BUILD)/ftpsd
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(BUILD)/ftpd $(DESTDIR)$(SBINDIR)/ftpd
	install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	install -d $(DESTDIR)$(SYSCONFDIR)/pam.d $(DESTDIR)$(SYSCONFDIR)/ftpd
	test -e $(DESTDIR)$(SYSCONFDIR)/pam.d/ftp || install -m 0644 pam/ftp $(DESTDIR)$(SYSCONFDIR)/pam.d/ftp
	test -e $(DESTDIR)$(SYSCONFDIR)/ftpd/ftpd.conf || install -m 0644 examples/ftpd.conf $(DESTDIR)$(SYSCONFDIR)/ftpd/ftpd.conf

clean:
	rm -rf build build-san

-include $(ALL_OBJS:.o=.d)
