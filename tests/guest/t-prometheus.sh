# kleak-report --prometheus: node_exporter textfile metrics of a planted
# leak, written atomically; kleak_up 0 without kleak.  The file is printed
# between KLEAK-PROM-BEGIN/END markers: the host (tests/host/prometheus.sh)
# checks it with promtool and serves it through a real node_exporter to a
# real Prometheus.
. /tests/lib.sh
R=/scripts/kleak-report
D=/tmp/textfile
mkdir -p $D
load
# the planted leak: 200 objects of 4096 bytes, the largest stack by far
insmod /kleak/kleak_fixture.ko leaks=200 size=4096 || fail "insmod kleak_fixture"
$R --prometheus $D/kleak.prom -n 20 >/tmp/out 2>&1 || { cat /tmp/out; fail "kleak-report --prometheus failed"; }
F=$D/kleak.prom
[ -s $F ] || fail "no $F"
[ "$(stat -c %a $F)" = 644 ] || fail "$F has mode $(stat -c %a $F), want 644 (node_exporter reads it)"
[ "$(ls -A $D)" = kleak.prom ] || fail "temporary files left in $D: $(ls -A $D)"
expect_grep '^kleak_up 1$' $F
expect_grep '^# TYPE kleak_stack_live_bytes gauge$' $F
expect_grep '^kleak_stack_live_bytes{stack="[0-9]*",site="kleak_fixture_plant+0x[0-9a-f]*/0x[0-9a-f]* \[kleak_fixture\]",cache="kmalloc-4k",kind="slab"} 819200$' $F "the planted leak's live bytes"
expect_grep '^kleak_stack_live_objects{.*site="kleak_fixture_plant+.*} 200$' $F
expect_grep '^kleak_stack_allocs_total{.*site="kleak_fixture_plant+.*} 200$' $F
expect_grep '^kleak_stack_frees_total{.*site="kleak_fixture_plant+.*} 0$' $F
expect_grep '^kleak_kind_live_bytes{kind="slab"} [0-9]*$' $F
expect_grep '^kleak_kind_live_objects{kind="page"} [0-9]*$' $F
expect_grep '^kleak_live_bytes [0-9]*$' $F
for c in drop_table_full drop_stack_table_full drop_recursion drop_nmi drop_cleared drop_kprobe_missed \
	slab_drops page_drops missed_frees unknown_frees tracked_allocs; do
	expect_grep "^# TYPE kleak_${c}_total counter\$" $F "counter $c"
	expect_grep "^kleak_${c}_total [0-9]*\$" $F "counter $c"
done
# every family once, every sample line of a declared family
awk '/^# TYPE / { if (t[$3]++) { print "twice: " $3; bad = 1 } next }
	/^#/ { next }
	{ n = $1; sub(/\{.*/, "", n); if (!(n in t)) { print "undeclared: " n; bad = 1 } }
	END { exit bad }' $F || fail "families in $F"
# the total is at least the planted leak
b=$(awk '$1 == "kleak_live_bytes" { print $2 }' $F)
[ "$b" -ge 819200 ] || fail "kleak_live_bytes $b < the planted 819200"
# -n 1: the top suspect and the largest stack (the planted leak), no more
$R --prometheus $D/one.prom -n 1 || fail "kleak-report -n 1"
n=$(grep -c '^kleak_stack_live_bytes{' $D/one.prom)
[ "$n" -ge 1 ] && [ "$n" -le 2 ] || fail "-n 1: $n stacks"
expect_grep '^kleak_stack_live_bytes{.*site="kleak_fixture_plant+.*} 819200$' $D/one.prom "-n 1: the largest stack"
rm -f $D/one.prom
echo KLEAK-PROM-BEGIN
cat $F
echo KLEAK-PROM-END
# a reader never sees a half-written file: it is renamed into place
ino=$(stat -c %i $F)
$R --prometheus $F -n 20 || fail "second run"
[ "$(stat -c %i $F)" != "$ino" ] || fail "$F rewritten in place, not renamed"
rmmod kleak_fixture
unload
# without kleak: kleak_up 0, exit 0 (a timer's unit must not fail)
$R --prometheus $F 2>/tmp/err || fail "kleak-report --prometheus without kleak exited $?"
expect_grep '^kleak_up 0$' $F
grep -q 'not loaded' /tmp/err || fail "no word on stderr that kleak is not loaded"
# bad usage: a directory that does not exist
if $R --prometheus /nonexistent/kleak.prom 2>/dev/null; then fail "accepted a missing directory"; fi
echo "prometheus: ok"
