/*
 * Opening the server leg of a session: the servers of rootservice_list
 * are tried in order, each with a non-blocking connect bounded by
 * connect_server_timeout.  When none answers, the client gets error 1429
 * naming every server tried and the reason.  The list is parsed once per
 * configuration generation and shared, by reference, by the sessions
 * still connecting when a new generation arrives.
 */
#ifndef OBP_WORKER_CONNECT_H
#define OBP_WORKER_CONNECT_H

#include "addr.h"

struct obp_servers {
    unsigned        refs;       /* the worker's and connecting sessions' */
    char           *text;       /* the rootservice_list it came from */
    char            err[160];   /* why the list is unusable, or "" */
    int             n;          /* addresses in addr[] */
    struct obp_addr addr[];
};

/* Parses <list> (NULL is empty); NULL only when out of memory. */
struct obp_servers *obp_servers_parse(const char *list);

/* Drops one reference; frees the list with the last one. NULL is fine. */
void obp_servers_release(struct obp_servers *l);

/* Begins trying the servers for <s>; may end or fail the session. */
void obp_connect_start(struct obp_session *s);

#endif
