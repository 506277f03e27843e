#!/bin/sh
# The fuzz corpora as a regression check (make test, make fuzz-regress): every harness of
# tests/fuzz/ runs each file of its corpus tests/fuzz/corpus/NAME/ once (-runs=0: no new
# inputs are made, nothing is written to the tree), so every crash found and fixed stays
# fixed. The harnesses are $BUILD/fuzz/fuzz_NAME (built by `make tests` with clang); a
# missing one fails. Ends with the summary line "fuzz: N passed, M failed".
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

for src in tests/fuzz/fuzz_*.c; do
	name=${src#tests/fuzz/fuzz_}
	name=${name%.c}
	bin=$BUILD/fuzz/fuzz_$name
	corpus=tests/fuzz/corpus/$name
	if [ ! -x "$bin" ]; then
		fail "$name corpus" "$bin built (make BUILD=$BUILD fuzzers)" "missing"
		continue
	fi
	files=$(find "$corpus" -type f 2>/dev/null | wc -l)
	log=$(mktemp)
	# One process for the whole corpus; ASan's and UBSan's reports stop it with an error.
	if timeout 120 "$bin" -runs=0 "$corpus" >"$log" 2>&1 && grep -q 'Done [0-9]* runs' "$log"; then
		ok "$name: $files corpus files"
	else
		fail "$name: $files corpus files" "every file runs clean" "$(grep -E 'ERROR|SUMMARY|broken rule|runtime error' "$log" | head -3)"
	fi
	rm -f "$log"
done

echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
