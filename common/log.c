/*
 * NAME
 *	log - logging to syslog, and to stderr in the foreground
 * SYNOPSIS
 *	#include "log.h"
 *
 *	void log_init(ident, facility, foreground)
 *	void log_set_level(level)
 *	void log_warn(fmt, ...), log_warnx(fmt, ...), log_notice(fmt, ...),
 *	    log_info(fmt, ...), log_debug(fmt, ...)
 *	void fatal(fmt, ...), fatalx(fmt, ...), panic(fmt, ...)
 *	int log_facility_parse(name), log_level_parse(name)
 *	const char *log_facility_name(facility), *log_level_name(level)
 * DESCRIPTION
 *	Every line goes to syslog(3) with the facility given to log_init();
 *	in the foreground it is also written to stderr, prefixed with an
 *	ISO 8601 UTC time stamp and "ident[pid]: ". Before log_init() is
 *	called (mtasts-ctl never calls it) lines go to stderr only.
 *
 *	Several threads may log at once: a line is formatted into a buffer
 *	of its own and written with one write(2), so lines never interleave,
 *	and syslog(3) is thread-safe on the systems we support. The state
 *	that log_init() and log_set_level() change is held in atomics.
 *
 *	Warnings, fatal errors and panics carry Postfix's "warning: ",
 *	"fatal: " and "panic: " prefixes. log_warn() and fatal() append
 *	": " and the text of the errno value seen on entry. Control
 *	characters in a message (data from the network ends up in logs)
 *	are replaced with '?', so a line cannot forge another.
 * DIAGNOSTICS
 *	fatal() and fatalx() exit with status 1; panic() calls abort().
 *	Lines longer than LOG_LINE_MAX are truncated and end in "...".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX	4096	/* one message, before the stderr prefix */
#define LOG_IDENT_MAX	64

static char log_ident[LOG_IDENT_MAX] = "mtasts";
static atomic_int log_level_cur = LOG_LEVEL_INFO;
static atomic_int log_use_syslog = 0;
static atomic_int log_use_stderr = 1;

static const struct {
	const char *name;
	int	value;
} log_facilities[] = {
	{ "daemon", LOG_DAEMON },
	{ "local0", LOG_LOCAL0 },
	{ "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 },
	{ "local7", LOG_LOCAL7 },
	{ "mail", LOG_MAIL },
	{ "user", LOG_USER },
};

/* Indexed by enum log_level. */
static const char *const log_levels[] = {
	"err", "warning", "notice", "info", "debug"
};

/* log_init - (re)open syslog and choose whether stderr gets a copy. */
void
log_init(const char *ident, int facility, int foreground)
{
	atomic_store(&log_use_syslog, 0);
	closelog();
	if (ident != NULL && strcmp(ident, log_ident) != 0)
		snprintf(log_ident, sizeof(log_ident), "%s", ident);
	openlog(log_ident, LOG_PID | LOG_NDELAY, facility);
	atomic_store(&log_use_stderr, foreground ? 1 : 0);
	atomic_store(&log_use_syslog, 1);
}

/* log_set_level - drop lines above level from now on. */
void
log_set_level(enum log_level level)
{
	if (level < LOG_LEVEL_ERR || level > LOG_LEVEL_DEBUG)
		panic("log_set_level: bad level %d", (int)level);
	atomic_store(&log_level_cur, (int)level);
}

/* log_get_level - the current threshold. */
enum log_level
log_get_level(void)
{
	return (enum log_level)atomic_load(&log_level_cur);
}

/* log_facility_parse - a syslog facility name into its LOG_* value. */
int
log_facility_parse(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(log_facilities) / sizeof(log_facilities[0]); i++)
		if (strcasecmp(name, log_facilities[i].name) == 0)
			return log_facilities[i].value;
	return -1;
}

/* log_facility_name - the name of a LOG_* facility value. */
const char *
log_facility_name(int facility)
{
	size_t	i;

	for (i = 0; i < sizeof(log_facilities) / sizeof(log_facilities[0]); i++)
		if (log_facilities[i].value == facility)
			return log_facilities[i].name;
	return NULL;
}

/* log_level_parse - a level name into enum log_level. */
int
log_level_parse(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (strcasecmp(name, log_levels[i]) == 0)
			return (int)i;
	return -1;
}

/* log_level_name - the name of an enum log_level value. */
const char *
log_level_name(int level)
{
	if (level < 0 || (size_t)level >= sizeof(log_levels) / sizeof(log_levels[0]))
		return NULL;
	return log_levels[level];
}

/* log_strerror_int - result of the XSI strerror_r (Linux without _GNU_SOURCE, BSD). */
static const char *
log_strerror_int(int rc, char *buf, size_t bufsz, int errnum)
{
	if (rc != 0)
		snprintf(buf, bufsz, "Unknown error %d", errnum);
	return buf;
}

/* log_strerror_ptr - result of the GNU strerror_r. */
static const char *
log_strerror_ptr(char *rc, char *buf, size_t bufsz, int errnum)
{
	(void)bufsz;
	(void)errnum;
	return rc != NULL ? rc : buf;
}

/*
 * Which strerror_r we get depends on feature macros; _Generic picks the
 * matching helper at compile time, so either variant builds cleanly.
 */
#define LOG_STRERROR(e, buf, sz)					\
	_Generic(strerror_r((e), (buf), (sz)),				\
	    int: log_strerror_int,					\
	    char *: log_strerror_ptr)(strerror_r((e), (buf), (sz)),	\
	    (buf), (sz), (e))

/* log_emit - format one line and hand it to syslog and stderr. */
static void __attribute__((format(printf, 4, 0)))
log_emit(int prio, const char *prefix, int errnum, const char *fmt,
    va_list ap)
{
	char	msg[LOG_LINE_MAX], ebuf[128], line[LOG_LINE_MAX + 128];
	const char *etext;
	struct tm tm;
	time_t	now;
	size_t	len, plen, i;
	int	n;

	n = snprintf(msg, sizeof(msg), "%s", prefix);
	plen = n > 0 ? (size_t)n : 0;
	n = vsnprintf(msg + plen, sizeof(msg) - plen, fmt, ap);
	len = n < 0 ? plen : plen + (size_t)n;
	if (errnum >= 0 && len < sizeof(msg)) {
		ebuf[0] = '\0';
		etext = LOG_STRERROR(errnum, ebuf, sizeof(ebuf));
		n = snprintf(msg + len, sizeof(msg) - len, ": %s", etext);
		if (n > 0)
			len += (size_t)n;
	}
	if (len >= sizeof(msg)) {
		len = sizeof(msg) - 1;
		memcpy(msg + len - 3, "...", 3);
		msg[len] = '\0';
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';

	if (atomic_load(&log_use_syslog))
		syslog(prio, "%s", msg);
	if (!atomic_load(&log_use_stderr))
		return;

	now = time(NULL);
	if (gmtime_r(&now, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	n = snprintf(line, sizeof(line),
	    "%04d-%02d-%02dT%02d:%02d:%02dZ %s[%ld]: %s\n",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, log_ident, (long)getpid(), msg);
	if (n < 0)
		return;
	len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	if ((size_t)n >= sizeof(line))
		line[len - 1] = '\n';
	/* One write(2) per line; a short write to a tty or pipe is not retried. */
	if (write(STDERR_FILENO, line, len) < 0)
		return;
}

/* LOG_BODY - common body of the level functions. */
#define LOG_BODY(level, prio, prefix, errnum) do {			\
	va_list ap;							\
	if ((level) > atomic_load(&log_level_cur))			\
		break;							\
	va_start(ap, fmt);						\
	log_emit((prio), (prefix), (errnum), fmt, ap);			\
	va_end(ap);							\
} while (0)

/* log_warn - a warning with ": strerror(errno)" appended. */
void
log_warn(const char *fmt, ...)
{
	int	saved = errno;

	LOG_BODY(LOG_LEVEL_WARNING, LOG_WARNING, "warning: ", saved);
	errno = saved;
}

/* log_warnx - a warning. */
void
log_warnx(const char *fmt, ...)
{
	int	saved = errno;

	LOG_BODY(LOG_LEVEL_WARNING, LOG_WARNING, "warning: ", -1);
	errno = saved;
}

/* log_notice - a normal but significant event. */
void
log_notice(const char *fmt, ...)
{
	int	saved = errno;

	LOG_BODY(LOG_LEVEL_NOTICE, LOG_NOTICE, "", -1);
	errno = saved;
}

/* log_info - an informational line. */
void
log_info(const char *fmt, ...)
{
	int	saved = errno;

	LOG_BODY(LOG_LEVEL_INFO, LOG_INFO, "", -1);
	errno = saved;
}

/* log_debug - a line for debugging. */
void
log_debug(const char *fmt, ...)
{
	int	saved = errno;

	LOG_BODY(LOG_LEVEL_DEBUG, LOG_DEBUG, "", -1);
	errno = saved;
}

/* fatal - log with ": strerror(errno)" and exit(1). */
void
fatal(const char *fmt, ...)
{
	int	saved = errno;

	LOG_BODY(LOG_LEVEL_ERR, LOG_ERR, "fatal: ", saved);
	exit(1);
}

/* fatalx - log and exit(1). */
void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERR, LOG_ERR, "fatal: ", -1);
	exit(1);
}

/* panic - a programmer error: log and abort(). */
void
panic(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERR, LOG_CRIT, "panic: ", -1);
	abort();
}

/* log_oneline - format a one-line printable reason */
void
log_oneline(char *buf, size_t bufsz, const char *fmt, ...)
{
	va_list ap;
	size_t	i, len;

	if (buf == NULL || bufsz == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf, bufsz, fmt, ap);
	va_end(ap);
	len = strlen(buf);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c < 0x20)
			buf[i] = ' ';
		else if (c >= 0x7f)
			buf[i] = '?';
	}
	/* What was CR, LF or another control at the end is trailing space. */
	while (len > 0 && buf[len - 1] == ' ')
		buf[--len] = '\0';
}
