/*
 * NAME
 *	config - the mxtls configuration file
 * SYNOPSIS
 *	#include "config.h"
 *
 *	void
 *	mxtls_config_defaults(struct mxtls_config *cfg)
 *
 *	enum mxtls_status
 *	mxtls_config_parse(struct mxtls_config *cfg, const char *buf,
 *	    size_t len, const char *file, struct mxtls_why *why)
 *
 *	enum mxtls_status
 *	mxtls_config_load(struct mxtls_config *cfg, const char *path,
 *	    int missing_ok, struct mxtls_why *why)
 *
 *	void
 *	mxtls_config_dump(const struct mxtls_config *cfg, FILE *fp)
 * DESCRIPTION
 *	Every option lives in one table, config_options[], as {name, type,
 *	member, min, max, default}. The defaults are written in file syntax
 *	and go through the same code as the file, so they obey the same
 *	rules (the unit test checks that each is accepted and that the dump
 *	of the defaults reads back). To add an option, add a member to
 *	struct mxtls_config and a row to the table; nothing else changes.
 *
 *	The syntax, documented for users in mxtls.conf(5):
 * .IP \(bu
 *	The text is split into lines at LF. A line is at most
 *	MXTLS_CONFIG_LINE_MAX bytes, not counting the LF; a CR before the
 *	LF is ignored. NUL bytes are refused anywhere.
 * .IP \(bu
 *	Leading and trailing blanks (space, tab) are ignored. Empty lines
 *	and lines whose first non-blank character is '#' are skipped.
 * .IP \(bu
 *	Other lines are "name = value". Comments are only whole lines,
 *	because paths may contain '#': an unquoted value in which '#'
 *	starts the value or follows a blank is refused rather than
 *	silently taken as part of the value ("fetch_timeout = 30 # s").
 * .IP \(bu
 *	A value may be written in double quotes, in which \e" and \e\e
 *	stand for " and \e; no other escape exists. An unquoted value may
 *	not contain '"'. Control characters other than tab are refused
 *	in option lines; paths may not contain tabs either.
 * .IP \(bu
 *	Each option may be set once per file.
 * .PP
 *	mxtls_config_parse() applies buf on top of *cfg. It works on a
 *	copy and stores it in *cfg only on success, so on error *cfg is
 *	unchanged. buf need not be NUL-terminated.
 *
 *	mxtls_config_load() reads the file at path (MXTLS_CONFIG_DEFAULT
 *	when path is NULL; at most MXTLS_CONFIG_FILE_MAX bytes; it must be
 *	a regular file) and parses it on top of the defaults. When the file
 *	does not exist and missing_ok is set, *cfg becomes the defaults.
 *	On any error *cfg is unchanged.
 *
 *	mxtls_config_dump() writes every option as "name = value", in table
 *	order, in a form mxtls_config_parse() reads back to the same values.
 * DIAGNOSTICS
 *	mxtls_config_parse() returns MXTLS_OK, or MXTLS_PERMFAIL with
 *	"file:line: reason" in why (file is "config" when NULL).
 *	mxtls_config_load() also returns MXTLS_NOTFOUND for a missing file
 *	when missing_ok is not set, MXTLS_PERMFAIL when the file cannot be
 *	read or is too large, and MXTLS_ENOMEM. Nothing is logged.
 * SEE ALSO
 *	mxtls.conf(5), config.h
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The cache lives where a mail administrator looks for it, /var/lib/mxtls,
 * whatever --prefix the build used, just as the file is /etc/mxtls/mxtls.conf.
 */
enum config_type {
	CONFIG_STRING,		/* free text, checked by the option's check */
	CONFIG_PATH,		/* an absolute path */
	CONFIG_UINT,		/* an unsigned decimal number */
	CONFIG_SIZE,		/* a byte count with optional K, M, G */
	CONFIG_BOOL,		/* yes or no, stored as int 1 or 0 */
	CONFIG_OCTAL		/* permission bits in octal, like 0660 */
};

#define CONFIG_EMPTY_OK	0x01	/* "" is a valid value */

/*
 * A check may rewrite value in place (to a canonical form no longer than
 * the input) and returns 0, or writes a reason and returns -1.
 */
typedef int config_check_fn(char *value, char *reason, size_t reasonsz);

struct config_option {
	const char	*name;
	enum config_type type;
	size_t		 offset;	/* of the member in mxtls_config */
	size_t		 size;		/* of that member */
	unsigned long long min, max;	/* CONFIG_UINT, CONFIG_SIZE */
	const char	*unit;		/* shown in range errors */
	int		 flags;
	config_check_fn	*check;		/* CONFIG_STRING: extra check */
	const char	*def;		/* default, in file syntax */
};

#define MEMBER(m)	offsetof(struct mxtls_config, m), \
			sizeof(((struct mxtls_config *)0)->m)

/*
 * Rows of config_options[]. The option is named after its member, so the
 * file, the struct and the dump cannot drift apart.
 */
#define OPT_PATH(m, flags, def) \
	{ #m, CONFIG_PATH, MEMBER(m), 0, 0, NULL, flags, NULL, def }
#define OPT_STRING(m, flags, check, def) \
	{ #m, CONFIG_STRING, MEMBER(m), 0, 0, NULL, flags, check, def }
#define OPT_UINT(m, min, max, unit, def) \
	{ #m, CONFIG_UINT, MEMBER(m), min, max, unit, 0, NULL, def }
#define OPT_SIZE(m, min, max, def) \
	{ #m, CONFIG_SIZE, MEMBER(m), min, max, "bytes", 0, NULL, def }
#define OPT_BOOL(m, def) \
	{ #m, CONFIG_BOOL, MEMBER(m), 0, 1, NULL, 0, NULL, def }
#define OPT_OCTAL(m, max, def) \
	{ #m, CONFIG_OCTAL, MEMBER(m), 0, max, NULL, 0, NULL, def }

#define KB		1024ULL
#define MB		(1024ULL * KB)
#define GB		(1024ULL * MB)

#define CONFIG_SHOW_MAX	64	/* bytes of untrusted text echoed in errors */
#define CONFIG_NAME_MAX	64	/* longest name worth a did-you-mean */
#define CONFIG_ADDR_MAX	64	/* one resolver address with @port */

static config_check_fn config_check_resolver;
static config_check_fn config_check_listen;
static config_check_fn config_check_name;
static config_check_fn config_check_maps;
static config_check_fn config_check_unusable;
static config_check_fn config_check_testing;
static config_check_fn config_check_metrics;
static config_check_fn config_check_query_daemon;
static config_check_fn config_check_exim_tempfail;
static config_check_fn config_check_exim_daemon;

/* Keep in the order of mxtls.conf(5) and mxtls.conf.example. */
static const struct config_option config_options[] = {
	OPT_PATH(cache_dir, 0, "/var/lib/mxtls"),
	OPT_SIZE(cache_map_size, 64 * KB, 64 * GB, "64M"),
	OPT_PATH(trust_anchor_file, CONFIG_EMPTY_OK, "/usr/share/dns/root.key"),
	OPT_PATH(unbound_conf, CONFIG_EMPTY_OK, ""),
	OPT_STRING(resolver, CONFIG_EMPTY_OK, config_check_resolver, ""),
	OPT_PATH(ca_file, CONFIG_EMPTY_OK, ""),
	/* RFC 8461 section 3.3 suggests one minute for the policy fetch. */
	OPT_UINT(fetch_timeout, 1, 600, "seconds", "60"),
	OPT_UINT(dns_timeout, 1, 120, "seconds", "10"),
	OPT_UINT(sts_recheck_interval, 0, 86400, "seconds", "300"),
	/* mxtlsd(8) */
	OPT_STRING(listen, 0, config_check_listen,
	    "unix:/run/mxtls/mxtlsd.sock inet:127.0.0.1:8461"),
	OPT_STRING(socket_owner, CONFIG_EMPTY_OK, config_check_name, ""),
	OPT_STRING(socket_group, CONFIG_EMPTY_OK, config_check_name, ""),
	OPT_OCTAL(socket_mode, 0777, "0660"),
	OPT_STRING(user, CONFIG_EMPTY_OK, config_check_name, ""),
	OPT_UINT(idle_timeout, 1, 86400, "seconds", "60"),
	OPT_UINT(lookup_deadline, 50, 60000, "milliseconds", "2000"),
	OPT_UINT(max_connections, 1, 1000000, "connections", "4096"),
	OPT_STRING(map_postfix, CONFIG_EMPTY_OK, config_check_maps, "postfix"),
	OPT_STRING(map_sendmail, CONFIG_EMPTY_OK, config_check_maps,
	    "sendmail sts mtasts"),
	OPT_BOOL(dane_only, "yes"),
	OPT_STRING(unusable_tlsa_reply, 0, config_check_unusable, "dane"),
	OPT_STRING(testing_action, 0, config_check_testing, "notfound"),
	OPT_BOOL(postfix_tlsrpt, "no"),
	OPT_UINT(refresh_interval, 60, 31536000, "seconds", "86400"),
	OPT_UINT(refresh_concurrency, 1, 1000, "lookups", "10"),
	OPT_UINT(negative_ttl, 0, 86400, "seconds", "300"),
	OPT_UINT(answer_cache_max, 1, 10000000, "entries", "100000"),
	OPT_STRING(metrics_listen, CONFIG_EMPTY_OK, config_check_metrics, ""),
	OPT_STRING(query_daemon, CONFIG_EMPTY_OK, config_check_query_daemon,
	    ""),
	/* the Exim plugin, mxtls_exim.so */
	OPT_STRING(map_exim, CONFIG_EMPTY_OK, config_check_maps, "exim"),
	OPT_STRING(exim_daemon, CONFIG_EMPTY_OK, config_check_exim_daemon,
	    "unix:/run/mxtls/mxtlsd.sock"),
	OPT_UINT(exim_deadline, 100, 120000, "milliseconds", "5000"),
	OPT_BOOL(exim_inline_resolve, "yes"),
	OPT_STRING(exim_tempfail, 0, config_check_exim_tempfail, "defer"),
};

#define CONFIG_NOPTIONS	(sizeof(config_options) / sizeof(config_options[0]))

/* The state of one mxtls_config_parse() call. */
struct config_parser {
	struct mxtls_config cfg;		/* the copy being built */
	const char	*file;
	size_t		 line;
	size_t		 seen[CONFIG_NOPTIONS];	/* line that set each, or 0 */
	char		 reason[MXTLS_WHY_MAX];
};

/* config_reason - format a reason; always returns -1 */

static int
config_reason(char *reason, size_t reasonsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
config_reason(char *reason, size_t reasonsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(reason, reasonsz, fmt, ap);
	va_end(ap);
	return -1;
}

/* config_show - untrusted text made safe and short for a message */

static char *
config_show(char *out, size_t outsz, const char *p, size_t len)
{
	size_t n;

	if (len <= CONFIG_SHOW_MAX)
		return mxtls_sanitize(out, outsz, p, len);
	(void)mxtls_sanitize(out, outsz, p, CONFIG_SHOW_MAX);
	n = strlen(out);
	if (outsz - n > 3)
		memcpy(out + n, "...", 4);
	return out;
}

static int
config_is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static int
config_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* config_lower - ASCII lower case, for the did-you-mean distance */

static int
config_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* config_trim - drop leading and trailing blanks (and a CR) of a span */

static void
config_trim(const char **p, size_t *len)
{
	while (*len > 0 && config_is_blank((unsigned char)**p)) {
		(*p)++;
		(*len)--;
	}
	while (*len > 0 && (config_is_blank((unsigned char)(*p)[*len - 1]) ||
	    (*p)[*len - 1] == '\r'))
		(*len)--;
}

/* ------------------------------------------------------------ lookup */

static const struct config_option *
config_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < CONFIG_NOPTIONS; i++)
		if (strlen(config_options[i].name) == len &&
		    memcmp(config_options[i].name, name, len) == 0)
			return &config_options[i];
	return NULL;
}

/*
 * config_distance - case-insensitive Levenshtein distance between a (alen
 * bytes, at most CONFIG_NAME_MAX) and the string b
 */

static size_t
config_distance(const char *a, size_t alen, const char *b)
{
	size_t row[CONFIG_NAME_MAX + 1], i, j, diag, up, best;
	size_t blen = strlen(b);

	for (i = 0; i <= alen; i++)
		row[i] = i;
	for (j = 1; j <= blen; j++) {
		diag = row[0];
		row[0] = j;
		for (i = 1; i <= alen; i++) {
			up = row[i];
			best = diag + (config_lower((unsigned char)a[i - 1]) !=
			    config_lower((unsigned char)b[j - 1]));
			if (up + 1 < best)
				best = up + 1;
			if (row[i - 1] + 1 < best)
				best = row[i - 1] + 1;
			diag = up;
			row[i] = best;
		}
	}
	return row[alen];
}

/* config_suggest - the option name closest to name, or NULL if none is */

static const char *
config_suggest(const char *name, size_t len)
{
	const char *best = NULL;
	size_t i, d, bestd = (size_t)-1;

	if (len == 0 || len > CONFIG_NAME_MAX)
		return NULL;
	for (i = 0; i < CONFIG_NOPTIONS; i++) {
		d = config_distance(name, len, config_options[i].name);
		if (d < bestd) {
			bestd = d;
			best = config_options[i].name;
		}
	}
	/* Up to a third of the name may be wrong, and at least one byte. */
	return bestd <= (len / 3 > 0 ? len / 3 : 1) ? best : NULL;
}

/* ------------------------------------------------------------ values */

/* config_member_max - the largest value an unsigned member of size holds */

static unsigned long long
config_member_max(size_t size)
{
	if (size >= sizeof(unsigned long long))
		return ~0ULL;
	return (1ULL << (size * CHAR_BIT)) - 1;
}

/* config_store_uint - store v in an unsigned member of the given size */

static void
config_store_uint(void *p, size_t size, unsigned long long v)
{
	unsigned char uc = (unsigned char)v;
	unsigned short us = (unsigned short)v;
	unsigned u = (unsigned)v;
	unsigned long ul = (unsigned long)v;

	if (size == sizeof(u))
		memcpy(p, &u, size);
	else if (size == sizeof(ul))
		memcpy(p, &ul, size);
	else if (size == sizeof(v))
		memcpy(p, &v, size);
	else if (size == sizeof(us))
		memcpy(p, &us, size);
	else if (size == sizeof(uc))
		memcpy(p, &uc, size);
}

/* config_load_uint - read an unsigned member of the given size */

static unsigned long long
config_load_uint(const void *p, size_t size)
{
	unsigned char uc;
	unsigned short us;
	unsigned u;
	unsigned long ul;
	unsigned long long ull;

	if (size == sizeof(u)) {
		memcpy(&u, p, size);
		return u;
	}
	if (size == sizeof(ul)) {
		memcpy(&ul, p, size);
		return ul;
	}
	if (size == sizeof(ull)) {
		memcpy(&ull, p, size);
		return ull;
	}
	if (size == sizeof(us)) {
		memcpy(&us, p, size);
		return us;
	}
	memcpy(&uc, p, sizeof(uc));
	return uc;
}

/* config_size_text - v as the shortest exact "N", "NK", "NM" or "NG" */

static char *
config_size_text(char *out, size_t outsz, unsigned long long v)
{
	static const char suffix[] = "GMK";
	unsigned long long unit = GB;
	size_t i;

	for (i = 0; i < sizeof(suffix) - 1; i++, unit /= 1024)
		if (v != 0 && v % unit == 0) {
			(void)snprintf(out, outsz, "%llu%c", v / unit,
			    suffix[i]);
			return out;
		}
	(void)snprintf(out, outsz, "%llu", v);
	return out;
}

/*
 * config_number - decimal digits with, when suffix_ok, one K, M or G
 * (either case, powers of 1024). 0, or -1 when malformed, -2 on overflow.
 */

static int
config_number(const char *s, int suffix_ok, unsigned long long *out)
{
	unsigned long long v = 0, mult = 1;
	const char *p;

	if (!config_is_digit((unsigned char)*s))
		return -1;
	for (p = s; config_is_digit((unsigned char)*p); p++) {
		if (v > (~0ULL - (unsigned long long)(*p - '0')) / 10)
			return -2;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	if (*p != '\0' && suffix_ok && p[1] == '\0') {
		switch (config_lower((unsigned char)*p)) {
		case 'k':
			mult = KB;
			break;
		case 'm':
			mult = MB;
			break;
		case 'g':
			mult = GB;
			break;
		default:
			return -1;
		}
		p++;
	}
	if (*p != '\0')
		return -1;
	if (v > ~0ULL / mult)
		return -2;
	*out = v * mult;
	return 0;
}

/* config_set_number - CONFIG_UINT and CONFIG_SIZE */

static int
config_set_number(const struct config_option *opt, void *member,
    const char *value, char *reason, size_t reasonsz)
{
	unsigned long long v = 0, max = opt->max;
	char show[CONFIG_SHOW_MAX + 4], lo[32], hi[32];
	int is_size = opt->type == CONFIG_SIZE;
	int r;

	if (max > config_member_max(opt->size))
		max = config_member_max(opt->size);
	if (is_size) {
		(void)config_size_text(lo, sizeof(lo), opt->min);
		(void)config_size_text(hi, sizeof(hi), max);
	} else {
		(void)snprintf(lo, sizeof(lo), "%llu", opt->min);
		(void)snprintf(hi, sizeof(hi), "%llu", max);
	}
	if ((r = config_number(value, is_size, &v)) == -1)
		return config_reason(reason, reasonsz, "%s must be %s, not "
		    "\"%s\"", opt->name, is_size ? "a number of bytes with "
		    "an optional K, M or G suffix" : "a whole number",
		    config_show(show, sizeof(show), value, strlen(value)));
	if (r == -2 || v < opt->min || v > max)
		return config_reason(reason, reasonsz, "%s must be between "
		    "%s and %s%s%s, not %s", opt->name, lo, hi,
		    opt->unit ? " " : "", opt->unit ? opt->unit : "",
		    config_show(show, sizeof(show), value, strlen(value)));
	config_store_uint(member, opt->size, v);
	return 0;
}

/* config_set_bool - CONFIG_BOOL: "yes" or "no", nothing else */

static int
config_set_bool(const struct config_option *opt, void *member,
    const char *value, char *reason, size_t reasonsz)
{
	char show[CONFIG_SHOW_MAX + 4];

	if (strcmp(value, "yes") == 0)
		config_store_uint(member, opt->size, 1);
	else if (strcmp(value, "no") == 0)
		config_store_uint(member, opt->size, 0);
	else
		return config_reason(reason, reasonsz, "%s must be yes or no, "
		    "not \"%s\"", opt->name,
		    config_show(show, sizeof(show), value, strlen(value)));
	return 0;
}

/* config_set_octal - CONFIG_OCTAL: octal digits, at most opt->max */

static int
config_set_octal(const struct config_option *opt, void *member,
    const char *value, char *reason, size_t reasonsz)
{
	char show[CONFIG_SHOW_MAX + 4];
	unsigned long long v = 0;
	const char *p;

	for (p = value; *p >= '0' && *p <= '7' && v <= opt->max; p++)
		v = v * 8 + (unsigned long long)(*p - '0');
	if (p == value || *p != '\0' || v > opt->max)
		return config_reason(reason, reasonsz, "%s must be octal "
		    "permission bits from 0 to 0%llo (like 0660), not \"%s\"",
		    opt->name, opt->max,
		    config_show(show, sizeof(show), value, strlen(value)));
	config_store_uint(member, opt->size, v);
	return 0;
}

/* config_set_text - CONFIG_STRING and CONFIG_PATH */

static int
config_set_text(const struct config_option *opt, char *member, char *value,
    char *reason, size_t reasonsz)
{
	char show[CONFIG_SHOW_MAX + 4];
	size_t len = strlen(value), i;

	if (len >= opt->size)
		return config_reason(reason, reasonsz, "%s is too long "
		    "(%zu bytes; at most %zu)", opt->name, len, opt->size - 1);
	if (len == 0 && !(opt->flags & CONFIG_EMPTY_OK))
		return config_reason(reason, reasonsz, "%s must not be empty",
		    opt->name);
	if (opt->type == CONFIG_PATH) {
		for (i = 0; i < len; i++)
			if ((unsigned char)value[i] < 0x20)
				return config_reason(reason, reasonsz,
				    "%s must not contain a tab or other "
				    "control character", opt->name);
		if (len > 0 && value[0] != '/')
			return config_reason(reason, reasonsz, "%s must be an "
			    "absolute path (starting with \"/\"), not \"%s\"",
			    opt->name, config_show(show, sizeof(show), value,
			    len));
	}
	if (opt->check != NULL && opt->check(value, reason, reasonsz) != 0)
		return -1;
	memcpy(member, value, strlen(value) + 1);
	return 0;
}

/* config_set - store the decoded, NUL-terminated value of opt in cfg */

static int
config_set(const struct config_option *opt, struct mxtls_config *cfg,
    char *value, char *reason, size_t reasonsz)
{
	char *member = (char *)cfg + opt->offset;

	switch (opt->type) {
	case CONFIG_STRING:
	case CONFIG_PATH:
		return config_set_text(opt, member, value, reason, reasonsz);
	case CONFIG_UINT:
	case CONFIG_SIZE:
		return config_set_number(opt, member, value, reason, reasonsz);
	case CONFIG_BOOL:
		return config_set_bool(opt, member, value, reason, reasonsz);
	case CONFIG_OCTAL:
		return config_set_octal(opt, member, value, reason, reasonsz);
	}
	return config_reason(reason, reasonsz, "%s has an unknown type",
	    opt->name);
}

/* ------------------------------------------------------------ resolver */

/* config_resolver_one - check one "address[@port]" of len bytes */

static int
config_resolver_one(const char *p, size_t len, char *reason, size_t reasonsz)
{
	char addr[CONFIG_ADDR_MAX + 1], show[CONFIG_SHOW_MAX + 4];
	struct in6_addr a6;
	struct in_addr a4;
	const char *at;
	unsigned long long port;

	if (len > CONFIG_ADDR_MAX)
		goto bad;
	memcpy(addr, p, len);
	addr[len] = '\0';
	if ((at = strchr(addr, '@')) != NULL) {
		if (config_number(at + 1, 0, &port) != 0 || port < 1 ||
		    port > 65535)
			return config_reason(reason, reasonsz, "resolver: bad "
			    "port in \"%s\" (must be 1 to 65535)",
			    config_show(show, sizeof(show), p, len));
		addr[at - addr] = '\0';
	}
	if (inet_pton(AF_INET, addr, &a4) == 1 ||
	    inet_pton(AF_INET6, addr, &a6) == 1)
		return 0;
bad:
	return config_reason(reason, reasonsz, "resolver: \"%s\" is not an "
	    "IPv4 or IPv6 address (with an optional @port)",
	    config_show(show, sizeof(show), p, len));
}

/*
 * config_check_resolver - zero or more addresses separated by blanks or a
 * comma; rewritten as a single-space-separated list, the form dns.c and
 * ub_ctx_set_fwd() take. An empty element ("a,,b", "a,") is an error.
 */

static int
config_check_resolver(char *value, char *reason, size_t reasonsz)
{
	const char *p = value, *tok;
	size_t out = 0, len;
	int comma = 0;

	for (;;) {
		while (config_is_blank((unsigned char)*p))
			p++;
		if (*p == '\0' || *p == ',') {
			if (comma || (*p == ',' && out == 0))
				return config_reason(reason, reasonsz,
				    "resolver: empty address in the list");
			if (*p == '\0')
				break;
			comma = 1;
			p++;
			continue;
		}
		for (tok = p; *p != '\0' && *p != ',' &&
		    !config_is_blank((unsigned char)*p); p++)
			;
		len = (size_t)(p - tok);
		if (config_resolver_one(tok, len, reason, reasonsz) != 0)
			return -1;
		/* out never passes tok: the list only shrinks */
		if (out > 0)
			value[out++] = ' ';
		memmove(value + out, tok, len);
		out += len;
		comma = 0;
	}
	value[out] = '\0';
	return 0;
}

/* ------------------------------------------------------------ daemon */

/* config_endpoint_inet - "ADDR:PORT" (ADDR IPv4 or [IPv6]) into *ep */

static enum mxtls_status
config_endpoint_inet(char *s, int flags, struct mxtls_endpoint *ep,
    struct mxtls_why *why)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&ep->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ep->ss;
	unsigned long long port;
	char *addr = s, *colon;
	int v6 = 0;

	if (*s == '[') {
		if ((colon = strchr(s, ']')) == NULL || colon[1] != ':')
			goto bad;
		addr = s + 1;
		*colon++ = '\0';
		v6 = 1;
	} else if ((colon = strrchr(s, ':')) == NULL)
		goto bad;
	*colon = '\0';
	if (config_number(colon + 1, 0, &port) != 0 || port < 1 ||
	    port > 65535)
		return mxtls_why_set(why, MXTLS_PERMFAIL, "\"%s\": the port "
		    "must be 1 to 65535", ep->text);
	if (v6 && inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		ep->sslen = sizeof(*sin6);
		if ((flags & MXTLS_ENDPOINT_LOOPBACK) &&
		    !IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			goto loopback;
		return MXTLS_OK;
	}
	if (!v6 && inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		ep->sslen = sizeof(*sin);
		if ((flags & MXTLS_ENDPOINT_LOOPBACK) &&
		    (ntohl(sin->sin_addr.s_addr) >> 24) != 127)
			goto loopback;
		return MXTLS_OK;
	}
bad:
	return mxtls_why_set(why, MXTLS_PERMFAIL, "\"%s\" is not ADDR:PORT "
	    "with a numeric IPv4 address or an IPv6 address in brackets",
	    ep->text);
loopback:
	return mxtls_why_set(why, MXTLS_PERMFAIL, "\"%s\" is not a loopback "
	    "address (127.0.0.0/8 or [::1])", ep->text);
}

enum mxtls_status
mxtls_config_endpoint(const char *s, size_t len, int flags,
    struct mxtls_endpoint *ep, struct mxtls_why *why)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&ep->ss;
	char buf[MXTLS_CONFIG_PATH_MAX], show[CONFIG_SHOW_MAX + 4];

	memset(ep, 0, sizeof(*ep));
	if (len >= sizeof(buf) || memchr(s, '\0', len) != NULL)
		return mxtls_why_set(why, MXTLS_PERMFAIL, "\"%s\" is not an "
		    "endpoint", config_show(show, sizeof(show), s, len));
	memcpy(buf, s, len);
	buf[len] = '\0';
	(void)config_show(ep->text, sizeof(ep->text), s, len);
	if ((flags & MXTLS_ENDPOINT_UNIX) && strncmp(buf, "unix:", 5) == 0) {
		if (buf[5] != '/' || len - 5 >= sizeof(sun->sun_path))
			return mxtls_why_set(why, MXTLS_PERMFAIL, "\"%s\": "
			    "unix: needs an absolute path of at most %zu "
			    "bytes", ep->text, sizeof(sun->sun_path) - 1);
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, buf + 5, len - 5 + 1);
		ep->sslen = (socklen_t)sizeof(*sun);
		return MXTLS_OK;
	}
	if ((flags & MXTLS_ENDPOINT_INET) && strncmp(buf, "inet:", 5) == 0)
		return config_endpoint_inet(buf + 5, flags, ep, why);
	if (flags & MXTLS_ENDPOINT_BARE)
		return config_endpoint_inet(buf, flags, ep, why);
	return mxtls_why_set(why, MXTLS_PERMFAIL, "\"%s\" must start with "
	    "%s", ep->text, (flags & MXTLS_ENDPOINT_UNIX) ?
	    "\"unix:\" or \"inet:\"" : "\"inet:\"");
}

typedef int config_word_fn(const char *p, size_t len, char *reason,
    size_t reasonsz);

/*
 * config_words - a blank-separated list, each word checked by fn, rewritten
 * single-space separated; at most max words
 */

static int
config_words(char *value, config_word_fn *fn, size_t max, const char *name,
    char *reason, size_t reasonsz)
{
	const char *p = value, *tok;
	size_t out = 0, len, n = 0;

	for (;;) {
		while (config_is_blank((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		for (tok = p; *p != '\0' && !config_is_blank((unsigned char)*p);
		    p++)
			;
		len = (size_t)(p - tok);
		if (++n > max)
			return config_reason(reason, reasonsz, "%s: more than "
			    "%zu items", name, max);
		if (fn(tok, len, reason, reasonsz) != 0)
			return -1;
		if (out > 0)
			value[out++] = ' ';
		memmove(value + out, tok, len);
		out += len;
	}
	value[out] = '\0';
	return 0;
}

static int
config_listen_one(const char *p, size_t len, char *reason, size_t reasonsz)
{
	struct mxtls_endpoint ep;
	struct mxtls_why why;

	if (mxtls_config_endpoint(p, len, MXTLS_ENDPOINT_UNIX |
	    MXTLS_ENDPOINT_INET, &ep, &why) != MXTLS_OK)
		return config_reason(reason, reasonsz, "listen: %s", why.text);
	return 0;
}

/* config_check_listen - unix:PATH and inet:ADDR:PORT, at least one */

static int
config_check_listen(char *value, char *reason, size_t reasonsz)
{
	if (config_words(value, config_listen_one, MXTLS_CONFIG_LISTEN_MAX,
	    "listen", reason, reasonsz) != 0)
		return -1;
	if (value[0] == '\0')
		return config_reason(reason, reasonsz, "listen must name at "
		    "least one unix:PATH or inet:ADDR:PORT");
	return 0;
}

/* config_word_ok - 1..max bytes of [A-Za-z0-9_.-], not starting with '-' */

static int
config_word_ok(const char *p, size_t len, size_t max)
{
	size_t i;

	if (len == 0 || len > max || p[0] == '-')
		return 0;
	for (i = 0; i < len; i++)
		if (!config_is_digit((unsigned char)p[i]) &&
		    !(p[i] >= 'a' && p[i] <= 'z') &&
		    !(p[i] >= 'A' && p[i] <= 'Z') &&
		    p[i] != '_' && p[i] != '.' && p[i] != '-')
			return 0;
	return 1;
}

/* config_check_name - a user or group name, or a number */

static int
config_check_name(char *value, char *reason, size_t reasonsz)
{
	char show[CONFIG_SHOW_MAX + 4];
	size_t len = strlen(value);

	if (len == 0 || config_word_ok(value, len, MXTLS_CONFIG_NAME_MAX - 1))
		return 0;
	return config_reason(reason, reasonsz, "\"%s\" is not a user or "
	    "group name", config_show(show, sizeof(show), value, len));
}

static int
config_map_one(const char *p, size_t len, char *reason, size_t reasonsz)
{
	char show[CONFIG_SHOW_MAX + 4];

	if (!config_word_ok(p, len, 64))
		return config_reason(reason, reasonsz, "\"%s\" is not a map "
		    "name (1 to 64 of A-Z a-z 0-9 _ . -)",
		    config_show(show, sizeof(show), p, len));
	if (len == 4 && memcmp(p, "json", 4) == 0)
		return config_reason(reason, reasonsz, "the map name \"json\" "
		    "is reserved for mxtls query");
	return 0;
}

/* config_check_maps - map_postfix, map_sendmail: a list of map names */

static int
config_check_maps(char *value, char *reason, size_t reasonsz)
{
	return config_words(value, config_map_one, 16, "map list", reason,
	    reasonsz);
}

/* config_one_of - value must be one of the NULL-terminated words */

static int
config_one_of(const char *value, const char *const *words, const char *name,
    const char *list, char *reason, size_t reasonsz)
{
	char show[CONFIG_SHOW_MAX + 4];

	for (; *words != NULL; words++)
		if (strcmp(value, *words) == 0)
			return 0;
	return config_reason(reason, reasonsz, "%s must be %s, not \"%s\"",
	    name, list, config_show(show, sizeof(show), value,
	    strlen(value)));
}

static int
config_check_unusable(char *value, char *reason, size_t reasonsz)
{
	static const char *const w[] = { "dane", "encrypt", NULL };

	return config_one_of(value, w, "unusable_tlsa_reply",
	    "dane or encrypt", reason, reasonsz);
}

static int
config_check_testing(char *value, char *reason, size_t reasonsz)
{
	static const char *const w[] = { "notfound", "enforce", "may", NULL };

	return config_one_of(value, w, "testing_action",
	    "notfound, enforce or may", reason, reasonsz);
}

static int
config_check_exim_tempfail(char *value, char *reason, size_t reasonsz)
{
	static const char *const w[] = { "defer", "fail", NULL };

	return config_one_of(value, w, "exim_tempfail", "defer or fail",
	    reason, reasonsz);
}

/* config_check_metrics - "" or a loopback ADDR:PORT */

static int
config_check_metrics(char *value, char *reason, size_t reasonsz)
{
	struct mxtls_endpoint ep;
	struct mxtls_why why;

	if (value[0] == '\0' || mxtls_config_endpoint(value, strlen(value),
	    MXTLS_ENDPOINT_BARE | MXTLS_ENDPOINT_LOOPBACK, &ep,
	    &why) == MXTLS_OK)
		return 0;
	return config_reason(reason, reasonsz, "metrics_listen: %s",
	    why.text);
}

/* config_check_query_daemon - "" or unix:PATH or inet:ADDR:PORT */

static int
config_check_daemon(const char *value, const char *name, char *reason,
    size_t reasonsz)
{
	struct mxtls_endpoint ep;
	struct mxtls_why why;

	if (value[0] == '\0' || mxtls_config_endpoint(value, strlen(value),
	    MXTLS_ENDPOINT_UNIX | MXTLS_ENDPOINT_INET, &ep, &why) == MXTLS_OK)
		return 0;
	return config_reason(reason, reasonsz, "%s: %s", name, why.text);
}

static int
config_check_query_daemon(char *value, char *reason, size_t reasonsz)
{
	return config_check_daemon(value, "query_daemon", reason, reasonsz);
}

static int
config_check_exim_daemon(char *value, char *reason, size_t reasonsz)
{
	return config_check_daemon(value, "exim_daemon", reason, reasonsz);
}

/* ------------------------------------------------------------ lines */

/*
 * config_unquote - decode a value span into out (outsz bytes, NUL
 * terminated): either "quoted" with \" and \\, or taken as it is
 */

static int
config_unquote(const char *p, size_t len, char *out, size_t outsz,
    char *reason, size_t reasonsz)
{
	size_t i, o = 0;

	if (len >= outsz)
		return config_reason(reason, reasonsz, "value is too long");
	if (len == 0 || p[0] != '"') {
		for (i = 0; i < len; i++) {
			if (p[i] == '"')
				return config_reason(reason, reasonsz, "a "
				    "'\"' inside an unquoted value (quote "
				    "the whole value)");
			if (p[i] == '#' && (i == 0 ||
			    config_is_blank((unsigned char)p[i - 1])))
				return config_reason(reason, reasonsz,
				    "comments must be on a line of their own "
				    "(quote the value if '#' belongs to it)");
		}
		memcpy(out, p, len);
		out[len] = '\0';
		return 0;
	}
	for (i = 1; i < len && p[i] != '"'; i++) {
		if (p[i] == '\\') {
			if (len - i < 2)
				break;
			if (p[i + 1] != '"' && p[i + 1] != '\\')
				return config_reason(reason, reasonsz,
				    "unknown escape in quoted value (only "
				    "\\\" and \\\\ exist)");
			i++;
		}
		out[o++] = p[i];
	}
	out[o] = '\0';
	if (i >= len || p[i] != '"')
		return config_reason(reason, reasonsz, "missing closing '\"'");
	if (i + 1 != len)
		return config_reason(reason, reasonsz, "unexpected text after "
		    "the closing '\"'");
	return 0;
}

/* config_name - check the name span and find its option */

static const struct config_option *
config_name(struct config_parser *cp, const char *name, size_t len)
{
	const struct config_option *opt;
	char show[CONFIG_SHOW_MAX + 4];
	const char *hint;
	size_t i;

	if (len == 0) {
		(void)config_reason(cp->reason, sizeof(cp->reason),
		    "missing option name before \"=\"");
		return NULL;
	}
	for (i = 0; i < len; i++)
		if (!config_is_digit((unsigned char)name[i]) &&
		    !(name[i] >= 'a' && name[i] <= 'z') &&
		    !(name[i] >= 'A' && name[i] <= 'Z') && name[i] != '_' &&
		    name[i] != '-') {
			(void)config_reason(cp->reason, sizeof(cp->reason),
			    "invalid option name \"%s\"",
			    config_show(show, sizeof(show), name, len));
			return NULL;
		}
	if ((opt = config_find(name, len)) != NULL)
		return opt;
	hint = config_suggest(name, len);
	(void)config_reason(cp->reason, sizeof(cp->reason),
	    "unknown option \"%s\"%s%s%s",
	    config_show(show, sizeof(show), name, len),
	    hint ? " (did you mean \"" : "", hint ? hint : "",
	    hint ? "\"?)" : "");
	return NULL;
}

/* config_line - one line of len bytes, without its LF */

static int
config_line(struct config_parser *cp, const char *p, size_t len)
{
	char value[MXTLS_CONFIG_LINE_MAX + 1];
	const struct config_option *opt;
	const char *eq, *name;
	size_t i, namelen;

	config_trim(&p, &len);
	if (len == 0 || p[0] == '#')
		return 0;
	for (i = 0; i < len; i++)
		if (((unsigned char)p[i] < 0x20 && p[i] != '\t') ||
		    (unsigned char)p[i] == 0x7f)
			return config_reason(cp->reason, sizeof(cp->reason),
			    "control character 0x%02x in line",
			    (unsigned char)p[i]);
	if ((eq = memchr(p, '=', len)) == NULL)
		return config_reason(cp->reason, sizeof(cp->reason),
		    "expected \"name = value\" but found no \"=\"");
	name = p;
	namelen = (size_t)(eq - p);
	config_trim(&name, &namelen);
	if ((opt = config_name(cp, name, namelen)) == NULL)
		return -1;
	i = (size_t)(opt - config_options);
	if (cp->seen[i] != 0)
		return config_reason(cp->reason, sizeof(cp->reason),
		    "%s is already set on line %zu", opt->name, cp->seen[i]);
	cp->seen[i] = cp->line;
	len -= (size_t)(eq + 1 - p);
	p = eq + 1;
	config_trim(&p, &len);
	if (config_unquote(p, len, value, sizeof(value), cp->reason,
	    sizeof(cp->reason)) != 0)
		return -1;
	return config_set(opt, &cp->cfg, value, cp->reason,
	    sizeof(cp->reason));
}

/* ------------------------------------------------------------ public */

void
mxtls_config_defaults(struct mxtls_config *cfg)
{
	char value[MXTLS_CONFIG_LINE_MAX + 1], reason[MXTLS_WHY_MAX];
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	/* The unit test checks that every default is accepted. */
	for (i = 0; i < CONFIG_NOPTIONS; i++) {
		mxtls_strlcpy(value, config_options[i].def, sizeof(value));
		(void)config_set(&config_options[i], cfg, value, reason,
		    sizeof(reason));
	}
}

enum mxtls_status
mxtls_config_parse(struct mxtls_config *cfg, const char *buf, size_t len,
    const char *file, struct mxtls_why *why)
{
	struct config_parser cp;
	const char *nl;
	size_t off = 0, linelen;

	memset(&cp, 0, sizeof(cp));
	cp.cfg = *cfg;
	cp.file = file != NULL ? file : "config";
	while (off < len) {
		cp.line++;
		nl = memchr(buf + off, '\n', len - off);
		linelen = nl ? (size_t)(nl - (buf + off)) : len - off;
		if (linelen > MXTLS_CONFIG_LINE_MAX)
			(void)config_reason(cp.reason, sizeof(cp.reason),
			    "line is longer than %d bytes",
			    MXTLS_CONFIG_LINE_MAX);
		else if (memchr(buf + off, '\0', linelen) != NULL)
			(void)config_reason(cp.reason, sizeof(cp.reason),
			    "NUL byte in line");
		else if (config_line(&cp, buf + off, linelen) == 0)
			cp.reason[0] = '\0';
		if (cp.reason[0] != '\0')
			return mxtls_why_set(why, MXTLS_PERMFAIL, "%s:%zu: %s",
			    cp.file, cp.line, cp.reason);
		off += linelen + (nl != NULL);
	}
	*cfg = cp.cfg;
	mxtls_why_clear(why);
	return MXTLS_OK;
}

/*
 * config_read - the whole file at path into *bufp (caller frees), at most
 * MXTLS_CONFIG_FILE_MAX bytes
 */

static enum mxtls_status
config_read(const char *path, char **bufp, size_t *lenp,
    struct mxtls_why *why)
{
	struct stat st;
	char *buf = NULL, *nbuf;
	size_t len = 0, cap;
	ssize_t n;
	enum mxtls_status rc = MXTLS_PERMFAIL;
	int fd;

	/* O_NONBLOCK: a FIFO planted at path must not hang us. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1)
		return mxtls_why_set(why, errno == ENOENT ? MXTLS_NOTFOUND :
		    MXTLS_PERMFAIL, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == -1) {
		mxtls_why_set(why, rc, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		mxtls_why_set(why, rc, "%s: not a regular file", path);
		goto out;
	}
	/* Start from the size fstat saw; grow if the file grows. */
	cap = st.st_size < MXTLS_CONFIG_FILE_MAX ? (size_t)st.st_size + 1 :
	    MXTLS_CONFIG_FILE_MAX + 1;
	if ((buf = malloc(cap)) == NULL)
		goto nomem;
	for (;;) {
		if (len == cap) {
			if (cap > MXTLS_CONFIG_FILE_MAX)
				break;		/* one byte over: too large */
			cap = cap > MXTLS_CONFIG_FILE_MAX / 2 ?
			    MXTLS_CONFIG_FILE_MAX + 1 : cap * 2;
			if ((nbuf = realloc(buf, cap)) == NULL)
				goto nomem;
			buf = nbuf;
		}
		if ((n = read(fd, buf + len, cap - len)) == -1) {
			if (errno == EINTR)
				continue;
			mxtls_why_set(why, rc, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > MXTLS_CONFIG_FILE_MAX) {
		mxtls_why_set(why, rc, "%s: file is larger than %d bytes",
		    path, MXTLS_CONFIG_FILE_MAX);
		goto out;
	}
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	rc = MXTLS_OK;
	goto out;
nomem:
	rc = mxtls_why_set(why, MXTLS_ENOMEM, "%s: out of memory", path);
out:
	free(buf);
	(void)close(fd);
	return rc;
}

enum mxtls_status
mxtls_config_load(struct mxtls_config *cfg, const char *path, int missing_ok,
    struct mxtls_why *why)
{
	struct mxtls_config next;
	char *buf = NULL;
	size_t len = 0;
	enum mxtls_status st;

	if (path == NULL)
		path = MXTLS_CONFIG_DEFAULT;
	mxtls_config_defaults(&next);
	st = config_read(path, &buf, &len, why);
	if (st == MXTLS_NOTFOUND && missing_ok) {
		mxtls_why_clear(why);
		st = MXTLS_OK;
	} else if (st == MXTLS_OK)
		st = mxtls_config_parse(&next, buf, len, path, why);
	if (st == MXTLS_OK)
		*cfg = next;
	free(buf);
	return st;
}

/* config_dump_text - a string value, quoted when it must be */

static void
config_dump_text(const char *s, FILE *fp)
{
	const unsigned char *p;

	if (s[0] != '\0' && strpbrk(s, " \t\"\\#") == NULL) {
		for (p = (const unsigned char *)s; *p; p++)
			(void)fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, fp);
		return;
	}
	(void)fputc('"', fp);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			(void)fputc('\\', fp);
		(void)fputc(*p < 0x20 && *p != '\t' ? '?' : *p, fp);
	}
	(void)fputc('"', fp);
}

void
mxtls_config_dump(const struct mxtls_config *cfg, FILE *fp)
{
	const struct config_option *opt;
	const char *member;
	char num[32];
	size_t i;

	for (i = 0; i < CONFIG_NOPTIONS; i++) {
		opt = &config_options[i];
		member = (const char *)cfg + opt->offset;
		(void)fprintf(fp, "%s = ", opt->name);
		switch (opt->type) {
		case CONFIG_STRING:
		case CONFIG_PATH:
			/* the member may not be terminated if not ours */
			if (memchr(member, '\0', opt->size) != NULL)
				config_dump_text(member, fp);
			break;
		case CONFIG_UINT:
			(void)fprintf(fp, "%llu",
			    config_load_uint(member, opt->size));
			break;
		case CONFIG_SIZE:
			(void)fputs(config_size_text(num, sizeof(num),
			    config_load_uint(member, opt->size)), fp);
			break;
		case CONFIG_BOOL:
			(void)fputs(config_load_uint(member, opt->size) ?
			    "yes" : "no", fp);
			break;
		case CONFIG_OCTAL:
			(void)fprintf(fp, "0%03llo",
			    config_load_uint(member, opt->size));
			break;
		}
		(void)fputc('\n', fp);
	}
}
