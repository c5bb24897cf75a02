#!/bin/bash
# Helpers for tests that talk to a real vdi-broker. Source tests/lib/tap.sh
# first, then this file.
#
#   gen_tls DIR              CA (DIR/ca.crt) and a server certificate for
#                            127.0.0.1, ::1 and localhost (DIR/server.crt, .key)
#   broker_start FILE [ARG]  starts $VDI_BUILD/bin/vdi-broker on 127.0.0.1 port 0
#                            (BROKER_LISTEN overrides) with HTTPS, or plain HTTP
#                            when BROKER_HTTP=1; the admin socket in $T; $T/users
#                            as users file when it exists. Waits for the
#                            event=listening line, then sets BROKER_URL,
#                            BROKER_PID, BROKER_LOG, BROKER_SOCK, BROKER_CA.
#   broker_stop              SIGTERM, wait; fails (and prints the log) when the
#                            broker exited non-zero or a sanitizer spoke
#   broker_alive             true while the broker process runs
#   broker_wait_log REGEX [SECONDS]   waits for a log line
#   lookup MAC [HOSTNAME]    POST /v1/lookup, prints the body
#   lookup_code MAC [HOST]   the same, prints the HTTP status only
#   bpost PATH JSON          POST JSON to PATH, prints the body
#   bpost_code PATH JSON     the same, prints the HTTP status only
#   bcurl [CURL ARGS] URL-PATH   any request, body on stdout
#   admin_get PATH, admin_post PATH   the admin socket (curl --unix-socket)
#   need_open_files N        raises the open-file limit to at least N, or
#                            skips the whole test (skip_all) when it cannot
#   jget PATH                reads JSON on stdin, prints the value at PATH
#                            (station.name, endpoints.0.host; objects and
#                            arrays as compact JSON); exit 1 when absent

_broker_n=0
BROKER_PID=
BROKER_CA=

# The certificate also names 10.0.2.100, the address QEMU guests reach the
# broker at through guestfwd.
gen_tls() {
	local dir=$1
	mkdir -p "$dir"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$dir/ca.key" -out "$dir/ca.crt" -days 2 -subj "/CN=VDI test CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1 || return 1
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$dir/server.key" -out "$dir/server.csr" -subj "/CN=localhost" \
		>/dev/null 2>&1 || return 1
	printf '%s\n' "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost,IP:10.0.2.100" \
		"basicConstraints=CA:FALSE" "extendedKeyUsage=serverAuth" >"$dir/server.ext"
	openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
		-CAcreateserial -days 2 -extfile "$dir/server.ext" -out "$dir/server.crt" \
		>/dev/null 2>&1 || return 1
	chmod 600 "$dir/server.key" "$dir/ca.key"
}

need_open_files() {
	ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
	if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$1" ]; then
		skip_all "open file limit $(ulimit -n) is below $1"
	fi
}

broker_alive() {
	[ -n "$BROKER_PID" ] && kill -0 "$BROKER_PID" 2>/dev/null
}

# broker_wait_log REGEX [SECONDS]: true once the log has a matching line.
broker_wait_log() {
	local re=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 20; i++)); do
		grep -Eq -- "$re" "$BROKER_LOG" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

_broker_sanitizer_report() {
	grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' \
		"$1" 2>/dev/null
}

_broker_kill() {
	if broker_alive; then
		kill -KILL "$BROKER_PID" 2>/dev/null
		wait "$BROKER_PID" 2>/dev/null
	fi
	BROKER_PID=
}

broker_start() {
	local stations=$1 scheme=https host addr i
	shift
	local args=(-f "$stations" --listen "${BROKER_LISTEN:-127.0.0.1:0}")
	_broker_n=$((_broker_n + 1))
	BROKER_LOG=$T/broker.$_broker_n.log
	BROKER_SOCK=$T/admin.sock
	args+=(--admin-socket "$BROKER_SOCK")
	# The state stays in the test's folder, not in the host's
	# /var/lib/vdi-broker, unless the test names a folder itself.
	[[ " $* " == *" --state-dir "* ]] || args+=(--state-dir "$T/state")
	if [ "${BROKER_HTTP:-0}" = 1 ]; then
		scheme=http
		args+=(--insecure-http)
	else
		if [ ! -f "$T/tls/server.crt" ]; then
			gen_tls "$T/tls" || {
				diag "gen_tls failed"
				return 1
			}
		fi
		BROKER_CA=$T/tls/ca.crt
		args+=(--tls-cert "$T/tls/server.crt" --tls-key "$T/tls/server.key")
	fi
	[ -f "$T/users" ] && args+=(--users "$T/users")
	"$VDI_BUILD/bin/vdi-broker" "${args[@]}" "$@" 2>"$BROKER_LOG" &
	BROKER_PID=$!
	if [ "$_broker_n" = 1 ]; then
		at_exit _broker_kill
	fi
	# Sanitizer builds start slowly; 20 s is far more than a plain one needs.
	for ((i = 0; i < 400; i++)); do
		if grep -q 'event=listening' "$BROKER_LOG" 2>/dev/null; then
			break
		fi
		if ! broker_alive; then
			diag "vdi-broker exited during start-up:"
			sed 's/^/#   /' "$BROKER_LOG" >&2
			BROKER_PID=
			return 1
		fi
		sleep 0.05
	done
	addr=$(sed -n 's/.*event=listening addr="\{0,1\}\([^" ]*\).*/\1/p' "$BROKER_LOG" | head -n 1)
	if [ -z "$addr" ]; then
		diag "vdi-broker did not log event=listening"
		_broker_kill
		return 1
	fi
	host=${addr%:*}
	[ "$host" = "[::]" ] && host="[::1]"
	[ "$host" = "0.0.0.0" ] && host=127.0.0.1
	BROKER_URL=$scheme://$host:${addr##*:}
	export BROKER_URL BROKER_PID BROKER_LOG BROKER_SOCK BROKER_CA
}

broker_stop() {
	local rc=0
	[ -n "$BROKER_PID" ] || return 0
	kill -TERM "$BROKER_PID" 2>/dev/null
	wait "$BROKER_PID" 2>/dev/null
	rc=$?
	BROKER_PID=
	if [ "$rc" -ne 0 ] || _broker_sanitizer_report "$BROKER_LOG"; then
		diag "vdi-broker exit status $rc; log:"
		sed 's/^/#   /' "$BROKER_LOG" | tail -n 60 >&2
		return 1
	fi
	return 0
}

_broker_curl() {
	local ca=()
	[ -n "$BROKER_CA" ] && case $BROKER_URL in https:*) ca=(--cacert "$BROKER_CA") ;; esac
	curl -sS --max-time 10 "${ca[@]}" "$@"
}

bcurl() {
	local path=${*: -1}
	_broker_curl "${@:1:$#-1}" "$BROKER_URL$path"
}

_lookup_body() {
	if [ -n "${2:-}" ]; then
		printf '{"mac":"%s","hostname":"%s","version":"test"}' "$1" "$2"
	else
		printf '{"mac":"%s","version":"test"}' "$1"
	fi
}

lookup() {
	bpost /v1/lookup "$(_lookup_body "$@")"
}

lookup_code() {
	bpost_code /v1/lookup "$(_lookup_body "$@")"
}

bpost() {
	_broker_curl -H 'Content-Type: application/json' --data-binary "$2" "$BROKER_URL$1"
}

bpost_code() {
	_broker_curl -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary "$2" "$BROKER_URL$1"
}

admin_get() {
	curl -sS --max-time 10 --unix-socket "$BROKER_SOCK" "http://broker$1"
}

# admin_wait_like PATH REGEX [SECS]: prints the admin answer once it matches
# (or the last one after SECS, default 10). Stations report session starts
# and ends in the background, after their own state has changed, so a check
# of the broker's view right after the station's must give the report time.
admin_wait_like() {
	local path=$1 re=$2 secs=${3:-10} got i
	for ((i = 0; i < secs * 10; i++)); do
		got=$(admin_get "$path" 2>&1)
		printf '%s' "$got" | grep -Eq -- "$re" && break
		sleep 0.1
	done
	printf '%s' "$got"
}

admin_post() {
	curl -sS --max-time 10 --unix-socket "$BROKER_SOCK" -X POST "http://broker$1"
}

jget() {
	perl -MJSON::PP -e '
		my $text = do { local $/; <STDIN> };
		my $v = eval { JSON::PP->new->allow_nonref->decode($text) };
		exit 2 unless defined $text && !$@;
		for my $k (split /\./, $ARGV[0]) {
			if (ref $v eq "HASH" && exists $v->{$k}) { $v = $v->{$k} }
			elsif (ref $v eq "ARRAY" && $k =~ /^\d+$/ && $k < @$v) { $v = $v->[$k] }
			else { exit 1 }
		}
		if (!defined $v) { print "null" }
		elsif (JSON::PP::is_bool($v)) { print $v ? "true" : "false" }
		elsif (ref $v) { print JSON::PP->new->canonical->encode($v) }
		else { print $v }
	' "$1"
}
