#!/bin/bash
# A private slapd for directory-login tests: its own configuration, database
# and TLS in a folder of the test's scratch dir, on 127.0.0.1 with free
# ports; never the system's slapd nor its /etc/ldap/slapd.d. Source
# tests/lib/tap.sh and tests/lib/broker.sh (for gen_tls) first.
#
#   slapd_setup DIR     writes DIR/slapd.conf (ppolicy and memberof overlays,
#                       the AD test schema), a test CA and server certificate
#                       (DIR/tls/ca.crt), and loads tests/data/ldap/users.ldif
#                       with slapadd; sets SLAPD_DIR, SLAPD_CA, SLAPD_PORT
#                       (ldap://, StartTLS) and SLAPD_TLS_PORT (ldaps://)
#   slapd_run           starts slapd (in the foreground: -d) on those ports and waits until it answers;
#                       sets SLAPD_PID
#   slapd_kill          stops it (SIGKILL: a directory that dies)
#   slapd_free_port     prints a free TCP port on 127.0.0.1
#
# The service account is cn=reader,ou=services,dc=example,dc=org with
# password reader-pw (SLAPD_READER, SLAPD_READER_PW).

SLAPD_BIN=${SLAPD_BIN:-/usr/sbin/slapd}
SLAPD_BASE="dc=example,dc=org"
SLAPD_READER="cn=reader,ou=services,dc=example,dc=org"
SLAPD_READER_PW=reader-pw
SLAPD_PID=
export SLAPD_BASE SLAPD_READER SLAPD_READER_PW

slapd_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

slapd_setup() {
	local dir=$1 data=$VDI_ROOT/tests/data/ldap
	[ -x "$SLAPD_BIN" ] || return 1
	mkdir -p "$dir/db" || return 1
	gen_tls "$dir/tls" || return 1
	SLAPD_DIR=$dir
	SLAPD_CA=$dir/tls/ca.crt
	SLAPD_PORT=$(slapd_free_port)
	SLAPD_TLS_PORT=$(slapd_free_port)
	cat >"$dir/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include $data/ad-test.schema
modulepath /usr/lib/ldap
moduleload back_mdb.la
moduleload ppolicy.la
moduleload memberof.la
pidfile $dir/slapd.pid
argsfile $dir/slapd.args
TLSCACertificateFile $dir/tls/ca.crt
TLSCertificateFile $dir/tls/server.crt
TLSCertificateKeyFile $dir/tls/server.key

database mdb
maxsize 16777216
suffix "$SLAPD_BASE"
rootdn "cn=admin,$SLAPD_BASE"
rootpw admin-pw
directory $dir/db
overlay memberof
overlay ppolicy
ppolicy_default "cn=default,ou=policies,$SLAPD_BASE"
ppolicy_use_lockout
access to attrs=userPassword by anonymous auth by self read by * none
access to * by dn.exact="$SLAPD_READER" read by self read by users read by * none
CONF
	"${SLAPD_BIN%/slapd}/slapadd" -f "$dir/slapd.conf" -l "$data/users.ldif" \
		>"$dir/slapadd.log" 2>&1 || {
		sed 's/^/#   /' "$dir/slapadd.log" >&2
		return 1
	}
	export SLAPD_DIR SLAPD_CA SLAPD_PORT SLAPD_TLS_PORT
}

_slapd_answers() {
	LDAPNOINIT=1 ldapsearch -x -H "ldap://127.0.0.1:$SLAPD_PORT" -b "" -s base \
		-o nettimeout=2 >/dev/null 2>&1
}

slapd_run() {
	local i
	"$SLAPD_BIN" -d stats -f "$SLAPD_DIR/slapd.conf" \
		-h "ldap://127.0.0.1:$SLAPD_PORT/ ldaps://127.0.0.1:$SLAPD_TLS_PORT/" \
		>>"$SLAPD_DIR/slapd.log" 2>&1 &
	SLAPD_PID=$!
	at_exit slapd_kill
	for ((i = 0; i < 100; i++)); do
		_slapd_answers && return 0
		kill -0 "$SLAPD_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "slapd did not start:"
	sed 's/^/#   /' "$SLAPD_DIR/slapd.log" >&2
	return 1
}

slapd_kill() {
	[ -n "$SLAPD_PID" ] || return 0
	kill -KILL "$SLAPD_PID" 2>/dev/null
	wait "$SLAPD_PID" 2>/dev/null
	SLAPD_PID=
}
