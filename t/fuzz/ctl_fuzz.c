/*
 * libFuzzer target for the control socket (master/ctl.c, ctl_verbs.c,
 * ctl_config.c, ctl_upgrade.c, state.c): request lines sent by clients
 * over the real socket, read, trimmed and dispatched by the real code,
 * answered through its reply buffer, each client reading the reply to
 * its end.  The master around it is this file's: a state in a
 * temporary directory (configuration, shared segment with two servers,
 * two worker slots, a -o override), and stand-ins for what the verbs set
 * off (signals, reload, hot upgrade) that record and answer without
 * doing it.  The parsing, the verb table, the parameter checks of
 * "config get/set", the state file and the reply lines run as they do.
 *
 * Input: the number of clients (first byte % 3, plus one), where the
 * first write of each is cut (second byte, a fraction of its request),
 * then the requests: each client but the last sends one line, up to its
 * newline; the last sends the rest.  Checked: every reply ends with
 * exactly one final line ("ok..." or "failed...") and a newline, the
 * connection ends (or stays open for a stop), no descriptor leaks, the
 * state file written parses back.  Seeds (t/fuzz/corpus/ctl) are the
 * lines obproxyctl sent, recorded by t/fuzz/capture-seeds.py.
 */
#include "master.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fuzz.h"

#define CLIENTS_MAX   3
#define REPLY_MAX     (64 * 1024)
#define TURNS_MAX     400
#define QUIET_TURNS   20        /* a stopping client's reply is over */
#define SHM_ROUTES    (64 * 1024)

static struct obp_master master;
static char              tmpdir[PATH_MAX];

/* ---- the master's side the verbs call, standing in for the rest ---- */

struct obp_shm_worker *
obp_proc_shm(const struct obp_master *m, int slot)
{
    return obp_shm_worker(&m->shm, (unsigned)slot);
}

void
obp_signal_post(struct obp_master *m, enum obp_action action,
                const char *from)
{
    FUZZ_CHECK(action >= 0 && action < OBP_ACT_COUNT && from != NULL);
    if (action == OBP_ACT_FAST_STOP)
        m->stop.mode = OBP_STOP_FAST;
    else if (action == OBP_ACT_GRACEFUL_STOP)
        m->stop.mode = OBP_STOP_GRACEFUL;
}

int
obp_signal_reopen(struct obp_master *m, const char *from)
{
    return OBP_OK;
}

/* Checks the generation as a reload does, and keeps the old one. */
int
obp_reload(struct obp_master *m, const struct obp_state *st,
           struct obp_errs *errs, struct obp_errs *notes)
{
    struct obp_conf *next = obp_state_build(m, st, errs);

    if (next == NULL)
        return OBP_ERROR;
    obp_conf_free(next);
    return OBP_OK;
}

int
obp_upgrade_begin(struct obp_master *m, const char *binary,
                  const char *from, char *why, size_t cap)
{
    if (binary[0] == '\0') {
        snprintf(why, cap, "no new binary in this test");
        return OBP_ERROR;
    }
    return OBP_OK;      /* answered by the client loop: obp_ctl_answer */
}

int
obp_upgrade_commit(struct obp_master *m, const char *from, char *why,
                   size_t cap)
{
    snprintf(why, cap, "no hot upgrade under way");
    return OBP_ERROR;
}

int
obp_upgrade_rollback(struct obp_master *m, const char *from, char *why,
                     size_t cap)
{
    snprintf(why, cap, "no hot upgrade under way");
    return OBP_ERROR;
}

void
obp_upgrade_status(struct obp_master *m, struct obp_ctl_conn *c)
{
    obp_ctl_reply(c, false, "upgrade: none");
}

void
obp_monproc_status(struct obp_master *m, struct obp_ctl_conn *c)
{
    obp_ctl_reply(c, false, "monitor: none");
}

/* ---- the clients ---- */

static int
client_connect(void)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int                fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    FUZZ_CHECK(fd != -1);
    obp_strlcpy(sun.sun_path, master.sock_path, sizeof(sun.sun_path));
    FUZZ_CHECK(connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
    FUZZ_CHECK(obp_fd_nonblock(fd) == OBP_OK);
    return fd;
}

static void
send_all(int fd, const uint8_t *p, size_t n)
{
    ssize_t w;

    while (n > 0 && (w = write(fd, p, n)) > 0) {
        p += w;
        n -= (size_t)w;
    }
}

/* Reads what is there; true at the end of the reply. */
static bool
take_reply(int fd, char *buf, size_t *len)
{
    ssize_t n;

    while ((n = read(fd, buf + *len, REPLY_MAX - 1 - *len)) > 0)
        *len += (size_t)n;
    buf[*len] = '\0';
    return n == 0 || *len == REPLY_MAX - 1;
}

static bool
is_final(const char *line)
{
    return strncmp(line, "ok", 2) == 0 || strncmp(line, "failed", 6) == 0;
}

/* Lines ending in newlines, the last one alone final. */
static bool
reply_complete(const char *buf, size_t len)
{
    const char *line = buf, *nl;

    while (len > 0 && (nl = memchr(line, '\n', len - (size_t)(line - buf)))
                      != NULL) {
        if (is_final(line))
            return nl + 1 == buf + len;
        line = nl + 1;
    }
    return false;
}

/* One client: its request, then its whole reply. */
static void
client(const uint8_t *req, size_t n, uint8_t cut)
{
    static char buf[REPLY_MAX];
    size_t      len = 0, first = n * cut / 256;
    int         fd = client_connect(), quiet = 0;
    bool        ended = false;

    send_all(fd, req, first);
    ev_run(master.loop, EVRUN_NOWAIT);
    send_all(fd, req + first, n - first);
    shutdown(fd, SHUT_WR);
    for (int turn = 0; turn < TURNS_MAX && !ended && quiet < QUIET_TURNS;
         turn++) {
        ev_run(master.loop, EVRUN_NOWAIT);
        if (master.ctl.waiting != NULL)
            obp_ctl_answer(&master, "ok: upgraded (test)");
        ended = take_reply(fd, buf, &len);
        /* a stopping client is never closed: its reply is all */
        quiet = reply_complete(buf, len) ? quiet + 1 : 0;
    }
    /* a client that sent nothing is closed unanswered */
    FUZZ_CHECK(n == 0 ? ended && len == 0 : reply_complete(buf, len));
    FUZZ_CHECK(ended || strstr(buf, "ok: stopping") != NULL);
    close(fd);
}

/* The state file a "config set" wrote reads back. */
static void
check_state(void)
{
    struct obp_state st = { 0 };
    struct obp_errs  errs = { 0 };

    FUZZ_CHECK(obp_state_read(&master, &st, &errs) == OBP_OK);
    unlink(st.path);
    obp_state_free(&st);
    obp_errs_free(&errs);
}

/* The lowest free descriptor: it moves when one leaks. */
static int
lowest_free_fd(void)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

    close(fd);
    return fd;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in  in = { data, size };
    unsigned        clients = 1 + fuzz_u8(&in) % CLIENTS_MAX;
    uint8_t         cut = fuzz_u8(&in);
    struct obp_errs errs = { 0 };
    const uint8_t  *nl;
    size_t          n;
    int             fd0 = lowest_free_fd();

    master.stop.mode = OBP_STOP_NONE;
    FUZZ_CHECK(obp_ctl_open(&master, &errs) == OBP_OK);
    for (unsigned i = 0; i < clients; i++) {
        nl = i + 1 < clients ? memchr(in.p, '\n', in.n) : NULL;
        n = nl != NULL ? (size_t)(nl - in.p) + 1 : in.n;
        client(in.p, n, cut);
        in.p += n;
        in.n -= n;
    }
    check_state();
    /* as in a worker child: every connection closed, stopping ones too */
    obp_ctl_close(&master, true);
    FUZZ_CHECK(lowest_free_fd() == fd0);
    obp_errs_free(&errs);
    return 0;
}

/* ---- the master's state, once ---- */

static void
remove_tmpdir(void)
{
    char path[PATH_MAX + 32];

    snprintf(path, sizeof(path), "%s/obproxy.sock", tmpdir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/etc", tmpdir);
    rmdir(path);
    rmdir(tmpdir);
}

static void
add_server(const char *text)
{
    struct obp_addr a;
    char            err[128];

    FUZZ_CHECK(obp_addr_parse(&a, text, err, sizeof(err)) == OBP_OK);
    FUZZ_CHECK(obp_bl_register(&master.shm, &a) >= 0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct obp_master *m = &master;
    struct sockaddr_un sun;
    const char        *tmp = getenv("TMPDIR");
    char               etc[PATH_MAX + 8];

    obp_log_set_level(OBP_LOG_ALERT);
    signal(SIGPIPE, SIG_IGN);   /* as the master: a gone client is EPIPE */
    /* the socket's path must fit a sockaddr_un */
    if (tmp == NULL || *tmp == '\0'
        || strlen(tmp) + 40 >= sizeof(sun.sun_path))
        tmp = "/tmp";
    snprintf(tmpdir, sizeof(tmpdir), "%s/obp-ctl-fuzz-XXXXXX", tmp);
    FUZZ_CHECK(mkdtemp(tmpdir) != NULL);
    atexit(remove_tmpdir);
    snprintf(etc, sizeof(etc), "%s/etc", tmpdir);
    FUZZ_CHECK(mkdir(etc, 0700) == 0);
    obp_strlcpy(m->root, tmpdir, sizeof(m->root));
    snprintf(m->sock_path, sizeof(m->sock_path), "%s/obproxy.sock", tmpdir);
    snprintf(m->log_dir, sizeof(m->log_dir), "%s/log", tmpdir);
    obp_strlcpy(m->listeners.text, "0.0.0.0:2883", sizeof(m->listeners.text));
    m->ctl.fd = -1;
    m->loop = ev_default_loop(0);
    m->pid = getpid();
    m->start_us = obp_now_us();
    m->conf = obp_conf_new();
    FUZZ_CHECK(m->conf != NULL);
    FUZZ_CHECK(obp_kvlist_add(&m->cl.overrides, "listen_port", "2883")
               == OBP_OK);
    FUZZ_CHECK(obp_shm_create(&m->shm, 2, SHM_ROUTES) == OBP_OK);
    add_server("127.0.0.1:2881");
    add_server("10.0.0.2:2881");
    m->nslots = 2;
    m->slots = calloc((size_t)m->nslots, sizeof(*m->slots));
    FUZZ_CHECK(m->slots != NULL);
    m->slots[0].pid = 4242;
    return 0;
}
