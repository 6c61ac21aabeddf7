# replyclock — plain GNU Makefile. Source lists come from the folders, so a
# new .c file in tracker/, intake/ or reporter/ is built without editing this.

PREFIX  ?= /usr/local
DESTDIR ?=
B       ?= build

PKGS    := libetpan libical libpq
CC      ?= cc
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
CFLAGS  ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) \
           -I. $(shell pkg-config --cflags $(PKGS) cunit)
# Debian's libetpan.pc drags in a dpkg spec file (non-PIE link) that only
# exists with libdpkg-perl; drop it so the build needs nothing beyond -dev packages.
LIBS    := $(filter-out -specs=%,$(shell pkg-config --libs $(PKGS))) -lgnutls -lm
TESTLIBS := $(LIBS) $(shell pkg-config --libs cunit)
LDFLAGS ?=

LIB_SRC  := $(sort $(wildcard tracker/*.c intake/*.c reporter/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
MAIN_OBJ := $(B)/replyclock.o $(B)/check.o
TESTLIB_SRC := $(sort $(wildcard tests/lib/*.c))
TESTLIB_OBJ := $(TESTLIB_SRC:%.c=$(B)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
ITEST_SRC := $(sort $(wildcard tests/integration/itest_*.c))
ITEST_BIN := $(ITEST_SRC:tests/integration/%.c=$(B)/tests/%)
TOOL_SRC := $(sort $(wildcard contrib/tools/*.c))
TOOL_BIN := $(TOOL_SRC:contrib/tools/%.c=$(B)/%)

.PHONY: all check unit integration render-check asan-check install demo demo-stop bench fuzz clean deps

all: $(B)/replyclock replyclock $(TOOL_BIN)

replyclock: $(B)/replyclock
	@ln -sf $(B)/replyclock replyclock

$(B)/replyclock: $(MAIN_OBJ) $(B)/librc.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(B)/librc.a $(LIBS)

$(B)/librc.a: $(LIB_OBJ) $(B)/sql_migrations.o
	@rm -f $@
	ar rcs $@ $^

# The migrations are compiled into the binary so an installed replyclock
# never has to find sql/ on disk.
$(B)/sql_migrations.c: $(sort $(wildcard sql/[0-9][0-9][0-9]_*.sql)) contrib/embed-sql
	@mkdir -p $(@D)
	sh contrib/embed-sql $(sort $(wildcard sql/[0-9][0-9][0-9]_*.sql)) > $@

$(B)/sql_migrations.o: $(B)/sql_migrations.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/%: tests/unit/%.c $(TESTLIB_OBJ) $(B)/librc.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(TESTLIB_OBJ) $(B)/librc.a $(TESTLIBS)

$(B)/tests/%: tests/integration/%.c $(TESTLIB_OBJ) $(B)/librc.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(TESTLIB_OBJ) $(B)/librc.a $(TESTLIBS)

$(B)/%: contrib/tools/%.c $(B)/librc.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/librc.a $(LIBS)

# rc-gen's header-only parts (contrib/tools/gen/) rebuild it when they change.
$(B)/rc-gen: $(wildcard contrib/tools/gen/*.h)

deps:
	@sh contrib/install-deps

# Fast loop: pure-logic suites, no servers.
unit: all $(UNIT_BIN)
	@sh tests/run-suites $(UNIT_BIN)

# Integration suites, inside a harness that starts and always stops
# PostgreSQL, Dovecot and an SMTP sink on loopback.
integration: all $(ITEST_BIN)
	@RC_BIN=$(abspath $(B)/replyclock) tests/harness/with-servers sh tests/run-suites $(ITEST_BIN)

check: deps
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory render-check
	@$(MAKE) --no-print-directory integration

# The report's HTML rendered by headless Chromium: the screenshot must show
# the tables and the chart colours (tests/render-screenshot checks the PNG).
render-check: $(B)/tests/test_render
	@sh tests/render-screenshot $(B)/report-sample.png

asan-check: deps
	@$(MAKE) --no-print-directory B=build-asan \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" unit integration

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/replyclock/holidays \
	  $(DESTDIR)$(PREFIX)/share/doc/replyclock $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(B)/replyclock $(DESTDIR)$(PREFIX)/bin/replyclock
	install -m 0644 contrib/replyclock.conf.example $(DESTDIR)$(PREFIX)/share/doc/replyclock/
	install -m 0644 contrib/holidays/*.ics $(DESTDIR)$(PREFIX)/share/replyclock/holidays/
	install -m 0644 contrib/man/replyclock.1 $(DESTDIR)$(PREFIX)/share/man/man1/replyclock.1

demo: deps all
	@sh contrib/demo/run

demo-stop:
	@sh contrib/demo/run stop

bench: all
	@sh contrib/bench/run

fuzz: all
	@sh contrib/fuzz/run

clean:
	rm -rf build build-asan replyclock

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(TESTLIB_OBJ:.o=.d)
