/*
 * NAME
 *	clock - wall clock with a test pin
 * SYNOPSIS
 *	#include "clock.h"
 * DESCRIPTION
 *	See clock.h.
 */
#include "clock.h"

static time_t clock_pinned;

time_t
mxtls_now(void)
{
	return clock_pinned ? clock_pinned : time(NULL);
}

void
mxtls_clock_set(time_t t)
{
	clock_pinned = t;
}
