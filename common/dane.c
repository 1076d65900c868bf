/*
 * NAME
 *	dane - MX, address and TLSA resolution for SMTP DANE (RFC 7672 2)
 * SYNOPSIS
 *	#include "dane.h"
 * DESCRIPTION
 *	mxtls_dane_resolve() follows RFC 7672 section 2 on our own validating
 *	resolver (dns.c), never trusting anyone's AD bit:
 *
 *	1. MX lookup (2.2.1). A lookup error (bogus, SERVFAIL, timeout)
 *	   means delay (2.1.2). NXDOMAIN: the domain does not exist. A null
 *	   MX (RFC 7505): the domain takes no mail. NODATA: the domain is its
 *	   own host (implicit MX, 2.2.2). Hosts are kept in preference order.
 *	2. For each host, the addresses first (2.2.2), which also tell
 *	   whether its CNAME chain is secure. With an insecure MX RRset DANE
 *	   does not apply and no TLSA is asked for.
 *	3. TLSA base-domain candidates (2.2.2, 2.2.3): a secure name without
 *	   CNAME -> [host]; a secure CNAME chain -> [expanded, host]; an
 *	   insecure chain whose first CNAME is secure (asked separately) ->
 *	   [host]; otherwise none. For each candidate _25._tcp.<name> TLSA:
 *	   a secure non-empty RRset decides (its CNAMEs do not change the base
 *	   domain); insecure or absent -> next candidate; a lookup error makes
 *	   the host unusable now (never cleartext).
 *	4. The records are judged by mxtls_tlsa_assess(): usable records ->
 *	   DANE required; a secure RRset of unusable records only -> TLS
 *	   required without authentication (7672 2.2, 7671 10.3).
 * DIAGNOSTICS
 *	Per host and per domain in plain words in the detail fields. Never
 *	logs.
 * SEE ALSO
 *	RFC 7672, RFC 7671, RFC 7505; shared/spec/dane-smtp.md
 */
#include "dane.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "clock.h"
#include "dns_rdata.h"

enum dane_kind { Q_MX, Q_A, Q_AAAA, Q_CNAME, Q_TLSA };

struct dane_host_state {
	int	addr_pending;
	int	addr_error;
	int	addr_insecure;		/* some address answer insecure */
	size_t	ncand;
	size_t	cand;
	char	cands[2][MXTLS_DOMAIN_MAX + 1];
};

struct dane_q {
	struct dane_res *r;
	size_t	host;
	enum dane_kind kind;
};

/* at most: the MX, then per host A, AAAA, CNAME and two TLSA queries */
#define DANE_QUERIES_MAX	(1 + MXTLS_DANE_HOSTS_MAX * 5)

struct dane_res {
	struct mxtls_dns *dns;
	void   *hold;			/* freed by dns if never answered */
	size_t	nq;
	struct dane_q qs[DANE_QUERIES_MAX];
	struct mxtls_cache *cache;	/* NULL: no caching */
	mxtls_dane_cb *cb;
	void   *arg;
	int	pending;		/* queries in flight */
	struct mxtls_dane d;
	struct dane_host_state hs[MXTLS_DANE_HOSTS_MAX];
};

static void dane_done(void *, enum mxtls_status, const struct mxtls_dns_answer *,
    const struct mxtls_why *);
static void dane_fmt(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* dane_fmt - a reason into a fixed field; long names are cut, not lost */

static void
dane_fmt(char *out, size_t outsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(out, outsz, fmt, ap);
	va_end(ap);
}

const char *
mxtls_dane_req_name(enum mxtls_dane_req req)
{
	switch (req) {
	case MXTLS_DANE_REQ_DANE:
		return "dane";
	case MXTLS_DANE_REQ_ENCRYPT:
		return "encrypt";
	case MXTLS_DANE_REQ_UNUSABLE:
		return "unusable";
	case MXTLS_DANE_REQ_OPPORTUNISTIC:
		break;
	}
	return "opportunistic";
}

int
mxtls_dane_applies(const struct mxtls_dane *d)
{
	size_t i;

	if (d->mx_error || d->null_mx || d->nxdomain)
		return 0;
	if (!d->implicit_mx && d->mx_dnssec != MXTLS_DNSSEC_SECURE)
		return 0;
	for (i = 0; i < d->nhosts; i++)
		if (d->hosts[i].requirement != MXTLS_DANE_REQ_OPPORTUNISTIC)
			return 1;
	return 0;
}

static void
dane_canon(char *out, const char *canon, const char *name)
{
	size_t n;

	out[0] = '\0';
	if (canon == NULL || canon[0] == '\0')
		return;
	n = mxtls_strlcpy(out, canon, MXTLS_DOMAIN_MAX + 1);
	if (n > 0 && n <= MXTLS_DOMAIN_MAX && out[n - 1] == '.')
		out[n - 1] = '\0';
	for (n = 0; out[n]; n++)
		if (out[n] >= 'A' && out[n] <= 'Z')
			out[n] = (char)(out[n] - 'A' + 'a');
	if (strcmp(out, name) == 0)
		out[0] = '\0';	/* no CNAME */
}

static void
dane_finish(struct dane_res *r)
{
	mxtls_dns_release(r->dns, r->hold);
	r->cb(r->arg, &r->d);
	free(r);
}

/* dane_ask - start one query; a failure to start counts as a lookup error */

static int
dane_ask(struct dane_res *r, size_t host, enum dane_kind kind,
    const char *name, int type)
{
	struct dane_q *q;
	struct mxtls_why why;

	if (r->nq == DANE_QUERIES_MAX)
		return -1;
	q = &r->qs[r->nq++];
	q->r = r;
	q->host = host;
	q->kind = kind;
	mxtls_why_clear(&why);
	if (mxtls_dns_query(r->dns, name, type, dane_done, q, &why) !=
	    MXTLS_OK)
		return -1;
	r->pending++;
	return 0;
}

static void
dane_host_set(struct mxtls_dane_host *h, enum mxtls_dane_req req,
    const char *detail)
{
	h->requirement = req;
	mxtls_strlcpy(h->detail, detail, sizeof(h->detail));
}

/* ---- the "dane" database: TLSA outcomes shared by every process */

/* dane_cache_read - 1 when a fresh cached outcome now fills host i */

static int
dane_cache_read(struct dane_res *r, size_t i)
{
	struct mxtls_dane_host *h = &r->d.hosts[i];
	struct mxtls_dane_entry *e;
	size_t k;
	int hit = 0;

	if (r->cache == NULL || (e = malloc(sizeof(*e))) == NULL)
		return 0;
	if (mxtls_cache_dane_get(r->cache, h->host, e, NULL) == MXTLS_OK &&
	    e->expires_at > (int64_t)mxtls_now()) {
		mxtls_strlcpy(h->base, e->base, sizeof(h->base));
		h->tlsa_dnssec = e->tlsa_dnssec;
		h->ntlsa = e->ntlsa;
		h->nusable = 0;
		for (k = 0; k < e->ntlsa; k++) {
			h->tlsa[k] = e->tlsa[k];
			h->nusable += e->tlsa[k].usable != 0;
		}
		h->tlsa_looked_up = 1;
		h->tlsa_from_cache = 1;
		h->requirement = e->requirement;
		dane_fmt(h->detail, sizeof(h->detail), "TLSA outcome from the "
		    "cache, valid for %lld more seconds",
		    (long long)(e->expires_at - (int64_t)mxtls_now()));
		hit = 1;
	}
	free(e);
	return hit;
}

/* dane_cache_write - keep a definite TLSA outcome for its TTL */

static void
dane_cache_write(struct dane_res *r, size_t i)
{
	struct mxtls_dane_host *h = &r->d.hosts[i];
	struct mxtls_dane_entry *e;
	size_t k;

	if (r->cache == NULL || h->ttl == 0 || h->tlsa_from_cache ||
	    h->requirement == MXTLS_DANE_REQ_UNUSABLE ||
	    (e = calloc(1, sizeof(*e))) == NULL)
		return;
	mxtls_strlcpy(e->host, h->host, sizeof(e->host));
	e->fetched_at = (int64_t)mxtls_now();
	e->expires_at = e->fetched_at + h->ttl;
	e->requirement = h->requirement;
	mxtls_strlcpy(e->base, h->base, sizeof(e->base));
	e->tlsa_dnssec = h->tlsa_dnssec;
	e->ntlsa = h->ntlsa;
	for (k = 0; k < h->ntlsa; k++)
		e->tlsa[k] = h->tlsa[k];
	/* a failure to store only costs a lookup next time */
	(void)mxtls_cache_dane_put(r->cache, e, NULL);
	free(e);
}

/* ---- step 3: TLSA per candidate */

static void
dane_next_candidate(struct dane_res *r, size_t i)
{
	struct dane_host_state *s = &r->hs[i];
	struct mxtls_dane_host *h = &r->d.hosts[i];
	char qname[MXTLS_DOMAIN_MAX + 16];

	if (s->cand >= s->ncand) {
		if (h->detail[0] == '\0')
			dane_host_set(h, MXTLS_DANE_REQ_OPPORTUNISTIC,
			    "no secure TLSA records: DANE does not apply to "
			    "this host");
		dane_cache_write(r, i);
		return;
	}
	(void)snprintf(qname, sizeof(qname), "_%d._tcp.%s", MXTLS_TLSA_PORT,
	    s->cands[s->cand]);
	h->tlsa_looked_up = 1;
	if (dane_ask(r, i, Q_TLSA, qname, MXTLS_RR_TLSA) != 0)
		dane_host_set(h, MXTLS_DANE_REQ_UNUSABLE,
		    "the TLSA lookup could not be started");
}

static void
dane_tlsa_records(struct mxtls_dane_host *h, const struct mxtls_dns_answer *a)
{
	struct mxtls_why why;
	size_t i;

	h->ntlsa = 0;
	for (i = 0; i < a->nrr && h->ntlsa < MXTLS_TLSA_RRS_MAX; i++) {
		struct mxtls_tlsa *t = &h->tlsa[h->ntlsa++];

		mxtls_why_clear(&why);
		if (mxtls_tlsa_parse(t, a->rr[i], a->rrlen[i], &why) !=
		    MXTLS_OK) {
			memset(t, 0, sizeof(*t));
			t->usage = 255;		/* malformed: never usable */
			mxtls_strlcpy(t->unusable_why, why.text,
			    sizeof(t->unusable_why));
		}
	}
	h->nusable = mxtls_tlsa_assess(h->tlsa, h->ntlsa);
}

static void
dane_tlsa_done(struct dane_res *r, size_t i, enum mxtls_status st,
    const struct mxtls_dns_answer *a, const struct mxtls_why *why)
{
	struct dane_host_state *s = &r->hs[i];
	struct mxtls_dane_host *h = &r->d.hosts[i];
	char detail[MXTLS_WHY_MAX + 64];

	h->tlsa_dnssec = a->dnssec;
	if (a->ttl && (h->ttl == 0 || a->ttl < h->ttl))
		h->ttl = a->ttl;
	if (st != MXTLS_OK) {
		/* 7672 2.2.3: a TLSA lookup error: do not connect */
		dane_fmt(detail, sizeof(detail), "%s: do not connect "
		    "until the TLSA records can be obtained (RFC 7672 2.2.3)",
		    why->text);
		dane_host_set(h, MXTLS_DANE_REQ_UNUSABLE, detail);
		return;
	}
	if (a->havedata && a->dnssec == MXTLS_DNSSEC_SECURE) {
		mxtls_strlcpy(h->base, s->cands[s->cand], sizeof(h->base));
		dane_tlsa_records(h, a);
		if (h->nusable > 0)
			dane_host_set(h, MXTLS_DANE_REQ_DANE, "secure TLSA "
			    "records: TLS with DANE authentication is required "
			    "(RFC 7672 2.2)");
		else
			dane_host_set(h, MXTLS_DANE_REQ_ENCRYPT, "secure TLSA "
			    "records, none usable: TLS is required, without "
			    "authentication (RFC 7672 2.2, RFC 7671 10.3); "
			    "publish a DANE-EE(3) or DANE-TA(2) record");
		dane_cache_write(r, i);
		return;
	}
	s->cand++;
	dane_next_candidate(r, i);
}

/* ---- step 2: addresses, then the candidates */

static void
dane_candidates(struct dane_res *r, size_t i)
{
	struct dane_host_state *s = &r->hs[i];
	struct mxtls_dane_host *h = &r->d.hosts[i];

	if (s->addr_error) {
		if (r->d.mx_dnssec == MXTLS_DNSSEC_SECURE || r->d.implicit_mx)
			dane_host_set(h, MXTLS_DANE_REQ_UNUSABLE, h->detail);
		return;
	}
	h->addr_dnssec = s->addr_insecure ? MXTLS_DNSSEC_INSECURE :
	    MXTLS_DNSSEC_SECURE;
	if (h->naddrs == 0) {
		dane_host_set(h, MXTLS_DANE_REQ_OPPORTUNISTIC, "the host has "
		    "no address: it cannot be reached");
		return;
	}
	if (!r->d.implicit_mx && r->d.mx_dnssec != MXTLS_DNSSEC_SECURE) {
		dane_host_set(h, MXTLS_DANE_REQ_OPPORTUNISTIC, "the MX records "
		    "are not DNSSEC-signed: DANE does not apply (RFC 7672 "
		    "2.2.1)");
		return;
	}
	if (dane_cache_read(r, i))
		return;
	if (h->addr_dnssec == MXTLS_DNSSEC_SECURE) {
		if (h->addr_canon[0])
			mxtls_strlcpy(s->cands[s->ncand++], h->addr_canon,
			    sizeof(s->cands[0]));
		mxtls_strlcpy(s->cands[s->ncand++], h->host,
		    sizeof(s->cands[0]));
		dane_next_candidate(r, i);
	} else if (h->addr_canon[0]) {
		/* 2.2.2: is the first CNAME secure? ask for it alone */
		if (dane_ask(r, i, Q_CNAME, h->host, MXTLS_RR_CNAME) != 0)
			dane_host_set(h, MXTLS_DANE_REQ_UNUSABLE,
			    "the CNAME lookup could not be started");
	} else {
		dane_host_set(h, MXTLS_DANE_REQ_OPPORTUNISTIC, "the host's "
		    "addresses are not DNSSEC-signed: DANE does not apply "
		    "(RFC 7672 2.2.2)");
	}
}

static void
dane_cname_done(struct dane_res *r, size_t i, enum mxtls_status st,
    const struct mxtls_dns_answer *a)
{
	struct dane_host_state *s = &r->hs[i];
	struct mxtls_dane_host *h = &r->d.hosts[i];

	if (st == MXTLS_OK && a->havedata &&
	    a->dnssec == MXTLS_DNSSEC_SECURE) {
		mxtls_strlcpy(s->cands[s->ncand++], h->host,
		    sizeof(s->cands[0]));
		dane_next_candidate(r, i);
		return;
	}
	if (st != MXTLS_OK)
		dane_host_set(h, MXTLS_DANE_REQ_UNUSABLE, "the CNAME of the "
		    "host could not be validated (RFC 7672 2.1.3)");
	else
		dane_host_set(h, MXTLS_DANE_REQ_OPPORTUNISTIC, "the host is an "
		    "insecure CNAME: DANE does not apply (RFC 7672 2.2.2)");
}

static void
dane_addr_done(struct dane_res *r, size_t i, enum mxtls_status st,
    const struct mxtls_dns_answer *a, const struct mxtls_why *why)
{
	struct dane_host_state *s = &r->hs[i];
	struct mxtls_dane_host *h = &r->d.hosts[i];
	size_t k;

	if (st != MXTLS_OK) {
		s->addr_error = 1;
		mxtls_strlcpy(h->detail, why->text, sizeof(h->detail));
		if (a->dnssec == MXTLS_DNSSEC_BOGUS)
			h->addr_dnssec = MXTLS_DNSSEC_BOGUS;
	} else {
		if (a->dnssec != MXTLS_DNSSEC_SECURE)
			s->addr_insecure = 1;
		if (h->addr_canon[0] == '\0')
			dane_canon(h->addr_canon, a->canonname, h->host);
		for (k = 0; k < a->nrr && h->naddrs < MXTLS_DNS_ADDRS_MAX; k++)
			if (mxtls_dns_addr_text(a->qtype, a->rr[k],
			    a->rrlen[k], h->addrs[h->naddrs],
			    sizeof(h->addrs[0]), NULL) == MXTLS_OK)
				h->naddrs++;
		if (a->ttl && (h->ttl == 0 || a->ttl < h->ttl))
			h->ttl = a->ttl;
	}
	if (--s->addr_pending == 0)
		dane_candidates(r, i);
}

static void
dane_start_host(struct dane_res *r, size_t i)
{
	struct dane_host_state *s = &r->hs[i];
	struct mxtls_dane_host *h = &r->d.hosts[i];

	s->addr_pending = 1;	/* guard while both start */
	if (dane_ask(r, i, Q_A, h->host, MXTLS_RR_A) == 0)
		s->addr_pending++;
	else
		s->addr_error = 1;
	if (dane_ask(r, i, Q_AAAA, h->host, MXTLS_RR_AAAA) == 0)
		s->addr_pending++;
	else
		s->addr_error = 1;
	if (--s->addr_pending == 0)
		dane_candidates(r, i);
}

/* ---- step 1: the MX RRset */

static void
dane_sort_hosts(struct mxtls_dane *d)
{
	struct mxtls_dane_host tmp;
	size_t i, j;

	/* insertion sort: stable, so equal preferences keep DNS order */
	for (i = 1; i < d->nhosts; i++)
		for (j = i; j > 0 && d->hosts[j - 1].preference >
		    d->hosts[j].preference; j--) {
			tmp = d->hosts[j];
			d->hosts[j] = d->hosts[j - 1];
			d->hosts[j - 1] = tmp;
		}
}

static void
dane_mx_records(struct dane_res *r, const struct mxtls_dns_answer *a)
{
	struct mxtls_dane *d = &r->d;
	char name[MXTLS_DOMAIN_MAX + 2];
	size_t i, nnull = 0, nbad = 0;
	uint16_t pref;

	for (i = 0; i < a->nrr; i++) {
		if (mxtls_dns_mx_parse(a->rr[i], a->rrlen[i], &pref, name,
		    sizeof(name), NULL) != MXTLS_OK) {
			nbad++;
			continue;
		}
		if (strcmp(name, ".") == 0) {
			nnull++;
			continue;
		}
		if (d->nhosts == MXTLS_DANE_HOSTS_MAX)
			continue;
		mxtls_strlcpy(d->hosts[d->nhosts].host, name,
		    sizeof(d->hosts[0].host));
		d->hosts[d->nhosts++].preference = pref;
	}
	if (nnull > 0 && d->nhosts == 0) {
		d->null_mx = 1;		/* RFC 7505 */
		dane_fmt(d->detail, sizeof(d->detail), "%s publishes a "
		    "null MX: it accepts no mail (RFC 7505)", d->domain);
	} else if (nbad > 0) {
		dane_fmt(d->detail, sizeof(d->detail), "%zu malformed MX "
		    "record%s ignored", nbad, nbad == 1 ? "" : "s");
	}
	dane_sort_hosts(d);
}

static void
dane_mx_done(struct dane_res *r, enum mxtls_status st,
    const struct mxtls_dns_answer *a, const struct mxtls_why *why)
{
	struct mxtls_dane *d = &r->d;
	size_t i;

	d->mx_dnssec = a->dnssec;
	if (st != MXTLS_OK) {
		d->mx_error = 1;	/* 2.1.2: delay, no A fallback */
		dane_fmt(d->detail, sizeof(d->detail), "%s: delivery "
		    "must wait until the MX records can be obtained (RFC 7672 "
		    "2.1.2)", why->text);
		return;
	}
	dane_canon(d->mx_canon, a->canonname, d->domain);
	if (a->nxdomain) {
		d->nxdomain = 1;
		dane_fmt(d->detail, sizeof(d->detail), "%s does not "
		    "exist (NXDOMAIN)", d->domain);
		return;
	}
	if (a->havedata) {
		dane_mx_records(r, a);
	} else {
		/* 2.2.2: no MX, the domain itself is the host */
		d->implicit_mx = 1;
		mxtls_strlcpy(d->hosts[0].host, d->mx_canon[0] ? d->mx_canon :
		    d->domain, sizeof(d->hosts[0].host));
		d->nhosts = 1;
	}
	for (i = 0; i < d->nhosts; i++)
		dane_start_host(r, i);
}

static void
dane_done(void *arg, enum mxtls_status st, const struct mxtls_dns_answer *a,
    const struct mxtls_why *why)
{
	struct dane_q *q = arg;
	struct dane_res *r = q->r;

	switch (q->kind) {
	case Q_MX:
		dane_mx_done(r, st, a, why);
		break;
	case Q_A:
	case Q_AAAA:
		dane_addr_done(r, q->host, st, a, why);
		break;
	case Q_CNAME:
		dane_cname_done(r, q->host, st, a);
		break;
	case Q_TLSA:
		dane_tlsa_done(r, q->host, st, a, why);
		break;
	}
	if (--r->pending == 0)
		dane_finish(r);
}

enum mxtls_status
mxtls_dane_resolve(struct mxtls_dns *dns, struct mxtls_cache *cache,
    const char *domain, mxtls_dane_cb *cb, void *arg, struct mxtls_why *why)
{
	struct dane_res *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return mxtls_why_set(why, MXTLS_ENOMEM, "out of memory");
	r->dns = dns;
	r->hold = mxtls_dns_hold(dns, r, free);
	r->cache = cache;
	r->cb = cb;
	r->arg = arg;
	mxtls_strlcpy(r->d.domain, domain, sizeof(r->d.domain));
	if (dane_ask(r, 0, Q_MX, domain, MXTLS_RR_MX) != 0) {
		mxtls_dns_release(dns, r->hold);
		free(r);
		return mxtls_why_set(why, MXTLS_TEMPFAIL,
		    "the MX lookup of %s could not be started", domain);
	}
	return MXTLS_OK;
}
