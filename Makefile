# clarky_activity: PGXS build
EXTENSION = clarky_activity
# The version is written once, in the control file
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'$$/\1/p" $(EXTENSION).control)
MODULE_big = clarky_activity

OBJS = \
	src/clarky_activity.o \
	src/activity.o \
	src/activity_counts.o \
	src/activity_id.o \
	src/api_key.o \
	src/http_api.o \
	src/iso8601.o \
	src/json_out.o \
	src/links.o \
	src/payload.o \
	src/plans.o \
	src/render.o \
	src/timeline.o \
	src/log_activity.o \
	src/ulid.o \
	src/validate.o \
	src/workspace.o

DATA = $(wildcard sql/$(EXTENSION)--*.sql)
# From 1.4.0 on, the full install script and the one-step updates, made
# from sql/ without the frozen scripts' NOTIFY, which Citus cannot prepare
# (the script says why)
SQL_BUILT_DIR = sql/built
DATA_built = $(shell scripts/sql_scripts.sh list $(SQL_BUILT_DIR))

PG_CONFIG ?= pg_config
PG_CPPFLAGS += -DCLARKY_VERSION='"$(EXTVERSION)"'
# Warnings: -Wall -Wextra, less -Wunused-parameter, which PostgreSQL's own
# headers (bufpage.h, ilist.h) and every callback's signature trip.
# WERROR=1 makes them errors: CI builds so (scripts/lib.sh, build_install).
PG_CFLAGS += -Wall -Wextra -Wno-unused-parameter
ifdef WERROR
PG_CFLAGS += -Werror
endif

# META.json, for PGXN, from its template and the version
EXTRA_CLEAN = META.json $(EXTENSION)-*.zip $(SQL_BUILT_DIR)

# PGXS's installcheck runs pg_regress, which has no tests here: ours, below,
# runs the pgTAP suite
NO_INSTALLCHECK = 1

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

all: META.json

$(DATA_built): $(SQL_BUILT_DIR)/.made ;
$(SQL_BUILT_DIR)/.made: $(wildcard sql/$(EXTENSION)--*.sql) scripts/sql_scripts.sh
	scripts/sql_scripts.sh write $(SQL_BUILT_DIR)
	touch $@

META.json: META.json.in $(EXTENSION).control
	sed 's/@VERSION@/$(EXTVERSION)/g' $< >$@

# The PGXN distribution of HEAD: the tracked files and META.json
.PHONY: dist
dist: META.json
	git archive --format zip --prefix=$(EXTENSION)-$(EXTVERSION)/ \
		--add-file=META.json -o $(EXTENSION)-$(EXTVERSION).zip HEAD

# The pgTAP suite with pg_prove, against the running server that the libpq
# variables name (PGHOST, PGPORT, PGUSER, ...), after make install, as a
# superuser: it drops and creates the database CLARKY_TEST_DB (UTF8, from
# template0; NO_LOCALE=1 makes its locale C), creates pgtap and
# clarky_activity in it, and runs TESTS (every test/pgtap/*.sql, in order)
# with pg_prove and PROVE_FLAGS. Fails if any test fails.
#   make installcheck TESTS=test/pgtap/040_validation.sql PROVE_FLAGS=--verbose
CLARKY_TEST_DB ?= clarky_installcheck
TESTS = $(sort $(wildcard test/pgtap/*.sql))
PG_PROVE ?= pg_prove
installcheck_psql = $(bindir)/psql -X -q -v ON_ERROR_STOP=1 -d '$(CLARKY_TEST_DB)'

installcheck:
	@command -v $(PG_PROVE) >/dev/null || { echo "$(PG_PROVE) not found: make installcheck needs pgTAP's pg_prove (Debian: libtap-parser-sourcehandler-pgtap-perl)" >&2; exit 1; }
	$(bindir)/dropdb --if-exists '$(CLARKY_TEST_DB)'
	$(bindir)/createdb --template=template0 --encoding=UTF8 $(if $(NO_LOCALE),--locale=C) '$(CLARKY_TEST_DB)'
	$(installcheck_psql) -c 'CREATE EXTENSION pgtap SCHEMA public' -c 'CREATE EXTENSION $(EXTENSION)'
	PGCLIENTENCODING=UTF8 $(PG_PROVE) --psql-bin $(bindir)/psql -d '$(CLARKY_TEST_DB)' $(PROVE_FLAGS) $(TESTS)

# Unit tests of the server-independent C code, under ASan and UBSan
UNIT_CC ?= gcc
UNIT_CFLAGS = -std=c99 -Wall -Wextra -Werror -g -O1 -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -Isrc

UNIT_SOURCES = src/iso8601.c src/json_out.c src/ulid.c src/validate.c

test/unit/unit_test: test/unit/unit_test.c $(UNIT_SOURCES) $(UNIT_SOURCES:.c=.h) src/activity_fields.h
	$(UNIT_CC) $(UNIT_CFLAGS) -o $@ test/unit/unit_test.c $(UNIT_SOURCES)

# The fuzzing harnesses built as plain drivers (no libFuzzer, see
# test/fuzz/README.md): they replay their seed corpus and saved regressions
FUZZ_HARNESSES = $(basename $(notdir $(wildcard test/fuzz/fuzz_*.c)))
FUZZ_REPLAYERS = $(FUZZ_HARNESSES:%=test/fuzz/%_replay)

test/fuzz/%_replay: test/fuzz/%.c test/fuzz/fuzz_common.h $(UNIT_SOURCES) $(UNIT_SOURCES:.c=.h) src/activity_fields.h
	$(UNIT_CC) $(UNIT_CFLAGS) -o $@ $< $(UNIT_SOURCES)

.PHONY: unittest fuzz
unittest: test/unit/unit_test $(FUZZ_REPLAYERS)
	@status=0; ./test/unit/unit_test || status=1; \
	for h in $(FUZZ_HARNESSES); do \
		./test/fuzz/$${h}_replay test/fuzz/corpus/$$h test/fuzz/regressions/$$h || status=1; \
	done; exit $$status

# Coverage-guided fuzzing with libFuzzer, FUZZ_SECONDS (default 60) per harness
fuzz:
	./scripts/fuzz.sh $(FUZZ_SECONDS)
