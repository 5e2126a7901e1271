# clarky_activity: PGXS build
EXTENSION = clarky_activity
EXTVERSION = 1.0.0
MODULE_big = clarky_activity

OBJS = \
	src/clarky_activity.o \
	src/activity_id.o \
	src/iso8601.o \
	src/payload.o \
	src/render.o \
	src/timeline.o \
	src/log_activity.o \
	src/ulid.o \
	src/workspace.o

DATA = $(wildcard sql/$(EXTENSION)--*.sql)

PG_CONFIG ?= pg_config
PG_CFLAGS += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)
