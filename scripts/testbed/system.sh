# SPDX-License-Identifier: GPL-2.0
#
# The real Debian system of the test bed, sourced by scripts/testbed/tb.
#
# A bookworm root file system (mmdebstrap, minbase plus systemd, udev, dbus,
# cron, nginx, wget, and the tracers users run: trace-cmd, perf, BCC), with
# the module tree and the headers (BCC compiles against them) of every
# stock kernel the bed boots, as one ext4 image in the cache, keyed by what
# it holds (scripts/testbed/packages: role "sys").  A boot with KLEAK_SYSTEM=1
# attaches it as /dev/vda (snapshot=on: nothing a boot writes is kept); the
# busybox initramfs loads the block modules, mounts it, puts kleak's modules,
# tests and scripts in it and hands over to systemd, which starts the
# payload (scripts/testbed/guest-run) as kleak-guest.service once
# multi-user.target is reached.  The kernel's console is ttyS0
# (logs/<k>-<tag>.log.console); the payload writes to ttyS1, the log tb
# analyses.

SYS_KERNELS="5.10 6.1 6.12 7.2"
# the image's layout: one more when sys_image makes it differently
SYS_LAYOUT=3

# sys_info: SYS_IMG, the image, keyed by the "sys" packages and the kernels
sys_info() {
	key=$({ awk '$1 == "sys"' "$PKGS"; for k in $SYS_KERNELS; do kernel_info "$k"; echo "$KVER"; done
		echo "$SYS_LAYOUT"; } | cksum | awk '{print $1}')
	SYS_IMG="$CACHE/system/bookworm-$key.img"
}

# sys_modules KERNEL: the kernel's whole module tree, unpacked once into
# $CACHE/system/modules/KVER/lib/modules/KVER with its modules.dep
sys_modules() {
	kernel_info "$1"
	d="$CACHE/system/modules/$KVER"
	SYS_MODDIR="$d/lib/modules/$KVER"
	[ -f "$SYS_MODDIR/modules.dep" ] && return 0
	mods=$(awk -v n="$1" '$1 == "xmods" && $4 == n { print $2 "=" $3 }' "$PKGS")
	if [ -n "$mods" ] && [ ! -f "$CACHE/debs/modules-$KVER.deb" ]; then
		say "fetching $mods (the system's modules of $1)"
		fetch_deb "$1" "$mods" "$CACHE/debs/modules-$KVER.deb"
	fi
	deb=""
	for f in "$CACHE/debs/modules-$KVER.deb" "$CACHE/debs/image-$KVER.deb"; do
		[ -f "$f" ] && { deb=$f; break; }
	done
	[ -n "$deb" ] || die "no image or modules package for $KVER in $CACHE/debs (run: tb deps)"
	rm -rf "$d" "$d.x" && mkdir -p "$d.x" "$d/lib/modules" || die "cannot make $d"
	dpkg-deb -x "$deb" "$d.x" || die "cannot unpack $deb"
	src=""
	for s in "$d.x/lib/modules/$KVER" "$d.x/usr/lib/modules/$KVER"; do
		[ -d "$s/kernel" ] && { src=$s; break; }
	done
	[ -n "$src" ] || die "no modules of $KVER in $deb"
	mv "$src" "$SYS_MODDIR" && rm -rf "$d.x" &&
		depmod -b "$d" "$KVER" 2>"$d.depmod.log" || die "depmod for $KVER failed (see $d.depmod.log)"
}

# ko_copy FILE DIR: a module into DIR, uncompressed; KO is its name there
ko_copy() {
	KO=$(basename "$1"); KO=${KO%.xz}; KO=${KO%.zst}; KO=${KO%.gz}
	case "$1" in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -qdc "$1" ;;
	*.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac >"$2/$KO" || die "cannot copy module $1"
}

# sys_bootmods KERNEL DIR: the modules that mount the root (virtio, the
# block driver, ext4 and what they need, in modules.dep order) into DIR,
# uncompressed, with DIR/order naming them in load order
sys_bootmods() {
	sys_modules "$1"
	mkdir -p "$2" && : >"$2/order"
	# modules.dep lists each module's dependencies, the last to load first
	awk -v want="virtio virtio_ring virtio_pci virtio_blk crc32c_generic ext4" '
	function base(p) { sub(/.*\//, "", p); sub(/\.ko(\.xz|\.zst|\.gz)?$/, "", p); gsub(/-/, "_", p); return p }
	{ m = $1; sub(/:$/, "", m); n = base(m); path[n] = m; line[n] = $0 }
	END {
		nw = split(want, w, " ")
		for (i = 1; i <= nw; i++) {
			if (!(w[i] in line)) continue	# built in, or not in this kernel
			k = split(line[w[i]], f, " ")
			for (j = k; j >= 2; j--) { d = base(f[j]); if (!(d in seen)) { seen[d] = 1; print path[d] } }
			if (!(w[i] in seen)) { seen[w[i]] = 1; print path[w[i]] }
		}
	}' "$SYS_MODDIR/modules.dep" | while read -r p; do
		ko_copy "$SYS_MODDIR/$p" "$2"
		echo "$KO" >>"$2/order"
	done
	grep -q '^ext4\.ko$' "$2/order" || grep -q '/ext4\.ko$' "$SYS_MODDIR/modules.builtin" ||
		die "no ext4 module for $1"
}

# sys_headers KERNEL ROOT: the kernel's headers (Debian's split pair,
# linux-headers-KVER and its -common tree) into ROOT/usr/src, from the host
# (6.1, 6.12) or the kernel's build chroot, with the module tree's build and
# source links to them: BCC compiles its programs against them.  Their
# scripts and tools links (linux-kbuild) stay dangling: nothing builds there.
sys_headers() {
	if chroot_info "$1"; then chroot_setup "$1"; fi
	kernel_info "$1"
	common=$(sed -n 's|^include \(/usr/src/[^/]*\)/Makefile$|\1|p' "$KDIR/Makefile" | head -n 1)
	[ -n "$common" ] || die "no -common headers named in $KDIR/Makefile"
	cp -a "$KDIR" "$2/usr/src/" && cp -a "${KDIR%/usr/src/*}$common" "$2/usr/src/" ||
		die "cannot copy the headers of $1"
	ln -sfn "../../../src/linux-headers-$KVER" "$2/usr/lib/modules/$KVER/build" &&
		ln -sfn "../../../src/${common##*/}" "$2/usr/lib/modules/$KVER/source" || die "cannot link the headers of $1"
}

# sys_image: build (or reuse) the system image
sys_image() {
	sys_info
	[ -f "$SYS_IMG" ] && return 0
	mkdir -p "$CACHE/system"
	root="$CACHE/system/root.new"
	rm -rf "$root" "$CACHE/system"/bookworm-*.img
	incl=$(awk '$1 == "sys" { print ($3 == "-") ? $2 : $2 "=" $3 }' "$PKGS" | paste -sd, -)
	say "making the bookworm system image (mmdebstrap: $incl); a few minutes, once"
	# shellcheck disable=SC2046
	(IFS='
'; mmdebstrap --variant=minbase --include="$incl" bookworm "$root" $(suite_sources bookworm)) \
		>"$CACHE/system/mmdebstrap.log" 2>&1 || {
		tail -n 20 "$CACHE/system/mmdebstrap.log"; rm -rf "$root"
		die "mmdebstrap of the system failed (see $CACHE/system/mmdebstrap.log)"; }
	# made first: else the first tree copied would become it
	mkdir -p "$root/usr/lib/modules" || die "cannot make $root/usr/lib/modules"
	for k in $SYS_KERNELS; do
		sys_modules "$k"
		cp -a "$SYS_MODDIR" "$root/usr/lib/modules/" || die "cannot copy the modules of $k"
		sys_headers "$k" "$root"
	done
	echo kleak-guest >"$root/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tkleak-guest\n' >"$root/etc/hosts"
	printf '/dev/vda\t/\text4\trw,errors=remount-ro\t0\t1\n' >"$root/etc/fstab"
	: >"$root/etc/machine-id"
	# a network service on loopback, as a box would run one
	printf 'server {\n\tlisten 127.0.0.1:80 default_server;\n\troot /var/www/html;\n\tindex index.html;\n}\n' \
		>"$root/etc/nginx/sites-available/default"
	echo "kleak-guest nginx" >"$root/var/www/html/index.html"
	# a timer of its own, besides systemd's: every minute, as cron also does
	printf '[Unit]\nDescription=kleak guest heartbeat\n[Service]\nType=oneshot\nExecStart=/usr/bin/date\n' \
		>"$root/etc/systemd/system/kleak-heartbeat.service"
	printf '[Unit]\nDescription=kleak guest heartbeat, every minute\n[Timer]\nOnBootSec=30\nOnUnitActiveSec=60\n[Install]\nWantedBy=timers.target\n' \
		>"$root/etc/systemd/system/kleak-heartbeat.timer"
	mkdir -p "$root/etc/systemd/system/timers.target.wants"
	ln -sf ../kleak-heartbeat.timer "$root/etc/systemd/system/timers.target.wants/kleak-heartbeat.timer"
	echo '* * * * * root /usr/bin/ls /var/log >/dev/null' >"$root/etc/cron.d/kleak-guest"
	mb=$(du -sm "$root" | awk '{ print int($1 * 1.3) + 512 }')
	mkfs.ext4 -q -F -L kleak-root -d "$root" "$SYS_IMG.new" "${mb}M" >"$CACHE/system/mkfs.log" 2>&1 || {
		cat "$CACHE/system/mkfs.log"; die "mkfs.ext4 -d of the system image failed"; }
	mv "$SYS_IMG.new" "$SYS_IMG" && rm -rf "$root"
	say "system image: $SYS_IMG (${mb} MiB)"
}
