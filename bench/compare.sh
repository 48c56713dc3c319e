#!/usr/bin/env bash
# compare.sh — cjx side by side with Mosquitto and NATS JetStream on this
# machine, in one run: installs the brokers and their C client libraries
# from Debian if missing, builds cjx and the benchmark clients optimised in
# ${BENCH_BUILD:-build-bench}/, then RUNS times (default 3), interleaved so
# that noise from other work falls on every system alike:
#
#   publish   durable publish rate, 512-byte records, 1 and 16 publishers,
#             WINDOW (4096) in flight each, acknowledged (publish_many_bench,
#             mosq_bench, nats_bench publish); cjx twice: by clients of its
#             wire protocol as the peers' clients are, and by its own
#             agents (synced outbox, and a replica each of every posting)
#   fanout    latency publish → delivery, 20 subscribers, 5,000/s for 10 s
#             (mosq_bench/nats_bench fanout); cjx twice: by clients of its
#             wire protocol (wire_fanout_bench), and by its agents to file
#             sinks followed by the bench (feed_bench fanout)
#   catchup   N (200,000) records published while a durable subscriber is
#             away, then its receiving rate (mosq_bench/nats_bench catchup);
#             cjx twice: by a client of its wire protocol
#             (wire_catchup_bench), and by its agent to a synced file sink
#             (feed_bench catchup)
#   memory    each broker's peak RSS (VmHWM) per run, sampled every 0.1 s;
#             an idle cjx agent's RSS (publish_many_bench)
#   limits    LMDB appends in synced 1,000-record transactions (lmdb_limit),
#             ZeroMQ DEALER→ROUTER round trips (zmq_limit); and the floors
#             (broker_limit): the 1-publisher and the fan-out workloads
#             through a broker that only appends to LMDB in synced
#             transactions and answers over ZeroMQ, in the limit column of
#             those workloads' rows
#
# Every broker gets a fresh data folder under ${BENCH_DIR:-/var/tmp} and a
# free port on 127.0.0.1, and is stopped after its workload; whatever is
# still running is stopped on exit. Each workload starts after a `sync`, so
# that none pays for the writes another left in the page cache: the kernel
# writes back what a broker left unsynced 30 s later, and a cjx fan-out run
# in that moment waited up to 350 ms for its syncs behind it (300 MB of
# unsynced data written 22 s before `wire_fanout_bench`: p99 242 ms). Prints one key=value line per
# measurement as it goes, then the table (bench/compare_table.awk). The raw
# lines stay in $BENCH_DIR/cjx-compare-last.txt.
#
#   bench/compare.sh            # RUNS=3 N=200000 WINDOW=4096
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
N=${N:-200000}
WINDOW=${WINDOW:-4096}
SUBS=${FAN_SUBS:-20} RATE=${FAN_RATE:-5000} SECONDS_=${FAN_SECONDS:-10}
build=${BENCH_BUILD:-build-bench}

# ---- what it needs ----
need=()
for p in mosquitto libmosquitto-dev nats-server libnats-dev; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    echo "# installing ${need[*]}" >&2
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCJX_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target cjx-hub cjx-agent publish_many_bench feed_bench \
    wire_fanout_bench wire_catchup_bench lmdb_limit zmq_limit broker_limit mosq_bench nats_bench \
    >/dev/null
bin=$PWD/$build/bin
conf=$PWD/config

base=$(mktemp -d "${BENCH_DIR:-/var/tmp}/cjx-compare.XXXXXX")
chmod 755 "$base" # mosquitto drops root to its own user
out=${BENCH_DIR:-/var/tmp}/cjx-compare-last.txt
started=() # pids of brokers and samplers this script started
cleanup() {
    for p in "${started[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$base"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# free_port: a port nothing listens on, below the kernel's range of
# ephemeral ports: a port in it may be a connection's own end, which a
# connect test does not see and a broker then cannot bind.
free_port() {
    local p low _
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range
    for p in $(shuf -i 10000-$((low > 10100 ? low - 1 : 32767)) -n 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
    return 1
}
wait_port() { # wait_port PORT: up to 10 s
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on 127.0.0.1:$1" >&2
    return 1
}

# sample PATTERN FILE: until killed, writes to FILE the peak VmHWM and the
# peak RssAnon (kB) seen of the processes whose command line matches PATTERN.
# Starts nothing while it samples, so as not to disturb what it measures:
# pgrep only until the processes are found (and again when one is gone),
# /proc read with the shell's own read, the pause a read with a timeout,
# FILE rewritten by echo when a peak grows (a kill waits for the write).
sample() {
    local hwm=0 anon=0 p k v _ old= pids=() gone pause
    trap 'exit 0' TERM
    exec {pause}<> <(:)
    while :; do
        gone=0
        for p in "${pids[@]}"; do [ -e "/proc/$p" ] || gone=1; done
        [ ${#pids[@]} -gt 0 ] && [ $gone = 0 ] || mapfile -t pids < <(pgrep -f -- "$1" || true)
        for p in "${pids[@]}"; do
            while read -r k v _; do
                case $k in
                VmHWM:) [ "$v" -gt "$hwm" ] && hwm=$v ;;
                RssAnon:) [ "$v" -gt "$anon" ] && anon=$v ;;
                esac
            done <"/proc/$p/status" 2>/dev/null || true
        done
        if [ "$hwm $anon" != "$old" ]; then
            echo "broker_vmhwm_kb=$hwm broker_rssanon_peak_kb=$anon" >"$2"
            old="$hwm $anon"
        fi
        read -r -t 0.1 -u "$pause" _ || true
    done
}
sampler=0
start_sampler() { # start_sampler PATTERN FILE
    : >"$2"
    sample "$1" "$2" &
    sampler=$!
    started+=("$sampler")
}
stop_sampler() {
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
}

# measure RUN SYSTEM PATTERN FILE CMD…: runs CMD with the broker sampler on
# (PATTERN - : none), puts run= and system= first on each line it prints and
# the broker's memory last, appends them to $out and shows them.
measure() {
    local run=$1 system=$2 pattern=$3 mem=$4
    shift 4
    sync # what the workload before left unsynced is not this one's to write
    [ "$pattern" = - ] || start_sampler "$pattern" "$mem"
    local lines rc=0
    lines=$("$@") || rc=$?
    if [ "$pattern" != - ]; then
        sleep 0.15
        stop_sampler
    fi
    while IFS= read -r l; do
        [ -n "$l" ] || continue
        l="system=$system ${l#system=* }"
        case "$l" in *test=publish* | *test=fanout* | *test=catchup*)
            [ "$pattern" = - ] || l="$l $(cat "$mem")" ;;
        esac
        echo "run=$run $l" | tee -a "$out"
    done <<<"$lines"
    [ $rc -eq 0 ] || echo "run=$run system=$system FAILED: $*" | tee -a "$out"
}

# ---- brokers ----
mosq_port=0 broker=0
start_mosquitto() { # start_mosquitto DIR
    mkdir -p "$1"
    mosq_port=$(free_port)
    cat >"$1/mosquitto.conf" <<EOF
listener $mosq_port 127.0.0.1
allow_anonymous true
persistence true
persistence_location $1/
autosave_interval 1800
max_queued_messages 0
max_inflight_messages 1024
set_tcp_nodelay true
log_dest stderr
log_type error
log_type warning
EOF
    [ "$(id -u)" -ne 0 ] || chown -R mosquitto "$1"
    mosquitto -c "$1/mosquitto.conf" 2>>"$1/mosquitto.log" &
    broker=$!
    started+=("$broker")
    wait_port "$mosq_port" || { tail -5 "$1/mosquitto.log" >&2; return 1; }
}
nats_url=""
start_nats() { # start_nats DIR [EXTRA_JETSTREAM_LINE]
    mkdir -p "$1"
    local port
    port=$(free_port)
    nats_url=nats://127.0.0.1:$port
    printf 'listen: 127.0.0.1:%s\nserver_name: cjx-bench\njetstream {\n  store_dir: "%s/js"\n  %s\n}\n' \
        "$port" "$1" "${2:-}" >"$1/nats.conf"
    nats-server -c "$1/nats.conf" >>"$1/nats.log" 2>&1 &
    broker=$!
    started+=("$broker")
    wait_port "$port" || { tail -5 "$1/nats.log" >&2; return 1; }
}
stop_broker() {
    kill "$broker" 2>/dev/null || true
    wait "$broker" 2>/dev/null || true
}

# JetStream with a sync on every write, where the server knows the setting.
js_always="sync_interval: always"
printf 'jetstream { store_dir: "%s/t"\n %s }\n' "$base" "$js_always" >"$base/t.conf"
: >"$out"
js_variants=(default)
if nats-server -t -c "$base/t.conf" >/dev/null 2>&1; then
    js_variants+=(always)
else
    echo "# $(nats-server --version): no sync_interval setting; JetStream runs only with its default" \
         "(written to the page cache before the ack, fsync every 2 minutes)" | tee -a "$out"
fi

{
    echo "# $(date -I) $(nproc) cores, $(uname -sr), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
    echo "# $(mosquitto -h 2>/dev/null | head -1), $(nats-server --version)," \
         "libnats $(pkg-config --modversion libnats), libmosquitto $(pkg-config --modversion libmosquitto)," \
         "libzmq $(pkg-config --modversion libzmq), lmdb $(pkg-config --modversion lmdb)"
    echo "# RUNS=$RUNS N=$N WINDOW=$WINDOW fanout $SUBS subscribers at $RATE/s for ${SECONDS_}s; stores in $base"
} | tee -a "$out"

for run in $(seq "$RUNS"); do
    d=$base/$run
    mkdir -p "$d"
    mkdir -p "$d/lmdb"
    measure "$run" lmdb - - "$bin/lmdb_limit" "$d/lmdb" "$N" 512 1000
    rm -rf "$d/lmdb"
    measure "$run" zeromq - - "$bin/zmq_limit" "$N" 512 "$WINDOW"
    mkdir -p "$d/floor"
    measure "$run" lmdb+zeromq - - "$bin/broker_limit" "$d/floor" publish "$N" "$WINDOW"
    rm -rf "$d/floor"

    for pubs in 1 16; do
        for client in wire agents; do
            w=$d/cjx-pub-$pubs-$client
            mkdir -p "$w"
            measure "$run" cjx "cjx-hub -c $w/" "$w.mem" "$bin/publish_many_bench" "$bin" "$conf" \
                "$w" "$pubs" "$N" "$WINDOW" "$client"
            rm -rf "$w"
        done
        w=$d/mosq-pub-$pubs
        start_mosquitto "$w"
        measure "$run" mosquitto "mosquitto -c $w/" "$w.mem" "$bin/mosq_bench" "$mosq_port" publish \
            "$pubs" "$N" "$WINDOW"
        stop_broker
        for v in "${js_variants[@]}"; do
            w=$d/js-$v-pub-$pubs
            extra=""
            [ "$v" = always ] && extra=$js_always
            start_nats "$w" "$extra"
            measure "$run" "jetstream-$v" "nats-server -c $w/" "$w.mem" "$bin/nats_bench" \
                "$nats_url" publish "$pubs" "$N" "$WINDOW"
            stop_broker
        done
    done

    mkdir -p "$d/floor"
    measure "$run" lmdb+zeromq - - "$bin/broker_limit" "$d/floor" fanout "$SUBS" "$RATE" "$SECONDS_"
    rm -rf "$d/floor"
    w=$d/cjx-feed
    mkdir -p "$w"
    measure "$run" cjx "cjx-hub -c $w/wire-fanout/" "$w.wfan.mem" "$bin/wire_fanout_bench" "$bin" \
        "$conf" "$w" "$SUBS" "$RATE" "$SECONDS_"
    measure "$run" cjx "cjx-hub -c $w/fanout/" "$w.fan.mem" "$bin/feed_bench" "$bin" "$conf" "$w" \
        fanout "$SUBS" "$RATE" "$SECONDS_"
    measure "$run" cjx "cjx-hub -c $w/wire-catchup/" "$w.wcat.mem" "$bin/wire_catchup_bench" "$bin" \
        "$conf" "$w" "$N" "$WINDOW"
    measure "$run" cjx "cjx-hub -c $w/catchup/" "$w.cat.mem" "$bin/feed_bench" "$bin" "$conf" "$w" \
        catchup "$N"
    rm -rf "$w"
    for t in fanout catchup; do
        args=("$SUBS" "$RATE" "$SECONDS_")
        [ $t = catchup ] && args=("$N" "$WINDOW")
        w=$d/mosq-$t
        start_mosquitto "$w"
        measure "$run" mosquitto "mosquitto -c $w/" "$w.mem" "$bin/mosq_bench" "$mosq_port" $t "${args[@]}"
        stop_broker
        w=$d/js-$t
        start_nats "$w"
        measure "$run" jetstream-default "nats-server -c $w/" "$w.mem" "$bin/nats_bench" \
            "$nats_url" $t "${args[@]}"
        stop_broker
    done
    rm -rf "$d"
done

echo
awk -f bench/compare_table.awk "$out"
