/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * One output path for humans and programs, in the spirit of iproute2's
 * json_print: callers describe what they print once, as keyed values, and
 * the writer renders either text ("label value" words separated by single
 * spaces, lines ended by print_nl()) or JSON (with -j).
 *
 * Each print_* takes an output type: PRINT_JSON values appear only in JSON,
 * PRINT_FP ("file pointer") only in the text, PRINT_ANY in both. In text, a
 * value is preceded by its label when the label is not NULL; in JSON it is
 * keyed by its key (NULL inside arrays). Strings are escaped for JSON, and
 * bytes that are not valid UTF-8 become U+FFFD, so the document stays valid
 * whatever a device name contains.
 */
#ifndef GVPN_JSON_H
#define GVPN_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum output_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = PRINT_FP | PRINT_JSON,
};

/* Start a document on f; json selects the rendering. */
void json_begin(FILE *f, bool json);
/* End it: JSON gets its final newline. Returns -1 if nesting is unbalanced. */
int json_end(void);
bool is_json(void);

void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);

void print_string(enum output_type t, const char *key, const char *label,
		  const char *val);
void print_uint(enum output_type t, const char *key, const char *label,
		uint64_t val);
void print_int(enum output_type t, const char *key, const char *label,
	       int64_t val);
/* text: 0x-prefixed hex; JSON: a number */
void print_hex(enum output_type t, const char *key, const char *label,
	       uint64_t val);
void print_bool(enum output_type t, const char *key, const char *label,
		bool val);
void print_null(enum output_type t, const char *key, const char *label);
/* text only: one bare word */
void print_word(const char *word);
/* text only: end the line; the next line starts with indent spaces */
void print_nl(void);
void print_indent(unsigned int n);

/*
 * The version of the documented JSON schema (Documentation/gvpn-json.rst):
 * raised when a key is removed or renamed or changes type, not when one is
 * added. print_schema_version() prints it as "schema_version" (JSON only).
 */
#define GVPN_JSON_SCHEMA_VERSION 1
void print_schema_version(void);

/* JSON string escaping of s into f (with the quotes). */
void json_escape(FILE *f, const char *s);

#endif /* GVPN_JSON_H */
