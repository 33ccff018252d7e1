// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The gvpn authors.
 *
 * The text/JSON writer described in json.h. One document at a time, like
 * iproute2: the CLI prints one document per command (or per event).
 */

#include <inttypes.h>
#include <string.h>

#include "json.h"

#define JSON_MAX_DEPTH 16

static struct {
	FILE *f;
	bool json;
	/* text: nothing printed on the current line yet (no separator) */
	bool line_empty;
	unsigned int depth;
	unsigned int excess;	/* levels opened beyond JSON_MAX_DEPTH */
	bool too_deep;		/* their commas were not tracked */
	bool unbalanced;	/* a close without its open */
	bool first[JSON_MAX_DEPTH];	/* no member printed yet at this level */
} jw = { .line_empty = true };

void json_begin(FILE *f, bool json)
{
	jw.f = f;
	jw.json = json;
	jw.line_empty = true;
	jw.depth = 0;
	jw.excess = 0;
	jw.too_deep = false;
	jw.unbalanced = false;
	jw.first[0] = true;
}

int json_end(void)
{
	int ret = jw.depth || jw.too_deep || jw.unbalanced ? -1 : 0;

	if (jw.json) {
		/* documents are separated by newlines (JSON lines) */
		if (!jw.first[0])
			fputc('\n', jw.f);
	} else if (!jw.line_empty) {
		fputc('\n', jw.f);
	}
	jw.depth = 0;
	jw.excess = 0;
	jw.too_deep = false;
	jw.unbalanced = false;
	jw.first[0] = true;
	jw.line_empty = true;
	fflush(jw.f);
	return ret;
}

bool is_json(void)
{
	return jw.json;
}

/* Length of the valid UTF-8 sequence at s, or 0 if the bytes are invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates and values past U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void json_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	fputc('"', f);
	while (*s) {
		switch (*s) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*s < 0x20 || *s == 0x7f) {
				fprintf(f, "\\u%04x", *s);
				break;
			}
			n = utf8_len(s);
			if (!n) {
				fputs("\\ufffd", f);
				break;
			}
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		s++;
	}
	fputc('"', f);
}

/* Comma and key before a JSON member or array element. */
static void json_member(const char *key)
{
	if (!jw.first[jw.depth])
		fputc(',', jw.f);
	jw.first[jw.depth] = false;
	if (key && jw.depth > 0) {
		json_escape(jw.f, key);
		fputc(':', jw.f);
	}
}

/* Separator and label before a text value. */
static void text_label(const char *label)
{
	if (!jw.line_empty)
		fputc(' ', jw.f);
	jw.line_empty = false;
	if (label)
		fprintf(jw.f, "%s ", label);
}

static void json_open(const char *key, char c)
{
	if (!jw.json)
		return;
	json_member(key);
	fputc(c, jw.f);
	/* too deep: brackets stay balanced and json_end() reports it */
	if (jw.depth + 1 >= JSON_MAX_DEPTH) {
		jw.excess++;
		jw.too_deep = true;
		return;
	}
	jw.depth++;
	jw.first[jw.depth] = true;
}

static void json_close(char c)
{
	if (!jw.json)
		return;
	fputc(c, jw.f);
	if (jw.excess)
		jw.excess--;
	else if (jw.depth)
		jw.depth--;
	else
		jw.unbalanced = true;
}

void open_json_object(const char *key)
{
	json_open(key, '{');
}

void close_json_object(void)
{
	json_close('}');
}

void open_json_array(const char *key)
{
	json_open(key, '[');
}

void close_json_array(void)
{
	json_close(']');
}

void print_string(enum output_type t, const char *key, const char *label,
		  const char *val)
{
	if (jw.json && (t & PRINT_JSON)) {
		json_member(key);
		json_escape(jw.f, val);
	} else if (!jw.json && (t & PRINT_FP)) {
		text_label(label);
		fputs(val, jw.f);
	}
}

void print_uint(enum output_type t, const char *key, const char *label,
		uint64_t val)
{
	if (jw.json && (t & PRINT_JSON)) {
		json_member(key);
		fprintf(jw.f, "%" PRIu64, val);
	} else if (!jw.json && (t & PRINT_FP)) {
		text_label(label);
		fprintf(jw.f, "%" PRIu64, val);
	}
}

void print_int(enum output_type t, const char *key, const char *label,
	       int64_t val)
{
	if (jw.json && (t & PRINT_JSON)) {
		json_member(key);
		fprintf(jw.f, "%" PRId64, val);
	} else if (!jw.json && (t & PRINT_FP)) {
		text_label(label);
		fprintf(jw.f, "%" PRId64, val);
	}
}

void print_hex(enum output_type t, const char *key, const char *label,
	       uint64_t val)
{
	if (jw.json && (t & PRINT_JSON)) {
		json_member(key);
		fprintf(jw.f, "%" PRIu64, val);
	} else if (!jw.json && (t & PRINT_FP)) {
		text_label(label);
		fprintf(jw.f, "0x%" PRIx64, val);
	}
}

void print_bool(enum output_type t, const char *key, const char *label,
		bool val)
{
	if (jw.json && (t & PRINT_JSON)) {
		json_member(key);
		fputs(val ? "true" : "false", jw.f);
	} else if (!jw.json && (t & PRINT_FP)) {
		text_label(label);
		fputs(val ? "on" : "off", jw.f);
	}
}

void print_null(enum output_type t, const char *key, const char *label)
{
	if (jw.json && (t & PRINT_JSON)) {
		json_member(key);
		fputs("null", jw.f);
	} else if (!jw.json && (t & PRINT_FP)) {
		text_label(label);
		fputs("none", jw.f);
	}
}

void print_schema_version(void)
{
	print_uint(PRINT_JSON, "schema_version", NULL,
		   GVPN_JSON_SCHEMA_VERSION);
}

void print_word(const char *word)
{
	if (jw.json)
		return;
	text_label(NULL);
	fputs(word, jw.f);
}

void print_nl(void)
{
	if (jw.json || jw.line_empty)
		return;
	fputc('\n', jw.f);
	jw.line_empty = true;
}

void print_indent(unsigned int n)
{
	if (jw.json || !jw.line_empty)
		return;
	fprintf(jw.f, "%*s", (int)n, "");
}
