/*
 * Opening the TCP leg of a server connection (struct obp_srv,
 * srvlogin.h): the servers of the login's tenant from the route cache
 * (primary zone first), else those of rootservice_list (a login without
 * a tenant, the account lookup, takes every server of the topology when
 * rootservice_list is empty), are tried in order, each with a
 * non-blocking connect bounded by connect_server_timeout, those the
 * blocklist holds skipped unless every one is blocked, at most
 * connect_observer_max_retries of them.  When none answers, the srv
 * fails with error 1429
 * naming every server tried and the reason.  rootservice_list is parsed
 * once per configuration generation and shared, by reference, by the
 * connections still trying it when a new generation arrives; a tenant's
 * list is built for its connection alone.
 */
#ifndef OBP_WORKER_CONNECT_H
#define OBP_WORKER_CONNECT_H

#include <stdint.h>

#include "addr.h"

struct obp_srv;

struct obp_servers {
    unsigned        refs;       /* the worker's and connecting srvs' */
    char           *text;       /* the rootservice_list it came from */
    char            err[160];   /* why the list is unusable, or "" */
    int             n;          /* addresses in addr[] */
    int            *bl;         /* their blocklist indexes (-1: none) */
    struct obp_addr addr[];     /* bl[] follows them */
};

/*
 * Parses <list> (NULL is empty) and finds each server in <shm>'s
 * blocklist; NULL only when out of memory.
 */
struct obp_servers *obp_servers_parse(const char *list,
                                      const struct obp_shm *shm);

/*
 * A list of the servers at indexes <idx>[0..n) of <shm>'s server table,
 * in that order, for one connection; NULL only when out of memory.
 */
struct obp_servers *obp_servers_of(const uint16_t *idx, unsigned n,
                                   const struct obp_shm *shm);

/* Drops one reference; frees the list with the last one. NULL is fine. */
void obp_servers_release(struct obp_servers *l);

/* Begins trying the worker's servers for <srv>. */
void obp_connect_first(struct obp_srv *srv);

/*
 * The server just tried failed before its handshake (refused, timed out,
 * closed; <err> the errno, 0 for a close): note <reason> and count it in
 * the blocklist, close the socket and try the next one.
 */
void obp_connect_retry(struct obp_srv *srv, int err, const char *reason);

/*
 * How long the connect and the handshake of <srv> may take:
 * connect_server_timeout, or for a server that failed since it last
 * answered (a retry, blocklist.h) the shorter
 * min_congested_connect_timeout, as ODP: a retry must not hold a
 * session long on a server that may hang.
 */
ev_tstamp obp_connect_timeout(const struct obp_srv *srv);

#endif
