/*
 * ODP's multi-level tables (ODP-REFERENCE 1.4, 4.1, 13): rows keyed by
 * (table, cluster, tenant, name) holding a value, kept in struct
 * obp_conf beside the parameters.
 *
 *   proxy_config  a tenant's or a cluster's value of a parameter that
 *                 ODP marks multi-level (obp_level_multi()); the tenant's
 *                 row wins over the cluster's (tenant ''), which wins
 *                 over the parameter's own (global) value
 *   white_list    name ip_list: the addresses and prefixes a tenant's
 *                 clients may come from (whitelist.h)
 *   ssl_config    name key_info: JSON naming the certificate files of a
 *                 tenant (level_tls.h)
 *
 * Rows come from the configuration file (a tenant's config, white_list
 * and ssl_config keys, in the proxy's own cluster) and from the state
 * file (obproxyctl config level set); a runtime row wins over a file row
 * of the same key.  Names, tenants and clusters compare without ASCII
 * case, as ODP's tables collate them.
 *
 * Lookups (obp_level_find) try, most specific first: (cluster, tenant),
 * ('', tenant) for the tenant in any cluster, then (cluster, '').  A row
 * with both empty would be the global level: refused (config set).
 *
 * Bounds, so that the whole configuration fits one channel message to
 * the workers (channel.h): OBP_LEVEL_MAX_ROWS rows, names of
 * OBP_LEVEL_KEY_MAX bytes, values of OBP_LEVEL_VALUE_MAX bytes and
 * OBP_LEVEL_TEXT_MAX bytes for all rows as level lines (level_text.c).
 */
#ifndef OBP_SHARED_LEVEL_H
#define OBP_SHARED_LEVEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct obp_conf;
struct obp_errs;

enum obp_level_table {
    OBP_LEVEL_PROXY_CONFIG = 0,
    OBP_LEVEL_WHITE_LIST,
    OBP_LEVEL_SSL_CONFIG,
    OBP_LEVEL_NTABLES
};

#define OBP_LEVEL_MAX_ROWS   1024
#define OBP_LEVEL_KEY_MAX    128        /* cluster, tenant, name bytes: as
                                           rootservice_cluster_name */
#define OBP_LEVEL_VALUE_MAX  4096
#define OBP_LEVEL_TEXT_MAX   65536
#define OBP_LEVEL_LINE_MAX   (2 * OBP_LEVEL_VALUE_MAX + 8 * OBP_LEVEL_KEY_MAX)
                                        /* a row's line, quotes doubled */

struct obp_level_row {
    char    *cluster;   /* NULL: the proxy's own (rootservice_cluster_name,
                           looked up when used): the file's rows */
    char    *tenant;    /* "" for a cluster's row */
    char    *name;
    char    *value;     /* proxy_config: as the parameter prints it */
    int64_t  num;       /* proxy_config of a bool, int or enum parameter:
                           the value parsed */
    uint8_t  table;     /* enum obp_level_table */
    uint8_t  source;    /* OBP_SRC_FILE or OBP_SRC_RUNTIME */
};

/* The rows of one configuration (or of the state file); owns them. */
struct obp_levels {
    struct obp_level_row *rows;
    size_t                n;
    size_t                cap;
    size_t                text;     /* their level lines' bytes */
};

/* "proxy_config" ... ; -1 for another name (compared without case). */
int obp_level_table(const char *name);
const char *obp_level_table_name(int table);

/* The row's cluster: its own, or the proxy's for a file's row. */
const char *obp_level_cluster(const struct obp_conf *conf,
                              const struct obp_level_row *r);

/*
 * Checks a row as obproxyctl config level set gets it (obp_level_check)
 * and adds it to <l>, replacing the row of the same key and source; the
 * row is copied, proxy_config values in their printed form.  OBP_ERROR
 * with a phrase in <err>.
 */
int obp_levels_set(struct obp_levels *l, const struct obp_level_row *in,
                   char *err, size_t errlen);

/*
 * Adds checked row <row> to <l> as obp_levels_set() does, taking its
 * strings (<row> is emptied); OBP_ERROR past the bounds, <row> kept.
 */
int obp_levels_put(struct obp_levels *l, struct obp_level_row *row,
                   char *err, size_t errlen);

/* A deep copy of row <src>; OBP_ERROR out of memory. */
int obp_level_row_copy(struct obp_level_row *dst,
                       const struct obp_level_row *src);

/*
 * level_check.c.  True when ODP lets tenants and clusters override
 * parameter <name> (its multi-level, "VIP" items that obproxy has).
 */
bool obp_level_multi(const char *name);

/*
 * Checks <in> (table, cluster, tenant, name, value, source) as ODP
 * checks a row: see README "Tenant settings".  OBP_OK with a checked
 * copy in <out> (name in its canonical case, proxy_config value printed
 * by the parameter, <num> set), else OBP_ERROR with a phrase in <err>.
 */
int obp_level_check(const struct obp_level_row *in,
                    struct obp_level_row *out, char *err, size_t errlen);

/*
 * level_text.c: the text form of a row, one line, for the channel to
 * the workers and the state file:
 *     level TABLE 'CLUSTER' 'TENANT' 'NAME' 'VALUE'
 * each field quoted by obp_ctlarg_add().  obp_level_format() writes
 * the fields after the word for <r> with cluster <cluster>
 * (NUL-terminated) and returns their length, or OBP_ERROR when <len> is
 * too small (OBP_LEVEL_LINE_MAX always suffices).
 */
#define OBP_LEVEL_WORD "level"

int obp_level_format(const char *cluster, const struct obp_level_row *r,
                     char *buf, size_t len);

/* The bytes of <r>'s line and its newline (a file's row counted with a
 * cluster name of OBP_LEVEL_KEY_MAX bytes). */
size_t obp_level_line_len(const struct obp_level_row *r);

/*
 * Parses the fields after "level" of such a line into <out> (strings
 * malloc'd, not checked: obp_levels_set() checks).  OBP_ERROR with a
 * phrase in <err>.
 */
int obp_level_parse(const char *fields, struct obp_level_row *out,
                    char *err, size_t errlen);

/*
 * The rows of <conf> that apply (a file's row that a runtime row
 * shadows left out) as lines, each with its cluster, after
 * <buf>[0..<pos>); returns the new length, or OBP_ERROR when <len> is
 * too small.
 */
int obp_level_serialize(const struct obp_conf *conf, char *buf, size_t pos,
                        size_t len);

/*
 * level_file.c: takes the tenants' settings out of the topology a
 * loader read from <path> (config, white_list and ssl_config keys, see
 * README "Tenant settings") into file rows of <conf>; errors as
 * "PATH:LINE: tenant T: KEY: phrase".
 */
struct obp_topo_src;
void obp_level_from_file(struct obp_conf *conf, struct obp_topo_src *src,
                         const char *path, struct obp_errs *errs);

/* Frees the strings of a row obp_level_parse() or a copy filled. */
void obp_level_row_free(struct obp_level_row *r);

/*
 * Removes the rows of <table>, <cluster> and <tenant> (exactly) from
 * <source>, only those named <name> unless it is NULL; the count.
 */
size_t obp_levels_del(struct obp_levels *l, int table, const char *cluster,
                      const char *tenant, const char *name, int source);

/* A deep copy of <src> into <dst> (empty); OBP_ERROR out of memory. */
int obp_levels_copy(struct obp_levels *dst, const struct obp_levels *src);

void obp_levels_free(struct obp_levels *l);

/*
 * The row of <conf> that applies to a session of <cluster> and <tenant>
 * (the order above; a runtime row before a file row), or NULL: the
 * parameter's own value, or for white_list and ssl_config no row.
 */
const struct obp_level_row *obp_level_find(const struct obp_conf *conf,
                                           int table, const char *cluster,
                                           const char *tenant,
                                           const char *name);

/* The value of obp_level_find()'s row, or NULL. */
const char *obp_conf_level_value(const struct obp_conf *conf, int table,
                                 const char *cluster, const char *tenant,
                                 const char *name);

/* True when a runtime row of the same key hides file row <r>. */
bool obp_level_shadowed(const struct obp_conf *conf,
                        const struct obp_level_row *r);

/*
 * The parameters a session resolves once per configuration (sroute.h,
 * router.h): each its tenant's row, else its cluster's, else the
 * parameter.  Strings point into the configuration.
 */
struct obp_level_vals {
    bool        read_write_split;   /* enable_read_write_split */
    int         route_policy;       /* proxy_route_policy */
    int         read_consistency;   /* obproxy_read_consistency */
    const char *idc;                /* proxy_idc_name */
    const char *target;             /* target_db_server */
    int64_t     max_read_stale;     /* ob_max_read_stale_time, us */
};

void obp_level_resolve(const struct obp_conf *conf, const char *cluster,
                       const char *tenant, struct obp_level_vals *out);

/*
 * A bool parameter (enable_client_ssl ...) or a string one
 * (ssl_attributes ...) for <cluster> and <tenant>, as above.
 */
bool obp_level_bool(const struct obp_conf *conf, const char *cluster,
                    const char *tenant, const char *name);
const char *obp_level_text(const struct obp_conf *conf, const char *cluster,
                           const char *tenant, const char *name);

/* True when some proxy_config row sets bool <name> to true. */
bool obp_level_any_true(const struct obp_conf *conf, const char *name);

/*
 * True when <a> and <b> hold the same proxy_config rows for <name>, so a
 * worker knows whether a change concerns its parked server sessions.
 */
bool obp_level_same(const struct obp_conf *a, const struct obp_conf *b,
                    const char *name);

#endif
