#!/bin/sh
# make deb: the package lists the programs, the units, the example config and the voice
# clips, has a control file with its Depends and conffiles, and installs with dpkg into a
# scratch root (dpkg --root, the maintainer scripts run outside a chroot with DPKG_ROOT):
# the files are there, the hallq user and /var/lib/hallq are made, and the installed hallqd
# runs. Ends with "deb: N passed, M failed".
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
need "Debian packages dpkg systemd" dpkg-deb dpkg
make_tmp

make --no-print-directory BUILD="$BUILD" deb >"$tmp/deb.log" 2>&1 || give_up "make deb failed: $(tail -5 "$tmp/deb.log")"
VERSION=$(sed -n 's/^VERSION = //p' config.mk)
ARCH=$(dpkg --print-architecture)
DEB=$BUILD/hallq_${VERSION}_$ARCH.deb
check "make deb made $(basename "$DEB")" yes "$([ -s "$DEB" ] && echo yes || echo no)"

dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|' >"$tmp/list"
for f in /usr/bin/hallq /usr/bin/hallqd /usr/bin/hallq-counter /usr/bin/hallq-display /usr/bin/hallq-kiosk \
	/usr/lib/systemd/system/hallqd.service /usr/lib/systemd/system/hallq-counter@.service \
	/usr/lib/systemd/system/hallq-display.service /usr/lib/systemd/system/hallq-kiosk.service \
	/usr/lib/systemd/system/hallq-backup.service /usr/lib/systemd/system/hallq-backup.timer \
	/usr/lib/sysusers.d/hallq.conf /etc/hallq/hall.ini /usr/share/doc/hallq/operate.md \
	/usr/share/hallq/voice/chime.wav /usr/share/hallq/halls/county-centre.ini; do
	check "the package holds $f" "$f" "$(grep -x -- "$f" "$tmp/list")"
done
nclips=$(grep -c '^/usr/share/hallq/voice/.*\.wav$' "$tmp/list")
check_num "the package holds the voice clips ($nclips)" "$nclips" -ge 40
check "every file is root's" "" "$(dpkg-deb -c "$DEB" | awk '$2 != "root/root"' | head -3)"

field() { dpkg-deb -f "$DEB" "$1"; }
check "Package" hallq "$(field Package)"
check "Version, from config.mk" "$VERSION" "$(field Version)"
check "Architecture" "$ARCH" "$(field Architecture)"
deps=$(field Depends)
for lib in libc6 libsqlite3-0 libmicrohttpd12 libcurl4 libsdl2-2.0-0 libsystemd0; do
	check "Depends names $lib" yes "$(echo "$deps" | tr ',' '\n' | grep -q "^ *$lib\( \|$\)" && echo yes || echo no)"
done
check "Depends has no library only another pulls in (libx11-6)" "" "$(echo "$deps" | grep -o 'libx11-6')"
dpkg-deb -e "$DEB" "$tmp/control"
check "the example config is a conffile" /etc/hallq/hall.ini "$(cat "$tmp/control/conffiles")"
check "postinst never enables or starts a unit" "" "$(grep -E 'systemctl (enable|start)|--now' "$tmp/control/postinst" | grep -v '^ *hall\|then: systemctl')"

# Installed into a scratch root. The scratch root has no libraries (--force-depends): the
# programs run with the machine's.
R=$tmp/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
: >"$R/var/lib/dpkg/status"
dpkg --root="$R" --force-not-root --force-script-chrootless --force-depends -i "$DEB" >"$tmp/dpkg.log" 2>&1
check "dpkg -i into the scratch root succeeds" 0 "$?"
logs="$tmp/dpkg.log"
check "dpkg has it installed" "install ok installed" "$(dpkg --root="$R" -s hallq 2>/dev/null | sed -n 's/^Status: //p')"
dpkg --root="$R" -L hallq >"$tmp/installed"
check "dpkg lists every file of the package as installed" "" \
	"$(grep -v '/$' "$tmp/list" | sed 's|/$||' | while read -r f; do [ -z "$f" ] || grep -qx -- "${f%/}" "$tmp/installed" || echo "$f"; done | head -3)"
for f in /usr/bin/hallqd /usr/lib/systemd/system/hallqd.service /etc/hallq/hall.ini /usr/share/hallq/voice/chime.wav; do
	check "$f is in the root" yes "$([ -s "$R$f" ] && echo yes || echo no)"
done
check "the units point at /usr/bin" "ExecStart=/usr/bin/hallqd" "$(grep -o '^ExecStart=[^ ]*' "$R/usr/lib/systemd/system/hallqd.service")"
check "postinst made the hallq user" hallq "$(cut -d: -f1 "$R/etc/passwd" 2>/dev/null | grep -x hallq)"
uid=$(awk -F: '$1 == "hallq" { print $3 }' "$R/etc/passwd" 2>/dev/null)
check "postinst made /var/lib/hallq, the hallq user's, mode 750" "$uid 750" "$(stat -c '%u %a' "$R/var/lib/hallq" 2>/dev/null)"
check "postinst says how hallqd starts (the tokens)" yes "$(grep -q '/etc/hallq/tokens' "$tmp/dpkg.log" && echo yes || echo no)"
out=$("$R/usr/bin/hallqd" --help 2>&1)
check "the installed hallqd runs (--help)" 0 "$?"
check "and is hallqd" yes "$(echo "$out" | grep -q '^usage: hallqd' && echo yes || echo no)"
check "the installed hallq runs" 0 "$("$R/usr/bin/hallq" version >/dev/null 2>&1; echo $?)"

dpkg --root="$R" --force-not-root --force-script-chrootless --purge hallq >"$tmp/purge.log" 2>&1
check "dpkg --purge succeeds" 0 "$?"
check "the purge leaves no program, unit or conffile" "" \
	"$(ls "$R/usr/bin" "$R/usr/lib/systemd/system" "$R/etc/hallq" 2>/dev/null | grep hallq)"
check "the purge keeps /var/lib/hallq (the hall's records)" yes "$([ -d "$R/var/lib/hallq" ] && echo yes || echo no)"

echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
