/*
 * libFuzzer target for the configuration loaders (shared/conf.h): the
 * YAML loader with its topology keys (conf_yaml.c, conf_yaml_topo.c) and
 * the INI loader (conf_ini.c), each building the topology it declares
 * (topo_build.c, with the partition builder).  The loaders read files
 * only, so the input goes to a temporary file of the right extension,
 * rewritten for each run.  The first byte picks the format (bit 0: INI);
 * the rest is the file.
 *
 * Checked: every error names the file; a file accepted goes through the
 * master -> worker channel (obp_conf_serialize, obp_conf_deserialize)
 * and through obp_conf_dup unchanged; its topology publishes into a
 * route cache (shared/topo_route.h) in which every table and tenant is
 * then found, with replicas for each leaf partition.  Seeds
 * (t/fuzz/corpus/conf) are the files of etc/ behind their format's byte
 * (t/fuzz/capture-seeds.py).
 */
#include "obp.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

#define CHANNEL_MAX  (1024 * 1024)      /* a serialized configuration */
#define ROUTE_BYTES  (4 * 1024 * 1024)

static char           yaml_path[PATH_MAX], ini_path[PATH_MAX];
static int            yaml_fd = -1, ini_fd = -1;
static struct obp_shm shm;

static void
remove_files(void)
{
    unlink(yaml_path);
    unlink(ini_path);
}

/* Each line of <errs> starts with the file's name. */
static void
check_errors(const struct obp_errs *errs, const char *path)
{
    size_t      plen = strlen(path);
    const char *p = errs->text;
    const char *end = p != NULL ? p + errs->len : NULL;

    while (p != NULL && p < end) {
        FUZZ_CHECK(strncmp(p, path, plen) == 0);
        p = memchr(p, '\n', (size_t)(end - p));
        p = p != NULL ? p + 1 : NULL;
    }
}

/* What the master sends its workers reads back as the same values. */
static void
check_channel(const struct obp_conf *conf)
{
    static char      text[CHANNEL_MAX];
    struct obp_errs  errs = { 0 };
    struct obp_conf *back = obp_conf_new(), *dup = obp_conf_dup(conf);
    int              n = obp_conf_serialize(conf, text, sizeof(text));

    FUZZ_CHECK(back != NULL && dup != NULL && n > 0);
    FUZZ_CHECK(obp_conf_deserialize(back, text, (size_t)n, &errs)
               == OBP_OK);
    for (size_t i = 0; i < obp_nparams; i++) {
        const struct obp_param *p = &obp_params[i];

        FUZZ_CHECK(obp_param_equal(conf, dup, p));
        FUZZ_CHECK((p->flags & OBP_P_READONLY)
                   || obp_param_equal(conf, back, p));
    }
    FUZZ_CHECK(dup->topo == conf->topo);
    /* a file's level rows, each with the proxy's cluster */
    FUZZ_CHECK(back->levels.n == conf->levels.n
               && dup->levels.n == conf->levels.n);
    obp_errs_free(&errs);
    obp_conf_free(back);
    obp_conf_free(dup);
}

/*
 * The key a statement looks a table up by: database and table names in
 * lower case, as routing folds them (route.h); <db> and <table> are
 * scratch of OBP_ROUTE_NAME_MAX bytes for the folded names.
 */
static struct obp_route_key
key_of(const struct obp_conf *conf, const char *tenant, const char *db,
       const char *table, char *dbuf, char *tbuf)
{
    struct obp_route_key k = {
        obp_route_name(conf->rootservice_cluster_name),
        obp_route_name(tenant), obp_route_name(db), obp_route_name(table)
    };

    if (obp_route_lower(dbuf, OBP_ROUTE_NAME_MAX, db, strlen(db)))
        k.database = obp_route_name(dbuf);
    if (obp_route_lower(tbuf, OBP_ROUTE_NAME_MAX, table, strlen(table)))
        k.table = obp_route_name(tbuf);
    return k;
}

/* Every table and tenant of the topology is in the published set. */
static void
check_published(const struct obp_conf *conf)
{
    const struct obp_topo *topo = conf->topo;
    struct obp_route_view  v;
    struct obp_route_key   k;
    char                   db[OBP_ROUTE_NAME_MAX], name[OBP_ROUTE_NAME_MAX];

    FUZZ_CHECK(obp_route_read_begin(&v, &shm, 0) == OBP_OK);
    for (uint32_t i = 0; i < topo->ntables; i++) {
        const struct obp_topo_table  *t = &topo->tables[i];
        const struct obp_route_entry *e;
        uint32_t                      n;

        k = key_of(conf, topo->tenants[t->tenant].name, t->db, t->name, db,
                   name);
        e = obp_route_find(&v, OBP_ROUTE_TABLE, &k);
        FUZZ_CHECK(e != NULL);
        for (uint32_t leaf = 0; leaf < t->nleaves; leaf++)
            FUZZ_CHECK(obp_route_replicas(e, leaf, &n) != NULL);
    }
    for (uint32_t i = 0; i < topo->ntenants; i++) {
        k = key_of(conf, topo->tenants[i].name, "", "", db, name);
        FUZZ_CHECK(obp_route_find(&v, OBP_ROUTE_TENANT, &k) != NULL);
    }
    obp_route_read_end(&v);
}

/* The topology into the route cache; server i gets index i. */
static void
publish(const struct obp_conf *conf)
{
    struct obp_route_builder  b;
    struct obp_route_sink_ctx ctx;
    struct obp_route_sink     sink;
    uint16_t                 *idx;
    char                      err[256];

    idx = calloc(conf->topo->nservers + 1, sizeof(*idx));
    FUZZ_CHECK(idx != NULL);
    for (uint32_t i = 0; i < conf->topo->nservers; i++)
        idx[i] = (uint16_t)i;
    obp_route_sink_init(&sink, &ctx, &b, &shm);
    if (obp_topo_route_fill(conf->topo, conf->rootservice_cluster_name,
                            idx, &sink, err, sizeof(err)) == OBP_OK)
        check_published(conf);
    free(idx);
}

static void
write_file(int fd, const uint8_t *p, size_t n)
{
    FUZZ_CHECK(ftruncate(fd, 0) == 0);
    FUZZ_CHECK(pwrite(fd, p, n, 0) == (ssize_t)n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in   in = { data, size };
    bool             ini = fuzz_u8(&in) & 1;
    const char      *path = ini ? ini_path : yaml_path;
    struct obp_errs  errs = { 0 };
    struct obp_conf *conf = obp_conf_new();
    int              rc;

    FUZZ_CHECK(conf != NULL);
    write_file(ini ? ini_fd : yaml_fd, in.p, in.n);
    rc = ini ? obp_conf_load_ini(conf, path, &errs)
             : obp_conf_load_yaml(conf, path, &errs);
    FUZZ_CHECK((rc == OBP_OK) == (errs.count == 0));
    check_errors(&errs, path);
    if (rc == OBP_OK) {
        check_channel(conf);
        if (conf->topo != NULL)
            publish(conf);
    }
    obp_errs_free(&errs);
    obp_conf_free(conf);
    return 0;
}

/* A new file $TMPDIR/obp-conf-fuzz-XXXXXX<ext> (/tmp without TMPDIR). */
static int
temp_file(char *path, size_t cap, const char *ext)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(path, cap, "%s/obp-conf-fuzz-XXXXXX%s",
             tmp != NULL && *tmp != '\0' ? tmp : "/tmp", ext);
    return mkstemps(path, (int)strlen(ext));
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    obp_log_set_level(OBP_LOG_ALERT);
    yaml_fd = temp_file(yaml_path, sizeof(yaml_path), ".yaml");
    ini_fd = temp_file(ini_path, sizeof(ini_path), ".ini");
    FUZZ_CHECK(yaml_fd != -1 && ini_fd != -1);
    atexit(remove_files);
    FUZZ_CHECK(obp_shm_create(&shm, 1, ROUTE_BYTES) == OBP_OK);
    return 0;
}
