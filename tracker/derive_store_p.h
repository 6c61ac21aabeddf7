/* Private to tracker/derive_store.c and tracker/derive_mirror.c. */
#ifndef RC_DERIVE_STORE_P_H
#define RC_DERIVE_STORE_P_H

#include "tracker/derive_store.h"

/* Runs one parameterised command; STORE_OK or a status with *err. */
int derive_exec(struct store *s, const char *op, const char *sql, int n, const char *const *params,
		char **err);
/* [report] timezone, UTC when unset. */
const char *derive_report_tz(const struct config *cfg);
/* Inserts the configuration mirror rows and the derived state (the tables
 * must be empty: the caller deleted them in the same transaction). */
int derive_mirror_write(struct store *s, const struct config *cfg, const struct calendar_set *cals,
			char **err);

#endif
