/*
 * Shared by the YAML loader's two files: conf_yaml.c (parameters) and
 * conf_yaml_topo.c (the topology keys).  Private.
 */
#ifndef OBP_SHARED_CONF_YAML_H
#define OBP_SHARED_CONF_YAML_H

#include <yaml.h>

struct yload {
    yaml_parser_t        parser;
    FILE                *fp;
    const char          *path;
    struct obp_conf     *conf;
    struct obp_errs     *errs;
    struct obp_topo_src *topo;      /* what the topology keys declared */
};

unsigned obp_yaml_line(const yaml_event_t *ev);

/* The next event, or OBP_ERROR once the error is reported. */
int obp_yaml_next(struct yload *y, yaml_event_t *ev);

/* Consumes the rest of the node <first> opened, if it opened one. */
int obp_yaml_skip(struct yload *y, const yaml_event_t *first);

/* "key:", "key: ~" and "key: null" mean an empty value. */
const char *obp_yaml_text(const yaml_event_t *ev);

/* The kind a top-level key declares ("servers": servers), or -1. */
int obp_yaml_topo_kind(const char *key);

/* The value <val> of the top-level key <key>, which declares <kind>. */
int obp_yaml_topo(struct yload *y, const char *key, enum obp_topo_kind kind,
                  const yaml_event_t *val);

#endif
