/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: its version, for MODULE_VERSION.  dkms.conf (PACKAGE_VERSION) and
 * debian/changelog carry the same; tests/host/scripts.sh checks that they do.
 */
#ifndef _KLEAK_VERSION_H
#define _KLEAK_VERSION_H

#define KLEAK_VERSION	"0.2.0"

#endif /* _KLEAK_VERSION_H */
