/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * A test's private directory under /tmp for what gvpnd reads (gvpnd.conf,
 * signing keys) and what it says: stderr caught into a file there while
 * a configuration loads or a role logs.
 */

#ifndef GVPN_TESTS_CONF_DIR_H
#define GVPN_TESTS_CONF_DIR_H

/* makes /tmp/NAME.XXXXXX; returns its path */
const char *conf_dir_make(const char *name);
/* file in the directory (a static buffer, until the next call) */
const char *conf_dir_path(const char *file);
/* writes text as file, mode 0600; returns its path (a static buffer,
 * until the next call) */
const char *conf_dir_write(const char *file, const char *text);
/* a new RSA key of 2048 bits as PEM into path, mode 0600 */
void conf_dir_rsa_key(const char *path);
/* stderr into the directory's file "errs" ... */
void conf_dir_capture_begin(void);
/* ... until here: returns what was written (the caller frees) */
char *conf_dir_capture_end(void);
/* the directory goes, with all in it; 0 or -1 */
int conf_dir_remove(void);

#endif
