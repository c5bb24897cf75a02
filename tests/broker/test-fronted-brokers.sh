#!/bin/bash
# The worked examples of docs/operations.md for desktops that IsardVDI and
# OpenNebula manage, taken from that page as they stand, run against
# stand-ins that answer in those systems' shapes, with a real broker:
#
# - IsardVDI: nginx on 127.0.0.1 (HTTPS, a test CA) answers the viewer API's
#   path with IsardVDI's JSON (tests/data/fronted/isard-viewer.json: the
#   .vv in "content", as isard_viewer.py builds it), only to the example's
#   Authorization line; the broker's answer for the station carries the
#   desktop of that file: host, TLS port, password, proxy and CA. A wrong
#   token is an error answer, not a desktop.
# - OpenNebula: the page's one-vv script, with a stand-in `onevm` that
#   prints VMs in `onevm show -x`'s XML (tests/data/fronted/one-vm-*.xml),
#   writes the connection files; the connection_file mapping and the
#   connection_url one (the file published by the same nginx behind Basic
#   authentication) answer the VM's host, port and password. A VM that is
#   not running gets no file.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"

DOC=$VDI_ROOT/docs/operations.md
DATA=$VDI_ROOT/tests/data/fronted
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || skip_all "nginx is not installed (nginx-light)"
command -v xmllint >/dev/null || skip_all "xmllint (libxml2-utils) is not installed"

# doc_block NAME: the fenced block that follows <!-- fronted:NAME --> on
# the page.
doc_block() {
	awk -v m="<!-- fronted:$1 -->" '
		$0 == m { f = 1; next }
		f == 1 && /^```/ { f = 2; next }
		f == 2 && /^```/ { exit }
		f == 2 { print }' "$DOC"
}
for b in isard-mapping one-script one-mapping one-mapping-url; do
	doc_block "$b" >"$T/$b"
	ok $(($(wc -l <"$T/$b") < 3)) "docs/operations.md has the $b example"
done

gen_tls "$T/tls" || {
	echo "Bail out! gen_tls failed"
	exit 1
}
NP=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# ---- the stand-in server ----
ISARD_TOKEN=eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoibG9jYWwtZGVmYXVsdC1hbGljZSJ9.c2lnbmF0dXJl
ONE_AUTH_LINE="Basic $(printf 'vdi:published-files' | base64)"
ISARD_PATH=$(sed -n 's#^connection_url = https://isard\.example\.org\(/.*\)$#\1#p' "$T/isard-mapping")
like "$ISARD_PATH" "^/api/v4/item/desktop/[0-9a-f-]+/get-viewer/file-spice\$" \
	"the IsardVDI example asks the viewer API for file-spice"
W=$T/www
mkdir -p "$W/one" "$T/nginx/tmp"
cp "$DATA/isard-viewer.json" "$W/isard-viewer.json"
cat >"$T/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 64; }
http {
	access_log $T/nginx/access.log;
	client_body_temp_path $T/nginx/tmp/body;
	proxy_temp_path $T/nginx/tmp/proxy;
	fastcgi_temp_path $T/nginx/tmp/fastcgi;
	uwsgi_temp_path $T/nginx/tmp/uwsgi;
	scgi_temp_path $T/nginx/tmp/scgi;
	types { application/x-virt-viewer vv; }
	server {
		listen 127.0.0.1:$NP ssl;
		ssl_certificate $T/tls/server.crt;
		ssl_certificate_key $T/tls/server.key;
		# IsardVDI's viewer API: the desktop's owner only.
		location = $ISARD_PATH {
			if (\$http_authorization != "Bearer $ISARD_TOKEN") { return 401; }
			default_type application/json;
			alias $W/isard-viewer.json;
		}
		# Connection files an OpenNebula front-end publishes.
		location /vdi/ {
			if (\$http_authorization != "$ONE_AUTH_LINE") { return 401; }
			alias $W/one/;
		}
	}
}
CONF
"$NGINX" -p "$T/nginx" -c "$T/nginx/nginx.conf" 2>"$T/nginx/stderr" &
NGINX_PID=$!
at_exit "kill $NGINX_PID"
wait_for curl -s -o /dev/null --cacert "$T/tls/ca.crt" "https://127.0.0.1:$NP/" || {
	cat "$T/nginx/stderr" "$T/nginx/error.log" >&2
	echo "Bail out! nginx did not start"
	exit 1
}
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/tls/ca.crt" "https://127.0.0.1:$NP$ISARD_PATH")
is "$code" 401 "the stand-in refuses the viewer API without the token"

# ---- OpenNebula: the page's script against a stand-in onevm ----
mkdir -p "$T/bin"
cat >"$T/bin/onevm" <<SH
#!/bin/sh
# onevm show -x ID, as OpenNebula's CLI prints it.
[ "\$1 \$2" = "show -x" ] && [ -f "$DATA/one-vm-\$3.xml" ] && exec cat "$DATA/one-vm-\$3.xml"
echo "[one.vm.info] Error getting virtual machine [\$3]." >&2
exit 255
SH
chmod +x "$T/bin/onevm"
cp "$T/one-script" "$T/one-vv"
chmod +x "$T/one-vv"
SD=$T/etc
mkdir -p "$SD/one"
PATH=$T/bin:$PATH "$T/one-vv" 42 "$SD/one/vm-42.vv" 2>"$T/one-vv.err"
ok $? "one-vv writes VM 42's file"
is "$(cat "$SD/one/vm-42.vv")" "[virt-viewer]
type=spice
host=kvm2.example.org
port=5942
password=Hq4wZt8nVb2c
title=desk-42" "  ... type, the host of its last history record, its port, password and name"
is "$(stat -c %a "$SD/one/vm-42.vv")" 640 "  ... readable by its group only"
PATH=$T/bin:$PATH "$T/one-vv" 43 "$W/one/vm-43.vv" 2>>"$T/one-vv.err"
ok $? "one-vv writes VM 43's file, to be published"
chmod 644 "$W/one/vm-43.vv" # nginx runs as root here; the mode is the admin's choice
# VM 45's owner set a password with a backslash and a line break that
# would add a proxy to the file.
PATH=$T/bin:$PATH "$T/one-vv" 45 "$SD/one/vm-45.vv" 2>>"$T/one-vv.err"
ok $? "one-vv writes VM 45's file, whose password has a line break"
is "$(grep -c '^proxy=' "$SD/one/vm-45.vv")" 0 "  ... which adds no key"
is "$(sed -n 's/^password=//p' "$SD/one/vm-45.vv")" 'pw\\xproxy=http://evil.example.org:3128' \
	"  ... the password on its line, the backslash escaped"
PATH=$T/bin:$PATH "$T/one-vv" 44 "$SD/one/vm-44.vv" 2>"$T/one-vv.err"
is $? 1 "one-vv refuses VM 44, which is powered off"
like "$(cat "$T/one-vv.err")" "VM 44 is not running" "  ... saying so"
test ! -e "$SD/one/vm-44.vv"
ok $? "  ... and writes no file"

# ---- the stations file: the page's mappings, pointed at the stand-in ----
S=$SD/stations.conf
{
	sed "s#https://isard\.example\.org/#https://127.0.0.1:$NP/#" "$T/isard-mapping"
	echo
	cat "$T/one-mapping"
	echo
	sed "s#https://one\.example\.org/#https://127.0.0.1:$NP/#" "$T/one-mapping-url"
	echo
	sed -e 's/^\[52:54:00:12:34:71\]/[52:54:00:12:34:75]/' -e 's/vm-42/vm-45/g' "$T/one-mapping"
	echo
	# The Isard mapping with a token IsardVDI would refuse.
	sed -e "s#https://isard\.example\.org/#https://127.0.0.1:$NP/#" \
		-e 's/^\[52:54:00:12:34:70\]/[52:54:00:12:34:7f]/' \
		-e 's/^connection_auth = .*/connection_auth = isard-token-old/' "$T/isard-mapping"
} >"$S"
printf 'Bearer %s\n' "$ISARD_TOKEN" >"$SD/isard-token"
printf 'Bearer %s\n' "${ISARD_TOKEN%?}x" >"$SD/isard-token-old"
printf '%s\n' "$ONE_AUTH_LINE" >"$SD/one-token"
chmod 600 "$SD/isard-token" "$SD/isard-token-old" "$SD/one-token"
cp "$T/tls/ca.crt" "$SD/isard-ca.pem"
cp "$T/tls/ca.crt" "$SD/one-ca.pem"
"$VDI_BUILD/bin/stationctl" -f "$S" check >"$T/check.out" 2>&1
ok $? "stationctl check accepts the examples" || diag "$(cat "$T/check.out")"

broker_start "$S" || {
	echo "Bail out! broker did not start"
	exit 1
}

# vv_of MAC: the station's answer's status in $st, its connection file in
# $vv.
vv_of() {
	local r
	r=$(lookup "$1")
	st=$(jget status <<<"$r")
	[ "$st" = ready ] || diag "$1: $r"
	vv=$(jget connection_file <<<"$r")
}
# has KEY VALUE DESCRIPTION: the connection file in $vv has KEY=VALUE.
has() {
	is "$(printf '%s\n' "$vv" | sed -n "s/^$1=//p")" "$2" "$3"
}

vv_of 52:54:00:12:34:70
is "$st" ready "IsardVDI: the station's desktop is ready"
has host isard-hypervisor "  ... the hypervisor IsardVDI's proxy reaches"
has tls-port 5901 "  ... its TLS port"
has password mQ7vX2kPz9LrT4sW "  ... the desktop's viewer password"
has proxy "http://isard.example.org:80" "  ... through IsardVDI's SPICE proxy"
has host-subject "C=ES,L=Barcelona,O=isard.example.org,CN=isard-hypervisor" "  ... the certificate's subject"
like "$(printf '%s\n' "$vv" | sed -n 's/^ca=//p')" '^-----BEGIN CERTIFICATE-----\\n[A-Za-z0-9+/=\\n]+-----END CERTIFICATE-----\\n$' \
	"  ... and its CA, as IsardVDI writes it"
like "$(head -1 <<<"$vv")" '^\[virt-viewer\]$' "  ... the file itself, not IsardVDI's JSON around it"
grep -q "\"GET $ISARD_PATH HTTP/1.1\" 200 " "$T/nginx/access.log"
ok $? "  ... fetched with a GET that the token let through"

r=$(lookup 52:54:00:12:34:7f)
is "$(jget status <<<"$r")" error "IsardVDI with a token it refuses: an error answer"
like "$(jget message <<<"$r")" "HTTP 401" "  ... saying why"
jget connection_file <<<"$r" >/dev/null
is $? 1 "  ... and no desktop"

vv_of 52:54:00:12:34:71
is "$st" ready "OpenNebula, connection_file: ready"
has host kvm2.example.org "  ... the VM's host"
has port 5942 "  ... its port"
has password Hq4wZt8nVb2c "  ... its graphics password"

vv_of 52:54:00:12:34:72
is "$st" ready "OpenNebula, connection_url: ready"
has host kvm3.example.org "  ... the VM's host"
has port 5943 "  ... its port"
has password p9Lk2XsQ7mRa "  ... its graphics password"

vv_of 52:54:00:12:34:75
is "$st" ready "OpenNebula, a password with a backslash: ready"
has password 'pw\\xproxy=http://evil.example.org:3128' "  ... the password as the file escapes it"
is "$(printf '%s\n' "$vv" | grep -c '^proxy=')" 0 "  ... and no proxy"

broker_stop
ok $? "broker stopped cleanly"
done_testing
