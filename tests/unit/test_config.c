/*
 * NAME
 *	test_config - table-driven tests of the configuration file parser
 * DESCRIPTION
 *	Each row of cases[] is a configuration text. A good row names a line
 *	the dump of the result must contain; a bad row names the line the
 *	error must point at and a piece of its reason. Then the defaults,
 *	the round trip through mxtls_config_dump(), the bounds that need
 *	texts built at run time, and mxtls_config_load() on real files.
 * DIAGNOSTICS
 *	TAP on stdout; exit status 1 when any test failed.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR	"/var"
#endif

#define T(s)	s, sizeof(s) - 1	/* text with its length: NULs allowed */

struct config_case {
	const char *text;
	size_t	len;
	size_t	line;		/* 0: must parse; else the error's line */
	const char *expect;	/* good: a dump line; bad: part of reason */
};

static const struct config_case cases[] = {
	/* ---- good */
	{ T(""), 0, "fetch_timeout = 60" },
	{ T("# only a comment\n\n   \n\t# indented comment\n"), 0,
	    "dns_timeout = 10" },
	{ T("fetch_timeout = 30\n"), 0, "fetch_timeout = 30" },
	{ T("  \tfetch_timeout\t=\t30 \t\n"), 0, "fetch_timeout = 30" },
	{ T("dns_timeout=5"), 0, "dns_timeout = 5" },
	{ T("dns_timeout = 5\r\nfetch_timeout = 7\r\n"), 0,
	    "fetch_timeout = 7" },
	{ T("fetch_timeout = 060\n"), 0, "fetch_timeout = 60" },
	{ T("fetch_timeout = 1\n"), 0, "fetch_timeout = 1" },
	{ T("fetch_timeout = 600\n"), 0, "fetch_timeout = 600" },
	{ T("dns_timeout = 120\n"), 0, "dns_timeout = 120" },
	{ T("sts_recheck_interval = 0\n"), 0, "sts_recheck_interval = 0" },
	{ T("sts_recheck_interval = 86400\n"), 0,
	    "sts_recheck_interval = 86400" },
	{ T("cache_map_size = 64K\n"), 0, "cache_map_size = 64K" },
	{ T("cache_map_size = 64G\n"), 0, "cache_map_size = 64G" },
	{ T("cache_map_size = 1m\n"), 0, "cache_map_size = 1M" },
	{ T("cache_map_size = 1048576\n"), 0, "cache_map_size = 1M" },
	{ T("cache_map_size = 100000\n"), 0, "cache_map_size = 100000" },
	{ T("cache_map_size = 2048k\n"), 0, "cache_map_size = 2M" },
	{ T("cache_dir = /srv/mxtls\n"), 0, "cache_dir = /srv/mxtls" },
	{ T("cache_dir = \"/srv/mx tls\"\n"), 0,
	    "cache_dir = \"/srv/mx tls\"" },
	{ T("ca_file = \"/etc/a\\\"b\\\\c.pem\"\n"), 0,
	    "ca_file = \"/etc/a\\\"b\\\\c.pem\"" },
	{ T("ca_file = /etc/ssl/#1/ca.pem\n"), 0,
	    "ca_file = \"/etc/ssl/#1/ca.pem\"" },
	{ T("ca_file = \"/etc/ssl/ca.pem # not a comment\"\n"), 0,
	    "ca_file = \"/etc/ssl/ca.pem # not a comment\"" },
	{ T("unbound_conf =\n"), 0, "unbound_conf = \"\"" },
	{ T("unbound_conf = \"\"\n"), 0, "unbound_conf = \"\"" },
	{ T("unbound_conf = /etc/unbound/mxtls.conf\n"), 0,
	    "unbound_conf = /etc/unbound/mxtls.conf" },
	{ T("trust_anchor_file =\n"), 0, "trust_anchor_file = \"\"" },
	{ T("ca_file = /etc/ssl/caf\xc3\xa9.pem\n"), 0,
	    "ca_file = /etc/ssl/caf\xc3\xa9.pem" },
	{ T("resolver = 192.0.2.53\n"), 0, "resolver = 192.0.2.53" },
	{ T("resolver = 1.1.1.1, 8.8.8.8@53\t2001:db8::1@5353\n"), 0,
	    "resolver = \"1.1.1.1 8.8.8.8@53 2001:db8::1@5353\"" },
	{ T("resolver = \"::1 , 127.0.0.1@5300\"\n"), 0,
	    "resolver = \"::1 127.0.0.1@5300\"" },
	{ T("resolver =\n"), 0, "resolver = \"\"" },
	{ T("# test network\ncache_dir = /tmp/x\n\nresolver = 10.53.0.1\n"
	    "dns_timeout = 2\nfetch_timeout = 5\n"), 0, "dns_timeout = 2" },
	{ T("fetch_timeout = 9\n# trailing comment, no newline"), 0,
	    "fetch_timeout = 9" },
	{ T("\n\n\nfetch_timeout = 8"), 0, "fetch_timeout = 8" },

	/* ---- good: mxtlsd */
	{ T(""), 0, "listen = \"unix:/run/mxtls/mxtlsd.sock "
	    "inet:127.0.0.1:8461\"" },
	{ T(""), 0, "socket_mode = 0660" },
	{ T(""), 0, "map_sendmail = \"sendmail sts mtasts\"" },
	{ T(""), 0, "lookup_deadline = 2000" },
	{ T(""), 0, "map_exim = exim" },
	{ T(""), 0, "exim_daemon = unix:/run/mxtls/mxtlsd.sock" },
	{ T(""), 0, "exim_deadline = 5000" },
	{ T(""), 0, "exim_inline_resolve = yes" },
	{ T(""), 0, "exim_tempfail = defer" },
	{ T("exim_tempfail = fail\nexim_inline_resolve = no\n"), 0,
	    "exim_tempfail = fail" },
	{ T("exim_daemon =\n"), 0, "exim_daemon = \"\"" },
	{ T("listen = inet:0.0.0.0:8461\n"), 0,
	    "listen = inet:0.0.0.0:8461" },
	{ T("listen = \"  inet:[::1]:1\tunix:/x.sock \"\n"), 0,
	    "listen = \"inet:[::1]:1 unix:/x.sock\"" },
	{ T("socket_mode = 0600\n"), 0, "socket_mode = 0600" },
	{ T("socket_mode = 777\n"), 0, "socket_mode = 0777" },
	{ T("socket_mode = 0\n"), 0, "socket_mode = 0000" },
	{ T("socket_owner = postfix\nsocket_group = mail\n"), 0,
	    "socket_group = mail" },
	{ T("user = _mxtls-d.1\n"), 0, "user = _mxtls-d.1" },
	{ T("lookup_deadline = 50\n"), 0, "lookup_deadline = 50" },
	{ T("lookup_deadline = 60000\n"), 0, "lookup_deadline = 60000" },
	{ T("idle_timeout = 1\n"), 0, "idle_timeout = 1" },
	{ T("max_connections = 1\n"), 0, "max_connections = 1" },
	{ T("map_postfix =\n"), 0, "map_postfix = \"\"" },
	{ T("map_postfix = postfix  tls_policy\n"), 0,
	    "map_postfix = \"postfix tls_policy\"" },
	{ T("dane_only = no\n"), 0, "dane_only = no" },
	{ T("unusable_tlsa_reply = encrypt\n"), 0,
	    "unusable_tlsa_reply = encrypt" },
	{ T("testing_action = may\n"), 0, "testing_action = may" },
	{ T("testing_action = enforce\n"), 0, "testing_action = enforce" },
	{ T("postfix_tlsrpt = yes\n"), 0, "postfix_tlsrpt = yes" },
	{ T("refresh_interval = 3600\n"), 0, "refresh_interval = 3600" },
	{ T("refresh_concurrency = 1\n"), 0, "refresh_concurrency = 1" },
	{ T("negative_ttl = 0\n"), 0, "negative_ttl = 0" },
	{ T("answer_cache_max = 1000\n"), 0, "answer_cache_max = 1000" },
	{ T("metrics_listen = 127.0.0.1:9464\n"), 0,
	    "metrics_listen = 127.0.0.1:9464" },
	{ T("metrics_listen = [::1]:9464\n"), 0,
	    "metrics_listen = [::1]:9464" },
	{ T("query_daemon = unix:/run/mxtls/mxtlsd.sock\n"), 0,
	    "query_daemon = unix:/run/mxtls/mxtlsd.sock" },
	{ T("query_daemon = inet:192.0.2.1:8461\n"), 0,
	    "query_daemon = inet:192.0.2.1:8461" },

	/* ---- bad: names */
	{ T("fetch_timout = 30\n"), 1,
	    "unknown option \"fetch_timout\" "
	    "(did you mean \"fetch_timeout\"?)" },
	{ T("\n# x\nFETCH_TIMEOUT = 30\n"), 3,
	    "(did you mean \"fetch_timeout\"?)" },
	{ T("cache_dri = /x\n"), 1, "did you mean \"cache_dir\"" },
	{ T("frobnicate = 1\n"), 1, "unknown option \"frobnicate\"" },
	{ T("fetch timeout = 30\n"), 1,
	    "invalid option name \"fetch timeout\"" },
	{ T("= 30\n"), 1, "missing option name" },
	{ T("fetch_timeout 30\n"), 1, "found no \"=\"" },
	{ T("dns_timeout = 5\n\n# c\nfetch_timeout\n"), 4, "found no \"=\"" },
	{ T("dns_timeout = 5\nfetch_timeout = 6\ndns_timeout = 5\n"), 3,
	    "dns_timeout is already set on line 1" },

	/* ---- bad: bytes and quoting */
	{ T("dns_timeout = 5\nfetch_timeout = 3\0\n"), 2, "NUL byte" },
	{ T("#ok\n\0\n"), 2, "NUL byte" },
	{ T("fetch_timeout = 3\x01\n"), 1, "control character 0x01" },
	{ T("fetch_timeout = 3\r5\n"), 1, "control character 0x0d" },
	{ T("cache_dir = \"/var/lib/mxtls\n"), 1, "missing closing '\"'" },
	{ T("cache_dir = \"/var/lib/mxtls\\\"\n"), 1, "missing closing '\"'" },
	{ T("cache_dir = \"/var/lib/mxtls\\\n"), 1, "missing closing '\"'" },
	{ T("cache_dir = \"/var/lib\" /mxtls\n"), 1,
	    "unexpected text after the closing" },
	{ T("cache_dir = \"/var/lib\\n\"\n"), 1, "unknown escape" },
	{ T("cache_dir = /var/lib\"/mxtls\n"), 1, "inside an unquoted value" },
	{ T("fetch_timeout = 30 # seconds\n"), 1,
	    "comments must be on a line of their own" },
	{ T("cache_dir = /var/lib/mxtls\t# cache\n"), 1,
	    "comments must be on a line of their own" },
	{ T("ca_file = # none\n"), 1, "comments must be on a line" },

	/* ---- bad: numbers */
	{ T("fetch_timeout = 0\n"), 1,
	    "fetch_timeout must be between 1 and 600 seconds, not 0" },
	{ T("fetch_timeout = 601\n"), 1, "between 1 and 600 seconds" },
	{ T("fetch_timeout = -1\n"), 1,
	    "fetch_timeout must be a whole number" },
	{ T("fetch_timeout = +5\n"), 1, "must be a whole number" },
	{ T("fetch_timeout = 1.5\n"), 1,
	    "must be a whole number, not \"1.5\"" },
	{ T("fetch_timeout = 1m\n"), 1, "must be a whole number" },
	{ T("fetch_timeout = abc\n"), 1, "must be a whole number" },
	{ T("fetch_timeout =\n"), 1, "must be a whole number, not \"\"" },
	{ T("fetch_timeout = \"\"\n"), 1, "must be a whole number" },
	{ T("fetch_timeout = 3 0\n"), 1, "must be a whole number" },
	{ T("fetch_timeout = 99999999999999999999999\n"), 1,
	    "between 1 and 600" },
	{ T("fetch_timeout = 4294967356\n"), 1, "between 1 and 600" },
	{ T("dns_timeout = 0\n"), 1, "between 1 and 120 seconds" },
	{ T("dns_timeout = 121\n"), 1, "between 1 and 120 seconds" },
	{ T("sts_recheck_interval = 86401\n"), 1,
	    "between 0 and 86400 seconds" },
	{ T("cache_map_size = 1K\n"), 1,
	    "cache_map_size must be between 64K and 64G bytes, not 1K" },
	{ T("cache_map_size = 65535\n"), 1, "between 64K and 64G" },
	{ T("cache_map_size = 65G\n"), 1, "between 64K and 64G" },
	{ T("cache_map_size = 99999999999G\n"), 1, "between 64K and 64G" },
	{ T("cache_map_size = 64X\n"), 1,
	    "a number of bytes with an optional K, M or G suffix" },
	{ T("cache_map_size = 64KB\n"), 1, "optional K, M or G suffix" },
	{ T("cache_map_size = 64 M\n"), 1, "optional K, M or G suffix" },
	{ T("cache_map_size = M\n"), 1, "optional K, M or G suffix" },

	/* ---- bad: paths and strings */
	{ T("cache_dir = var/lib/mxtls\n"), 1,
	    "cache_dir must be an absolute path" },
	{ T("ca_file = ~/ca.pem\n"), 1, "ca_file must be an absolute path" },
	{ T("cache_dir =\n"), 1, "cache_dir must not be empty" },
	{ T("cache_dir = \"\"\n"), 1, "cache_dir must not be empty" },
	{ T("cache_dir = \"/var/lib/\tmxtls\"\n"), 1,
	    "must not contain a tab" },
	{ T("resolver = 1.2.3\n"), 1,
	    "resolver: \"1.2.3\" is not an IPv4 or IPv6 address" },
	{ T("resolver = dns.google\n"), 1, "\"dns.google\" is not an IPv4" },
	{ T("resolver = 1.1.1.1,,8.8.8.8\n"), 1, "empty address" },
	{ T("resolver = 1.1.1.1,\n"), 1, "empty address" },
	{ T("resolver = , 1.1.1.1\n"), 1, "empty address" },
	{ T("resolver = 1.1.1.1@0\n"), 1, "bad port in \"1.1.1.1@0\"" },
	{ T("resolver = 1.1.1.1@65536\n"), 1, "must be 1 to 65535" },
	{ T("resolver = 1.1.1.1@\n"), 1, "bad port" },
	{ T("resolver = 1.1.1.1@53@53\n"), 1, "bad port" },
	{ T("resolver = [::1]:53\n"), 1, "is not an IPv4 or IPv6 address" },
	{ T("resolver = 9.9.9.9 fe80::1%eth0\n"), 1, "\"fe80::1%eth0\"" },

	/* ---- bad: mxtlsd */
	{ T("listen =\n"), 1, "listen must not be empty" },
	{ T("listen = \" \"\n"), 1, "at least one" },
	{ T("listen = tcp:127.0.0.1:25\n"), 1,
	    "must start with \"unix:\" or \"inet:\"" },
	{ T("listen = unix:run/x.sock\n"), 1, "absolute path" },
	{ T("listen = inet:127.0.0.1\n"), 1, "is not ADDR:PORT" },
	{ T("listen = inet:127.0.0.1:0\n"), 1, "port must be 1 to 65535" },
	{ T("listen = inet:localhost:8461\n"), 1, "numeric IPv4" },
	{ T("listen = inet:::1:8461\n"), 1, "is not ADDR:PORT" },
	{ T("listen = inet:127.0.0.1:1 inet:127.0.0.1:2 inet:127.0.0.1:3 "
	    "inet:127.0.0.1:4 inet:127.0.0.1:5 inet:127.0.0.1:6 "
	    "inet:127.0.0.1:7 inet:127.0.0.1:8 inet:127.0.0.1:9\n"), 1,
	    "more than 8 items" },
	{ T("socket_mode = 0800\n"), 1, "must be octal permission bits" },
	{ T("socket_mode = 01777\n"), 1, "from 0 to 0777" },
	{ T("socket_mode = rw\n"), 1, "not \"rw\"" },
	{ T("socket_mode =\n"), 1, "must be octal" },
	{ T("socket_owner = -root\n"), 1, "not a user or group name" },
	{ T("user = \"mx tls\"\n"), 1, "not a user or group name" },
	{ T("lookup_deadline = 49\n"), 1,
	    "lookup_deadline must be between 50 and 60000 milliseconds" },
	{ T("lookup_deadline = 60001\n"), 1, "between 50 and 60000" },
	{ T("idle_timeout = 0\n"), 1, "between 1 and 86400 seconds" },
	{ T("max_connections = 0\n"), 1, "max_connections must be between" },
	{ T("map_postfix = post/fix\n"), 1, "is not a map name" },
	{ T("map_sendmail = sts json\n"), 1, "\"json\" is reserved" },
	{ T("exim_tempfail = later\n"), 1, "defer or fail" },
	{ T("exim_daemon = /run/x.sock\n"), 1, "exim_daemon: " },
	{ T("exim_deadline = 50\n"), 1, "exim_deadline" },
	{ T("dane_only = true\n"), 1, "dane_only must be yes or no" },
	{ T("unusable_tlsa_reply = dane-only\n"), 1,
	    "unusable_tlsa_reply must be dane or encrypt, not \"dane-only\"" },
	{ T("testing_action = none\n"), 1,
	    "testing_action must be notfound, enforce or may" },
	{ T("postfix_tlsrpt = 1\n"), 1, "postfix_tlsrpt must be yes or no" },
	{ T("refresh_concurrency = 0\n"), 1, "between 1 and 1000" },
	{ T("answer_cache_max = 0\n"), 1, "answer_cache_max must be between" },
	{ T("metrics_listen = 192.0.2.1:9464\n"), 1, "not a loopback" },
	{ T("metrics_listen = [2001:db8::1]:9464\n"), 1, "not a loopback" },
	{ T("metrics_listen = inet:127.0.0.1:9464\n"), 1,
	    "metrics_listen: \"inet:127.0.0.1:9464\" is not ADDR:PORT" },
	{ T("query_daemon = /run/mxtls/mxtlsd.sock\n"), 1,
	    "query_daemon: \"/run/mxtls/mxtlsd.sock\" must start with" },
};

#define NCASES	(sizeof(cases) / sizeof(cases[0]))

/* dump - the dump of cfg as a string; caller frees */

static char *
dump(const struct mxtls_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return NULL;
	mxtls_config_dump(cfg, fp);
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* has_line - whether text holds line as a whole line */

static int
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
			return 1;
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return 0;
}

/* same - field by field: padding bytes are not compared */

static int
same(const struct mxtls_config *a, const struct mxtls_config *b)
{
	return strcmp(a->cache_dir, b->cache_dir) == 0 &&
	    a->cache_map_size == b->cache_map_size &&
	    strcmp(a->trust_anchor_file, b->trust_anchor_file) == 0 &&
	    strcmp(a->unbound_conf, b->unbound_conf) == 0 &&
	    strcmp(a->resolver, b->resolver) == 0 &&
	    strcmp(a->ca_file, b->ca_file) == 0 &&
	    a->fetch_timeout == b->fetch_timeout &&
	    a->dns_timeout == b->dns_timeout &&
	    a->sts_recheck_interval == b->sts_recheck_interval &&
	    strcmp(a->listen, b->listen) == 0 &&
	    strcmp(a->socket_owner, b->socket_owner) == 0 &&
	    strcmp(a->socket_group, b->socket_group) == 0 &&
	    a->socket_mode == b->socket_mode &&
	    strcmp(a->user, b->user) == 0 &&
	    a->idle_timeout == b->idle_timeout &&
	    a->lookup_deadline == b->lookup_deadline &&
	    a->max_connections == b->max_connections &&
	    strcmp(a->map_postfix, b->map_postfix) == 0 &&
	    strcmp(a->map_sendmail, b->map_sendmail) == 0 &&
	    a->dane_only == b->dane_only &&
	    strcmp(a->unusable_tlsa_reply, b->unusable_tlsa_reply) == 0 &&
	    strcmp(a->testing_action, b->testing_action) == 0 &&
	    a->postfix_tlsrpt == b->postfix_tlsrpt &&
	    a->refresh_interval == b->refresh_interval &&
	    a->refresh_concurrency == b->refresh_concurrency &&
	    a->negative_ttl == b->negative_ttl &&
	    a->answer_cache_max == b->answer_cache_max &&
	    strcmp(a->metrics_listen, b->metrics_listen) == 0 &&
	    strcmp(a->query_daemon, b->query_daemon) == 0;
}

/* roundtrip - dump cfg, parse the dump over defaults, expect cfg again */

static int
roundtrip(const struct mxtls_config *cfg)
{
	struct mxtls_config again;
	struct mxtls_why why;
	char *text;
	int r;

	if ((text = dump(cfg)) == NULL)
		return 0;
	mxtls_config_defaults(&again);
	r = mxtls_config_parse(&again, text, strlen(text), "dump", &why) ==
	    MXTLS_OK && same(cfg, &again);
	if (!r)
		diag("dump did not read back: %s\n%s", why.text, text);
	free(text);
	return r;
}

static void
run_case(size_t i, const struct config_case *c)
{
	struct mxtls_config cfg, before;
	struct mxtls_why why;
	enum mxtls_status st;
	char prefix[64], *text;

	mxtls_config_defaults(&cfg);
	before = cfg;
	st = mxtls_config_parse(&cfg, c->text, c->len, "test.conf", &why);
	if (c->line == 0) {
		text = st == MXTLS_OK ? dump(&cfg) : NULL;
		ok(st == MXTLS_OK && text != NULL &&
		    has_line(text, c->expect) && roundtrip(&cfg),
		    "case %zu parses: %s", i, c->expect);
		if (st != MXTLS_OK)
			diag("got %s", why.text);
		else if (text != NULL && !has_line(text, c->expect))
			diag("dump:\n%s", text);
		free(text);
		return;
	}
	(void)snprintf(prefix, sizeof(prefix), "test.conf:%zu: ", c->line);
	ok(st == MXTLS_PERMFAIL && why.status == MXTLS_PERMFAIL &&
	    strncmp(why.text, prefix, strlen(prefix)) == 0 &&
	    strstr(why.text, c->expect) != NULL && same(&cfg, &before),
	    "case %zu fails on line %zu: %s", i, c->line, c->expect);
	if (st != MXTLS_PERMFAIL || strncmp(why.text, prefix,
	    strlen(prefix)) != 0 || strstr(why.text, c->expect) == NULL)
		diag("got %s: \"%s\"", mxtls_status_name(st), why.text);
}

static void
test_defaults(void)
{
	struct mxtls_config cfg;

	memset(&cfg, 0x5a, sizeof(cfg));
	mxtls_config_defaults(&cfg);
	ok(strcmp(cfg.cache_dir, LOCALSTATEDIR "/lib/mxtls") == 0 &&
	    cfg.cache_map_size == 64 * 1024 * 1024 &&
	    strcmp(cfg.trust_anchor_file, "/usr/share/dns/root.key") == 0 &&
	    cfg.unbound_conf[0] == '\0' && cfg.resolver[0] == '\0' &&
	    cfg.ca_file[0] == '\0' && cfg.fetch_timeout == 60 &&
	    cfg.dns_timeout == 10 && cfg.sts_recheck_interval == 300,
	    "defaults are the documented ones");
	ok(strcmp(cfg.listen, "unix:/run/mxtls/mxtlsd.sock "
	    "inet:127.0.0.1:8461") == 0 && cfg.socket_owner[0] == '\0' &&
	    cfg.socket_group[0] == '\0' && cfg.socket_mode == 0660 &&
	    cfg.user[0] == '\0' && cfg.idle_timeout == 60 &&
	    cfg.lookup_deadline == 2000 && cfg.max_connections == 4096 &&
	    strcmp(cfg.map_postfix, "postfix") == 0 &&
	    strcmp(cfg.map_sendmail, "sendmail sts mtasts") == 0 &&
	    cfg.dane_only == 1 &&
	    strcmp(cfg.unusable_tlsa_reply, "dane") == 0 &&
	    strcmp(cfg.testing_action, "notfound") == 0 &&
	    cfg.postfix_tlsrpt == 0 && cfg.refresh_interval == 86400 &&
	    cfg.refresh_concurrency == 10 && cfg.negative_ttl == 300 &&
	    cfg.answer_cache_max == 100000 && cfg.metrics_listen[0] == '\0' &&
	    cfg.query_daemon[0] == '\0', "mxtlsd defaults are the documented "
	    "ones");
	ok(roundtrip(&cfg), "defaults survive dump and parse");
}

static void
test_dump_lists_all(void)
{
	static const char *const names[] = { "cache_dir", "cache_map_size",
	    "trust_anchor_file", "unbound_conf", "resolver", "ca_file",
	    "fetch_timeout", "dns_timeout", "sts_recheck_interval",
	    "listen", "socket_owner", "socket_group", "socket_mode", "user",
	    "idle_timeout", "lookup_deadline", "max_connections",
	    "map_postfix", "map_sendmail", "dane_only", "unusable_tlsa_reply",
	    "testing_action", "postfix_tlsrpt", "refresh_interval",
	    "refresh_concurrency", "negative_ttl", "answer_cache_max",
	    "metrics_listen", "query_daemon", "map_exim", "exim_daemon",
	    "exim_deadline", "exim_inline_resolve", "exim_tempfail" };
	struct mxtls_config cfg;
	char *text, want[64];
	size_t i, lines = 0;
	int all = 1;

	mxtls_config_defaults(&cfg);
	if ((text = dump(&cfg)) == NULL) {
		ok(0, "dump");
		return;
	}
	for (i = 0; text[i]; i++)
		lines += text[i] == '\n';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		(void)snprintf(want, sizeof(want), "\n%s = ", names[i]);
		if (strstr(text, want) == NULL && strncmp(text, want + 1,
		    strlen(want + 1)) != 0)
			all = 0;
	}
	ok(all && lines == sizeof(names) / sizeof(names[0]),
	    "dump writes each of the %zu options once",
	    sizeof(names) / sizeof(names[0]));
	free(text);
}

/* test_on_top - parse applies on top of what is there */

static void
test_on_top(void)
{
	struct mxtls_config cfg;
	struct mxtls_why why;

	mxtls_config_defaults(&cfg);
	ok(mxtls_config_parse(&cfg, T("dns_timeout = 3\n"), "a", &why) ==
	    MXTLS_OK && mxtls_config_parse(&cfg, T("fetch_timeout = 4\n"),
	    "b", &why) == MXTLS_OK && cfg.dns_timeout == 3 &&
	    cfg.fetch_timeout == 4,
	    "a second text applies on top of the first");
	ok(mxtls_config_parse(&cfg, T("fetch_timeout = 0\n"), NULL, &why) ==
	    MXTLS_PERMFAIL && strncmp(why.text, "config:1: ", 10) == 0,
	    "file NULL is named \"config\" in errors");
	ok(mxtls_config_parse(&cfg, T("dns_timeout = 7\nfetch_timeout = 0\n"),
	    "c", &why) == MXTLS_PERMFAIL && cfg.dns_timeout == 3,
	    "a failed parse leaves the configuration unchanged");
	ok(mxtls_config_parse(&cfg, T("fetch_timeout = 5\n"), "d", NULL) ==
	    MXTLS_OK && mxtls_config_parse(&cfg, T("x\n"), "d", NULL) ==
	    MXTLS_PERMFAIL, "why may be NULL");
}

/* test_lengths - the line and path bounds, exactly at and just over */

static void
test_lengths(void)
{
	struct mxtls_config cfg;
	struct mxtls_why why;
	char *buf;
	size_t n, pre = strlen("ca_file = /");

	if ((buf = malloc(MXTLS_CONFIG_LINE_MAX + 64)) == NULL) {
		ok(0, "malloc");
		return;
	}
	/* a comment line of exactly MXTLS_CONFIG_LINE_MAX bytes */
	memset(buf, '#', MXTLS_CONFIG_LINE_MAX);
	buf[MXTLS_CONFIG_LINE_MAX] = '\n';
	mxtls_config_defaults(&cfg);
	ok(mxtls_config_parse(&cfg, buf, MXTLS_CONFIG_LINE_MAX + 1, "l",
	    &why) == MXTLS_OK, "a line of %d bytes is fine",
	    MXTLS_CONFIG_LINE_MAX);
	memcpy(buf, "fetch_timeout = 5\n", 18);
	memset(buf + 18, '#', MXTLS_CONFIG_LINE_MAX + 1);
	ok(mxtls_config_parse(&cfg, buf, 18 + MXTLS_CONFIG_LINE_MAX + 1, "l",
	    &why) == MXTLS_PERMFAIL && strstr(why.text, "l:2: line is longer "
	    "than 4096 bytes") != NULL, "a line of %d bytes is not: %s",
	    MXTLS_CONFIG_LINE_MAX + 1, why.text);

	/* a path of MXTLS_CONFIG_PATH_MAX - 1 bytes fits, one more does not */
	n = MXTLS_CONFIG_PATH_MAX - 1;
	memcpy(buf, "ca_file = /", pre);
	memset(buf + pre, 'a', n - 1);
	ok(mxtls_config_parse(&cfg, buf, pre + n - 1, "p", &why) == MXTLS_OK &&
	    strlen(cfg.ca_file) == n, "a path of %zu bytes fits", n);
	memset(buf + pre, 'a', n);
	ok(mxtls_config_parse(&cfg, buf, pre + n, "p", &why) ==
	    MXTLS_PERMFAIL && strstr(why.text, "p:1: ca_file is too long "
	    "(1024 bytes; at most 1023)") != NULL, "a path of %zu bytes does "
	    "not: %s", n + 1, why.text);
	free(buf);
}

/* write_file - a file under dir holding len bytes of text */

static int
write_file(const char *path, const char *text, size_t len)
{
	FILE *fp;
	int r;

	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	r = fwrite(text, 1, len, fp) == len ? 0 : -1;
	if (fclose(fp) != 0)
		r = -1;
	return r;
}

static void
test_load(void)
{
	char dir[] = "/tmp/test_config.XXXXXX", path[256], missing[256];
	struct mxtls_config cfg, def;
	struct mxtls_why why;
	char *big;
	size_t bigsz = MXTLS_CONFIG_FILE_MAX + 1;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	mxtls_config_defaults(&def);
	(void)snprintf(missing, sizeof(missing), "%s/none.conf", dir);
	(void)snprintf(path, sizeof(path), "%s/mxtls.conf", dir);

	memset(&cfg, 0, sizeof(cfg));
	ok(mxtls_config_load(&cfg, missing, 1, &why) == MXTLS_OK &&
	    same(&cfg, &def), "a missing file with missing_ok gives defaults");
	cfg = def;
	cfg.dns_timeout = 99;
	ok(mxtls_config_load(&cfg, missing, 0, &why) == MXTLS_NOTFOUND &&
	    strstr(why.text, "none.conf") != NULL && cfg.dns_timeout == 99,
	    "a missing file without missing_ok is an error: %s", why.text);

	ok(write_file(path, T("# test\ndns_timeout = 4\n")) == 0 &&
	    mxtls_config_load(&cfg, path, 0, &why) == MXTLS_OK &&
	    cfg.dns_timeout == 4 && cfg.fetch_timeout == 60,
	    "a file is applied on top of the defaults");
	ok(write_file(path, T("dns_timeout = 4\n\nfetch_timout = 1\n")) == 0 &&
	    mxtls_config_load(&cfg, path, 1, &why) == MXTLS_PERMFAIL &&
	    strncmp(why.text, path, strlen(path)) == 0 &&
	    strstr(why.text, ":3: unknown option") != NULL &&
	    cfg.dns_timeout == 4, "an error names the file and line: %s",
	    why.text);
	ok(mxtls_config_load(&cfg, dir, 1, &why) == MXTLS_PERMFAIL &&
	    strstr(why.text, "not a regular file") != NULL,
	    "a directory is refused: %s", why.text);

	if ((big = malloc(bigsz)) == NULL) {
		ok(0, "malloc");
		goto out;
	}
	memset(big, '\n', bigsz);
	ok(write_file(path, big, bigsz - 1) == 0 &&
	    mxtls_config_load(&cfg, path, 0, &why) == MXTLS_OK,
	    "a file of exactly %d bytes is read", MXTLS_CONFIG_FILE_MAX);
	ok(write_file(path, big, bigsz) == 0 &&
	    mxtls_config_load(&cfg, path, 0, &why) == MXTLS_PERMFAIL &&
	    strstr(why.text, "larger than 1048576 bytes") != NULL,
	    "a file over the cap is refused: %s", why.text);
	free(big);
	if (geteuid() != 0) {
		ok(write_file(path, T("dns_timeout = 4\n")) == 0 &&
		    chmod(path, 0) == 0 &&
		    mxtls_config_load(&cfg, path, 1, &why) == MXTLS_PERMFAIL,
		    "an unreadable file is an error even with missing_ok: %s",
		    why.text);
	} else
		ok(1, "an unreadable file is an error # SKIP root reads all");
out:
	(void)unlink(path);
	(void)rmdir(dir);
}

int
main(void)
{
	size_t i;

	for (i = 0; i < NCASES; i++)
		run_case(i, &cases[i]);
	test_defaults();
	test_dump_lists_all();
	test_on_top();
	test_lengths();
	test_load();
	return done_testing();
}
