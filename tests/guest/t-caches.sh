# Caches by their real names and sizes.  A kmalloc object is named by its
# slab's cache (kmalloc-cg-64 for __GFP_ACCOUNT, dma-kmalloc-64 for
# GFP_DMA), not kmalloc-N by its size; and a cache made after another was
# destroyed, on the same struct, is shown with its own name and size.
# Before: kmalloc-64 for both, and the new cache's 200-byte objects as
# cache=kleak_fixture_old size=64/64, and msg_msg-256 as kmalloc-256.
. /tests/lib.sh
load
# on one CPU, so that the destroyed cache's struct is at the top of that
# CPU's free list when the next cache is made
taskset 1 insmod /kleak/kleak_fixture.ko recreate=3 typed=2 || fail "insmod kleak_fixture recreate=3 typed=2"
cat $K/outstanding >/tmp/o
echo "KLEAK-CACHES $(uname -r): $(dmesg | grep -o 'recreate: .*' | tail -n 1)" | tee /dev/console
[ "$(grep 'site=kleak_fixture_recreate+' /tmp/o | grep -c 'size=200/200 cache=kleak_fixture_new ')" = 3 ] || {
	grep 'site=kleak_fixture_recreate+' /tmp/o; fail "the new cache's 3 objects are not shown as kleak_fixture_new, 200 bytes"; }
# the typed kmalloc caches, where the kernel has them
for t in account:kmalloc-cg-64 dma:dma-kmalloc-64; do
	fn=kleak_fixture_leak_${t%%:*} c=${t#*:}
	want=$c
	grep -q "^$c " /proc/slabinfo || want=kmalloc-64	# no memcg kmem, or no ZONE_DMA
	n=$(grep "site=$fn+" /tmp/o | grep -c "size=64/64 cache=$want ")
	[ "$n" = 2 ] || { grep "site=$fn+" /tmp/o; fail "want 2 objects of $fn in $want, have $n"; }
	echo "KLEAK-CACHES $(uname -r): $fn in $want" | tee /dev/console
done
rmmod kleak_fixture || fail "rmmod kleak_fixture"
# a SLAB_BUCKETS cache (6.11+, CONFIG_SLAB_BUCKETS): a System V message of
# 200 bytes is a 248-byte msg_msg, in msg_msg-256 where the kernel has it
# (Debian's 6.12 and 7.2), else kmalloc-cg-256 (charged), else kmalloc-256.
# Debian's perl sends them (the Debian system guest; busybox has no msgsnd).
if command -v perl >/dev/null; then
	want=kmalloc-256
	for c in kmalloc-cg-256 msg_msg-256; do grep -q "^$c " /proc/slabinfo && want=$c; done
	perl -e '$q = msgget(0, 0600 | 01000) // die "msgget: $!\n";
		for (1 .. 3) { msgsnd($q, pack("l! a200", 1, "m" x 200), 0) or die "msgsnd: $!\n" }
		print "$q\n"' >/tmp/msq || fail "perl: no message queue: $(cat /tmp/msq)"
	cat $K/outstanding >/tmp/o
	perl -e 'msgctl($ARGV[0], 0, 0) or die "msgctl: $!\n"' "$(cat /tmp/msq)" || fail "cannot remove the message queue"
	n=$(grep -E 'site=(alloc_msg|load_msg)\+' /tmp/o | grep -c "size=248/256 cache=$want ")
	[ "$n" -ge 3 ] || { grep -E 'site=(alloc_msg|load_msg)\+' /tmp/o; fail "want 3 messages of 248 bytes in $want, have $n"; }
	echo "KLEAK-CACHES $(uname -r): System V messages in $want" | tee /dev/console
else
	info "no perl here to send System V messages (the Debian system guest has it)"
fi
unload
echo "caches: ok"
