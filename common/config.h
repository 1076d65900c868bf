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

#include <sys/types.h>
#include <sys/socket.h>

#include <limits.h>
#include <stdio.h>

#include "mxtls.h"

#define MXTLS_CONFIG_DEFAULT	"/etc/mxtls/mxtls.conf"
#define MXTLS_CONFIG_PATH_MAX	1024
#define MXTLS_CONFIG_LINE_MAX	4096
#define MXTLS_CONFIG_FILE_MAX	(1024 * 1024)	/* bytes in one file */
#define MXTLS_CONFIG_NAME_MAX	64	/* a user or group name */
#define MXTLS_CONFIG_MAPS_MAX	256	/* a list of map names */
#define MXTLS_CONFIG_ADDR_MAX	64	/* "[v6]:port" */
#define MXTLS_CONFIG_LISTEN_MAX	8	/* endpoints in listen */

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

	/* mxtlsd(8); see mxtls.conf(5) */
	char	listen[MXTLS_CONFIG_PATH_MAX];	/* "unix:P inet:A:P ..." */
	char	socket_owner[MXTLS_CONFIG_NAME_MAX];	/* "" = unchanged */
	char	socket_group[MXTLS_CONFIG_NAME_MAX];	/* "" = unchanged */
	unsigned socket_mode;			/* permission bits */
	char	user[MXTLS_CONFIG_NAME_MAX];	/* "" = stay as started */
	unsigned idle_timeout;			/* seconds */
	unsigned lookup_deadline;		/* milliseconds */
	unsigned max_connections;
	char	map_postfix[MXTLS_CONFIG_MAPS_MAX];	/* "name name ..." */
	char	map_sendmail[MXTLS_CONFIG_MAPS_MAX];
	int	dane_only;			/* yes: "dane-only" */
	char	unusable_tlsa_reply[16];	/* "dane" or "encrypt" */
	char	testing_action[16];		/* notfound, enforce, may */
	int	postfix_tlsrpt;
	unsigned refresh_interval;		/* seconds */
	unsigned refresh_concurrency;
	unsigned negative_ttl;			/* seconds */
	unsigned answer_cache_max;		/* entries */
	char	metrics_listen[MXTLS_CONFIG_ADDR_MAX];	/* "" or "A:P" */
	char	query_daemon[MXTLS_CONFIG_PATH_MAX];	/* "" or endpoint */

	/* the Exim plugin; see mxtls_exim(8) */
	char	map_exim[MXTLS_CONFIG_MAPS_MAX];	/* mxtlsd's map names */
	char	exim_daemon[MXTLS_CONFIG_PATH_MAX];	/* "" or endpoint */
	unsigned exim_deadline;			/* milliseconds */
	int	exim_inline_resolve;
	char	exim_tempfail[16];		/* "defer" or "fail" */
};

/* An endpoint named by listen, metrics_listen or query_daemon. */
struct mxtls_endpoint {
	struct sockaddr_storage ss;	/* AF_UNIX, AF_INET or AF_INET6 */
	socklen_t sslen;
	char	text[MXTLS_CONFIG_PATH_MAX];	/* as written, for logs */
};

#define MXTLS_ENDPOINT_UNIX	0x01	/* "unix:/path" allowed */
#define MXTLS_ENDPOINT_INET	0x02	/* "inet:ADDR:PORT" allowed */
#define MXTLS_ENDPOINT_BARE	0x04	/* "ADDR:PORT" (no "inet:") */
#define MXTLS_ENDPOINT_LOOPBACK	0x08	/* only 127.0.0.0/8 and ::1 */

/*
 * mxtls_config_endpoint - parse one endpoint (len bytes, untrusted) as the
 * flags allow: "unix:/absolute/path", "inet:ADDR:PORT" or, with BARE,
 * "ADDR:PORT"; ADDR is a numeric IPv4 address or an IPv6 address in
 * brackets. MXTLS_OK with *ep filled, or MXTLS_PERMFAIL + why.
 */
enum mxtls_status mxtls_config_endpoint(const char *s, size_t len,
    int flags, struct mxtls_endpoint *ep, struct mxtls_why *why);

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
