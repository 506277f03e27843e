#!/bin/sh
# The browser suite (tests/web/*.test.mjs): playwright-core, pinned in tests/web/package.json
# and its lock, drives Debian's Chromium (/usr/bin/chromium, headless: no display needed)
# against hallqds of the tests' own on loopback (tests/web/lib.mjs). The node modules are
# installed from the lock (npm ci) when missing or older than the lock; nothing else is
# downloaded. Ends with "web: N passed, M failed" like the other suites.
# HALLQ_SHOTS=DIR keeps the screenshots there (make web-shots: docs/web).
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
export BUILD
. tests/lib.sh

need "tools/install-deps installs nodejs, npm and chromium; make tests builds the programs" \
	node npm /usr/bin/chromium "$HALLQD" "$HALLQ"

# npm ci writes node_modules/.package-lock.json, a copy of the lock's packages: when it
# matches the lock, the modules are those the lock pins.
lock=tests/web/package-lock.json
installed=tests/web/node_modules/.package-lock.json
if [ ! -f "$installed" ] || ! node -e '
	const fs = require("fs");
	const a = JSON.parse(fs.readFileSync(process.argv[1])).packages, b = JSON.parse(fs.readFileSync(process.argv[2])).packages;
	for (const k of Object.keys(a)) if (k && (!b[k] || b[k].version !== a[k].version || b[k].integrity !== a[k].integrity)) process.exit(1);
' "$lock" "$installed" 2>/dev/null; then
	echo "installing the browser suite's node modules (npm ci)"
	(cd tests/web && npm ci --no-audit --no-fund --loglevel=error >npm-ci.log 2>&1) ||
		give_up "npm ci in tests/web failed: $(tail -5 tests/web/npm-ci.log)"
	rm -f tests/web/npm-ci.log
fi

t0=$(now_ms)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# The TAP reporter: "ok N - name" and "not ok N - name" lines, and the details of a failure.
node --test --test-concurrency=1 --test-reporter=tap tests/web/*.test.mjs >"$out" 2>&1
rc=$?
# Each test's line, and what a failed one said; the lines of the files' own output (# ...).
grep -E '^(not )?ok |^# [a-z]|^ +(error|expected|actual|location):' "$out" |
	grep -vE '^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ' |
	sed 's/^ok [0-9]* - /ok - /; s/^not ok [0-9]* - /FAIL - /'
# Only the top level counts: subtests are indented.
passed=$(grep -cE '^ok ' "$out")
failed=$(grep -cE '^not ok ' "$out")
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	tail -20 "$out"
	failed=1
fi
echo "    took $(( ($(now_ms) - t0) / 1000 )) s"
echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
