#!/bin/bash
# The lookup cases of tests/data/lookup (see its README.md): each case's
# request goes to a real broker started on its set's stations file, and the
# reply must be the case's reply.json (as JSON: member order and white space
# aside) with the case's HTTP status. One broker per set, so the whole run
# starts only a handful. LOOKUP_CASES names another folder of sets.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

data=${LOOKUP_CASES:-$VDI_ROOT/tests/data/lookup}
[ -d "$data" ] || {
	echo "Bail out! no cases in $data"
	exit 1
}

# case_request FILE BODY: prints the method and the path of the request in
# FILE, one per line, then one header per line; writes the body to BODY
# (without the file's last line break).
case_request() {
	perl -e '
		open(my $in, "<", $ARGV[0]) or die "$ARGV[0]: $!\n";
		my @lines = <$in>;
		shift @lines while @lines && $lines[0] =~ /^#/;
		my $start = shift @lines // die "$ARGV[0]: no request line\n";
		$start =~ /^([A-Z]+) (\S+)\s*$/ or die "$ARGV[0]: bad request line: $start";
		print "$1\n$2\n";
		while (@lines) {
			my $h = shift @lines;
			$h =~ s/\r?\n$//;
			last if $h eq "";
			print "$h\n";
		}
		my $body = join("", @lines);
		$body =~ s/\n$//;
		open(my $out, ">", $ARGV[1]) or die "$ARGV[1]: $!\n";
		print $out $body;
	' "$1" "$2"
}

# same_json WANT GOT: true when the two files hold the same JSON value.
# The broker draws a new session token for every answer that hands out a
# desktop: when both have one of 32 lowercase hex digits, they count as
# equal. On a difference, a diff of both, sorted.
same_json() {
	perl -MJSON::PP -e '
		my $json = JSON::PP->new->canonical->pretty;
		sub load {
			open(my $in, "<", $_[0]) or die "$_[0]: $!\n";
			my $text = do { local $/; <$in> };
			my $v = eval { $json->decode($text) };
			die "$_[0] is not JSON: $@$text\n" if $@;
			return $v;
		}
		my ($want, $got) = (load($ARGV[0]), load($ARGV[1]));
		my $token = qr/^[0-9a-f]{32}\z/;
		if (ref $want eq "HASH" && ref $got eq "HASH" &&
		    ($want->{session} // "") =~ $token && ($got->{session} // "") =~ $token) {
			$got->{session} = $want->{session};
		}
		for (["want", $want], ["got", $got]) {
			open(my $out, ">", "$ARGV[2].$_->[0]") or die "$ARGV[2]: $!\n";
			print $out $json->encode($_->[1]);
		}
	' "$1" "$2" "$T/json" 2>&1 | sed 's/^/# /' >&2
	[ "${PIPESTATUS[0]}" -eq 0 ] || return 1
	diff -u --label want --label got "$T/json.want" "$T/json.got" | sed 's/^/# /' >&2
	[ "${PIPESTATUS[0]}" -eq 0 ]
}

# run_case DIR NAME: sends the case in DIR to the running broker; one TAP
# test named NAME.
run_case() {
	local dir=$1 name=$2 method path line code want_code=200 src=127.0.0.1
	local args=() lines
	local body=$T/body got=$T/got
	if [ ! -f "$dir/request" ] || [ ! -f "$dir/reply.json" ]; then
		ok 1 "$name: the case has both a request and a reply.json"
		return
	fi
	if ! mapfile -t lines < <(case_request "$dir/request" "$body") || [ ${#lines[@]} -lt 2 ]; then
		ok 1 "$name: the request file reads"
		return
	fi
	method=${lines[0]} path=${lines[1]}
	for line in "${lines[@]:2}"; do
		args+=(-H "$line")
	done
	[ "$method" = GET ] || args+=(--data-binary "@$body")
	[ -f "$dir/source" ] && src=$(<"$dir/source")
	[ -f "$dir/status" ] && want_code=$(<"$dir/status")
	code=$(_broker_curl -o "$got" -w '%{http_code}' -X "$method" --interface "$src" \
		"${args[@]}" "$BROKER_URL$path")
	if [ "$code" != "$want_code" ]; then
		ok 1 "$name"
		diag "HTTP status $code, want $want_code; body: $(cat "$got" 2>/dev/null)"
		return
	fi
	same_json "$dir/reply.json" "$got"
	ok $? "$name"
}

gen_tls "$T/tls" || skip_all "openssl cannot make a test certificate"
n_sets=0
for set_dir in "$data"/*/; do
	set_dir=${set_dir%/}
	set=$(basename "$set_dir")
	[ -f "$set_dir/stations.conf" ] || continue
	n_sets=$((n_sets + 1))
	# The broker reads the set from a copy: its state and any temporary
	# files stay out of the source tree.
	mkdir -p "$T/sets"
	cp -r "$set_dir" "$T/sets/$set"
	cases=()
	# A case is a folder with a request or a reply.json (other folders,
	# such as ca/, are files the stations file names); one without both is
	# a failure, not a case that quietly never runs.
	for case_dir in "$set_dir"/*/; do
		[ -f "$case_dir/request" ] || [ -f "$case_dir/reply.json" ] && cases+=("${case_dir%/}")
	done
	args=()
	[ -f "$set_dir/broker-args" ] && mapfile -t args < <(grep -v '^#' "$set_dir/broker-args")
	if ! broker_start "$T/sets/$set/stations.conf" "${args[@]}"; then
		for case_dir in "${cases[@]}"; do
			ok 1 "$set/$(basename "$case_dir"): the broker started"
		done
		continue
	fi
	for case_dir in "${cases[@]}"; do
		title=$(sed -n '1s/^# *//p' "$case_dir/request" 2>/dev/null)
		run_case "$case_dir" "$set/$(basename "$case_dir"): ${title:-(no title)}"
	done
	broker_stop
	ok $? "$set: ${#cases[@]} cases, broker stopped cleanly"
done
[ "$n_sets" -gt 0 ]
ok $? "$n_sets sets of cases in $data"

done_testing
