/* Renderers of a report (SPEC §5): each returns a malloc'd UTF-8 document
 * that the caller frees. To render one customer's own summary, pass a
 * shallow copy of the report whose rows point at that customer's row only. */
#ifndef RC_RENDER_H
#define RC_RENDER_H

#include "reporter/report_model.h"

/* Plain text, at most 80 columns per line, "\n" line ends. */
char *rc_render_text(const struct rc_report *r);
/* HTML for mail clients: tables, inline styles, no scripts or images. */
char *rc_render_html(const struct rc_report *r);
/* RFC 4180 CSV (CRLF), one header line and one line per customer. */
char *rc_render_csv(const struct rc_report *r);
/* The JSON document of SPEC §5, one line plus a final "\n". */
char *rc_render_json(const struct rc_report *r);

/* Response-time distribution buckets shared by the text and HTML charts:
 * upper bounds in business seconds (the last bucket is open-ended). */
#define RC_N_BUCKETS 7
extern const int64_t rc_bucket_upper[RC_N_BUCKETS - 1];
extern const char *const rc_bucket_label[RC_N_BUCKETS];
/* Counts answered requests per bucket; returns the total, *max the fullest bucket. */
long rc_histogram(const struct rc_report *r, long counts[RC_N_BUCKETS], long *max);

#endif
