/*
 * NAME
 *	dane_tlsa.h - TLSA records: parsing and usability for SMTP
 *	(RFC 6698 2.1, RFC 7672 3.1.3, RFC 7671 9)
 */
#ifndef MXTLS_DANE_TLSA_H
#define MXTLS_DANE_TLSA_H

#include "mxtls.h"

#define MXTLS_TLSA_USAGE_PKIX_TA	0
#define MXTLS_TLSA_USAGE_PKIX_EE	1
#define MXTLS_TLSA_USAGE_DANE_TA	2
#define MXTLS_TLSA_USAGE_DANE_EE	3

struct mxtls_tlsa {
	uint8_t	usage;
	uint8_t	selector;
	uint8_t	mtype;
	int	usable;				/* set by mxtls_tlsa_assess */
	char	unusable_why[128];		/* plain words when !usable */
	size_t	len;
	unsigned char data[MXTLS_TLSA_DATA_MAX];
};

/*
 * mxtls_tlsa_parse - parse one TLSA RDATA of len untrusted bytes (usage,
 * selector, matching type, data) into *t. MXTLS_OK, or MXTLS_PERMFAIL with
 * the reason when the RDATA is shorter than 4 bytes or its data is longer
 * than MXTLS_TLSA_DATA_MAX. Parameters are not judged here (see assess):
 * an unknown usage is a well-formed but unusable record.
 */
enum mxtls_status mxtls_tlsa_parse(struct mxtls_tlsa *t,
    const unsigned char *rdata, size_t len, struct mxtls_why *why);

/*
 * mxtls_tlsa_assess - mark each of the n records usable or not for SMTP:
 * usage 2 or 3 only (PKIX-TA/PKIX-EE are unusable for SMTP, 7672 3.1.3),
 * selector 0 or 1, matching type 0, 1 or 2, digest length 32 (SHA2-256) or
 * 64 (SHA2-512), Full data that parses as DER (a certificate for selector
 * 0, a SubjectPublicKeyInfo for selector 1). Then digest agility (7671 9):
 * per (usage, selector), records with a digest weaker than the strongest
 * usable one present are unusable too (SHA2-512 > SHA2-256; Full is kept).
 * Returns the number of usable records.
 */
size_t	mxtls_tlsa_assess(struct mxtls_tlsa *t, size_t n);

/* mxtls_tlsa_hex - the data as lower-case hex into out (size outsz), which
 * is cut (and ends in "...") when too small. Returns out. */
char   *mxtls_tlsa_hex(const struct mxtls_tlsa *t, char *out, size_t outsz);

/* mxtls_tlsa_usage_name - "PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE", or
 * "usage N"; static storage or out. */
const char *mxtls_tlsa_usage_name(uint8_t usage);

#endif /* MXTLS_DANE_TLSA_H */
