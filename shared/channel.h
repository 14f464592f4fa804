/*
 * The master -> worker channel: one SOCK_SEQPACKET socketpair per worker,
 * so every message arrives whole.  A message is a fixed header and an
 * optional payload (the serialized configuration for OBP_CHAN_CONF).  A
 * worker that reads end-of-file knows its master is gone.
 */
#ifndef OBP_SHARED_CHANNEL_H
#define OBP_SHARED_CHANNEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define OBP_CHAN_MAX_PAYLOAD (128 * 1024)

enum obp_chan_cmd {
    OBP_CHAN_QUIT = 1,      /* graceful stop: drain, then exit */
    OBP_CHAN_TERM,          /* fast stop: close everything, exit */
    OBP_CHAN_REOPEN,        /* reopen log files */
    OBP_CHAN_CONF,          /* payload: a new configuration */
    OBP_CHAN_STOP_ACCEPT,   /* stop accepting, keep serving */
    OBP_CHAN_DRAIN,         /* hot upgrade: stop accepting (sockets kept
                               open), hand idle sessions to the workers
                               of the new master (payload: its pid, u32)
                               or end them at a transaction boundary,
                               exit when none is left */
    OBP_CHAN_RESUME,        /* rollback: accept again after a DRAIN */
    /* between the two masters of a hot upgrade (master/upgrade.c) */
    OBP_CHAN_UP_READY,      /* new -> old: my workers serve; payload:
                               my version */
    OBP_CHAN_UP_FAILED,     /* new -> old: roll back; payload: why */
    OBP_CHAN_UP_COMMIT,     /* new -> old: exit now (obproxyctl commit) */
    OBP_CHAN_UP_ROLLBACK,   /* new -> old: roll back (obproxyctl rollback) */
    OBP_CHAN_UP_STOP        /* either way: stop too; payload: "fast" or
                               "graceful" */
};

struct obp_chan_hdr {
    uint32_t cmd;           /* enum obp_chan_cmd */
    uint32_t len;           /* payload bytes that follow */
};

/* A non-blocking, close-on-exec pair; fds[0] for the master. */
int obp_chan_pair(int fds[2]);

/* OBP_OK, OBP_AGAIN when the peer is not reading, OBP_ERROR. */
int obp_chan_send(int fd, uint32_t cmd, const void *payload, size_t len);

/*
 * Receives one message: returns the payload length (>= 0) with <cmd>
 * set, OBP_AGAIN when none is queued, OBP_DONE at end of file, OBP_ERROR
 * on a bad message.  Payloads longer than <cap> are an error.
 */
ssize_t obp_chan_recv(int fd, uint32_t *cmd, void *buf, size_t cap);

#endif
