/*
 * NAME
 *	test_log - the logging sink, level filter, sanitizing and bounds
 */
#include "log.h"

#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "tap.h"

static char last[2 * MXTLS_LOG_MAX];
static int last_level, calls;

static void
sink(void *arg, int level, const char *msg)
{
	(void)arg;
	calls++;
	last_level = level;
	memcpy(last, msg, strnlen(msg, sizeof(last) - 1) + 1);
}

int
main(void)
{
	char big[3000];

	mxtls_log_set_sink(sink, NULL);
	mxtls_log_set_level(LOG_INFO);

	mxtls_log(LOG_INFO, "domain %s: %s", "example.com", "sts-enforce");
	ok(calls == 1 && last_level == LOG_INFO &&
	    strstr(last, "domain example.com: sts-enforce") != NULL,
	    "a message reaches the sink with its level");

	calls = 0;
	mxtls_log(LOG_DEBUG, "not shown");
	ok(calls == 0, "messages below the level are dropped");
	ok(!mxtls_log_enabled(LOG_DEBUG) && mxtls_log_enabled(LOG_ERR),
	    "mxtls_log_enabled follows the level");

	mxtls_log(LOG_WARNING, "peer said %s", "evil\r\nInjected: line\x1b[31m");
	ok(strchr(last, '\n') == NULL && strchr(last, '\r') == NULL &&
	    strchr(last, '\x1b') == NULL,
	    "control characters from untrusted text are replaced");

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mxtls_log(LOG_ERR, "%s", big);
	ok(strlen(last) < MXTLS_LOG_MAX, "messages are bounded to %d bytes",
	    MXTLS_LOG_MAX);

	errno = ENOENT;
	mxtls_log_warn("open %s", "/nonexistent");
	ok(strstr(last, strerror(ENOENT)) != NULL,
	    "mxtls_log_warn appends strerror(errno)");
	ok(errno == ENOENT, "logging leaves errno alone");
	mxtls_log_warnx("no errno here");
	ok(strstr(last, strerror(ENOENT)) == NULL,
	    "mxtls_log_warnx does not append strerror");
	return done_testing();
}
