/*
 * Shared by the two halves of obp_topo_build(): topo_build.c (zones,
 * servers, tenants) and topo_table.c (tables, replica lists).  Private.
 */
#ifndef OBP_SHARED_TOPO_BUILD_H
#define OBP_SHARED_TOPO_BUILD_H

struct obp_topo_b {
    const struct obp_topo_src *src;
    const char                *path;
    struct obp_errs           *errs;
    struct obp_topo           *topo;        /* being built */
    bool                       oom;
    bool                       implicit_zone;
    bool                       implicit_tenant;
    bool                       roles;       /* a server declared a role */
    int                        primary;     /* the first primary, or -1 */
    unsigned                   nprimaries;
    unsigned                   servers_line;
};

/* The items of a list key; v[] points into buf, both malloc'd. */
struct obp_topo_words {
    char   *buf;
    char  **v;
    size_t  n;
};

/*
 * Roles (topo_role.c).  obp_topo_server_role() reads server <idx>'s
 * role and weight as it is built; obp_topo_roles_resolve(), once every
 * server is, the primary each replica follows; obp_topo_role_replicas()
 * gives tenant <t> the first primary among its servers as leader and
 * that primary's replicas as followers.
 */
void obp_topo_server_role(struct obp_topo_b *tb, const struct obp_topo_obj *o,
                          uint32_t idx);
void obp_topo_roles_resolve(struct obp_topo_b *tb);
void obp_topo_role_replicas(struct obp_topo_b *tb,
                            struct obp_topo_tenant *t);

/* Adds "PATH:LINE: kind name: key: phrase" (no key when <k> is NULL). */
void obp_topo_bad(struct obp_topo_b *tb, const struct obp_topo_obj *o,
                  const struct obp_topo_key *k, const char *fmt, ...)
    OBP_PRINTF(4, 5);

const struct obp_topo_key *obp_topo_key(const struct obp_topo_obj *o,
                                        const char *key);

/* The one value of <k>, or NULL (reported) when <k> is a list or NULL. */
const char *obp_topo_scalar(struct obp_topo_b *tb,
                            const struct obp_topo_obj *o,
                            const struct obp_topo_key *k);

/* strdup() that records running out of memory; NULL becomes "". */
char *obp_topo_strdup(struct obp_topo_b *tb, const char *s);

/*
 * The items of <k>: the list's, or its one value split at <sep>; items
 * trimmed, empty ones dropped.  Freed with obp_topo_words_free().
 */
int obp_topo_words(struct obp_topo_b *tb, const struct obp_topo_key *k,
                   char sep, struct obp_topo_words *w);
void obp_topo_words_free(struct obp_topo_words *w);

/* A server named by its name or its address; -1 when unknown. */
int obp_topo_server_ref(const struct obp_topo *topo, const char *ref);

/*
 * Parses the replica list <k> ("s1 leader, s2 follower, s3 readonly")
 * of object <o> into <rs>, servers of tenant <t>.  Reports errors.
 */
int obp_topo_replicas(struct obp_topo_b *tb, const struct obp_topo_obj *o,
                      const struct obp_topo_key *k,
                      const struct obp_topo_tenant *t,
                      struct obp_topo_replicas *rs);

void obp_topo_build_table(struct obp_topo_b *tb,
                          const struct obp_topo_obj *o);

#endif
