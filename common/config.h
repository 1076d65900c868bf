/*
 * NAME
 *	config.h - the mxtls configuration file, shared by every program
 * DESCRIPTION
 *	"name = value" lines, '#' comments, blank lines. One table of options
 *	{name, type, min, max, default}; unknown names, repeated names and bad
 *	values are errors naming the file and line. A loaded configuration is
 *	an immutable snapshot: programs load a new one rather than edit it.
 */
#ifndef MXTLS_CONFIG_H
#define MXTLS_CONFIG_H

#include <limits.h>
#include <stdio.h>

#include "mxtls.h"

#define MXTLS_CONFIG_DEFAULT	"/etc/mxtls/mxtls.conf"
#define MXTLS_CONFIG_PATH_MAX	1024
#define MXTLS_CONFIG_LINE_MAX	4096
#define MXTLS_CONFIG_FILE_MAX	(1024 * 1024)	/* bytes in one file */

struct mxtls_config {
	char	cache_dir[MXTLS_CONFIG_PATH_MAX];
	size_t	cache_map_size;			/* bytes */
	char	trust_anchor_file[MXTLS_CONFIG_PATH_MAX];
	char	unbound_conf[MXTLS_CONFIG_PATH_MAX];	/* "" = none */
	char	resolver[MXTLS_CONFIG_PATH_MAX];	/* "" = recursion */
	char	ca_file[MXTLS_CONFIG_PATH_MAX];		/* "" = system */
	unsigned fetch_timeout;			/* seconds */
	unsigned dns_timeout;			/* seconds */
	unsigned sts_recheck_interval;		/* seconds */
};

/* mxtls_config_defaults - fill *cfg with the built-in defaults. */
void	mxtls_config_defaults(struct mxtls_config *cfg);

/*
 * mxtls_config_parse - apply the text buf (len bytes, untrusted) on top of
 * *cfg; file names the source in errors. MXTLS_OK or MXTLS_PERMFAIL with
 * "file:line: reason" in why. On error *cfg is unchanged.
 */
enum mxtls_status mxtls_config_parse(struct mxtls_config *cfg,
    const char *buf, size_t len, const char *file, struct mxtls_why *why);

/*
 * mxtls_config_load - defaults, then the file at path. A missing file is
 * fine when missing_ok (the default path), an error otherwise.
 * path NULL means MXTLS_CONFIG_DEFAULT. MXTLS_OK; MXTLS_NOTFOUND (missing
 * file, !missing_ok); MXTLS_PERMFAIL (unreadable, over
 * MXTLS_CONFIG_FILE_MAX, or a parse error); MXTLS_ENOMEM. On error *cfg
 * is unchanged.
 */
enum mxtls_status mxtls_config_load(struct mxtls_config *cfg,
    const char *path, int missing_ok, struct mxtls_why *why);

/* mxtls_config_dump - write every option as "name = value" to fp. */
void	mxtls_config_dump(const struct mxtls_config *cfg, FILE *fp);

#endif /* MXTLS_CONFIG_H */
