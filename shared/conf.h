/*
 * One configuration generation: the values of every parameter, built from
 * defaults, then the file (YAML or INI), then the command line.  Every
 * source goes through obp_conf_set_kv(), so every source gets the same
 * checks and the same FILE:LINE messages.  Errors are collected, not
 * stopped at, so an operator sees all of them at once.
 */
#ifndef OBP_SHARED_CONF_H
#define OBP_SHARED_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "level.h"
#include "params.h"

struct obp_topo;
struct obp_topo_src;

/* Where a parameter's value came from, later sources winning. */
enum obp_conf_source {
    OBP_SRC_DEFAULT = 0,
    OBP_SRC_FILE,               /* the configuration file */
    OBP_SRC_RUNTIME,            /* CONFIG.runtime (obproxyctl config set) */
    OBP_SRC_COMMAND_LINE        /* -p, -r, -o ... */
};

struct obp_conf {
#define OBP_CONF_FIELD(name, type, ...) OBP_CTYPE_##type name;
    OBP_PARAMS(OBP_CONF_FIELD)
#undef OBP_CONF_FIELD
    struct obp_topo *topo;  /* the file's topology (topo.h), or NULL; one
                               reference, shared by obp_conf_dup() */
    uint8_t source[OBP_NPARAMS];    /* enum obp_conf_source, by index in
                                       obp_params[]; the master's only (a
                                       worker's copy says "default") */
    struct obp_levels levels;       /* the tenants' and clusters' rows
                                       (level.h), owned */
};

/* Accumulated error messages, one per line; owned by whoever declared it. */
struct obp_errs {
    char     *text;     /* NUL-terminated lines, or NULL when empty */
    size_t    len;
    size_t    cap;
    unsigned  count;
};

void obp_errs_add(struct obp_errs *errs, const char *fmt, ...)
    OBP_PRINTF(2, 3);
void obp_errs_free(struct obp_errs *errs);

/* A key=value pair given outside the file (-p, -r, -o ...). */
struct obp_kv {
    const char *key;
    const char *value;
};

struct obp_kvlist {
    struct obp_kv *items;   /* owned by the list; strings are not */
    size_t         n;
    size_t         cap;
};

int obp_kvlist_add(struct obp_kvlist *l, const char *key, const char *value);
void obp_kvlist_free(struct obp_kvlist *l);

/*
 * Splits an ODP option string "k=v,k=v" into <l>.  A comma splits only
 * when a name and '=' follow it, so list values keep their commas.  The
 * strings point into <optstr>, which the caller keeps alive and which is
 * modified in place.
 */
int obp_kvlist_parse_opts(struct obp_kvlist *l, char *optstr,
                          struct obp_errs *errs);

/* A configuration holding every default; NULL when out of memory. */
struct obp_conf *obp_conf_new(void);

/* Frees <conf> and the strings it owns; NULL is fine. */
void obp_conf_free(struct obp_conf *conf);

/* A deep copy of <src>; NULL when out of memory. */
struct obp_conf *obp_conf_dup(const struct obp_conf *src);

/*
 * Sets <key> from <value>, which came from <src>.  On failure adds
 * "ORIGIN:LINE: key: phrase" (or "ORIGIN: key: phrase" when line is 0)
 * to <errs>.
 */
int obp_conf_set_from(struct obp_conf *conf, enum obp_conf_source src,
                      const char *origin, unsigned line, const char *key,
                      const char *value, struct obp_errs *errs);

/* The same for the file loaders: <value> came from the file. */
int obp_conf_set_kv(struct obp_conf *conf, const char *origin,
                    unsigned line, const char *key, const char *value,
                    struct obp_errs *errs);

/* "default", "file", "runtime", "command line". */
const char *obp_conf_source_name(enum obp_conf_source src);

/* Loads a file: YAML for .yaml/.yml, INI for .ini/.conf/.cfg. */
int obp_conf_load_file(struct obp_conf *conf, const char *path,
                       struct obp_errs *errs);
int obp_conf_load_yaml(struct obp_conf *conf, const char *path,
                       struct obp_errs *errs);
int obp_conf_load_ini(struct obp_conf *conf, const char *path,
                      struct obp_errs *errs);

/*
 * For the loaders: takes the tenants' settings out of <src> as level
 * rows (level.h), then builds the topology read into <src> from <path>,
 * when the file declared one, and makes it <conf>'s (topo.h).
 */
int obp_conf_set_topo(struct obp_conf *conf, struct obp_topo_src *src,
                      const char *path, struct obp_errs *errs);

/*
 * Builds a whole generation: defaults, then <path> (may be NULL), then
 * <overrides> (may be NULL).  Returns NULL with every error in <errs>.
 */
struct obp_conf *obp_conf_build(const char *path,
                                const struct obp_kvlist *overrides,
                                struct obp_errs *errs);

/*
 * "key=value\n" for every parameter, then a "level ..." line for each
 * level row that applies (level.h), for the master -> worker channel.
 * Returns the length written, or OBP_ERROR when <len> is too small.
 */
int obp_conf_serialize(const struct obp_conf *conf, char *buf, size_t len);

/*
 * Applies the text of obp_conf_serialize() to <conf>; its level rows
 * replace <conf>'s.
 */
int obp_conf_deserialize(struct obp_conf *conf, const char *text,
                         size_t len, struct obp_errs *errs);

/*
 * What makes <conf> valid but unable to log anyone in, one line each in
 * <warns>: no server at all, or servers without the service account's
 * password.  For the start and -t (main.c).
 */
void obp_conf_warnings(const struct obp_conf *conf, struct obp_errs *warns);

/*
 * Number of workers this configuration asks for: the CPU count capped by
 * work_thread_num when automatic_match_work_thread is on.
 */
int obp_conf_worker_count(const struct obp_conf *conf);

#endif
