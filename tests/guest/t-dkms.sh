# A DKMS-built kleak.ko (tb dkms boots it): modprobe finds it in
# /lib/modules/KVER/updates/dkms, it loads, works and unloads.  Elsewhere: SKIP.
. /tests/lib.sh
M=/lib/modules/$(uname -r)/updates/dkms/kleak.ko
[ -f $M ] || { echo "no DKMS-built module in this boot"; exit 77; }
grep -q 'updates/dkms/kleak.ko' /lib/modules/$(uname -r)/modules.dep || fail "kleak.ko not in modules.dep"
modprobe kleak || fail "modprobe kleak"
grep -q '^kleak ' /proc/modules || fail "modprobe kleak: not loaded"
[ "$(cat /sys/module/kleak/version)" = 0.2.0 ] || fail "version $(cat /sys/module/kleak/version), want 0.2.0"
insmod /kleak/kleak_fixture.ko leaks=3 size=4096 || fail "insmod kleak_fixture"
[ "$(grep -c 'site=kleak_fixture_plant' $K/outstanding)" = 3 ] || fail "the DKMS-built kleak does not see the 3 leaks"
rmmod kleak_fixture
modprobe -r kleak || fail "modprobe -r kleak"
grep -q '^kleak ' /proc/modules && fail "modprobe -r kleak: still loaded"
echo "dkms: ok (modprobe kleak, version 0.2.0)"
