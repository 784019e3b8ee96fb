/* SPDX-License-Identifier: GPL-2.0 */
/* kleak: the files under /sys/kernel/debug/kleak/ and /proc/kleak/ (debugfs.c). */
#ifndef _KLEAK_DEBUGFS_H
#define _KLEAK_DEBUGFS_H

int kleak_debugfs_init(void);
void kleak_debugfs_exit(void);

#endif /* _KLEAK_DEBUGFS_H */
