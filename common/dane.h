/*
 * NAME
 *	dane.h - DNSSEC-validated MX, address and TLSA resolution for SMTP
 *	DANE (RFC 7672 section 2)
 * DESCRIPTION
 *	mxtls_dane_resolve() looks up a recipient domain's MX RRset (or its
 *	own addresses when it has none), then for each MX host in preference
 *	order its addresses and, where the address answer allows it, the TLSA
 *	RRset of each TLSA base-domain candidate (2.2.2, 2.2.3). The result
 *	says per host what a sender must do.
 */
#ifndef MXTLS_DANE_H
#define MXTLS_DANE_H

#include "dane_tlsa.h"
#include "dns.h"

/* What a sender must do with one MX host (RFC 7672 2.2, 7671 10.3). */
enum mxtls_dane_req {
	MXTLS_DANE_REQ_OPPORTUNISTIC = 0, /* no DANE: pre-DANE TLS */
	MXTLS_DANE_REQ_DANE,		/* TLS + DANE authentication */
	MXTLS_DANE_REQ_ENCRYPT,		/* secure TLSA, all unusable: TLS */
	MXTLS_DANE_REQ_UNUSABLE		/* lookup error: do not connect now */
};

struct mxtls_dane_host {
	char	host[MXTLS_DOMAIN_MAX + 1];	/* MX exchange, lower case */
	uint16_t preference;
	enum mxtls_dnssec addr_dnssec;
	char	addr_canon[MXTLS_DOMAIN_MAX + 1]; /* CNAME target or "" */
	size_t	naddrs;
	char	addrs[MXTLS_DNS_ADDRS_MAX][48];
	char	base[MXTLS_DOMAIN_MAX + 1];	/* TLSA base domain or "" */
	enum mxtls_dnssec tlsa_dnssec;		/* of the deciding answer */
	int	tlsa_looked_up;			/* a TLSA query was made */
	int	tlsa_from_cache;		/* outcome read from LMDB */
	size_t	ntlsa;
	size_t	nusable;
	struct mxtls_tlsa tlsa[MXTLS_TLSA_RRS_MAX];
	uint32_t ttl;				/* smallest TTL seen */
	enum mxtls_dane_req requirement;
	char	detail[MXTLS_DETAIL_MAX];	/* why, in plain words */
};

struct mxtls_dane {
	char	domain[MXTLS_DOMAIN_MAX + 1];
	enum mxtls_dnssec mx_dnssec;
	int	mx_error;		/* MX lookup failed: delay (2.1.2) */
	int	nxdomain;		/* the domain does not exist */
	int	null_mx;		/* RFC 7505: the domain takes no mail */
	int	implicit_mx;		/* no MX: the domain is its own host */
	char	mx_canon[MXTLS_DOMAIN_MAX + 1];	/* CNAME-expanded, or "" */
	size_t	nhosts;
	struct mxtls_dane_host hosts[MXTLS_DANE_HOSTS_MAX];
	char	detail[MXTLS_DETAIL_MAX];
};

struct mxtls_cache;

/* The callback; d is borrowed for the duration of the call. */
typedef void mxtls_dane_cb(void *arg, const struct mxtls_dane *d);

/*
 * mxtls_dane_resolve - start the resolution of domain (normalized, lower
 * case) on dns. With a cache (may be NULL), a host's TLSA outcome is read
 * from the "dane" database while its TTL lasts instead of being looked up,
 * and stored after a definite lookup. cb runs once, from the event loop.
 * Returns MXTLS_OK when started, or an error + why (cb not called).
 */
enum mxtls_status mxtls_dane_resolve(struct mxtls_dns *dns,
    struct mxtls_cache *cache, const char *domain, mxtls_dane_cb *cb,
    void *arg, struct mxtls_why *why);

/* mxtls_dane_req_name - "opportunistic", "dane", "encrypt", "unusable" */
const char *mxtls_dane_req_name(enum mxtls_dane_req req);

/*
 * mxtls_dane_applies - 1 when RFC 7672 governs delivery to d's domain: a
 * secure MX RRset (or a secure implicit MX) and at least one host that
 * requires DANE or encryption or cannot be used now (RFC 8461 2: MTA-STS
 * must not override DANE).
 */
int	mxtls_dane_applies(const struct mxtls_dane *d);

#endif /* MXTLS_DANE_H */
