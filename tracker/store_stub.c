/* Placeholder until this part is built: says so and fails cleanly. */
#include "tracker/store.h"
#include "tracker/util.h"
struct store *store_open(const char *conninfo, char **err) { (void)conninfo; *err = xstrdup("store not built yet"); return NULL; }
void store_close(struct store **s) { (void)s; }
int store_check_schema(struct store *s, char **err) { (void)s; *err = xstrdup("store not built yet"); return STORE_FINAL; }
