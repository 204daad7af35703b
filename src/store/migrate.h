/*
 * migrate.h: schema migrations. The numbered SQL files of
 * src/store/migrations/ are compiled into the binary; a database records
 * the ones applied in its schema_migrations table.
 *
 * File names are NNNN_name.sql (every engine), NNNN_name.sqlite.sql or
 * NNNN_name.pg.sql (one engine). For each version an engine runs its own
 * file when there is one, else the common file. A file must not contain
 * BEGIN or COMMIT: each migration runs in a transaction of its own.
 */
#ifndef RB_STORE_MIGRATE_H
#define RB_STORE_MIGRATE_H

#include "base/embed.h"
#include "store/db.h"

/*
 * Applies, in version order, the built-in migrations missing from db,
 * each in its own transaction together with its schema_migrations row.
 * Sets *applied (if not NULL) to the number applied. Returns 0, or -1
 * (logged) when one fails: that one is rolled back, the ones before it
 * stay applied, the ones after it are not tried.
 */
int	rb_migrate(rb_db *db, int *applied);

/*
 * Sets *latest to the newest built-in version and *current to the
 * version db is at: the highest version up to which every built-in
 * migration is applied, or the highest version recorded when it is
 * newer than *latest (a database migrated by a newer binary). The schema
 * is up to date exactly when *current == *latest. Returns 0 or -1.
 */
int	rb_migrate_status(rb_db *db, int *current, int *latest);

/*
 * Checks that db may be written: runs a change that matches no row in
 * schema_migrations (a read-only file, directory or account fails it,
 * where a mere BEGIN would not). Returns 0, or -1 (logged).
 */
int	rb_migrate_check_writable(rb_db *db);

/*
 * The same two over an explicit table of migrations, ended by a NULL
 * name, instead of the built-in one: for tests.
 */
int	rb_migrate_list(rb_db *db, const struct rb_embedded *list,
	    int *applied);
int	rb_migrate_list_status(rb_db *db, const struct rb_embedded *list,
	    int *current, int *latest);

#endif
