/*
 * NAME
 *	tlsrpt_result.h - TLS-RPT result types (RFC 8460 section 4.3) and the
 *	error record every answer carries
 */
#ifndef MXTLS_TLSRPT_RESULT_H
#define MXTLS_TLSRPT_RESULT_H

#include "mxtls.h"

enum mxtls_result_type {
	MXTLS_RT_NONE = 0,
	/* 4.3.1 negotiation failures */
	MXTLS_RT_STARTTLS_NOT_SUPPORTED,
	MXTLS_RT_CERTIFICATE_HOST_MISMATCH,
	MXTLS_RT_CERTIFICATE_EXPIRED,
	MXTLS_RT_CERTIFICATE_NOT_TRUSTED,
	MXTLS_RT_VALIDATION_FAILURE,
	/* 4.3.2 policy failures: DANE */
	MXTLS_RT_TLSA_INVALID,
	MXTLS_RT_DNSSEC_INVALID,
	MXTLS_RT_DANE_REQUIRED,
	/* 4.3.2 policy failures: MTA-STS */
	MXTLS_RT_STS_POLICY_FETCH_ERROR,
	MXTLS_RT_STS_POLICY_INVALID,
	MXTLS_RT_STS_WEBPKI_INVALID
};

/* One failure: its TLS-RPT result type and a sanitized detail. */
struct mxtls_err {
	enum mxtls_result_type type;
	char	detail[MXTLS_DETAIL_MAX];
};

/* mxtls_result_type_name - "sts-policy-fetch-error", ...; "" for NONE. */
const char *mxtls_result_type_name(enum mxtls_result_type type);

/* mxtls_result_type_parse - inverse of the above; MXTLS_RT_NONE if unknown */
enum mxtls_result_type mxtls_result_type_parse(const char *name);

#endif /* MXTLS_TLSRPT_RESULT_H */
