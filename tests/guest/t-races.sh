# The files race with everything: object and the reports against a storm
# of clear while modules come and go (20 s on the debug kernel, 5 s on the
# others); lseek on object opened write-only.  The host checks the kernel
# log (KASAN, lockdep, GPF) afterwards.
. /tests/lib.sh
dur=5
[ "$KLEAK_KERNEL" = debug ] && dur=20
load
insmod /kleak/kleak_fixture.ko leaks=50 size=256 || fail "fixture"
rmmod kleak_fixture

# lseek on object opened write-only (it used to skip seq_open)
out=$(kleak-poke lseek $K/object) || fail "lseek on object opened write-only: $out"

end=$(( $(date +%s) + dur ))
( while [ "$(date +%s)" -lt $end ]; do echo clear >$K/control || exit 1; done ) &
clears=$!
# the loader: every insmod and rmmod must succeed, and it must go round
( n=0; while [ "$(date +%s)" -lt $end ]; do
	insmod /kleak/kleak_fixture.ko leaks=20 size=256 churn=50 || { echo "insmod failed" >/tmp/races.mods; exit 1; }
	rmmod kleak_fixture || { echo "rmmod failed" >/tmp/races.mods; exit 1; }
	n=$((n + 1))
  done; echo "$n" >/tmp/races.mods ) &
mods=$!
reads=0 objects=0
while [ "$(date +%s)" -lt $end ]; do
	a=$(grep -m 1 '^0x' $K/outstanding | cut -d' ' -f1)
	[ -n "$a" ] && object_dump "$a" >/dev/null 2>&1 && objects=$((objects + 1))
	cat $K/stacks >/dev/null || fail "stacks unreadable during the storm"
	cat $K/suspects >/dev/null || fail "suspects unreadable during the storm"
	reads=$((reads + 1))
done
wait $clears || fail "a clear failed during the storm"
wait $mods || fail "the loader during the storm: $(cat /tmp/races.mods)"
[ "$(cat /tmp/races.mods)" -gt 0 ] || fail "the loader loaded no module during the storm"
info "$reads rounds of reads, $objects object dumps, $(cat /tmp/races.mods) loads, under clear for ${dur}s"
[ "$reads" -gt 0 ] || fail "no read during the storm"

# still whole afterwards
[ "$(stat_val running)" = 1 ] || fail "not running after the storm"
insmod /kleak/kleak_fixture.ko leaks=3 size=512 || fail "fixture after the storm"
rmmod kleak_fixture
[ "$(grep -c 'site=kleak_fixture_plant' $K/outstanding)" -ge 3 ] || fail "no tracking after the storm"
unload
echo "races: ok"
