/*
 * SIGHUP: builds a new configuration generation and swaps it in, or
 * changes nothing.  Called by signal.c; obp_reload_apply_master() also by
 * main.c at start.
 */
#ifndef OBP_MASTER_RELOAD_H
#define OBP_MASTER_RELOAD_H

struct obp_master;
struct obp_conf;

/* OBP_OK when the new configuration is running, OBP_ERROR otherwise. */
int obp_reload(struct obp_master *m);

/* Applies the settings the master itself uses (log level, rotation). */
void obp_reload_apply_master(const struct obp_conf *conf);

/*
 * Registers the servers of rootservice_list in the segment's server
 * table (the blocklist), before the workers that use them see the
 * configuration.
 */
void obp_reload_servers(struct obp_master *m);

#endif
