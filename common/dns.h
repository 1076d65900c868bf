/*
 * NAME
 *	dns.h - DNSSEC-validating asynchronous DNS through libunbound
 * DESCRIPTION
 *	One mxtls_dns per event loop. Queries run through ub_resolve_async();
 *	ub_fd() is watched by the libevent base and ub_process() delivers the
 *	results. Every answer carries its DNSSEC status. A bogus answer never
 *	exposes its data: nrr is 0 and the status is MXTLS_TEMPFAIL.
 */
#ifndef MXTLS_DNS_H
#define MXTLS_DNS_H

#include <event2/event.h>

#include "config.h"

enum mxtls_dnssec {
	MXTLS_DNSSEC_INSECURE = 0,
	MXTLS_DNSSEC_SECURE,
	MXTLS_DNSSEC_BOGUS
};

struct mxtls_dns;

/* RR types used by mxtls */
#define MXTLS_RR_A	1
#define MXTLS_RR_CNAME	5
#define MXTLS_RR_MX	15
#define MXTLS_RR_TXT	16
#define MXTLS_RR_AAAA	28
#define MXTLS_RR_TLSA	52

/* One answer; valid only during the callback (borrowed). */
struct mxtls_dns_answer {
	const char *qname;
	int	qtype;
	int	rcode;			/* DNS rcode; 0 for NOERROR */
	int	nxdomain;
	int	havedata;		/* 0 for NODATA/NXDOMAIN and bogus */
	enum mxtls_dnssec dnssec;
	uint32_t ttl;
	char	canonname[MXTLS_DOMAIN_MAX + 2];	/* after CNAMEs; "" if none */
	char	why_bogus[MXTLS_DETAIL_MAX];
	size_t	nrr;
	const unsigned char *rr[MXTLS_DNS_RRS_MAX];	/* RDATA */
	size_t	rrlen[MXTLS_DNS_RRS_MAX];
};

/*
 * The callback: status MXTLS_OK for any authoritative answer (data, NODATA
 * or NXDOMAIN; check ans->havedata/nxdomain and ans->dnssec), MXTLS_TEMPFAIL
 * for SERVFAIL, timeout, resolver failure or a bogus answer (ans is still
 * given, with dnssec = BOGUS and no data; why says what happened).
 */
typedef void mxtls_dns_cb(void *arg, enum mxtls_status status,
    const struct mxtls_dns_answer *ans, const struct mxtls_why *why);

/*
 * mxtls_dns_new - a resolver on base configured from cfg: trust_anchor_file,
 * unbound_conf (loaded with ub_ctx_config), resolver (forwarders), and
 * dns_timeout. Returns it (caller frees with mxtls_dns_free) or NULL + why.
 */
struct mxtls_dns *mxtls_dns_new(struct event_base *base,
    const struct mxtls_config *cfg, struct mxtls_why *why);

/* mxtls_dns_free - cancel every pending query (no callbacks) and free. */
void	mxtls_dns_free(struct mxtls_dns *dns);

/*
 * mxtls_dns_query - start a lookup of name/rrtype (class IN). cb is called
 * exactly once, from the event loop, never from inside this call. Returns
 * MXTLS_OK when started, otherwise an error + why and cb is not called.
 */
enum mxtls_status mxtls_dns_query(struct mxtls_dns *dns, const char *name,
    int rrtype, mxtls_dns_cb *cb, void *arg, struct mxtls_why *why);

/*
 * mxtls_dns_hold - make dns the last-resort owner of obj: if dns is freed
 * while obj is still held (a resolution in flight at shutdown, whose
 * callbacks will never run), fn(obj) frees it. Returns a token for
 * mxtls_dns_release, or NULL when out of memory (nothing is held).
 */
void   *mxtls_dns_hold(struct mxtls_dns *dns, void *obj, void (*fn)(void *));

/* mxtls_dns_release - obj is done and freed by its owner: forget it. */
void	mxtls_dns_release(struct mxtls_dns *dns, void *token);

/* mxtls_dnssec_name - "secure", "insecure", "bogus". */
const char *mxtls_dnssec_name(enum mxtls_dnssec sec);

#endif /* MXTLS_DNS_H */
