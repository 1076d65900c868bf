/*
 * NAME
 *	bench_exim - the Exim plugin's cached call, in-process
 * SYNOPSIS
 *	bench_exim [-n ITERATIONS] [-p DIR] [PLUGIN.so]
 * DESCRIPTION
 *	Run by hand (not in CI). Writes 1,000 decisions into a temporary
 *	LMDB cache (or into DIR/cache with -p, plus DIR/mxtls.conf, and
 *	exits: bench/run-exim.sh then times exim -be against them), then
 *	dlopen()s the plugin the way Exim does, providing the Exim
 *	functions it calls, and times ITERATIONS (default 1,000,000) calls
 *	of policy and of hosts on cached domains (round robin over the
 *	1,000). Prints ns per call; the goal is under 5 us.
 *	PLUGIN.so defaults to $top_builddir/exim-plugin/.libs/mxtls_exim.so.
 */
#include <sys/stat.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "summary.h"

#define NDOMAINS	1000

typedef int dlfunc_t(unsigned char **, int, unsigned char *[]);

/* ---- the Exim API the plugin calls; the copies go to a ring */

static char ring[64][512];
static unsigned ringpos;

void	log_write(unsigned int, int, const char *, ...);
unsigned char *string_copy_function(const unsigned char *);
void   *store_get_3(int, const void *, const char *, int);

void
log_write(unsigned int sel, int flags, const char *fmt, ...)
{
	(void)sel;
	(void)flags;
	fprintf(stderr, "log: %s\n", fmt);
}

void *
store_get_3(int size, const void *proto, const char *fn, int line)
{
	(void)proto;
	(void)fn;
	(void)line;
	if (size > (int)sizeof(ring[0]))
		abort();
	return ring[ringpos++ % 64];
}

unsigned char *
string_copy_function(const unsigned char *s)
{
	size_t n = strlen((const char *)s);
	char *p = store_get_3((int)n + 1, NULL, NULL, 0);

	memcpy(p, s, n + 1);
	return (unsigned char *)p;
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int
populate(const char *dir, char *conf, size_t confsz)
{
	char cachedir[512], text[512];
	struct mxtls_cache *c;
	struct mxtls_summary s;
	struct mxtls_why why;
	long now = (long)time(NULL);
	FILE *fp;
	int i;

	(void)snprintf(cachedir, sizeof(cachedir), "%s/cache", dir);
	(void)snprintf(conf, confsz, "%s/mxtls.conf", dir);
	if ((fp = fopen(conf, "w")) == NULL)
		return -1;
	fprintf(fp, "cache_dir = %s\nexim_daemon =\nexim_inline_resolve = "
	    "no\n", cachedir);
	fclose(fp);
	if ((c = mxtls_cache_open(cachedir, 0, MXTLS_CACHE_CREATE, &why)) ==
	    NULL) {
		fprintf(stderr, "%s\n", why.text);
		return -1;
	}
	for (i = 0; i < NDOMAINS; i++) {
		char dom[64];

		(void)snprintf(dom, sizeof(dom), "d%d.example", i);
		(void)snprintf(text, sizeof(text), "sts-enforce mta-sts %ld "
		    "%ld mx 10/s/mx1.%s 20/s/mx2.%s 30/-/backup.example.net",
		    now + 86400, now + 7 * 86400, dom, dom);
		if (mxtls_summary_parse(text, strlen(text), &s, &why) !=
		    MXTLS_OK || mxtls_cache_dec_put(c, dom, &s, &why) !=
		    MXTLS_OK) {
			fprintf(stderr, "%s: %s\n", dom, why.text);
			return -1;
		}
	}
	mxtls_cache_close(c);
	return 0;
}

static double
bench(dlfunc_t *fn, const char *conf, long n)
{
	char doms[NDOMAINS][32];
	unsigned char *argv[3], *yield;
	double t0;
	long i;

	for (i = 0; i < NDOMAINS; i++)
		(void)snprintf(doms[i], sizeof(doms[i]), "d%ld.example", i);
	argv[1] = (unsigned char *)conf;
	argv[2] = NULL;
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		argv[0] = (unsigned char *)doms[i % NDOMAINS];
		if (fn(&yield, 2, argv) != 0) {
			fprintf(stderr, "call failed: %s\n", yield);
			exit(1);
		}
	}
	return (now_ns() - t0) / (double)n;
}

int
main(int argc, char **argv)
{
	char dir[64] = "/tmp/mxtls-bench-exim-XXXXXX", conf[600], so[512];
	const char *top = getenv("top_builddir"), *keep = NULL;
	dlfunc_t *policy, *hosts;
	long n = 1000000;
	double a, b;
	void *h;
	int opt;

	while ((opt = getopt(argc, argv, "n:p:")) != -1)
		switch (opt) {
		case 'n':
			n = strtol(optarg, NULL, 10);
			break;
		case 'p':
			keep = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench_exim [-n N] [-p DIR] "
			    "[PLUGIN.so]\n");
			return 2;
		}
	if (keep != NULL) {
		(void)mkdir(keep, 0755);
		return populate(keep, conf, sizeof(conf)) == 0 ? 0 : 1;
	}
	if (optind < argc)
		(void)snprintf(so, sizeof(so), "%s", argv[optind]);
	else
		(void)snprintf(so, sizeof(so), "%s/exim-plugin/.libs/"
		    "mxtls_exim.so", top != NULL ? top : ".");
	if (mkdtemp(dir) == NULL || populate(dir, conf, sizeof(conf)) != 0)
		return 1;
	if ((h = dlopen(so, RTLD_LAZY)) == NULL) {
		fprintf(stderr, "dlopen %s: %s\n", so, dlerror());
		return 1;
	}
	policy = (dlfunc_t *)dlsym(h, "policy");
	hosts = (dlfunc_t *)dlsym(h, "hosts");
	if (policy == NULL || hosts == NULL)
		return 1;
	(void)bench(policy, conf, 10000);	/* open the cache, warm up */
	a = bench(policy, conf, n);
	b = bench(hosts, conf, n);
	printf("mxtls_exim.so, %d cached domains, %ld calls each:\n",
	    NDOMAINS, n);
	printf("  policy  %7.0f ns/call  %9.0f calls/s\n", a, 1e9 / a);
	printf("  hosts   %7.0f ns/call  %9.0f calls/s\n", b, 1e9 / b);
	printf("  goal: under 5000 ns per cached call (%.1f%% of it)\n",
	    100.0 * (a > b ? a : b) / 5000.0);
	(void)snprintf(so, sizeof(so), "rm -rf '%s'", dir);
	return system(so) == 0 ? 0 : 1;
}
