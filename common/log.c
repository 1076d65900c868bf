/*
 * NAME
 *	log - logging for the mxtls programs
 * SYNOPSIS
 *	#include "log.h"
 *
 *	void
 *	mxtls_log(int level, const char *fmt, ...)
 *
 *	void
 *	mxtls_log_warn(const char *fmt, ...)
 *
 *	void
 *	mxtls_log_warnx(const char *fmt, ...)
 *
 *	void
 *	mxtls_log_set_sink(mxtls_log_sink_fn *fn, void *arg)
 *
 *	void
 *	mxtls_log_open_syslog(const char *ident)
 * DESCRIPTION
 *	Every message is formatted into a MXTLS_LOG_MAX buffer on the stack
 *	(ending in "..." when cut), made safe to show (control and non-ASCII
 *	bytes become '?', so untrusted text cannot forge log lines or drive
 *	a terminal), and passed to one sink. Only programs log: the core
 *	library returns a status and a why instead.
 *
 *	The sink, its argument, the level and the names are process-global
 *	and not locked: configure them before starting threads. Emitting is
 *	thread-safe as far as the sink is.
 * DIAGNOSTICS
 *	None. A message that cannot be formatted is replaced by a fixed
 *	text; errors of the sink itself are ignored. errno is preserved.
 * SEE ALSO
 *	log.h, syslog(3), err(3)
 */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mxtls.h"

#define LOG_NAME_MAX	64	/* program name or syslog ident, with NUL */

static mxtls_log_sink_fn log_stderr, log_syslog;

static mxtls_log_sink_fn *log_sink = log_stderr;
static void *log_arg;
static int log_level = LOG_INFO;
static int log_syslog_open;
static char log_progname[LOG_NAME_MAX];
static char log_ident[LOG_NAME_MAX];

/* log_prefix - the word that starts a line at level, as Postfix does */

static const char *
log_prefix(int level)
{
	switch (level) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
		return "fatal: ";
	case LOG_ERR:
		return "error: ";
	case LOG_WARNING:
		return "warning: ";
	case LOG_DEBUG:
		return "debug: ";
	default:
		return "";
	}
}

/* log_stderr - the default sink: one line on stderr */

static void
log_stderr(void *arg, int level, const char *msg)
{
	char line[LOG_NAME_MAX + MXTLS_LOG_MAX + 16];

	(void)arg;
	(void)snprintf(line, sizeof(line), "%s%s%s%s\n", log_progname,
	    log_progname[0] ? ": " : "", log_prefix(level), msg);
	(void)fputs(line, stderr);
}

/* log_syslog - facility LOG_MAIL, opened by mxtls_log_open_syslog() */

static void
log_syslog(void *arg, int level, const char *msg)
{
	(void)arg;
	syslog(LOG_MAIL | level, "%s%s", log_prefix(level), msg);
}

/* log_clean - replace what must not reach a log, in place */

static void
log_clean(char *msg)
{
	unsigned char *p;

	for (p = (unsigned char *)msg; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			*p = '?';
}

/* log_emit - format, clean and deliver, ignoring the level threshold */

static void
log_emit(int level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
log_emit(int level, const char *fmt, va_list ap)
{
	char msg[MXTLS_LOG_MAX];
	int n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		mxtls_strlcpy(msg, "(log message could not be formatted)",
		    sizeof(msg));
	else if ((size_t)n >= sizeof(msg))
		memcpy(msg + sizeof(msg) - 4, "...", 4);
	log_clean(msg);
	log_sink(log_arg, level, msg);
}

/* log_verrno - the message, then ": " and the text of errnum */

static void
log_verrno(int level, int errnum, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
log_verrno(int level, int errnum, const char *fmt, va_list ap)
{
	char msg[MXTLS_LOG_MAX];

	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	mxtls_log(level, "%s: %s", msg, strerror(errnum));
}

void
mxtls_log_set_sink(mxtls_log_sink_fn *fn, void *arg)
{
	log_sink = fn != NULL ? fn : log_stderr;
	log_arg = fn != NULL ? arg : NULL;
}

void
mxtls_log_open_stderr(const char *progname)
{
	int saved = errno;

	mxtls_log_close();
	mxtls_strlcpy(log_progname, progname ? progname : "",
	    sizeof(log_progname));
	errno = saved;
}

void
mxtls_log_open_syslog(const char *ident)
{
	int saved = errno;

	mxtls_log_close();
	/* openlog() keeps the pointer: give it storage that stays. */
	mxtls_strlcpy(log_ident, ident ? ident : "mxtls", sizeof(log_ident));
	openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
	log_syslog_open = 1;
	mxtls_log_set_sink(log_syslog, NULL);
	errno = saved;
}

void
mxtls_log_close(void)
{
	int saved = errno;

	if (log_syslog_open) {
		closelog();
		log_syslog_open = 0;
	}
	mxtls_log_set_sink(NULL, NULL);
	errno = saved;
}

int
mxtls_log_set_level(int level)
{
	int old = log_level;

	if (level < LOG_EMERG)
		level = LOG_EMERG;
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	log_level = level;
	return old;
}

int
mxtls_log_enabled(int level)
{
	return LOG_PRI(level) <= log_level;
}

void
mxtls_vlog(int level, const char *fmt, va_list ap)
{
	int saved = errno;

	level = LOG_PRI(level);		/* a facility is not ours to pick */
	if (level <= log_level)
		log_emit(level, fmt, ap);
	errno = saved;
}

void
mxtls_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mxtls_vlog(level, fmt, ap);
	va_end(ap);
}

void
mxtls_log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (!mxtls_log_enabled(LOG_WARNING))
		return;
	va_start(ap, fmt);
	log_verrno(LOG_WARNING, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
mxtls_log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mxtls_vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
mxtls_fatal(const char *fmt, ...)
{
	char msg[MXTLS_LOG_MAX];
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mxtls_fatalx("%s: %s", msg, strerror(saved));
}

void
mxtls_fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
