/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: control (control.c).  The commands of the control file and the
 * filter parameters given at load.
 */
#ifndef _KLEAK_CONTROL_H
#define _KLEAK_CONTROL_H

#include "filter.h"
#include "format.h"

#define KLEAK_CMD_MAX	256	/* longest command, its newline included */

int kleak_control(const char *cmd);
void kleak_control_show(struct kleak_out *out);
int kleak_params_filter(struct kleak_filter *f);

#endif /* _KLEAK_CONTROL_H */
