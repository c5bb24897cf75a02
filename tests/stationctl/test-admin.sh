#!/bin/bash
# stationctl against a real running vdi-broker: unknown, adopt and status
# through the admin socket, passwd users logging in, edits picked up by the
# broker while it runs, and a clear exit 3 when the broker is not there.
# shellcheck source=SCRIPTDIR/../lib/tap.sh disable=SC1091
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=SCRIPTDIR/../lib/broker.sh disable=SC1091
. "$(dirname "$0")/../lib/broker.sh"

CTL=$VDI_BUILD/bin/stationctl
[ -x "$CTL" ] || skip_all "$CTL not built"
[ -x "$VDI_BUILD/bin/vdi-broker" ] || skip_all "vdi-broker not built"
gen_tls "$T/tls" || skip_all "openssl cannot make a test certificate"

S=$T/stations.conf
export VDI_STATIONS_FILE=$S VDI_USERS_FILE=$T/users
cat >"$S" <<'CONF'
# stationctl admin test
[group:lab]
protocol = spice
host = 10.9.0.5
port = 5900

[52:54:00:00:00:01]
name = desk-1
group = lab
port = 5901

[kiosk-*]
protocol = rdp
host = rds.example.org
login = broker
CONF

run() {
	out=$("$@" 2>"$T/stderr")
	rc=$?
	err=$(cat "$T/stderr")
}
sum() { sha256sum "$1" | cut -d' ' -f1; }
# row MAC: the MAC's line of the last table output.
row() { printf '%s\n' "$out" | grep "^$1 "; }
# wait_for (tap.sh) waits for the broker, which applies file changes
# asynchronously, by inotify.
login() {
	bpost /v1/login "$(printf '{"mac":"52:54:00:00:00:0%s","hostname":"kiosk-%s","username":"%s","password":"%s"}' "$1" "$1" "$2" "$3")"
}
login_code() {
	bpost_code /v1/login "$(printf '{"mac":"52:54:00:00:00:0%s","hostname":"kiosk-%s","username":"%s","password":"%s"}' "$1" "$1" "$2" "$3")"
}

# A user before the broker starts: broker_start passes $T/users.
printf 'pw-one\n' | "$CTL" passwd alice >/dev/null
ok $? "passwd creates the users file"

broker_start "$S" || skip_all "vdi-broker does not start"
export VDI_ADMIN_SOCKET=$BROKER_SOCK

# ---- unknown ----
run "$CTL" unknown
is "$rc" 0 "unknown exits 0"
is "$out" "MAC  IP  HOSTNAME  FIRST_SEEN  LAST_SEEN  COUNT" "unknown with no unknown stations: the header only"

is "$(lookup 52:54:00:00:00:99 st-99 | jget status)" unknown "an unmapped station gets status unknown"
lookup 52:54:00:00:00:99 st-99 >/dev/null
lookup 52:54:00:00:00:98 >/dev/null
run "$CTL" unknown
is "$rc" 0 "unknown exits 0"
like "$(row 52:54:00:00:00:99)" "^52:54:00:00:00:99 +127\\.0\\.0\\.1 +st-99 +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z +[0-9-]{10}T[0-9:]{8}Z +2$" \
	"unknown lists MAC, IP, host name, first and last seen, count"
like "$(row 52:54:00:00:00:98)" "^52:54:00:00:00:98 +127\\.0\\.0\\.1 +- " "a station without a host name shows -"
run "$CTL" unknown --json
is "$(jget unknown.0.hostname <<<"$out")" "" "unknown --json: the broker's JSON (first entry has no host name)"
is "$(jget unknown.1.count <<<"$out")" 2 "unknown --json: counts"
run "$CTL" unknown -H
is "$(printf '%s\n' "$out" | wc -l)" 2 "unknown -H: no header"

# ---- adopt ----
before=$(sum "$S")
run "$CTL" adopt 52:54:00:00:00:97 group=lab
is "$rc" 6 "adopt of a MAC the broker has not seen: exit 6"
like "$err" "52:54:00:00:00:97 is not in the broker's unknown list" "adopt of an unseen MAC: message"
is "$(sum "$S")" "$before" "adopt of an unseen MAC: file unchanged"
run "$CTL" adopt st-99 group=lab
is "$rc" 1 "adopt of something that is not a MAC: exit 1"
run "$CTL" adopt 52:54:00:00:00:99 group=lab port=70000
is "$rc" 1 "adopt with a bad value: exit 1"
run "$CTL" adopt 52:54:00:00:00:99 group=nope
is "$rc" 1 "adopt into a missing group: exit 1"
is "$(sum "$S")" "$before" "failed adopts leave the file unchanged"

run "$CTL" adopt 52-54-00-00-00-99 group=lab port=5930
is "$rc" 0 "adopt exits 0"
like "$out" "added \\[52:54:00:00:00:99\\]" "adopt reports the section"
"$CTL" show 52:54:00:00:00:99 >"$T/show"
grep -Eq '^  name += st-99 +\(52:54:00:00:00:99, line [0-9]+\)' "$T/show"
ok $? "adopt names the section after the reported host name"
grep -Eq '^  port += 5930 ' "$T/show"
ok $? "adopt adds the given keys"
cmp -s <(printf '%s\n' "$before") <(sum "$S.prev")
ok $? "adopt keeps the previous version"
ready_99() { [ "$(lookup 52:54:00:00:00:99 st-99 | jget endpoints.0.port)" = 5930 ]; }
wait_for ready_99
ok $? "the adopted station gets its desktop from the running broker"
run "$CTL" unknown -H
is "$(row 52:54:00:00:00:99)" "" "the adopted station is no longer unknown"

run "$CTL" adopt 52:54:00:00:00:98 group=lab "name=Front desk"
is "$rc" 0 "adopt with a name"
"$CTL" show 52:54:00:00:00:98 | grep -Eq '^  name += Front desk '
ok $? "a given name= wins over the host name"
run "$CTL" adopt 52:54:00:00:00:99 group=lab
is "$rc" 7 "adopt of a MAC that has a section: exit 7"
run "$CTL" adopt --force 52:54:00:00:00:96 group=lab
is "$rc" 0 "adopt --force of a MAC the broker has not seen"
"$CTL" show 52:54:00:00:00:96 | grep -Eq '^  name += - +\(not set\)'
ok $? "adopt --force without a host name sets no name"

# ---- status ----
# The ready answer's session token goes into the station's reports.
tok=$(lookup 52:54:00:00:00:01 st-01 | jget session)
run "$CTL" status
is "$rc" 0 "status exits 0"
like "$out" "^MAC +IP +HOSTNAME +MATCH +STATE +ENDPOINT +USER +SINCE +LAST_SEEN +NAME" "status header"
like "$(row 52:54:00:00:00:01)" "^52:54:00:00:00:01 +127\\.0\\.0\\.1 +st-01 +52:54:00:00:00:01 +idle +- +- +[0-9-]+T[0-9:]+Z +[0-9-]+T[0-9:]+Z +desk-1$" \
	"status: an idle station with its section and name"
bpost /v1/session '{"mac":"52:54:00:00:00:01","hostname":"st-01","event":"start","protocol":"spice","host":"10.9.0.5","port":5901,"user":"ann","session":"'"$tok"'"}' >/dev/null
run "$CTL" status
like "$(row 52:54:00:00:00:01)" " +connected +spice://10\\.9\\.0\\.5:5901 +ann +" "status: a connected station, its endpoint and user"
run "$CTL" status --json
is "$(jget stations.0.state <<<"$out")" connected "status --json: the broker's JSON"
bpost /v1/session '{"mac":"52:54:00:00:00:01","hostname":"st-01","event":"end","session":"'"$tok"'"}' >/dev/null
run "$CTL" status -H
like "$(row 52:54:00:00:00:01)" " +idle +" "status: idle again after the session ends"

# ---- edits reach the running broker ----
run "$CTL" set 52:54:00:00:00:01 port=5999
is "$rc" 0 "set while the broker runs"
port_5999() { [ "$(lookup 52:54:00:00:00:01 st-01 | jget endpoints.0.port)" = 5999 ]; }
wait_for port_5999
ok $? "the broker picks up the edit by itself"
run "$CTL" revert
port_5901() { [ "$(lookup 52:54:00:00:00:01 st-01 | jget endpoints.0.port)" = 5901 ]; }
wait_for port_5901
ok $? "the broker picks up a revert"

# ---- passwd and broker logins ----
is "$(login 1 alice pw-one | jget status)" ready "a user set with stationctl passwd can log in"
is "$(login_code 2 alice wrong)" 401 "a wrong password is refused"
printf 'pw-two\n' | "$CTL" passwd alice >/dev/null
is "$(login 3 alice pw-two | jget status)" ready "a changed password works at once"
is "$(login_code 4 alice pw-one)" 401 "the old password no longer works"
"$CTL" passwd -d alice >/dev/null
is "$(login_code 5 alice pw-two)" 401 "a removed user cannot log in"

# ---- the broker is not there ----
broker_stop
ok $? "the broker stops cleanly"
for cmd in status unknown; do
	run "$CTL" "$cmd"
	is "$rc" 3 "$cmd without a broker: exit 3"
	like "$err" "cannot reach the broker: $BROKER_SOCK" "$cmd without a broker: the message names the socket"
done
before=$(sum "$S")
run "$CTL" adopt 52:54:00:00:00:95 group=lab
is "$rc" 3 "adopt without a broker: exit 3"
is "$(sum "$S")" "$before" "adopt without a broker: file unchanged"
run "$CTL" --socket "$T/none/admin.sock" status
is "$rc" 3 "--socket to a missing socket: exit 3"
like "$err" "$T/none/admin.sock: No such file or directory \\(is vdi-broker running" "--socket: message"
# Something that is not the broker answering on the socket.
if command -v socat >/dev/null; then
	printf 'HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>hello</html>' >"$T/fake.http"
	socat UNIX-LISTEN:"$T/fake.sock",fork SYSTEM:"cat $T/fake.http; sleep 0.2" &
	fake=$!
	at_exit "kill $fake"
	wait_for test -S "$T/fake.sock"
	run "$CTL" --socket "$T/fake.sock" status
	is "$rc" 3 "a socket that does not answer JSON: exit 3"
	like "$err" "the reply is not a JSON object" "a socket that does not answer JSON: message"
fi

done_testing
