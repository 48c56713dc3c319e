# lib.sh — what every end-to-end test shares: a temporary folder, starting
# the real cjx-hub and cjx-agent on 127.0.0.1, waiting, asserting, and
# stopping everything on exit. Sourced by tests/e2e/e2e_*.sh.
set -euo pipefail

BIN=${CJX_BIN:?CJX_BIN must name the folder of the built binaries}
CONF=${CJX_CONFIG_DIR:?CJX_CONFIG_DIR must name the config folder}
T=$(mktemp -d "${TMPDIR:-/tmp}/cjx-e2e.XXXXXX")
PIDS=()
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}

cleanup() {
    local rc=$?
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ $rc -ne 0 ]; then
        echo "--- logs in $T (kept) ---"
        for f in "$T"/*.log; do [ -f "$f" ] && { echo "== $f"; tail -n 30 "$f"; }; done
    else
        rm -rf "$T"
    fi
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# … | matches [GREP_OPTIONS] PATTERN: like grep -q, but reads all of its
# input, so that under pipefail the writer never dies of SIGPIPE when the
# pattern is found before it is done.
matches() { grep -c "$@" >/dev/null; }
note() { echo "# $*"; }

# wait_until SECONDS COMMAND...: retries COMMAND every 0.1 s until it succeeds.
wait_until() {
    local limit=$1; shift
    local deadline=$(( $(date +%s) + limit ))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

# wait_equal SECONDS VALUE COMMAND...: retries until COMMAND prints VALUE.
wait_equal() {
    local limit=$1 want=$2
    shift 2
    wait_until "$limit" prints "$want" "$@"
}
prints() { local want=$1; shift; [ "$("$@" 2>/dev/null)" = "$want" ]; }

# start_hub [ENDPOINT]: starts cjx-hub on ENDPOINT (default: a free port of
# 127.0.0.1), its HTTP listener on another free port, with its store in
# $T/hub and the lines of $HUB_INI_EXTRA in its configuration; sets HUB_PID,
# HUB_EP and HTTP_EP (host:port).
start_hub() {
    local ep=${1:-tcp://127.0.0.1:*}
    rm -f "$T/hub/endpoint"
    cat >"$T/hub.ini" <<INI
[hub]
data_dir = $T/hub
catalog_dir = $CONF
heartbeat_ms = ${HUB_HEARTBEAT_MS:-200}
http_listen = 127.0.0.1:0
${HUB_INI_EXTRA:-}
INI
    "$BIN/cjx-hub" -c "$T/hub.ini" -l "$ep" >>"$T/hub.log" 2>&1 &
    HUB_PID=$!
    PIDS+=("$HUB_PID")
    wait_until 20 test -s "$T/hub/endpoint" || fail "hub did not start (see $T/hub.log)"
    HUB_EP=$(cat "$T/hub/endpoint")
    HTTP_EP=$(cat "$T/hub/http_endpoint")
}

# kill_hub SIGNAL: stops the hub and waits until it is gone.
kill_hub() {
    kill "-$1" "$HUB_PID" 2>/dev/null || true
    wait "$HUB_PID" 2>/dev/null || true
}

# make_agent NAME CREDIT_CODE: writes $T/NAME.ini for an agent of the hub.
make_agent() {
    cat >"$T/$1.ini" <<INI
[agent]
credit_code = $2
name = $1
hub = $HUB_EP
data_dir = $T/$1
catalog_dir = $CONF
heartbeat_ms = 200
INI
}

# start_agent NAME: starts cjx-agent for NAME; sets AGENT_PID.
start_agent() {
    "$BIN/cjx-agent" -c "$T/$1.ini" >>"$T/$1.log" 2>&1 &
    AGENT_PID=$!
    PIDS+=("$AGENT_PID")
}

# cjx NAME ARGS...: runs the cjx tool as agent NAME.
cjx() {
    local name=$1; shift
    "$BIN/cjx" -c "$T/$name.ini" "$@"
}

# pending NAME: the number of items in NAME's outbox not yet acknowledged.
pending() {
    cjx "$1" status --local 2>/dev/null | sed -n 's/.*"pending": \([0-9]*\).*/\1/p' | head -n1
}

# seq_of NAME ID: the hub's global sequence of item ID, asked as agent NAME.
seq_of() {
    cjx "$1" get "$2" | grep -o '"seq": *[0-9]*' | head -n1 | grep -o '[0-9]*$'
}

outbox_empty() { [ "$(pending "$1")" = "0" ]; }

# hub_refused NAME REASON: refusals of REASON the hub counted, asked as NAME.
hub_refused() {
    cjx "$1" status --json | jq -r --arg r "$2" \
        '[.refused_by_reason[]? | select(.name == $r) | .rate.total] | add // 0'
}

# start_watched_institutions: a hub that alerts soon (an agent silent 1 s,
# a subscription 50 behind) and the agents of an enterprise, a college and
# a bureau with Chinese and English names; the bureau subscribes to jobs in
# $T/hrb-jobs.jsonl. Sets ENT, COL, HRB and hrb_pid (the bureau's agent).
start_watched_institutions() {
    ENT=91140400MA0K7C2D3J   # an enterprise
    COL=12140400405710843M   # a college
    HRB=11140400012345686X   # 市人社局, a bureau
    HUB_INI_EXTRA=$'alert_silent_s = 1\nalert_lag = 50'
    start_hub
    make_agent ent $ENT
    make_agent col $COL
    make_agent hrb $HRB
    sed -i 's/^name = .*/name = 长治高新区光电科技有限公司/' "$T/ent.ini"
    sed -i 's/^name = .*/name = Changzhi Vocational and Technical College/' "$T/col.ini"
    sed -i 's/^name = .*/name = 长治市人力资源和社会保障局/' "$T/hrb.ini"
    printf '\n[subscription jobs]\nkinds = job\nsink_file = %s\n' "$T/hrb-jobs.jsonl" >>"$T/hrb.ini"
    for who in ent col hrb; do start_agent $who; done
    hrb_pid=$AGENT_PID
}

# Posting dates around today, so that test postings stay open whenever the
# tests run (the hub expires postings after valid_until).
VALID_FROM=$(date -d '30 days ago' +%F)
VALID_UNTIL=$(date -d '1 year' +%F)

# sink_has FILE N: the sink file FILE has N lines or more.
sink_has() { [ "$(wc -l <"$1")" -ge "$2" ]; }

# sink_exactly FILE N: the sink file FILE holds exactly N events, each once,
# in the hub's order (seq strictly increasing).
sink_exactly() {
    local lines; lines=$(wc -l <"$1")
    [ "$lines" = "$2" ] || fail "$1 has $lines lines, expected $2"
    grep -o '"seq":[0-9]*' "$1" | cut -d: -f2 >"$T/seqs"
    sort -n -u "$T/seqs" | cmp -s - "$T/seqs" || fail "$1 is not in strictly increasing order (or repeats)"
}

# completions FROM TO: training completion records of $ENT (refs TC-FROM …
# TC-TO), one JSON item a line, as `cjx post` reads them.
completions() {
    for n in $(seq "$1" "$2"); do
        printf '{"record":{"ref":"TC-%s","year":2026,"training_completion":{"trainee":{"pseudonym":"p:%s"},"enterprise_credit_code":"%s","course_title":"电工","skill_level_before":"SKILL_LEVEL_5","skill_level_after":"SKILL_LEVEL_4","completion_date":"2026-09-30","hours":80}}}\n' "$n" "$n" "$ENT"
    done
}

# A job posting of 长治高新区 as JSON; $1 makes the reference unique.
# metric NAME: the value of the unlabelled metric NAME at the hub's /metrics
metric() { curl -sS --max-time 10 "http://$HTTP_EP/metrics" | awk -v n="$1" '$1 == n {print $2}'; }

job_json() {
    printf '{"posting":{"ref":"JOB-%s","title":"半导体封装工艺工程师 %s","description":"负责封装产线工艺","requirements":"大专及以上，电子类专业","division_code":"140400","cluster":"SEMICONDUCTOR_OPTO","industry_code":"3973","major_codes":["510101"],"valid_from":"%s","valid_until":"%s","job":{"headcount":3,"employer_name":"长治高新区光电科技有限公司","content":"封装工艺优化与良率提升","pay_min_yuan":5000,"pay_max_yuan":8000}}}\n' "$1" "$1" "$VALID_FROM" "$VALID_UNTIL"
}
