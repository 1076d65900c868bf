/*
 * NAME
 *	cmd_lint - "mxtls lint sts-txt" and "mxtls lint sts-policy"
 * SYNOPSIS
 *	mxtls lint sts-txt [RECORD...]
 *	mxtls lint sts-policy FILE|-
 * DESCRIPTION
 *	Checks what a domain owner is about to publish, with the parsers the
 *	senders use: each RECORD is one TXT record of _mta-sts.<domain>, its
 *	strings already joined; together they are the whole RRset (RFC 8461
 *	3.1). The policy is read as raw bytes, at most 64 KiB (3.3).
 * DIAGNOSTICS
 *	Exit 0 valid, 1 invalid, 2 usage or I/O error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sts_json.h"
#include "sts_policy.h"
#include "sts_record.h"

static int
lint_txt(struct cli *cli)
{
	struct mxtls_span spans[MXTLS_STS_TXT_RRS_MAX];
	struct mxtls_sts_record rec;
	struct mxtls_why why;
	enum mxtls_status st;
	int i;

	if (cli->argc - 1 > MXTLS_STS_TXT_RRS_MAX) {
		cli_err("at most %d records", MXTLS_STS_TXT_RRS_MAX);
		return CLI_EXIT_ERR;
	}
	for (i = 1; i < cli->argc; i++) {
		spans[i - 1].p = cli->argv[i];
		spans[i - 1].len = strlen(cli->argv[i]);
	}
	mxtls_why_clear(&why);
	st = mxtls_sts_record_select(&rec, spans, (size_t)(cli->argc - 1),
	    &why);
	if (cli->json) {
		cli_json_out(st == MXTLS_OK ?
		    json_pack("{s:b, s:s}", "valid", 1, "id", rec.id) :
		    json_pack("{s:b, s:s}", "valid", 0, "error", why.text));
	} else if (st == MXTLS_OK) {
		printf("valid: MTA-STS TXT record, id %s\n", rec.id);
	} else {
		printf("invalid: %s\n", why.text);
	}
	return st == MXTLS_OK ? CLI_EXIT_OK : CLI_EXIT_NO;
}

static void
lint_policy_print(const struct mxtls_sts_policy *pol)
{
	unsigned bit;
	size_t i;

	printf("valid: MTA-STS policy, mode %s, max_age %u s",
	    mxtls_sts_mode_name(pol->mode), pol->max_age);
	if (pol->max_age >= 86400)
		printf(" (%u days)", pol->max_age / 86400);
	printf("\n");
	for (i = 0; i < pol->nmx; i++)
		printf("  mx: %s\n", pol->mx[i]);
	for (bit = 1; bit != 0 && bit <= 0x8000; bit <<= 1)
		if ((pol->warnings & bit) && mxtls_sts_warning_text(bit))
			printf("warning: %s\n", mxtls_sts_warning_text(bit));
}

static int
lint_policy(struct cli *cli)
{
	struct mxtls_sts_policy *pol;
	struct mxtls_why why;
	enum mxtls_status st;
	size_t len;
	char *buf;
	int toobig, rc;

	if (cli->argc != 2) {
		cli_err("usage: mxtls lint sts-policy FILE|-");
		return CLI_EXIT_ERR;
	}
	buf = cli_read_input(cli->argv[1], MXTLS_STS_BODY_MAX, &len, &toobig);
	if (buf == NULL)
		return CLI_EXIT_ERR;
	if ((pol = calloc(1, sizeof(*pol))) == NULL) {
		free(buf);
		cli_err("out of memory");
		return CLI_EXIT_ERR;
	}
	mxtls_why_clear(&why);
	if (toobig)
		st = mxtls_why_set(&why, MXTLS_PERMFAIL, "the policy is larger "
		    "than %d bytes; senders stop reading there and treat it as "
		    "a failed fetch (RFC 8461 3.3)", MXTLS_STS_BODY_MAX);
	else
		st = mxtls_sts_policy_parse(pol, buf, len, &why);
	if (cli->json) {
		json_t *j;

		if (st == MXTLS_OK && (j = mxtls_sts_policy_json(pol)) != NULL)
			json_object_set_new(j, "valid", json_true());
		else
			j = json_pack("{s:b, s:s}", "valid", 0, "error",
			    why.text);
		cli_json_out(j);
	} else if (st == MXTLS_OK) {
		lint_policy_print(pol);
	} else {
		printf("invalid: %s\n", why.text);
	}
	rc = st == MXTLS_OK ? CLI_EXIT_OK : CLI_EXIT_NO;
	free(pol);
	free(buf);
	return rc;
}

int
cmd_lint(struct cli *cli)
{
	if (cli->argc >= 1 && strcmp(cli->argv[0], "sts-txt") == 0)
		return lint_txt(cli);
	if (cli->argc >= 1 && strcmp(cli->argv[0], "sts-policy") == 0)
		return lint_policy(cli);
	cli_err("usage: mxtls lint sts-txt [RECORD...] | "
	    "mxtls lint sts-policy FILE|-");
	return CLI_EXIT_ERR;
}
