/*
 * NAME
 *	sts_engine_test - drive the MTA-STS engine with a pinned clock
 * SYNOPSIS
 *	sts_engine_test [-t NOW] [-n COUNT] [-k] [-x] CONFIG DOMAIN
 * DESCRIPTION
 *	A test program (never installed) that runs mxtls_sts_lookup() the way
 *	the daemon and the CLI do, inside the hermetic test network, with the
 *	clock pinned at NOW (seconds since the epoch) so that expiry and
 *	back-off are tested without sleeping. It starts COUNT lookups of
 *	DOMAIN at once (to show they share one resolution), with
 *	MXTLS_LOOKUP_CHECK_TXT unless -k (keep: the hot cached path), or
 *	MXTLS_LOOKUP_NO_CACHE with -x. Prints one JSON object:
 *	{"results": [...], "fetches": N, "sync": B, "pending": N}
 *	where sync tells whether the first callback ran before
 *	mxtls_sts_lookup() returned and pending is the number of resolutions
 *	in flight right after the lookups were started.
 * DIAGNOSTICS
 *	Exit 0 when every callback ran, 2 on setup errors.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "clock.h"
#include "config.h"
#include "sts.h"
#include "sts_json.h"

#define MAX_LOOKUPS 16

struct driver {
	struct event_base *base;
	json_t *results;
	int	started;
	int	answered;
	int	sync;
};

static void
done(void *arg, const struct mxtls_sts_result *r)
{
	struct driver *d = arg;

	json_array_append_new(d->results, mxtls_sts_result_json(r));
	if (d->started == 0 && d->answered == 0)
		d->sync = 1;
	if (++d->answered == d->started)
		event_base_loopbreak(d->base);
}

static long long
num(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*s == '\0' || *end != '\0') {
		fprintf(stderr, "bad number %s\n", s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	struct mxtls_config cfg;
	struct mxtls_cache *cache = NULL;
	struct mxtls_engine *eng;
	struct mxtls_why why;
	struct driver d;
	unsigned flags = MXTLS_LOOKUP_CHECK_TXT;
	size_t pending;
	int ch, i, count = 1;
	json_t *out;

	memset(&d, 0, sizeof(d));
	while ((ch = getopt(argc, argv, "t:n:kx")) != -1) {
		switch (ch) {
		case 't':
			mxtls_clock_set((time_t)num(optarg));
			break;
		case 'n':
			count = (int)num(optarg);
			if (count < 1 || count > MAX_LOOKUPS)
				return 2;
			break;
		case 'k':
			flags &= ~MXTLS_LOOKUP_CHECK_TXT;
			break;
		case 'x':
			flags |= MXTLS_LOOKUP_NO_CACHE;
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 2)
		return 2;
	mxtls_why_clear(&why);
	if (mxtls_config_load(&cfg, argv[optind], 0, &why) != MXTLS_OK) {
		fprintf(stderr, "%s\n", why.text);
		return 2;
	}
	if (!(flags & MXTLS_LOOKUP_NO_CACHE) && (cache = mxtls_cache_open(
	    cfg.cache_dir, cfg.cache_map_size, MXTLS_CACHE_CREATE, &why)) ==
	    NULL) {
		fprintf(stderr, "%s\n", why.text);
		return 2;
	}
	d.base = event_base_new();
	d.results = json_array();
	if ((eng = mxtls_engine_new(d.base, &cfg, cache, &why)) == NULL) {
		fprintf(stderr, "%s\n", why.text);
		return 2;
	}
	for (i = 0; i < count; i++) {
		if (mxtls_sts_lookup(eng, argv[optind + 1], flags, done, &d,
		    &why) != MXTLS_OK) {
			fprintf(stderr, "%s\n", why.text);
			return 2;
		}
		d.started++;
	}
	pending = mxtls_engine_pending(eng);
	while (d.answered < d.started && event_base_dispatch(d.base) == 0)
		;
	out = json_pack("{s:o, s:I, s:b, s:I}", "results", d.results,
	    "fetches", (json_int_t)mxtls_engine_fetches(eng), "sync", d.sync,
	    "pending", (json_int_t)pending);
	json_dumpf(out, stdout, JSON_COMPACT);
	printf("\n");
	json_decref(out);
	mxtls_engine_free(eng);
	event_base_free(d.base);
	mxtls_cache_close(cache);
	return d.answered == d.started ? 0 : 1;
}
