#!/bin/sh
# Integration test of hallqd, the hall's HTTP server: runs the C driver
# "$BUILD/tests/server/test_hallqd" (built by make, never here), which starts "$BUILD/hallqd"
# on a scratch hall, checks it against docs/api.md, stops every server it started by its pid
# and ends with "hallqd: N passed, M failed". This script only propagates its exit status.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
export BUILD
driver=$BUILD/tests/server/test_hallqd
if [ ! -x "$driver" ]; then
	echo "hallqd: $driver is not built (run make tests)" >&2
	echo "hallqd: 0 passed, 1 failed"
	exit 1
fi
exec "$driver"
