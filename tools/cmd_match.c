/*
 * NAME
 *	cmd_match - "mxtls match HOSTNAME PATTERN..."
 * DESCRIPTION
 *	Tells whether an MX host name matches any of the policy mx patterns,
 *	exactly as senders match them (RFC 8461 4.1).
 * DIAGNOSTICS
 *	Exit 0 match, 1 no match, 2 usage.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sts_match.h"

int
cmd_match(struct cli *cli)
{
	const char *host, *hit = NULL;
	int i;

	if (cli->argc < 2) {
		cli_err("usage: mxtls match HOSTNAME PATTERN...");
		return CLI_EXIT_ERR;
	}
	host = cli->argv[0];
	for (i = 1; i < cli->argc && hit == NULL; i++)
		if (mxtls_sts_match(host, strlen(host), cli->argv[i],
		    strlen(cli->argv[i])))
			hit = cli->argv[i];
	if (cli->json)
		cli_json_out(json_pack("{s:s, s:b, s:o}", "host", host,
		    "match", hit != NULL, "pattern",
		    hit ? json_string(hit) : json_null()));
	else if (hit)
		printf("%s matches %s\n", host, hit);
	else
		printf("%s matches none of the patterns: a sender under an "
		    "enforce policy will not deliver to it (RFC 8461 4.1)\n",
		    host);
	return hit ? CLI_EXIT_OK : CLI_EXIT_NO;
}
