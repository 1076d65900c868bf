/*
 * NAME
 *	decision - names of policies and deciding rules
 * SYNOPSIS
 *	#include "decision.h"
 * DESCRIPTION
 *	The names are the ones used in --json output and documented in
 *	mxtls(1); they are part of the stable interface.
 */
#include "decision.h"

const char *
mxtls_policy_name(enum mxtls_policy policy)
{
	switch (policy) {
	case MXTLS_POLICY_STS_TESTING:
		return "sts-testing";
	case MXTLS_POLICY_STS_ENFORCE:
		return "sts-enforce";
	case MXTLS_POLICY_DANE:
		return "dane";
	case MXTLS_POLICY_TEMPFAIL:
		return "tempfail";
	case MXTLS_POLICY_NONE:
		break;
	}
	return "none";
}

const char *
mxtls_rule_name(enum mxtls_rule rule)
{
	switch (rule) {
	case MXTLS_RULE_MTA_STS:
		return "mta-sts";
	case MXTLS_RULE_DANE:
		return "dane";
	case MXTLS_RULE_NONE:
		break;
	}
	return "none";
}
