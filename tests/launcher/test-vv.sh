#!/bin/bash
# virt-viewer connection files against a real QEMU SPICE server (password,
# plain port and TLS port): `vdi-launcher --connect FILE.vv` shows the VM's
# picture, removes a delete-this-file=1 file and exits 0 when the session
# ends; the TLS variant with an escaped CA and host-subject connects, a wrong
# subject fails as a certificate error with exit status 4; a bad file is an
# error message and exit status 3. Through the real broker, a mapping with
# connection_file and one with connection_url (served by a real HTTPS server
# with the test CA) bring the station to the desktop; a URL that
# answers 404 gives the station the broker's error screen.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/qemu.sh
. "$VDI_ROOT/tests/lib/qemu.sh"
# shellcheck source=tests/lib/x11.sh
. "$VDI_ROOT/tests/lib/x11.sh"
# shellcheck source=tests/launcher/common.sh
. "$VDI_ROOT/tests/launcher/common.sh"

plan 30

PASSWORD=vv-s3cret

# desk_ca DIR CN: a CA and a server certificate for CN, as QEMU wants them.
desk_ca() {
	local d=$1 cn=$2
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$d/ca-key.pem" -out "$d/ca-cert.pem" -days 2 -subj "/CN=Desktop CA $cn" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1 || return 1
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$d/server-key.pem" -out "$d/server.csr" -subj "/O=VDI test/CN=$cn" \
		>/dev/null 2>&1 || return 1
	printf '%s\n' "subjectAltName=DNS:$cn" "basicConstraints=CA:FALSE" \
		"extendedKeyUsage=serverAuth" >"$d/server.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca-cert.pem" -CAkey "$d/ca-key.pem" \
		-CAcreateserial -days 2 -extfile "$d/server.ext" -out "$d/server-cert.pem" \
		>/dev/null 2>&1
}

# vv_tls SUBJECT: a Proxmox-shaped file for the TLS port: the CA on one
# line with \n escapes, host-subject, no plain port.
vv_tls() {
	local ca
	ca=$(awk '{printf "%s\\n", $0}' "$T/desk/ca-cert.pem")
	cat <<VV
[virt-viewer]
type=spice
title=VM 100 - test desk
host=127.0.0.1
tls-port=$tport
password=$PASSWORD
host-subject=$1
ca=$ca
secure-attention=Ctrl+Alt+Ins
toggle-fullscreen=Shift+F11
release-cursor=Ctrl+Alt+R
delete-this-file=1
VV
}

# vv_plain: the plain port, oVirt style (CRLF, an [ovirt] group).
vv_plain() {
	printf '[virt-viewer]\r\ntype=spice\r\nhost=127.0.0.1\r\nport=%s\r\ntls-port=-1\r\n' "$port"
	printf 'password=%s\r\ndelete-this-file=1\r\nfullscreen=1\r\nenable-usb-autoshare=1\r\n' \
		"$PASSWORD"
	printf 'usb-filter=null\r\nsecure-channels=main;inputs\r\n\r\n[ovirt]\r\n'
	printf 'host=engine.example.org:443\r\nvm-guid=0a1b2c3d\r\n'
}

# connect_run FILE: vdi-launcher --connect FILE in the background.
connect_run() {
	: >"$T/launcher.log"
	: >"$T/status"
	launcher_start --connect "$1"
}

# connect_exit [SECS]: waits for the launcher to exit by itself; its exit
# status goes to RC ("timeout" when it did not exit).
connect_exit() {
	local secs=${1:-20} i
	RC=timeout
	for ((i = 0; i < secs * 20; i++)); do
		kill -0 "$LAUNCHER_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$LAUNCHER_PID" 2>/dev/null && return
	wait "$LAUNCHER_PID"
	RC=$?
	LAUNCHER_PID=
	if [ "$RC" != "${2:-$RC}" ]; then
		diag "launcher exit status $RC; log:"
		tail -n 15 "$T/launcher.log" | sed 's/^/#   /' >&2
	fi
}

desk_ca "$T/desk" desk.example.org || skip_all "openssl cannot make certificates"
x11_start 1024x768 || exit 1
fake_sysfs eth9 "$STATION_MAC"
qemu_pattern_disk "$T/disk.img"
port=$(free_port)
tport=$(free_port)
qemu_start desk "$port" --password "$PASSWORD" --disk "$T/disk.img" \
	--tls "$T/desk" "$tport" || exit 1

# (e) A bad file: a message on stderr and status 3, no window needed.
printf '[virt-viewer]\ntype=spice\nhost=127.0.0.1\ntls-port=70000\n' >"$T/bad.vv"
err=$(DISPLAY='' "$VDI_BUILD/bin/vdi-launcher" --connect "$T/bad.vv" 2>&1)
is $? 3 "a bad file: exit status 3"
like "$err" "tls-port: '70000' is not a port \\(1-65535\\)" "  ... and it says which key and why: $err"
err=$(printf '\x7fELF\x02\x01\x01\x00\x00' | DISPLAY='' "$VDI_BUILD/bin/vdi-launcher" --connect - 2>&1)
is $? 3 "binary junk on standard input: exit status 3"
like "$err" "NUL byte" "  ... refused as binary: $err"

qemu_wait_pattern desk 60
ok $? "the desktop VM shows its test pattern"

# (a) The plain port with the password: the VM's picture.
vv_plain >"$T/plain.vv"
connect_run "$T/plain.vv"
launcher_wait_state '^state=connected protocol=spice endpoint=127\.0\.0\.1:'"$port"' displays=1 ' 20
ok $? "plain file with a password: connected: $(cat "$T/status")"
[ ! -e "$T/plain.vv" ]
ok $? "  ... and the file (delete-this-file=1) is gone"
launcher_wait_log 'event=first_frame'
qemu_screendump desk "$T/vm.png"
read -r gw gh < <(identify -format '%w %h' "$T/vm.png")
area=$(desktop_area 1024 768 "$gw" "$gh")
rmse=
for _ in $(seq 1 20); do
	x11_screenshot "$T/shot.png" "$area"
	convert "$T/shot.png" -resize "${gw}x${gh}!" "$T/shot-scaled.png"
	rmse=$(img_rmse "$T/shot-scaled.png" "$T/vm.png")
	below "$rmse" 0.05 && break
	sleep 0.25
done
below "$rmse" 0.05
ok $? "the launcher's screen matches the VM's screendump (RMSE $rmse < 0.05, area $area)"
convert "$T/vm.png" -flop "$T/vm-flop.png"
wrong=$(img_rmse "$T/shot-scaled.png" "$T/vm-flop.png")
below 0.15 "$wrong"
ok $? "  ... and not a mirrored picture (RMSE $wrong > 0.15)"

launcher_stop
ok $? "launcher stopped cleanly"

# (b) TLS with the escaped CA and the right subject.
vv_tls "O=VDI test,CN=desk.example.org" >"$T/tls.vv"
connect_run "$T/tls.vv"
launcher_wait_state '^state=connected protocol=spice endpoint=127\.0\.0\.1:'"$tport"' ' 20
ok $? "TLS file: connected to the TLS port: $(cat "$T/status")"
screen_shows "qemu_screendump desk"
ok $? "  ... and the desktop is on screen: $SHOWN"
[ ! -e "$T/tls.vv" ]
ok $? "  ... and the file (delete-this-file=1) is gone"
launcher_stop
ok $? "launcher stopped cleanly"

# The same file with another subject: a certificate failure, status 4.
vv_tls "O=VDI test,CN=someone.else.org" >"$T/tls-wrong.vv"
connect_run "$T/tls-wrong.vv"
connect_exit 30 4
is "$RC" 4 "wrong host-subject: the launcher exits with status 4"
grep -q 'event=endpoint_failed kind=tls' "$T/launcher.log"
ok $? "  ... as a certificate failure: $(grep -o 'event=endpoint_failed.*' "$T/launcher.log" | head -1)"
like "$(cat "$T/launcher.log")" "vdi-launcher: the desktop cannot be reached:" \
	"  ... and says so on stderr"
if grep -q 'event=first_frame' "$T/launcher.log"; then false; else true; fi
ok $? "  ... and no desktop frame was ever shown"

# (c) The broker hands out a connection file from connection_file.
mkdir -p "$T/etc/vv" "$T/www"
vv_tls "O=VDI test,CN=desk.example.org" | sed '/delete-this-file/d' >"$T/etc/vv/desk.vv"
cat >"$T/etc/stations.conf" <<CONF
[$STATION_MAC]
name = VV desk
connection_file = vv/desk.vv
autoconnect = yes
CONF
broker_start "$T/etc/stations.conf" || exit 1
: >"$T/launcher.log"
launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC"
launcher_wait_state '^state=connected protocol=spice endpoint=127\.0\.0\.1:'"$tport"' ' 20
ok $? "connection_file mapping: the station connected: $(cat "$T/status")"
# Stopped only once the picture is up: spice-server has been seen to crash
# when a client leaves while its channels are still being set up.
screen_shows "qemu_screendump desk"
ok $? "  ... and the desktop is on screen: $SHOWN"
launcher_stop
ok $? "launcher stopped cleanly"
[ -e "$T/etc/vv/desk.vv" ]
ok $? "  ... and the broker's file is still there (read at each lookup)"

# (d) connection_url: Python's HTTP server behind TLS with the test
# certificate; the broker trusts the test CA through the mapping's ca.
cp "$T/etc/vv/desk.vv" "$T/www/desk.vv"
cp "$BROKER_CA" "$T/etc/www-ca.pem"
wport=$(free_port)
python3 - "$T/www" "$wport" "$T/tls/server.crt" "$T/tls/server.key" >"$T/www.log" 2>&1 <<'PY' &
import functools, http.server, ssl, sys
root, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
httpd = http.server.HTTPServer(("127.0.0.1", port), handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
httpd.serve_forever()
PY
www_pid=$!
at_exit "kill $www_pid 2>/dev/null"
WAIT_FOR_SECS=10 wait_for bash -c "exec 3<>/dev/tcp/127.0.0.1/$wport" 2>/dev/null
stations_url() {
	stations_write "$T/etc/stations.conf" <<CONF
[$STATION_MAC]
name = VV desk
connection_url = https://127.0.0.1:$wport/$1
ca = www-ca.pem
autoconnect = yes
CONF
}
stations_url desk.vv
: >"$T/launcher.log"
launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC"
launcher_wait_state '^state=connected protocol=spice endpoint=127\.0\.0\.1:'"$tport"' ' 20
ok $? "connection_url mapping: the station connected: $(cat "$T/status")"
screen_shows "qemu_screendump desk"
ok $? "  ... and the desktop is on screen: $SHOWN"
launcher_stop
ok $? "launcher stopped cleanly"

stations_url missing.vv
body=$(lookup "$STATION_MAC")
like "$body" '"status":"error".*HTTP 404' "a URL that answers 404: status error with the reason: $body"
: >"$T/launcher.log"
launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC"
launcher_wait_state '^state=message kind=broker_error ' 20
ok $? "  ... and the station shows the error screen: $(cat "$T/status")"
launcher_stop
grep -q 'event=connection_file .*error=' "$BROKER_LOG"
ok $? "  ... and the broker logged it: $(grep -o 'event=connection_file.*' "$BROKER_LOG" | tail -1)"

# The end: a session on the plain port, then the VM goes away, and the
# launcher exits 0 by itself.
vv_plain >"$T/plain.vv"
connect_run "$T/plain.vv"
screen_shows "qemu_screendump desk" 20
ok $? "plain file again: the desktop is on screen: $SHOWN"
qemu_quit desk
connect_exit 15 0
is "$RC" 0 "the VM went away: the session ended and the launcher exited with status 0"
