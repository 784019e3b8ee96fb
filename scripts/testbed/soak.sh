# SPDX-License-Identifier: GPL-2.0
# `make soak`, inside the Debian system guest (KLEAK_SYSTEM=1): kleak loaded
# for SOAK_MINUTES (default 60) on the busy box of tests/guest/busy.sh, run
# by Debian's binaries, with the seed's leak read by Debian's cat every 10 s.
# Every minute it prints
#   SOAK <min> stacks=<n> max=<m> use_pct=<p> memory_bytes=<b> live=<n> leak=<n> drops=<n> missed=<n>
# (leak: the demo's live objects, from allocinfo; drops: every drop_* counter;
# missed: missed_frees), then SOAK-END with suspects' first stack, which
# scripts/testbed/tb turns into bench/SOAK.md.
. /tests/lib.sh
. /tests/busy.sh
M=${SOAK_MINUTES:-60}
# kleak is loaded (tb's script mode), with its defaults
insmod /kleak/kleak_demo.ko || { echo "SOAK-FAIL insmod kleak_demo"; exit 1; }
echo "SOAKX kernel $(uname -r)"
echo "SOAKX system pid1=$(cat /proc/1/comm) $(systemctl is-system-running)"
echo "SOAKX minutes $M"
busy_start
loop_worker $BUSY seed '/usr/bin/cat /proc/kleak_demo/schedstat; sleep 10'
BUSY_PIDS="$BUSY_PIDS $LOOP_PID"
up() { cut -d' ' -f1 /proc/uptime | cut -d. -f1; }
# sample MINUTE: one SOAK line, from stats and allocinfo (cheap to read
# on a busy guest: stacks, with its dumps, took a minute of its own)
sample() {
	awk -v m="$1" '
	FNR == NR { if ($0 ~ /kleak_demo_open/) leak += $2; next }
	{ k = $1; sub(/:$/, "", k); v[k] = $2 }
	k ~ /^drop_/ { drops += $2 }
	END {
		printf "SOAK %d stacks=%d max=%d use_pct=%d memory_bytes=%d live=%d leak=%d drops=%d missed=%d\n",
			m, v["stacks"], v["max_stacks"], v["stack_table_use_pct"], v["memory_bytes"],
			v["live_objects"], leak, drops, v["missed_frees"]
	}' $K/allocinfo $K/stats
}
# by the guest's clock: a minute is a minute, however slow a round is
t0=$(up)
sample 0
m=1
while [ "$m" -le "$M" ]; do
	while [ $(($(up) - t0)) -lt $((m * 60)) ]; do sleep 5; done
	sample $(( ($(up) - t0) / 60 ))
	m=$(( ($(up) - t0) / 60 + 1 ))
done
busy_stop
echo "SOAKX busy $BUSY_COUNTS"
top=$(awk '/^#1 stack/ { p = 1; next } p && /^  backtrace:/ { getline; sub(/^ */, ""); print; exit }' $K/suspects)
echo "SOAK-END suspects#1 $top"
rmmod kleak_demo
unload
echo "SOAK-DONE"
