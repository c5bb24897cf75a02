#!/bin/bash
# The README's "For broker admins" steps, done the way a new admin does them:
# the commands are read from README.md's code block and run one after the
# other (install, certificate, stationctl add and check, vdi-broker started
# by hand, curl), on a machine where /run/vdi-broker does not exist (a
# private mount namespace with an empty /run and /var/lib). Only what keeps
# the machine and the network untouched is changed: /etc/vdi-station and
# /usr/local/bin become folders in $T, 0.0.0.0:8443 becomes 127.0.0.1 and a
# free port, broker.example.org is mapped to 127.0.0.1 with curl --resolve,
# and `make` is left out (the tree is already built).
#
# Proof that it worked, from the other side: the broker keeps running and
# logs where it put its admin socket; curl's lookup returns the desktop
# that step 2 mapped; `stationctl status` and `stationctl unknown`, with
# neither --socket nor $VDI_ADMIN_SOCKET, reach that broker (they list the
# stations curl just asked for); the socket's folder is mode 0700.
#
# Then the same broker run by an unprivileged user, who cannot write /run:
# it puts the socket under $XDG_RUNTIME_DIR and says so, and that user's
# stationctl finds it there.

# A private /run for everything below, made before the TAP set-up so that
# the scratch folder is cleaned by the process that made it.
if [ -z "${VDI_README_NS:-}" ]; then
	if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
		echo "1..0 # SKIP needs root and mount namespaces (unshare -m)"
		exit 0
	fi
	VDI_README_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
mount -t tmpfs -o mode=0755 tmpfs /run || exit 1
mount -t tmpfs -o mode=0755 tmpfs /var/lib || exit 1

# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

unset VDI_ADMIN_SOCKET XDG_RUNTIME_DIR
ETC=$T/etc/vdi-station
BIN=$T/usr-local-bin
mkdir -p "$BIN"
# stationctl's own way to name the stations file; the README's commands
# use the default /etc/vdi-station/stations.conf.
export VDI_STATIONS_FILE=$ETC/stations.conf
export PATH=$BIN:$PATH
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
MAC=52:54:00:12:34:56
STRANGER=52:54:00:99:88:77

[ ! -e /run/vdi-broker ]
ok $? "precondition: /run/vdi-broker does not exist"

# The code block after "## For broker admins", one command per line
# (continuations joined, comments and blank lines dropped).
awk '/^## For broker admins/ { s = 1 } s && /^```sh/ { b = 1; next } b && /^```/ { exit } b' \
	"$VDI_ROOT/README.md" |
	sed -e 's/[[:space:]]*#.*$//' |
	awk '/\\$/ { sub(/\\$/, ""); line = line $0; next } { print line $0; line = "" }' |
	sed -e 's/[[:space:]]\{1,\}/ /g' -e 's/ $//' -e '/^$/d' >"$T/steps"
diag "README steps:"
sed 's/^/#   /' "$T/steps" >&2
is "$(wc -l <"$T/steps")" 8 "the README's admin block has its 8 commands"

# localize CMD: the command as this test runs it.
localize() {
	printf '%s\n' "$1" | sed \
		-e "s#/etc/vdi-station#$ETC#g" \
		-e "s#/usr/local/bin#$BIN#g" \
		-e "s#build/bin/#$VDI_BUILD/bin/#g" \
		-e "s#0\.0\.0\.0:8443#127.0.0.1:$PORT#g" \
		-e "s#broker\.example\.org:8443#broker.example.org:$PORT#g" \
		-e "s#^curl #curl -sS --max-time 10 --resolve broker.example.org:$PORT:127.0.0.1 #"
}

BROKER_LOG=$T/broker.log
n=0
while IFS= read -r step; do
	n=$((n + 1))
	cmd=$(localize "$step")
	case $step in
	make)
		diag "step $n: make (skipped: already built)"
		;;
	vdi-broker\ *)
		# Started by hand, in the foreground in the README; here in the
		# background so that the next step can ask it.
		eval "exec $cmd" 2>"$BROKER_LOG" &
		BROKER_PID=$!
		at_exit _broker_kill
		broker_wait_log 'event=(listening|stopped)' 20
		grep -q 'event=listening' "$BROKER_LOG"
		ok $? "step $n: vdi-broker started by hand keeps running" ||
			sed 's/^/#   /' "$BROKER_LOG" >&2
		;;
	curl\ *)
		eval "$cmd" >"$T/lookup.json" 2>"$T/curl.err"
		ok $? "step $n: curl reaches https://broker.example.org:$PORT" ||
			sed 's/^/#   /' "$T/curl.err" >&2
		;;
	*)
		eval "$cmd" >"$T/step$n.out" 2>&1
		ok $? "step $n: $step" || sed 's/^/#   /' "$T/step$n.out" >&2
		;;
	esac
done <"$T/steps"

is "$(jget station.name <"$T/lookup.json")" desk-1 "the lookup answers the station that step 2 mapped"
is "$(jget endpoints.0.host <"$T/lookup.json")" vdi1.example.org "  ... with its desktop's host"
like "$(cat "$BROKER_LOG")" 'event=listening .*admin_socket=/run/vdi-broker/admin.sock' \
	"the start line says where the admin socket is"
is "$(stat -c '%a %U' /run/vdi-broker 2>&1)" "700 root" "the socket's folder was made mode 0700, the broker's user's"
is "$(stat -c '%a' /var/lib/vdi-broker 2>&1)" 700 "the state folder too"

# A station nobody mapped asks, the way the README's step 4 asks.
localize "curl --cacert /etc/vdi-station/tls/broker.crt https://broker.example.org:8443/v1/lookup" \
	>"$T/ask"
read -r -a ask <"$T/ask"
"${ask[@]}" -H 'Content-Type: application/json' -d "{\"mac\":\"$STRANGER\"}" >/dev/null

stationctl status >"$T/status" 2>&1
ok $? "stationctl status, without --socket, reaches the broker" || sed 's/^/#   /' "$T/status" >&2
like "$(cat "$T/status")" "$MAC" "  ... and lists the station curl asked for"
stationctl unknown >"$T/unknown" 2>&1
ok $? "stationctl unknown, without --socket, reaches the broker" || sed 's/^/#   /' "$T/unknown" >&2
like "$(cat "$T/unknown")" "$STRANGER" "  ... and lists the unmapped station"

broker_stop
ok $? "the broker stops cleanly"
[ ! -e /run/vdi-broker/admin.sock ]
ok $? "  ... and removes its socket"

# An admin without root: /run is not theirs to write. The broker must say
# where the socket went, and that user's stationctl must find it there.
U=nobody
XDG=$T/xdg
mkdir -p "$XDG" "$T/home"
chown "$U" "$XDG" "$T/home"
chmod 0700 "$XDG"
chmod 0755 "$T" "$ETC" "$ETC/tls"
chmod 0644 "$ETC/stations.conf" "$ETC/tls/broker.key"
# A plain array, not a function: "${as_user[@]}" CMD & is one process, so
# $! is the broker itself and broker_stop signals it.
as_user=(env -i PATH="$PATH" HOME="$T/home" XDG_RUNTIME_DIR="$XDG"
	setpriv --reuid="$U" --regid="$(id -g "$U")" --clear-groups)
BROKER_LOG=$T/broker-user.log
"${as_user[@]}" "$BIN/vdi-broker" -f "$ETC/stations.conf" --listen "127.0.0.1:0" \
	--tls-cert "$ETC/tls/broker.crt" --tls-key "$ETC/tls/broker.key" 2>"$BROKER_LOG" &
BROKER_PID=$!
broker_wait_log 'event=(listening|stopped)' 20
like "$(cat "$BROKER_LOG")" "event=listening .*admin_socket=$XDG/vdi-broker/admin.sock" \
	"as $U: the broker puts its socket under \$XDG_RUNTIME_DIR and says so"
like "$(cat "$BROKER_LOG")" "event=admin-socket .*passed_over=\"/run/vdi-broker" \
	"  ... and why it did not use /run/vdi-broker"
"${as_user[@]}" "$BIN/stationctl" status >"$T/status-user" 2>&1
ok $? "  ... and $U's stationctl status finds it there" || sed 's/^/#   /' "$T/status-user" >&2
is "$(stat -c '%a %U' "$XDG/vdi-broker" 2>&1)" "700 $U" "  ... in a folder of $U's, mode 0700"
broker_stop
ok $? "  ... and it stops cleanly"

done_testing
