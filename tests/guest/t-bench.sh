# A smoke run of `make bench` (few pairs, no peers), so that it cannot rot.
# No timing is asserted: only that every configuration ran every case.
. /tests/lib.sh
if [ "$KLEAK_KERNEL" = debug ]; then
	# KASAN makes each pair some 20 times dearer: minutes, for numbers that mean nothing
	echo "the bench's smoke run is on the stock kernels"
	exit 77
fi
BENCH_PAIRS=2000 BENCH_RUNS=1 BENCH_LIVE=5000 BENCH_PEERS=0 sh /scripts/bench.sh >/tmp/b 2>&1
cat /tmp/b
grep -q '^BENCHX error' /tmp/b && fail "bench reported an error"
# 64, 4096, cache, rcu, page, vmalloc; on one thread and on every CPU
want=12
[ "$(grep -c ^processor /proc/cpuinfo)" -gt 1 ] || want=6	# no multi-thread cases
for cfg in baseline empty kleak0 kleak_filtered kleak16 kleak_s16 stopped base_empty base_kleak0 base_kleak16 base_stopped base_kinds_slab; do
	n=$(grep -c "^BENCH $cfg case=" /tmp/b)
	[ "$n" = $want ] || fail "bench: $cfg ran $n cases, want $want"
done
# the page and vmalloc kinds off: their cases only
n=$(grep -c "^BENCH kinds_slab case=\(page\|vmalloc\)/" /tmp/b)
[ "$n" = $((want / 3)) ] || fail "bench: kinds_slab ran $n page and vmalloc cases, want $((want / 3))"
grep -q '^BENCH live1m case=64/1t ns_per_pair=[0-9]' /tmp/b || fail "bench: no live-objects case"
grep -q '^BENCHX live_objects [0-9]' /tmp/b || fail "bench: no live_objects"
[ "$(awk '$2 == "live_objects" { print $3 }' /tmp/b)" -ge 5000 ] || fail "bench: prefill not tracked"
grep -q '^BENCHX unwind_ns [0-9]' /tmp/b || fail "bench: no unwinder floor"
grep -q '^BENCHX unwind_direct_ns [0-9]' /tmp/b || fail "bench: no direct unwinder floor"
[ "$(awk '$2 == "unwind_frames" { print $3 }' /tmp/b)" -ge 4 ] || fail "bench: unwinder found too few frames"
grep -q '^BENCHX read_outstanding_s [0-9.]' /tmp/b || fail "bench: no read time"
grep -q '^BENCHX end 1' /tmp/b || fail "bench did not finish"
echo "bench: ok"
