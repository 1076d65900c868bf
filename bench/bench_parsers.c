/*
 * NAME
 *	bench_parsers - throughput of the MTA-STS record, policy and matcher
 * SYNOPSIS
 *	bench_parsers [iterations]
 * DESCRIPTION
 *	Times mxtls_sts_record_parse() on a typical TXT value,
 *	mxtls_sts_policy_parse() on a typical 4-mx CRLF policy and
 *	mxtls_sts_match() on a wildcard and an exact pattern, each for
 *	iterations rounds (default 1000000), with clock_gettime(
 *	CLOCK_MONOTONIC). Prints ns/op and MB/s of input. Results feed a
 *	volatile sink so that the compiler cannot drop the work. There is
 *	no pass or fail; a parse error is reported and exits 1, since the
 *	numbers would then be meaningless.
 * SEE ALSO
 *	common/sts_record.c, common/sts_policy.c, common/sts_match.c
 */
#include "sts_match.h"
#include "sts_policy.h"
#include "sts_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define T(s)	s, sizeof(s) - 1

static const char record[] = "v=STSv1; id=20190429T010101Z;";

static const char policy[] =
    "version: STSv1\r\n"
    "mode: enforce\r\n"
    "mx: mail.example.com\r\n"
    "mx: *.mx.example.net\r\n"
    "mx: backupmx.example.com\r\n"
    "mx: mx2.example.org\r\n"
    "max_age: 604800\r\n";

static volatile unsigned long sink;

static double
now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		perror("clock_gettime");
		exit(1);
	}
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void
report(const char *what, double ns, unsigned long iters, size_t bytes)
{
	double per = ns / (double)iters;

	printf("%-34s %9.1f ns/op %9.1f MB/s  (%zu bytes, %lu ops)\n", what,
	    per, (double)bytes / per * 1e3, bytes, iters);
}

static void
bench_record(unsigned long iters)
{
	struct mxtls_sts_record rec;
	struct mxtls_why why;
	unsigned long i;
	double t0;

	t0 = now_ns();
	for (i = 0; i < iters; i++) {
		if (mxtls_sts_record_parse(&rec, T(record), &why) != MXTLS_OK) {
			fprintf(stderr, "record: %s\n", why.text);
			exit(1);
		}
		sink += (unsigned char)rec.id[i % 8];
	}
	report("mxtls_sts_record_parse", now_ns() - t0, iters,
	    sizeof(record) - 1);
}

static void
bench_policy(unsigned long iters)
{
	static struct mxtls_sts_policy pol;
	struct mxtls_why why;
	unsigned long i;
	double t0;

	t0 = now_ns();
	for (i = 0; i < iters; i++) {
		if (mxtls_sts_policy_parse(&pol, T(policy), &why) != MXTLS_OK) {
			fprintf(stderr, "policy: %s\n", why.text);
			exit(1);
		}
		sink += pol.nmx + pol.max_age + (unsigned char)pol.mx[3][i % 8];
	}
	report("mxtls_sts_policy_parse (4 mx)", now_ns() - t0, iters,
	    sizeof(policy) - 1);
}

static void
bench_match(unsigned long iters)
{
	static const struct {
		const char *what, *host, *pat;
	} m[] = {
		{"mxtls_sts_match (wildcard)", "MX1.mx.example.net.",
		    "*.mx.example.net"},
		{"mxtls_sts_match (exact)", "backupmx.example.com",
		    "backupmx.example.com"},
	};
	size_t hl, pl, k;
	unsigned long i;
	double t0;

	for (k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		hl = strlen(m[k].host);
		pl = strlen(m[k].pat);
		t0 = now_ns();
		for (i = 0; i < iters; i++)
			sink += (unsigned long)mxtls_sts_match(m[k].host, hl,
			    m[k].pat, pl);
		report(m[k].what, now_ns() - t0, iters, hl + pl);
	}
}

int
main(int argc, char **argv)
{
	unsigned long iters = 1000000;
	char *end;

	if (argc > 1) {
		iters = strtoul(argv[1], &end, 10);
		if (*argv[1] == '\0' || *end != '\0' || iters == 0) {
			fprintf(stderr, "usage: bench_parsers [iterations]\n");
			return 2;
		}
	}
	bench_record(iters);
	bench_policy(iters);
	bench_match(iters);
	printf("(sink %lu)\n", (unsigned long)sink);
	return 0;
}
