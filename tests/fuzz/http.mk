# The HTTP harness (tests/fuzz/fuzz_http.c): hallqd's request handling through hqd_handle
# (server/handle.c), with the server's objects but hallqd.o (libmicrohttpd and main), the
# queue library and the common one, all compiled again by clang for libFuzzer into
# $(BUILD)/fuzz/obj/. The embedded web assets are data and link as make built them.
# Included by the Makefile; `make fuzz-http FUZZ_SECONDS=N` runs it alone, from the repo
# root (it reads assets/halls/county-centre.ini), keeping new inputs in $(BUILD)/fuzz/http.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN ?= -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_HTTP_CFLAGS = -std=c11 -O1 -g -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-MMD -MP -DHQ_VERSION='"$(VERSION)"' -Icommon -Iqueue -Iserver \
	$(shell $(PKG_CONFIG) --cflags jansson gnutls 2>/dev/null)
FUZZ_HTTP_SRC = $(filter-out server/hallqd.c,$(wildcard server/*.c)) $(wildcard queue/*.c) $(wildcard common/*.c)
FUZZ_HTTP_OBJ = $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(FUZZ_HTTP_SRC))
# fuzz_http_headers: the header parsers alone (Last-Event-ID and since, Accept, Cookie).
FUZZ_HTTP = $(BUILD)/fuzz/fuzz_http $(BUILD)/fuzz/fuzz_http_headers

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_HTTP_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c -o $@ $<
$(FUZZ_HTTP:$(BUILD)/fuzz/%=$(BUILD)/fuzz/obj/tests/fuzz/%.o): $(BUILD)/fuzz/obj/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_HTTP_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -c -o $@ $<
$(FUZZ_HTTP): $(BUILD)/fuzz/%: $(BUILD)/fuzz/obj/tests/fuzz/%.o $(FUZZ_HTTP_OBJ) $(WEB_GEN).o $(WEB_GEN)_data.o
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(SQLITE_LIBS) $(CRYPT_LIBS) $(INIH_LIBS) \
		$(GNUTLS_LIBS) $(JANSSON_LIBS) -lpthread -lm

# The corpora only, no new inputs: the regression check of make test (tests/fuzz.sh).
fuzz-http-regress: $(FUZZ_HTTP)
	$(BUILD)/fuzz/fuzz_http -runs=0 tests/fuzz/corpus/http
	$(BUILD)/fuzz/fuzz_http_headers -runs=0 tests/fuzz/corpus/http_headers
# Each for FUZZ_SECONDS, new inputs kept in $(BUILD)/fuzz/NAME (not in the tree: add one
# to tests/fuzz/corpus/ by hand when it is worth keeping, a crash always).
fuzz-http: $(FUZZ_HTTP)
	@mkdir -p $(BUILD)/fuzz/http $(BUILD)/fuzz/http_headers
	$(BUILD)/fuzz/fuzz_http -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 \
		-dict=tests/fuzz/http.dict $(BUILD)/fuzz/http tests/fuzz/corpus/http
	$(BUILD)/fuzz/fuzz_http_headers -max_total_time=$(FUZZ_SECONDS) -max_len=512 \
		$(BUILD)/fuzz/http_headers tests/fuzz/corpus/http_headers

.PHONY: fuzz-http fuzz-http-regress
