#!/bin/sh
# The architecture's rules, checked on the sources and the built programs:
#  - SQLite and the queue library's headers stay in queue/, server/, cli/, tests/ and bench/:
#    no other folder includes hq_queue.h (or the queue's internals, or sqlite3.h), and no
#    program but hallqd and hallq links SQLite (nm shows no sqlite3_ symbol, ldd no
#    libsqlite3);
#  - the counter unit's firmware (firmware-proto/fw) includes nothing but stdint.h, stddef.h
#    and its own headers;
#  - within each library or program folder, no cycle between its files (tools/layers.py:
#    A -> B when A's object uses a symbol B's defines).
# Ends with "layering: N passed, M failed".
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
need "Debian package binutils (nm), libc-bin (ldd)" nm ldd "$PY"
make_tmp

# 1. Includes of the queue and of SQLite, outside the folders allowed them.
bad=$(grep -rlE '#include +["<](hq_queue\.h|internal\.h|sql\.h|sqlite3\.h)[">]' \
	--include='*.c' --include='*.h' . |
	grep -vE '^\./(queue|server|cli|tests|bench)/' | sort)
check "no hq_queue.h, queue internals or sqlite3.h outside queue/ server/ cli/ tests/ bench/" "" "$bad"
# What make would run to build every program from nothing: which compiles see -Iqueue.
make -n BUILD="$tmp/b" all >"$tmp/make-n" 2>&1 || fail "make -n all" "exit 0" "$(tail -3 "$tmp/make-n")"
bad=$(grep -E -- ' -c -o ' "$tmp/make-n" | grep -E -- '-Iqueue' | sed "s/.* -c -o [^ ]* //; s|^$tmp/b/||" |
	grep -vE '^(queue|server|cli)/' | sort)
check "make gives -Iqueue to no file outside queue/ server/ cli/" "" "$bad"
check "make compiles some files with -Iqueue (the check sees them)" yes \
	"$(grep -E -- ' -c -o ' "$tmp/make-n" | grep -qE -- '-Iqueue.* queue/db\.c' && echo yes || echo no)"

# 2. The firmware's includes.
bad=$(grep -hE '^[[:space:]]*#[[:space:]]*include' firmware-proto/fw/*.c firmware-proto/fw/*.h |
	sed 's/[[:space:]]//g' | sort -u | while read -r inc; do
		case $inc in
		'#include<stdint.h>' | '#include<stddef.h>') ;;
		'#include"'*'"')
			h=${inc#\#include\"}
			h=${h%\"}
			[ -f "firmware-proto/fw/$h" ] || echo "$inc"
			;;
		*) echo "$inc" ;;
		esac
	done)
check "firmware-proto/fw includes only stdint.h, stddef.h and its own headers" "" "$bad"

# 3. SQLite in the programs: only hallqd and hallq.
for p in hallqd hallq; do
	[ -x "$BUILD/$p" ] || give_up "$BUILD/$p is not built (make tests)"
	check "$p links SQLite (the test can see it)" yes \
		"$(nm -D "$BUILD/$p" 2>/dev/null | grep -q ' U sqlite3_' && echo yes || echo no)"
done
for p in hallq-display hallq-kiosk hallq-counter hallq-sim hallq-unit-sim hallq-printer-sim hallq-sync hallq-central; do
	f=$BUILD/$p
	[ -x "$f" ] || { fail "$p is built" "$f" "missing"; continue; }
	check "$p: no sqlite3_ symbol" 0 "$( (nm "$f" 2>/dev/null; nm -D "$f" 2>/dev/null) | grep -c 'sqlite3_')"
	check "$p: no libsqlite3 among its libraries" 0 "$(ldd "$f" | grep -c libsqlite3)"
done

# 4. No cycle between the files of one folder.
for folder in common queue client serial ui server cli counter display kiosk sim sync central firmware-proto/fw; do
	out=$("$PY" tools/layers.py "$BUILD" "$folder" 2>&1)
	check "$folder: no cycle between its files" "" "$out"
done

echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
