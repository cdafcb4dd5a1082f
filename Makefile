# Loupe — a terminal workbench for ONNX models.
#
#   make run     install what is missing, build, open the workbench on a sample
#   make test    the whole suite: unit, CLI, conformance, terminal, and again
#                under AddressSanitizer + UBSan
#   make bench   timings against onnxruntime (not a test)
#
# BUILD selects the build folder, so plain and sanitizer builds live side by side.

BUILD    ?= build
PREFIX   ?= /usr/local
SAN      ?=
OPT      ?= -O2
SHARED   ?= ../shared

DEB_PACKAGES := build-essential pkg-config libncurses-dev libprotobuf-c-dev protobuf-c-compiler \
                libcjson-dev libzip-dev libgraphviz-dev libopenblas-dev libonnx-dev \
                libpng-dev libjpeg-dev libtiff-dev libwebp-dev libopenjp2-7-dev \
                tmux libxml2-utils graphviz
PKGS     := ncursesw libprotobuf-c libcjson libzip libgvc openblas \
            libpng libjpeg libtiff-4 libwebp libopenjp2
ONNX_PROTO_DIR ?= /usr/include

CC       ?= cc
WARN     := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-format-truncation
CPPFLAGS += -I. -I$(BUILD)/gen -D_DEFAULT_SOURCE -D_GNU_SOURCE -MMD -MP
CFLAGS   += -std=c11 $(OPT) -g $(WARN) -fno-strict-aliasing -fno-math-errno
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDLIBS   += $(PKG_LIBS) -lm -lpthread

ifeq ($(SAN),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif

GEN_SRC  := $(BUILD)/gen/onnx/onnx.pb-c.c $(BUILD)/gen/onnx_data.pb-c.c
GEN_HDR  := $(GEN_SRC:.c=.h)
GEN_OBJ  := $(GEN_SRC:.c=.o)

MODEL_SRC := $(sort $(wildcard model/*.c model/*/*.c))
OPS_SRC   := $(sort $(wildcard ops/*.c ops/*/*.c))
VIZ_SRC   := $(sort $(wildcard viz/*.c viz/*/*.c))
TUI_SRC   := $(sort $(filter-out tui/main.c,$(wildcard tui/*.c tui/*/*.c)))
UNIT_SRC  := $(sort $(wildcard tests/unit/*.c))
SAMPLE_SRC := $(sort $(wildcard samples/*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
MODEL_OBJ := $(call obj,$(MODEL_SRC))
OPS_OBJ   := $(call obj,$(OPS_SRC))
VIZ_OBJ   := $(call obj,$(VIZ_SRC))
TUI_OBJ   := $(call obj,$(TUI_SRC))
UNIT_OBJ  := $(call obj,$(UNIT_SRC))
SAMPLE_OBJ := $(call obj,$(SAMPLE_SRC))
LIBS      := $(BUILD)/libloupe_tui.a $(BUILD)/libloupe_viz.a $(BUILD)/libloupe_ops.a $(BUILD)/libloupe_model.a

BIN := $(if $(filter build,$(BUILD)),loupe,$(BUILD)/loupe)

.PHONY: all deps run test check-asan unit bench install clean samples format
.DEFAULT_GOAL := all

all: $(BIN) samples

# ---- dependencies: install the Debian packages that are missing ----
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null || \
	  { echo "loupe: could not install:$$missing" >&2; exit 1; }; \
	fi

# ---- generated protobuf bindings (never committed) ----
$(BUILD)/gen/onnx/onnx.pb-c.c $(BUILD)/gen/onnx/onnx.pb-c.h: $(ONNX_PROTO_DIR)/onnx/onnx.proto
	@mkdir -p $(BUILD)/gen
	protoc-c -I$(ONNX_PROTO_DIR) --c_out=$(BUILD)/gen onnx/onnx.proto

$(BUILD)/gen/onnx_data.pb-c.c $(BUILD)/gen/onnx_data.pb-c.h: model/onnx_data.proto $(BUILD)/gen/onnx/onnx.pb-c.h
	protoc-c -I$(ONNX_PROTO_DIR) -Imodel --c_out=$(BUILD)/gen model/onnx_data.proto

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c $(GEN_HDR)
	@echo "CC $<"
	@$(CC) $(CPPFLAGS) -std=c11 $(OPT) -g -w $(filter -fsanitize%,$(CFLAGS)) $(PKG_CFLAGS) -c $< -o $@

# ---- objects and layer libraries ----
$(BUILD)/obj/%.o: %.c | $(GEN_HDR)
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/libloupe_model.a: $(MODEL_OBJ) $(GEN_OBJ)
	@rm -f $@; ar rcs $@ $^
$(BUILD)/libloupe_ops.a: $(OPS_OBJ)
	@rm -f $@; ar rcs $@ $^
$(BUILD)/libloupe_viz.a: $(VIZ_OBJ)
	@rm -f $@; ar rcs $@ $^
$(BUILD)/libloupe_tui.a: $(TUI_OBJ)
	@rm -f $@; ar rcs $@ $^

$(BIN): $(call obj,tui/main.c) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(LDLIBS)

$(BUILD)/unit_tests: $(UNIT_OBJ) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(LIBS) $(LDLIBS)

$(BUILD)/make_samples: $(SAMPLE_OBJ) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $(SAMPLE_OBJ) $(LIBS) $(LDLIBS)

# ---- samples: made by the project's own code ----
# The stamp remakes them when the generator or the data change; the loop
# when one of them was deleted.
SAMPLE_NAMES := diabetes_regression iris_classification iris_kmeans digits_cnn iris_forest
SAMPLE_OUT := $(foreach s,$(SAMPLE_NAMES),samples/$(s).onnx samples/$(s).zip) \
              $(foreach d,0 1 2 3 4 5 6 7 8 9,samples/images/digit_$(d).png)
samples: $(if $(SAMPLE_SRC),samples/.made)
	@for f in $(if $(SAMPLE_SRC),$(SAMPLE_OUT)); do [ -f $$f ] || \
	  { $(BUILD)/make_samples samples && touch samples/.made; break; }; done
samples/.made: $(BUILD)/make_samples $(wildcard samples/data/*)
	$(BUILD)/make_samples samples
	@touch $@

# ---- the two commands of the README ----
run: deps
	@$(MAKE) --no-print-directory all
	./loupe samples/diabetes_regression.zip

test: deps
	@$(MAKE) --no-print-directory all $(BUILD)/unit_tests
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 OPT=-O1 build-asan/loupe build-asan/unit_tests
	@SHARED=$(SHARED) sh tests/run.sh

check-asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 OPT=-O1 build-asan/loupe build-asan/unit_tests
	@SHARED=$(SHARED) ONLY=asan sh tests/run.sh

unit: $(BUILD)/unit_tests
	$(BUILD)/unit_tests

bench: deps all
	@SHARED=$(SHARED) sh tests/bench.sh

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/loupe
	@if [ -f doc/loupe.1 ]; then install -d $(DESTDIR)$(PREFIX)/share/man/man1 && \
	  install -m 644 doc/loupe.1 $(DESTDIR)$(PREFIX)/share/man/man1/loupe.1; fi

format:
	clang-format -i $(MODEL_SRC) $(OPS_SRC) $(VIZ_SRC) $(TUI_SRC) tui/main.c $(wildcard */*.h */*/*.h)

clean:
	rm -rf build build-asan loupe samples/.made $(SAMPLE_OUT) samples/*.records.json samples/images

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
