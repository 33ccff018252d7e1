// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * A test's private directory for configuration files and keys, and stderr
 * caught into it (see conf_dir.h).
 */

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "conf_dir.h"

static char dir[256];
static char errs[320];		/* where stderr goes */
static int saved_fd = -1;

const char *conf_dir_make(const char *name)
{
	snprintf(dir, sizeof(dir), "/tmp/%s.XXXXXX", name);
	assert_non_null(mkdtemp(dir));
	snprintf(errs, sizeof(errs), "%s/errs", dir);
	return dir;
}

const char *conf_dir_path(const char *file)
{
	static char path[320];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return path;
}

const char *conf_dir_write(const char *file, const char *text)
{
	static char path[320];
	FILE *f;

	snprintf(path, sizeof(path), "%s", conf_dir_path(file));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
	return path;
}

void conf_dir_rsa_key(const char *path)
{
	EVP_PKEY *pk = EVP_RSA_gen(2048);
	FILE *f;

	assert_non_null(pk);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL,
					      NULL), 1);
	fclose(f);
	chmod(path, 0600);
	EVP_PKEY_free(pk);
}

void conf_dir_capture_begin(void)
{
	int fd = open(errs, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	fflush(stderr);
	saved_fd = dup(2);
	dup2(fd, 2);
	close(fd);
}

char *conf_dir_capture_end(void)
{
	FILE *f;
	char *buf = calloc(1, 65536);
	size_t n;

	fflush(stderr);
	dup2(saved_fd, 2);
	close(saved_fd);
	f = fopen(errs, "r");
	assert_non_null(f);
	n = fread(buf, 1, 65535, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

int conf_dir_remove(void)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}
