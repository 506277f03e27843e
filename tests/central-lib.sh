# The central figures of one hall and one day against the hall's own `hallq stats`, field
# for field at the precision hallq prints (tests/central-figures.sh, tests/federation.sh).
# Needs tests/lib.sh, tests/pg-lib.sh, $tmp, $DAY, $HALLQ, $PY.
central_day_ms() { # from_ms to_ms now_ms of $DAY, the hall's local day
	from_ms=$(date -d "$DAY 00:00" +%s)000
	to_ms=$(date -d "$DAY 00:00 +1 day" +%s)000
	now_ms=$(date -d "$DAY 23:00" +%s)000
}
central_compare() { # hall-id hall.db by: the central figures of the hall's day $DAY against its own
	HALLQ_NOW="$DAY 23:00" "$HALLQ" stats --db "$2" --json --by "$3" \
		--from "$DAY" --to "$DAY" >"$tmp/hall-$1-$3.json" 2>"$tmp/hall-$1-$3.err" || {
		fail "hallq stats --by $3" "exit 0" "$(cat "$tmp/hall-$1-$3.err")"; return; }
	pg_psql -c "SELECT row_to_json(s) FROM hallq.stats('$1', '$3', $from_ms, $to_ms, $now_ms) s" \
		>"$tmp/central-$1-$3.json" 2>"$tmp/central-$1-$3.err" || {
		fail "hallq.stats by $3" "rows" "$(cat "$tmp/central-$1-$3.err")"; return; }
	diff=$("$PY" - "$tmp/hall-$1-$3.json" "$tmp/central-$1-$3.json" <<'PYEOF'
import json, math, sys
hall = json.load(open(sys.argv[1]))
central = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
mine = hall['rows'] + [dict(hall['total'], key='total')]
def step(k):
    if k.endswith('_s'): return 0.1
    if k == 'score_mean': return 0.01
    return 0.001
out = []
if [r['key'] for r in mine] != [r['key'] for r in central]:
    out.append('rows: hall %s, central %s' % ([r['key'] for r in mine], [r['key'] for r in central]))
c = {r['key']: r for r in central}
for r in mine:
    cr = c.get(r['key'])
    if cr is None: continue
    for k, v in r.items():
        if k == 'key': continue
        w = cr.get(k)
        if isinstance(v, int) and not isinstance(v, bool) and k not in ('wait_mean_s',):
            same = v == w
        else:
            s = step(k); # C's round(): halves away from zero, as hallq prints them.
            same = w is not None and abs(math.floor(w / s + 0.5) * s - v) < s / 2
        if not same:
            out.append('%s %s: hall %s, central %s' % (r['key'], k, v, w))
print('\n'.join(out[:8]))
PYEOF
)
	nrows=$(lines "$tmp/central-$1-$3.json")
	if [ -z "$diff" ]; then ok "$1: hallq.stats by $3 equals hallq stats ($nrows rows)"; else
		fail "$1: hallq.stats by $3 equals hallq stats" "the same" "$diff"; fi
}
