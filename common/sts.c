/*
 * NAME
 *	sts - the MTA-STS engine: recipient domain -> policy
 * SYNOPSIS
 *	#include "sts.h"
 * DESCRIPTION
 *	mxtls_sts_lookup() implements RFC 8461 3.3 and 5.1:
 *
 *	1. A valid cached policy whose TXT id was checked recently answers at
 *	   once (the hot path: one LMDB read, no network).
 *	2. Otherwise the _mta-sts TXT RRset is looked up (3.1). When its id
 *	   equals the cached id, the cached policy stands and nothing is
 *	   fetched. When the id differs or nothing valid is cached, the policy
 *	   is fetched over HTTPS from the addresses our own validating
 *	   resolver gives for mta-sts.<domain>. A proactive refresh
 *	   (MXTLS_LOOKUP_REFETCH) fetches a valid cached policy again
 *	   whatever the TXT lookup gave (10.2), keeping the cached id when
 *	   no TXT id was seen.
 *	3. A failed fetch never replaces a valid cached policy (3.3, 5.1): the
 *	   cached policy is used until it expires, and the failure is
 *	   recorded (for TLS-RPT) with its id, so that the same id is not
 *	   fetched again for MXTLS_STS_BACKOFF seconds (3.3). With nothing
 *	   cached the domain has no policy (deliver as before, 5.1), and the
 *	   failure is recorded too.
 *	4. A TXT record that is gone, invalid or unobtainable leaves a cached
 *	   policy in force until it expires (3.1, 5.1).
 *
 *	Lookups of one domain that overlap share one resolution: later
 *	callers wait on the first one's result.
 *
 *	Fail safe: when the cache cannot be read, a resolution that ends
 *	without a live policy answers MXTLS_POLICY_TEMPFAIL, because an
 *	enforce policy might be cached and must not be downgraded.
 * DIAGNOSTICS
 *	Failures are carried in the result's errors[]; never logs.
 * SEE ALSO
 *	RFC 8461; shared/spec/mta-sts.md sections 2, 3, 8
 */
#include "sts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dns_rdata.h"
#include "domain.h"
#include "fetch.h"
#include "sts_record.h"

struct sts_waiter {
	mxtls_sts_cb *cb;
	void   *arg;
	struct sts_waiter *next;
};

/* One resolution in flight. */
struct sts_res {
	struct mxtls_engine *eng;
	unsigned flags;
	struct sts_waiter *waiters, **tail;
	struct mxtls_sts_result res;
	int	cache_failed;		/* could not read the cache */
	int	have_valid;		/* res.entry holds a valid policy */
	int	addr_pending;		/* A/AAAA lookups outstanding */
	size_t	naddrs;
	char	addrs[MXTLS_DNS_ADDRS_MAX][48];
	struct sts_res *prev, *next;
};

struct mxtls_engine {
	struct event_base *base;
	const struct mxtls_config *cfg;
	struct mxtls_cache *cache;
	struct mxtls_dns *dns;
	struct mxtls_fetch *fetch;
	struct sts_res *inflight;
	size_t	npending;
	unsigned long nfetches;
};

const char *
mxtls_sts_txt_name(enum mxtls_sts_txt txt)
{
	switch (txt) {
	case MXTLS_TXT_FOUND:
		return "found";
	case MXTLS_TXT_NONE:
		return "none";
	case MXTLS_TXT_INVALID:
		return "invalid";
	case MXTLS_TXT_ERROR:
		return "error";
	case MXTLS_TXT_NOT_CHECKED:
		break;
	}
	return "not-checked";
}

/* sts_add_error - append a failure to the result (bounded, never lost
 * silently: the last slot is overwritten so the newest is kept) */

static void sts_add_error(struct mxtls_sts_result *,
    enum mxtls_result_type, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
sts_add_error(struct mxtls_sts_result *r, enum mxtls_result_type type,
    const char *fmt, ...)
{
	struct mxtls_err *e;
	va_list ap;

	if (r->nerrors < MXTLS_ERRORS_MAX)
		r->nerrors++;
	e = &r->errors[r->nerrors - 1];
	e->type = type;
	va_start(ap, fmt);
	(void)vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
}

static int
sts_entry_valid(const struct mxtls_sts_entry *e, time_t now)
{
	return e->have_policy && e->expires_at > (int64_t)now;
}

static enum mxtls_policy
sts_policy_of(const struct mxtls_sts_entry *e)
{
	switch (e->policy.mode) {
	case MXTLS_STS_MODE_ENFORCE:
		return MXTLS_POLICY_STS_ENFORCE;
	case MXTLS_STS_MODE_TESTING:
		return MXTLS_POLICY_STS_TESTING;
	case MXTLS_STS_MODE_NONE:
		break;
	}
	return MXTLS_POLICY_NONE;	/* 5: mode none = no policy */
}

struct mxtls_engine *
mxtls_engine_new(struct event_base *base, const struct mxtls_config *cfg,
    struct mxtls_cache *cache, struct mxtls_why *why)
{
	struct mxtls_engine *eng;

	if ((eng = calloc(1, sizeof(*eng))) == NULL) {
		mxtls_why_set(why, MXTLS_ENOMEM, "out of memory");
		return NULL;
	}
	eng->base = base;
	eng->cfg = cfg;
	eng->cache = cache;
	if ((eng->dns = mxtls_dns_new(base, cfg, why)) == NULL ||
	    (eng->fetch = mxtls_fetch_new(base, cfg, why)) == NULL) {
		mxtls_engine_free(eng);
		return NULL;
	}
	return eng;
}

static void
sts_res_free(struct sts_res *s)
{
	struct sts_waiter *w;

	while ((w = s->waiters) != NULL) {
		s->waiters = w->next;
		free(w);
	}
	mxtls_sts_entry_clear(&s->res.entry);
	free(s);
}

void
mxtls_engine_free(struct mxtls_engine *eng)
{
	struct sts_res *s;

	if (eng == NULL)
		return;
	/* Free the resolvers first: they drop callbacks into our state. */
	mxtls_fetch_free(eng->fetch);
	mxtls_dns_free(eng->dns);
	while ((s = eng->inflight) != NULL) {
		eng->inflight = s->next;
		sts_res_free(s);
	}
	free(eng);
}

struct mxtls_dns *
mxtls_engine_dns(struct mxtls_engine *eng)
{
	return eng->dns;
}

struct mxtls_cache *
mxtls_engine_cache(struct mxtls_engine *eng)
{
	return eng->cache;
}

const struct mxtls_config *
mxtls_engine_config(const struct mxtls_engine *eng)
{
	return eng->cfg;
}

size_t
mxtls_engine_pending(const struct mxtls_engine *eng)
{
	return eng->npending;
}

unsigned long
mxtls_engine_fetches(const struct mxtls_engine *eng)
{
	return eng->nfetches;
}

/* sts_store - write the entry; a failure to write only costs a refetch */

static void
sts_store(struct sts_res *s)
{
	struct mxtls_engine *eng = s->eng;
	struct mxtls_why why;

	if (eng->cache == NULL || (s->flags & MXTLS_LOOKUP_NO_CACHE))
		return;
	mxtls_why_clear(&why);
	if (mxtls_cache_sts_put(eng->cache, &s->res.entry, &why) != MXTLS_OK)
		sts_add_error(&s->res, MXTLS_RT_NONE,
		    "could not update the cache: %s", why.text);
	else if (why.text[0] != '\0')	/* the map was full: evictions */
		sts_add_error(&s->res, MXTLS_RT_NONE, "%s", why.text);
}

/* sts_finish - settle the policy, answer every waiter, free */

static void
sts_finish(struct sts_res *s)
{
	struct mxtls_engine *eng = s->eng;
	struct mxtls_sts_result *r = &s->res;
	struct sts_waiter *w;
	time_t now = mxtls_now();

	if (sts_entry_valid(&r->entry, now)) {
		r->have_entry = 1;
		r->policy = sts_policy_of(&r->entry);
	} else {
		r->have_entry = 0;
		r->policy = s->cache_failed ? MXTLS_POLICY_TEMPFAIL :
		    MXTLS_POLICY_NONE;
		if (s->cache_failed)
			sts_add_error(r, MXTLS_RT_NONE, "the cache could not "
			    "be read and no live policy was found, so a "
			    "cached policy cannot be ruled out: try again");
	}
	if (s->prev)
		s->prev->next = s->next;
	else
		eng->inflight = s->next;
	if (s->next)
		s->next->prev = s->prev;
	eng->npending--;
	for (w = s->waiters; w; w = w->next)
		w->cb(w->arg, r);
	sts_res_free(s);
}

/* ---- step 4: the fetch result */

static void
sts_record_failure(struct sts_res *s, enum mxtls_result_type type,
    const char *detail)
{
	struct mxtls_sts_entry *e = &s->res.entry;

	e->failed_at = (int64_t)mxtls_now();
	mxtls_strlcpy(e->failed_id, s->res.txt_id, sizeof(e->failed_id));
	e->fail_type = type;
	mxtls_strlcpy(e->fail_detail, detail, sizeof(e->fail_detail));
	sts_add_error(&s->res, type, "%s", detail);
	if (sts_entry_valid(e, mxtls_now()))
		sts_add_error(&s->res, type, "the cached policy (id %s) "
		    "stays in force until it expires (RFC 8461 5.1)", e->id);
}

static void
sts_fetched(void *arg, const struct mxtls_fetch_result *fr)
{
	struct sts_res *s = arg;
	struct mxtls_sts_entry *e = &s->res.entry;
	struct mxtls_sts_policy pol;
	struct mxtls_why why;
	char *body;
	time_t now = mxtls_now();

	if (fr->status != MXTLS_OK) {
		sts_record_failure(s, fr->type, fr->detail);
		goto out;
	}
	mxtls_why_clear(&why);
	if (mxtls_sts_policy_parse(&pol, fr->body, fr->len, &why) !=
	    MXTLS_OK) {
		char detail[MXTLS_WHY_MAX + MXTLS_DOMAIN_MAX + 128];

		(void)snprintf(detail, sizeof(detail), "the policy at "
		    "https://mta-sts.%s/.well-known/mta-sts.txt is invalid: %s",
		    s->res.domain, why.text);
		sts_record_failure(s, MXTLS_RT_STS_POLICY_INVALID, detail);
		goto out;
	}
	if ((body = malloc(fr->len + 1)) == NULL) {
		sts_record_failure(s, MXTLS_RT_STS_POLICY_FETCH_ERROR,
		    "out of memory storing the policy");
		goto out;
	}
	memcpy(body, fr->body, fr->len);
	body[fr->len] = '\0';
	free(e->body);
	e->body = body;
	e->body_len = fr->len;
	e->policy = pol;
	e->have_policy = 1;
	if (s->res.txt == MXTLS_TXT_FOUND)	/* a REFETCH keeps the id */
		mxtls_strlcpy(e->id, s->res.txt_id, sizeof(e->id));
	e->fetched_at = (int64_t)now;
	e->expires_at = (int64_t)now + pol.max_age;	/* 3.2 */
	e->txt_checked_at = (int64_t)now;
	e->failed_at = 0;
	e->failed_id[0] = '\0';
	e->fail_type = MXTLS_RT_NONE;
	e->fail_detail[0] = '\0';
	s->res.from_cache = 0;
out:
	sts_store(s);
	sts_finish(s);
}

/* ---- step 3: the policy host's addresses */

static void
sts_start_fetch(struct sts_res *s)
{
	const char *addrs[MXTLS_DNS_ADDRS_MAX];
	struct mxtls_why why;
	size_t i;

	for (i = 0; i < s->naddrs; i++)
		addrs[i] = s->addrs[i];
	mxtls_why_clear(&why);
	s->res.fetched = 1;
	s->eng->nfetches++;
	if (s->naddrs == 0) {
		char detail[MXTLS_DOMAIN_MAX + 128];

		(void)snprintf(detail, sizeof(detail), "mta-sts.%s has no "
		    "usable address, so the policy cannot be fetched: publish "
		    "an A or AAAA record for it", s->res.domain);
		sts_record_failure(s, MXTLS_RT_STS_POLICY_FETCH_ERROR, detail);
		sts_store(s);
		sts_finish(s);
		return;
	}
	if (mxtls_fetch_policy(s->eng->fetch, s->res.domain, addrs,
	    s->naddrs, sts_fetched, s, &why) != MXTLS_OK) {
		sts_record_failure(s, MXTLS_RT_STS_POLICY_FETCH_ERROR,
		    why.text);
		sts_store(s);
		sts_finish(s);
	}
}

static void
sts_addr_done(void *arg, enum mxtls_status st,
    const struct mxtls_dns_answer *a, const struct mxtls_why *why)
{
	struct sts_res *s = arg;
	size_t i;

	if (st != MXTLS_OK && a->dnssec == MXTLS_DNSSEC_BOGUS)
		sts_add_error(&s->res, MXTLS_RT_NONE, "%s", why->text);
	for (i = 0; st == MXTLS_OK && i < a->nrr &&
	    s->naddrs < MXTLS_DNS_ADDRS_MAX; i++)
		if (mxtls_dns_addr_text(a->qtype, a->rr[i], a->rrlen[i],
		    s->addrs[s->naddrs], sizeof(s->addrs[0]), NULL) ==
		    MXTLS_OK)
			s->naddrs++;
	if (--s->addr_pending == 0)
		sts_start_fetch(s);
}

static void
sts_resolve_host(struct sts_res *s)
{
	static const int types[] = { MXTLS_RR_A, MXTLS_RR_AAAA };
	char host[MXTLS_DOMAIN_MAX + 16];
	struct mxtls_why why;
	size_t i;

	(void)snprintf(host, sizeof(host), "mta-sts.%s", s->res.domain);
	s->addr_pending = 1;	/* guard: no fetch before both started */
	for (i = 0; i < 2; i++) {
		mxtls_why_clear(&why);
		if (mxtls_dns_query(s->eng->dns, host, types[i],
		    sts_addr_done, s, &why) == MXTLS_OK)
			s->addr_pending++;
		else
			sts_add_error(&s->res, MXTLS_RT_NONE, "%s", why.text);
	}
	if (--s->addr_pending == 0)
		sts_start_fetch(s);
}

/* ---- step 2: the TXT record */

static enum mxtls_sts_txt
sts_txt_parse(struct sts_res *s, const struct mxtls_dns_answer *a)
{
	struct mxtls_span spans[MXTLS_STS_TXT_RRS_MAX];
	struct mxtls_sts_record rec;
	struct mxtls_why why;
	enum mxtls_sts_txt ret;
	char (*joined)[MXTLS_STS_TXT_MAX + 1];
	size_t i, n = 0, len;

	mxtls_why_clear(&why);
	/* one buffer per record received (usually one), not the maximum */
	if ((joined = malloc((a->nrr < MXTLS_STS_TXT_RRS_MAX ? a->nrr :
	    MXTLS_STS_TXT_RRS_MAX) * sizeof(*joined) + 1)) == NULL) {
		sts_add_error(&s->res, MXTLS_RT_NONE, "out of memory");
		return MXTLS_TXT_ERROR;
	}
	for (i = 0; i < a->nrr && n < MXTLS_STS_TXT_RRS_MAX; i++) {
		/* An oversized record cannot be a valid one: skip it. */
		if (mxtls_dns_txt_join(a->rr[i], a->rrlen[i], joined[n],
		    sizeof(joined[n]), &len, NULL) != MXTLS_OK)
			continue;
		spans[n].p = joined[n];
		spans[n].len = len;
		n++;
	}
	switch (mxtls_sts_record_select(&rec, spans, n, &why)) {
	case MXTLS_OK:
		mxtls_strlcpy(s->res.txt_id, rec.id, sizeof(s->res.txt_id));
		ret = MXTLS_TXT_FOUND;
		break;
	case MXTLS_NOTFOUND:
		ret = MXTLS_TXT_NONE;
		break;
	default:
		sts_add_error(&s->res, MXTLS_RT_NONE, "_mta-sts.%s: %s",
		    s->res.domain, why.text);
		ret = MXTLS_TXT_INVALID;
		break;
	}
	free(joined);
	return ret;
}

static void
sts_txt_done(void *arg, enum mxtls_status st,
    const struct mxtls_dns_answer *a, const struct mxtls_why *why)
{
	struct sts_res *s = arg;
	struct mxtls_sts_entry *e = &s->res.entry;
	time_t now = mxtls_now();
	/* 10.2: a proactive refresh fetches whatever the TXT says */
	int refetch = (s->flags & MXTLS_LOOKUP_REFETCH) && s->have_valid;

	s->res.dnssec = a->dnssec;
	if (st != MXTLS_OK) {
		/* Unknown state (digest 2.7): the cache decides. */
		s->res.txt = MXTLS_TXT_ERROR;
		sts_add_error(&s->res, MXTLS_RT_NONE, "%s", why->text);
		if (!refetch) {
			sts_finish(s);
			return;
		}
	} else {
		s->res.txt = a->havedata ? sts_txt_parse(s, a) :
		    MXTLS_TXT_NONE;
		e->txt_checked_at = (int64_t)now;
	}
	if (s->res.txt != MXTLS_TXT_FOUND && !refetch) {
		/* 3.1, 5.1: a missing record does not remove a policy. */
		if (e->have_policy || e->failed_at)
			sts_store(s);
		sts_finish(s);
		return;
	}
	if (s->have_valid && strcmp(e->id, s->res.txt_id) == 0 &&
	    !(s->flags & MXTLS_LOOKUP_NO_CACHE) && !refetch) {
		sts_store(s);	/* 3.3: same id, the cached policy stands */
		sts_finish(s);
		return;
	}
	if (e->failed_at && strcmp(e->failed_id, s->res.txt_id) == 0 &&
	    now - e->failed_at < MXTLS_STS_BACKOFF &&
	    now >= e->failed_at) {
		/* 3.3: at most one attempt per id per back-off period */
		sts_add_error(&s->res, e->fail_type, "%s (not retried before "
		    "%d s have passed, RFC 8461 3.3)", e->fail_detail,
		    MXTLS_STS_BACKOFF);
		sts_finish(s);
		return;
	}
	sts_resolve_host(s);
}

/* ---- step 1: the cache */

/* sts_cache_answer - 1 when the cache alone answers (the hot path) */

static int
sts_cache_read(struct sts_res *s, const char *domain, time_t now)
{
	struct mxtls_engine *eng = s->eng;
	struct mxtls_why why;

	if (eng->cache == NULL || (s->flags & MXTLS_LOOKUP_NO_CACHE))
		return 0;
	mxtls_why_clear(&why);
	switch (mxtls_cache_sts_get(eng->cache, domain, &s->res.entry, 0,
	    &why)) {
	case MXTLS_OK:
		break;
	case MXTLS_NOTFOUND:
		mxtls_sts_entry_clear(&s->res.entry);
		mxtls_strlcpy(s->res.entry.domain, domain,
		    sizeof(s->res.entry.domain));
		return 0;
	default:
		s->cache_failed = 1;
		sts_add_error(&s->res, MXTLS_RT_NONE, "%s", why.text);
		mxtls_sts_entry_clear(&s->res.entry);
		mxtls_strlcpy(s->res.entry.domain, domain,
		    sizeof(s->res.entry.domain));
		return 0;
	}
	s->have_valid = sts_entry_valid(&s->res.entry, now);
	s->res.from_cache = s->have_valid;
	if (!s->have_valid || (s->flags & MXTLS_LOOKUP_CHECK_TXT))
		return 0;
	return now - s->res.entry.txt_checked_at <
	    (int64_t)eng->cfg->sts_recheck_interval &&
	    now >= s->res.entry.txt_checked_at;
}

static struct sts_res *
sts_find(struct mxtls_engine *eng, const char *domain, unsigned flags)
{
	struct sts_res *s;

	for (s = eng->inflight; s; s = s->next)
		if (s->flags == flags && strcmp(s->res.domain, domain) == 0)
			return s;
	return NULL;
}

static enum mxtls_status
sts_wait(struct sts_res *s, mxtls_sts_cb *cb, void *arg,
    struct mxtls_why *why)
{
	struct sts_waiter *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return mxtls_why_set(why, MXTLS_ENOMEM, "out of memory");
	w->cb = cb;
	w->arg = arg;
	*s->tail = w;
	s->tail = &w->next;
	return MXTLS_OK;
}

enum mxtls_status
mxtls_sts_lookup(struct mxtls_engine *eng, const char *domain,
    unsigned flags, mxtls_sts_cb *cb, void *arg, struct mxtls_why *why)
{
	char name[MXTLS_DOMAIN_MAX + 1], qname[MXTLS_DOMAIN_MAX + 16];
	struct sts_res *s;
	struct mxtls_why qwhy;
	time_t now = mxtls_now();

	if (mxtls_domain_normalize(domain, strlen(domain), name,
	    sizeof(name), why) != MXTLS_OK)
		return MXTLS_PERMFAIL;
	if ((s = sts_find(eng, name, flags)) != NULL)
		return sts_wait(s, cb, arg, why);	/* coalesce */
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return mxtls_why_set(why, MXTLS_ENOMEM, "out of memory");
	s->eng = eng;
	s->flags = flags;
	s->tail = &s->waiters;
	mxtls_strlcpy(s->res.domain, name, sizeof(s->res.domain));
	mxtls_strlcpy(s->res.entry.domain, name, sizeof(s->res.entry.domain));
	if (sts_cache_read(s, name, now)) {
		s->res.have_entry = 1;
		s->res.policy = sts_policy_of(&s->res.entry);
		cb(arg, &s->res);
		sts_res_free(s);
		return MXTLS_OK;
	}
	if (sts_wait(s, cb, arg, why) != MXTLS_OK) {
		sts_res_free(s);
		return MXTLS_ENOMEM;
	}
	s->next = eng->inflight;
	if (s->next)
		s->next->prev = s;
	eng->inflight = s;
	eng->npending++;
	(void)snprintf(qname, sizeof(qname), "_mta-sts.%s", name);
	mxtls_why_clear(&qwhy);
	if (mxtls_dns_query(eng->dns, qname, MXTLS_RR_TXT, sts_txt_done, s,
	    &qwhy) != MXTLS_OK) {
		s->res.txt = MXTLS_TXT_ERROR;
		sts_add_error(&s->res, MXTLS_RT_NONE, "%s", qwhy.text);
		sts_finish(s);	/* the callback runs now: documented */
	}
	return MXTLS_OK;
}
