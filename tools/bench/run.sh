#!/bin/bash
# The broker benchmark, run by `make bench` (which builds build/bin/vdi-broker
# and build/bench/lookup_cost first).
#
#  1. Throughput against nginx. vdi-broker answers POST /v1/lookup for a known
#     station (status "ready"); nginx serves a static file holding exactly the
#     broker's reply body at GET /v1/lookup. Both speak plain HTTP on
#     127.0.0.1 and are hit by the same wrk command (1,000 connections), in
#     alternating runs - nginx, broker, nginx, broker, ... - so that noise from
#     other work on the machine falls on both. Reported: every run, the
#     medians, the broker/nginx ratio of requests/s (median of the pairwise
#     ratios; target >= 0.5) and p99 latency. Then the same over HTTPS with one
#     self-signed certificate for both (BENCH_TLS=0 skips it).
#  2. Lookup cost at 10, 1,000 and 100,000 mappings: wrk against a broker
#     loaded with each file, and build/bench/lookup_cost (the lookup timed in
#     process). Target: flat, the 100k/10 ratio near 1; judged on the lookup's
#     own work (same MAC, in process: ratio <= 1.5) and end to end (wrk req/s:
#     ratio >= 0.8). Random lookups in process are reported too; at 100k they
#     also pay cache misses, which is memory latency, not the algorithm.
#
# The report goes to standard output and to build/bench/broker.txt; the same
# figures, machine-readable, to build/bench/broker.json. Exit status: 0 when
# the benchmark ran (targets met or not; with BENCH_STRICT=1 a missed target
# gives 1), 1 when something broke (a server did not start, answered wrongly
# or died).
#
# Everything is bounded: wrk runs for a fixed time under `timeout`, servers
# listen on 127.0.0.1 only, and every process started here is stopped on exit.
# Knobs (environment): BENCH_DURATION (s per main run, 10), BENCH_RUNS (runs
# per side, 3), BENCH_SCALE_DURATION (s, 5), BENCH_SCALE_RUNS (3),
# BENCH_TLS_DURATION (s, 5), BENCH_TLS_RUNS (2), BENCH_CONNECTIONS (1000),
# BENCH_THREADS (2), BENCH_MAPPINGS ("10 1000 100000"), BENCH_TLS (1),
# BENCH_STRICT (0), BUILD (build).
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

BUILD=${BUILD:-build}
duration=${BENCH_DURATION:-10}
runs=${BENCH_RUNS:-3}
scale_duration=${BENCH_SCALE_DURATION:-5}
scale_runs=${BENCH_SCALE_RUNS:-3}
tls_duration=${BENCH_TLS_DURATION:-5}
tls_runs=${BENCH_TLS_RUNS:-2}
conns=${BENCH_CONNECTIONS:-1000}
threads=${BENCH_THREADS:-2}
read -r -a mappings <<<"${BENCH_MAPPINGS:-10 1000 100000}"
main_mappings=1000 # the file the broker serves in part 1
with_tls=${BENCH_TLS:-1}
strict=${BENCH_STRICT:-0}

broker=$BUILD/bin/vdi-broker
lookup_cost=$BUILD/bench/lookup_cost
out=$BUILD/bench
bench_mac=52:54:00:12:34:56 # the station tools/bench/gen-stations.sh always writes
lua=$here/lookup.lua

# The JSON summary writes a missing median as null.
BENCH_NONE=null
# shellcheck source=tools/bench/lib.sh
. "$here/lib.sh"

for tool in wrk nginx curl openssl awk timeout; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (make deps installs it)"
done
[ -x "$broker" ] || die "$broker is missing; run make first"
[ -x "$lookup_cost" ] || die "$lookup_cost is missing; run make bench"

# 1,000 connections need more descriptors than the usual 1,024: raise the soft
# limit as far as allowed (65536 at most); the servers and wrk inherit it.
hard=$(ulimit -Hn)
want=65536
if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then
	want=$hard
fi
ulimit -n "$want" 2>/dev/null || true
nofile=$(ulimit -n)
if [ "$nofile" -lt $((conns + 100)) ]; then
	die "open files limit $nofile is too low for $conns connections"
fi

mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vdi-bench.XXXXXX")
pids=()

# Stops every process this script started (servers run in the foreground of
# their own process, so their pid is the one we hold), then removes the temp
# dir.
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

report=$tmp/report.txt
bench_report "$report"

# ---------------------------------------------------------------- helpers

# Float arithmetic and medians go through awk.
calc() {
	awk "BEGIN { printf \"%.${2:-2}f\", $1 }"
}

# CPU time (clock ticks) used so far by a process and its children's threads:
# the server's own work during a run, next to wrk's share of the machine.
cpu_ticks() {
	local pid total=0 t
	for pid in "$1" $(ps -o pid= --ppid "$1" 2>/dev/null); do
		t=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null) || continue
		total=$((total + t))
	done
	echo "$total"
}
clk_tck=$(getconf CLK_TCK)

# A TCP port on 127.0.0.1 that nothing listens on, below the ephemeral range
# so that wrk's own connections cannot take it.
free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + (RANDOM + i) % 12000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# start_broker NAME STATIONS_FILE [tls]: starts vdi-broker on 127.0.0.1 with a
# kernel-chosen port and waits for its "listening" event. Sets broker_pid and
# broker_port.
start_broker() {
	local name=$1 file=$2 mode=${3:-http} log=$tmp/$1.log i addr
	# Each broker gets its own admin socket, so that none needs /run or
	# meets another one's.
	local args=(-f "$file" --listen 127.0.0.1:0 --admin-socket "$tmp/$name.sock")
	if [ "$mode" = tls ]; then
		args+=(--tls-cert "$tmp/tls/cert.pem" --tls-key "$tmp/tls/key.pem")
	else
		args+=(--insecure-http)
	fi
	"$broker" "${args[@]}" 2>"$log" &
	broker_pid=$!
	pids+=("$broker_pid")
	for i in $(seq 1 3000); do
		addr=$(sed -n 's/.*event="\{0,1\}listening"\{0,1\}.* addr="\{0,1\}\([^" ]*\)"\{0,1\}.*/\1/p' "$log" | head -n 1)
		if [ -n "$addr" ]; then
			broker_port=${addr##*:}
			return 0
		fi
		if ! kill -0 "$broker_pid" 2>/dev/null; then
			sed 's/^/  | /' "$log" >&2
			die "vdi-broker ($name) exited before listening"
		fi
		sleep 0.02
	done
	sed 's/^/  | /' "$log" >&2
	die "vdi-broker ($name) did not report listening within 60 s"
}

# forget PID: the process has been waited for; cleanup must not signal its
# (possibly reused) pid.
forget() {
	local keep=() p
	for p in "${pids[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	pids=("${keep[@]}")
}

stop_process() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	forget "$1"
}

# waited CMD...: runs CMD in the background and waits for it, so that a
# signal to this script is handled at once instead of after CMD ends (bash
# defers traps while a foreground child runs). CMD's exit status.
waited() {
	local pid rc=0
	"$@" &
	pid=$!
	pids+=("$pid")
	wait "$pid" || rc=$?
	forget "$pid"
	return "$rc"
}

check_alive() {
	if ! kill -0 "$1" 2>/dev/null; then
		[ -f "$3" ] && tail -n 20 "$3" | sed 's/^/  | /' >&2
		die "$2 died during the benchmark"
	fi
}

# lookup URL [curl options]: one station lookup, the body on stdout.
lookup() {
	local url=$1
	shift
	curl -sS --max-time 10 -X POST -H 'Content-Type: application/json' \
		--data "{\"mac\":\"$bench_mac\",\"version\":\"bench\"}" "$@" "$url"
}

# start_nginx: one nginx in the foreground with a private config in
# $tmp/nginx, serving $tmp/nginx/www on 127.0.0.1 (plain, and TLS when the
# certificate exists). Sets nginx_pid, nginx_port, nginx_tls_port.
start_nginx() {
	local dir=$tmp/nginx tls_block=
	# When run as root, nginx's workers run as "nobody": they must be able
	# to reach the files. The temp dir itself stays closed to listing.
	chmod 711 "$tmp"
	chmod -R a+rX "$dir/www"
	for _ in 1 2 3 4 5; do
		nginx_port=$(free_port) || die "no free port for nginx"
		nginx_tls_port=$(free_port) || die "no free port for nginx"
		[ "$nginx_port" != "$nginx_tls_port" ] || continue
		if [ -f "$tmp/tls/cert.pem" ]; then
			tls_block="
	server {
		listen 127.0.0.1:$nginx_tls_port ssl;
		ssl_certificate $tmp/tls/cert.pem;
		ssl_certificate_key $tmp/tls/key.pem;
		ssl_protocols TLSv1.2 TLSv1.3;
		ssl_session_cache shared:bench:10m;
		root $dir/www;
	}"
		fi
		# A static file server set up the way one would for production:
		# no access log, sendfile, cached file handles, long keep-alive.
		cat >"$dir/nginx.conf" <<EOF
worker_processes auto;
worker_rlimit_nofile $nofile;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {
	worker_connections 8192;
}
http {
	access_log off;
	server_tokens off;
	default_type application/json;
	sendfile on;
	tcp_nopush on;
	tcp_nodelay on;
	keepalive_timeout 65s;
	keepalive_requests 1000000;
	open_file_cache max=64 inactive=60s;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
	server {
		listen 127.0.0.1:$nginx_port;
		root $dir/www;
	}$tls_block
}
EOF
		mkdir -p "$dir/tmp"
		nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" -g 'daemon off;' \
			2>>"$dir/stderr.log" &
		nginx_pid=$!
		local i
		for i in $(seq 1 100); do
			if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$nginx_port/v1/lookup" 2>/dev/null; then
				pids+=("$nginx_pid")
				return 0
			fi
			kill -0 "$nginx_pid" 2>/dev/null || break
			sleep 0.1
		done
		stop_process "$nginx_pid"
	done
	cat "$dir/error.log" "$dir/stderr.log" >&2 2>/dev/null || true
	die "nginx did not start"
}

# run_wrk LABEL PID SECONDS URL [wrk args...]: one fixed-length wrk run. Sets
# r_rps, r_p50, r_p99 (ms), r_errors (socket errors), r_non2xx, r_cores
# (the server's CPU use, in cores) and appends a line to the report.
run_wrk() {
	local label=$1 pid=$2 secs=$3 url=$4
	shift 4
	local log=$tmp/wrk-$((++wrk_n)).txt t0 t1
	t0=$(cpu_ticks "$pid")
	if ! waited timeout --kill-after=5 $((secs + 30)) \
		wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 5s --latency "$url" "$@" >"$log" 2>&1; then
		cat "$log" >&2
		die "wrk failed against $label"
	fi
	t1=$(cpu_ticks "$pid")
	r_rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$log")
	r_p50=$(awk '$1 == "50%" { print $2 }' "$log" | to_ms)
	r_p99=$(awk '$1 == "99%" { print $2 }' "$log" | to_ms)
	r_errors=$(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$log")
	r_errors=${r_errors:-0}
	r_non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$log")
	r_non2xx=${r_non2xx:-0}
	r_cores=$(calc "($t1 - $t0) / $clk_tck / $secs" 2)
	[ -n "$r_rps" ] || {
		cat "$log" >&2
		die "could not read wrk's output for $label"
	}
	local note=
	[ "$r_errors" -eq 0 ] || note+=" socket-errors=$r_errors"
	[ "$r_non2xx" -eq 0 ] || note+=" non-2xx=$r_non2xx"
	say "$(printf '  %-26s %9s req/s   p50 %8s ms   p99 %8s ms   server %s cores%s' \
		"$label" "$r_rps" "$r_p50" "$r_p99" "$r_cores" "$note")"
}
wrk_n=0

# wrk prints latencies as 812.00us, 1.23ms, 2.01s or 1.00m.
to_ms() {
	awk '{
		v = $1; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000
		printf "%.2f", v }'
}

# json_array VALUES...: [1,2,3]
json_array() {
	local IFS=,
	printf '[%s]' "$*"
}

failures=() # runs whose answers were not all good

# ---------------------------------------------------------------- setup

started=$(date +%s)
say "VDI Station broker benchmark - $(date -u '+%Y-%m-%d %H:%M UTC')"
say "machine: $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), load $(cut -d' ' -f1-3 /proc/loadavg)"
say "tools: $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2), $(nginx -v 2>&1 | sed 's/.*: //'), open files limit $nofile"
say "wrk: -t$threads -c$conns --latency --timeout 5s; servers on 127.0.0.1"
say ""

for n in "${mappings[@]}" "$main_mappings"; do
	[ -f "$tmp/stations-$n.txt" ] || "$here/gen-stations.sh" "$n" "$tmp/stations-$n.txt"
done

# ---------------------------------------------------------------- lookup cost, in process
# First, while nothing else runs.

declare -A lc # lc[N:key] = value
say "== Lookup cost in process (build/bench/lookup_cost, ns per lookup, median of 7 batches"
say "   alternating between the files)"
files=()
declare -A file_n
for n in "${mappings[@]}"; do
	files+=("$tmp/stations-$n.txt")
	file_n[$tmp/stations-$n.txt]=$n
done
if ! waited "$lookup_cost" -q "${files[@]}" >"$tmp/lookup.txt" 2>"$tmp/lookup.err"; then
	cat "$tmp/lookup.txt" "$tmp/lookup.err" >&2
	die "lookup_cost failed"
fi
n=
while read -r key value; do
	if [ "$key" = file ]; then
		n=${file_n[$value]}
	else
		lc[$n:$key]=$value
	fi
done <"$tmp/lookup.txt"
cases=(mac_hot mac_hit ip_hit cidr_hit glob_hit miss)
header=$(printf '  %-10s %9s %9s' mappings load_ms build_ms)
for c in "${cases[@]}"; do header+=$(printf ' %9s' "$c"); done
say "$header"
for n in "${mappings[@]}"; do
	line=$(printf '  %-10s %9s %9s' "$n" "${lc[$n:load_ms]}" "${lc[$n:build_ms]}")
	for c in "${cases[@]}"; do line+=$(printf ' %9s' "${lc[$n:${c}_ns]}"); done
	say "$line"
done
first=${mappings[0]}
last=${mappings[${#mappings[@]} - 1]}
line=$(printf '  %-30s' "ratio $last/$first")
declare -A lc_ratio
for c in "${cases[@]}"; do
	a=${lc[$first:${c}_ns]} b=${lc[$last:${c}_ns]}
	if [ "$a" = - ] || [ "$b" = - ]; then
		lc_ratio[$c]=null
	else
		lc_ratio[$c]=$(calc "$b / $a" 2)
	fi
	line+=$(printf ' %9s' "${lc_ratio[$c]}")
done
say "$line"
say "  mac_hot: one known MAC asked again and again, so everything it touches is in the CPU"
say "  caches: the work of the lookup itself. mac_hit: random known MACs; ip/cidr/glob_hit:"
say "  an unknown MAC with a known address or host name; miss: an unknown station. At 100,000"
say "  mappings the random cases also pay cache and TLB misses, since the sections no longer"
say "  fit in the caches; the flatness target is judged on mac_hot and on the HTTP runs below."
say ""

# ---------------------------------------------------------------- broker vs nginx, HTTP

say "== Throughput: vdi-broker POST /v1/lookup vs nginx static GET, plain HTTP, ${duration} s runs"
start_broker broker-main "$tmp/stations-$main_mappings.txt"
main_url=http://127.0.0.1:$broker_port/v1/lookup

# The reply nginx serves is the broker's own, byte for byte.
mkdir -p "$tmp/nginx/www/v1"
lookup "$main_url" -o "$tmp/nginx/www/v1/lookup" ||
	die "the broker did not answer a lookup"
grep -Eq '"status"[[:space:]]*:[[:space:]]*"ready"' "$tmp/nginx/www/v1/lookup" || {
	cat "$tmp/nginx/www/v1/lookup" >&2
	die "the broker's answer for $bench_mac is not \"ready\""
}
body_bytes=$(wc -c <"$tmp/nginx/www/v1/lookup")

# TLS material now, so that nginx starts once with both listeners.
if [ "$with_tls" = 1 ]; then
	mkdir -p "$tmp/tls"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj /CN=localhost -addext 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
		-keyout "$tmp/tls/key.pem" -out "$tmp/tls/cert.pem" >/dev/null 2>&1 ||
		die "openssl could not make a test certificate"
fi
start_nginx
nginx_url=http://127.0.0.1:$nginx_port/v1/lookup
curl -fsS --max-time 10 "$nginx_url" -o "$tmp/nginx-body" || die "nginx did not serve the file"
cmp -s "$tmp/nginx-body" "$tmp/nginx/www/v1/lookup" || die "nginx serves a different body"

hdr() { # header bytes of one answer
	curl -sS --max-time 10 -o /dev/null -w '%{size_header}' "$@"
}
broker_hdr=$(hdr -X POST -H 'Content-Type: application/json' \
	--data "{\"mac\":\"$bench_mac\",\"version\":\"bench\"}" "$main_url")
nginx_hdr=$(hdr "$nginx_url")
say "  reply body: $body_bytes bytes on both sides (broker's answer for $bench_mac, status ready);"
say "  headers: broker $broker_hdr bytes, nginx $nginx_hdr bytes"

# run_pair_series PREFIX RUNS SECS NGINX_URL BROKER_URL: alternating runs,
# nginx first, into the arrays PREFIX_{n,b}_{rps,p99,cores} (n: nginx, b:
# vdi-broker, whose pid is $broker_pid and log $tmp/$broker_name.log).
run_pair_series() {
	local prefix=$1 count=$2 secs=$3 nurl=$4 burl=$5 i
	local -n add_nr=${prefix}_n_rps add_np=${prefix}_n_p99 add_nc=${prefix}_n_cores
	local -n add_br=${prefix}_b_rps add_bp=${prefix}_b_p99 add_bc=${prefix}_b_cores
	for i in $(seq 1 "$count"); do
		run_wrk "nginx #$i" "$nginx_pid" "$secs" "$nurl"
		check_alive "$nginx_pid" nginx "$tmp/nginx/error.log"
		add_nr+=("$r_rps") add_np+=("$r_p99") add_nc+=("$r_cores")
		note_failures "$prefix nginx #$i"
		run_wrk "vdi-broker #$i" "$broker_pid" "$secs" "$burl" -s "$lua" -- "$bench_mac"
		check_alive "$broker_pid" vdi-broker "$tmp/$broker_name.log"
		add_br+=("$r_rps") add_bp+=("$r_p99") add_bc+=("$r_cores")
		note_failures "$prefix vdi-broker #$i"
	done
}

# note_failures LABEL: remembers a run in which some requests failed.
note_failures() {
	if [ "$r_errors" -ne 0 ] || [ "$r_non2xx" -ne 0 ]; then
		failures+=("$1: socket errors $r_errors, non-2xx answers $r_non2xx")
	fi
}

# summarize PREFIX LABEL: medians, and the median of the pairwise ratios
# into PREFIX_ratio (each pair ran back to back, so it shares the noise).
summarize() {
	local prefix=$1 label=$2 i
	local -n sum_nr=${prefix}_n_rps sum_np=${prefix}_n_p99 sum_nc=${prefix}_n_cores
	local -n sum_br=${prefix}_b_rps sum_bp=${prefix}_b_p99 sum_bc=${prefix}_b_cores
	local -n sum_ratios=${prefix}_ratios sum_ratio=${prefix}_ratio
	sum_ratios=()
	for i in "${!sum_nr[@]}"; do
		sum_ratios+=("$(calc "${sum_br[i]} / ${sum_nr[i]}" 3)")
	done
	sum_ratio=$(median 3 "${sum_ratios[@]}")
	say "  $label medians: nginx      $(median 0 "${sum_nr[@]}") req/s, p99 $(median 2 "${sum_np[@]}") ms, $(median 2 "${sum_nc[@]}") cores"
	say "  $label          vdi-broker $(median 0 "${sum_br[@]}") req/s, p99 $(median 2 "${sum_bp[@]}") ms, $(median 2 "${sum_bc[@]}") cores"
	say "  $label ratio broker/nginx: $sum_ratio (pairwise: ${sum_ratios[*]})"
	# wrk shares the CPUs with the server; req/s per CPU-second the server
	# used tells how much work each answer costs, whoever was the bottleneck.
	local n_eff=() b_eff=()
	for i in "${!sum_nr[@]}"; do
		n_eff+=("$(calc "${sum_nr[i]} / (${sum_nc[i]} + 0.0001)" 0)")
		b_eff+=("$(calc "${sum_br[i]} / (${sum_bc[i]} + 0.0001)" 0)")
	done
	say "  $label req/s per server core: nginx $(median 0 "${n_eff[@]}"), vdi-broker $(median 0 "${b_eff[@]}")"
}

http_n_rps=() http_n_p99=() http_n_cores=() http_ratios=() http_ratio=
http_b_rps=() http_b_p99=() http_b_cores=()
broker_name="broker-main"
# A short warm-up of each side (page cache, allocator, TCP), not reported.
warm_up() {
	waited timeout 30 wrk -t"$threads" -c"$conns" -d2s "$@" >/dev/null 2>&1 || true
}
warm_up "$nginx_url"
warm_up -s "$lua" "$main_url" -- "$bench_mac"
run_pair_series http "$runs" "$duration" "$nginx_url" "$main_url"
summarize http HTTP
http_target=$(awk -v r="$http_ratio" 'BEGIN { print (r >= 0.5) ? "met" : "MISSED" }')
say "  target >= 0.5: $http_target"
say ""

# ---------------------------------------------------------------- HTTPS pair

tls_done=0
if [ "$with_tls" = 1 ]; then
	say "== Throughput over HTTPS (same self-signed ECDSA certificate on both), ${tls_duration} s runs"
	start_broker broker-tls "$tmp/stations-$main_mappings.txt" tls
	tls_broker_pid=$broker_pid
	tls_url=https://127.0.0.1:$broker_port/v1/lookup
	if ! lookup "$tls_url" --cacert "$tmp/tls/cert.pem" -o "$tmp/tls-body"; then
		say "  skipped: the broker did not answer over HTTPS"
	elif ! cmp -s "$tmp/tls-body" "$tmp/nginx/www/v1/lookup"; then
		say "  skipped: the HTTPS answer differs from the HTTP one"
	else
		# shellcheck disable=SC2034 # filled and read through namerefs
		tls_n_rps=() tls_n_p99=() tls_n_cores=() tls_ratios=() tls_ratio=
		# shellcheck disable=SC2034
		tls_b_rps=() tls_b_p99=() tls_b_cores=()
		broker_name="broker-tls"
		broker_pid=$tls_broker_pid
		run_pair_series tls "$tls_runs" "$tls_duration" \
			"https://127.0.0.1:$nginx_tls_port/v1/lookup" "$tls_url"
		summarize tls HTTPS
		tls_done=1
	fi
	stop_process "$tls_broker_pid"
	say ""
fi

# ---------------------------------------------------------------- lookup cost over HTTP

say "== Lookup cost over HTTP: vdi-broker loaded with N mappings, ${scale_duration} s runs"
declare -A scale_pid scale_url scale_rss scale_load
for n in "${mappings[@]}"; do
	start_broker "broker-$n" "$tmp/stations-$n.txt"
	scale_pid[$n]=$broker_pid
	# The broker's own figure: reading, checking and indexing the file.
	scale_load[$n]=$(sed -n 's/.*event=reload status=ok .* ms=\([0-9]*\).*/\1/p' "$tmp/broker-$n.log" | head -n 1)
	scale_url[$n]=http://127.0.0.1:$broker_port/v1/lookup
	lookup "${scale_url[$n]}" -o "$tmp/scale-body-$n" || die "broker-$n did not answer"
	cmp -s "$tmp/scale-body-$n" "$tmp/nginx/www/v1/lookup" ||
		die "broker-$n answers differently from the main broker"
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$broker_pid/status")
	scale_rss[$n]=$rss
	say "  broker with $n mappings: file loaded in ${scale_load[$n]:-?} ms, resident memory $(calc "$rss / 1024" 1) MiB"
	warm_up -s "$lua" "${scale_url[$n]}" -- "$bench_mac"
done
declare -A scale_rps scale_p99
for round in $(seq 1 "$scale_runs"); do
	for n in "${mappings[@]}"; do
		broker_name="broker-$n"
		run_wrk "$n mappings #$round" "${scale_pid[$n]}" "$scale_duration" "${scale_url[$n]}" \
			-s "$lua" -- "$bench_mac"
		check_alive "${scale_pid[$n]}" "vdi-broker ($n mappings)" "$tmp/broker-$n.log"
		note_failures "$n mappings #$round"
		scale_rps[$n]+="$r_rps "
		scale_p99[$n]+="$r_p99 "
	done
done
declare -A scale_rps_med scale_p99_med
for n in "${mappings[@]}"; do
	read -r -a v <<<"${scale_rps[$n]}"
	scale_rps_med[$n]=$(median 0 "${v[@]}")
	read -r -a v <<<"${scale_p99[$n]}"
	scale_p99_med[$n]=$(median 2 "${v[@]}")
	say "$(printf '  %-10s median %9s req/s   p99 %8s ms' "$n" "${scale_rps_med[$n]}" "${scale_p99_med[$n]}")"
	stop_process "${scale_pid[$n]}"
done
scale_ratio=$(calc "${scale_rps_med[$last]} / ${scale_rps_med[$first]}" 3)
say "  req/s ratio $last/$first: $scale_ratio"
say ""

# ---------------------------------------------------------------- verdict

flat=$(awk -v w="$scale_ratio" -v h="${lc_ratio[mac_hot]}" \
	'BEGIN { print (w >= 0.8 && h != "null" && h <= 1.5) ? "met" : "MISSED" }')
say "== Summary"
say "  broker/nginx req/s, HTTP, $conns connections: $http_ratio (target >= 0.5: $http_target)"
say "  p99 latency, HTTP: vdi-broker $(median 2 "${http_b_p99[@]}") ms, nginx $(median 2 "${http_n_p99[@]}") ms"
if [ "$tls_done" = 1 ]; then
	say "  broker/nginx req/s, HTTPS: $tls_ratio; p99 vdi-broker $(median 2 "${tls_b_p99[@]}") ms, nginx $(median 2 "${tls_n_p99[@]}") ms"
fi
say "  lookup cost $last/$first mappings: in process ${lc_ratio[mac_hot]} (same MAC), ${lc_ratio[mac_hit]} (random MACs);"
say "    over HTTP req/s $scale_ratio (target flat - same-MAC ratio <= 1.5 and HTTP ratio >= 0.8: $flat)"
if [ ${#failures[@]} -gt 0 ]; then
	say "  runs with failed requests (their figures are not trustworthy):"
	for f in "${failures[@]}"; do say "    $f"; done
fi
say "  total time: $(($(date +%s) - started)) s"

# ---------------------------------------------------------------- JSON

{
	printf '{\n'
	printf '  "date": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf '  "cpus": %s,\n' "$(nproc)"
	printf '  "wrk": {"threads": %s, "connections": %s, "duration_s": %s},\n' "$threads" "$conns" "$duration"
	printf '  "body_bytes": %s,\n' "$body_bytes"
	printf '  "header_bytes": {"broker": %s, "nginx": %s},\n' "$broker_hdr" "$nginx_hdr"
	printf '  "http": {"nginx_rps": %s, "broker_rps": %s, "nginx_p99_ms": %s, "broker_p99_ms": %s,\n' \
		"$(json_array "${http_n_rps[@]}")" "$(json_array "${http_b_rps[@]}")" \
		"$(json_array "${http_n_p99[@]}")" "$(json_array "${http_b_p99[@]}")"
	printf '           "nginx_cores": %s, "broker_cores": %s,\n' \
		"$(json_array "${http_n_cores[@]}")" "$(json_array "${http_b_cores[@]}")"
	printf '           "ratios": %s, "ratio": %s, "target": 0.5, "met": %s},\n' \
		"$(json_array "${http_ratios[@]}")" "$http_ratio" "$([ "$http_target" = met ] && echo true || echo false)"
	if [ "$tls_done" = 1 ]; then
		printf '  "https": {"nginx_rps": %s, "broker_rps": %s, "nginx_p99_ms": %s, "broker_p99_ms": %s, "ratios": %s, "ratio": %s},\n' \
			"$(json_array "${tls_n_rps[@]}")" "$(json_array "${tls_b_rps[@]}")" \
			"$(json_array "${tls_n_p99[@]}")" "$(json_array "${tls_b_p99[@]}")" \
			"$(json_array "${tls_ratios[@]}")" "$tls_ratio"
	else
		printf '  "https": null,\n'
	fi
	printf '  "lookup_cost": {\n'
	sep=
	for n in "${mappings[@]}"; do
		printf '%s    "%s": {"load_ms": %s, "build_ms": %s' "$sep" "$n" \
			"${lc[$n:load_ms]}" "${lc[$n:build_ms]}"
		for c in "${cases[@]}"; do
			val=${lc[$n:${c}_ns]}
			printf ', "%s_ns": %s' "$c" "$([ "$val" = - ] && echo null || echo "$val")"
		done
		printf ', "http_rps": %s, "http_p99_ms": %s, "broker_rss_kb": %s, "broker_load_ms": %s}' \
			"${scale_rps_med[$n]}" "${scale_p99_med[$n]}" "${scale_rss[$n]}" "${scale_load[$n]:-null}"
		sep=$',\n'
	done
	printf '\n  },\n'
	printf '  "lookup_cost_ratio": {"mappings": [%s, %s], "http_rps": %s' "$first" "$last" "$scale_ratio"
	for c in "${cases[@]}"; do printf ', "%s": %s' "$c" "${lc_ratio[$c]}"; done
	printf ', "flat": %s},\n' "$([ "$flat" = met ] && echo true || echo false)"
	printf '  "failed_runs": %s\n' "${#failures[@]}"
	printf '}\n'
} >"$out/broker.json"
cp "$report" "$out/broker.txt"
echo "bench: report in $out/broker.txt and $out/broker.json"

if [ ${#failures[@]} -gt 0 ]; then
	exit 1
fi
if [ "$strict" = 1 ] && { [ "$http_target" != met ] || [ "$flat" != met ]; }; then
	exit 1
fi
exit 0
