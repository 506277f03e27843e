# hallq: one Makefile for every program, test and benchmark. See README.md.
include config.mk

SAN_FLAGS = $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer)
ALL_CFLAGS = $(CFLAGS) $(SAN_FLAGS) -Icommon -MMD -MP -DHQ_VERSION='"$(VERSION)"'
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS)

# Every library through pkg-config; the deps step installs the packages they come from.
PC = $(shell $(PKG_CONFIG) --cflags --libs $(1) 2>/dev/null)
SQLITE_LIBS = $(call PC,sqlite3)
INIH_LIBS = $(call PC,inih)
CMOCKA_LIBS = $(call PC,cmocka)
JANSSON_LIBS = $(call PC,jansson)
MHD_LIBS = $(call PC,libmicrohttpd)
CURL_LIBS = $(call PC,libcurl)
MODBUS_LIBS = $(call PC,libmodbus)
SERIALPORT_LIBS = $(call PC,libserialport)
# gnutls (Debian's libgnutls28-dev, which libmicrohttpd-dev needs anyway): hallqd's session
# secrets (gnutls_rnd) and their sha256 (server/sessions.c).
GNUTLS_LIBS = $(call PC,gnutls)
# libsystemd (Debian's libsystemd-dev): sd_notify for hallqd and the gateway, which run as
# Type=notify services (common/service.c). Optional: without it they build and never notify.
SYSTEMD_LIBS = $(call PC,libsystemd)
$(BUILD)/common/service.o: ALL_CFLAGS += $(if $(SYSTEMD_LIBS),-DHQ_HAVE_SYSTEMD $(shell $(PKG_CONFIG) --cflags libsystemd))
# crypt(3) of libxcrypt (Debian's libcrypt-dev): the clerks' PINs, hashed (queue/clerk.c).
CRYPT_LIBS = $(call PC,libcrypt)

# The shared basics (common/): errors, clocks, local and ISO time, the log, the hall's
# configuration and vocabulary. No SQLite: every program links it.
COMMON = $(BUILD)/libhqcommon.a
COMMON_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard common/*.c))
COMMON_LIBS = $(INIH_LIBS) -lpthread -lm

# The queue library: the hall's rules and the only SQL. Only hallqd, hallq, the tests and
# the benches see its headers (-Iqueue) and link it, and with it SQLite.
LIB = $(BUILD)/libhallq.a $(COMMON)
LIB_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard queue/*.c))
LIB_LIBS = $(SQLITE_LIBS) $(CRYPT_LIBS) $(COMMON_LIBS)
$(LIB_OBJ): ALL_CFLAGS += -Iqueue
$(BUILD)/server/%.o $(BUILD)/cli/%.o $(BUILD)/tests/%.o $(BUILD)/bench/%.o: ALL_CFLAGS += -Iqueue

PROGS = $(BUILD)/hallq $(BUILD)/hallqd $(BUILD)/hallq-counter $(BUILD)/hallq-display $(BUILD)/hallq-kiosk \
	$(BUILD)/hallq-sim $(BUILD)/hallq-unit-sim $(BUILD)/hallq-printer-sim $(BUILD)/hallq-sync $(BUILD)/hallq-central
# The wall display's voice clips, which it needs to start (tools/make-voice).
VOICE = $(BUILD)/voice/.made
UNIT_TESTS = $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c))
BENCHES = $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/bench_*.c))

all: $(PROGS) $(VOICE)

deps:
	@tools/install-deps

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(COMMON): $(COMMON_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/libhallq.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# `hallq token new` makes tokens with hallqd's own reader of the tokens file (and gnutls).
$(BUILD)/hallq: $(patsubst %.c,$(BUILD)/%.o,$(wildcard cli/*.c)) $(BUILD)/server/tokens.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(JANSSON_LIBS) $(GNUTLS_LIBS)
$(BUILD)/cli/cmd_token.o: ALL_CFLAGS += -Iserver

# hallqd: the hall server. Every file under assets/web (the pages, their scripts and styles,
# vendored libraries) is compiled in, so that hallqd needs no asset path: tools/embed-web
# writes an assembler file that .incbin's each file's bytes and the table of paths, lengths
# and ETags (server/web.c). It runs again when a file there changes, or one is added or
# removed (its folder's time changes then).
WEB_ASSETS = $(shell find assets/web -type f -o -type d 2>/dev/null)
WEB_GEN = $(BUILD)/server/web_assets
SERVER_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard server/*.c)) $(WEB_GEN).o $(WEB_GEN)_data.o
$(BUILD)/hallqd: $(SERVER_OBJ) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(MHD_LIBS) $(GNUTLS_LIBS) $(JANSSON_LIBS) $(SYSTEMD_LIBS) -lpthread
# gnutls also hashes the tokens (tokens.c) and checks --tls-cert and --tls-key (tls.c).
$(BUILD)/server/sessions.o $(BUILD)/server/tokens.o $(BUILD)/server/tls.o: ALL_CFLAGS += $(shell $(PKG_CONFIG) --cflags gnutls 2>/dev/null)
$(WEB_GEN).c $(WEB_GEN).S &: $(WEB_ASSETS) tools/embed-web
	@mkdir -p $(dir $@)
	@tools/embed-web assets/web $(WEB_GEN)
$(WEB_GEN).o: $(WEB_GEN).c
	$(CC) $(ALL_CFLAGS) -Iserver -c -o $@ $<
$(WEB_GEN)_data.o: $(WEB_GEN).S
	$(CC) -c -o $@ $<

# hallq-central: the central view above the halls (docs/central.md), on libpq (Debian's
# libpq-dev) and libmicrohttpd. Its pages (central/web) are embedded as hallqd's are; it
# links common/ and never the queue library or SQLite (tests/layering.sh).
PQ_LIBS = $(call PC,libpq)
CENTRAL_WEB = $(shell find central/web -type f -o -type d 2>/dev/null)
# The folder is a prerequisite (a file added or removed changes its time); the empty rule
# keeps make from building a program "central/web" out of central/web.c.
central/web: ;
CENTRAL_GEN = $(BUILD)/central/web_assets
CENTRAL_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard central/*.c)) $(CENTRAL_GEN).o $(CENTRAL_GEN)_data.o
$(filter $(BUILD)/central/%,$(CENTRAL_OBJ)): ALL_CFLAGS += -Icentral $(shell $(PKG_CONFIG) --cflags libpq libmicrohttpd jansson gnutls 2>/dev/null)
$(BUILD)/hallq-central: $(CENTRAL_OBJ) $(COMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(COMMON_LIBS) $(PQ_LIBS) $(MHD_LIBS) $(JANSSON_LIBS) $(GNUTLS_LIBS) -lpthread
$(CENTRAL_GEN).c $(CENTRAL_GEN).S &: $(CENTRAL_WEB) tools/embed-web
	@mkdir -p $(dir $@)
	@tools/embed-web central/web $(CENTRAL_GEN) central.h hqc
$(CENTRAL_GEN).o: $(CENTRAL_GEN).c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<
$(CENTRAL_GEN)_data.o: $(CENTRAL_GEN).S
	$(CC) -c -o $@ $<

# The hallqd client (client/): every program but the server talks to hallqd through it.
CLIENT_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard client/*.c))
CLIENT_LIBS = $(CURL_LIBS) $(JANSSON_LIBS)
$(CLIENT_OBJ): ALL_CFLAGS += $(shell $(PKG_CONFIG) --cflags libcurl jansson 2>/dev/null)

# The serial line (serial/): libserialport for real ports, termios for ptys; the counter
# bus and the kiosk's ticket printer both use it.
SERIAL_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard serial/*.c))

# hallq-counter: the counter-bus gateway. It frames the plain protocol with the firmware's
# own code (libhqfw.a), so host and unit share every byte of the wire format.
COUNTER_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard counter/*.c))
COUNTER_LIBS = $(MODBUS_LIBS) $(SERIALPORT_LIBS) $(CLIENT_LIBS) -lpthread
$(COUNTER_OBJ): ALL_CFLAGS += -Iclient -Iserial -Ifirmware-proto/fw $(shell $(PKG_CONFIG) --cflags libmodbus 2>/dev/null)
$(BUILD)/hallq-counter: $(COUNTER_OBJ) $(SERIAL_OBJ) $(CLIENT_OBJ) $(COMMON) $(BUILD)/libhqfw.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(COMMON_LIBS) $(COUNTER_LIBS) $(SYSTEMD_LIBS)

# hallq-display: the lobby wall display (SDL2, SDL2_ttf, SDL2_mixer, SDL2_image, fontconfig).
# Its voice clips are made with espeak-ng into $(BUILD)/voice where assets/voice has none.
SDL_PKGS = sdl2 SDL2_ttf SDL2_mixer SDL2_image fontconfig
SDL_LIBS = $(call PC,$(SDL_PKGS))
# The screen (ui/), shared by the wall display and the kiosk: the SDL renderer, its text
# cache and PNG shots, and their common start-up (signals, SDL, the window).
UI_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard ui/*.c))
$(UI_OBJ): ALL_CFLAGS += $(shell $(PKG_CONFIG) --cflags $(SDL_PKGS) 2>/dev/null)
# ui/app.c, the two programs' start-up, logs a failed screenshot with the clients' log.
$(BUILD)/ui/app.o: ALL_CFLAGS += -Iclient
DISPLAY_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard display/*.c))
DISPLAY_LIB_OBJ = $(filter-out $(BUILD)/display/main.o,$(DISPLAY_OBJ)) $(UI_OBJ)
$(DISPLAY_OBJ): ALL_CFLAGS += -Iclient -Iui $(shell $(PKG_CONFIG) --cflags $(SDL_PKGS) libcurl jansson 2>/dev/null)
$(BUILD)/hallq-display: $(DISPLAY_OBJ) $(UI_OBJ) $(CLIENT_OBJ) $(COMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(COMMON_LIBS) $(SDL_LIBS) $(CLIENT_LIBS) -lpthread -lm
$(BUILD)/display/main.o: ALL_CFLAGS += -DHQ_DATADIR='"$(DATADIR)"'
$(VOICE): tools/make-voice
	@tools/make-voice $(BUILD)/voice
	@touch $@
$(BUILD)/tests/test_display_%.o: ALL_CFLAGS += -Idisplay -Iui -Iclient $(shell $(PKG_CONFIG) --cflags $(SDL_PKGS) 2>/dev/null)
$(BUILD)/tests/test_display_%: $(BUILD)/tests/test_display_%.o $(DISPLAY_LIB_OBJ) $(CLIENT_OBJ) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(SDL_LIBS) $(CLIENT_LIBS) $(CMOCKA_LIBS) -lpthread -lm

# The kiosk's ticket printer: ESC/POS bytes (escpos.c) sent over the serial line or to a
# file (printer.c), and the ticket's PNG preview (preview.c, SDL_ttf and libqrencode).
QRENCODE_LIBS = $(call PC,libqrencode)
KIOSK_PRINT_OBJ = $(BUILD)/kiosk/printer.o $(BUILD)/kiosk/escpos.o $(BUILD)/kiosk/preview.o
KIOSK_PRINT_LIBS = $(SDL_LIBS) $(QRENCODE_LIBS) $(SERIALPORT_LIBS)
$(KIOSK_PRINT_OBJ): ALL_CFLAGS += -Iserial $(shell $(PKG_CONFIG) --cflags $(SDL_PKGS) libqrencode 2>/dev/null)
# hallq-printer-sim: a simulated ESC/POS printer on a pty, for tests; its decoder
# (kiosk/sim/escpos_decode.c) also serves the printer's tests.
PRINTER_SIM = $(BUILD)/hallq-printer-sim
PRINTER_DECODE_OBJ = $(BUILD)/kiosk/sim/escpos_decode.o
$(PRINTER_SIM): $(BUILD)/kiosk/sim/hallq-printer-sim.o $(PRINTER_DECODE_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^
$(BUILD)/tests/test_kiosk_printer.o: ALL_CFLAGS += -Ikiosk -Ikiosk/sim -Iserial $(shell $(PKG_CONFIG) --cflags $(SDL_PKGS) libqrencode jansson 2>/dev/null)
$(BUILD)/tests/test_kiosk_printer: $(BUILD)/tests/test_kiosk_printer.o $(KIOSK_PRINT_OBJ) $(PRINTER_DECODE_OBJ) $(SERIAL_OBJ) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(KIOSK_PRINT_LIBS) $(JANSSON_LIBS) $(CMOCKA_LIBS)
# hallq-kiosk: the touch ticket kiosk. Its screens draw with ui/, its printer is the above.
KIOSK_OBJ = $(filter-out $(KIOSK_PRINT_OBJ),$(patsubst %.c,$(BUILD)/%.o,$(wildcard kiosk/*.c)))
$(KIOSK_OBJ): ALL_CFLAGS += -Iclient -Iui -Iserial $(shell $(PKG_CONFIG) --cflags $(SDL_PKGS) libqrencode libcurl jansson 2>/dev/null)
$(BUILD)/hallq-kiosk: $(KIOSK_OBJ) $(KIOSK_PRINT_OBJ) $(UI_OBJ) $(SERIAL_OBJ) $(CLIENT_OBJ) $(COMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(COMMON_LIBS) $(KIOSK_PRINT_LIBS) $(CLIENT_LIBS) -lpthread -lm
$(BUILD)/tests/test_kiosk_spool.o: ALL_CFLAGS += -Ikiosk -Iclient -Iserial $(shell $(PKG_CONFIG) --cflags $(SDL_PKGS) jansson 2>/dev/null)
$(BUILD)/tests/test_kiosk_spool: $(BUILD)/tests/test_kiosk_spool.o $(BUILD)/kiosk/spool.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(JANSSON_LIBS) $(CMOCKA_LIBS)

# Tests link the real library; tests/support.c has the shared fixtures (fake clock, temp dirs).
TEST_SUPPORT = $(BUILD)/tests/support.o
$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TEST_SUPPORT) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(CMOCKA_LIBS)

# hallqd's transport security and tokens at rest (server/tls.c, server/tokens.c), with
# reply.c for the answer to a refused token.
TLS_TEST_OBJ = $(BUILD)/server/tls.o $(BUILD)/server/tokens.o $(BUILD)/server/reply.o
$(BUILD)/tests/test_tls.o: ALL_CFLAGS += -Iserver
$(BUILD)/tests/test_tls: $(BUILD)/tests/test_tls.o $(TLS_TEST_OBJ) $(TEST_SUPPORT) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(GNUTLS_LIBS) $(JANSSON_LIBS) $(CMOCKA_LIBS) -lpthread

# The server's integration driver: a client of hallqd over HTTP (libcurl), which also
# checks the hall snapshot the hallqd client (client/) makes of the server's answer.
SERVER_TESTS = $(BUILD)/tests/server/test_hallqd
$(BUILD)/tests/server/%.o: ALL_CFLAGS += -Iclient
$(BUILD)/tests/server/test_hallqd: $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/server/*.c)) $(CLIENT_OBJ) $(LIB)
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
# The gateway's rules tested against the firmware's unit logic behind a fake bus.
$(BUILD)/tests/test_counter_%.o: ALL_CFLAGS += -Icounter -Ifirmware-proto/fw
$(BUILD)/tests/test_counter_gateway: $(BUILD)/tests/test_counter_gateway.o $(BUILD)/counter/gateway.o $(BUILD)/libhqfw.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)
# hallq-relay: a virtual RS-485 line's faults and real-rate pacing, for tests and benches.
RELAY = $(BUILD)/tests/hallq-relay
$(RELAY): $(BUILD)/tests/tools/hallq-relay.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^
$(BUILD)/libhqfw.a: $(FW_OBJ)
	@rm -f $@
	ar rcs $@ $^

# Benchmarks link the library and bench/common.o, the helpers they share (clock,
# percentiles, their directory, the processes they start and their logs). bench_counter
# and bench_display also run a hallqd of their own and talk to it with the hallqd client
# (bench/hall.o), and drive the gateway, the simulated units and the paced line, or the
# wall display under Xvfb, so `make bench` builds those programs too.
BENCH_COMMON = $(BUILD)/bench/common.o
BENCH_HALL = $(BUILD)/bench/hall.o $(CLIENT_OBJ)
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(BENCH_COMMON) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS)
$(BUILD)/bench/hall.o $(BUILD)/bench/bench_counter.o $(BUILD)/bench/bench_display.o: ALL_CFLAGS += -Iclient $(shell $(PKG_CONFIG) --cflags libcurl jansson 2>/dev/null)
$(BUILD)/bench/bench_counter: $(BUILD)/bench/bench_counter.o $(BENCH_COMMON) $(BENCH_HALL) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(CLIENT_LIBS) -lpthread
$(BUILD)/bench/bench_display: $(BUILD)/bench/bench_display.o $(BENCH_COMMON) $(BENCH_HALL) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(CLIENT_LIBS) -lpthread
# bench_central: 50 halls into the central PostgreSQL (libpq), with no queue library.
$(BUILD)/bench/bench_central.o: ALL_CFLAGS += $(shell $(PKG_CONFIG) --cflags libpq 2>/dev/null)
$(BUILD)/bench/bench_central: $(BUILD)/bench/bench_central.o $(BENCH_COMMON) $(COMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(COMMON_LIBS) $(PQ_LIBS)
# bench_limits: one client's abuse of hallqd against a kiosk's and a counter's latency.
$(BUILD)/bench/bench_limits.o: ALL_CFLAGS += -Iclient $(shell $(PKG_CONFIG) --cflags libcurl jansson 2>/dev/null)
$(BUILD)/bench/bench_limits: $(BUILD)/bench/bench_limits.o $(BENCH_COMMON) $(BENCH_HALL) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(CLIENT_LIBS) -lpthread
# bench_kiosk touches the kiosk through XTest (libX11, libXtst) and is its printer on a pty.
$(BUILD)/bench/bench_kiosk.o: ALL_CFLAGS += -Iclient $(shell $(PKG_CONFIG) --cflags libcurl jansson x11 xtst 2>/dev/null)
$(BUILD)/bench/bench_kiosk: $(BUILD)/bench/bench_kiosk.o $(BENCH_COMMON) $(BENCH_HALL) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(CLIENT_LIBS) $(call PC,x11 xtst) -lutil -lpthread

# hallq-sync: forwards the hall's events to the central PostgreSQL (docs/central.md), with
# the hallqd client and libpq (Debian's libpq-dev). Below the server: no SQLite.
SYNC_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard sync/*.c))
PQ_LIBS = $(call PC,libpq)
$(SYNC_OBJ): ALL_CFLAGS += -Iclient $(shell $(PKG_CONFIG) --cflags libpq libcurl jansson 2>/dev/null)
$(BUILD)/hallq-sync: $(SYNC_OBJ) $(CLIENT_OBJ) $(COMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(COMMON_LIBS) $(PQ_LIBS) $(CLIENT_LIBS) -lpthread

# hallq-sim: a simulated day through the real programs (docs/sim.md). It talks to hallqd
# with the hallqd client and reads the hall config with the queue library's parser; its
# model of the day and its record of it (sim/model.c, sim/record.c) are unit-tested apart.
SIM_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard sim/*.c))
$(SIM_OBJ): ALL_CFLAGS += -Iclient $(shell $(PKG_CONFIG) --cflags libcurl jansson 2>/dev/null)
$(BUILD)/hallq-sim: $(SIM_OBJ) $(CLIENT_OBJ) $(COMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(COMMON_LIBS) $(CLIENT_LIBS) -lpthread -lm
$(BUILD)/tests/test_sim_%.o: ALL_CFLAGS += -Isim -Iclient $(shell $(PKG_CONFIG) --cflags jansson 2>/dev/null)
$(BUILD)/tests/test_sim_%: $(BUILD)/tests/test_sim_%.o $(BUILD)/sim/model.o $(BUILD)/sim/record.o \
			  $(BUILD)/sim/expect.o $(TEST_SUPPORT) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(JANSSON_LIBS) $(CMOCKA_LIBS) -lm

# Fuzzing (tests/fuzz/, libFuzzer with Debian's clang): one harness a parser, fuzz_NAME.c
# with its seeds in tests/fuzz/corpus/NAME/ (and NAME.dict where one helps). Each is built
# into $(BUILD)/fuzz/fuzz_NAME from the project's own sources compiled again by clang with
# coverage and sanitizers into $(BUILD)/fuzz/obj/ (never the cc objects), plus the stubs of
# tests/fuzz/ for a device (stub_port.c) or libmodbus (stub_modbus.c). `make fuzz` runs
# each for FUZZ_SECONDS, new inputs going to a scratch dir ($(BUILD)/fuzz/new/NAME);
# `make fuzz-merge` adds those that reach new code to the corpus (-merge=1);
# `make fuzz-regress` (and make test, through tests/fuzz.sh) runs every corpus file once.
FUZZ_CC = clang
FUZZ_SECONDS = 60
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -O1 -g -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Icommon -DHQ_VERSION='"$(VERSION)"' -fsanitize=fuzzer-no-link $(FUZZ_SAN)
FUZZ_DIR = $(BUILD)/fuzz
FO = $(FUZZ_DIR)/obj
FUZZ_NAMES = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZERS = $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)
$(FO)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_INC) -MMD -MP -c -o $@ $<
FUZZ_COMMON = $(COMMON_OBJ:$(BUILD)/%=$(FO)/%)
FUZZ_FW = $(FW_OBJ:$(BUILD)/%=$(FO)/%)
$(FUZZ_FW): FUZZ_CFLAGS += -std=c99 -pedantic
$(FO)/tests/fuzz/fuzz_fw_%.o: FUZZ_INC = -Ifirmware-proto/fw
$(FO)/counter/%.o $(FO)/tests/fuzz/fuzz_bus_%.o: FUZZ_INC = -Icounter -Iserial -Ifirmware-proto/fw $(shell $(PKG_CONFIG) --cflags libmodbus 2>/dev/null)
$(FO)/tests/fuzz/stub_modbus.o: FUZZ_INC = $(shell $(PKG_CONFIG) --cflags libmodbus 2>/dev/null)
$(FO)/tests/fuzz/stub_port.o $(FO)/kiosk/printer.o: FUZZ_INC = -Iserial
$(FO)/tests/fuzz/fuzz_escpos_status.o: FUZZ_INC = -Ikiosk -Iserial
$(FO)/tests/fuzz/fuzz_escpos_decode.o: FUZZ_INC = -Ikiosk/sim
$(FO)/server/%.o $(FO)/tests/fuzz/fuzz_tokens.o $(FO)/tests/fuzz/fuzz_http.o $(FO)/tests/fuzz/fuzz_http_headers.o: FUZZ_INC = -Iqueue -Iserver \
	$(shell $(PKG_CONFIG) --cflags jansson gnutls 2>/dev/null)
$(FO)/queue/%.o: FUZZ_INC = -Iqueue
FUZZ_BUS = $(FO)/counter/bus.o $(FO)/counter/bus_plain.o $(FO)/counter/bus_modbus.o $(FO)/counter/timing.o \
	$(FO)/counter/gateway.o $(FO)/tests/fuzz/stub_port.o $(FO)/tests/fuzz/stub_modbus.o $(FUZZ_FW) $(FUZZ_COMMON)
fuzz_config_OBJ = $(FUZZ_COMMON)
fuzz_config_LIBS = $(COMMON_LIBS)
fuzz_tokens_OBJ = $(FO)/server/tokens.o $(FUZZ_COMMON)
fuzz_tokens_LIBS = $(GNUTLS_LIBS) $(COMMON_LIBS)
# hallqd's request handling (server/handle.c) on a queue in memory: the whole server but its
# libmicrohttpd glue (hallqd.c), and the pages as make embeds them.
FUZZ_SERVER = $(patsubst %.c,$(FO)/%.o,$(filter-out server/hallqd.c,$(wildcard server/*.c)) $(wildcard queue/*.c)) \
	$(FUZZ_COMMON) $(WEB_GEN).o $(WEB_GEN)_data.o
FUZZ_SERVER_LIBS = $(SQLITE_LIBS) $(CRYPT_LIBS) $(GNUTLS_LIBS) $(JANSSON_LIBS) $(COMMON_LIBS)
fuzz_http_OBJ = $(FUZZ_SERVER)
fuzz_http_LIBS = $(FUZZ_SERVER_LIBS)
fuzz_http_headers_OBJ = $(FUZZ_SERVER)
fuzz_http_headers_LIBS = $(FUZZ_SERVER_LIBS)
fuzz_bus_plain_OBJ = $(FUZZ_BUS)
fuzz_bus_plain_LIBS = $(COMMON_LIBS)
fuzz_bus_modbus_OBJ = $(FUZZ_BUS)
fuzz_bus_modbus_LIBS = $(COMMON_LIBS)
fuzz_fw_plain_OBJ = $(FUZZ_FW)
fuzz_fw_modbus_OBJ = $(FUZZ_FW)
fuzz_escpos_status_OBJ = $(FO)/kiosk/printer.o $(FO)/kiosk/escpos.o $(FO)/tests/fuzz/stub_port.o $(FUZZ_COMMON)
fuzz_escpos_status_LIBS = $(COMMON_LIBS)
fuzz_escpos_decode_OBJ = $(FO)/kiosk/sim/escpos_decode.o
.SECONDEXPANSION:
$(FUZZ_DIR)/fuzz_%: $(FO)/tests/fuzz/fuzz_%.o $$(fuzz_$$*_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(fuzz_$*_LIBS)
fuzzers: $(FUZZERS)

fuzz: $(FUZZERS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_DIR=$(FUZZ_DIR) tests/fuzz/run $(FUZZ_NAMES)
fuzz-merge: $(FUZZERS)
	@FUZZ_DIR=$(FUZZ_DIR) tests/fuzz/run --merge $(FUZZ_NAMES)
fuzz-regress: $(FUZZERS)
	@BUILD=$(BUILD) tests/fuzz.sh

tests: $(PROGS) $(UNIT_TESTS) $(SERVER_TESTS) $(FW_SIM) $(RELAY) $(VOICE) $(PRINTER_SIM) $(FUZZERS)

test: deps
	@$(MAKE) --no-print-directory tests
	@BUILD=$(BUILD) tests/run

# The whole suite at three moved clocks (faketime): a Sunday at 23:59:30, a Monday at
# 00:00:30 and a weekday at 10:00, in three zones. Not part of `make test` (three times as long).
test-clocks: deps
	@$(MAKE) --no-print-directory tests
	@BUILD=$(BUILD) tools/test-clocks

# The browser suite alone (tests/web.sh) with its screenshots kept in docs/web, where
# docs/web.md shows them: look at them before committing them.
web-shots: deps
	@$(MAKE) --no-print-directory $(PROGS)
	@BUILD=$(BUILD) HALLQ_SHOTS=docs/web tests/web.sh

bench: deps
	@$(MAKE) --no-print-directory $(PROGS) $(FW_SIM) $(RELAY) $(VOICE) $(BENCHES)
	@BUILD=$(BUILD) bench/run

# HALLQ_TLS=1 make run: the same over TLS, with a demo CA and certificate in run/tls.
run: deps
	@$(MAKE) --no-print-directory all $(FW_SIM) $(PRINTER_SIM)
	@BUILD=$(BUILD) tools/run-hall

# A whole day of the demo hall at 60x (about ten minutes; HALLQ_SOAK_SPEED changes it) with
# every program's memory and open files sampled and judged: tools/soak, docs/sim.md. Not
# part of `make test`.
soak: deps
	@$(MAKE) --no-print-directory all $(FW_SIM) $(PRINTER_SIM)
	@BUILD=$(BUILD) tools/soak

# Every program, the voice clips (the hall's studio recordings in assets/voice over the ones
# made at build), the sample halls, the systemd units with the installed paths written in,
# the hallq system user (sysusers.d), docs/operate.md, and the sample hall as the example
# $(SYSCONFDIR)/hallq/hall.ini, only where there is none: an operator's config is never
# overwritten (the .deb marks it a conffile). DESTDIR stages a package's tree.
UNITS = $(wildcard dist/systemd/*.service dist/systemd/*.timer)
UNIT_SED = -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g'
EXAMPLE_HALL = assets/halls/county-centre.ini
install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/halls $(DESTDIR)$(DATADIR)/voice
	cp -f $(PROGS) $(DESTDIR)$(BINDIR)/
	cp -Rf $(BUILD)/voice/. $(DESTDIR)$(DATADIR)/voice/
	rm -f $(DESTDIR)$(DATADIR)/voice/.made $(DESTDIR)$(DATADIR)/voice/.recipe
	cd assets/voice && find . -name '*.wav' -exec cp -f --parents {} $(abspath $(DESTDIR)$(DATADIR))/voice/ \;
	cp -f assets/halls/*.ini $(DESTDIR)$(DATADIR)/halls/
	mkdir -p $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/hallq
	for u in $(UNITS); do sed $(UNIT_SED) $$u >$(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; done
	cp -f dist/sysusers.d/hallq.conf $(DESTDIR)$(SYSUSERSDIR)/hallq.conf
	cp -f docs/operate.md $(DESTDIR)$(DOCDIR)/operate.md
	[ -e $(DESTDIR)$(SYSCONFDIR)/hallq/hall.ini ] || cp $(EXAMPLE_HALL) $(DESTDIR)$(SYSCONFDIR)/hallq/hall.ini

# The example config goes only if it is still the example; /etc/hallq only if then empty.
uninstall:
	rm -f $(PROGS:$(BUILD)/%=$(DESTDIR)$(BINDIR)/%)
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	rm -f $(UNITS:dist/systemd/%=$(DESTDIR)$(UNITDIR)/%) $(DESTDIR)$(SYSUSERSDIR)/hallq.conf
	! cmp -s $(EXAMPLE_HALL) $(DESTDIR)$(SYSCONFDIR)/hallq/hall.ini || rm -f $(DESTDIR)$(SYSCONFDIR)/hallq/hall.ini
	-rmdir $(DESTDIR)$(SYSCONFDIR)/hallq 2>/dev/null

# A Debian package of the above with PREFIX=/usr, into $(BUILD)/hallq_VERSION_ARCH.deb
# (tools/make-deb: the control file, its Depends from the programs' libraries, conffiles,
# maintainer scripts).
deb: all
	@BUILD=$(BUILD) VERSION=$(VERSION) MAKE=$(MAKE) tools/make-deb

clean:
	rm -rf build build-san

.PHONY: all deps tests test test-clocks web-shots bench run soak install uninstall deb clean \
	fuzzers fuzz fuzz-merge fuzz-regress
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
