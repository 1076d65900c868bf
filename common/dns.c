/*
 * NAME
 *	dns - DNSSEC-validating asynchronous lookups through libunbound
 * SYNOPSIS
 *	#include "dns.h"
 * DESCRIPTION
 *	mxtls_dns_new() makes one libunbound context per event loop, with
 *	threads (not a forked helper) doing the work, the trust anchor from
 *	trust_anchor_file, an optional unbound-format file (unbound_conf) and
 *	optional forwarders (resolver); without forwarders it recurses itself.
 *	The context's ub_fd() is watched by the loop and ub_process() hands
 *	back results, which are translated into struct mxtls_dns_answer.
 *
 *	A bogus answer arrives from libunbound with rcode 0 and its data
 *	(testbed notes 4.6); here it is stripped of the data before anyone
 *	sees it, and reported as MXTLS_TEMPFAIL. SERVFAIL and other error
 *	rcodes are MXTLS_TEMPFAIL too. Each query has a deadline
 *	(dns_timeout); at the deadline it is cancelled and reported.
 * DIAGNOSTICS
 *	Setup errors name the file or option at fault. Never logs.
 * SEE ALSO
 *	libunbound(3), RFC 4035 4.3 (secure, insecure, bogus)
 */
#include "dns.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <unbound.h>

struct dns_query {
	struct mxtls_dns *dns;
	int	async_id;
	int	type;
	mxtls_dns_cb *cb;
	void   *arg;
	struct event *timer;
	struct dns_query *prev, *next;
	char	name[MXTLS_DOMAIN_MAX + 2];
};

struct dns_hold {
	void   *obj;
	void	(*fn)(void *);
	struct dns_hold *prev, *next;
};

struct mxtls_dns {
	struct dns_hold *holds;		/* owners in flight, see hold() */
	struct event_base *base;
	struct ub_ctx *ctx;
	struct event *ev;
	unsigned timeout;
	struct dns_query *queries;	/* in flight */
};

static void
dns_unlink(struct dns_query *q)
{
	struct mxtls_dns *dns = q->dns;

	if (q->prev)
		q->prev->next = q->next;
	else
		dns->queries = q->next;
	if (q->next)
		q->next->prev = q->prev;
	if (q->timer)
		event_free(q->timer);
	free(q);
}

static void
dns_readable(evutil_socket_t fd, short what, void *arg)
{
	struct mxtls_dns *dns = arg;

	(void)fd;
	(void)what;
	(void)ub_process(dns->ctx);
}

/* dns_fill - translate a ub_result; strips the data of a bogus answer */

static enum mxtls_status
dns_fill(struct mxtls_dns_answer *a, struct ub_result *r, struct mxtls_why *why)
{
	size_t i;

	a->rcode = r->rcode;
	a->nxdomain = r->nxdomain;
	a->ttl = r->ttl > 0 ? (uint32_t)r->ttl : 0;
	if (r->canonname)
		mxtls_sanitize(a->canonname, sizeof(a->canonname),
		    r->canonname, strlen(r->canonname));
	if (r->bogus) {
		a->dnssec = MXTLS_DNSSEC_BOGUS;
		mxtls_sanitize(a->why_bogus, sizeof(a->why_bogus),
		    r->why_bogus ? r->why_bogus : "", r->why_bogus ?
		    strlen(r->why_bogus) : 0);
		return mxtls_why_set(why, MXTLS_TEMPFAIL,
		    "DNSSEC validation failed for %s: %s", a->qname,
		    a->why_bogus[0] ? a->why_bogus : "bogus answer");
	}
	a->dnssec = r->secure ? MXTLS_DNSSEC_SECURE : MXTLS_DNSSEC_INSECURE;
	if (r->rcode != 0 && r->rcode != 3)
		return mxtls_why_set(why, MXTLS_TEMPFAIL,
		    "DNS lookup of %s failed with rcode %d%s", a->qname,
		    r->rcode, r->rcode == 2 ? " (SERVFAIL)" : "");
	a->havedata = r->havedata;
	for (i = 0; r->havedata && r->data[i] && i < MXTLS_DNS_RRS_MAX; i++) {
		a->rr[i] = (const unsigned char *)r->data[i];
		a->rrlen[i] = r->len[i] > 0 ? (size_t)r->len[i] : 0;
	}
	a->nrr = i;
	return MXTLS_OK;
}

static void
dns_done(void *mydata, int err, struct ub_result *r)
{
	struct dns_query *q = mydata;
	struct mxtls_dns_answer a;
	struct mxtls_why why;
	enum mxtls_status st;

	memset(&a, 0, sizeof(a));
	mxtls_why_clear(&why);
	a.qname = q->name;
	a.qtype = q->type;
	if (err != 0 || r == NULL)
		st = mxtls_why_set(&why, MXTLS_TEMPFAIL,
		    "DNS lookup of %s failed: %s", q->name, ub_strerror(err));
	else
		st = dns_fill(&a, r, &why);
	q->cb(q->arg, st, &a, &why);
	if (r)
		ub_resolve_free(r);
	dns_unlink(q);
}

static void
dns_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct dns_query *q = arg;
	struct mxtls_dns_answer a;
	struct mxtls_why why;

	(void)fd;
	(void)what;
	(void)ub_cancel(q->dns->ctx, q->async_id);
	memset(&a, 0, sizeof(a));
	a.qname = q->name;
	a.qtype = q->type;
	mxtls_why_set(&why, MXTLS_TEMPFAIL,
	    "DNS lookup of %s timed out after %u s", q->name, q->dns->timeout);
	q->cb(q->arg, MXTLS_TEMPFAIL, &a, &why);
	dns_unlink(q);
}

/* dns_configure - trust anchor, conf file, forwarders */

static enum mxtls_status
dns_configure(struct ub_ctx *ctx, const struct mxtls_config *cfg,
    struct mxtls_why *why)
{
	char list[sizeof(cfg->resolver)], *p, *tok;
	int r;

	/* Threads, not a forked helper process: fork-safe for daemons. */
	if ((r = ub_ctx_async(ctx, 1)) != 0)
		return mxtls_why_set(why, MXTLS_TEMPFAIL,
		    "libunbound: cannot use threads: %s", ub_strerror(r));
	if (cfg->unbound_conf[0] &&
	    (r = ub_ctx_config(ctx, cfg->unbound_conf)) != 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "unbound_conf %s: %s", cfg->unbound_conf, ub_strerror(r));
	if (cfg->trust_anchor_file[0]) {
		if (access(cfg->trust_anchor_file, R_OK) != 0)
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "trust_anchor_file %s: %s (install dns-root-data "
			    "or set trust_anchor_file)", cfg->trust_anchor_file,
			    strerror(errno));
		if ((r = ub_ctx_add_ta_file(ctx, cfg->trust_anchor_file)) != 0)
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "trust_anchor_file %s: %s", cfg->trust_anchor_file,
			    ub_strerror(r));
	}
	mxtls_strlcpy(list, cfg->resolver, sizeof(list));
	for (p = list; (tok = strsep(&p, " ,\t")) != NULL;) {
		if (*tok == '\0')
			continue;
		if ((r = ub_ctx_set_fwd(ctx, tok)) != 0)
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "resolver %s: %s", tok, ub_strerror(r));
	}
	return MXTLS_OK;
}

struct mxtls_dns *
mxtls_dns_new(struct event_base *base, const struct mxtls_config *cfg,
    struct mxtls_why *why)
{
	struct mxtls_dns *dns;

	if ((dns = calloc(1, sizeof(*dns))) == NULL) {
		mxtls_why_set(why, MXTLS_ENOMEM, "out of memory");
		return NULL;
	}
	dns->base = base;
	dns->timeout = cfg->dns_timeout ? cfg->dns_timeout : 10;
	if ((dns->ctx = ub_ctx_create()) == NULL) {
		mxtls_why_set(why, MXTLS_ENOMEM, "cannot create a resolver");
		goto fail;
	}
	if (dns_configure(dns->ctx, cfg, why) != MXTLS_OK)
		goto fail;
	dns->ev = event_new(base, ub_fd(dns->ctx), EV_READ | EV_PERSIST,
	    dns_readable, dns);
	if (dns->ev == NULL || event_add(dns->ev, NULL) != 0) {
		mxtls_why_set(why, MXTLS_TEMPFAIL, "cannot watch the resolver");
		goto fail;
	}
	return dns;
fail:
	mxtls_dns_free(dns);
	return NULL;
}

void
mxtls_dns_free(struct mxtls_dns *dns)
{
	if (dns == NULL)
		return;
	while (dns->queries) {
		(void)ub_cancel(dns->ctx, dns->queries->async_id);
		dns_unlink(dns->queries);
	}
	while (dns->holds) {
		struct dns_hold *h = dns->holds;

		dns->holds = h->next;
		h->fn(h->obj);
		free(h);
	}
	if (dns->ev)
		event_free(dns->ev);
	if (dns->ctx)
		ub_ctx_delete(dns->ctx);
	free(dns);
}

enum mxtls_status
mxtls_dns_query(struct mxtls_dns *dns, const char *name, int rrtype,
    mxtls_dns_cb *cb, void *arg, struct mxtls_why *why)
{
	struct dns_query *q;
	struct timeval tv;
	int r;

	if (strlen(name) > MXTLS_DOMAIN_MAX + 1)
		return mxtls_why_set(why, MXTLS_PERMFAIL, "name too long");
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return mxtls_why_set(why, MXTLS_ENOMEM, "out of memory");
	q->dns = dns;
	q->type = rrtype;
	q->cb = cb;
	q->arg = arg;
	mxtls_strlcpy(q->name, name, sizeof(q->name));
	q->next = dns->queries;
	if (q->next)
		q->next->prev = q;
	dns->queries = q;
	if ((q->timer = evtimer_new(dns->base, dns_timeout, q)) == NULL) {
		dns_unlink(q);
		return mxtls_why_set(why, MXTLS_ENOMEM, "out of memory");
	}
	r = ub_resolve_async(dns->ctx, q->name, rrtype, 1, q, dns_done,
	    &q->async_id);
	if (r != 0) {
		dns_unlink(q);
		return mxtls_why_set(why, r == UB_NOMEM ? MXTLS_ENOMEM :
		    MXTLS_TEMPFAIL, "DNS lookup of %s could not start: %s",
		    name, ub_strerror(r));
	}
	tv.tv_sec = dns->timeout;
	tv.tv_usec = 0;
	evtimer_add(q->timer, &tv);
	return MXTLS_OK;
}

void *
mxtls_dns_hold(struct mxtls_dns *dns, void *obj, void (*fn)(void *))
{
	struct dns_hold *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->obj = obj;
	h->fn = fn;
	h->next = dns->holds;
	if (h->next)
		h->next->prev = h;
	dns->holds = h;
	return h;
}

void
mxtls_dns_release(struct mxtls_dns *dns, void *token)
{
	struct dns_hold *h = token;

	if (h == NULL)
		return;
	if (h->prev)
		h->prev->next = h->next;
	else
		dns->holds = h->next;
	if (h->next)
		h->next->prev = h->prev;
	free(h);
}

const char *
mxtls_dnssec_name(enum mxtls_dnssec sec)
{
	switch (sec) {
	case MXTLS_DNSSEC_SECURE:
		return "secure";
	case MXTLS_DNSSEC_BOGUS:
		return "bogus";
	case MXTLS_DNSSEC_INSECURE:
		break;
	}
	return "insecure";
}
