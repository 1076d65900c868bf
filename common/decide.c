/*
 * NAME
 *	decide - combine MTA-STS and DANE into one decision per domain
 * SYNOPSIS
 *	#include "decide.h"
 * DESCRIPTION
 *	mxtls_decide() starts the MTA-STS lookup (sts.c) and the DANE
 *	resolution (dane.c) together on the engine's loop and, when both have
 *	answered, applies this table (the one place policy is combined):
 *
 *	MX lookup error (bogus, SERVFAIL)  -> tempfail   (RFC 7672 2.1.2)
 *	null MX or NXDOMAIN                -> none, with the reason
 *	DANE applies, every host unusable  -> tempfail   (RFC 7672 2.2.3)
 *	DANE applies                       -> dane       (RFC 8461 2: MTA-STS
 *	                                      never overrides DANE)
 *	otherwise                          -> the MTA-STS answer
 * DIAGNOSTICS
 *	Notes in the decision's errors[]; never logs.
 */
#include "decide.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "clock.h"
#include "domain.h"
#include "summary.h"

struct decide_state {
	struct mxtls_dns *dns;
	struct mxtls_cache *cache;	/* store the summary; NULL: do not */
	const struct mxtls_config *cfg;
	void   *hold;		/* freed by the resolver if never answered */
	struct mxtls_decision d;
	mxtls_decision_cb *cb;
	void   *arg;
	int	pending;
};

static void decide_note(struct mxtls_decision *, enum mxtls_result_type,
    const char *, ...) __attribute__((format(printf, 3, 4)));

static void
decide_note(struct mxtls_decision *d, enum mxtls_result_type type,
    const char *fmt, ...)
{
	struct mxtls_err *e;
	va_list ap;

	if (d->nerrors < MXTLS_ERRORS_MAX)
		d->nerrors++;
	e = &d->errors[d->nerrors - 1];
	e->type = type;
	va_start(ap, fmt);
	(void)vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
}

static int
decide_all_unusable(const struct mxtls_dane *dn)
{
	size_t i;

	for (i = 0; i < dn->nhosts; i++)
		if (dn->hosts[i].requirement != MXTLS_DANE_REQ_UNUSABLE)
			return 0;
	return dn->nhosts > 0;
}

static void
decide_combine(struct mxtls_decision *d)
{
	const struct mxtls_dane *dn = &d->dane;
	const struct mxtls_sts_result *s = &d->sts;

	if (dn->mx_error) {
		d->policy = MXTLS_POLICY_TEMPFAIL;
		d->decided_by = dn->mx_dnssec == MXTLS_DNSSEC_BOGUS ?
		    MXTLS_RULE_DANE : MXTLS_RULE_NONE;
		decide_note(d, dn->mx_dnssec == MXTLS_DNSSEC_BOGUS ?
		    MXTLS_RT_DNSSEC_INVALID : MXTLS_RT_NONE, "%s", dn->detail);
	} else if (dn->null_mx || dn->nxdomain) {
		d->policy = MXTLS_POLICY_NONE;
		d->decided_by = MXTLS_RULE_NONE;
		decide_note(d, MXTLS_RT_NONE, "%s", dn->detail);
	} else if (mxtls_dane_applies(dn)) {
		d->decided_by = MXTLS_RULE_DANE;
		if (decide_all_unusable(dn)) {
			d->policy = MXTLS_POLICY_TEMPFAIL;
			decide_note(d, MXTLS_RT_DNSSEC_INVALID, "no MX host of "
			    "%s can be used now: their TLSA or address records "
			    "could not be validated (RFC 7672 2.2.3); deliveries "
			    "must wait", d->domain);
		} else {
			d->policy = MXTLS_POLICY_DANE;
		}
		if (s->have_entry && s->policy != MXTLS_POLICY_NONE)
			decide_note(d, MXTLS_RT_NONE, "%s also publishes an "
			    "MTA-STS policy; DANE takes precedence (RFC 8461 2)",
			    d->domain);
	} else {
		d->policy = s->policy;
		d->decided_by = s->have_entry && s->policy != MXTLS_POLICY_NONE ?
		    MXTLS_RULE_MTA_STS : MXTLS_RULE_NONE;
	}
}

static void
decide_free(void *arg)
{
	struct decide_state *st = arg;

	mxtls_sts_entry_clear(&st->d.sts.entry);
	free(st);
}

/*
 * decide_store - keep the summary in the "dec" database for the Exim
 * plugin. Never a tempfail: the last usable answer stays (fail safe). A
 * failure to store costs only a later lookup, so it is not reported.
 */
static void
decide_store(struct decide_state *st)
{
	struct mxtls_summary s;
	struct mxtls_why why;

	if (st->cache == NULL || st->d.policy == MXTLS_POLICY_TEMPFAIL)
		return;
	mxtls_summary_make(st->cfg, &st->d, mxtls_now(), &s);
	(void)mxtls_cache_dec_put(st->cache, st->d.domain, &s, &why);
}

static void
decide_step(struct decide_state *st)
{
	if (--st->pending > 0)
		return;
	mxtls_dns_release(st->dns, st->hold);
	decide_combine(&st->d);
	decide_store(st);
	st->cb(st->arg, &st->d);
	decide_free(st);
}

static void
decide_sts_done(void *arg, const struct mxtls_sts_result *r)
{
	struct decide_state *st = arg;

	/* copy, taking our own copy of the body the result borrows */
	st->d.sts = *r;
	st->d.sts.entry.body = NULL;
	st->d.sts.entry.body_len = 0;
	if (r->entry.body && (st->d.sts.entry.body = malloc(r->entry.body_len +
	    1)) != NULL) {
		memcpy(st->d.sts.entry.body, r->entry.body, r->entry.body_len);
		st->d.sts.entry.body[r->entry.body_len] = '\0';
		st->d.sts.entry.body_len = r->entry.body_len;
	}
	decide_step(st);
}

static void
decide_dane_done(void *arg, const struct mxtls_dane *dn)
{
	struct decide_state *st = arg;

	st->d.dane = *dn;
	decide_step(st);
}

enum mxtls_status
mxtls_decide(struct mxtls_engine *eng, const char *domain, unsigned flags,
    mxtls_decision_cb *cb, void *arg, struct mxtls_why *why)
{
	struct decide_state *st;
	char name[MXTLS_DOMAIN_MAX + 1];

	if (mxtls_domain_normalize(domain, strlen(domain), name,
	    sizeof(name), why) != MXTLS_OK)
		return MXTLS_PERMFAIL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return mxtls_why_set(why, MXTLS_ENOMEM, "out of memory");
	st->cb = cb;
	st->arg = arg;
	st->dns = mxtls_engine_dns(eng);
	st->cfg = mxtls_engine_config(eng);
	if (!(flags & MXTLS_LOOKUP_NO_CACHE))
		st->cache = mxtls_engine_cache(eng);
	st->hold = mxtls_dns_hold(st->dns, st, decide_free);
	mxtls_strlcpy(st->d.domain, name, sizeof(st->d.domain));
	st->pending = 2;	/* both answers, then combine */
	if (mxtls_dane_resolve(mxtls_engine_dns(eng), flags &
	    MXTLS_LOOKUP_NO_CACHE ? NULL : mxtls_engine_cache(eng), name,
	    decide_dane_done, st, why) != MXTLS_OK) {
		mxtls_dns_release(st->dns, st->hold);
		free(st);
		return MXTLS_TEMPFAIL;
	}
	/* From here on the DANE callback will run: never free st here. */
	if (mxtls_sts_lookup(eng, name, flags, decide_sts_done, st, why) !=
	    MXTLS_OK) {
		st->d.sts.policy = MXTLS_POLICY_TEMPFAIL;
		decide_step(st);
	}
	return MXTLS_OK;
}
