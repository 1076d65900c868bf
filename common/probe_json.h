/*
 * NAME
 *	probe_json.h - the stable JSON form of probe results (see mxtls(1))
 */
#ifndef MXTLS_PROBE_JSON_H
#define MXTLS_PROBE_JSON_H

#include <jansson.h>

#include "probe.h"

/* A new reference (caller json_decref) or NULL on ENOMEM. Decisions and
 * their DANE part are rendered by decide_json.h. */
json_t *mxtls_probe_json(const struct mxtls_probe_result *r);

#endif /* MXTLS_PROBE_JSON_H */
