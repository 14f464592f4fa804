/*
 * Servers' roles in a MySQL/MariaDB deployment (topo_build.h): role
 * (primary or replica), weight, and the primary a replica follows.  One
 * primary and its replicas need nothing more; several primaries (sets
 * each holding part of the data, mapped to partitions by the tables'
 * replica lists) need each replica to name its own ("primary: NAME").
 * "role: auto" on every server of a set leaves its primary to be
 * discovered: the one the monitor reads read_only 0 from (router.h).
 * Several such sets each name theirs ("set: NAME"); the first server of
 * a set stands for its primary in the model, the others follow it.
 */
#include "obp.h"
#include "topo_src.h"
#include "topo_build.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Server <idx>'s share of the replicas' reads: 1 unless declared. */
static void
server_weight(struct obp_topo_b *tb, const struct obp_topo_obj *o,
              uint32_t idx)
{
    const struct obp_topo_key *k = obp_topo_key(o, "weight");
    const char *w = obp_topo_scalar(tb, o, k);
    char *end;
    unsigned long v;

    tb->topo->servers[idx].weight = 1;
    if (w == NULL)
        return;
    errno = 0;
    v = strtoul(w, &end, 10);
    if (errno != 0 || end == w || *end != '\0' || w[0] == '-' || v > 65535)
        obp_topo_bad(tb, o, k, "\"%s\" is not a weight from 0 to 65535",
                     w);
    else
        tb->topo->servers[idx].weight = (uint32_t)v;
}

void
obp_topo_server_role(struct obp_topo_b *tb, const struct obp_topo_obj *o,
                     uint32_t idx)
{
    struct obp_topo_server *s = &tb->topo->servers[idx];
    const struct obp_topo_key *k = obp_topo_key(o, "role");
    const char *role = obp_topo_scalar(tb, o, k);

    server_weight(tb, o, idx);
    s->primary = -1;
    if (role == NULL)
        return;
    tb->roles = true;
    tb->topo->roles = true;
    if (strcmp(role, "replica") == 0) {
        s->role = OBP_TOPO_SRV_REPLICA;
    } else if (strcmp(role, "primary") == 0) {
        s->role = OBP_TOPO_SRV_PRIMARY;
        if (tb->primary < 0)
            tb->primary = (int)idx;
        tb->nprimaries++;
    } else if (strcmp(role, "auto") == 0) {
        /* the first stands for the set in the model; the router finds
           the real primary among them from the monitor's read_only */
        s->discovered = true;
        s->role = tb->primary < 0 ? OBP_TOPO_SRV_PRIMARY
                                  : OBP_TOPO_SRV_REPLICA;
        if (tb->primary < 0) {
            tb->primary = (int)idx;
            tb->nprimaries++;
        }
    } else {
        obp_topo_bad(tb, o, k, "\"%s\" is not primary, replica or auto",
                     role);
    }
}

/* role: auto is for sets whose servers all say it. */
static void
auto_check(struct obp_topo_b *tb, const struct obp_topo_obj *o,
           const struct obp_topo_server *s, bool sets)
{
    const struct obp_topo_server *p;

    if (!s->discovered && obp_topo_key(o, "set") != NULL)
        obp_topo_bad(tb, o, obp_topo_key(o, "set"), "only a server of "
                     "role auto names its set (a replica names its "
                     "primary)");
    if (tb->primary < 0 || s->role == OBP_TOPO_SRV_NONE)
        return;
    p = &tb->topo->servers[tb->primary];
    if (s->discovered && sets)
        obp_topo_bad(tb, o, obp_topo_key(o, "role"), "role auto does not "
                     "mix with replicas naming a primary: sets of role auto "
                     "name their set (set: NAME)");
    else if (s->discovered != p->discovered)
        obp_topo_bad(tb, o, obp_topo_key(o, "role"), "role auto and "
                     "declared roles do not mix (%s is %s)", p->name,
                     p->discovered ? "auto" : "primary");
}

/* Whether a server declares key <key> ("primary", "set"): several sets. */
static bool
sets_declared(const struct obp_topo_src *src, const char *key)
{
    for (size_t i = 0; i < src->nobjs; i++)
        if (src->objs[i].kind == OBP_TOPO_SERVER
            && obp_topo_key(&src->objs[i], key) != NULL)
            return true;
    return false;
}

/*
 * Several sets of role auto: server <s> (declared by <o>, the <i>th
 * object) stands for its set's primary when it is the set's first
 * server, else follows that one.
 */
static void
auto_set(struct obp_topo_b *tb, const struct obp_topo_obj *o, size_t i,
         struct obp_topo_server *s)
{
    const struct obp_topo_key *k = obp_topo_key(o, "set");
    const char *set = obp_topo_scalar(tb, o, k);
    int first = -1;

    if (set == NULL) {
        obp_topo_bad(tb, o, NULL, "no set: with several sets of role auto "
                     "each server names its own (set: NAME)");
        return;
    }
    for (size_t j = 0; j < i && first < 0; j++) {
        const struct obp_topo_obj *q = &tb->src->objs[j];
        const char *qs;

        if (q->kind != OBP_TOPO_SERVER
            || (qs = obp_topo_scalar(tb, q, obp_topo_key(q, "set"))) == NULL
            || strcmp(qs, set) != 0)
            continue;
        first = obp_topo_find_server(tb->topo, q->name);
    }
    if (first < 0 && s->role != OBP_TOPO_SRV_PRIMARY)
        tb->nprimaries++;
    s->role = first < 0 ? OBP_TOPO_SRV_PRIMARY : OBP_TOPO_SRV_REPLICA;
    s->primary = first;
}

/* The primary that replica <s> (declared by <o>) follows. */
static void
follows(struct obp_topo_b *tb, const struct obp_topo_obj *o,
        struct obp_topo_server *s, bool sets)
{
    const struct obp_topo_key *k = obp_topo_key(o, "primary");
    const char *name = obp_topo_scalar(tb, o, k);
    int p;

    if (k == NULL && s->role == OBP_TOPO_SRV_REPLICA && sets)
        obp_topo_bad(tb, o, NULL, "no primary: with several primaries "
                     "each replica names its own");
    else if (k == NULL && s->role == OBP_TOPO_SRV_REPLICA)
        s->primary = tb->primary;
    if (k == NULL || name == NULL)
        return;
    p = obp_topo_server_ref(tb->topo, name);
    if (s->role != OBP_TOPO_SRV_REPLICA)
        obp_topo_bad(tb, o, k, "only a replica follows a primary");
    else if (p < 0 || tb->topo->servers[p].role != OBP_TOPO_SRV_PRIMARY)
        obp_topo_bad(tb, o, k, "\"%s\" is no server with role primary",
                     name);
    else
        s->primary = p;
}

void
obp_topo_roles_resolve(struct obp_topo_b *tb)
{
    const struct obp_topo_src *src = tb->src;
    bool sets = sets_declared(src, "primary");
    bool auto_sets = sets_declared(src, "set");
    int idx;

    for (size_t i = 0; i < src->nobjs && tb->roles; i++) {
        const struct obp_topo_obj *o = &src->objs[i];

        if (o->kind != OBP_TOPO_SERVER
            || (idx = obp_topo_find_server(tb->topo, o->name)) < 0)
            continue;
        if (!sets && tb->topo->servers[idx].role == OBP_TOPO_SRV_PRIMARY
            && idx != tb->primary)
            obp_topo_bad(tb, o, obp_topo_key(o, "role"), "a second primary"
                         " (the first is %s): with several, each replica "
                         "names its own (primary: NAME)",
                         tb->topo->servers[tb->primary].name);
        auto_check(tb, o, &tb->topo->servers[idx], sets);
        if (!tb->topo->servers[idx].discovered || !sets)
            follows(tb, o, &tb->topo->servers[idx], sets);
        if (auto_sets && tb->topo->servers[idx].discovered && !sets)
            auto_set(tb, o, i, &tb->topo->servers[idx]);
    }
}

void
obp_topo_role_replicas(struct obp_topo_b *tb, struct obp_topo_tenant *t)
{
    struct obp_topo_replicas *rs = &t->replicas;
    const struct obp_topo_server *sv = tb->topo->servers;
    int p = -1;

    for (uint32_t i = 0; i < t->nservers && p < 0; i++)
        if (sv[t->servers[i]].role == OBP_TOPO_SRV_PRIMARY)
            p = (int)t->servers[i];
    if (p < 0)
        return;
    rs->r = calloc(t->nservers + 1, sizeof(*rs->r));
    if (rs->r == NULL) {
        tb->oom = true;
        return;
    }
    for (uint32_t i = 0; i < t->nservers; i++) {
        uint32_t s = t->servers[i];

        if ((int)s != p && sv[s].primary != p)
            continue;
        if ((int)s == p)
            rs->leader = rs->n;
        rs->r[rs->n].server = s;
        rs->r[rs->n].role = (int)s == p ? OBP_TOPO_LEADER : OBP_TOPO_FOLLOWER;
        rs->r[rs->n++].type = OBP_TOPO_FULL;
    }
}
