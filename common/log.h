/*
 * NAME
 *	log.h - logging for the mxtls programs (never the core library)
 * DESCRIPTION
 *	mxtls_log() formats a message, replaces control and non-ASCII bytes
 *	by '?', bounds it to MXTLS_LOG_MAX bytes (ending in "..." when cut)
 *	and hands it to the current sink if its level passes the threshold.
 *	Levels are those of <syslog.h>, LOG_EMERG (most severe) to LOG_DEBUG.
 *
 *	The default sink writes "program: prefix message" lines to stderr,
 *	where prefix is "fatal: " (LOG_CRIT and above), "error: ", "warning: ",
 *	"debug: " or nothing (LOG_NOTICE, LOG_INFO); syslog lines get the
 *	same prefix, so that they grep alike.
 *	mxtls_log_open_syslog() switches to syslog(3) with facility LOG_MAIL;
 *	mxtls_log_set_sink() installs any other sink (a test buffer, Exim's
 *	log_write). The sink state is global: set it up before starting
 *	threads. Every function preserves errno.
 *
 *	Naming follows err(3) and OpenBSD's log.c: a "warn" variant appends
 *	": strerror(errno)", an "x" variant does not.
 */
#ifndef MXTLS_LOG_H
#define MXTLS_LOG_H

#include <stdarg.h>
#include <syslog.h>

#define MXTLS_LOG_MAX	1024	/* one message, with NUL */

/*
 * A sink receives the level and the sanitized, NUL-terminated message
 * (no newline, no prefix); msg is borrowed for the duration of the call.
 */
typedef void mxtls_log_sink_fn(void *arg, int level, const char *msg);

/* mxtls_log_set_sink - send messages to fn(arg, ...); NULL: stderr */
void	mxtls_log_set_sink(mxtls_log_sink_fn *fn, void *arg);

/*
 * mxtls_log_open_stderr - the built-in stderr sink; progname (copied; may
 * be NULL) starts every line
 */
void	mxtls_log_open_stderr(const char *progname);

/*
 * mxtls_log_open_syslog - the built-in syslog sink, facility LOG_MAIL,
 * with ident (copied; NULL: "mxtls") and LOG_PID
 */
void	mxtls_log_open_syslog(const char *ident);

/* mxtls_log_close - closelog() if syslog is open; back to stderr */
void	mxtls_log_close(void);

/*
 * mxtls_log_set_level - drop messages less severe than level (LOG_INFO by
 * default; LOG_DEBUG shows everything). Returns the previous level.
 */
int	mxtls_log_set_level(int level);

/* mxtls_log_enabled - whether a message at level would be passed on */
int	mxtls_log_enabled(int level);

void	mxtls_log(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	mxtls_vlog(int level, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

/* at LOG_WARNING, with ": strerror(errno)" appended */
void	mxtls_log_warn(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* at LOG_WARNING, without errno */
void	mxtls_log_warnx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/*
 * at LOG_CRIT whatever the level threshold, with and without errno, then
 * exit(1). For programs only: library code returns a status instead.
 */
void	mxtls_fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	mxtls_fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif /* MXTLS_LOG_H */
