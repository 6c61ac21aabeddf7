/* The migrations embedded from sql/ at build time (see contrib/embed-sql). */
#ifndef RC_MIGRATIONS_H
#define RC_MIGRATIONS_H

#include <stddef.h>

struct rc_migration {
	int number;        /* NNN of sql/NNN_name.sql */
	const char *name;  /* file name without .sql */
	const char *sql;
};

extern const struct rc_migration rc_migrations[];
extern const size_t rc_migrations_count;

#endif
