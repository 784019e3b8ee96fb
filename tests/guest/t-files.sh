# /proc/kleak/ (the files that lockdown leaves alone) against debugfs, and
# the allocinfo view in the format of the kernel's /proc/allocinfo v2.0.
. /tests/lib.sh
P=/proc/kleak
load
[ "$(stat -c %a $P)" = 500 ] || fail "$P has mode $(stat -c %a $P), want 500"
for f in outstanding:400 stacks:400 suspects:400 allocinfo:400 object:600 stats:400 control:600; do
	name=${f%:*}; mode=${f#*:}
	for d in $K $P; do
		[ -e $d/$name ] || fail "no $d/$name"
		[ "$(stat -c %a $d/$name)" = "$mode" ] || fail "$d/$name has mode $(stat -c %a $d/$name), want $mode"
	done
done
insmod /kleak/kleak_fixture.ko leaks=5 size=4096 cached=3 || fail "insmod kleak_fixture"

# allocinfo: the kernel's two header lines, then "<bytes> <calls> <tag> "
cat $K/allocinfo >/tmp/ai
[ "$(sed -n 1p /tmp/ai)" = "allocinfo - version: 2.0" ] || fail "allocinfo: first line '$(sed -n 1p /tmp/ai)'"
[ "$(sed -n 2p /tmp/ai)" = "#     <size>  <calls> <tag info>" ] || fail "allocinfo: second line '$(sed -n 2p /tmp/ai)'"
# every line as lib/alloc_tag.c prints it: %12lli %8llu file:line [module]
# func:name, " accurate:no" where counts may be wrong, a space
bad=$(sed 1,2d /tmp/ai | grep -v -E '^ *[0-9]{1,} +[0-9]{1,} [^ ]+:[0-9]+ (\[[^] ]+\] )?func:[^ ]+( accurate:no)? $' | head -n 3)
[ -z "$bad" ] || fail "allocinfo lines not in the v2.0 format: $bad"
# accurate:no: on every line while sampling (any count may be short), on
# none when nothing was lost
lost=$(awk '($1 ~ /^drop_/ || $1 == "missed_frees:") && $2 > 0 { n++ } END { print n + 0 }' $K/stats)
if [ "$lost" = 0 ]; then
	expect_nogrep 'accurate:no' /tmp/ai "accurate:no with nothing dropped"
fi
echo 3 >/sys/module/kleak/parameters/sample
sed 1,2d $K/allocinfo | grep -v ' accurate:no $' | head -n 3 >/tmp/acc
echo 1 >/sys/module/kleak/parameters/sample
[ -s /tmp/acc ] && fail "allocinfo while sampling: lines without accurate:no: $(cat /tmp/acc)"
awk 'NR > 2 && (length($0) < 23 || substr($0, 13, 1) != " " || substr($0, 22, 1) != " ") { exit 1 }' /tmp/ai ||
	fail "allocinfo columns are not %12lli %8llu"
expect_grep '^ *20480 *5 kleak_fixture_plant+0x[0-9a-f]*:0 \[kleak_fixture\] func:kleak_fixture_plant\( accurate:no\)* $' /tmp/ai \
	"allocinfo: the fixture's 5 leaks of 4096 at their call site"
expect_grep ' 3 kleak_fixture_cache_alloc+0x[0-9a-f]*:0 \[kleak_fixture\] func:kleak_fixture_cache_alloc\( accurate:no\)* $' /tmp/ai \
	"allocinfo: the fixture's 3 cache objects"
# one line per call site, largest first
sed 1,2d /tmp/ai | awk '{ print $3 }' | sort | uniq -d >/tmp/dup
[ -s /tmp/dup ] && fail "allocinfo: call sites on more than one line: $(head -n 3 /tmp/dup)"
sed 1,2d /tmp/ai | awk 'NR > 1 && $1 > prev { bad = 1 } { prev = $1 } END { exit bad }' ||
	fail "allocinfo: not largest first"
# kleak's own allocations (this report's context, open now) are not shown
expect_nogrep '\[kleak\] func:' /tmp/ai "allocinfo shows kleak's own allocations"
expect_nogrep 'site=.*\[kleak\]$' $K/outstanding "outstanding shows kleak's own allocations"
# the fixture's two sites
ai=$(grep -c 'func:kleak_fixture' /tmp/ai)
[ "$ai" = 2 ] || fail "allocinfo: want 2 fixture sites, got $ai"

# /proc/kleak: the same views and commands
cat $P/outstanding >/tmp/po
[ "$(grep -c 'site=kleak_fixture_plant+' /tmp/po)" = 5 ] || fail "$P/outstanding lacks the 5 leaks"
cat $P/stacks >/tmp/ps
expect_grep 'stack [0-9]*: 5 objects, 20480 bytes live; 5 allocs, 0 frees' /tmp/ps "$P/stacks group"
cat $P/suspects >/tmp/pss
expect_grep '^  score: ' /tmp/pss "$P/suspects score lines"
cat $P/allocinfo >/tmp/pai
expect_grep '^ *20480 *5 kleak_fixture_plant+' /tmp/pai "$P/allocinfo"
addr=$(grep 'site=kleak_fixture_plant' /tmp/po | head -n 1 | cut -d' ' -f1)
object_dump "$addr" $P/object >/tmp/pobj || fail "$P/object refused $addr"
expect_grep "^object $addr size=4096/4096" /tmp/pobj "$P/object"
expect_grep '^running: 1$' $P/stats "$P/stats"
echo stop >$P/control || fail "$P/control refused stop"
[ "$(stat_val running)" = 0 ] || fail "stop through $P/control did not stop"
grep -q '^state: stopped$' $P/control || fail "$P/control does not show the state"
echo start >$P/control || fail "$P/control refused start"
[ "$(stat_val running)" = 1 ] || fail "start through $P/control did not start"
dmesg -c >/dev/null
if echo 'bogus thing' >$P/control 2>/tmp/err; then fail "$P/control accepted 'bogus thing'"; fi
grep -q 'Invalid argument' /tmp/err || fail "bad command: want EINVAL, got $(cat /tmp/err)"
dmesg | grep -q "kleak: .*bogus" || fail "no warning for the bad command"

# root's alone, as debugfs's: uid 65534 gets nothing, even with the modes opened
chmod 755 $P
for f in outstanding allocinfo control; do
	kleak-poke as 65534 sh -c "cat $P/$f" >/dev/null 2>&1 && fail "uid 65534 read $P/$f"
	chmod 666 $P/$f 2>/dev/null
	kleak-poke as 65534 sh -c "cat $P/$f" >/dev/null 2>&1 && fail "uid 65534 read $P/$f (666)"
	kleak-poke as 65534 sh -c "echo clear >$P/$f" 2>/dev/null && fail "uid 65534 wrote $P/$f"
done
chmod 500 $P

# an open debugfs file keeps the module loaded until it is closed
exec 4<$K/outstanding
rmmod kleak 2>/dev/null && fail "rmmod kleak with a debugfs file open"
exec 4<&-
# an open /proc/kleak file outlives rmmod: its read fails with EIO,
# nothing crashes
exec 3<$P/outstanding
rmmod kleak_fixture
unload
[ -e $P ] && fail "$P is still there after rmmod"
if cat <&3 >/dev/null 2>/tmp/eio; then fail "a read of $P/outstanding after rmmod succeeded"; fi
grep -qi "input/output error\|i/o error" /tmp/eio || fail "a read after rmmod: $(cat /tmp/eio), not EIO"
exec 3<&-
# the module loads again with both directories
load
[ -e $P/allocinfo ] && [ -e $K/allocinfo ] || fail "reload: files missing"
unload
echo "files: ok"
