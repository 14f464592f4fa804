/*
 * Server detection and replica state (ARCHITECTURE.md, ODP-REFERENCE
 * 8.3): a periodic task of the monitor.  Every
 * server_detect_refresh_interval each registered server of the segment's
 * server table gets a probe round (probe.h) that reads read_only and the
 * replica's state; the rounds' outcomes go into the table (srvstate.h).
 * server_detect_mode says whose failures count towards detect-dead: 1
 * the servers that recently failed (blocked, backed off, or failing
 * their probes), 2 all, 0 none.  A round still unanswered when the next
 * one is due counts as a failure, so a hung server is detect-dead after
 * server_detect_fail_threshold rounds, long before detect_server_timeout
 * gives its connection up.
 */
#ifndef OBP_MONITOR_DETECT_H
#define OBP_MONITOR_DETECT_H

struct obp_monitor;

struct obp_detect {
    struct obp_probe **probes;  /* by server table index, made on need */
    unsigned           n;       /* the table's size */
};

/* The task: one round for each server. */
void obp_detect_run(struct obp_monitor *mon);

/* The task's period: server_detect_refresh_interval, in seconds. */
double obp_detect_interval(const struct obp_conf *conf);

/* Closes every connection (a stop, or the next generation probes). */
void obp_detect_stop(struct obp_monitor *mon);

/* obp_detect_stop, and the table of probes freed (the monitor's end). */
void obp_detect_free(struct obp_monitor *mon);

#endif
