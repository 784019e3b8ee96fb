# SPDX-License-Identifier: GPL-2.0
# `make bench`, inside the guest: every case in one boot.  Prints
#   BENCH <config> case=<size>/<threads>t ns_per_pair=... min=... max=...
#   BENCHX <key> <value>
# which scripts/testbed/tb turns into the table.
P=${BENCH_PAIRS:-100000}
R=${BENCH_RUNS:-5}
B=/kleak/kleak_bench.ko
K=/sys/kernel/debug/kleak

bench() { # config, then kleak_bench parameters
	cfg=$1; shift
	dmesg -c >/dev/null
	insmod $B pairs=$P runs=$R "$@" || echo "BENCHX error insmod-kleak_bench-$cfg"
	dmesg | sed -n "s/^.*kleak_bench: \(case=.*\)/BENCH $cfg \1/p"
}
# A baseline between every two configs: the cost of a pair drifts during a
# boot under TCG (the 4096 cases by up to half), so each config is compared
# with the lower of the baselines around it.
base() { bench "base_$1"; rmmod kleak_bench; }
up() { cut -d' ' -f1 /proc/uptime; }
secs() { # command: prints its elapsed seconds (centisecond resolution)
	a=$(up); "$@" >/dev/null; b=$(up)
	echo "$a $b" | awk '{ printf "%.2f", $2 - $1 }'
}

echo "BENCHX kernel $(uname -r)"
echo "BENCHX cpus $(grep -c ^processor /proc/cpuinfo)"
echo "BENCHX pairs $P"
echo "BENCHX runs $R"

dmesg -c >/dev/null
insmod $B pairs=$P cases=none unwind=1 prims=1 && rmmod kleak_bench
dmesg | sed -n -e 's/^.*kleak_bench: unwind_ns=\([0-9]*\).*/BENCHX unwind_ns \1/p' \
	-e 's/^.*kleak_bench: unwind_direct_ns=\([0-9]*\).*/BENCHX unwind_direct_ns \1/p'
dmesg | sed -n 's/^.*kleak_bench: unwind_ns=[0-9]* frames=\([0-9]*\).*/BENCHX unwind_frames \1/p'
# the primitives a probe is made of, in ps per operation
dmesg | sed -n 's/^.*kleak_bench: prims_ps \([a-z_0-9= ]*\) (.*/\1/p' | tr ' ' '\n' |
	sed -n 's/^\([a-z_]*\)=\([0-9]*\)$/BENCHX ps_\1 \2/p'
# warm the caches (the first run of 4096 pays for new slabs), then measure
insmod $B pairs=$P runs=1 && rmmod kleak_bench
bench baseline; rmmod kleak_bench
base empty
bench empty empty_probes=1; rmmod kleak_bench
base kleak0
insmod /kleak/kleak.ko stack_depth=0
bench kleak0; rmmod kleak_bench
rmmod kleak
base kleak_filtered
insmod /kleak/kleak.ko stack_depth=0 pid=1
bench kleak_filtered; rmmod kleak_bench
rmmod kleak
base kleak16
insmod /kleak/kleak.ko
bench kleak16; rmmod kleak_bench
rmmod kleak
base kleak_s16
insmod /kleak/kleak.ko sample=16
bench kleak_s16; rmmod kleak_bench
rmmod kleak
base stopped
insmod /kleak/kleak.ko enabled=0
bench stopped; rmmod kleak_bench
rmmod kleak
# the page and vmalloc kinds off: their allocations cost what they do bare
base kinds_slab
insmod /kleak/kleak.ko kinds=slab
bench kinds_slab cases=page,vmalloc; rmmod kleak_bench
rmmod kleak
base end

# many live objects: the cost per pair, memory per object and report times
N=${BENCH_LIVE:-1000000}
insmod /kleak/kleak.ko max_objects=$((N + N / 8))
bench live1k cases=64 multi=0 prefill=1000; rmmod kleak_bench
rmmod kleak
insmod /kleak/kleak.ko max_objects=$((N + N / 8))
bench live1m cases=64 multi=0 prefill=$N
grep -E '^(live_objects|memory_[a-z_]*bytes|object_record_bytes|max_objects|stacks|drop_table_full): ' $K/stats |
	sed 's/^\([a-z_]*\): /BENCHX \1 /'
echo "BENCHX read_stacks_s $(secs cat $K/stacks)"
echo "BENCHX read_outstanding_s $(secs cat $K/outstanding)"
echo "BENCHX outstanding_lines $(grep -c '^0x' $K/outstanding)"
rmmod kleak_bench
rmmod kleak
echo "BENCHX done 1"

# Peers, run from the host's file system (shared over 9p, chrooted into):
# BCC memleak in kernel mode and a bpftrace script of the same idea.
if [ -d /kleak/9p ] && [ "${BENCH_PEERS:-1}" = 1 ]; then
	for m in netfs 9pnet 9pnet_virtio 9p; do insmod /kleak/9p/$m.ko; done
	mkdir -p /host
	if mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=1048576,cache=loose hostroot /host; then
		for d in proc sys dev sys/kernel/debug; do mount --bind /$d /host/$d; done
		mount -t tracefs tracefs /host/sys/kernel/tracing 2>/dev/null
		mount -t tmpfs tmpfs /host/tmp
		mount -t tmpfs tmpfs /host/run
		peer() { # name, command: its baseline; start it, wait until it is attached, bench, stop
			name=$1; shift
			base "$name"
			chroot /host /usr/bin/env PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp PYTHONUNBUFFERED=1 \
				BPFTRACE_MAP_KEYS_MAX=2000000 BPFTRACE_MAX_MAP_KEYS=2000000 "$@" >/tmp/$name.out 2>&1 &
			pid=$!
			i=0
			until grep -q "$READY" /tmp/$name.out 2>/dev/null; do
				i=$((i + 1))
				if [ $i -gt 900 ] || ! kill -0 $pid 2>/dev/null; then
					echo "BENCHX error $name-did-not-start"
					sed 's/^/BENCHX log /' /tmp/$name.out | head -n 20
					kill $pid 2>/dev/null
					return
				fi
				sleep 1
			done
			echo "BENCHX ${name}_start_s $i"
			bench "$name"; rmmod kleak_bench
			kill -INT $pid; sleep 2; kill $pid 2>/dev/null; wait $pid 2>/dev/null
		}
		READY="Attaching to kernel allocators"
		peer bcc memleak-bpfcc -o 0 3600
		cat >/host/tmp/kleak.bt <<'BT'
tracepoint:kmem:kmalloc { @s[args->ptr] = kstack; }
tracepoint:kmem:kmem_cache_alloc { @s[args->ptr] = kstack; }
tracepoint:kmem:kfree { delete(@s[args->ptr]); }
tracepoint:kmem:kmem_cache_free { delete(@s[args->ptr]); }
BEGIN { printf("bpftrace attached\n"); }
END { clear(@s); }
BT
		READY="bpftrace attached"
		peer bpftrace bpftrace /tmp/kleak.bt
		base peers_end
	else
		echo "BENCHX error cannot-mount-host-fs"
	fi
fi
echo "BENCHX end 1"
