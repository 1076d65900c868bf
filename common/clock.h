/*
 * NAME
 *	clock.h - the one source of "now" for libmxtls
 * DESCRIPTION
 *	mxtls_now() returns the wall clock unless a test has pinned it with
 *	mxtls_clock_set(). The setter is a C API for test programs only: no
 *	command-line option, environment variable or configuration key can
 *	reach it, so production behaviour cannot be bent by it.
 */
#ifndef MXTLS_CLOCK_H
#define MXTLS_CLOCK_H

#include <time.h>

time_t	mxtls_now(void);
/* pin the clock at t; 0 returns to the wall clock */
void	mxtls_clock_set(time_t t);

#endif /* MXTLS_CLOCK_H */
