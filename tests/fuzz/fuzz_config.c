/*
 * NAME
 *	fuzz_config - libFuzzer target for mxtls_config_parse()
 * DESCRIPTION
 *	Parses each input on top of the defaults. On success it checks what
 *	mxtls.conf(5) promises of a loaded configuration: numbers within
 *	their ranges, strings terminated and free of control bytes, paths
 *	absolute or empty where empty is allowed, the resolver list in its
 *	canonical form, and that mxtls_config_dump() reads back to the same
 *	values. On failure it checks that *cfg is untouched and that the
 *	reason is "fuzz:LINE: text" with a line inside the input.
 * DIAGNOSTICS
 *	abort() on a broken invariant, for libFuzzer to report.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)	do { if (!(c)) { \
	fprintf(stderr, "fuzz_config: %s:%d: %s\n", __FILE__, __LINE__, #c); \
	abort(); } } while (0)

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
	    a->sts_recheck_interval == b->sts_recheck_interval;
}

/* check_text - terminated, no control bytes; a path is absolute or "" */

static void
check_text(const char *s, size_t size, int path, int empty_ok)
{
	const unsigned char *p;

	CHECK(memchr(s, '\0', size) != NULL);
	CHECK(empty_ok || s[0] != '\0');
	CHECK(!path || s[0] == '\0' || s[0] == '/');
	for (p = (const unsigned char *)s; *p; p++)
		CHECK(*p >= 0x20 && *p != 0x7f);
}

/* check_resolver - "a b c": single spaces, no commas, no blank ends */

static void
check_resolver(const char *s)
{
	CHECK(strchr(s, ',') == NULL && strchr(s, '\t') == NULL);
	CHECK(strstr(s, "  ") == NULL);
	CHECK(s[0] != ' ' && (s[0] == '\0' || s[strlen(s) - 1] != ' '));
}

static void
check_ok(const struct mxtls_config *cfg)
{
	struct mxtls_config again;
	struct mxtls_why why;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	CHECK(cfg->cache_map_size >= 64ULL * 1024 &&
	    (unsigned long long)cfg->cache_map_size <= 64ULL << 30);
	CHECK(cfg->fetch_timeout >= 1 && cfg->fetch_timeout <= 600);
	CHECK(cfg->dns_timeout >= 1 && cfg->dns_timeout <= 120);
	CHECK(cfg->sts_recheck_interval <= 86400);
	check_text(cfg->cache_dir, sizeof(cfg->cache_dir), 1, 0);
	check_text(cfg->trust_anchor_file, sizeof(cfg->trust_anchor_file), 1,
	    1);
	check_text(cfg->unbound_conf, sizeof(cfg->unbound_conf), 1, 1);
	check_text(cfg->ca_file, sizeof(cfg->ca_file), 1, 1);
	check_text(cfg->resolver, sizeof(cfg->resolver), 0, 1);
	check_resolver(cfg->resolver);

	CHECK((fp = open_memstream(&text, &len)) != NULL);
	mxtls_config_dump(cfg, fp);
	CHECK(fclose(fp) == 0);
	mxtls_config_defaults(&again);
	if (mxtls_config_parse(&again, text, len, "dump", &why) != MXTLS_OK) {
		fprintf(stderr, "dump not read back: %s\n%s", why.text, text);
		abort();
	}
	CHECK(same(cfg, &again));
	free(text);
}

static void
check_fail(const struct mxtls_why *why, const uint8_t *data, size_t size)
{
	const char *p = why->text + strlen("fuzz:");
	unsigned long line = 0, lines = 1;
	size_t i;

	CHECK(why->status == MXTLS_PERMFAIL);
	CHECK(strncmp(why->text, "fuzz:", 5) == 0);
	CHECK(*p >= '1' && *p <= '9');
	for (; *p >= '0' && *p <= '9'; p++)
		line = line * 10 + (unsigned long)(*p - '0');
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	CHECK(line >= 1 && line <= lines);
	CHECK(p[0] == ':' && p[1] == ' ' && p[2] != '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mxtls_config cfg, def;
	struct mxtls_why why;
	enum mxtls_status st;

	mxtls_config_defaults(&def);
	cfg = def;
	st = mxtls_config_parse(&cfg, (const char *)data, size, "fuzz", &why);
	if (st == MXTLS_OK) {
		CHECK(why.status == MXTLS_OK);
		check_ok(&cfg);
	} else {
		CHECK(same(&cfg, &def));
		check_fail(&why, data, size);
	}
	return 0;
}
