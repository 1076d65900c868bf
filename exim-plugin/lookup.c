/*
 * NAME
 *	lookup - the decision summary of a domain, for mxtls_exim.so
 * SYNOPSIS
 *	#include "plugin.h"
 * DESCRIPTION
 *	Exim runs the plugin in many short-lived processes that fork from
 *	one another. The state kept here (the configuration and the LMDB
 *	handle) is per process and opened lazily; cache.c notices a fork and
 *	reopens the environment in the child rather than touch the parent's.
 *
 *	mxtls_exim_lookup() tries, in order, until one answers:
 *
 *	1. the "dec" database of the shared cache: a record before its
 *	   refresh time is the answer (a few microseconds, no system call
 *	   but the read transaction);
 *	2. mxtlsd on exim_daemon with the "exim" map: "OK <summary>" is the
 *	   answer; "NOTFOUND " (a key that is not a domain) is "none";
 *	   "TEMP the lookup is still running" is asked again while the
 *	   deadline allows; any other TEMP is the daemon's tempfail;
 *	3. when the daemon cannot be reached (no socket, refused, an old
 *	   daemon without the map) and exim_inline_resolve is on, the engine
 *	   on a private loop in this process (decide_once.c), which also
 *	   stores what it finds when the cache is writable for this user.
 *
 *	Fail safe (RFC 8461 3.3, 5.1; RFC 7672 2.1.1): when every source
 *	fails, a stored record that is past its refresh time but still
 *	usable is the answer (never downgraded by a failed refresh);
 *	without one the answer is a tempfail, so Exim defers. A cache that
 *	exists but cannot be read (permissions, corruption) is a tempfail
 *	too, with the file and the error: the administrator must see it.
 *	The whole lookup stays within exim_deadline milliseconds.
 * DIAGNOSTICS
 *	A status and why; the caller logs. Never exits.
 * SEE ALSO
 *	mxtls_exim(8), summary.h, smclient.h, decide_once.h
 */
#include "plugin.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "clock.h"
#include "decide_once.h"
#include "smclient.h"

#define LK_REPLY_BUF	(MXTLS_SUMMARY_TEXT_MAX + 64)
#define LK_RUNNING	"TEMP the lookup is still running"
#define LK_RETRY_MS	50	/* between asks while mxtlsd resolves */

struct lk_state {
	int	have_cfg;
	char	path[PATH_MAX];		/* "" = the default */
	struct mxtls_config cfg;
	struct mxtls_cache *cache;	/* NULL: not opened (yet) */
	int	cache_rw;		/* opened for writing */
	int	no_cache;		/* cache_dir holds no cache */
};

static struct lk_state lk;

const char *
mxtls_exim_source_name(enum mxtls_exim_source from)
{
	switch (from) {
	case MXTLS_EXIM_FROM_CACHE:
		return "cache";
	case MXTLS_EXIM_FROM_DAEMON:
		return "mxtlsd";
	case MXTLS_EXIM_FROM_INLINE:
		return "inline";
	case MXTLS_EXIM_FROM_STALE:
		return "stale cache";
	}
	return "?";
}

void
mxtls_exim_reset(void)
{
	mxtls_cache_close(lk.cache);
	memset(&lk, 0, sizeof(lk));
}

const struct mxtls_config *
mxtls_exim_config(const char *path, struct mxtls_why *why)
{
	struct mxtls_config cfg;

	if (path == NULL)
		path = "";
	if (lk.have_cfg && strcmp(path, lk.path) == 0)
		return &lk.cfg;
	if (strlen(path) >= sizeof(lk.path)) {
		(void)mxtls_why_set(why, MXTLS_PERMFAIL, "configuration file "
		    "name too long");
		return NULL;
	}
	if (path[0] != '\0' && path[0] != '/') {
		(void)mxtls_why_set(why, MXTLS_PERMFAIL, "configuration file "
		    "%s: give an absolute path", path);
		return NULL;
	}
	mxtls_config_defaults(&cfg);
	if (mxtls_config_load(&cfg, path[0] != '\0' ? path : NULL,
	    path[0] == '\0', why) != MXTLS_OK)
		return NULL;
	mxtls_exim_reset();
	lk.cfg = cfg;
	mxtls_strlcpy(lk.path, path, sizeof(lk.path));
	lk.have_cfg = 1;
	return &lk.cfg;
}

/*
 * lk_cache - the cache of this process, opened at the first use: for
 * writing when this user may (the in-process resolution then stores),
 * else read-only. No data.mdb in cache_dir: no cache (*none set).
 */
static enum mxtls_status
lk_cache(const struct mxtls_config *cfg, int *none, struct mxtls_why *why)
{
	char file[PATH_MAX];
	int n;

	*none = 0;
	if (lk.cache != NULL)
		return MXTLS_OK;
	n = snprintf(file, sizeof(file), "%s/data.mdb", cfg->cache_dir);
	if (n < 0 || (size_t)n >= sizeof(file))
		return mxtls_why_set(why, MXTLS_TEMPFAIL, "cache_dir %s: name "
		    "too long", cfg->cache_dir);
	if (access(file, F_OK) != 0 && errno == ENOENT) {
		*none = 1;
		return MXTLS_OK;
	}
	if (access(file, W_OK) == 0 && (lk.cache = mxtls_cache_open(
	    cfg->cache_dir, cfg->cache_map_size, 0, why)) != NULL) {
		lk.cache_rw = 1;
		return MXTLS_OK;
	}
	if ((lk.cache = mxtls_cache_open(cfg->cache_dir, cfg->cache_map_size,
	    MXTLS_CACHE_RDONLY, why)) == NULL)
		return MXTLS_TEMPFAIL;
	lk.cache_rw = 0;
	return MXTLS_OK;
}

/* lk_none - the summary of a key that cannot have a policy */

static void
lk_none(struct mxtls_summary *out)
{
	memset(out, 0, sizeof(*out));
	out->policy = MXTLS_POLICY_NONE;
	out->decided_by = MXTLS_RULE_NONE;
}

/*
 * lk_ask - ask mxtlsd. MXTLS_OK (answer in *out), MXTLS_TEMPFAIL (the
 * daemon's tempfail, or the deadline: do not resolve here), MXTLS_NOTFOUND
 * (no daemon to ask: the caller may resolve in-process).
 */
static enum mxtls_status
lk_ask(const struct mxtls_config *cfg, const char *domain,
    const struct timespec *dl, struct mxtls_summary *out,
    struct mxtls_why *why)
{
	struct mxtls_endpoint ep;
	const char *data, *map = cfg->map_exim;
	char buf[LK_REPLY_BUF], mapname[65], show[MXTLS_WHY_MAX];
	struct mxtls_why pw;
	size_t dlen, n;

	if (cfg->exim_daemon[0] == '\0' || map[0] == '\0')
		return MXTLS_NOTFOUND;
	if (mxtls_config_endpoint(cfg->exim_daemon, strlen(cfg->exim_daemon),
	    MXTLS_ENDPOINT_UNIX | MXTLS_ENDPOINT_INET, &ep, why) != MXTLS_OK)
		return MXTLS_NOTFOUND;
	n = strcspn(map, " ");		/* the first name of map_exim */
	if (n >= sizeof(mapname))
		return MXTLS_NOTFOUND;
	memcpy(mapname, map, n);
	mapname[n] = '\0';
	for (;;) {
		if (mxtls_smclient_ask(&ep, mapname, domain, dl, buf,
		    sizeof(buf), &data, &dlen) != 0) {
			if (errno == ETIMEDOUT)
				return mxtls_why_set(why, MXTLS_TEMPFAIL,
				    "mxtlsd at %s did not answer within "
				    "exim_deadline (%u ms)", ep.text,
				    cfg->exim_deadline);
			(void)mxtls_why_set(why, MXTLS_NOTFOUND, "mxtlsd at "
			    "%s: %s", ep.text, strerror(errno));
			return MXTLS_NOTFOUND;
		}
		if (dlen >= 3 && memcmp(data, "OK ", 3) == 0) {
			if (mxtls_summary_parse(data + 3, dlen - 3, out,
			    &pw) == MXTLS_OK)
				return MXTLS_OK;
			return mxtls_why_set(why, MXTLS_TEMPFAIL, "mxtlsd at "
			    "%s sent a summary this plugin cannot read (%s): "
			    "are mxtlsd and mxtls_exim.so the same version?",
			    ep.text, pw.text);
		}
		if (dlen >= 8 && memcmp(data, "NOTFOUND", 8) == 0) {
			lk_none(out);
			return MXTLS_OK;
		}
		if (dlen >= sizeof(LK_RUNNING) - 1 && memcmp(data, LK_RUNNING,
		    sizeof(LK_RUNNING) - 1) == 0 &&
		    mxtls_deadline_left(dl) > LK_RETRY_MS) {
			(void)usleep(LK_RETRY_MS * 1000);
			continue;
		}
		(void)mxtls_sanitize(show, sizeof(show), data, dlen);
		if (dlen >= 5 && memcmp(data, "TEMP ", 5) == 0)
			return mxtls_why_set(why, MXTLS_TEMPFAIL, "%s",
			    show + 5);
		/* PERM (e.g. an older mxtlsd without the map) or garbage */
		(void)mxtls_why_set(why, MXTLS_NOTFOUND, "mxtlsd at %s "
		    "answered \"%s\" (is map_exim the same for both?)",
		    ep.text, show);
		return MXTLS_NOTFOUND;
	}
}

struct lk_inline {
	const struct mxtls_config *cfg;
	struct mxtls_summary *out;
	int	tempfail;
	char	why[MXTLS_DETAIL_MAX];
};

static void
lk_inline_done(void *arg, const struct mxtls_decision *d)
{
	struct lk_inline *in = arg;

	mxtls_summary_make(in->cfg, d, mxtls_now(), in->out);
	in->tempfail = d->policy == MXTLS_POLICY_TEMPFAIL;
	mxtls_strlcpy(in->why, in->out->note, sizeof(in->why));
}

/* lk_resolve - the engine in this process, within the deadline */

static enum mxtls_status
lk_resolve(const struct mxtls_config *cfg, const char *domain,
    const struct timespec *dl, struct mxtls_summary *out,
    struct mxtls_why *why)
{
	struct lk_inline in;
	int ms = mxtls_deadline_left(dl);

	memset(&in, 0, sizeof(in));
	in.cfg = cfg;
	in.out = out;
	if (ms <= 0)
		return mxtls_why_set(why, MXTLS_TEMPFAIL, "no time left "
		    "within exim_deadline (%u ms)", cfg->exim_deadline);
	if (mxtls_decide_once(cfg, lk.cache_rw ? lk.cache : NULL, domain,
	    MXTLS_LOOKUP_CHECK_TXT, (unsigned)ms, lk_inline_done, &in, why) !=
	    MXTLS_OK)
		return MXTLS_TEMPFAIL;
	if (in.tempfail)
		return mxtls_why_set(why, MXTLS_TEMPFAIL, "%s", in.why[0] ?
		    in.why : "cannot decide now");
	return MXTLS_OK;
}

/* lk_fresh - *out is the answer from the cache (0) or must be refreshed */

static int
lk_fresh(struct mxtls_summary *stored, int *have_stored,
    const char *domain, time_t now, struct mxtls_why *why)
{
	*have_stored = 0;
	if (lk.cache == NULL)
		return -1;
	switch (mxtls_cache_dec_get(lk.cache, domain, stored, why)) {
	case MXTLS_OK:
		if ((int64_t)now >= stored->usable_until)
			return -1;
		*have_stored = 1;
		return (int64_t)now < stored->refresh_at ? 0 : -1;
	case MXTLS_NOTFOUND:
		return -1;
	default:
		return -2;	/* the cache cannot be read: why says so */
	}
}

enum mxtls_status
mxtls_exim_lookup(const struct mxtls_config *cfg, const char *domain,
    struct mxtls_summary *out, enum mxtls_exim_source *from,
    struct mxtls_why *why)
{
	struct mxtls_summary stored;
	struct timespec dl;
	struct mxtls_why w1, w2;
	enum mxtls_status st;
	int none, have_stored = 0, r;

	mxtls_why_clear(why);
	mxtls_deadline_in(&dl, cfg->exim_deadline);
	if (lk_cache(cfg, &none, why) != MXTLS_OK)
		return MXTLS_TEMPFAIL;
	r = lk_fresh(&stored, &have_stored, domain, mxtls_now(), why);
	if (r == -2)
		return MXTLS_TEMPFAIL;
	if (r == 0) {
		*out = stored;
		*from = MXTLS_EXIM_FROM_CACHE;
		return MXTLS_OK;
	}
	mxtls_why_clear(&w1);
	mxtls_why_clear(&w2);
	st = lk_ask(cfg, domain, &dl, out, &w1);
	*from = MXTLS_EXIM_FROM_DAEMON;
	if (st == MXTLS_NOTFOUND && cfg->exim_inline_resolve) {
		st = lk_resolve(cfg, domain, &dl, out, &w2);
		*from = MXTLS_EXIM_FROM_INLINE;
		if (st != MXTLS_OK)
			(void)mxtls_why_set(why, st, "%s%s%s", w1.text,
			    w1.text[0] ? "; resolving here: " : "", w2.text);
	} else if (st == MXTLS_NOTFOUND)
		st = mxtls_why_set(why, MXTLS_TEMPFAIL, "%s; and "
		    "exim_inline_resolve is off", w1.text[0] ? w1.text :
		    "no mxtlsd to ask (exim_daemon is empty)");
	else if (st != MXTLS_OK)
		(void)mxtls_why_set(why, st, "%s", w1.text);
	if (st == MXTLS_OK)
		return MXTLS_OK;
	if (have_stored && stored.policy != MXTLS_POLICY_TEMPFAIL) {
		*out = stored;		/* fail safe: keep what still holds */
		*from = MXTLS_EXIM_FROM_STALE;
		return MXTLS_OK;
	}
	return MXTLS_TEMPFAIL;
}
