/* SPDX-License-Identifier: ISC */
/* vhost.c: host names lowercased and sorted; exact names found by bisection, wildcards suffix by suffix. */
#include <stdlib.h>
#include <string.h>

#include "url.h"
#include "vhost.h"

enum vhost_kind {
	VHOST_ANY,    /* "*" */
	VHOST_EXACT,  /* "example.com" */
	VHOST_SUFFIX, /* "*.example.org", whose key is ".example.org" */
};

struct vhost_name {
	enum vhost_kind kind;
	const char *key; /* lowercased, without a trailing dot; not NUL-terminated */
	size_t len;
	size_t host;      /* an index into cfg->hosts */
	size_t seq;       /* its place in file order, which qsort() alone would not keep among equals */
	const char *name; /* as written, for vhost_duplicate() */
};

/*
 * Bisection rather than a hash: no hash to compute over the name, no worst case to plan for, and the
 * order that finds an exact name also finds each suffix of a wildcard and puts duplicates side by side.
 */
struct vhost_table {
	struct vhost_name *names; /* sorted by kind, length, key, then file order */
	size_t nnames;
	const struct vhost_name *exact, *suffix; /* the slices of names of each kind */
	size_t nexact, nsuffix;
	size_t fallback; /* the host named "*", or the first */
	char *keys;      /* every key, one after another */
};

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * Lengths first: most names a bisection passes differ in length, and then no byte is compared. Equal
 * lengths compare as bytes, so the order is a total one and equal keys are neighbours.
 */
static int
key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

static int
cmp_names(const void *pa, const void *pb)
{
	const struct vhost_name *a = pa, *b = pb;
	int c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if ((c = key_cmp(a->key, a->len, b->key, b->len)) != 0)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* name's length without a trailing dot: "example.com." is the fully qualified "example.com". */
static size_t
len_undotted(const char *name, size_t len)
{
	return len > 0 && name[len - 1] == '.' ? len - 1 : len;
}

bool
vhost_name_valid(const char *name)
{
	size_t len = len_undotted(name, strlen(name)), i;
	bool wildcard = len > 2 && name[0] == '*' && name[1] == '.';

	if (len == 1 && name[0] == '*')
		return true;
	if (len == 0 || len > VHOST_NAME_MAX)
		return false;
	if (wildcard) {
		name += 2;
		len -= 2;
	}
	/* url_host_valid() takes a port too: after an IP literal's ']', or after a registered name's ':'. */
	if (!url_host_valid(name, len))
		return false;
	if (name[0] == '[')
		return !wildcard && name[len - 1] == ']';
	/* A registered name: no port, no '*' but a wildcard's, and no empty label, which no DNS name has. */
	for (i = 0; i < len; i++) {
		if (name[i] == ':' || name[i] == '*')
			return false;
		if (name[i] == '.' && (i == 0 || i == len - 1 || name[i + 1] == '.'))
			return false;
	}
	return true;
}

/* Fills v with name's kind and key, which it writes to key: room for strlen(name) bytes. */
static void
name_key(struct vhost_name *v, const char *name, char *key)
{
	size_t len = len_undotted(name, strlen(name)), skip = 0, i;

	v->kind = VHOST_EXACT;
	if (len == 1 && name[0] == '*') {
		v->kind = VHOST_ANY;
		skip = 1;
	} else if (len >= 2 && name[0] == '*' && name[1] == '.') {
		v->kind = VHOST_SUFFIX;
		skip = 1;
	}
	for (i = skip; i < len; i++)
		key[i - skip] = lower(name[i]);
	v->key = key;
	v->len = len - skip;
	v->name = name;
}

void
vhost_free(struct vhost_table *t)
{
	if (t == NULL)
		return;
	free(t->names);
	free(t->keys);
	free(t);
}

struct vhost_table *
vhost_new(const struct host_cfg *hosts, const size_t *which, size_t n)
{
	struct vhost_table *t;
	struct vhost_name *v;
	size_t nnames = 0, room = 0, nany = 0, i, j;
	char *key;

	for (i = 0; i < n; i++) {
		const struct host_cfg *h = &hosts[which[i]];

		nnames += h->nnames;
		for (j = 0; j < h->nnames; j++)
			room += strlen(h->names[j]);
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->names = calloc(nnames ? nnames : 1, sizeof(*t->names));
	t->keys = malloc(room ? room : 1);
	if (t->names == NULL || t->keys == NULL) {
		vhost_free(t);
		return NULL;
	}
	key = t->keys;
	for (i = 0; i < n; i++) {
		const struct host_cfg *h = &hosts[which[i]];

		for (j = 0; j < h->nnames; j++) {
			v = &t->names[t->nnames];
			name_key(v, h->names[j], key);
			key += v->len;
			v->host = which[i];
			v->seq = t->nnames++;
		}
	}
	qsort(t->names, t->nnames, sizeof(*t->names), cmp_names);

	for (v = t->names; v < t->names + t->nnames && v->kind == VHOST_ANY; v++)
		nany++;
	t->exact = t->names + nany;
	for (; v < t->names + t->nnames && v->kind == VHOST_EXACT; v++)
		t->nexact++;
	t->suffix = t->exact + t->nexact;
	t->nsuffix = t->nnames - nany - t->nexact;
	/* Sorted in file order among equals, the first "*" is the first host named so. */
	t->fallback = nany > 0 ? t->names[0].host : which[0];
	return t;
}

/* The first of v[0..n) whose key is key[0..len), or NULL. */
static const struct vhost_name *
find(const struct vhost_name *v, size_t n, const char *key, size_t len)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key_cmp(v[mid].key, v[mid].len, key, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && key_cmp(v[lo].key, v[lo].len, key, len) == 0 ? &v[lo] : NULL;
}

/*
 * name without its port and trailing dot. The port follows an IP literal's ']', or a registered name's
 * first ':' since it has no other (RFC 3986 section 3.2.2).
 */
static struct str
host_part(struct str name)
{
	const char *end;

	if (name.len > 0 && name.p[0] == '[') {
		if ((end = memchr(name.p, ']', name.len)) != NULL)
			name.len = (size_t)(end - name.p) + 1;
	} else if ((end = memchr(name.p, ':', name.len)) != NULL)
		name.len = (size_t)(end - name.p);
	name.len = len_undotted(name.p, name.len);
	return name;
}

size_t
vhost_match(const struct vhost_table *t, struct str name)
{
	char buf[VHOST_NAME_MAX];
	const struct vhost_name *v;
	size_t off, len, i;

	/* The file without hosts = ( ... ) has one host, "*": there is no name to look at. */
	if (t->nexact == 0 && t->nsuffix == 0)
		return t->fallback;
	name = host_part(name);
	/*
	 * A name longer than any DNS name equals no exact name. A wildcard's suffix is no longer than
	 * VHOST_NAME_MAX either, so the name's last VHOST_NAME_MAX bytes are all a wildcard may need.
	 */
	off = name.len > VHOST_NAME_MAX ? name.len - VHOST_NAME_MAX : 0;
	len = name.len - off;
	for (i = 0; i < len; i++)
		buf[i] = lower(name.p[off + i]);
	if (off == 0 && len > 0 && (v = find(t->exact, t->nexact, buf, len)) != NULL)
		return v->host;
	/* Each '.' starts a suffix, the longest first; one at the name's start would leave '*' nothing. */
	for (i = off > 0 ? 0 : 1; i < len; i++) {
		if (buf[i] == '.' && (v = find(t->suffix, t->nsuffix, buf + i, len - i)) != NULL)
			return v->host;
	}
	return t->fallback;
}

bool
vhost_duplicate(const struct vhost_table *t, size_t *a, size_t *b, const char **name)
{
	const struct vhost_name *first = NULL, *repeat = NULL, *p, *q;
	size_t i;

	/*
	 * Equal names are neighbours, in file order. The repeat that comes first in the file is the one to
	 * report, as the loader reports its other errors: the earliest.
	 */
	for (i = 1; i < t->nnames; i++) {
		p = &t->names[i - 1];
		q = &t->names[i];
		if (p->kind != q->kind || key_cmp(p->key, p->len, q->key, q->len) != 0)
			continue;
		if (repeat == NULL || q->seq < repeat->seq) {
			first = p;
			repeat = q;
		}
	}
	if (repeat == NULL)
		return false;
	*a = first->host;
	*b = repeat->host;
	*name = repeat->name;
	return true;
}
