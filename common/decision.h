/*
 * NAME
 *	decision.h - what a sender must do for one recipient domain
 * DESCRIPTION
 *	The engine turns a domain into a decision; adapters translate the
 *	policy into their MTA's words through one table each and never derive
 *	policy themselves. DANE (RFC 7672) takes precedence when the MX RRset
 *	is secure and TLSA records exist, because MTA-STS must never override
 *	a failing DANE validation (RFC 8461 2); MTA-STS applies otherwise.
 */
#ifndef MXTLS_DECISION_H
#define MXTLS_DECISION_H

enum mxtls_policy {
	MXTLS_POLICY_NONE = 0,		/* deliver as before */
	MXTLS_POLICY_STS_TESTING,	/* RFC 8461 5: report, deliver */
	MXTLS_POLICY_STS_ENFORCE,	/* RFC 8461 5: TLS + PKIX + mx */
	MXTLS_POLICY_DANE,		/* RFC 7672: see the per-host table */
	MXTLS_POLICY_TEMPFAIL		/* cannot decide now: defer */
};

enum mxtls_rule {
	MXTLS_RULE_NONE = 0,
	MXTLS_RULE_MTA_STS,
	MXTLS_RULE_DANE
};

/* "none", "sts-testing", "sts-enforce", "dane", "tempfail" */
const char *mxtls_policy_name(enum mxtls_policy policy);
/* "none", "mta-sts", "dane" */
const char *mxtls_rule_name(enum mxtls_rule rule);

#endif /* MXTLS_DECISION_H */
