/*
 * TCP options of client and server sockets (sockopt.h).
 */
#include "worker.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

struct tcp_opts {
    int64_t flags;
    int64_t idle;           /* seconds */
    int64_t intvl;          /* seconds */
    int64_t cnt;
    int64_t user_timeout;   /* seconds, 0 the system's */
};

static void
opts_of(const struct obp_conf *c, int client, struct tcp_opts *o)
{
    if (client) {
        *o = (struct tcp_opts){ c->client_sock_option_flag_out,
                                c->client_tcp_keepidle,
                                c->client_tcp_keepintvl,
                                c->client_tcp_keepcnt,
                                c->client_tcp_user_timeout };
    } else {
        *o = (struct tcp_opts){ c->sock_option_flag_out,
                                c->server_tcp_keepidle,
                                c->server_tcp_keepintvl,
                                c->server_tcp_keepcnt,
                                c->server_tcp_user_timeout };
    }
}

static int
set_int(int fd, int level, int name, int64_t value)
{
    int v = (int)value;     /* the parameters' ranges fit an int */

    return setsockopt(fd, level, name, &v, sizeof(v));
}

int
obp_sockopt_apply(int fd, const struct obp_conf *conf, int client,
                  const char **what)
{
    struct tcp_opts o;
    int             keep;

    opts_of(conf, client, &o);
    keep = (o.flags & OBP_SOCKOPT_KEEPALIVE) != 0;
    *what = "TCP_NODELAY";
    if (set_int(fd, IPPROTO_TCP, TCP_NODELAY,
                (o.flags & OBP_SOCKOPT_NODELAY) != 0) == -1)
        return OBP_ERROR;
    *what = "SO_KEEPALIVE";
    if (set_int(fd, SOL_SOCKET, SO_KEEPALIVE, keep) == -1)
        return OBP_ERROR;
    *what = "TCP_KEEPIDLE, TCP_KEEPINTVL or TCP_KEEPCNT";
    if (keep && (set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, o.idle) == -1
                 || set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, o.intvl) == -1
                 || set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, o.cnt) == -1))
        return OBP_ERROR;
    *what = "TCP_USER_TIMEOUT";
    if (set_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT,
                o.user_timeout * 1000) == -1)
        return OBP_ERROR;
    return OBP_OK;
}
