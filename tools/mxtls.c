/*
 * NAME
 *	mxtls - the mxtls command-line tool
 * SYNOPSIS
 *	mxtls [-c FILE] [--json] lint|match|query|cache ...
 * DESCRIPTION
 *	Parses the options shared by every subcommand, loads the
 *	configuration and hands over to one cmd_*() per subcommand. The
 *	subcommands translate the core's answers into words for people or
 *	into the stable JSON of mxtls(1); they never decide policy.
 * DIAGNOSTICS
 *	Exit 0 valid/found/match, 1 invalid/not found/no match, 2 usage, I/O
 *	or temporary error. Messages go to stderr.
 * SEE ALSO
 *	mxtls(1), mxtls.conf(5)
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mxtls [-c FILE] [--json] COMMAND ...\n"
	    "  lint sts-txt [RECORD...]      check _mta-sts TXT record(s)\n"
	    "  lint sts-policy FILE|-        check a policy file\n"
	    "  match HOSTNAME PATTERN...     does an MX host match a pattern\n"
	    "  query [--no-cache] DOMAIN     what MTA-STS requires for DOMAIN\n"
	    "  cache list                    list cached policies\n"
	    "  cache show DOMAIN             show one cache entry\n"
	    "  cache purge [DOMAIN]          remove one or every entry\n"
	    "  probe [--host H] [--port P] [--timeout S] DOMAIN\n"
	    "                                STARTTLS to the MX hosts, verified\n"
	    "options: -c FILE (default %s), --json, -h, -V\n",
	    MXTLS_CONFIG_DEFAULT);
}

void
cli_err(const char *fmt, ...)
{
	va_list ap;

	fputs("mxtls: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
cli_json_out(json_t *j)
{
	if (j == NULL) {
		cli_err("out of memory");
		return;
	}
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(j);
}

int
cli_load_config(struct cli *cli)
{
	struct mxtls_why why;

	mxtls_why_clear(&why);
	if (mxtls_config_load(&cli->cfg, cli->config_path, !cli->config_given,
	    &why) != MXTLS_OK) {
		cli_err("%s", why.text);
		return -1;
	}
	return 0;
}

char *
cli_read_input(const char *path, size_t max, size_t *len, int *toobig)
{
	FILE *fp;
	char *buf;
	size_t n;

	*toobig = 0;
	*len = 0;
	fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (fp == NULL) {
		cli_err("%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((buf = malloc(max + 1)) == NULL) {
		cli_err("out of memory");
		goto out;
	}
	n = fread(buf, 1, max + 1, fp);
	if (ferror(fp)) {
		cli_err("%s: %s", path, strerror(errno));
		free(buf);
		buf = NULL;
		goto out;
	}
	if (n > max) {
		*toobig = 1;
		n = max;
	}
	*len = n;
	buf[n] = '\0';
out:
	if (fp != stdin)
		fclose(fp);
	return buf;
}

/* cli_uint - a decimal number in [min, max]; 0, or -1 with a message */

static int
cli_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || v < min || v > max) {
		cli_err("\"%s\" is not a number from %u to %u", s, min, max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-cache", no_argument, NULL, 'n' },
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'P' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli cli;
	const char *cmd;
	int ch;

	memset(&cli, 0, sizeof(cli));
	cli.config_path = MXTLS_CONFIG_DEFAULT;
	while ((ch = getopt_long(argc, argv, "c:jhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cli.config_path = optarg;
			cli.config_given = 1;
			break;
		case 'j':
			cli.json = 1;
			break;
		case 'n':
			cli.no_cache = 1;
			break;
		case 'H':
			cli.probe_host = optarg;
			break;
		case 'P':
			if (cli_uint(optarg, 1, 65535, &cli.probe_port) != 0)
				return CLI_EXIT_ERR;
			break;
		case 'T':
			if (cli_uint(optarg, 1, 300, &cli.probe_timeout) != 0)
				return CLI_EXIT_ERR;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		case 'V':
			printf("mxtls %s\n", MXTLS_VERSION);
			return CLI_EXIT_OK;
		default:
			usage(stderr);
			return CLI_EXIT_ERR;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CLI_EXIT_ERR;
	}
	cmd = argv[optind];
	cli.argc = argc - optind - 1;
	cli.argv = argv + optind + 1;
	/* lint and match work on their arguments alone: no configuration */
	if ((strcmp(cmd, "query") == 0 || strcmp(cmd, "cache") == 0 ||
	    strcmp(cmd, "probe") == 0) &&
	    cli_load_config(&cli) != 0)
		return CLI_EXIT_ERR;
	if (strcmp(cmd, "lint") == 0)
		return cmd_lint(&cli);
	if (strcmp(cmd, "match") == 0)
		return cmd_match(&cli);
	if (strcmp(cmd, "query") == 0)
		return cmd_query(&cli);
	if (strcmp(cmd, "cache") == 0)
		return cmd_cache(&cli);
	if (strcmp(cmd, "probe") == 0)
		return cmd_probe(&cli);
	cli_err("unknown command \"%s\"", cmd);
	usage(stderr);
	return CLI_EXIT_ERR;
}
