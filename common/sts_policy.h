/*
 * NAME
 *	sts_policy.h - the MTA-STS policy file (RFC 8461 section 3.2)
 */
#ifndef MXTLS_STS_POLICY_H
#define MXTLS_STS_POLICY_H

#include "mxtls.h"

enum mxtls_sts_mode {
	MXTLS_STS_MODE_NONE = 0,
	MXTLS_STS_MODE_TESTING,
	MXTLS_STS_MODE_ENFORCE
};

/* Warnings: the policy is valid but something deserves the admin's eye. */
#define MXTLS_STS_WARN_LF_ONLY		0x0001	/* lines end in LF, not CRLF */
#define MXTLS_STS_WARN_SHORT_MAX_AGE	0x0002	/* max_age < 86400 */
#define MXTLS_STS_WARN_DUPLICATE	0x0004	/* repeated field; first kept */
#define MXTLS_STS_WARN_UNKNOWN_FIELD	0x0008	/* extension field ignored */
#define MXTLS_STS_WARN_TRAILING_DOT	0x0010	/* mx value ended in '.' */
#define MXTLS_STS_WARN_MIXED_EOL	0x0020	/* both LF and CRLF */
#define MXTLS_STS_WARN_NO_MX_NONE	0x0040	/* mode none without mx: fine */
#define MXTLS_STS_WARN_ZERO_MAX_AGE	0x0080	/* max_age 0 expires at once */
#define MXTLS_STS_WARN_MAX_AGE_CAPPED	0x0100	/* max_age > 31557600; capped */

struct mxtls_sts_policy {
	enum mxtls_sts_mode mode;
	uint32_t max_age;			/* seconds, <= 31557600 */
	size_t	nmx;
	/* patterns as published, lower-cased, no trailing dot */
	char	mx[MXTLS_STS_MX_MAX][MXTLS_DOMAIN_MAX + 1];
	unsigned warnings;			/* MXTLS_STS_WARN_* */
};

/*
 * mxtls_sts_policy_parse - parse len untrusted bytes (not NUL-terminated) as
 * a policy file into *pol. Returns MXTLS_OK (warnings in pol->warnings), or
 * MXTLS_PERMFAIL with the reason (line number, field, RFC section) in why.
 */
enum mxtls_status mxtls_sts_policy_parse(struct mxtls_sts_policy *pol,
    const char *buf, size_t len, struct mxtls_why *why);

/* mxtls_sts_mode_name - "none", "testing", "enforce"; static storage. */
const char *mxtls_sts_mode_name(enum mxtls_sts_mode mode);

/*
 * mxtls_sts_warning_text - plain-words text of one MXTLS_STS_WARN_* bit;
 * static storage; NULL for an unknown bit.
 */
const char *mxtls_sts_warning_text(unsigned bit);

#endif /* MXTLS_STS_POLICY_H */
