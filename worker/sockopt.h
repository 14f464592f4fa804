/*
 * TCP options of the proxy's sockets, as ODP sets them: TCP_NODELAY and
 * SO_KEEPALIVE by a flag parameter (client_sock_option_flag_out for
 * clients, sock_option_flag_out for servers), the keepalive timing
 * (*_tcp_keepidle, keepintvl, keepcnt) and TCP_USER_TIMEOUT
 * (*_tcp_user_timeout).  Clients' options are set on the slot's
 * listening sockets, at the start and at each reload: accepted sockets
 * inherit them (Linux), which saves system calls per client.  Servers'
 * are set once per connection, when it is established.
 */
#ifndef OBP_WORKER_SOCKOPT_H
#define OBP_WORKER_SOCKOPT_H

struct obp_conf;

/* Bits of the flag parameters (ODP's). */
#define OBP_SOCKOPT_NODELAY    0x1
#define OBP_SOCKOPT_KEEPALIVE  0x2

/*
 * Sets the client (<client>) or server options of <conf> on <fd>.
 * Returns OBP_OK, or OBP_ERROR with errno set and *<what> naming the
 * option that failed; the caller logs it with its context.
 */
int obp_sockopt_apply(int fd, const struct obp_conf *conf, int client,
                      const char **what);

#endif
