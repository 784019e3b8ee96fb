# SPDX-License-Identifier: GPL-2.0
# The seed incident, run inside the guest by `make demo` (kleak is loaded).
K=/sys/kernel/debug/kleak
h() { echo; echo "=== $*"; echo; }

insmod /kleak/kleak_demo.ko || { echo "cannot load kleak_demo.ko"; exit 1; }
# On the Debian system, udev handles the module's uevent with a worker; as
# it exits, udevd's PSS grows (fewer processes share its pages), and
# kleak-watch would see that first.  Let it settle, as on a box up for long.
. /tests/lib.sh
udev_settle
h "1. Memory keeps growing. A loop reads /proc/kleak_demo/schedstat, which leaks a 4 KiB buffer per open (like /proc/schedstat before commit 8e0bcc722289)"
(while :; do cat /proc/kleak_demo/schedstat >/dev/null; done) &
loop=$!
echo "\$ while :; do cat /proc/kleak_demo/schedstat >/dev/null; done &"
sleep 1

h "2. Steps 1-3 of the hunt in one tool: is it user space (PSS), the slab, or unaccounted kernel memory?"
echo "\$ kleak-watch --plain --interval 2 --duration 16"
kleak-watch --plain --interval 2 --duration 16 --top 8

h "3. Who allocates the buffers that are never freed, and what is in them? (no trace-cmd, no crash dump)"
echo "\$ echo 'filter size=4096' > $K/control"
echo 'filter size=4096' >$K/control
echo "\$ kleak-report --interval 3 --count 3 --top 3"
kleak-report --interval 3 --count 3 --top 3

h "The same group in $K/stacks, with a hex dump of its oldest buffer"
echo "\$ cat $K/stacks"
awk 'NR == 1 || /^#1 stack/ { p = 1 } p && /^$/ { exit } p' $K/stacks

h "The same stack leads $K/suspects, which ranks by the evidence of a leak rather than by size (on a busy box the leak is rarely the biggest stack): its score, and why. Nothing freed, every time slice filled: only its age holds the score down, which counts fully from 2 minutes on"
echo "\$ cat $K/suspects"
awk 'NR == 1 || /^#1 stack/ { p = 1 } p && /^  backtrace:/ { exit } p' $K/suspects

kill $loop 2>/dev/null
wait $loop 2>/dev/null

h "4. A driver that leaks pages (alloc_pages(), the 'unaccounted' memory of step 2): the page filter names it"
echo "\$ echo 'filter reset' > $K/control     # step 3's size filter would not track 32 KiB blocks"
echo 'filter reset' >$K/control
echo "\$ insmod kleak_kinds.ko; echo 'filter kind=page' > $K/control; cat $K/stacks"
insmod /kleak/kleak_kinds.ko n=8 || echo "cannot load kleak_kinds.ko"
echo 'filter kind=page' >$K/control
awk 'NR == 1 || /^#1 stack/ { p = 1 } p && /^  sample:/ { exit } p' $K/stacks
echo 'filter reset' >$K/control

h "5. rmmod kleak: the summary in dmesg"
dmesg -c >/dev/null
echo "\$ rmmod kleak; dmesg"
rmmod kleak
dmesg | grep 'kleak: ' | sed 's/^\[ *[0-9.]*\] //' | head -n 24
