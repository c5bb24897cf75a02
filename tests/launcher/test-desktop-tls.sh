#!/bin/bash
# SPICE over TLS: QEMU's SPICE server with only a TLS port and its own
# certificate. The mapping's ca and host_subject go through the broker to
# the launcher, which connects; a wrong CA or a wrong subject is refused as a
# certificate failure and never shows the desktop.
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

plan 10

# desk_ca DIR CN: a CA and a server certificate for CN, as QEMU wants them.
desk_ca() {
	local d=$1 cn=$2
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$d/ca-key.pem" -out "$d/ca-cert.pem" -days 2 -subj "/CN=Desktop CA $cn" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1 || return 1
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$d/server-key.pem" -out "$d/server.csr" -subj "/CN=$cn" \
		>/dev/null 2>&1 || return 1
	printf '%s\n' "subjectAltName=DNS:$cn" "basicConstraints=CA:FALSE" \
		"extendedKeyUsage=serverAuth" >"$d/server.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca-cert.pem" -CAkey "$d/ca-key.pem" \
		-CAcreateserial -days 2 -extfile "$d/server.ext" -out "$d/server-cert.pem" \
		>/dev/null 2>&1
}

desk_ca "$T/desk" desk.example.org || skip_all "openssl cannot make certificates"
desk_ca "$T/other" desk.example.org || skip_all "openssl cannot make certificates"
mkdir -p "$T/etc"
cp "$T/desk/ca-cert.pem" "$T/etc/desk-ca.pem"
cp "$T/other/ca-cert.pem" "$T/etc/other-ca.pem"

x11_start 1024x768 || exit 1
fake_sysfs eth9 "$STATION_MAC"
qemu_pattern_disk "$T/disk.img"
tport=$(free_port)
qemu_start desk 0 --disk "$T/disk.img" --tls "$T/desk" "$tport" || exit 1

# mapping CA SUBJECT: the station's section with these TLS settings.
mapping() {
	cat >"$T/etc/stations.conf" <<CONF
[$STATION_MAC]
name = TLS desk
host = 127.0.0.1
tls_port = $tport
ca = $1
host_subject = $2
autoconnect = yes
CONF
}
mapping desk-ca.pem "CN=desk.example.org"
broker_start "$T/etc/stations.conf" || exit 1
qemu_wait_pattern desk 60
ok $? "the desktop VM shows its test pattern"

launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC"
launcher_wait_state '^state=connected protocol=spice endpoint=127\.0\.0\.1:'"$tport"' ' 20
ok $? "the right CA and subject: connected over TLS: $(cat "$T/status")"
screen_shows "qemu_screendump desk"
ok $? "the desktop is on screen: $SHOWN"
launcher_stop
ok $? "launcher stopped cleanly"

# try_mapping CA SUBJECT WHAT: the launcher must refuse the desktop.
try_mapping() {
	mapping "$1" "$2"
	admin_post /v1/admin/reload >/dev/null
	: >"$T/launcher.log"
	launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC"
	launcher_wait_state '^state=message kind=desktop_unreachable ' 20
	ok $? "$3: desktop unreachable: $(cat "$T/status")"
	launcher_wait_log 'event=endpoint_failed kind=tls' 1
	ok $? "  ... as a certificate failure: $(grep -o 'event=endpoint_failed.*' "$T/launcher.log" | head -1)"
	! screen_shows "qemu_screendump desk" 1
	ok $? "  ... and the desktop's picture is not on screen: $SHOWN"
	launcher_stop
}
try_mapping other-ca.pem "CN=desk.example.org" "a CA that did not sign the server's certificate"
try_mapping desk-ca.pem "CN=someone.else.org" "the right CA, another subject"
