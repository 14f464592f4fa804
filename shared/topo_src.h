/*
 * What the loaders read, before any check: objects in declared order,
 * each with its keys in declared order.  Private to topo_src.c and
 * topo_build.c; the source owns every string and array.
 */
#ifndef OBP_SHARED_TOPO_SRC_H
#define OBP_SHARED_TOPO_SRC_H

struct obp_topo_key {
    char     *key;
    char    **values;
    size_t    nvalues;
    bool      list;         /* a YAML sequence: one value per item */
    unsigned  line;
};

struct obp_topo_obj {
    enum obp_topo_kind   kind;
    char                *name;
    unsigned             line;
    struct obp_topo_key *keys;
    size_t               nkeys;
    size_t               cap;
};

struct obp_topo_src {
    struct obp_topo_obj *objs;
    size_t               nobjs;
    size_t               cap;
};

#endif
