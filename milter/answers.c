/*
 * NAME
 *	answers - mxtlsd's in-memory answer cache in front of mxtls_decide()
 * SYNOPSIS
 *	#include "daemon.h"
 * DESCRIPTION
 *	One entry per recipient domain: the policy, the two rendered replies
 *	(postfix and sendmail dialects, mxtlsd_reply() with d->ropts), the
 *	time it must be refreshed by and the time it stops being usable. The
 *	entries live in a hash table with a random seed and on an LRU list;
 *	at answer_cache_max entries the least recently used one goes.
 *
 *	Lifetimes (now = when the decision arrived):
 *
 *	policy           refresh at                   usable until
 *	sts-enforce,     now + sts_recheck_interval   the policy's expires_at
 *	sts-testing,                                   (RFC 8461 3.3, 5.1)
 *	none with an
 *	MTA-STS policy
 *	dane             now + smallest host TTL,     refresh + 1 hour
 *	                 within [30 s, 1 hour]
 *	none             now + negative_ttl           refresh + negative_ttl
 *	tempfail         now + 15 s                   the same: never stale
 *
 *	The refresh time is brought forward by up to an eighth of its
 *	distance, by an amount drawn from the domain's (seeded) hash, so that
 *	answers made at the same moment (a warm-up, a restart) do not all
 *	fall stale at the same moment.
 *
 *	Replies are rendered only in the dialects of the maps asked so far
 *	(most hosts run one MTA: no Exim summary kept for Postfix). A usable
 *	entry without the dialect asked is a miss: the domain is resolved
 *	again and the entry rendered in every dialect wanted; should that
 *	pass the deadline, an entry with a policy answers the new map "TEMP"
 *	(never "no policy").
 *
 *	Serving: a fresh entry answers at once (a cache hit). A stale one
 *	that is still usable answers at once too and starts one background
 *	refresh (stale-while-revalidate), unless ANS_BACKGROUND_MAX such
 *	refreshes are running: then a later lookup starts it. A burst of
 *	stale entries therefore costs the loop a bounded amount of work.
 *	Otherwise the lookup waits for a resolution, started with
 *	MXTLS_LOOKUP_CHECK_TXT or joined when one is in flight for the
 *	domain (one mxtls_decide per domain at a time).
 *	Each waiter has a deadline (lookup_deadline ms, 0: none): when it
 *	passes, the waiter gets the answer RFC 8461 3.3 gives when no policy
 *	is cached ("NOTFOUND ", timed_out set) unless the LMDB cache holds a
 *	live MTA-STS policy, which is then applied; the resolution goes on and
 *	fills the cache.
 *
 *	Fail safe: a tempfail decision never replaces a usable sts-enforce,
 *	sts-testing or dane answer; that answer keeps being served and the
 *	refresh is retried after 15 s (RFC 8461 3.3, 5.1; a stale "dane-only"
 *	only makes Postfix do its own DANE lookups). The engine already keeps
 *	a cached MTA-STS policy while TXT lookups and fetches fail.
 *
 *	When d->ropts changes (SIGHUP), every entry is marked stale: it is
 *	served once more with its old wording while it is re-rendered.
 *
 *	Ownership: the answer passed to a callback and its strings are
 *	borrowed for the duration of the call; copy them before calling back
 *	into this module. A handle is a number, never a pointer: cancelling a
 *	handle that was answered or cancelled already does nothing.
 * DIAGNOSTICS
 *	One line per resolution at LOG_INFO (domain, policy, rule, time and
 *	the first note); counters and latency through mxtlsd_metrics_*().
 * SEE ALSO
 *	RFC 8461 3.3, 5.1; RFC 7672 2; daemon.h, reply.c, decide.c
 */
#include "daemon.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "socketmap.h"
#include "summary.h"

#define ANS_BUCKETS_MIN		1024	/* hash buckets to start with */
#define ANS_WAIT_BUCKETS	4096	/* waiter id table */
#define ANS_TEMPFAIL_TTL	MXTLS_TEMPFAIL_TTL	/* a tempfail is kept */
#define ANS_BACKGROUND_MAX	64	/* revalidations running at once */
#define ANS_UNRENDERED		UINT32_MAX /* r[]: dialect not asked for */
#define ANS_NOTFOUND		"NOTFOUND "
#define ANS_STILL_RUNNING	"TEMP the lookup is still running; try again " \
				"shortly"

struct ans_res;

struct ans_entry {
	struct ans_entry *hnext;	/* hash chain */
	struct ans_entry *lprev, *lnext; /* LRU: head = most recent */
	struct ans_res *res;		/* resolution in flight, or NULL */
	time_t	refresh_at;
	time_t	usable_until;
	uint32_t hash;
	uint32_t r[MXTLSD_DIALECTS];	/* reply offsets in text */
	uint16_t pin;			/* in a callback: do not evict */
	uint8_t	have;			/* text holds an answer */
	uint8_t	policy;			/* enum mxtls_policy */
	char   *text;			/* "domain\0reply0\0reply1\0"; owned */
};

struct ans_waiter {
	uint64_t id;			/* the handle */
	struct ans_waiter *hnext;	/* id table chain */
	struct ans_waiter *prev, *next;	/* the resolution's waiters */
	struct ans_res *res;
	mxtlsd_answer_cb *cb;
	void   *arg;
	struct event *timer;		/* deadline; NULL: none */
	uint64_t started;		/* monotonic microseconds */
};

struct ans_res {
	struct mxtlsd_answers *a;
	struct ans_entry *e;		/* NULL once evicted */
	struct ans_waiter *waiters;
	struct ans_res *prev, *next;	/* a->res */
	uint64_t started;
	int	timed_out;		/* a deadline passed (logged once) */
	int	background;		/* a stale entry's revalidation */
	char	domain[MXTLS_DOMAIN_MAX + 1];
};

struct mxtlsd_answers {
	struct mxtlsd *d;
	struct ans_entry **buckets;
	size_t	nbuckets;		/* a power of two */
	size_t	count;
	struct ans_entry *head, *tail;	/* LRU */
	struct ans_res *res;		/* every resolution in flight */
	size_t	nbackground;		/* of which revalidations */
	unsigned wanted;		/* 1 << dialect: maps asked so far */
	struct ans_waiter *wait[ANS_WAIT_BUCKETS];
	uint64_t next_id;
	uint32_t seed;
	struct mxtlsd_reply_opts ropts;	/* what the entries were rendered
					   with */
	const struct timeval *deadline_tv; /* libevent common timeout */
	unsigned deadline_ms;		/* what deadline_tv stands for */
	struct mxtls_decision *scratch;	/* deadline answers from LMDB */
	char   *buf;			/* rendering: domain + 2 replies */
	size_t	bufsz;
};

/* What one answer says, pointing into an entry or a rendered block. */
struct ans_view {
	enum mxtls_policy policy;
	const char *domain;
	const char *reply[MXTLSD_DIALECTS];
};

/* ---- small helpers */

static uint64_t
ans_usec(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint32_t
ans_hash(const struct mxtlsd_answers *a, const char *s)
{
	uint32_t h = 2166136261u ^ a->seed;	/* FNV-1a, seeded */

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	h ^= h >> 15;
	h *= 0x2c1b3c6dU;
	h ^= h >> 12;
	return h;
}

static enum mxtlsd_counter
ans_counter(enum mxtls_policy p)
{
	switch (p) {
	case MXTLS_POLICY_DANE:
		return MXTLSD_C_LOOKUPS_DANE;
	case MXTLS_POLICY_STS_ENFORCE:
		return MXTLSD_C_LOOKUPS_STS_ENFORCE;
	case MXTLS_POLICY_STS_TESTING:
		return MXTLSD_C_LOOKUPS_STS_TESTING;
	case MXTLS_POLICY_TEMPFAIL:
		return MXTLSD_C_LOOKUPS_TEMPFAIL;
	case MXTLS_POLICY_NONE:
		break;
	}
	return MXTLSD_C_LOOKUPS_NONE;
}

static void
ans_view_entry(struct ans_view *v, const struct ans_entry *e)
{
	size_t i;

	v->policy = (enum mxtls_policy)e->policy;
	v->domain = e->text;
	for (i = 0; i < MXTLSD_DIALECTS; i++)
		v->reply[i] = e->r[i] == ANS_UNRENDERED ? NULL :
		    e->text + e->r[i];
}

/* ans_view_all - the same reply for every dialect */

static void
ans_view_all(struct ans_view *v, const char *reply)
{
	size_t i;

	for (i = 0; i < MXTLSD_DIALECTS; i++)
		v->reply[i] = reply;
}

/* ans_view_text - the replies of a block made by ans_render() */

static void
ans_view_text(struct ans_view *v, const char *text,
    const uint32_t r[MXTLSD_DIALECTS])
{
	size_t i;

	for (i = 0; i < MXTLSD_DIALECTS; i++)
		v->reply[i] = r[i] == ANS_UNRENDERED ? NULL : text + r[i];
}

/* ans_deliver - hand v to one client, counting it as c */

static void
ans_deliver(struct mxtlsd_answers *a, const struct ans_view *v,
    mxtlsd_answer_cb *cb, void *arg, uint64_t started, int from_cache,
    int timed_out, enum mxtlsd_counter c)
{
	struct mxtlsd_answer ans;
	uint64_t now = ans_usec();

	ans.domain = v->domain;
	ans.policy = v->policy;
	memcpy(ans.reply, v->reply, sizeof(ans.reply));
	ans.from_cache = from_cache;
	ans.timed_out = timed_out;
	mxtlsd_metrics_inc(a->d->metrics, c);
	mxtlsd_metrics_latency(a->d->metrics, now > started ? now - started :
	    0);
	cb(arg, &ans);
}

/* ---- the table and the LRU list */

static struct ans_entry *
ans_find(const struct mxtlsd_answers *a, const char *domain, uint32_t h)
{
	struct ans_entry *e;

	for (e = a->buckets[h & (a->nbuckets - 1)]; e != NULL; e = e->hnext)
		if (e->hash == h && strcmp(e->text, domain) == 0)
			return e;
	return NULL;
}

static void
ans_lru_unlink(struct mxtlsd_answers *a, struct ans_entry *e)
{
	if (e->lprev != NULL)
		e->lprev->lnext = e->lnext;
	else
		a->head = e->lnext;
	if (e->lnext != NULL)
		e->lnext->lprev = e->lprev;
	else
		a->tail = e->lprev;
	e->lprev = e->lnext = NULL;
}

static void
ans_touch(struct mxtlsd_answers *a, struct ans_entry *e)
{
	if (a->head == e)
		return;
	ans_lru_unlink(a, e);
	e->lnext = a->head;
	if (a->head != NULL)
		a->head->lprev = e;
	a->head = e;
	if (a->tail == NULL)
		a->tail = e;
}

static void
ans_remove(struct mxtlsd_answers *a, struct ans_entry *e)
{
	struct ans_entry **pp;

	for (pp = &a->buckets[e->hash & (a->nbuckets - 1)]; *pp != e;
	    pp = &(*pp)->hnext)
		;
	*pp = e->hnext;
	ans_lru_unlink(a, e);
	if (e->res != NULL)
		e->res->e = NULL;	/* it still answers its waiters */
	free(e->text);
	free(e);
	a->count--;
}

/* ans_grow - double the buckets when the load passes 1 */

static void
ans_grow(struct mxtlsd_answers *a)
{
	struct ans_entry **nb, *e, *next;
	size_t i, n = a->nbuckets * 2;

	if (a->count < a->nbuckets || n > SIZE_MAX / sizeof(*nb) ||
	    (nb = calloc(n, sizeof(*nb))) == NULL)
		return;		/* longer chains, still correct */
	for (i = 0; i < a->nbuckets; i++)
		for (e = a->buckets[i]; e != NULL; e = next) {
			next = e->hnext;
			e->hnext = nb[e->hash & (n - 1)];
			nb[e->hash & (n - 1)] = e;
		}
	free(a->buckets);
	a->buckets = nb;
	a->nbuckets = n;
}

/* ans_evict - make room for one more entry (LRU; pinned ones stay) */

static void
ans_evict(struct mxtlsd_answers *a)
{
	struct ans_entry *e, *prev;
	size_t max = (size_t)a->d->cfg->answer_cache_max;

	if (max == 0)
		max = 1;
	for (e = a->tail; e != NULL && a->count >= max; e = prev) {
		prev = e->lprev;
		if (e->pin == 0)
			ans_remove(a, e);
	}
}

static struct ans_entry *
ans_insert(struct mxtlsd_answers *a, const char *domain, uint32_t h)
{
	struct ans_entry *e;
	size_t len = strlen(domain);

	ans_evict(a);
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if ((e->text = malloc(len + 1)) == NULL) {
		free(e);
		return NULL;
	}
	memcpy(e->text, domain, len + 1);
	e->hash = h;
	e->hnext = a->buckets[h & (a->nbuckets - 1)];
	a->buckets[h & (a->nbuckets - 1)] = e;
	a->count++;
	ans_touch(a, e);
	ans_grow(a);
	return e;
}

/* ---- waiters */

static void
ans_waiter_unlink(struct mxtlsd_answers *a, struct ans_waiter *w)
{
	struct ans_waiter **pp;

	for (pp = &a->wait[w->id % ANS_WAIT_BUCKETS]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if (*pp == w) {
			*pp = w->hnext;
			break;
		}
	if (w->prev != NULL)
		w->prev->next = w->next;
	else if (w->res != NULL)
		w->res->waiters = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	if (w->timer != NULL)
		event_free(w->timer);
	w->timer = NULL;
}

/* ---- rendering a decision */

/*
 * ans_render - "domain\0reply0\0reply1\0reply2\0" for d into a new heap
 * block (caller frees), one reply per dialect; a reply equal to an
 * earlier one shares its bytes. NULL on ENOMEM.
 */
static char *
ans_render(struct mxtlsd_answers *a, const struct mxtls_decision *d,
    uint32_t r[MXTLSD_DIALECTS])
{
	static const char toolong[] = "TEMP reply too long";
	size_t dl = strlen(d->domain), rmax = MXTLSD_REPLY_MAX + 1;
	size_t n[MXTLSD_DIALECTS], total, i, k;
	char *p = a->buf, *text;

	memcpy(p, d->domain, dl + 1);
	total = dl + 1;
	for (i = 0; i < MXTLSD_DIALECTS; i++) {
		n[i] = 0;
		if ((a->wanted & (1u << i)) == 0) {
			r[i] = ANS_UNRENDERED;	/* no map of it asked yet */
			continue;
		}
		r[i] = (uint32_t)total;
		n[i] = i == MXTLSD_DIALECT_EXIM ? mxtlsd_reply_exim(d,
		    a->d->cfg, mxtls_now(), p + total, rmax) : mxtlsd_reply(d,
		    (enum mxtlsd_dialect)i, &a->d->ropts, p + total, rmax);
		if (n[i] == 0)
			n[i] = mxtls_strlcpy(p + total, toolong, rmax);
		for (k = 0; k < i; k++)
			if (r[k] != ANS_UNRENDERED && n[k] == n[i] &&
			    memcmp(p + r[k], p + r[i], n[i]) == 0)
				break;
		if (k < i)
			r[i] = r[k];	/* the same words: keep one copy */
		else
			total += n[i] + 1;
	}
	if ((text = malloc(total)) == NULL)
		return NULL;
	memcpy(text, p, total);
	return text;
}

/* ans_lifetime - when an answer built from d must be refreshed and when
 * it stops being usable (the table of mxtls_decision_lifetime()) */

static void
ans_lifetime(const struct mxtlsd *dm, const struct mxtls_decision *d,
    time_t now, time_t *refresh, time_t *usable)
{
	mxtls_decision_lifetime(dm->cfg, d, now, refresh, usable);
}

/* ---- metrics and the log line of one decision */

static int
ans_bogus(const struct mxtls_decision *d)
{
	size_t i;

	if (d->sts.dnssec == MXTLS_DNSSEC_BOGUS ||
	    d->dane.mx_dnssec == MXTLS_DNSSEC_BOGUS)
		return 1;
	for (i = 0; i < d->dane.nhosts; i++)
		if (d->dane.hosts[i].addr_dnssec == MXTLS_DNSSEC_BOGUS ||
		    d->dane.hosts[i].tlsa_dnssec == MXTLS_DNSSEC_BOGUS)
			return 1;
	return 0;
}

static void
ans_count_decision(struct mxtlsd_metrics *m, const struct mxtls_decision *d)
{
	int fetch = 0, invalid = 0, webpki = 0;
	size_t i;

	/* only failures of a fetch made now, not back-off repeats (3.3) */
	for (i = 0; d->sts.fetched && i < d->sts.nerrors; i++)
		switch (d->sts.errors[i].type) {
		case MXTLS_RT_STS_POLICY_FETCH_ERROR:
			fetch = 1;
			break;
		case MXTLS_RT_STS_POLICY_INVALID:
			invalid = 1;
			break;
		case MXTLS_RT_STS_WEBPKI_INVALID:
			webpki = 1;
			break;
		default:
			break;
		}
	if (fetch)
		mxtlsd_metrics_inc(m, MXTLSD_C_FETCH_FAIL_FETCH_ERROR);
	if (invalid)
		mxtlsd_metrics_inc(m, MXTLSD_C_FETCH_FAIL_POLICY_INVALID);
	if (webpki)
		mxtlsd_metrics_inc(m, MXTLSD_C_FETCH_FAIL_WEBPKI_INVALID);
	if (ans_bogus(d))
		mxtlsd_metrics_inc(m, MXTLSD_C_DNSSEC_BOGUS);
}

static void
ans_log_decision(const struct ans_res *res, const struct mxtls_decision *d)
{
	const char *note = "";
	uint64_t now = ans_usec();

	if (d->nerrors > 0)
		note = d->errors[0].detail;
	else if (d->sts.nerrors > 0)
		note = d->sts.errors[0].detail;
	/* the one info line per decision (server.c logs requests at debug) */
	mxtls_log(LOG_INFO,
	    "%s: resolved: %s (%s), %llu ms%s%s%s", d->domain,
	    mxtls_policy_name(d->policy), mxtls_rule_name(d->decided_by),
	    (unsigned long long)((now - res->started) / 1000),
	    res->timed_out ? ", after the deadline" : "",
	    note[0] != '\0' ? ": " : "", note);
}

/* ---- resolutions */

static void ans_decided(void *, const struct mxtls_decision *);

static void
ans_res_unlink(struct mxtlsd_answers *a, struct ans_res *res)
{
	if (res->prev != NULL)
		res->prev->next = res->next;
	else
		a->res = res->next;
	if (res->next != NULL)
		res->next->prev = res->prev;
	if (res->e != NULL)
		res->e->res = NULL;
	res->e = NULL;
	if (res->background) {
		res->background = 0;
		a->nbackground--;
	}
}

/* ans_start - start the resolution of e's domain; why set on failure */

static enum mxtls_status
ans_start(struct mxtlsd_answers *a, struct ans_entry *e,
    struct mxtls_why *why)
{
	struct ans_res *res;
	enum mxtls_status st;

	if ((res = calloc(1, sizeof(*res))) == NULL)
		return mxtls_why_set(why, MXTLS_ENOMEM, "out of memory");
	res->a = a;
	res->e = e;
	res->started = ans_usec();
	mxtls_strlcpy(res->domain, e->text, sizeof(res->domain));
	e->res = res;
	res->next = a->res;
	if (a->res != NULL)
		a->res->prev = res;
	a->res = res;
	/* decide.h: cb runs from the event loop, never before we return */
	st = mxtls_decide(a->d->eng, e->text, MXTLS_LOOKUP_CHECK_TXT,
	    ans_decided, res, why);
	if (st != MXTLS_OK) {
		ans_res_unlink(a, res);
		free(res);
	}
	return st;
}

/* ans_keep_old - a tempfail does not replace a usable enforcing answer */

static int
ans_keep_old(const struct ans_entry *e, const struct mxtls_decision *d,
    time_t now)
{
	if (!e->have || now >= e->usable_until ||
	    d->policy != MXTLS_POLICY_TEMPFAIL)
		return 0;
	return e->policy == MXTLS_POLICY_STS_ENFORCE ||
	    e->policy == MXTLS_POLICY_STS_TESTING ||
	    e->policy == MXTLS_POLICY_DANE;
}

/*
 * ans_store - put d's answer (text, owned from now on) into e, and return
 * 0; or keep e's (see ans_keep_old) and return 1: text stays the
 * caller's, to free
 */

static int
ans_store(struct mxtlsd_answers *a, struct ans_entry *e,
    const struct mxtls_decision *d, char *text,
    const uint32_t r[MXTLSD_DIALECTS])
{
	time_t now = mxtls_now();

	if (ans_keep_old(e, d, now)) {
		e->refresh_at = now + ANS_TEMPFAIL_TTL;
		if (e->refresh_at > e->usable_until)
			e->refresh_at = e->usable_until;
		return 1;
	}
	free(e->text);
	e->text = text;
	memcpy(e->r, r, sizeof(e->r));
	e->policy = (uint8_t)d->policy;
	e->have = 1;
	ans_lifetime(a->d, d, now, &e->refresh_at, &e->usable_until);
	/* answers made together must not all go stale together */
	if (e->refresh_at - now >= 8)
		e->refresh_at -= (time_t)(e->hash %
		    (uint32_t)((e->refresh_at - now) / 8));
	return 0;
}

/* ans_answer_all - every waiter still waiting gets v */

static void
ans_answer_all(struct mxtlsd_answers *a, struct ans_res *res,
    const struct ans_view *v)
{
	struct ans_waiter *w;

	while ((w = res->waiters) != NULL) {
		ans_waiter_unlink(a, w);	/* cancel(w) is a no-op now */
		ans_deliver(a, v, w->cb, w->arg, w->started, 0, 0,
		    ans_counter(v->policy));
		free(w);
	}
}

static void
ans_decided(void *arg, const struct mxtls_decision *d)
{
	static const char nomem[] = "TEMP mxtlsd: out of memory";
	struct ans_res *res = arg;
	struct mxtlsd_answers *a = res->a;
	struct ans_entry *e = res->e;
	struct ans_view v;
	uint32_t r[MXTLSD_DIALECTS];
	char *text;
	int kept;
	size_t i;

	ans_count_decision(a->d->metrics, d);
	ans_log_decision(res, d);
	ans_res_unlink(a, res);
	text = ans_render(a, d, r);
	if (text == NULL) {
		v.policy = MXTLS_POLICY_TEMPFAIL;
		v.domain = d->domain;
		ans_view_all(&v, nomem);
		ans_answer_all(a, res, &v);
	} else if (e != NULL) {
		kept = ans_store(a, e, d, text, r);
		ans_view_entry(&v, e);
		for (i = 0; kept && i < MXTLSD_DIALECTS; i++)
			if (v.reply[i] == NULL && r[i] != ANS_UNRENDERED)
				v.reply[i] = text + r[i];  /* a map new to e */
		e->pin++;
		ans_answer_all(a, res, &v);
		e->pin--;
		if (kept)
			free(text);
	} else {		/* evicted meanwhile: answer, do not keep */
		v.policy = d->policy;
		v.domain = text;
		ans_view_text(&v, text, r);
		ans_answer_all(a, res, &v);
		free(text);
	}
	free(res);
}

/* ---- the deadline (RFC 8461 3.3) */

/*
 * ans_deadline_view - what to say when the resolution is late: a live
 * MTA-STS policy in the LMDB cache (another process or an earlier run
 * fetched it) is applied; otherwise "no cached policy" -> NOTFOUND.
 */
static int
ans_deadline_view(struct mxtlsd_answers *a, const char *domain,
    struct ans_view *v, char **text)
{
	struct mxtls_decision *d = a->scratch;
	struct mxtls_why why;
	uint32_t r[MXTLSD_DIALECTS];
	int ok = 0;

	*text = NULL;
	mxtls_why_clear(&why);
	if (d == NULL && a->d->cache != NULL)	/* 200 KB: only if needed */
		d = a->scratch = malloc(sizeof(*d));
	if (d != NULL && a->d->cache != NULL) {
		/* no MX hosts: reply.c falls back to the policy's patterns;
		 * the host table (most of the size) stays untouched */
		memset(d, 0, offsetof(struct mxtls_decision, dane));
		memset(&d->dane, 0, offsetof(struct mxtls_dane, hosts));
		d->nerrors = 0;
		if (mxtls_cache_sts_get(a->d->cache, domain, &d->sts.entry, 0,
		    &why) == MXTLS_OK && d->sts.entry.have_policy &&
		    d->sts.entry.expires_at > (int64_t)mxtls_now() &&
		    d->sts.entry.policy.mode != MXTLS_STS_MODE_NONE)
			ok = 1;
	}
	if (ok) {
		mxtls_strlcpy(d->domain, domain, sizeof(d->domain));
		mxtls_strlcpy(d->sts.domain, domain, sizeof(d->sts.domain));
		d->sts.have_entry = d->sts.from_cache = 1;
		d->policy = d->sts.policy = d->sts.entry.policy.mode ==
		    MXTLS_STS_MODE_ENFORCE ? MXTLS_POLICY_STS_ENFORCE :
		    MXTLS_POLICY_STS_TESTING;
		d->decided_by = MXTLS_RULE_MTA_STS;
		*text = ans_render(a, d, r);
	}
	if (*text == NULL) {
		v->policy = MXTLS_POLICY_NONE;
		v->domain = domain;
		ans_view_all(v, ANS_NOTFOUND);
		/* the Exim plugin defers instead: it has its own deadline
		 * and a retry costs it nothing (exim-plugin/) */
		v->reply[MXTLSD_DIALECT_EXIM] = ANS_STILL_RUNNING;
		return 0;
	}
	v->policy = d->policy;
	v->domain = *text;
	ans_view_text(v, *text, r);
	return 1;
}

/*
 * ans_deadline_entry - a late lookup of a map new to a domain whose usable
 * answer holds a policy: never "no policy" (that would undo the policy for
 * this MTA); the maps e was not rendered for get "TEMP" (the MTA defers
 * and asks again), the others e's replies. 0 when e is not such an entry.
 */
static int
ans_deadline_entry(const struct ans_entry *e, struct ans_view *v)
{
	size_t i;

	if (e == NULL || !e->have || mxtls_now() >= e->usable_until ||
	    e->policy == MXTLS_POLICY_NONE ||
	    e->policy == MXTLS_POLICY_TEMPFAIL)
		return 0;
	ans_view_entry(v, e);
	for (i = 0; i < MXTLSD_DIALECTS; i++)
		if (v->reply[i] == NULL)
			v->reply[i] = ANS_STILL_RUNNING;
	return 1;
}

static void
ans_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct ans_waiter *w = arg;
	struct ans_res *res = w->res;
	struct mxtlsd_answers *a = res->a;
	struct ans_view v;
	char *text;

	(void)fd;
	(void)what;
	if (!res->timed_out)
		mxtls_log(LOG_INFO, "%s: no answer within %u ms; answering as "
		    "if no policy were cached (RFC 8461 3.3) unless one is; "
		    "the resolution goes on", res->domain, a->deadline_ms);
	res->timed_out = 1;
	ans_waiter_unlink(a, w);
	text = NULL;
	if (!ans_deadline_entry(res->e, &v))
		(void)ans_deadline_view(a, res->domain, &v, &text);
	ans_deliver(a, &v, w->cb, w->arg, w->started, 0, 1,
	    MXTLSD_C_LOOKUPS_DEADLINE);
	free(text);
	free(w);
}

/* ans_arm - the waiter's deadline timer (lookup_deadline ms; 0: none) */

static int
ans_arm(struct mxtlsd_answers *a, struct ans_waiter *w)
{
	unsigned ms = (unsigned)a->d->cfg->lookup_deadline;
	struct timeval tv;

	if (ms == 0)
		return 0;
	if (a->deadline_tv == NULL || a->deadline_ms != ms) {
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		a->deadline_tv = event_base_init_common_timeout(a->d->base,
		    &tv);
		a->deadline_ms = ms;
		if (a->deadline_tv == NULL)
			return -1;
	}
	if ((w->timer = evtimer_new(a->d->base, ans_deadline, w)) == NULL)
		return -1;
	if (evtimer_add(w->timer, a->deadline_tv) != 0) {
		event_free(w->timer);
		w->timer = NULL;
		return -1;
	}
	return 0;
}

/* ans_fail_now - the resolution could not even start: answer at once */

static int
ans_fail_now(struct mxtlsd_answers *a, struct ans_entry *e,
    enum mxtls_status st, const struct mxtls_why *why, mxtlsd_answer_cb *cb,
    void *arg, uint64_t started)
{
	char temp[MXTLS_WHY_MAX + 32], domain[MXTLS_DOMAIN_MAX + 1];
	struct ans_view v;

	if (st == MXTLS_ENOMEM)
		return -1;
	mxtls_strlcpy(domain, e->text, sizeof(domain));
	if (!e->have && e->res == NULL && e->pin == 0)
		ans_remove(a, e);
	v.domain = domain;
	if (st == MXTLS_PERMFAIL) {	/* not a domain name: no policy */
		v.policy = MXTLS_POLICY_NONE;
		ans_view_all(&v, ANS_NOTFOUND);
		ans_deliver(a, &v, cb, arg, started, 0, 0,
		    MXTLSD_C_LOOKUPS_NOTFOUND_KEY);
		return 1;
	}
	memcpy(temp, "TEMP ", 5);
	(void)mxtls_sanitize(temp + 5, sizeof(temp) - 5, why->text,
	    strlen(why->text));
	v.policy = MXTLS_POLICY_TEMPFAIL;
	ans_view_all(&v, temp);
	ans_deliver(a, &v, cb, arg, started, 0, 0, MXTLSD_C_LOOKUPS_TEMPFAIL);
	return 1;
}

/* ans_wait - e has no usable answer: wait for (or start) its resolution */

static int
ans_wait(struct mxtlsd_answers *a, struct ans_entry *e, mxtlsd_answer_cb *cb,
    void *arg, void **handle, uint64_t started)
{
	struct ans_waiter *w;
	struct mxtls_why why;
	enum mxtls_status st;

	mxtls_why_clear(&why);
	if (e->res == NULL && (st = ans_start(a, e, &why)) != MXTLS_OK)
		return ans_fail_now(a, e, st, &why, cb, arg, started);
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -1;	/* the resolution still fills the cache */
	w->id = ++a->next_id;
	w->cb = cb;
	w->arg = arg;
	w->started = started;
	w->res = e->res;
	if (ans_arm(a, w) != 0) {
		free(w);
		return -1;
	}
	w->next = e->res->waiters;
	if (w->next != NULL)
		w->next->prev = w;
	e->res->waiters = w;
	w->hnext = a->wait[w->id % ANS_WAIT_BUCKETS];
	a->wait[w->id % ANS_WAIT_BUCKETS] = w;
	if (handle != NULL)
		*handle = (void *)(uintptr_t)w->id;
	return 0;
}

/* ans_check_opts - the reply options changed (SIGHUP): re-render all */

static void
ans_check_opts(struct mxtlsd_answers *a)
{
	struct ans_entry *e;

	if (memcmp(&a->ropts, &a->d->ropts, sizeof(a->ropts)) == 0)
		return;
	a->ropts = a->d->ropts;
	for (e = a->head; e != NULL; e = e->lnext)
		e->refresh_at = 0;	/* served once more, then refreshed */
}

/* ---- the interface */

struct mxtlsd_answers *
mxtlsd_answers_new(struct mxtlsd *d)
{
	struct mxtlsd_answers *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->d = d;
	a->ropts = d->ropts;
	a->nbuckets = ANS_BUCKETS_MIN;
	a->bufsz = MXTLS_DOMAIN_MAX + 1 + MXTLSD_DIALECTS * (MXTLSD_REPLY_MAX + 1);
	if (getrandom(&a->seed, sizeof(a->seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(a->seed))
		a->seed = (uint32_t)ans_usec() ^ (uint32_t)time(NULL);
	if ((a->buckets = calloc(a->nbuckets, sizeof(*a->buckets))) == NULL ||
	    (a->buf = malloc(a->bufsz)) == NULL) {
		mxtlsd_answers_free(a);
		return NULL;
	}
	return a;
}

/*
 * mxtlsd_answers_free - drops every entry, waiter (without callback) and
 * resolution. The engine drops the decision callbacks of resolutions
 * still in flight when it is freed: free it without running the loop in
 * between.
 */
void
mxtlsd_answers_free(struct mxtlsd_answers *a)
{
	struct ans_res *res;
	struct ans_waiter *w;
	size_t i;

	if (a == NULL)
		return;
	while ((res = a->res) != NULL) {
		while ((w = res->waiters) != NULL) {
			ans_waiter_unlink(a, w);
			free(w);
		}
		ans_res_unlink(a, res);
		free(res);
	}
	for (i = 0; a->buckets != NULL && i < a->nbuckets; i++)
		while (a->buckets[i] != NULL)
			ans_remove(a, a->buckets[i]);
	free(a->buckets);
	free(a->buf);
	free(a->scratch);
	free(a);
}

int
mxtlsd_answers_get(struct mxtlsd_answers *a, const char *domain,
    enum mxtlsd_dialect dia, mxtlsd_answer_cb *cb, void *arg, void **handle)
{
	uint64_t started = ans_usec();
	time_t now = mxtls_now();
	struct ans_entry *e;
	struct ans_view v;
	struct mxtls_why why;
	uint32_t h;

	if (handle != NULL)
		*handle = NULL;
	ans_check_opts(a);
	a->wanted |= 1u << dia;
	h = ans_hash(a, domain);
	if ((e = ans_find(a, domain, h)) != NULL && e->have &&
	    now < e->usable_until && e->r[dia] != ANS_UNRENDERED) {
		ans_touch(a, e);
		mxtls_why_clear(&why);
		if (now >= e->refresh_at && e->res == NULL &&
		    a->nbackground < ANS_BACKGROUND_MAX &&
		    ans_start(a, e, &why) == MXTLS_OK) {
			e->res->background = 1;	/* stale: revalidate */
			a->nbackground++;
		}
		mxtlsd_metrics_inc(a->d->metrics, MXTLSD_C_CACHE_HITS);
		ans_view_entry(&v, e);
		e->pin++;
		ans_deliver(a, &v, cb, arg, started, 1, 0,
		    ans_counter(v.policy));
		e->pin--;
		return 1;
	}
	mxtlsd_metrics_inc(a->d->metrics, MXTLSD_C_CACHE_MISSES);
	if (e == NULL && (e = ans_insert(a, domain, h)) == NULL)
		return -1;
	ans_touch(a, e);
	return ans_wait(a, e, cb, arg, handle, started);
}

void
mxtlsd_answers_cancel(struct mxtlsd_answers *a, void *handle)
{
	uint64_t id = (uint64_t)(uintptr_t)handle;
	struct ans_waiter *w;

	if (a == NULL || id == 0)
		return;
	for (w = a->wait[id % ANS_WAIT_BUCKETS]; w != NULL; w = w->hnext)
		if (w->id == id) {
			ans_waiter_unlink(a, w);
			free(w);
			return;
		}
}

void
mxtlsd_answers_refresh(struct mxtlsd_answers *a, const char *domain)
{
	struct ans_entry *e;
	struct mxtls_why why;
	uint32_t h = ans_hash(a, domain);

	if ((e = ans_find(a, domain, h)) == NULL &&
	    (e = ans_insert(a, domain, h)) == NULL)
		return;
	mxtls_why_clear(&why);
	if (e->res == NULL && ans_start(a, e, &why) != MXTLS_OK) {
		if (!e->have)
			ans_remove(a, e);
		mxtls_log(LOG_DEBUG, "refresh of %s not started: %s", domain,
		    why.text);
	}
}

size_t
mxtlsd_answers_count(const struct mxtlsd_answers *a)
{
	return a == NULL ? 0 : a->count;
}
