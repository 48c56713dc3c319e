#!/usr/bin/env bash
# demo.sh — builds cjx, then runs a hub and three agents from config/
# (长治职业技术学院, an enterprise of the semiconductor optoelectronics
# cluster, 长治市教育局) in demo-data/, publishes the postings and records of
# config/examples/, and shows them arriving at the hub and being read back.
# Everything it starts is stopped when it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
scripts/build.sh build >/dev/null
BIN=$ROOT/build/bin
CONF=$ROOT/config

rm -rf demo-data && mkdir -p demo-data
cd demo-data   # the configs' relative data_dir values resolve here
PIDS=()
stop_all() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cjx() { local who=$1; shift; "$BIN/cjx" -c "$CONF/agents/$who.ini" "$@"; }

say "starting the hub (config/hub.ini) and three agents"
"$BIN/cjx-hub" -c "$CONF/hub.ini" >hub.log 2>&1 &
PIDS+=($!)
for i in $(seq 50); do [ -s data/hub/endpoint ] && break; sleep 0.1; done
[ -s data/hub/endpoint ] || { cat hub.log; echo "the hub did not start (is port 7450 taken?)"; exit 1; }
echo "hub listening on $(cat data/hub/endpoint)"
for who in changzhi-vtc gaoxin-optoelectronics education-bureau; do
    "$BIN/cjx-agent" -c "$CONF/agents/$who.ini" >"$who.log" 2>&1 &
    PIDS+=($!)
    printf '  agent %-24s %s\n' "$who" "$(sed -n 's/^name = //p' "$CONF/agents/$who.ini")"
done

say "长治高新区光电科技有限公司 posts a job, an internship post, a teacher-practice post and its census"
cjx gaoxin-optoelectronics post "$CONF/examples/enterprise-postings.jsonl"
say "长治职业技术学院 posts a training course, a programme record, a placement and a graduate outcome"
cjx changzhi-vtc post "$CONF/examples/college-items.jsonl"
say "长治市教育局 posts a notice"
cjx education-bureau post "$CONF/examples/bureau-notice.json"

say "an item with a wrong check character is refused at the edge, naming the field"
sed 's/91140400MA0K7C2D3J/91140400MA0K7C2D3K/' "$CONF/examples/college-items.jsonl" |
    cjx changzhi-vtc post - || echo "(refused as it should be: nothing was stored)"

say "waiting for the agents to deliver (acknowledged only after the hub synced)"
for i in $(seq 100); do
    left=0
    for who in changzhi-vtc gaoxin-optoelectronics education-bureau; do
        n=$(cjx "$who" status --local 2>/dev/null | sed -n 's/.*"pending": \([0-9]*\).*/\1/p' | head -n1)
        left=$((left + ${n:-1}))
    done
    [ "$left" = 0 ] && break
    sleep 0.1
done
echo "all outboxes empty"

say "what the hub holds, in global sequence order (cjx list)"
cjx education-bureau list | while IFS= read -r line; do
    seq=$(echo "$line" | sed -n 's/.*"seq":\([0-9]*\).*/\1/p')
    kind=$(echo "$line" | sed -n 's/.*"kind":"\([^"]*\)".*/\1/p')
    id=$(echo "$line" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
    title=$(echo "$line" | sed -n 's/.*"title":"\([^"]*\)".*/\1/p')
    [ -n "$title" ] || title=$(echo "$line" | sed -n 's/.*"ref":"\([^"]*\)".*/\1/p')
    printf '  %3s  %-22s %-22s %s\n' "$seq" "$kind" "$id" "$title"
done

say "the enterprise's job posting, read back by id (cjx get --pretty)"
cjx education-bureau get --pretty 91140400MA0K7C2D3J-1

say "graduate outcomes only (cjx list --kind graduate_outcome)"
cjx education-bureau list --kind graduate_outcome --pretty

say "the enterprise fills its internship post (cjx fill): the change reaches every replica"
cjx gaoxin-optoelectronics fill GX-INT-2026-004
for i in $(seq 100); do
    cjx education-bureau list --local --kind internship | grep -q . || break
    sleep 0.1
done

say "the bureau's replica, read without the hub (cjx list --local): registry and open postings"
cjx education-bureau list --local | while IFS= read -r line; do
    kind=$(echo "$line" | sed -n 's/^{[^{]*"kind":"\([^"]*\)".*/\1/p')
    change=$(echo "$line" | sed -n 's/.*"change":"\([^"]*\)".*/\1/p')
    name=$(echo "$line" | sed -n 's/.*"\(title\|name\)":"\([^"]*\)".*/\2/p')
    printf '  %-18s %-8s %s\n' "$kind" "$change" "$name"
done

say "each replica checked against the hub's digest of the same view (cjx verify)"
for who in changzhi-vtc gaoxin-optoelectronics education-bureau; do
    printf '  %-24s ' "$who"
    cjx "$who" verify | sed -n 's/.*"agree":\([a-z]*\).*"entries":\([0-9]*\).*/agree=\1, entries=\2/p'
done

say "search: postings for 半导体 at the hub, and for students of major 510101 (cjx search, cjx recommend)"
cjx changzhi-vtc search 半导体
cjx changzhi-vtc recommend --major 510101 --local

say "the hub's status for operators (cjx status; the same live at the dashboard, http://$(cat data/hub/http_endpoint 2>/dev/null || echo 127.0.0.1:7451)/)"
cjx education-bureau status

echo
echo "Logs and stores are in demo-data/. Stopping the hub and agents."
