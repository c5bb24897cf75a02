#!/bin/bash
# stationctl passwd: set, change and remove users of the broker's users file;
# the password comes from standard input (or the terminal), never from the
# command line, so ps never shows it.
# shellcheck source=SCRIPTDIR/../lib/tap.sh disable=SC1091
. "$(dirname "$0")/../lib/tap.sh"

CTL=$VDI_BUILD/bin/stationctl
[ -x "$CTL" ] || skip_all "$CTL not built"
command -v perl >/dev/null || skip_all "perl not installed"

U=$T/users
export VDI_USERS_FILE=$U

run() {
	out=$("$@" 2>"$T/stderr")
	rc=$?
	err=$(cat "$T/stderr")
}
sum() { sha256sum "$1" | cut -d' ' -f1; }
hash_of() { sed -n "s/^$1://p" "$U"; }
# verify USER PASSWORD: does the stored hash match? libcrypt through perl's
# crypt(), the password passed in the environment, not as an argument.
verify() {
	PW=$2 perl -e 'exit(crypt($ENV{PW}, $ARGV[0]) eq $ARGV[0] ? 0 : 1)' "$(hash_of "$1")"
}

run sh -c "printf 'correct horse\n' | '$CTL' passwd alice"
is "$rc" 0 "passwd from standard input exits 0"
like "$out" "set the password of alice" "passwd says what it did"
like "$(hash_of alice)" "^[\$]y[\$]" "the hash is yescrypt"
verify alice "correct horse"
ok $? "the stored hash matches the password (trailing newline dropped)"
verify alice "correct horse
"
ok $((!$?)) "the newline is not part of the password"
is "$(stat -c %a "$U")" 600 "the users file has mode 600"

# No trailing newline, blanks and # inside.
run sh -c "printf ' s3cret # x ' | '$CTL' -u '$U' passwd bob"
is "$rc" 0 "a password without a trailing newline"
verify bob " s3cret # x "
ok $? "blanks and # are part of the password"

old=$(hash_of alice)
run sh -c "printf 'battery staple\n' | '$CTL' passwd alice"
is "$rc" 0 "changing a password exits 0"
verify alice "battery staple"
ok $? "the new password matches"
[ "$(hash_of alice)" != "$old" ]
ok $? "the hash changed"
is "$(grep -c '^alice:' "$U")" 1 "one line per user"
verify bob " s3cret # x "
ok $? "other users are untouched"

# ---- bad input ----
good=$(sum "$U")
# bad CODE REGEX DESCRIPTION INPUT ARGS...
bad() {
	local code=$1 re=$2 desc=$3 input=$4
	shift 4
	out=$(printf '%s' "$input" | "$CTL" "$@" 2>"$T/stderr")
	rc=$?
	err=$(cat "$T/stderr")
	is "$rc" "$code" "$desc: exit $code"
	like "$err" "$re" "$desc: message"
	is "$(sum "$U")" "$good" "$desc: users file unchanged"
}
bad 1 "empty password" "empty password" $'\n' passwd carol
bad 1 "longer than 256 bytes" "password too long" "$(printf 'x%.0s' $(seq 1 257))" passwd carol
bad 1 "invalid user name 'bad name'" "invalid user name" "pw" passwd "bad name"
bad 1 "invalid user name" "user name with a colon" "pw" passwd "a:b"
bad 2 "never from arguments" "password on the command line" "" passwd carol hunter2
bad 2 "usage: stationctl" "no user" "pw" passwd
bad 6 "no user 'carol'" "removing a missing user" "" passwd -d carol
long=$(printf 'x%.0s' $(seq 1 256))
printf '%s\n' "$long" | "$CTL" passwd erin >/dev/null
ok $? "a password of exactly 256 bytes is accepted"
verify erin "$long"
ok $? "and it matches"
good=$(sum "$U")

# A malformed users file is refused, not rewritten.
cp "$U" "$T/users.good"
printf '%s\n' "alice:\$y\$abc" "this line is wrong" >"$U"
malformed=$(sum "$U")
run sh -c "printf 'pw\n' | '$CTL' passwd carol"
is "$rc" 1 "a malformed users file: exit 1"
like "$err" ":2: malformed line" "a malformed users file: message with the line"
is "$(sum "$U")" "$malformed" "a malformed users file is left alone"
cp "$T/users.good" "$U"

# ---- removal ----
run "$CTL" passwd -d bob
is "$rc" 0 "passwd -d exits 0"
is "$(grep -c '^bob:' "$U")" 0 "bob is gone"
verify alice "battery staple"
ok $? "alice is still there"
run "$CTL" passwd --delete bob
is "$rc" 6 "removing bob again: exit 6"

# ---- the password is never visible to other processes ----
# Feed the password through a FIFO and keep it open, so stationctl has read
# it and waits for the rest of the line while we look at it from outside.
mkfifo "$T/pw"
"$CTL" passwd dave <"$T/pw" >/dev/null 2>&1 &
pid=$!
exec 3>"$T/pw"
printf 'Tr0ub4dor&3' >&3
sleep 0.3
seen=0
if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'Tr0ub4dor'; then seen=1; fi
if tr '\0' '\n' <"/proc/$pid/environ" | grep -q 'Tr0ub4dor'; then seen=1; fi
if pgrep -f 'Tr0ub4dor' >/dev/null; then seen=1; fi
is "$seen" 0 "the password is not in the command line or environment of any process"
is "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "$CTL passwd dave " "stationctl's command line holds only the user"
printf '\n' >&3
exec 3>&-
wait "$pid"
is "$?" 0 "passwd through a FIFO exits 0"
verify dave 'Tr0ub4dor&3'
ok $? "dave's password works"

done_testing
