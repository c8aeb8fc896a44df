/* SPDX-License-Identifier: ISC */
/* config.c: the libconfig file read into a validated struct config, key by key from the tables. */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <libconfig.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config_load.h"
#include "tls.h"

#ifndef nitems
#define nitems(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define INT_TYPES (CONFIG_TYPE_BIT(CONFIG_TYPE_INT) | CONFIG_TYPE_BIT(CONFIG_TYPE_INT64))
#define SEQ_TYPES (CONFIG_TYPE_BIT(CONFIG_TYPE_ARRAY) | CONFIG_TYPE_BIT(CONFIG_TYPE_LIST))

/* The column where tinyhttpd -T starts a key's help comment. */
#define HELP_COLUMN 56
/* Indents of tinyhttpd -T, "%.*s" with a depth: deep enough for the keys of a route in a host. */
#define TABS "\t\t\t\t"

static void vfail(struct config_loader *, const char *, int, const char *, va_list) CONFIG_PRINTFLIKE(4, 0);
static int fail_line(struct config_loader *, const char *, int, const char *, ...) CONFIG_PRINTFLIKE(4, 5);

/* Copies in to out with control bytes written as \xHH, so that a quoted value cannot break a log line. */
static void
escape_controls(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in != '\0' && n + 5 < len; in++) {
		if ((unsigned char)*in < ' ' || *in == 0x7f)
			n += (size_t)snprintf(out + n, len - n, "\\x%02x", (unsigned char)*in);
		else
			out[n++] = *in;
	}
	out[n] = '\0';
}

/*
 * Formats "file:line: message" into the caller's buffer. libconfig gives no file for the main one, and
 * names an included one as the @include wrote it, relative to the config file's directory.
 */
static void
vfail(struct config_loader *ld, const char *file, int line, const char *fmt, va_list ap)
{
	bool rel = file != NULL && file[0] != '/';
	char msg[1024], safe[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	escape_controls(msg, safe, sizeof(safe));
	snprintf(ld->err, ld->errlen, "%s%s%s:%d: %s", rel ? ld->dir : "", rel ? "/" : "",
	         file != NULL ? file : ld->file, line, safe);
}

static int
fail_line(struct config_loader *ld, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(ld, file, line, fmt, ap);
	va_end(ap);
	return -1;
}

/* A NULL s stands for a setting missing from the top level, which has no line of its own. */
int
config_fail(struct config_loader *ld, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(ld, s != NULL ? config_setting_source_file(s) : NULL,
	      s != NULL ? config_setting_source_line(s) : 1, fmt, ap);
	va_end(ap);
	return -1;
}

int
config_nomem(struct config_loader *ld)
{
	snprintf(ld->err, ld->errlen, "%s: out of memory", ld->file);
	return -1;
}

static int
copy_str(struct config_loader *ld, const char *s, char **out)
{
	if ((*out = strdup(s)) == NULL)
		return config_nomem(ld);
	return 0;
}

/* Appends name, the i-th of count, to the list in buf: "a, b, c or d". */
static void
append_name(char *buf, size_t len, size_t i, size_t count, const char *name)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s", i == 0 ? "" : i + 1 == count ? " or " : ", ", name);
}

const char *
config_join_names(const char *const *names, char *buf, size_t len)
{
	size_t i, n;

	for (n = 0; names[n] != NULL; n++)
		;
	buf[0] = '\0';
	for (i = 0; i < n; i++)
		append_name(buf, len, i, n, names[i]);
	return buf;
}

static const char *
type_name(int type)
{
	static const char *const names[] = {
		[CONFIG_TYPE_GROUP] = "a group { ... }",  [CONFIG_TYPE_INT] = "an integer",
		[CONFIG_TYPE_INT64] = "an integer",       [CONFIG_TYPE_FLOAT] = "a float",
		[CONFIG_TYPE_STRING] = "a string",        [CONFIG_TYPE_BOOL] = "a boolean",
		[CONFIG_TYPE_ARRAY] = "an array [ ... ]", [CONFIG_TYPE_LIST] = "a list ( ... )",
	};

	if (type < 0 || (size_t)type >= nitems(names) || names[type] == NULL)
		return "of an unknown type";
	return names[type];
}

int
config_check_type(struct config_loader *ld, const config_setting_t *s, const char *what, int mask,
                  const char *want)
{
	if (CONFIG_TYPE_BIT(config_setting_type(s)) & mask)
		return 0;
	return config_fail(ld, s, "%s must be %s, not %s", what, want, type_name(config_setting_type(s)));
}

int
config_join_path(struct config_loader *ld, const char *rel, char **out)
{
	size_t len;

	if (rel[0] == '/')
		return copy_str(ld, rel, out);
	len = strlen(ld->dir) + 1 + strlen(rel) + 1;
	if ((*out = malloc(len)) == NULL)
		return config_nomem(ld);
	snprintf(*out, len, "%s/%s", ld->dir, rel);
	return 0;
}

static const struct config_key *
find_key(const struct config_section_info *sec, const char *name)
{
	size_t i;

	for (i = 0; i < sec->nkeys; i++)
		if (strcmp(sec->keys[i].name, name) == 0)
			return &sec->keys[i];
	return NULL;
}

int
config_check_keys(struct config_loader *ld, enum config_section section, const config_setting_t *g)
{
	const struct config_section_info *sec = config_section(section);
	const config_setting_t *s;
	char list[512] = "";
	size_t i;
	int j, n;

	n = g != NULL ? config_setting_length(g) : 0;
	for (j = 0; j < n; j++) {
		s = config_setting_get_elem(g, (unsigned int)j);
		if (find_key(sec, config_setting_name(s)) != NULL)
			continue;
		for (i = 0; i < sec->nkeys; i++)
			append_name(list, sizeof(list), i, sec->nkeys, sec->keys[i].name);
		return config_fail(ld, s, "unknown setting '%s'%s; expected %s", config_setting_name(s),
		                   sec->where, list);
	}
	return 0;
}

/* The member name of group g, or NULL when it or g is absent. */
static const config_setting_t *
member(const config_setting_t *g, const char *name)
{
	return g != NULL ? config_setting_get_member(g, name) : NULL;
}

static int
store_int(struct config_loader *ld, const struct config_key *key, const char *what, const config_setting_t *s,
          void *field)
{
	long long v = key->def;
	char want[96];

	if (s != NULL) {
		snprintf(want, sizeof(want), "an integer from %lld to %lld", key->min, key->max);
		if (config_check_type(ld, s, what, INT_TYPES, want) == -1)
			return -1;
		v = config_setting_get_int64(s);
		if (v < key->min || v > key->max)
			return config_fail(ld, s, "%s must be %s, not %lld", what, want, v);
	}
	if (key->type == KEY_SIZE)
		*(size_t *)field = (size_t)v;
	else
		*(int *)field = (int)v;
	return 0;
}

static int
store_bool(struct config_loader *ld, const struct config_key *key, const char *what,
           const config_setting_t *s, bool *field)
{
	*field = key->def != 0;
	if (s == NULL)
		return 0;
	if (config_check_type(ld, s, what, CONFIG_TYPE_BIT(CONFIG_TYPE_BOOL), "true or false") == -1)
		return -1;
	*field = config_setting_get_bool(s) != 0;
	return 0;
}

/* libconfig has no octal numbers: 0660 would be read as six hundred and sixty, hence a string. */
static int
store_mode(struct config_loader *ld, const struct config_key *key, const char *what,
           const config_setting_t *s, mode_t *field)
{
	const char *v;
	size_t n;

	*field = (mode_t)key->def;
	if (s == NULL)
		return 0;
	if (config_check_type(ld, s, what, CONFIG_TYPE_BIT(CONFIG_TYPE_STRING),
	                      "an octal string in double quotes such as \"0660\"") == -1)
		return -1;
	v = config_setting_get_string(s);
	n = strlen(v);
	/* Permission bits only: setuid, setgid and sticky mean nothing on a socket. */
	if (n < 3 || n > 4 || strspn(v, "01234567") != n || (n == 4 && v[0] != '0'))
		return config_fail(ld, s,
		                   "%s must be permissions in octal from \"0000\" to \"0777\", such as "
		                   "\"0660\", not \"%s\"",
		                   what, v);
	*field = (mode_t)strtoul(v, NULL, 8);
	return 0;
}

static int
check_string(struct config_loader *ld, const char *what, const config_setting_t *s)
{
	return config_check_type(ld, s, what, CONFIG_TYPE_BIT(CONFIG_TYPE_STRING),
	                         "a string in double quotes");
}

/* The index of v among key's choices, or -1 with a message that lists them. */
static int
find_choice(struct config_loader *ld, const struct config_key *key, const char *what,
            const config_setting_t *s, const char *v)
{
	char list[256], hint[64] = "";
	int i;

	for (i = 0; key->choices[i] != NULL; i++)
		if (strcmp(v, key->choices[i]) == 0)
			return i;
	/* Choices are case-sensitive, like the methods of requests. */
	for (i = 0; key->choices[i] != NULL; i++)
		if (strcasecmp(v, key->choices[i]) == 0)
			snprintf(hint, sizeof(hint), "; write \"%s\"", key->choices[i]);
	return config_fail(ld, s, "%s must be %s, not \"%s\"%s", what,
	                   config_join_names(key->choices, list, sizeof(list)), v, hint);
}

static int
store_string(struct config_loader *ld, const struct config_key *key, const char *what,
             const config_setting_t *s, char **field)
{
	const char *v = key->def_str;

	if (s != NULL) {
		if (check_string(ld, what, s) == -1)
			return -1;
		v = config_setting_get_string(s);
		if (key->choices != NULL && find_choice(ld, key, what, s, v) == -1)
			return -1;
	}
	return v != NULL ? copy_str(ld, v, field) : 0;
}

static int
store_enum(struct config_loader *ld, const struct config_key *key, const char *what,
           const config_setting_t *s, int *field)
{
	int i;

	*field = (int)key->def;
	if (s == NULL)
		return 0;
	if (check_string(ld, what, s) == -1 ||
	    (i = find_choice(ld, key, what, s, config_setting_get_string(s))) == -1)
		return -1;
	*field = i;
	return 0;
}

static int
store_strings(struct config_loader *ld, const struct config_key *key, const char *what,
              const config_setting_t *s, char ***field, size_t *n)
{
	const config_setting_t *e;
	char each[80];
	int i, len;
	bool one = s != NULL && key->or_string && config_setting_type(s) == CONFIG_TYPE_STRING;

	if (s == NULL)
		return 0;
	if (!one &&
	    config_check_type(ld, s, what, SEQ_TYPES,
	                      key->or_string ? "a string, or a list of strings such as [ \"a\", \"b\" ]"
	                                     : "a list of strings such as [ \"a\", \"b\" ]") == -1)
		return -1;
	if (one) {
		if ((*field = calloc(1, sizeof(**field))) == NULL)
			return config_nomem(ld);
		*n = 1;
		return copy_str(ld, config_setting_get_string(s), &(*field)[0]);
	}
	len = config_setting_length(s);
	if ((*field = calloc(len > 0 ? (size_t)len : 1, sizeof(**field))) == NULL)
		return config_nomem(ld);
	snprintf(each, sizeof(each), "each of %s", what);
	for (i = 0; i < len; i++) {
		e = config_setting_get_elem(s, (unsigned int)i);
		if (check_string(ld, each, e) == -1 ||
		    copy_str(ld, config_setting_get_string(e), &(*field)[i]) == -1)
			return -1;
		/* Counted as copied, so that config_free releases what a failure leaves. */
		*n = (size_t)i + 1;
	}
	return 0;
}

/* Each setting of group s, of any name, as a string: what a header or a media type is made of. */
static int
store_map(struct config_loader *ld, const char *what, const config_setting_t *s, struct config_pair **field,
          size_t *n)
{
	const config_setting_t *e;
	char want[96];
	int i, len;

	if (s == NULL)
		return 0;
	snprintf(want, sizeof(want), "a group of strings (%s = { name = \"value\"; };)",
	         config_setting_name(s));
	if (config_check_type(ld, s, what, CONFIG_TYPE_BIT(CONFIG_TYPE_GROUP), want) == -1)
		return -1;
	len = config_setting_length(s);
	if ((*field = calloc(len > 0 ? (size_t)len : 1, sizeof(**field))) == NULL)
		return config_nomem(ld);
	for (i = 0; i < len; i++) {
		e = config_setting_get_elem(s, (unsigned int)i);
		snprintf(want, sizeof(want), "%s %s", what, config_setting_name(e));
		if (check_string(ld, want, e) == -1)
			return -1;
		/* Counted first, so that config_free releases what a failure leaves. */
		*n = (size_t)i + 1;
		if (copy_str(ld, config_setting_name(e), &(*field)[i].name) == -1 ||
		    copy_str(ld, config_setting_get_string(e), &(*field)[i].value) == -1)
			return -1;
	}
	return 0;
}

static int
load_group(struct config_loader *ld, const struct config_key *key, const config_setting_t *s, void *base)
{
	char want[64];

	snprintf(want, sizeof(want), "a group (%s = { ... };)", key->name);
	if (s != NULL && config_check_type(ld, s, key->name, CONFIG_TYPE_BIT(CONFIG_TYPE_GROUP), want) == -1)
		return -1;
	if (config_check_keys(ld, key->section, s) == -1)
		return -1;
	return config_load_keys(ld, key->section, s, base, 0);
}

/* Checks s (NULL: absent) against key's type and stores its value, or the key's default, into base. */
static int
store(struct config_loader *ld, const struct config_key *key, const char *what, const config_setting_t *s,
      void *base)
{
	void *field = (char *)base + key->off;
	char want[96];

	switch (key->type) {
	case KEY_INT:
	case KEY_SIZE: return store_int(ld, key, what, s, field);
	case KEY_BOOL: return store_bool(ld, key, what, s, field);
	case KEY_MODE: return store_mode(ld, key, what, s, field);
	case KEY_STRING: return store_string(ld, key, what, s, field);
	case KEY_ENUM: return store_enum(ld, key, what, s, field);
	case KEY_STRINGS:
		return store_strings(ld, key, what, s, field, (size_t *)(void *)((char *)base + key->count));
	case KEY_GROUP: return load_group(ld, key, s, base);
	case KEY_LIST:
		snprintf(want, sizeof(want), "a list of groups (%s = ( { ... }, { ... } );)", key->name);
		return s != NULL ? config_check_type(ld, s, what, SEQ_TYPES, want) : 0;
	case KEY_MAP: return store_map(ld, what, s, field, (size_t *)(void *)((char *)base + key->count));
	}
	return 0;
}

/* Whether a route of kind (a ROUTE_KIND bit) takes key; every other key is taken wherever it is. */
static bool
takes(const struct config_key *key, unsigned kind)
{
	return key->kinds == 0 || (key->kinds & kind) != 0;
}

int
config_load_keys(struct config_loader *ld, enum config_section section, const config_setting_t *g, void *base,
                 unsigned kind)
{
	const struct config_section_info *sec = config_section(section);
	const struct config_key *key, *end = sec->keys + sec->nkeys;
	const config_setting_t *s;
	char what[64], kinds[128];

	/* Like an unknown key, before any value: the value of a key the entry cannot take does not matter. */
	for (key = sec->keys; key < end; key++)
		if (!takes(key, kind) && (s = member(g, key->name)) != NULL)
			return config_fail(ld, s, "%s is only for %s %ss; %s", key->name,
			                   config_kind_names(section, key->kinds, kinds, sizeof(kinds)),
			                   sec->entry, key->hint != NULL ? key->hint : "remove it");
	for (key = sec->keys; key < end; key++) {
		if (!takes(key, kind))
			continue;
		s = member(g, key->name);
		snprintf(what, sizeof(what), "%s%s", sec->scope, key->name);
		if (store(ld, key, what, s, base) == -1 ||
		    (key->check != NULL && key->check(ld, g, s, base) == -1))
			return -1;
	}
	return 0;
}

static int
load(struct config_loader *ld, config_t *lc, FILE *fp, struct config *cfg)
{
	const config_setting_t *root;

	if (config_read(lc, fp) == CONFIG_FALSE)
		return fail_line(ld, config_error_file(lc), config_error_line(lc), "%s",
		                 config_error_text(lc));
	root = config_root_setting(lc);
	if (copy_str(ld, ld->file, &cfg->file) == -1 || config_check_keys(ld, CONFIG_TOP, root) == -1 ||
	    config_load_keys(ld, CONFIG_TOP, root, cfg, 0) == -1)
		return -1;
	/* Last: a host's certificates are read once everything else is known to be right. */
	return tls_config_load(cfg, ld->err, ld->errlen);
}

static void
fail_unreadable(struct config_loader *ld, const char *why)
{
	snprintf(ld->err, ld->errlen, "%s: cannot read: %s; check the path and its permissions", ld->file,
	         why);
}

/* Opens the file and finds its directory, against which relative paths and @include resolve. */
static FILE *
open_config(struct config_loader *ld)
{
	struct stat st;
	char *copy;
	FILE *fp;

	if ((fp = fopen(ld->file, "r")) == NULL || fstat(fileno(fp), &st) == -1) {
		fail_unreadable(ld, strerror(errno));
		goto fail;
	}
	/* fopen accepts a directory; reading it would fail with a less helpful message. */
	if (S_ISDIR(st.st_mode)) {
		fail_unreadable(ld, strerror(EISDIR));
		goto fail;
	}
	if ((copy = strdup(ld->file)) == NULL) {
		config_nomem(ld);
		goto fail;
	}
	ld->dir = realpath(dirname(copy), NULL);
	free(copy);
	if (ld->dir == NULL) {
		snprintf(ld->err, ld->errlen, "%s: cannot resolve its directory: %s", ld->file,
		         strerror(errno));
		goto fail;
	}
	return fp;

fail:
	if (fp != NULL)
		fclose(fp);
	return NULL;
}

struct config *
config_load(const char *path, char *err, size_t errlen)
{
	struct config_loader ld = { path, NULL, err, errlen, NULL };
	struct config *cfg;
	config_t lc;
	FILE *fp;

	if ((fp = open_config(&ld)) == NULL)
		return NULL;
	config_init(&lc);
	config_set_include_dir(&lc, ld.dir);
	if ((cfg = ld.cfg = calloc(1, sizeof(*cfg))) == NULL)
		config_nomem(&ld);
	else if (load(&ld, &lc, fp, cfg) == -1) {
		config_free(cfg);
		cfg = NULL;
	}
	config_destroy(&lc);
	fclose(fp);
	free(ld.dir);
	return cfg;
}

/* Writes v as a libconfig string; returns the bytes written. */
static int
print_string(FILE *out, const char *v)
{
	int n = 2;

	putc('"', out);
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\') {
			putc('\\', out);
			n++;
		}
		if ((unsigned char)*v < ' ' || *v == 0x7f)
			n += fprintf(out, "\\x%02x", (unsigned char)*v);
		else {
			putc(*v, out);
			n++;
		}
	}
	putc('"', out);
	return n;
}

static int
print_strings(FILE *out, char *const *v, size_t n)
{
	int w = fprintf(out, "[");
	size_t i;

	for (i = 0; i < n; i++) {
		w += fprintf(out, "%s ", i > 0 ? "," : "");
		w += print_string(out, v[i]);
	}
	return w + fprintf(out, " ]");
}

static int
print_map(FILE *out, const struct config_pair *v, size_t n)
{
	int w = fprintf(out, "{");
	size_t i;

	for (i = 0; i < n; i++) {
		w += fprintf(out, " %s = ", v[i].name);
		w += print_string(out, v[i].value);
		w += fprintf(out, ";");
	}
	return w + fprintf(out, " }");
}

/* Writes "name = value;" for key's field in base; returns the bytes written. */
static int
print_setting(FILE *out, const struct config_key *key, const void *base)
{
	const void *field = (const char *)base + key->off;
	size_t size;
	int n;

	if ((key->type == KEY_STRING && *(char *const *)field == NULL) ||
	    (key->type == KEY_STRINGS && *(char **const *)field == NULL))
		return fprintf(out, "# %s is not set", key->name);
	n = fprintf(out, "%s = ", key->name);
	switch (key->type) {
	case KEY_INT: n += fprintf(out, "%d", *(const int *)field); break;
	case KEY_SIZE:
		/* libconfig reads a larger integer only with the L of a 64-bit one. */
		size = *(const size_t *)field;
		n += fprintf(out, "%zu%s", size, size > INT_MAX ? "L" : "");
		break;
	case KEY_BOOL: n += fprintf(out, "%s", *(const bool *)field ? "true" : "false"); break;
	case KEY_MODE: n += fprintf(out, "\"%04o\"", (unsigned)*(const mode_t *)field); break;
	case KEY_STRING: n += print_string(out, *(char *const *)field); break;
	case KEY_ENUM: n += print_string(out, key->choices[*(const int *)field]); break;
	case KEY_STRINGS:
		n += print_strings(out, *(char **const *)field,
		                   *(const size_t *)(const void *)((const char *)base + key->count));
		break;
	case KEY_MAP:
		n += print_map(out, *(struct config_pair *const *)field,
		               *(const size_t *)(const void *)((const char *)base + key->count));
		break;
	case KEY_GROUP:
	case KEY_LIST: break;
	}
	return n + fprintf(out, ";");
}

/*
 * The keys of section that base has (kind: a kind bit), one a line at depth tabs, each with its help; not
 * the lists and groups inside, which their own lines follow, nor what a newer key says.
 */
static void
print_keys(FILE *out, enum config_section section, const void *base, unsigned kind, int depth)
{
	const struct config_section_info *sec = config_section(section);
	const struct config_key *key;
	int n;

	for (key = sec->keys; key < sec->keys + sec->nkeys; key++) {
		if (!takes(key, kind) || key->superseded_by != NULL || key->type == KEY_GROUP ||
		    key->type == KEY_LIST)
			continue;
		/* A redirect has path or prefix, one field for the two: the one it has. */
		if (section == CONFIG_ROUTE && key->off == offsetof(struct route, path) &&
		    (strcmp(key->name, "prefix") == 0) != ((const struct route *)base)->prefix)
			continue;
		/* Tabs are 8 columns each. */
		n = fprintf(out, "%.*s", depth, TABS) * 8 + print_setting(out, key, base);
		fprintf(out, "%*s# %s\n", n < HELP_COLUMN ? HELP_COLUMN - n : 1, "", key->help);
	}
}

/* Opens an entry of a list at depth tabs, with the line it came from, and writes its keys one deeper. */
static void
print_entry(FILE *out, enum config_section section, const void *base, unsigned kind, int line, int depth)
{
	fprintf(out, "%.*s{\t# line %d\n", depth, TABS, line);
	print_keys(out, section, base, kind, depth + 1);
}

static void
print_close(FILE *out, int depth, bool last)
{
	fprintf(out, "%.*s}%s\n", depth, TABS, last ? "" : ",");
}

/* The error pages of a server or host at depth tabs, as a list of entries; nothing when it has none. */
static void
print_error_pages(FILE *out, const struct answer_cfg *a, int depth)
{
	size_t i;

	if (a->npages == 0)
		return;
	fprintf(out, "%.*serror_pages = (\n", depth, TABS);
	for (i = 0; i < a->npages; i++) {
		print_entry(out, CONFIG_ERROR_PAGE, &a->pages[i], 0, a->pages[i].line, depth + 1);
		print_close(out, depth + 1, i + 1 == a->npages);
	}
	fprintf(out, "%.*s);\n", depth, TABS);
}

bool
config_host_on(const struct host_cfg *h, const struct listen_cfg *l)
{
	size_t i;

	for (i = 0; i < h->nlisten; i++)
		if (l->name != NULL && strcmp(l->name, h->listen[i]) == 0)
			return true;
	return h->nlisten == 0;
}

int
config_print(const struct config *cfg, FILE *out)
{
	const struct listen_cfg *l;
	const struct host_cfg *h;
	const struct route *rt;
	size_t i, j;

	print_keys(out, CONFIG_TOP, cfg, 0, 0);
	fprintf(out, "\nserver = {\n");
	print_keys(out, CONFIG_SERVER, cfg, 0, 1);
	print_error_pages(out, &cfg->answer, 1);
	fprintf(out, "};\n\ntls = {\n");
	print_keys(out, CONFIG_TLS, cfg, 0, 1);
	fprintf(out, "};\n\nlisten = (\n");
	for (i = 0; i < cfg->nlisteners; i++) {
		l = &cfg->listeners[i];
		print_entry(out, CONFIG_LISTEN, l, l->path != NULL ? LISTEN_UNIX : LISTEN_TCP, l->line, 1);
		print_close(out, 1, i + 1 == cfg->nlisteners);
	}
	fprintf(out, ");\n\nhosts = (\n");
	for (i = 0; i < cfg->nhosts; i++) {
		h = &cfg->hosts[i];
		print_entry(out, CONFIG_HOST, h, 0, h->line, 1);
		print_error_pages(out, &h->answer, 2);
		fprintf(out, "\t\ttls = {\n");
		print_keys(out, CONFIG_HOST_TLS, h, 0, 3);
		fprintf(out, "\t\t};\n");
		fprintf(out, "\t\troutes = (\n");
		for (j = 0; j < h->nroutes; j++) {
			rt = &cfg->routes[h->first_route + j];
			print_entry(out, CONFIG_ROUTE, rt, ROUTE_KIND(rt->kind), rt->line, 3);
			print_close(out, 3, j + 1 == h->nroutes);
		}
		fprintf(out, "\t\t);\n");
		print_close(out, 1, i + 1 == cfg->nhosts);
	}
	fprintf(out, ");\n");
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}

static void
free_strings(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
free_pairs(struct config_pair *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

static void
answer_free(struct answer_cfg *a)
{
	size_t i;

	free_pairs(a->headers, a->nheaders);
	for (i = 0; i < a->npages; i++) {
		free(a->pages[i].file);
		free(a->pages[i].body);
	}
	free(a->pages);
	free(a->block);
}

static void
route_free(struct route *rt)
{
	answer_free(&rt->answer);
	free_strings(rt->params, rt->nparams);
	free_strings(rt->index, rt->nindex);
	template_free(&rt->tmpl);
	free(rt->method);
	free(rt->path);
	free(rt->target);
	free(rt->content_type);
}

void
config_free(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->nroutes; i++)
		route_free(&cfg->routes[i]);
	free(cfg->routes);
	for (i = 0; i < cfg->nlisteners; i++) {
		free(cfg->listeners[i].name);
		free(cfg->listeners[i].address);
		free(cfg->listeners[i].path);
	}
	free(cfg->listeners);
	for (i = 0; i < cfg->nhosts; i++) {
		free_strings(cfg->hosts[i].names, cfg->hosts[i].nnames);
		free_strings(cfg->hosts[i].listen, cfg->hosts[i].nlisten);
		answer_free(&cfg->hosts[i].answer);
		free_strings(cfg->hosts[i].certs, cfg->hosts[i].ncerts);
		free_strings(cfg->hosts[i].keys, cfg->hosts[i].nkeys);
	}
	tls_config_free(cfg);
	free(cfg->hosts);
	free_strings(cfg->tls_certs, cfg->ntls_certs);
	free_strings(cfg->tls_keys, cfg->ntls_keys);
	free_strings(cfg->tls_protocols, cfg->ntls_protocols);
	free(cfg->tls_hsts);
	free(cfg->file);
	free(cfg->address);
	free(cfg->user);
	free(cfg->access_log);
	answer_free(&cfg->answer);
	free_pairs(cfg->type_overrides, cfg->ntype_overrides);
	mime_free(&cfg->types);
	free(cfg);
}

const struct error_page *
config_error_page(const struct answer_cfg *a, int status)
{
	size_t i;

	for (; a != NULL; a = a->parent)
		for (i = 0; i < a->npages; i++)
			if (a->pages[i].status == status)
				return &a->pages[i];
	return NULL;
}
