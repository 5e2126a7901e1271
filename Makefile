# clarky_activity: PGXS build
EXTENSION = clarky_activity
EXTVERSION = 1.0.0
MODULE_big = clarky_activity

OBJS = \
	src/clarky_activity.o \
	src/activity_counts.o \
	src/activity_id.o \
	src/api_key.o \
	src/http_api.o \
	src/iso8601.o \
	src/json_out.o \
	src/payload.o \
	src/render.o \
	src/timeline.o \
	src/log_activity.o \
	src/ulid.o \
	src/validate.o \
	src/workspace.o

DATA = $(wildcard sql/$(EXTENSION)--*.sql)

PG_CONFIG ?= pg_config
PG_CFLAGS += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Unit tests of the server-independent C code, under ASan and UBSan
UNIT_CC ?= gcc
UNIT_CFLAGS = -std=c99 -Wall -Wextra -Werror -g -O1 -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -Isrc

UNIT_SOURCES = src/iso8601.c src/json_out.c src/ulid.c src/validate.c

test/unit/unit_test: test/unit/unit_test.c $(UNIT_SOURCES) $(UNIT_SOURCES:.c=.h)
	$(UNIT_CC) $(UNIT_CFLAGS) -o $@ test/unit/unit_test.c $(UNIT_SOURCES)

.PHONY: unittest
unittest: test/unit/unit_test
	./test/unit/unit_test
