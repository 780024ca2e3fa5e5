/*
 * log.h - logging to syslog, and to stderr when in the foreground.
 */
#ifndef MTASTS_LOG_H
#define MTASTS_LOG_H

#include <stddef.h>

#include <stdarg.h>

#define LOGFMT(a, b)	__attribute__((format(printf, a, b)))

enum log_level {
	LOG_LEVEL_ERR = 0,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_NOTICE,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG
};

/*
 * log_init - open syslog as ident with facility (a syslog LOG_* value);
 * foreground also copies every line to stderr. Safe to call again (reload).
 */
void	log_init(const char *ident, int facility, int foreground);

/* log_set_level - lines above this level are dropped. */
void	log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* log_facility_parse - "mail", "daemon", "local0".."local7", "user"; -1 if unknown. */
int	log_facility_parse(const char *name);

/* log_level_parse - "err", "warning", "notice", "info", "debug"; -1 if unknown. */
int	log_level_parse(const char *name);

/* log_facility_name, log_level_name - the inverse of the above; NULL if unknown. */
const char *log_facility_name(int facility);
const char *log_level_name(int level);

/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void	log_warn(const char *fmt, ...) LOGFMT(1, 2);
void	log_warnx(const char *fmt, ...) LOGFMT(1, 2);
void	log_notice(const char *fmt, ...) LOGFMT(1, 2);
void	log_info(const char *fmt, ...) LOGFMT(1, 2);
void	log_debug(const char *fmt, ...) LOGFMT(1, 2);
/* fatal/fatalx log at LOG_ERR and exit(1); fatal appends strerror(errno). */
void	fatal(const char *fmt, ...) LOGFMT(1, 2) __attribute__((noreturn));
void	fatalx(const char *fmt, ...) LOGFMT(1, 2) __attribute__((noreturn));
/* panic - a programmer error: log and abort(). */
void	panic(const char *fmt, ...) LOGFMT(1, 2) __attribute__((noreturn));

/*
 * log_oneline - format into buf (size bufsz) as one printable line for a
 * log or a reply: control characters made spaces, DEL and bytes >= 0x80
 * made '?', then trailing spaces (so also a trailing CR or LF) dropped
 * (text from peers
 * must not forge log lines or carry raw bytes into them).
 */
void	log_oneline(char *buf, size_t bufsz, const char *fmt, ...) LOGFMT(3, 4);

#endif
