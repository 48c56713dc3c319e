#!/usr/bin/env bash
# e2e_crash — guarantees 1 and 2 under SIGKILL: thousands of records are
# posted while the hub is killed with SIGKILL and restarted again and again,
# and the agent too; at the end every record `cjx post` accepted is stored at
# the hub exactly once, and the global sequence has no gap.
. "$(dirname "$0")/lib.sh"

ENT=91140400MA0K7C2D3J
ROUNDS=${ROUNDS:-50}
PER_ROUND=${PER_ROUND:-100}

# A training completion record; $1 makes it unique.
record_json() {
    printf '{"record":{"ref":"TC-%s","year":2026,"purpose":"职业培训津贴核定","training_completion":{"trainee":{"pseudonym":"p:%s"},"enterprise_credit_code":"%s","course_title":"半导体封装设备操作","certificate_name":"电子设备装接工","skill_level_before":"SKILL_LEVEL_5","skill_level_after":"SKILL_LEVEL_4","contract_start_date":"2026-03-01","contract_months":12,"completion_date":"2026-09-30","hours":120}}}\n' "$1" "$1" "$ENT"
}

start_hub
EP=$HUB_EP            # restarts reuse the port the first start chose
make_agent ent $ENT
echo "window = 32" >>"$T/ent.ini"   # many small batches: kills land mid-delivery
start_agent ent
agent=$AGENT_PID

# The institution posts continuously in the background …
poster() {
    local n=0
    for round in $(seq 1 "$ROUNDS"); do
        for i in $(seq 1 "$PER_ROUND"); do n=$((n + 1)); record_json "$n"; done >"$T/batch.json"
        cjx ent post "$T/batch.json" >>"$T/accepted" || { echo "post refused" >"$T/poster.failed"; return 1; }
    done
}
: >"$T/accepted"
poster &
poster_pid=$!

# … while the hub is killed with SIGKILL at random moments, and the agent too.
hub_kills=0 agent_kills=0
while kill -0 "$poster_pid" 2>/dev/null || [ "$(pending ent)" != 0 ] && [ $hub_kills -lt 40 ]; do
    sleep "0.$((RANDOM % 2))$((RANDOM % 10))"
    kill_hub KILL
    hub_kills=$((hub_kills + 1))
    if [ $((hub_kills % 3)) = 0 ]; then
        kill -KILL "$agent" 2>/dev/null || true
        wait "$agent" 2>/dev/null || true
        agent_kills=$((agent_kills + 1))
        start_agent ent
        agent=$AGENT_PID
    fi
    start_hub "$EP"
done
wait "$poster_pid" || fail "$(cat "$T/poster.failed" 2>/dev/null)"
total=$(wc -l <"$T/accepted")
[ "$total" = $((ROUNDS * PER_ROUND)) ] || fail "post accepted $total of $((ROUNDS * PER_ROUND))"
note "$total records accepted; $hub_kills hub kills, $agent_kills agent kills; draining"

wait_until 180 outbox_empty ent || fail "outbox not drained: $(pending ent) pending"
cjx ent list >"$T/all.json"
grep -v '"kind": *"institution"' "$T/all.json" >"$T/stored.json"
grep -o '"id": *"[^"]*"' "$T/stored.json" | sed 's/.*"\([^"]*\)"$/\1/' | sort >"$T/stored_ids"
sort "$T/accepted" >"$T/accepted_sorted"
stored=$(wc -l <"$T/stored_ids")
unique=$(sort -u "$T/stored_ids" | wc -l)
[ "$stored" = "$unique" ] || fail "$((stored - unique)) records stored twice"
diff -q "$T/accepted_sorted" "$T/stored_ids" >/dev/null \
    || fail "stored ids differ from accepted ids: $(comm -3 "$T/accepted_sorted" "$T/stored_ids" | head -5)"
# the log also holds the agent's registry entry, once: it did not change
seqs=$(grep -o '"seq": *[0-9]*' "$T/all.json" | grep -o '[0-9]*$')
last=$((total + 1))
[ "$(echo "$seqs" | head -n1)" = 1 ] && [ "$(echo "$seqs" | tail -n1)" = "$last" ] \
    && [ "$(echo "$seqs" | wc -l)" = "$last" ] || fail "sequence is not 1..$last"
note "all $total records stored exactly once, sequence 1..$last without gap"
echo ok
