#!/bin/bash
# The station's USB ACL helper (tools/usb-acl-helper/), which spice-gtk runs
# for every USB device it redirects, run here as spice-gtk runs it: the
# request on its standard input, the answer on its standard output. Hostile
# requests get an error and never SUCCESS; in a private mount namespace with
# device nodes made for the test, a node that is not a USB device, a symlink,
# a USB node without a device, and a node the caller may not open are all
# refused, and a set-user-ID copy refuses to run. (The yes answer needs a
# real USB device; the firmware's end-to-end boot proves it, where the
# desktop's own monitor shows the station's stick.)
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

helper=$VDI_BUILD/bin/vdi-usb-acl-helper
[ -x "$helper" ] || skip_all "no $helper (make build)"
plan 19

# ask INPUT: the helper's answer to INPUT (printf format), and its status.
ask() {
	# shellcheck disable=SC2059 # the input is a printf format on purpose
	printf -- "$1" | timeout 15 "$helper" 2>/dev/null
	echo "status=$?"
}

# Requests spice-gtk never writes: each one gets exactly one error line.
# (Compared whole, with is: a regex over several lines would match any one.)
is "$(ask '')" "Error no request
status=1" "no request: an error"
for req in '1 2' '1  2\n' ' 1 2\n' '1 2 \n' '1 2\r\n' '0 2\n' '1 0\n' '256 1\n' \
	'1 128\n' '001 002\n' '-1 2\n' '1 2x\n' '1/../2 3\n' '4294967297 1\n' \
	'1 2 3 4 5 6 7 8 9 10\n'; do
	is "$(ask "$req")" "Error malformed request
status=1" "request '$req' gets one error line"
done
is "$(head -c 4096 /dev/zero | timeout 15 "$helper" 2>/dev/null)" "Error malformed request" \
	"4 KB of zeros get an error"

# A well-formed request for a device this host does not have.
is "$(ask '1 2\n')" "Error the device is gone
status=1" "a device that does not exist is refused"

# Device nodes of the test's own, in a private /dev.
if ! unshare -m true 2>/dev/null || ! command -v setpriv >/dev/null; then
	ok 0 "# SKIP no mount namespace here (unshare -m) or no setpriv"
	exit 0
fi
cp "$helper" "$T/helper"
chmod 4755 "$T/helper"
# shellcheck disable=SC2016 # the script runs in the namespace, with its own $1 $2
out=$(unshare -m --propagation private sh -c '
	mount -t tmpfs none /dev || exit 1
	mkdir -p /dev/bus/usb/001
	mknod /dev/bus/usb/001/002 c 1 3 # /dev/null: not USB
	ln -s /dev/bus/usb/001/002 /dev/bus/usb/001/003
	mknod /dev/bus/usb/001/004 c 189 126 # USB, but no such device
	mknod -m 600 /dev/null c 1 3
	for d in 2 3 4; do
		printf "d%s: " "$d"
		printf "1 %s\n" "$d" | "$1" 2>/dev/null | tr -d "\n"
		echo
	done
	mknod -m 600 /dev/bus/usb/001/005 c 1 3
	printf "d5: "
	printf "1 5\n" | setpriv --reuid=65534 --regid=65534 --clear-groups "$1" 2>/dev/null
	printf "suid: "
	printf "1 2\n" | setpriv --reuid=65534 --regid=65534 --clear-groups "$2" 2>/dev/null
' sh "$helper" "$T/helper" 2>&1)
is "$out" "d2: Error not a USB device node
d3: Error not a USB device node
d4: Error the device is gone
d5: Error no permission to open the device
suid: Error refusing to run set-user-ID or set-group-ID" \
	"refused: a non-USB node, a symlink, a USB node without a device, a node the caller cannot open (the helper grants nothing), a set-user-ID copy"
