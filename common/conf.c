/*
 * conf.c: ftpd.conf and -o parsing, from the one keyword table in options.def.
 *
 * Owns the mapping from keyword to struct conf field.  Unknown keywords and bad
 * values are errors reported with file:line; nothing is silently ignored.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "limits.h"
#include "log.h"

enum opt_type { T_BOOL, T_INT, T_OCT, T_STR, T_ENUM };

/* the words of each OPT_CHOICES type, NULL-terminated, in the order of its constants */
#define OPT_BOOL(f, d, desc)
#define OPT_INT(f, d, lo, hi, desc)
#define OPT_OCT(f, d, desc)
#define OPT_STR(f, d, desc)
#define OPT_ENUM(f, type, d, desc)
/* NOLINTBEGIN(bugprone-macro-parentheses): list elements */
#define CHOICE(id, word)		word,
#define OPT_CHOICES(type, choices) \
	static const char *const words_##type[] = { choices NULL }; \
	_Static_assert(sizeof(enum type) == sizeof(int), "enum " #type " is not an int");
#include "options.def"
/* NOLINTEND(bugprone-macro-parentheses) */

struct opt {
	const char	*name;
	enum opt_type	 type;
	size_t		 off;
	long		 ldef;
	const char	*sdef;
	long		 lo, hi;
	const char *const *words;	/* T_ENUM: its type's words */
	const char	*desc;
};

static const struct opt opttab[] = {
#define OPT_BOOL(f, d, desc) \
	{ #f, T_BOOL, offsetof(struct conf, f), d, NULL, 0, 1, NULL, desc },
#define OPT_INT(f, d, lo, hi, desc) \
	{ #f, T_INT, offsetof(struct conf, f), d, NULL, lo, hi, NULL, desc },
#define OPT_OCT(f, d, desc) \
	{ #f, T_OCT, offsetof(struct conf, f), d, NULL, 0, 07777, NULL, desc },
#define OPT_STR(f, d, desc) \
	{ #f, T_STR, offsetof(struct conf, f), 0, d, 0, 0, NULL, desc },
#define OPT_ENUM(f, type, d, desc) \
	{ #f, T_ENUM, offsetof(struct conf, f), d, NULL, 0, 0, words_##type, desc },
#include "options.def"
};

#define NOPTS	(sizeof(opttab) / sizeof(opttab[0]))

static void *
field(struct conf *c, const struct opt *o)
{
	return (char *)c + o->off;
}

static void
set_str(struct conf *c, const struct opt *o, const char *v)
{
	char **sp = field(c, o);

	free(*sp);
	*sp = xstrdup(v);
}

void
conf_defaults(struct conf *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NOPTS; i++) {
		const struct opt *o = &opttab[i];

		switch (o->type) {
		case T_BOOL:
			*(int *)field(c, o) = (int)o->ldef;
			break;
		case T_INT:
			*(long *)field(c, o) = o->ldef;
			break;
		case T_OCT:
			*(unsigned *)field(c, o) = (unsigned)o->ldef;
			break;
		case T_ENUM:
			*(int *)field(c, o) = (int)o->ldef;
			break;
		case T_STR:
			set_str(c, o, o->sdef);
			break;
		}
	}
}

void
conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (opttab[i].type == T_STR) {
			char **sp = field(c, &opttab[i]);

			free(*sp);
			*sp = NULL;
		}
}

static int
parse_bool(const char *v, int *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int
parse_long(const char *v, int base, long *out)
{
	char *end;

	if (*v == '\0' || isspace((unsigned char)*v) || *v == '+')
		return -1;
	errno = 0;
	*out = strtol(v, &end, base);
	return (errno != 0 || *end != '\0') ? -1 : 0;
}

/* The index of V among WORDS, or -1. */
static int
enum_index(const char *const *words, const char *v)
{
	int i;

	for (i = 0; words[i] != NULL; i++)
		if (strcmp(words[i], v) == 0)
			return i;
	return -1;
}

/* WORDS as "a|b|c", for an error message. */
static void
enum_list(const char *const *words, char *dst, size_t dstsz)
{
	size_t n = 0;
	int i;

	dst[0] = '\0';
	for (i = 0; words[i] != NULL && n < dstsz; i++)
		n += (size_t)snprintf(dst + n, dstsz - n, "%s%s", i ? "|" : "", words[i]);
}

int
conf_set(struct conf *c, const char *keyword, const char *v, char *err, size_t errsz)
{
	char words[128];
	size_t i;
	long l;
	int b;

	for (i = 0; i < NOPTS; i++)
		if (strcmp(opttab[i].name, keyword) == 0)
			break;
	if (i == NOPTS) {
		str_fmt(err, errsz, "unknown keyword \"%.64s\"", keyword);
		return -1;
	}
	const struct opt *o = &opttab[i];
	switch (o->type) {
	case T_BOOL:
		if (parse_bool(v, &b) == -1)
			goto bad;
		*(int *)field(c, o) = b;
		return 0;
	case T_INT:
		if (parse_long(v, 10, &l) == -1 || l < o->lo || l > o->hi)
			goto bad;
		*(long *)field(c, o) = l;
		return 0;
	case T_OCT:
		if (parse_long(v, 8, &l) == -1 || l < o->lo || l > o->hi)
			goto bad;
		*(unsigned *)field(c, o) = (unsigned)l;
		return 0;
	case T_ENUM:
		if ((b = enum_index(o->words, v)) == -1)
			goto bad;
		*(int *)field(c, o) = b;
		return 0;
	case T_STR:
		if (strlen(v) >= MAX_CONF_VALUE)
			goto bad;
		set_str(c, o, v);
		return 0;
	}
bad:
	switch (o->type) {
	case T_BOOL:
		str_fmt(err, errsz, "%s: \"%.64s\" is not yes or no", keyword, v);
		break;
	case T_INT:
		str_fmt(err, errsz, "%s: \"%.64s\" is not a number from %ld to %ld",
		    keyword, v, o->lo, o->hi);
		break;
	case T_OCT:
		str_fmt(err, errsz, "%s: \"%.64s\" is not an octal mode", keyword, v);
		break;
	case T_ENUM:
		enum_list(o->words, words, sizeof(words));
		str_fmt(err, errsz, "%s: \"%.64s\" is not one of %s", keyword, v, words);
		break;
	case T_STR:
		str_fmt(err, errsz, "%s: value too long", keyword);
		break;
	}
	return -1;
}

int
conf_set_arg(struct conf *c, const char *arg, char *err, size_t errsz)
{
	char key[64];
	const char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg || (size_t)(eq - arg) >= sizeof(key)) {
		str_fmt(err, errsz, "-o %.64s: expected keyword=value", arg);
		return -1;
	}
	memcpy(key, arg, (size_t)(eq - arg));
	key[eq - arg] = '\0';
	if (conf_set(c, key, eq + 1, err, errsz) == -1) {
		char why[256];

		str_copy(why, sizeof(why), err);
		str_fmt(err, errsz, "-o: %s", why);
		return -1;
	}
	return 0;
}

/* Strip leading and trailing blanks in place; return the start. */
static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Is KEY one of the NULL-terminated LIST? */
static int
conf_listed(const char *const *list, const char *key)
{
	for (; *list != NULL; list++)
		if (!strcmp(*list, key))
			return 1;
	return 0;
}

int
conf_load_stream(struct conf *c, FILE *f, const char *path, const char *const *allowed,
    char *err, size_t errsz)
{
	char line[MAX_CONF_VALUE + 128], why[256];
	int lineno = 0;

	while (fgets(line, sizeof(line), f) != NULL) {
		char *p, *key, *val;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			str_fmt(err, errsz, "%s:%d: line too long", path, lineno);
			return -1;
		}
		p = trim(line);
		if (*p == '\0' || *p == '#')
			continue;
		key = p;
		p += strcspn(p, " \t=");
		if (*p != '\0')
			*p++ = '\0';
		val = trim(p);
		if (*val == '=')	/* accept "keyword = value" and "keyword=value" */
			val = trim(val + 1);
		if (allowed != NULL && !conf_listed(allowed, key)) {
			str_fmt(err, errsz, "%s:%d: \"%.64s\" may not be set here", path, lineno, key);
			return -1;
		}
		if (conf_set(c, key, val, why, sizeof(why)) == -1) {
			str_fmt(err, errsz, "%s:%d: %s", path, lineno, why);
			return -1;
		}
	}
	if (ferror(f)) {	/* e.g. EISDIR: a directory must not load as an empty file */
		str_fmt(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
conf_load(struct conf *c, const char *path, int missing_ok, char *err, size_t errsz)
{
	FILE *f;
	int r;

	if ((f = fopen(path, "re")) == NULL) {
		if (missing_ok && errno == ENOENT)
			return 0;
		str_fmt(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	r = conf_load_stream(c, f, path, NULL, err, errsz);
	fclose(f);
	return r;
}

void
conf_copy(struct conf *dst, const struct conf *src)
{
	size_t i;

	memcpy(dst, src, sizeof(*dst));
	for (i = 0; i < NOPTS; i++)
		if (opttab[i].type == T_STR) {
			char **sp = field(dst, &opttab[i]);

			*sp = xstrdup(*sp);
		}
}

int
conf_validate(const struct conf *c, char *err, size_t errsz)
{
	if ((c->pasv_min_port == 0) != (c->pasv_max_port == 0) ||
	    c->pasv_min_port > c->pasv_max_port) {
		str_fmt(err, errsz, "pasv_min_port and pasv_max_port must both be set, min <= max");
		return -1;
	}
	if (c->pasv_min_port != 0 && c->pasv_min_port < 1024) {
		str_fmt(err, errsz, "pasv_min_port must be at least 1024");
		return -1;
	}
	if (c->idle_timeout > c->max_idle_timeout) {
		str_fmt(err, errsz, "idle_timeout is larger than max_idle_timeout");
		return -1;
	}
	if (c->pam_service[0] == '\0' || c->anon_user[0] == '\0') {
		str_fmt(err, errsz, "pam_service and anon_user must not be empty");
		return -1;
	}
	if (c->tls_max_version < TLSV_1_2 || c->tls_min_version > c->tls_max_version) {
		str_fmt(err, errsz, "tls_max_version must be 1.2 or 1.3, and not below "
		    "tls_min_version");
		return -1;
	}
	if (c->guest_enable && (c->guest_user[0] == '\0' || c->guest_root[0] != '/')) {
		str_fmt(err, errsz, "guest_enable needs guest_user and an absolute guest_root");
		return -1;
	}
	if (c->nopriv_user[0] == '\0' || c->empty_dir[0] != '/') {
		str_fmt(err, errsz, "nopriv_user must be set and empty_dir must be absolute");
		return -1;
	}
	return 0;
}

const char *
conf_enum_word(const char *keyword, int value)
{
	size_t i;
	int n;

	for (i = 0; i < NOPTS; i++)
		if (opttab[i].type == T_ENUM && strcmp(opttab[i].name, keyword) == 0) {
			for (n = 0; opttab[i].words[n] != NULL; n++)
				if (n == value)
					return opttab[i].words[n];
			break;
		}
	return "?";
}

void
conf_foreach(void (*fn)(const char *, const char *, const char *, void *), void *arg)
{
	static const char *tname[] = { "bool", "int", "octal", "string", "enum" };
	size_t i;

	for (i = 0; i < NOPTS; i++)
		fn(opttab[i].name, tname[opttab[i].type], opttab[i].desc, arg);
}
