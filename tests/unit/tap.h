/*
 * NAME
 *	tap.h - a tiny TAP producer for table-driven tests
 * DESCRIPTION
 *	ok(cond, fmt, ...) prints "ok N - ..." or "not ok N - ..."; done_testing()
 *	prints the plan and returns the exit status. Read by automake's TAP
 *	driver.
 */
#ifndef MXTLS_TAP_H
#define MXTLS_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

static int tap_ok(int cond, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), unused));
static int
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

static void tap_diag(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), unused));
static void
tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static int done_testing(void) __attribute__((unused));
static int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#define ok(...)		tap_ok(__VA_ARGS__)
#define diag(...)	tap_diag(__VA_ARGS__)

#endif /* MXTLS_TAP_H */
