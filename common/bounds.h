/*
 * NAME
 *	bounds.h - every size and count limit of libmxtls in one place
 * DESCRIPTION
 *	Parsers of untrusted input reject anything beyond these bounds with a
 *	reason; nothing is silently truncated.
 */
#ifndef MXTLS_BOUNDS_H
#define MXTLS_BOUNDS_H

#define MXTLS_WHY_MAX		512	/* reason text, with NUL */
#define MXTLS_DETAIL_MAX	256	/* TLS-RPT failure detail, with NUL */
#define MXTLS_ERRORS_MAX	8	/* errors carried by one answer */

#define MXTLS_DOMAIN_MAX	253	/* domain text, no trailing dot */
#define MXTLS_LABEL_MAX		63	/* one DNS label */

/* MTA-STS (RFC 8461) */
#define MXTLS_STS_ID_MAX	32	/* 3.1: id = 1*32(ALPHA / DIGIT) */
#define MXTLS_STS_TXT_MAX	4096	/* one joined _mta-sts TXT value */
#define MXTLS_STS_TXT_RRS_MAX	32	/* TXT RRs considered at one name */
#define MXTLS_STS_BODY_MAX	65536	/* 3.3: "64 kilobytes" */
#define MXTLS_STS_MX_MAX	64	/* mx lines in one policy */
#define MXTLS_STS_MAX_AGE_MAX	31557600 /* 3.2: about one year */
#define MXTLS_STS_EXT_NAME_MAX	32	/* 3.2: 1 + *31 characters */
#define MXTLS_STS_FIELD_MAX	1024	/* one policy line */
#define MXTLS_STS_BACKOFF	300	/* 3.3: >= 5 minutes per id */
#define MXTLS_STS_CTYPE_MAX	128	/* Content-Type header kept */

/* DNS */
#define MXTLS_DNS_RRS_MAX	64	/* records kept from one answer */
#define MXTLS_DNS_ADDRS_MAX	16	/* addresses used for one host */

/* DANE (RFC 7672, RFC 6698) */
#define MXTLS_TLSA_DATA_MAX	2048	/* certificate association data */
#define MXTLS_TLSA_RRS_MAX	8	/* TLSA records kept per host */
#define MXTLS_DANE_HOSTS_MAX	10	/* MX hosts evaluated per domain */
#define MXTLS_CNAME_MAX		8	/* CNAME links followed (7672 2.1.3) */
#define MXTLS_TLSA_PORT		25	/* _25._tcp: the SMTP port */

#endif /* MXTLS_BOUNDS_H */
