# hallq: one Makefile for every program, test and benchmark. See README.md.
include config.mk

SAN_FLAGS = $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer)
ALL_CFLAGS = $(CFLAGS) $(SAN_FLAGS) -Iqueue -MMD -MP -DHQ_VERSION='"$(VERSION)"'
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS)

# Every library through pkg-config; the deps step installs the packages they come from.
PC = $(shell $(PKG_CONFIG) --cflags --libs $(1) 2>/dev/null)
SQLITE_LIBS = $(call PC,sqlite3)
INIH_LIBS = $(call PC,inih)
CMOCKA_LIBS = $(call PC,cmocka)
JANSSON_LIBS = $(call PC,jansson)
MHD_LIBS = $(call PC,libmicrohttpd)
CURL_LIBS = $(call PC,libcurl)

# The queue library: the hall's rules and the only SQL.
LIB = $(BUILD)/libhallq.a
LIB_SRC = $(wildcard queue/*.c)
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB_LIBS = $(SQLITE_LIBS) $(INIH_LIBS) -lm

PROGS = $(BUILD)/hallq $(BUILD)/hallqd
UNIT_TESTS = $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c))
BENCHES = $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/bench_*.c))

all: $(PROGS)

deps:
	@tools/install-deps

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/hallq: $(BUILD)/cli/hallq.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(JANSSON_LIBS)

# hallqd: the hall server.
SERVER_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard server/*.c))
$(BUILD)/hallqd: $(SERVER_OBJ) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(MHD_LIBS) $(JANSSON_LIBS) -lpthread

# Tests link the real library; tests/support.c has the shared fixtures (fake clock, temp dirs).
TEST_SUPPORT = $(BUILD)/tests/support.o
$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TEST_SUPPORT) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(CMOCKA_LIBS)

# The server's integration driver: a client of hallqd over HTTP (libcurl).
SERVER_TESTS = $(BUILD)/tests/server/test_hallqd
$(BUILD)/tests/server/test_hallqd: $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/server/*.c)) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(CURL_LIBS) $(JANSSON_LIBS) -lpthread

# The counter unit's firmware (firmware-proto/fw, portable C99) built for the host: its
# cmocka tests link the firmware objects instead of the queue library, and hallq-unit-sim
# runs simulated units on a pty, a serial port or Modbus TCP.
FW_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard firmware-proto/fw/*.c))
FW_SIM = $(BUILD)/hallq-unit-sim
$(FW_OBJ): ALL_CFLAGS += -std=c99 -pedantic
$(BUILD)/tests/test_fw_%.o: ALL_CFLAGS += -Ifirmware-proto/fw
$(BUILD)/firmware-proto/sim/%.o: ALL_CFLAGS += -Ifirmware-proto/fw
$(BUILD)/tests/test_fw_%: $(BUILD)/tests/test_fw_%.o $(FW_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)
$(FW_SIM): $(BUILD)/firmware-proto/sim/hallq-unit-sim.o $(FW_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS)

tests: $(PROGS) $(UNIT_TESTS) $(SERVER_TESTS) $(FW_SIM)

test: deps
	@$(MAKE) --no-print-directory tests
	@BUILD=$(BUILD) tests/run

bench: deps
	@$(MAKE) --no-print-directory $(PROGS) $(BENCHES)
	@BUILD=$(BUILD) bench/run

run: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tools/run-hall

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/halls
	cp -f $(PROGS) $(DESTDIR)$(BINDIR)/
	cp -f assets/halls/*.ini $(DESTDIR)$(DATADIR)/halls/

uninstall:
	rm -f $(PROGS:$(BUILD)/%=$(DESTDIR)$(BINDIR)/%)
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-san

.PHONY: all deps tests test bench run install uninstall clean
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
