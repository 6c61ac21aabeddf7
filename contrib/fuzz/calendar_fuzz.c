/* libFuzzer target over the calendar's inputs: the `hours` value and an .ics
 * file. Input: first line = hours (e.g. "mon-fri 08:00-16:00"), the rest =
 * the .ics bytes. Builds the calendar and runs every query kind on it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tracker/calendar.h"
#include "tracker/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	if (!nl || nl - data > 200)
		return 0;
	char hours_s[256];
	memcpy(hours_s, data, (size_t)(nl - data));
	hours_s[nl - data] = 0;
	struct hours_interval *h = NULL;
	size_t nh = 0;
	char *err = NULL;
	if (config_parse_hours(hours_s, &h, &nh, &err) < 0) {
		free(err);
		free(h);
		return 0;
	}
	if (!path[0])
		snprintf(path, sizeof path, "/tmp/rc-calendar-fuzz-%d.ics", (int)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(nl + 1, 1, size - (size_t)(nl + 1 - data), f);
	fclose(f);
	char *files[1] = { path };
	struct cfg_calendar cc = { .name = (char *)"fuzz", .timezone = (char *)"Europe/Oslo", .hours = h,
				   .n_hours = nh, .holidays = { files, 1 } };
	struct calendar *cal = calendar_build(&cc, &err);
	free(err);
	err = NULL;
	if (cal) {
		time_t a = 1767225600, t; /* 2026-01-01 */
		(void)calendar_business_seconds(cal, a, a + 40 * 86400);
		if (calendar_due_at(cal, a, 3600 * 10, &t, &err) < 0)
			free(err);
		err = NULL;
		if (calendar_same_day_due(cal, a, 12, 0, &t, &err) < 0)
			free(err);
		err = NULL;
		struct calendar_day d;
		calendar_day(cal, 2026, 3, 29, &d);
		calendar_day_free(&d);
		calendar_free(&cal);
	}
	free(h);
	return 0;
}
