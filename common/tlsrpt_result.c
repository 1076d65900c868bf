/*
 * NAME
 *	tlsrpt_result - names of the TLS-RPT result types
 * SYNOPSIS
 *	#include "tlsrpt_result.h"
 * DESCRIPTION
 *	The names are those of RFC 8460 section 4.3, used verbatim in JSON
 *	output and, later, in reports.
 * SEE ALSO
 *	RFC 8460 section 4.3; shared/spec/tls-rpt.md
 */
#include "tlsrpt_result.h"

#include <string.h>

static const char *const result_names[] = {
	[MXTLS_RT_NONE] = "",
	[MXTLS_RT_STARTTLS_NOT_SUPPORTED] = "starttls-not-supported",
	[MXTLS_RT_CERTIFICATE_HOST_MISMATCH] = "certificate-host-mismatch",
	[MXTLS_RT_CERTIFICATE_EXPIRED] = "certificate-expired",
	[MXTLS_RT_CERTIFICATE_NOT_TRUSTED] = "certificate-not-trusted",
	[MXTLS_RT_VALIDATION_FAILURE] = "validation-failure",
	[MXTLS_RT_TLSA_INVALID] = "tlsa-invalid",
	[MXTLS_RT_DNSSEC_INVALID] = "dnssec-invalid",
	[MXTLS_RT_DANE_REQUIRED] = "dane-required",
	[MXTLS_RT_STS_POLICY_FETCH_ERROR] = "sts-policy-fetch-error",
	[MXTLS_RT_STS_POLICY_INVALID] = "sts-policy-invalid",
	[MXTLS_RT_STS_WEBPKI_INVALID] = "sts-webpki-invalid",
};

const char *
mxtls_result_type_name(enum mxtls_result_type type)
{
	if ((size_t)type >= sizeof(result_names) / sizeof(result_names[0]))
		return "";
	return result_names[type];
}

enum mxtls_result_type
mxtls_result_type_parse(const char *name)
{
	size_t i;

	for (i = 1; i < sizeof(result_names) / sizeof(result_names[0]); i++)
		if (strcmp(name, result_names[i]) == 0)
			return (enum mxtls_result_type)i;
	return MXTLS_RT_NONE;
}
