# kleak-watch and kleak-report under busybox: help, bad usage, and clear
# errors without debugfs or without kleak.
. /tests/lib.sh
kleak-watch --help >/dev/null || fail "kleak-watch --help"
kleak-report --help >/dev/null || fail "kleak-report --help"
kleak-watch --bogus 2>/dev/null; [ $? = 2 ] || fail "kleak-watch: bad option must exit 2"
kleak-report --count x 2>/dev/null; [ $? = 2 ] || fail "kleak-report: bad number must exit 2"

# kleak not loaded
kleak-report --count 1 >/tmp/o 2>&1 && fail "kleak-report without kleak succeeded"
expect_grep 'kleak-report: kleak is not loaded (no /sys/kernel/debug/kleak): insmod kleak.ko' /tmp/o
# debugfs not mounted
umount /sys/kernel/debug || fail "umount debugfs"
kleak-report --count 1 >/tmp/o 2>&1
rc=$?
mount -t debugfs debugfs /sys/kernel/debug
[ $rc = 1 ] || fail "kleak-report without debugfs: exit $rc"
expect_grep 'kleak-report: debugfs is not mounted' /tmp/o

# one live snapshot, and kleak-watch's live mode for two samples
load
kleak-report --count 1 --top 2 >/tmp/o || fail "kleak-report --count 1"
expect_grep '^kleak-report: 1 snapshot ' /tmp/o
kleak-watch --interval 1 --duration 2 --log /tmp/raw >/tmp/o 2>&1 || fail "kleak-watch live"
expect_grep '^verdict: ' /tmp/o
grep -q '^S kmalloc-' /tmp/raw || fail "kleak-watch --log: no slabinfo samples"
grep -q '^P 1 ' /tmp/raw || fail "kleak-watch --log: no PSS of pid 1"
kleak-watch --replay /tmp/raw --plain >/tmp/o || fail "kleak-watch --replay"
expect_grep '^kleak-watch: [0-9]* samples over ' /tmp/o
unload
echo "scripts: ok"
