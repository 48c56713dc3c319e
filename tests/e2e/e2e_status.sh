#!/usr/bin/env bash
# e2e_status — what an operator sees: `cjx status` and the hub's HTTP
# /status, /metrics and /healthz agree with what happened. Counters move when
# records are published and refused; /metrics passes promtool and a real
# Prometheus server scrapes it and computes a rate; a stopped subscriber shows
# as disconnected with a growing last-seen age, its lag, and alerts.
. "$(dirname "$0")/lib.sh"

start_watched_institutions

get() { curl -sS --max-time 10 "http://$HTTP_EP$1"; }
status() { cjx col status --json; }
# inst CODE FIELD: a field of an institution in `cjx status --json`; "none"
# when the institution is not listed, "false" for an absent boolean
inst() {
    status | jq -r --arg c "$1" "[.institutions[] | select(.credit_code == \$c)] |
        if length == 0 then \"none\" else .[0].$2 // false end"
}
metric() { get /metrics | awk -v m="$1" '$1 == m {print $2}'; }

note "20 jobs stored and delivered, one record refused"
for n in $(seq 1 20); do job_json "$n"; done | cjx ent post >/dev/null
printf '{"record":{"ref":"GO-1","year":2026,"graduate_outcome":{"graduate":{"pseudonym":"p:1"},"school_credit_code":"%s","major_code":"510203","graduation_year":2026,"destination_code":"10"}}}\n' $COL \
    | cjx ent post >/dev/null
wait_until 20 outbox_empty ent || fail "ent's outbox never emptied"
lines() { [ -f "$T/hrb-jobs.jsonl" ] && wc -l <"$T/hrb-jobs.jsonl" || echo 0; }
wait_equal 20 20 lines || fail "the bureau got $(lines) jobs, expected 20"

[ "$(get /healthz)" = ok ] || fail "/healthz: $(get /healthz)"
get /metrics >"$T/metrics.txt"
promtool check metrics <"$T/metrics.txt" || fail "promtool finds fault with /metrics"
[ "$(metric 'cjx_publish_total{kind="job"}')" = 20 ] || fail "cjx_publish_total{kind=job} is not 20"
[ "$(metric 'cjx_refused_total{reason="forbidden"}')" = 1 ] || fail "the refusal is not in cjx_refused_total"
[ "$(metric "cjx_institution_refused_total{institution=\"$ENT\"}")" = 1 ] \
    || fail "the refusal is not counted for the enterprise"
[ "$(metric "cjx_institution_connected{institution=\"$HRB\"}")" = 1 ] || fail "the bureau is not connected"
grep -q "cjx_institution_info{institution=\"$HRB\",name=\"长治市人力资源和社会保障局\",kind=\"bureau\"} 1" \
    "$T/metrics.txt" || fail "cjx_institution_info lacks the bureau's name and kind"
[ "$(metric 'cjx_log_newest_seq')" -ge 20 ] || fail "cjx_log_newest_seq is behind"

note "cjx status --json is what /status serves"
same() { jq -S '.institutions | map(del(.last_seen_ms))'; }
[ "$(status | same)" = "$(get /status | same)" ] || fail "cjx status --json and /status differ"
[ "$(status | jq '.published.total')" = 20 ] || fail "status: published is not 20"
[ "$(status | jq '.published.last_hour')" = 20 ] || fail "status: 20 publishes not in the last hour"
[ "$(status | jq '[.refused_by_reason[] | select(.name == "forbidden")][0].rate.total')" = 1 ] \
    || fail "status: the refusal is not broken down by reason"
inst $ENT last_error | matches 'forbidden record.graduate_outcome' || fail "status: no last error for the enterprise"
[ "$(inst $HRB name)" = 长治市人力资源和社会保障局 ] || fail "status: the bureau's name is $(inst $HRB name)"
[ "$(status | jq '.alerts | length')" = 0 ] || fail "alerts with everyone connected: $(status | jq -c .alerts)"

note "a stopped subscriber: disconnected, last seen longer ago, lagging, alerted"
kill -STOP "$hrb_pid"
for n in $(seq 21 120); do job_json "$n"; done | cjx ent post >/dev/null
wait_until 20 outbox_empty ent || fail "ent's outbox never emptied"
wait_equal 20 false inst $HRB connected || { kill -CONT "$hrb_pid"; fail "the stopped bureau still shows connected"; }
age() { status | jq --arg c $HRB '.now_ms - (.institutions[] | select(.credit_code == $c) | .last_seen_ms)'; }
age1=$(age); sleep 1.5; age2=$(age)
[ "$age2" -gt "$age1" ] || { kill -CONT "$hrb_pid"; fail "the last-seen age did not grow: $age1 then $age2 ms"; }
lag=$(status | jq --arg c $HRB '.institutions[] | select(.credit_code == $c) | .subscriptions[] | select(.name == "jobs") | .lag')
[ "$lag" -ge 100 ] || { kill -CONT "$hrb_pid"; fail "the stopped subscriber's lag is $lag, expected at least 100"; }
status | jq -e --arg c $HRB '[.alerts[] | select(.institution == $c) | .name] | index("agent_silent") and index("subscriber_lag")' \
    >/dev/null || { kill -CONT "$hrb_pid"; fail "no alerts for the stopped bureau: $(status | jq -c .alerts)"; }
cjx hrb list --limit 1 >/dev/null   # the bureau's tool has a session: its agent is still away
[ "$(inst $HRB connected)" = false ] || { kill -CONT "$hrb_pid"; fail "a tool's session counts as the agent"; }
[ "$(metric "cjx_subscriber_lag{institution=\"$HRB\",subscription=\"jobs\"}")" = "$lag" ] \
    || { kill -CONT "$hrb_pid"; fail "cjx_subscriber_lag differs from the status"; }
cjx col status >"$T/status.txt"
grep '长治市人力资源和社会保障局' "$T/status.txt" | matches 'disconnected' \
    || { kill -CONT "$hrb_pid"; fail "the table does not show the bureau disconnected: $(cat "$T/status.txt")"; }
grep -q 'agent_silent' "$T/status.txt" || { kill -CONT "$hrb_pid"; fail "the table shows no alert"; }

note "resumed: it catches up, the lag and the alerts go away"
kill -CONT "$hrb_pid"
wait_equal 30 120 lines || fail "the bureau got $(lines) jobs after resuming, expected 120"
caught_up() { [ "$(status | jq '.alerts | length')" = 0 ] && [ "$(inst $HRB connected)" = true ]; }
wait_until 20 caught_up || fail "alerts stay after the bureau caught up: $(status | jq -c .alerts)"

note "entries a subscription does not match move its cursor too: no lag, none after a restart"
internship() {
    printf '{"posting":{"ref":"INT-%s","title":"LED外延车间岗位实习","description":"外延片生产与检测","requirements":"电子信息类在校生","division_code":"140400","cluster":"SEMICONDUCTOR_OPTO","industry_code":"3976","major_codes":["510101"],"valid_from":"%s","valid_until":"%s","internship":{"headcount":20,"duration_months":6,"stipend_yuan_monthly":2800,"technical_post":true}}}\n' "$1" "$VALID_FROM" "$VALID_UNTIL"
}
for n in $(seq 1 60); do internship "$n"; done | cjx ent post >/dev/null
wait_until 20 outbox_empty ent || fail "ent's outbox never emptied"
jobs_lag() { status | jq --arg c $HRB '.institutions[] | select(.credit_code == $c) | .subscriptions[] | select(.name == "jobs") | .lag // 0'; }
wait_equal 20 0 jobs_lag || fail "the jobs subscription lags $(jobs_lag) behind entries it does not match"
kill -STOP "$hrb_pid"
wait_equal 20 false inst $HRB connected || { kill -CONT "$hrb_pid"; fail "the bureau still shows connected"; }
lag=$(jobs_lag)
kill -CONT "$hrb_pid"
[ "$lag" = 0 ] || fail "the durable cursor of jobs is $lag behind entries it does not match"
[ "$(lines)" = 120 ] || fail "the bureau's sink has $(lines) jobs, expected 120"

note "HTTP: unknown paths and methods are refused"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$HTTP_EP/nope")" = 404 ] || fail "no 404 for an unknown path"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://$HTTP_EP/status")" = 405 ] || fail "no 405 for POST"

note "a real Prometheus scrapes the hub and computes the publish rate"
port=
for p in $(shuf -i 20000-60000 -n 20); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || fail "no free port for Prometheus"
cat >"$T/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: cjx
    static_configs:
      - targets: ['$HTTP_EP']
YML
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/prom" \
    --web.listen-address="127.0.0.1:$port" >>"$T/prometheus.log" 2>&1 &
PIDS+=($!)
query() { curl -sS --max-time 5 "http://127.0.0.1:$port/api/v1/query" --data-urlencode "query=$1" \
    | jq -r '.data.result[0].value[1] // empty'; }
wait_equal 60 1 query 'up{job="cjx"}' || fail "Prometheus does not scrape the hub"
for n in $(seq 121 220); do job_json "$n"; done | cjx ent post >/dev/null
wait_until 20 outbox_empty ent || fail "ent's outbox never emptied"
positive() { awk -v v="$(query "$1")" 'BEGIN { exit !(v + 0 > 0) }'; }
wait_until 30 positive 'sum(rate(cjx_publish_total{kind="job"}[1m]))' \
    || fail "Prometheus computes no publish rate: $(query 'cjx_publish_total')"
echo "publish rate seen by Prometheus: $(query 'sum(rate(cjx_publish_total{kind="job"}[1m]))')/s"
echo ok
