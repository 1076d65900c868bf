/*
 * NAME
 *	cli.h - shared state of the mxtls command-line tool
 */
#ifndef MXTLS_CLI_H
#define MXTLS_CLI_H

#include <jansson.h>

#include "config.h"
#include "decide.h"

/* Exit codes, documented in mxtls(1). */
#define CLI_EXIT_OK	0	/* valid / found / match */
#define CLI_EXIT_NO	1	/* invalid / not found / no match */
#define CLI_EXIT_ERR	2	/* usage, I/O or temporary failure */

struct cli {
	const char *config_path;
	int	config_given;		/* -c used: a missing file is an error */
	int	json;
	int	no_cache;
	const char *probe_host;		/* probe --host HOST */
	unsigned probe_port;		/* probe --port PORT (tests) */
	unsigned probe_timeout;		/* probe --timeout SECONDS */
	int	argc;			/* arguments after the subcommand */
	char  **argv;
	struct mxtls_config cfg;
};

int	cli_load_config(struct cli *cli);
void	cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cli_json_out - print j (steals the reference) on stdout, indented */
void	cli_json_out(json_t *j);
/* cli_read_input - read a file or "-" (stdin), at most max bytes; *len set;
 * returns a malloc'd buffer (caller frees) or NULL with *toobig set when the
 * input is longer than max */
char   *cli_read_input(const char *path, size_t max, size_t *len, int *toobig);

/* cli_decide - mxtls_decide() for domain on a private loop; cb borrows the
 * decision. 0 when cb ran, -1 after a setup error (reported). */
int	cli_decide(struct cli *cli, const char *domain, mxtls_decision_cb *cb,
	    void *arg);

int	cmd_lint(struct cli *cli);
int	cmd_match(struct cli *cli);
int	cmd_query(struct cli *cli);
int	cmd_cache(struct cli *cli);
int	cmd_probe(struct cli *cli);

#endif /* MXTLS_CLI_H */
