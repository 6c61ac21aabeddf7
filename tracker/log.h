/* Logging to stderr: one line per event, level and timestamp, no colours.
 * Tests install a sink to capture lines and assert on them. */
#ifndef RC_LOG_H
#define RC_LOG_H

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN = 1, LOG_LVL_INFO = 2, LOG_LVL_DEBUG = 3 };

/* verbosity: 0 = default (info), -1 = -q (warnings and errors), +1 = -v (debug). */
void log_init(int verbosity);
int log_enabled(enum log_level lvl);

typedef void (*log_sink_fn)(enum log_level lvl, const char *line, void *ud);
/* Replaces stderr output with fn (NULL restores stderr). For tests. */
void log_set_sink(log_sink_fn fn, void *ud);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
