/*
 * conf.h: the daemon's configuration, one field per keyword in options.def.
 */
#ifndef FTPD_CONF_H
#define FTPD_CONF_H

#include <stddef.h>
#include <stdio.h>

/* enum listen_family { FAMILY_ANY, ... }: one per OPT_CHOICES type, in its order */
#define OPT_BOOL(f, d, desc)
#define OPT_INT(f, d, lo, hi, desc)
#define OPT_OCT(f, d, desc)
#define OPT_STR(f, d, desc)
#define OPT_ENUM(f, type, d, desc)
#define CHOICE(id, word)		id,
#define OPT_CHOICES(type, choices)	enum type { choices };
#include "options.def"

/* the 8-byte fields first, then the 4-byte ones: no padding between them */
struct conf {
#define OPT_BOOL(f, d, desc)
#define OPT_INT(f, d, lo, hi, desc)	long f;
#define OPT_OCT(f, d, desc)
#define OPT_STR(f, d, desc)		char *f;
#define OPT_ENUM(f, type, d, desc)
#include "options.def"
#define OPT_BOOL(f, d, desc)		int f;
#define OPT_INT(f, d, lo, hi, desc)
#define OPT_OCT(f, d, desc)		unsigned f;
#define OPT_STR(f, d, desc)
#define OPT_ENUM(f, type, d, desc)	enum type f;
#include "options.def"
};

/* Fill C with the defaults from options.def. */
void	 conf_defaults(struct conf *c);
/* Free C's strings (C may then be filled again with conf_defaults). */
void	 conf_free(struct conf *c);
/*
 * Parse the file PATH ("keyword value" lines) into C.  If MISSING_OK and the file
 * does not exist, return 0.  On error, write "file:line: why" into ERR and return -1.
 */
int	 conf_load(struct conf *c, const char *path, int missing_ok, char *err, size_t errsz);
/*
 * Parse the open file F (named PATH in messages) into C like conf_load; with
 * ALLOWED (a NULL-terminated list of keywords) any other keyword is an error.
 */
int	 conf_load_stream(struct conf *c, FILE *f, const char *path,
	    const char *const *allowed, char *err, size_t errsz);
/* Make DST a copy of SRC with strings of its own (free it with conf_free). */
void	 conf_copy(struct conf *dst, const struct conf *src);
/* Set one keyword from "keyword=value" (-o); -1 and ERR on failure. */
int	 conf_set_arg(struct conf *c, const char *arg, char *err, size_t errsz);
/* Set KEYWORD to VALUE; -1 and ERR (without location) on failure. */
int	 conf_set(struct conf *c, const char *keyword, const char *value, char *err, size_t errsz);
/* Cross-keyword checks (e.g. pasv_min_port <= pasv_max_port); -1 and ERR on failure. */
int	 conf_validate(const struct conf *c, char *err, size_t errsz);
/* The word that stands for VALUE of the enumerated KEYWORD ("?" if none: a bug). */
const char *conf_enum_word(const char *keyword, int value);
/* Call FN for every keyword, in options.def order (for the man-page check). */
void	 conf_foreach(void (*fn)(const char *keyword, const char *type, const char *desc, void *arg), void *arg);

#endif
