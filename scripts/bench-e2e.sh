#!/usr/bin/env bash
# `make bench-e2e`: the end-to-end benchmark of docs/performance.md ("End to end"). Starts the
# real switch (store fsync'd on every commit, LMDB's default and the only mode the store has),
# the bank simulator on loopback and switchyard-load; warms up; measures the closed-loop maximum,
# then open loop at 25 %, 50 % and 75 % of it; the ceiling: nginx answering a static 200 of the
# same body size over TLS 1.3 with keep-alive, driven the same way in the same run; then 10,000
# idle TLS connections held open while load runs. Per run: the driver's JSON and latency table,
# CPU time per payment by process (/proc/PID/stat), the store's commit batch sizes (/metrics),
# RSS; a summary (summary.md) and one gnuplot PNG of the latency distributions, all written to
# build/bench-e2e/<UTC timestamp>/. Run from the repository root.
#
# The environment sets the durations (seconds) and sizes; the defaults keep it under 5 minutes:
#   BENCH_WARMUP_S (5)  BENCH_MAX_S (20)  BENCH_OPEN_S (15)  BENCH_IDLE_S (15)
#   BENCH_CONNECTIONS (64)  BENCH_DEPTH (1)  BENCH_THREADS (1)  BENCH_IDLE_CONNECTIONS (10000)
#   BENCH_OUT (the results directory)  BENCH_NGINX_PORT (18443)
#   BENCH_PERF_S (0): when set, one more closed-loop run that long with `perf record` on the
#   switch; perf-self.txt (by function) and perf-children.txt (with callees) beside the results.
set -euo pipefail

bin=${SWITCHYARD:-build/release/gateway/switchyard}
load=${SWITCHYARD_LOAD:-build/release/bench/switchyard-load}
warmup_s=${BENCH_WARMUP_S:-5}
max_s=${BENCH_MAX_S:-20}
open_s=${BENCH_OPEN_S:-15}
idle_s=${BENCH_IDLE_S:-15}
connections=${BENCH_CONNECTIONS:-64}
depth=${BENCH_DEPTH:-1}
threads=${BENCH_THREADS:-1}
idle_count=${BENCH_IDLE_CONNECTIONS:-10000}
nginx_port=${BENCH_NGINX_PORT:-18443}
out=${BENCH_OUT:-build/bench-e2e/$(date -u +%Y%m%dT%H%M%SZ)}

fail() {
  echo "bench-e2e: $*" >&2
  exit 1
}
say() { echo "bench-e2e: $*" >&2; }

for tool in "$bin" "$load"; do [[ -x $tool ]] || fail "no $tool: build it first (make bench-e2e does)"; done
for tool in nginx gnuplot jq openssl curl; do
  command -v "$tool" >/dev/null || fail "no $tool: run scripts/install-deps.sh"
done

# 10,000 idle connections plus the load's need that many descriptors in the switch and the driver.
ulimit -n "$(ulimit -Hn)"
(($(ulimit -n) > idle_count + 2 * connections + 256)) ||
  fail "the descriptor limit $(ulimit -n) is too low for $idle_count idle connections"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$out/work # store, keys, certificate, configurations, logs: on the same disk as the results
mkdir -p "$work"
say "results in $out"

switch="" bank="" nginx=""
stop_all() {
  [[ -n $switch ]] && kill -TERM "$switch" 2>/dev/null && wait "$switch" 2>/dev/null
  [[ -n $nginx ]] && kill -QUIT "$nginx" 2>/dev/null && wait "$nginx" 2>/dev/null
  [[ -n $bank ]] && kill -TERM "$bank" 2>/dev/null && wait "$bank" 2>/dev/null
  return 0
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the certificate, the bank, the switch -------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

# The bank answers at once and without MACs: the benchmark measures the switch, not the link's
# 3DES (docs/performance.md, "Bank simulator", has the MAC's cost).
printf '[latency]\ndistribution = "fixed"\nfixed_us = 0\n' >"$work/sim.toml"
"$bin" sim bank --config "$work/sim.toml" --listen 127.0.0.1:0 >"$work/bank.out" 2>"$work/bank.err" &
bank=$!

# The first line a process prints that matches `pattern` in `file`, waiting up to 30 s.
wait_for_line() {
  local file=$1 pattern=$2 line
  for _ in $(seq 300); do
    line=$(grep -m1 -- "$pattern" "$file" 2>/dev/null || true)
    [[ -n $line ]] && { echo "$line"; return 0; }
    sleep 0.1
  done
  fail "nothing matching '$pattern' in $file"
}
bank_port=$(wait_for_line "$work/bank.out" '^listening ' | sed 's/.*://')

export SY_BENCH_MASTER=${SY_BENCH_MASTER:-$(openssl rand -hex 32)}
export SY_LOAD_SECRET=${SY_LOAD_SECRET:-$(openssl rand -hex 20)}
cat >"$work/switchyard.toml" <<TOML
# The benchmark's switch: both listeners on ports the kernel picks, one worker per core.
[listeners.merchant_api]
address = "127.0.0.1"
port = 0
# The default 4096 would refuse the idle-connection scenario's $idle_count connections.
connection_count_max = $((idle_count + 2048))
[listeners.admin]
address = "127.0.0.1"
port = 0
[tls]
certificate_path = "$work/cert.pem"
key_path = "$work/key.pem"
[storage]
path = "$work/store"
map_size_bytes = 4294967296
[workers]
count = 0
[hsm]
backend = "soft"
[hsm.soft]
key_store_path = "$work/keys"
master_key = "env:SY_BENCH_MASTER"
[[channels]]
id = "bank"
kind = "iso8583"
endpoints = ["127.0.0.1:$bank_port"]
acquirer_id = "123456"
terminal_id = "SY000001"
card_acceptor_id = "SWITCHYARD00001"
connect_timeout_ms = 1000
request_timeout_ms = 5000
connection_count = 2
inflight_max = 1024
[[merchants]]
id = "m_bench"
name = "Benchmark merchant"
mcc = "5812"
[[merchants.api_keys]]
id = "key_bench"
secret = "env:SY_LOAD_SECRET"
# The load is one merchant: its rate limit must not be what is measured.
[merchants.rate_limit]
requests_per_s = 100000
burst = 100000
[[routes]]
id = "cards"
methods = ["card"]
channels = ["bank"]
TOML
for args in "init" "generate pan-token --type pan_token" "generate pan-data --type pan_data"; do
  # shellcheck disable=SC2086 # the words of each command
  "$bin" keys --config "$work/switchyard.toml" $args >>"$work/keys.log" 2>&1 ||
    fail "switchyard keys $args failed: $work/keys.log"
done
"$bin" run --config "$work/switchyard.toml" >"$work/switch.out" 2>"$work/switch.err" &
switch=$!
wait_for_line "$work/switch.out" 'switchyard: running' >/dev/null
merchant_port=$(wait_for_line "$work/switch.out" 'merchant API listening on' | sed 's/.*://')
admin_port=$(wait_for_line "$work/switch.out" 'admin listening on' | sed 's/.*://')
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$admin_port/readyz" >/dev/null && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$admin_port/readyz" >/dev/null || fail "the switch is not ready"
say "switch on $merchant_port (admin $admin_port), bank on $bank_port"

# ---- measuring ---------------------------------------------------------------------------------
ticks=$(getconf CLK_TCK)
# utime + stime of a process (and its threads), in seconds.
cpu_s() { awk -v t="$ticks" '{ sub(/^.*\) /, ""); print ($12 + $13) / t }' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# The heap's part of the RSS: the rest is mostly the store's file pages, mapped by LMDB.
anon_kib() { awk '/^RssAnon:/ { print $2 }' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
# The store's commits so far: "units commits seconds" (seconds: their durations, fsync included).
batches() {
  curl -sf "http://127.0.0.1:$admin_port/metrics" |
    awk '/^sy_store_commit_batch_units_sum/ { u = $2 } /^sy_store_commit_batch_units_count/ { c = $2 }
         /^sy_store_commit_duration_seconds_sum/ { d = $2 } END { printf "%.0f %.0f %.6f\n", u, c, d }'
}
# Field N of two "units commits seconds" lines, after minus before.
delta() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.6f\n", y[n] - x[n] }'; }

# run NAME TARGET_PID... -- DRIVER_ARGS: one driver run; the CPU time the named processes spent
# during it, the store's batches (for the switch), RSS; everything into NAME.json beside the
# driver's own NAME.load.json and NAME.dist.
run() {
  local name=$1 server=$2 helper=$3
  shift 4
  local server_cpu0 helper_cpu0 b0 b1 load1
  load1=$(cut -d' ' -f1 /proc/loadavg)
  server_cpu0=$(cpu_s "$server")
  helper_cpu0=$([[ -n $helper ]] && cpu_s "$helper" || echo 0)
  b0=$(batches)
  "$load" --label "$name" --connections "$connections" --depth "$depth" --threads "$threads" \
    --json "$out/$name.load.json" --distribution "$out/$name.dist" "$@" >"$out/$name.txt"
  cat "$out/$name.txt" >&2
  b1=$(batches)
  jq --argjson server_cpu "$(awk -v a="$server_cpu0" -v b="$(cpu_s "$server")" 'BEGIN { print b - a }')" \
    --argjson helper_cpu "$(awk -v a="$helper_cpu0" -v b="$([[ -n $helper ]] && cpu_s "$helper" || echo 0)" 'BEGIN { print b - a }')" \
    --argjson server_rss "$(rss_kib "$server")" --argjson server_hwm "$(hwm_kib "$server")" \
    --argjson server_anon "$(anon_kib "$server")" \
    --argjson load1 "$load1" \
    --argjson batch_units "$(delta "$b0" "$b1" 1)" --argjson batch_commits "$(delta "$b0" "$b1" 2)" \
    --argjson commit_s "$(delta "$b0" "$b1" 3)" \
    '. + {server_cpu_s: $server_cpu, helper_cpu_s: $helper_cpu, server_rss_kib: $server_rss,
          server_rss_anon_kib: $server_anon,
          server_hwm_kib: $server_hwm, store_batch_units: $batch_units,
          store_commits: $batch_commits, store_commit_s: $commit_s,
          load_average_1m_at_start: $load1}' \
    "$out/$name.load.json" >"$out/$name.json"
}

switch_args=(--url "https://127.0.0.1:$merchant_port/v1/payments" --cacert "$work/cert.pem"
  --key-id key_bench)

say "warm-up, ${warmup_s} s"
run warmup "$switch" "$bank" -- "${switch_args[@]}" --duration "$warmup_s"
say "switch, closed loop, ${max_s} s"
run switch-max "$switch" "$bank" -- "${switch_args[@]}" --duration "$max_s"
max_rate=$(jq '.throughput_per_s' "$out/switch-max.json")

# The ceiling: nginx's static 200 with a body the size of the switch's answers.
body_size=$(jq '.response_body_bytes_mean | floor' "$out/switch-max.json")
mkdir -p "$work/nginx"
padding=$(head -c "$((body_size > 32 ? body_size - 32 : 1))" /dev/zero | tr '\0' 'x')
cat >"$work/nginx/nginx.conf" <<NGINX
daemon off;
worker_processes auto;  # one per core, as the switch's workers
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  keepalive_requests 100000000;
  keepalive_timeout 75s;
  server {
    listen 127.0.0.1:$nginx_port ssl;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    ssl_protocols TLSv1.3;
    location / {
      default_type application/json;
      return 200 '{"object":"payment","padding":"$padding"}';
    }
  }
}
NGINX
nginx -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" &
nginx=$!
for _ in $(seq 100); do
  curl -sfk "https://127.0.0.1:$nginx_port/" >/dev/null && break
  sleep 0.1
done
nginx_worker_pids() { pgrep -P "$nginx" | tr '\n' ' '; }
say "nginx, closed loop, ${max_s} s"
# nginx's CPU is its workers' (the master only waits); counted as the "server" of the run.
nginx_load1=$(cut -d' ' -f1 /proc/loadavg)
nginx_cpu0=0
for p in $(nginx_worker_pids); do nginx_cpu0=$(awk -v a="$nginx_cpu0" -v b="$(cpu_s "$p")" 'BEGIN { print a + b }'); done
"$load" --label nginx-max --connections "$connections" --depth "$depth" --threads "$threads" \
  --url "https://127.0.0.1:$nginx_port/v1/payments" --no-sign --duration "$max_s" \
  --json "$out/nginx-max.load.json" --distribution "$out/nginx-max.dist" >"$out/nginx-max.txt"
cat "$out/nginx-max.txt" >&2
nginx_cpu1=0
for p in $(nginx_worker_pids); do nginx_cpu1=$(awk -v a="$nginx_cpu1" -v b="$(cpu_s "$p")" 'BEGIN { print a + b }'); done
jq --argjson cpu "$(awk -v a="$nginx_cpu0" -v b="$nginx_cpu1" 'BEGIN { print b - a }')" \
  --argjson load1 "$nginx_load1" \
  '. + {server_cpu_s: $cpu, helper_cpu_s: 0, load_average_1m_at_start: $load1}' \
  "$out/nginx-max.load.json" >"$out/nginx-max.json"
kill -QUIT "$nginx" && wait "$nginx" 2>/dev/null || true
nginx=""

for pct in 25 50 75; do
  rate=$(awk -v m="$max_rate" -v p="$pct" 'BEGIN { printf "%.0f", m * p / 100 }')
  say "switch, open loop at ${pct} % (${rate}/s), ${open_s} s"
  run "switch-open-$pct" "$switch" "$bank" -- "${switch_args[@]}" --mode open --rate "$rate" \
    --duration "$open_s"
done

# The store has grown by every payment so far: does the maximum still hold?
say "switch, closed loop again, $((max_s / 2)) s"
run switch-max-end "$switch" "$bank" -- "${switch_args[@]}" --duration "$((max_s / 2))"

if ((${BENCH_PERF_S:-0} > 0)); then
  say "switch, closed loop under perf record, ${BENCH_PERF_S} s"
  # DWARF call graphs: the release build keeps no frame pointers.
  perf record -F 499 --call-graph dwarf,16384 -p "$switch" -o "$out/perf.data" \
    -- sleep "$BENCH_PERF_S" 2>"$out/perf.log" &
  perf_run=$!
  run switch-profile "$switch" "$bank" -- "${switch_args[@]}" --duration "$BENCH_PERF_S"
  wait "$perf_run"
  perf report -i "$out/perf.data" --no-children --sort dso,symbol --stdio -g none \
    --percent-limit 0.3 2>/dev/null | cut -c1-200 >"$out/perf-self.txt"
  perf report -i "$out/perf.data" --children --sort symbol --stdio -g none --percent-limit 1 \
    2>/dev/null | cut -c1-200 >"$out/perf-children.txt"
fi

# ---- idle connections --------------------------------------------------------------------------
rate50=$(awk -v m="$max_rate" 'BEGIN { printf "%.0f", m / 2 }')
say "switch, $idle_count idle connections held open, open loop at 50 % (${rate50}/s), ${idle_s} s"
rss_before=$(rss_kib "$switch")
anon_before=$(anon_kib "$switch")
run switch-idle "$switch" "$bank" -- "${switch_args[@]}" --mode open --rate "$rate50" \
  --duration "$idle_s" --idle-connections "$idle_count" --idle-hold 3 2>"$out/switch-idle.err" &
idle_run=$!
wait_for_line "$out/switch-idle.err" 'idle connections open' >/dev/null
sleep 2 # inside the driver's 3 s hold: the connections are open, the load not yet started
rss_idle=$(rss_kib "$switch")
anon_idle=$(anon_kib "$switch")
wait "$idle_run"
jq --argjson before "$rss_before" --argjson idle "$rss_idle" \
  --argjson anon_before "$anon_before" --argjson anon_idle "$anon_idle" \
  '. + {server_rss_before_idle_kib: $before, server_rss_idle_open_kib: $idle,
        server_rss_per_idle_connection_kib: (($idle - $before) / .idle.opened),
        server_rss_anon_per_idle_connection_kib: (($anon_idle - $anon_before) / .idle.opened)}' \
  "$out/switch-idle.json" >"$out/switch-idle.json.tmp" && mv "$out/switch-idle.json.tmp" "$out/switch-idle.json"

# ---- the summary and the plot ------------------------------------------------------------------
nginx_max=$(jq '.throughput_per_s' "$out/nginx-max.json")
{
  echo "# bench-e2e $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "$(nproc) x $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)," \
    "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r);" \
    "load average before the run: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg);" \
    "connections $connections, depth $depth, driver threads $threads"
  echo
  echo "| run | throughput/s | ratio to nginx | p50 us | p90 us | p99 us | p99.9 us | max us |" \
    "errors | CPU us/payment: server | bank | driver | commit batch | commit ms |" \
    "server RSS MiB (heap) | load 1m |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for name in switch-max nginx-max switch-open-25 switch-open-50 switch-open-75 switch-max-end \
    switch-idle; do
    jq -r --argjson nginx "$nginx_max" '
      def r(x): (x * 10 | round) / 10;
      def per(x): if .responses > 0 then r(x * 1e6 / .responses) else 0 end;
      ([.status | to_entries[] | select(.key | startswith("2") | not) | .value] | add // 0) as $bad
      | ([.transport_failures[]] | add) as $lost
      | "| \(.label) | \(r(.throughput_per_s)) | \((.throughput_per_s / $nginx * 1000 | round) / 1000)"
        + " | \(r(.latency_us.p50)) | \(r(.latency_us.p90)) | \(r(.latency_us.p99))"
        + " | \(r(.latency_us.p99_9)) | \(r(.latency_us.max)) | \($bad) non-2xx, \($lost) transport"
        + " | \(per(.server_cpu_s)) | \(per(.helper_cpu_s))"
        + " | \(per(.driver_cpu.user_s + .driver_cpu.system_s))"
        + " | \(if (.store_commits // 0) > 0 then r(.store_batch_units / .store_commits) else "-" end)"
        + " | \(if (.store_commits // 0) > 0 then (.store_commit_s * 1e4 / .store_commits | round) / 10 else "-" end)"
        + " | \(if .server_rss_kib then "\(r(.server_rss_kib / 1024)) (\(r(.server_rss_anon_kib / 1024)))" else "-" end)"
        + " | \(.load_average_1m_at_start) |"' "$out/$name.json"
  done
  echo
  jq -r '"Idle connections: \(.idle.opened) of \(.idle.requested) open in \(.idle.open_s * 10 | round / 10) s,"
    + " \(.idle.closed_by_server) closed by the server during the run; switch RSS"
    + " \(.server_rss_before_idle_kib / 1024 | round) MiB before, \(.server_rss_idle_open_kib / 1024 | round) MiB"
    + " with them open: \(.server_rss_per_idle_connection_kib * 10 | round / 10) KiB per idle connection"
    + " (heap alone: \(.server_rss_anon_per_idle_connection_kib * 10 | round / 10) KiB)."' \
    "$out/switch-idle.json"
  echo
  echo "Switch max / nginx max: $(awk -v s="$max_rate" -v n="$nginx_max" 'BEGIN { printf "%.3f", s / n }')." \
    "Switch peak RSS $(awk -v k="$(hwm_kib "$switch")" 'BEGIN { printf "%.0f", k / 1024 }') MiB," \
    "bank simulator RSS $(awk -v k="$(rss_kib "$bank")" 'BEGIN { printf "%.0f", k / 1024 }') MiB."
  echo "Plot: latency.png"
} >"$out/summary.md"

plots=""
for name in switch-open-25 switch-open-50 switch-open-75 switch-max nginx-max switch-idle; do
  plots+="${plots:+, }'$out/$name.dist' using 4:(\$1/1000) with lines lw 2 title '$name'"
done
gnuplot <<GNUPLOT
set terminal pngcairo size 1100,700 noenhanced
set output '$out/latency.png'
set title 'Latency by percentile (switchyard-load, $connections connections, depth $depth)'
set logscale x
set logscale y
set xlabel 'percentile'
set ylabel 'latency (ms)'
set xtics ('0%%' 1, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000, '99.999%%' 100000)
set grid
set key top left
plot $plots
GNUPLOT
cat "$out/summary.md"
say "done: $out/summary.md, $out/latency.png"
