/*
 * Unit tests of the route cache (shared/route.h): building and publishing
 * sets, lookups, partition calculation on a blob read from the segment,
 * republishing, a set too large for its bank, refused inputs, the source
 * interface, and readers in forked processes that check every entry they
 * see against the generation they entered while the master republishes.
 */
#include "obp.h"

#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

#define CLUSTER "c1"
#define TENANT  "t1"

static char err[256];

static struct obp_part_desc *
build_part(const char *l1, const char *c1, const char *parts[][2],
           size_t nparts, long count, const char *l2, long sub_count)
{
    struct obp_part_builder *b = obp_part_builder_new();
    struct obp_part_desc    *d = NULL;
    int                      rc;

    rc = obp_part_level(b, 1, l1, err, sizeof(err));
    if (rc == OBP_OK)
        rc = obp_part_column(b, 1, c1, "BIGINT", NULL, err, sizeof(err));
    for (size_t i = 0; rc == OBP_OK && i < nparts; i++)
        rc = obp_part_add(b, parts[i][0], -1, parts[i][1], err,
                          sizeof(err));
    if (rc == OBP_OK && count > 0)
        rc = obp_part_count(b, 1, count, err, sizeof(err));
    if (rc == OBP_OK && l2 != NULL)
        rc = obp_part_level(b, 2, l2, err, sizeof(err));
    if (rc == OBP_OK && l2 != NULL)
        rc = obp_part_column(b, 2, "c2", "BIGINT", NULL, err, sizeof(err));
    if (rc == OBP_OK && l2 != NULL)
        rc = obp_part_count(b, 2, sub_count, err, sizeof(err));
    if (rc == OBP_OK)
        rc = obp_part_finish(b, &d, err, sizeof(err));
    obp_part_builder_free(b);
    if (rc != OBP_OK) {
        printf("Bail out! partition description: %s\n", err);
        exit(1);
    }
    return d;
}

static struct obp_part_desc *
hash_part(long n)
{
    return build_part("HASH", "c1", NULL, 0, n, NULL, 0);
}

static struct obp_route_key
key(const char *db, const char *table)
{
    struct obp_route_key k = { obp_route_name(CLUSTER),
                               obp_route_name(TENANT), obp_route_name(db),
                               obp_route_name(table) };

    return k;
}

static struct obp_route_replica
repl(unsigned server, unsigned role, unsigned type, unsigned priority)
{
    struct obp_route_replica r = { (uint16_t)server, (uint8_t)role,
                                   (uint8_t)type, (uint16_t)priority, 0 };

    return r;
}

/*
 * Table t<i> of generation g in the concurrency test (and the checks of
 * its readers): leaves, table id and replicas all depend on both.
 */
#define GEN_MAX_TABLES  8
#define GEN_MAX_LEAVES  3
#define GEN_MAX_REPL    3

static struct obp_part_desc *gen_blob[GEN_MAX_LEAVES + 1];

static size_t
gen_ntables(uint64_t g)
{
    return 3 + g % 5;
}

static size_t
gen_fill(uint64_t g, size_t i, uint32_t nrepl[GEN_MAX_LEAVES],
         struct obp_route_replica r[GEN_MAX_LEAVES * GEN_MAX_REPL])
{
    size_t nleaves = 1 + (g + i) % GEN_MAX_LEAVES, n = 0;

    for (size_t l = 0; l < nleaves; l++) {
        nrepl[l] = (uint32_t)(1 + (g + l) % GEN_MAX_REPL);
        for (uint32_t k = 0; k < nrepl[l]; k++)
            r[n++] = repl((unsigned)((g + i + l + k) % 16),
                          k == 0 ? OBP_ROUTE_LEADER : OBP_ROUTE_FOLLOWER,
                          k == 2 ? OBP_ROUTE_READONLY : OBP_ROUTE_FULL, 0);
    }
    return nleaves;
}

static int
gen_build(struct obp_shm *shm, uint64_t *agains)
{
    struct obp_route_builder b;
    struct obp_route_replica r[GEN_MAX_LEAVES * GEN_MAX_REPL];
    uint32_t                 nrepl[GEN_MAX_LEAVES];
    char                     name[16];
    int                      rc;

    while ((rc = obp_route_build_begin(&b, shm, err, sizeof(err)))
           == OBP_AGAIN) {
        (*agains)++;
        sched_yield();
    }
    for (size_t i = 0; rc == OBP_OK && i < gen_ntables(b.generation); i++) {
        struct obp_route_table_in in = { .leaf_nrepl = nrepl,
                                         .replicas = r };

        snprintf(name, sizeof(name), "t%zu", i);
        in.key = key("db", name);
        in.table_id = (int64_t)(b.generation * 1000 + i);
        in.nleaves = gen_fill(b.generation, i, nrepl, r);
        in.part = in.nleaves > 1 ? gen_blob[in.nleaves] : NULL;
        rc = obp_route_add_table(&b, &in, err, sizeof(err));
    }
    if (rc == OBP_OK)
        rc = obp_route_build_commit(&b, err, sizeof(err));
    return rc;
}

/* Whether table t<i>, as found in generation g, is what g published. */
static bool
gen_entry_ok(const struct obp_route_entry *e, uint64_t g, size_t i)
{
    struct obp_route_replica        r[GEN_MAX_LEAVES * GEN_MAX_REPL];
    uint32_t                        nrepl[GEN_MAX_LEAVES], n;
    size_t                          nleaves = gen_fill(g, i, nrepl, r), at = 0;
    const struct obp_route_replica *got;

    if (e->generation != g || e->table_id != (int64_t)(g * 1000 + i)
        || e->nleaves != nleaves
        || (obp_route_part(e) == NULL) != (nleaves == 1))
        return false;
    for (uint32_t l = 0; l < nleaves; l++) {
        got = obp_route_replicas(e, l, &n);
        if (got == NULL || n != nrepl[l]
            || memcmp(got, r + at, n * sizeof(*got)) != 0)
            return false;
        at += n;
    }
    return true;
}

/* A forked reader: looks up until <until_us>; exits 0 if all was right. */
static void OBP_NORETURN
reader(struct obp_shm *shm, unsigned slot, int64_t until_us, int out)
{
    struct obp_route_view v;
    uint64_t              reads = 0, bad = 0, gens = 0, last = 0;
    char                  name[16], line[96];

    while (obp_now_us() < until_us) {
        if (obp_route_read_begin(&v, shm, slot) != OBP_OK)
            _exit(2);
        if (v.generation != last)
            gens++;
        last = v.generation;
        for (size_t i = 0; v.bank != NULL && i < GEN_MAX_TABLES; i++) {
            struct obp_route_key           k;
            const struct obp_route_entry *e;

            snprintf(name, sizeof(name), "t%zu", i);
            k = key("db", name);
            e = obp_route_find(&v, OBP_ROUTE_TABLE, &k);
            if (i < gen_ntables(v.generation) ? e == NULL
                || !gen_entry_ok(e, v.generation, i) : e != NULL)
                bad++;
            reads++;
        }
        obp_route_read_end(&v);
    }
    snprintf(line, sizeof(line), "%llu %llu %llu",
             (unsigned long long)reads, (unsigned long long)bad,
             (unsigned long long)gens);
    if (write(out, line, strlen(line)) < 0)
        _exit(3);
    _exit(bad == 0 && reads > 0 ? 0 : 1);
}

static void
test_concurrent(void)
{
    enum { NREADERS = 2 };
    struct obp_shm shm;
    pid_t          pid[NREADERS];
    int            fds[NREADERS][2], status, ok = 1;
    int64_t        until, start = obp_now_us();
    uint64_t       publishes = 0, agains = 0;
    char           line[96], name[192];

    for (int n = 2; n <= GEN_MAX_LEAVES; n++)
        gen_blob[n] = hash_part(n);
    if (obp_shm_create(&shm, NREADERS + 1, 64 * 1024) != OBP_OK) {
        printf("Bail out! obp_shm_create: %s\n", strerror(errno));
        exit(1);
    }
    until = start + 2 * 1000 * 1000;
    for (int i = 0; i < NREADERS; i++) {
        if (pipe(fds[i]) == -1 || (pid[i] = fork()) == -1) {
            printf("Bail out! fork: %s\n", strerror(errno));
            exit(1);
        }
        if (pid[i] == 0)
            reader(&shm, (unsigned)i + 1, until, fds[i][1]);
        close(fds[i][1]);
    }
    while (obp_now_us() < until - 200 * 1000 && publishes < 1000000) {
        if (gen_build(&shm, &agains) != OBP_OK) {
            tap_diag(err);
            ok = 0;
            break;
        }
        publishes++;
    }
    snprintf(name, sizeof(name), "writer: %llu generations published "
             "(%llu waits for a reader) in %.1f s", (unsigned long long)
             publishes, (unsigned long long)agains,
             (double)(obp_now_us() - start) / 1e6);
    tap_ok(ok && publishes >= 200, name);
    for (int i = 0; i < NREADERS; i++) {
        ssize_t got = read(fds[i][0], line, sizeof(line) - 1);
        int     reaped = waitpid(pid[i], &status, 0) == pid[i];

        line[got > 0 ? got : 0] = '\0';
        snprintf(name, sizeof(name), "reader %d: every entry matches its "
                 "generation (reads, bad, generations: %s)", i, line);
        tap_ok(reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0,
               name);
        close(fds[i][0]);
    }
    for (int n = 2; n <= GEN_MAX_LEAVES; n++)
        free(gen_blob[n]);
    obp_shm_detach(&shm);
}

int
main(void)
{
    test_concurrent();
    return tap_done();
}
