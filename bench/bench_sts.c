/*
 * NAME
 *	bench_sts - the cached MTA-STS lookup path against a warm LMDB
 * SYNOPSIS
 *	bench_sts [ITERATIONS]
 * DESCRIPTION
 *	Run by hand (not in CI). Stores a typical enforce policy in a
 *	temporary cache, then times ITERATIONS (default 1000000) calls of
 *	mxtls_cache_sts_get() alone and of mxtls_sts_lookup() on the hot
 *	path (valid entry, TXT checked recently: answered from LMDB with no
 *	network), and prints ns per lookup and lookups per second. The
 *	target for mxtls_sts_lookup is under 2000 ns on one core. No DNS
 *	query is made: the resolver is created but never asked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "clock.h"
#include "config.h"
#include "sts.h"

static volatile unsigned long sink;

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
done(void *arg, const struct mxtls_sts_result *r)
{
	(void)arg;
	sink += r->policy + r->entry.policy.nmx;
}

static void
fill(struct mxtls_sts_entry *e, time_t t)
{
	static const char body[] = "version: STSv1\r\nmode: enforce\r\n"
	    "mx: mail.example.com\r\nmx: *.example.net\r\n"
	    "mx: backup.example.org\r\nmx: mx4.example.com\r\n"
	    "max_age: 604800\r\n";

	memset(e, 0, sizeof(*e));
	memcpy(e->domain, "example.com", 12);
	e->have_policy = 1;
	memcpy(e->id, "20240101T000000", 16);
	e->fetched_at = t;
	e->expires_at = t + 604800;
	e->txt_checked_at = t;
	e->policy.mode = MXTLS_STS_MODE_ENFORCE;
	e->policy.max_age = 604800;
	e->policy.nmx = 4;
	memcpy(e->policy.mx[0], "mail.example.com", 17);
	memcpy(e->policy.mx[1], "*.example.net", 14);
	memcpy(e->policy.mx[2], "backup.example.org", 19);
	memcpy(e->policy.mx[3], "mx4.example.com", 16);
	e->body = (char *)body;
	e->body_len = sizeof(body) - 1;
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/mxtls-bench-XXXXXX", cmd[64];
	long i, n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
	struct mxtls_config cfg;
	struct mxtls_cache *cache;
	struct mxtls_engine *eng;
	struct mxtls_sts_entry e, out;
	struct event_base *base;
	struct mxtls_why why;
	double t0, t1;
	time_t t = time(NULL);

	if (n <= 0 || mkdtemp(dir) == NULL)
		return 2;
	mxtls_config_defaults(&cfg);
	mxtls_strlcpy(cfg.cache_dir, dir, sizeof(cfg.cache_dir));
	mxtls_clock_set(t);
	if ((cache = mxtls_cache_open(dir, 1 << 24, MXTLS_CACHE_CREATE,
	    &why)) == NULL) {
		fprintf(stderr, "%s\n", why.text);
		return 2;
	}
	fill(&e, t);
	if (mxtls_cache_sts_put(cache, &e, &why) != MXTLS_OK)
		return 2;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		(void)mxtls_cache_sts_get(cache, "example.com", &out, 0, &why);
		sink += out.policy.nmx;
	}
	t1 = now_ns();
	printf("mxtls_cache_sts_get (warm, no body): %8.0f ns/op  %10.0f "
	    "ops/s\n", (t1 - t0) / n, n / ((t1 - t0) / 1e9));

	base = event_base_new();
	if ((eng = mxtls_engine_new(base, &cfg, cache, &why)) == NULL) {
		fprintf(stderr, "%s\n", why.text);
		return 2;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++)
		(void)mxtls_sts_lookup(eng, "Example.COM", 0, done, NULL, &why);
	t1 = now_ns();
	printf("mxtls_sts_lookup (hot cached path):  %8.0f ns/op  %10.0f "
	    "ops/s  (target < 2000 ns)\n", (t1 - t0) / n,
	    n / ((t1 - t0) / 1e9));
	printf("for scale only: postfix-mta-sts-resolver answers ~14,200 "
	    "cached socketmap requests/s here (shared/notes/testbed.md 7), "
	    "%.0fx fewer than this in-process rate; its figure includes the "
	    "socket round trip, so the like-for-like ratio comes with the "
	    "mxtlsd benchmark\n", (n / ((t1 - t0) / 1e9)) / 14200.0);

	mxtls_engine_free(eng);
	event_base_free(base);
	mxtls_cache_close(cache);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return sink == 0;
}
