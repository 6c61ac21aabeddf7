/* stderr logger: "2026-04-02T09:30:00Z warn: mailbox support/INBOX: ..." */
#include "tracker/log.h"
#include "tracker/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int log_threshold = LOG_LVL_INFO;
static log_sink_fn log_sink;
static void *log_sink_ud;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void log_init(int verbosity)
{
	int t = LOG_LVL_INFO + verbosity;
	if (t < LOG_LVL_ERROR)
		t = LOG_LVL_ERROR;
	if (t > LOG_LVL_DEBUG)
		t = LOG_LVL_DEBUG;
	log_threshold = t;
}

int log_enabled(enum log_level lvl)
{
	return (int)lvl <= log_threshold;
}

void log_set_sink(log_sink_fn fn, void *ud)
{
	log_sink = fn;
	log_sink_ud = ud;
}

static void log_emit(enum log_level lvl, const char *fmt, va_list ap)
{
	if (!log_enabled(lvl) && !log_sink)
		return;
	char *msg = xvasprintf(fmt, ap);
	if (log_sink) {
		log_sink(lvl, msg, log_sink_ud);
	} else {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
		/* One fprintf so concurrent writers do not interleave within a line. */
		fprintf(stderr, "%s replyclock %s: %s\n", stamp, level_names[lvl], msg);
	}
	free(msg);
}

#define LOG_FN(name, lvl)                        \
	void name(const char *fmt, ...)          \
	{                                        \
		va_list ap;                      \
		va_start(ap, fmt);               \
		log_emit(lvl, fmt, ap);          \
		va_end(ap);                      \
	}

LOG_FN(log_error, LOG_LVL_ERROR)
LOG_FN(log_warn, LOG_LVL_WARN)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)
