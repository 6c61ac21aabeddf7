/* Placeholder until this part is built: says so and fails cleanly. */
#include "tracker/config.h"
#include "tracker/util.h"
struct config *config_load(const char *path, char **err) { *err = xasprintf("%s: configuration reader not built yet", path); return NULL; }
struct config *config_parse(const char *text, const char *name, char **err) { (void)text; *err = xasprintf("%s: configuration reader not built yet", name); return NULL; }
void config_free(struct config **cfg) { (void)cfg; }
