/*
 * The obproxy command line (ODP's options plus -f, -t and --help-params)
 * and where the program finds its files.  Called once by main.c.
 */
#ifndef OBP_MASTER_CMDLINE_H
#define OBP_MASTER_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

struct obp_master;
struct obp_errs;

struct obp_cmdline {
    const char        *config_arg;  /* -f as given, or NULL */
    struct obp_kvlist  overrides;   /* -o items, then -p/-l/-r/-c/-n */
    char             **optstrs;     /* copies of -o the items point into */
    size_t             noptstrs;
    bool               nodaemon;    /* -N */
    bool               test;        /* -t */
};

/*
 * Parses argv into m->cl.  OBP_OK to go on; OBP_DONE when help, version
 * or the parameter list was printed (exit 0); OBP_ERROR after the usage
 * went to stderr (exit 1).  Bad -o items are added to <errs>.
 */
int obp_cmdline_parse(struct obp_master *m, int argc, char **argv,
                      struct obp_errs *errs);

/* Fills m->root and the absolute paths of every file the master uses. */
int obp_cmdline_paths(struct obp_master *m, struct obp_errs *errs);

void obp_cmdline_free(struct obp_cmdline *cl);

#endif
