/*
 * NAME
 *	refresh - mxtlsd's proactive refresh of cached MTA-STS policies
 * SYNOPSIS
 *	#include "daemon.h"
 * DESCRIPTION
 *	RFC 8461 3.3 asks senders to refresh cached policies before they
 *	expire (daily is suggested) and 10.2 to fetch the live policy whatever
 *	the TXT record says, so that a policy stays in force while mail keeps
 *	flowing and an attacker who hides the TXT record gains nothing.
 *
 *	A timer scans the "sts" database of the LMDB cache every
 *	refresh_interval / 24 seconds (at least 60, at most 3600, with 10%
 *	jitter), or sooner when a policy falls due before that (but never
 *	more often than every 60 s). A valid policy fetched at F that
 *	expires at E is due at
 *
 *		F + min(refresh_interval, (E - F) / 2) - jitter
 *
 *	where jitter, up to an eighth of that period, is drawn per domain
 *	from a random seed: refreshes spread out instead of following the
 *	order the policies were first fetched in, and every policy is
 *	refreshed before half its lifetime has passed. A domain whose last
 *	fetch failed (failed_at after fetched_at) is retried no sooner than
 *	an eighth of its remaining lifetime, within [5 minutes, 1 hour].
 *	Expired policies are left alone (a lookup will fetch them again).
 *
 *	Due domains go to a FIFO queue (at most REFRESH_QUEUE_MAX; a scan
 *	starts only when the queue is empty, so nothing is queued twice) and
 *	at most refresh_concurrency lookups run at once:
 *	mxtls_sts_lookup() with MXTLS_LOOKUP_CHECK_TXT | MXTLS_LOOKUP_REFETCH,
 *	which updates the LMDB entry; the answer cache (answers.c) picks the
 *	new policy up at its next TXT recheck (sts_recheck_interval).
 * DIAGNOSTICS
 *	A refresh that fails while the policy expires within a day is logged
 *	as a warning (RFC 8461 10.2: alert the administrator), except for
 *	policies in mode none; other failures are logged at LOG_INFO.
 * SEE ALSO
 *	RFC 8461 3.3, 10.2; shared/spec/mta-sts.md section 8; sts.c
 */
#include "daemon.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "clock.h"
#include "log.h"

#define REFRESH_FIRST_SCAN	10	/* seconds after start */
#define REFRESH_SCAN_MIN	60
#define REFRESH_SCAN_MAX	3600
#define REFRESH_QUEUE_MAX	65536	/* domains queued by one scan */
#define REFRESH_RETRY_MIN	MXTLS_STS_BACKOFF
#define REFRESH_RETRY_MAX	3600
#define REFRESH_ALERT		86400	/* warn when expiry is this near */

/* One domain queued or being refreshed. */
struct refresh_item {
	struct refresh_item *next, *prev;
	struct mxtlsd_refresh *r;
	int	running;		/* in r->jobs, not in the queue */
	int	mode;			/* enum mxtls_sts_mode when scanned */
	int64_t	expires_at;		/* when scanned */
	char	domain[];
};

struct mxtlsd_refresh {
	struct mxtlsd *d;
	struct event *timer;
	struct refresh_item *qhead, *qtail;
	size_t	qlen;
	struct refresh_item *jobs;	/* lookups in flight */
	size_t	njobs;
	int	pumping;		/* in refresh_pump(): no recursion */
	uint32_t seed;
	time_t	now;			/* of the scan under way */
	int64_t	next_due;		/* earliest due time it saw ahead */
};

static void refresh_pump(struct mxtlsd_refresh *);

static uint32_t
refresh_hash(uint32_t seed, const char *s)
{
	uint32_t h = 2166136261u ^ seed;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	h ^= h >> 13;
	h *= 0x5bd1e995u;
	h ^= h >> 15;
	return h;
}

static time_t
refresh_scan_period(const struct mxtlsd_refresh *r)
{
	time_t p = (time_t)r->d->cfg->refresh_interval / 24;

	if (p < REFRESH_SCAN_MIN)
		p = REFRESH_SCAN_MIN;
	if (p > REFRESH_SCAN_MAX)
		p = REFRESH_SCAN_MAX;
	return p;
}

/*
 * refresh_due - when e should be refreshed (the rule in
 * DESCRIPTION); 0 when it should not be (no policy, or expired at now).
 */
static int64_t
refresh_due(const struct mxtlsd_refresh *r, const struct mxtls_sts_entry *e,
    time_t now)
{
	int64_t life, period, due, retry;

	if (!e->have_policy || e->expires_at <= (int64_t)now)
		return 0;
	life = e->expires_at - e->fetched_at;
	period = (int64_t)r->d->cfg->refresh_interval;
	if (life / 2 < period)
		period = life / 2;
	if (period < 1)
		period = 1;
	due = e->fetched_at + period -
	    (int64_t)(refresh_hash(r->seed, e->domain) % (uint64_t)(period / 8 +
	    1));
	if (e->failed_at != 0 && e->failed_at >= e->fetched_at) {
		retry = (e->expires_at - (int64_t)now) / 8;
		if (retry < REFRESH_RETRY_MIN)
			retry = REFRESH_RETRY_MIN;
		if (retry > REFRESH_RETRY_MAX)
			retry = REFRESH_RETRY_MAX;
		if (due < e->failed_at + retry)
			due = e->failed_at + retry;
	}
	return due;
}

/* ---- the queue */

static void
refresh_unlink(struct refresh_item **head, struct refresh_item **tail,
    struct refresh_item *it)
{
	if (it->prev != NULL)
		it->prev->next = it->next;
	else
		*head = it->next;
	if (it->next != NULL)
		it->next->prev = it->prev;
	else if (tail != NULL)
		*tail = it->prev;
	it->next = it->prev = NULL;
}

static int
refresh_enqueue(struct mxtlsd_refresh *r, const struct mxtls_sts_entry *e)
{
	struct refresh_item *it;
	size_t len = strlen(e->domain);

	if ((it = calloc(1, sizeof(*it) + len + 1)) == NULL)
		return -1;
	memcpy(it->domain, e->domain, len + 1);
	it->r = r;
	it->mode = (int)e->policy.mode;
	it->expires_at = e->expires_at;
	it->prev = r->qtail;
	if (r->qtail != NULL)
		r->qtail->next = it;
	else
		r->qhead = it;
	r->qtail = it;
	r->qlen++;
	return 0;
}

static int
refresh_running(const struct mxtlsd_refresh *r, const char *domain)
{
	const struct refresh_item *it;

	for (it = r->jobs; it != NULL; it = it->next)
		if (strcmp(it->domain, domain) == 0)
			return 1;
	return 0;
}

/* refresh_consider - mxtls_cache_sts_list() callback: queue e if due */

static int
refresh_consider(void *arg, const struct mxtls_sts_entry *e)
{
	struct mxtlsd_refresh *r = arg;
	int64_t due = refresh_due(r, e, r->now);

	if (due == 0 || refresh_running(r, e->domain))
		return 0;
	if (due > (int64_t)r->now) {
		if (due < r->next_due)
			r->next_due = due;
		return 0;
	}
	if (refresh_enqueue(r, e) != 0)
		return 1;		/* ENOMEM: try at the next scan */
	return r->qlen >= REFRESH_QUEUE_MAX;
}

/* ---- one refresh */

static void
refresh_report(const struct refresh_item *it, const struct mxtls_sts_result
    *res, time_t now)
{
	const char *why = res->nerrors > 0 ? res->errors[0].detail :
	    res->entry.fail_detail;
	int64_t left = (res->have_entry ? res->entry.expires_at :
	    it->expires_at) - (int64_t)now;

	if (it->mode != MXTLS_STS_MODE_NONE && left < REFRESH_ALERT)
		mxtls_log(LOG_WARNING, "%s: the MTA-STS policy could not be "
		    "refreshed and %s (RFC 8461 10.2); mail to it will go "
		    "without MTA-STS protection once it expires: %s",
		    it->domain, left > 0 ? "expires within a day" :
		    "has expired", why[0] != '\0' ? why : "unknown error");
	else
		mxtls_log(LOG_INFO, "%s: proactive refresh failed, the cached "
		    "policy stays in force: %s", it->domain,
		    why[0] != '\0' ? why : "unknown error");
}

static void
refresh_done(void *arg, const struct mxtls_sts_result *res)
{
	struct refresh_item *it = arg;
	struct mxtlsd_refresh *r = it->r;
	time_t now = mxtls_now();
	int renewed = res->have_entry && res->fetched && !res->from_cache &&
	    res->entry.fetched_at >= (int64_t)now - 1;

	if (renewed)
		mxtls_log(LOG_DEBUG, "%s: policy refreshed (%s, max_age %u)",
		    it->domain, mxtls_policy_name(res->policy),
		    (unsigned)res->entry.policy.max_age);
	else
		refresh_report(it, res, now);
	refresh_unlink(&r->jobs, NULL, it);
	r->njobs--;
	free(it);
	if (!r->pumping)
		refresh_pump(r);
}

/* refresh_pump - start queued refreshes up to refresh_concurrency */

static void
refresh_pump(struct mxtlsd_refresh *r)
{
	struct refresh_item *it;
	struct mxtls_why why;
	size_t max = (size_t)r->d->cfg->refresh_concurrency;

	r->pumping = 1;
	while (r->njobs < (max > 0 ? max : 1) && (it = r->qhead) != NULL &&
	    !r->d->draining) {
		refresh_unlink(&r->qhead, &r->qtail, it);
		r->qlen--;
		it->running = 1;
		it->next = r->jobs;
		if (r->jobs != NULL)
			r->jobs->prev = it;
		r->jobs = it;
		r->njobs++;
		mxtls_why_clear(&why);
		/* may call refresh_done before returning (sts.h) */
		if (mxtls_sts_lookup(r->d->eng, it->domain,
		    MXTLS_LOOKUP_CHECK_TXT | MXTLS_LOOKUP_REFETCH, refresh_done,
		    it, &why) != MXTLS_OK) {
			mxtls_log(LOG_INFO, "%s: proactive refresh not "
			    "started: %s", it->domain, why.text);
			refresh_unlink(&r->jobs, NULL, it);
			r->njobs--;
			free(it);
		}
	}
	r->pumping = 0;
}

/* ---- the scan timer */

static void
refresh_arm(struct mxtlsd_refresh *r, time_t secs)
{
	struct timeval tv;
	uint32_t j = refresh_hash(r->seed, "") ^ (uint32_t)mxtls_now();

	/* +-10% jitter, so that daemons started together spread out */
	tv.tv_sec = secs - secs / 10 + (time_t)(j % (uint32_t)(secs / 5 + 1));
	tv.tv_usec = (suseconds_t)(j % 1000000);
	(void)evtimer_add(r->timer, &tv);
}

static void
refresh_scan(evutil_socket_t fd, short what, void *arg)
{
	struct mxtlsd_refresh *r = arg;
	struct mxtls_why why;
	time_t next = refresh_scan_period(r);

	(void)fd;
	(void)what;
	if (r->qhead == NULL && r->d->cache != NULL && !r->d->draining) {
		r->now = mxtls_now();
		r->next_due = INT64_MAX;
		mxtls_why_clear(&why);
		if (mxtls_cache_sts_list(r->d->cache, refresh_consider, r,
		    &why) != MXTLS_OK)
			mxtls_log(LOG_WARNING, "proactive refresh: cannot list "
			    "the cache: %s", why.text);
		else if (r->qlen > 0)
			mxtls_log(LOG_DEBUG, "proactive refresh: %zu policies "
			    "due", r->qlen);
		refresh_pump(r);
		if (r->next_due - (int64_t)r->now < (int64_t)next)
			next = (time_t)(r->next_due - (int64_t)r->now);
		if (next < REFRESH_SCAN_MIN)
			next = REFRESH_SCAN_MIN;
	}
	refresh_arm(r, next);
}

/* ---- the interface */

struct mxtlsd_refresh *
mxtlsd_refresh_new(struct mxtlsd *d)
{
	struct mxtlsd_refresh *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->d = d;
	if (getrandom(&r->seed, sizeof(r->seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(r->seed))
		r->seed = (uint32_t)time(NULL) ^ (uint32_t)(uintptr_t)r;
	if ((r->timer = evtimer_new(d->base, refresh_scan, r)) == NULL) {
		free(r);
		return NULL;
	}
	refresh_arm(r, REFRESH_FIRST_SCAN);
	return r;
}

/*
 * mxtlsd_refresh_free - drops the queue and the lookups in flight (their
 * callbacks are dropped when the engine is freed: free it without running
 * the loop in between).
 */
void
mxtlsd_refresh_free(struct mxtlsd_refresh *r)
{
	struct refresh_item *it;

	if (r == NULL)
		return;
	if (r->timer != NULL)
		event_free(r->timer);
	while ((it = r->qhead) != NULL) {
		r->qhead = it->next;
		free(it);
	}
	while ((it = r->jobs) != NULL) {
		r->jobs = it->next;
		free(it);
	}
	free(r);
}

size_t
mxtlsd_refresh_queue_len(const struct mxtlsd_refresh *r)
{
	return r == NULL ? 0 : r->qlen;
}
