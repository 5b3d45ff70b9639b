/*
 * commands.h: the command table and the handlers it names.
 *
 * The table in commands.c is the protocol: one row per verb with its argument
 * rule, the states it is allowed in and its handler.  The dispatcher, HELP,
 * FEAT's neighbours and the 502 for unknown verbs all read that one table.
 * Handlers never write to a socket: they call reply().
 */
#ifndef FTPD_COMMANDS_H
#define FTPD_COMMANDS_H

#include <stddef.h>

struct session;

#define ARG_NONE	0x00	/* no argument allowed (501 if one is given) */
#define ARG_REQ		0x01	/* an argument is required (501 if missing) */
#define ARG_OPT		0x02	/* an argument may be given */
#define ARG_MASK	0x03
#define F_PRE		0x04	/* allowed before login (handled by the control process) */
#define F_WRITE		0x08	/* changes the file system: needs write permission */
#define F_DATASET	0x10	/* PORT, PASV, EPRT: refused after EPSV ALL */
#define F_MIDXFER	0x20	/* answered while a transfer runs (ABOR, STAT, NOOP, QUIT) */
#define F_NOIMPL	0x40	/* known, not implemented: HELP marks it with '*' */
#define F_ANONUP	0x80	/* a write anonymous users may do with anon_upload (never overwrites) */
#define F_CTL		0x100	/* always answered by the control process (it keeps the TLS state) */
#define F_PRETLS	0x200	/* allowed before AUTH when tls_required is "all" */

typedef void cmd_fn(struct session *s, const char *arg);

struct cmd {
	const char	*name;
	cmd_fn		*fn;
	unsigned	 flags;
	const char	*help;	/* argument synopsis for HELP */
};

/* The row for VERB (case-insensitive), or NULL. */
const struct cmd *cmd_lookup(const char *verb);
/*
 * Split LINE into an upper-cased VERB and its argument (*ARG points into LINE,
 * NULL when there is none).  -1 if the verb is not 1-4 letters (or "XPWD"-like
 * 4) followed by nothing or one space.
 */
int	 cmd_parse(const char *line, char *verb, size_t verbsz, const char **arg);
/*
 * Run LINE in the current process's role: before login (control process) or
 * after it (user process).  Replies are sent through reply().
 */
void	 cmd_dispatch(struct session *s, const char *line);
/* The table flags of LINE's verb, 0 if it has none or is not a command. */
unsigned cmd_flags(const char *line);
/* The HELP reply for the whole table (ARG NULL) or one verb. */
void	 cmd_help_reply(struct session *s, const char *arg);

/* cmd_login.c */
cmd_fn cmd_user, cmd_pass, cmd_acct, cmd_rein, cmd_quit;
cmd_fn cmd_auth, cmd_adat, cmd_pbsz, cmd_prot, cmd_ccc, cmd_mic;
/* cmd_info.c */
cmd_fn cmd_noop, cmd_syst, cmd_feat, cmd_opts, cmd_help, cmd_stat, cmd_site;
cmd_fn cmd_clnt, cmd_host, cmd_lang, cmd_allo, cmd_smnt, cmd_type, cmd_mode, cmd_stru;
/* cmd_dir.c */
cmd_fn cmd_cwd, cmd_cdup, cmd_pwd, cmd_mkd, cmd_rmd, cmd_list, cmd_nlst, cmd_mlsd, cmd_mlst;
/* cmd_file.c */
cmd_fn cmd_dele, cmd_rnfr, cmd_rnto, cmd_size, cmd_mdtm, cmd_mfmt, cmd_retr, cmd_stor, cmd_stou;
cmd_fn cmd_appe, cmd_rest;
/* cmd_conn.c */
cmd_fn cmd_port, cmd_eprt, cmd_pasv, cmd_epsv, cmd_abor;

#endif
