/*
 * NAME
 *	probe.h - connect to an MX host over SMTP STARTTLS and verify it as a
 *	sender under a decision must (RFC 7672 3, RFC 8461 4)
 * DESCRIPTION
 *	A blocking client (for the CLI and tests, not for the daemon's loop):
 *	TCP connect, banner, EHLO, STARTTLS, TLS handshake with SNI, then
 *	DANE verification through OpenSSL's SSL_dane_* API, or PKIX
 *	verification with the MX host name and the MTA-STS patterns, or
 *	nothing (opportunistic). Every stage has a timeout.
 */
#ifndef MXTLS_PROBE_H
#define MXTLS_PROBE_H

#include "dane.h"
#include "sts_policy.h"
#include "tlsrpt_result.h"

#define MXTLS_PROBE_CHAIN_MAX	8

/* What the probe must verify for this host. */
enum mxtls_probe_mode {
	MXTLS_PROBE_OPPORTUNISTIC = 0,	/* report only; no requirement */
	MXTLS_PROBE_DANE,		/* host->tlsa usable records */
	MXTLS_PROBE_ENCRYPT,		/* TLS required, no authentication */
	MXTLS_PROBE_STS			/* PKIX + name + mx patterns */
};

struct mxtls_probe_req {
	const char *domain;		/* next-hop (recipient) domain */
	const struct mxtls_dane_host *host;	/* name, addresses, TLSA */
	int	mx_secure;		/* MX RRset secure: domain is a
					   reference identifier (7672 3.2.2) */
	enum mxtls_probe_mode mode;
	const struct mxtls_sts_policy *sts;	/* for MXTLS_PROBE_STS */
	const char *ca_file;		/* "" or NULL: system store */
	const char *helo;		/* EHLO name */
	unsigned port;			/* 25 unless testing */
	unsigned timeout;		/* seconds per stage */
};

struct mxtls_probe_cert {
	char	subject[256];
	char	issuer[256];
	char	san[512];		/* DNS SANs, comma separated */
	char	not_after[32];		/* RFC 3339 */
	long	days_left;		/* negative when expired */
};

struct mxtls_probe_result {
	char	host[MXTLS_DOMAIN_MAX + 1];
	enum mxtls_probe_mode mode;	/* req->mode, for the report */
	char	address[48];		/* the address connected to */
	int	connected;
	char	banner[128];
	int	starttls_offered;
	int	tls_ok;			/* handshake completed */
	char	tls_version[32];
	char	cipher[64];
	size_t	nchain;
	struct mxtls_probe_cert chain[MXTLS_PROBE_CHAIN_MAX];
	int	tlsa_matched;		/* DANE: a record matched */
	int	tlsa_depth;		/* depth of the match */
	char	tlsa_match[160];	/* "3 1 1 <hex>" that matched */
	char	peername[MXTLS_DOMAIN_MAX + 1];	/* name matched (DANE-TA/PKIX) */
	int	mx_matches_policy;	/* STS: host matches a pattern */
	int	pass;			/* verdict: meets the requirement */
	enum mxtls_result_type type;	/* TLS-RPT result type on failure */
	char	detail[MXTLS_DETAIL_MAX];	/* plain words */
};

/*
 * mxtls_probe_host - probe req->host at its first address that accepts a
 * connection (at most MXTLS_DNS_ADDRS_MAX tried), fill *res. Never blocks
 * longer than req->timeout per stage. Returns MXTLS_OK when the probe ran
 * (see res->pass for the verdict), or MXTLS_TEMPFAIL/ENOMEM with why for
 * local trouble (no address, out of memory).
 */
enum mxtls_status mxtls_probe_host(const struct mxtls_probe_req *req,
    struct mxtls_probe_result *res, struct mxtls_why *why);

const char *mxtls_probe_mode_name(enum mxtls_probe_mode mode);

#endif /* MXTLS_PROBE_H */
