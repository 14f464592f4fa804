/*
 * The state file: parameters changed at run time ("obproxyctl config
 * set") are kept beside the configuration, in CONFIG.runtime (or
 * ROOT/etc/obproxy.runtime without a file), so a restart keeps them.
 * One "key=value" line each; applied after the file and before the
 * command line.  Level rows ("obproxyctl config level set") are lines
 * "level TABLE 'CLUSTER' 'TENANT' 'NAME' 'VALUE'" (shared/level.h; a
 * parameter's name never holds a blank, so the two cannot be confused,
 * and files without such lines read as before).  Written whole through
 * a rename.  Used by main.c (start), reload.c (every reload),
 * ctl_config.c (config get/set/unset) and ctl_level.c (config level).
 */
#ifndef OBP_MASTER_STATE_H
#define OBP_MASTER_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct obp_master;
struct obp_conf;
struct obp_errs;
struct obp_kvlist;

/* The items of a state file; keys and values point into <text>. */
struct obp_state {
    char              path[PATH_MAX];
    char             *text;         /* owned, NULL when empty */
    struct obp_kvlist items;
    struct obp_levels levels;       /* runtime level rows, owned */
};

/* Fills <st>->path from m->conf_path or m->root; OBP_ERROR if too long. */
int obp_state_path(const struct obp_master *m, struct obp_state *st);

/*
 * Reads the state file into <st> (a missing file is empty).  OBP_ERROR
 * with a message in <errs> when it cannot be read, a line is not
 * key=value, or a level row is refused (obp_levels_set()).
 */
int obp_state_read(const struct obp_master *m, struct obp_state *st,
                   struct obp_errs *errs);

/* Sets <key> to <value> in <st>; both must outlive <st>. */
int obp_state_put(struct obp_state *st, const char *key, const char *value);

/* The value of <key> in <st>, or NULL. */
const char *obp_state_get(const struct obp_state *st, const char *key);

/* Removes <key> from <st>; false when it was not there. */
bool obp_state_del(struct obp_state *st, const char *key);

/* Writes <st> to its path through a temporary file and a rename. */
int obp_state_write(const struct obp_state *st, struct obp_errs *errs);

void obp_state_free(struct obp_state *st);

/*
 * A whole configuration generation: defaults, the file, the state (<st>,
 * or the state file when NULL), then the command line.  NULL with every
 * error in <errs>.
 */
struct obp_conf *obp_state_build(const struct obp_master *m,
                                 const struct obp_state *st,
                                 struct obp_errs *errs);

#endif
