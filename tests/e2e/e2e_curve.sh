#!/usr/bin/env bash
# e2e_curve — guarantee 6, authentication: with a secret key the hub takes
# only CURVE connections whose public key an operator registered (ZAP), a
# key speaks only for its own institution, a revoked key is cut off within
# seconds while the hub keeps running, and a hub without keys will not
# listen beyond loopback.
. "$(dirname "$0")/lib.sh"

ENT=91140400MA0K7C2D3J   # 长治高新区光电科技有限公司
ENTB=91140400MA0K7C2D3J
COL=12140400405710843M   # 长治职业技术学院
OPS=11140400012345686X   # the operator's bureau
K=$T/keys
mkdir -p "$K"

note "keygen: a 0600 key file and a public file, never overwritten"
for name in hub ops ent col rogue; do "$BIN/cjx" keygen --dir "$K" "$name" >/dev/null || fail "keygen $name"; done
[ "$(stat -c %a "$K/ent.key")" = 600 ] || fail "ent.key is not mode 600"
if "$BIN/cjx" keygen --dir "$K" ent 2>/dev/null; then fail "keygen overwrote ent.key"; fi

note "a hub without keys refuses to listen beyond loopback"
printf '[hub]\ndata_dir = %s/open\ncatalog_dir = %s\n' "$T" "$CONF" >"$T/open.ini"
if "$BIN/cjx-hub" -c "$T/open.ini" -l 'tcp://0.0.0.0:*' 2>"$T/open.err"; then fail "hub listened on 0.0.0.0 without keys"; fi
grep -q secret_key_file "$T/open.err" || fail "the hub did not say why: $(cat "$T/open.err")"

HUB_INI_EXTRA="secret_key_file = $K/hub.key
operators = $K/ops.pub"
start_hub
keyed_agent() { # keyed_agent NAME CODE KEYNAME
    make_agent "$1" "$2"
    printf 'secret_key_file = %s/%s.key\nhub_public_key = %s/hub.pub\n' "$K" "$3" "$K" >>"$T/$1.ini"
}
keyed_agent ops $OPS ops
keyed_agent ent $ENT ent
keyed_agent col $COL col
keyed_agent rogue $ENT rogue        # claims to be the enterprise with an unknown key
keyed_agent liar $COL ent           # the enterprise's key claiming to be the college
make_agent plain $ENT               # no keys at all

note "an operator registers the enterprise's and the college's keys"
cjx ops --timeout 5 institution add --code $ENT --kind enterprise --name 长治高新区光电科技有限公司 --key "$K/ent.pub" >/dev/null \
    || fail "operator could not add the enterprise"
cjx ops institution add --code $COL --kind college --name 长治职业技术学院 --key "$K/col.pub" >/dev/null || fail "add college"
if cjx ent institution add --code $COL --kind college --name x --key "$K/rogue.pub" 2>"$T/err"; then fail "an institution ran an operator command"; fi
grep -q forbidden "$T/err" || fail "non-operator refusal lacks the reason: $(cat "$T/err")"
[ "$(cjx ops institution list | grep -c '"status":"active"')" = 2 ] || fail "the registry does not list 2 active keys"

note "a registered key publishes; unknown keys, plain clients and a key claiming another institution are refused"
start_agent ent
ent_pid=$AGENT_PID
id=$(job_json 1 | cjx ent post)
wait_until 20 outbox_empty ent || fail "ent's outbox never emptied over CURVE"
cjx ent get "$id" | matches '"ref":"JOB-1"' || fail "ent's job not at the hub"
if cjx rogue --timeout 2 list >/dev/null 2>&1; then fail "an unknown key got a session"; fi
if cjx plain --timeout 2 list >/dev/null 2>&1; then fail "a plain client got a session"; fi
if cjx liar --timeout 2 list 2>"$T/err" >/dev/null; then fail "the enterprise's key spoke for the college"; fi
grep -q "belongs to $ENT" "$T/err" || fail "the refusal does not say whose key it is: $(cat "$T/err")"
grep -q 'id=auth.refused' "$T/hub.log" || fail "refused connections are not logged"

note "the hub's status is for operators"
cjx ops status --json | jq -e --arg c $ENT '.institutions[] | select(.credit_code == $c) | .connected' \
    >/dev/null || fail "the operator's status does not show the enterprise connected"
if cjx ent status 2>"$T/err" >/dev/null; then fail "an institution read the hub's status"; fi
grep -q 'for operators' "$T/err" || fail "the status refusal does not say why: $(cat "$T/err")"

note "a revoked key is cut off while the hub keeps running"
out=$(cjx ops institution revoke --key "$K/ent.pub" 2>&1) || fail "revoke failed: $out"
grep -q '"status":"revoked"' <<<"$out" || fail "revoke did not report the key: $out"
gone() { ! kill -0 "$ent_pid" 2>/dev/null; }
wait_until 10 gone || fail "the agent of a revoked key still runs"
grep -q 'refuses this agent' "$T/ent.log" || fail "the agent did not say it was refused"
if cjx ent --timeout 2 list >/dev/null 2>&1; then fail "a revoked key still gets a session"; fi
kill -0 "$HUB_PID" || fail "the hub stopped"

note "rotate: a new key for the enterprise works, the old one stays revoked"
"$BIN/cjx" keygen --dir "$K" ent2 >/dev/null
cjx ops institution rotate --code $ENT --key "$K/ent2.pub" >/dev/null || fail "rotate failed"
sed -i "s#$K/ent.key#$K/ent2.key#" "$T/ent.ini"
cjx ent list >/dev/null || fail "the rotated key gets no session"
cjx col list >/dev/null || fail "the college lost its session"
echo ok
