/*
 * NAME
 *	decide.h - the decision object: MTA-STS and DANE combined
 * DESCRIPTION
 *	One answer per recipient domain with per-host detail, used by every
 *	adapter. See decision.h for the policy values and the precedence.
 */
#ifndef MXTLS_DECIDE_H
#define MXTLS_DECIDE_H

#include "dane.h"
#include "decision.h"
#include "sts.h"

struct mxtls_decision {
	char	domain[MXTLS_DOMAIN_MAX + 1];
	enum mxtls_policy policy;
	enum mxtls_rule decided_by;
	struct mxtls_sts_result sts;	/* the MTA-STS part, always filled */
	struct mxtls_dane dane;		/* the DANE part */
	size_t	nerrors;		/* decision-level notes */
	struct mxtls_err errors[MXTLS_ERRORS_MAX];
};

typedef void mxtls_decision_cb(void *arg, const struct mxtls_decision *d);

/*
 * mxtls_decide - resolve MTA-STS (as mxtls_sts_lookup with flags) and DANE
 * for domain at once, and combine them. cb runs once, from the event loop
 * (d is borrowed during the call). Returns MXTLS_OK when started, else an
 * error + why and cb is not called.
 */
enum mxtls_status mxtls_decide(struct mxtls_engine *eng, const char *domain,
    unsigned flags, mxtls_decision_cb *cb, void *arg, struct mxtls_why *why);

#endif /* MXTLS_DECIDE_H */
