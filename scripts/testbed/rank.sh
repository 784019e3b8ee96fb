# SPDX-License-Identifier: GPL-2.0
# `make rank`, inside the Debian system guest (KLEAK_SYSTEM=1): one run per
# leak shape of kleak_rank.ko (and one with no leak) on the busy box of
# tests/guest/busy.sh, run by Debian's binaries, each with a fresh kleak.
# At 30, 60, 120 and 180 s after the leak starts it prints
#   RANK <shape> <t> suspects=<r> stacks=<r> report=<r> bcc=<r> bcc20=<r> score=<s> conf=<c>
#   RANKTOP <shape> <t> <rank> <score> <confidence> <objects> <cache> <site>
# (the rank of the planted stack, "-" when absent; RANKTOP: the first five
# suspects) and RANKX lines, which scripts/testbed/tb turns into
# bench/RANK.md.  BCC memleak runs in kernel mode twice, with its default
# options and with -o 20000: Debian's own (on the busybox guest, the host's
# over 9p, as bench.sh).
. /tests/lib.sh
. /tests/busy.sh
SHAPES=${RANK_SHAPES:-none work lost softirq cache late}
POINTS=${RANK_POINTS:-30 60 120 180}
R=/tmp/rank
mkdir -p $R
up() { cut -d' ' -f1 /proc/uptime | cut -d. -f1; }

echo "RANKX kernel $(uname -r)"
echo "RANKX cpus $(grep -c ^processor /proc/cpuinfo)"
echo "RANKX points $POINTS"

# kleak-report over 1000 stacks and 3 snapshots, under busybox: its time
awk 'BEGIN {
	for (s = 1; s <= 3; s++) {
		f = "/tmp/rank/snap." s
		printf "# kleak suspects: 1000 stacks, 0 objects, 0 bytes live; likeliest leak first (score 70+ high, 40+ medium); filter: none\n" >f
		for (i = 1; i <= 1000; i++) {
			printf "#%d stack %d: %d objects, %d bytes live; %d allocs, 0 frees\n", i, i + 1, i * s, i * s * 64, i * s >f
			printf "  score: %d low; survival 100%% (1 of 1 allocs live); steady 100%% (1 of 16 slices of 1.000s)\n", 1000 - i >f
			printf "  cache: kmalloc-64  kind: slab  oldest: 1.000s  comms: sh(%d)\n  backtrace:\n", i >f
			for (k = 0; k < 8; k++) printf "    func%d_%d+0x1/0x10\n", i, k >f
			printf "  sample: object 0xffff888000000000 (64 bytes), first 16 bytes:\n    0000: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................\n  strings:\n    \"string %d\"\n\n", i >f
		}
		close(f)
	}
}'
a=$(cut -d' ' -f1 /proc/uptime)
kleak-report -n 10 $R/snap.1 $R/snap.2 $R/snap.3 >$R/report1000 2>&1
b=$(cut -d' ' -f1 /proc/uptime)
echo "RANKX report_1000x3_s $(echo "$a $b" | awk '{ printf "%.2f", $2 - $1 }')"
# with a filter, the whole last snapshot is read
a=$(cut -d' ' -f1 /proc/uptime)
kleak-report -n 10 --min-bytes 1 $R/snap.1 $R/snap.2 $R/snap.3 >$R/report1000f 2>&1
b=$(cut -d' ' -f1 /proc/uptime)
echo "RANKX report_1000x3_filtered_s $(echo "$a $b" | awk '{ printf "%.2f", $2 - $1 }')"
rm -f $R/snap.*

# BCC memleak, twice, for the whole boot (it keeps what it saw): Debian's,
# on the Debian system; else the host's, from its root over 9p
bcc_start() {
	run=""		# Debian's memleak, on the Debian system
	if [ "${KLEAK_SYSTEM:-0}" = 1 ]; then
		command -v memleak-bpfcc >/dev/null || { echo "RANKX bcc not-installed"; return; }
	else
		[ -d /kleak/9p ] || { echo "RANKX bcc no-9p"; return; }
		for m in netfs 9pnet 9pnet_virtio 9p; do insmod /kleak/9p/$m.ko 2>/dev/null; done
		mkdir -p /host
		mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=1048576,cache=loose hostroot /host ||
			{ echo "RANKX bcc cannot-mount-host-fs"; return; }
		for d in proc sys dev sys/kernel/debug; do mount --bind /$d /host/$d; done
		mount -t tracefs tracefs /host/sys/kernel/tracing 2>/dev/null
		mount -t tmpfs tmpfs /host/tmp
		mount -t tmpfs tmpfs /host/run
		run="chroot /host /usr/bin/env PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp"
	fi
	for v in bcc:"" bcc20:"-o 20000"; do
		name=${v%%:*}; args=${v#*:}
		# shellcheck disable=SC2086
		PYTHONUNBUFFERED=1 $run memleak-bpfcc $args >$R/$name.out 2>&1 &
		echo $! >$R/$name.pid
	done
	i=0
	until grep -q "Attaching to kernel allocators" $R/bcc.out && grep -q "Attaching to kernel allocators" $R/bcc20.out; do
		i=$((i + 1))
		if [ $i -gt 900 ] || ! kill -0 "$(cat $R/bcc.pid)" 2>/dev/null ||
			! kill -0 "$(cat $R/bcc20.pid)" 2>/dev/null; then
			echo "RANKX bcc did-not-start"
			grep -v '^ ' $R/bcc.out | tail -n 3 | sed 's/^/RANKX bcclog /'
			return
		fi
		sleep 1
	done
	echo "RANKX bcc_start_s $i"
}

# bcc_rank FILE FUNC: the rank of FUNC's stack in the last complete report
# of memleak (largest last, top 10), "-" when absent, "none" with no report
bcc_rank() {
	[ -f "$1" ] || { echo none; return; }
	awk -v fn="$2" '
	function done_block() { if (inb) { lastn = n; lasthit = hit; have = 1 } }
	/Top [0-9]+ stacks with outstanding allocations/ { done_block(); inb = 1; n = 0; hit = 0; next }
	inb && /bytes in [0-9]+ allocations from stack/ { n++; next }
	inb && index($0, fn) && !hit { hit = n }
	END {
		# the last block may be cut short: use the one before it if so
		if (!have) { print (inb ? (hit ? n - hit + 1 : "-") : "none"); exit }
		print (lasthit ? lastn - lasthit + 1 : "-")
	}' "$1"
}

fn_of() {
	case $1 in
	work|late) echo kleak_rank_leak_work ;;
	lost) echo kleak_rank_leak_read ;;
	softirq) echo kleak_rank_leak_softirq ;;
	cache) echo kleak_rank_leak_cache ;;
	*) echo kleak_rank_leak_none ;;
	esac
}

[ "${RANK_PEERS:-1}" = 1 ] && bcc_start

for shape in $SHAPES; do
	dmesg -c >/dev/null
	load
	busy_start
	insmod /kleak/kleak_rank.ko shape=$shape || echo "RANKX error insmod-kleak_rank-$shape"
	t0=$(up)
	[ "$shape" = late ] && t0=$((t0 + 60))
	reader=""
	if [ "$shape" = lost ]; then
		(while :; do cat /proc/kleak_rank >/dev/null; sleep 10; done) &
		reader=$!
	fi
	fn=$(fn_of $shape)
	for p in $POINTS; do
		while [ "$(up)" -lt $((t0 + p)) ]; do sleep 1; done
		cat $K/suspects >$R/su 2>/dev/null
		cat $K/stacks >$R/st 2>/dev/null
		# the planted stack: the first group whose call site is fn
		set -- $(leak_group $R/su "$fn+")
		rs=$1 sc=$2 cf=$3
		rt=$(rank_in $R/st "$fn+")
		kleak-report -n 5000 >$R/kr 2>&1
		rk=$(awk -v fn="$fn" '$1 ~ /^[0-9]+$/ && index($0, " " fn "+") { print $1; f = 1; exit } END { if (!f) print "-" }' $R/kr)
		echo "RANK $shape $p suspects=$rs stacks=$rt report=$rk bcc=$(bcc_rank $R/bcc.out $fn) bcc20=$(bcc_rank $R/bcc20.out $fn) score=$sc conf=$cf"
		awk -v shape=$shape -v p=$p '
		/^#[0-9]+ stack / { r = substr($1, 2); if (r > 5) exit; o = $4; site = "" }
		/^  score: / { s = $2; c = $3; sub(/;/, "", c) }
		/^  cache: / { ca = $2 }
		/^  backtrace:/ { bt = 1; next }
		bt && /^    / { site = $1; bt = 0; printf "RANKTOP %s %s %s %s %s %s %s %s\n", shape, p, r, s, c, o, ca, site }
		' $R/su
	done
	[ -n "$reader" ] && { kill $reader; wait $reader 2>/dev/null; }
	busy_stop
	echo "RANKX busy_$shape $BUSY_COUNTS"
	grep -c '^#[0-9]* stack' $R/su | sed "s/^/RANKX stacks_$shape /"
	unload
	rmmod kleak_rank
done
for name in bcc bcc20; do
	# TERM: started in the background by a script, memleak ignores SIGINT
	[ -f $R/$name.pid ] && kill "$(cat $R/$name.pid)" 2>/dev/null
done
sleep 2
echo "RANKX done 1"
