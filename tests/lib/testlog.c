/* Captures log lines (tracker/log.h) so tests assert on error messages. */
#include "tests/lib/testlib.h"
#include "tracker/util.h"

#include <stdlib.h>
#include <string.h>

struct captured {
	enum log_level lvl;
	char *line;
};

static struct captured *lines;
static size_t n_lines, cap_lines;
static struct strbuf text;

static void sink(enum log_level lvl, const char *line, void *ud)
{
	(void)ud;
	if (n_lines == cap_lines) {
		cap_lines = cap_lines ? cap_lines * 2 : 32;
		lines = xrealloc(lines, cap_lines * sizeof *lines);
	}
	lines[n_lines].lvl = lvl;
	lines[n_lines].line = xstrdup(line);
	n_lines++;
	strbuf_append(&text, line, strlen(line));
	strbuf_append(&text, "\n", 1);
}

void testlog_clear(void)
{
	for (size_t i = 0; i < n_lines; i++)
		free(lines[i].line);
	free(lines);
	lines = NULL;
	n_lines = cap_lines = 0;
	strbuf_free(&text);
}

void testlog_start(void)
{
	testlog_clear();
	log_set_sink(sink, NULL);
}

void testlog_stop(void)
{
	log_set_sink(NULL, NULL);
	testlog_clear();
}

int testlog_has(enum log_level lvl, const char *needle)
{
	for (size_t i = 0; i < n_lines; i++)
		if (lines[i].lvl <= lvl && strstr(lines[i].line, needle))
			return 1;
	return 0;
}

const char *testlog_text(void)
{
	return text.s ? text.s : "";
}

int testlog_count(enum log_level lvl)
{
	int n = 0;
	for (size_t i = 0; i < n_lines; i++)
		n += lines[i].lvl == lvl;
	return n;
}
