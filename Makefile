# rulepack. `make` builds build/rulepack; `make run` checks rules/ and compiles it into out/;
# `make test` builds and runs every test (unit suites, golden files, corpus expectations);
# `make test-san` the same under AddressSanitizer + UndefinedBehaviorSanitizer.
# See README.md for the rest (bench, fuzz, check-out, install).

CC       ?= cc
BUILD    ?= build
PREFIX   ?= /usr/local
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
WARN      = -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -Icompiler -I$(BUILD)/gen
LDLIBS    = -lcyaml -lyaml -ljansson -lpcre2-8 -lm

COMPILER_SRC = $(sort $(wildcard compiler/*.c))
LIB_SRC      = $(filter-out compiler/main.c,$(COMPILER_SRC))
LIB_OBJ      = $(patsubst compiler/%.c,$(BUILD)/obj/%.o,$(LIB_SRC)) $(BUILD)/obj/schema_data.o $(BUILD)/obj/runtime_data.o
RUNTIME_SRC  = $(sort $(wildcard compiler/runtime/*.c))
RUNTIME_OBJ  = $(patsubst compiler/runtime/%.c,$(BUILD)/obj/runtime/%.o,$(RUNTIME_SRC))
TEST_SRC     = $(sort $(wildcard tests/test_*.c))
TEST_BIN     = $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
SCHEMA_FILES = $(sort $(wildcard schema/*.yaml))
# rp_limits.h goes with the runtime: it holds the runtime's limits too (one header for all)
RUNTIME_FILES = $(sort $(wildcard compiler/runtime/*.c compiler/runtime/*.h) compiler/rp_limits.h)

.DEFAULT_GOAL := all
-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/obj/runtime/*.d $(BUILD)/tests/*.d)

.PHONY: all deps run test test-san test-unit test-valgrind check-out bench fuzz install clean docs format

all: $(BUILD)/rulepack

deps:
	@sh tools/deps.sh

$(BUILD)/obj/%.o: compiler/%.c | $(BUILD)/obj/runtime
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/runtime/%.o: compiler/runtime/%.c | $(BUILD)/obj/runtime
	$(CC) $(ALL_CFLAGS) -Icompiler/runtime -MMD -MP -c $< -o $@

$(BUILD)/obj/runtime:
	@mkdir -p $@ $(BUILD)/gen $(BUILD)/tests

# The YAML files of schema/ are embedded in the binary: a small tool writes them as C byte arrays.
$(BUILD)/embed: tools/embed.c | $(BUILD)/obj/runtime
	$(CC) -std=c11 $(WARN) -O2 $< -o $@

$(BUILD)/gen/schema_data.c: $(BUILD)/embed $(SCHEMA_FILES)
	$(BUILD)/embed rp_embedded_schema $(SCHEMA_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/schema_data.o: $(BUILD)/gen/schema_data.c
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The runtime that generated matchers include is embedded too, so an installed rulepack can
# write out/c/ without the source tree.
$(BUILD)/gen/runtime_data.c: $(BUILD)/embed $(RUNTIME_FILES)
	$(BUILD)/embed rp_embedded_runtime $(RUNTIME_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/runtime_data.o: $(BUILD)/gen/runtime_data.c
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/librulepack.a: $(LIB_OBJ) $(RUNTIME_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/rulepack: $(BUILD)/obj/main.o $(BUILD)/librulepack.a
	$(CC) $(ALL_CFLAGS) $^ $(LDLIBS) -o $@

# -MMD: a suite is rebuilt when a header it includes changes (test_regress includes fuzz_util.h)
$(BUILD)/tests/%: tests/%.c tests/test_util.h $(BUILD)/librulepack.a
	$(CC) $(ALL_CFLAGS) -Itests -Icompiler/runtime -MMD -MP -MF $@.d $< $(BUILD)/librulepack.a $(LDLIBS) -lcunit -o $@

# The two commands of the README.
run: deps $(BUILD)/rulepack
	$(BUILD)/rulepack check rules/
	$(BUILD)/rulepack build -o out rules/

test: deps
	@$(MAKE) --no-print-directory test-unit

test-unit: $(BUILD)/rulepack $(TEST_BIN)
	@BUILD=$(BUILD) sh tests/run.sh $(TEST_BIN)

test-san:
	@$(MAKE) --no-print-directory BUILD=build-san CC=clang CFLAGS="-O1 -g $(SAN_FLAGS)" test-unit

test-valgrind: $(BUILD)/rulepack $(TEST_BIN)
	@BUILD=$(BUILD) VALGRIND=1 sh tests/run.sh $(TEST_BIN)

check-out: $(BUILD)/rulepack
	@sh tools/check-out.sh $(BUILD)/rulepack

bench: $(BUILD)/rulepack
	@sh tests/bench-check/run.sh $(BUILD)
	@if [ -f tests/bench/run.sh ]; then sh tests/bench/run.sh $(BUILD); fi

fuzz:
	@$(MAKE) --no-print-directory -f tests/fuzz/Makefile FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60) FUZZ_FLAGS="$(FUZZ_FLAGS)"

docs: $(BUILD)/rulepack
	$(BUILD)/rulepack codes --markdown > docs/diagnostics.md

format:
	clang-format -i compiler/*.c compiler/*.h compiler/runtime/*.c compiler/runtime/*.h tests/*.c tests/*.h

install: $(BUILD)/rulepack
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/rulepack $(DESTDIR)$(PREFIX)/bin/rulepack

clean:
	rm -rf build build-san build-clang build-fuzz
