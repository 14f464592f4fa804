/*
 * The client listening sockets.  Each worker slot gets its own
 * SO_REUSEPORT socket per address family (IPv4 on local_bound_ip when
 * ip_listen_mode is 1 or 3, IPv6-only on local_bound_ipv6_ip when 2 or 3),
 * so the kernel spreads new connections over the workers.  The master
 * opens them all before forking; each child keeps only its slot's.
 * SO_REUSEPORT would also let a second obproxy of the same user bind the
 * same address and take half of the clients: a start first makes sure
 * that nothing listens there (probe_one()).
 */
#include "master.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PORT_LOCK_WAIT_MS 3000  /* another master opening the same port */
#define PORT_LOCK_STEP_MS 10

struct bind_addr {
    int                     family;
    struct sockaddr_storage ss;
    socklen_t               len;
    char                    text[OBP_ADDR_STRLEN];
};

static bool
want_ipv4(const struct obp_conf *conf)
{
    return conf->ip_listen_mode == 1 || conf->ip_listen_mode == 3;
}

static bool
want_ipv6(const struct obp_conf *conf)
{
    return conf->ip_listen_mode == 2 || conf->ip_listen_mode == 3;
}

/* Fills <a> from an address text; OBP_ERROR when it is not numeric. */
static int
make_addr(struct bind_addr *a, int family, const char *ip, int port)
{
    struct sockaddr_in  *sin = (struct sockaddr_in *)&a->ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;
    void                *dst;

    memset(a, 0, sizeof(*a));
    a->family = family;
    if (family == AF_INET) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        a->len = sizeof(*sin);
        dst = &sin->sin_addr;
        snprintf(a->text, sizeof(a->text), "%s:%d", ip, port);
    } else {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        a->len = sizeof(*sin6);
        dst = &sin6->sin6_addr;
        snprintf(a->text, sizeof(a->text), "[%s]:%d", ip, port);
    }
    return inet_pton(family, ip, dst) == 1 ? OBP_OK : OBP_ERROR;
}

/* The addresses <conf> asks for: 0, 1 or 2 of them in <out>. */
static int
wanted_addrs(const struct obp_conf *conf, struct bind_addr out[2],
             struct obp_errs *errs)
{
    int port = (int)conf->listen_port;
    int n = 0;

    if (want_ipv4(conf)) {
        if (make_addr(&out[n], AF_INET, conf->local_bound_ip, port)
            != OBP_OK) {
            obp_errs_add(errs, "local_bound_ip: '%s' is not an IPv4 address",
                         conf->local_bound_ip);
            return OBP_ERROR;
        }
        n++;
    }
    if (want_ipv6(conf)) {
        if (make_addr(&out[n], AF_INET6, conf->local_bound_ipv6_ip, port)
            != OBP_OK) {
            obp_errs_add(errs,
                         "local_bound_ipv6_ip: '%s' is not an IPv6 address",
                         conf->local_bound_ipv6_ip);
            return OBP_ERROR;
        }
        n++;
    }
    return n;
}

int
obp_listen_check(const struct obp_conf *conf, struct obp_errs *errs)
{
    struct bind_addr addrs[2];

    return wanted_addrs(conf, addrs, errs) < 0 ? OBP_ERROR : OBP_OK;
}

static int
set_flag(int fd, int level, int name)
{
    int on = 1;

    return setsockopt(fd, level, name, &on, sizeof(on));
}

/*
 * One listening socket, or -1 with the reason in <errs>.  Its worker sets
 * the TCP options accepted sockets inherit (worker/sockopt.h).
 */
static int
open_one(const struct bind_addr *a, struct obp_errs *errs)
{
    int fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd == -1
        || set_flag(fd, SOL_SOCKET, SO_REUSEADDR) == -1
        || set_flag(fd, SOL_SOCKET, SO_REUSEPORT) == -1
        || (a->family == AF_INET6
            && set_flag(fd, IPPROTO_IPV6, IPV6_V6ONLY) == -1)
        || bind(fd, (const struct sockaddr *)&a->ss, a->len) == -1
        || listen(fd, OBP_LISTEN_BACKLOG) == -1) {
        int err = errno;

        obp_errs_add(errs, "cannot listen on %s: %s", a->text, strerror(err));
        if (fd != -1)
            close(fd);
        return -1;
    }
    return fd;
}

static void
describe(struct obp_listeners *ls, const struct bind_addr *addrs, int n)
{
    ls->text[0] = '\0';
    for (int i = 0; i < n; i++) {
        size_t used = strlen(ls->text);

        snprintf(ls->text + used, sizeof(ls->text) - used, "%s%s",
                 i > 0 ? ", " : "", addrs[i].text);
    }
}

/*
 * Whether something listens on an address overlapping <a>'s.  A probe
 * bound without SO_REUSEPORT is refused by the kernel exactly then: the
 * same address, or a wildcard of the same family either way round
 * (0.0.0.0 and 127.0.0.1, :: and ::1), whoever owns the listener.
 * SO_REUSEADDR keeps an earlier run's connections in TIME_WAIT from
 * counting.  A new master of a hot upgrade inherits its sockets and never
 * probes.
 */
static int
probe_one(const struct bind_addr *a, struct obp_errs *errs)
{
    int fd = socket(a->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int err = 0;

    if (fd == -1
        || set_flag(fd, SOL_SOCKET, SO_REUSEADDR) == -1
        || (a->family == AF_INET6
            && set_flag(fd, IPPROTO_IPV6, IPV6_V6ONLY) == -1)
        || bind(fd, (const struct sockaddr *)&a->ss, a->len) == -1)
        err = errno;
    if (fd != -1)
        close(fd);
    if (err == EADDRINUSE)
        obp_errs_add(errs, "cannot listen on %s: %s: another process "
                     "listens there (another obproxy would share its "
                     "clients): give this one its own listen_port",
                     a->text, strerror(err));
    else if (err != 0)
        obp_errs_add(errs, "cannot listen on %s: %s", a->text,
                     strerror(err));
    return err == 0 ? OBP_OK : OBP_ERROR;
}

/*
 * Two masters starting at once could both probe before either listens:
 * the probes and binds of one port run under a lock, an abstract unix
 * socket named after the port, which the kernel frees when its holder
 * closes it or dies (no stale file).  The lock's fd, or -1 (<errs>).
 */
static int
lock_port(int port, struct obp_errs *errs)
{
    struct sockaddr_un    sun = { .sun_family = AF_UNIX };
    struct timespec       step = { 0, PORT_LOCK_STEP_MS * 1000000L };
    int                   fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int                   n = snprintf(sun.sun_path + 1,
                                       sizeof(sun.sun_path) - 1,
                                       "obproxy-listen-%d", port);
    socklen_t             len = (socklen_t)(offsetof(struct sockaddr_un,
                                                     sun_path) + 1 + n);

    for (int waited = 0; fd != -1; waited += PORT_LOCK_STEP_MS) {
        if (bind(fd, (struct sockaddr *)&sun, len) == 0)
            return fd;
        if (errno != EADDRINUSE || waited >= PORT_LOCK_WAIT_MS)
            break;
        (void)nanosleep(&step, NULL);
    }
    obp_errs_add(errs, "cannot lock port %d for the start: %s", port,
                 errno == EADDRINUSE ? "another obproxy is opening it"
                                     : strerror(errno));
    if (fd != -1)
        close(fd);
    return -1;
}

/* <conf>'s addresses into <addrs>, and <nslots> empty slots: or -1. */
static int
prepare(struct obp_listeners *ls, const struct obp_conf *conf, int nslots,
        struct bind_addr addrs[2], struct obp_errs *errs)
{
    int n = wanted_addrs(conf, addrs, errs);

    if (n < 0)
        return -1;
    ls->slots = calloc((size_t)nslots, sizeof(*ls->slots));
    if (ls->slots == NULL) {
        obp_errs_add(errs, "out of memory");
        return -1;
    }
    ls->nslots = nslots;
    describe(ls, addrs, n);
    return n;
}

int
obp_listen_open(struct obp_listeners *ls, const struct obp_conf *conf,
                int nslots, struct obp_errs *errs)
{
    struct bind_addr addrs[2];
    int              n = prepare(ls, conf, nslots, addrs, errs);
    int              lock = n < 0 ? -1 : lock_port((int)conf->listen_port,
                                                   errs);
    int              rc = lock == -1 ? OBP_ERROR : OBP_OK;

    for (int i = 0; rc == OBP_OK && i < n; i++)
        rc = probe_one(&addrs[i], errs);
    for (int s = 0; rc == OBP_OK && s < nslots; s++) {
        struct obp_listen_slot *slot = &ls->slots[s];

        for (int i = 0; rc == OBP_OK && i < n; i++) {
            int fd = open_one(&addrs[i], errs);

            if (fd == -1)
                rc = OBP_ERROR;
            else
                slot->fd[slot->n++] = fd;
        }
    }
    if (rc != OBP_OK)
        obp_listen_close(ls);
    if (lock != -1)
        close(lock);
    return rc;
}

int
obp_listen_adopt(struct obp_listeners *ls, const struct obp_conf *conf,
                 int nslots, int per, const int *fds, struct obp_errs *errs)
{
    struct bind_addr addrs[2];
    int              n = prepare(ls, conf, nslots, addrs, errs);

    if (n < 0)
        return OBP_ERROR;
    if (n != per) {
        obp_errs_add(errs, "the configuration asks for %d listening "
                     "address(es), the old master passed %d: changing "
                     "ip_listen_mode needs a restart", n, per);
        return OBP_ERROR;
    }
    for (int s = 0; s < nslots; s++) {
        for (int i = 0; i < per; i++)
            ls->slots[s].fd[i] = fds[s * per + i];
        ls->slots[s].n = per;
    }
    return OBP_OK;
}

static void
close_slot(struct obp_listen_slot *slot)
{
    for (int i = 0; i < slot->n; i++)
        close(slot->fd[i]);
    slot->n = 0;
}

void
obp_listen_close(struct obp_listeners *ls)
{
    for (int s = 0; s < ls->nslots; s++)
        close_slot(&ls->slots[s]);
}

void
obp_listen_close_except(struct obp_listeners *ls, int slot)
{
    for (int s = 0; s < ls->nslots; s++) {
        if (s != slot)
            close_slot(&ls->slots[s]);
    }
}

void
obp_listen_free(struct obp_listeners *ls)
{
    obp_listen_close(ls);
    free(ls->slots);
    ls->slots = NULL;
    ls->nslots = 0;
}
