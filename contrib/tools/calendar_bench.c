/* Benchmark of the calendar (not a test): build time, then 1,000,000 random
 * business_seconds and due_at queries over 10 years (spans up to 30 days).
 * Usage: build/calendar_bench [HOLIDAYS.ics] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tracker/calendar.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long long rs = 0x9E3779B97F4A7C15ULL;
static unsigned long long rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

int main(int argc, char **argv)
{
	char *files[1] = { argc > 1 ? argv[1] : (char *)"contrib/holidays/norway.ics" };
	struct hours_interval h[] = { { 0x1f, 8 * 60, 16 * 60 } };
	struct cfg_calendar cc = { .name = (char *)"bench", .timezone = (char *)"Europe/Oslo", .hours = h, .n_hours = 1,
				   .holidays = { files, 1 } };
	char *err = NULL;
	enum { N = 1000000 };
	time_t base = 1577836800; /* 2020-01-01 */
	long long range = 10LL * 365 * 86400;
	double t0 = now_s();
	struct calendar *cal = calendar_build(&cc, &err);
	double t1 = now_s();
	if (!cal) {
		fprintf(stderr, "calendar_bench: %s\n", err);
		return 1;
	}
	/* First touch of the 10 years: fills the lazy per-year tables. */
	(void)calendar_business_seconds(cal, base, base + (time_t)range);
	double t2 = now_s();
	time_t *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
	long long *T = malloc(N * sizeof *T);
	for (int i = 0; i < N; i++) {
		a[i] = base + (time_t)(rnd() % (unsigned long long)range);
		b[i] = a[i] + (time_t)(rnd() % (30ULL * 86400));
		T[i] = (long long)(rnd() % (30ULL * 8 * 3600));
	}
	long long sum = 0;
	double t3 = now_s();
	for (int i = 0; i < N; i++)
		sum += calendar_business_seconds(cal, a[i], b[i]);
	double t4 = now_s();
	for (int i = 0; i < N; i++) {
		time_t due;
		if (calendar_due_at(cal, a[i], T[i], &due, &err) == 0)
			sum += due;
	}
	double t5 = now_s();
	printf("calendar_bench: %s\n", files[0]);
	printf("  build (parse .ics):             %8.2f ms\n", (t1 - t0) * 1e3);
	printf("  first fill of 10 yearly tables: %8.2f ms\n", (t2 - t1) * 1e3);
	printf("  business_seconds: %d queries in %.3f s = %.2f M/s\n", N, t4 - t3, N / (t4 - t3) / 1e6);
	printf("  due_at:           %d queries in %.3f s = %.2f M/s\n", N, t5 - t4, N / (t5 - t4) / 1e6);
	printf("  (checksum %lld)\n", sum);
	free(a);
	free(b);
	free(T);
	calendar_free(&cal);
	return 0;
}
